"""A mid-line recloser drafted where the proposed head relay cannot reach (review rev42a M6).

EPRI J1: the head's 51P must carry its load (570 A = 1.5 × the 377 A charging peak) but the
zone's minimum fault is 445 A (LL at b43441, 18 km out): C5 failed on 1,772 rows and init
drafted nothing else, the model having no fuse or recloser. A protection engineer puts a
recloser where the head stops reaching. The rule, on the head's own fault table (IEC 60909
min case, the multi-phase faults C5 judges the 51P on, at the buses of its primary reach,
:func:`protv2g.study_draft.head_relay.primary_reach`):

* **where**: along the path from the head to its zone's weakest multi-phase fault (the
  trunk to it), on the line into the first bus whose minimum fault is below
  ``REACH_COMFORT × 51P`` = 2 × the head's pickup, at its source-side end: the head reaches
  the recloser's own bus, where its zone now ends, with at least twice its pickup. C5 asks
  1.5 × (its primary margin, domain.md C5); a recloser placed on the first bus below 1.5 ×
  leaves the zone boundary on whatever margin that bus happens to have (EPRI J1: 1.5011 ×,
  review ver43 M-a1), and the draft knows neither the fault resistance, the utility's load
  figures nor V2G's reach loss (2–5 % of the head's current on J1, ver43). 2 × keeps a third
  of C5's margin in hand for them (the head still reaches its zone's end after a 25 % drop of
  its current) and is the ratio this module's own pickup rule keeps for the recloser
  (``PICKUP_FAULT_SHARE``: minimum trip ≤ ½ × the minimum fault of its zone), so each of the
  two sees at least twice its pickup at its zone's end — the upper end of the 1.5–2 ×
  reach margins of distribution practice (recalled; C5 itself judges 1.5 ×). Where the
  pickup window below does not fit there (the line carries too much load), the recloser
  steps downstream a line at a time to the first place it fits, at most to the line into the
  first bus below 1.5 × (C5's own limit, the place review rev42a M6 first drafted): its TODO
  then says the head's margin at it is below 2 × and why. The head then reaches every bus up
  to it, the recloser the rest of that path;
* **pickup** (phase minimum trip): ``2 × its own peak load`` (the line's largest phase current
  at peak load without V2G, existing DER off: the head's rule, :func:`.head_load.head_load_cases`'s
  ``peak``; the recloser stands for the feeder without the sites, whose flows through it the
  comment states, review rev47a item 1) rounded up to
  10 A, at most ``½ × the minimum multi-phase fault behind it`` (the weakest fault of the
  head's primary reach at or behind the bus; the head's current there, a lower bound of the
  recloser's where DER sits between them). Where ``2 × load > ½ × minimum`` even on the line
  into the first bus below 1.5 × there is no such place (upstream carries more load,
  downstream leaves a gap): nothing is drafted and the head's reach TODO says why, with both
  figures;
* ground minimum trip: ``max(½ × phase, 2 × its own residual load current |Ia + Ib + Ic|)``
  rounded up to 10 A, at most ``½ × the minimum |3I0| behind it`` (10 A steps, not below
  10 A), and never below ``1.5 × residual`` — C8 judges the ground element on the residual
  with its 1.5 margin, the head's 51G rule's floor (EPRI J1: the recloser first drafted on
  oh_b18846 carried 58 A of residual against a ground pickup capped at 80 A, a C8 fail at the
  gate); where no 10 A step lies in ``[1.5 × residual, ½ × minimum |3I0|]`` the place does not
  fit, as for the phase window; curves 101/133 (phase fast/delayed) and 104/117
  (ground) — the series the project's examples and domain.md §3 name; the head's reclose
  sequence. Every value is a TODO to confirm: they are a starting point, not the utility's.

The head relay is then re-drafted with the recloser below it (its zone ends there, its dials
coordinate over it: C4), by :func:`protv2g.study_draft.draft.draft_study`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from protv2g.network.dss_model import DssModel
from protv2g.study_draft.head_relay import round_up

__all__ = ["MidRecloser", "place_on_path", "recloser_entry", "RECLOSER_CURVES",
           "PICKUP_LOAD_MULTIPLE", "PICKUP_FAULT_SHARE", "REACH_LIMIT", "REACH_COMFORT",
           "GROUND_RESIDUAL_MARGIN"]

#: Phase minimum trip at least this multiple of the recloser's own peak load.
PICKUP_LOAD_MULTIPLE = 2.0
#: … and at most this share of the minimum multi-phase fault behind it.
PICKUP_FAULT_SHARE = 0.5
#: C8's margin on a ground element's residual load current: the drafted ground pickup is at
#: least this multiple of it (module docstring).
GROUND_RESIDUAL_MARGIN = 1.5
#: C5's primary-zone margin (domain.md C5; ``thresholds.sensitivity_primary_factor``'s
#: default): past the first bus below this × 51P the head does not reach.
REACH_LIMIT = 1.5
#: The head's margin at the recloser's place (module docstring: ½ × minimum fault).
REACH_COMFORT = 2.0
#: Phase fast/delayed, ground fast/delayed curves of the drafted recloser (module docstring).
RECLOSER_CURVES = {"fast_curve": "101", "delayed_curve": "133", "ground_fast_curve": "104",
                   "ground_delayed_curve": "117"}


@dataclass
class MidRecloser:
    """Where a recloser is drafted below a head that cannot reach, or why none is.

    Attributes
    ----------
    line : str
        OpenDSS line name (no ``line.``); "" when none is drafted.
    terminal : int
        The line's source-side terminal (1 ``from``, 2 ``to``).
    near_bus, far_bus : str
        The last bus the head reaches and the first it does not.
    load_a : float
        The line's peak load, A.
    min_fault_a, min_ground_a : float
        The minimum multi-phase fault and |3I0| at or behind ``far_bus`` in the head's
        primary reach, A; ``min_fault_bus`` where the former is.
    pickup_a, ground_pickup_a : float
        Drafted minimum trips, A (NaN when none is drafted).
    text : str
        What the head's TODO says of it.
    reach_x : float
        The head's minimum fault at ``near_bus`` over its 51P pickup.
    place : str
        Why it sits there (the recloser's TODO).
    delayed_multiplier, ground_delayed_multiplier : float
        Its delayed curves' time multipliers (1, None: the phase one's), raised where a
        recloser is drafted below it (:mod:`.recloser_series`).
    """

    line: str
    terminal: int
    near_bus: str
    far_bus: str
    load_a: float
    min_fault_a: float
    min_fault_bus: str
    min_ground_a: float = math.nan
    pickup_a: float = math.nan
    ground_pickup_a: float = math.nan
    text: str = ""
    figures: dict = field(default_factory=dict)
    reach_x: float = math.nan
    place: str = ""
    delayed_multiplier: float = 1.0
    ground_delayed_multiplier: float | None = None

    @property
    def drafted(self) -> bool:
        return bool(self.line) and self.pickup_a == self.pickup_a

    def summary(self, head: str) -> str:
        """One line naming the drafted recloser, its place and pickups (what ``init`` prints,
        review ver43 M-a2: the terminal named only the head).

        >>> r = MidRecloser("l4", 1, "b3", "b4", 20.0, 296.0, "b10", 200.0, 40.0, 20.0,
        ...                 figures={"window_a": (39.0, 148.0)}, reach_x=2.44)
        >>> r.summary("head-head")[:63]
        'recloser-l4 on line l4 (b3 → b4, at its from end), where head-h'
        >>> r.summary("head-head")[63:118]
        "ead's zone ends (its 51P reaches b3 with 2.44 × pickup)"
        >>> r.summary("head-head")[118:]
        ': phase minimum trip 40 A (window 39–148 A), ground 20 A'

        """
        lo, hi = self.figures.get("window_a", (math.nan, math.nan))
        head = self.figures.get("upstream", "the head").replace("the head", head)
        return (f"recloser-{self.line} on line {self.line} ({self.near_bus} → {self.far_bus}, "
                f"at its {'from' if self.terminal == 1 else 'to'} end), where {head}'s zone "
                f"ends (its 51P reaches {self.near_bus} with {self.reach_x:.2f} × pickup): "
                f"phase minimum trip {self.pickup_a:.0f} A (window {lo:.0f}–{hi:.0f} A), "
                f"ground {self.ground_pickup_a:.0f} A")


def _round_up(x: float, step: float = 10.0) -> float:
    """The head relay's setting step (:func:`~protv2g.study_draft.head_relay.round_up`), at
    least one step."""
    return max(round_up(x, step), step)


def _line_between(model: DssModel, a: int, b: int) -> tuple[str, int] | None:
    """The enabled line joining buses ``a`` and ``b`` and its terminal at ``a``, or None."""
    el = model.elements
    for name, buses in zip(el.name, el.buses, strict=True):
        if not str(name).lower().startswith("line.") or len(buses) != 2:
            continue
        ends = model.bus_index(list(buses))
        if {int(ends[0]), int(ends[1])} == {a, b}:
            return str(name).split(".", 1)[1], 1 if int(ends[0]) == a else 2
    return None


def _first_below(path: list, i_bus: pd.Series, x_a: float) -> int:
    """Index in ``path`` of the first bus whose minimum fault is below ``x_a`` (-1: none)."""
    return next((k for k, b in enumerate(path) if b in i_bus.index and i_bus[b] < x_a), -1)


def _place(model: DssModel, tree: nx.DiGraph, path: list, k: int, found: tuple[str, int],
           i_bus: pd.Series, i0_bus: pd.Series, pickups_a: tuple[float, float],
           line_load_a: Callable[[str, int, int, int], float],
           upstream: str = "the head", g_share: float = PICKUP_FAULT_SHARE,
           partial: bool = False) -> MidRecloser:
    """The recloser on line ``found`` into ``path[k]``, its pickup window and pickups (module
    docstring); not :attr:`~MidRecloser.drafted` where the window does not fit. ``g_share``:
    the ground pickup's cap as a share of the minimum |3I0| behind it. ``partial``: the
    pickups capped by the faults at its own far bus instead (÷ ``REACH_COMFORT``): it then
    reaches only part of what lies behind it, the rest left to a recloser below it
    (:mod:`.recloser_walk`).
    ``pickups_a``: ``upstream``'s 51P as drafted and by its load rule (:func:`place_on_path`)."""
    pickup_a, rule_a = pickups_a
    names = list(model.buses.index)
    line, term = found
    near, far = int(path[k - 1]), int(path[k])
    behind = set(nx.descendants(tree, far)) | {far}
    below = i_bus[i_bus.index.isin(behind)]
    i_min, i_min_bus = float(below.min()), names[int(below.idxmin())]
    if partial:   # its own zone ends where its reach does (.recloser_walk)
        below = i_bus[i_bus.index.isin([far])] if far in i_bus.index else below
        i_min, i_min_bus = float(below.min()), names[int(below.idxmin())]
        behind = {far}
    g_below = i0_bus[i0_bus.index.isin(behind)]
    i0_min = float(g_below.min()) if len(g_below) else math.inf
    i_abc = np.atleast_2d(np.asarray(line_load_a(line, term, near, far), dtype=complex))
    load = float(np.abs(i_abc).max()) if i_abc.size else math.nan
    residual = float(np.abs(i_abc.sum(axis=1)).max()) if i_abc.size else math.nan
    lo, hi = PICKUP_LOAD_MULTIPLE * load, PICKUP_FAULT_SHARE * i_min
    rec = MidRecloser(line, term, names[near], names[far], load, i_min, i_min_bus, i0_min)
    i_near, i_far = float(i_bus.get(near, math.nan)), float(i_bus.get(far, math.nan))
    # the head re-drafted with its zone ending at near: its load rule, capped by C5 there
    redraft_a = min(rule_a, max(pickup_a, i_near / REACH_LIMIT))
    rec.reach_x = i_near / redraft_a
    rule = (f"its load rule {rule_a:.0f} A" if redraft_a == rule_a else
            f"its load rule {rule_a:.0f} A capped by C5's {REACH_LIMIT:g} × there")
    where = (f"line {line} ({names[near]} → {names[far]}): {upstream}'s 51P {pickup_a:.0f} A "
             f"needs ≥ {REACH_LIMIT * pickup_a:.0f} A (× {REACH_LIMIT:g}) and {names[far]}'s "
             f"minimum fault is {i_far:.0f} A")
    rec.figures = {"where": where, "margin": (
        f"line {line} ({names[near]} → {names[far]}): {upstream}'s zone ends at {names[near]}, "
        f"its minimum fault {i_near:.0f} A = {rec.reach_x:.2f} × the 51P it re-drafts to "
        f"(≤ {redraft_a:.0f} A: {rule}; {pickup_a:.0f} A drafted for its whole zone)")}
    window = (f"≥ {lo:.0f} A ({PICKUP_LOAD_MULTIPLE:g} × its peak load {load:.0f} A, existing "
              f"DER off) and ≤ {hi:.0f} A ({PICKUP_FAULT_SHARE:g} × the minimum multi-phase "
              f"fault behind it, {i_min:.0f} A at {i_min_bus}, IEC 60909 min)")
    rec.figures.update(window_a=(lo, hi), window=window)
    pickup = _round_up(lo)
    if pickup > hi:
        pickup = math.floor(hi / 10.0) * 10.0
    g_hi = g_share * i0_min
    rec.figures["residual_a"] = residual
    g = max(_round_up(0.5 * max(pickup, lo)), _round_up(PICKUP_LOAD_MULTIPLE * residual))
    if g > g_hi:
        g = max(math.floor(g_hi / 10.0) * 10.0, 10.0)
    g_floor = GROUND_RESIDUAL_MARGIN * residual
    if not lo <= pickup <= hi or g < g_floor:
        if g < g_floor:   # the ground element's window
            rec.figures["window_a"] = (g_floor, g_hi)
            rec.figures["window"] = (
                f"ground ≥ {g_floor:.0f} A ({GROUND_RESIDUAL_MARGIN:g} × its residual load "
                f"current {residual:.0f} A, C8's margin) and ≤ {g_hi:.0f} A "
                f"({g_share:.2g} × the minimum |3I0| behind it, {i0_min:.0f} A)")
        return rec
    rec.pickup_a = pickup
    rec.ground_pickup_a = g
    rec.text = (f"recloser-{line} drafted on {rec.figures['margin']}; phase minimum trip "
                f"{pickup:.0f} A: {window}")
    return rec


