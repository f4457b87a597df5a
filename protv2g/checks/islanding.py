"""C11 islanding screen: DER behind an opening device against the load it leaves behind.

When a device opens, the V2G export (plus any PV ``sgen``) behind it faces the load behind it.
If the DER exceeds ``island_load_ratio`` (default 1/3) of the *minimum* load of that zone
(its load at the light load level, :func:`min_load_mw`), a sustained island cannot be ruled
out by screening (``warn``; the DER's anti-islanding must be shown to work, e.g. by a
detailed study). Margin ``ratio × minimum load − DER`` in MW. ``not_applicable`` when no
device has load or generation behind it.

References
----------
Sandia SAND2012-1365, *Suggested Guidelines for Assessment of DG Unintentional Islanding Risk*
(the one-third minimum-load screen); IEEE Std 1547-2018 §8.1 (unintentional islanding).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, concat, not_applicable, violation_rows
from protv2g.violations import CheckStatus

__all__ = ["check_islanding", "bus_power_mw", "min_load_mw", "sum_behind_mw"]


def check_islanding(ctx: CheckContext) -> pd.DataFrame:
    """C11 violation rows."""
    th = ctx.thresholds
    load_mw, sgen_mw = bus_power_mw(ctx)
    rows = []
    applies = False
    feeder_has_load = bool((load_mw > 0).any())
    own_loads, own_mw_bus = _own_loads(ctx)
    for dev in ctx.study.document.devices:
        behind = ctx.downstream(dev.name)
        if not behind:
            continue
        applies = True
        min_mw = min_load_mw(ctx, load_mw, behind)
        pv_mw = sum_behind_mw(sgen_mw, behind)
        own = [n for n, b in own_loads.items() if b in behind]
        own_mw = min_load_mw(ctx, own_mw_bus, behind) if own else 0.0
        site_names = [n for n, b in ctx.study.site_buses.items() if b in behind]
        for sc in ctx.scenarios.values():
            v2g_mw = sum(st.p_export_kw for st in sc.sites if st.site in site_names) / 1000
            der_mw = v2g_mw + pv_mw
            limit = th.island_load_ratio * min_mw
            if der_mw <= limit + 1e-9 or der_mw <= 0:
                continue
            # only where the feeder has load elsewhere: a model with no load at all says
            # nothing of the zone's (ver32: EPRI DG feeder, whose test model has none)
            # … nor where the only load is the sites' own (a depot's auxiliary load behind
            # its own transformer, review rev35a M1): no other customer is behind
            if min_mw - own_mw <= 1e-9 and pv_mw <= 0 and feeder_has_load:
                rows.append(_no_load_row(dev.name, site_names, sc.name, v2g_mw, own))
                continue
            rows.append(violation_rows(
                "C11", CheckStatus.WARN, scenario=sc.name, device=dev.name,
                other_device=", ".join(site_names), margin=limit - der_mw, limit=limit,
                message=(f"behind {dev.name}: V2G {v2g_mw:.3g} MW + PV {pv_mw:.3g} MW "
                         f"exceeds {th.island_load_ratio:.2g} × minimum load "
                         f"{min_mw:.3g} MW {ctx.export_text(sc.name)}: sustained "
                         "island possible when it opens; anti-islanding must be shown")))
    if not applies:
        return not_applicable("C11", "no device has feeder load or generation behind it")
    return concat(rows)


def _own_loads(ctx: CheckContext) -> tuple[dict[str, int], pd.Series]:
    """The loads that come with the sites' own transformers
    (:func:`protv2g.study.dss_site_loads.study_project_loads`): name → bus position, and their
    peak MW per bus; empty without an OpenDSS model or such a load."""
    model = ctx.study.model
    if model is None:
        return {}, pd.Series(dtype=float)
    from protv2g.study.dss_site_loads import study_project_loads

    loads = [x for group in study_project_loads(ctx.study).values() for x in group]
    if not loads:
        return {}, pd.Series(dtype=float)
    inj = model.injections
    bus_of = dict(zip(inj.name.astype(str), inj.bus.astype(str), strict=True))
    buses = model.bus_index([bus_of[n] for n, _kw in loads])
    names = {n: int(b) for (n, _kw), b in zip(loads, buses, strict=True)}
    mw = pd.Series([kw / 1e3 for _n, kw in loads]).groupby(list(names.values())).sum()
    return names, mw


def _no_load_row(device: str, site_names: list[str], scenario: str,
                 v2g_mw: float, own: list[str] = ()) -> pd.DataFrame:
    """``info``: only the V2G sites behind ``device``, no feeder load and no other generation
    (review rev32a W5: the depot's own fuse read "sustained island possible"). With no load
    to carry, the sites alone cannot hold a sustained island of other customers when the
    device opens (the one-third screen compares DER with load: SAND2012-1365); what remains
    is the sites' own cease to energize (IEEE 1547-2018 §8.1), which C10 judges. ``own``:
    the sites' own loads behind it (a depot's auxiliary load, review rev35a M1), part of the
    project like the sites: named, no other customer's."""
    sites = ", ".join(site_names)
    mine = f" and the project's own {', '.join(own)}" if own else ""
    return violation_rows(
        "C11", CheckStatus.INFO, scenario=scenario, device=device, other_device=sites,
        margin=-v2g_mw, limit=0.0,
        message=(f"behind {device}: only {sites} ({v2g_mw:.3g} MW export){mine}, no feeder load "
                 "or other generation: no sustained island of other customers when it "
                 "opens; the site's own cease to energize (IEEE 1547 §8.1) applies"))


