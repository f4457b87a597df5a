"""The Coordination columns :func:`protv2g.report.derived.pair_table` reads, as arrays: a
pair's rows are positions in its frame, not sub-frames (#21, session 47: a sub-frame of each
group and part, and their column reads, were ≈ 0.3 s CPU of the 10,000-bus study's 37 pairs;
0.15 s now, the same table).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from protv2g.findings_rows import on_asymptote, worst_order
from protv2g.violations import STATUS_ORDER

__all__ = ["PairColumns"]


class PairColumns:
    """The columns :func:`pair_table` reads of its frame ``c`` (the Coordination rows with the
    fault's text columns ``_bus``, ``_type``, ``_case``, the margin ``_margin`` (NaN as +∞),
    the texts' alphabetical ranks ``_r*``, ``_base`` and ``_idle``), each as one array, so a
    pair's rows are positions in ``c`` rather than sub-frames (#21). Per row the same values
    the sub-frames gave: each column converted whole, as each sub-frame's was."""

    def __init__(self, c: pd.DataFrame) -> None:
        self.frame = c
        self.base, self.idle = (c[k].to_numpy(bool) for k in ("_base", "_idle"))
        self.bus, self.type, self.case = (c[k].to_numpy() for k in ("_bus", "_type", "_case"))
        self.margin = c["_margin"].to_numpy()
        self.names = tuple(c[f"_r{k}"].to_numpy() for k in ("scenario", "bus", "type", "case"))
        self.scenario = c["scenario"].to_numpy()
        self.scenario_text = c["scenario"].astype(str).to_numpy()
        self.ok = c["ok"].astype(bool).to_numpy()
        self.status_rank = (c["status"].astype(str).map(STATUS_ORDER).fillna(
            len(STATUS_ORDER)).to_numpy(np.int64) if "status" in c else None)
        self.asymptote = on_asymptote(c["data_boundary"] if "data_boundary" in c else None,
                                      len(c))
        self.i_primary_a = pd.to_numeric(c["i_primary_a"], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)

    def groups(self, keys: list[str]) -> Iterator[tuple[tuple, np.ndarray]]:
        """``(key, positions)`` of each group of ``keys``, as ``c.groupby(keys, sort=False)``
        iterates them (first seen first, rows in order; a row with a missing key in none)."""
        codes = self.frame.groupby(keys, sort=False).ngroup().fillna(-1).to_numpy(np.int64)
        order = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[order], np.arange(codes.max(initial=-1) + 2))
        values = [self.frame[k].to_numpy() for k in keys]
        for g in range(len(starts) - 1):
            pos = order[starts[g]:starts[g + 1]]
            if len(pos):
                yield tuple(v[pos[0]] for v in values), pos

    def point(self, rows: np.ndarray, largest: bool) -> tuple[str, str, str] | None:
        """(fault_bus, fault_type, case) of the largest (or smallest) primary current of the
        rows at positions ``rows`` (the first of equal ones)."""
        i = self.i_primary_a[rows]
        if not len(rows) or np.isnan(i).all():
            return None
        r = self.frame.iloc[rows[np.nanargmax(i) if largest else np.nanargmin(i)]]
        return str(r["fault_bus"]), str(r["fault_type"]), str(r["case"])

    def row_at(self, rows: np.ndarray, point: tuple[str, str, str] | None
               ) -> pd.Series | None:
        """The row among positions ``rows`` at ``point`` with the smallest margin (of equal
        ones, the first scenario by name)."""
        if point is None:
            return None
        hit = rows[(self.bus[rows] == point[0]) & (self.type[rows] == point[1])
                   & (self.case[rows] == point[2])]
        if not len(hit):
            return None
        # the smallest margin; equal ones in one order (findings_rows.worst_order)
        return self.frame.iloc[hit[worst_order(self.margin[hit],
                                               names=(self.names[0][hit],))[0]]]
