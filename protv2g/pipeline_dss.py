"""The OpenDSS branch of the pipeline: a study on an OpenDSS feeder through the phase path.

:mod:`protv2g.pipeline` calls these for a study whose feeder is a
:class:`~protv2g.network.dss_model.DssModel` (``study.model``); they return the same tables as
the pandapower branch, so the checks, the gate and the report see one shape.

Faults (:func:`dss_fault_frames`): one :func:`protv2g.engine.phase.phase_fault_study` over the
distinct charger sets of the scenarios (the same sets as the sequence path,
:func:`protv2g.study.engine_inputs.fault_scenarios`), each exporting site a
:class:`~protv2g.engine.phase.PhaseSite` on its phases (a single-phase fleet on its phase);
the feeder's PV systems and storage by the chargers' default model (first cycle, sustained
brackets, trips: :class:`protv2g.engine.der_model.InverterModel`) in every run's maximum case,
base case included, ceased in the minimum case (``existing_inverters="law"``,
:mod:`protv2g.engine.phase.der`) — but a minimum-case device row is the lower of them ceased
and in (each set solved again with them in its minimum case: :mod:`protv2g.pipeline_der_min`,
review rev34c M4); machines as OpenDSS has them. Fault buses
(:func:`study_fault_buses`): the primary buses (above 1 kV) and the low-voltage terminal buses
of every element that carries a study device — a service or site transformer's secondary
terminals, where the fuse on its high-voltage side is judged (through-fault at the secondary
terminals: IEEE Std C37.48.1-2002 §6, IEEE Std C57.109-2018 §4, recalled) and where the
devices above it see faults behind a transformer (judged by the rules for those: C1–C4's
pairs, :mod:`protv2g.checks.beyond_transformer`; C5 leaves low voltage out for a device on a
medium-voltage bus but the transformer fuse's own secondary terminals,
:mod:`protv2g.topology_reach`). The tables:

* ``fault_type`` names the faulted phases where a fault has a choice of them: ``3ph``,
  ``LL-bc``, ``LLG-ab``, ``SLG-a`` … — one fault per row, so the checks, which identify a
  fault by (scenario, bus, type, case), see every phase combination apart; ``fault_kind``
  keeps the bare type (``SLG``) and ``phase`` the phases;
* device rows are kept where the device sees at least :data:`DEVICE_ROW_MIN_A` in a phase or in
  ``3·I0`` (no protective device picks up below it; a fuse sees nothing of the faults on
  another lateral) — a utility feeder's table is then a few tens of thousands of rows instead
  of devices × faults; the same rule as the pandapower path's
  (:mod:`protv2g.engine.device_rows`);
* with such inverters and a base case, the **grid alone** is solved too (no existing
  inverter, no charger: :data:`~protv2g.study.engine_inputs.GRID_ONLY`) and its phasors are on
  every bus and device row as the :data:`~protv2g.checks.converter_sum.GRID_COLUMNS`, as the
  pandapower branch does: the maximum case's IEC 60909 sum is then
  ``|I_grid| + |I_base − I_grid| + |I − I_base|`` on both paths (each full-size converter
  group by magnitude, IEC 60909-0:2016; ``docs/charger-fault-model.md`` §8);
* the chargers' stages in time (sustained limit, momentary cessation, trips;
  :mod:`protv2g.engine.phase.stages`) of the low bracket and, with ``faults.high_bracket:
  sustained_limit``, of the high one (:func:`protv2g.study.engine_inputs.high_bracket_sets`),
  as :class:`~protv2g.engine.staged_tables.StagedCurrents` aligned with the kept device rows —
  so the time-based checks integrate operate times through the stages as on the pandapower
  path (``docs/charger-fault-model.md`` §3.1).

A site's own transformer in the model (``v2g_sites[].model_transformer``, it comes with the
project) is out of the base case: the base scenarios' faults are solved on the model without
it (:func:`~protv2g.network.dss_site_transformers.without_elements`), the V2G scenarios' on
the model with it — the pandapower path's rule for ``interconnection_transformer``
(:mod:`protv2g.pipeline`) —, and the flows' base blocks run with its terminals open. A
hosting search's one-site scenario builds its site only: the other sites' transformers are
out of its faults and flows (``Scenario.built_sites``; review rev33b W1). A fault at the
site's own buses or a device on its transformer has no base row: that call also solves its
chargers idle (:data:`SITES_IDLE`; with existing inverters the grid alone too,
:data:`SITES_GRID`), whose phasors are the network's part of those rows
(:func:`~protv2g.pipeline_blocks.with_network_columns`, the IEC 60909 sum of
:mod:`protv2g.checks.converter_sum`; review rev34c W1, rev34b L1); the base case's rows at
the site's own buses (dead there, 0 kA) are left out (rev34b F2).

Flows (:func:`dss_flow`): :func:`protv2g.flow.opendss_study.opendss_flow_study` with the study's
devices on their OpenDSS elements.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.engine.key_columns import concat_keyed, key_column
from protv2g.engine.phase import PhaseDevice, PhaseFaultResult, PhaseSite, phase_fault_study
from protv2g.engine.phase.faults import fault_rows
from protv2g.engine.staged_tables import StagedCurrents
from protv2g.errors import InputError, Issue
from protv2g.flow.opendss_study import opendss_flow_study
from protv2g.flow.result import FlowResult
from protv2g.network.dss_site_transformers import without_elements
from protv2g.pipeline_blocks import idle_positions, with_grid_columns, with_network_columns
from protv2g.pipeline_der_min import (
    DER_IN_COLUMN,
    DER_IN_MIN,
    der_min_twins,
    lower_with_der,
    with_idle_sustained,
)
from protv2g.scenarios import Scenario
from protv2g.study.dss_site_transformers import site_transformer_names, transformers_out
from protv2g.study.engine_inputs import (
    EXISTING_INVERTERS,
    GRID_ONLY,
    SITES_GRID,
    SITES_IDLE,
    fault_options,
    fault_scenarios,
    high_bracket_sets,
)
from protv2g.study.loader import Study
from protv2g.topology_fault_buses import low_voltage_zone_buses

__all__ = ["DssFaultFrames", "device_v1_pre", "dss_fault_frames", "dss_flow", "dss_devices",
           "fold_fault_type", "study_fault_buses", "DEVICE_ROW_MIN_A", "SITES_IDLE", "SITES_GRID"]

#: The network part with every charger idle, solved with the existing inverters in its
#: minimum case (:mod:`protv2g.pipeline_der_min`: both ends kept, each row reads its own).
_IDLE_DER_IN = f"{SITES_IDLE}{DER_IN_MIN}"
#: Bytes per (set, case, device, fault) of the engine's device arrays (current and voltage,
#: three complex phasors each) plus slack.
_BYTES_PER_ARRAY_ROW = 128
#: Bytes per (set, case, device, fault) of one bracket's stages: float32 |Ia|, |Ib|, |Ic|,
#: |3I0| (16 B) per stage for about four stages (first cycle, sustained, two trips), the
#: stage times and slack (``engine/phase/stages.py``).
_BYTES_PER_STAGED_ROW = 96


def dss_devices(study: Study) -> list[PhaseDevice]:
    """The study's devices on their OpenDSS element terminals, in study order."""
    return [PhaseDevice(name, s.element_name, s.terminal)
            for name, s in study.device_sites.items()]


