"""A candidate that raises a relay's or recloser's pickup shrinks its reach: what that costs,
stated beside the change (review rev48a item 1: a setting change that makes a device less
sensitive read "side effects: none").

C5 judges the reach (minimum fault current at the zone's end ≥ pickup × 1.5 in the primary
zone, domain.md §4) and refuses a raise that breaks it as a new or worse finding; a raise that
keeps it still spends part of the margin, and the signer reads that margin here: the zone's
minimum fault of the element (the study's own fault rows, :func:`.zone_clearing.zone_minima`:
the smallest phase current of a multi-phase fault for a phase element, the smallest ``|3I0|``
of a ground fault for a ground element, min case, no V2G) against the pickup before → after,
as multiples of it, and whether it stays at or above the study's
``checks.sensitivity_primary_factor``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.recommend.zone_clearing import ZoneMinimum

__all__ = ["pickup_a", "reach_costs"]

#: The pickup setting of each element: a relay's (50/51) and a recloser's minimum trip.
_PICKUP_FIELDS = {"phase": ("pickup_a", "phase_min_trip_a"),
                  "ground": ("ground_pickup_a", "ground_min_trip_a")}


def pickup_a(model: Any, element: str) -> float:
    """The time-overcurrent pickup (A) of ``element`` (``"phase"`` / ``"ground"``) of a relay
    or recloser model; NaN where it has none."""
    s = getattr(model, "settings", None)
    for field in _PICKUP_FIELDS[element]:
        v = getattr(s, field, None)
        if v is not None:
            return float(v)
    return math.nan


def reach_costs(name: str, before: Any, after: Any, minima: Mapping[str, ZoneMinimum],
                factor: float = 1.5) -> list[str]:
    """One text per element of device ``name`` whose pickup the change ``before`` → ``after``
    raises: the zone's minimum fault of that element (``minima``) as a multiple of the pickup
    before → after, against C5's ``factor`` (module docstring); ``[]`` when no pickup rises.

    EPRI ckt5's drafted head (51G 190 A) and its zone's minimum ground fault, 295 A |3I0|
    (init's 4.23 s clearing): 295/190 = 1.553, 295/210 = 1.405.

    >>> from protv2g.devices import build_device
    >>> from protv2g.devices.library import default_library
    >>> from protv2g.recommend.zone_clearing import ZoneMinimum
    >>> s = {"name": "H", "pickup_a": 760, "curve": "IEEE-MI", "time_dial": 0.5,
    ...      "ground_pickup_a": 190, "ground_curve": "IEEE-MI", "ground_time_dial": 0.7}
    >>> lib = default_library()
    >>> a, b = build_device("relay", s, lib), build_device("relay", {**s,
    ...     "ground_pickup_a": 210}, lib)
    >>> m = {"ground": ZoneMinimum("ground", 295.0, "SLG-c at 39766")}
    >>> reach_costs("H", a, b, m)[0]
    "reach: H's 51G pickup 190 → 210 A: its zone's minimum ground fault (SLG-c at 39766, 295 A \
|3I0|, min case, no V2G) is 1.55 → 1.40 × pickup, below C5's 1.5 × (primary zone)"
    >>> reach_costs("H", b, a, m)  # a lower pickup: nothing to say
    []
    """
    out = []
    for element in ("phase", "ground"):
        m = minima.get(element)
        p0, p1 = pickup_a(before, element), pickup_a(after, element)
        if m is None or not (math.isfinite(p0) and math.isfinite(p1) and p1 > p0 * (1 + 1e-9)):
            continue
        k0, k1 = m.i_a / p0, m.i_a / p1
        where = (f"still at or above C5's {factor:g} × (primary zone)" if k1 >= factor
                 else f"below C5's {factor:g} × (primary zone)" if k0 >= factor
                 else f"further below C5's {factor:g} × (primary zone)")
        if k1 <= 1.0:
            where += ": the element does not pick up there"
        el = "51P" if element == "phase" else "51G"
        if not hasattr(after, "phase_time_s"):
            el = f"{element} minimum trip"
        out.append(f"reach: {name}'s {el} pickup {p0:g} → {p1:g} A: its zone's minimum "
                   f"{'ground' if element == 'ground' else 'phase'} fault ({m.fault}, "
                   f"{m.i_a:.0f} A{' |3I0|' if element == 'ground' else ''}, min case, no V2G) "
                   f"is {k0:.2f} → {k1:.2f} × pickup, {where}")
    return out
