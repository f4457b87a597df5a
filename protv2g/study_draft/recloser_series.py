"""Two drafted mid-line reclosers in series: the upper one's delayed curves slowed until C4
holds between them (rcl45b).

The walk (:mod:`.recloser_walk`) drafts a recloser below a recloser where the one above
reaches only part of its zone, both with the same curves (101/133 phase, 104/117 ground) and
multiplier 1. With the same delayed curve and only the pickups apart, the two delayed curves
close in at high currents (the curves flatten): IEEE 8500 + campus, ln6108141-1 below
ln5587291-3 (240 / 710 A), C4 failed by −0.035 s on 2,096 rows — init drafted a pair that
fails its own check.

C4's rule for a recloser backing up a recloser (:mod:`protv2g.checks.coordination`): the
backup's delayed curve clears after the primary's longest shot plus the relay–recloser
interval of an electronic control,
``t_delayed_backup − t_longest_shot − CTI ≥ 0``, CTI = 0.12 s
(:func:`protv2g.devices.rules.coordination_interval_s` for ``relay-recloser``, numerical: the
safety component of ``rules.yaml``'s coordination interval, no breaker time — both times are
clearing times). The draft, as an engineer does on a TCC plot, keeps the lower recloser as
drafted (its fast curve saves the fuses below it) and raises the upper one's delayed
multipliers (OpenDSS ``TDPhDelayed``/``TDGrDelayed``; phase and ground apart) in steps of
:data:`MULTIPLIER_STEP` until, at every current from the lower one's minimum trip up to its
maximum fault (IEC 60909 max, at its own far bus: the largest current it clears), the
upper one's delayed clearing is at least the lower one's longest shot + CTI:

* phase: the phase delayed curves at the phase current, up to the largest multi-phase
  fault current;
* ground: the ground delayed curves at |3I0|, up to the largest ground-fault |3I0|.

Judging the two elements apart is enough for the pair (C4 takes each device's faster
element, ``fmin`` of phase and ground: if each of the upper one's elements is CTI slower than
the lower one's, so is their minimum). Both are judged at the same current: the two are in
series with no source between them but the V2G sites, whose share C4 itself judges.
Processed bottom-up, so that a recloser raised over the one below it is what the one above
it coordinates over. Where :data:`MULTIPLIER_MAX` does not do it, the multiplier stays there
and the pair's C4 rows say by how much it fails.

**The fast curves are left as they are, and the upper one's TODO says why** (session 45's
left item 3): both carry the same fast curves (101 phase, 104 ground), so C4's fast-shot rows
(``backup recloser fast shot after primary fast shot``, a *warn*) flag the pair at every fault
beyond the lower one. In practice two series reclosers' fast curves are not coordinated by
time — a fast curve slow enough to wait for the other's would no longer save the fuses in the
upper one's own zone; the upper control's **sequence coordination** steps its shot count
when the lower one clears a fault on its fast shot, so the two do not run through their fast
shots together (Cooper Power Systems, *Electrical Distribution-System Protection*, 1990,
recloser-to-recloser coordination, recalled; the reference C4 itself cites). protv2g does
not model that control feature: the warn rows stay, and the TODO names them and what makes
them dismissable (:func:`fast_shot_text`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from protv2g.devices.rules import DevicePair, coordination_interval_s
from protv2g.study_draft.mid_recloser import MidRecloser

__all__ = ["MULTIPLIER_STEP", "MULTIPLIER_MAX", "SERIES_CTI", "coordinate_series",
           "fast_shot_text"]

#: The delayed multiplier's step: the ordinary increment of a recloser's multiplier
#: (:func:`protv2g.recommend.steps.dial_steps_up`, 0.1 for a multiplier).
MULTIPLIER_STEP = 0.1
#: The largest delayed multiplier the draft gives (a recloser control's TD range reaches 10
#: and beyond; past 3 an engineer would rather choose a slower curve: recalled practice).
MULTIPLIER_MAX = 3.0
#: C4's interval for a recloser backing up a recloser (module docstring).
SERIES_CTI = coordination_interval_s(DevicePair.RELAY_RECLOSER, "numerical")
#: Currents judged between the lower one's minimum trip and its maximum fault.
_N_GRID = 200

Times = Callable[[MidRecloser, np.ndarray, bool], np.ndarray]


def _grid(lo_a: float, hi_a: float) -> np.ndarray:
    """Currents from just above ``lo_a`` to ``hi_a`` (A), geometric, both ends kept."""
    if not (lo_a > 0 and hi_a > lo_a):
        return np.zeros(0)
    return np.geomspace(lo_a * (1.0 + 1e-6), hi_a, _N_GRID)


def pair_margin_s(upper: MidRecloser, lower: MidRecloser, times: Times, i_a: np.ndarray,
                  ground: bool) -> float:
    """The smallest ``t_delayed_upper − t_longest_shot_lower − CTI`` (s) over ``i_a`` (A),
    of the ground or phase elements (``times(rec, i_a, ground)``: (delayed, longest shot)
    clearing times, s); inf where the lower one clears nothing there."""
    if not len(i_a):
        return math.inf
    t_up = times(upper, i_a, ground)[0]
    t_low = times(lower, i_a, ground)[1]
    ok = np.isfinite(t_low)
    if not ok.any():
        return math.inf
    return float(np.min(t_up[ok] - t_low[ok] - SERIES_CTI.value))


def coordinate_series(drafted: list[MidRecloser], times: Times,
                      max_fault_a: Callable[[MidRecloser], tuple[float, float]]) -> None:
    """Raise the delayed multipliers of every drafted recloser above another (module
    docstring), in place. ``drafted``: outermost first, each below the device its
    ``figures["upstream"]`` names; ``times(rec, i_a, ground)``: its (delayed, longest
    shot) clearing times (s) at ``i_a`` (A) as drafted now; ``max_fault_a(rec)``: its
    largest multi-phase current and |3I0| (A)."""
    by_name = {f"recloser-{r.line}": r for r in drafted}
    for lower in reversed(drafted):   # a child after all of its own children
        upper = by_name.get(lower.figures.get("upstream", ""))
        if upper is None:
            continue
        upper.place += "; " + fast_shot_text(lower)
        i_ph, i_g = max_fault_a(lower)
        for ground, attr, pickup, i_max in (
                (False, "delayed_multiplier", lower.pickup_a, i_ph),
                (True, "ground_delayed_multiplier", lower.ground_pickup_a, i_g)):
            i_a = _grid(pickup, i_max)
            if ground and upper.ground_delayed_multiplier is None:
                upper.ground_delayed_multiplier = 1.0   # its own, not the phase one's
            start = getattr(upper, attr)
            m = start
            while (pair_margin_s(upper, lower, times, i_a, ground) < 0
                   and m < MULTIPLIER_MAX - 1e-9):
                m = round(m + MULTIPLIER_STEP, 6)
                setattr(upper, attr, m)
            if m != start:
                what = "ground" if ground else "phase"
                margin = pair_margin_s(upper, lower, times, i_a, ground)
                upper.place += (
                    f"; its {what} delayed multiplier {m:g} (not 1): C4 over "
                    f"recloser-{lower.line} below it (delayed after its longest shot + "
                    f"{SERIES_CTI.value:g} s: {SERIES_CTI.basis}, IEEE 242-2001 cl. 15) at "
                    f"every {what} current from its {pickup:.0f} A minimum trip to its "
                    f"{i_max:.0f} A maximum fault (IEC 60909 max, its close-in fault "
                    f"included): smallest margin {margin:+.3f} s "
                    "(protv2g.study_draft.recloser_series)")


def fast_shot_text(lower: MidRecloser) -> str:
    """What the upper recloser's TODO says of its fast shots over ``lower`` (module
    docstring)."""
    return (f"its fast curves are those of recloser-{lower.line} below it (101 phase, 104 "
            "ground): C4 warns 'backup recloser fast shot after primary fast shot' for the "
            f"faults beyond recloser-{lower.line} — series reclosers' fast curves are not "
            "coordinated by time (a slower fast curve would stop saving the fuses in this "
            "one's own zone); set sequence coordination on this recloser's control (it steps "
            f"its count when recloser-{lower.line} clears on a fast shot: Cooper Power "
            "Systems, Electrical Distribution-System Protection, 1990, recalled), which "
            "protv2g does not model: with it set, those C4 warns are dismissable")
