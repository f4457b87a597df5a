"""Study files: schema, loading and validation."""

from protv2g.study.loader import (
    DeviceSite,
    Study,
    load_study,
    validate_study,
    validate_study_warnings,
)

__all__ = ["DeviceSite", "Study", "load_study", "validate_study", "validate_study_warnings"]
