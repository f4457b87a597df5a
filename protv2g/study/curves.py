"""Curve names used by a study, checked against the curve library (built-in + the study's own)."""

from __future__ import annotations

from pathlib import Path

from protv2g.devices.kinds import curve_fields
from protv2g.devices.library import CurveLibrary, load_library
from protv2g.errors import InputError, Issue
from protv2g.study.schema import StudyDocument


def study_library(document: StudyDocument, study_dir: Path, file: str
                  ) -> tuple[CurveLibrary | None, list[Issue]]:
    """The curve library a study uses: built-ins plus the ``library`` folders it names."""
    dirs = []
    issues = []
    for i, entry in enumerate(document.library):
        target = (study_dir / entry).resolve()
        if not target.is_dir():
            issues.append(Issue(file, f"library[{i}]", f"folder {entry!r} not found",
                                "give a folder (relative to the study file) of curve YAML files"))
        else:
            dirs.append(target)
    if issues:
        return None, issues
    try:
        return load_library(dirs), []
    except InputError as exc:
        return None, exc.issues


def curve_name_issues(document: StudyDocument, library: CurveLibrary, file: str) -> list[Issue]:
    """One issue per device curve name that the library does not know."""
    issues = []
    for i, device in enumerate(document.devices):
        for key in curve_fields(device.kind):
            name = getattr(device, key)
            if name is None or name in library:
                continue
            try:
                library.get(name)
            except InputError as exc:
                for issue in exc.issues:
                    issues.append(Issue(file, f"devices[{i}].{key}", issue.message, issue.fix))
    return issues
