"""Section 2 of the Summary, "Conditions of approval": the findings the gate fails on or
conditions the pilot on, each with its gate kind, in the gate's order.

The conditions are the gate's own classification of the findings
(:func:`protv2g.gate_findings.finding_gate_kinds`, its row policy read over each finding's
evidence rows), not a count of sections 3–4 (review rev36b M2: IEEE 37's memo asked to clear
two C11 warnings while the gate failed on three C12 findings of the sites' charging it did
not name; J1's C8 charging fail was missing and its C11 ``info`` row was a condition):

* ``fail``: every finding the gate fails on — caused or made worse by V2G, by the sites'
  charging, by the project's equipment, or present without V2G under ``gate.pre_existing:
  fail`` — listed whole;
* ``condition`` / ``confirm``: the protection findings present without V2G (fix before the
  pilot; confirm the stand-in input first), at most :data:`MAX_LISTED` of each named in full,
  the rest named by id; the feeder's own voltage and loading items
  (:data:`protv2g.criteria.FEEDER_FLOW_CRITERION`) on one line after them (review s25 §5);
* pilot screening items not met, when ``gate.unmet_screening_fails``;
* "to review": findings caused or made worse by V2G, its charging or its equipment that the
  gate does not act on (warnings under the default ``fail_severities``), by id. ``info``
  findings are never a condition.

Each line gives the finding's recommendation when ``protv2g recommend`` ran (verified change,
or why there is none).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.checks.base_crossing import crossing_qualifier
from protv2g.criteria import FEEDER_FLOW_CRITERION
from protv2g.findings import Attribution
from protv2g.findings_attribution import is_charging_snapshot, marginal_without_v2g
from protv2g.gate import SCREENING_LABELS
from protv2g.gate_findings import finding_gate_kinds, gate_of_meta
from protv2g.gate_grouping import finding_records, item_groups
from protv2g.gate_reasons import group_keys
from protv2g.input_basis import InputBasis, input_to_confirm
from protv2g.input_rows import inputs_of_rows
from protv2g.report.findings_margin import overall_worst_texts
from protv2g.report.summary_memo import Memo, margin_text
from protv2g.violations import CheckStatus, is_given

__all__ = ["MAX_LISTED", "OURS", "write_conditions"]

#: ``condition`` and ``confirm`` findings named in full, each kind (the rest by id: each is a
#: finding of section 5, listed there with its evidence). ``fail`` findings are all in full.
MAX_LISTED = 10

#: Attributions of the project's own doing: its export, its sites' charging, its equipment,
#: its equipment and export together.
OURS = (Attribution.CAUSED, Attribution.WORSE, Attribution.CAUSED_CHARGING,
        Attribution.WORSE_CHARGING, Attribution.EQUIPMENT, Attribution.EQUIPMENT_WORSE,
        Attribution.PROJECT)


#: What a finding on a gate ``fail:`` line does to the pre-existing findings folded onto that
#: line (:func:`_folded`), by its attribution: the words of
#: :attr:`~protv2g.findings.Attribution.EQUIPMENT_WORSE` ("pre-existing, made worse by the
#: project's equipment") for the others too.
_MADE_WORSE = {Attribution.CAUSED: "made worse by V2G", Attribution.WORSE: "made worse by V2G",
               Attribution.CAUSED_CHARGING: "made worse by charging",
               Attribution.WORSE_CHARGING: "made worse by charging",
               Attribution.EQUIPMENT: "made worse by the project's equipment",
               Attribution.EQUIPMENT_WORSE: "made worse by the project's equipment",
               Attribution.PROJECT: "made worse by the project (equipment + V2G together)"}


def _folded(evidence: pd.DataFrame, kinds: pd.DataFrame, by_id: dict[str, Any]
            ) -> dict[str, str]:
    """Finding → its attribution in words, for a pre-existing finding the gate folds onto a
    ``fail:`` line attributable to the project (:func:`protv2g.gate_findings.
    finding_gate_kinds`): "pre-existing, made worse by V2G (the gate's fail line with F05)",
    after that line's other findings (fix43: workplace_pv_midday's existing DER behind R-HEAD,
    C10, was "fail, pre-existing" beside the gate's "made worse by V2G" line)."""
    fails = kinds.loc[kinds["kind"] == "fail", "finding"].astype(str)
    pre = [f for f in fails if str(by_id[f].attribution) == Attribution.PRE_EXISTING]
    if not pre or not {"finding", "criterion"} <= set(evidence.columns):
        return {}
    rows = evidence[evidence["finding"].astype(str).isin(set(fails))]
    keys = group_keys(rows)
    finding = rows["finding"].astype(str)
    out = {}
    for fid in pre:
        mine = set(keys[finding == fid])
        others = sorted(set(finding[keys.isin(mine) & (finding != fid)])
                        - set(pre))
        words = list(dict.fromkeys(_MADE_WORSE[a] for a in (
            by_id[o].attribution for o in others) if a in _MADE_WORSE))
        if words:
            out[fid] = (f"pre-existing, {' and '.join(words)} (the gate's fail line with "
                        f"{', '.join(others)})")
    return out


