"""C5's zone rows sized to what is used: one row per group of buses, the worst kept (#21).

C5 judges every device at every bus of its zones (:mod:`protv2g.checks.sensitivity`): at
10,000 buses 204,561 failing zone rows on the distinct fault blocks, 409,122 once copied to
the load-level twins — 84 % of the violation table, each with a message, an attribution, an
evidence row and a row of the Violations and Evidence sheets, where one problem (a device
that does not reach the far end of its zone) is one finding with a few groups of buses.

:func:`group_reach_rows` keeps, of the attributed C5 rows, per **group** — scenario, device,
element (phase or ground; the reduction of reach apart), zone (the row's status: ``fail``
primary, ``warn`` backup), fault type, case, attribution, margin unit and whether the base
case passes, fails or gives no margin (the gate counts the pre-existing rows that pass
without V2G) — the row with the smallest margin, with

* ``n_buses`` — the zone rows (buses; a bus once per phase where the fault table has one row
  per faulted phase) the row stands for (1 for every other row of the table);
* ``buses`` — the group's buses in words, the worst first: ``"b1175, b1180 … (+21 buses)"``
  ("" for every other row);
* ``bus_group`` — the group's number in the per-bus table (-1 for every other row);

and returns the per-bus rows of every group (:data:`BUS_COLUMNS`: each zone row's bus,
margin, currents, tolerance and base margin by its group's number and keys; the C5 per-bus
table the workbook writes beside itself, :data:`BUS_TABLE`). The attribution is decided per
zone row **before** the cut (the group key holds it), so a finding's attribution is the one
the per-bus rows give; the worst row is the one the Findings and the gate would name (the
smallest margin to :data:`~protv2g.significant.SIGNIFICANT_DIGITS` digits, a tie to the
bus first as text, :func:`protv2g.findings_rows.worst_order`).

Examples
--------
>>> import pandas as pd
>>> v = pd.DataFrame({"criterion": "C5", "status": "fail", "attribution": "new",
...     "scenario": "v2g", "fault_bus": ["b2", "b1", "b3"], "fault_type": "3ph", "case": "min",
...     "device": "R1", "margin_unit": "xIpickup", "margin": [-0.2, -0.5, -0.1],
...     "message": ["m2", "m1", "m3"], REACH_KEY: np.int8(0)})
>>> kept, per_bus = group_reach_rows(v)
>>> kept[["fault_bus", "n_buses", "buses"]].values.tolist()
[['b1', 3, 'b1, b2, b3']]
>>> per_bus["fault_bus"].tolist()
['b1', 'b2', 'b3']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._compact import text_category
from protv2g.checks._row_frames import take_columns
from protv2g.checks._rows import column_at, factorize_all, key_codes
from protv2g.significant import round_significant

__all__ = ["BUS_COLUMNS", "BUS_TABLE", "GROUP_COLUMNS", "GROUP_KEY", "REACH_KEY",
           "SHOWN_BUSES", "bus_text", "group_reach_rows", "with_group_columns"]

#: Working column of C5's zone rows (int8): the group part the violation columns do not
#: hold — 0 phase element, 1 ground element, 2 reduction of reach; -1 a row not grouped
#: (every other criterion's, C5's not-evaluated rows). Dropped by :func:`group_reach_rows`.
REACH_KEY = "_reach_key"
#: The violation columns of a group's key (with :data:`REACH_KEY`; the status says the zone).
GROUP_KEY = ("scenario", "device", "status", "fault_type", "case", "attribution",
             "margin_unit")
#: Columns :func:`group_reach_rows` adds to the violation table (after
#: :data:`protv2g.violations.VIOLATION_COLUMNS`).
GROUP_COLUMNS = ["n_buses", "buses", "bus_group"]
#: Buses a group's ``buses`` text names before "… (+N buses)": the worst and the next ones
#: by margin. A design choice: the Findings' locations name up to 10 per finding.
SHOWN_BUSES = 3
#: Name of the per-bus table in ``StudyResult.tables`` (and of its sheet / file).
BUS_TABLE = "C5 buses"
#: Columns of the per-bus table: the group's number and keys (its kept row's), then each
#: zone row's own figures, worst first within a group.
BUS_COLUMNS = ["bus_group", "criterion", "status", "attribution", "scenario", "device",
               "fault_type", "case", "fault_bus", "i_device_a", "i_other_a", "t_device_s",
               "margin", "margin_unit", "limit", "tolerance", "base_margin", "bracket"]
_OWN = ("fault_bus", "i_device_a", "i_other_a", "t_device_s", "margin", "limit",
        "tolerance", "base_margin", "bracket")


def with_group_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (changed in place, returned) with :data:`GROUP_COLUMNS` at their values for
    rows that stand for themselves (1, "", -1) where it lacks them, and without
    :data:`REACH_KEY`."""
    n = len(frame)
    if "n_buses" not in frame.columns:
        frame["n_buses"] = np.ones(n, dtype=np.int32)
    if "buses" not in frame.columns:
        blank = np.empty(n, dtype=object)
        blank[:] = ""
        frame["buses"] = blank
    if "bus_group" not in frame.columns:
        frame["bus_group"] = np.full(n, -1, dtype=np.int32)
    if REACH_KEY in frame.columns:
        del frame[REACH_KEY]
    return frame


def bus_text(names: list[str], shown: int = SHOWN_BUSES) -> str:
    """A group's buses in words: the first ``shown`` distinct ``names`` (given worst first),
    then ``"… (+N buses)"`` for the others.

    >>> bus_text(["b7", "b2", "b7", "b9", "b1"], 2)
    'b7, b2 … (+2 buses)'
    """
    seen = list(dict.fromkeys(names))
    head = ", ".join(seen[:shown])
    rest = len(seen) - shown
    return f"{head} … (+{rest} bus{'es' if rest > 1 else ''})" if rest > 0 else head


