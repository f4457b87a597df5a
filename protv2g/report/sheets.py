"""The workbook's layout: sheet order, and what each sheet reads from a ``StudyResult``.

This is the contract between the report and the stages that fill ``StudyResult``. A data
sheet reads one ``StudyResult`` field (``source="field:violations"``) or one entry of
``StudyResult.tables`` (``source="tables:Coordination"``). ``columns`` lists the columns the
report expects (units in the names); a table may carry more, which are written after them.
When a source is absent the sheet is still written, with the expected header and one line
saying why it is empty: ``result.meta["not_computed"][sheet]`` when the runner gives a
reason, else :data:`MISSING`: what is missing in user terms and the command that makes it.

Examples
--------
>>> [s.title for s in DATA_SHEETS][:3]
['Findings', 'Recommendations', 'Pair coordination']
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from protv2g.checks.flow_groups import FLOW_BUS_COLUMNS, FLOW_BUS_TABLE
from protv2g.checks.reach_groups import BUS_COLUMNS, BUS_TABLE
from protv2g.report.hosting_cells import hosting_chargers_view, p_charger_kw_of
from protv2g.report.inputs_sheet import (  # noqa: F401 - re-exported (tests, callers)
    DEFAULT_NONE,
    EMPTY_LIST,
    _flatten,
    inputs_frame,
)
from protv2g.report.scenario_rows import all_scenarios
from protv2g.report.stage_ids import STAGES, with_finding_ids  # noqa: F401 - re-exported
from protv2g.violations import SCENARIO_COLUMNS, STATUS_ORDER

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["SheetSpec", "DATA_SHEETS", "MISSING", "NO_STAGES_TIME_NOTE", "SHEET_ORDER",
           "STAGED_TIME_NOTE", "staged_time_note", "TCC",
           "TC_BAND_NOTE",
           "FEEDER", "EMPTY_LIST", "NOT_DIRECTIONAL",
           "sheet_frame", "sheet_specs", "STATUS_ORDER", "sort_violations"]

#: Title of the sheets holding pictures.
TCC = "TCC"
FEEDER = "Feeder plot"


@dataclass(frozen=True)
class SheetSpec:
    """One data sheet: its title, where its rows come from, and the columns expected."""

    title: str
    source: str
    columns: tuple[str, ...]
    description: str


#: The Evidence's note on C5's grouped rows (#21, :mod:`protv2g.checks.reach_groups`).
GROUPED_NOTE = (
    "C5 (reach) rows are grouped: one row per scenario, device, element, zone, fault type, "
    "case and attribution, the worst bus's, 'n buses' the zone rows (buses) it stands for "
    "and 'buses' them in words (worst first); every bus's row is in the C5 buses sheet (or "
    "the file beside the workbook it names); so are C12's voltage and unbalance rows, one "
    "per scenario, device, attribution, unit and mechanism, in the C12 buses sheet")
#: The sheet of C5's per-bus rows (present when the study has C5 groups).
BUS_SHEET = SheetSpec(
    BUS_TABLE, f"tables:{BUS_TABLE}", tuple(BUS_COLUMNS),
    "every zone row (bus) of C5's grouped rows: its group (bus_group, the Evidence row's "
    "group; a load-level twin scenario's row shares its group and rows), the group's keys "
    "and the bus's own current, pickup (I other), margin, tolerance and base-case margin, "
    "worst first within a group")
#: The sheet of C12's per-bus rows (present when the study has C12 groups, #21).
FLOW_BUS_SHEET = SheetSpec(
    FLOW_BUS_TABLE, f"tables:{FLOW_BUS_TABLE}", FLOW_BUS_COLUMNS,
    "every voltage and unbalance row (bus) of C12's grouped rows: its group (bus_group, the "
    "Evidence row's group), the group's keys and the bus's own margin, tolerance and "
    "base-case margin, worst first within a group")
#: Column note of the sheets that print a device's time beside its current (#19).
STAGED_TIME_NOTE = (
    "times are the staged operate times (Σ Δt/t_op through the chargers' stages: first cycle, "
    "sustained, after each trip); currents are the first-cycle currents, so a time cannot be "
    "read off the curve at the current shown; the Charger stages sheet gives the stage "
    "currents")
#: :data:`STAGED_TIME_NOTE` for a workbook without a "Charger stages" sheet (review s21, EPRI
#: J1: the Summary and the sheets' descriptions pointed to a sheet the workbook did not have).
NO_STAGES_TIME_NOTE = STAGED_TIME_NOTE.partition("; the Charger stages")[0] + (
    "; this workbook has no Charger stages sheet (no finding whose time the chargers' stages "
    "set was followed through them), so the stage currents are not tabulated")

def staged_time_note(tables: Mapping[str, Any]) -> str:
    """:data:`STAGED_TIME_NOTE` when the result has a non-empty "Charger stages" table (so the
    workbook has that sheet), else :data:`NO_STAGES_TIME_NOTE`.

    >>> staged_time_note({}).endswith("so the stage currents are not tabulated")
    True
    """
    stages = tables.get(STAGES)  # the runner's table, the sheet's title
    return STAGED_TIME_NOTE if stages is not None and len(stages) else NO_STAGES_TIME_NOTE

#: What the Coordination sheet's ``t_primary_band_low_s`` is (its note and its header, fuse19's
#: bracket: :data:`protv2g.checks.pairs.COORDINATION_COLUMNS`).
TC_BAND_NOTE = (
    "T primary band low: where the rule reads a fuse's total clearing (C1 relay over fuse, C2 "
    "fuse TC < recloser delayed, C3 fuse–fuse, C6), T primary is the high end of the link's "
    "EEI-NEMA band (maximum melt + arcing) and this the low end (minimum melt, no arcing): a "
    "failing row that holds at the low end rests on the fuse curve band; equal to T primary "
    "for a link given by its maker's TC table (no band), empty for the other rules")

DATA_SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Findings", "derived:findings",
              ("finding", "status", "attribution", "rests_on", "title", "worst_margin",
               "limit", "worst_fault", "worst_scenario", "export_trend", "fault_types",
               "locations", "load_levels", "n_rows", "evidence", "recommendation"),
              "one row per problem (criterion, device or pair, mechanism), linked to its "
              "evidence rows and its recommendation; rests on: given data, the fuse curve "
              "band (a fuse's verdict flips inside its EEI-NEMA total-clearing band: the "
              "link maker's TC curve decides), a tool default (OpenDSS's 400 A line rating) "
              "or a drafted value (TODO) — the weakest input of its rows; worst margin, "
              "worst fault and scenario and the export trend are of the row the finding "
              "leads with: its worst row V2G (or the sites' charging, or the project's "
              "equipment) moved where it has one — the message then names its worst row "
              "overall, pre-existing — else its worst row"),
    SheetSpec("Recommendations", "tables:Recommendations",
              ("recommendation", "finding", "title", "attribution", "status", "change",
               "clears", "side_effects", "hosting_after_kw", "note"),
              "the smallest ordinary setting change per finding, verified by a re-run"),
    SheetSpec("Pair coordination", "derived:pairs",
              ("pair", "criterion", "rule", "case_of",
               *(col for tag in ("max", "min", "worst") for col in (
                   f"{tag}_fault", f"i_primary_{tag}_a", f"i_backup_{tag}_a",
                   f"i_primary_3i0_{tag}_a", f"i_backup_3i0_{tag}_a", f"t_primary_{tag}_s",
                   f"i_primary_at_t_{tag}_a", f"t_backup_{tag}_s", f"interval_{tag}_s",
                   f"elements_{tag}")),
               "required_s", "worst_margin_s", "margin_formula", "status",
               "fuse_saving_range_a", "scenario"),
              "every primary/backup pair: base and worst V2G (one scenario) at its maximum, "
              "minimum and worst fault; worst margin = interval at the worst fault − "
              "required, the interval as margin_formula says; elements: the element of each "
              "device whose time is shown, on the largest phase current (I) or, for a ground "
              "element (3I0), the residual current (3I0); fuse-saving range: phase faults at the "
              "scenario's recloser/fuse current ratio, then ground faults on the recloser's "
              "faster of phase and 51G fast elements with 3I0 = the fuse current; I primary "
              "at t: where T primary is a fuse's total clearing, the constant current at "
              "which its curve gives that time — the stage's current that sets it (= I "
              "primary when the first cycle does), the point to read on the fuse's curve; "
              + STAGED_TIME_NOTE),
    SheetSpec("Fault levels", "derived:fault_levels",
              ("device", "bus", "phases", "fault_type", "i_max_base_ka", "i_max_v2g_ka",
               "change_max_percent", "i_min_base_ka", "i_min_v2g_ka", "change_min_percent"),
              "fault current at every device's bus, with and without V2G: the bus total (from "
              "every source, as the Fault currents sheet), for the fault types on the "
              "device's own phases (phases, as on the Settings sheet: a 1-phase fuse gets its "
              "phase's ground fault only)"),
    SheetSpec("Evidence", "derived:evidence",
              ("evidence", "finding", "criterion", "status", "attribution", "scenario",
               "load_levels", "fault_bus", "fault_type", "case", "device", "other_device",
               "i_device_a", "i_other_a", "i_device_3i0_a", "i_other_3i0_a", "elements",
               "t_device_s", "t_other_s", "margin", "limit", "message", "input_todo",
               "n_buses", "buses"),
              "every violation row (rows identical across load levels collapsed), by finding; "
              + GROUPED_NOTE + "; "
              "inputs to confirm: the drafted (TODO) or tool-default values the row rests on; "
              "I device/other: largest phase current, 3I0: residual current (a ground "
              "element's), elements: the element of each device whose time is shown; "
              + STAGED_TIME_NOTE),
    SheetSpec("Coordination", "tables:Coordination",
              ("criterion", "scenario", "fault_bus", "fault_type", "case", "primary", "backup",
               "i_primary_a", "i_backup_a", "i_primary_3i0_a", "i_backup_3i0_a",
               "t_primary_s", "t_primary_band_low_s", "t_backup_s", "margin_s", "required_s",
               "i2t_ratio", "status", "note"),
              "every primary/backup pair evaluated, with margins (status 'ok' when met; note: "
              "a C1/C4 pair met only because its backup barely reaches the fault, C5's "
              "backup-zone figure there); a C3 "
              "row between two IEC 60269 gG links at a current at or above the protecting "
              "link's Imax(0.1 s) is judged by I²t instead (rule "
              "iec60269_gg_i2t_selectivity: margin and required blank, I²t ratio ≥ 1 met); I "
              "primary/backup: largest phase current, 3I0: residual current; the time is the "
              "device's first element to operate, phase or ground (the Pair coordination "
              "sheet names it); " + TC_BAND_NOTE + "; " + STAGED_TIME_NOTE),
    SheetSpec("Fault currents", "field:fault_currents",
              ("scenario", "bus", "bus_name", "fault_type", "case", "ikss_ka", "ikss_degree",
               "ikss_iec_sum_ka"),
              "bus × fault type × case × scenario: the bus total, the fault current at the "
              "fault position from every source (Ikss: the chargers' control-law phasor "
              "solution; Ikss iec sum: their part added by magnitude, IEC 60909), not the "
              "current through a device — a site beyond a device feeds the fault without "
              "passing it; each device's own current, the figure C7's findings quote "
              "('through …'), is on the Device duty sheet"),
    SheetSpec("Device duty", "tables:Device duty",
              ("device", "kind", "scenario", "fault_bus", "fault_type", "case", "i_max_ka",
               "interrupting_rating_ka", "duty_percent", "i_base_ka", "i_idle_ka",
               "increase_percent", "v2g_increase_percent", "severity", "severity_rule"),
              "max fault current through each device vs its interrupting rating: I max is "
              "the current the device carries (its largest phase; maximum case: on the IEC "
              "60909 sum basis, current basis), the figure C7's findings quote with I base, "
              "I idle and the increases — not the bus total of the Fault currents and Fault "
              "levels sheets, which also counts what a site beyond the device feeds into the "
              "fault"),
    SheetSpec("Directional", "tables:Directional",
              ("device", "element", "scenario", "fault_bus", "fault_type", "case",
               "true_direction", "declared_direction", "wrong_direction", "v_polarising_pu",
               "low_polarising", "i_operating_a", "angle_degree"),
              "what each 67/67N/32 element declares for each fault, and the true direction"),
    SheetSpec("Flow", "tables:Flow",
              ("scenario", "step", "time_h", "device", "kind", "i_a", "i_residual_a", "p_mw",
               "q_mvar", "direction", "reverse_flow", "loading_percent", "vm_pu"),
              "reverse flow, voltage and loading by scenario and step; on an OpenDSS feeder "
              "a regulator's row gives its solved tap in the step (tap_pu on the regulated "
              "winding, tap_position in steps from neutral): one row per regulator and case; "
              "reverse_flow judges each phase's own power where reverse_basis is 'phase' (a "
              "line-to-neutral unit) and the terminal's total p_mw where it is 'terminal' (a "
              "winding between phases, a delta winding, a 3-wire line with no ground path: "
              "pa_mw..pc_mw, powers to ground, are not a unit's there)"),
    SheetSpec("Hosting capacity", "tables:Hosting capacity",
              ("site", "participation", "load_level", "hosting_kw", "hosting_chargers",
               "limiting_criterion", "limiting_device", "limiting_fault", "limiting_basis",
               "first_fail_kw", "passes_again_kw", "over_limit_kw", "at_v_max_kw", "determined",
               "rests_on",
               "given_hosting_kw", "given_limit",
               "settings_to_change", "set_aside", "at_present_tap", "warns", "site_max_kw",
               "limited", "note"),
              "largest export per site, participation and load level before the first "
              "failing violation, and what limits it; limiting_basis: what the limiting "
              "rows rest on (given, default: an OpenDSS default rating, todo: a drafted "
              "value); determined FALSE: every limiting row rests on such an input (named in "
              "rests_on) or a criterion could not be evaluated (not_evaluated), the figure "
              "is not determined — given_hosting_kw is the figure on the rows resting on "
              "given data; settings_to_change: failing rows that a "
              "setting clears whatever the export (C10's first reclose), not export limits; "
              "set_aside: rows failing without V2G that V2G worsens by less than 10 % of "
              "that deficit (protv2g.hosting.limits), not export limits — the gate still "
              "lists both; at_present_tap: limiting rows judged at a site transformer's "
              "present no-load tap where the study asks to raise that tap (the figure rises "
              "with it); first_fail_kw: the first failing export the search evaluated; "
              "passes_again_kw: the export from which the limiting criteria pass again at "
              "every level the search evaluated above it (a limit over a window of exports: "
              "for C12, a regulator's tap or a capacitor's switch, not an export limit); "
              "over_limit_kw: where a C12 bus at the limit within its tolerance without V2G "
              "sets the figure, the figure with that bus counted as over the limit (V2G may "
              "then add checks.voltage_change_min_pu there): the figure is the at-limit end; "
              "at_v_max_kw: where the export takes a bus over v_max_pu, within C12's "
              "tolerance, at or below the figure, the export at which that bus passes "
              "v_max_pu + 0.0001 pu (the tolerance bracket's low end): the figure rests on "
              "the default tolerance, which the gate decides on; "
              "warns: the criteria not limiting the figure whose margin is negative (a "
              "warning, not gate-failing) at or below it, from which export"),
    SheetSpec("Hosting band", "tables:Hosting band",
              ("site", "hosting_kw", "band_low_kw", "band_high_kw", "driven_by",
               "limiting_finding", "after_recommendations_kw", "rounding", "inputs"),
              "hosting capacity per site with its range over the uncertain inputs"),
    SheetSpec("Hosting by criterion", "tables:Hosting by criterion",
              ("site", "criterion", "status", "hosting_kw", "first_fail_kw", "warns_from_kw",
               "hosting_chargers", "participation", "load_level", "limiting_device",
               "limiting_fault", "limiting_basis", "site_max_kw", "limited", "per_axis",
               "note"),
              "per site and criterion, the export at which it first fails (lowest over the "
              "participation cases and load levels, each listed in per_axis; 'not "
              "applicable' where nothing was checked); warns_from_kw: where a criterion "
              "not limited warns (negative margin, not gate-failing), the lowest export"),
    SheetSpec("Scenarios", "field:scenarios", (*SCENARIO_COLUMNS, "runs", "steps", "note"),
              "every scenario a finding can cite: runs 'faults and flows' (the base cases "
              "and export snapshots), then 'flows only' (C8's charging snapshots and their "
              "base base/der_off, the 96-step day: site power per step on the Flow sites "
              "sheet); per V2G site its export (p_<site>_kw, negative: charging) and "
              "chargers_online_expected_<site> = participation fraction × chargers, an "
              "expected number (one decimal; the model sizes the fault source with it, so it "
              "is not rounded to whole chargers)"),
    SheetSpec("Settings", "field:settings",
              ("device", "kind", "element", "element_index", "bus", "phases",
               "at_tool_default", "at_model_default", "curve_sources"),
              "every device as used, curve names and their sources; phases: the phases the "
              "device carries (on an OpenDSS feeder its terminal's phase conductors); "
              "at_tool_default: the "
              "settings neither the study file nor the importer gave (the tool's default is "
              "used); at_model_default: an OpenDSS device's pickups at OpenDSS's own default "
              "(1 A: the model sets none; validate warns); a non-directional relay's "
              "characteristic angle is not used (n/a)"),
    SheetSpec("Inputs", "inputs", ("key", "value", "basis"),
              "the validated study document, one row per field path; basis: 'given' (by "
              "the study file or the feeder model's importer) or 'tool default' (the "
              "schema's default used: not given)"),
    SheetSpec("Feeder buses", "tables:Feeder buses",
              ("bus", "name", "vn_kv", "is_source", "phases", "x", "y"),
              "feeder buses (from report.feeder_graph.feeder_tables); phases: the bus's phase "
              "conductors; x, y: the OpenDSS model's bus coordinates (BusCoords; empty where "
              "it gives none), the feeder plot's positions where the model has them"),
    SheetSpec("Feeder branches", "tables:Feeder branches",
              ("element", "element_index", "name", "from_bus", "to_bus", "length_km",
               "in_service", "regulator"),
              "feeder lines, transformers and closed bus-bus switches; regulator: the tap "
              "controls acting on a transformer (OpenDSS RegControls, pandapower trafo "
              "controllers), drawn as regulators on the feeder plot"),
)

#: What the ``tables`` entries the layout does not name hold (:func:`sheet_specs`; "further
#: result table" for the others). Flow buses: on a bus with no path to ground the phase
#: columns are floating phase-to-ground voltages, no service voltage; C12 judges the
#: line-to-line ones (review rev40b M5: IEEE 37's 799 read Vm a 0.871, Vm ll 0.948 — the
#: largest — while its lowest line-to-line voltage, 0.923, was in no column).
EXTRA_DESCRIPTIONS = {
    "Flow buses": "bus voltages by scenario and step: Vm the positive-sequence magnitude on a "
                  "three-phase bus (the largest phase on the others), Vm a/b/c phase to "
                  "neutral, pu of the line-to-neutral base; on a bus with no path to ground (a "
                  "3-wire system fed by a delta or ungrounded winding: Vm ll max/min given, "
                  "empty elsewhere) Vm a/b/c are floating phase-to-ground voltages, not service "
                  "voltages — C12 judges its line-to-line voltages there (ANSI C84.1, 3-wire "
                  "systems): over-voltage on Vm ll max (the largest of ab, bc, ca), "
                  "under-voltage on Vm ll min (the lowest), pu of the line-to-line base",
    # review ver46 #3: the sheet said "further result table" and its columns were unexplained
    "Site drivers": "which V2G site drives a finding caused or made worse by V2G in a scenario "
                    "where two or more sites export: the finding's worst fault (for C8's device"
                    " load and C12's bus voltage or branch loading, its scenario's power flow)"
                    " solved again with each site alone at its"
                    " own export, the others idle (on an OpenDSS feeder by the phase-domain "
                    "engine and OpenDSS, as the run; and, with three sites or more, each site "
                    "removed). Counterfactual: alone or removed; I judged: the current the "
                    "margin answers to, Judged on: which current it is (the largest phase "
                    "current, or |3I0| where a ground element gives the device's time; C12: "
                    "the highest or lowest service voltage, or the loading); Value: C12's "
                    "figure judged as the finding's row is (a voltage over the regulators' "
                    "band: the base case's plus the largest of the three rises), Value own taps"
                    ": the flow's voltage from the base case's taps; Margin:"
                    " the finding's margin in that case (Margin all: with every site, the "
                    "finding's own); Reproduced below: the margin the case must fall below to "
                    "reproduce the finding (0 for a finding caused by V2G, the margin without "
                    "V2G less the check's tolerance for one made worse); Effect: reproduces, "
                    "does not reproduce or not judged; Method: how the margin is recomputed; "
                    "Driver: one site, each site on its own, needs the sites together or not "
                    "judged (the Findings sheet's Site driver column says it)",
}

#: Derived sheets that read one ``tables`` entry: without it they are not computed.
_DERIVED_FROM = {"derived:pairs": "Coordination"}

_CHECKS = "the protection checks did not run (every `protv2g run` makes this sheet)"
_HOSTING = ("the hosting-capacity search did not run: `protv2g run` makes it unless "
            "--no-hosting is given; `protv2g hosting <study.yaml>` makes it alone")
_FLOW = "the power flows did not run (every `protv2g run` makes this sheet)"
#: What is missing, in user terms, and which command makes it, by sheet (the default note
#: of an absent source; a runner's own reason in ``meta["not_computed"]`` comes first).
MISSING = {
    "Recommendations": "the verified setting changes: `protv2g run --recommend` writes "
                       "them here; `protv2g recommend <study.yaml>` prints them (--apply -o "
                       "fixed.yaml writes the changed study)",
    "Coordination": _CHECKS, "Device duty": _CHECKS, "Directional": _CHECKS,
    "Rules": _CHECKS, "Evidence": _CHECKS, "Findings": _CHECKS,
    "Fault currents": "the fault study did not run (every `protv2g run` makes this sheet)",
    "Fault levels": "the fault study did not run (every `protv2g run` makes this sheet)",
    "Flow": _FLOW, "Hosting capacity": _HOSTING, "Hosting band": _HOSTING,
    "Hosting by criterion": _HOSTING,
    "Scenarios": "the study's scenarios were not recorded with the result",
    "Settings": "the devices' settings were not recorded with the result",
    "Inputs": "the study file was not recorded with the result",
    "Feeder buses": "the feeder model was not recorded with the result (every `protv2g run` "
                    "makes this sheet)",
    "Feeder branches": "the feeder model was not recorded with the result (every `protv2g "
                       "run` makes this sheet)",
}

#: Every sheet, in order; extra ``tables`` entries not named here go before "Scenarios".
SHEET_ORDER: tuple[str, ...] = ("Summary", *(s.title for s in DATA_SHEETS), TCC, FEEDER)


#: The characteristic angle of a relay without directional elements: the schema's default is
#: kept on the device but no element uses it.
NOT_DIRECTIONAL = "n/a (not directional)"


def _settings_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The Settings rows as a reviewer reads them (the result is not changed): an empty list
    (a relay's ``reclose_intervals_s: []``, written "" by the runner) is :data:`EMPTY_LIST`;
    a non-directional device's ``characteristic_angle_degree`` is :data:`NOT_DIRECTIONAL`
    (the other rows keep their number), and the angle is not listed among its settings at
    the tool's default."""
    frame = frame.copy()
    for column in frame.columns:
        if column not in ("at_tool_default", "at_model_default", "curve_sources") \
                and frame[column].dtype == object:
            empty = frame[column].map(lambda v: isinstance(v, str) and v == "")
            if empty.any():
                frame.loc[empty, column] = EMPTY_LIST
    if "characteristic_angle_degree" not in frame.columns or "directional" not in frame.columns:
        return frame
    off = frame["directional"].map(lambda d: not isinstance(d, dict) and str(d) in (
        "none", "None", "nan", ""))
    if not off.any():
        return frame
    angle = frame["characteristic_angle_degree"].astype(object)
    angle[off & frame["characteristic_angle_degree"].notna()] = NOT_DIRECTIONAL
    frame["characteristic_angle_degree"] = angle
    if "at_tool_default" in frame.columns:
        frame["at_tool_default"] = [
            ", ".join(k for k in str(v).split(", ") if k != "characteristic_angle_degree")
            if hide else v for v, hide in zip(frame["at_tool_default"], off, strict=True)]
    return frame


