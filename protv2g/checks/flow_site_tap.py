"""C12 on a V2G site's own low-voltage bus: judged against the site idle, its transformer's tap.

A site behind its own transformer in an OpenDSS model (``v2g_sites[].model_transformer``) has a
low-voltage bus that exists only with the project: out of the base case, so C12's rows there
have no base voltage, and every one was ``new`` — also where the bus is over (or at) ANSI
C84.1 Range A's 1.05 pu with **every site idle**, set by the transformer's no-load ratio (its
tap) on the feeder's voltage. Review rev31 §3 (IEEE 8500, a depot's Dyn transformer at nominal
tap near the substation): ``depot_lv`` at 1.050 pu idle limited the hosting capacity of homes
kilometres away ("84 kW because of depot_lv"), whose export moved it by a few 1e-4 pu.

The reference here is the flow's :data:`~protv2g.flow.opendss_study.IDLE_COLUMN`: the bus's
voltage with the site transformers in and every site idle, same load level (what C12 judges:
the highest phase, line to line on a bus with no ground path). A failing V2G row at such a bus
is then

* **the site transformer's tap** (``mechanism`` :data:`SITE_TAP`) when the bus is at or over
  the limit idle (above ``v_max_pu − voltage_limit_tolerance_pu``) and the scenario moves it by
  no more than ``checks.voltage_change_min_pu`` (1/120 pu, the materiality of a change to a
  failure already there). Still ``fail``, attributed ``equipment`` ("caused by the project's
  equipment", :mod:`protv2g.checks.equipment`): the transformer comes with the project
  and the bus is over Range A in the scenarios judged, so the gate fails on it until the tap
  is set (a ``warn`` would let a study pass with the chargers' bus over Range A). It is a
  setting to change, not an export limit: the hosting figures do not stop at it
  (:data:`protv2g.hosting.limits.SETTING_CRITERIA`, as C10's reclose interval) and state it.
  The message gives the tap that brings the bus inside Range A (:func:`tap_fix`). Why the
  export's change does not count there: with the site idle its transformer is at no load, so
  another site's export moves the low-voltage bus only through the feeder bus it hangs on
  (LV = HV × the no-load ratio), and that bus is judged on its own, with its base case;
* **caused by V2G** (``new``, as :func:`~protv2g.checks.flow_limit.v2g_caused`) when it is
  within the limit idle and the scenario raises it beyond the limit's tolerance: a real rise
  (the site's own export through its transformer, say), which limits the figure;
* otherwise (over the limit idle and moved by more than the materiality) ``new`` as before,
  with the idle voltage said: the export's share is material, and it limits.

References
----------
ANSI C84.1-2020 Table 1 (Range A, 126 V on the 120 V base = 1.05 pu); IEEE Std C57.12.34-2015
(three-phase pad-mounted distribution transformers: no-load taps on the high-voltage winding,
four 2.5 % steps, two above and two below rated voltage — recalled, not checked clause by
clause); R. C. Dugan, *OpenDSS Reference Guide*, Transformer ``taps`` (per-unit tap of each
winding: the winding's voltage is ``kV × tap``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SITE_TAP", "TAP_STEP", "TAP_STEPS_STANDARD", "feeder_winding", "idle_voltages",
           "site_tap", "tap_fix"]

#: ``mechanism`` of a C12 row at a site's own bus set by its transformer's no-load tap.
SITE_TAP = "site transformer no-load tap"
#: One no-load tap step (fraction of the winding's rated voltage): IEEE C57.12.34 (recalled).
TAP_STEP = 0.025
#: Steps each way a pad-mount's no-load tap changer has: IEEE C57.12.34 (recalled).
TAP_STEPS_STANDARD = 2
#: The flow's column of the idle voltage (:data:`protv2g.flow.opendss_study.IDLE_COLUMN`).
_IDLE = "vm_idle_pu"


def idle_voltages(bus: pd.DataFrame) -> pd.Series:
    """``(scenario, bus) →`` the highest idle voltage over the steps, pu, of the base-case rows
    that carry one (empty when the flow has no idle column: no site transformer, pandapower)."""
    if _IDLE not in bus.columns:
        return pd.Series(dtype=float)
    v = bus[_IDLE].to_numpy(float)
    at = np.flatnonzero(~np.isnan(v))
    if not len(at):
        return pd.Series(dtype=float)
    frame = pd.DataFrame({"scenario": bus["scenario"].astype(str).to_numpy()[at],
                          "bus": bus["bus"].to_numpy()[at], "v": v[at]})
    return frame.groupby(["scenario", "bus"]).v.max()


def site_tap(ctx: Any, bus: pd.DataFrame, bad: pd.DataFrame, v_base: np.ndarray,
             caused: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, str]]:
    """The rows of C12's failing voltage rows ``bad`` at a site's own bus (module docstring).

    Parameters
    ----------
    ctx : CheckContext
    bus : DataFrame
        The flow's bus table (:func:`idle_voltages` reads it).
    bad : DataFrame
        The failing rows (``scenario``, ``bus``, ``vm_pu``).
    v_base : ndarray
        ``(len(bad),)`` their base-case voltage (NaN: none, the bus is out of the base case).
    caused : ndarray of bool
        ``(len(bad),)`` :func:`~protv2g.checks.flow_limit.v2g_caused`.

    Returns
    -------
    tap : ndarray of bool
        ``(len(bad),)`` rows the site transformer's tap sets.
    caused : ndarray of bool
        ``caused`` with the rows V2G raises from within the limit idle.
    device : ndarray of object
        ``(len(bad),)`` the site transformer of a row at a site's bus (``""`` elsewhere).
    suffix : dict
        Row position → the words its message adds.
    """
    n = len(bad)
    tap, caused = np.zeros(n, dtype=bool), np.asarray(caused, dtype=bool).copy()
    device = np.full(n, "", dtype=object)
    idle = idle_voltages(bus)
    if not n or idle.empty:
        return tap, caused, device, {}
    th = ctx.thresholds
    from protv2g.checks.attribution import tolerance_floor
    from protv2g.checks.flow_limit import limit_tolerance_pu

    tol, material = limit_tolerance_pu(th), float(th.voltage_change_min_pu)
    base = [str(ctx.base_of.get(str(s), "") or "") for s in bad.scenario.astype(str)]
    keys = list(zip(base, bad.bus.to_numpy().tolist(), strict=True))
    v_idle = np.array([idle.get(k, np.nan) for k in keys], dtype=float)
    v_idle = np.where(np.isnan(v_base), v_idle, np.nan)
    vm = bad.vm_pu.to_numpy(float)
    rise = vm - v_idle
    with np.errstate(invalid="ignore"):
        at_idle = np.isfinite(v_idle) & (v_idle > th.v_max_pu - tol)
        tap = at_idle & (np.abs(rise) <= material)
        band = np.fmax(tol, tolerance_floor(np.full(n, th.v_max_pu), th.v_max_pu - v_idle))
        raised = (np.isfinite(v_idle) & ~at_idle & (v_idle <= th.v_max_pu + tol)
                  & (rise > band))
    caused |= raised
    owners = site_buses(ctx)
    by_bus = idle.groupby(level="bus")
    top, low = by_bus.max(), by_bus.min()
    # the highest voltage of the bus's rows, idle or exporting: the tap is sized on it too
    # (review rev37b F6, IEEE 34: a tap sized on the idle 1.067 pu left the full-export row
    # at 1.0535 pu in OpenDSS)
    highest: dict[int, tuple[float, float]] = {}  # bus → (its highest row's pu, that idle)
    for k in np.flatnonzero(np.isfinite(v_idle) & np.isfinite(vm)).tolist():
        b = int(bad.bus.iat[k])
        if b not in highest or vm[k] > highest[b][0]:
            highest[b] = (float(vm[k]), float(v_idle[k]))
    suffix: dict[int, str] = {}
    for k in np.flatnonzero(np.isfinite(v_idle)).tolist():
        b = int(bad.bus.iat[k])
        owner = owners.get(b)
        device[k] = owner[0] if owner else ""
        said = (f"; with every site idle {v_idle[k]:.4f} pu here ({ctx.bus_name(b)} exists "
                "only with " + (f"{owner[1]}'s transformer {_short(owner[0])}" if owner else
                                "a site's own transformer") + ", part of the V2G project)")
        if tap[k]:
            said += (f", this scenario moves it by {rise[k]:+.4f} pu (within "
                     f"checks.voltage_change_min_pu {material:.4g} pu): set by the "
                     "transformer's no-load tap, not by the export — "
                     + tap_fix(ctx, owner[0] if owner else "", float(top.get(b, v_idle[k])),
                               float(low.get(b, v_idle[k])), *highest[b])
                     + "; a setting to change, not an export limit")
        elif raised[k]:
            said += f": V2G raises it by {rise[k]:+.4f} pu"
        else:
            said += (", " + idle_words(float(v_idle[k]), float(th.v_max_pu), tol)
                     + " (its transformer's no-load tap: "
                     + tap_fix(ctx, owner[0] if owner else "", float(top.get(b, v_idle[k])),
                               float(low.get(b, v_idle[k])), *highest[b])
                     + f"), and this scenario adds {rise[k]:+.4f} pu, more than "
                     f"checks.voltage_change_min_pu {material:.4g} pu")
        suffix[k] = said
    return tap, caused, device, suffix


def idle_words(v_idle_pu: float, v_max_pu: float, tol_pu: float) -> str:
    """Where a site bus's idle voltage ``v_idle_pu`` stands against the limit: "over the limit
    idle" beyond ``v_max_pu + tol_pu``, else "at the limit idle (within …)" — a voltage within
    the limit's tolerance is *at* it (:mod:`protv2g.checks.flow_limit`; review rev35b M2: IEEE
    123's depot_lv idle at 1.0491 pu read "over the limit idle").

    >>> idle_words(1.0491, 1.05, 0.001)
    'at the limit idle (within 0.001 pu of 1.05 pu)'
    >>> idle_words(1.0512, 1.05, 0.001)
    'over the limit idle'
    """
    if v_idle_pu > v_max_pu + tol_pu:
        return "over the limit idle"
    return f"at the limit idle (within {tol_pu:g} pu of {v_max_pu:g} pu)"


def _short(element: str) -> str:
    """``"transformer.depot_xf"`` → ``"depot_xf"``."""
    return element.split(".", 1)[-1]


def site_buses(ctx: Any) -> dict[int, tuple[str, str]]:
    """Bus position → (``"transformer.<name>"``, the site(s) naming it) of every bus only a
    site's own model transformer energises (kept in ``ctx.cache``)."""
    key = "C12 site transformer buses"
    if key in ctx.cache:
        return ctx.cache[key]
    out: dict[int, tuple[str, str]] = {}
    model = getattr(ctx.study, "model", None)
    names: dict[str, list[str]] = {}
    for s in getattr(ctx.study.document, "v2g_sites", []) or []:
        el = getattr(s, "model_transformer", None)
        if el:
            full = el if "." in str(el) else f"transformer.{el}"
            names.setdefault(str(full).lower(), []).append(s.name)
    if model is not None and names and hasattr(model, "element_y"):
        from protv2g.network.dss_site_transformers import dead_buses

        for el, sites in names.items():
            try:
                dead = dead_buses(model, [el])
            except Exception:  # noqa: BLE001 - a text only: no name rather than no check
                continue
            for b in dead.tolist():
                out.setdefault(int(b), (el, " and ".join(sites)))
    ctx.cache[key] = out
    return out


