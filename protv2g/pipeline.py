"""The pipeline: study + scenarios → engine inputs → fault tables and flow tables.

The one place that turns a study and a list of scenarios into what the checks read. Every
caller goes through it — :func:`protv2g.run_study`, the hosting-capacity search, the gate
command and batch runs (through ``run_study``) — so a study gives the same numbers whichever
way it is run.

Stages
------
1. :func:`engine_inputs` — the fault engine's keyword arguments: fault settings from the
   study's ``faults`` section, one terminal per device, and the *distinct* charger sets of the
   scenarios (scenarios that differ only in load level inject the same fault current and are
   solved once).
2. :func:`fault_tables` — one :func:`protv2g.engine.fault_study` call (one factorisation per
   case) for every scenario, expanded back to one block of rows per study scenario. Faults
   are at every bus and just past every device on a line (close-in buses of
   :func:`protv2g.network.fault_positions.close_in_positions`, appended after the net's own
   buses; the checks rebuild the same positions for their topology). Device rows are kept
   only where the device sees at least 1 A in a phase or in ``3·I0``
   (:mod:`protv2g.engine.device_rows`, the same rule as the OpenDSS branch), dropped by the
   engine slice by slice: an absent row means "the device sees less than 1 A". The
   memory the tables will take is estimated first and a study that would not fit is refused
   before any work (:func:`check_size`). Besides the first-cycle tables it keeps the chargers'
   later stages in their memory-sized form (:class:`~protv2g.engine.staged_tables.
   StagedCurrents`: each stage's current magnitudes per device row, the stage times, each
   site's cessation and trip instants) and the engine's pre-fault ``V1`` at the device buses.
3. :func:`flow_tables` / :func:`study_flow` — the power flows of the scenarios.

Interconnection transformers of V2G sites (``v2g_sites[].interconnection_transformer``) are
added to the net first (:func:`~protv2g.network.site_transformer.with_site_transformers`), for
faults and flows alike. **Base case**: the feeder as it is today, *without* the sites'
transformers (they come with the V2G project): the base-case faults are solved on the net with
those transformers out of service (a second factorisation), the V2G scenarios on the net with
them — so a grounded-wye/delta site transformer's zero-sequence current is attributed to V2G
(``new``/``worse``), not ``pre-existing``. The base-case power flow keeps the (unloaded)
transformer in the net: with the site idle it carries no current and changes no result.

A study on an OpenDSS feeder (``study.model``) takes the OpenDSS branch of stages 2 and 3,
:mod:`protv2g.pipeline_dss`: faults on each bus's own phases from OpenDSS's network, flows in
OpenDSS; the tables have the same columns (plus the phase detail) and the chargers' stages of
both brackets (``FaultTables.staged``/``staged_high``, :mod:`protv2g.engine.phase.stages`).
Sites' interconnection transformers and close-in fault positions are pandapower-path features
(not applied on an OpenDSS feeder).

Nothing here runs a check, decides a verdict or writes a report (those are later stages).

Example
-------
>>> study = load_study("feeders/depot_two_feeder/study.yaml")  # doctest: +SKIP
>>> scenarios = build_scenarios(study.document)  # doctest: +SKIP
>>> faults = fault_tables(study, scenarios)  # doctest: +SKIP
>>> faults.device.groupby("scenario").size()  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from protv2g.engine import fault_study
from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.engine.staged_tables import StagedCurrents, staged_currents
from protv2g.errors import InputError, Issue
from protv2g.flow import FlowResult, flow_study
from protv2g.network.fault_positions import with_close_in_positions
from protv2g.network.site_transformer import with_site_transformers, without_site_transformers
from protv2g.pipeline_blocks import (
    check_aligned,
    kept_stages,
    positions,
    release_freed_memory,
    take,
    taken,
)
from protv2g.scenarios import Scenario, build_scenarios
from protv2g.study.engine_inputs import device_terminals, fault_scenarios, high_bracket_sets
from protv2g.study.loader import Study

__all__ = ["EngineInputs", "FaultTables", "LazyTables", "check_size", "engine_inputs",
           "size_estimate_b",
           "fault_tables", "flow_tables", "study_flow", "study_with_sites", "FLOW_TABLES"]


@dataclass(frozen=True)
class EngineInputs:
    """What the fault engine is called with for a list of study scenarios.

    Attributes
    ----------
    options : dict
        Keyword arguments of :func:`protv2g.engine.fault_study` (fault types, cases, method,
        fault impedances, ``scenarios`` = the distinct charger sets by name, ``devices``).
    key_of : dict
        Study scenario name → the name of its charger set in ``options["scenarios"]``.
    """

    options: dict[str, Any]
    key_of: dict[str, str]


@dataclass(frozen=True)
class FaultTables:
    """Bus and device fault tables of every study scenario (``scenario`` = its name).

    The tables are the chargers' **first-cycle** stage (every exporting site at its first-cycle
    limit; held for the whole fault, the high bracket); ``staged`` holds the later stages.

    Attributes
    ----------
    bus : DataFrame
        The engine's bus table (``ikss_ka``, phase currents, 3I0 …) per study scenario.
    device : DataFrame
        What every device sees for every fault (currents kA, voltages pu, angles degree).
    staged : StagedCurrents or None
        Each stage's current magnitudes, **row by row aligned with** ``device`` (position ``r``
        is ``device.iloc[r]``), the stage times and the sites' cessation/trip table; ``None``
        when not kept (``fault_tables(..., staged=False)``).
    v1_pre_pu : dict
        ``(case, device bus) → V1`` the engine's pre-fault positive-sequence voltage at each
        device bus (pu, device-phasor reference): relays' memory polarisation.
    staged_high : StagedCurrents or None
        The stages of the **high** bracket (``faults.high_bracket: sustained_limit``, the
        default: each site's sustained limit at its high end, ``docs/charger-fault-model.md``
        §3), aligned row by row with ``device`` like ``staged``; ``None`` with
        ``first_cycle_held`` (the high bracket is then ``device`` itself, held) or without
        stages.
    close_in : tuple or None
        ``(study given, the same study with close-in positions)`` the tables were solved on
        (pandapower path): the checks take their net from it instead of rebuilding it (#21).
    """

    bus: pd.DataFrame
    device: pd.DataFrame
    staged: StagedCurrents | None = None
    v1_pre_pu: dict[tuple[str, int], complex] = field(default_factory=dict)
    staged_high: StagedCurrents | None = None
    close_in: tuple[Study, Study] | None = None


def engine_inputs(study: Study, scenarios: Sequence[Scenario]) -> EngineInputs:
    """The fault engine's inputs for ``scenarios`` of ``study`` (see the module docstring)."""
    doc = study.document.faults
    sets, key_of = fault_scenarios(study, list(scenarios))
    options = dict(fault_types=doc.fault_types, cases=doc.cases, method=doc.method,
                   r_fault_ohm=doc.r_fault_ohm, x_fault_ohm=doc.x_fault_ohm,
                   r_fault_min_ohm=doc.r_fault_min_ohm, prefault=doc.prefault, scenarios=sets,
                   devices=device_terminals(study))
    live = _energized_buses(study.net)
    if live is not None:  # de-energised buses: not faulted (listed in the feeder warnings)
        options["buses"] = live
    return EngineInputs(options, key_of)


def _energized_buses(net: Any) -> list[int] | None:
    """In-service buses with a path to a source, or None when every in-service bus has one
    (#20 item 5: the dead ones are reported by the loader, ``Study.feeder_warnings``)."""
    if net is None or len(net.ext_grid) == 0:
        return None
    from pandapower.topology import unsupplied_buses

    dead = {int(b) for b in unsupplied_buses(net)}
    if not dead:
        return None
    return [int(b) for b in net.bus.index[net.bus.in_service.astype(bool)] if int(b) not in dead]


def study_with_sites(study: Study) -> Study:
    """The study with its sites' interconnection transformers in the net (the V2G net); an
    OpenDSS feeder's study as it is (its sites are generators on their phases)."""
    if study.model is not None:
        return study
    return with_site_transformers(study)  # type: ignore[return-value]


def _solve(study: Study, net: Any, scenarios: list[Scenario], staged: bool) -> FaultTables:
    """One engine call on ``net`` for ``scenarios``, expanded to one block per scenario (and
    one more for the stages of the chargers' high bracket).

    The low bracket's engine result is expanded and released before the high bracket is
    solved (#21: both were alive at once, with the engine's and the expanded tables)."""
    inputs = engine_inputs(study, scenarios)
    try:
        faults = fault_study(net, **inputs.options, staged=staged,
                             device_min_a=DEVICE_ROW_MIN_A)
    except InputError as exc:
        raise InputError([_feeder_issue(study, i) for i in exc.issues]) from None
    bus_pos, bus_names = positions(faults.bus["scenario"].to_numpy(), inputs.key_of)
    bus = take(faults.bus, bus_pos, bus_names)
    dev_pos, dev_names = positions(faults.device["scenario"].to_numpy(), inputs.key_of)
    dev = take(faults.device, dev_pos, dev_names)
    st = kept_stages(staged_currents(faults) if staged else None, dev_pos, inputs.key_of)
    v1 = _v1_pre(faults, inputs.options["devices"])
    rows = faults.device_rows.keys_only()
    del faults  # the engine's phasors and its own (per charger set) tables
    st_high = None
    if st is not None and study.document.faults.high_bracket == "sustained_limit":
        sets = inputs.options["scenarios"]
        high_sets = high_bracket_sets(study, sets)
        if high_sets == sets:  # nothing changes (no site, or limits already at the top)
            st_high = st
        else:
            high = fault_study(net, **{**inputs.options, "scenarios": high_sets}, staged=True,
                               device_min_a=DEVICE_ROW_MIN_A,
                               device_rows=rows.positions,  # the same rows
                               device_voltages=False)  # its staged currents alone are read
            check_aligned(rows, high.device_rows)
            st_high = kept_stages(staged_currents(high), dev_pos, inputs.key_of)
    return FaultTables(bus, dev, st, v1, st_high)


def _v1_pre(faults: Any, terms: Sequence[Any]) -> dict[tuple[str, int], complex]:
    """``(case, device bus) → V1`` before the fault, from an engine result."""
    v1: dict[tuple[str, int], complex] = {}
    if faults.device_v1_pre_pu is not None:
        for c, case in enumerate(faults.cases):
            for d, term in enumerate(terms):
                v = complex(faults.device_v1_pre_pu[c, d])
                if np.isfinite(v.real):
                    v1[(case.value, int(term.bus))] = v
    return v1


def fault_tables(study: Study, scenarios: Sequence[Scenario], *, staged: bool = True
                 ) -> FaultTables:
    """Bus and device fault tables for every scenario (one engine call, one factorisation per
    case; a second one for the base case when sites have interconnection transformers, see
    the module docstring).

    Parameters
    ----------
    study : Study
    scenarios : sequence of Scenario
    staged : bool
        Keep the chargers' later stages (``FaultTables.staged``; default). ``False`` solves
        and keeps the first cycle only: every time-based check then sees one bracket.

    Raises
    ------
    InputError
        When the tables would not fit in memory (:func:`check_size`), or for bad
        short-circuit data found by the engine (re-addressed to the study's feeder).
    """
    scenarios = list(scenarios)
    if study.model is not None:  # an OpenDSS feeder: the phase-domain path
        from protv2g.pipeline_dss import dss_fault_frames

        fr = dss_fault_frames(study, scenarios, staged=staged)
        bus_pos, bus_names = positions(fr.bus["scenario"].to_numpy(), fr.key_of)
        dev_pos, dev_names = positions(fr.device["scenario"].to_numpy(), fr.key_of)
        st = kept_stages(fr.staged, dev_pos, fr.key_of)
        st_high = st if fr.staged_high is fr.staged else kept_stages(fr.staged_high, dev_pos,
                                                                     fr.key_of)
        return FaultTables(take(fr.bus, bus_pos, bus_names),
                           take(fr.device, dev_pos, dev_names), st, fr.v1_pre_pu, st_high)
    given = study = study_with_sites(study)
    # #17: faults also just past each device (close-in buses appended to a copy of the net;
    # existing bus indices unchanged), so duty and coordination ranges reach their top
    study = with_close_in_positions(study)
    tables = replace(_solve_parts(study, scenarios, staged), close_in=(given, study))
    release_freed_memory()  # the stage's transients: the allocator kept them (#21)
    return tables


def _solve_parts(study: Study, scenarios: list[Scenario], staged: bool) -> FaultTables:
    """:func:`fault_tables` on the close-in study: base case and V2G scenarios."""
    inputs = engine_inputs(study, scenarios)
    check_size(study, n_fault_scenarios=len(inputs.options["scenarios"]),
               n_scenarios=len(scenarios), staged=staged)
    base_net = without_site_transformers(
        study.net, [s.name for s in study.document.v2g_sites
                    if s.interconnection_transformer is not None])
    if base_net is None or not any(sc.is_base for sc in scenarios):
        return _solve(study, study.net, scenarios, staged)
    parts = [_solve(study, base_net, [sc for sc in scenarios if sc.is_base], staged)]
    others = [sc for sc in scenarios if not sc.is_base]
    if others:
        parts.append(_solve(study, study.net, others, staged))
    return _concat(parts, {sc.name: k for k, sc in enumerate(scenarios)})


def _concat(parts: list[FaultTables], order: dict[str, int]) -> FaultTables:
    """Tables of several engine calls as one, rows in study-scenario order."""
    bus = pd.concat([p.bus for p in parts], ignore_index=True)
    dev = pd.concat([p.device for p in parts], ignore_index=True)
    b_ord = np.argsort(bus["scenario"].map(order).to_numpy(), kind="stable")
    d_ord = np.argsort(dev["scenario"].map(order).to_numpy(), kind="stable")
    st = st_high = None
    if all(p.staged is not None for p in parts):
        st = StagedCurrents.concat([p.staged for p in parts]).take(d_ord)  # type: ignore[misc]
    if all(p.staged_high is not None for p in parts):
        st_high = StagedCurrents.concat(
            [p.staged_high for p in parts]).take(d_ord)  # type: ignore[misc]
    v1: dict[tuple[str, int], complex] = {}
    for p in parts:
        v1.update(p.v1_pre_pu)
    return FaultTables(taken(bus, b_ord), taken(dev, d_ord), st, v1, st_high)


def _feeder_issue(study: Study, issue: Issue) -> Issue:
    """An engine issue about the net, re-addressed to the study file and its feeder."""
    source = study.document.feeder
    feeder = source.pandapower_json or source.opendss or f"builtin {source.builtin}"
    return Issue(str(study.path), f"feeder ({feeder}): {issue.field}", issue.message,
                 issue.fix or "correct the feeder model")


#: Peak bytes per **kept** device row (device rows are kept where the device sees ≥ 1 A,
#: :mod:`protv2g.engine.device_rows`) and per cell of one slice's device × bus grid (devices ×
#: fault buses), above the RSS after the imports, fitted to the per-stage peaks measured with
#: ``benchmarks/bench_memory.py`` (VmHWM reset at each stage) on ``bench_e2e``'s synthetic
#: studies (60 devices, 6 scenarios, 3 charger sets), 2026-12-01, branch ``seq_rows``:
#:   1,060 buses, 176,164 rows: faults 365 MiB, checks 702 MiB;
#:   3,060 buses, 503,058 rows: faults 947 MiB, checks 1,492 MiB;
#:   10,060 buses, 1,823,534 rows: faults 3,106 MiB, checks 4,148 MiB;
#: and the depot example's traced peak of ``fault_tables`` (13,328 rows, 21.2 MiB,
#: ``tests/test_check_size.py``). faults: the kept rows' phasors and stage currents, the tidy
#: table (~20 float columns) and its per-scenario copies, ~1.6 kB/row on the depot; one engine
#: slice (staged current and voltage phasors, ≈ 4 stages × 2 × 3 complex128, and the rule's
#: temporaries; the generator's previous slice may still be alive). checks: the measured peak
#: grows with devices × buses (≈ 6.5 kB per cell at all three sizes) more than with the kept
#: rows — the tables of the checks that are not per device row (flow tables held, device
#: chains, zones) — so the checks figure is mostly that term. The estimate is 1.05–1.4× the
#: measured peaks at those sizes.
_BYTES_PER_ROW_FAULTS = 1_800
_BYTES_PER_ROW_CHECKS = 300
_BYTES_PER_CELL_FAULTS = 640
_BYTES_PER_CELL_CHECKS = 7_200
#: Fixed part (net, factorisation, numba and pandas working memory), bytes.
_FIXED_B = 256 * 2**20
#: Angular frequency used for the zero-sequence charging current (rad/s, 60 Hz feeders).
_OMEGA = 2 * np.pi * 60.0


def kept_pairs(study: Study) -> tuple[int, int]:
    """(device, fault bus) pairs of one engine slice expected to keep their row (≥ 1 A).

    A device sees fault current where it lies on the path from a source to the fault (IEC
    60909: no load current; :func:`protv2g.topology.device_chains` from the substation, every
    V2G site and every existing generator). For ground faults it also sees the zero-sequence
    charging current of the lines behind it when the fault is elsewhere, at most the
    capacitive earth-fault current of those lines, ``I_CE = 3·ω·C0·c·Un/√3`` (the textbook
    earth-fault current of an isolated network, zero-sequence voltage at its largest
    ``c·Un/√3``, ``c = 1.1`` of IEC 60909-0 Table 1; ``C0`` from the lines'
    ``c0_nf_per_km``); where that reaches ``DEVICE_ROW_MIN_A`` every fault bus counts.
    An upper estimate on radial feeders (parallel paths are not counted).

    Returns
    -------
    tuple of int
        ``(pairs of phase faults (3ph, LL), pairs of ground faults (SLG, LLG))``.
    """
    from protv2g.topology import SUBSTATION, device_chains

    net = study.net
    n_bus, n_dev = len(net.bus), len(study.device_sites)
    sources = dict(study.site_buses)
    for et in ("sgen", "gen", "storage"):
        tab = getattr(net, et, None)
        if tab is not None and len(tab):
            for i, b in tab.bus[tab.in_service.astype(bool)].items():
                sources[f"{et}:{i}"] = int(b)
    chains = device_chains(net, study.device_sites, sources)
    on_path = chains[["device", "fault_bus"]].drop_duplicates()
    per_dev = on_path.groupby("device").size()
    fwd = chains[chains.source.astype(str).str.startswith(SUBSTATION)
                 & (chains.direction == "forward")]
    line = net.line[net.line.in_service.astype(bool)]
    c0_f = (line.c0_nf_per_km.fillna(0) if "c0_nf_per_km" in line else 0.0) * 1e-9
    c0_f = c0_f * line.length_km * line.parallel
    vn_kv = net.bus.vn_kv.reindex(line.from_bus).to_numpy()
    ground = 0
    for dev in study.device_sites:
        behind = fwd.fault_bus[fwd.device == dev].to_numpy()
        inside = line.from_bus.isin(behind).to_numpy() & line.to_bus.isin(behind).to_numpy()
        i_ce_a = float(np.sum(3 * _OMEGA * np.asarray(c0_f)[inside] * 1.1 * vn_kv[inside]
                              * 1e3 / np.sqrt(3)))
        ground += n_bus if i_ce_a >= DEVICE_ROW_MIN_A else int(per_dev.get(dev, 0))
    return min(len(on_path), n_bus * n_dev), min(ground, n_bus * n_dev)


def size_estimate_b(study: Study, *, n_fault_scenarios: int, n_scenarios: int,
                    staged: bool = True) -> dict[str, int]:
    """Estimated peak memory of a study's stages (bytes above the imports).

    Parameters
    ----------
    study : Study
        With the net the engine solves (close-in buses appended).
    n_fault_scenarios : int
        Charger sets the engine solves (≤ ``n_scenarios``: scenarios sharing a set share it).
    n_scenarios : int
        Study scenarios the fault tables are expanded to.
    staged : bool
        Accepted for the callers; the per-row figures are those of staged tables (an
        over-estimate of < 10 % without them).

    Returns
    -------
    dict
        ``{"faults": bytes, "checks": bytes, "rows": kept rows}``: the process's peak up to
        the end of each stage, ``_FIXED_B + rows × _BYTES_PER_ROW_<stage> + cells ×
        _BYTES_PER_CELL_<stage>``; ``rows`` = scenarios × cases × Σ over the fault types of
        the kept pairs (:func:`kept_pairs`), ``cells`` = devices × buses. SOURCE: measured,
        see the constants' comment.
    """
    del staged  # see Parameters
    doc = study.document
    phase, ground = kept_pairs(study)
    per_case = sum(ground if str(getattr(t, "value", t)) in ("SLG", "LLG") else phase
                   for t in doc.faults.fault_types)
    rows = max(n_fault_scenarios, n_scenarios) * len(doc.faults.cases) * per_case
    cells = len(study.net.bus) * max(len(doc.devices), 1)
    return {"faults": _FIXED_B + rows * _BYTES_PER_ROW_FAULTS + cells * _BYTES_PER_CELL_FAULTS,
            "checks": _FIXED_B + rows * _BYTES_PER_ROW_CHECKS + cells * _BYTES_PER_CELL_CHECKS,
            "rows": rows}


def check_size(study: Study, *, n_fault_scenarios: int, n_scenarios: int,
               staged: bool = True) -> None:
    """Fail fast, before any work, when a study would not fit in memory.

    The estimate (:func:`size_estimate_b`) covers the fault and checks stages; the larger
    is compared with half the machine's memory.

    Raises
    ------
    InputError
        Naming the stage that dominates, the sizes that multiply up and every way out.
    """
    doc = study.document
    n_bus = len(study.net.bus)
    est = size_estimate_b(study, n_fault_scenarios=n_fault_scenarios,
                          n_scenarios=n_scenarios, staged=staged)
    stage = max(("faults", "checks"), key=lambda k: est[k])
    need_b = est[stage]
    budget_b = _memory_budget_b()
    if need_b > budget_b:
        raise InputError(Issue(
            str(study.path), "scenarios",
            f"the study needs about {need_b / 2**30:.1f} GiB at its peak, in the {stage} "
            f"stage (faults {est['faults'] / 2**30:.1f} GiB, checks "
            f"{est['checks'] / 2**30:.1f} GiB; {n_scenarios} scenarios × {n_bus} buses × "
            f"{len(doc.devices)} devices × {len(doc.faults.fault_types)} fault types × "
            f"{len(doc.faults.cases)} cases: about {est['rows']:,} device rows where a device "
            f"sees ≥ {DEVICE_ROW_MIN_A:g} A), more than the {budget_b / 2**30:.1f} GiB "
            "allowed (half the machine's memory)",
            "run fewer export levels, participation levels or load levels, fewer fault types "
            "or cases, or split the feeder into smaller studies; hosting runs its own "
            "scenarios through this check, so `protv2g run --no-hosting` skips those"))


def _memory_budget_b() -> int:
    """Half of the machine's physical memory (bytes)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 4 * 2**30


# --- flows ----------------------------------------------------------------------------------


def study_flow(study: Study) -> FlowResult:
    """The study's own flow scenarios (and its 96-step day when the study asks for it), on
    the net with the sites' interconnection transformers."""
    return _flow(study_with_sites(study), day=study.document.scenarios.day)


def _flow(study: Study, day: bool) -> FlowResult:
    """The flow study of the study's feeder kind (OpenDSS feeders solve in OpenDSS)."""
    if study.model is not None:
        from protv2g.pipeline_dss import dss_flow

        return dss_flow(study, day)
    return flow_study(study, day=day)


#: Flow tables by the names the checks read → attribute of :class:`~protv2g.flow.FlowResult`.
FLOW_TABLES = {"device": "devices", "bus": "buses", "branch": "branches"}


def flow_tables(study: Study, scenarios: Sequence[Scenario]) -> dict[str, pd.DataFrame] | None:
    """Power-flow tables (``device``, ``bus``, ``branch``) of arbitrary ``scenarios``.

    ``flow_study`` runs a study's own scenario axes, so scenarios that are not the study's own
    (the hosting search's export levels) are run as one variant study per exporting site
    (that site only, its levels as ``export_levels_kw``) whose scenarios are renamed to ours
    by (participation, load level, export kW). No 96-step day.

    Returns
    -------
    dict of DataFrame or None
        None when no scenario has a base case to run (the flow checks then say they could not
        be evaluated).

    Raises
    ------
    NotImplementedError
        For a scenario in which several sites export at once that is not one of the study's
        own scenarios.
    """
    scenarios = list(scenarios)
    study = study_with_sites(study)
    if set(scenarios) <= set(build_scenarios(study.document)):  # the study's own axes
        res = _flow(study, day=False)
        return {k: getattr(res, v) for k, v in FLOW_TABLES.items()}

    by_site: dict[str, list[Scenario]] = {}
    for sc in scenarios:
        exporting = [st.site for st in sc.sites if st.p_export_kw > 0]
        if len(exporting) > 1:
            raise NotImplementedError("flow for scenarios with several exporting sites that "
                                      "are not the study's own scenarios")
        if exporting:
            by_site.setdefault(exporting[0], []).append(sc)
    axes = study.document.scenarios.model_dump(mode="json")
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in FLOW_TABLES}
    bases: set[str] = set()  # base cases already taken (one per load level, whichever site)
    for site, wanted in by_site.items():
        key = {(sc.participation, sc.load_level, round(_export_kw(sc), 6)): sc.name
               for sc in wanted}
        variant = study.with_updates(
            v2g_sites=[s.model_dump(mode="json") for s in study.document.v2g_sites
                       if s.name == site],
            scenarios={**axes, "export_levels_fraction": None, "day": False,
                       "export_levels_kw": sorted({_export_kw(sc) for sc in wanted}),
                       "participation": sorted({sc.participation.value for sc in wanted}),
                       "load_levels": sorted({sc.load_level.value for sc in wanted})})
        rename: dict[str, str | None] = {}
        for vs in build_scenarios(variant.document):
            if vs.is_base:
                rename[vs.name] = vs.name if vs.name not in bases else None
                bases.add(vs.name)
            else:
                rename[vs.name] = key.get((vs.participation, vs.load_level,
                                           round(_export_kw(vs), 6)))
        res = _flow(variant, day=False)
        for k, attr in FLOW_TABLES.items():
            t = getattr(res, attr)
            t = t.assign(scenario=t["scenario"].map(rename))
            parts[k].append(t[t["scenario"].notna()])
    if not bases:
        return None
    return {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}


def _export_kw(sc: Scenario) -> float:
    return float(sum(st.p_export_kw for st in sc.sites))


class LazyTables(Mapping[str, pd.DataFrame]):
    """Tables by name, computed by ``compute()`` on first access (then kept).

    The hosting search hands its flow tables to the checks this way: the real checks read
    them (C8, C12), a stand-in criterion that does not costs no power flow.

    Example
    -------
    >>> flows = LazyTables(lambda: flow_tables(study, scenarios))  # doctest: +SKIP
    """

    def __init__(self, compute: Callable[[], Mapping[str, pd.DataFrame] | None]) -> None:
        self._compute = compute
        self._tables: dict[str, pd.DataFrame] | None = None

    def _get(self) -> dict[str, pd.DataFrame]:
        if self._tables is None:
            self._tables = dict(self._compute() or {})
        return self._tables

    def __getitem__(self, key: str) -> pd.DataFrame:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())
