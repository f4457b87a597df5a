"""Phase-domain fault engine on a network taken from OpenDSS (:mod:`protv2g.network.dss_model`).

Public API: :func:`phase_fault_study`, :class:`PhaseDevice`, :func:`model_devices`,
:class:`PhaseSite`, :class:`PhaseFaultResult`. Modules: ``selinv`` (driving-point blocks by
selected inversion), ``system`` (the network of a method, factorised once), ``faults`` (which
faults a bus can have; phase-coordinate fault equations), ``sites`` (the one adapter to the
charger control law), ``stages`` (the chargers' later stages on the eliminated faults),
``study`` (the orchestration), ``result`` (tables).
"""

from protv2g.engine.phase.result import PhaseFaultResult
from protv2g.engine.phase.sites import PhaseSite
from protv2g.engine.phase.study import PhaseDevice, model_devices, phase_fault_study

__all__ = ["PhaseDevice", "PhaseFaultResult", "PhaseSite", "model_devices", "phase_fault_study"]
