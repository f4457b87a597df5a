"""Flow studies of OpenDSS feeders in OpenDSS: the study's steps, sites on their phases.

:func:`opendss_flow_study` runs the steps of :func:`protv2g.flow.blocks.scenario_blocks` (the
same scenario axes, 96-step day and communication-loss variant as the pandapower path) on a
:class:`~protv2g.flow.opendss.DssFlowEngine` and returns a
:class:`~protv2g.flow.result.FlowResult` whose tables have the pandapower path's columns plus
the phase detail of :mod:`protv2g.flow.opendss_tables`.

Watched terminals (:func:`dss_watches`): the study's devices (by OpenDSS element and
terminal); every transformer a RegControl controls, on its source-side terminal (``REG:<name>``,
forward = the normal feed direction, ``control_mode`` = forward_locked / bidirectional /
cogeneration from the RegControl); every enabled capacitor, where its CapControl senses
(``CAP:<name>``, the control's element and terminal, ``control_mode`` = its type) or, without
a control, on the branch that feeds its bus from the source side (forward towards it).

A site is ``phases=3`` → ``abc``; a single-phase site → its ``phase``. A site with an
``interconnection_transformer`` is refused on an OpenDSS feeder (model the transformer in the
``.dss``, put the site on its low-voltage bus and name it in ``model_transformer``: the base
case's blocks then run with it open, :func:`opendss_flow`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np

from protv2g.errors import InputError, Issue
from protv2g.flow.blocks import ScenarioBlock, comm_loss_fallbacks, scenario_blocks, site_table
from protv2g.flow.day import STEP_H
from protv2g.flow.held_taps import with_held_taps
from protv2g.flow.load_vmin import below_vmin, read_loads, vmin_note
from protv2g.flow.opendss import DssFlowEngine, DssFlowSite, DssWatch
from protv2g.flow.opendss_tables import (
    branch_table,
    bus_table,
    device_table,
    directional_table,
)
from protv2g.flow.result import FlowResult
from protv2g.flow.tap_band import low_service_pu, with_band_starts
from protv2g.network.dss_graph import (
    dss_feeder_graph,
    dss_source_buses,
    hops_from_sources,
    source_side_terminal,
)
from protv2g.network.dss_model import DssModel

__all__ = ["IDLE_COLUMN", "IDLE_LOW_COLUMN", "dss_watches", "opendss_flow",
           "opendss_flow_study", "flow_sites", "with_idle_voltages"]


def dss_watches(model: DssModel, devices: Sequence[tuple[str, str, str, int]] = ()
                ) -> list[DssWatch]:
    """Watched terminals: ``devices`` ``(name, kind, element, terminal)``, then regulators and
    capacitors (module docstring)."""
    out = [DssWatch(n, k, e.lower(), int(t)) for n, k, e, t in devices]
    graph = dss_feeder_graph(model)
    hops = hops_from_sources(model, graph)
    c = model.controls[model.controls.enabled.astype(bool)]
    seen = set()
    for target, mode in zip(c.target[c.kind == "regcontrol"], c["mode"][c.kind == "regcontrol"],
                            strict=True):
        if target in seen:
            continue
        seen.add(target)
        out.append(DssWatch(f"REG:{target.split('.', 1)[1]}", "regulator", target,
                            source_side_terminal(model, target, hops), mode))
    caps = c[c.kind == "capcontrol"]
    e = model.elements
    for cap in e.name[(e.cls == "capacitor") & e.enabled]:
        ctl = caps[caps.target == cap]
        name = f"CAP:{cap.split('.', 1)[1]}"
        if len(ctl) and ctl.element.iat[0] in set(e.name[e.enabled]):
            out.append(DssWatch(name, "capacitor", ctl.element.iat[0], int(ctl.terminal.iat[0]),
                                str(ctl["mode"].iat[0])))
            continue
        feed = _feeding_branch(model, graph, hops, cap)
        if feed is not None:
            out.append(DssWatch(name, "capacitor", feed[0], feed[1], "no control"))
    return out


def _feeding_branch(model: DssModel, graph: nx.Graph, hops: dict[int, int], element: str
                    ) -> tuple[str, int] | None:
    """The branch into ``element``'s bus from the source side, and its terminal there."""
    bus = int(model.bus_index([model.elements.buses[model.elements.name == element].iat[0][0]])[0])
    if bus not in hops or hops[bus] == 0:
        return None
    up = min((n for n in graph.neighbors(bus) if hops.get(n, np.inf) == hops[bus] - 1),
             default=None)
    if up is None:
        return None
    cls, row = graph[up][bus]["elements"][0]
    name = str(model.elements.name.iat[row])
    return name, source_side_terminal(model, name, hops)


