"""The light-load fraction a draft takes from the model's own loadshapes.

``scenarios.light_load_fraction`` scales every load of the peak snapshot for the light-load
scenarios (the islanding screen C11 and reverse flow read it). The schema's default, 0.3, is a
generic value; a utility model that carries its loads' yearly (8760-h) or daily shapes states
its own light load (review s19 §3.7: EPRI ckt24's shapes give 0.209, and C11's head-zone
warning appeared only at that value).

Rule (stated, not a standard): over the enabled loads with a ``yearly`` shape (else ``daily``)
— but those behind a lumped load equivalent of other feeders (:mod:`.head_relay`, a skipped
head: ckt24's ``Other_Feeders``, whose own minimum falls at another hour), which no feeder
device carries —
the coincident minimum of their total, ``min_t Σ kW_i · mult_i(t) / Σ kW_i`` — the multipliers
as OpenDSS applies them to the load's ``kW`` (OpenDSS Reference Guide, Load ``yearly``/
``daily`` and LoadShape ``mult``; a shape with ``UseActual`` is in kW and is divided by its own
maximum); shapes of different lengths are not aligned, so each load then takes its own shape's
minimum (never above the coincident value). Used only when such loads carry at least
:data:`MIN_SHAPED_SHARE` of the model's load kW and the value lies in (0, 1]; otherwise the
draft keeps the 0.3 default and says why.

The same shapes' **coincident maximum** (``max_t Σ kW_i · mult_i(t)``, kW: ``peak_kw``; the
kW-weighted maximum of each load's own shape where the lengths differ, an upper bound) is kept
beside it: the draft's peak stays the snapshot (the loads' kW as the script sets them,
LoadMult 1: the distribution over the feeder the model's author wrote), but where the shapes
reach more, the peak TODO says so with the figure and the LoadMult that would make it the
peak (review rev49a #7c: LVTestCase's shapes reach a coincident 57.36 kW beside its 55 kW
snapshot, while its light level, 0.051, is taken from the same shapes). The shapes are not
taken as the peak: a uniform LoadMult spreads their coincident maximum over every load in the
snapshot's proportions, which is not the distribution at that minute, and the engineer
confirms the peak against SCADA/AMI anyway.

A *flat* shape (one point, or a constant multiplier: EPRI J1's ``Other``, ``npts=1 mult=(1)``)
covers the whole day or year but holds its loads at one level, so it states no light load:
its loads count as covered by a flat shape, not as uncovered (review s21: J1's draft said the
shapes covered "0 %" of a load that is all on one flat shape).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["DEFAULT_LIGHT_LOAD_FRACTION", "LightLoad", "MIN_SHAPED_SHARE", "light_load",
           "shapes_peak_text"]

#: The schema's light-load fraction (``Scenarios.light_load_fraction``), kept without shapes.
DEFAULT_LIGHT_LOAD_FRACTION = 0.3
#: Least share of the model's load kW that must carry a shape for the shapes to speak for the
#: feeder (a few shaped loads on an unshaped feeder say nothing of its light load).
MIN_SHAPED_SHARE = 0.5


@dataclass(frozen=True)
class LightLoad:
    """The drafted light-load fraction and where it comes from (the study's comment)."""

    fraction: float
    source: str
    #: whether the fraction comes from the model's loadshapes (False: protv2g's default)
    from_model: bool = True
    #: the shaped loads' coincident maximum, kW (module docstring), NaN without shapes
    peak_kw: float = float("nan")
    #: the shaped loads' snapshot kW (their ``kW`` as the script sets them)
    shaped_kw: float = float("nan")
    #: whether ``peak_kw`` is coincident (False: each load's own maximum, shapes of
    #: different lengths: an upper bound)
    coincident: bool = True


def _is_flat(mult: np.ndarray) -> bool:
    """Whether a shape holds its loads at one level (one point, or all points equal)."""
    return bool(mult.size >= 1 and np.ptp(mult) <= 1e-9 * max(1.0, float(np.abs(mult).max())))


def _coverage_text(total_kw: float, shaped_kw: float, flat_kw: float) -> str:
    """Why the shapes do not state the light load: how much load kW varying shapes cover,
    and how much sits on flat shapes (which cover the whole day/year at one level)."""
    if total_kw <= 0:
        return "the model has no enabled load kW"
    need = f"{100 * MIN_SHAPED_SHARE:.0f} %"
    if flat_kw > 0 and shaped_kw <= 0:
        return (f"the model's loadshapes are flat (one level, e.g. npts=1) for "
                f"{100 * flat_kw / total_kw:.0f} % of its load kW: a flat shape covers the whole "
                "day/year at one level and states no light load; no load has a shape that varies")
    text = (f"the model's loadshapes that vary cover {100 * shaped_kw / total_kw:.0f} % "
            f"of its load kW (< {need})")
    if flat_kw > 0:
        text += (f"; {100 * flat_kw / total_kw:.0f} % is on flat shapes (the whole day/year at "
                 "one level: no light load stated)")
    return text


def light_load(dss: Any, exclude_buses: frozenset[str] = frozenset()) -> LightLoad:
    """The light-load fraction of an OpenDSS model (module docstring).

    Parameters
    ----------
    dss : module
        The ``opendssdirect`` context of the compiled model
        (:attr:`protv2g.network.dss_model.DssModel.engine`); only read.
    exclude_buses : frozenset of str
        Buses (lower case) whose loads are left out: behind lumped load equivalents.

    Returns
    -------
    LightLoad
    """
    shapes: dict[str, np.ndarray] = {}
    ok = dss.LoadShape.First()
    while ok:
        mult = np.asarray(dss.LoadShape.PMult(), dtype=float)
        if dss.LoadShape.UseActual() and mult.size and mult.max() > 0:
            mult = mult / mult.max()
        shapes[dss.LoadShape.Name().lower()] = mult
        ok = dss.LoadShape.Next()
    total_kw, shaped_kw, flat_kw, used, left_out = 0.0, 0.0, 0.0, {}, 0
    per_shape_kw: dict[str, float] = {}
    ok = dss.Loads.First()
    while ok:
        bus = dss.CktElement.BusNames()[0].split(".", 1)[0].lower()
        left_out += bus in exclude_buses
        if dss.CktElement.Enabled() and bus not in exclude_buses:
            kw = float(dss.Loads.kW())
            total_kw += kw
            name = (dss.Loads.Yearly() or dss.Loads.Daily() or "").lower()
            if name in shapes and _is_flat(shapes[name]):
                flat_kw += kw
            elif name in shapes and shapes[name].size >= 24:
                shaped_kw += kw
                per_shape_kw[name] = per_shape_kw.get(name, 0.0) + kw
                used[name] = "yearly" if dss.Loads.Yearly() else "daily"
        ok = dss.Loads.Next()
    if total_kw <= 0 or shaped_kw < MIN_SHAPED_SHARE * total_kw:
        return LightLoad(DEFAULT_LIGHT_LOAD_FRACTION,
                         "protv2g's default: " + _coverage_text(total_kw, shaped_kw, flat_kw),
                         from_model=False)
    lengths = {shapes[n].size for n in per_shape_kw}
    if len(lengths) == 1:
        agg = sum(kw * shapes[n] for n, kw in per_shape_kw.items())
        value = float(np.min(agg)) / shaped_kw
        peak_kw = float(np.max(agg))
        how = "coincident minimum of the shaped loads' total"
    else:
        value = sum(kw * float(shapes[n].min()) for n, kw in per_shape_kw.items()) / shaped_kw
        peak_kw = sum(kw * float(shapes[n].max()) for n, kw in per_shape_kw.items())
        how = "kW-weighted minimum of each load's own shape (shapes of different lengths)"
    if not 0.0 < value <= 1.0:
        return LightLoad(DEFAULT_LIGHT_LOAD_FRACTION,
                         f"protv2g's default: the model's loadshapes give {value:.3g}, "
                         "outside (0, 1]", from_model=False)
    names = ", ".join(f"{n} ({used[n]}, {shapes[n].size} points)" for n in
                      sorted(per_shape_kw, key=per_shape_kw.get, reverse=True)[:4])
    more = f" and {len(per_shape_kw) - 4} more" if len(per_shape_kw) > 4 else ""
    more += (f"; {left_out} load(s) behind lumped equivalents of other feeders left out"
             if left_out else "")
    return LightLoad(round(value, 3),
                     f"the model's own loadshapes: {how}, {100 * shaped_kw / total_kw:.0f} % "
                     f"of its load kW; {names}{more}", peak_kw=peak_kw, shaped_kw=shaped_kw,
                     coincident=len(lengths) == 1)


def shapes_peak_text(light: LightLoad | None, load_kw: float) -> str:
    """What the peak TODO adds where the model's shapes reach more than its snapshot
    (module docstring): ``"; its loadshapes reach a coincident 57.36 kW (4.3 % above …)"``;
    "" without shapes or when they reach no more (within 0.1 %). ``load_kw``: the snapshot's
    total load kW (shaped and unshaped), the drafted peak.

    >>> shapes_peak_text(LightLoad(0.051, "", peak_kw=57.36, shaped_kw=55.0), 55.0)[:62]
    '; the same loadshapes that give the light level reach a coinci'
    """
    if light is None or not light.from_model or not np.isfinite(light.peak_kw):
        return ""
    # the unshaped loads stay at their snapshot kW at the shapes' maximum
    top_kw = light.peak_kw + max(load_kw - light.shaped_kw, 0.0)
    if not load_kw > 0 or top_kw <= load_kw * 1.001:
        return ""
    what = "a coincident" if light.coincident else "at most (each load's own maximum)"
    return (f"; the same loadshapes that give the light level reach {what} {top_kw:,.2f} kW, "
            f"{100 * (top_kw / load_kw - 1):.1f} % above this snapshot: kept at the snapshot "
            "(the loads as the script distributes them); 'Set LoadMult="
            f"{top_kw / load_kw:.3f}' in a feeder.redirects script makes that the peak")