#: A pre-existing finding's attribution on its condition line when every row of it passes
#: without V2G (:func:`protv2g.findings_attribution.marginal_without_v2g`; section 5b).
MARGINAL_WORDS = ("pre-existing: marginal without V2G (passes there by less than the "
                  "check's tolerance; V2G's change is inside it — section 5b)")


def _line(kind: str, f: Any, rec: str, also: str = "", overall: str = "",
          inputs: str = "", worst_on: str = "", given: str = "", attribution: str = "",
          driver: str = "") -> str:
    """``"<kind>: F02 <title> — <status>, <attribution>; worst margin … at …"``; the other
    kinds of its rows (``also``, :data:`protv2g.gate_findings.FINDING_GATE_COLUMNS`); for a
    ``confirm`` (or ``also`` one) the input to confirm; then the recommendation ``rec``.
    ``overall``: the worst row overall where the finding leads with another row
    (:func:`protv2g.report.findings_margin.overall_worst_texts`): the margin is then said as
    its leading row's, not the worst (review rev38a W2). ``inputs``: the stand-in inputs its
    rows rest on (the words of the gate's lines; review rev40a M2), else named from its
    criterion and devices; ``worst_on``: for a ``fail``, the stand-in its worst row rests on
    and its inputs, as the gate's ``fail:`` line says them (rev40a M3: J1's C10 fail on the
    drafted ``cease_to_energize_s``). ``given``: for a finding the gate splits into lines
    of two kinds whose worst rests on an input to confirm, its worst row on given data in
    words (:func:`_given_worst`: the figure of the gate's ``condition:`` line).
    ``attribution``: the words for a finding folded onto another's line (:func:`_folded`),
    else its own. ``driver``: the site that drives a V2G finding in short words ("driven by
    homes-lat1", :func:`protv2g.findings_sites_text.short_driver_texts`), after its
    attribution as the gate's ``fail:`` line says it (review ver46 #6)."""
    where = ", ".join(str(v) for v in (f.worst_scenario, f.worst_fault) if is_given(v) and v)
    parts = [f"{kind}: {f.finding} {f.title} — {f.status}, {attribution or f.attribution}"
             # "caused by V2G" at the studied fault resistance only (review rev48a item 1)
             + crossing_qualifier(getattr(f, "message", ""))
             + ("" if attribution else _charging_worst(f)) + (f", {driver}" if driver else "")]
    if margin := margin_text(f.worst_margin, f.margin_unit):
        if overall:
            parts.append(f"margin {margin}" + (f" at {where}" if where else "")
                         + f" (the worst row the project moved; {overall})")
        else:
            parts.append(f"worst margin {margin}" + (f" at {where}" if where else ""))
    if also:
        parts.append(f"also {also} (the gate has a line of each)")
        if given:  # review ver40b §2: J1 F01's −386 s here, −6.964 s on the condition line
            parts.append(f"on given data the worst is {given} (the condition: line's)")
    basis = str(getattr(f, "input_basis", "") or "")
    stand_in = (InputBasis.DEFAULT.value, InputBasis.TODO.value)
    if "confirm" in (kind, *also.split(", ")) and basis in stand_in:
        what = inputs or input_to_confirm(str(f.criterion), str(f.device or ""),
                                          str(f.other_device or ""), basis)
        parts.append(f"rests on a {InputBasis(basis).label}: confirm {what}" if what
                     else f"rests on a {InputBasis(basis).label}")
    elif kind == "fail" and worst_on:  # as the gate's fail: line says it of its worst row
        parts.append(f"its worst row rests on a {worst_on}")
    if rec:
        parts.append(rec)
    return "; ".join(parts)


