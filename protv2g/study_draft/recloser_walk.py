"""Mid-line reclosers over every part of a feeder the head relay cannot protect (review rev44a
M2, M4), each placed by :func:`.mid_recloser.place_on_path`.

Review rev44a found two drafts a protection engineer would not sign:

* **M2, IEEE 8500 + campus:** the head's 51P (920 A) could not reach its zone's minimum
  multi-phase fault (565 A). Init drafted one recloser, on the path to the zone's single
  weakest fault (ln5502533-1); the campus, the far end m1027055 (14.6 km), e203026 and
  l3312692 (17 km) are on another branch, reached by nothing (C5: −0.90 × pickup);
* **M4, EPRI ckt5 + depot:** the 51P reaches, so nothing was drafted, although the head's 51G
  clears the zone-end 20 Ω ground fault in 40–46 s.

The rule, as an engineer drafts it, walks the feeder tree from each device down:

* **uncovered** are the buses of the device's primary reach (the head's
  :func:`~protv2g.study_draft.head_relay.primary_reach`, not behind a device below it),
  not behind a recloser already drafted, where its 51P does not see ``REACH_LIMIT`` (1.5, C5)
  × its pickup at the minimum multi-phase fault, its 51G does not see 1.5 × its pickup at the
  minimum ground fault |3I0| (IEC 60909 min through the draft's fault resistance, 20 Ω), or
  its 51G takes longer than :data:`GROUND_CLEAR_BOUND_S` there (relay + breaker; a
  recloser's delayed ground curve);
* while a bus is uncovered, the weakest (the smallest phase fault over its need, else the
  slowest ground clearing) is taken, and a recloser placed on the path to it
  (:func:`~.mid_recloser.place_on_path`): into the first bus below 2 × the device's pickup
  (``REACH_COMFORT``) or whose ground fault is uncovered, stepping down while its pickup
  window does not fit, to the first bus uncovered at the latest; the recloser then covers
  every bus behind it;
* where no pickup window fits for everything behind the place (the line carries more load
  than ½ × the weakest fault behind it allows: IEEE 8500's trunk, 292 A against 565 A), the
  recloser is drafted at the first place anyway, its pickups capped by the faults at its
  own far bus (it reaches that bus with 2 ×: :func:`~.mid_recloser.place_on_path`'s
  ``allow_partial``);
* each drafted recloser is walked the same way (its pickups, its delayed ground curve): a
  recloser below a recloser where the one above reaches only part of its zone. The one
  below has the same curves; the one above then gets its delayed multipliers raised until
  C4 holds between them (:mod:`.recloser_series`);
* at most :data:`MAX_RECLOSERS` per head; a bus left uncovered — the count reached or no
  window fits — is named in a TODO (:func:`uncovered_text`).

**Why 10 s for the ground element** (:data:`GROUND_CLEAR_BOUND_S`): the draft's bound on the
slowest end-of-zone time-overcurrent clearing, :data:`protv2g.criteria.
ZONE_END_CLEARING_BRACKET_S` = 2–10 s of utility practice (recalled, not a standard; the
reasoning, with the conductor-damage I²t it is checked against, is in
:mod:`.curve_choice`: 1/0 ACSR anneals at a 300 A minimum fault only after ≈ 420 s, so the
damage curve does not bound it; the sustained arc does). The high end is taken: it is what
init already marks TODO on the head (:data:`~.curve_choice.CLEAR_BOUND_S`), and a recloser
at the low end (2 s) would be drafted on nearly every feeder whose 51G sits above fuses.

**Why at most three** (:data:`MAX_RECLOSERS`): each recloser adds a coordination step between
the head and the fuses; with more than three line reclosers in a feeder an engineer looks at
the feeder itself (a new feeder or tie, a sectionalising scheme) rather than at more devices
(practice recalled, not a standard). The TODO names what is left.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from protv2g.criteria import ZONE_END_CLEARING_BRACKET_S
from protv2g.network.dss_model import DssModel
from protv2g.study_draft.mid_recloser import (
    REACH_COMFORT,
    REACH_LIMIT,
    MidRecloser,
    place_on_path,
)

__all__ = ["GROUND_CLEAR_BOUND_S", "MAX_RECLOSERS", "MID_TODO_HEADS", "Upstream", "WalkResult",
           "mid_reclosers", "uncovered_mask", "uncovered_text"]

#: The slowest 51G clearing at a bus's minimum ground fault a device is left with, s: the high
#: end of the 2–10 s practice bracket (module docstring).
GROUND_CLEAR_BOUND_S = ZONE_END_CLEARING_BRACKET_S[1]
#: At most this many reclosers drafted below one head (module docstring).
MAX_RECLOSERS = 3
#: How the head's TODOs on the walk begin: a place where no window fits, buses left uncovered.
MID_TODO_HEADS = ("51P cannot reach:", "zone not covered:")
#: How many uncovered buses a TODO names before "and N more".
_NAMED = 6

TimeS = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Upstream:
    """The device a zone is walked from: its name, far bus (index), 51P as drafted and by its
    load rule, 51G pickup (NaN: none), ground clearing time (s) against |3I0| (A) and its
    51G settings as the TODO names them."""

    name: str
    far_bus: int
    pickup_a: float
    rule_a: float
    ground_pickup_a: float = math.nan
    ground_time_s: TimeS | None = None
    ground_label: str = ""


@dataclass
class WalkResult:
    """The drafted reclosers (outermost first), the places tried where none fits, and the
    buses (index) left uncovered and why."""

    drafted: list[MidRecloser]
    failed: list[MidRecloser]
    uncovered: list[int]
    why: list[str] = field(default_factory=list)


def uncovered_mask(up: Upstream, i_a: np.ndarray, i0_a: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bus (minimum multi-phase fault ``i_a``, minimum |3I0| ``i0_a``, A; NaN: no such
    fault): phase uncovered, ground uncovered (not reached, or slower than
    :data:`GROUND_CLEAR_BOUND_S`), and the 51G clearing time (s; inf: not reached)."""
    phase = np.nan_to_num(i_a, nan=np.inf) < REACH_LIMIT * up.pickup_a
    t_g = np.full(len(i0_a), math.nan)
    if up.ground_time_s is None or not up.ground_pickup_a == up.ground_pickup_a:
        return phase, np.zeros(len(i0_a), bool), t_g
    has = np.isfinite(i0_a)
    t_g[has] = np.asarray(up.ground_time_s(i0_a[has]), dtype=float)
    ground = has & ((i0_a < REACH_LIMIT * up.ground_pickup_a) | ~(t_g <= GROUND_CLEAR_BOUND_S))
    return phase, ground, t_g


