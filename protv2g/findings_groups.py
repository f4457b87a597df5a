"""A finding's groups read bus by bus (#21, :mod:`protv2g.checks.row_groups`: C5's zone
rows, C12's voltage and unbalance rows): the export trend follows one row's story across the
export levels (its device, fault bus, fault type and case,
:data:`protv2g.findings_trend.ROW_KEY`), and a group's row is only its worst bus — so a
finding made of groups has its trend read from its groups' per-bus rows (the per-bus tables,
``StudyResult.tables["C5 buses"]`` / ``["C12 buses"]``, :func:`bus_table`), each with its
group row's export, participation, load levels and attribution: the rows the finding had
before the cut.

Examples
--------
>>> import pandas as pd
>>> t = BusRows.of(pd.DataFrame({"bus_group": [1, 1, 0], "fault_bus": ["b2", "b1", "b9"],
...     "margin": [-0.5, -0.2, -0.1], "tolerance": 0.01, "base_margin": float("nan")}))
>>> t.rows(np.array([1])).tolist(), t.buses[t.rows(np.array([1]))].tolist()
([1, 2], ['b2', 'b1'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from protv2g.findings_trend import ROW_KEY
from protv2g.significant import round_significant
from protv2g.text_codes import text_codes

__all__ = ["BUS_READ", "BusRows", "bus_table", "group_trend_columns"]

#: The columns of the per-bus tables the Findings read (locations, trend).
BUS_READ = ("bus_group", "fault_bus", "margin", "tolerance", "base_margin", "idle_margin")

#: Columns of a group's row that each of its buses shares in the trend (the others are the
#: bus's own: ``margin``, ``tolerance``, ``base_margin``, ``fault_bus``).
_SHARED = ("p_export_kw", "p_charging_kw", "participation", "attribution", "load_levels",
           "load_levels:mask", "fault_type", "case", "p_total_kw")


def bus_table(tables: pd.DataFrame | Sequence[pd.DataFrame | None] | None
              ) -> pd.DataFrame | None:
    """The per-bus tables of a study's groups (one frame, or several: C5's and C12's, whose
    ``bus_group`` numbers are distinct) as one frame of :data:`BUS_READ` (a column a table
    lacks NaN; a table without ``bus_group`` and ``fault_bus`` is not one); None without
    rows.

    >>> t = bus_table([pd.DataFrame({"bus_group": [0], "fault_bus": ["b1"], "margin": [-1.0]}),
    ...                None, pd.DataFrame({"bus_group": [1], "fault_bus": ["b2"]})])
    >>> t["fault_bus"].tolist(), t["margin"].tolist()[0]
    (['b1', 'b2'], -1.0)
    """
    if tables is None or isinstance(tables, pd.DataFrame):
        return tables if tables is None or len(tables) else None
    parts = [t for t in tables if t is not None and len(t)
             and {"bus_group", "fault_bus"} <= set(t.columns)]
    if len(parts) <= 1:
        return parts[0] if parts else None
    cols = {}
    for c in BUS_READ:
        if c == "fault_bus":  # texts: categoricals of different categories, united
            texts = [t[c] for t in parts]
            cols[c] = (union_categoricals([x.array for x in texts])
                       if all(isinstance(x.dtype, pd.CategoricalDtype) for x in texts)
                       else np.concatenate([np.asarray(x, dtype=object) for x in texts]))
        else:
            cols[c] = np.concatenate([
                pd.to_numeric(t[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                if c in t.columns else np.full(len(t), np.nan) for t in parts])
    cols["bus_group"] = cols["bus_group"].astype(np.int64)
    return pd.DataFrame(cols, copy=False)


@dataclass(frozen=True)
class BusRows:
    """The per-bus table by group: rows ``start[g]:stop[g]`` of the arrays are group ``g``'s
    (in the table's order: worst first)."""

    group: np.ndarray  # (n,) int64, sorted
    bus_codes: np.ndarray  # (n,) int64 into ``bus_texts``
    bus_texts: np.ndarray  # (k,) object
    margin: np.ndarray
    tolerance: np.ndarray
    base_margin: np.ndarray
    bus_rank: np.ndarray  # (k,) int64: each bus text's rank as ``str`` sorts
    #: each bus row's margin with every charger idle (NaN: none; mix38)
    idle_margin: np.ndarray | None = None

    @property
    def buses(self) -> np.ndarray:
        """Each row's bus name."""
        return self.bus_texts[self.bus_codes]

    @classmethod
    def of(cls, table: pd.DataFrame) -> BusRows:
        """From the per-bus table (``bus_group``, ``fault_bus``, ``margin``, ``tolerance``,
        ``base_margin``)."""
        group = table["bus_group"].to_numpy(dtype=np.int64)
        order = np.argsort(group, kind="stable")
        codes, texts = text_codes(table["fault_bus"])

        def num(c: str) -> np.ndarray:
            if c not in table.columns:
                return np.full(len(table), np.nan)
            return pd.to_numeric(table[c], errors="coerce").to_numpy(
                dtype=float, na_value=np.nan)[order]

        texts = np.asarray(texts, dtype=object)
        rank = np.empty(len(texts), dtype=np.int64)
        rank[np.argsort(texts.astype(str), kind="stable")] = np.arange(len(texts))
        return cls(group[order], np.asarray(codes)[order], texts, num("margin"),
                   num("tolerance"), num("base_margin"), rank, num("idle_margin"))

    def rows(self, groups: np.ndarray) -> np.ndarray:
        """Positions of the rows of ``groups`` (each group's in order, groups in turn)."""
        lo = np.searchsorted(self.group, groups, "left")
        hi = np.searchsorted(self.group, groups, "right")
        if not len(lo):
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist(),
                                                               strict=True)])