def flow_sites(document: object) -> list[DssFlowSite]:
    """The study's V2G sites as :class:`DssFlowSite` (module docstring).

    Raises
    ------
    InputError
        A site with an interconnection transformer, or a single-phase site without a phase.
    """
    out, issues = [], []
    for i, s in enumerate(document.v2g_sites):  # type: ignore[attr-defined]
        if s.interconnection_transformer is not None:
            issues.append(Issue("study", f"v2g_sites[{i}].interconnection_transformer",
                                "a site transformer is not added to an OpenDSS feeder",
                                "model the transformer in the .dss file and connect the site "
                                "to its low-voltage bus (remove interconnection_transformer)"))
        if s.phases == 1 and s.phase is None:
            issues.append(Issue("study", f"v2g_sites[{i}].phase",
                                "a single-phase site needs its phase", "add 'phase: a', 'b' or "
                                "'c' (line to neutral), or 'ab', 'bc' or 'ca' (one unit between "
                                "two conductors: a 240 V charger across a split-phase "
                                "secondary's legs is 'ab')"))
        out.append(DssFlowSite(s.name, s.bus, s.conductors, s.line_to_line))
    if issues:
        raise InputError(issues)
    return out


def opendss_flow(model: DssModel, sites: Sequence[DssFlowSite], blocks: Sequence[ScenarioBlock],
                 watches: Sequence[DssWatch], *, p_deadband_mw: float = 1e-3,
                 directional_settings: Mapping[str, object] | None = None,
                 notes: Sequence[str] = (), base_open: Sequence[str] = (),
                 not_built: Sequence[str] = (),
                 c8_limits: Mapping[str, tuple[float, float]] | None = None
                 ) -> tuple[FlowResult, DssFlowEngine]:
    """Solve ``blocks`` on ``model`` with ``sites`` and tabulate (see the module docstring).

    ``base_open``: the sites' own model transformers (``v2g_sites[].model_transformer``),
    out of the base-case blocks (a block that is its own base: ``base/peak``,
    ``base/der_off``, ``day/base``), in the others. ``not_built``: elements out of every
    block (:attr:`DssFlowEngine.not_built`). ``c8_limits``: device → C8's (phase, ground)
    limit, A: the device table's held-tap columns where a row is near it
    (:func:`~protv2g.flow.held_taps.with_held_taps`).

    A one-step block with V2G starts from its base case's solved control state (taps and
    capacitors, when the base is a one-step block: the base cases are solved first), not
    from the first solve's: the export arrives on a feeder whose controls
    settled at that load, and a regulator moves only where the export takes it out of its
    band — as a utility's would. From the peak state the light-load step's taps rest where
    each control's descent first enters its band, which depends on the export: on the IEEE
    8500 at light load the campus's 383 kW left VREG3 c one step (0.00625 pu) below the base's
    rest point and hid 0.0003 pu of the rise at x2897768c (review reg36; OpenDSS from the
    base's state: 0.00126 pu at 383 kW, the hosting figure ≈ 318 kW, not 383 kW). The 96-step
    days keep their chronology from the first solve's state.

    Returns the :class:`FlowResult` (site table left empty: the caller knows the sites'
    study entries) and the engine (its ``commands`` are the OpenDSS lines that added the
    sites).
    """
    engine = DssFlowEngine(model, sites, watches, base_open=tuple(base_open),
                           not_built=tuple(not_built))
    parts: list = [None] * len(blocks)
    settled: dict[str, dict] = {}
    own: dict[str, dict | None] = {}  # a one-step base case's own settled state (tap_band)
    states: dict[str, dict | None] = {}  # a one-step snapshot's own (held_taps)
    # the base cases first (their solved state starts their scenarios), the tables in order
    for i in sorted(range(len(blocks)), key=lambda i: blocks[i].scenario != blocks[i].base):
        b = blocks[i]
        one = len(b.load_fraction) == 1
        parts[i] = engine.solve(b.load_fraction, b.site_p_mw, sequential=not one,
                                der_fraction=b.der, base_case=b.scenario == b.base,
                                start=settled.get(b.base) if one and b.base != b.scenario
                                else None)
        if one and b.scenario != b.base:
            states[b.scenario] = engine.step_state
        if one and b.scenario == b.base:
            own[b.scenario] = engine.step_state
            if bool(parts[i].converged[0]):
                settled[b.scenario] = engine.control_state()
    arr = _concat(parts)
    sizes = [len(b.load_fraction) for b in blocks]
    offsets = np.cumsum([0, *sizes])
    where = {b.scenario: (offsets[i], offsets[i + 1]) for i, b in enumerate(blocks)}
    scen = np.concatenate([[b.scenario] * n for b, n in zip(blocks, sizes, strict=True)]
                          ).astype(object)
    step = np.concatenate([np.arange(n) for n in sizes])
    time_h = np.concatenate([b.time_h for b in blocks])
    lf = np.concatenate([b.load_fraction for b in blocks])
    base_rows = np.concatenate([np.arange(*where[b.base]) if b.base in where else
                                np.arange(*where[b.scenario]) for b in blocks])
    buses = bus_table(model, arr.v_v, base_rows, scen, step, time_h,
                      _ungrounded_steps(model, sizes, base_open, not_built))
    if base_open:
        buses = with_idle_voltages(engine, model, blocks, buses, where)
    # where in their band the regulators rest when the export starts (review rev43a M11)
    buses = with_band_starts(engine, model, blocks, buses, where,
                             _ungrounded_steps(model, [1], base_open, not_built), own)
    branches = branch_table(model, engine.branches, arr, scen, step, time_h)
    devices = device_table(model, engine.watches, engine.watch_phases, arr, engine.branches,
                           scen, step, time_h, lf, p_deadband_mw)
    # C8 rows at their limit: the taps held, and one tap's effect (review rev49b #5)
    devices = with_held_taps(engine, model, blocks, devices, where, settled, states, c8_limits)
    directional = directional_table(model, engine.watches, arr, devices,
                                    dict(directional_settings or {}), scen, step)
    bad = np.flatnonzero(~arr.converged)
    all_notes = [*notes, *engine.notes]
    # the model's loads below their Vminpu: OpenDSS holds them at constant impedance (rev51 #1)
    loads = read_loads(engine._dss, model)
    low = below_vmin(loads, arr.v_v, scen, step)
    if (vmin := vmin_note(low, len(loads.name), len(lf))) is not None:
        all_notes.append(vmin)
    if len(bad):
        all_notes.append(f"{len(bad)} of {len(lf)} steps did not converge in OpenDSS (NaN): "
                         + ", ".join(f"{scen[k]} step {step[k]}" for k in bad[:10]))
    meta = {"solver": "opendss", "iterations": int(arr.iterations.max(initial=0)),
            "steps": int(len(lf)), "notes": all_notes, "p_deadband_mw": p_deadband_mw,
            "site_elements": list(engine.commands), "converged_steps": int(arr.converged.sum()),
            "sources": sorted(dss_source_buses(model))}
    empty_sites = site_table([], [])
    return (FlowResult(devices, buses, branches, empty_sites, directional, meta,
                       loads_vmin=low), engine)


