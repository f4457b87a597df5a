"""C10 reclosing vs anti-islanding and C11 islanding screen.

C10: a reclosing device (recloser, or relay with ``reclose_intervals_s``) with V2G behind it
must wait longer than the chargers need to cease to energise the island:
``first reclose interval > cease_to_energize_s + reclose_margin_s`` (default 2 s + 0.5 s,
IEEE 1547-2018 §8.1); otherwise it may reclose out of phase onto the still-energised island
(``fail``). One row per (device, site), in the scenario where the site exports most.

C11: when a device opens, the V2G export (plus any PV ``sgen``) behind it faces the load behind
it. If the DER exceeds ``island_load_ratio`` (default 1/3) of the *minimum* load of that zone
(peak load × ``light_load_fraction``), a sustained island cannot be ruled out by screening
(``warn``; the DER's anti-islanding must be shown to work, e.g. by a detailed study).

References
----------
IEEE Std 1547-2018 §8.1 (unintentional islanding, cease to energise within 2 s) and §6.3
(reclosing coordination); Sandia SAND2012-1365, *Suggested Guidelines for Assessment of
DG Unintentional Islanding Risk* (the one-third minimum-load screen).
"""

from __future__ import annotations

import pandas as pd

from protv2g.checks._common import CheckContext, concat, violation_rows
from protv2g.topology import downstream_buses
from protv2g.units import DeviceKind, Severity

__all__ = ["check_reclosing", "check_islanding"]


def _reclose_intervals(device: object) -> tuple[float, ...]:
    return tuple(getattr(device, "reclose_intervals_s", ()) or ())


def check_reclosing(ctx: CheckContext) -> pd.DataFrame:
    """C10 violation rows."""
    th = ctx.thresholds
    sites = {s.name: s for s in ctx.study.document.v2g_sites}
    rows = []
    for dev in ctx.study.document.devices:
        intervals = _reclose_intervals(dev)
        if dev.kind is DeviceKind.RECLOSER and not intervals:
            continue  # single-shot recloser: no reclose
        if not intervals:
            continue
        behind = downstream_buses(ctx.chains, dev.name)
        for name, bus in ctx.study.site_buses.items():
            if bus not in behind:
                continue
            best = max(ctx.scenarios.values(), default=None,
                       key=lambda sc: next((st.p_export_kw for st in sc.sites
                                            if st.site == name), 0.0))
            p_kw = 0.0 if best is None else next((st.p_export_kw for st in best.sites
                                                  if st.site == name), 0.0)
            if p_kw <= 0:
                continue
            need = sites[name].cease_to_energize_s + th.reclose_margin_s
            first = intervals[0]
            if first > need:
                continue
            rows.append(violation_rows(
                "C10", Severity.FAIL, scenario=best.name, device=dev.name, other_device=name,
                t_device_s=first, t_other_s=sites[name].cease_to_energize_s,
                margin=first - need, limit=need,
                fault_bus=ctx.bus_name(bus),
                message=(f"{dev.name} recloses after {first:g} s but site {name} "
                         f"({p_kw / 1000:.3g} MW at {ctx.bus_name(bus)}) may energise the "
                         f"island for up to {sites[name].cease_to_energize_s:g} s: "
                         f"out-of-phase reclosing risk (needs > {need:g} s)")))
    return concat(rows)


def check_islanding(ctx: CheckContext) -> pd.DataFrame:
    """C11 violation rows."""
    net = ctx.study.net
    th = ctx.thresholds
    frac = ctx.study.document.scenarios.light_load_fraction
    load = net.load[net.load.in_service.values.astype(bool)]
    load_mw = (load.p_mw * load.get("scaling", 1.0)).groupby(load.bus).sum()
    sgen = net.sgen[net.sgen.in_service.values.astype(bool)] if len(net.sgen) else net.sgen
    sgen_mw = (sgen.p_mw * sgen.get("scaling", 1.0)).groupby(sgen.bus).sum() if len(sgen) \
        else pd.Series(dtype=float)
    rows = []
    for dev in ctx.study.document.devices:
        behind = downstream_buses(ctx.chains, dev.name)
        if not behind:
            continue
        min_load_mw = frac * float(load_mw[load_mw.index.isin(list(behind))].sum())
        pv_mw = float(sgen_mw[sgen_mw.index.isin(list(behind))].sum())
        site_names = [n for n, b in ctx.study.site_buses.items() if b in behind]
        for sc in ctx.scenarios.values():
            v2g_mw = sum(st.p_export_kw for st in sc.sites if st.site in site_names) / 1000
            der_mw = v2g_mw + pv_mw
            limit = th.island_load_ratio * min_load_mw
            if der_mw <= limit + 1e-9 or der_mw <= 0:
                continue
            rows.append(violation_rows(
                "C11", Severity.WARN, scenario=sc.name, device=dev.name,
                other_device=", ".join(site_names), margin=limit - der_mw, limit=limit,
                message=(f"behind {dev.name}: V2G {v2g_mw:.3g} MW + PV {pv_mw:.3g} MW "
                         f"exceeds {th.island_load_ratio:.2g} × minimum load "
                         f"{min_load_mw:.3g} MW {ctx.export_text(sc.name)}: sustained "
                         "island possible when it opens; anti-islanding must be shown")))
    return concat(rows)