def group_trend_columns(trend: dict[str, np.ndarray], lo: int, hi: int, lead: int,
                        group: np.ndarray, bus: BusRows, status_rank: np.ndarray
                        ) -> tuple[dict[str, np.ndarray], int, int, float] | None:
    """The trend columns (:func:`protv2g.findings_trend.trend_columns`) of a finding's
    Evidence rows ``lo:hi`` read bus by bus: each row of group ``group[e]`` replaced by its
    group's per-bus rows (module docstring), worst first as the Evidence is ordered
    (:func:`protv2g.findings_rows.worst_order`: ``status_rank`` of each Evidence row, margin
    to 10 significant digits, the larger export, then the Evidence order for the other
    texts, then the bus as text). Returns ``(columns, rows, the leading row's
    position, the largest tolerance)`` — the leading Evidence row ``lead`` read at its own
    (worst) bus — or None where a row has no group (or none of its buses is in the table)."""
    g = group[lo:hi]
    if not len(g) or (g < 0).any():
        return None
    lo_b = np.searchsorted(bus.group, g, "left")
    hi_b = np.searchsorted(bus.group, g, "right")
    n_each = hi_b - lo_b
    if (n_each == 0).any():
        return None
    at = bus.rows(g)
    ev = np.repeat(np.arange(lo, hi), n_each)  # each bus row's Evidence row
    margin = bus.margin[at]
    m = round_significant(margin)
    p_kw = trend["p_export_kw"][ev] if "p_export_kw" in trend else np.zeros(len(ev))
    order = np.lexsort((bus.bus_rank[bus.bus_codes[at]], ev,
                        np.where(np.isnan(p_kw), np.inf, -p_kw),
                        np.where(np.isnan(m), np.inf, m), status_rank[ev]))
    at, ev = at[order], ev[order]
    cols: dict[str, np.ndarray] = {}
    for c in _SHARED:
        if c in trend:
            cols[c] = trend[c][ev]
    for c in ROW_KEY:
        if c == "fault_bus" or f"{c}:code" not in trend:
            continue
        cols[f"{c}:code"] = trend[f"{c}:code"][ev]
        cols[f"{c}:blank"] = trend[f"{c}:blank"][ev]
    if "fault_bus:code" in trend:
        cols["fault_bus:code"] = bus.bus_codes[at]
        cols["fault_bus:blank"] = (bus.bus_texts == "")[bus.bus_codes[at]]
    if "fault_bus" in trend:
        cols["fault_bus"] = bus.bus_texts[bus.bus_codes[at]]
    cols["margin"] = bus.margin[at]
    if "tolerance" in trend:
        cols["tolerance"] = bus.tolerance[at]
    if "base_margin" in trend:
        cols["base_margin"] = bus.base_margin[at]
    if "idle_margin" in trend and bus.idle_margin is not None:
        cols["idle_margin"] = bus.idle_margin[at]
    # the leading row at its own bus: its group's first (worst) per-bus row
    first = lo_b[lead - lo]
    where = np.flatnonzero((ev == lead) & (at == first))
    tol = cols.get("tolerance", np.zeros(0))
    tol = np.abs(tol[np.isfinite(tol)])
    return cols, len(at), int(where[0]), float(tol.max()) if len(tol) else 0.0