def _ungrounded_steps(model: DssModel, sizes: Sequence[int], base_open: Sequence[str],
                      not_built: Sequence[str]) -> np.ndarray | None:
    """``(steps, buses)`` bool: the buses C12 judges line to line — those with no ground
    path in the feeder's own network, without ``base_open`` (the sites' own transformers)
    and ``not_built``, in EVERY step (:func:`~protv2g.flow.opendss_ground.ungrounded_buses`);
    None when nothing is out (the model's own in every step).

    Review rev42b W1: on IEEE 37 (Δ–Δ substation) with a site behind a grounded-wye / delta
    transformer, 799 was judged phase to ground in the base case too (0.871 pu, the floating
    reference of an ungrounded system) instead of line to line (0.923 pu, OpenDSS). The
    voltage judged follows the feeder's own grounding in the V2G steps as well (ver42 W:
    judged phase to ground there, 799 read "made worse by V2G" against a line-to-line base
    though the export raises it): the loads of an ungrounded feeder are connected line to
    line (there is no neutral to connect them to), and a project's grounded-wye winding does
    not reconnect them — it changes the ground-fault currents (C5 reads its network per
    scenario, :mod:`protv2g.checks.reach_ungrounded`), not the service voltage the
    customers see (ANSI C84.1)."""
    if not base_open and not not_built:
        return None
    from protv2g.flow.opendss_ground import ungrounded_buses
    from protv2g.network.dss_site_transformers import without_elements

    feeder = without_elements(model, [*base_open, *not_built])
    built = without_elements(model, not_built)
    flags = np.array(ungrounded_buses(feeder), dtype=bool)  # one (buses,) mask for every step
    # the project's own buses (its transformers' secondaries: dead without them) by the
    # network they exist in (ll42's slip: IEEE 37's campus_lv, dead in the feeder's own
    # network, was taken as ungrounded there and its unbalance rows lost) — that network's
    # decision read only where it has such a bus
    own = ~feeder.buses.energized.to_numpy(bool) & built.buses.energized.to_numpy(bool)
    if own.any():
        flags[own] = np.asarray(ungrounded_buses(built), dtype=bool)[own]
    return np.broadcast_to(flags, (int(sum(sizes)), len(model.buses)))