def _charging_worst(f: Any) -> str:
    """``" and by charging (its worst row, charging/firm)"`` for a finding V2G's export makes
    worse or causes whose worst row is a charging snapshot
    (:func:`~protv2g.findings_attribution.is_charging_snapshot`), else ``""``. The finding
    stays V2G's (:func:`~protv2g.findings_attribution.by_charging`: an export row of it is new
    or worse), but its worst margin is the charging's (review rev47a #5, IEEE 8500 F61: C12
    under-voltage 0.906 pu at sx2748781a in charging/firm read "made worse by V2G" only,
    while its export rows firm/peak moved 0.0083 → −0.0080 pu).

    >>> from types import SimpleNamespace as N
    >>> _charging_worst(N(attribution="made worse by V2G", worst_scenario="charging/firm"))
    ' and by charging (its worst row, charging/firm)'
    >>> _charging_worst(N(attribution="made worse by V2G", worst_scenario="firm/peak/100%"))
    ''
    """
    scenario = getattr(f, "worst_scenario", "")
    if (str(f.attribution) not in (Attribution.CAUSED, Attribution.WORSE)
            or not is_charging_snapshot(scenario)):
        return ""
    return f" and by charging (its worst row, {scenario})"


def _default_groups(fails: pd.DataFrame, by_id: dict[str, Any], least: int = 2
                    ) -> dict[int, list[str]]:
    """The ``fail`` findings of the feeder's own flow criterion
    (:data:`~protv2g.criteria.FEEDER_FLOW_CRITERION`) that rest on a tool default rating (or
    are pre-existing), by kind of element (the device's name before its dot), as the gate's
    terminal groups their lines (:func:`protv2g.gate_grouping.item_groups`, the one grouping;
    review rev38a X5: IEEE 8500's 25 line loadings on OpenDSS's 400 A default were 25
    conditions here and one line in the gate): position in ``fails`` → the group's finding
    ids at its first member, [] at the others; groups of fewer than ``least`` are left
    out."""
    ids = fails["finding"].astype(str).tolist()
    frame = pd.DataFrame([by_id[x] for x in ids]) if ids else pd.DataFrame()
    out: dict[int, list[str]] = {}
    for _, at in (item_groups(finding_records(frame), (FEEDER_FLOW_CRITERION,), least)
                  if ids else []):
        out.update({k: [] for k in at})
        out[at[0]] = [ids[k] for k in at]
    return out


def _group_line(kind: str, ids: list[str], by_id: dict[str, Any], recs: dict[str, str]) -> str:
    """One condition for a group of :func:`_default_groups`: the count, the kind of element and
    why they are grouped, the ids, then its worst finding (smallest worst margin) as
    :func:`_line` writes it."""
    margins = pd.to_numeric(pd.Series([by_id[x].worst_margin for x in ids]),
                            errors="coerce").fillna(float("inf"))
    worst = ids[int(margins.to_numpy().argmin())]  # the first of the smallest, gate order
    f = by_id[worst]
    device = str(f.device or "")
    element = device.partition(".")[0] if "." in device else "element"
    default = str(getattr(f, "input_basis", "") or "") == InputBasis.DEFAULT.value
    which = ("rated by a tool default (confirm their ratings first)"
             if default and str(f.attribution) != Attribution.PRE_EXISTING
             else "present without V2G")
    head = (f"{kind}: {f.criterion} {len(ids)} {element}(s) {which}: {', '.join(sorted(ids))} "
            "(each in section 5); the worst ")
    line = head + _line(kind, f, recs.get(worst, ""))[len(kind) + 2:]
    what = input_to_confirm(str(f.criterion), device, str(f.other_device or ""),
                            InputBasis.DEFAULT.value) if default else ""
    return line + (f"; rests on a {InputBasis.DEFAULT.label}: confirm {what}, the others' "
                   "alike" if what else "")


def _given_worst(evidence: pd.DataFrame, f: Any) -> str:
    """Finding ``f``'s worst row on given data, ``"−6.964 s at base/light, SLG-b 5962929303
    max"``, where its worst row (its first evidence row) rests on a stand-in input; "" where
    that row is on given data or none of its rows of its status is."""
    if not {"finding", "input_basis", "margin", "status"} <= set(evidence.columns):
        return ""
    rows = evidence[evidence["finding"].astype(str) == str(f.finding)]
    stand_in = (InputBasis.DEFAULT.value, InputBasis.TODO.value)
    if rows.empty or str(rows["input_basis"].iloc[0]) not in stand_in:
        return ""
    given = rows[~rows["input_basis"].astype(str).isin(stand_in)
                 & (rows["status"].astype(str) == str(f.status))]
    margin = pd.to_numeric(given["margin"], errors="coerce")
    if not margin.notna().any():
        return ""
    # the evidence is worst first (findings_rows.worst_order), so the first given row is it
    w = given[margin.notna()].iloc[0]
    where = ", ".join(p for p in (str(w.get("scenario", "")), " ".join(
        str(w[c]) for c in ("fault_type", "fault_bus", "case") if c in w and is_given(w[c])))
        if p)
    text = margin_text(float(pd.to_numeric(w["margin"])), f.margin_unit)
    return f"{text} at {where}" if where else text


