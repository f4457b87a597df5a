"""A drafted head relay's time dials and, where no dial coordinates its 51G, its ground pickup
searched inside the pickup's window (review rev34b W1, IEEE 34).

The rule, stated (not a standard):

* **Dial** (:func:`time_dial`): the smallest dial (:data:`TD_STEP` steps, :data:`TD_MIN` …
  :data:`TD_MAX`) with ``TD·t1 ≥ t_dev + CTI`` at every judged fault where a dial up to the
  cap can give it. Faults where even :data:`TD_MAX` cannot are *not met* and said; the dial
  is not raised to the cap for them: a dial that still misses the interval only slows the
  relay everywhere (IEEE 34: 51G TD 15 left the interval over F-XFM1 −94.5 s short and
  cleared the zone's minimum ground fault in 33.3 s instead of 1.08 s).
* **Ground pickup** (:func:`search_ground_pickup`): where no IEEE family meets the 51G's
  interval at the rule's pickup, the pickups in 10 A steps above it up to the window's top,
  ``min ground-fault |3I0| in the primary zone / 1.5`` (C5's reach margin; the window's floor,
  1.5 × C8's largest residual, is below the rule's pickup already), are tried with every
  family; of those that meet the interval, the one that clears the zone's minimum ground
  fault soonest (ties within :data:`~.curve_choice.TIE_FRACTION`: the lower pickup, then the
  family order). A 51G below the minimum melting current of a fuse below it operates for
  ground faults that fuse clears slowly or never, and no time dial coordinates the two there:
  the ground pickup is set above the largest downstream fuse's minimum melting current where
  the reach allows (IEEE C37.230-2020 §5 and IEEE Std 242-2001 §15 on ground relays over
  fuses, recalled, not checked) — the search finds that pickup by the interval itself, so it
  also covers a recloser below. When no pickup in the window meets it either, the rule's
  pickup stays unless one leaves fewer faults uncoordinated.
* **A large lateral fuse's low-current region** (:func:`capped_ground_dial`, EPRI ckt5: a
  100K link clearing its lateral's 20 Ω ground fault in 42.3 s set the 51G at EI TD 2.3: 26 s
  at the head's own first bus, 46 s at its zone's end). A 51G whose pickup sits near the
  largest fuse's minimum melting current (ckt5: 190 A against the 100K's 198 A, the pickup
  capped by the zone's reach) cannot coordinate with it at the fuse's low currents at any
  useful dial. Protection practice coordinates the feeder relay with the fuses below it over
  their fault-current range and, where the largest lateral fuse would force an unacceptably
  slow ground element, either puts a faster device on that lateral (a smaller link, a
  recloser) or accepts the ground relay tripping first for high-impedance faults on that
  lateral (IEEE C37.230-2020 on feeder relays over fuses, IEEE Std 242-2001 cl. 15; recalled,
  not checked against the text). The draft does the second and says the first: where the
  dial that meets the interval at every judged fault makes the 51G clear its primary zone's
  minimum ground fault slower than :data:`~.curve_choice.CLEAR_BOUND_S` (relay + breaker),
  the dial is held at the largest that clears it within the bound (not below
  :data:`TD_MIN`), and the **min-case** faults (through the draft's fault resistance) of
  **fuses** that would need more *and that the fuse itself clears slower than that bound*
  (its low-current region: a fault the fuse takes longer than 10 s to clear is not one it
  clears within what the draft asks of the feeder) are not coordinated over — the head
  operates first there, a TODO names the fuses, the currents and times. Where the fuse is
  faster than the bound at the faults that set the dial (a test feeder of
  ``tests/test_init_recloser_walk.py``: 100K at 2.3 s), the dial stays and the zone's slow
  end is the recloser walk's (:mod:`.recloser_walk`). Max-case (bolted) faults are always
  coordinated over (one needing more lifts the dial above the hold), and a fault no dial up
  to :data:`TD_MAX` meets stays *not met* as above. Of the families, the one leaving the
  fewest such faults is drafted (:func:`~.curve_choice.choose_family`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from protv2g.study_draft.curve_choice import CLEAR_BOUND_S, FAMILIES, TIE_FRACTION, FamilyTry

__all__ = ["CTI_S", "TD_MAX", "TD_MIN", "TD_STEP", "Dial", "GroundSearch", "accepted_text",
           "capped_ground_dial", "moved_text", "search_ground_pickup", "time_dial",
           "unmet_text"]

#: Coordination interval of the proposed relay over the devices below it, s.
CTI_S = 0.3
TD_MIN, TD_MAX, TD_STEP = 0.5, 15.0, 0.1


@dataclass(frozen=True)
class Dial:
    """A time dial: ``td``, whether it meets the interval at every judged fault (``met``),
    the faults no dial up to :data:`TD_MAX` meets it at (``unmet``: bool, shape ``(n,)``) and
    those left uncoordinated on purpose (``accepted``: :func:`capped_ground_dial`; None:
    none)."""

    td: float
    met: bool
    unmet: np.ndarray
    accepted: np.ndarray | None = None

    @property
    def n_accepted(self) -> int:
        return 0 if self.accepted is None else int(self.accepted.sum())


def time_dial(relay_time_td1: np.ndarray, device_time: np.ndarray,
              cti_s: float = CTI_S) -> Dial:
    """The smallest dial with ``TD·t1 ≥ t_dev + cti_s`` wherever both operate and a dial up
    to :data:`TD_MAX` can give it (module docstring).

    >>> d = time_dial(np.array([1.0, 0.01]), np.array([0.5, 0.5]))
    >>> d.td, d.met, d.unmet.tolist()
    (0.8, False, [False, True])
    """
    t1 = np.asarray(relay_time_td1, dtype=float)
    t_dev = np.asarray(device_time, dtype=float)
    ok = np.isfinite(t1) & np.isfinite(t_dev) & (t1 > 0)
    need = np.where(ok, (t_dev + cti_s) / np.where(ok, t1, 1.0), -np.inf)
    unmet = ok & (need > TD_MAX + 1e-9)
    can = ok & ~unmet
    if not can.any():
        return Dial(TD_MIN, not unmet.any(), unmet)
    td = max(TD_MIN, math.ceil(float(need[can].max()) / TD_STEP - 1e-9) * TD_STEP)
    return Dial(min(round(td, 1), TD_MAX), not unmet.any(), unmet)


def capped_ground_dial(relay_time_td1: np.ndarray, device_time: np.ndarray,
                       may_accept: np.ndarray, t1_zone_min_s: float, breaker_s: float,
                       cti_s: float = CTI_S) -> Dial:
    """The 51G's dial (module docstring, a large lateral fuse's low-current region).

    Parameters
    ----------
    relay_time_td1, device_time : numpy.ndarray
        As :func:`time_dial` (s, per judged fault).
    may_accept : numpy.ndarray
        bool per judged fault: a fuse's, in the min case (may be left uncoordinated where
        the fuse clears slower than :data:`~.curve_choice.CLEAR_BOUND_S`).
    t1_zone_min_s : float
        The 51G's operate time at dial 1 at its primary zone's minimum ground fault (s; not
        finite: no hold).
    breaker_s : float
        The breaker's interrupting time added to the relay's (s).

    >>> d = capped_ground_dial(np.array([20.0, 1.0]), np.array([42.0, 0.5]),
    ...                        np.array([True, False]), 20.0, 0.0)
    >>> d.td, d.met, d.accepted.tolist()
    (0.8, True, [True, False])
    """
    full = time_dial(relay_time_td1, device_time, cti_s)
    if not (math.isfinite(t1_zone_min_s) and t1_zone_min_s > 0) or (
            full.td * t1_zone_min_s + breaker_s <= CLEAR_BOUND_S + 1e-9):
        return full
    hold = max(TD_MIN, math.floor((CLEAR_BOUND_S - breaker_s) / t1_zone_min_s / TD_STEP
                                  + 1e-9) * TD_STEP)
    t1 = np.asarray(relay_time_td1, dtype=float)
    t_dev = np.asarray(device_time, dtype=float)
    ok = np.isfinite(t1) & np.isfinite(t_dev) & (t1 > 0)
    need = np.where(ok, (t_dev + cti_s) / np.where(ok, t1, 1.0), -np.inf)
    accepted = (ok & np.asarray(may_accept, dtype=bool) & (need > hold + 1e-9) & ~full.unmet
                & (t_dev > CLEAR_BOUND_S))
    if not accepted.any():
        return full
    held = time_dial(t1, np.where(accepted, np.nan, t_dev), cti_s)
    if held.td >= full.td - 1e-9:
        return full
    return Dial(held.td, held.met, held.unmet, accepted)


def accepted_text(dial: Dial, t_rel_td1: np.ndarray, curve: str, pf: Any,
                  below: Sequence[tuple[str, object]], full_td: float, full_s: float,
                  held_s: float) -> str:
    """The TODO of a 51G left uncoordinated over fuses at their min-case faults
    (:func:`capped_ground_dial`)."""
    acc = np.asarray(dial.accepted, dtype=bool)
    devs = sorted(set(pf.devices[acc].tolist()))
    links = {n: str(getattr(getattr(m, "settings", None), "link", "") or "") for n, m in below}
    named = ", ".join(f"{d} {links.get(d, '')}".rstrip() for d in devs[:6]) + (
        f" and {len(devs) - 6} more" if len(devs) > 6 else "")
    i_g, t_dev = pf.i_ground_a[acc], pf.t_dev_s[acc]
    t_head = dial.td * t_rel_td1[acc]
    n = int(acc.sum())
    return (f"51G ({curve}) not coordinated over {named} at {n} min-case fault"
            f"{'s' if n > 1 else ''} (the draft's fault resistance; the head's |3I0| "
            f"{i_g.min():.0f}–{i_g.max():.0f} A, where the fuse clears in "
            f"{t_dev.min():.3g}–{t_dev.max():.3g} s and the head's 51G operates in "
            f"{t_head.min():.3g}–{t_head.max():.3g} s): the head trips first for those "
            f"high-impedance faults on the lateral. The dial meeting the {CTI_S:g} s interval "
            f"there, TD {full_td:g}, clears the zone's minimum ground fault in {full_s:.3g} s "
            f"(relay + breaker), beyond the {CLEAR_BOUND_S:g} s the draft allows; TD "
            f"{dial.td:g} clears it in {held_s:.3g} s and keeps the interval at every other "
            "judged fault (max-case, and the fuses' currents where they clear within "
            f"{CLEAR_BOUND_S:g} s). Practice: coordinate "
            "over the fuse's fault-current range where the ground element stays fast enough, "
            "else a faster device on the lateral or accept the ground relay first at its "
            "low currents (IEEE C37.230-2020, IEEE Std 242-2001 cl. 15, recalled: "
            "protv2g.study_draft.head_dials)")


@dataclass(frozen=True)
class GroundSearch:
    """The 51G pickup chosen (A), its families' tries, the pickups tried (A; just the rule's
    when it meets the interval there) and whether the pickup moved."""

    pickup_a: float
    tries: list[FamilyTry]
    tried_a: list[float]
    rule_a: float

    @property
    def moved(self) -> bool:
        return abs(self.pickup_a - self.rule_a) > 1e-9


def search_ground_pickup(try_at: Callable[[float], list[FamilyTry]], rule_a: float,
                         ceiling_a: float, order: Sequence[str]) -> GroundSearch:
    """The 51G pickup (module docstring).

    Parameters
    ----------
    try_at : callable
        Pickup (A) → one :class:`~.curve_choice.FamilyTry` per family at that ground pickup.
    rule_a : float
        The rule's pickup (A; :func:`.head_relay.propose_relay`'s, already within its window).
    ceiling_a : float
        The window's top, min ground-fault ``|3I0|`` of the primary zone / 1.5 (A; inf or
        NaN: no search).
    order : sequence of str
        The families' tie order (:func:`.curve_choice.preference`).
    """
    first = try_at(rule_a)
    if any(not t.missed("51G") for t in first) or not math.isfinite(ceiling_a):
        return GroundSearch(rule_a, first, [rule_a], rule_a)
    results = {rule_a: first}
    p = rule_a + 10.0
    while p <= ceiling_a + 1e-9:
        results[p] = try_at(p)
        p += 10.0

    def rank(t: FamilyTry) -> int:
        return list(order).index(t.curve) if t.curve in order else len(order)

    met = [(a, t) for a, ts in results.items() for t in ts if not t.missed("51G")]
    if met:
        best = min(t.clearing_s("51G") for _, t in met)
        tied = [(a, t) for a, t in met
                if t.clearing_s("51G") <= best * (1.0 + TIE_FRACTION) + 1e-9]
        chosen = min(tied, key=lambda at: (at[0], rank(at[1])))[0]
    else:  # none meets it: move only where fewer faults are left uncoordinated
        fewest = {a: min(t.unmet("51G") for t in ts) for a, ts in results.items()}
        chosen = min(results, key=lambda a: (fewest[a], a))
        if fewest[chosen] >= fewest[rule_a]:
            chosen = rule_a
    return GroundSearch(chosen, results[chosen], sorted(results), rule_a)


def _fuse_melt(below: Sequence[tuple[str, object]]) -> tuple[str, float] | None:
    """The fuse right below with the largest minimum melting current: (its name and link,
    A); None without a fuse."""
    fuses = [(f"{n} {getattr(getattr(m, 'settings', None), 'link', '')}".rstrip(),
              float(m.min_melt_current_a)) for n, m in below if hasattr(m, "min_melt_current_a")]
    return max(fuses, key=lambda f: f[1]) if fuses else None


def _worst_unmet(dial: Dial, t_rel_td1: np.ndarray, pf: Any, i_col: np.ndarray) -> str:
    """The uncoordinated fault needing the largest dial, said with its currents and times."""
    idx = np.flatnonzero(dial.unmet)
    need = (pf.t_dev_s[idx] + CTI_S) / t_rel_td1[idx]
    k = int(idx[int(np.argmax(need))])
    return (f"{pf.devices[k]} at {pf.faults[k]}: the head's {i_col[k]:.0f} A, {pf.devices[k]} "
            f"clears in {pf.t_dev_s[k]:.3g} s, the head at TD {TD_MAX:g} operates in "
            f"{TD_MAX * t_rel_td1[k]:.3g} s")


def unmet_text(key: str, dial: Dial, t_rel_td1: np.ndarray, td: float, curve: str,
                pf: Any, what: str, below: Sequence[tuple[str, object]]) -> str:
    """The conflict of an element no dial up to the cap coordinates at some faults."""
    i_col = pf.i_phase_a if key == "51P" else pf.i_ground_a
    devs = sorted(set(pf.devices[dial.unmet].tolist()))
    n = int(dial.unmet.sum())
    worst = _worst_unmet(dial, t_rel_td1, pf, i_col)
    text = (f"{key} ({curve}): no time dial up to {TD_MAX:g} gives the {CTI_S:g} s interval "
            f"over {', '.join(devs)} at {n} judged fault{'s' if n > 1 else ''} (max and min "
            f"case; with none of IEEE MI/VI/EI); the worst, {worst}. "
            f"The drafted TD {td:g} meets it at every other judged fault: a dial raised to "
            f"{TD_MAX:g} would still miss it there and only slow the relay")
    fuse = _fuse_melt([(n_, m) for n_, m in below if n_ in devs]) if key == "51G" else None
    if fuse:
        text += (f"; the head's |3I0| there is near the minimum melting current of {fuse[0]} "
                 f"({fuse[1]:.0f} A), where the fuse melts slowly or never: no ground pickup "
                 "up to the zone's minimum ground fault / 1.5 coordinates either")
    return text


def moved_text(search: GroundSearch, floor_a: float, ceiling_a: float,
                dial_of: Mapping[tuple[float, str], tuple[Dial, Dial]],
                t1: Mapping[tuple[float, str], tuple[np.ndarray, np.ndarray]], pf: Any,
                below: Sequence[tuple[str, object]]) -> str:
    """Why the 51G pickup was raised from the rule's (:mod:`.head_dials`)."""
    rule = search.rule_a
    fam = min(FAMILIES, key=lambda f: int(dial_of[rule, f][1].unmet.sum()))
    dg = dial_of[rule, fam][1]
    worst = (_worst_unmet(dg, t1[rule, fam][1], pf, pf.i_ground_a) if dg.unmet.any()
             else "")
    fuse = _fuse_melt(below)
    melt = (f"; the largest minimum melting current of the fuses right below: {fuse[0]} "
            f"{fuse[1]:.0f} A" if fuse else "")
    return (f"raised {rule:g} → {search.pickup_a:g} A inside its window [1.5 × C8 residual "
            f"{floor_a:.4g} A, min zone ground fault |3I0| / 1.5 = {ceiling_a:.4g} A]: at "
            f"{rule:g} A no IEEE family (MI/VI/EI, TD ≤ {TD_MAX:g}) gives the {CTI_S:g} s "
            "interval over the devices right below"
            + (f" ({worst})" if worst else "") + melt
            + f"; of the pickups tried ({', '.join(f'{a:g}' for a in search.tried_a)} A), the "
            "one that clears the zone's minimum ground fault soonest with the interval "
            "(IEEE C37.230-2020 / IEEE Std 242-2001 §15, recalled: a ground relay over fuses "
            "is set above the largest fuse's minimum melting current where its reach allows)")

