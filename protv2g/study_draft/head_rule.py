"""Init's feeder-head relay rule applied to a model and the devices on it: the fault study it
reads and the proposals (:func:`protv2g.study_draft.head_relay.propose_relay` per head).

One place for both users of the rule: ``protv2g init`` drafting a study from the model's own
devices (:func:`protv2g.study_draft.draft.draft_study`), and the stale-draft check re-applying
it to a study as it now stands, with the devices the user added (:mod:`.redraft`).

The time dials coordinate the head over what C1–C4 judge it over (review rev31b W1): the
devices *right below* it — the first device on each path down, the primary of a pair whose
backup is the head (:func:`protv2g.topology.primary_backup_pairs` pairs consecutive devices; a
device behind another one below the head is that device's to coordinate with) — at the
faults of those pairs' rows: every bus behind the device except those behind a step
transformer on which no device sits (:func:`protv2g.topology_reach.first_step_behind`, the
rule by which :mod:`protv2g.checks.beyond_transformer` leaves them out of C1–C4: that
transformer's own, unmodelled fuse is the primary there). EPRI ckt24 with a recloser RC-MID
and a 100K fuse below it: the ground dial 0.5 → 1.1 was set by the fuse at a 7.62 kV bus
behind a 1-phase step transformer, a fault and a pair C4 never judges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np
import pandas as pd

from protv2g.devices import build_device
from protv2g.devices.library import CurveLibrary
from protv2g.engine.phase import PhaseDevice, PhaseFaultResult, phase_fault_study
from protv2g.flow.opendss import DssWatch
from protv2g.network.dss_graph import device_site, dss_feeder_graph, dss_source_buses
from protv2g.network.dss_model import DssModel
from protv2g.study.places import DeviceSite
from protv2g.study_draft.curve_choice import BREAKER_CYCLES
from protv2g.study_draft.draft_text import R_FAULT_MIN_OHM
from protv2g.study_draft.head_load import (
    LOAD_CASES,
    NEARER_RECLOSER,
    RECLOSER_ELEMENTS,
    SiteLoad,
    head_load_cases,
    sites_comment,
)
from protv2g.study_draft.head_relay import (
    FeederHead,
    RelayProposal,
    primary_reach,
    propose_relay,
    subtree_buses,
)
from protv2g.study_draft.mid_recloser import recloser_entry
from protv2g.study_draft.recloser_series import coordinate_series
from protv2g.study_draft.recloser_walk import (
    MID_TODO_HEADS,
    Upstream,
    mid_reclosers,
    uncovered_text,
)
from protv2g.study_draft.trade import backup_zone
from protv2g.topology_fault_buses import low_voltage_zone_buses
from protv2g.topology_reach import first_step_behind, step_paths
from protv2g.units import Case, Method

__all__ = ["head_fault_study", "head_proposals", "device_sites", "right_below"]


def device_sites(model: DssModel, places: Mapping[str, tuple[str, int]]
                 ) -> dict[str, DeviceSite]:
    """Name → :class:`~protv2g.study.places.DeviceSite` of each device of ``places`` (name →
    (OpenDSS element, terminal)), as a study's loader builds them
    (:func:`protv2g.study.opendss_feeder.dss_semantics`): what
    :func:`protv2g.topology_reach.first_step_behind` reads (a device on a transformer guards
    it). A place the model does not hold is left out."""
    out = {}
    for name, (element, terminal) in places.items():
        try:
            s = device_site(model, element, terminal)
        except KeyError:
            continue
        out[name] = DeviceSite("line" if s.element_class == "line" else "trafo",
                               s.element_index, s.bus, s.far_bus, element_name=element,
                               terminal=terminal)
    return out


def right_below(tree: nx.DiGraph, fars: Mapping[str, int]) -> list[str]:
    """The devices of ``fars`` (device wholly below a head → its far bus in the source's
    ``tree``) not behind another one of them: the first device on each path down from the
    head, in ``fars``' order (two devices with the same far bus are both first)."""
    behind = {d: subtree_buses(tree, f) for d, f in fars.items()}
    return [d for d, f in fars.items()
            if not any(f in behind[e] for e in fars if e != d and fars[e] != f)]