def place_on_path(model: DssModel, tree: nx.DiGraph, path: list, start: int, at: int,
                  i_bus: pd.Series, i0_bus: pd.Series, pickups_a: tuple[float, float],
                  line_load_a: Callable[[str, int, int, int], float],
                  upstream: str = "the head", allow_partial: bool = False) -> MidRecloser:
    """The recloser of the module docstring on ``path`` (bus indices, from the upstream
    device's far bus to the fault it must reach): on the line into ``path[start]`` (the first
    bus below 2 × the upstream device's pickup), stepping downstream while the pickup window
    does not fit, at most to the line into ``path[at]`` (the first bus it does not reach).
    ``pickups_a``: the upstream device's 51P as drafted and by its load rule
    (:func:`.recloser_walk.mid_reclosers`); ``i_bus``/``i0_bus``: the minimum multi-phase
    fault and |3I0| per bus (A). Not :attr:`~MidRecloser.drafted` where nothing fits (its
    ``text`` says why). ``allow_partial``: where no window fits for all that lies behind,
    a recloser whose pickups reach only its own far bus with 2 × (the walk then drafts the
    next below it)."""
    names = list(model.buses.index)
    start = min(max(start, 1), max(at, 1))
    places = [(k, f) for k in range(start, at + 1)
              if (f := _line_between(model, int(path[k - 1]), int(path[k]))) is not None]
    k = start if at > 0 else 0
    while not places and k > 0:   # stepping back over a transformer or switch
        found = _line_between(model, int(path[k - 1]), int(path[k]))
        places = [(k, found)] if found else []
        k -= 1
    if not places:
        return MidRecloser("", 0, names[path[0]], names[path[-1]], math.nan,
                           float(i_bus.get(path[-1], math.nan)), names[path[-1]],
                           text=f"no line on the path to {names[path[-1]]} where a recloser "
                                "can go")
    tried, seen = [], {}

    def load_a(line, term, near, far):   # one set of load flows per line
        if (line, term) not in seen:
            seen[line, term] = line_load_a(line, term, near, far)
        return seen[line, term]

    # ½, then C5's 1/1.5 for 51G; then a recloser reaching only part of its zone (the
    # walk's recursion drafts the next one below it)
    for share, partial in ((PICKUP_FAULT_SHARE, False), (1.0 / REACH_LIMIT, False),
                           (PICKUP_FAULT_SHARE, True)):
        for k, found in places:
            rec = _place(model, tree, path, k, found, i_bus, i0_bus, pickups_a, load_a,
                         upstream, share, partial and allow_partial)
            if rec.drafted:
                break
            if share == PICKUP_FAULT_SHARE and not partial:
                tried.append(rec)
        if rec.drafted or not allow_partial and partial:
            break
    if not rec.drafted:
        rec = tried[-1]   # the whole-window figures: what a recloser there would need
        rec.text = (f"no mid-line recloser fits where {upstream}'s reach runs out, at "
                    f"{rec.figures['where']}: its pickup must be {rec.figures['window']}; "
                    "upstream carries more load, downstream leaves the buses between reached "
                    f"by neither: {upstream} cannot reach with this load (move load to another "
                    "feeder, or accept the faults it does not reach)")
        return rec
    rec.place = _why_here(rec, tried, names[path[0]], upstream)
    rec.figures["upstream"] = upstream
    if partial:
        up = tried[0]
        rec.place += (f"; no pickup window fits for the whole of what lies behind it "
                      f"({up.figures['window']} on line {up.line}): its pickup "
                      f"{rec.pickup_a:.0f} A carries its load and reaches {rec.far_bus} "
                      f"({rec.min_fault_a:.0f} A) with ≥ {REACH_COMFORT:g} ×; past where it "
                      "stops reaching, a recloser below it (or the zone TODO)")
    elif share != PICKUP_FAULT_SHARE:   # the ground window closed at ½ on every line tried
        rec.place += (f"; its ground pickup {rec.ground_pickup_a:.0f} A is capped at the "
                      f"minimum |3I0| behind it ({rec.min_ground_a:.0f} A) / {REACH_LIMIT:g} "
                      f"(C5's margin), not ½ × it: at ½ no 10 A step carries "
                      f"{GROUND_RESIDUAL_MARGIN:g} × the residual load current on any line "
                      f"tried ({tried[-1].figures['window']} on line {tried[-1].line})")
    return rec