def _ids(frame: pd.DataFrame) -> str:
    return ", ".join(frame["finding"].astype(str))


def _flow_ids(flow: pd.DataFrame, by_id: dict[str, Any]) -> str:
    """The feeder's own items (``flow_item``) by their findings' attribution: those present
    without V2G, then each attribution V2G or the sites move (a regulator's reverse power
    the export causes is a mode to confirm, not a planning item: review rev47a #4, EPRI J1
    F10 and F07 "caused by V2G" were listed as "planning items present without V2G").

    >>> f = {k: pd.Series({"attribution": a}) for k, a in
    ...      (("F1", "pre-existing"), ("F2", "caused by V2G"), ("F3", "pre-existing"))}
    >>> _flow_ids(pd.DataFrame({"finding": ["F2", "F1", "F3"]}), f)
    'present without V2G: F1, F3; caused by V2G: F2'
    """
    groups: dict[str, list[str]] = {}
    for fid in flow["finding"].astype(str):
        attr = str(getattr(by_id[fid], "attribution", "") or "")
        key = attr if attr in {a.value for a in OURS} else "present without V2G"
        groups.setdefault(key, []).append(fid)
    order = ["present without V2G", *(a.value for a in OURS)]
    return "; ".join(f"{k}: {_by_element(groups[k], by_id)}" for k in order if k in groups)


def _by_element(fids: list[str], by_id: dict[str, Any]) -> str:
    """Finding ids with those the gate's lines group (:func:`protv2g.gate_grouping.
    item_groups`: C12's items present without V2G by kind of element) said by group, "F28;
    2 line(s): F23, F27; 23 transformer(s): F01, …", each group's ids in order — as the
    terminal prints them (review rev50b #6)."""
    groups = item_groups(finding_records(pd.DataFrame([by_id[f] for f in fids])))
    grouped = {k for _, at in groups for k in at}
    singles = [f for k, f in enumerate(fids) if k not in grouped]
    parts = [", ".join(singles)] if singles else []
    parts += [f"{len(at)} {key[2]}(s): {', '.join(sorted(fids[k] for k in at))}"
              for key, at in groups]
    return "; ".join(parts)


