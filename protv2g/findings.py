"""Findings: the violation rows grouped into the engineering problems they are evidence of.

A study yields hundreds of violation rows, most of them the same problem seen at another
fault, fault type, scenario or load level. A *finding* is one problem: one criterion, the
device (and, for pair criteria, the device it must coordinate with) and the mechanism (the
sub-rule that failed, e.g. C2's fuse saving vs. C2's fuse backup). Each finding carries

* where it appears: scenarios, fault types, fault locations, cases, load levels;
* its worst margin with its unit and where that occurs;
* how the margin moves with the export level (worst margin per total V2G export);
* its attribution: ``caused by V2G`` (every row new), ``made worse by V2G`` (rows worse than
  the base case, or new rows beside pre-existing ones), ``pre-existing``, or ``not
  attributed`` when no row says (rows without a base-case comparison); a C8 charging peak,
  or a finding whose new or worse rows are all charging snapshots, says ``caused by
  charging`` / ``made worse by charging`` instead (vehicle load, there with or without V2G
  export, :mod:`protv2g.checks.load`; one rule, :func:`protv2g.findings_attribution
  .by_charging`);
* links to its evidence rows: every violation row gets an evidence id (``E0001``…); rows that
  differ only in load level (IEC 60909 fault currents do not depend on load) collapse into
  one evidence row listing the load levels.

Grouping uses typed columns only (``criterion``, ``status``, ``device``, ``other_device``,
``margin_unit`` and, when the checks give them, ``mechanism``/``rule``), never the wording of
``message``. Where a pair criterion's rows carry no mechanism column, the sub-rule is taken
from the coordination table row the violation came from (its ``check`` label, used as an
opaque identifier of the rule, never parsed). Extra columns the checks add (``tolerance``,
``bracket``, ``data_boundary``, rule values …) are kept on the evidence rows.

The rows are grouped on integer codes of their text columns (:mod:`protv2g.findings_rows`,
:mod:`protv2g.text_codes`): each distinct text is written and tested once, not each cell
(#21: the 10,000-bus study's 472,765 rows), with the same groups, order and texts.

Examples
--------
>>> import pandas as pd
>>> rows = pd.DataFrame({"criterion": ["C4", "C4"], "status": ["fail", "fail"],
...     "attribution": ["new", "new"], "scenario": ["firm/light/100%", "firm/peak/100%"],
...     "fault_bus": ["B2", "B2"], "fault_type": ["LL", "LL"], "case": ["min", "min"],
...     "device": ["R1", "R1"], "other_device": ["RC", "RC"], "margin": [-0.2, -0.2],
...     "margin_unit": ["s", "s"], "limit": [0.3, 0.3], "message": ["m", "m"]})
>>> scen = pd.DataFrame({"scenario": ["firm/light/100%", "firm/peak/100%"],
...     "participation": ["firm", "firm"], "load_level": ["light", "peak"],
...     "export_level": ["100%", "100%"], "is_base": [False, False], "p_s_kw": [900.0, 900.0]})
>>> f = build_findings(rows, scen)
>>> len(f.findings), len(f.evidence), f.evidence["load_levels"].iloc[0]
(1, 1, 'light, peak')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.criteria import order
from protv2g.findings_attribution import (
    Attribution,
    finding_attribution,
)
from protv2g.findings_groups import BusRows, bus_table
from protv2g.findings_rows import (
    collapse,
    day_load,
    export_kw_by_scenario,
    key_codes,
    on_asymptote,
    scenario_codes,
    text_ranks,
    worst_order,
)
from protv2g.findings_table import FINDING_COLUMNS, finding_rows, rule_labels
from protv2g.findings_trend import (
    TREND_ABS,
    TREND_REL,
)
from protv2g.findings_trend_sites import SiteAxis
from protv2g.text_codes import ColumnCodes, combine_codes, text_codes
from protv2g.violations import STATUS_ORDER, CheckStatus, is_given, row_weights

__all__ = ["Attribution", "EVIDENCE_COLUMNS", "FINDING_COLUMNS", "Findings", "build_findings",
           "finding_attribution",
           "PAIR_CRITERIA", "MECHANISM_COLUMNS", "TREND_ABS", "TREND_REL", "finding_keys",
           "rule_labels"]

#: Criteria whose ``other_device`` is part of the problem (a coordinating pair, or the V2G site
#: a reclosing device must wait for). For the others ``other_device`` names the clearing device
#: or the sites behind a device, which vary from row to row of one problem.
PAIR_CRITERIA = frozenset({"C1", "C2", "C3", "C4", "C10"})

#: Typed columns naming the sub-rule of a row, used when present (first found wins).
MECHANISM_COLUMNS = ("mechanism", "rule")


#: The violation rows' columns :func:`build_findings` codes (its finding key, collapse and
#: order), read again at the evidence rows.
_CODED = ("status", "criterion", "device", "other_device", "margin_unit", *MECHANISM_COLUMNS,
          "scenario", "attribution", "fault_bus", "fault_type", "case")


#: Columns of the Evidence table (then any extra column of the violation rows).
EVIDENCE_COLUMNS = [
    "evidence", "finding", "criterion", "status", "attribution", "scenario", "participation",
    "export_level", "p_export_kw", "load_levels", "fault_bus", "fault_type", "case", "device",
    "other_device", "i_device_a", "i_other_a", "t_device_s", "t_other_s", "margin",
    "margin_unit", "limit", "mechanism", "message", "n_buses", "buses",
]

_FINDING_STATUSES = (CheckStatus.FAIL.value, CheckStatus.WARN.value, CheckStatus.INFO.value)


@dataclass(frozen=True)
class Findings:
    """Findings and their evidence.

    Attributes
    ----------
    findings : DataFrame
        :data:`FINDING_COLUMNS`, one row per problem, ordered by status (failing first),
        criterion (catalogue order), margin unit, worst margin: margins are compared only
        within one unit. Ids ``F01``… follow that order.
    evidence : DataFrame
        :data:`EVIDENCE_COLUMNS` (+ extra violation columns), one row per violation row
        (rows differing only in load level collapsed), ordered by finding then margin; a
        group's row (C5, C12: :mod:`protv2g.checks.row_groups`) with ``n_buses`` the rows
        it stands for and ``buses`` their names (1 and "" for every other row).
    """

    findings: pd.DataFrame
    evidence: pd.DataFrame


def _text(series: pd.Series) -> pd.Series:
    return series.map(lambda v: str(v) if is_given(v) else "")


def finding_keys(rows: pd.DataFrame, coordination: pd.DataFrame | None = None) -> pd.DataFrame:
    """The grouping key of every row: criterion, device, partner, mechanism, margin unit.

    ``partner`` is ``other_device`` for :data:`PAIR_CRITERIA`, else empty.
    """
    keys = key_codes(ColumnCodes(rows, np.arange(len(rows))), coordination, MECHANISM_COLUMNS,
                     PAIR_CRITERIA)
    return pd.DataFrame({k: texts[codes] for k, (codes, texts) in keys.items()},
                        index=rows.index)


def _scenario_info(scenarios: pd.DataFrame | None) -> pd.DataFrame:
    """scenario → participation, load_level, export_level, p_export_kw (sum of sites)."""
    cols = ["participation", "load_level", "export_level", "p_export_kw"]
    if scenarios is None or scenarios.empty or "scenario" not in scenarios.columns:
        return pd.DataFrame(columns=cols)
    s = scenarios.set_index(scenarios["scenario"].astype(str))
    out = pd.DataFrame(index=s.index)
    for c in cols[:3]:
        out[c] = _text(s[c]) if c in s.columns else ""
    out = out[~out.index.duplicated()]
    kw = export_kw_by_scenario(scenarios)  # the gate's reasons break ties by the same sums
    out["p_export_kw"] = [kw.get(x, np.nan) for x in out.index]
    return out


def build_findings(violations: pd.DataFrame, scenarios: pd.DataFrame | None = None,
                   coordination: pd.DataFrame | None = None,
                   bus_rows: pd.DataFrame | Sequence[pd.DataFrame | None] | None = None,
                   drivers: pd.DataFrame | None = None) -> Findings:
    """Group violation rows into findings, with their evidence rows.

    Parameters
    ----------
    violations : DataFrame
        :data:`protv2g.violations.VIOLATION_COLUMNS` rows (extra columns are kept). Rows with
        status ``fail``, ``warn`` or ``info`` become evidence; ``not_evaluated`` and
        ``not_applicable`` rows are not findings (the gate and the Summary list them).
    scenarios : DataFrame, optional
        ``StudyResult.scenarios`` (participation, load level, export level and one
        ``p_<site>_kw`` column per site): load levels to collapse and export levels to trend.
    coordination : DataFrame, optional
        The coordination table (``protv2g.checks.COORDINATION_COLUMNS``): the sub-rule of
        pair-criterion rows when the rows carry no mechanism column.
    bus_rows : DataFrame or sequence of DataFrame, optional
        The per-bus tables of the groups (``StudyResult.tables["C5 buses"]``,
        ``["C12 buses"]``, :mod:`protv2g.checks.row_groups`; ``bus_group``, ``fault_bus``,
        ``margin``, ``tolerance``, ``base_margin`` are read): a finding's locations name
        every bus of its groups and its trend reads them. Without them, a group's row names
        its worst bus only. ``n_rows`` and ``n_evidence`` count the rows a group's row
        stands for (``n_buses``) either way.
    drivers : DataFrame, optional
        The Site drivers table (``StudyResult.tables["Site drivers"]``,
        :func:`protv2g.findings_sites.site_drivers`): a V2G finding one site drives has its
        export trend against that site's export and its message's export led by it
        (:mod:`protv2g.findings_trend_sites`, review rev48a #3).

    Returns
    -------
    Findings
    """
    bus_rows = bus_table(bus_rows)  # C5's and C12's as one (#21)
    empty = Findings(pd.DataFrame(columns=FINDING_COLUMNS),
                     pd.DataFrame(columns=EVIDENCE_COLUMNS))
    if violations is None or violations.empty or "status" not in violations.columns:
        return empty
    status = text_codes(violations["status"])
    keep = np.isin(status[1], list(_FINDING_STATUSES))[status[0]]
    if not keep.any():
        return empty
    cols = ColumnCodes(violations, np.flatnonzero(keep), {"status": status})
    keys = key_codes(cols, coordination, MECHANISM_COLUMNS, PAIR_CRITERIA)
    key = combine_codes(*(codes for codes, _ in keys.values()))
    scenario = cols.text("scenario")
    info = _scenario_info(scenarios)
    scen, p_export_kw = scenario_codes(scenario, info)
    margin = cols.values("margin")
    # the finding key holds the criterion and mechanism texts: not coded again
    first, load_levels = collapse(
        [key, cols.text("status")[0], cols.text("attribution")[0], scen["participation"][0],
         scen["export_level"][0]]
        + [cols.text(c)[0] for c in ("fault_bus", "fault_type", "case", "device",
                                     "other_device")],
        margin, scen["load_level"], scenario)

    # from here on only each group's first row is read (``first``: the evidence rows to be):
    # what is read of the kept rows' codes is taken at those rows, and the codes of every
    # kept row (≈ 20 columns of 489,286 rows at 10,000 buses) are let go (#21: held to the
    # end, they set the findings stage's peak)
    coded_at = {c: _at_rows(cols.text(c), first) for c in _CODED}
    plain = {c for c in _CODED if cols.cells(c, first[:0]) is not None}  # str cells
    keys = {k: _at_rows(v, first) for k, v in keys.items()}
    scen = {k: _at_rows(v, first) for k, v in scen.items()}
    if isinstance(p_export_kw, np.ndarray):
        p_export_kw = p_export_kw[first]
    # a group's row counts as the rows it stands for (#21, ``n_buses``); the groups
    # of each finding key, whose buses its locations name
    weights = row_weights(violations, cols.at)
    n_key_rows = np.bincount(key, weights=weights).astype(np.int64)
    # and by status, which the Findings say ("3 fail, 2 warn rows", as the gate's lines)
    st_codes, st_texts = cols.text("status")
    n_key_status = {s: np.bincount(key, weights=np.where(st_codes == c, weights, 0),
                                   minlength=len(n_key_rows)).astype(np.int64)
                    for c, s in enumerate(st_texts.tolist())}
    del weights, st_codes, st_texts
    key_top = int(key.max())
    key_groups = _key_groups(violations, cols.at, key)
    k_ev = key[first]
    m_ev = pd.to_numeric(margin.iloc[first], errors="coerce").fillna(np.inf).to_numpy()
    at_first = cols.at[first]
    status_texts = status[1]
    del cols, key, margin, scenario, status, keep

    # order findings: criterion, status, worst margin
    status_rank = np.array([STATUS_ORDER.get(str(x), 9) for x in status_texts.tolist()])
    s_ev = status_rank[coded_at["status"][0]].astype(np.int64)
    # worst first, equal margins in one order whatever the rows' order (worst_order)
    # a margin on a fuse's melting asymptote after the others (review rev40a M8)
    by_margin = worst_order(m_ev, s_ev, (p_export_kw if isinstance(p_export_kw, np.ndarray)
                                         else None),
                            tuple(text_ranks(coded_at[c]) for c in (
                                "scenario", "fault_bus", "fault_type", "case", "device",
                                "other_device")),
                            on_asymptote(_cells(violations, "data_boundary", at_first)
                                         if "data_boundary" in violations.columns else None,
                                         len(m_ev)))
    _, head_at = np.unique(k_ev[by_margin], return_index=True)
    head_at = by_margin[np.sort(head_at)]
    at = at_first[head_at]
    head = pd.DataFrame({
        "_s": s_ev[head_at], "_o": [order(str(c))[0] for c in _cells(violations, "criterion",
                                                                     at)],
        "_u": [str(u) if is_given(u) else "" for u in _cells(violations, "margin_unit", at)],
        "_m": m_ev[head_at], "_key": k_ev[head_at]})
    # failing first; then criterion number; margins compared only within one unit (the worst
    # row's overall: a finding led by V2G's row keeps its rank, its tail names that row)
    head = head.sort_values(["_s", "_o", "_u", "_m"], kind="stable")
    n_rows = n_key_rows[head["_key"].to_numpy()]
    n_status = {s: n[head["_key"].to_numpy()] for s, n in n_key_status.items()}
    parts = {k: texts[codes[head_at[head.index.to_numpy()]]]
             for k, (codes, texts) in keys.items()}
    width = max(2, len(str(len(head))))
    fid = np.array([f"F{i:0{width}d}" for i in range(1, len(head) + 1)], dtype=object)
    rank = np.zeros(key_top + 1, dtype=np.int64)
    rank[head["_key"].to_numpy()] = np.arange(len(head))
    f_ev = rank[k_ev]
    worst_rank = np.empty(len(by_margin), dtype=np.int64)
    worst_rank[by_margin] = np.arange(len(by_margin))
    sorted_at = np.lexsort((worst_rank, f_ev))  # the evidence rows in order, among first's

    at = at_first[sorted_at]
    made = {col: texts[codes[sorted_at]] for col, (codes, texts) in scen.items()}
    made["p_export_kw"] = (p_export_kw[sorted_at] if isinstance(p_export_kw, np.ndarray)
                           else np.full(len(sorted_at), p_export_kw))
    made["mechanism"] = keys["mechanism"][1][keys["mechanism"][0][sorted_at]]
    extra = [c for c in violations.columns if c not in EVIDENCE_COLUMNS]
    later = {"load_levels", "finding", "evidence"}  # made below
    # a coded column of str cells from its texts (#21: not gathered from the table's cells)
    cells = {c: coded_at[c][1][coded_at[c][0][sorted_at]] for c in plain
             if c not in made and c not in later}
    coded = {c: _at_rows(coded_at[c], sorted_at) for c in (
        "attribution", "fault_bus", "fault_type", "case", "other_device", "scenario",
        "device")}
    coded["export_level"] = _at_rows(scen["export_level"], sorted_at)
    coded["participation"] = _at_rows(scen["participation"], sorted_at)
    del coded_at, keys, scen

    made["load_levels"] = day_load(load_levels[sorted_at], pd.DataFrame(
        {c: _cells(violations, c, at) for c in ("load_fraction", "time_h", "scenario")
         if c in violations.columns}))
    # the rows a group's row stands for and their buses (#21), 1 and "" elsewhere
    made["n_buses"] = row_weights(violations, at)
    if "buses" not in violations.columns:
        made["buses"] = np.full(len(at), "", dtype=object)
    made["finding"] = fid[f_ev[sorted_at]]
    made["evidence"] = np.array(list(map("E%04d".__mod__, range(1, len(sorted_at) + 1))),
                                dtype=object)
    # one array per column, left unconsolidated: the 10⁵-row table is not copied again

    def column(c: str) -> np.ndarray | pd.api.extensions.ExtensionArray:
        if c in made:
            return made[c]
        return cells[c] if c in cells else _taken(violations, c, at)

    evidence = pd.DataFrame({c: column(c) for c in EVIDENCE_COLUMNS + extra}, copy=False)
    ends = np.concatenate([np.flatnonzero(np.diff(f_ev[sorted_at])) + 1, [len(sorted_at)]])
    weight = np.cumsum(np.r_[0, row_weights(evidence)])
    n_evidence = weight[ends] - weight[np.r_[0, ends[:-1]].astype(np.int64)]
    findings = finding_rows(
        evidence, coded, plain, ends, parts, n_rows, m_ev[sorted_at],
        rule_labels(coordination), n_evidence=n_evidence, n_status=n_status,
        more_locations=_group_buses(key_groups, head["_key"].to_numpy(), bus_rows),
        bus_rows=(BusRows.of(bus_rows) if key_groups and bus_rows is not None
                  and len(bus_rows) else None),
        coordination=coordination, info=info,
        axis=SiteAxis.of(drivers, scenarios, every=True))
    return Findings(findings, evidence)


def _key_groups(violations: pd.DataFrame, at: np.ndarray, key: np.ndarray
                ) -> dict[int, np.ndarray]:
    """Finding key → the groups (``bus_group`` ≥ 0) of its rows (rows ``at``)."""
    if "bus_group" not in violations.columns:
        return {}
    group = pd.to_numeric(violations["bus_group"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)[at]
    some = np.flatnonzero(group >= 0)
    if not len(some):
        return {}
    pairs = np.unique(np.stack([key[some], group[some].astype(np.int64)]), axis=1)
    cuts = np.flatnonzero(np.diff(pairs[0])) + 1
    return {int(p[0, 0]): p[1] for p in np.split(pairs, cuts, axis=1)}


def _group_buses(key_groups: dict[int, np.ndarray], keys: np.ndarray,
                 bus_rows: pd.DataFrame | None) -> list[list[str]]:
    """Per finding (its key ``keys[k]``), the buses of its groups (the per-bus table
    ``bus_rows``), distinct; empty without groups or without the table."""
    out: list[list[str]] = [[] for _ in range(len(keys))]
    if not key_groups or bus_rows is None or not len(bus_rows):
        return out
    group = bus_rows["bus_group"].to_numpy(dtype=np.int64)
    codes, texts = text_codes(bus_rows["fault_bus"])
    order = np.argsort(group, kind="stable")
    group, codes = group[order], codes[order]
    for k, fk in enumerate(keys.tolist()):
        g = key_groups.get(int(fk))
        if g is None:
            continue
        lo, hi = np.searchsorted(group, g, "left"), np.searchsorted(group, g, "right")
        mine = np.concatenate([codes[a:b] for a, b in zip(lo.tolist(), hi.tolist(),
                                                          strict=True)])
        out[k] = texts[np.unique(mine)].tolist()
    return out


def _at_rows(coded: tuple[np.ndarray, np.ndarray], rows: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """A coded column (codes, texts) at the rows ``rows`` (positions)."""
    codes, texts = coded
    return codes[rows], texts


def _cells(frame: pd.DataFrame, col: str, at: np.ndarray) -> np.ndarray:
    """The cells of ``frame[col]`` at positions ``at`` (``None`` without the column)."""
    return (frame[col].to_numpy()[at] if col in frame.columns
            else np.full(len(at), None, dtype=object))


def _taken(frame: pd.DataFrame, col: str, at: np.ndarray):
    """``frame[col]``'s cells at positions ``at``, its dtype kept (a column of ``None``
    without the column); a categorical (the violation table's text columns, #21) as an
    object array of its cells, as the Evidence's other text columns are made (its sheet and
    Parquet spill as before)."""
    if col not in frame.columns:
        return np.full(len(at), None, dtype=object)
    values = frame[col]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.asarray(values.array.take(at), dtype=object)
    return (values.to_numpy()[at] if isinstance(values.dtype, np.dtype)
            else values.array.take(at))
