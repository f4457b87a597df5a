"""The curve family of a drafted head relay, and how long it takes at the end of its zone
(review s32: IEEE 8500's drafted 51G, IEEE-EI at TD 2.1 over 10T links, cleared its primary
zone's minimum ground fault in 46 s; EPRI ckt5's in 35–40 s over two drafted 100K links).

A rule, stated (not a standard), as a protection engineer drafts it:

* For each family protv2g has of IEEE C37.112 (Table 1: MI, VI, EI — ``relay_library/
  relay_curves.yaml``; ``t = TD·(A/(M^p − 1) + B)``), the smallest time dials (0.1 steps) with
  the coordination interval over every device right below the head at every fault C1–C4 judge
  the pair at, **max and min case** (:func:`protv2g.study_draft.head_relay.propose_relay`).
  The IEC 60255-151 families (SI/VI/EI) are the same three shapes with another dial range
  (TMS 0.05–1); the draft keeps one dial range and writes the IEEE family, as a North
  American feeder model's breaker relay is set.
* Of the families that meet the interval for 51P and 51G (no dial capped at
  :data:`~.head_relay.TD_MAX`), the one whose slower element clears the primary zone's
  minimum fault (:func:`min_fault_times`, 51P at the minimum multi-phase fault, 51G at the
  minimum ground-fault ``|3I0|``; IEC 60909 min, the draft's fault resistance) soonest; the
  same family for 51P and 51G (one relay curve family per breaker, as set in practice; the
  51P's time rarely decides: its pickup is set by load). An element whose pickup does not
  reach its zone's minimum fault is left out of the comparison (no family reaches it).
* Ties — within :data:`TIE_FRACTION` of the fastest — go, with only fuses (or nothing) right
  below, to IEEE-EI, then VI, then MI: EI's ``M²`` slope follows a fuse's ``I²t``-like melting
  curve, so the interval kept at the largest fault is not lost at smaller ones (IEEE Std
  242-2001 §15 and IEEE C37.230-2020 §5, recalled: extremely inverse relays for
  coordination with fuses and reclosers' fuse-like curves); with a recloser or relay right
  below, to IEEE-VI, then EI, then MI (VI is the shape of the usual recloser delayed curves).
* When no family meets the interval, the family the rule drafted before (EI over fuses
  only, else VI) at the capped dial, and the conflict said (a TODO), as before.

The clearing time at the zone's minimum fault is the relay's operate time plus the breaker's
interrupting time, :data:`BREAKER_CYCLES` cycles. It is written beside the dials in the
drafted study, with a TODO when the slower element exceeds :data:`CLEAR_BOUND_S`.

Why a bound, and why a practice value (bracketed, not a standard): the conductor-damage
(annealing) I²t of IEEE C37.230 / IEEE Std 242 (``t = K·(A/I)²``; ICEA P-32-382 for
aluminium, ``K = 0.0125·log10((T2 + 228)/(T1 + 228))`` with ``A`` in circular mils, recalled)
does not bound the minimum-fault time of a feeder head: with the smallest common overhead
primary, 1/0 ACSR (105 600 cmil), 75 → 340 °C, a 300 A minimum fault anneals it only after
≈ 420 s. What no engineer signs is the sustained arc at the end of the zone — a downed or
tree-contact conductor arcing for tens of seconds (burndown of small and covered
conductors, ignition: EPRI distribution handbook, "Downed conductors from arc damage",
which names faster relaying as the remedy) — and the model gives the lines' ampacity
(``normamps``, often OpenDSS's 400 A default), not their cross-section. Utility practice
for the slowest time-overcurrent operation at the end of a feeder's zone runs from ≈ 2 s
to ≈ 10 s (recalled, not checked against a published utility standard): the draft marks the
high end, :data:`CLEAR_BOUND_S`; the low end would mark nearly every draft (with a pickup at
the zone's minimum fault ÷ 1.5, IEEE-MI at the smallest dial already takes ≈ 3.3 s there).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from protv2g.study_draft.writer import todo

__all__ = ["BREAKER_CYCLES", "CLEAR_BOUND_BRACKET_S", "CLEAR_BOUND_S", "CLEAR_FIX", "FAMILIES",
           "TIE_FRACTION", "FamilyTry", "choose_family", "clearing_comment", "clearing_line",
           "clearing_summary", "min_fault_times", "preference", "slow_clearing"]

#: The IEEE C37.112 families the draft chooses among (relay_library/relay_curves.yaml).
FAMILIES = ("IEEE-EI", "IEEE-VI", "IEEE-MI")
#: Families whose slowest minimum-fault clearing is within this fraction of the fastest tie.
TIE_FRACTION = 0.10
#: Breaker interrupting time, cycles: a distribution circuit breaker's rated interrupting time
#: (IEEE C37.04/C37.06 preferred ratings: 5 cycles, 3 for newer vacuum breakers; recalled).
#: The longer one: it only adds to the clearing time the draft reports.
BREAKER_CYCLES = 5.0
#: Utility practice for the slowest end-of-zone time-overcurrent clearing, s (module
#: docstring; recalled, bracketed): the low end would mark nearly every draft.
CLEAR_BOUND_BRACKET_S = (2.0, 10.0)
#: The bound above which the draft marks the clearing time TODO: the bracket's high end.
CLEAR_BOUND_S = CLEAR_BOUND_BRACKET_S[1]
#: The fix of the slow-clearing TODO.
CLEAR_FIX = ("where a device below sets the dial, make it faster at its own minimum faults "
             "(a smaller link, a recloser instead of a fuse in series); shorten the zone (a "
             "mid-feeder recloser where the minimum fault is); lower the ground pickup where "
             "the residual load allows; or give the utility's settings and its practice for "
             "end-of-zone clearing")


@dataclass(frozen=True)
class FamilyTry:
    """One family tried: its dials (51P, 51G), whether either was capped (the interval not
    met), and its clearing times at the zone's minimum faults (s; inf: not reached)."""

    curve: str
    td: float
    tdg: float
    capped: bool
    t_min_phase_s: float
    t_min_ground_s: float

    @property
    def slowest_s(self) -> float:
        """The slower element's clearing time at its zone's minimum fault, among those that
        reach it (0.0 when neither does)."""
        t = [x for x in (self.t_min_phase_s, self.t_min_ground_s) if math.isfinite(x)]
        return max(t) if t else 0.0


