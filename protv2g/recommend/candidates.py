"""Candidate setting changes for a finding: the ordinary moves a protection engineer makes.

A :class:`Change` is one field of one device (or V2G site) of the study file set to a new
value. :func:`candidates` lists, for one finding, the changes that could clear it, each with a
*size* (how far it moves the setting, relative) so that the search can try the smallest first:

=====================  ==================================================  ==================
family                 moves                                               findings
=====================  ==================================================  ==================
``pickup``             relay 51P / 51G pickup up (load, backfeed, CTI)     C1 C4 C6 C8 (not
                                                                           a charging peak)
``time_dial``          relay 51P / 51G time dial up; recloser delayed      C1 C2 C4 C6
                       curve multiplier up (its ground delayed curve
                       pinned, or moved with it on ground-fault evidence)
``directional``        relay tripping forward only (67/67N)                C6
``pickup``             recloser phase minimum trip down (to C8's floor);   C2 fuse saving
                       ground minimum trip down (ground-fault evidence)
``pickup``             recloser phase (ground, on a residual row)          C8 (not a
                       minimum trip up                                     charging peak)
``ground_element``     a ground (51G) element on a recloser without one    C2 fuse saving
                       (3I0 unchanged by V2G: :mod:`.saving`)
``instantaneous``      recloser phase instantaneous (fast clearing)        C2 fuse saving
``fast_shots``         recloser fast shots 2 → 1 (keeps fuse saving);      C2 fuse saving
                       → 0 (fuse blowing) last, V2G findings only
``reclose_interval``   first reclose interval up to a standard value       C10
                       (recloser, or relay with reclosing)
``fuse_link``          fuse link one or two sizes up or down (same type):  C1 C2 C3 C4
                       C3 the backup up, the primary down
                       a larger link, up the series (same type)            C8 (a fuse; not
                                                                           a charging peak)
``ride_through``       site cease-to-energise time down (DER setting)      C10
=====================  ==================================================  ==================

Fuse saving is kept where it can be (review s17 §3.8): for a fuse-saving finding the moves
that make the recloser see and outrun the fuse come first — a lower phase minimum trip, a
ground element, within the limits of :mod:`.saving` — and giving up fuse saving (no fast
shot, :data:`FUSE_BLOWING_RANK`) comes last, proposed only for a finding V2G brings (caused or
made worse) that loses a saved fault (:data:`FUSE_BLOWING_MECHANISMS`), never for a
pre-existing one nor for a narrowed fuse-saving range (every fault still saved). A finding
whose faults the recloser does not see at all (below its minimum trips) gets only the moves
that make it see them: no fast-shot, instantaneous, delayed-curve or fuse-link change can
clear it (removing the fast shot only removes the fuse-saving rows that report it).

Export caps (which need new fault runs) are not candidates here: see
:mod:`protv2g.recommend.search`. A C8 **charging peak** (:data:`protv2g.checks.load.
CHARGING_PEAKS`, of the phase or the residual current) has no candidate: vehicle charging is
a load the site can schedule or cap, and a pickup raised for it spends the relay's reach
(IEEE Std C37.230-2020 §6.1). A C8 row of a relay's **ground element** (residual current of
unbalanced load or single-phase export above 51G pickup / k, :data:`protv2g.checks.load.
RESIDUAL_PEAKS`) gets ground-pickup raises only: the phase pickup does not see 3I0. A C8
row of a **fuse** (its load above minimum melt / 1.5, an import or export peak) gets the
larger links of its type up the library's series, every one to :data:`C8_LINK_STEPS` sizes
up (the search bisects for the smallest that clears it; a link is chosen by its minimum
melt, which may need several sizes: EPRI ckt24's F-LAT 25K on 60 A of load needs 90 A of
minimum melt, 50K — ANSI C37.43 at 300 s: 30K 63 A, 40K 80 A, 50K 101 A), each verified against
the fuse's coordination (C1–C4 with its neighbours) and reach (C5) like any candidate
(review rev35a T5: the import peak got charging advice and "fuses are not searched").

Step sizes are those of ordinary settings practice: pickups in 10 A (≤ 200 A) or 50 A steps,
time dials in 0.05 steps (IEEE C37.112 dials are set in 0.01–0.1 steps) — each snapped to the
device's own setting steps when the study file declares them (:mod:`.steps`) — first reclose
intervals among :data:`FIRST_RECLOSE_S` (3.5, 5, 10, 15 s: the smallest is the one ``protv2g
init`` drafts beside DER, the rest common recloser control menus), fuse links along the
library's series of the same type (ANSI C37.42 preferred and intermediate K/T ratings).

A recloser's moves (and a reclosing relay's first interval) are :mod:`.recloser_moves`'s; a
change's size and the pickup grid below a value, :mod:`.sized_change`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from protv2g.checks.beyond_transformer import RULE as UNGUARDED_STEP
from protv2g.checks.fuse_saving_range import SavingMechanism
from protv2g.checks.load import CHARGING_PEAKS, RESIDUAL_PEAKS
from protv2g.findings import Attribution
from protv2g.recommend.change import FAMILY_RANK, Change, Family, describe
from protv2g.recommend.recloser_moves import (
    FIRST_RECLOSE_S,
    FIRST_RECLOSE_STEP_S,
    FUSE_BLOWING_RANK,
    _recloser_load_moves,
    _recloser_moves,
    first_reclose_menu,
    new_ground_element,
)
from protv2g.recommend.saving import FindingReach, RecloserLimits
from protv2g.recommend.sized_change import (
    _change,
    _lower,  # noqa: F401  (re-exported: read from here, :mod:`.reach`)
    _rel,
)
from protv2g.recommend.steps import dial_steps_up, pickup_steps_up, settings_steps
from protv2g.units import DeviceKind

__all__ = ["Change", "Family", "FAMILY_RANK", "FIRST_RECLOSE_S", "FIRST_RECLOSE_STEP_S",
           "first_reclose_menu", "FUSE_BLOWING_MECHANISMS",
           "FUSE_BLOWING_RANK", "SAVING_MECHANISMS", "C8_LINK_STEPS",
           "candidates", "describe", "new_ground_element"]


_V2G_ATTRIBUTIONS = frozenset({Attribution.CAUSED, Attribution.WORSE, Attribution.CAUSED_CHARGING,
                               Attribution.WORSE_CHARGING, Attribution.EQUIPMENT,
                               Attribution.EQUIPMENT_WORSE, Attribution.PROJECT})
#: C2 mechanisms of fuse saving (:class:`~protv2g.checks.fuse_saving_range.SavingMechanism`)
#: that the moves keeping fuse saving (:mod:`.saving`) answer.
SAVING_MECHANISMS = frozenset({SavingMechanism.LOST_SAVING.value,
                               SavingMechanism.NOT_SAVED_WITHOUT_V2G.value,
                               SavingMechanism.NOT_SEEN.value,
                               SavingMechanism.RANGE_SHRUNK.value})
#: The mechanisms for which giving up fuse saving may be proposed (last): a fault of the
#: study the scheme fails on. Not a narrowed range (every fault still saved: fuse blowing
#: would give up the saving the warning is about) nor a fault the recloser never saw.
FUSE_BLOWING_MECHANISMS = frozenset({SavingMechanism.LOST_SAVING.value,
                                     SavingMechanism.NOT_SAVED_WITHOUT_V2G.value})



def _relay_moves(dev: Any, criterion: str, ground: bool, residual: bool = False
                 ) -> Iterator[Change]:
    """A relay's moves; ``residual``: a C8 row of its ground element (unbalanced load above
    51G pickup / k): the ground pickup up, nothing else. Pickups and dials on the device's
    declared steps (:mod:`.steps`), else on the assumed grid."""
    n = dev.name
    steps = settings_steps(dev)
    if residual:
        if dev.ground_pickup_a is not None:
            yield from (_change("devices", n, "ground_pickup_a", dev.ground_pickup_a, p,
                                Family.PICKUP, _rel(dev.ground_pickup_a, p))
                        for p in pickup_steps_up(dev.ground_pickup_a, steps, 10))
        return
    yield from (_change("devices", n, "pickup_a", dev.pickup_a, p, Family.PICKUP,
                        _rel(dev.pickup_a, p)) for p in pickup_steps_up(dev.pickup_a, steps))
    if criterion == "C8":
        return
    if dev.time_dial is not None:
        yield from (_change("devices", n, "time_dial", dev.time_dial, td, Family.TIME_DIAL,
                            _rel(dev.time_dial, td))
                    for td in dial_steps_up(dev.time_dial, 0.05, steps.dial, 20))
    if ground and dev.ground_pickup_a is not None:
        yield from (_change("devices", n, "ground_pickup_a", dev.ground_pickup_a, p,
                            Family.PICKUP, _rel(dev.ground_pickup_a, p))
                    for p in pickup_steps_up(dev.ground_pickup_a, steps, 10))
        if dev.ground_time_dial is not None:
            yield from (_change("devices", n, "ground_time_dial", dev.ground_time_dial, td,
                                Family.TIME_DIAL, _rel(dev.ground_time_dial, td))
                        for td in dial_steps_up(dev.ground_time_dial, 0.1, steps.dial, 15))
    if criterion == "C6" and getattr(dev, "directional", "none") == "none":
        yield _change("devices", n, "directional", "none", "forward", Family.DIRECTIONAL, 0.0)


#: How many sizes up a fuse's C8 (load) finding, or a C3 backup fuse, searches its link
#: (:func:`candidates`).
C8_LINK_STEPS = 8



def _fuse_moves(dev: Any, library: Any, up: bool, n: int = 2) -> Iterator[Change]:
    """The next ``n`` links of ``dev``'s type up (``up``) or down the library's rating
    series (ANSI C37.42 preferred and intermediate K/T ratings), nearest first."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]+)", str(dev.link))
    if m is None or library is None:
        return
    kind = m.group(2).upper()
    series = sorted((float(re.match(r"\d+(?:\.\d+)?", x).group()), x) for x in
                    library.names(DeviceKind.FUSE) if re.fullmatch(rf"\d+(?:\.\d+)?{kind}", x))
    names = [x for _, x in series]
    if dev.link not in names:
        return
    i = names.index(dev.link)
    chosen = names[i + 1:i + 1 + n] if up else list(reversed(names[max(0, i - n):i]))
    for k, link in enumerate(chosen, start=1):
        yield _change("devices", dev.name, "link", dev.link, link, Family.FUSE_LINK, k / 10)





