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
  attributed`` when no row says (rows without a base-case comparison);
* links to its evidence rows: every violation row gets an evidence id (``E0001``…); rows that
  differ only in load level (IEC 60909 fault currents do not depend on load) collapse into
  one evidence row listing the load levels.

Grouping uses typed columns only (``criterion``, ``status``, ``device``, ``other_device``,
``margin_unit`` and, when the checks give them, ``mechanism``/``rule``), never the wording of
``message``. Where a pair criterion's rows carry no mechanism column, the sub-rule is taken
from the coordination table row the violation came from (its ``check`` label, used as an
opaque identifier of the rule, never parsed). Extra columns the checks add (``tolerance``,
``bracket``, ``data_boundary``, rule values …) are kept on the evidence rows.

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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.criteria import CATALOGUE, order
from protv2g.findings_trend import TREND_ABS, TREND_REL, export_trend
from protv2g.violations import STATUS_ORDER, VIOLATION_COLUMNS, CheckStatus, is_given

__all__ = ["Attribution", "EVIDENCE_COLUMNS", "FINDING_COLUMNS", "Findings", "build_findings",
           "PAIR_CRITERIA", "MECHANISM_COLUMNS", "TREND_ABS", "TREND_REL", "finding_keys",
           "rule_labels"]

#: Criteria whose ``other_device`` is part of the problem (a coordinating pair, or the V2G site
#: a reclosing device must wait for). For the others ``other_device`` names the clearing device
#: or the sites behind a device, which vary from row to row of one problem.
PAIR_CRITERIA = frozenset({"C1", "C2", "C3", "C4", "C10"})

#: Typed columns naming the sub-rule of a row, used when present (first found wins).
MECHANISM_COLUMNS = ("mechanism", "rule")


class Attribution:
    """Attribution of a finding (from its rows' ``attribution``)."""

    CAUSED = "caused by V2G"
    WORSE = "made worse by V2G"
    PRE_EXISTING = "pre-existing"
    UNKNOWN = "not attributed"


#: Columns of the Findings table.
FINDING_COLUMNS = [
    "finding", "criterion", "title", "status", "attribution", "device", "other_device",
    "mechanism", "worst_margin", "margin_unit", "limit", "base_margin", "worst_scenario",
    "worst_fault", "export_trend", "scenarios", "fault_types", "cases", "locations",
    "load_levels", "n_rows", "n_evidence", "evidence_first", "evidence_last", "message",
]

