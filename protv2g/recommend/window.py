"""Where a recommended pickup sits inside its window: margin to both criteria, or a warning.

A pickup lowered for reach (C5) or kept above load (C8) has a window: above C8's floor
(``load_pickup_factor`` × the largest load current of the element, ``domain.md`` §4) and at
or below C5's ceiling (the smallest fault current of the element's zone / the zone's factor).
A value 1 A inside an edge meets the criterion on paper only (review s33, EPRI J1: "R-MID
phase pickup 400 → 360 A, verified" on 239 A of load: C8 limit 358.5 A, 1 A — 0.4 % — of
margin on a load that was itself a drafted snapshot).

The rule (:func:`choose_lower`, :func:`edge_reasons`)
-------------------------------------------------------
* **Minimum margin.** A recommended pickup keeps at least :data:`WINDOW_MARGIN` (5 %) beyond
  each criterion's own factor: ``pickup ≥ (1 + m) × k8 × I_load`` and ``pickup ≤ I_fault_min
  / (k5 × (1 + m))``. 5 % is the pickup accuracy of a relay or recloser control
  (:data:`protv2g.checks.sensitivity.PICKUP_ACCURACY`: IEC 60255-151 accuracy classes and
  vendors' declarations, e.g. SEL-351 ±5 % of setting — recalled), the scatter by which the
  checks themselves judge a C5 row: a setting nearer an edge than its own accuracy may
  operate on the wrong side of the criterion in the field. The factors themselves (1.5 × load,
  1.5 × / 1.2 × pickup for reach) stay the criteria's (the study's ``checks``); the margin is
  recommend's only.
* **Which value.** Inside the margins, the value **nearest the present setting**: for a
  lowering the highest value at least 5 % inside C5's ceiling, so C5's edge drives it and
  C8 keeps every ampere above (the most load margin, the smallest move: fewest side effects on
  coordination, which the search re-checks). Practice, recalled: the pickup "as high as
  load growth and cold-load pickup require, as low as the minimum fault requires", never at
  either edge (IEEE Std C37.230-2020 §6.1–6.2 — recalled, not re-read).
* **Too narrow a window.** When no setting keeps the margin to both edges (the window is
  narrower than about 10 %), the value with the largest *smaller* relative margin (the
  maximin: near the geometric mean ``√(floor × ceiling)``, snapped to the device's step) is
  proposed as a **warning, not a verified fix** (:mod:`.search`: status
  :data:`protv2g.recommend.result.EDGE_STATUS`, not applied), its text saying which edge it
  lacks margin to, e.g. "window 358–369 A: no margin for load growth". The values just inside
  an edge (a raise just above C8's floor, a lowering just inside C5's ceiling: the smallest
  moves that clear on paper) are tagged alike and tried last, so a finding only such a move
  clears says so instead of "not cleared".

Values sit on the device's declared setting step (:mod:`.steps`), or on the assumed grid
(10 A up to 200 A, 50 A above, then 10/5/1 A inside a narrow window) when none is declared.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.sensitivity import PICKUP_ACCURACY
from protv2g.recommend.steps import SettingSteps, snap_down, snap_up

__all__ = ["PICKUP_FIELDS", "WINDOW_GRIDS_A", "WINDOW_MARGIN", "DeviceLoads", "Pick",
           "choose_lower", "edge_reasons", "load_basis", "load_edge", "tag_load_edges",
           "window_warning"]

#: Margin kept beyond each criterion's own factor (fraction): the pickup accuracy.
WINDOW_MARGIN = PICKUP_ACCURACY
#: The assumed grids (A), coarsest first, a window value is looked for on when the device
#: declares no step: the settings grid's 50 A (above 200 A) and 10 A, then 5 and 1 A (a
#: recloser control sets its minimum trips in 1 A steps, a numerical relay in 0.01 A
#: secondary: recalled, Eaton Form 6 and SEL-351 instruction manuals).
WINDOW_GRIDS_A = (50.0, 10.0, 5.0, 1.0)
#: Study-file pickup fields: phase (load current) and ground (standing residual 3I0).
PICKUP_FIELDS = {"pickup_a": "phase", "phase_min_trip_a": "phase",
                 "ground_pickup_a": "ground", "ground_min_trip_a": "ground"}
_EPS = 1e-9


@dataclass(frozen=True)
class Pick:
    """A pickup chosen inside a window (A) and what it rests on.

    Attributes
    ----------
    value_a : float
    step_a : float
        The step it is on (the device's, or the assumed grid's).
    declared : bool
        Whether ``step_a`` is the device's own step.
    margin_floor, margin_ceiling : float
        ``value / floor − 1`` and ``ceiling / value − 1`` (inf without that edge).
    edge : bool
        No value of the step keeps :data:`WINDOW_MARGIN` to both edges: the maximin value.
    """

    value_a: float
    step_a: float
    declared: bool
    margin_floor: float
    margin_ceiling: float
    edge: bool


def _margins(v: float, floor_a: float, ceiling_a: float) -> tuple[float, float]:
    lo = v / floor_a - 1.0 if floor_a > 0 else math.inf
    hi = ceiling_a / v - 1.0 if math.isfinite(ceiling_a) else math.inf
    return lo, hi


def _grids(top_a: float, steps: SettingSteps) -> list[tuple[float, bool]]:
    if steps.pickup_a is not None:
        return [(steps.pickup_a, True)]
    return [(g, False) for g in WINDOW_GRIDS_A if g < 50.0 or top_a > 200.0 + _EPS]


def choose_lower(floor_a: float, ceiling_a: float, present_a: float, steps: SettingSteps,
                 margin: float = WINDOW_MARGIN) -> Pick | None:
    """The pickup a lowering into the window (``floor_a``, ``ceiling_a``] proposes (module
    docstring): the highest value on the step below ``present_a`` with ``margin`` to both
    edges; else the maximin value of the window (``edge``); None when the window holds no
    value of the step below ``present_a``.

    Examples
    --------
    J1's R-MID phase window (C8 floor 1.5 × 239 A = 358.5 A, C5 ceiling 443 / 1.2 = 369.2 A)
    keeps 5 % to neither edge: the maximin on the assumed grid is 364 A (+1.5 %, −1.4 %).

    >>> p = choose_lower(358.5, 369.2, 400.0, SettingSteps())
    >>> p.value_a, p.edge, round(100 * p.margin_floor, 1), round(100 * p.margin_ceiling, 1)
    (364.0, True, 1.5, 1.4)
    >>> choose_lower(61.5, 182.0, 190.0, SettingSteps()).value_a  # ≤ 182 / 1.05 = 173.3
    170.0
    >>> choose_lower(61.5, 182.0, 190.0, SettingSteps(pickup_a=1.2)).value_a
    172.8
    """
    if not ceiling_a > floor_a:
        return None
    top = min(ceiling_a / (1.0 + margin), present_a)
    low = floor_a * (1.0 + margin)
    for step, declared in _grids(top, steps):
        v = snap_down(top, step)
        if v > present_a - 1e-6:  # a lowering: below the present value
            v = round(v - step, 6)
        if v >= low - 1e-6 and v > 0:
            return Pick(v, step, declared, *_margins(v, floor_a, ceiling_a), False)
    # no value with margin: the maximin over the window's values below the present one
    centre = math.sqrt(max(floor_a, _EPS) * ceiling_a)
    best: tuple[float, float, float, bool] | None = None
    for step, declared in _grids(ceiling_a, steps):
        # the two step values around the geometric centre (the maximin of a window), or the
        # highest below the present one when the centre is above it
        for v in (snap_down(centre, step), snap_up(centre, step),
                  snap_down(present_a - 1e-6, step)):
            if not (floor_a + _EPS < v <= ceiling_a + 1e-6 and v < present_a - _EPS):
                continue
            worst = min(_margins(v, floor_a, ceiling_a))
            if best is None or worst > best[0] + 1e-12:
                best = (worst, v, step, declared)
    if best is None:
        return None
    _, v, step, declared = best
    return Pick(v, step, declared, *_margins(v, floor_a, ceiling_a), True)


def edge_reasons(value_a: float, floor_a: float, ceiling_a: float,
                 margin: float = WINDOW_MARGIN) -> list[str]:
    """Which edge ``value_a`` lacks ``margin`` to: ``"load growth (C8: 0.4 % above its
    limit 358.5 A)"``, ``"the minimum fault (C5: 1.1 % below its limit 369.2 A)"``;
    empty when it keeps both."""
    lo, hi = _margins(value_a, floor_a, ceiling_a)
    out = []
    if lo < margin - 1e-9:
        out.append(f"load growth (C8: {100 * lo:.1f} % above its limit {floor_a:.1f} A)")
    if hi < margin - 1e-9:
        out.append(f"the minimum fault (C5: {100 * hi:.1f} % below its limit "
                   f"{ceiling_a:.1f} A)")
    return out


def window_warning(field: str, value_a: float, floor_a: float, ceiling_a: float) -> str:
    """The text of a value without margin, e.g. ``"window 358–369 A: no margin for load
    growth (C8: 0.4 % above its limit 358.5 A) — phase_min_trip_a 360 A keeps less than 5 %
    beyond the criteria's own factors"``; empty when the value keeps both margins."""
    why = edge_reasons(value_a, floor_a, ceiling_a)
    if not why:
        return ""
    where = (f"window {floor_a:.0f}–{ceiling_a:.0f} A" if math.isfinite(ceiling_a)
             else f"C8 floor {floor_a:.0f} A")
    return (f"{where}: no margin for {' or '.join(why)} — {field} {value_a:g} A keeps less "
            f"than {100 * WINDOW_MARGIN:g} % beyond the criteria's own factors (pickup "
            "accuracy, checks.sensitivity.PICKUP_ACCURACY)")


