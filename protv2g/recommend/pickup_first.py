"""A relay's pickup inside its window before its time dial, and with it when neither alone
clears a coordination finding (review rev34b M5, IEEE 34).

The drafted head relay's 51G at 30 A sat below a 25K link's minimum melting current (50 A):
no dial coordinates it with the link for the ground faults the link clears slowly or never,
and ``recommend`` slowed the 51G from TD 0.5 to 1.1 for one finding (head-l1/F-818) and found
nothing for the other (head-l1/F-XFM1, "no candidate clears it"). An engineer first moves the
pickup inside its window, then the dial with it: 51G 70 A cleared F-818 and eased F-XFM1
−0.58 → −0.345 s; 70 A with TD 0.7 clears both.

The window of a relay element, both edges the checks' own rules (as
:func:`protv2g.recommend.saving.recloser_limits` bounds a recloser's ground element):

* floor — C8: ``load_pickup_factor`` × the largest current of the element in any flow
  scenario (phase ``|i_a|``, ground the standing residual ``|Ia + Ib + Ic|``);
* ceiling — C5: the smallest current of the element at a fault of its primary reach zone
  (multi-phase faults for 51P, ground faults' ``|3I0|`` for 51G; IEC 60909 min case, every
  scenario) / ``sensitivity_primary_factor``.

For a C1/C4 finding of a relay, a pickup move inside its window is sized
:data:`PICKUP_FIRST` × its relative change, so it is tried — and preferred — before the dial
(a pickup outside keeps its size: above the ceiling it spends reach the re-check may not
show as a worse margin when the finding's rows all fail already). When no single move clears
the finding, :func:`pair_moves` gives the pickup + dial pairs the search tries: the highest
pickup inside the window with no other finding worse, with each dial step. Every candidate is
verified by the re-run of every check (:mod:`.search`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_saving_range import is_ground_fault
from protv2g.checks.reach_zone import reach_rows
from protv2g.recommend.change import Change, Family
from protv2g.recommend.effects import _effects

__all__ = ["PAIR_TRIES", "PICKUP_FIRST", "Window", "clean", "eases", "highest", "pair_fields",
           "pickup_first", "relay_windows", "with_dial"]

#: Size factor of a pickup move inside its window for a C1/C4 finding (module docstring).
PICKUP_FIRST = 0.1
#: Check runs the pickup + dial pairs may spend beyond the search's ``max_tries``.
PAIR_TRIES = 10
#: A relay element's pickup field and its time dial's.
PAIRS = (("ground_pickup_a", "ground_time_dial"), ("pickup_a", "time_dial"))
#: The criteria whose relay findings try the pickup first.
COORDINATION = ("C1", "C4")


@dataclass(frozen=True)
class Window:
    """A pickup window (A): above ``floor_a`` (C8), at or below ``ceiling_a`` (C5)."""

    floor_a: float
    ceiling_a: float

    def holds(self, value_a: float) -> bool:
        return self.floor_a < value_a <= self.ceiling_a + 1e-9


def relay_windows(ctx: Any, name: str) -> dict[str, Window]:
    """Pickup field → :class:`Window` of relay ``name`` from a check context
    (:func:`protv2g.checks._common.build_context`); empty without fault or flow tables."""
    th = ctx.thresholds
    flow = ctx.flow.get("device") if ctx.flow is not None else None
    faults = ctx.faults
    if flow is None or faults is None or name not in ctx.devices:
        return {}
    mine = flow[flow.device.astype(str) == name]

    def largest(col: str) -> float:
        if not len(mine) or col not in mine.columns:
            return 0.0
        x = np.abs(mine[col].to_numpy(float))
        return float(np.nanmax(x)) if np.isfinite(x).any() else 0.0

    zone = reach_rows(ctx.study, ctx.zones.rename(columns={"bus": "fault_bus"}))
    buses = set(zone.fault_bus[(zone.device == name) & (zone.zone == "primary")].tolist())
    f = faults[(faults.device.astype(str) == name) & faults.fault_bus.isin(buses)
               & (faults.case == "min")]
    if "energized" in f:
        f = f[f.energized.astype(bool)]
    ground = is_ground_fault(f.fault_type.to_numpy())
    multi = f.fault_type.astype(str).str.split("-").str[0].isin(["3ph", "LL"]).to_numpy()

    def smallest(x: np.ndarray) -> float:
        x = x[np.isfinite(x) & (x > 0)]
        return float(x.min()) if len(x) else math.inf

    k5, k8 = th.sensitivity_primary_factor, th.load_pickup_factor
    return {"pickup_a": Window(k8 * largest("i_a"),
                               smallest(f.i_phase_a.to_numpy(float)[multi]) / k5),
            "ground_pickup_a": Window(k8 * largest("i_residual_a"),
                                      smallest(f.i_ground_a.to_numpy(float)[ground]) / k5)}


def pickup_first(options: Sequence[Change], windows: dict[str, Window]) -> list[Change]:
    """``options`` with each single pickup move inside its window sized
    :data:`PICKUP_FIRST` × its size (module docstring)."""
    out = []
    for c in options:
        w = windows.get(c.field)
        if (w is not None and c.family is Family.PICKUP and not c.extra and not c.edge
                and isinstance(c.new, (int, float)) and w.holds(float(c.new))):
            c = dataclasses.replace(c, size=round(c.size * PICKUP_FIRST, 6))
        out.append(c)
    return out


def pair_fields(options: Sequence[Change], windows: dict[str, Window]
                ) -> list[tuple[list[Change], list[Change]]]:
    """Per relay element with both moves among ``options``: its pickups inside the window and
    its dials (single changes, not at an edge), each ascending."""
    out = []
    for pf, df in PAIRS:
        w = windows.get(pf)
        for name in sorted({c.name for c in options if c.field == pf}):
            pickups = sorted((c for c in options if c.name == name and c.field == pf
                              and not c.extra and not c.edge and w is not None
                              and w.holds(float(c.new))), key=lambda c: float(c.new))
            dials = sorted((c for c in options if c.name == name and c.field == df
                            and not c.extra and not c.edge), key=lambda c: float(c.new))
            if pickups and dials:
                out.append((pickups, dials))
    return out


def with_dial(pickup: Change, dials: Sequence[Change]) -> list[Change]:
    """``pickup`` with each of ``dials`` as one change (the dial as ``extra``)."""
    return [Change(pickup.section, pickup.name, pickup.field, pickup.old, pickup.new,
                   pickup.family, round(pickup.size + d.size, 6), ((d.field, d.old, d.new),))
            for d in dials]

def highest(values: list[Change], ok: Callable[[Change], bool],
             more: Callable[[], bool]) -> Change | None:
    """The highest of ``values`` (ascending) with ``ok``, by bisection (``ok`` holds up to a
    threshold: a higher pickup spends more reach), while ``more()``."""
    lo, hi, found = 0, len(values) - 1, None
    while lo <= hi and more():
        mid = (lo + hi + 1) // 2
        if ok(values[mid]):
            found, lo = values[mid], mid + 1
        else:
            hi = mid - 1
    return found


def clean(cur: pd.DataFrame, new: pd.DataFrame | None, target: str) -> bool:
    """A candidate with no side effect on the other findings (the target may stay)."""
    return new is not None and not _effects(cur, new, target)[2]


def eases(cur: pd.DataFrame, new: pd.DataFrame | None, target: str) -> bool:
    """The target gone, or its worst margin better with the candidate."""
    if new is None:
        return False
    if target not in new.index:
        return True
    return float(new.at[target, "worst_margin"]) > float(cur.at[target, "worst_margin"]) + 1e-9
