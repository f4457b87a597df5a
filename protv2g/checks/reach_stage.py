"""Which charger stage C5 (reach, :mod:`.sensitivity`) judges a device's element on.

A device's reach is whether its element picks up on the smallest fault of its zone. Whether it
picks up is decided by the current while it would operate, not by the first cycle alone
(review23 §3): the chargers give their first-cycle current (``limit_pu``, 1.5 pu by default)
for one cycle only and are at their sustained limit (1.1–1.2 pu, IEEE Std 1547-2018 §6.4 /
the study's charger model) from then on (``docs/charger-fault-model.md`` §2–3, the stages of
:class:`~protv2g.engine.staged_tables.StagedCurrents`).

* A **time-delayed element** — a relay's 51/51G (inverse or definite time), a recloser's fast
  and delayed curves, a fuse's melting — integrates over its operating time, tens of
  milliseconds at least, while the ``sustained`` stage holds: it is judged on that stage. The
  stages after a site's ride-through trip (``after_trip_j``) are not counted on: a device that
  sees the fault only once the chargers have tripped has lost its reach while they ride
  through.
* An **instantaneous element** (a relay whose only ground element is its 50G) acts in the
  first cycle: it is judged on the first cycle.

The sustained stage is taken in both brackets of the chargers' contribution
(:mod:`.brackets`: ``ctx.staged`` low, ``ctx.staged_high`` high; without the high bracket's
stages that bracket is the first cycle held) and the worse (the smaller current the element
sees) kept with its ``bracket``, as C1–C4 keep the worse bracket. Without stages (a one-stage
charger model) the first cycle is the only stage.

Behind a step transformer C5 judges a device by the element that sees more; that element is
chosen here, on the same stage and bracket currents as its margin (:func:`judged_stage`), not
on the first cycle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from protv2g.checks._common import CheckContext
from protv2g.devices.models import OvercurrentRelay
from protv2g.directional.decide import ALL_RELEASED, release_masks
from protv2g.engine.staged_tables import StagedCurrents

__all__ = ["FIRST_CYCLE", "SUSTAINED", "instantaneous_ground", "judged_stage",
           "stage_currents", "sustained_stage"]

#: The stage names of :func:`protv2g.engine.staging.stage_names` C5 reads.
FIRST_CYCLE, SUSTAINED = "first_cycle", "sustained"


def instantaneous_ground(device: Any) -> bool:
    """Whether ``device``'s ground pickup (:func:`protv2g.devices.kinds.ground_pickup_a`) is an
    instantaneous element: a relay with a 50G and no 51G."""
    if not isinstance(device, OvercurrentRelay):
        return False
    s = device.settings
    return s.ground_pickup_a is None and s.ground_inst_pickup_a is not None


def sustained_stage(st: StagedCurrents | None, at: np.ndarray, i_phase_a: np.ndarray,
               i_ground_a: np.ndarray, released: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """``(phase, ground)`` currents (A) of the fault-table rows ``at`` (``-1``: a row the
    table does not have, 0 A) in ``st``'s sustained stage; the first-cycle currents (float64,
    ``i_phase_a``/``i_ground_a``) where that stage carries the first cycle's bits (no charger
    contribution, a padded stage) so that a row without stages is judged exactly as before.
    ``released`` (``(n,)`` release codes, :data:`~.directional_release.RELEASED_COLUMN`;
    ``ALL_RELEASED`` at ``-1``): on a row whose directional control holds an element back,
    the largest released phase and ``|3I0|`` only where the ground element is released
    (:func:`~.directional_release.released_currents`, C9's decision held through the
    stages). ``None`` without that stage."""
    if st is None or SUSTAINED not in st.stage_names:
        return None
    k = st.stage_names.index(SUSTAINED)
    have = at >= 0
    rows = st.stage_rows(np.where(have, at, 0))
    s0, s1 = st.stage_i_a[0, rows], st.stage_i_a[k, rows]  # (n, 4) float32
    # the largest phase column by column (#21: the maximum along the short axis of the
    # (n, 4) rows was 30 ms a call at 10,000 buses); NaN propagates alike
    p0 = np.maximum(np.maximum(s0[:, 0], s0[:, 1]), s0[:, 2])
    p1 = np.maximum(np.maximum(s1[:, 0], s1[:, 1]), s1[:, 2])
    phase = np.where(p1 == p0, i_phase_a, p1.astype(float))
    ground = np.where(s1[:, 3] == s0[:, 3], i_ground_a, s1[:, 3].astype(float))
    if released is not None:
        part = np.flatnonzero(have & (released != ALL_RELEASED))
        if len(part):
            ph, gr = release_masks(released[part])
            same = (s1[part, :3] == s0[part, :3]).all(axis=-1)  # first cycle's (released)
            phase[part] = np.where(same, i_phase_a[part], s1[part, :3].astype(float).max(
                axis=-1, where=ph, initial=0.0))
            ground[part] = np.where(gr, ground[part], 0.0)
    return np.where(have, phase, 0.0), np.where(have, ground, 0.0)


def stage_currents(ctx: CheckContext, at: np.ndarray, i_phase_a: np.ndarray,
                   i_ground_a: np.ndarray, ground: np.ndarray, instantaneous: np.ndarray,
                   released: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The operating current C5 judges each zone row on: :func:`judged_stage` on the
    elements ``ground`` gives (no row chooses its element), without the element.

    Parameters
    ----------
    ctx : CheckContext
        ``staged`` and ``staged_high`` (aligned with ``ctx.faults``).
    at : numpy.ndarray
        ``(n,)`` positions of the rows in ``ctx.faults`` (``-1``: a zone fault without a row).
    i_phase_a, i_ground_a : numpy.ndarray
        ``(n,)`` first-cycle phase and 3I0 currents (A).
    ground : numpy.ndarray
        ``(n,)`` bool: the row is judged on the ground element (3I0), else the phase element.
    instantaneous : numpy.ndarray
        ``(n,)`` bool: the row's ground element is instantaneous (first cycle).
    released : numpy.ndarray or None
        ``(n,)`` release codes of a forward-directional relay's rows (:func:`sustained_stage`;
        ``i_phase_a``/``i_ground_a`` then the released elements' first-cycle currents).

    Returns
    -------
    i_op_a : numpy.ndarray
        ``(n,)`` the current judged (A): the worse bracket's sustained stage, or the first
        cycle (instantaneous elements, one-stage model).
    stage : numpy.ndarray
        ``(n,)`` object: :data:`SUSTAINED`, :data:`FIRST_CYCLE` (an instantaneous element) or
        ``""`` (the fault result has one stage: its first cycle).
    bracket : numpy.ndarray
        ``(n,)`` object: ``low``/``high``/``both`` for a sustained-stage row, ``""`` for a
        first-cycle one and where no stage changes the current (a base case).
    """
    return judged_stage(ctx, at, i_phase_a, i_ground_a, ground, instantaneous, released)[1:]