#: Column of the bus table (after :data:`~protv2g.flow.opendss_tables.DSS_BUS_EXTRA`, only
#: when the study has sites' own model transformers) of :func:`with_idle_voltages`.
IDLE_COLUMN = "vm_idle_pu"
#: Column of the same rows' **lowest** phase voltage idle, pu (the lowest line-to-line one
#: on a bus with no path to ground): C12's under-voltage rows at a site's own bus are
#: judged against it (:mod:`protv2g.checks.flow_low`, review rev38b W3).
IDLE_LOW_COLUMN = "vm_idle_low_pu"


def with_idle_voltages(engine: DssFlowEngine, model: DssModel, blocks: Sequence[ScenarioBlock],
                       buses: object, where: Mapping[str, tuple[int, int]]) -> object:
    """``buses`` with :data:`IDLE_COLUMN` (and :data:`IDLE_LOW_COLUMN`, the lowest phase, the
    lowest line-to-line voltage on a bus with no ground path): on
    a base-case row of a bus only the sites' own
    transformers energise (NaN in the base case: out of it), the voltage C12 judges there
    (the highest of ``vm_pu`` and the phases; on a bus with no ground path the higher of
    ``vm_pu`` and ``vm_ll_max_pu``) with the transformers **in** and every site idle, the same
    load and existing DER; NaN on every other row.

    What sets a site's own low-voltage bus with its chargers idle is its transformer's
    no-load ratio (its tap) on the feeder's voltage: a V2G scenario's voltage there is judged
    against it (:mod:`protv2g.checks.flow_site_tap`, review rev31 §3), as a feeder bus's is
    against its base case. One more flow step per base-case step (OpenDSS, the engine's
    compiled copy; the model is not changed)."""
    import pandas as pd

    idle = np.full(len(buses), np.nan)
    idle_low = np.full(len(buses), np.nan)
    nb = len(model.buses)
    for b in blocks:
        if b.scenario != b.base or b.scenario not in where:
            continue
        arr = engine.solve(b.load_fraction, np.zeros_like(b.site_p_mw),
                           sequential=len(b.load_fraction) > 1, der_fraction=b.der,
                           all_built=True)
        n = len(b.load_fraction)
        tab = bus_table(model, arr.v_v, np.arange(n), np.array([b.scenario] * n, dtype=object),
                        np.arange(n), b.time_h)
        cols = [c for c in ("vm_pu", "vm_a_pu", "vm_b_pu", "vm_c_pu") if c in tab.columns]
        vm = np.fmax.reduce([tab[c].to_numpy(float) for c in cols])
        ll = tab["vm_ll_max_pu"].to_numpy(float)
        vm = np.where(np.isnan(ll), vm, np.fmax(tab["vm_pu"].to_numpy(float), ll))
        low = low_service_pu(tab)
        lo, hi = where[b.scenario]
        rows = slice(lo * nb, hi * nb)
        # out of the base case: NaN there in a step that solved (a step that did not is NaN
        # at every bus, and stays so)
        base_vm = buses["vm_pu"].to_numpy(float)[rows].reshape(n, nb)
        dead = np.isnan(base_vm) & ~np.isnan(base_vm).all(axis=1, keepdims=True)
        idle[rows] = np.where(dead.ravel(), vm, np.nan)
        idle_low[rows] = np.where(dead.ravel(), low, np.nan)
    out = buses.copy(deep=False)
    out[IDLE_COLUMN] = pd.Series(idle, index=buses.index)
    out[IDLE_LOW_COLUMN] = pd.Series(idle_low, index=buses.index)
    return out


