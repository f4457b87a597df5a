"""A mid-line recloser drafted where the proposed head relay cannot reach (review rev42a M6).

EPRI J1: the head's 51P must carry its load (570 A = 1.5 × the 377 A charging peak) but the
zone's minimum fault is 445 A (LL at b43441, 18 km out): C5 failed on 1,772 rows and init
drafted nothing else, the model having no fuse or recloser. A protection engineer puts a
recloser where the head stops reaching. The rule, on the head's own fault table (IEC 60909
min case, the multi-phase faults C5 judges the 51P on, at the buses of its primary reach,
:func:`protv2g.study_draft.head_relay.primary_reach`):

* **where**: along the path from the head to its zone's weakest multi-phase fault (the
  trunk to it), the first bus whose minimum fault is below ``1.5 × 51P`` (C5's primary
  margin): the recloser goes on the line into that bus, at its source-side end. The head then
  reaches every bus up to it, the recloser the rest of that path; further down the window
  below widens (less load, the same weakest fault) but leaves buses reached by neither;
* **pickup** (phase minimum trip): ``2 × its own peak load`` (the line's, the model's snapshot
  with existing DER off: the head's rule, :func:`.fuse_draft.line_peak_load_a`) rounded up to
  10 A, at most ``½ × the minimum multi-phase fault behind it`` (the weakest fault of the
  head's primary reach at or behind the bus; the head's current there, a lower bound of the
  recloser's where DER sits between them). Where ``2 × load > ½ × minimum`` there is no such
  place (upstream carries more load, downstream leaves a gap): nothing is drafted and the
  head's reach TODO says why, with both figures;
* ground minimum trip: ``½ × phase``, rounded up to 10 A, at most ``½ × the minimum
  |3I0| behind it`` (not below 10 A); curves 101/133 (phase fast/delayed) and 104/117
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
import pandas as pd

from protv2g.network.dss_model import DssModel
from protv2g.study_draft.head_relay import round_up

__all__ = ["MidRecloser", "mid_recloser", "recloser_entry", "RECLOSER_CURVES",
           "PICKUP_LOAD_MULTIPLE", "PICKUP_FAULT_SHARE"]

#: Phase minimum trip at least this multiple of the recloser's own peak load.
PICKUP_LOAD_MULTIPLE = 2.0
#: … and at most this share of the minimum multi-phase fault behind it.
PICKUP_FAULT_SHARE = 0.5
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

    @property
    def drafted(self) -> bool:
        return bool(self.line) and self.pickup_a == self.pickup_a

    def summary(self, head: str) -> str:
        """One line naming the drafted recloser, its place and pickups (what ``init`` prints,
        review ver43 M-a2: the terminal named only the head).

        >>> r = MidRecloser("l6", 1, "b5", "b6", 60.0, 296.0, "b10", 200.0, 120.0, 60.0,
        ...                 figures={"window_a": (120.0, 148.0)})
        >>> r.summary("head-head")[:60]
        'recloser-l6 on line l6 (b5 → b6, at its from end), where hea'
        >>> r.summary("head-head")[60:]
        "d-head's 51P cannot reach b6: phase minimum trip 120 A (window 120–148 A), ground 60 A"
        """
        lo, hi = self.figures.get("window_a", (math.nan, math.nan))
        return (f"recloser-{self.line} on line {self.line} ({self.near_bus} → {self.far_bus}, "
                f"at its {'from' if self.terminal == 1 else 'to'} end), where {head}'s 51P "
                f"cannot reach {self.far_bus}: phase minimum trip {self.pickup_a:.0f} A "
                f"(window {lo:.0f}–{hi:.0f} A), ground {self.ground_pickup_a:.0f} A")


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


def mid_recloser(model: DssModel, tree: nx.DiGraph, far_bus: int, name: str,
                 rows: pd.DataFrame, reach: set[int], pickup_a: float,
                 line_load_a: Callable[[str, int, int, int], float]) -> MidRecloser | None:
    """The recloser of the module docstring below head ``name`` (whose far bus is
    ``far_bus``, 51P ``pickup_a``), or None when the head reaches its zone.

    Parameters
    ----------
    rows : DataFrame
        The head's fault rows (``device``, ``fault_bus``, ``fault_type``, ``case``,
        ``ia_ka``…``ic_ka``, ``i3i0_ka``, ``energized``).
    reach : set of int
        The head's primary reach buses (:func:`.head_relay.primary_reach`).
    line_load_a : callable
        ``line_load_a(line, terminal, near, far)`` → the line's peak load, A.
    """
    d = rows[(rows.device == name) & (rows.case == "min") & rows.energized
             & rows.fault_bus.isin(reach)]
    multi = d[d.fault_type.isin(["3ph", "LL"])]
    if multi.empty:
        return None
    i_bus = (1e3 * multi[["ia_ka", "ib_ka", "ic_ka"]].max(axis=1)).groupby(
        multi.fault_bus).min()
    ground = d[d.fault_type.isin(["SLG", "LLG"])]
    i0_bus = (1e3 * ground["i3i0_ka"]).groupby(ground.fault_bus).min()
    need = 1.5 * pickup_a
    if not float(i_bus.min()) < need:
        return None
    names = list(model.buses.index)
    weakest = int(i_bus.idxmin())
    path = nx.shortest_path(tree, far_bus, weakest)
    at = next(k for k, b in enumerate(path) if b in i_bus.index and i_bus[b] < need)
    # the line into the first bus not reached, stepping back over a transformer or switch
    found = None
    while at > 0 and found is None:
        found = _line_between(model, int(path[at - 1]), int(path[at]))
        at -= 0 if found else 1
    if found is None:
        return MidRecloser("", 0, names[far_bus], names[path[0]], math.nan,
                           float(i_bus.min()), names[weakest],
                           text=f"no line on the path to {names[weakest]} where a recloser "
                                "can go")
    line, term = found
    near, far = int(path[at - 1]), int(path[at])
    behind = set(nx.descendants(tree, far)) | {far}
    below = i_bus[i_bus.index.isin(behind)]
    i_min, i_min_bus = float(below.min()), names[int(below.idxmin())]
    g_below = i0_bus[i0_bus.index.isin(behind)]
    i0_min = float(g_below.min()) if len(g_below) else math.inf
    load = float(line_load_a(line, term, near, far))
    lo, hi = PICKUP_LOAD_MULTIPLE * load, PICKUP_FAULT_SHARE * i_min
    rec = MidRecloser(line, term, names[near], names[far], load, i_min, i_min_bus, i0_min)
    where = (f"line {line} ({names[near]} → {names[far]}): the head's 51P {pickup_a:.0f} A "
             f"needs ≥ {need:.0f} A (× 1.5) and {names[far]}'s minimum fault is "
             f"{float(i_bus[far]):.0f} A")
    window = (f"≥ {lo:.0f} A ({PICKUP_LOAD_MULTIPLE:g} × its peak load {load:.0f} A, existing "
              f"DER off) and ≤ {hi:.0f} A ({PICKUP_FAULT_SHARE:g} × the minimum multi-phase "
              f"fault behind it, {i_min:.0f} A at {i_min_bus}, IEC 60909 min)")
    rec.figures = {"window_a": (lo, hi), "where": where}
    pickup = _round_up(lo)
    if pickup > hi:
        pickup = math.floor(hi / 10.0) * 10.0
    if not lo <= pickup <= hi:
        rec.text = (f"no mid-line recloser fits where the head's reach runs out, at {where}: "
                    f"its pickup must be {window}; upstream carries more load, downstream "
                    "leaves the buses between reached by neither: the head cannot reach with "
                    "this load (move load to another feeder, or accept the faults it does "
                    "not reach)")
        return rec
    rec.pickup_a = pickup
    g = _round_up(0.5 * pickup)
    if g > PICKUP_FAULT_SHARE * i0_min:
        g = max(math.floor(PICKUP_FAULT_SHARE * i0_min / 10.0) * 10.0, 10.0)
    rec.ground_pickup_a = g
    rec.text = (f"recloser-{line} drafted on {where}; phase minimum trip {pickup:.0f} A: "
                f"{window}")
    return rec


def recloser_entry(rec: MidRecloser, reclose_intervals_s: list[float]) -> dict:
    """The study-file entry of a drafted recloser (module docstring)."""
    return {"name": f"recloser-{rec.line}", "kind": "recloser",
            "location": {"line": rec.line, "end": "from" if rec.terminal == 1 else "to"},
            "phase_min_trip_a": rec.pickup_a, "ground_min_trip_a": rec.ground_pickup_a,
            **RECLOSER_CURVES, "reclose_intervals_s": list(reclose_intervals_s)}
