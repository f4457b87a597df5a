"""A recloser's candidate moves (:func:`.candidates.candidates`), and a reclosing relay's
first reclose interval: C10's longer first reclose (:func:`first_reclose_menu`); C2's fuse
saving kept — the fault seen by a lower phase or ground minimum trip or a new ground element
(:func:`_see_moves`, :func:`new_ground_element`), cleared faster by an instantaneous — or
given up last (fewer fast shots, none at :data:`FUSE_BLOWING_RANK`); a slower delayed curve
for C2/C4 with its ground curve stated (:func:`_ground_delayed`); C8's minimum trip up
(:func:`_recloser_load_moves`). Split from :mod:`.candidates`, which re-exports the names
read from there.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from protv2g.checks.reclosing import EXISTING_DER_CEASE_S
from protv2g.recommend.change import Change, Family
from protv2g.recommend.saving import FindingReach, RecloserLimits
from protv2g.recommend.sized_change import _change, _lower, _rel
from protv2g.recommend.steps import dial_steps_up, pickup_steps_up, settings_steps
from protv2g.recommend.window import WINDOW_MARGIN, choose_lower, window_warning
from protv2g.study_draft.head_relay import RECLOSE_INTERVALS_DER_S
from protv2g.units import DeviceKind

__all__ = ["FIRST_RECLOSE_S", "FIRST_RECLOSE_STEP_S", "FUSE_BLOWING_RANK",
           "first_reclose_menu", "new_ground_element"]


#: First reclose intervals C10's moves try, s. The smallest is the first reclose ``protv2g
#: init`` drafts on a feeder with DER or V2G sites (:data:`protv2g.study_draft.head_relay.
#: RECLOSE_INTERVALS_DER_S`: the 2 s cease-to-energise of IEEE 1547-2018 §8.1 plus C10's
#: 1.0 s margin, rounded up to 0.5 s = 3.5 s), imported so the two never disagree (EPRI
#: ckt24 review: recommend proposed 3 s where init drafts 3.5 s); then 5, 10 and 15 s, common
#: recloser control menus.
FIRST_RECLOSE_S = (RECLOSE_INTERVALS_DER_S[0], 5.0, 10.0, 15.0)
#: Step of the first reclose interval C10's moves try below :data:`FIRST_RECLOSE_S` when the
#: finding needs less (its ``limit``: the island's window + margin, e.g. 0.16-s UV2 + 0.5 s
#: on EPRI J1's homes, review rev40a M4, where 3.5 s was offered): the smallest multiple above
#: it, s — recloser controls set intervals in steps of 0.1 s or finer, 0.5 s keeps it round.
FIRST_RECLOSE_STEP_S = 0.5


def first_reclose_menu(first_s: float, need_s: float | None = None) -> list[float]:
    """First reclose intervals to try for C10, longer than ``first_s``: the smallest
    :data:`FIRST_RECLOSE_STEP_S` multiple above the finding's ``need_s`` when it is no longer
    than the 2-s cease bound of IEEE 1547-2018 §8.1 (:data:`protv2g.checks.reclosing.
    EXISTING_DER_CEASE_S`: the island ends sooner — a UV2 trip, a short declared cease time),
    then :data:`FIRST_RECLOSE_S` (above the bound the menu starts at init's 3.5 s, as before:
    EPRI ckt24 review, 3 s proposed where init drafts 3.5 s).

    >>> first_reclose_menu(0.5, 0.66)
    [1.0, 3.5, 5.0, 10.0, 15.0]
    >>> first_reclose_menu(0.5, 2.5)
    [3.5, 5.0, 10.0, 15.0]
    """
    menu = list(FIRST_RECLOSE_S)
    if need_s is not None and math.isfinite(need_s) and need_s > 0:
        t = (math.floor(need_s / FIRST_RECLOSE_STEP_S + 1e-9) + 1) * FIRST_RECLOSE_STEP_S
        if t <= EXISTING_DER_CEASE_S + 1e-9:
            menu.insert(0, t)
    return [t for t in menu if t > first_s]


#: Added to a change that gives up fuse saving (no fast shot left): after every other move,
#: the DER's own settings included (review s17 §3.8: fuse blowing interrupts the lateral's
#: customers for every temporary fault — a utility decision, not only a setting).
FUSE_BLOWING_RANK = 5.0


def _recloser_load_moves(dev: Any, residual: bool) -> Iterator[Change]:
    """A recloser's C8 (its load above minimum trip / 1.5 at an import or export peak, not a
    charging peak): its phase minimum trip up — its ground minimum trip on a residual row —
    on its declared steps (:mod:`.steps`); the search re-checks C5's reach and the pairs as
    for any candidate. Review rev35b W2: IEEE 123's rc67 (228 A at peak without V2G, 280 A
    minimum trip) and IEEE 13's rc671 (481 A, 560 A) were told "no ordinary setting change …
    schedule the charging" while a minimum trip of 1.5 × their load cleared them (rc671 at
    750 A, re-run by the reviewer)."""
    field = "ground_min_trip_a" if residual else "phase_min_trip_a"
    value = getattr(dev, field, None)
    if value is None:
        return
    yield from (_change("devices", dev.name, field, value, p, Family.PICKUP, _rel(value, p))
                for p in pickup_steps_up(value, settings_steps(dev)))


def _recloser_moves(dev: Any, criterion: str, ground: bool = True,
                    reach: FindingReach | None = None, limits: RecloserLimits | None = None,
                    v2g: bool = True, need_s: float | None = None) -> Iterator[Change]:
    n = dev.name
    if criterion == "C10":
        first = dev.reclose_intervals_s[0] if dev.reclose_intervals_s else 0.0
        for t in first_reclose_menu(first, need_s):
            new = [t, *dev.reclose_intervals_s[1:]]
            yield _change("devices", n, "reclose_intervals_s",
                          list(dev.reclose_intervals_s), new, Family.RECLOSE_INTERVAL,
                          _rel(first, t) / 10)
        return
    unseen = reach is not None and reach.unseen
    if criterion == "C2" and limits is not None:  # keep fuse saving: see the fault (.saving)
        yield from _see_moves(dev, ground, reach, limits)
    if criterion == "C2" and not unseen:  # fuse saving: clear faster
        if dev.phase_inst_a is None:
            for mult in (3.0, 4.0, 5.0):
                yield _change("devices", n, "phase_inst_a", None,
                              round(mult * dev.phase_min_trip_a, -1), Family.INSTANTANEOUS,
                              mult / 10)
    if criterion == "C2" and (v2g or not unseen):  # fewer fast shots; 0 (fuse blowing) last
        total = dev.n_fast + dev.n_delayed  # operations to lockout are kept
        for k in range(dev.n_fast - 1, -1, -1):
            if total - k > 4 or (k > 0 and unseen) or (k == 0 and not v2g):
                continue
            yield _change("devices", n, "n_fast", dev.n_fast, k, Family.FAST_SHOTS,
                          (dev.n_fast - k) / 10 + (FUSE_BLOWING_RANK if k == 0 else 0.0),
                          (("n_delayed", dev.n_delayed, total - k),))
    if criterion == "C4" or (criterion == "C2" and not unseen):
        # fuse or primary backup: slower delayed curve
        yield from (_change("devices", n, "delayed_multiplier", dev.delayed_multiplier, x,
                            Family.TIME_DIAL, _rel(dev.delayed_multiplier, x),
                            _ground_delayed(dev, x, ground))
                    for x in dial_steps_up(dev.delayed_multiplier, 0.1,
                                           settings_steps(dev).dial, 10))


def _see_moves(dev: Any, ground: bool, reach: FindingReach | None,
               limits: RecloserLimits) -> Iterator[Change]:
    """A lower phase minimum trip (not below C8's floor); on ground-fault evidence a lower
    ground minimum trip, or a ground element where the recloser has none and 3I0 is
    unchanged by V2G (bounds: :class:`~.saving.RecloserLimits`). Ground elements rank
    before a lower phase trip (their sizes stay below 0.1): 3I0 is what the chargers do not
    feed, while a lower phase trip spends the load margin. Values on the device's declared
    step (:mod:`.steps`); a value within 5 % of C8's floor is tagged by the search
    (:func:`.window.tag_load_edges`), a new ground element's within 5 % of its C5 ceiling
    here (:mod:`.window`)."""
    n = dev.name
    steps = settings_steps(dev)
    yield from (_change("devices", n, "phase_min_trip_a", dev.phase_min_trip_a, p,
                        Family.PICKUP, _rel(dev.phase_min_trip_a, p))
                for p in _lower(dev.phase_min_trip_a, limits.phase_floor_a, steps))
    if not ground:
        return
    if dev.ground_min_trip_a is not None:
        yield from (_change("devices", n, "ground_min_trip_a", dev.ground_min_trip_a, g,
                            Family.PICKUP, _rel(dev.ground_min_trip_a, g))
                    for g in _lower(dev.ground_min_trip_a, limits.ground_floor_a, steps))
        return
    if reach is None or not reach.i0_unchanged:
        return
    yield from new_ground_element(dev, limits)


def new_ground_element(dev: Any, limits: RecloserLimits) -> Iterator[Change]:
    """A ground element on a recloser or relay that has none, its minimum trip (pickup) in
    ``limits``' window [C8's residual floor, C5's zone minimum 3I0 / factor] on the device's
    step, highest first (the most margin over unbalance the model may not show); its curves
    the device's own phase curves and dials (stated, not left to defaults). None when the
    window holds no value."""
    if not math.isfinite(limits.ground_ceiling_a):
        return
    steps = settings_steps(dev)
    pick = choose_lower(limits.ground_floor_a, limits.ground_ceiling_a, math.inf, steps)
    if pick is None:
        return
    top = pick.value_a
    values = [top] if pick.edge else [top, *(
        g for g in _lower(top, limits.ground_floor_a * (1.0 + WINDOW_MARGIN), steps))]
    relay = dev.kind is DeviceKind.RELAY
    field = "ground_pickup_a" if relay else "ground_min_trip_a"
    own = ((("ground_curve", "curve"), ("ground_time_dial", "time_dial")) if relay else
           (("ground_fast_curve", "fast_curve"), ("ground_delayed_curve", "delayed_curve"),
            ("ground_fast_multiplier", "fast_multiplier"),
            ("ground_delayed_multiplier", "delayed_multiplier")))
    extra = tuple((fld, None, getattr(dev, phase)) for fld, phase in own
                  if getattr(dev, fld, None) is None and getattr(dev, phase, None) is not None)
    edge = (window_warning(field, top, limits.ground_floor_a, limits.ground_ceiling_a)
            if pick.edge else "")
    for g in values:
        yield _change("devices", dev.name, field, None, g, Family.GROUND_ELEMENT,
                      0.1 * (top - g) / top, extra, edge)


def _ground_delayed(dev: Any, x: float, ground: bool) -> tuple[tuple[str, Any, Any], ...]:
    """What a phase delayed-multiplier move does to the ground delayed curve, stated as a
    field of the change (review s17: ``ground_delayed_multiplier: null`` means "the phase
    multiplier", :class:`protv2g.devices.recloser.RecloserSettings`, so the move shifted the
    ground curve unsaid).

    The 51G element sees 3I0 only, so a finding seen on 3ph/LL faults alone is a phase
    problem: the ground curve is pinned at its old multiplier (ground clearing and its
    margin to the head relay's 51G stay as set). A finding with SLG/LLG evidence may be
    cleared by the ground element, which then has to move with the phase one: the ground
    multiplier is set to the new value explicitly. Either way the search re-checks every
    fault type (:mod:`protv2g.recommend.search`), so the ground coordination the change
    implies is verified, and the recommendation's text names both fields.
    """
    if dev.ground_min_trip_a is None or dev.ground_delayed_multiplier is not None:
        return ()  # no 51G, or its multiplier is set on its own and stays
    return (("ground_delayed_multiplier", None, x if ground else dev.delayed_multiplier),)