def _taps(ctx: Any, element: str) -> tuple[float, float] | None:
    """(feeder-side winding's tap, site-side winding's tap) of a two-winding site transformer,
    per unit, read from the compiled model; None when it cannot be read
    (:func:`feeder_winding` tells the sides apart)."""
    model = getattr(ctx.study, "model", None)
    try:
        dss = model.engine
        dss.Transformers.Name(element.split(".", 1)[1])
        if int(dss.Transformers.NumWindings()) != 2:
            return None
        taps, kvs = [], []
        for w in (1, 2):
            dss.Transformers.Wdg(w)
            taps.append(float(dss.Transformers.Tap()))
            kvs.append(float(dss.Transformers.kV()))
        e = model.elements
        row = e[e.name.str.lower() == element.lower()]
        buses = [str(b).split(".", 1)[0].lower() for b in row.buses.iat[0]]
        dead = {str(model.buses.index[b]).lower() for b, (el, _) in site_buses(ctx).items()
                if el == element.lower()}
        sites = {str(getattr(x, "bus", "")).split(".", 1)[0].lower()
                 for x in getattr(ctx.study.document, "v2g_sites", []) or []}
        feeder = feeder_winding(buses, dead, sites, kvs)
        return taps[feeder], taps[1 - feeder]
    except Exception:  # noqa: BLE001 - a text only
        return None


