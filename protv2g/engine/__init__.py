"""Sparse sequence-network fault engine on pandapower's element models.

Public API: :func:`fault_study`, :class:`DeviceTerminal`, :class:`ChargerSource`,
:class:`FaultStudyResult`. See ``study.py`` for the entry point and ``result.py`` for the
array layout.
"""

from protv2g.engine.chargers import ChargerSource
from protv2g.engine.result import FaultStudyResult
from protv2g.engine.study import DeviceTerminal, fault_study

__all__ = ["ChargerSource", "DeviceTerminal", "FaultStudyResult", "fault_study"]