def study_fault_buses(study: Study) -> np.ndarray:
    """The OpenDSS path's fault buses: a boolean mask over ``study.model.buses``.

    * Every primary bus (above 1 kV, ``buses.primary``);
    * every low-voltage bus (1 kV or less) at a terminal of an element that carries a study
      device — for a fuse on a service transformer's high-voltage side (``location: {trafo:
      X, side: hv}``) the transformer's secondary terminal bus, the through-fault at which a
      transformer fuse is judged (IEEE Std C37.48.1-2002 §6 and IEEE Std C57.109-2018 §4,
      recalled) and the only faults in its own zone; for a device on a low-voltage line,
      both its ends. Without them a device whose zone holds only low-voltage buses had no
      fault rows (review rev32a W2: ``gate: ERROR``, "no engine result for device F-SVC");
    * every low-voltage bus that is a **reach requirement** of a study device (its primary
      or backup zone by :func:`protv2g.topology_reach.reach_zones`, the rule C5 judges): in
      practice the zone of a device on a low-voltage element — a relay on a 416 V feeder's
      head line protects that feeder's buses, whatever their voltage (review rev34b W2: on
      the European LV test feeder only ``sourcebus``, ``1`` and the head's close-in point
      were faulted, none of the 905 buses of the zone; C5 judged nothing and the gate
      said PASS). A device on a medium-voltage bus has no low-voltage requirement but its
      own transformer's secondary terminals (:mod:`protv2g.topology_reach`), so a utility
      feeder's service secondaries behind a distribution transformer with no study device
      stay out (the IEEE 8500 has about 2,350; ``protv2g faults --secondaries`` faults them
      all) and its fault bus count does not change. The zones are walked only when a device
      sits on a low-voltage (or unknown-voltage) bus
      (:func:`protv2g.topology_fault_buses.low_voltage_zone_buses`).

    The other buses stay reduced exactly into the network (Kron).

    Examples
    --------
    >>> mask = study_fault_buses(study)  # doctest: +SKIP
    >>> study.model.buses.index[mask & ~study.model.buses.primary]  # doctest: +SKIP
    Index(['x_b13552-a'], dtype='object', name='bus')
    """
    model = study.model
    tab = model.buses
    wanted = tab.primary.to_numpy(bool).copy()
    lv = ~wanted
    elements = model.elements
    for site in study.device_sites.values():
        names = elements.buses.iat[site.element_index] if 0 <= site.element_index < len(
            elements) else ()
        pos = model.bus_index(list(names))
        pos = pos[pos >= 0]
        wanted[pos[lv[pos]]] = True
    zone = low_voltage_zone_buses(study.feeder, study.device_sites)
    wanted[zone[(zone >= 0) & (zone < len(wanted))]] = True
    return wanted