def write_conditions(w: Memo, findings: pd.DataFrame, evidence: pd.DataFrame,
                     recs: dict[str, str], gate: dict[str, Any],
                     drivers: dict[str, str] | None = None) -> None:
    """Write section 2 (see the module docstring).

    Parameters
    ----------
    w : Memo
        The Summary's writer, at section 2's first row.
    findings, evidence : DataFrame
        :class:`protv2g.findings.Findings`'s tables.
    recs : dict
        Finding → its recommendation in words (the Summary's map of ``tables
        ["Recommendations"]``); empty when ``protv2g recommend`` did not run.
    gate : dict
        ``result.meta["gate"]`` (:func:`protv2g.gate.gate_verdict`); its policy decides the
        kinds (:func:`protv2g.gate_findings.gate_of_meta`: the default policy without it).
    drivers : dict, optional
        Finding → the site that drives it in short words
        (:func:`protv2g.findings_sites_text.short_driver_texts`).
    """
    drivers = drivers or {}
    kinds = finding_gate_kinds(evidence, gate_of_meta(gate))
    by_id = {str(f.finding): f for f in findings.itertuples(index=False)}
    # review txt44 (rev44a M1): a finding pre-existing only because V2G's change is inside
    # the check's tolerance is said "marginal without V2G" here as in section 5b and the gate
    marginal = set(findings["finding"].astype(str)[marginal_without_v2g(findings, evidence)])

    def words(fid: str) -> str:
        """Finding ``fid``'s attribution in words when it is marginal without V2G, else ""
        (:func:`_line` then writes its own attribution)."""
        return MARGINAL_WORDS if fid in marginal else ""

    def inputs(fid: str) -> str:
        """The stand-in inputs finding ``fid``'s rows rest on, as the gate names them."""
        basis = str(getattr(by_id[fid], "input_basis", "") or "")
        if basis not in (InputBasis.DEFAULT.value, InputBasis.TODO.value) \
                or "finding" not in evidence.columns:
            return ""
        return inputs_of_rows(evidence[evidence["finding"].astype(str) == fid], basis)

    def worst_on(fid: str) -> str:
        """The stand-in finding ``fid``'s worst row (its first evidence row) rests on, in
        words with its inputs ("" on given data)."""
        if not {"finding", "input_basis"} <= set(evidence.columns):
            return ""
        rows = evidence[evidence["finding"].astype(str) == fid].iloc[:1]
        basis = str(rows["input_basis"].iloc[0]) if len(rows) else ""
        if basis not in (InputBasis.DEFAULT.value, InputBasis.TODO.value):
            return ""
        what = inputs_of_rows(rows, basis)
        return f"{InputBasis(basis).label}: confirm {what}" if what else InputBasis(basis).label

    overall = overall_worst_texts(findings, evidence)
    kinds = kinds[kinds["finding"].isin(list(by_id))]
    n = 0

    def put(frame: pd.DataFrame, limit: int | None) -> None:
        nonlocal n
        for row in frame.iloc[:limit].itertuples(index=False):
            n += 1
            w.pair(f"  condition {n}", _line(row.kind, by_id[row.finding],
                                             recs.get(row.finding, ""), row.also,
                                             overall.get(str(row.finding), ""),
                                             inputs(str(row.finding)),
                                             given=_given_worst(evidence,
                                                                by_id[row.finding]),
                                             attribution=words(str(row.finding)),
                                             driver=drivers.get(str(row.finding), "")))

    protection = kinds[~kinds["flow_item"].astype(bool)]
    fails = protection[protection["kind"] == "fail"]
    grouped = _default_groups(fails, by_id)
    folded = _folded(evidence, kinds, by_id)
    for k, row in enumerate(fails.itertuples(index=False)):
        if k in grouped:
            if grouped[k]:
                n += 1
                w.pair(f"  condition {n}", _group_line(row.kind, grouped[k], by_id, recs))
            continue
        n += 1
        w.pair(f"  condition {n}", _line(row.kind, by_id[row.finding],
                                         recs.get(row.finding, ""), row.also,
                                         inputs=inputs(str(row.finding)),
                                         worst_on=worst_on(str(row.finding)),
                                         attribution=folded.get(str(row.finding), "")
                                         or words(str(row.finding)),
                                         driver=drivers.get(str(row.finding), "")))
    for kind, more in (("condition", "present without V2G: fix before the pilot"),
                       ("confirm", "present without V2G, resting on a tool default or a "
                        "drafted value: confirm the input, then fix or drop")):
        some = protection[protection["kind"] == kind]
        put(some, MAX_LISTED)
        if len(some) > MAX_LISTED:
            n += 1
            w.pair(f"  condition {n}", f"{kind}: and {len(some) - MAX_LISTED} more finding(s) "
                   f"{more} (section 5): {_ids(some.iloc[MAX_LISTED:])}")
    screening = gate.get("screening") or {}
    if gate.get("unmet_screening_fails"):
        for item, state in screening.items():
            if state == "not met":
                n += 1
                w.pair(f"  condition {n}", f"fail: pilot screening item {item} not met "
                       f"({SCREENING_LABELS.get(item, item)})")
    flow = kinds[kinds["flow_item"].astype(bool)]
    if len(flow):  # the feeder's own voltage and loading items, after the protection ones
        n_cond = int((flow["kind"] == "condition").sum())
        n += 1
        w.pair(f"  condition {n}", f"{n_cond} gate condition(s) and {len(flow) - n_cond} to "
               "confirm on the feeder's own voltage, loading and regulators "
               f"({FEEDER_FLOW_CRITERION}: planning items and regulator modes, not protection "
               f"settings): {_flow_ids(flow, by_id)} (the Findings sheet; `protv2g gate "
               "<study.yaml>` prints each line)")
    if not n:
        w.pair("  —", "none: the gate fails on no finding and sets no condition")
    acted = set(kinds["finding"])
    review = findings[findings["attribution"].isin(OURS)
                      & ~findings["finding"].astype(str).isin(acted)
                      & (findings["status"].astype(str) != CheckStatus.INFO.value)]
    if len(review):
        w.pair("  to review", f"{len(review)} finding(s) caused or made worse by V2G, by the "
               "sites' charging or by the project (its equipment, or equipment + V2G together) "
               "that the gate does not fail "
               f"on ({', '.join(sorted(set(review['status'].astype(str))))}): "
               + ", ".join(f"{x} ({recs[x]})" if x in recs else x
                           for x in review["finding"].astype(str)) + " (sections 3–4)")
