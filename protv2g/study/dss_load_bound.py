"""The load current a device must carry on an OpenDSS feeder, bounded from the model's own
load data: the plausibility warning "phase pickup below the load it carries" on the phase
path (review rev33c W2).

:func:`protv2g.study.plausibility.plausibility_warnings` warns of a relay pickup or recloser
minimum trip below a lower bound of the load current through the device — a pickup given as CT
secondary amperes, a slip of units. On a pandapower net the bound reads the net's load table;
on an OpenDSS study it was left out, so IEEE 37's head relay moved by hand from
``Line.Jumper`` to ``Line.L35`` with its drafted 10 A pickup, under 376 A of load (OpenDSS,
snapshot), passed ``validate`` as "valid".

The same bound, from the compiled model's own data (no power flow: ``validate`` does not run
one):

* the buses below a device: those its element cuts off from every substation
  (:func:`~protv2g.network.dss_graph.dss_source_buses`) in the feeder graph
  (:func:`~protv2g.network.dss_graph.dss_feeder_graph`); none when another element runs in
  parallel with it on the same two buses (IEEE 37's jumper beside the regulator bank: the
  current splits, and the device's share is not known without a flow);
* their peak load: the enabled loads' ``kW + j kvar`` as the script sets them (``LoadMult``
  1, the study's peak level, as the flows run it), summed as complex powers; and the V2G sites
  below at their rating (the caller's, as on a pandapower net);
* as a current: ``|S| / (n · V_LN)``, ``V_LN = V_LL / √3`` at the device's bus voltage base,
  ``n`` the phase conductors it can have: 3 on a transformer (or anything not a line), on a
  line the fewer of its two buses' phases (a 1-phase lateral: ``n`` = 1, its current
  ``S / V_LN``). With three that is the mean phase current of a balanced flow carrying
  ``S``; the largest phase of an unbalanced one, or of fewer conductors, carries at least it
  (``Σ |V·I| ≥ |S|`` over at most ``n`` conductors at about ``V_LN`` each; a winding
  between two phases carries ``S / V_LL`` > ``S / (3 V_LN)``), so it stays a lower bound —
  except where shunt capacitors below supply much of the loads' kvar (it then overstates by
  up to ``|S| / P − 1``; IEEE 37 has none), or the voltage sits well below nominal
  (constant-impedance loads then draw less: the project's example feeder's ``l3``, a
  600 kvar capacitor and a ``model=2`` load below it, 58.6 A against OpenDSS's 55.4 A).

Measured against OpenDSS (review rev33c W2 fix): 0.58–1.11 × OpenDSS's largest
phase current at the snapshot (loads as written, DER off) on 70 lines of the project's example
feeder, IEEE 13/34/37/123, EPRI J1/ckt5/ckt24 and IEEE 8500 (heads, laterals, split-phase
secondaries); above 1 only where the voltage sits below nominal (IEEE 34's ``l29`` 1.11, the
8500's triplex 1.05).

IEEE 37 (``Line.L35``, every load below it): ΣS = 2,457 + j1,201 kVA → 2,735 kVA /
(√3 · 4.8 kV) = 329 A, against OpenDSS's largest phase 370 A at the snapshot (with review
rev33c's depot redirect: 337 A against 376 A).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import networkx as nx
import numpy as np

from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses
from protv2g.network.dss_model import DssModel

__all__ = ["FLOW_BASIS", "MEAN_BASIS", "dss_bus_load_kva", "dss_load_bound", "dss_peak_phase_a"]


def dss_bus_load_kva(model: DssModel) -> dict[int, complex]:
    """Complex peak load (kVA) per bus position: the enabled loads' ``kW + j kvar`` as the
    model's script sets them (``LoadMult`` 1)."""
    inj = model.injections
    loads = inj[(inj.cls == "load") & inj.enabled.astype(bool)]
    if not len(loads):
        return {}
    pos = model.bus_index([str(b) for b in loads.bus])
    out: dict[int, complex] = {}
    for b, kw, kvar in zip(pos, loads.kw.astype(float), loads.kvar.astype(float), strict=True):
        if int(b) >= 0 and math.isfinite(kw):
            out[int(b)] = out.get(int(b), 0j) + complex(kw, kvar if math.isfinite(kvar)
                                                         else 0.0)
    return out


#: How the warning names the peak load of each bound (:func:`dss_load_bound`).
FLOW_BASIS = ("its largest phase current at peak load without V2G — init's 'peak load': an "
              "OpenDSS snapshot flow with the model's loads, the sites idle")
MEAN_BASIS = ("the loads below it as a three-phase mean current, |S| / (3 V_LN) at the bus's "
              "voltage base — a lower bound of its largest phase current (no flow solved)")