def _fault_bus_names(study: Study) -> list[str]:
    """:func:`study_fault_buses` by name (``phase_fault_study(buses=...)``)."""
    return list(study.model.buses.index[study_fault_buses(study)])


def _phases(study: Study) -> dict[str, tuple[str, bool]]:
    """Site name → (conductors, line to line) (:attr:`~protv2g.study.schema_sites.V2GSite.
    conductors`: ``"abc"``, ``"b"``, ``"ab"`` with ``True`` for a unit between two phases)."""
    return {s.name: (s.conductors, s.line_to_line) for s in study.document.v2g_sites}


def phase_sites(study: Study, sets: dict) -> dict[str, list[PhaseSite]]:
    """Charger sets (key → ``ChargerSource`` list, :func:`fault_scenarios`) as the phase
    engine's sites: each source on its bus and phases (a ``phase: ab`` site one single-phase
    unit between a and b)."""
    phases = _phases(study)
    return {key: [PhaseSite(src, study.bus_name(src.bus), *phases[src.name])
                  for src in sources] for key, sources in sets.items()}


def fold_fault_type(frame: pd.DataFrame, key: bool = True) -> pd.DataFrame:
    """``fault_type`` with the faulted phases (``SLG-a``; ``3ph`` stays), ``fault_kind`` the
    bare type (module docstring). ``key``: ``fault_type`` a categorical
    (:func:`~protv2g.engine.key_columns.key_column`, the bus and device tables, #21), else
    an object column (the sites' table)."""
    kind = frame["fault_type"].astype(str).to_numpy()
    # a few distinct (type, phases) pairs over many rows: each label built once
    ck, kinds = pd.factorize(kind)
    cp, phases = pd.factorize(frame["phase"].astype(str).to_numpy())
    pair, inverse = np.unique(ck * max(len(phases), 1) + cp, return_inverse=True)
    names = np.array([kinds[k] if kinds[k] == "3ph" else f"{kinds[k]}-{phases[p]}"
                      for k, p in zip(*np.divmod(pair, max(len(phases), 1)), strict=True)],
                     dtype=object)
    inverse = inverse.ravel()
    out = frame.assign(fault_type=key_column(names, inverse) if key else names[inverse])
    out.insert(out.columns.get_loc("fault_type") + 1, "fault_kind", kind)
    return out


