"""Violation rows sized to what is used: one row per group of per-bus rows, the worst kept (#21).

Two criteria judge every bus: C5 every device at every bus of its zones
(:mod:`protv2g.checks.reach_groups`; 409,122 rows at 10,000 buses before), C12 the voltage and
unbalance of every bus in every scenario (:mod:`protv2g.checks.flow_groups`; 71,788 rows at
10,000 buses, one finding). One problem there is one finding with a few groups of buses, not
a row, a message, an evidence row and a sheet row per bus.

A criterion's rows are grouped by its :class:`GroupSpec`: a row marked with
:data:`GROUP_PART` ≥ 0 (the group part the violation columns do not hold; -1 a row not
grouped) belongs to the group of its spec's ``key`` columns, :data:`GROUP_PART` and whether
the base case passes, fails or gives no margin (the gate counts the pre-existing rows that
pass without V2G). :func:`group_rows` keeps of each group the row with the smallest margin,
with

* ``n_buses`` — the rows (buses) it stands for (1 for every other row of the table);
* ``buses`` — the group's buses in words, the worst first: ``"b1175, b1180 … (+21 buses)"``
  ("" for every other row);
* ``bus_group`` — the group's number in its per-bus table (-1 for every other row; numbers
  are unique over the tables of one study);
* ``element`` — the group part's name where its spec names it (``part_names``: C5's
  ``phase``/``ground``, the element the zone rows were judged on, which the Findings' TCC
  link follows, review ver43 M-p1); "" for every other row;

and returns the per-bus rows of every group (each spec's ``columns``: each row's bus and
own figures by its group's number and keys; the table ``StudyResult.tables[spec.table]``
the workbook writes beside itself when long). The attribution is decided per row **before**
the cut (the group keys hold it), so a finding's attribution is the one the per-bus rows
give; the worst row is the one the Findings and the gate would name (the smallest margin to
:data:`~protv2g.significant.SIGNIFICANT_DIGITS` digits, a tie to the bus first as text,
:func:`protv2g.findings_rows.worst_order`).

A spec with ``apart_when_collapsing`` leaves ungrouped every row of a finding (criterion,
status, device, margin unit, mechanism) two of whose rows the Findings would collapse into
one evidence row (:func:`protv2g.findings_rows.collapse`: rows of two load levels at one bus
with one margin to 6 decimals, the same participation and export level): a group's row
stands for buses of one scenario, so such rows' evidence count, load levels and trend would
no longer be the per-bus rows'. C5's load-level twins are copies (their groups collapse
whole, as their rows did), C12's flows differ per load level (none collapses at 10,000
buses).

Examples
--------
>>> import pandas as pd
>>> spec = GroupSpec("C5", "C5 buses", ("scenario", "device", "status"),
...                  ("bus_group", "device", "fault_bus", "margin"), ("fault_bus", "margin"))
>>> v = pd.DataFrame({"criterion": "C5", "status": "fail", "attribution": "new",
...     "scenario": "v2g", "fault_bus": ["b2", "b1", "b3"], "device": "R1",
...     "margin": [-0.2, -0.5, -0.1], "message": ["m2", "m1", "m3"], GROUP_PART: np.int8(0)})
>>> kept, tables = group_rows(v, (spec,))
>>> kept[["fault_bus", "n_buses", "buses"]].values.tolist()
[['b1', 3, 'b1, b2, b3']]
>>> tables["C5 buses"]["fault_bus"].tolist()
['b1', 'b2', 'b3']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._compact import category_at, text_category
from protv2g.checks._row_frames import take_columns
from protv2g.checks._rows import column_at, factorize_all, key_codes
from protv2g.significant import round_significant

__all__ = ["GROUP_COLUMNS", "GROUP_PART", "GroupSpec", "SHOWN_BUSES", "bus_text",
           "collapsing_rows", "group_rows", "with_group_columns"]

#: Working column of the rows to group (int8): the group part the violation columns do not
#: hold (C5: 0 phase element, 1 ground element, 2 reduction of reach; C12: 0 voltage,
#: 1 unbalance); -1 a row not grouped. Dropped by :func:`group_rows`.
GROUP_PART = "_group_part"
#: Columns :func:`group_rows` adds to the violation table (after
#: :data:`protv2g.violations.VIOLATION_COLUMNS`).
GROUP_COLUMNS = ["n_buses", "buses", "bus_group", "element"]
#: Buses a group's ``buses`` text names before "… (+N buses)": the worst and the next ones
#: by margin. A design choice: the Findings' locations name up to 10 per finding.
SHOWN_BUSES = 3
#: The columns a finding groups its rows by (:func:`protv2g.findings_rows.key_codes`,
#: pair criteria aside) and the Evidence's collapse compares
#: (:func:`protv2g.findings_rows.collapse`), besides the scenario's parts and the margin.
_FINDING_KEY = ("criterion", "status", "device", "other_device", "margin_unit", "mechanism")
_COLLAPSE_KEY = (*_FINDING_KEY, "attribution", "fault_bus", "fault_type", "case")


@dataclass(frozen=True)
class GroupSpec:
    """How one criterion's rows are grouped.

    Attributes
    ----------
    criterion : str
        The criterion whose rows marked with :data:`GROUP_PART` ≥ 0 are grouped.
    table : str
        Name of its per-bus table (``StudyResult.tables``, its sheet and file).
    key : tuple of str
        Violation columns of a group's key (with :data:`GROUP_PART` and the base state).
    columns : tuple of str
        Columns of the per-bus table: ``bus_group``, the group's keys (its kept row's), and
        the ``own`` columns, each row's own.
    own : tuple of str
        Columns each per-bus row has of its own (``fault_bus``, ``margin`` …).
    apart_when_collapsing : bool
        Rows the Findings would collapse across groups left ungrouped (module docstring).
    part_names : tuple of str
        The name of each :data:`GROUP_PART` value (by index) the kept row's ``element``
        column says; a part past its end, or none given, "".
    """

    criterion: str
    table: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    own: tuple[str, ...]
    apart_when_collapsing: bool = False
    part_names: tuple[str, ...] = ()


def with_group_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (changed in place, returned) with :data:`GROUP_COLUMNS` at their values for
    rows that stand for themselves (1, "", -1) where it lacks them, and without
    :data:`GROUP_PART`."""
    n = len(frame)
    if "n_buses" not in frame.columns:
        frame["n_buses"] = np.ones(n, dtype=np.int32)
    if "buses" not in frame.columns:
        blank = np.empty(n, dtype=object)
        blank[:] = ""
        frame["buses"] = blank
    if "bus_group" not in frame.columns:
        frame["bus_group"] = np.full(n, -1, dtype=np.int32)
    if "element" not in frame.columns:
        frame["element"] = text_category(np.full(n, "", dtype=object))
    if GROUP_PART in frame.columns:
        del frame[GROUP_PART]
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


