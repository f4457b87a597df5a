"""Sparse sequence-network fault engine on pandapower's element models.

Public API: :func:`fault_study`, :class:`DeviceTerminal`, :class:`ChargerSource`,
:class:`FaultStudyResult`; :func:`iter_fault_study` streams the same results slice by slice
(memory O(buses · devices) whatever the number of scenarios). See ``collect.py`` and
``study.py`` for the entry points and ``result.py`` for the array layout.
"""

from protv2g.engine.chargers import ChargerSource
from protv2g.engine.collect import fault_study
from protv2g.engine.result import FaultStudyResult
from protv2g.engine.study import DeviceTerminal, FaultSlice, iter_fault_study

__all__ = ["ChargerSource", "DeviceTerminal", "FaultSlice", "FaultStudyResult", "fault_study",
           "iter_fault_study"]
