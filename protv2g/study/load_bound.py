"""The load current a relay's or recloser's phase pickup must lie above, for
:func:`protv2g.study.plausibility.plausibility_warnings` (its docstring: "Phase pickup below
the load current"): on an OpenDSS feeder from the model's own loads
(:mod:`protv2g.study.dss_load_bound`), on a pandapower net the larger of the feeder's peak
load below the device and the V2G sites below it at their rating (:func:`load_bound`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pandas as pd

from protv2g.network.json_tables import unsupplied_buses
from protv2g.units import DeviceKind

if TYPE_CHECKING:  # pragma: no cover
    from protv2g.study.loader import Study

__all__ = ["load_bound"]


_TABLES = ("bus", "line", "trafo", "trafo3w", "impedance", "switch", "ext_grid", "gen")


#: How the warning names the peak load on a pandapower net (balanced: every phase carries it).
_NET_BASIS = "the feeder's peak load below it, balanced (every phase carries it)"


def load_bound(study: Study) -> Callable[[str], tuple[float, float, float, str] | None]:
    """``device name → (bound A, peak load below A, sites below A, how the peak load was
    had)`` or None when unknown (:mod:`.plausibility`'s docstring); the buses below a device
    are those its element cuts off from every source
    (:func:`~protv2g.network.json_tables.unsupplied_buses`)."""
    cases = study.document.scenarios.participation
    site_kva: dict[int, float] = {}
    for s in study.document.v2g_sites:
        if s.name in study.site_buses:
            bus = study.site_buses[s.name]
            fraction = max(s.participation.fraction(c) for c in cases)
            site_kva[bus] = site_kva.get(bus, 0.0) + _site_kva(s, fraction)
    if study.model is not None:  # the phase path: the model's own loads (review rev33c W2)
        from protv2g.study.dss_load_bound import dss_load_bound, dss_peak_phase_a
        from protv2g.study.dss_site_transformers import site_transformer_names

        # the largest phase current at peak load, init's "peak load" (one snapshot flow)
        places = {d.name: (s.element_name, s.terminal) for d in study.document.devices
                  if d.kind in (DeviceKind.RELAY, DeviceKind.RECLOSER)
                  and (s := study.device_sites.get(d.name)) is not None and s.element_name}
        peak = dss_peak_phase_a(study.model, places,
                                site_transformer_names(study.document))
        return dss_load_bound(study.model, study.device_sites, site_kva, peak)
    net = study.net
    if net is None or "vn_kv" not in net.bus.columns:
        return lambda name: None
    tables = SimpleNamespace(**{t: getattr(net, t, pd.DataFrame()) for t in _TABLES})
    base_dead = unsupplied_buses(tables)
    vn_kv = net.bus["vn_kv"].astype(float)
    load_kva = _bus_load_kva(getattr(net, "load", None))

    def bound(name: str) -> tuple[float, float, float] | None:
        place = study.device_sites.get(name)
        if place is None or place.element not in ("line", "trafo"):
            return None
        table = getattr(tables, place.element).copy()
        table.loc[place.element_index, "in_service"] = False
        below = unsupplied_buses(SimpleNamespace(**{**vars(tables), place.element: table}))
        below -= base_dead
        if not below:
            return None
        kv = float(vn_kv.get(place.bus, math.nan))
        if not kv > 0:
            return None
        s_load = abs(sum(load_kva.get(b, 0j) for b in below))
        s_site = sum(kva for b, kva in site_kva.items() if b in below)
        load_a, site_a = (s / (math.sqrt(3.0) * kv) for s in (s_load, s_site))
        return max(load_a, site_a), load_a, site_a, _NET_BASIS

    return bound


def _bus_load_kva(load: pd.DataFrame | None) -> dict[int, complex]:
    """Complex peak load (kVA) per bus: in-service loads' ``p_mw + j q_mvar`` × ``scaling``."""
    if load is None or not len(load) or not {"bus", "p_mw"} <= set(load.columns):
        return {}
    on = load["in_service"].fillna(False).astype(bool) if "in_service" in load else True
    scale = load["scaling"].astype(float) if "scaling" in load else 1.0
    q = load["q_mvar"].astype(float) if "q_mvar" in load else 0.0
    s = (load["p_mw"].astype(float) + 1j * q) * scale * 1000.0
    s = s[on] if not isinstance(on, bool) else s
    return {int(b): complex(v) for b, v in s.groupby(load["bus"][s.index]).sum().items()}


def _site_kva(site: Any, participation: float) -> float:
    """A site at its chargers' rating (kW): ``n_chargers × p_charger_kw`` × ``participation``,
    no more than its interconnection transformer's kVA (as C8's charging cap)."""
    kw = site.n_chargers * site.p_charger_kw * participation
    tr = getattr(site, "interconnection_transformer", None)
    return min(kw, float(tr.sn_kva)) if tr is not None else kw
