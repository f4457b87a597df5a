"""Sparse sequence-network fault engine on pandapower's element models.

Public API: :func:`fault_study`, :class:`DeviceTerminal`, :class:`ChargerSource`,
:class:`FaultStudyResult` (with ``.staged``, :class:`StagedResult`); the charger control law
:func:`injection` (:class:`LawArrays`) and IEEE 1547 trips :func:`trip_elements`;
:func:`iter_fault_study` streams the same results slice by slice (memory O(buses · devices)
whatever the number of scenarios). See ``collect.py`` and ``study.py`` for the entry points
and ``result.py`` for the array layout.
"""

from protv2g.engine.chargers import ChargerSource
from protv2g.engine.collect import fault_study
from protv2g.engine.control_law import LawArrays, injection
from protv2g.engine.result import FaultStudyResult
from protv2g.engine.ride_through import TripElement, trip_elements
from protv2g.engine.staged_result import StagedResult
from protv2g.engine.study import DeviceTerminal, FaultSlice, iter_fault_study

__all__ = ["ChargerSource", "DeviceTerminal", "FaultSlice", "FaultStudyResult", "LawArrays",
           "StagedResult", "TripElement", "fault_study", "injection", "iter_fault_study",
           "trip_elements"]
