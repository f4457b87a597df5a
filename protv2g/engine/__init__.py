"""Sparse sequence-network fault engine on pandapower's element models.

Public API: :func:`fault_study`, :class:`DeviceTerminal`, :class:`ChargerSource`,
:class:`FaultStudyResult` (with ``.staged``, :class:`StagedResult`); the charger control law
:func:`injection` (:class:`LawArrays`) and IEEE 1547 trips :func:`trip_elements`;
:func:`iter_fault_study` streams the same results slice by slice (memory O(buses · devices)
whatever the number of scenarios). See ``collect.py`` and ``study.py`` for the entry points
and ``result.py`` for the array layout.

The engine's compiled kernels (:mod:`.kernels`, :mod:`.newton_kernel`, :mod:`.zbus`) run in
parallel with numba; with its OpenMP threading layer (GNU libgomp) the worker threads
spin-wait after each parallel region (up to ``GOMP_SPINCOUNT`` iterations, milliseconds),
burning a core between the many short kernels of a study — on a loaded 2-core machine that
was ≈ 30 % of the charger model's CPU time (``benchmarks/bench_engine.py``). The package
therefore asks for passive waiting (``OMP_WAIT_POLICY=PASSIVE``) unless the caller has set
the variable before importing it; it acts only if libgomp is loaded afterwards (numba loads
it at the first parallel kernel).

numba's on-disk cache of a kernel is keyed on its own file and on the engine modules it
compiles in (:mod:`.kernel_cache`), installed here before any kernel is defined.
"""

import os as _os

_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# installs its cache locator on import: first, before any kernel is defined
from protv2g.engine import kernel_cache as _kernel_cache  # noqa: F401, I001

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
