"""Section 10 of the Summary: per criterion its findings, failing rows, warnings, rows not
evaluated and a note — "not applicable", "not evaluated", "passed: evaluated, no row fails
or warns", or "passed on drafted values: confirm …" when the criterion's evaluation read a
value ``protv2g init`` drafted or a tool default (:mod:`protv2g.criteria_basis`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.criteria import CATALOGUE, order
from protv2g.input_basis import InputBasis
from protv2g.text_codes import text_codes
from protv2g.violations import CheckStatus, row_weights

__all__ = ["criterion_counts", "passed_note"]


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
        n_rows = int(n[row[c]].sum()) if c in row else 0
        note = ("not applicable" if na else "not evaluated" if n_ne and not n_fail + n_warn
                else passed_note((stand_ins or {}).get(c)) if not n_rows else "")
        out.append([c, title, int(f_crit.get(c, 0)), n_fail, n_warn, n_ne, note])
    return out