def column_view(columns: list[pd.Series], like: pd.DataFrame | None = None) -> pd.DataFrame:
    """A frame of ``columns`` (Series on one index, distinct names) that holds them as they
    are, one block per column: selecting, reordering or joining columns the usual way
    (``frame[names]``, ``pd.concat(frames, axis=1)``) copies every column into consolidated
    blocks (#21: ≈ 70-80 MiB per copy of the 10,000-bus Evidence or Fault currents). The
    frame is equal to that copy (values, dtypes, index, column names); ``like``'s ``attrs``
    are carried over as a selection carries them."""
    out = pd.concat(columns, axis=1, copy=False)
    if like is not None and like.attrs:
        out.attrs = copy.deepcopy(like.attrs)
    return out


def _ordered(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with ``columns`` (those it has) first: ``frame`` itself when they already
    are, else its columns reordered without copying them (:func:`column_view`)."""
    first = [c for c in columns if c in frame.columns]
    order = first + [c for c in frame.columns if c not in first]
    if order == list(frame.columns):
        return frame
    if not order or not frame.columns.is_unique:
        return frame[order]
    return column_view([frame[c] for c in order], frame)


def sort_violations(frame: pd.DataFrame) -> pd.DataFrame:
    """Violations by status (fail, not_evaluated, warn, info, not_applicable, other) then
    margin (smallest first)."""
    if frame.empty or "status" not in frame.columns:
        return frame.reset_index(drop=True)
    rank = frame["status"].map(lambda s: STATUS_ORDER.get(str(s), 9))
    margin = (pd.to_numeric(frame["margin"], errors="coerce") if "margin" in frame.columns
              else pd.Series(0.0, index=frame.index))
    keys = pd.DataFrame({"rank": rank, "margin": margin, "pos": range(len(frame))},
                        index=frame.index)
    order = keys.sort_values(["rank", "margin", "pos"], na_position="last").index
    return frame.loc[order].reset_index(drop=True)


def sheet_frame(result: StudyResult, spec: SheetSpec,
                derived: dict[str, pd.DataFrame] | None = None
                ) -> tuple[pd.DataFrame, str | None]:
    """The rows of one data sheet, and a note when there are none.

    Returns
    -------
    frame : DataFrame
        Expected columns first (in ``spec.columns`` order), then any others.
    note : str or None
        ``"not computed in this run: <why>"`` when the source is absent; another short
        note when it is present but empty; ``None`` otherwise.
    """
    kind, _, key = spec.source.partition(":")
    frame: pd.DataFrame | None
    if kind == "field":
        frame = getattr(result, key, None)
    elif kind == "tables":
        frame = result.tables.get(key)
    elif kind == "derived":
        frame = (derived or {}).get(key)
    elif kind == "inputs":
        document = result.inputs.get("document")
        frame = (inputs_frame(document, result.inputs.get("document_given"))
                 if document else None)
    else:  # pragma: no cover - SheetSpec literals above
        raise ValueError(f"unknown sheet source {spec.source!r}")
    reasons = result.meta.get("not_computed", {}) or {}
    if frame is None:
        why = reasons.get(spec.title, MISSING.get(
            spec.title, f"the step that makes the {spec.title} sheet did not run"))
        return pd.DataFrame(columns=list(spec.columns)), f"not computed in this run: {why}"
    if spec.title == "Scenarios":  # with the flows' own scenarios (review rev41c M7)
        frame = all_scenarios(frame, getattr(result, "flow", None))
    frame = _ordered(frame, spec.columns)
    if spec.title == "Settings":
        frame = _settings_view(frame)
    if spec.title in ("Hosting capacity", "Hosting by criterion"):  # review rev36b X8
        frame = hosting_chargers_view(frame, p_charger_kw_of(result.inputs.get("document")))
    if spec.title == STAGES and derived and derived.get("_findings") is not None:
        frame = with_finding_ids(frame, derived["_findings"].evidence)
    if not frame.empty:
        return frame, None
    if spec.title in reasons:
        return frame, f"not computed in this run: {reasons[spec.title]}"
    if spec.title in ("Findings", "Evidence") and "Violations" in reasons:
        return frame, f"not computed in this run: {reasons['Violations']}"
    needs = _DERIVED_FROM.get(spec.source)
    if needs is not None and result.tables.get(needs) is None:
        why = reasons.get(needs, MISSING.get(needs, f"no {needs} sheet"))
        return frame, f"not computed in this run: it is derived from the {needs} sheet ({why})"
    if spec.title in ("Findings", "Evidence"):
        gate = (result.meta.get("gate") or {}).get("verdict")
        if gate:
            return frame, f"no findings (gate verdict {gate})"
        return frame, ("no findings; the gate was not evaluated, so this does not show "
                       "that the checks ran")
    return frame, "no rows in this run"


def _sheet_title(name: str, taken: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31] or "table"
    base, k = title, 2
    while title.lower() in taken:
        suffix = f" ({k})"
        title, k = base[: 31 - len(suffix)] + suffix, k + 1
    return title


def sheet_specs(result: StudyResult) -> list[SheetSpec]:
    """Data sheets in order, with ``tables`` entries the layout does not name inserted
    before "Scenarios" (in the result's order)."""
    specs = list(DATA_SHEETS)
    at = next(i for i, s in enumerate(specs) if s.title == "Evidence") + 1
    for sheet in (BUS_SHEET, FLOW_BUS_SHEET):  # the rows of grouped Evidence rows (#21)
        if sheet.title in result.tables:
            specs.insert(at, sheet)
            at += 1
    named = {s.source.partition(":")[2] for s in specs if s.source.startswith("tables:")}
    taken = {s.title.lower() for s in specs} | {"summary", TCC.lower(), FEEDER.lower()}
    extra = []
    for key in result.tables:
        if key not in named:
            title = _sheet_title(str(key), taken)
            taken.add(title.lower())
            extra.append(SheetSpec(title, f"tables:{key}", (),
                                   EXTRA_DESCRIPTIONS.get(str(key), "further result table")))
    at = next(i for i, s in enumerate(specs) if s.title == "Scenarios")
    note = staged_time_note(result.tables)
    if note != STAGED_TIME_NOTE:  # no Charger stages sheet: the descriptions do not name it
        specs = [replace(s, description=s.description.replace(STAGED_TIME_NOTE, note))
                 for s in specs]
    return specs[:at] + extra + specs[at:]