def dss_peak_phase_a(model: DssModel, places: Mapping[str, tuple[str, int]],
                     base_open: Sequence[str] = ()) -> dict[str, float]:
    """Each device's largest phase current (A) at peak load without V2G: one OpenDSS snapshot
    flow (:class:`~protv2g.flow.opendss.DssFlowEngine`, load fraction 1, the feeder's own
    DER off, the sites' own model transformers ``base_open`` out) — the figure init's head
    rule calls "peak load" (:func:`protv2g.study_draft.head_load.head_load_cases`' ``peak``
    case), so that ``validate`` and ``init`` give one figure (session 34: IEEE 37's L35,
    validate "336 A" — the static mean — against init's 376 A, OpenDSS phase a).
    ``places``: device name → (element, terminal). Empty when the flow cannot be solved
    (the caller falls back to the static bound)."""
    from protv2g.flow.opendss import DssFlowEngine, DssWatch

    if not places:
        return {}
    watches = [DssWatch(n, "relay", el, int(t)) for n, (el, t) in places.items()]
    try:
        engine = DssFlowEngine(model, [], watches, base_open=tuple(base_open))
        i_a = engine.solve(np.array([1.0]), np.zeros((0, 1)), der_fraction=np.array([0.0]),
                           base_case=True).watch_i_a[0]
    except Exception:  # noqa: BLE001 - a warning's figure: the static bound stands in
        return {}
    peak = np.nanmax(np.abs(np.asarray(i_a)), axis=-1) if np.size(i_a) else []
    return {w.name: float(v) for w, v in zip(watches, peak, strict=True)
            if np.isfinite(v)}


def dss_load_bound(model: DssModel, sites: Mapping[str, object],
                   site_kva: Mapping[int, float],
                   peak_a: Mapping[str, float] | None = None
                   ) -> Callable[[str], tuple[float, float, float, str] | None]:
    """``device name → (bound A, peak load below A, sites below A, basis)`` or None when
    unknown (module docstring); ``peak_a``: each device's largest phase current at peak load
    (:func:`dss_peak_phase_a`), used for the peak load where given (``basis``
    :data:`FLOW_BASIS`), else the static mean (:data:`MEAN_BASIS`).

    Parameters
    ----------
    model : DssModel
        The study's model.
    sites : mapping of str to DeviceSite
        The study's device sites (``element_index``: the row in ``model.elements``, ``bus``).
    site_kva : mapping of int to float
        kVA of the V2G sites at their rating, by bus position.
    """
    g = dss_feeder_graph(model)
    sources = list(dss_source_buses(model).values())
    live = _fed(g, sources)
    load_kva = dss_bus_load_kva(model)
    kv_ll = model.buses.kv_ll.to_numpy(float)
    phases = model.buses.phases.to_numpy()
    e = model.elements

    def bound(name: str) -> tuple[float, float, float] | None:
        place = sites.get(name)
        row = getattr(place, "element_index", -1)
        if place is None or not 0 <= row < len(e):
            return None
        ends = [int(b) for b in model.bus_index(list(e.buses.iat[row]))]
        cut = []
        for b in ends[1:]:
            data = g.get_edge_data(ends[0], b)
            if data is None or b == ends[0]:
                continue
            if [r for _c, r in data["elements"]] != [row]:
                return None  # another element in parallel: the device's share is unknown
            cut.append((ends[0], b))
        if not cut:
            return None
        below = live - _fed(nx.restricted_view(g, [], cut), sources)
        kv = float(kv_ll[place.bus]) if 0 <= place.bus < len(kv_ll) else math.nan
        if not below or not kv > 0:
            return None
        s_load = abs(sum(load_kva.get(b, 0j) for b in below))
        s_site = sum(kva for b, kva in site_kva.items() if b in below)
        n = 3
        if str(e.cls.iat[row]) == "line" and len(ends) == 2:
            n = max(1, min(3, *(len(str(phases[b])) for b in ends)))
        load_a, site_a = (s / (n * kv / math.sqrt(3.0)) for s in (s_load, s_site))
        flow_a = (peak_a or {}).get(name)
        if flow_a is not None and math.isfinite(flow_a):
            return max(flow_a, site_a), flow_a, site_a, FLOW_BASIS
        return max(load_a, site_a), load_a, site_a, MEAN_BASIS

    return bound


def _fed(g: nx.Graph, sources: list[int]) -> set[int]:
    """The buses connected to any of ``sources`` in ``g``."""
    out: set[int] = set()
    for s in sources:
        if s in g and s not in out:
            out |= nx.node_connected_component(g, s)
    return out
