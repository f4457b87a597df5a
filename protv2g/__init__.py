"""protv2g: protection-coordination studies for distribution feeders with V2G chargers.

Public API (the CLI and batch runs call exactly these)::

    study = protv2g.load_study("feeders/depot_two_feeder/study.yaml")
    result = protv2g.run_study(study)
    result.violations          # tidy DataFrame
    result.to_excel("reports/depot.xlsx")

Every name is imported on first use (``protv2g.run_study`` loads the engine, pandapower and
the checks when it is first touched), so ``import protv2g`` and ``protv2g --help`` stay light.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from protv2g._version import __version__

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from protv2g.api import fault_study as fault_study
    from protv2g.batch import BatchResult as BatchResult
    from protv2g.batch import run_batch as run_batch
    from protv2g.errors import InputError as InputError
    from protv2g.errors import Issue as Issue
    from protv2g.flow import flow_study as flow_study
    from protv2g.gate import gate_verdict as gate_verdict
    from protv2g.hosting import hosting_capacity as hosting_capacity
    from protv2g.result import StudyResult as StudyResult
    from protv2g.runner import run_study as run_study
    from protv2g.study import Study as Study
    from protv2g.study import load_study as load_study
    from protv2g.study import validate_study as validate_study

#: Public name → module that defines it.
_LAZY = {
    "InputError": "protv2g.errors",
    "Issue": "protv2g.errors",
    "Study": "protv2g.study",
    "StudyResult": "protv2g.result",
    "load_study": "protv2g.study",
    "run_study": "protv2g.runner",
    "validate_study": "protv2g.study",
    "run_batch": "protv2g.batch",
    "BatchResult": "protv2g.batch",
    "fault_study": "protv2g.api",
    "flow_study": "protv2g.flow",
    "gate_verdict": "protv2g.gate",
    "hosting_capacity": "protv2g.hosting",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'protv2g' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