def _judged_buses(model: DssModel, sites: Mapping[str, DeviceSite], steps: object,
                  tree: nx.DiGraph, device: str, far: int) -> set[int]:
    """The fault buses of the pair (``device``, head) in C1–C4 (module docstring): behind
    ``far``, none behind a step transformer without a device."""
    buses = np.array(sorted(subtree_buses(tree, far)), dtype=np.int64)
    if device not in sites:
        return set(buses.tolist())
    step = first_step_behind(model, sites, np.full(len(buses), device), buses, steps)
    return set(buses[step < 0].tolist())


def head_fault_study(model: DssModel, devices: Sequence[PhaseDevice],
                     r_fault_min_ohm: float = R_FAULT_MIN_OHM) -> PhaseFaultResult:
    """The fault study the head-relay rule reads: every primary bus and the low-voltage buses of
    a low-voltage device's zone (:func:`_fault_buses`), IEC 60909 max and min cases, the
    minimum case's ground faults through ``r_fault_min_ohm`` (Ω; init drafts 20 Ω), no V2G.

    The feeder's own inverters as a study runs them (review s18: OpenDSS's fault-study
    admittance of a PVSystem is a negative conductance that lowered the draft's currents by
    2–9 % on EPRI J1, while the study and its breaker-rating TODO had the grid's): current
    sources by their control law in the max case, ceased in the min case (IEC 60909).
    """
    return phase_fault_study(model, method=Method.IEC60909, cases=(Case.MAX, Case.MIN),
                             r_fault_min_ohm=r_fault_min_ohm, devices=list(devices),
                             existing_inverters="law", buses=_fault_buses(model, devices))


def _fault_buses(model: DssModel, devices: Sequence[PhaseDevice]) -> list[str] | None:
    """The head rule's fault buses: the primary buses (the engine's default, None) and, where
    a device sits on a low-voltage element, the low-voltage buses of its reach zone
    (:func:`protv2g.topology_fault_buses.low_voltage_zone_buses`, the study's rule) — a
    relay on a 416 V feeder's head line is drafted against its own feeder's faults (review
    rev34b W2: the European LV test feeder's head got "min zone faults: phase inf A")."""
    sites = device_sites(model, {d.name: (d.element, d.terminal) for d in devices})
    lv = low_voltage_zone_buses(model, sites)
    if not len(lv):
        return None
    tab = model.buses
    wanted = tab.primary.to_numpy(bool).copy()
    wanted[lv[(lv >= 0) & (lv < len(wanted))]] = True
    return [str(b) for b in tab.index[wanted]]


def _line_cases_i_abc(model: DssModel, line: str, terminal: int, sites: Sequence[SiteLoad],
                      light_fraction: float, base_open: Sequence[str]
                      ) -> dict[str, np.ndarray]:
    """A line's ``(3,)`` complex phase currents (A) in each load case C8 judges a device
    there on (:func:`.head_load.head_load_cases`: peak load, the V2G sites charging and
    exporting; NaN where a flow did not converge): a drafted mid-line recloser's load and
    residual (:mod:`.mid_recloser`)."""
    cases = head_load_cases(model, [DssWatch(f"recloser-{line}", "recloser", f"line.{line}",
                                             terminal)], sites, light_fraction, base_open)
    return {c: np.asarray(v, dtype=complex)[0] for c, v in cases.items()}


def _finite_rows(cases: Mapping[str, np.ndarray], which: Sequence[str] | None
                 ) -> np.ndarray:
    """The ``(k, 3)`` rows of ``cases`` (all, or those named in ``which``) that converged."""
    rows = np.array([v for c, v in cases.items() if which is None or c in which],
                    dtype=complex).reshape(-1, 3)
    return rows[np.isfinite(rows).all(axis=1)]


