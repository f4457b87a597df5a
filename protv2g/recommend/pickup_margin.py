"""Is a lower pickup verified, or does it clear a finding only inside the pickup's tolerance?

A candidate that lowers a relay's or recloser's pickup (or adds a ground element) clears a
finding by making the device see the finding's faults. When the current the device sees at
those faults exceeds the new pickup by less than the pickup's own accuracy, the device may or
may not pick up in the field: the check passes on the nominal setting only (review s22, EPRI
DG-protection feeder: "a phase_min_trip_a 200 → 190, verified" on a sustained 192.7 A,
1.4 % above 190 A). Such a candidate is not verified: the search goes on to the next one
and, if nothing else clears the finding, the note says so (:mod:`.search`).

The tolerance is the pickup accuracy the checks use for C5's row tolerance,
:data:`protv2g.checks.sensitivity.PICKUP_ACCURACY` (±5 % of setting: IEC 60255-151
accuracy classes and vendors' declarations, e.g. SEL-351; IEEE C37.112 relays'
declarations alike). The current is the **largest** the device sees at each of the finding's
faults over every charger stage (first cycle, sustained, after a site trips) and the **lowest**
of those over the finding's faults and the two brackets of the chargers' contribution: the
most favourable figure for the candidate, so a ratio within tolerance of it is within
tolerance of every stage. Phase pickups (``pickup_a``, ``phase_min_trip_a``) answer to the
largest phase current, ground pickups (``ground_pickup_a``, ``ground_min_trip_a``) to 3I0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.sensitivity import PICKUP_ACCURACY
from protv2g.recommend.change import Change, describe

__all__ = ["PickupMargin", "pickup_margins", "split_tolerance", "tolerance_note",
           "within_tolerance"]

#: Pickup fields and the element current they answer to.
_PHASE = ("pickup_a", "phase_min_trip_a")
_GROUND = ("ground_pickup_a", "ground_min_trip_a")


@dataclass(frozen=True)
class PickupMargin:
    """How far the current at a finding's weakest fault exceeds a candidate's new pickup."""

    field: str
    pickup_a: float
    i_a: float
    where: str

    @property
    def excess(self) -> float:
        """``i_a / pickup_a − 1`` (fraction)."""
        return self.i_a / self.pickup_a - 1.0

    @property
    def within(self) -> bool:
        """Within the pickup accuracy (not verified)."""
        return bool(self.excess <= PICKUP_ACCURACY)

    def text(self) -> str:
        """``"phase current 197.9 A at firm/light/100%, SLG-a lat1 min: 4.1 % above 190 A"``
        (the largest over the charger stages)."""
        elem = "3I0" if self.field in _GROUND else "phase current"
        return (f"{elem} {self.i_a:.1f} A at {self.where}: {100 * self.excess:.1f} % above "
                f"{self.pickup_a:g} A")


def _stage_max(staged: Any, pos: np.ndarray, ground: bool) -> np.ndarray:
    """Largest current of each row ``pos`` over its real stages (A)."""
    i = staged.ground_a(pos) if ground else staged.phase_a(pos)
    t0, _ = staged.times_s(pos)
    return np.where(np.isfinite(t0), i, -np.inf).max(axis=0)


def _currents(device_faults: Any, rows: pd.DataFrame, name: str, ground: bool
              ) -> tuple[np.ndarray, list[str]]:
    """Per fault of ``rows`` (evidence: scenario, fault_bus name, fault_type, case): the
    largest current ``name`` sees over the stages, the lower of the two brackets (A), and
    the fault's label."""
    dev = device_faults if isinstance(device_faults, pd.DataFrame) else device_faults.device
    if dev is None or rows.empty or not {"scenario", "fault_bus", "fault_type",
                                         "case"} <= set(rows.columns):
        return np.empty(0), []
    keys = set(map(tuple, rows[["scenario", "fault_bus", "fault_type", "case"]]
                   .astype(str).to_numpy()))
    own = (dev.device.astype(str) == name).to_numpy()
    k = dev[["scenario", "fault_bus_name", "fault_type", "case"]].astype(str).to_numpy()
    pos = np.flatnonzero(own & np.fromiter((tuple(x) in keys for x in k), bool, len(dev)))
    if not len(pos):
        return np.empty(0), []
    cols = ["i3i0_ka"] if ground else ["ia_ka", "ib_ka", "ic_ka"]
    first = np.nanmax(dev.iloc[pos][cols].to_numpy(float), axis=1) * 1000.0
    brackets = [s for s in (getattr(device_faults, "staged", None),
                            getattr(device_faults, "staged_high", None)) if s is not None]
    per = [np.fmax(first, _stage_max(st, pos, ground)) for st in brackets] or [first]
    sub = dev.iloc[pos]
    where = [f"{a}, {b} {c} {d}" for a, b, c, d in zip(
        sub.scenario, sub.fault_type, sub.fault_bus_name, sub["case"], strict=True)]
    return np.min(np.vstack(per), axis=0), where


def pickup_margins(change: Change, device_faults: Any, rows: pd.DataFrame
                   ) -> list[PickupMargin]:
    """For every pickup ``change`` lowers or sets: the fault of the finding's evidence
    ``rows`` whose current is the closest at or above the new pickup (none when every
    current is below it: the change does not rest on seeing them)."""
    out = []
    for fld, old, new in change.fields:
        if fld not in _PHASE + _GROUND or not isinstance(new, (int, float)) or new <= 0:
            continue
        if isinstance(old, (int, float)) and new >= old:
            continue  # a raise is not a move to see the faults
        i_a, where = _currents(device_faults, rows, change.name, fld in _GROUND)
        above = np.flatnonzero(np.isfinite(i_a) & (i_a >= new))
        if len(above):
            j = above[np.argmin(i_a[above])]
            out.append(PickupMargin(fld, float(new), float(i_a[j]), where[j]))
    return out


def within_tolerance(change: Change, device_faults: Any, rows: pd.DataFrame) -> str:
    """Why ``change`` is not verified (a fault of the finding it now sees by no more than
    the pickup accuracy), or ``""``."""
    bad = [m for m in pickup_margins(change, device_faults, rows) if m.within]
    return "; ".join(f"{describe(change)} ({m.text()})" for m in bad)


def tolerance_note(texts: list[str]) -> str:
    """The note on the candidates left out as within pickup tolerance, or ``""``."""
    if not texts:
        return ""
    return (f"within pickup tolerance — not verified: {'; '.join(texts)} (±"
            f"{100 * PICKUP_ACCURACY:g} % pickup accuracy, checks.sensitivity.PICKUP_ACCURACY: "
            "IEC 60255-151 and IEEE C37.112 relays' and recloser controls' declarations)")


def split_tolerance(options: list[Change], device_faults: Any, rows: pd.DataFrame
                    ) -> tuple[list[Change], str]:
    """``options`` without the lower pickups within tolerance, and the note naming them."""
    weak = {id(c): w for c in options if (w := within_tolerance(c, device_faults, rows))}
    return [c for c in options if id(c) not in weak], tolerance_note([*weak.values()])