@dataclass(frozen=True)
class DssFaultFrames:
    """What :func:`dss_fault_frames` returns, per distinct charger set (``scenario`` = its
    key; ``key_of``: study scenario → key).

    ``staged`` / ``staged_high``: the stages of the low / high bracket aligned row by row
    with ``device`` (``None`` when not solved: ``staged=False``, no devices, or
    ``staged_high`` with ``faults.high_bracket: first_cycle_held``); ``staged_high is
    staged`` when no site's sustained limit differs between the brackets. ``v1_pre_pu``:
    ``(case, device bus) → V1`` the engine's pre-fault positive-sequence voltage at each
    three-phase device terminal (pu, device-phasor reference), as the pandapower branch
    fills :attr:`protv2g.pipeline.FaultTables.v1_pre_pu` (relays' memory polarisation).
    """

    bus: pd.DataFrame
    device: pd.DataFrame
    key_of: dict[str, str]
    staged: StagedCurrents | None = None
    staged_high: StagedCurrents | None = None
    v1_pre_pu: dict[tuple[str, int], complex] = field(default_factory=dict)


def dss_fault_frames(study: Study, scenarios: Sequence[Scenario], *, staged: bool = True
                     ) -> DssFaultFrames:
    """Bus and device tables per distinct charger set, each scenario's set, and the
    chargers' stages in both brackets (module docstring).

    With sites' own model transformers (``v2g_sites[].model_transformer``) the base-case
    scenarios are solved on the model without them
    (:func:`~protv2g.network.dss_site_transformers.without_elements`: the feeder as it is
    today), the V2G scenarios on the model with them, and the tables put together — the
    pandapower path's rule (:mod:`protv2g.pipeline`); the grid alone (existing inverters) is
    the base part's on every row, as there. A scenario that builds only some sites
    (``Scenario.built_sites``, the hosting search's) is solved without the other sites'
    transformers (:func:`~protv2g.study.dss_site_transformers.transformers_out`).

    Raises
    ------
    InputError
        When the engine's arrays would not fit in memory, or for bad input the engine finds.
    """
    scenarios = list(scenarios)
    if not site_transformer_names(study.document):
        return _fault_frames(study, scenarios, staged)
    # scenarios by the transformers out of their model (one engine call each): the base
    # case's (all), a hosting search's one-site scenarios' (the other sites', review rev33b
    # W1), the study's own (none); the part with the base case first (its grid-only
    # phasors go on every later part's rows)
    groups: dict[tuple[str, ...], list[Scenario]] = {}
    for sc in scenarios:
        groups.setdefault(transformers_out(study.document, sc), []).append(sc)
    order = sorted(groups, key=lambda k: not any(sc.is_base for sc in groups[k]))
    has_base = any(sc.is_base for sc in groups[order[0]])
    # a part with sites' equipment in (not the base case's) also solves its network's part
    # (chargers idle; the grid alone too with existing DER) for the rows the base case
    # lacks: a fault at or a device on that equipment (review rev34c W1, rev34b L1)
    parts = [_fault_frames(replace(study, model=without_elements(study.model, out))
                           if out else study, groups[out], staged, without=out,
                           network_part=has_base and k > 0)
             for k, out in enumerate(order)]
    if len(parts) == 1:
        return parts[0]
    base_keys = {parts[0].key_of[sc.name] for sc in groups[order[0]] if sc.is_base}
    from protv2g.directional.settings import any_forward_directional_relay

    return _concat_frames(parts, base_keys, voltages=any_forward_directional_relay(
        study.document.devices))


