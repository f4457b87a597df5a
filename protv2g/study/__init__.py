"""Study files: schema, loading and validation."""

from protv2g.study.loader import DeviceSite, Study, load_study, validate_study

__all__ = ["DeviceSite", "Study", "load_study", "validate_study"]