def _text_ranks(values: np.ndarray) -> np.ndarray:
    """Each value's rank as ``str`` sorts (equal texts equal ranks)."""
    codes, uniques = factorize_all(values)
    texts = np.asarray([str(u) for u in list(uniques)], dtype=object)
    rank = np.empty(len(texts), dtype=np.int64)
    rank[np.argsort(texts, kind="stable")] = np.arange(len(texts))
    return rank[codes]


def _taken(values: Any, at: np.ndarray) -> Any:
    """``values[at]``; a :class:`pandas.Categorical`'s codes taken (its categories kept)."""
    if isinstance(values, pd.Categorical):
        return values.take(at)
    return np.asarray(values)[at]


def _base_state(v: pd.DataFrame, at: np.ndarray) -> np.ndarray:
    """Each row's base case: 0 no base margin, 1 passing (``base_margin`` ≥ 0), 2 failing —
    part of the group key: the gate says how many of a finding's pre-existing rows pass
    without V2G (:meth:`protv2g.gate_reasons.ReasonRows.folded_note`)."""
    if "base_margin" not in v.columns:
        return np.zeros(len(at), dtype=np.int8)
    b = pd.to_numeric(pd.Series(column_at(v["base_margin"], at)), errors="coerce").to_numpy(
        float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(b), 0, np.where(b >= 0, 1, 2)).astype(np.int8)


def group_reach_rows(v: pd.DataFrame, first_group: int = 0
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """C5's zone rows of ``v`` (attributed violation rows with :data:`REACH_KEY`) cut to one
    row per group (module docstring), the other rows as they are.

    Parameters
    ----------
    v : DataFrame
        Violation rows (:data:`protv2g.violations.VIOLATION_COLUMNS` and :data:`REACH_KEY`;
        a frame without it has no row to group). Emptied (its columns taken).
    first_group : int
        Number of the first group (the groups are numbered from it in the order their
        first rows come).

    Returns
    -------
    rows : DataFrame
        ``v``'s rows in their order, of each group its kept (worst) row only, with
        :data:`GROUP_COLUMNS`, without :data:`REACH_KEY`.
    per_bus : DataFrame
        :data:`BUS_COLUMNS`, one row per zone row of every group, by group then worst
        first (empty without groups).
    """
    if REACH_KEY not in v.columns or not len(v):
        return with_group_columns(v), pd.DataFrame(columns=BUS_COLUMNS)
    at = np.flatnonzero(v[REACH_KEY].to_numpy() >= 0)
    if not len(at):
        return with_group_columns(v), pd.DataFrame(columns=BUS_COLUMNS)
    cols = [c for c in GROUP_KEY if c in v.columns]
    group = key_codes([column_at(v[c], at) for c in cols]
                      + [v[REACH_KEY].to_numpy()[at], _base_state(v, at)])
    margin = pd.to_numeric(pd.Series(column_at(v["margin"], at)), errors="coerce").to_numpy(
        float)
    worst_m = round_significant(margin)
    worst_m = np.where(np.isnan(worst_m), np.inf, worst_m)
    bus = column_at(v["fault_bus"], at)
    # by group, then worst first: the smallest margin, a tie to the bus first as text
    # (:func:`protv2g.findings_rows.worst_order` within one scenario, fault type and case)
    order = np.lexsort((np.arange(len(at)), _text_ranks(bus), worst_m, group))
    g_sorted = group[order]
    starts = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
    n_buses = np.diff(np.r_[starts, len(order)]).astype(np.int32)
    kept = at[order[starts]]  # each group's worst row (groups in order of first appearance)
    texts = np.empty(len(starts), dtype=object)
    bus_sorted = bus[order].tolist()
    ends = np.r_[starts[1:], len(order)]
    for k, (lo, hi) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        texts[k] = bus_text(bus_sorted[lo:hi])
    number = np.arange(first_group, first_group + len(starts), dtype=np.int32)
    of_group = np.repeat(np.arange(len(starts)), n_buses)
    per_bus = {"bus_group": number[of_group]}
    rows_sorted = at[order]
    # texts as categoricals, a group's keys by its kept row's codes (#21: as objects the
    # 204,561 rows of the 10,000-bus study were ≈ 30 MiB more, held to the workbook)
    for c in BUS_COLUMNS[1:]:
        if c in _OWN:
            values = column_at(v[c], rows_sorted) if c in v.columns else np.nan
        elif c in v.columns:  # the group's keys: its kept row's
            values = _taken(text_category(column_at(v[c], kept)), of_group)
        else:
            continue
        per_bus[c] = text_category(values) if isinstance(values, np.ndarray) else values
    per_bus_frame = pd.DataFrame(per_bus, columns=BUS_COLUMNS, copy=False)
    # the rows kept: every other row and each group's worst, in table order
    keep_mask = np.ones(len(v), dtype=bool)
    keep_mask[at] = False
    keep_mask[kept] = True
    positions = np.flatnonzero(keep_mask)
    n_col = np.ones(len(v), dtype=np.int32)
    n_col[kept] = n_buses
    g_col = np.full(len(v), -1, dtype=np.int32)
    g_col[kept] = number
    t_col = np.empty(len(v), dtype=object)
    t_col[:] = ""
    t_col[kept] = texts
    del v[REACH_KEY]
    out = take_columns(v, positions)
    out["n_buses"] = n_col[positions]
    out["buses"] = t_col[positions]
    out["bus_group"] = g_col[positions]
    return out, per_bus_frame
