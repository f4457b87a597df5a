"""The settings of a finding's operating element tried first (review rev36b R01, EPRI J1).

A relay or recloser has a phase element (51P, on the largest phase current) and a ground
element (51G, on ``|3I0|``); which one gives a row's time is decided as the checks decide it
(:func:`protv2g.checks.operating_element.ground_operates`: the ground element where its time
at the first-cycle ``|3I0|`` is shorter than the phase element's at the first-cycle phase
current). A finding whose worst row the device's ground element times is moved by the
ground settings only: a phase pickup or dial changes nothing there (or changes the finding
through rows it does not rest on). On J1 the search of F01 (C1 head-temp_sub / F-DEPOT, a
20 Ω SLG-b at the depot fuse, timed by the head's 51G) spent its 14 re-runs on the head's
51P pickup and dial — sized smaller, so tried first — and reported "head-temp_sub
ground_time_dial 0.5 → 0.6…2: not tried (the search's limit of 14 re-runs was reached)".

Rule (:func:`element_rank`): the groups of candidates of the finding's device that set a
setting of the element timing its worst evidence row (``ground_*`` fields for the ground
element, the phase fields for the phase element) are tried before every other group; among
each part the smaller move first, as before. A group of the other part is still tried when
its move is smaller than the best found (the search keeps the smallest clean move the budget
reaches), so where the budget reached every group before the result is the same; where it
did not, the element that times the finding is no longer the one left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.operating_element import OperatingElement, element_codes
from protv2g.devices.kinds import kind_of
from protv2g.recommend.change import Change

__all__ = ["PHASE_FIELDS", "element_of_field", "element_rank", "finding_element"]

#: Study-file fields of a relay's or recloser's phase element (the ``ground_*`` fields are the
#: ground element's): pickups, curves, dials, multipliers, instantaneous.
PHASE_FIELDS = frozenset({"pickup_a", "curve", "time_dial", "phase_min_trip_a", "fast_curve",
                          "delayed_curve", "fast_multiplier", "delayed_multiplier",
                          "phase_inst_a"})


def element_of_field(field: str) -> OperatingElement:
    """The element a study-file field sets: ``ground_*`` → ground, :data:`PHASE_FIELDS` →
    phase, any other (reclose intervals, shots, links, directional) → unknown.

    >>> element_of_field("ground_time_dial").name, element_of_field("pickup_a").name
    ('GROUND', 'PHASE')
    >>> element_of_field("reclose_intervals_s").name
    'UNKNOWN'
    """
    if field.startswith("ground_"):
        return OperatingElement.GROUND
    return OperatingElement.PHASE if field in PHASE_FIELDS else OperatingElement.UNKNOWN


def finding_element(worst: Mapping[str, Any] | pd.Series, devices: Mapping[str, Any],
                    faults: pd.DataFrame | None) -> OperatingElement:
    """The element of the finding's device that times its worst evidence row.

    Parameters
    ----------
    worst : mapping
        The finding's worst evidence row (``criterion``, ``scenario``, ``fault_bus`` — the
        bus name —, ``fault_type``, ``case``, ``device``).
    devices : mapping
        Device name → model (:func:`protv2g.checks._common.build_devices` of the study as it
        stands, accepted changes applied).
    faults : DataFrame or None
        A check context's fault table (``scenario``, ``device``, ``fault_bus_name``,
        ``fault_type``, ``case``, ``i_phase_a``, ``i_ground_a``: first-cycle currents, A).

    Returns
    -------
    OperatingElement
        ``UNKNOWN`` for a row with no fault (C8, C10 …), a fuse, a device not in
        ``devices`` or a fault not in ``faults``.
    """
    name = str(worst.get("device", ""))
    dev = devices.get(name)
    if dev is None or faults is None or not len(faults):
        return OperatingElement.UNKNOWN
    role = kind_of(dev).role
    if role not in ("relay", "recloser"):
        return OperatingElement.UNKNOWN
    at = ((faults["device"].astype(str) == name)
          & (faults["scenario"].astype(str) == str(worst.get("scenario", "")))
          & (faults["fault_bus_name"].astype(str) == str(worst.get("fault_bus", "")))
          & (faults["fault_type"].astype(str) == str(worst.get("fault_type", "")))
          & (faults["case"].astype(str) == str(worst.get("case", ""))))
    rows = faults.loc[at.to_numpy(), ["i_phase_a", "i_ground_a"]]
    if not len(rows):
        return OperatingElement.UNKNOWN
    # the time kind the rule reads (as the coordination rows read it): a recloser's fast
    # curve for fuse saving (C2), its delayed curve otherwise; a relay's operate time
    which = "op" if role == "relay" else ("fast" if str(worst.get("criterion")) == "C2"
                                          else "delayed")
    code = element_codes(devices, np.array([name] * len(rows), dtype=object),
                         rows["i_phase_a"].to_numpy(float), rows["i_ground_a"].to_numpy(float),
                         which)
    return OperatingElement(int(code[0]))


def element_rank(change: Change, device: str, element: OperatingElement,
                 primary_fuse: str = "") -> int:
    """0 for a change of ``device`` that sets the finding's operating ``element`` (tried
    first), 1 for any other (module docstring). ``primary_fuse``: a C1 finding's primary fuse
    under the backup ``device`` — its link is the other side of the same interval and is
    tried with that element (review rev37b F8, IEEE 34: C1 head-l1 / F-DEPOT 65K, the 14
    re-runs went to head-l1's 51P and the 50K that clears it, 1.26 s against 1.86 s, was
    "not tried").

    >>> from protv2g.recommend.change import Family
    >>> dial = Change("devices", "H", "ground_time_dial", 0.5, 0.6, Family.TIME_DIAL, 0.2)
    >>> element_rank(dial, "H", OperatingElement.GROUND), element_rank(dial, "H",
    ...                                                                OperatingElement.PHASE)
    (0, 1)
    """
    if primary_fuse and change.name == primary_fuse and any(
            f == "link" for f, _, _ in change.fields):
        return 0
    if element is OperatingElement.UNKNOWN or change.name != device:
        return 1
    # a move of several fields (a delayed multiplier with its ground delayed curve's) sets
    # the element when one of them does
    return 0 if any(element_of_field(f) is element for f, _, _ in change.fields) else 1