def _lines_load(model: DssModel, sites: Sequence[SiteLoad], light_fraction: float,
                base_open: Sequence[str]):
    """:func:`_line_cases_i_abc` as ``f(line, terminal, near, far, cases=("peak",))`` for
    the recloser walk: the ``(k, 3)`` rows of the load cases named (None: all) that
    converged. The walk drafts on ``peak`` alone — a drafted recloser stands for the feeder
    without the V2G sites (review rev47a item 1, EPRI J1: the homes' charging moved it from
    oh_b18853, ground 80 A, to oh_b18846, 140 A, and C5 read the sites' reach loss as
    pre-existing); the site cases are read for its comment (:func:`_said_sites`). Every
    enabled two-bus line at both terminals is read from ONE set of the load cases' flows on
    first use (the flows solve the whole feeder; a watch only picks its conductors out of
    the branch currents, :func:`protv2g.flow.opendss_layout.build_layout`): the same
    figures as a set of flows per line (rcl45b: IEEE 8500 init 123 → … CPU s), a line
    not among them solved on its own."""
    memo: dict[tuple[str, int], dict[str, np.ndarray]] = {}
    solved: list[bool] = []

    def load_a(line: str, terminal: int, near: int, far: int,
               cases: Sequence[str] | None = ("peak",)) -> np.ndarray:
        if not solved:
            solved.append(True)
            el = model.elements
            lines = [str(n) for n, b, on in zip(el.name, el.buses, el.enabled, strict=True)
                     if str(n).lower().startswith("line.") and len(b) == 2 and on]
            watches = [DssWatch(f"w{k}", "recloser", n, t)
                       for k, (n, t) in enumerate((n, t) for n in lines for t in (1, 2))]
            res = head_load_cases(model, watches, sites, light_fraction, base_open)
            for w, watch in enumerate(watches):
                memo[watch.element.split(".", 1)[1].lower(), watch.terminal] = {
                    c: np.asarray(v)[w] for c, v in res.items()}
        key = (line.lower(), terminal)
        if key not in memo:
            memo[key] = _line_cases_i_abc(model, line, terminal, sites, light_fraction,
                                          base_open)
        return _finite_rows(memo[key], cases)

    return load_a


def _said_sites(rec, line_load_a) -> str:  # noqa: ANN001
    """A drafted recloser's load in the flows with the V2G sites, and where they pass its
    pickups / 1.5 (:func:`.head_load.sites_comment`); "" without sites."""
    rows = {c: line_load_a(rec.line, rec.terminal, -1, -1, (c,)) for c in LOAD_CASES}
    figures = {"load_cases_a": {c: float(np.abs(r).max()) for c, r in rows.items() if len(r)},
               "residual_cases_a": {c: float(np.abs(r.sum(axis=1)).max())
                                    for c, r in rows.items() if len(r)}}
    return sites_comment(figures, {"pickup_a": rec.pickup_a,
                                   "ground_pickup_a": rec.ground_pickup_a},
                         RECLOSER_ELEMENTS)


