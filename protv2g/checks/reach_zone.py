"""Which zone buses are reach requirements of a device, and at which level (C5,
:mod:`.sensitivity`): :func:`protv2g.topology_reach.reach_zones` on a study's zone table — the
rule init's drafted head relay takes its "minimum fault in the primary zone" from too."""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.topology_reach import LOW_VOLTAGE_KV, StepPaths, reach_zones

__all__ = ["LOW_VOLTAGE_KV", "EITHER_ELEMENT", "reach_rows"]

#: Column of :func:`reach_rows`: the row lies behind a step transformer, judged by the
#: device's more sensitive element (a ground fault behind a delta winding gives no 3I0).
EITHER_ELEMENT = "either_element"


def reach_rows(study: Any, zones: pd.DataFrame, steps: StepPaths | None = None
               ) -> pd.DataFrame:
    """The zone rows that are reach requirements, with their reach level.

    A device's primary zone ends at the first step transformer below it that has no device
    of its own (an MV/MV step, a service transformer): the buses behind it are the device's
    backup zone, its backup zone ends there, and low-voltage buses are no requirement of a
    medium-voltage device (:mod:`protv2g.topology_reach`; IEEE Std C37.230-2020 §6.2). Without
    this, ckt24's 13.2 kV buses behind 34.5/13.2 kV steps were primary requirements of the
    feeder head (review s19 §3.2: 744 C5 rows of one finding), and every secondary bus of a
    utility feeder was one (IEEE 8500: 3,224 of 6,562 zone rows).

    Parameters
    ----------
    study : Study
        ``feeder`` and ``device_sites``.
    zones : DataFrame
        ``device``, ``fault_bus``, ``zone`` (:func:`protv2g.topology.device_zones`, renamed).
    steps : StepPaths, optional
        :func:`protv2g.topology_reach.step_paths` of the study (walked without it).

    Returns
    -------
    DataFrame
        The rows kept, ``zone`` replaced by the reach level and :data:`EITHER_ELEMENT` added.
    """
    zone, either = reach_zones(study.feeder, study.device_sites, zones.device.to_numpy(),
                               zones.fault_bus.to_numpy(), zones.zone.to_numpy(), steps)
    keep = zone != ""
    return zones.assign(zone=zone, **{EITHER_ELEMENT: either})[keep]