@dataclass(frozen=True)
class DeviceLoads:
    """The currents C8 judges each device's pickups against, read once from the flow's device
    table (every scenario and step, as C8 reads it): ``{(device, element): |i| (A)}``, the
    phase ``|i_a|`` or the residual ``|i_residual_a|``, finite and positive only."""

    by_element: dict[tuple[str, str], np.ndarray]

    @classmethod
    def of(cls, flow_device: pd.DataFrame | None) -> DeviceLoads:
        """From the flow's device table (``device``, ``i_a``, ``i_residual_a``); empty
        without one."""
        out: dict[tuple[str, str], np.ndarray] = {}
        if flow_device is None or "device" not in flow_device.columns or flow_device.empty:
            return cls(out)
        names = flow_device["device"].astype(str).to_numpy()
        for element, col in (("phase", "i_a"), ("ground", "i_residual_a")):
            if col not in flow_device.columns:
                continue
            i_a = np.abs(pd.to_numeric(flow_device[col], errors="coerce").to_numpy(float))
            ok = np.isfinite(i_a) & (i_a > 0)
            frame = pd.DataFrame({"device": names[ok], "i_a": i_a[ok]})
            for name, part in frame.groupby("device", sort=False):
                out[(str(name), element)] = part["i_a"].to_numpy()
        return cls(out)

    def largest_a(self, device: str, field: str, below_a: float = math.inf) -> float:
        """The largest current of ``device``'s element of pickup ``field`` below ``below_a``
        (A); NaN when not a pickup field, not in the flow or none below."""
        element = PICKUP_FIELDS.get(field)
        i_a = self.by_element.get((device, element)) if element else None
        if i_a is None:
            return math.nan
        i_a = i_a[i_a < below_a]
        return float(i_a.max()) if len(i_a) else math.nan

    def passed_a(self, device: str, field: str, value_a: float, c8_factor: float
                 ) -> tuple[float, float]:
        """(largest current a pickup ``value_a`` passes C8 for, largest of all) (A): the
        margin is to the rows the value passes — a row it still fails (e.g. a charging peak,
        a finding of its own that no pickup raise is proposed for) has no margin to keep."""
        return (self.largest_a(device, field, value_a / c8_factor),
                self.largest_a(device, field))