def judged_stage(ctx: CheckContext, at: np.ndarray, i_phase_a: np.ndarray,
                 i_ground_a: np.ndarray, ground: np.ndarray, instantaneous: np.ndarray,
                 released: np.ndarray | None = None, either: np.ndarray | None = None,
                 pickup_a: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The element and operating current C5 judges each zone row on.

    A row with ``either`` (behind a step transformer, :data:`~.reach_zone.EITHER_ELEMENT`)
    is judged by the element that sees more **on the currents it is judged on**: in each
    bracket the phase element on its sustained phase current, the ground element on its
    sustained ``|3I0|`` (its first cycle where it is instantaneous), the larger multiple of
    its pickup (a tie: ground); then the bracket whose chosen element gives the smaller
    multiple. The device reaches the fault when either element does while it times, so
    the choice is taken where the margin is (review idle43 "Left" 1: IEEE 34 R-816 at 890,
    LLG-ab min, phase 0.199 × pickup against 3I0 0.168 in the first cycle but 0.086 against
    0.183 sustained; judged on phase at the sustained current, −1.114 × pickup for ≈ −1.02).
    Without stages (a one-stage model, a base case whose stages carry the first cycle) this
    is the choice on the first cycle, as before.

    Parameters
    ----------
    ctx, at, i_phase_a, i_ground_a, released
        As :func:`stage_currents`.
    ground : numpy.ndarray
        ``(n,)`` bool: the row's ground element may judge it (a ground fault, a device with a
        ground element, released); without ``either`` it does.
    instantaneous : numpy.ndarray
        ``(n,)`` bool: the row's ground element is instantaneous (judged on the first cycle).
    either : numpy.ndarray or None
        ``(n,)`` bool: the row is judged by its more sensitive element (where ``ground``).
    pickup_a : (numpy.ndarray, numpy.ndarray) or None
        ``(phase, ground)`` pickups (A) of each row's device; needed with ``either``.

    Returns
    -------
    ground : numpy.ndarray
        ``(n,)`` bool: judged on the ground element (the worse bracket's choice).
    i_op_a, stage, bracket : numpy.ndarray
        As :func:`stage_currents`, on that element.
    """
    ground = np.asarray(ground, dtype=bool)
    inst = np.asarray(instantaneous, dtype=bool)
    n = len(ground)
    low = sustained_stage(ctx.staged, at, i_phase_a, i_ground_a, released)
    high = None if low is None else sustained_stage(ctx.staged_high, at, i_phase_a,
                                                    i_ground_a, released)
    # each bracket's (phase, ground) currents; the first cycle without stages, and held for
    # the high bracket without its stages (faults.high_bracket)
    first = (np.asarray(i_phase_a, dtype=float), np.asarray(i_ground_a, dtype=float))
    lo, hi = low or first, high or first
    g_lo, g_hi = (np.where(inst, first[1], b[1]) for b in (lo, hi))  # a 50G: first cycle
    if either is not None and np.any(either):
        ph, gp = pickup_a  # type: ignore[misc]
        pick = ground & np.asarray(either, dtype=bool)
        # the more sensitive element in each bracket (cross-multiplied: pickups > 0)
        gr_lo = ground & ~(pick & (lo[0] * gp > g_lo * ph))
        gr_hi = ground & ~(pick & (hi[0] * gp > g_hi * ph))
        i_lo, i_hi = np.where(gr_lo, g_lo, lo[0]), np.where(gr_hi, g_hi, hi[0])
        with np.errstate(invalid="ignore"):
            worse_hi = (i_hi * np.where(gr_lo, gp, ph) < i_lo * np.where(gr_hi, gp, ph)) | (
                np.isnan(i_lo) & ~np.isnan(i_hi))
        differ = gr_lo != gr_hi
        ground = np.where(differ, np.where(worse_hi, gr_hi, gr_lo), gr_lo)
    else:
        differ = np.zeros(n, dtype=bool)
    inst &= ground
    f = np.where(ground, first[1], first[0])
    if low is None:  # one stage: the first cycle is all there is
        return ground, f, np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    i_low = np.where(ground, g_lo, lo[0])
    i_high = np.where(ground, g_hi, hi[0])
    i_sus = np.fmin(i_low, i_high)
    # the texts by code, one ``str`` object each shared by the rows (#21: ``np.where`` on
    # texts and ``astype(object)`` made a ``str`` per row, 427,896 zone rows at 10,000 buses)
    bracket = np.where(i_low == i_high, 0, np.where(i_low < i_high, 1, 2))
    if differ.any():  # the brackets chose different elements: the worse one's element
        i_sus[differ] = np.where(worse_hi, i_hi, i_lo)[differ]
        bracket[differ] = np.where(worse_hi, 2, 1)[differ]
    # no stage changes what the element sees (a base case, no charger between): no bracket,
    # as a row of the first cycle (not a finding the "Charger stages" sheet explains)
    bracket[(i_low == f) & (i_high == f) & ~differ] = 3
    bracket[inst] = 3
    i_op = np.where(inst, f, i_sus)
    stage = _STAGES[inst.astype(np.intp)]
    return ground, i_op, stage, _BRACKETS[bracket]


#: :func:`stage_currents`' texts by code.
_STAGES = np.array([SUSTAINED, FIRST_CYCLE], dtype=object)
_BRACKETS = np.array(["both", "low", "high", ""], dtype=object)