def mid_reclosers(model: DssModel, tree: nx.DiGraph, head: Upstream, reach: set[int],
                  i_bus: pd.Series, i0_bus: pd.Series,
                  line_load_a: Callable[[str, int, int, int], float],
                  ground_time_of: Callable[[MidRecloser], TimeS | None],
                  max_count: int = MAX_RECLOSERS) -> WalkResult:
    """The reclosers of the module docstring below ``head`` over its primary ``reach`` (bus
    indices): ``i_bus``/``i0_bus`` the minimum multi-phase fault and |3I0| per bus (A, the
    head's fault rows: its current there, a lower bound of a recloser's below it);
    ``line_load_a`` as :func:`.mid_recloser.place_on_path`; ``ground_time_of(rec)`` the
    drafted recloser's delayed ground clearing time (s) against |3I0| (A)."""
    out = WalkResult([], [], [])
    _walk(model, tree, head, set(reach), i_bus, i0_bus, line_load_a, ground_time_of,
          max_count, out)
    return out


def _walk(model, tree, up: Upstream, zone: set[int], i_bus, i0_bus, line_load_a,
          ground_time_of, max_count: int, out: WalkResult) -> None:
    """One device's zone (module docstring); recursive below each recloser it drafts."""
    given_up: set[int] = set()
    mine: list[MidRecloser] = []
    names = list(model.buses.index)
    index = {str(b): k for k, b in enumerate(names)}
    while True:
        covered = set().union(*(nx.descendants(tree, index[r.far_bus]) | {index[r.far_bus]}
                                for r in mine)) if mine else set()
        buses = np.array(sorted(zone - covered - given_up), dtype=np.int64)
        i_a = i_bus.reindex(buses).to_numpy(float)
        i0_a = i0_bus.reindex(buses).to_numpy(float)
        phase, ground, t_g = uncovered_mask(up, i_a, i0_a)
        bad = phase | ground
        if not bad.any():
            return
        if len(out.drafted) >= max_count or len(out.failed) >= max_count:
            out.uncovered += buses[bad].tolist()
            out.why.append((f"the draft stops at {max_count} mid-line reclosers per head"
                            if len(out.drafted) >= max_count else
                            f"the draft stops after {max_count} places where none fits")
                           + _shortfall_said(up, buses, i_a, i0_a, phase, ground, t_g, names))
            return
        if phase.any():   # the weakest against the 51P's need, else the slowest 51G
            target = int(buses[phase][np.argmin(i_a[phase])])
        else:
            t_key = np.where(np.isfinite(t_g), t_g, np.inf)
            target = int(buses[ground][np.lexsort((i0_a[ground], -t_key[ground]))[0]])
        path = nx.shortest_path(tree, up.far_bus, target)
        p_i = i_bus.reindex(path).to_numpy(float)
        p_phase, p_ground, _t = uncovered_mask(up, p_i, i0_bus.reindex(path).to_numpy(float))
        at = int(np.argmax(p_phase | p_ground))
        comfort = (np.nan_to_num(p_i, nan=np.inf) < REACH_COMFORT * up.rule_a) | p_ground
        start = int(np.argmax(comfort))
        if at == 0:   # uncovered at its own first bus: no recloser below it helps
            out.uncovered += buses[bad].tolist()
            out.why.append(_first_bus_said(up, path[0], i_bus, i0_bus, names))
            return
        rec = place_on_path(model, tree, path, start, at, i_bus, i0_bus,
                            (up.pickup_a, up.rule_a), line_load_a, up.name,
                            allow_partial=True)
        if not rec.drafted:
            out.failed.append(rec)
            behind = nx.descendants(tree, int(path[max(min(start, at), 0)])) | {
                int(path[max(min(start, at), 0)])}
            lost = set(buses[bad].tolist()) & behind
            out.uncovered += sorted(lost)
            given_up |= lost
            continue
        if p_ground[at] and not p_phase[at]:   # placed for the ground element
            rec.place += (f"; {up.name}'s 51G {_ground_said(up, path[at], i0_bus, names)}")
        mine.append(rec)
        out.drafted.append(rec)
        far = index[rec.far_bus]
        child = Upstream(f"recloser-{rec.line}", far, rec.pickup_a, rec.pickup_a,
                         rec.ground_pickup_a, ground_time_of(rec))
        _walk(model, tree, child, zone & (nx.descendants(tree, far) | {far}), i_bus, i0_bus,
              line_load_a, ground_time_of, max_count, out)