def _why_here(rec: MidRecloser, tried: list[MidRecloser], first_bus: str,
              upstream: str = "the head") -> str:
    """Why the recloser sits where it does (its TODO: review ver43 M-a1)."""
    said = (f"{upstream}'s 51P reaches {rec.near_bus}, where its zone now ends, with "
            f"{rec.reach_x:.2f} × the pickup it is re-drafted to"
            if upstream == "the head" else
            f"{upstream}'s 51P reaches {rec.near_bus}, where its zone now ends, with "
            f"{rec.reach_x:.2f} × its pickup")
    if rec.reach_x >= REACH_COMFORT:
        return (f"{said} (≥ {REACH_COMFORT:g} ×: C5's {REACH_LIMIT:g} × with a margin for the "
                "fault resistance, load and V2G figures the draft assumes; the line into the "
                f"first bus on the trunk below {REACH_COMFORT:g} ×)")
    if not tried:
        return (f"{said}, below the {REACH_COMFORT:g} × wanted: {upstream}'s first bus "
                f"{first_bus} is already below it")
    up = tried[0]
    return (f"{said}, below the {REACH_COMFORT:g} × wanted: upstream, on line {up.line} "
            f"({up.near_bus} → {up.far_bus}, {up.reach_x:.2f} ×), the recloser would carry "
            f"{up.load_a:.0f} A ({up.figures.get('residual_a', 0.0):.0f} A residual) and its "
            f"pickup window does not fit ({up.figures['window_a'][0]:.0f} A > "
            f"{up.figures['window_a'][1]:.0f} A: {up.figures['window']})")


def recloser_entry(rec: MidRecloser, reclose_intervals_s: list[float]) -> dict:
    """The study-file entry of a drafted recloser (module docstring); its delayed multipliers
    where not the default (:mod:`.recloser_series`)."""
    g = rec.ground_delayed_multiplier   # None: the phase one's
    slower = {k: v for k, v, said in (
        ("delayed_multiplier", rec.delayed_multiplier, rec.delayed_multiplier != 1.0),
        ("ground_delayed_multiplier", g, g is not None and g != rec.delayed_multiplier))
        if said}
    return {"name": f"recloser-{rec.line}", "kind": "recloser",
            "location": {"line": rec.line, "end": "from" if rec.terminal == 1 else "to"},
            "phase_min_trip_a": rec.pickup_a, "ground_min_trip_a": rec.ground_pickup_a,
            **RECLOSER_CURVES, **slower, "reclose_intervals_s": list(reclose_intervals_s)}