def candidates(finding: dict[str, Any], devices: Sequence[Any], sites: Sequence[Any],
               library: Any = None, ground: bool = True, reach: FindingReach | None = None,
               limits: RecloserLimits | None = None) -> list[Change]:
    """Changes that could clear one finding, smallest first.

    Parameters
    ----------
    finding : dict
        A row of :func:`protv2g.findings.build_findings` (``criterion``, ``device``,
        ``other_device``).
    devices, sites : sequence
        The study file's device and V2G-site entries (pydantic models).
    library : CurveLibrary, optional
        For fuse-link series.
    ground : bool
        Whether the finding's evidence includes ground faults (then 51G moves are tried).
    reach : FindingReach, optional
        How the finding's faults reach its recloser (:func:`.saving.finding_reach`): a
        fault it does not see gets only the moves that make it see it.
    limits : RecloserLimits, optional
        The recloser's trip limits (:func:`.saving.recloser_limits`); without them no lower
        minimum trip and no ground element is proposed.

    Returns
    -------
    list of Change
        Sorted by ``size``; empty when no ordinary setting change applies (C5: the search adds
        :mod:`.reach`'s pickup moves; C7, C9, C11, C12: the search says so).
    """
    crit = str(finding["criterion"])
    mech = str(finding.get("mechanism") or "")
    if crit == "C8" and mech in CHARGING_PEAKS:
        return []  # manage the charging; no pickup raise for a schedulable load
    if mech == UNGUARDED_STEP:
        return []  # a transformer's own fuse is missing from the model: not a setting
    by_name = {d.name: d for d in devices}
    limit = finding.get("limit")
    need = float(limit) if crit == "C10" and isinstance(limit, (int, float)) else None
    dev = by_name.get(str(finding.get("device") or ""))
    other = by_name.get(str(finding.get("other_device") or ""))
    out: list[Change] = []
    if crit in ("C1", "C4", "C6", "C8") and dev is not None and dev.kind is DeviceKind.RELAY:
        out += _relay_moves(dev, crit, ground, residual=crit == "C8" and mech in RESIDUAL_PEAKS)
    saving = crit == "C2" and str(finding.get("mechanism") or "") in SAVING_MECHANISMS
    unseen = saving and reach is not None and reach.unseen
    if crit in ("C2", "C4", "C10") and dev is not None and dev.kind is DeviceKind.RECLOSER:
        # giving up fuse saving: a V2G finding that loses a saved fault, or one not of fuse
        # saving (the backup rule), never a pre-existing one or a narrowed range
        v2g = (str(finding.get("attribution") or "") in _V2G_ATTRIBUTIONS
               and (not saving or str(finding.get("mechanism")) in FUSE_BLOWING_MECHANISMS))
        out += _recloser_moves(dev, crit, ground, reach if saving else None,
                               limits if saving else None, v2g, need)
    if (crit == "C10" and dev is not None and dev.kind is DeviceKind.RELAY
            and dev.reclose_intervals_s):
        # a breaker with reclosing (79) has the same move: every head relay `protv2g init`
        # drafts recloses, and without it C10 had only the sites' cessation to try
        out += _recloser_moves(dev, crit, need_s=need)
    if (crit in ("C1", "C2", "C4") and other is not None and other.kind is DeviceKind.FUSE
            and not unseen):
        # C1: the fuse is the primary under a backup relay — a smaller link clears sooner, a
        # larger one only later (review rev37b F8, IEEE 34: F-DEPOT 65K too slow under the
        # head's 51P got 80K/100K, which clear at 10.6 s and never, and 50K (1.26 s against
        # 1.86 s) was never tried; rev37a F8, ckt5: 100K → 140K "verified" because 140K no
        # longer melts at the fault at all). C2: a larger link melts later (fuse saving), a
        # smaller one clears sooner (fuse before the delayed curve): both, the search decides
        if crit != "C1":
            out += _fuse_moves(other, library, up=True)
        if crit in ("C1", "C2"):
            out += _fuse_moves(other, library, up=False)
    if crit == "C3" and dev is not None and dev.kind is DeviceKind.FUSE:
        # a fuse backing up a fuse (or a relay) melts too soon: a larger backup link (its
        # minimum melt later), or a smaller primary link (it clears sooner) — the search
        # verifies each against the pair's whole range and every other criterion (review
        # rev42c W1, IEEE 8500: 10T over 10T got "no ordinary setting change"; 15T over
        # 10T passes at 191–474 A, `curves eval`); the backup up to C8's sizes (bisected):
        # two K links coordinate over a range that grows by more than one size per step
        # (EEI-NEMA K-link coordination tables: 40K protected by 65K up to ≈ 1,340 A,
        # by 100K to ≈ 2,200 A — recalled, the search verifies on the study's own currents)
        out += _fuse_moves(dev, library, up=True, n=C8_LINK_STEPS)
        if other is not None and other.kind is DeviceKind.FUSE:
            out += _fuse_moves(other, library, up=False)
    if crit == "C8" and dev is not None and dev.kind is DeviceKind.RECLOSER:
        out += _recloser_load_moves(dev, residual=mech in RESIDUAL_PEAKS)
    if crit == "C8" and dev is not None and dev.kind is DeviceKind.FUSE:
        # its load above minimum melt / 1.5 (an import or export peak): a larger link (T5)
        out += _fuse_moves(dev, library, up=True, n=C8_LINK_STEPS)
    if crit == "C10":
        site = next((s for s in sites if s.name == str(finding.get("other_device"))), None)
        if site is not None:
            for t in (1.5, 1.0):
                if t < site.cease_to_energize_s:
                    out.append(_change("v2g_sites", site.name, "cease_to_energize_s",
                                       site.cease_to_energize_s, t, Family.RIDE_THROUGH,
                                       _rel(site.cease_to_energize_s, t)))
    return sorted(out, key=lambda c: c.size)
