"""The Summary's counts: section 1's findings (:func:`findings_count_text`: the problems by
attribution, the info findings apart) and section 10's per criterion its findings, failing
rows, warnings, rows not evaluated and a note — "not applicable", "not evaluated", "passed:
evaluated, no row fails or warns", or "passed on drafted values: confirm …" when the
criterion's evaluation read a value ``protv2g init`` drafted or a tool default
(:mod:`protv2g.criteria_basis`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.criteria import CATALOGUE, order
from protv2g.findings_attribution import Attribution, check_attribution
from protv2g.input_basis import InputBasis
from protv2g.text_codes import text_codes
from protv2g.violations import CheckStatus, describe_rows, row_weights

__all__ = ["PROBLEM_STATUSES", "criterion_counts", "findings_count_text", "passed_note"]

#: A finding's statuses that make it a problem: ``fail`` (the gate's ``fail:``,
#: ``condition:`` and ``confirm:`` lines stand for fail rows, :mod:`protv2g.gate_findings`)
#: and ``warn`` (a regulator mode to confirm, or "to review" in the conditions). An ``info``
#: finding is none ("at the limit within its tolerance", "saving impossible by design"): the
#: gate lists it as ``info`` and never acts on it.
PROBLEM_STATUSES = (CheckStatus.FAIL.value, CheckStatus.WARN.value)

#: The optional parts of the problems' count, in order: attribution → its words after the
#: count (said only when the count is not 0).
_MORE = ((Attribution.EQUIPMENT, "caused by the project's equipment (its remedy: the "
          "equipment, not the export)"),
         (Attribution.PROJECT, "caused by the project (equipment + V2G together: neither alone "
          "over the check's threshold)"),
         (Attribution.EQUIPMENT_WORSE, "pre-existing, made worse by the project's equipment"),
         (Attribution.UNKNOWN, "not attributed"))


def findings_count_text(findings: pd.DataFrame, violations: pd.DataFrame) -> str:
    """Section 1's count of findings: the problems (:data:`PROBLEM_STATUSES`) by attribution
    (every one under one member of the closed set: an unknown text raises), the info findings
    apart with their ids (review ver49 #5: EPRI LVTestCase's "6 problem(s): 5 caused by V2G"
    counted F06, an info row "at the limit within its tolerance"), then the violation rows
    as the CLI counts them (:func:`~protv2g.violations.describe_rows`).

    >>> f = pd.DataFrame({"finding": ["F01", "F02", "F03"], "status": ["fail", "warn", "info"],
    ...                   "attribution": ["caused by V2G", "pre-existing", "caused by V2G"]})
    >>> findings_count_text(f, pd.DataFrame({"status": ["fail", "warn", "info"]}))
    ... # doctest: +NORMALIZE_WHITESPACE
    '2 problem(s): 1 caused by V2G, 0 made worse by V2G, 1 pre-existing; 1 info finding
    apart, not a problem: F03; from 3 violation rows (1 failing, 1 warning, 1 info)'
    """
    status = (findings["status"].astype(str) if "status" in findings.columns
              else pd.Series([""] * len(findings), index=findings.index))
    problems = findings[status.isin(PROBLEM_STATUSES).to_numpy()]
    info = findings[(status == CheckStatus.INFO.value).to_numpy()]
    by = problems["attribution"].map(check_attribution).value_counts() if len(problems) else {}

    def n(*attributions: Attribution) -> int:
        return sum(int(by.get(a, 0)) for a in attributions)

    n_charging = n(Attribution.CAUSED_CHARGING, Attribution.WORSE_CHARGING)
    text = (f"{len(problems)} problem(s): {n(Attribution.CAUSED)} caused by V2G, "
            f"{n(Attribution.WORSE)} made worse by V2G, {n(Attribution.PRE_EXISTING)} "
            "pre-existing" + (f", {n_charging} from the sites' charging" if n_charging else "")
            + "".join(f", {n(a)} {words}" for a, words in _MORE if n(a)))
    if len(info):
        ids = ", ".join(info["finding"].astype(str))
        text += (f"; {len(info)} info finding{'s' if len(info) != 1 else ''} apart, not a "
                 f"problem: {ids}")
    return f"{text}; from {describe_rows(violations)}"


def passed_note(stand_in: dict[str, Any] | None) -> str:
    """The note of a criterion that ran and found nothing: "passed: evaluated, …", or, when
    its evaluation read a drafted value or a tool default (``meta["criterion_inputs"]``,
    :func:`protv2g.criteria_basis.criterion_stand_ins`), "passed on drafted values: confirm
    …" (review s20: C7 and C10 of EPRI ckt5 "passed" on the drafted head relay and reclose
    intervals).

    >>> passed_note(None)
    'passed: evaluated, no row fails or warns'
    >>> passed_note({"basis": "todo", "inputs": ["R1's reclose_intervals_s (drafted: TODO)"],
    ...              "n_inputs": 1})
    "passed on drafted values: confirm R1's reclose_intervals_s (drafted: TODO)"
    """
    if not stand_in or not stand_in.get("inputs"):
        return "passed: evaluated, no row fails or warns"
    what = ("drafted values" if stand_in.get("basis") == InputBasis.TODO.value
            else "tool defaults")
    inputs = [str(t) for t in stand_in["inputs"]]
    more = int(stand_in.get("n_inputs", len(inputs))) - len(inputs)
    return (f"passed on {what}: confirm {'; '.join(inputs)}"
            + (f" and {more} more" if more > 0 else ""))


def criterion_counts(violations: pd.DataFrame, findings: pd.DataFrame,
            stand_ins: dict[str, Any] | None = None) -> list[list[Any]]:
    """Per criterion (catalogue order, every criterion of the catalogue, so that one that ran
    and found nothing reads "passed" rather than being absent): findings, failing rows,
    warnings, not evaluated, and a note (:func:`passed_note`: ``stand_ins``, criterion → the
    stand-in inputs its evaluation read).

    The rows are counted per (criterion, status) text once (:func:`text_codes`): a mask of
    every row per criterion and status was ≈ 0.5 s of the 10,000-bus Summary (#21).
    """
    if not {"criterion", "status"} <= set(violations.columns):
        return []
    crit, crit_t = text_codes(violations["criterion"])
    status, status_t = text_codes(violations["status"])
    # a group's row counts as the rows (buses) it stands for (#21, C5 and C12 groups)
    n = np.bincount(crit * len(status_t) + status, weights=row_weights(violations),
                    minlength=len(crit_t) * len(status_t)).astype(np.int64).reshape(
        len(crit_t), len(status_t))
    row = {t: k for k, t in enumerate(crit_t.tolist())}
    col = {t: k for k, t in enumerate(status_t.tolist())}
    f_crit = findings["criterion"].astype(str).value_counts() if len(findings) else {}

    def count(c: str, s: CheckStatus) -> int:
        return int(n[row[c], col[s.value]]) if c in row and s.value in col else 0

    out = []
    for c in sorted(set(crit_t.tolist()) | set(CATALOGUE), key=order):
        na = count(c, CheckStatus.NOT_APPLICABLE) > 0
        title = CATALOGUE[c].title if c in CATALOGUE else ""
        n_fail, n_warn = count(c, CheckStatus.FAIL), count(c, CheckStatus.WARN)
        n_ne = count(c, CheckStatus.NOT_EVALUATED)
        # info rows (C6's "what it tried", c6r51) are no problem: a criterion with no failing
        # or warning row passed, whatever it writes beside
        note = ("not applicable" if na else "not evaluated" if n_ne and not n_fail + n_warn
                else passed_note((stand_ins or {}).get(c)) if not n_fail + n_warn else "")
        out.append([c, title, int(f_crit.get(c, 0)), n_fail, n_warn, n_ne, note])
    return out