def _numbers(v: pd.DataFrame, column: str, at: np.ndarray) -> np.ndarray:
    """``v[column]`` at positions ``at`` as float (NaN where not a number or absent)."""
    if column not in v.columns:
        return np.full(len(at), np.nan)
    return pd.to_numeric(pd.Series(column_at(v[column], at)), errors="coerce").to_numpy(float)


def _base_state(v: pd.DataFrame, at: np.ndarray) -> np.ndarray:
    """Each row's base case: 0 no base margin, 1 passing (``base_margin`` ≥ 0), 2 failing —
    part of the group key: the gate says how many of a finding's pre-existing rows pass
    without V2G (:meth:`protv2g.gate_reasons.ReasonRows.folded_note`)."""
    b = _numbers(v, "base_margin", at)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(b), 0, np.where(b >= 0, 1, 2)).astype(np.int8)


def collapsing_rows(v: pd.DataFrame, at: np.ndarray,
                    scenario_parts: Mapping[str, tuple[str, str, str]]) -> np.ndarray:
    """``(len(at),)`` bool: the rows ``at`` of ``v`` in a finding (:data:`_FINDING_KEY`) two
    of whose rows ``at`` the Findings' collapse would make one evidence row: the same
    :data:`_COLLAPSE_KEY` texts, margin to 6 decimals, participation and export level, both
    of a scenario with a load level (``scenario_parts``: scenario → (participation, export
    level, load level) texts, as the result's scenario table gives them; a scenario it lacks
    has none, as the Findings read it)."""
    if not len(at):
        return np.zeros(0, dtype=bool)
    names = column_at(v["scenario"], at)
    s_codes, s_texts = factorize_all(names)
    parts = [scenario_parts.get(str(s), ("", "", "")) for s in list(s_texts)]
    level = np.array([bool(p[2]) for p in parts] + [False], dtype=bool)[s_codes]
    if not level.any():
        return np.zeros(len(at), dtype=bool)
    part = key_codes([np.array([p[0] for p in parts] + [""], dtype=object)[s_codes],
                      np.array([p[1] for p in parts] + [""], dtype=object)[s_codes]])
    m = np.round(_numbers(v, "margin", at), 6)
    cols = [column_at(v[c], at) for c in _COLLAPSE_KEY if c in v.columns]
    key = key_codes([*cols, part, np.where(np.isnan(m), np.inf, m)])
    key = np.where(level, key, -1 - np.arange(len(at)))  # without a level: its own
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    twice = counts[inverse.ravel()] > 1
    if not twice.any():
        return twice
    finding = key_codes([column_at(v[c], at) for c in _FINDING_KEY if c in v.columns])
    return np.isin(finding, finding[twice])