def _concat_frames(parts: list[DssFaultFrames], base_keys: Collection[str] = (),
                   voltages: bool = False) -> DssFaultFrames:
    """The frames of several engine calls as one (rows part after part, the base part
    first; its grid-only phasors on every later part's rows).

    ``base_keys``: the first part's base-case charger sets. A later part's row whose fault
    (and device) the base case lacks — a fault at or a device on a site's own equipment —
    gets that part's own network phasors (:data:`SITES_IDLE` as the
    :data:`~protv2g.checks.converter_sum.NET_COLUMNS`, and :data:`SITES_GRID` as its grid
    columns on a feeder with existing DER); the base part's rows at a bus that is dead
    there and live in a later part (the equipment's own buses) are left out: the bus is
    not in the base case, and a 0 kA row read as its fault level (review rev34b F2/L2).
    ``voltages`` (a forward-directional relay): the idle rows' voltages too
    (:data:`~protv2g.checks.converter_sum.IDLE_VOLTAGE_COLUMNS`)."""
    first = parts[0]
    fb = first.bus
    live_later = set().union(*(
        set(p.bus["bus"].to_numpy()[p.bus["energized"].to_numpy(bool)].tolist())
        for p in parts[1:])) if "energized" in fb.columns else set()
    if live_later:  # the equipment's own buses: not in the base case
        dead = ~fb["energized"].to_numpy(bool) & fb["bus"].isin(live_later).to_numpy()
        if dead.any():
            fb = fb[~dead].reset_index(drop=True)
    bus, dev = [fb], [first.device]
    grid = "ia_grid_ka" in first.bus.columns
    base_bus = fb[fb["scenario"].isin(base_keys)] if base_keys else None
    base_dev = first.device[first.device["scenario"].isin(base_keys)] if base_keys else None
    for p in parts[1:]:
        b, d = p.bus, p.device
        if grid:
            b = with_grid_columns(b, first.bus[first.bus["scenario"] == GRID_ONLY])
            if len(d):
                d = with_grid_columns(d, first.device[first.device["scenario"] == GRID_ONLY])
        if base_bus is not None and (b["scenario"] == SITES_IDLE).any():
            b = with_network_columns(b, base_bus, SITES_IDLE, SITES_GRID if grid else None)
            if len(d):  # each device row against the idle row of the end it took
                d = with_network_columns(d, base_dev, SITES_IDLE, SITES_GRID if grid else None,
                                         idle_der_in=_IDLE_DER_IN, voltages=voltages)
                if DER_IN_COLUMN in d.columns:  # and its sustained stage there (C5)
                    d = with_idle_sustained(d, idle_positions(d, SITES_IDLE, _IDLE_DER_IN),
                                            p.staged, p.staged_high)
        bus.append(b)
        dev.append(d)
    key_of: dict[str, str] = {}
    v1: dict[tuple[str, int], complex] = {}
    for p in parts:
        key_of.update(p.key_of)
        v1.update(p.v1_pre_pu)
    st = st_high = None
    # a part without device rows (every device on a site transformer: out of its model)
    # has no stages and adds no row to align them with
    parts_st = [p for p in parts if len(p.device)] or parts
    if all(p.staged is not None for p in parts_st):
        st = StagedCurrents.concat([p.staged for p in parts_st])  # type: ignore[misc]
    if all(p.staged_high is not None for p in parts_st):
        st_high = st if all(p.staged_high is p.staged for p in parts_st) else (
            StagedCurrents.concat([p.staged_high for p in parts_st]))  # type: ignore[misc]
    return DssFaultFrames(concat_keyed(bus, ignore_index=True),
                          concat_keyed([d for d in dev if len(d)] or dev[:1],
                                       ignore_index=True),
                          key_of, st, st_high, v1)