def preference(kinds: set[str]) -> tuple[str, ...]:
    """The tie order (module docstring): fuses only (or nothing) right below → EI first,
    else VI first.

    >>> preference({"fuse"}), preference({"fuse", "recloser"})[0]
    (('IEEE-EI', 'IEEE-VI', 'IEEE-MI'), 'IEEE-VI')
    """
    return FAMILIES if kinds <= {"fuse"} else ("IEEE-VI", "IEEE-EI", "IEEE-MI")


def min_fault_times(time_td1: Callable[[np.ndarray], np.ndarray], td: float, i_min_a: float,
                    f_hz: float) -> float:
    """Clearing time (s) at the zone's minimum fault ``i_min_a`` (A): ``td`` × the element's
    operate time at dial 1 (``time_td1``) + :data:`BREAKER_CYCLES` / ``f_hz``; inf when the
    element does not operate (below pickup) or there is no such fault."""
    if not math.isfinite(i_min_a):
        return math.inf
    t1 = float(np.asarray(time_td1(np.array([i_min_a])), dtype=float)[0])
    return td * t1 + BREAKER_CYCLES / f_hz if math.isfinite(t1) else math.inf


def choose_family(tries: Sequence[FamilyTry], order: Sequence[str]
                  ) -> tuple[FamilyTry, bool]:
    """The family drafted (module docstring) and whether it meets the interval.

    ``tries``: one per family; ``order``: the tie order (:func:`preference`), whose first is
    also the fallback when none meets the interval.
    """
    by = {t.curve: t for t in tries}
    ok = [t for t in tries if not t.capped]
    if not ok:
        return by.get(order[0], tries[0]), False
    best = min(t.slowest_s for t in ok)
    tied = [t for t in ok if t.slowest_s <= best * (1.0 + TIE_FRACTION) + 1e-9]
    return min(tied, key=lambda t: list(order).index(t.curve) if t.curve in order
               else len(order)), True


def _short(curve: str) -> str:
    return curve.removeprefix("IEEE-")


#: Said where the zone has no minimum fault to clear (review rev34b W2: "51P not reached"
#: beside "min zone faults: phase inf A" on an LV feeder whose zone was not faulted).
NO_ZONE_FAULT = "no zone fault computed"


def _t(x: float, fault: bool = True) -> str:
    """A clearing time; inf is "not reached" (below pickup) where the zone has a minimum
    fault, :data:`NO_ZONE_FAULT` where it has none (``fault`` False)."""
    if not fault:
        return NO_ZONE_FAULT
    return f"{x:.3g} s" if math.isfinite(x) else "not reached"


