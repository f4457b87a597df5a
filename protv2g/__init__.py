"""protv2g: protection-coordination studies for distribution feeders with V2G chargers.

Public API (the CLI and batch runs call exactly these)::

    study = protv2g.load_study("feeders/depot_two_feeder/study.yaml")
    result = protv2g.run_study(study)
    result.violations          # tidy DataFrame
    result.to_excel("reports/depot.xlsx")
"""

from protv2g.errors import InputError, Issue
from protv2g.result import StudyResult
from protv2g.runner import run_study
from protv2g.study import Study, load_study, validate_study

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "Issue",
    "Study",
    "StudyResult",
    "__version__",
    "load_study",
    "run_study",
    "validate_study",
]
