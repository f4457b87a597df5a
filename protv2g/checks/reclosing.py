"""C10 reclosing vs anti-islanding.

C10: a reclosing device (recloser, or relay with ``reclose_intervals_s``) with V2G behind it
must wait longer than the chargers need to cease to energise the island:
``first reclose interval > cease_to_energize_s + reclose_margin_s`` (default 2 s + 0.5 s,
IEEE 1547-2018 §8.1); otherwise it may reclose out of phase onto the still-energised island
(``fail``). One row per (device, site), in the scenario where the site exports most.

References
----------
IEEE Std 1547-2018 §8.1 (unintentional islanding, cease to energise within 2 s) and §6.3
(reclosing coordination).
"""

from __future__ import annotations

import pandas as pd

from protv2g.checks._common import CheckContext, concat, not_applicable, violation_rows
from protv2g.topology import downstream_buses
from protv2g.units import DeviceKind
from protv2g.violations import CheckStatus

__all__ = ["check_reclosing"]


def _reclose_intervals(device: object) -> tuple[float, ...]:
    return tuple(getattr(device, "reclose_intervals_s", ()) or ())


def check_reclosing(ctx: CheckContext) -> pd.DataFrame:
    """C10 violation rows."""
    th = ctx.thresholds
    sites = {s.name: s for s in ctx.study.document.v2g_sites}
    rows = []
    applies = False
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
            applies = True
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
                "C10", CheckStatus.FAIL, scenario=best.name, device=dev.name, other_device=name,
                t_device_s=first, t_other_s=sites[name].cease_to_energize_s,
                margin=first - need, limit=need,
                fault_bus=ctx.bus_name(bus),
                message=(f"{dev.name} recloses after {first:g} s but site {name} "
                         f"({p_kw / 1000:.3g} MW at {ctx.bus_name(bus)}) may energise the "
                         f"island for up to {sites[name].cease_to_energize_s:g} s: "
                         f"out-of-phase reclosing risk (needs > {need:g} s)")))
    if not applies:
        return not_applicable("C10", "no reclosing device has a V2G site behind it")
    return concat(rows)