def _shortfall_said(up: Upstream, buses: np.ndarray, i_a: np.ndarray, i0_a: np.ndarray,
                    phase: np.ndarray, ground: np.ndarray, t_g: np.ndarray,
                    names: list[str]) -> str:
    """How far the buses left uncovered at the count are from ``up``'s rule (session 45's
    left item 2: whether one more recloser, or another place, would do): the worst phase
    and ground shortfall against :data:`REACH_LIMIT` × pickup, and the slowest 51G."""
    said = []
    if phase.any():
        k = int(np.argmin(np.where(phase, i_a, np.inf)))
        said.append(f"51P: {names[int(buses[k])]} {i_a[k]:.0f} A = "
                    f"{i_a[k] / (REACH_LIMIT * up.pickup_a):.2f} × the {REACH_LIMIT:g} × "
                    f"{up.pickup_a:.0f} A it needs")
    reach_g = ground & (i0_a < REACH_LIMIT * up.ground_pickup_a)
    if reach_g.any():
        k = int(np.argmin(np.where(reach_g, i0_a, np.inf)))
        said.append(f"51G: {names[int(buses[k])]} {i0_a[k]:.0f} A |3I0| = "
                    f"{i0_a[k] / (REACH_LIMIT * up.ground_pickup_a):.2f} × the "
                    f"{REACH_LIMIT:g} × {up.ground_pickup_a:.0f} A it needs")
    slow = ground & ~reach_g & np.isfinite(t_g)
    if slow.any():
        k = int(np.argmax(np.where(slow, t_g, -np.inf)))
        said.append(f"51G: {names[int(buses[k])]} cleared in {t_g[k]:.3g} s")
    return (f" (the worst left, against {up.name}'s rule: {'; '.join(said)})" if said
            else "")