def _fault_frames(study: Study, scenarios: list[Scenario], staged: bool,
                  without: Sequence[str] = (), network_part: bool = False) -> DssFaultFrames:
    """:func:`dss_fault_frames` on one model; the devices on elements ``without`` (the
    sites' own transformers, out of the base case) are left out: a fuse on such a
    transformer comes with it (review rev32a W4), and its current from the element's
    admittance on a model without the element would be fictitious. ``network_part``: also
    solve :data:`SITES_IDLE` (and :data:`SITES_GRID` with existing DER) on this model,
    their rows in the tables under those keys (no study scenario maps to them)."""
    model = study.model
    doc = study.document.faults
    sets, key_of = fault_scenarios(study, list(scenarios))
    # existing inverters (their high bracket differs) and the grid alone for the IEC sum
    der = bool(model.inverters)
    grid = der and any(sc.is_base for sc in scenarios)
    bare = (GRID_ONLY,) if grid else ()
    if grid:
        sets = {**sets, GRID_ONLY: ()}
    if network_part:  # one set more (two with existing DER): the network's part here
        sets = {**sets, SITES_IDLE: ()}
        if der:
            sets = {**sets, SITES_GRID: ()}
            bare += (SITES_GRID,)
    # existing DER: each set again with it in the minimum case, each device row the lower
    # (:mod:`protv2g.pipeline_der_min`, review rev34c M4); the network part with every
    # charger idle too, both its ends kept: each compared row reads the end it took (ver36
    # V2/V3 — its DER-out end alone, or its own lower end, read the PV's amperes as the
    # chargers' where the V2G row took the other)
    twins = der_min_twins(sets, {*bare}) if der else {}
    sets = {**sets, **{t: sets[k] for k, t in twins.items()}}
    site_scen = phase_sites(study, sets)
    out = {str(e).lower() for e in without}
    devices = [d for d in dss_devices(study) if str(d.element).lower() not in out]
    staged = staged and bool(devices)
    high_sets = high_bracket_sets(study, sets) if (
        staged and doc.high_bracket == "sustained_limit") else None
    two = high_sets is not None and (high_sets != sets or der)
    _check_size(study, len(site_scen), len(devices), staged, two)
    try:
        res = phase_fault_study(
            model, fault_types=doc.fault_types, cases=doc.cases, **fault_options(study),
            scenarios=site_scen, buses=_fault_bus_names(study),
            devices=devices, existing_inverters="law", inverter_model=EXISTING_INVERTERS,
            staged=staged, without_existing=bare, der_in_min={t: k for k, t in twins.items()},
            high_bracket=phase_sites(study, high_sets) if two else None,
            staged_device_min_a=DEVICE_ROW_MIN_A)
    except InputError as exc:
        raise InputError([Issue(str(study.path), f"feeder ({study.document.feeder.opendss}): "
                                f"{i.field}".rstrip(": "), i.message, i.fix)
                          for i in exc.issues]) from None
    bus = fold_fault_type(res.bus)
    if grid:  # the grid alone's phasors on every row (its own rows stay: no key maps to them)
        bus = with_grid_columns(bus, bus[bus["scenario"] == GRID_ONLY])
    if not devices:
        return DssFaultFrames(bus, pd.DataFrame(columns=[
            "scenario", "device", "fault_bus", "fault_bus_name", "fault_type", "fault_kind",
            "case", "phase", "ia_ka", "ib_ka", "ic_ka", "i3i0_ka"]), key_of)
    device = fold_fault_type(res.device_rows(DEVICE_ROW_MIN_A))
    if grid:
        device = with_grid_columns(device, device[device["scenario"] == GRID_ONLY])
    low = high = None
    if staged:
        low = _folded(res.staged_currents("low", DEVICE_ROW_MIN_A))
        if two:
            high = _folded(res.staged_currents("high", DEVICE_ROW_MIN_A))
        elif high_sets is not None:
            high = low
    device, (low, high_l), _ = lower_with_der(device, twins, low, high,
                                              ground=_ground_devices(study),
                                              keep=(SITES_IDLE,))
    high = low if high is low else high_l
    v1_pre = device_v1_pre(study, res, [d.name for d in devices])
    return DssFaultFrames(bus, device, key_of, low, high, v1_pre)