def head_proposals(model: DssModel, heads: Sequence[FeederHead], head_names: Sequence[str],
                   places: Mapping[str, tuple[str, int]], built: Mapping[str, object],
                   table: pd.DataFrame, library: CurveLibrary,
                   with_sites: bool = False, site_loads: Sequence[SiteLoad] = (),
                   light_fraction: float = 0.3, flow_model: DssModel | None = None,
                   base_open: Sequence[str] = (), mid_reclosers: bool = False
                   ) -> list[RelayProposal]:
    """A relay proposal (:func:`~protv2g.study_draft.head_relay.propose_relay`) per head.

    Parameters
    ----------
    heads, head_names : sequence
        The unprotected feeder heads and the names of their relays.
    places : mapping of str to (str, int)
        The other devices: name → (OpenDSS element, terminal).
    built : mapping of str to device model
        Those of ``places`` built (:func:`protv2g.devices.build_device`); a device missing
        here is not coordinated with (it still bounds the zone: the devices behind it are
        its own to coordinate with, not the head's).
    table : DataFrame
        :func:`head_fault_study`'s device rows (``device_rows(1.0)``) for the heads and the
        devices of ``places``.
    with_sites : bool
        The study has V2G sites (the first reclose is then delayed past their
        cease-to-energise time).
    flow_model, base_open
        The model the load cases are solved on (default ``model``) and the sites' own
        model transformers, open in its no-V2G ``peak`` case (:func:`.head_load.head_load_cases`).
    mid_reclosers : bool
        Where a head's 51P does not reach its zone, find the mid-line recloser
        (:func:`.recloser_walk.mid_reclosers`) and keep them as ``figures["mid_reclosers"]``
        (drafted and not).

    Each proposal's time dials coordinate over the devices right below its head
    (:func:`right_below`) at the faults C1–C4 judge the pair at (module docstring); its
    ``figures["beyond_names"]`` are the devices below those, which it does not coordinate
    with.
    """
    if not heads:
        return []
    g = dss_feeder_graph(model)
    tree = nx.bfs_tree(g, next(iter(dss_source_buses(model).values())))
    watches = [DssWatch(n, "relay", h.element, h.terminal)
               for n, h in zip(head_names, heads, strict=True)]
    # peak load with the feeder's own DER off (gross load: review s18, EPRI J1's 1.9 MW of
    # PV at full sun hid 92 A of its 312 A, a 51P at 1.09 × gross load) sets the pickups;
    # the sites charging or exporting (:mod:`.head_load`) are said in the comment, not
    # drafted for (review rev47a item 1)
    cases = head_load_cases(flow_model or model, watches, site_loads, light_fraction,
                            base_open)
    sites = device_sites(model, places)
    steps = step_paths(model, sites)
    line_load_a = _lines_load(flow_model or model, site_loads, light_fraction, base_open)
    out = []
    for k, (h, name) in enumerate(zip(heads, head_names, strict=True)):
        behind = subtree_buses(tree, h.far_bus)
        zone, fars = set(behind), {}
        for dev, (element, _term) in places.items():
            ends = model.bus_index(list(model.elements.buses[model.elements.name
                                                             == element].iat[0]))
            child = [int(b) for b in ends if int(b) in behind]
            if len(child) != len(ends):
                continue                     # not wholly below this head
            far = max(child, key=lambda b: nx.shortest_path_length(tree, h.far_bus, b))
            zone -= subtree_buses(tree, far)
            fars[dev] = far
        first = right_below(tree, fars)
        below = [(dev, built[dev]) for dev in first if built.get(dev) is not None]
        judged = {dev: _judged_buses(model, sites, steps, tree, dev, fars[dev])
                  for dev, _m in below}
        rows = table[table.device.isin([name, *[n for n, _ in below]])]
        prop = propose_relay(model, h, name, cases["peak"][k], rows, below, zone, library,
                             with_sites, backup_zone(model, tree, h, fars), judged,
                             {c: i[k] for c, i in cases.items() if c != "peak"})
        prop.figures["beyond_names"] = [d for d in fars if d not in first]
        if mid_reclosers:   # where it cannot protect its zone (.recloser_walk, rev44a M2/M4)
            _walk_reclosers(model, tree, h, name, rows, primary_reach(model, h, zone), prop,
                            library, line_load_a)
        out.append(prop)
    return out


