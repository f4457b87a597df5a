"""Planning a batch on the client: which study files, which variants, which workbooks."""

from __future__ import annotations

import glob
import math
from collections.abc import Sequence
from pathlib import Path

from protv2g.batch.tasks import BatchTask
from protv2g.errors import InputError, Issue

__all__ = ["check_fractions", "expand_studies", "plan_tasks"]


def expand_studies(patterns: Sequence[str | Path]) -> list[str]:
    """Study files named by paths, glob patterns or folders, in the order given.

    A folder stands for every ``study.yaml`` below it; a glob is expanded (sorted, ``**``
    allowed); a plain path is kept even when missing, so its error is reported in the batch.
    Duplicates are kept once.

    Raises
    ------
    InputError
        When a glob or folder matches no study file.
    """
    out: list[str] = []
    issues: list[Issue] = []
    for i, pattern in enumerate(patterns):
        text = str(pattern)
        if Path(text).is_dir():
            found = sorted(str(p) for p in Path(text).rglob("study.yaml"))
            if not found:
                issues.append(Issue("command line", f"studies[{i}]", f"folder {text!r} holds "
                                    "no study.yaml", "name the study files or a glob"))
        elif glob.has_magic(text):
            found = sorted(glob.glob(text, recursive=True))
            if not found:
                issues.append(Issue("command line", f"studies[{i}]", f"{text!r} matches no "
                                    "file", "check the pattern (quote it for the shell)"))
        else:
            found = [text]
        out += [f for f in found if f not in out]
    if issues:
        raise InputError(issues)
    if not out:
        raise InputError(Issue("command line", "studies", "no study files given",
                               "name one or more study files or globs"))
    return out


def check_fractions(vary_export: Sequence[float] | None) -> list[float] | None:
    if vary_export is None:
        return None
    fractions = [float(f) for f in vary_export]
    bad = [f for f in fractions if not (math.isfinite(f) and 0.0 <= f <= 1.0)]
    if bad or not fractions:
        raise InputError(Issue("command line", "--vary-export",
                               f"export fractions must be numbers in [0, 1], got {bad or '[]'}",
                               "e.g. --vary-export 0.25,0.5,1.0"))
    return fractions


def _workbook_stem(file: str) -> str:
    p = Path(file)
    stem = p.parent.name if p.stem == "study" and p.parent.name else p.stem
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in stem) or "study"


def plan_tasks(files: Sequence[str], studies_dir: Path,
               vary_export: Sequence[float] | None = None) -> list[BatchTask]:
    """One task per file (× export fraction), each with its own unique workbook path."""
    fractions: list[float | None] = list(vary_export) if vary_export else [None]
    tasks: list[BatchTask] = []
    used: set[str] = set()
    for file in files:
        base = _workbook_stem(file)
        for fraction in fractions:
            name = base if fraction is None else f"{base}_export-{fraction:g}"
            unique, k = name, 2
            while unique.lower() in used:
                unique, k = f"{name}-{k}", k + 1
            used.add(unique.lower())
            tasks.append(BatchTask(len(tasks), file, str(Path(file).resolve()),
                                   str((studies_dir / f"{unique}.xlsx").resolve()), fraction))
    return tasks
