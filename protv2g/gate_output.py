"""The gate's verdict as data for the command line: the exit codes, the ERROR verdict of a
study that could not be evaluated and ``protv2g gate --json``'s record. Moved out of
:mod:`protv2g.gate` (module size)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from protv2g.criteria import order
from protv2g.gate_errors import screening_status
from protv2g.provenance import dependency_versions, input_digest
from protv2g.report.summary_counts import passed_note
from protv2g.study.loader import Study

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["EXIT_CODES", "error_verdict", "gate_json", "stand_in_passes"]

#: Exit code of each verdict.
EXIT_CODES = {"PASS": 0, "FAIL": 1, "ERROR": 2}


def stand_in_passes(result: StudyResult, criteria: Any) -> str:
    """``"; C7 passed on drafted values: confirm …"`` for the gated criteria whose evaluation
    read a drafted value or a tool default (``meta["criterion_inputs"]``,
    :mod:`protv2g.criteria_basis`): the gate's pass line says what its passes rest on, as
    the Summary does (review s20)."""
    meta = result.meta if isinstance(result.meta, dict) else {}
    stand_ins = meta.get("criterion_inputs") or {}
    return "".join(f"; {c} {passed_note(stand_ins[c])}" for c in sorted(
        (c for c in map(str, criteria) if c in stand_ins), key=order))


def error_verdict(study: Study | None, reasons: list[str]) -> dict[str, Any]:
    """An ERROR verdict for a study that could not be evaluated (bad input, engine error).

    Parameters
    ----------
    study : Study or None
        None when the study file itself could not be loaded.
    reasons : list of str
        One line each (``error:`` is prefixed when missing).
    """
    lines = [r if r.startswith("error:") else f"error: {r}" for r in reasons]
    return {
        "verdict": "ERROR", "exit_code": EXIT_CODES["ERROR"],
        "reasons": lines or ["error: the study could not be evaluated"],
        "reason_data": [None] * max(len(lines), 1),
        "unjudged": {},
        "screening": screening_status(study) if study is not None else {},
        "conditions": [],
        "to_confirm": [],
        "pre_existing_policy": (study.document.gate.pre_existing if study is not None
                                else None),
        "counts": {"failing": 0, "pre_existing": 0, "errors": max(len(lines), 1),
                   "conditions": 0, "to_confirm": 0, "unconfirmed": 0},
        "criteria": list(study.document.gate.criteria) if study is not None else [],
        "fail_severities": ([str(getattr(s, "value", s)) for s in
                             study.document.gate.fail_severities] if study is not None else []),
        "unmet_screening_fails": (study.document.gate.unmet_screening_fails
                                  if study is not None else None),
        "hosting_capacity_kw": None,
        "hosting_limited": None,
        "hosting_limit": None,
        "hosting_chargers": None,
        "drafted_inputs": None,
        "verdict_note": "",
    }


def gate_json(verdict: dict[str, Any], study: Study | None, study_file: str,
              hosting: pd.DataFrame | None = None) -> dict[str, Any]:
    """The machine-readable verdict of ``protv2g gate --json``.

    Adds the study name and file, the input digest, the dependency versions and the full
    hosting-capacity table (records) to :func:`gate_verdict`'s dict.
    """
    out = {"study": study.name if study is not None else None, "study_file": study_file,
           **verdict,
           "input_digest": input_digest(study) if study is not None else None,
           "versions": dependency_versions()}
    if hosting is not None:
        out["hosting"] = hosting.astype(object).where(hosting.notna(), None).to_dict(
            orient="records")
    return out
