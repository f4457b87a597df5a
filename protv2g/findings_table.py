"""The Findings table: one row per finding from its evidence rows (split from
:mod:`protv2g.findings`, which groups the violation rows and orders them): the finding's title,
attribution, worst and leading row, export trend, where it appears and the weakest input it
rests on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks.directional_flow import REVERSE_POWER
from protv2g.checks.duty import LEVEL_CHANGE
from protv2g.checks.equipment import EQUIPMENT, EQUIPMENT_SAVING, EQUIPMENT_WORSE
from protv2g.checks.fuse_saving_range import SavingMechanism
from protv2g.criteria import CATALOGUE
from protv2g.findings_attribution import (
    Attribution,
    by_charging_coded,
    finding_attribution,
    lower_status_tail,
)
from protv2g.findings_groups import BusRows, group_trend_columns
from protv2g.findings_headline import (
    V2G_MOVED,
    base_case_lead,
    lead_message,
    lead_positions,
    moved_texts,
    row_where,
    tied,
    v2g_change_tail,
)
from protv2g.findings_slow_backup import slow_backup_note
from protv2g.findings_trend import (
    ROW_KEY,
    TREND_COLUMNS,
    columns_trend,
    finding_tolerance,
    rows_of,
    trend_columns,
)
from protv2g.findings_trend_pass import finding_stories
from protv2g.findings_trend_rows import same_key
from protv2g.findings_trend_sites import SiteAxis, lead_with_driver
from protv2g.input_basis import weakest
from protv2g.messages import as_messages, is_messages
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX, DAY_SCENARIO_PREFIX
from protv2g.text_codes import given_codes, text_codes
from protv2g.violations import COUNTED_STATUSES, STATUS_ORDER, is_given

__all__ = ["FINDING_COLUMNS", "FIXED_RULE_LABELS", "SAVING_TITLES", "UNIT_TITLES",
           "export_row_note", "finding_rows", "finding_title", "rule_labels"]

#: Columns of the Findings table.
FINDING_COLUMNS = [
    "finding", "criterion", "title", "status", "attribution", "device", "other_device",
    "mechanism", "worst_margin", "margin_unit", "limit", "base_margin", "worst_scenario",
    "worst_fault", "export_trend", "scenarios", "fault_types", "cases", "locations",
    "load_levels", "n_rows", "n_evidence", "evidence_first", "evidence_last", "input_basis",
    "message", "n_fail", "n_warn", "n_info", "element",
]


#: Labels of rules with no row of the coordination table: the rows that report a step
#: transformer with no device behind a pair (:mod:`protv2g.checks.beyond_transformer`); C10's
#: rule, a schema field name in a title an engineer reads (c10c42: "… (reclose_margin_s)" on
#: a finding resting on the cease time), in protection terms.
FIXED_RULE_LABELS = {
    "unguarded_step_transformer": "no device at a step transformer",
    "reclose_margin_s": "first reclose within the DER's anti-islanding time + margin",
}

#: C2's fuse-saving mechanisms (:class:`protv2g.checks.fuse_saving_range.SavingMechanism`)
#: whose words name the base case, titled by the finding's attribution where they would
#: contradict it (review rev38a M3, IEEE 8500 r_mid / f_campus: "(not saved without V2G)" on a
#: finding "caused by the project's equipment", whose base has no f_campus; it fails with
#: every charger idle): (mechanism, attribution) → the title's parenthesis.
_NOT_SAVED, _LOST = (SavingMechanism.NOT_SAVED_WITHOUT_V2G.value,
                     SavingMechanism.LOST_SAVING.value)
_IDLE = EQUIPMENT_SAVING
SAVING_TITLES = {
    (_NOT_SAVED, Attribution.EQUIPMENT): _IDLE,
    (_LOST, Attribution.EQUIPMENT): _IDLE,
    (_NOT_SAVED, Attribution.CAUSED): "fuse saving lost with V2G",
    (_LOST, Attribution.PRE_EXISTING): _NOT_SAVED,
    # and C7's fault-level change, whose words name "no V2G": a finding of the project as a
    # whole is measured against no project (review s38, IEEE 34 F-818)
    (LEVEL_CHANGE, Attribution.PROJECT): "fault-level change against no project",
    # and of the project's equipment alone: its rows compare the current with every charger
    # idle (the equipment in) with the base case's, which lacks it (att39: "against no V2G"
    # on a change the chargers do not make)
    (LEVEL_CHANGE, Attribution.EQUIPMENT): ("fault-level change with the project's equipment "
                                            "in, every charger idle, against no project"),
}



def _join(texts: list[str], limit: int = 8) -> str:
    """The distinct non-empty ``texts``, sorted, at most ``limit`` of them named."""
    items = sorted({v for v in texts if v})
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" … (+{len(items) - limit})"
    return ", ".join(items)


#: the statuses of rows a check judged (an ``info`` row says what was not judged or only
#: noted): a fail or warn finding's attribution is read from these
_JUDGED = ("fail", "warn")


def _distinct(coded: tuple[np.ndarray, np.ndarray], lo: int, hi: int,
              where: np.ndarray | None = None) -> list[str]:
    """The distinct texts of rows ``lo:hi`` of a coded column (those of them ``where`` holds,
    ``(n,)`` bool, when it is given and holds any)."""
    codes, texts = coded
    part = codes[lo:hi]
    if where is not None and where[lo:hi].any():
        part = part[where[lo:hi]]
    return texts[pd.unique(part)].tolist()


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


def finding_title(criterion: str, device: str, partner: str, mechanism: str,
                  labels: dict[str, str] | None = None, attribution: str = "",
                  unit: str = "") -> str:
    """``"C2 recloser–fuse: RC-F1 / FU-F1 (fuse TC < recloser delayed)"``: the criterion,
    the device(s) and the rule that failed. With a rule named, the catalogue title's own
    parenthesis (C2's "(fuse saving)", one of its two rules) is left out. A fuse-saving
    mechanism whose words would contradict the finding's ``attribution`` is said as
    :data:`SAVING_TITLES` gives it; a mechanism whose findings split by margin ``unit``, one
    element each, as :data:`UNIT_TITLES` names the element.

    >>> finding_title("C2", "r_mid", "f_campus", "not saved without V2G",
    ...               attribution="caused by the project's equipment").split(" (")[1]
    "fuse saving fails with the project's equipment in, every charger idle)"
    """
    mechanism = UNIT_TITLES.get((mechanism, unit),
                                SAVING_TITLES.get((mechanism, attribution), mechanism))
    crit = CATALOGUE.get(criterion)
    name = crit.title if crit else ""
    if mechanism and name.endswith(")") and " (" in name:
        name = name[:name.rindex(" (")]
    head = f"{criterion} {name}" if name else criterion
    who = f"{device} / {partner}" if partner else device
    text = f"{head}: {who}" if who else head
    rule = (labels or {}).get(mechanism) or FIXED_RULE_LABELS.get(mechanism, mechanism)
    return f"{text} ({rule})" if rule else text

#: Mechanisms whose findings split by margin unit, one element each, titled by the element
#: (review rev41a M3, IEEE 34: the head's 32 element, in MW, and its 51P, in A, were two
#: findings "C9 directional behaviour: head-l1 (reverse power on load)"):
#: (mechanism, margin unit) → the title's parenthesis (:mod:`protv2g.checks.directional_flow`).
UNIT_TITLES = {
    (REVERSE_POWER, "MW"): f"{REVERSE_POWER}: 32 reverse-power element",
    (REVERSE_POWER, "A"): f"{REVERSE_POWER}: 51P, supervised by 67P",
}


def _base_margin(margin: pd.Series, base: np.ndarray, lo: int, hi: int) -> float:
    """The smallest margin of rows ``lo:hi`` where ``base`` ((n,) bool) holds, NaN without
    (pandas' ``min``, skipping NaN, on a float column without a Series per finding)."""
    sel = base[lo:hi]
    if not sel.any():
        return np.nan
    if margin.dtype != np.float64:
        return pd.to_numeric(margin.iloc[lo:hi][sel], errors="coerce").min()
    values = margin.to_numpy()[lo:hi][sel]
    values = values[~np.isnan(values)]
    return values.min() if len(values) else np.float64(np.nan)


def _trend_text(trend: dict[str, np.ndarray], lo: int, hi: int, h: int, unit: str,
                tol: float, ev_group: np.ndarray | None, bus_rows: BusRows | None,
                status_rank: np.ndarray | None, extra: dict[str, np.ndarray] | None = None,
                site: str = "", axis: SiteAxis | None = None,
                scenario: np.ndarray | None = None) -> str:
    """The export trend of Evidence rows ``lo:hi`` led by row ``h``; a finding of C5 groups
    read bus by bus (:func:`~protv2g.findings_groups.group_trend_columns`, #21). ``extra``:
    the coordination table's passing rows of the followed row's story
    (:mod:`protv2g.findings_trend_pass`); ``site``: the one site driving the finding, whose
    export (``axis``, the rows' ``scenario``) is the trend's x-axis
    (:mod:`protv2g.findings_trend_sites`; review rev48a #3)."""
    if site and axis is not None and scenario is not None:
        trend = axis.columns(trend, scenario, lo, hi, site)
        if extra is not None:
            extra = axis.columns(extra, extra["scenario"], 0, len(extra["margin"]), site)
    if ev_group is not None and bus_rows is not None and status_rank is not None:
        by_bus = group_trend_columns(trend, lo, hi, h, ev_group, bus_rows, status_rank)
        if by_bus is not None:
            cols, n, at, tol_bus = by_bus
            return columns_trend(cols, n, unit, tol_bus, at, site=site)
    return columns_trend(rows_of(trend, slice(lo, hi)), hi - lo, unit, tol, h - lo, extra,
                         site)


def _twins(trend: dict[str, np.ndarray], lo: int, hi: int, h: int) -> np.ndarray:
    """``(hi − lo,)`` bool: the rows ``lo:hi`` with row ``h``'s :data:`ROW_KEY` (its twins in
    other scenarios: same device, partner, fault and case; all rows without the key)."""
    if f"{ROW_KEY[0]}:code" not in trend:
        return np.ones(hi - lo, dtype=bool)
    return same_key(rows_of(trend, slice(lo, hi)), h - lo)


def export_row_note(worst: dict[str, np.ndarray], attributions: tuple[np.ndarray, np.ndarray],
                    lo: int, lead: int, worst_m: np.ndarray, unit: str,
                    evidence_ids: pd.Series) -> str:
    """Why a finding led by a charging snapshot's row (:data:`~protv2g.scenarios.
    CHARGING_SNAPSHOT_PREFIX`) is V2G's: its first (worst) row of an export scenario that is
    ``new`` or ``worse`` (:func:`~protv2g.findings_attribution.by_charging`: such a row keeps
    the finding V2G's), named with its margin and Evidence id; ``""`` where the lead is not a
    charging row or no such row exists. Rows ``lo``… of ``worst`` (each row's scenario),
    ``attributions`` the finding's rows' codes and texts. Fix47: the residential two-site
    study's C12 F09 read "made worse by V2G" beside a charging snapshot's 0.933 pu, its
    export row (firm/peak/100%, 0.947 pu: the single-phase export on phases a and b pulls
    phase c down, OpenDSS 0.9561 → 0.9456 pu) named nowhere.

    >>> w = {"scenario": np.array(["charging/firm", "base/peak", "firm/peak/100%"]),
    ...      "fault_bus": np.array(["B2", "B2", "B2"]), "fault_type": np.array(["", "", ""]),
    ...      "case": np.array(["", "", ""])}
    >>> export_row_note(w, (np.array([0, 1, 0]), np.array(["worse", "pre-existing"])), 0, 0,
    ...                 np.array([-0.0166, -0.001, -0.0027]), "pu",
    ...                 pd.Series(["E1", "E2", "E3"])).split("too, ")[1]
    'made worse (B2 (firm/peak/100%): margin −0.0027 pu, E3)'
    """
    scen = worst["scenario"]
    if not str(scen[lead]).startswith(CHARGING_SNAPSHOT_PREFIX):
        return ""
    codes, texts = attributions
    for j, c in enumerate(codes.tolist()):
        k = lo + j
        sc = str(scen[k])
        if (c < 0 or str(texts[c]) not in V2G_MOVED
                or sc.startswith((CHARGING_SNAPSHOT_PREFIX, DAY_SCENARIO_PREFIX))):
            continue
        how = "caused" if str(texts[c]) == "new" else "made worse"
        margin = f"{float(worst_m[k]):.3g} {unit}".rstrip().replace("-", "\u2212", 1)
        return (f"; V2G's, not the charging's alone: with the sites exporting it fails too, "
                f"{how} ({row_where(worst, k)}: margin {margin}, "
                f"{evidence_ids.iat[k]})")
    return ""


def _message_at(messages: pd.Series, at: int) -> str:
    """The message of Evidence row ``at`` (written when read, #21)."""
    return (as_messages(messages).texts(np.array([at]))[0] if is_messages(messages)
            else messages.to_numpy()[at])


def finding_rows(evidence: pd.DataFrame, coded: dict[str, tuple[np.ndarray, np.ndarray]],
                  plain: set[str], ends: np.ndarray, parts: dict[str, np.ndarray],
                  n_rows: np.ndarray, worst_m: np.ndarray, labels: dict[str, str],
                  n_evidence: np.ndarray | None = None,
                  more_locations: list[list[str]] | None = None,
                  bus_rows: BusRows | None = None,
                  n_status: dict[str, np.ndarray] | None = None,
                  coordination: pd.DataFrame | None = None, info: pd.DataFrame | None = None,
                  axis: SiteAxis | None = None) -> pd.DataFrame:
    """One row per finding from its evidence rows (``evidence``, sorted by finding then
    worst first; finding k's rows end at ``ends[k]``), the rows' coded text columns
    (``coded``, in evidence order; ``plain``: those whose texts are their cells, plain
    ``str``), the finding's key texts (``parts``, (f,) each) and its
    violation-row count (``n_rows``, (f,)); ``worst_m`` (n,): the rows' margins, NaN as
    +inf. ``n_evidence`` (f,): the evidence rows each finding stands for (default its rows'
    count; a C5 group's row stands for its zone rows, #21); ``more_locations``: per finding,
    buses its locations name besides its rows' (a C5 group's buses); ``bus_rows``: the C5
    groups' per-bus rows, which a finding of groups reads its export trend from
    (:func:`~protv2g.findings_groups.group_trend_columns`); ``n_status``: status → (f,) its
    violation rows of that status (``n_fail``, ``n_warn``, ``n_info``; 0 without it);
    ``coordination`` and ``info`` (scenario → participation, load level, total export): the
    trend reads the coordination table's passing rows of its pair and fault beside the
    finding's (:mod:`protv2g.findings_trend_pass`); ``axis``: the one site driving a V2G
    finding, whose export is its trend's x-axis (:mod:`protv2g.findings_trend_sites`)."""
    given = {c: given_codes(*coded[c]) for c in ("attribution", "other_device")}
    base = (np.isin(coded["export_level"][1], ["0", ""])[coded["export_level"][0]]
            & (coded["attribution"][1] == "pre-existing")[coded["attribution"][0]])
    levels = pd.factorize(evidence["load_levels"].to_numpy(dtype=object))
    # the worst row's key (s17 §3.11); its columns not copied into one block (#21), read
    # once for every finding (findings_trend.trend_columns: #21, converted again and the
    # worst row's story copied out for each finding, 0.17 s at 10,000 buses); the
    # attribution and participation texts from their codes
    trend = trend_columns(pd.DataFrame({c: evidence[c] if c in evidence.columns
                                        else np.full(len(evidence), None, dtype=object)
                                        for c in TREND_COLUMNS}, copy=False),
                          {**{c: coded[c] for c in ("attribution", "participation")},
                           "load_levels": (levels[0], np.asarray(levels[1], dtype=object))},
                          {c: coded[c] for c in ROW_KEY if c in plain})
    tol = finding_tolerance(evidence, ends)
    worst = {c: evidence[c].to_numpy() for c in ("status", "scenario", "fault_type",
                                                "fault_bus", "case", "limit")}
    status_text = worst["status"].astype(str)
    # a finding's attribution is read from its rows of the finding's own status (review
    # rev49b #6, IEEE 8500 F09: seven pre-existing fail rows and 731 V2G warn rows read
    # "fail, made worse by V2G" where the gate, on the fail rows, said "confirm:")
    of_status = {s: status_text == s for s in _JUDGED}
    first = np.r_[0, ends[:-1]].astype(np.intp) if len(ends) else np.empty(0, np.intp)
    # the row each finding leads with (review s28 §3, findings_headline): its first row V2G
    # moved (rows sorted worst first), else its first (worst) row
    # (one the chargers moved before one of the project's equipment: mix38)
    a_codes, a_texts = coded["attribution"]
    v2g_rows = moved_texts(a_texts, V2G_MOVED)[a_codes]
    equipment_rows = moved_texts(a_texts, (EQUIPMENT, EQUIPMENT_WORSE))[a_codes]
    lead = lead_positions(moved_texts(a_texts)[a_codes], first, ends, v2g_rows)
    # ... and leads with a row of that status: a V2G row of a lower status (a warn under
    # pre-existing fails) is said in a tail (:func:`_lower_status_tail`), not as the lead
    lead = np.where(status_text[lead] == status_text[first], lead, first)
    # the pair's rows where it passes, beside the failing ones (review rev48a #3)
    stories = finding_stories(evidence, lead, parts["margin_unit"], coordination, info)
    # the message of each finding's leading row only (#21: the messages are written
    # when read, :class:`~protv2g.messages.MessageArray`; all 272,244 at 10,000 buses were)
    messages = evidence["message"]
    # the element the leading row was judged on (C5's group rows: .checks.row_groups), which
    # the TCC link follows (review ver43 M-p1); "" where the rows do not say
    elements = (evidence["element"].to_numpy(dtype=object) if "element" in evidence.columns
                else np.full(len(evidence), "", dtype=object))
    worst_message = (as_messages(messages).texts(lead) if is_messages(messages)
                     else messages.to_numpy()[lead])
    # coded: the weakest basis from each finding's distinct texts (in the order they first
    # appear, so that ``weakest`` picks the same one), not from every row (#21: 272,244 rows
    # of the 10,000-bus study, ≈ 0.5 s)
    basis = text_codes(evidence["input_basis"]) if "input_basis" in evidence else None
    # each row's scenario and attribution for the one charging rule (by_charging, s23)
    sc_codes, sc_text = coded["scenario"]
    at_codes, at_text = coded["attribution"]
    out = []
    base_of = trend.get("base_margin")
    p_ev = pd.to_numeric(evidence["p_export_kw"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)
    # a C5 group's row is its worst bus: the trend follows one bus, read from the per-bus rows
    ev_group = (pd.to_numeric(evidence["bus_group"], errors="coerce").fillna(-1).to_numpy(
        np.int64) if bus_rows is not None and "bus_group" in evidence.columns else None)
    status_rank = (np.array([STATUS_ORDER.get(str(x), 9) for x in worst["status"].tolist()])
                   if ev_group is not None else None)
    for k, hi in enumerate(ends.tolist()):
        lo = int(ends[k - 1]) if k else 0
        h = int(lead[k])  # the leading row; lo: the worst (sorted: status, then margin)
        w = {c: v[h] for c, v in worst.items()}
        w["status"] = worst["status"][lo]  # the finding's status: its worst row's
        w["message"] = worst_message[k]
        w_m = float(worst_m[h])
        # the project's equipment's rows beside the chargers' leading row (mix38)
        eq = np.flatnonzero(equipment_rows[lo:hi]) + lo if v2g_rows[h] else np.zeros(0, int)
        equipment = ((len(eq), int(eq[0]), float(worst_m[eq[0]])) if len(eq)
                     else (0, -1, np.nan))
        crit, dev, partner, mech, unit = (str(parts[c][k]) for c in (
            "criterion", "device", "partner", "mechanism", "margin_unit"))
        base_m = _base_margin(evidence["margin"], base, lo, hi)
        # a fail/warn finding's attribution from its judged (fail, warn) rows: an info row
        # the check did not judge does not vote (review rev37b F7, DG feeder: one "not
        # judged: a source bus" info row made 40 new fail rows "made worse by V2G" where the
        # gate, reading its fail rows, said "caused by V2G")
        charging = by_charging_coded(crit, mech, (sc_codes[lo:hi], sc_text),
                                     (at_codes[lo:hi], at_text))
        attribution = finding_attribution(
            _distinct(given["attribution"], lo, hi, of_status.get(str(w["status"]))),
            charging)
        lower_tail = lower_status_tail(
            attribution, str(w["status"]), given["attribution"], lo, hi,
            of_status.get("warn"), charging)
        # a pre-existing finding's message leads with its worst row's base-case twin, V2G's
        # change in a tail (rev42a M2); its worst margin, scenario and trend stay the worst's
        v2g_tail = ""
        hb = (base_case_lead(p_ev[lo:hi], _twins(trend, lo, hi, h), h - lo) + lo
              if attribution == Attribution.PRE_EXISTING else h)
        if hb != h:
            v2g_tail = v2g_change_tail(float(worst_m[h]), float(worst_m[hb]), unit,
                                       row_where(worst, h), message=w["message"])
            w["message"] = _message_at(messages, hb)
        elif attribution in (Attribution.CAUSED, Attribution.WORSE):
            note = export_row_note(worst, (at_codes[lo:hi], at_text), lo, h, worst_m, unit,
                                   evidence["evidence"])
            if note:  # a row without a message (None) gets none added to it
                w["message"] = f"{w['message'] or ''}{note}"
        # the one site driving it leads the export's words (review rev48a #3, rev48b P9)
        other = partner or _join(_distinct(given["other_device"], lo, hi), 4)
        site = axis.site((crit, dev, partner, mech, unit), attribution, other) if axis else ""
        if site and w["message"]:
            w["message"] = lead_with_driver(str(w["message"]), axis.kw, site)
        out.append({
            "finding": str(evidence["finding"].iat[lo]), "criterion": crit,
            "title": finding_title(crit, dev, partner, mech, labels, attribution, unit),
            "status": str(w["status"]),
            "attribution": attribution,
            "device": dev, "other_device": other,
            "mechanism": mech, "worst_margin": w_m if np.isfinite(w_m) else np.nan,
            "margin_unit": unit,
            "limit": (np.float64(w["limit"]) if isinstance(w["limit"], float)
                      else pd.to_numeric(pd.Series([w["limit"]]), errors="coerce").iloc[0]),
            "base_margin": base_m, "worst_scenario": str(w["scenario"]),
            "worst_fault": " ".join(str(w[c]) for c in ("fault_type", "fault_bus", "case")
                                    if is_given(w[c])),
            "export_trend": _trend_text(
                trend, lo, hi, h, unit, tol[k], ev_group, bus_rows, status_rank,
                stories.get(k), site, axis, worst["scenario"]) + slow_backup_note(
                crit, mech, np.nan if base_of is None else float(base_of[h])),
            "scenarios": _join(_distinct(coded["scenario"], lo, hi), 6),
            "fault_types": _join(_distinct(coded["fault_type"], lo, hi)),
            "cases": _join(_distinct(coded["case"], lo, hi)),
            "locations": _join(_distinct(coded["fault_bus"], lo, hi)
                               + (more_locations[k] if more_locations else []), 10),
            "load_levels": _join([t for v in _distinct(levels, lo, hi) for t in v.split(", ")]),
            "n_rows": int(n_rows[k]),
            **{f"n_{s}": int(n_status[s][k]) if n_status and s in n_status else 0
               for s in COUNTED_STATUSES},
            "n_evidence": hi - lo if n_evidence is None else int(n_evidence[k]),
            "evidence_first": str(evidence["evidence"].iat[lo]),
            "evidence_last": str(evidence["evidence"].iat[hi - 1]),
            # the weakest input any of its rows rests on (protv2g.input_basis)
            "input_basis": weakest(_distinct(basis, lo, hi)) if basis is not None else "",
            "message": "; ".join(t for t in (lead_message(
                w["message"], bool(v2g_tail) or tied(worst_m, h, lo), worst, lo,
                float(worst_m[lo]), np.nan if base_of is None else float(base_of[lo]), unit,
                attribution in (Attribution.CAUSED_CHARGING, Attribution.WORSE_CHARGING),
                equipment), v2g_tail, lower_tail) if t),
            "element": str(elements[h]) if is_given(elements[h]) else "",
        })
    return pd.DataFrame(out, columns=FINDING_COLUMNS).reset_index(drop=True)