def min_load_mw(ctx: CheckContext, load_mw: pd.Series, behind: set[int]) -> float:
    """The minimum load (MW) behind a device: the load of the buses ``behind`` it at the
    study's light load level, as the light-load flow solves it — the load C11's island screen
    and C10's screen text compare the DER with.

    ``load_mw`` is the peak load per bus (:func:`bus_power_mw`). On a pandapower feeder every
    load scales: ``light_load_fraction`` × its peak. On an OpenDSS feeder ``LoadMult`` scales
    only the ``variable`` loads and the flows solve the light level at the ``LoadMult`` that
    makes the feeder's total that fraction (:func:`protv2g.flow.load_level.load_multiplier`):
    a zone's minimum load is its held (fixed/exempt) loads at their kW plus ``LoadMult`` × its
    variable loads (review rev38a W1: IEEE 8500, 24 fixed loads of 915.8 kW, LoadMult 0.235
    for 0.3 — a lateral with none read 0.3 × 56.76 = 17.0 kW where the flow carries 13.3 kW).
    """
    frac = ctx.study.document.scenarios.light_load_fraction
    peak = sum_behind_mw(load_mw, behind)
    model = ctx.study.model
    if model is None:
        return frac * peak
    held_mw, mult = model.derived(f"held_load_mw_{frac!r}", lambda m: _held_load(m, frac))
    held = min(sum_behind_mw(held_mw, behind), peak)
    return held + mult * (peak - held)


def sum_behind_mw(values: pd.Series, behind: Collection[int]) -> float:
    """``float(values[values.index.isin(list(behind))].sum())``: the MW of the buses
    ``behind`` a device, per bus in ``values`` (indexed by bus). The same rows summed in
    the same order; on an integer index the membership test is NumPy's on the buses as an
    int64 array, not a hash of a list of them (#21: C10 and C11 test every device's buses,
    up to 10,000 of them, three times per device, ≈ 3 % of the checks at 10,000 buses)."""
    idx = values.index
    mask = None
    if len(idx) and len(behind) and idx.dtype.kind in "iu":
        try:
            buses = np.fromiter(behind, dtype=np.int64, count=len(behind))
        except (TypeError, ValueError, OverflowError):  # not integer buses: as pandas
            buses = None
        if buses is not None:
            mask = np.isin(idx.to_numpy(), buses)
    if mask is None:
        mask = idx.isin(list(behind))
    return float(values[mask].sum())


def _held_load(model: Any, frac: float) -> tuple[pd.Series, float]:
    """Per bus the MW of the enabled loads ``LoadMult`` does not scale, and the ``LoadMult``
    of the light level ``frac`` (:mod:`protv2g.flow.load_level`)."""
    from protv2g.flow.load_level import held_loads, load_multiplier

    loads, kw, held = held_loads(model.injections)
    mult = float(load_multiplier([frac], float(kw[~held].sum()), float(kw[held].sum()))[0])
    bus = model.bus_index(list(loads.bus[held]))
    return pd.Series(kw[held] / 1e3).groupby(bus).sum(), mult


def bus_power_mw(ctx: CheckContext) -> tuple[pd.Series, pd.Series]:
    """Peak load and generation (PV ``sgen``; on an OpenDSS feeder its PV systems, storage and
    generators at their power-flow output or rating) per bus, MW."""
    model = ctx.study.model
    if model is not None:
        inj = model.injections[model.injections.enabled.astype(bool)]
        bus = model.bus_index(list(inj.bus))
        gen_kw = inj.p_flow_kw.where(inj.p_flow_kw.notna(), inj.kw)
        is_load = (inj.cls == "load").to_numpy()
        load = pd.Series(inj.kw.to_numpy()[is_load] / 1e3).groupby(bus[is_load]).sum()
        gen = pd.Series(gen_kw.to_numpy()[~is_load] / 1e3).groupby(bus[~is_load]).sum()
        return load, gen
    net = ctx.study.net
    load = net.load[net.load.in_service.values.astype(bool)]
    load_mw = (load.p_mw * load.get("scaling", 1.0)).groupby(load.bus).sum()
    sgen = net.sgen[net.sgen.in_service.values.astype(bool)] if len(net.sgen) else net.sgen
    sgen_mw = (sgen.p_mw * sgen.get("scaling", 1.0)).groupby(sgen.bus).sum() if len(sgen) \
        else pd.Series(dtype=float)
    return load_mw, sgen_mw