def _walk_reclosers(model: DssModel, tree: nx.DiGraph, h: FeederHead, name: str,
                    rows: pd.DataFrame, reach: set[int], prop: RelayProposal,
                    library: CurveLibrary, line_load_a) -> None:
    """The mid-line reclosers below head ``name`` (:mod:`.recloser_walk`) into
    ``prop.figures["mid_reclosers"]``, the head's reach TODO saying what none covers."""
    d = rows[(rows.device == name) & (rows.case == "min") & rows.energized
             & rows.fault_bus.isin(reach)]
    multi = d[d.fault_type.isin(["3ph", "LL"])]
    ground = d[d.fault_type.isin(["SLG", "LLG"])]
    if multi.empty and ground.empty:
        return
    i_bus = (1e3 * multi[["ia_ka", "ib_ka", "ic_ka"]].max(axis=1)).groupby(
        multi.fault_bus).min()
    i0_bus = (1e3 * ground["i3i0_ka"]).groupby(ground.fault_bus).min()
    e = prop.entry
    g_time, gp = None, float(e.get("ground_pickup_a") or np.nan)
    if gp == gp:   # the head's 51G as drafted, + the breaker (.curve_choice)
        unit = build_device("relay", {k: e[k] for k in (
            "name", "pickup_a", "curve", "time_dial", "ground_pickup_a", "ground_curve",
            "ground_time_dial")}, library)
        breaker_s = BREAKER_CYCLES / model.f_hz

        def g_time(i0_a: np.ndarray) -> np.ndarray:
            return np.asarray(unit.ground_time_s(i0_a), dtype=float) + breaker_s

    def rec_time(rec):   # a drafted recloser's delayed ground curve (a clearing time)
        return build_device("recloser", {k: v for k, v in recloser_entry(
            rec, e["reclose_intervals_s"] or [2.0, 10.0, 15.0]).items()
            if k not in ("kind", "location")}, library).ground_delayed_time_s

    head = Upstream("the head", h.far_bus, e["pickup_a"],
                    max(e["pickup_a"], prop.figures["pickup_rule_a"]), gp, g_time,
                    f"{gp:.0f} A {e.get('ground_curve')} TD {e.get('ground_time_dial')}, "
                    "relay + breaker, as first drafted" if gp == gp else "")
    res = mid_reclosers(model, tree, head, reach, i_bus, i0_bus, line_load_a, rec_time)
    big = rows[(rows.device == name) & (rows.case == "max") & rows.energized]
    index = {str(b): k for k, b in enumerate(model.buses.index)}

    def max_fault_a(rec) -> tuple[float, float]:
        """Its largest phase current and |3I0| (A), IEC 60909 max: any fault type (a
        ground fault's phase current can pass the 3-phase one) at its own bus (its
        close-in fault, as C4 judges it) or behind it."""
        at = big[big.fault_bus.isin(subtree_buses(tree, index[rec.far_bus])
                                    | {index[rec.near_bus]})]
        g = at[at.fault_type.isin(["SLG", "LLG"])]
        return (1e3 * float(at[["ia_ka", "ib_ka", "ic_ka"]].to_numpy().max(initial=0.0)),
                1e3 * float(g["i3i0_ka"].to_numpy().max(initial=0.0)))

    def times(rec, i_a, ground):   # (delayed, longest shot) of one element, as drafted now
        unit = build_device("recloser", {k: v for k, v in recloser_entry(
            rec, e["reclose_intervals_s"] or [2.0, 10.0, 15.0]).items()
            if k not in ("kind", "location")}, library)
        t = {"fast": (unit.ground_fast_time_s if ground else unit.fast_time_s)(i_a),
             "delayed": (unit.ground_delayed_time_s if ground else unit.delayed_time_s)(i_a)}
        return t["delayed"], np.max([t[k] for k in unit.shot_kinds], axis=0)

    coordinate_series(res.drafted, times, max_fault_a)
    for rec in res.drafted:   # the sites' flows through it, said (review rev47a item 1)
        if (said := _said_sites(rec, line_load_a)):
            rec.text += f"; {said}"
    if res.drafted or res.failed:
        prop.figures["mid_reclosers"] = [*res.drafted, *res.failed]
    for rec in res.failed:   # the head cannot reach, and why
        prop.conflicts[:] = [c.replace(NEARER_RECLOSER, "no mid-line recloser fits: "
                                       "the next TODO") if c.startswith("51P reach")
                             else c for c in prop.conflicts]
        prop.conflicts.append(f"{MID_TODO_HEADS[0]} {rec.text}")
    if (left := uncovered_text(name, res, list(model.buses.index))):
        prop.conflicts.append(f"{MID_TODO_HEADS[1]} {left}")