def feeder_winding(buses: list[str], dead: set[str], sites: set[str],
                   kv: list[float]) -> int:
    """Which winding (0 or 1) of a two-winding site transformer is on the feeder's side.

    In this order: the one winding whose bus keeps a source with the transformer out (not in
    ``dead``); else the winding opposite the one on a site's bus (``sites``); else the
    higher-voltage winding (a site transformer steps the feeder's voltage down to the
    site's). A device on the feeder-side terminal moves that terminal to a close-in bus that
    only the transformer's stub reaches (:mod:`protv2g.network.dss_close_in`), so in a run
    both winding buses can be dead with the transformer out: review rev36a (IEEE 8500, a
    fuse F-DEPOT on depot_xf's HV side) read the 480 V winding's tap 0.975 as the feeder
    side's and advised ``taps=(1, 1)``, which raises the 480 V bus (OpenDSS: 1.021 → 1.047
    pu) instead of lowering it.

    >>> feeder_winding(["m1~close1", "depot_lv"], {"m1~close1", "depot_lv"}, {"depot_lv"},
    ...                [12.47, 0.48])
    0
    >>> feeder_winding(["depot_lv", "m1"], {"depot_lv"}, set(), [0.48, 12.47])
    1
    """
    live = [k for k, b in enumerate(buses[:2]) if b not in dead]
    if len(live) == 1:
        return live[0]
    on_site = [k for k, b in enumerate(buses[:2]) if b in sites]
    if len(on_site) == 1:
        return 1 - on_site[0]
    return 0 if kv[0] >= kv[1] else 1