def _ground_said(up: Upstream, bus: int, i0_bus: pd.Series, names: list[str]) -> str:
    """What the upstream device's 51G does at ``bus``'s minimum ground fault."""
    i0 = float(i0_bus.get(bus, math.nan))
    if not i0 >= REACH_LIMIT * up.ground_pickup_a:
        return (f"({up.ground_pickup_a:.0f} A) does not see {REACH_LIMIT:g} × its pickup at "
                f"{names[bus]}'s minimum ground fault ({i0:.0f} A |3I0|)")
    t = float(np.asarray(up.ground_time_s(np.array([i0])))[0]) if up.ground_time_s else math.nan
    return (f"({up.ground_label or f'{up.ground_pickup_a:.0f} A'}) takes {t:.3g} s at "
            f"{names[bus]}'s minimum ground fault ({i0:.0f} A |3I0|, "
            f"IEC 60909 min through the draft's fault resistance), above the "
            f"{GROUND_CLEAR_BOUND_S:g} s drafted as the slowest end-of-zone clearing "
            f"(practice {ZONE_END_CLEARING_BRACKET_S[0]:g}–{ZONE_END_CLEARING_BRACKET_S[1]:g} "
            "s, recalled: protv2g.study_draft.recloser_walk)")


def _first_bus_said(up: Upstream, bus: int, i_bus: pd.Series, i0_bus: pd.Series,
                    names: list[str]) -> str:
    """Why no recloser helps where ``up`` is uncovered at its own first bus."""
    i = float(i_bus.get(bus, math.nan))
    if not i >= REACH_LIMIT * up.pickup_a:
        return (f"{up.name}'s 51P ({up.pickup_a:.0f} A) does not see {REACH_LIMIT:g} × its "
                f"pickup at its own first bus {names[bus]} ({i:.0f} A): no recloser below it "
                "helps there")
    return (f"{up.name}'s 51G {_ground_said(up, bus, i0_bus, names)} — already at its own "
            "first bus: no recloser below it shortens that; its time dial does (set by the "
            "devices right below it: the clearing TODO)")


def uncovered_text(head: str, res: WalkResult, names: list[str]) -> str:
    """The TODO of the buses no drafted device protects ("" when none)."""
    if not res.uncovered:
        return ""
    buses = list(dict.fromkeys(names[b] for b in res.uncovered))
    more = f" and {len(buses) - _NAMED} more" if len(buses) > _NAMED else ""
    why = "; ".join(dict.fromkeys(res.why)) or "no recloser's window fits on their path"
    return (f"{len(buses)} bus(es) where neither {head} nor a drafted recloser meets the "
            f"draft's rule at the minimum faults (51P ≥ {REACH_LIMIT:g} × pickup; 51G ≥ "
            f"{REACH_LIMIT:g} × pickup and clearing within {GROUND_CLEAR_BOUND_S:g} s): "
            f"{', '.join(buses[:_NAMED])}{more}; {why}")
