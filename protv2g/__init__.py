"""protv2g: protection-coordination studies for distribution feeders with V2G chargers.

Public API (the CLI and batch runs call exactly these)::

    study = protv2g.load_study("feeders/depot_two_feeder/study.yaml")
    result = protv2g.run_study(study)
    result.violations          # tidy DataFrame
    result.to_excel("reports/depot.xlsx")

``run_batch`` (Dask), ``fault_study`` (the engine on a net or a study) and ``flow_study``
are imported on first use, so ``import protv2g`` stays light.
"""

from importlib import import_module
from typing import Any

from protv2g.errors import InputError, Issue
from protv2g.result import StudyResult
from protv2g.runner import run_study
from protv2g.study import Study, load_study, validate_study

__version__ = "0.1.0"

_LAZY = {
    "run_batch": "protv2g.batch",
    "BatchResult": "protv2g.batch",
    "fault_study": "protv2g.api",
    "flow_study": "protv2g.flow",
    "gate_verdict": "protv2g.gate",
    "hosting_capacity": "protv2g.hosting",
}

__all__ = [
    "InputError",
    "Issue",
    "Study",
    "StudyResult",
    "__version__",
    "load_study",
    "run_study",
    "validate_study",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'protv2g' has no attribute {name!r}")