def tap_fix(ctx: Any, element: str, v_idle_max_pu: float, v_idle_min_pu: float,
            v_row_pu: float = math.nan, v_row_idle_pu: float = math.nan) -> str:
    """The no-load tap that brings a site's own bus inside Range A, idle and exporting.

    The bus's idle voltage scales with the transformer's no-load ratio (site-side tap over
    feeder-side tap, OpenDSS ``taps``); the fix is the fewest :data:`TAP_STEP` steps up of the
    feeder-side (high-voltage) winding's tap — where a pad-mount's no-load taps are — that take
    the highest idle voltage over the load levels to ``v_max_pu − voltage_change_min_pu`` or
    below (inside Range A with room for a change the check calls immaterial) AND the highest
    voltage of the bus's rows in the study (``v_max_row_pu``: its exporting rows too) to
    ``v_max_pu`` or below. The exporting voltage is scaled by the same ratio (the
    transformer's own rise under load is not re-solved: an estimate, "≈"); review rev37b F6
    (IEEE 34, a YNd depot_xf): sized on the idle 1.067 pu alone, the tap 1 → 1.025 left the
    full-export row at 1.0535 pu in OpenDSS (1.0797 × 1/1.025 = 1.0534); 1 → 1.05 gives
    1.0286 pu (estimate 1.0283). Returns the words: ``"raise transformer.depot_xf's
    feeder-side no-load tap 1 → 1.05 (+5 %, no-load ratio × 0.9524; taps=(1.05, 1) in the
    script): with every site idle 1.067 → 1.016 pu …; the highest voltage of this bus's rows
    in the study (exporting) 1.0797 → ≈ 1.0283 pu …"``."""
    th = ctx.thresholds
    v_max = float(th.v_max_pu)
    target = v_max - float(th.voltage_change_min_pu)
    taps = _taps(ctx, element) if element else None
    t_hv, t_lv = taps if taps else (1.0, 1.0)
    v_row = (v_row_pu if math.isfinite(v_row_pu) and v_row_pu > v_idle_max_pu + 5e-5
             else math.nan)
    # the row's idle part scales with the ratio f, its rise (ΔV ≈ (R·P + X·Q)/V) by 1/f
    v_row_idle = v_row_idle_pu if math.isfinite(v_row_idle_pu) else v_idle_max_pu

    def at_ratio(f: float) -> float:
        return v_row_idle * f + (v_row - v_row_idle) / f

    def steps(limit_pu: float, v_of: Any) -> int:
        k = 1
        while v_of(t_hv / (t_hv + k * TAP_STEP)) > limit_pu and k < 40:
            k += 1
        return k

    k_idle = steps(target, lambda f: v_idle_max_pu * f)
    k = max(k_idle, steps(v_max, at_ratio)) if math.isfinite(v_row) else k_idle
    new_hv = t_hv + k * TAP_STEP
    factor = t_hv / new_hv
    name = _short(element) if element else "the site transformer"
    script = (f"; taps=({new_hv:g}, {t_lv:g}) in the script" if taps else "")
    beyond = (f"; more than the {TAP_STEPS_STANDARD} steps of {100 * TAP_STEP:g} % a "
              "pad-mount's tap changer has (IEEE C57.12.34, recalled): a transformer of "
              "another ratio" if k > TAP_STEPS_STANDARD else "")
    low = (f" (its lowest idle voltage in the study {v_idle_min_pu:.4f} → "
           f"{v_idle_min_pu * factor:.4f} pu)"
           if not math.isclose(v_idle_min_pu, v_idle_max_pu, abs_tol=5e-5) else "")
    row = ""
    if math.isfinite(v_row):
        row = (f"; the highest voltage of this bus's rows in the study (exporting) "
               f"{v_row:.4f} → ≈ {at_ratio(factor):.4f} pu (its idle {v_row_idle:.4f} pu × the "
               f"ratio, its rise ÷ it: an estimate, not a flow at the new tap)")
        if k > k_idle:  # what the idle voltage alone would have asked, and what it leaves
            at_idle = at_ratio(t_hv / (t_hv + k_idle * TAP_STEP))
            more = k - k_idle
            row += (f": {more} step{'s' if more > 1 else ''} more than the idle voltage alone "
                    f"needs, for that row (at {t_hv + k_idle * TAP_STEP:g} it stays over "
                    f"{v_max:g} pu at ≈ {at_idle:.4f} pu)")
    return (f"raise {name}'s feeder-side no-load tap {t_hv:g} → {new_hv:g} "
            f"(+{100 * k * TAP_STEP:g} %, no-load ratio × {factor:.4f}{script}): with every "
            f"site idle {v_idle_max_pu:.4f} → {v_idle_max_pu * factor:.4f} pu{low}, inside "
            f"Range A with at least {th.voltage_change_min_pu:.4g} pu to spare{row}{beyond}")