def _concat(parts: list) -> object:
    first = parts[0]
    kw = {k: np.concatenate([getattr(p, k) for p in parts], axis=0)
          for k in first.__dataclass_fields__}
    return type(first)(**kw)


def opendss_flow_study(document: object, model: DssModel,
                       devices: Sequence[tuple[str, str, str, int]] = (), *,
                       day: bool | None = None, comm_loss_step: int | None = None,
                       comm_loss_fallback: str | Mapping[str, str] | None = None,
                       p_deadband_mw: float = 1e-3,
                       day_assumptions: Mapping[str, float] | None = None,
                       directional_settings: Mapping[str, object] | None = None,
                       base_open: Sequence[str] | None = None,
                       not_built: Sequence[str] = (),
                       c8_limits: Mapping[str, tuple[float, float]] | None = None
                       ) -> FlowResult:
    """Every flow scenario of a study on an OpenDSS feeder (see the module docstring).

    Parameters
    ----------
    document : StudyDocument
        The study file (scenario axes, sites, their days).
    model : DssModel
        The feeder (not changed; its master is compiled again for the flows).
    devices : sequence of (name, kind, element, terminal)
        The study's devices on the model's elements.
    day, comm_loss_step, comm_loss_fallback, p_deadband_mw, day_assumptions
        As :func:`protv2g.flow.flow_study`.
    directional_settings : mapping device → DirectionalSettings, optional
        67P/32 are evaluated on every step for these devices.
    base_open : sequence of str, optional
        Elements out of the base case (``"transformer.depot_xf"``); default the document's
        sites' own model transformers. The hosting search's one-site variants pass the whole
        study's (:func:`protv2g.pipeline_flow.flow_tables`): the base case is the feeder
        without the project, whichever site exports.
    not_built : sequence of str
        Elements out of every scenario: a one-site variant's other sites' own transformers
        (the sites it does not build; review rev33b W1).
    c8_limits : mapping device → (phase A, ground A), optional
        C8's limits: the held-tap columns of the rows near them (:mod:`protv2g.flow.held_taps`).

    Returns
    -------
    FlowResult

    Raises
    ------
    InputError
        Bad communication-loss settings, sites the OpenDSS path cannot place.

    Example
    -------
    >>> devs = [("r1", "recloser", "line.l1", 1)]
    >>> res = opendss_flow_study(study.document, model, devs)  # doctest: +SKIP
    >>> res.devices.query("reverse_flow")[["device", "reverse_phases"]]  # doctest: +SKIP
    """
    if comm_loss_step is None:
        comm_loss_step = getattr(document.scenarios, "comm_loss_step", None)  # type: ignore
    if comm_loss_step is not None and not 0 <= comm_loss_step < round(24 / STEP_H):
        raise InputError(Issue("study", "scenarios.comm_loss_step",
                               f"step {comm_loss_step} is outside the day (0–95)",
                               "give a step between 0 and 95 (15-minute steps from 00:00)"))
    try:
        blocks, notes = scenario_blocks(document, day, comm_loss_step, comm_loss_fallback,
                                        day_assumptions)
    except ValueError as exc:
        raise InputError(Issue("study", "v2g_sites[].comm_loss_fallback", str(exc),
                               "use cease_export, hold_last or revert_to_charging")) from None
    sites = flow_sites(document)
    from protv2g.study.dss_site_transformers import site_transformer_names

    res, _engine = opendss_flow(model, sites, blocks, dss_watches(model, devices),
                                p_deadband_mw=p_deadband_mw,
                                directional_settings=directional_settings, notes=notes,
                                base_open=(site_transformer_names(document)
                                           if base_open is None else tuple(base_open)),
                                not_built=not_built, c8_limits=c8_limits)
    meta = dict(res.meta)
    meta["comm_loss_step"] = comm_loss_step
    meta["comm_loss_fallback"] = ({k: v.value for k, v in comm_loss_fallbacks(
        list(document.v2g_sites), comm_loss_fallback).items()}  # type: ignore[attr-defined]
        if comm_loss_step is not None else None)
    return FlowResult(res.devices, res.buses, res.branches,
                      site_table(document.v2g_sites, blocks),  # type: ignore[attr-defined]
                      res.directional, meta, loads_vmin=res.loads_vmin)
