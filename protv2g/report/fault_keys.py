"""The device-fault table's key columns coded and indexed (issue #21).

:data:`FAULT_KEY` (scenario, device, fault bus, fault type, case) → the first row position of
that key in ``result.device_faults`` (:class:`FaultIndex`, :func:`fault_index`), through the
key columns coded as integers (:func:`fault_key_codes`, by runs of equal cells where they are
long). Used by :mod:`protv2g.report.elements` (the element each row's time comes from, the
Evidence's 3I0), :mod:`protv2g.report.excel` and the TCCs' extremes
(:mod:`protv2g.report.tcc_extremes`); holds no study logic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from protv2g.result_rows import DeviceRows, device_rows
from protv2g.text_codes import text_codes

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["FAULT_KEY", "ColumnCoding", "FaultIndex", "cell_codes", "coded_rows",
           "fault_index", "fault_key_codes"]

#: Key of a device fault row (``result.device_faults`` columns).
FAULT_KEY = ["scenario", "device", "fault_bus_name", "fault_type", "case"]


def fault_index(result: StudyResult, coded: dict[str, ColumnCoding] | None = None
                ) -> FaultIndex | None:
    """:data:`FAULT_KEY` (as text) → the first row position of that key in the result's
    device-fault rows (:class:`FaultIndex`), or None without device faults; ``coded``:
    :func:`fault_key_codes` of ``result`` when the caller made them.

    The rows are :func:`~protv2g.result_rows.device_rows`': the held rows while the result
    holds them (held36, #21: a twin scenario's key is looked up as its held scenario's, and
    the position is in the held rows, :attr:`FaultIndex.rows`), else
    ``result.device_faults`` (``result.staged`` aligned by position)."""
    rows = device_rows(result)
    faults = rows.faults if isinstance(rows.faults, pd.DataFrame) else None
    if faults is None or faults.empty:
        return None
    return FaultIndex(faults, coded, rows=rows)


#: A key column of the device-fault table coded (:func:`fault_key_codes`): codes (one per
#: run of equal cells when ``lengths`` is given, else one per cell), the distinct texts, the
#: runs' lengths or None.
ColumnCoding = tuple[np.ndarray, np.ndarray, "np.ndarray | None"]


def fault_key_codes(result: StudyResult) -> dict[str, ColumnCoding] | None:
    """Each :data:`FAULT_KEY` column of the result's device-fault rows
    (:func:`~protv2g.result_rows.device_rows`: the held rows while the result holds them)
    coded by its ``astype(str)`` text (:func:`_column_codes`: through its runs where it has
    long ones), or None without device faults: what :class:`FaultIndex` joins, made once for
    it and the TCCs' extremes (:func:`protv2g.report.tcc_extremes.device_extremes`; #21:
    each coded the 10,000-bus study's 1.8 M device rows, ≈ 0.3 s CPU again there)."""
    faults = device_rows(result).faults
    faults = faults if isinstance(faults, pd.DataFrame) else None
    if faults is None or faults.empty:
        return None
    return {c: _column_codes(faults[c]) for c in FAULT_KEY}


def coded_rows(coded: dict[str, ColumnCoding]) -> int:
    """The number of rows of a table whose key columns ``coded`` are (:func:`fault_key_codes`):
    to check they are the codes of the table at hand."""
    codes, _, lengths = coded[FAULT_KEY[0]]
    return int(lengths.sum()) if lengths is not None else len(codes)


def cell_codes(coded: ColumnCoding) -> tuple[np.ndarray, np.ndarray]:
    """(codes, texts) of a :data:`ColumnCoding`, one code per cell (runs expanded):
    ``texts[codes]`` is the column's ``astype(str)``, as :func:`~protv2g.text_codes.text_codes`
    gives it."""
    codes, texts, lengths = coded
    return (codes if lengths is None else np.repeat(codes, lengths)), texts


#: Cells sampled at the top of a key column to judge whether coding it by its runs pays.
_RUN_SAMPLE = 4096
#: Largest mixed-radix key of :class:`FaultIndex` (int64 without overflow); a table whose
#: key columns have more distinct combinations is indexed by a dict.
_RADIX_LIMIT = 2 ** 62


