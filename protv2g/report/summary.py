"""The Summary sheet as a decision memo an engineer can sign.

In order: the verdict; the conditions of approval (every finding the gate fails on, sets a
condition on or asks to confirm, with its gate kind, in the gate's order, and its
recommendation: :mod:`protv2g.report.summary_conditions`); the findings under the heading of
their attribution — caused by V2G, by the sites' charging, by the project's equipment, by the
project (equipment + V2G together), made
worse by V2G, by the sites' charging, pre-existing; the recommendations; the
hosting capacity with its band (:mod:`protv2g.report.summary_hosting`); the fault model and
its assumptions (charger model, IEC 60909 c-factors, fault resistance:
:mod:`protv2g.report.summary_faults`); the fault-level
table at the device locations with and without V2G; counts per criterion (catalogue order);
what was not evaluated or not applicable; the study's identity and versions; the workbook's
sheets, each linked with its description (:mod:`protv2g.report.summary_sheets`); then
sign-off.

Reads the verdict from the result, as the gate wrote it: ``result.meta["gate"]``; when absent
the verdict reads "not evaluated" — never PASS by default. The report decides nothing itself:
findings come from :mod:`protv2g.findings`, recommendations from ``tables["Recommendations"]``
(:mod:`protv2g.recommend`), the band from ``tables["Hosting band"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from protv2g.findings import Attribution
from protv2g.findings_attribution import check_attribution, marginal_without_v2g
from protv2g.findings_sites import SITE_DRIVERS
from protv2g.findings_sites_text import short_driver_texts
from protv2g.gate_grouping import grouped_lines, reason_ids
from protv2g.gate_hosting import NOT_DETERMINED
from protv2g.gate_reason_record import short_reasons
from protv2g.gate_rows import FUSE_RECLOSER_CRITERIA, NO_FUSES_OR_RECLOSERS
from protv2g.gate_site_limit import finding_site_limits, with_limits
from protv2g.report.findings_margin import no_margin_texts, overall_worst_texts
from protv2g.report.format import NOTE_FONT, SEVERITY_FILLS, write_cell
from protv2g.report.overflow import Overflow, overflow_note
from protv2g.report.scenario_rows import scenarios_run_text
from protv2g.report.sheets import TCC, sheet_specs
from protv2g.report.summary_conditions import write_conditions
from protv2g.report.summary_counts import criterion_counts, findings_count_text
from protv2g.report.summary_decision import (
    TODO_GIST_CHARS,
    rests_on_line,
    slg_gap_lines,
    todo_gist,
)
from protv2g.report.summary_faults import (
    assumptions,
    fault_level_grid,
    interval_text,
    num_text,
)
from protv2g.report.summary_grids import TREND_HEADER, findings_grid, recommendation_map
from protv2g.report.summary_hosting import (
    _not_limiting,
    count_cell,
    hosting_headline,
    resolution_note,
    sites_together_note,
    whole_kw,
)
from protv2g.report.summary_memo import BOX, MEMO_WIDTHS, Memo
from protv2g.report.summary_sheets import PICTURE_SHEETS, write_sheet_index
from protv2g.report.tcc_listing import TccCounts, drawn_line

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["TODO_GIST_CHARS", "TREND_HEADER", "write_summary", "gate_verdict", "hosting_headline",
           "todo_gist"]

_VERDICT_FILL = {"PASS": PatternFill("solid", fgColor="C6EFCE"),
                 "FAIL": SEVERITY_FILLS["fail"], "ERROR": SEVERITY_FILLS["warn"]}
_NOT_EVALUATED = PatternFill("solid", fgColor="EDEDED")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
#: gate conditions listed one by one in section 2 (the rest are counted: each is a finding of
#: section 5, where it is listed with its evidence)
_MAX_GATE_CONDITIONS = 10
_DECISIONS = ("approve", "approve with conditions", "reject")


def gate_verdict(meta: dict[str, Any]) -> tuple[str, list[str]]:
    """``(verdict, reasons)``; ``("not evaluated", [...])`` when the gate did not run."""
    gate = meta.get("gate")
    if not isinstance(gate, dict) or not gate.get("verdict"):
        return "not evaluated", ["the gate did not run in this study (no meta['gate'])"]
    reasons = gate.get("reasons") or []
    if isinstance(reasons, str):
        reasons = [reasons]
    return str(gate["verdict"]), [str(r) for r in reasons]



def write_summary(wb: Workbook, result: StudyResult, derived: dict[str, Any],
                  sheet_notes: dict[str, str], overflows: Sequence[Overflow] = (),
                  tcc_counts: TccCounts | None = None, study_file: str = ""
                  ) -> Worksheet:
    """Fill the workbook's first sheet as the decision memo (see the module docstring).

    Parameters
    ----------
    wb : Workbook
        New workbook; its active sheet becomes "Summary".
    result : StudyResult
    derived : dict
        From :func:`protv2g.report.derived.derive` (findings, fault levels).
    sheet_notes : dict
        Sheet → "not computed …" note, listed so a reviewer sees what is missing.
    overflows : sequence of Overflow
        Tables too long for their sheet, written whole beside the workbook; listed under
        "Decision" so that no reviewer misses rows left out of a sheet.
    tcc_counts : TccCounts, optional
        TCC plots drawn and listed without a picture, and which findings' plots are drawn
        (:func:`protv2g.report.tcc_sheets.drawn_counts`), said in the sheet index's TCC row;
        None when every plot is drawn. ``study_file``: named in the command drawing them.
    """
    ws = wb.active
    ws.title = "Summary"
    ws.sheet_view.showGridLines = False
    write_cell(ws, 1, 1, "protv2g protection review: V2G export").font = Font(bold=True,
                                                                               size=16)
    write_cell(ws, 2, 1, result.study_name).font = Font(bold=True, size=12, color="404040")
    w = Memo(ws)
    findings = derived["_findings"].findings
    recs = result.tables.get("Recommendations")
    rec_map = recommendation_map(recs)
    no_margin = no_margin_texts(findings, derived["_findings"].evidence)
    # the worst row overall of a finding that leads with another (review rev38a W2)
    overall = overall_worst_texts(findings, derived["_findings"].evidence)
    verdict, reasons = gate_verdict(result.meta)

    w.heading("1. Decision")
    # a PASS on init's drafts says so, as the gate's verdict line does (draft43, gate_drafted)
    note = str((result.meta.get("gate") or {}).get("verdict_note") or "")
    cell = w.pair("Gate verdict", f"{verdict} ({note})" if note else verdict, bold_value=True)
    cell.fill = _VERDICT_FILL.get(verdict, _NOT_EVALUATED)
    cell.font = Font(bold=True, size=13)
    # every finding under one member of the closed set (an unknown text raises)
    by = findings["attribution"].map(check_attribution)
    caused = findings[by == Attribution.CAUSED]
    worse = findings[by == Attribution.WORSE]
    pre = findings[by == Attribution.PRE_EXISTING]
    unknown = findings[by == Attribution.UNKNOWN]
    equipment = findings[by == Attribution.EQUIPMENT]
    equipment_worse = findings[by == Attribution.EQUIPMENT_WORSE]
    project = findings[by == Attribution.PROJECT]
    caused_charging = findings[by == Attribution.CAUSED_CHARGING]
    worse_charging = findings[by == Attribution.WORSE_CHARGING]
    # the problems (fail / warn) by attribution, the info findings apart (review ver49 #5),
    # then the violation rows as `protv2g run` counts them (violations.describe_rows)
    w.pair("Findings", findings_count_text(findings, result.violations))
    dirs = result.meta.get("directional") or {}
    if dirs.get("operating") or dirs.get("matters"):  # #18: the Directional sheet's counts
        w.pair("Directional elements",
               f"{dirs.get('operating', 0)} operating decision(s); "
               f"{dirs.get('wrong_trip', 0)} wrong trip(s), "
               f"{dirs.get('fails_to_trip', 0)} failure(s) to trip in zone (C9); "
               f"{dirs.get('wrong_after_clearing', 0)} wrong only after the fault is cleared "
               "(see the Directional sheet)")
    for reason in [r for r in reasons if r.startswith("error:")]:
        w.pair("  error", reason).font = Font(bold=True, color="C00000")
    unconfirmed = result.meta.get("unconfirmed") or []
    if unconfirmed:  # assumed values (``# TODO``): the verdict rests on them until confirmed
        w.pair("Unconfirmed inputs",
               f"{len(unconfirmed)} value(s) the study file marks TODO (assumed by protv2g "
               "init, e.g. " + "; ".join(map(todo_gist, unconfirmed[:2]))
               + "): the verdict and findings rest "
               "on them until confirmed — `protv2g validate` lists them all"
               ).font = Font(bold=True, color="C00000")
    if rests := rests_on_line(findings, result.meta.get("gate") or {},
                               derived["_findings"].evidence):
        w.pair("Rests on", rests)  # given data, fuse curve band, tool defaults, drafted values
    for gap in slg_gap_lines(result.tables.get("Feeder warnings")):  # review rev46b M1
        w.pair("Ground-fault maximum", gap).font = Font(bold=True, color="C00000")
    for spilled in overflows:
        w.pair("Table beside the workbook", f"sheet {spilled.sheet!r}: {overflow_note(spilled)}"
               ).font = Font(bold=True, color="C00000")

    w.heading("2. Conditions of approval")
    gate = result.meta.get("gate") or {}
    # the gate's own classification of the findings (gate_findings), never a count of
    # sections 3–4 (review rev36b M2)
    # a one-site finding's limit after its driver, as its gate line (review c12d50)
    site_table = result.tables.get(SITE_DRIVERS)
    write_conditions(w, findings, derived["_findings"].evidence, rec_map, gate,
                     with_limits(short_driver_texts(findings, site_table),
                                 finding_site_limits(findings, site_table)))

    # each finding under the heading of its own attribution (review rev36b M2: charging
    # findings sat under "Pre-existing findings (present without V2G)")
    w.heading("3. Findings caused by V2G")
    findings_grid(w, caused, rec_map, no_margin, overall)
    for heading, these in (
            ("3b. Findings caused by the sites' charging (vehicle load, no export: there with "
             "or without V2G export)", caused_charging),
            ("3c. Findings caused by the project's equipment (a site's own transformer or a "
             "device on it, failing with every charger idle: its remedy is that equipment, "
             "not the export)", equipment),
            ("3d. Findings caused by the project (equipment + V2G together: its equipment "
             "and its chargers each within the check's threshold, together over it; the "
             "remedy is the project's, equipment and export together)", project)):
        if len(these):
            w.heading(heading)
            findings_grid(w, these, rec_map, no_margin, overall)
    w.heading("4. Findings made worse by V2G")
    findings_grid(w, worse, rec_map, no_margin, overall)
    if len(worse_charging):
        w.heading("4b. Findings made worse by the sites' charging (vehicle load, no export)")
        findings_grid(w, worse_charging, rec_map, no_margin, overall)
    if len(equipment_worse):  # review rev42b M1: failing without the project, not caused by it
        w.heading("4c. Pre-existing findings made worse by the project's equipment (failing "
                  "without the project; its equipment, with every charger idle, lowers the "
                  "margin beyond the check's tolerance: the remedy of that part is the "
                  "equipment, not the export)")
        findings_grid(w, equipment_worse, rec_map, no_margin, overall)
    # pre-existing only because V2G's change is inside the check's tolerance: they pass
    # without V2G, so not "present without V2G" (review rev44a M1, EPRI ckt5 F01/F15)
    marginal = marginal_without_v2g(pre, derived["_findings"].evidence)
    w.heading("5. Pre-existing findings (present without V2G and without the sites' "
              "charging)")
    findings_grid(w, pre[~marginal], rec_map, no_margin, overall, grouped=True)
    if marginal.any():
        w.heading("5b. Findings marginal without V2G (each passes without V2G by less than the "
                  "check's tolerance, and V2G's change, inside that tolerance, takes it below "
                  "0: not attributed to V2G — confirm the input data)")
        findings_grid(w, pre[marginal], rec_map, no_margin, overall)
    if len(unknown):
        w.note("Not attributed (the rows carry no comparison with the base case):")
        findings_grid(w, unknown, rec_map, no_margin, overall)

    w.heading("6. Recommendations")
    if recs is None:
        w.note("not computed in this run: `protv2g run --recommend` (or `protv2g recommend "
               "<study.yaml>`) proposes the smallest ordinary setting change for each finding")
    elif recs.empty:
        w.note("none: no finding to clear")
    else:
        rows = [[r.recommendation, r.finding, r.change or r.status, r.clears or r.note,
                 r.side_effects, r.hosting_after_kw] for r in recs.itertuples(index=False)]
        w.grid(["rec.", "finding", "change", "clears / why not", "side effects",
                "hosting after (kW)"], rows, spans=[1, 1, 2, 3, 2, 1])
        w.note("verified: every check re-run with the change on every scenario of this run, "
               "on the same fault and flow results (settings do not change them)")

    w.heading("7. Protection hosting capacity")
    band = result.tables.get("Hosting band")
    if band is not None and not band.empty:
        # "not computed: run …" (hosting_band without the fixed study): the cell says "not
        # computed", the commands go in a note below the table
        todo = [str(v) for v in band["after_recommendations_kw"] if isinstance(v, str)]
        limits = (gate or {}).get("hosting_limit") or {}
        chargers = (gate or {}).get("hosting_chargers") or {}

        def undetermined(site: str) -> bool:
            return str(limits.get(site, "")).startswith(NOT_DETERMINED)

        # kW and chargers as the gate line (gate_hosting.hosting_lines); a figure resting on
        # a stand-in input is no figure (hosting/limits.py)
        rows = [[r.site, "not determined" if undetermined(r.site) else whole_kw(r.hosting_kw),
                 "" if undetermined(r.site) or chargers.get(r.site) is None
                 else count_cell(chargers[r.site]),
                 f"{r.band_low_kw:,.0f} – {r.band_high_kw:,.0f}",
                 r.driven_by, r.limiting_finding,
                 r.after_recommendations_kw if not isinstance(r.after_recommendations_kw, str)
                 else r.after_recommendations_kw.split(":")[0]]
                for r in band.itertuples(index=False)]
        w.grid(["site", "hosting kW (site alone)", "chargers", "band kW", "band set by",
                "limiting finding", "after recommendations kW"], rows, spans=[1, 1, 1, 1, 2, 3, 1],
               fmt={1: "#,##0", 2: "#,##0", 6: "#,##0"})
        if todo:
            w.note("hosting after the recommendations " + todo[0])
        for site in band["site"]:  # not determined, settings to change, rows set aside
            why = str(limits.get(site, ""))
            if why.startswith(NOT_DETERMINED) or _not_limiting(why):
                w.note(f"{site}: {why}")
        w.note(str(band["rounding"].iloc[0]))
        if resolved := resolution_note(result.tables.get("Hosting capacity")):
            w.note(resolved)
        w.note("inputs varied: " + str(band["inputs"].iloc[0]))
    else:
        for key, value in hosting_headline(result.tables.get("Hosting capacity"), gate):
            w.pair(key, value)
    if together := sites_together_note(
            (gate or {}).get("hosting_capacity_kw"), findings, derived["_findings"].evidence,
            getattr(getattr(result, "flow", None), "sites", None),
            result.tables.get("Hosting by criterion")):
        w.note(together)  # review rev39b M4
    w.note("per participation case and load level: the Hosting capacity sheet; per site and "
           "criterion, the export at which it first fails: the Hosting by criterion sheet "
           "('not applicable' where nothing was checked)")

    w.heading("8. Fault model and assumptions")
    assumptions(w, result)

    w.heading("9. Fault levels at the device buses (bus totals)")
    fault_level_grid(w, derived.get("fault_levels"))

    w.heading("10. Checks per criterion")
    counts = _unmodelled_notes(criterion_counts(result.violations, findings,
                                                result.meta.get("criterion_inputs")), reasons,
                               gate.get("unjudged"))
    if counts:
        w.grid(["criterion", "title", "findings", "failing rows", "warnings",
                "not evaluated", "note"], counts, spans=[1, 3, 1, 1, 1, 1, 2])
    # each line in its short form, as the terminal prints it (review ver40b: J1's C10 line
    # ran to 1,358 characters); the whole text is the Findings' and the Evidence's
    # C12's items present without V2G grouped as the terminal prints them, each group naming
    # its findings (review rev50b #6: ckt24's 26 full lines drowned its 3 fail lines)
    gate_data = (result.meta.get("gate") or {}).get("reason_data")
    for reason in [r for r in grouped_lines(short_reasons(reasons, gate_data), gate_data,
                                            ids=reason_ids(gate_data, findings))
                   if not r.startswith("error:")]:
        w.pair("  gate", reason)
    if sheet_notes:
        for sheet, note in sheet_notes.items():
            w.pair(f"  {sheet}", note).font = NOTE_FONT

    w.heading("11. Study")
    doc = result.inputs.get("document") or {}
    if doc.get("description"):
        w.pair("Description", " ".join(str(doc["description"]).split()))
    w.pair("Study file", result.inputs.get("study_file", ""))
    w.pair("Input digest (SHA-256, 16 hex)", result.meta.get("input_digest", ""))
    # every scenario a finding can cite, as the Scenarios sheet lists them (rev41c M7)
    w.pair("Scenarios run", scenarios_run_text(result.scenarios, getattr(result, "flow", None)))
    settings = ", ".join(f"{k} {num_text(v)}" for k, v in (doc.get("checks") or {}).items()
                         if v is not None)
    w.pair("Check settings", settings)
    if intervals := interval_text(result.tables.get("Rules")):
        w.pair("Coordination intervals", intervals)
    screening = gate.get("screening") or {}
    if screening:
        w.pair("Pilot screening", "; ".join(f"{k}: {v}" for k, v in screening.items()))
    w.pair("Versions", ", ".join(f"{k} {v}" for k, v in
                                 (result.meta.get("versions") or {}).items()))

    w.heading("12. Sheets in this workbook")
    write_sheet_index(w, sheet_specs(result), tuple(PICTURE_SHEETS),
                      {} if tcc_counts is None else
                      {TCC: f"{PICTURE_SHEETS[TCC]}. {drawn_line(tcc_counts, study_file)}"})

    w.heading("13. Reviewer sign-off")
    decision = DataValidation(type="list", formula1='"' + ",".join(_DECISIONS) + '"',
                              allow_blank=True)
    ws.add_data_validation(decision)
    for key in ("Name", "Date", "Decision", "Conditions accepted", "Comments"):
        cell = w.pair(key, None)
        cell.fill, cell.border = _INPUT_FILL, BOX
        if key == "Decision":
            decision.add(cell)
            w.note(" / ".join(_DECISIONS))
        if key == "Comments":
            ws.row_dimensions[w.row - 1].height = 60
    for j, width in enumerate(MEMO_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "&A — page &P of &N"
    return ws


def _unmodelled_notes(counts: list[list[Any]], reasons: list[str],
                      unjudged: dict[str, str] | None = None) -> list[list[Any]]:
    """The counts' rows (:func:`~protv2g.report.summary_counts.criterion_counts`) with C1–C4's
    "not applicable" read as the gate's "not evaluated: no fuses or reclosers modelled" when
    its reasons say so (:func:`protv2g.gate_rows.unmodelled_fuses_and_reclosers`, review s21:
    J1's Summary looked clean); with the gate's ``unjudged`` (criterion → why the study's
    make-up left it unjudged, :func:`protv2g.gate_coverage.unjudged_criteria`) each such
    criterion's note is that, whatever its rows say (rev41b W1–W2: "passed" beside the
    gate's error)."""
    if unjudged:
        return [[*row[:-1], unjudged[str(row[0])]] if str(row[0]) in unjudged else row
                for row in counts]
    if not any(r.startswith(f"error: {NO_FUSES_OR_RECLOSERS}") for r in reasons):
        return counts
    return [[*row[:-1], NO_FUSES_OR_RECLOSERS] if str(row[0]) in FUSE_RECLOSER_CRITERIA
            and str(row[-1]).startswith("not applicable") else row for row in counts]