def group_rows(v: pd.DataFrame, specs: Sequence[GroupSpec], first_group: int = 0,
               scenario_parts: Mapping[str, tuple[str, str, str]] | None = None
               ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The rows of ``v`` marked with :data:`GROUP_PART` ≥ 0 cut to one row per group of their
    criterion's spec (module docstring), the other rows as they are.

    Parameters
    ----------
    v : DataFrame
        Attributed violation rows (:data:`protv2g.violations.VIOLATION_COLUMNS` and
        :data:`GROUP_PART`; a frame without it has no row to group). Emptied (its columns
        taken).
    specs : sequence of GroupSpec
        One per criterion grouped; a marked row of another criterion is not grouped.
    first_group : int
        Number of the first group (the groups are numbered from it, spec by spec, in the
        order their first rows come).
    scenario_parts : mapping, optional
        Scenario → (participation, export level, load level) texts, for the specs with
        ``apart_when_collapsing`` (without it, every scenario is taken to have a load level:
        more rows left apart, never fewer).

    Returns
    -------
    rows : DataFrame
        ``v``'s rows in their order, of each group its kept (worst) row only, with
        :data:`GROUP_COLUMNS`, without :data:`GROUP_PART`.
    tables : dict of str to DataFrame
        Per spec with groups, its per-bus table (``spec.columns``): one row per grouped row,
        by group then worst first.
    """
    if GROUP_PART not in v.columns or not len(v):
        return with_group_columns(v), {}
    marked = v[GROUP_PART].to_numpy() >= 0
    if not marked.any():
        return with_group_columns(v), {}
    marked_at = np.flatnonzero(marked)
    crit_codes, crit_texts = factorize_all(column_at(v["criterion"], marked_at))
    crit_texts = [str(t) for t in list(crit_texts)]
    n_col = np.ones(len(v), dtype=np.int32)
    g_col = np.full(len(v), -1, dtype=np.int32)
    t_col = np.empty(len(v), dtype=object)
    t_col[:] = ""
    e_col = np.full(len(v), "", dtype=object)
    keep_mask = np.ones(len(v), dtype=bool)
    tables: dict[str, pd.DataFrame] = {}
    number = first_group
    for spec in specs:
        at = (marked_at[crit_codes == crit_texts.index(spec.criterion)]
              if spec.criterion in crit_texts else marked_at[:0])
        if spec.apart_when_collapsing and len(at):
            parts = scenario_parts if scenario_parts is not None else _every_level(v, at)
            at = at[~collapsing_rows(v, at, parts)]
        if not len(at):
            continue
        table, kept, n_buses, texts = _spec_groups(v, at, spec, number)
        numbers = np.arange(number, number + len(kept), dtype=np.int32)
        keep_mask[at] = False
        keep_mask[kept] = True
        n_col[kept] = n_buses
        g_col[kept] = numbers
        t_col[kept] = texts
        if spec.part_names:
            names = np.array([*spec.part_names, ""], dtype=object)
            part = v[GROUP_PART].to_numpy()[kept].astype(np.intp)
            e_col[kept] = names[np.where((part >= 0) & (part < len(spec.part_names)), part,
                                         len(spec.part_names))]
        tables[spec.table] = table
        number += len(kept)
    positions = np.flatnonzero(keep_mask)
    del v[GROUP_PART]
    out = take_columns(v, positions)
    out["n_buses"] = n_col[positions]
    out["buses"] = t_col[positions]
    out["bus_group"] = g_col[positions]
    out["element"] = text_category(e_col[positions])
    return out, tables


def _every_level(v: pd.DataFrame, at: np.ndarray) -> dict[str, tuple[str, str, str]]:
    """Every scenario of rows ``at`` with one participation, export level and a load level:
    the most rows :func:`collapsing_rows` can find (no scenario table given)."""
    return {str(s): ("", "", "level") for s in pd.unique(column_at(v["scenario"], at))}


def _spec_groups(v: pd.DataFrame, at: np.ndarray, spec: GroupSpec, first: int
                 ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The groups of rows ``at`` of ``v`` by ``spec``: its per-bus table (groups numbered
    from ``first``), each group's kept (worst) row's position in ``v``, its row count and
    its buses in words (groups in order of their kept rows' first appearance)."""
    cols = [c for c in spec.key if c in v.columns]
    group = key_codes([column_at(v[c], at) for c in cols]
                      + [v[GROUP_PART].to_numpy()[at], _base_state(v, at)])
    worst_m = round_significant(_numbers(v, "margin", at))
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
    number = np.arange(first, first + len(starts), dtype=np.int32)
    of_group = np.repeat(np.arange(len(starts)), n_buses)
    per_bus = {"bus_group": number[of_group]}
    rows_sorted = at[order]
    # texts as categoricals, a group's keys by its kept row's codes (#21: as objects the
    # 204,561 rows of C5 at 10,000 buses were ≈ 30 MiB more, held to the workbook)
    for c in spec.columns[1:]:
        if c in spec.own:  # a categorical's codes taken, not its texts (:func:`category_at`)
            values = category_at(v[c], rows_sorted) if c in v.columns else np.nan
        elif c in v.columns:  # the group's keys: its kept row's
            values = _taken(category_at(v[c], kept), of_group)
        else:
            continue
        per_bus[c] = text_category(values) if isinstance(values, np.ndarray) else values
    return (pd.DataFrame(per_bus, columns=list(spec.columns), copy=False), kept, n_buses,
            texts)