def _column_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`~protv2g.text_codes.text_codes` of a column, through its runs of equal cells
    when it has long ones (a fault table's scenario, device, type and case change every few
    hundred rows, and comparing neighbours costs a fifth of hashing every cell, #21).

    Returns
    -------
    codes : ndarray of int64
        One per run when ``lengths`` is given (``np.repeat(codes, lengths)`` is the column's
        codes: expanded only when used, one column at a time), else one per cell.
    texts : ndarray of object
    lengths : ndarray of int64 or None
        The runs' lengths, or None when the column is not coded by runs.
    """
    if isinstance(values.dtype, pd.CategoricalDtype) and len(values):
        coded = _category_codes(values)
        if coded is not None:
            return coded
    a = values.to_numpy()
    head = a[:_RUN_SAMPLE]
    if (values.dtype != object or len(a) < 2
            or pd.api.types.infer_dtype(a, skipna=False) != "string"
            or np.count_nonzero(head[1:] != head[:-1]) > len(head) // 8):
        return (*text_codes(values), None)
    # plain str cells: equal exactly when their texts are
    starts = np.concatenate([[0], np.flatnonzero(a[1:] != a[:-1]) + 1])
    codes, texts = text_codes(pd.Series(a[starts], dtype=object))
    return codes, texts, np.diff(np.append(starts, len(a)))


def _category_codes(values: pd.Series) -> ColumnCoding | None:
    """:func:`_column_codes` of a categorical column of ``str`` categories, read from its
    category codes (the smallest integer type; #21, 10,000 buses: the device table's key
    columns are categoricals, whose :func:`~protv2g.text_codes.text_codes` made two int64
    codes per cell, ≈ 44 MiB a column for its 1.8 M rows, 110 MiB RSS for the five, the
    workbook's peak): by runs where they are long, the codes numbered by first appearance as
    :func:`~protv2g.text_codes.text_codes` numbers them, in the smallest unsigned type that
    holds them. None for a column with missing cells or a non-``str`` category (coded as
    text by the caller)."""
    cat = values.cat.codes.to_numpy()
    head = cat[:_RUN_SAMPLE]
    lengths = None
    if np.count_nonzero(head[1:] != head[:-1]) <= len(head) // 8:
        starts = np.flatnonzero(cat[1:] != cat[:-1]) + 1
        lengths = np.diff(np.concatenate([[0], starts, [len(cat)]]))
        cat = cat[np.concatenate([[0], starts])]
    seen = pd.unique(cat)  # the categories in the order they first appear
    if len(seen) and seen.min() < 0:
        return None
    texts = np.asarray(values.cat.categories, dtype=object).take(seen)
    if not all(type(t) is str for t in texts.tolist()):
        return None
    renumber = np.zeros(len(values.cat.categories),
                        dtype=np.min_scalar_type(max(len(seen) - 1, 0)))
    renumber[seen] = np.arange(len(seen))
    return renumber[cat], texts, lengths


def _first_of_keys(key: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``np.unique(key, return_index=True)``: the distinct keys ascending and the first
    position of each (int32 where it holds them), ``None`` for positions that are the
    keys' own indices (every key once, already sorted).

    A key column already sorted (a device-fault table ordered by its key columns) is read
    without sorting it (#21: the sort's permutation and sorted copy were 2 × 14.6 MB of the
    10,000-bus study's 1.8 M rows); otherwise a stable sort, as ``np.unique``'s, keeps the
    first of equal keys (#21: at 10,000 buses the bus order differs between devices, so the
    1.8 M distinct keys are sorted; the positions as int32 hold 7.3 MB, not 14.6).
    """
    if len(key) and bool(np.all(key[1:] >= key[:-1])):
        new = key[1:] != key[:-1]
        if new.all():
            return key, None
        first = np.flatnonzero(np.concatenate([[True], new]))
        return key[first], first
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    new = np.empty(len(ordered), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    small = np.int32 if len(key) < 2 ** 31 else np.int64
    if new.all():
        return ordered, order.astype(small)
    return ordered[new], order[new].astype(small)


class FaultIndex:
    """The first row position of each :data:`FAULT_KEY` (each column as its ``astype(str)``
    text) in a device-fault table: the key columns as integer codes
    (:func:`~protv2g.text_codes.text_codes`) joined into one integer, sorted once (#21: a
    dict of text tuples cost ≈ 1.5 s on the 10,000-bus study's 1.8 M device rows).

    Parameters
    ----------
    faults : DataFrame, shape (n, ≥ 5)
        ``result.device_faults``, with the :data:`FAULT_KEY` columns; not modified.
    coded : dict, optional
        Its key columns coded (:func:`fault_key_codes`), when the caller made them (made
        again when they are another table's: a different number of rows).
    rows : DeviceRows, optional
        The rows ``faults`` is, with their stages and map
        (:func:`~protv2g.result_rows.device_rows`): when they are held, a key's scenario is
        looked up as its held scenario (a twin's rows are its held scenario's, in the same
        order, so the position found holds the values the table of every scenario has at
        its own). Without it, ``faults`` is taken as a table of every scenario.

    Attributes
    ----------
    rows : DeviceRows
        The table the positions are in (``rows.faults`` is ``faults``).
    """

    def __init__(self, faults: pd.DataFrame,
                 coded: dict[str, ColumnCoding] | None = None,
                 rows: DeviceRows | None = None) -> None:
        self.rows = rows if rows is not None else DeviceRows(faults, None)
        self._held = self.rows.held_name
        if coded is not None and coded_rows(coded) != len(faults):
            coded = None
        columns = [coded[c] if coded is not None else _column_codes(faults[c])
                   for c in FAULT_KEY]
        runs = [len(lengths) if lengths is not None else len(codes)
                for codes, _, lengths in columns]
        # the column with the fewest runs first: the joined key of a table ordered by its
        # columns is then already sorted (one run for the stable sort, #21)
        self._order = sorted(range(len(FAULT_KEY)), key=lambda k: runs[k])
        self._code = [{t: k for k, t in enumerate(texts.tolist())} for _, texts, _ in columns]
        self._width = [max(len(texts), 1) for _, texts, _ in columns]
        self._dict: dict[tuple[str, ...], int] | None = None

        if np.prod(np.array(self._width, dtype=float)) >= _RADIX_LIMIT:
            self._dict = {}
            cols = [texts[codes] for codes, texts in map(cell_codes, columns)]
            for pos, key in enumerate(zip(*cols, strict=True)):
                self._dict.setdefault(key, pos)
            return
        # in the smallest signed type that holds every joined key (int32 at 10,000 buses)
        top = int(np.prod(np.array(self._width, dtype=object)))
        key = np.zeros(len(faults), dtype=np.int32 if top <= 2 ** 31 else np.int64)
        for k in self._order:  # in place, one column's codes expanded at a time
            key *= self._width[k]
            key += cell_codes(columns[k])[0]
        # the first position of each key (a stable sort's)
        self._keys, self._first = _first_of_keys(key)

    def get(self, key: tuple[str, ...], default: int | None = None) -> int | None:
        """The first position of ``key`` (texts in :data:`FAULT_KEY` order), else
        ``default``."""
        key = (self._held(key[0]), *key[1:])
        if self._dict is not None:
            return self._dict.get(key, default)
        joined = 0
        for k in self._order:
            code = self._code[k].get(key[k])
            if code is None:
                return default
            joined = joined * self._width[k] + code
        # the key in the keys' own type: a Python int searched in int32 keys would cast
        # all of them to int64 first (≈ 3.6 ms a call at 1.8 M keys; #21, ≈ 1,000 calls at
        # 10,000 buses). ``joined`` < the product of the widths, which the type holds.
        j = int(self._keys.searchsorted(self._keys.dtype.type(joined)))
        if j < len(self._keys) and self._keys[j] == joined:
            return j if self._first is None else int(self._first[j])
        return default

    def positions(self, columns: list[pd.Series]) -> np.ndarray:
        """The first position of each row's key, ``-1`` where the table has none.

        Parameters
        ----------
        columns : list of Series, 5 × shape (m,)
            The key's columns in :data:`FAULT_KEY` order, each read as its ``astype(str)``
            text.

        Returns
        -------
        ndarray of int64, shape (m,)
        """
        m = len(columns[0]) if columns else 0
        if self._dict is not None:
            texts = [c.astype(str).to_numpy() for c in columns]
            if len(texts):
                texts[0] = np.array([self._held(t) for t in texts[0].tolist()], dtype=object)
            return np.array([self._dict.get(k, -1) for k in zip(*texts, strict=True)],
                            dtype=np.int64).reshape(m)
        joined = np.zeros(m, dtype=np.int64)
        found = np.ones(m, dtype=bool)
        for k in self._order:
            codes, texts = text_codes(columns[k])
            names = texts.tolist() if k else [self._held(t) for t in texts.tolist()]
            at = np.array([self._code[k].get(t, -1) for t in names],
                          dtype=np.int64)[codes]
            found &= at >= 0
            joined = joined * self._width[k] + np.maximum(at, 0)
        if not len(self._keys):
            return np.full(m, -1, dtype=np.int64)
        j = np.minimum(np.searchsorted(self._keys, joined), len(self._keys) - 1)
        return np.where(found & (self._keys[j] == joined),
                        j if self._first is None else self._first[j], -1).astype(np.int64)