def load_edge(field: str, value_a: Any, device: str, loads: DeviceLoads,
              c8_factor: float) -> str:
    """:func:`window_warning` of a pickup ``value_a`` of ``device``'s ``field`` against C8's
    floor only: ``c8_factor`` × the largest load current of the rows it passes C8 for
    (:meth:`DeviceLoads.passed_a`); empty when not a pickup, no flow, or the margin holds."""
    if not isinstance(value_a, (int, float)):
        return ""
    load, _ = loads.passed_a(device, field, float(value_a), c8_factor)
    if not math.isfinite(load):
        return ""
    return window_warning(field, float(value_a), c8_factor * load, math.inf)


def load_basis(change: Any, criterion: str, loads: DeviceLoads, c8_factor: float) -> str:
    """What a verified pickup change keeps above C8's floor and which edge set it, e.g.
    ``"pickup_a 550 A: 10 % above C8's floor 499 A (1.5 × largest load current 333 A);
    C8's edge set it: the smallest raise tried at least 5 % above its floor"`` (a C8
    finding's raise; another criterion's raise or a lowering names that criterion: the
    search's smallest move that clears the finding); a larger current the value still fails
    C8 for is named; empty for other fields or without a flow."""
    parts = []
    for fld, old, new in change.fields:
        if not isinstance(new, (int, float)) or fld not in PICKUP_FIELDS:
            continue
        load, top = loads.passed_a(change.name, fld, float(new), c8_factor)
        if not math.isfinite(load):
            continue
        floor = c8_factor * load
        what = "load current" if PICKUP_FIELDS[fld] == "phase" else "standing residual 3I0"
        text = (f"{fld} {float(new):g} A: {100 * (float(new) / floor - 1):.0f} % above C8's "
                f"floor {floor:.0f} A ({c8_factor:g} × largest {what} {load:.0f} A"
                + (f" of the rows it passes; {top:.0f} A elsewhere, still above "
                   f"{float(new):g} A / {c8_factor:g}, is another finding's" if top > load
                   else "") + ")")
        m = f"{100 * WINDOW_MARGIN:g} %"
        dial = next((f for f, _o, _n in change.fields if f.endswith("time_dial")), None)
        if isinstance(old, (int, float)) and new > old and dial:  # a pair (.pickup_first)
            text += (f"; {criterion} set it with {dial}: neither alone clears the finding; the "
                     "highest raise inside its window (C5's reach ceiling) with no other "
                     f"finding worse, then the smallest {dial} that clears it")
        elif isinstance(old, (int, float)) and new > old:
            text += (f"; C8's edge set it: the smallest raise tried at least {m} above its "
                     "floor" if criterion == "C8" else
                     f"; {criterion} set it: the smallest raise tried that clears the finding")
        elif isinstance(old, (int, float)) and new < old:
            text += (f"; {criterion} set it: the highest value tried that clears the finding"
                     f", C8's floor bounding it (at least {m} above)")
        parts.append(text)
    return "; ".join(parts)


def tag_load_edges(options: list[Any], loads: DeviceLoads, c8_factor: float) -> list[Any]:
    """``options`` (:class:`~.change.Change`), each pickup that keeps less than
    :data:`WINDOW_MARGIN` above C8's floor tagged ``edge`` (tried after every other
    candidate by :mod:`.search`, and a warning if accepted); changes already tagged kept."""
    out = []
    for c in options:
        if not c.edge:
            why = "; ".join(w for f, _o, n in c.fields
                            if (w := load_edge(f, n, c.name, loads, c8_factor)))
            if why:
                c = dataclasses.replace(c, edge=why)
        out.append(c)
    return out
