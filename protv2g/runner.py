"""``run_study``: every stage of a study, in order, into one :class:`StudyResult`.

study (with its sites' interconnection transformers) → :mod:`protv2g.pipeline` (scenarios →
engine inputs → fault tables with the chargers' stages, flow tables) →
:func:`protv2g.checks.check_study` (C1–C12, time-based criteria on both brackets of the
chargers' contribution; the directional table built once there) → hosting capacity
(optional) → :func:`protv2g.gate.gate_verdict` → :class:`StudyResult`. This module only
orders the stages; each lives in its own module, and provenance (versions, input digest) in
:mod:`protv2g.provenance`.

Tables added here (``result.tables``): "Directional" (operating elements and the decisions
that matter, :func:`protv2g.directional.directional_sheet`; its counts in
``meta["directional"]``), "Charger stages" (for each time-based finding, the device's current
in every stage of the chargers' behaviour, each site's cessation/trip time and the staged,
first-cycle-held and single-stage operate times: :func:`protv2g.stage_report.
findings_stage_table`; on an OpenDSS feeder from the stages the fault study kept,
:func:`protv2g.stage_report_dss.dss_findings_stage_table`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from protv2g.checks import GROUP_TABLES, check_study
from protv2g.checks._compact import text_category
from protv2g.checks.backup_reach_note import backup_reach_notes
from protv2g.checks.converter_sum import bus_iec_sum_ka
from protv2g.checks.directional import directional_table
from protv2g.checks.duty_sheet import device_duty_table
from protv2g.checks.equipment import IDLE_PAIRS
from protv2g.checks.reach_closest import CLOSEST_KEY
from protv2g.checks.reach_groups import BUS_TABLE as REACH_BUS_TABLE
from protv2g.checks.rule_values import study_rules_table
from protv2g.criteria import CRITERIA
from protv2g.criteria_basis import criterion_stand_ins
from protv2g.devices.kinds import curve_fields
from protv2g.directional import directional_sheet, directional_summary
from protv2g.engine.collect import release_freed_memory
from protv2g.engine.phase.der import der_table
from protv2g.engine.result import with_dead_rows
from protv2g.findings_sites import SITE_DRIVERS, site_drivers
from protv2g.gate import gate_verdict, unevaluated_mask
from protv2g.hosting import by_site_criterion, hosting_analysis
from protv2g.hosting.band import hosting_band
from protv2g.input_basis import input_basis_columns, study_input_bases
from protv2g.memory_pages import small_pages
from protv2g.network.dss_site_base import with_site_base_rows
from protv2g.network.fault_positions import close_in_study
from protv2g.pipeline import fault_tables, study_flow, study_with_sites
from protv2g.provenance import dependency_versions, input_digest
from protv2g.report.feeder_graph import feeder_tables
from protv2g.result import StudyResult
from protv2g.result_rows import HeldRows, held_base_of
from protv2g.scenarios import build_scenarios, scenario_table
from protv2g.stage_report import findings_stage_table
from protv2g.stage_report_dss import dss_findings_stage_table
from protv2g.study.engine_inputs import existing_sources_table
from protv2g.study.loader import Study
from protv2g.study.site_transformer_guard import unguarded_site_transformer_rows
from protv2g.study.stale_todos import is_out_of_date, refresh_model_todos
from protv2g.study.switching import dead_end_line_names, open_line_names
from protv2g.study.todos import todo_items
from protv2g.study_draft.redraft_ratings import head_fault_now

__all__ = ["RUN_STAGES", "run_study", "settings_table", "dependency_versions", "input_digest",
           "line_end_temperature_text", "dead_buses"]


def _ungrounded_names(study: Study, faults: Any) -> list[str]:
    """:func:`~protv2g.checks.reach_ungrounded.ungrounded_bus_names` of the study the fault
    tables were solved on (its close-in buses included); a failure is no names (a text)."""
    from protv2g.checks.reach_ungrounded import ungrounded_bus_names

    try:
        return ungrounded_bus_names(close_in_study(study, faults.close_in))
    except Exception:  # noqa: BLE001 - the TCC markers only
        return []


def line_end_temperature_text(study: Study) -> str:
    """The conductors' temperature of the minimum case as the engine used it (review s17: the
    Summary said "end temperature" without the value, which an engineer needs to reproduce a
    minimum current): the lines' ``endtemp_degree`` on a pandapower feeder (IEC 60909-0:2016
    eq. 34; required for the min case by :mod:`protv2g.engine.validate`), the phase engine's
    :data:`protv2g.engine.phase.study.ENDTEMP_DEGREE` for every line on an OpenDSS feeder.

    It is IEC 60909-0's θe for the minimum current's line resistance, not a cable's
    short-circuit withstand limit (IEC 60949 / IEC 60364-5-54: PVC 160 °C, XLPE 250 °C final),
    which no check judges; ``ENDTEMP_DEGREE``'s comment gives the bracket and which end drives
    the minimum-current criteria (the hot one)."""
    if study.model is not None:
        from protv2g.engine.phase.study import ENDTEMP_DEGREE

        return f"{ENDTEMP_DEGREE:g} °C, every line"
    t = study.net.line.get("endtemp_degree")
    values = sorted(set(pd.to_numeric(t, errors="coerce").dropna().round(1))) if (
        t is not None) else []
    if not values:
        return "20 °C (no line gives endtemp_degree)"
    if len(values) == 1:
        return f"{values[0]:g} °C, every line"
    return f"{values[0]:g}–{values[-1]:g} °C by line (endtemp_degree)"


def settings_table(study: Study) -> pd.DataFrame:
    """Every device as used: kind, place (``phases``: the phases it carries,
    :attr:`~protv2g.study.places.DeviceSite.phases`), settings, and each curve with its source;
    ``at_tool_default`` (:func:`at_tool_default`) and ``at_model_default``: the adopted
    OpenDSS devices' pickups at OpenDSS's own default (``ground_pickup_a = 1 A (GroundTrip,
    OpenDSS's default)``, :mod:`protv2g.study.model_defaults`; review rev35b)."""
    from protv2g.study.model_defaults import model_default_fields

    at_model = {name: "; ".join(f"{f} = {v:g} A ({p}, OpenDSS's default)" for f, p, v in fs)
                for name, fs in model_default_fields(study).items()}
    rows = []
    for device in study.document.devices:
        site = study.device_sites[device.name]
        row: dict[str, Any] = {
            "device": device.name, "kind": device.kind.value,
            "element": site.element_name or site.element, "element_index": site.element_index,
            "bus": study.bus_name(site.bus), "phases": site.phases,
        }
        for key, value in device.model_dump(mode="json", exclude={"name", "kind",
                                                                  "location"}).items():
            row[key] = ", ".join(map(str, value)) if isinstance(value, list) else value
        sources = []
        for key in curve_fields(device.kind):
            name = getattr(device, key)
            if name is not None:
                curve = study.library.get(name)
                sources.append(f"{key}={curve.name}: {curve.source}")
        row["curve_sources"] = " | ".join(sources)
        row["at_tool_default"] = at_tool_default(device)
        row["at_model_default"] = at_model.get(device.name, "")
        rows.append(row)
    return pd.DataFrame(rows)


def at_tool_default(device: Any) -> str:
    """The settings of ``device`` that neither the study file nor an importer gave, so the
    schema's default is used (``reset``, ``time_multiplier`` …), comma-separated; those whose
    default is "absent" (None, e.g. no ground element) are not listed."""
    given = device.model_fields_set | {"name", "kind", "location"}
    return ", ".join(key for key in type(device).model_fields
                     if key not in given and getattr(device, key) is not None)


#: Stages of :func:`run_study`, in order, as passed to its ``progress`` callback.
RUN_STAGES = ("faults", "flows", "checks", "recommend", "hosting", "gate")


@contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Within the block, the objects alive when it starts are out of the cyclic garbage
    collector's scans (:func:`gc.freeze`); they are handed back after it (:func:`gc.unfreeze`).

    When a run starts, its study (the net's tables, the library's curves) and the imported
    modules are ≈ 260,000 tracked objects at 10,000 buses, none of them garbage the run
    makes; each full collection the run's allocations start walked them all: 0.13-0.16 s of
    CPU a collection, one of them in the flows stage (#21, 10,000 buses, ``gc.callbacks``
    timing: 0.157 s → 0.028 s with them frozen). Objects made inside the block are collected
    as before, so the run's own cycles do not pile up (as they would under ``gc.disable``).
    Values are untouched. Process-wide while it lasts, like any ``gc`` setting; when objects
    are already frozen (a caller's own :func:`gc.freeze`, or a nested run) nothing is done,
    so theirs stay frozen.
    """
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@small_pages()
@long_lived_frozen()
def run_study(study: Study, *, hosting: bool = False, staged: bool = True,
              recommendations: bool = False,
              progress: Callable[[str], None] | None = None) -> StudyResult:
    """Run every stage of a study and return its results.

    Parameters
    ----------
    study : Study
        From :func:`protv2g.load_study`. Its net is not modified.
    hosting : bool
        Also compute every site's protection hosting capacity (``tables["Hosting capacity"]``),
        the export at which each criterion first fails per site (``tables["Hosting by
        criterion"]``, :func:`protv2g.hosting.by_site_criterion`, from the same search) and
        its band over the uncertain inputs (``tables["Hosting band"]``,
        :func:`protv2g.hosting.band.hosting_band`); ``protv2g run`` does, scripts opt in.
    staged : bool
        Solve and keep the chargers' later stages (``result.staged``, the low bracket of the
        time-based criteria; default). ``False`` saves time and memory: every criterion is
        then judged on the first cycle held only.
    recommendations : bool
        Also search the smallest ordinary setting change that clears each finding, each
        verified by re-running the checks on this run's fault tables and flows
        (:func:`protv2g.recommend.recommend`, as ``protv2g recommend``):
        ``tables["Recommendations"]``, the workbook's Recommendations sheet and the Summary's
        conditions of approval (review s26: ``protv2g run`` never filled them). A check run
        per candidate: seconds on a small feeder, minutes on a large one.
    progress : callable, optional
        Called with each stage's name (:data:`RUN_STAGES`; "recommend" and "hosting" only
        when computed) as
        the stage starts; the CLI draws a progress bar with it. Nothing here prints.

    Returns
    -------
    StudyResult

    Example
    -------
    >>> result = run_study(load_study("feeders/depot_two_feeder/study.yaml"))  # doctest: +SKIP
    >>> result.fault_currents.head()  # doctest: +SKIP
    """
    mark = progress or (lambda stage: None)
    study = study_with_sites(study)
    doc = study.document
    scenarios = build_scenarios(doc)
    mark("faults")
    # recommend may make a relay directional: C9 then reads the voltages (#21: else only
    # where a forward-directional relay is, pipeline.phasors_read)
    # each charger set's rows once (#21: light and peak load repeat them), the checks copy
    # their rows to the other load level; the tables of every scenario made after them
    faults = fault_tables(study, scenarios, staged=staged,
                          phasors=True if recommendations else None, held=True)
    mark("flows")
    flow = study_flow(study)
    mark("checks")
    violations, coordination, ctx = check_study(study, faults, flow, scenarios)
    idle_pairs = ctx.cache.get(IDLE_PAIRS)  # the pairs of the project's equipment, idle
    closest = {"C5": ctx.cache.get(CLOSEST_KEY)}  # C5's passing row nearest its limit
    base_of = ctx.base_of
    directional = directional_table(ctx)
    known_duty = ctx.cache.get("duty_frame")  # C7's rows, reused by the Device duty sheet
    # C5's zone rows and C12's bus rows of every group the violation table keeps one row of
    # (#21)
    group_buses = {name: ctx.cache[name] for name in GROUP_TABLES
                   if ctx.cache.get(name) is not None and len(ctx.cache[name])}
    # a C1/C4 row passing on a backup C5 finds short of its reach there says so (fix41d)
    coordination = backup_reach_notes(coordination, group_buses.get(REACH_BUS_TABLE),
                                      violations)
    # the checks' times when they ran on the same stages (#21), read by the OpenDSS stage
    # table only; the context (its fault table with the time columns, ≈ 200 MiB at 10,000
    # buses) let go before the sheets, the stage table and the gate (#21: held to the end of
    # the run, under the Device duty sheet's and the gate's peaks)
    timed = (ctx.faults if study.model is not None and ctx.staged is faults.staged
             and ctx.staged_high is faults.staged_high else None)
    del ctx
    # the context's pages handed back before the sheets are built (#21: without it the IEEE
    # 8500 study's peak rose 1,284 → 1,319 MiB, set after the checks); not again before the
    # sheets and the findings' stage table (#21, perf37: those pages were faulted in again —
    # the three trims here took ≈ 0.14 s of sys time at 10,000 buses — and no peak was set
    # there)
    release_freed_memory()
    # the IEC sum and the Device duty sheet on the held rows, their figures copied to the
    # twins; the result's tables of every scenario made when first read (#21, lazy36:
    # :mod:`protv2g.result_rows`). The tables of every scenario now when a twin's base case
    # is not its held scenario's (the held figures are not the twin's then)
    held_bases = held_base_of(base_of, faults.twin_of) if faults.twin_of else None
    if held_bases is None:
        faults = faults.expanded()
    twin_of = faults.twin_of
    bus_faults, device_faults = faults.bus, faults.device
    todos = todo_items(study.path) if study.path else []
    # what each row rests on: given data, an OpenDSS default, a value drafted by init
    bases = study_input_bases(study, todos)  # the items: init's relay by its name
    # as categoricals, as the checks' text columns are (#21, :mod:`protv2g.checks._compact`)
    # and the drafted inputs each row rests on, in words (s22): one pass over the drafted
    # inputs for both (#21)
    basis, todo_text = input_basis_columns(violations, bases)
    violations["input_basis"] = text_category(basis)
    violations["input_todo"] = text_category(todo_text)
    del basis, todo_text
    # what each criterion read, passing rows included: "passed on drafted values" (s20)
    stand_ins = criterion_stand_ins(bases, doc.devices, coordination, v2g_sites=doc.v2g_sites,
                                    reclose_margin_s=doc.checks.reclose_margin_s)
    # the maximum case's fault level on the IEC 60909 basis (chargers added by magnitude, #16)
    iec_sum_ka = bus_iec_sum_ka(bus_faults, base_of if held_bases is None else held_bases)
    # a column added to a shallow copy, as ``assign`` does to a deep one (#21: the bus table
    # copied whole, 0.05-0.1 s at 10,000 buses); the engine's table is not written into
    bus_faults = bus_faults.copy(deep=False)
    bus_faults["ikss_iec_sum_ka"] = iec_sum_ka
    del iec_sum_ka
    if study.model is None:  # pandapower: the dead buses at 0 A, as OpenDSS's (rev39b M6)
        bus_faults = with_dead_rows(bus_faults, *dead_buses(study.net))
    could_not = unevaluated_mask(violations)
    meta = {
        "checks": {"criteria": list(CRITERIA),
                   "errors": sorted(set(violations.loc[could_not, "message"].astype(str)))},
        "method": doc.faults.method.value,
        "engine": ("protv2g sequence-network engine (sparse LU, chargers by superposition)"
                   if study.model is None else
                   "protv2g phase-domain engine on OpenDSS's network (faults on each bus's own "
                   "phases, selected inversion, chargers and the feeder's inverters by their "
                   "control law); flows in OpenDSS"),
        "versions": dependency_versions(),
        "input_digest": input_digest(study),
        "directional": directional_summary(directional),
        "staged": staged and faults.staged is not None,
        "line_end_temperature": line_end_temperature_text(study),
        # values the study file marks TODO (assumed by ``protv2g init``): the results rest on
        # them until the engineer confirms them (review 2026-12-01: 35 on the IEEE 8500 draft,
        # never mentioned by the Summary)
        # (less those stating a model fact the study's feeder.redirects changed: rev45a M1)
        "unconfirmed": [f"{i.field}: {i.message}"
                        for i in refresh_model_todos(todos, study, None,
                                                     head_fault_now(study, todos))
                        if not is_out_of_date(i)],
        # criterion → the stand-in inputs its evaluation reads (protv2g.criteria_basis)
        "criterion_inputs": stand_ins,
        # criterion → its passing row nearest the limit, where the checks keep one
        # (:mod:`protv2g.checks.reach_closest`; C1–C4's from the Coordination table)
        "closest_passing": {c: r for c, r in closest.items() if r is not None},
        # buses with no path to ground: no ground-fault marker on a TCC there (rev36a M2)
        "ungrounded_buses": _ungrounded_names(study, faults),
        # the lines the model leaves open: alternate feeds are not studied (rev37b)
        "open_lines": open_line_names(study),
        "dead_end_lines": dead_end_line_names(study),
    }
    # the fields the study file or importer gave: the Inputs sheet tells them from defaults
    inputs = {"study_file": str(study.path), "document": doc.model_dump(mode="json"),
              "document_given": doc.model_dump(mode="json", exclude_unset=True)}
    base_names = {sc.name for sc in scenarios if sc.is_base}
    tables = {"Coordination": coordination,
              # C7's rows reused (#21); the rest (unrated devices, minimum case) built here
              "Device duty": device_duty_table(close_in_study(study, faults.close_in),
                                               device_faults, base_names,
                                               known=known_duty, twin_of=twin_of),
              "Rules": study_rules_table(study),  # #17: every rule value used, with source
              **flow.tables(),
              "Directional": directional_sheet(directional), **feeder_tables(study.feeder)}
    tables.update(group_buses)
    del known_duty, group_buses
    if study.model is not None:
        tables["Existing sources"] = der_table(study.model)
    elif len(existing := existing_sources_table(study.net)):
        tables["Existing sources"] = existing
    # pandapower: each finding's fault re-solved; OpenDSS: read from the stages it kept
    stages = None
    if staged and faults.staged is not None:
        stages = (findings_stage_table(study, violations, scenarios, close_in=faults.close_in,
                                       networks=faults.networks)
                  if study.model is None
                  else dss_findings_stage_table(study, violations, scenarios, faults,
                                                timed=timed))
    del timed
    if stages is not None and len(stages):
        tables["Charger stages"] = stages
    # a multi-site V2G finding's worst fault solved with each site alone (rev45a M4): its
    # rows only, on the run's close-in net and sequence networks
    drivers = site_drivers(study, violations, scenarios, close_in=faults.close_in,
                           networks=faults.networks, coordination=coordination)
    if len(drivers):
        tables[SITE_DRIVERS] = drivers
    feeder_warnings = with_site_base_rows(study, study.feeder_warnings)  # rev33c W5
    # a site's own transformer with no device of the study on it (rev33b/rev33c)
    feeder_warnings = unguarded_site_transformer_rows(study, feeder_warnings)
    # a recloser curve clearing under one cycle: one row here, not a console note of every
    # command (review rev39a F5)
    from protv2g.errors import with_issue_rows
    from protv2g.study.sub_cycle import sub_cycle_warnings

    feeder_warnings = with_issue_rows(feeder_warnings, sub_cycle_warnings(study), "recloser")
    # IEC curves timed as definite above G_D = 20 × the setting (review ver51 #3)
    from protv2g.study.iec_gd import iec_gd_issues

    feeder_warnings = with_issue_rows(feeder_warnings, iec_gd_issues(study), "relay")
    if study.model is not None:  # loads LoadMult does not scale (rev34a W2, ver34 M-A)
        from protv2g.flow.load_level import held_load_issues
        from protv2g.study.dss_site_transformers import project_load_warnings

        feeder_warnings = with_issue_rows(feeder_warnings, held_load_issues(study), "load")
        # a load's grounded star point on a bus with no ground path (review rev36a T4)
        from protv2g.study.dss_ground_loads import grounded_load_warnings

        # (a dead load is listed by the model's own warnings: not twice, rev39b M6)
        feeder_warnings = with_issue_rows(feeder_warnings,
                                          grounded_load_warnings(study, dead=False), "load")
        # the IEC 60909 max SLG well below the classical one, loads in (review rev46b M1)
        from protv2g.study.iec_slg_gap import iec_slg_gap_issues

        feeder_warnings = with_issue_rows(feeder_warnings, iec_slg_gap_issues(study), "faults")
        # a site transformer's own loads leave the base case with it (review rev35a M1)
        feeder_warnings = with_issue_rows(feeder_warnings, project_load_warnings(study),
                                          "transformer")
        # the live fault buses with no path to ground and why, as ``faults`` prints them
        # (inp43: a floating star point or a de-energised neutral reactor said nowhere)
        from protv2g.flow.ungrounded_why import ungrounded_rows
        from protv2g.pipeline_dss import study_fault_buses

        live = study_fault_buses(study) & study.model.buses.energized.to_numpy(bool)
        why = ungrounded_rows(study.model, list(study.model.buses.index[live]))
        if len(why):
            feeder_warnings = (why if feeder_warnings is None or not len(feeder_warnings)
                               else pd.concat([feeder_warnings, why], ignore_index=True))
    if feeder_warnings is not None and len(feeder_warnings):
        tables["Feeder warnings"] = feeder_warnings.reset_index(drop=True)
    if recommendations:
        from protv2g.recommend import recommend

        mark("recommend")
        # the run's own fault tables (both brackets) and flows: nothing solved again
        # and its Site drivers: the charging caps read each site alone there (col51)
        tables["Recommendations"] = recommend(study, faults, flow, scenarios=scenarios,
                                              site_drivers=drivers).table()
    hosting_table = None
    if hosting and doc.v2g_sites:
        mark("hosting")
        detail = getattr(progress, "detail", None)  # StageProgress: the search's steps
        analysis = hosting_analysis(study, participations=doc.scenarios.participation,
                                    load_levels=doc.scenarios.load_levels, progress=detail)
        hosting_table = analysis.table
        tables["Hosting capacity"] = hosting_table
        # per site × criterion: the same search (it bisects every criterion's bracket), so
        # this table costs no further engine call
        tables["Hosting by criterion"] = by_site_criterion(analysis.by_criterion)
        # the figure's range over the uncertain inputs (charger contribution, K, CTI, curve
        # tolerances): two coarse searches per site on its limiting axis
        tables["Hosting band"] = hosting_band(
            study, hosting_table,
            progress=None if detail is None else (lambda text: detail(f"band: {text}")))
    fields = dict(
        study_name=doc.name, fault_currents=held_rows(bus_faults, twin_of),
        device_faults=held_rows(device_faults, twin_of), violations=violations,
        scenarios=scenario_table(scenarios), settings=settings_table(study), inputs=inputs,
        meta=meta, tables=tables, flow=flow, directional=directional,
        staged=held_rows(faults.staged, twin_of, faults.device), idle_pairs=idle_pairs)
    del bus_faults, device_faults
    mark("gate")
    verdict = gate_verdict(study, StudyResult(**fields), hosting=hosting_table)
    del faults, stages
    release_freed_memory()  # the run's transients, before the report stages (#21)
    # a new result with the verdict, its held tables passed on as they are
    # (``dataclasses.replace`` reads every field: it would make them whole)
    return StudyResult(**{**fields, "meta": {**meta, "gate": verdict}})


def dead_buses(net: Any) -> tuple[list[int], list[str]]:
    """The pandapower feeder's in-service buses with no path to a source (the fault study
    leaves them out: :func:`protv2g.pipeline._energized_buses`), their indices and names."""
    if net is None or len(net.ext_grid) == 0:
        return [], []
    from protv2g.network.json_tables import unsupplied_buses

    live = net.bus.index[net.bus.in_service.astype(bool)]
    dead = sorted({int(b) for b in unsupplied_buses(net)} & {int(b) for b in live})
    return dead, [str(net.bus.at[b, "name"]) for b in dead]


def held_rows(rows: Any, twin_of: dict[str, str] | None, device: pd.DataFrame | None = None
              ) -> Any:
    """``rows`` as the result holds them: :class:`~protv2g.result_rows.HeldRows` (made whole
    on first read) when they hold each charger set's rows once (``twin_of``), else as they
    are. ``device``: the held device table stages ``rows`` are aligned with."""
    if not twin_of or rows is None:
        return rows
    return HeldRows(rows, twin_of, None if device is None else device["scenario"].array)