#: Columns of the Evidence table (then any extra column of the violation rows).
EVIDENCE_COLUMNS = [
    "evidence", "finding", "criterion", "status", "attribution", "scenario", "participation",
    "export_level", "p_export_kw", "load_levels", "fault_bus", "fault_type", "case", "device",
    "other_device", "i_device_a", "i_other_a", "t_device_s", "t_other_s", "margin",
    "margin_unit", "limit", "mechanism", "message",
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
        (rows differing only in load level collapsed), ordered by finding then margin.
    """

    findings: pd.DataFrame
    evidence: pd.DataFrame


def _text(series: pd.Series) -> pd.Series:
    return series.map(lambda v: str(v) if is_given(v) else "")


def _mechanism(rows: pd.DataFrame, coordination: pd.DataFrame | None) -> pd.Series:
    """The sub-rule of every row: its typed mechanism columns (first given wins, row by row;
    e.g. C8's ``mechanism`` beside C2's ``rule``), else the coordination row's rule (C2's
    lockout rule has no ``rule`` id beside its fuse-saving rule's ``fuse_saving_k``)."""
    out = pd.Series("", index=rows.index, dtype=object)
    typed = pd.Series(False, index=rows.index)
    for col in MECHANISM_COLUMNS:
        if col in rows.columns:
            text = _text(rows[col])
            fill = ~typed & text.ne("")
            out[fill] = text[fill]
            typed |= fill
    if typed.all() or coordination is None or coordination.empty or (
            "check" not in coordination.columns):
        return out
    pair = rows[rows["criterion"].astype(str).isin(PAIR_CRITERIA) & ~typed]
    if pair.empty:
        return out
    keys = ["criterion", "scenario", "fault_bus", "fault_type", "case"]
    left = pair[keys + ["device", "other_device", "margin"]].astype(
        {k: str for k in keys + ["device", "other_device"]}).reset_index(names="_row")
    right = coordination[keys + ["backup", "primary", "margin_s", "check"]].astype(
        {k: str for k in keys + ["backup", "primary"]}).rename(
        columns={"backup": "device", "primary": "other_device"})
    right = right[right["criterion"].isin(PAIR_CRITERIA)]
    m = left.merge(right, on=keys + ["device", "other_device"], how="inner")
    if m.empty:
        return out
    gap = (pd.to_numeric(m["margin"], errors="coerce")
           - pd.to_numeric(m["margin_s"], errors="coerce")).abs()
    m = m.assign(_gap=gap.fillna(np.inf)).sort_values(["_row", "_gap"], kind="stable")
    best = m.drop_duplicates("_row").set_index("_row")["check"]
    out.loc[best.index] = best.astype(str)
    return out


def finding_keys(rows: pd.DataFrame, coordination: pd.DataFrame | None = None) -> pd.DataFrame:
    """The grouping key of every row: criterion, device, partner, mechanism, margin unit.

    ``partner`` is ``other_device`` for :data:`PAIR_CRITERIA`, else empty.
    """
    crit = rows["criterion"].astype(str)
    other = _text(rows["other_device"]) if "other_device" in rows else ""
    return pd.DataFrame({
        "criterion": crit,
        "device": _text(rows["device"]),
        "partner": np.where(crit.isin(PAIR_CRITERIA), other, ""),
        "mechanism": _mechanism(rows, coordination),
        "margin_unit": _text(rows["margin_unit"]),
    }, index=rows.index)


def _scenario_info(scenarios: pd.DataFrame | None) -> pd.DataFrame:
    """scenario → participation, load_level, export_level, p_export_kw (sum of sites)."""
    cols = ["participation", "load_level", "export_level", "p_export_kw"]
    if scenarios is None or scenarios.empty or "scenario" not in scenarios.columns:
        return pd.DataFrame(columns=cols)
    s = scenarios.set_index(scenarios["scenario"].astype(str))
    p = [c for c in s.columns if c.startswith("p_") and c.endswith("_kw")]
    out = pd.DataFrame(index=s.index)
    for c in cols[:3]:
        out[c] = _text(s[c]) if c in s.columns else ""
    out["p_export_kw"] = (s[p].apply(pd.to_numeric, errors="coerce").sum(axis=1) if p
                          else np.nan)
    return out[~out.index.duplicated()]


def _collapse(rows: pd.DataFrame) -> pd.DataFrame:
    """One evidence row per group of rows that differ only in load level (and scenario name)."""
    if rows.empty:
        return rows.assign(load_levels="")
    margin = pd.to_numeric(rows["margin"], errors="coerce").round(6)
    key_cols = ["_key", "criterion", "status", "attribution", "participation", "export_level",
                "fault_bus", "fault_type", "case", "device", "other_device", "mechanism"]
    keys = rows[[c for c in key_cols if c in rows.columns]].astype(str)
    keys = keys.assign(_m=margin.astype(str))
    # scenarios with no load-level axis (the day, the flow-only rows) keep their own rows
    keys = keys.assign(_own=np.where(rows["load_level"].astype(str) == "",
                                     rows["scenario"].astype(str), ""))
    gid = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup()
    # each group's distinct load levels, sorted, from one pass over the (group, level) pairs
    # (#21: a Python function per group cost ≈ 0.1 s on the IEEE 8500's 10,000 rows)
    levels: dict[int, list[str]] = {}
    for g, level in sorted({(g, x) for g, x in zip(
            gid.tolist(), rows["load_level"].astype(str).tolist(), strict=True) if x}):
        levels.setdefault(g, []).append(level)
    text = {g: ", ".join(v) for g, v in levels.items()}
    first = rows.assign(_gid=gid.to_numpy()).drop_duplicates("_gid")
    return first.assign(load_levels=[text.get(g, "") for g in first["_gid"].tolist()]
                        ).drop(columns="_gid")


def _day_load(rows: pd.DataFrame) -> pd.Series:
    """``load_levels`` of evidence rows, and for a row of the 96-step day (no load-level axis)
    the step's time and load: ``"day 20:00 (92 % of peak load)"`` (``time_h``,
    ``load_fraction`` of the flow row, :mod:`protv2g.checks.load`)."""
    out = rows["load_levels"].astype(str)
    if "load_fraction" not in rows.columns:
        return out
    frac = pd.to_numeric(rows["load_fraction"], errors="coerce")
    t = (pd.to_numeric(rows["time_h"], errors="coerce") if "time_h" in rows.columns
         else pd.Series(np.nan, index=rows.index))
    day = out.eq("") & frac.notna()
    clock = t.map(lambda h: f" {int(h):02d}:{round(60 * (h % 1)):02d}" if np.isfinite(h) else "")
    return out.where(~day, "day" + clock + frac.map(lambda f: f" ({100 * f:.0f} % of peak load)"))


def _join(values: pd.Series, limit: int = 8, key=None) -> str:
    items = sorted({v for v in values.astype(str) if v}, key=key)
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" … (+{len(items) - limit})"
    return ", ".join(items)


def _attribution(att: pd.Series) -> str:
    values = {str(v) for v in att if is_given(v) and str(v)}
    if not values:  # rows without a base-case comparison: V2G's share is not known
        return Attribution.UNKNOWN
    if values <= {"pre-existing"}:
        return Attribution.PRE_EXISTING
    if values <= {"new"}:
        return Attribution.CAUSED
    return Attribution.WORSE


def rule_labels(coordination: pd.DataFrame | None) -> dict[str, str]:
    """Rule id → the coordination table's name of that rule (``fuse_saving_k`` → ``fuse
    saving: K × fast < fuse MM``), where one id has one name."""
    if coordination is None or coordination.empty or not {"rule", "check"} <= set(
            coordination.columns):
        return {}
    pairs = coordination[["rule", "check"]].astype(str).drop_duplicates()
    pairs = pairs[pairs["rule"].ne("") & pairs["rule"].ne("nan")]
    one = pairs.groupby("rule")["check"].transform("size").eq(1)
    return dict(zip(pairs.loc[one, "rule"], pairs.loc[one, "check"], strict=True))


def _title(criterion: str, device: str, partner: str, mechanism: str,
           labels: dict[str, str] | None = None) -> str:
    """``"C2 recloser–fuse: RC-F1 / FU-F1 (fuse TC < recloser delayed)"``: the criterion,
    the device(s) and the rule that failed. With a rule named, the catalogue title's own
    parenthesis (C2's "(fuse saving)", one of its two rules) is left out."""
    crit = CATALOGUE.get(criterion)
    name = crit.title if crit else ""
    if mechanism and name.endswith(")") and " (" in name:
        name = name[:name.rindex(" (")]
    head = f"{criterion} {name}" if name else criterion
    who = f"{device} / {partner}" if partner else device
    text = f"{head}: {who}" if who else head
    rule = (labels or {}).get(mechanism, mechanism)
    return f"{text} ({rule})" if rule else text


def build_findings(violations: pd.DataFrame, scenarios: pd.DataFrame | None = None,
                   coordination: pd.DataFrame | None = None) -> Findings:
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

    Returns
    -------
    Findings
    """
    empty = Findings(pd.DataFrame(columns=FINDING_COLUMNS),
                     pd.DataFrame(columns=EVIDENCE_COLUMNS))
    if violations is None or violations.empty or "status" not in violations.columns:
        return empty
    rows = violations[violations["status"].astype(str).isin(_FINDING_STATUSES)].copy()
    if rows.empty:
        return empty
    for col in VIOLATION_COLUMNS:
        if col not in rows.columns:
            rows[col] = None
    keys = finding_keys(rows, coordination)
    rows["mechanism"] = keys["mechanism"]
    text = keys.astype(str)
    rows["_key"] = text.iloc[:, 0].str.cat([text[c].to_numpy() for c in text.columns[1:]],
                                           sep="\x1f")
    info = _scenario_info(scenarios)
    scen = rows["scenario"].astype(str)
    for col in info.columns:
        rows[col] = scen.map(info[col]) if len(info) else np.nan
    for col in ("participation", "load_level", "export_level"):
        rows[col] = _text(rows[col])
    n_rows = rows.groupby("_key").size()
    parts = keys.assign(_key=rows["_key"]).drop_duplicates("_key").set_index("_key")
    evidence = _collapse(rows)
    evidence["load_levels"] = _day_load(evidence)

    # order findings: criterion, status, worst margin
    ev_margin = pd.to_numeric(evidence["margin"], errors="coerce")
    evidence = evidence.assign(_m=ev_margin.fillna(np.inf),
                               _s=evidence["status"].map(lambda s: STATUS_ORDER.get(str(s), 9)))
    head = evidence.sort_values(["_s", "_m"], kind="stable").drop_duplicates("_key")
    head = head.assign(_o=head["criterion"].map(lambda c: order(str(c))[0]),
                       _u=head["margin_unit"].map(lambda u: str(u) if is_given(u) else ""))
    # failing first; then criterion number; margins compared only within one unit
    head = head.sort_values(["_s", "_o", "_u", "_m"], kind="stable")
    width = max(2, len(str(len(head))))
    fid = {k: f"F{i:0{width}d}" for i, k in enumerate(head["_key"], start=1)}
    rank = {k: i for i, k in enumerate(head["_key"])}
    evidence["finding"] = evidence["_key"].map(fid)
    evidence["_f"] = evidence["_key"].map(rank)
    evidence = evidence.sort_values(["_f", "_s", "_m"], kind="stable").reset_index(drop=True)
    evidence["evidence"] = [f"E{i:04d}" for i in range(1, len(evidence) + 1)]

    labels = rule_labels(coordination)
    out = []
    for key, grp in evidence.groupby("_key", sort=False):
        w = grp.iloc[0]  # sorted: worst status, then smallest margin
        crit, dev, partner, mech, unit = parts.loc[key, ["criterion", "device", "partner",
                                                        "mechanism", "margin_unit"]]
        base = grp[grp["export_level"].isin(["0", ""]) & (grp["attribution"].astype(str)
                                                          == "pre-existing")]
        base_m = pd.to_numeric(base["margin"], errors="coerce").min() if len(base) else np.nan
        out.append({
            "finding": fid[key], "criterion": crit,
            "title": _title(crit, dev, partner, mech, labels),
            "status": str(w["status"]), "attribution": _attribution(grp["attribution"]),
            "device": dev, "other_device": partner or _join(grp["other_device"].map(
                lambda v: str(v) if is_given(v) else ""), 4),
            "mechanism": mech, "worst_margin": float(w["_m"]) if np.isfinite(w["_m"])
            else np.nan, "margin_unit": unit,
            "limit": pd.to_numeric(pd.Series([w["limit"]]), errors="coerce").iloc[0],
            "base_margin": base_m, "worst_scenario": str(w["scenario"]),
            "worst_fault": " ".join(str(w[c]) for c in ("fault_type", "fault_bus", "case")
                                    if is_given(w[c])),
            "export_trend": export_trend(grp, unit),
            "scenarios": _join(grp["scenario"], 6), "fault_types": _join(grp["fault_type"]),
            "cases": _join(grp["case"]), "locations": _join(grp["fault_bus"], 10),
            "load_levels": _join(grp["load_levels"].str.split(", ").explode().fillna("")),
            "n_rows": int(n_rows[key]), "n_evidence": len(grp),
            "evidence_first": str(grp["evidence"].iloc[0]),
            "evidence_last": str(grp["evidence"].iloc[-1]),
            "message": str(w["message"]) if is_given(w["message"]) else "",
        })
    findings = pd.DataFrame(out, columns=FINDING_COLUMNS)
    extra = [c for c in violations.columns if c not in EVIDENCE_COLUMNS]
    evidence = evidence[[c for c in EVIDENCE_COLUMNS + extra if c in evidence.columns]]
    return Findings(findings.reset_index(drop=True), evidence)