def clearing_line(choice: Mapping[str, Any]) -> str:
    """The drafted study's comment on the curve and the minimum-fault clearing times (without
    ``# ``): :func:`protv2g.study_draft.head_relay.propose_relay`'s ``figures["curve_choice"]``
    (``curve``, ``met``, ``tries``: curve → :class:`FamilyTry` fields, ``faults``: element →
    the zone's minimum fault text, ``bound_s``, ``breaker_s``).

    Starts with ``min-fault clearing:`` (``init --redraft`` re-writes the line by it)."""
    tries = choice["tries"]
    mine = tries[choice["curve"]]
    parts = []
    no_51g = bool(choice.get("no_51g"))  # an ungrounded head: no 51G (.ungrounded)
    has = {k: bool(choice["faults"].get(k)) for k in ("51P", "51G")}
    for key, t_key in (("51P", "t_min_phase_s"), ("51G", "t_min_ground_s"))[:1 + (not no_51g)]:
        fault = choice["faults"].get(key, "")
        parts.append(f"{key} {_t(mine[t_key], has[key])}" + (f" at {fault}" if fault else ""))
    others = "; ".join(
        f"{_short(c)} TD {v['td']:g}/{v['tdg']:g}: "
        + ("interval not met" if v["capped"] else
           f"51P {_t(v['t_min_phase_s'], has['51P'])}, "
           f"51G {_t(v['t_min_ground_s'], has['51G'])}")
        for c, v in tries.items())
    why = ("the family (IEEE C37.112 MI/VI/EI) whose slower element clears there soonest with "
           f"the interval over the devices right below, max and min case (ties within "
           f"{TIE_FRACTION:.0%}: {' > '.join(_short(c) for c in choice['order'])})"
           if choice["met"] else
           "no family meets the interval over the devices right below (max and min case): "
           "the rule's default family at the capped dial")
    if no_51g:
        parts.append("no 51G (no path to ground)")
    return (f"min-fault clearing: {', '.join(parts)} (relay + breaker "
            f"{choice['breaker_s']:.3g} s; IEC 60909 min) with {choice['curve']} — {why}; "
            f"tried (51P/51G dials): {others}")


def clearing_summary(choice: Mapping[str, Any]) -> str:
    """One line for ``init``'s print: the curve, its dials and the minimum-fault clearing
    times (``IEEE-MI TD 0.5/1.2; min-fault clearing 51P 3.1 s, 51G 4.2 s``)."""
    mine = choice["tries"][choice["curve"]]
    has = {k: bool(choice.get("faults", {}).get(k)) for k in ("51P", "51G")}
    if choice.get("no_51g"):  # an ungrounded head (.ungrounded)
        return (f"{choice['curve']} TD {mine['td']:g} (51P; no 51G: no path to ground); "
                "clearing at the zone's minimum fault 51P "
                f"{_t(mine['t_min_phase_s'], has['51P'])}"
                + ("" if choice["met"] else " (the coordination interval not met)"))
    return (f"{choice['curve']} TD {mine['td']:g}/{mine['tdg']:g} (51P/51G); clearing at the "
            f"zone's minimum fault 51P {_t(mine['t_min_phase_s'], has['51P'])}, 51G "
            f"{_t(mine['t_min_ground_s'], has['51G'])}"
            + ("" if choice["met"] else " (the coordination interval not met)"))


def clearing_comment(figures: Mapping[str, Any]) -> list[str]:
    """The drafted relay's ``# min-fault clearing: …`` comment line (:func:`clearing_line`),
    a TODO when the slower element is beyond the bound (:func:`slow_clearing`); none without
    ``figures["curve_choice"]``. Init writes it above the relay; ``init --redraft`` re-writes
    it (:mod:`.redraft_comments`)."""
    choice = figures.get("curve_choice")
    if not choice:
        return []
    line = clearing_line(choice)
    slow = slow_clearing(choice)
    return [todo(f"{line}; {slow}", CLEAR_FIX) if slow else f"# {line}"]


def slow_clearing(choice: Mapping[str, Any]) -> str | None:
    """The TODO text when the drafted relay's slower element clears its zone's minimum fault
    after more than ``choice["bound_s"]`` (:data:`CLEAR_BOUND_S`), else None."""
    mine = choice["tries"][choice["curve"]]
    slow = [(k, mine[t]) for k, t in (("51P", "t_min_phase_s"), ("51G", "t_min_ground_s"))
            if math.isfinite(mine[t]) and mine[t] > choice["bound_s"]
            and not (k == "51G" and choice.get("no_51g"))]
    if not slow:
        return None
    key, t = max(slow, key=lambda kt: kt[1])
    lo, hi = CLEAR_BOUND_BRACKET_S
    return (f"{key} clears its zone's minimum fault ({choice['faults'].get(key, '')}) in "
            f"{t:.3g} s, beyond {choice['bound_s']:g} s (utility practice for the slowest "
            f"end-of-zone clearing, {lo:g}–{hi:g} s, recalled: sustained arcing at the zone's "
            "end, burndown); no IEEE family with the interval over the devices right below "
            f"clears it more than {TIE_FRACTION:.0%} sooner"
            + (f"; its dial is set by {choice['set_by'][key]}: the head must be slower "
               "there" if choice.get("set_by", {}).get(key) else ""))
