"""A C5 reach finding of a relay or recloser without a ground element, failing on ground
faults: add the ground element first (review rev34c M3, EPRI's DG feeder).

Recloser A has no ground element; C5 fails for the SLG/LLG faults through 20 Ω beyond it,
which its phase minimum trip (200 A, above 1.5 × its load) cannot see with 1.5 margin while
their 3I0 at A is 230–285 A. ``recommend`` said "no ordinary setting change: no pickup
satisfies both C5 and C8" (the phase element's window) and proposed giving up fuse saving
first elsewhere. The ordinary fix is a ground element — an element on 3I0, which the load
hardly carries — with its minimum trip inside [C8's floor over the standing residual, C5's
zone minimum 3I0 / 1.5] (:func:`protv2g.recommend.saving.recloser_limits`; IEEE Std
C37.230-2020 §6.2, ground elements for the faults the phase element cannot reach, recalled):
proposed first, verified by the re-run of every check when the device model takes one
(:func:`protv2g.recommend.candidates.new_ground_element`), said with its window either way.

A window that holds no setting because a zero-sequence source behind the device (a Yg–Δ bank)
takes the zone minimum fault's ground current is said so, with the bank, its share and its
remedies (:mod:`protv2g.checks.ground_diverted`; review rev51 #2: feeder A's R03 sent the
signer to a sectionaliser while 90 % of the ground current at b4 returned through the bank).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from protv2g.checks.fuse_saving_range import is_ground_fault
from protv2g.recommend.saving import RecloserLimits
from protv2g.units import DeviceKind

__all__ = ["ground_first_note", "lacks_ground"]

_FIELD = {DeviceKind.RELAY: "ground_pickup_a", DeviceKind.RECLOSER: "ground_min_trip_a"}


def lacks_ground(finding: Mapping[str, Any], devices: Sequence[Any],
                 evidence: pd.DataFrame) -> Any | None:
    """The device of a C5 ``finding`` when it is a relay or recloser with no ground element and
    some of the finding's failing evidence rows are ground faults; else None."""
    if str(finding.get("criterion")) != "C5":
        return None
    dev = next((d for d in devices if d.name == str(finding.get("device"))), None)
    field = _FIELD.get(getattr(dev, "kind", None))
    if field is None or getattr(dev, field, None) is not None:
        return None
    rows = evidence[evidence["finding"].astype(str) == str(finding.get("finding"))]
    rows = rows[rows["status"].astype(str) == "fail"]
    if rows.empty or not is_ground_fault(rows["fault_type"].astype(str).to_numpy()).any():
        return None
    return dev


def ground_first_note(dev: Any, limits: RecloserLimits | None, proposed: bool) -> str:
    """The first remedy, said with its window (module docstring)."""
    field = _FIELD[dev.kind]
    if limits is None:
        return (f"add a ground element first: {dev.name} has none and the finding's failing "
                f"rows are ground faults its phase element does not reach ({field} between "
                "1.5 × the standing residual 3I0 and the zone's minimum ground fault 3I0 / "
                "1.5; the window could not be computed: no flow or fault table)")
    window = limits.ground_text()
    if not proposed:
        head = (f"add a ground element first: {dev.name} has none and the finding's failing "
                f"rows are ground faults its phase element does not reach; but its window "
                f"{field} {window} holds no setting")
        if limits.diverted:  # a bank behind it takes the ground current (review rev51 #2)
            return (f"{head} (the zone's minimum ground fault brings it too little 3I0 for the "
                    f"residual load){limits.diverted}")
        return (f"{head} (the residual load is too large for the zone's minimum ground "
                "fault): a sectionalising device nearer the faults")
    return (f"add a ground element first: {dev.name} has none and the finding's failing rows "
            f"are ground faults its phase element does not reach — {field} in {window}, its "
            "curves its own phase curves (re-checked)")
