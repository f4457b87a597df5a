"""Integer codes of the checks' fault-table keys, made once per context (#21).

The checks join the fault table (one row per scenario, fault bus, fault type, case and device)
with the topology's tables (chains, pairs, zones: fault bus and device) and with itself (the
clearing device of a fault, the backup's row of the primary's fault). Joined on the key columns
themselves, every ``merge`` factorised the Python strings of scenario, device, fault type and
case again (``pandas.core.reshape.merge._factorize_keys`` on object keys: the largest self time
of the IEEE 8500 checks stage, 0.33 s in 20 merges). :func:`fault_keys` factorises them once,
in :func:`protv2g.checks._common.build_context`, into two integer codes per row:

* ``fault`` — the fault ``(scenario, fault_bus, fault_type, case)``; codes follow the sorted
  order of the keys (each column factorised sorted, then combined), so sorting by the code is
  ``sort_values(["scenario", "fault_bus", "fault_type", "case"])``;
* ``device`` — the device name (``names[code]``).

``fault * n_devices + device`` names a row (the fault table has one row per device and fault),
and ``fault_bus * n_devices + device`` a place on a topology table: look-ups are
:meth:`pandas.Index.get_indexer` on ``int64``, no string hashing after the first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._rows import factorize_all, factorize_runs

__all__ = ["FaultKeys", "FAULT_KEY_COLUMNS", "fault_keys", "keys_of"]

#: Columns that name one fault of the table (with ``device``: one row).
FAULT_KEY_COLUMNS = ("scenario", "fault_bus", "fault_type", "case")


@dataclass(frozen=True, eq=False)
class FaultKeys:
    """Integer codes of a fault table's rows (see the module docstring).

    Attributes
    ----------
    fault : ndarray of int64
        Per row, the code of its fault (``0 … n_faults − 1``, in sorted key order).
    device : ndarray of int64
        Per row, the code of its device (``0 … len(names) − 1``).
    names : Index
        Device names by code.
    levels, combined
        Each key column's sorted values and the faults' combined raw codes (for
        :meth:`fault_codes`).
    index : Index
        The table's index object: the codes hold for a table with this very index (the
        table or a shallow copy with columns replaced, :func:`keys_of`).
    pair_sorted, pair_order : ndarray of int64, optional
        ``fault × len(names) + device`` of every row (unique) sorted, and the rows in that
        order (built once by :func:`fault_keys`; :meth:`rows_of` looks rows up in them by
        binary search: #21, an ``Index`` of the keys and its hash table held ≈ 85 MiB
        through the checks at 10,000 buses, these two 29).
    """

    fault: np.ndarray
    device: np.ndarray
    names: pd.Index
    levels: tuple[pd.Index, ...] = ()
    combined: np.ndarray | None = None
    index: pd.Index | None = None
    pair_sorted: np.ndarray | None = None
    pair_order: np.ndarray | None = None

    def fault_codes(self, columns: Sequence[np.ndarray]) -> np.ndarray:
        """Fault codes of other rows given their ``FAULT_KEY_COLUMNS`` values (in that
        order; arrays, or :class:`pandas.Categorical`); ``-1`` for a fault the table does not
        have."""
        raw = np.zeros(len(columns[0]), dtype=np.int64)
        missing = np.zeros(len(raw), dtype=bool)
        for values, level in zip(columns, self.levels, strict=True):
            c = _level_codes(level, values)
            missing |= c < 0
            raw = raw * max(len(level), 1) + c
        at = np.searchsorted(self.combined, raw)
        at = np.minimum(at, len(self.combined) - 1)
        found = ~missing & (self.combined[at] == raw)
        return np.where(found, at, -1)

    @property
    def n_faults(self) -> int:
        """Number of distinct faults."""
        return int(self.fault.max()) + 1 if len(self.fault) else 0

    def device_codes(self, names: Sequence[str] | np.ndarray | pd.Series) -> np.ndarray:
        """Codes of device names (``-1`` for a name without rows in the table)."""
        return self.names.get_indexer(np.asarray(names, dtype=object)).astype(np.int64)

    def place(self, fault_bus: np.ndarray, device: np.ndarray) -> np.ndarray:
        """``fault_bus × n_devices + device code``: one integer per (bus, device)."""
        return np.asarray(fault_bus, dtype=np.int64) * len(self.names) + device

    def row_places(self, fault_bus: np.ndarray) -> np.ndarray:
        """:meth:`place` of every row of the table (its ``fault_bus`` column given)."""
        return self.place(fault_bus, self.device)

    def rows_of(self, fault: np.ndarray, device: np.ndarray) -> np.ndarray:
        """The table's row of each (fault code, device code); ``-1`` where it has none."""
        # a FaultKeys made by hand has no sorted pairs: made here
        keys = self if self.pair_sorted is not None and self.pair_order is not None \
            else _with_pairs(self)
        key = np.asarray(fault, dtype=np.int64) * len(self.names) + device
        ranked = keys.pair_sorted
        if not len(ranked):
            return np.full(len(key), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(ranked, key), len(ranked) - 1)
        found = (ranked[at] == key) & (np.asarray(device) >= 0)
        return np.where(found, keys.pair_order[at], -1)

    def base_rows(self, rows: np.ndarray, base_of: Mapping[str, str]) -> np.ndarray | None:
        """For each table row at ``rows`` (ascending positions), where among ``rows`` is the
        row of the same fault bus, fault type, case and device in its base scenario
        (``-1``: none there): the join :func:`protv2g.checks.converter_sum.
        split_against_base` makes on the key columns (scenarios by their ``str``) of the
        table's rows ``rows``, on the codes alone (#21: it factorised five object columns
        per 130,000-row block of C7). ``None`` where the join cannot be read off the codes
        (scenarios with the same text, ``rows`` not ascending).

        Returns
        -------
        ndarray of int64 or None
            ``(len(rows),)`` positions in ``rows``.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if len(self.levels) != len(FAULT_KEY_COLUMNS) or self.combined is None \
                or (len(rows) > 1 and not (np.diff(rows) > 0).all()):
            return None
        if not len(rows):
            return np.zeros(0, dtype=np.int64)
        scen = [str(u) for u in self.levels[0]]
        where = {n: k for k, n in enumerate(scen)}
        if len(where) != len(scen):
            return None
        base = np.array([where.get(base_of.get(n, ""), -1) for n in scen], np.int64)
        rest = int(np.prod([max(len(v), 1) for v in self.levels[1:]], dtype=object))
        raw = self.combined[self.fault[rows]]
        wanted = base[raw // rest]
        has = wanted >= 0
        look = np.where(has, wanted, 0) * rest + raw % rest
        at = np.minimum(np.searchsorted(self.combined, look), len(self.combined) - 1)
        has &= self.combined[at] == look
        full = self.rows_of(at, self.device[rows])
        pos = np.minimum(np.searchsorted(rows, full), len(rows) - 1)
        return np.where(has & (full >= 0) & (rows[pos] == full), pos, -1)


def _level_codes(level: pd.Index, values: Any) -> np.ndarray:
    """``level.get_indexer(np.asarray(values))``; a :class:`pandas.Categorical` without
    missing values looked up by its categories, once each, and spread by its codes (#21:
    the bus table's 240,000 minimum-case keys of 10,000 buses hashed row by row)."""
    if isinstance(values, pd.Categorical) and not (values.codes < 0).any():
        at = level.get_indexer(np.asarray(values.categories, dtype=object))
        return at[values.codes]
    return level.get_indexer(np.asarray(values))


def fault_keys(faults: pd.DataFrame) -> FaultKeys | None:
    """:class:`FaultKeys` of a checks fault table; ``None`` when its keys do not name its
    rows one by one (a hand-built table with repeated rows): the checks then join on the
    columns themselves."""
    fault = np.zeros(len(faults), dtype=np.int64)
    levels = []
    span = 1
    for c in FAULT_KEY_COLUMNS:  # lexicographic: code = ((s·nb + b)·nt + t)·nc + c
        codes, uniques = _factorize(faults[c], sort=True)
        levels.append(pd.Index(uniques))
        fault = fault * max(len(uniques), 1) + codes.astype(np.int64)
        span *= max(len(uniques), 1)
    combined, fault = _dense_ranks(fault, span)
    device, names = _factorize(faults["device"], sort=False)
    if (device < 0).any():
        return None
    keys = _with_pairs(FaultKeys(fault=fault, device=device.astype(np.int64),
                                 names=pd.Index(names, dtype=object), levels=tuple(levels),
                                 combined=combined, index=faults.index))
    ranked = keys.pair_sorted
    if len(ranked) > 1 and (ranked[1:] == ranked[:-1]).any():
        return None
    return keys


def _factorize(column: pd.Series, sort: bool) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~protv2g.checks._rows.factorize_all` of the column's values (``sort``) or, not
    sorted, :func:`~protv2g.checks._rows.factorize_runs` of them as objects: the same codes
    and uniques; a categorical of ``str`` categories without a missing value from its own
    codes, the categories present numbered in order of first appearance or of their text
    (#21: the device column's 911,767 rows at 10,000 buses written out as objects and
    hashed, one run a row)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        cats = np.asarray(column.cat.categories, dtype=object)
        if len(codes) and codes.min() >= 0 and all(type(c) is str for c in cats.tolist()):
            heads = codes[np.r_[0, np.flatnonzero(codes[1:] != codes[:-1]) + 1]]
            present, first = np.unique(heads, return_index=True)
            present = present[np.argsort(first, kind="stable")].tolist()
            if sort:
                present = sorted(present, key=lambda k: cats[k])
            remap = np.full(len(cats), -1, dtype=np.int64)
            remap[present] = np.arange(len(present))
            return remap[codes], cats[present]
    values = column.to_numpy()
    if sort and values.dtype.kind in "iu" and len(values):
        # integers (fault buses) by a table of the values present when their range is not
        # much larger than the rows: the sorted distinct values and each row's place among
        # them, as the sorted factorisation numbers them (#21: a hash and a sort of 911,767
        # fault buses at 10,000 buses)
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * len(values) + 2**20:
            present = np.zeros(hi - lo + 1, dtype=bool)
            present[values - lo] = True
            rank = np.cumsum(present, dtype=np.int64) - 1
            return rank[values - lo], (np.flatnonzero(present) + lo).astype(values.dtype)
    if sort:
        return factorize_all(values, sort=True)
    return factorize_runs(column.to_numpy(dtype=object))


def _with_pairs(keys: FaultKeys) -> FaultKeys:
    """``keys`` with ``pair_sorted`` and ``pair_order`` (see :class:`FaultKeys`)."""
    pair = keys.fault * len(keys.names) + keys.device
    order = np.argsort(pair, kind="stable")  # the table's rows come in runs: cheap
    return dataclasses.replace(keys, pair_sorted=pair[order], pair_order=order)


def _dense_ranks(raw: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(raw, return_inverse=True)`` of codes in ``0 … span − 1`` (int64): the
    distinct codes sorted and each row's place among them. Marked in a table of ``span``
    flags when that is not much larger than the rows (#21: the sort of 1.8 million fault
    codes at 10,000 buses), else sorted."""
    if len(raw) and span <= 4 * len(raw) + 2**20:
        present = np.zeros(span, dtype=bool)
        present[raw] = True
        rank = np.cumsum(present, dtype=np.int64) - 1
        return np.flatnonzero(present).astype(raw.dtype), rank[raw]
    combined, inverse = np.unique(raw, return_inverse=True)
    return combined, inverse.reshape(-1).astype(np.int64)


def keys_of(ctx: object) -> FaultKeys | None:
    """``ctx.keys`` when they are the codes of ``ctx.faults``' rows (the same index object:
    the table, or a shallow copy of it as :func:`protv2g.checks._common.in_bracket` makes);
    ``None`` for a context whose fault table was replaced by other rows."""
    keys, faults = getattr(ctx, "keys", None), getattr(ctx, "faults", None)
    if keys is None or faults is None or faults.index is not keys.index:
        return None
    return keys
