"""Errors raised for bad input; the CLI prints them without a traceback and exits 2."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One problem found in an input: where it is and how to fix it.

    Attributes
    ----------
    file : str
        The file the problem is in (study file, feeder file, curve file).
    field : str
        Path of the field inside it, e.g. ``devices[3].pickup_a``; empty for the whole file.
    message : str
        What is wrong.
    fix : str
        What would fix it.
    """

    file: str
    field: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{where}: {self.message}.{fix}"


class InputError(ValueError):
    """Bad input, with every problem found (a list of :class:`Issue`)."""

    def __init__(self, issues: list[Issue] | Issue):
        self.issues = [issues] if isinstance(issues, Issue) else list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def with_issue_rows(warnings: Any, issues: Sequence[Issue], element: str) -> Any:
    """``warnings`` (a feeder warnings table: ``element, name, what, action``, or None) with
    a row per issue (``element``; ``name`` its field, ``what`` its message, ``action`` its
    fix), for the workbook's "Feeder warnings" sheet; ``warnings`` itself without issues."""
    if not issues:
        return warnings
    import pandas as pd

    rows = pd.DataFrame({"element": element, "name": [i.field for i in issues],
                         "what": [i.message for i in issues],
                         "action": [i.fix for i in issues]})
    if warnings is None or not len(warnings):
        return rows
    return pd.concat([warnings, rows], ignore_index=True)
