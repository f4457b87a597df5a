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
  same family for 51P and 51G where one meets the interval for both (the 51P's time rarely
  decides: its pickup is set by load). An element whose pickup does not reach its zone's
  minimum fault is left out of the comparison (no family reaches it).
* Where no one family meets the interval for both, each element's family is chosen on its
  own, by the same rule (``choose_family(..., element="51P"/"51G")``): a numerical feeder
  relay sets its 51P and 51G curves separately, and a 51G that cannot coordinate is no
  reason to slow the 51P (review rev34b W1, IEEE 34: the joint fallback switched a 51P that
  met the interval with MI, clearing the zone end in 3.32 s, to EI, 12.4 s). Before that the
  51G's pickup is searched inside its window (:mod:`.head_dials`).
* Ties — within :data:`TIE_FRACTION` of the fastest — go, with only fuses (or nothing) right
  below, to IEEE-EI, then VI, then MI: EI's ``M²`` slope follows a fuse's ``I²t``-like melting
  curve, so the interval kept at the largest fault is not lost at smaller ones (IEEE Std
  242-2001 §15 and IEEE C37.230-2020 §5, recalled: extremely inverse relays for
  coordination with fuses and reclosers' fuse-like curves); with a recloser or relay right
  below, to IEEE-VI, then EI, then MI (VI is the shape of the usual recloser delayed curves).
* When no family meets an element's interval, the family with the fewest faults left
  uncoordinated, then the soonest clearing (ties: the order above), at the smallest dial that
  meets the interval at every fault a dial up to the cap can (:func:`.head_dials.time_dial`):
  a dial raised to the cap while the interval is still missed only slows the relay (review
  rev34b W1: 51G TD 15, still −94.5 s short, clearing its zone's end in 33.3 s); the faults
  not met are said (a TODO).

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

from protv2g.criteria import ZONE_END_CLEARING_BRACKET_S
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
CLEAR_BOUND_BRACKET_S = ZONE_END_CLEARING_BRACKET_S
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
    """One family tried: its dials (51P, 51G), whether either misses the interval
    (``capped``; per element ``capped_p``/``capped_g``, None: as ``capped``), its clearing
    times at the zone's minimum faults (s; inf: not reached) and how many judged faults each
    element leaves without the interval at every dial up to the cap (``unmet_p``,
    ``unmet_g``) and how many the 51G leaves uncoordinated on purpose (``accepted_g``:
    :func:`.head_dials.capped_ground_dial`)."""

    curve: str
    td: float
    tdg: float
    capped: bool
    t_min_phase_s: float
    t_min_ground_s: float
    capped_p: bool | None = None
    capped_g: bool | None = None
    unmet_p: int = 0
    unmet_g: int = 0
    accepted_g: int = 0

    def missed(self, element: str | None = None) -> bool:
        """Whether ``element`` ("51P", "51G"; None: either) misses the interval."""
        if element == "51P":
            return self.capped if self.capped_p is None else self.capped_p
        if element == "51G":
            return self.capped if self.capped_g is None else self.capped_g
        return self.capped

    def clearing_s(self, element: str | None = None) -> float:
        """``element``'s clearing time at its zone's minimum fault (0.0: not reached), or
        the slower element's (None: :attr:`slowest_s`)."""
        if element is None:
            return self.slowest_s
        t = self.t_min_phase_s if element == "51P" else self.t_min_ground_s
        return t if math.isfinite(t) else 0.0

    def unmet(self, element: str | None = None) -> int:
        """Judged faults ``element`` (None: both) leaves without the interval."""
        return {"51P": self.unmet_p, "51G": self.unmet_g}.get(element or "",
                                                              self.unmet_p + self.unmet_g)

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


def choose_family(tries: Sequence[FamilyTry], order: Sequence[str],
                  element: str | None = None) -> tuple[FamilyTry, bool]:
    """The family drafted (module docstring) and whether it meets the interval.

    ``tries``: one per family; ``order``: the tie order (:func:`preference`); ``element``:
    "51P" or "51G" to choose for that element alone (its own interval and clearing time),
    None for both (the slower element's time). When none meets the interval: the family
    with the fewest faults left uncoordinated, then the soonest clearing, ties by ``order``.
    """
    def rank(t: FamilyTry) -> int:
        return list(order).index(t.curve) if t.curve in order else len(order)

    ok = [t for t in tries if not t.missed(element)]
    met = bool(ok)
    if not ok:
        fewest = min(t.unmet(element) for t in tries)
        ok = [t for t in tries if t.unmet(element) == fewest]
    if element != "51P":   # the fewest faults left to the head on purpose (.head_dials)
        least = min(t.accepted_g for t in ok)
        ok = [t for t in ok if t.accepted_g == least]
    best = min(t.clearing_s(element) for t in ok)
    tied = [t for t in ok if t.clearing_s(element) <= best * (1.0 + TIE_FRACTION) + 1e-9]
    return min(tied, key=rank), met


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
    parts = []
    no_51g = bool(choice.get("no_51g"))  # an ungrounded head: no 51G (.ungrounded)
    has = {k: bool(choice["faults"].get(k)) for k in ("51P", "51G")}
    for key, t_key in (("51P", "t_min_phase_s"), ("51G", "t_min_ground_s"))[:1 + (not no_51g)]:
        fault = choice["faults"].get(key, "")
        parts.append(f"{key} {_t(_mine(choice, key)[t_key], has[key])}"
                     + (f" at {fault}" if fault else ""))
    others = "; ".join(f"{_short(c)} TD {v['td']:g}/{v['tdg']:g}: " + _tried(v, no_51g, has)
                       for c, v in tries.items())
    ties = (f"ties within {TIE_FRACTION:.0%}: "
            f"{' > '.join(_short(c) for c in choice['order'])}")
    if choice["met"] and not choice.get("separate"):
        why = ("the family (IEEE C37.112 MI/VI/EI) whose slower element clears there soonest "
               f"with the interval over the devices right below, max and min case ({ties})")
    elif choice.get("separate") and not no_51g:
        why = ("no one family meets the interval over the devices right below (max and min "
               "case) for both elements: each element's own family, the one that clears its "
               f"zone's minimum fault soonest with the interval ({ties}; "
               + "; ".join(f"{k} " + ("meets it" if choice.get(f"met_{k.lower()}") else
                                      "none meets it: the fewest faults left uncoordinated, "
                                      "at the smallest dial that meets it everywhere else")
                           for k in ("51P", "51G")) + ")")
    else:
        why = ("no family meets the interval over the devices right below (max and min "
               "case): the family with the fewest faults left uncoordinated, at the smallest "
               "dial that meets it everywhere else (a larger one would only slow the relay)")
    if no_51g:
        parts.append("no 51G (no path to ground)")
    return (f"min-fault clearing: {', '.join(parts)} (relay + breaker "
            f"{choice['breaker_s']:.3g} s; IEC 60909 min) with {_curves(choice)} — {why}; "
            f"tried (51P/51G dials): {others}")


def _mine(choice: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The try of ``key``'s ("51P", "51G") drafted family."""
    curve = choice.get("ground_curve", choice["curve"]) if key == "51G" else choice["curve"]
    return choice["tries"][curve]


def _curves(choice: Mapping[str, Any]) -> str:
    """``IEEE-MI``, or ``IEEE-MI (51P), IEEE-EI (51G)`` when the two differ."""
    g = choice.get("ground_curve", choice["curve"])
    if g == choice["curve"] or choice.get("no_51g"):
        return str(choice["curve"])
    return f"{choice['curve']} (51P), {g} (51G)"


def _tried(v: Mapping[str, Any], no_51g: bool = False,
           has: Mapping[str, bool] | None = None) -> str:
    """One family's try, said: both times, or which element misses the interval (``has``:
    whether the zone has a minimum fault per element, :func:`_t`)."""
    has = has or {"51P": True, "51G": True}
    cp = v["capped"] if v.get("capped_p") is None else v["capped_p"]
    cg = v["capped"] if v.get("capped_g") is None else v["capped_g"]
    if cp and (cg or no_51g):
        return "interval not met"
    p = "51P interval not met" if cp else f"51P {_t(v['t_min_phase_s'], has['51P'])}"
    g = "51G interval not met" if cg else f"51G {_t(v['t_min_ground_s'], has['51G'])}"
    return p if no_51g else f"{p}, {g}"


def clearing_summary(choice: Mapping[str, Any]) -> str:
    """One line for ``init``'s print: the curve, its dials and the minimum-fault clearing
    times (``IEEE-MI TD 0.5/1.2; min-fault clearing 51P 3.1 s, 51G 4.2 s``)."""
    mine, mine_g = _mine(choice, "51P"), _mine(choice, "51G")
    has = {k: bool(choice.get("faults", {}).get(k)) for k in ("51P", "51G")}
    if choice.get("no_51g"):  # an ungrounded head (.ungrounded)
        return (f"{choice['curve']} TD {mine['td']:g} (51P; no 51G: no path to ground); "
                f"clearing at the zone's minimum fault 51P {_t(mine['t_min_phase_s'], has['51P'])}"
                + ("" if choice.get("met_51p", choice["met"])
                   else " (the coordination interval not met)"))
    missed = [k for k in ("51P", "51G") if not choice.get(f"met_{k.lower()}", choice["met"])]
    return (f"{_curves(choice)} TD {mine['td']:g}/{mine_g['tdg']:g} (51P/51G); clearing at "
            f"the zone's minimum fault 51P {_t(mine['t_min_phase_s'], has['51P'])}, 51G "
            f"{_t(mine_g['t_min_ground_s'], has['51G'])}"
            + ("" if not missed else " (the coordination interval not met"
               + ("" if len(missed) == 2 else f" by {missed[0]}") + ")"))


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
    slow = [(k, _mine(choice, k)[t]) for k, t in (("51P", "t_min_phase_s"),
                                                   ("51G", "t_min_ground_s"))
            if math.isfinite(_mine(choice, k)[t]) and _mine(choice, k)[t] > choice["bound_s"]
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