def _ground_devices(study: Study) -> set[str]:
    """The study's devices with a ground element (a relay's ``ground_pickup_a``, a
    recloser's ``ground_min_trip_a``)."""
    return {d.name for d in study.document.devices
            if getattr(d, "ground_pickup_a", None) is not None
            or getattr(d, "ground_min_trip_a", None) is not None}


def device_v1_pre(study: Study, res: PhaseFaultResult, names: Sequence[str]
                  ) -> dict[tuple[str, int], complex]:
    """``(case, device bus) → V1`` of the devices ``names`` (``res``'s device order) whose
    terminal has all three phases: the relays' memory polarisation."""
    out: dict[tuple[str, int], complex] = {}
    if res.device_v1_pre_pu is None:
        return out
    for c, case in enumerate(res.cases):
        for d, name in enumerate(names):
            v = complex(res.device_v1_pre_pu[c, d])
            if np.isfinite(v.real) and np.isfinite(v.imag):
                out[(case.value, int(study.device_sites[name].bus))] = v
    return out


def _folded(st: StagedCurrents) -> StagedCurrents:
    """``st`` with its site table's ``fault_type`` folded like the device table's."""
    sites = fold_fault_type(st.sites, key=False) if len(st.sites) else st.sites
    return replace(st, site_rows=sites)


def _check_size(study: Study, n_sets: int, n_devices: int, staged: bool = False,
                two_brackets: bool = False) -> None:
    model = study.model
    doc = study.document.faults
    tab = model.buses
    has = np.array([[p in ph for p in "abc"] for ph in tab.phases], dtype=bool)
    wanted = study_fault_buses(study)
    n_rows = len(fault_rows(np.flatnonzero(wanted), has[wanted], doc.fault_types))
    per_row = _BYTES_PER_ARRAY_ROW + (staged * (1 + two_brackets) * _BYTES_PER_STAGED_ROW)
    need = n_sets * len(doc.cases) * max(n_devices, 1) * n_rows * per_row
    try:
        budget = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        budget = 4 * 2**30
    if need > budget:
        raise InputError(Issue(
            str(study.path), "scenarios",
            f"the fault study needs about {need / 2**30:.1f} GiB ({n_sets} charger sets × "
            f"{len(doc.cases)} cases × {n_devices} devices × {n_rows} faults), more than the "
            f"{budget / 2**30:.1f} GiB allowed",
            "any of: fewer scenarios (scenarios.export_levels_fraction / export_levels_kw, "
            "participation, load_levels); fewer fault types or cases (faults.fault_types, "
            "faults.cases); fewer devices, or split them into several studies; "
            "`protv2g run --no-hosting` (or `gate --no-hosting`: hosting runs its own "
            "scenarios through this check) or a smaller `protv2g hosting --grid`; "
            "first-cycle only (`run_study(..., staged=False)`); or a machine with more "
            "memory (the limit is half of it)"))


def dss_flow(study: Study, day: bool, base_open: Sequence[str] | None = None,
             not_built: Sequence[str] = (),
             c8_limits: Mapping[str, tuple[float, float]] | None = None) -> FlowResult:
    """The study's flows in OpenDSS (its own scenario axes; the 96-step day when ``day``);
    ``base_open``: the elements out of the base case (default: the study's sites' own model
    transformers, :func:`~protv2g.flow.opendss_study.opendss_flow_study`); ``not_built``:
    out of every scenario (a hosting variant's other sites' transformers); ``c8_limits``:
    C8's limits, for the held-tap columns (:mod:`protv2g.flow.held_taps`)."""
    devices = [(name, d.kind.value, study.device_sites[name].element_name,
                study.device_sites[name].terminal)
               for name, d in ((d.name, d) for d in study.document.devices)
               if name in study.device_sites]
    return opendss_flow_study(study.document, study.model, devices, day=day,
                              base_open=base_open, not_built=not_built,
                              c8_limits=c8_limits)
