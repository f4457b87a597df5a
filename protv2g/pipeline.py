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
   case) for every scenario and both brackets of the chargers' contribution, expanded back
   to one block of rows per study scenario — or, with ``held=True`` (``run_study``, hosting:
   #21), one block per charger set under its first study scenario, the others that share it
   (other load levels) named in ``FaultTables.twin_of`` and copied by the checks. Faults
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
(``new``/``worse``), not ``pre-existing``. A study device on such a transformer
(``location: {trafo: <site>-XFMR}``, its fuse) is left out of the base call with it; the V2G
call also solves every charger idle (and the grid alone with existing DER), the network's part
of the rows the base case lacks (a fault at the site's LV bus, a device on its transformer:
``NET_COLUMNS``, the IEC 60909 sum as on the OpenDSS path). The base-case power flow keeps
the (unloaded) transformer in the net: with the site idle it carries no current and changes
no result. On an OpenDSS feeder a site names the model's own transformer instead
(``v2g_sites[].model_transformer``, :mod:`protv2g.pipeline_dss`): the same rule, the base
case without it.

A study on an OpenDSS feeder (``study.model``) takes the OpenDSS branch of stages 2 and 3,
:mod:`protv2g.pipeline_dss`: faults on each bus's own phases from OpenDSS's network, flows in
OpenDSS; the tables have the same columns (plus the phase detail) and the chargers' stages of
both brackets (``FaultTables.staged``/``staged_high``, :mod:`protv2g.engine.phase.stages`).
Close-in fault positions apply there too (s22): each device's line is split just past it in the
phase model (:mod:`protv2g.network.dss_close_in`, close-in buses appended after the model's
own; ``FaultTables.close_in`` holds the model they were solved on). Sites' interconnection
transformers are a pandapower-path feature (not applied on an OpenDSS feeder).

The engine results are read into the tables by :mod:`protv2g.pipeline_assemble` (the
chargers' stages, the pre-fault ``V1``, several engine calls' tables as one, the engine's
issues re-addressed to the study's feeder).

Nothing here runs a check, decides a verdict or writes a report (those are later stages).

Example
-------
>>> study = load_study("feeders/depot_two_feeder/study.yaml")  # doctest: +SKIP
>>> scenarios = build_scenarios(study.document)  # doctest: +SKIP
>>> faults = fault_tables(study, scenarios)  # doctest: +SKIP
>>> faults.device.groupby("scenario", observed=True).size()  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from protv2g.engine import fault_study
from protv2g.engine.bracket_rows import shared_brackets
from protv2g.engine.device_columns import device_value_block, value_columns
from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.engine.staged_tables import take_stages
from protv2g.errors import InputError
from protv2g.network.fault_positions import with_close_in_positions
from protv2g.network.site_transformer import without_site_transformers
from protv2g.pipeline_assemble import _concat, _feeder_issue, _staged, _v1_pre
from protv2g.pipeline_blocks import (
    held_scenarios,
    kept_stages,
    positions,
    release_freed_memory,
    scenario_codes,
    take,
    with_grid_columns,
)
from protv2g.pipeline_flow import (  # noqa: F401 - re-exported
    FLOW_TABLES,
    LazyTables,
    flow_tables,
    study_flow,
    study_with_sites,
)
from protv2g.pipeline_site_parts import network_parts, without_devices_on
from protv2g.pipeline_size import check_size, size_estimate_b  # noqa: F401 - re-exported
from protv2g.pipeline_tables import EngineInputs, FaultTables  # noqa: F401 - re-exported
from protv2g.scenarios import Scenario
from protv2g.study.engine_inputs import (
    GRID_ONLY,
    SITES_GRID,
    SITES_IDLE,
    device_terminals,
    existing_der_sources,
    fault_options,
    fault_scenarios,
    grid_only_set,
    high_bracket_sets,
)
from protv2g.study.loader import Study

__all__ = ["EngineInputs", "FaultTables", "LazyTables", "check_size", "engine_inputs",
           "size_estimate_b", "phasors_read",
           "fault_tables", "flow_tables", "study_flow", "study_with_sites", "FLOW_TABLES"]


def engine_inputs(study: Study, scenarios: Sequence[Scenario]) -> EngineInputs:
    """The fault engine's inputs for ``scenarios`` of ``study`` (see the module docstring)."""
    doc = study.document.faults
    sets, key_of = fault_scenarios(study, list(scenarios))
    if any(sc.is_base for sc in scenarios):  # existing DER: the IEC sum's network part
        sets = {**sets, **grid_only_set(sets)}
    options = dict(fault_types=doc.fault_types, cases=doc.cases, **fault_options(study),
                   scenarios=sets, devices=device_terminals(study))
    live = _energized_buses(study.net)
    if live is not None:  # de-energised buses: not faulted (listed in the feeder warnings)
        options["buses"] = live
    return EngineInputs(options, key_of)


def _energized_buses(net: Any) -> list[int] | None:
    """In-service buses with a path to a source, or None when every in-service bus has one
    (#20 item 5: the dead ones are reported by the loader, ``Study.feeder_warnings``).

    The search is :func:`protv2g.network.json_tables.unsupplied_buses` (pandapower's rules,
    tested against ``pandapower.topology.unsupplied_buses`` in ``tests/test_validate_light.py``;
    a union–find over the branch tables: 0.014 s at 10,000 buses where pandapower's networkx
    graph took 0.03–0.17 s, #21)."""
    if net is None or len(net.ext_grid) == 0:
        return None
    from protv2g.network.json_tables import unsupplied_buses

    dead = {int(b) for b in unsupplied_buses(net)}
    if not dead:
        return None
    return [int(b) for b in net.bus.index[net.bus.in_service.astype(bool)] if int(b) not in dead]


def _solve(study: Study, net: Any, scenarios: list[Scenario], staged: bool,
           inputs: EngineInputs | None = None, keep_networks: bool = False,
           phasors: bool = True, network_part: bool = False) -> FaultTables:
    """One engine call on ``net`` for ``scenarios`` and, with stages, the chargers' high
    bracket (``fault_study(high_scenarios=...)``: the same sequence networks and
    factorisations, #21 — a second call rebuilt them), one block per charger set under its
    first study scenario (``FaultTables.twin_of``: every scenario → that one; #21).

    Fewer large arrays alive at once (#21): the freed heap is handed back right after the
    engine call; the bus table, the stages, the sites' sources (their tables are built on
    first use) and ``V1`` are taken from the engine result, then everything of it but its
    labels and kept rows is released before the device table is built — already taken to
    the held scenarios (:meth:`~protv2g.engine.result.FaultStudyResult.kept_device_frame`)
    —, and the stages of both brackets are put in one set of arrays under row maps to the
    study scenarios' rows (:func:`~protv2g.engine.bracket_rows.shared_brackets`). ``inputs``: the
    engine inputs of ``scenarios`` when the caller has them (#21: the energised buses' search
    ran twice). ``keep_networks``: the engine's sequence networks of ``net`` are handed on
    (``FaultTables.networks``). ``phasors``: the device table's :data:`~protv2g.engine.
    device_columns.PHASOR_COLUMNS` are computed (else absent: :func:`fault_tables`).
    ``network_part``: ``net`` has sites' interconnection transformers the base case has not;
    also solve :data:`~protv2g.study.engine_inputs.SITES_IDLE` (every charger idle, the
    feeder's own inverters as in the base case) and, with those inverters,
    :data:`~protv2g.study.engine_inputs.SITES_GRID` (the grid alone), their rows handed on as
    ``FaultTables.site_idle`` (the network's part of the rows the base case lacks, as on the
    OpenDSS path)."""
    if inputs is None:
        inputs = engine_inputs(study, scenarios)
    if network_part:
        idle = existing_der_sources(net)
        extra = {SITES_IDLE: idle, **({SITES_GRID: ()} if grid_only_set({"": idle}) else {})}
        inputs = replace(inputs, options={**inputs.options,
                                          "scenarios": {**inputs.options["scenarios"], **extra}})
    sets = inputs.options["scenarios"]
    high_sets = None
    if staged and study.document.faults.high_bracket == "sustained_limit":
        high_sets = high_bracket_sets(study, sets)
        if high_sets == sets:  # nothing changes (no site, or limits already at the top)
            high_sets = None
    networks: dict | None = {} if keep_networks else None  # filled by the engine
    try:
        # the device voltages only where their columns are made (#21: the engine filled
        # every kept row's first-cycle voltages and the table dropped them unread)
        faults = fault_study(net, **inputs.options, staged=staged,
                             device_min_a=DEVICE_ROW_MIN_A, high_scenarios=high_sets,
                             high_rows="differing", networks=networks,
                             device_voltages=phasors)
    except InputError as exc:
        raise InputError([_feeder_issue(study, i) for i in exc.issues]) from None
    release_freed_memory()  # the engine's freed transients (#21: the stage's peak was here)
    rows = faults.device_rows  # the device table's rows, in its order
    # each charger set's rows once, under its first study scenario; the twins (light and
    # peak load: the same set) by name only (#21: every set's rows were taken for each)
    held, twin_of = held_scenarios(inputs.key_of)
    every = list(inputs.key_of)  # the scenario column's categories: every study scenario
    dev_pos, dev_names = positions(rows.slice_key[:, 0], held, faults.scenarios, every)
    blocks = list(inputs.key_of.items())  # (study scenario, its charger set): the sites'
    # table of every study scenario, built on first use (no stage of a pandapower study
    # reads it; the result's)
    high = None
    like = None  # the high bracket's sites: their labels and equal columns are shared
    of_rows = None  # the high bracket's rows: those whose stages differ from the low one's
    if faults.high is not None:  # (aligned with the low bracket's rows by the engine)
        of_rows = faults.high.device_rows.of_rows
        high, like = _staged(faults.high, blocks)  # its engine rows' stages: all that is read
    codes, labels_b = scenario_codes(faults.bus)  # (#21: no names factorised)
    bus_pos, bus_names = positions(codes, held, labels_b, every=every)
    # every set held (no grid-only or idle set): the engine's table itself, not a copy
    bus = take(faults.bus, bus_pos, bus_names, shared=True)
    grid = {GRID_ONLY: GRID_ONLY} if GRID_ONLY in sets else None  # existing DER
    g_bus = None if grid is None else take(faults.bus, *positions(codes, grid, labels_b))
    idle = {k: k for k in (SITES_IDLE, SITES_GRID) if k in sets} or None  # a site's equipment
    i_bus = None if idle is None else take(faults.bus, *positions(codes, idle, labels_b))
    del codes
    st_low = _staged(faults, blocks, like)[0] if staged else None  # kept rows, no copy
    del like
    v1 = _v1_pre(faults, inputs.options["devices"])
    # the engine result's labels and kept rows only: its dense arrays (bus, stages, chargers)
    # and the high bracket go before the device table is built (#21: lower peak)
    labels = replace(faults, high=None, staged=None, charger_i_12_ka={},
                     bus_i_012_ka=np.zeros((0, 3), faults.bus_i_012_ka.dtype))
    del faults
    release_freed_memory()
    i_ka, v_pu = rows.i_012_ka, rows.v_012_pu
    if grid is None and idle is None:  # the phasors are read no more once in the value
        # block: the currents go before the voltages' columns are written, both before the
        # label columns are made (#21: the stage's peak, the block filled beside them,
        # ≈ 45 MB each at 10,000 buses)
        rows = rows.keys_only()
        labels = replace(labels, device_rows=rows)
    columns = value_columns(phasors)  # without a reader, no voltage or angle of I2, 3I0
    values = device_value_block(i_ka, None, dev_pos, columns=columns)
    del i_ka
    if phasors:  # the voltages' columns (#21: else not computed, 13 of 20 columns)
        device_value_block(None, v_pu, dev_pos, out=values, columns=columns)
    del v_pu
    release_freed_memory()
    dev = labels.kept_device_frame(rows, dev_pos, dev_names, values=values,  # no per-set
                                   columns=columns)
    del values  # table (#21)
    g_dev = None if grid is None else labels.kept_device_frame(rows, *positions(
        rows.slice_key[:, 0], grid, labels.scenarios), columns=columns)
    i_dev = None if idle is None else labels.kept_device_frame(rows, *positions(
        rows.slice_key[:, 0], idle, labels.scenarios), columns=columns)
    del labels, rows, dev_names  # the engine's phasors
    release_freed_memory()  # their heap before the stages are expanded
    # each bracket's stages kept once per charger set and the high bracket's rows that
    # repeat the low one's not at all: one set of stage arrays, the study scenarios' rows
    # mapped to it (#21: both brackets were copied whole per scenario)
    st = st_high = None
    if st_low is not None and high is not None:
        st, st_high = shared_brackets(st_low, high, dev_pos, of_rows)
    elif st_low is not None:
        st = take_stages([st_low], dev_pos)
    elif high is not None:
        st_high = take_stages([high], dev_pos)
    st_low = high = None
    if st_high is None and st is not None and \
            study.document.faults.high_bracket == "sustained_limit":
        st_high = st  # nothing changes (no site, or limits already at the top)
    return FaultTables(bus, dev, st, v1, st_high,
                       grid_only=None if grid is None else (g_bus, g_dev), networks=networks,
                       twin_of=twin_of,
                       site_idle=None if idle is None else (i_bus, i_dev))


def phasors_read(study: Study) -> bool:
    """Whether a check reads the device table's :data:`~protv2g.engine.device_columns.
    PHASOR_COLUMNS` for ``study``: the directional check C9, for a forward-directional relay
    (:func:`protv2g.directional.is_forward_directional`, the relays
    :func:`protv2g.checks.directional.directional_table` evaluates). No other reader (#21)."""
    from protv2g.directional.settings import any_forward_directional_relay

    return any_forward_directional_relay(study.document.devices)


def fault_tables(study: Study, scenarios: Sequence[Scenario], *, staged: bool = True,
                 phasors: bool | None = None, held: bool = False) -> FaultTables:
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
    phasors : bool, optional
        Whether the device table has the columns only the directional check C9 reads
        (:data:`~protv2g.engine.device_columns.PHASOR_COLUMNS`: ``i3i0_degree``, ``i2_*``,
        the voltages ``va_pu … v2_degree``); default: when the study has a
        forward-directional relay (:func:`phasors_read`). Without them the columns are
        absent (never NaN): C9 then could not judge a relay made directional later
        (``recommend`` asks for them: ``protv2g recommend``, ``run --recommend``). #21:
        10,000 buses, 1.8 million device rows × 13 columns, 190 MB not made. An OpenDSS
        feeder's table (the phase-domain engine) always has them.
    held : bool
        Hold the rows of each charger set once, under its first study scenario, the other
        scenarios of the set (other load levels) by name in ``FaultTables.twin_of`` (#21:
        10,000 buses, 911,767 device rows instead of 1,823,534). For readers that go through
        the map — the checks (:func:`protv2g.checks.check_study`), ``run_study``, hosting,
        recommend —; :meth:`FaultTables.expanded` gives the tables of every scenario. Default
        ``False``: those tables (pandapower path; an OpenDSS feeder's are always so).

    Raises
    ------
    InputError
        When the tables would not fit in memory (:func:`check_size`), or for bad
        short-circuit data found by the engine (re-addressed to the study's feeder).
    """
    scenarios = list(scenarios)
    if study.model is not None:  # an OpenDSS feeder: the phase-domain path
        from protv2g.pipeline_dss import dss_fault_frames

        # s22: the OpenDSS path gets the same close-in positions (the device's line split
        # in the phase model, close-in buses appended after the model's own)
        given, study = study, with_close_in_positions(study)
        fr = dss_fault_frames(study, scenarios, staged=staged)
        bus_pos, bus_names = positions(fr.bus["scenario"].to_numpy(), fr.key_of)
        dev_pos, dev_names = positions(fr.device["scenario"].to_numpy(), fr.key_of)
        st = kept_stages(fr.staged, dev_pos, fr.key_of)
        st_high = st if fr.staged_high is fr.staged else kept_stages(fr.staged_high, dev_pos,
                                                                     fr.key_of)
        return FaultTables(take(fr.bus, bus_pos, bus_names),
                           take(fr.device, dev_pos, dev_names), st, fr.v1_pre_pu, st_high,
                           close_in=(given, study))
    if phasors is None:
        phasors = phasors_read(study)
    given = study = study_with_sites(study)
    # #17: faults also just past each device (close-in buses appended to a copy of the net;
    # existing bus indices unchanged), so duty and coordination ranges reach their top
    study = with_close_in_positions(study)
    tables = _solve_parts(study, scenarios, staged, phasors, held=held)
    twins = {n: t for n, t in (tables.twin_of or {}).items() if n != t}
    tables = replace(tables, close_in=(given, study), twin_of=tables.twin_of if twins else None)
    if tables.grid_only is not None:  # existing DER: the grid alone on every row
        tables = replace(tables, bus=with_grid_columns(tables.bus, tables.grid_only[0]),
                         device=with_grid_columns(tables.device, tables.grid_only[1]),
                         grid_only=None)
    release_freed_memory()  # the stage's transients: the allocator kept them (#21)
    return tables if held else tables.expanded()


def _solve_parts(study: Study, scenarios: list[Scenario], staged: bool, phasors: bool = True,
                 held: bool = False) -> FaultTables:
    """:func:`fault_tables` on the close-in study: base case and V2G scenarios (``held``:
    the caller keeps each charger set's rows once, for the size check)."""
    inputs = engine_inputs(study, scenarios)
    check_size(study, n_fault_scenarios=len(inputs.options["scenarios"]),
               n_scenarios=len(scenarios), staged=staged, held=held)
    # scenarios by the sites whose transformers are out of their net (one engine call each):
    # the base case's (all), a hosting search's one-site scenarios' (the other sites':
    # ``Scenario.built_sites``, review rev33b W1), the study's own (none)
    names = [s.name for s in study.document.v2g_sites
             if s.interconnection_transformer is not None]
    groups: dict[tuple[str, ...], list[Scenario]] = {}
    for sc in scenarios:
        groups.setdefault(tuple(n for n in names if not sc.is_built(n)), []).append(sc)
    nets = {out: (without_site_transformers(study.net, out) if out else None) or study.net
            for out in groups}
    if len({id(n) for n in nets.values()}) == 1:  # one net for all: one call
        return _solve(study, study.net, scenarios, staged, inputs, keep_networks=True,
                      phasors=phasors)
    order = sorted(groups, key=lambda k: not any(sc.is_base for sc in groups[k]))
    # a part with sites' transformers in (not the base case's) also solves its network's
    # part (chargers idle; the grid alone too with existing DER) for the rows the base case
    # lacks: a fault at or a device on that equipment (as on the OpenDSS path, review
    # rev34c W1 / duty34)
    has_base = any(sc.is_base for sc in groups[order[0]])
    parts = [_solve(without_devices_on(study, out), nets[out], groups[out], staged,
                    keep_networks=nets[out] is study.net, phasors=phasors,
                    network_part=has_base and k > 0)
             for k, out in enumerate(order)]
    if has_base:
        parts = network_parts(parts, {sc.name for sc in groups[order[0]] if sc.is_base})
    return _concat(parts, {sc.name: k for k, sc in enumerate(scenarios)})
