"""What each violation row means for the pre-pilot gate (:mod:`protv2g.gate`, whose module
docstring states the policy): :class:`GateOutcome` per row (:func:`classify`), the rows that
fail it (:func:`failing_mask`), that could not be evaluated (:func:`unevaluated_mask`) and
the criteria that do not apply (:func:`not_applicable_criteria`).

Read from typed columns only (``criterion``, ``status``, ``attribution``, ``input_basis``),
never from the wording of a message. The hosting-capacity search and the report ask these
functions rather than deciding themselves.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from protv2g.criteria import order
from protv2g.input_basis import InputBasis
from protv2g.study.device_coverage import (
    FUSE_RECLOSER_CRITERIA,
    NO_FUSES_OR_RECLOSERS,
    unmodelled_fuses_and_reclosers,
)
from protv2g.study.schema import Gate
from protv2g.text_codes import text_codes
from protv2g.violations import CheckStatus, text_values

__all__ = ["OUTCOME_CODES", "OUTCOME_TEXTS", "PRE_EXISTING", "GateOutcome", "classify",
           "classify_codes", "classify_with_pre", "failing_mask", "FUSE_RECLOSER_CRITERIA",
           "judged_by_device",
           "NO_FUSES_OR_RECLOSERS", "not_applicable_criteria", "stand_in_mask",
           "unevaluated_mask", "unmodelled_fuses_and_reclosers"]


#: Attribution of violations already present without V2G.
PRE_EXISTING = "pre-existing"


class GateOutcome(StrEnum):
    """What one violation row means for the gate."""

    #: Fails the gate: a failing status of a gated criterion, attributable to V2G.
    FAIL = "fail"
    #: Makes the verdict ERROR: a gated criterion that could not be evaluated.
    ERROR = "error"
    #: A failing row already present in the base case, under ``gate.pre_existing:
    #: condition``: a condition of the pilot ("fix before the pilot"); the verdict can pass.
    CONDITION = "condition"
    #: Such a row resting on a stand-in input (``input_basis`` ``default`` or ``todo``,
    #: :mod:`protv2g.input_basis`): "confirm this input" before it is a condition.
    CONFIRM = "confirm"
    #: Listed, does not decide: a failing row already present in the base case (policy
    #: ``info``), or a gated criterion that does not apply to the study.
    INFO = "info"
    #: Does not concern the gate (a status or criterion the gate does not act on).
    NONE = "none"


#: ``gate.pre_existing`` → what a pre-existing failing row is for the gate.
_PRE_EXISTING_OUTCOME = {"condition": GateOutcome.CONDITION, "fail": GateOutcome.FAIL,
                         "info": GateOutcome.INFO}


def _fail_statuses(gate: Gate) -> set[str]:
    return {CheckStatus(str(getattr(s, "value", s))).value for s in gate.fail_severities}


def _text_in(column: pd.Series, wanted: set[str]) -> np.ndarray:
    """``column.astype(str).isin(wanted)`` as an ``(n,)`` bool array, decided once per
    distinct text (:func:`protv2g.text_codes.text_codes`; #21: each of the gate's masks
    wrote and hashed the 481,228 rows' texts at 10,000 buses)."""
    codes, texts = text_codes(column)
    return np.isin(texts, list(wanted))[codes] if len(texts) else np.zeros(len(column), bool)


def _masks(violations: pd.DataFrame, gate: Gate) -> tuple[np.ndarray, ...]:
    """``(gated, failing, pre, status_texts, status_codes)`` of the rows: a gated criterion,
    a failing status of one, attributed ``pre-existing`` (as :func:`classify` reads them)."""
    gated = _text_in(violations["criterion"], set(gate.criteria))
    s_codes, s_texts = text_codes(violations["status"])
    failing = gated & np.isin(s_texts, list(_fail_statuses(gate)))[s_codes]
    pre = _text_in(violations["attribution"], {PRE_EXISTING})
    return gated, failing, pre, s_texts, s_codes


def classify(violations: pd.DataFrame, gate: Gate) -> pd.Series:
    """The :class:`GateOutcome` of every violation row (the gate's policy, row by row).

    Parameters
    ----------
    violations : DataFrame
        ``VIOLATION_COLUMNS`` rows (``criterion``, ``status``, ``attribution`` are read).
    gate : Gate
        The study's gate section.

    Returns
    -------
    Series of str
        :class:`GateOutcome` values, aligned with ``violations``.

    Example
    -------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"criterion": ["C2", "C2", "C5"], "status": ["fail", "fail",
    ...                      "not_evaluated"], "attribution": ["new", "pre-existing", ""]})
    >>> classify(rows, Gate()).tolist()
    ['fail', 'condition', 'error']
    """
    return classify_with_pre(violations, gate)[0]


#: :class:`GateOutcome` values by the codes :func:`classify_codes` gives, and the codes.
OUTCOME_TEXTS = np.array([o.value for o in GateOutcome], dtype=object)
OUTCOME_CODES = {o: k for k, o in enumerate(GateOutcome)}


def classify_with_pre(violations: pd.DataFrame, gate: Gate) -> tuple[pd.Series, pd.Series]:
    """:func:`classify` and ``failing_mask(violations, gate, attributable=False)`` from one
    reading of the columns (#21: the gate read and hashed them twice)."""
    codes, pre = classify_codes(violations, gate)
    return (pd.Series(OUTCOME_TEXTS[codes], index=violations.index, dtype=object),
            pd.Series(pre, index=violations.index, dtype=bool))


def classify_codes(violations: pd.DataFrame, gate: Gate) -> tuple[np.ndarray, np.ndarray]:
    """:func:`classify_with_pre` as arrays: each row's outcome as a code into
    :data:`OUTCOME_TEXTS` (``(n,)`` int8; compared as integers, #21: the gate compared the
    481,228 rows' outcome texts five times at 10,000 buses) and the pre-existing failing
    mask (``(n,)`` bool)."""
    n = len(violations)
    out = np.full(n, OUTCOME_CODES[GateOutcome.NONE], dtype=np.int8)
    if violations.empty:
        return out, np.zeros(n, dtype=bool)
    gated, failing, pre, s_texts, s_codes = _masks(violations, gate)
    out[failing & ~pre] = OUTCOME_CODES[GateOutcome.FAIL]
    out[failing & pre] = OUTCOME_CODES[_PRE_EXISTING_OUTCOME[gate.pre_existing]]
    if gate.pre_existing == "condition":
        out[failing & pre & stand_in_mask(violations).to_numpy(dtype=bool)] = (
            OUTCOME_CODES[GateOutcome.CONFIRM])
    out[gated & (s_texts == CheckStatus.NOT_APPLICABLE.value)[s_codes]] = (
        OUTCOME_CODES[GateOutcome.INFO])
    out[gated & (s_texts == CheckStatus.NOT_EVALUATED.value)[s_codes]] = (
        OUTCOME_CODES[GateOutcome.ERROR])
    return out, failing & pre


def failing_mask(violations: pd.DataFrame, gate: Gate, *, attributable: bool = True
                 ) -> pd.Series:
    """Rows of ``violations`` that fail the gate (or, ``attributable=False``, the failing rows
    already present in the base case, which do not).

    A missing attribution counts as attributable, never the other way round.

    Returns
    -------
    Series of bool
        Aligned with ``violations``.
    """
    if violations.empty:
        return pd.Series(False, index=violations.index, dtype=bool)
    _, failing, pre, _, _ = _masks(violations, gate)
    return pd.Series(failing & (~pre if attributable else pre), index=violations.index,
                     dtype=bool)


def stand_in_mask(violations: pd.DataFrame) -> pd.Series:
    """Rows resting on a stand-in input: ``input_basis`` ``default`` or ``todo``
    (:class:`protv2g.input_basis.InputBasis`); none where the column is absent."""
    if "input_basis" not in violations.columns:
        return pd.Series(False, index=violations.index, dtype=bool)
    return pd.Series(_text_in(violations["input_basis"],
                              {InputBasis.DEFAULT.value, InputBasis.TODO.value}),
                     index=violations.index, dtype=bool)


def _status_is(violations: pd.DataFrame, status: CheckStatus) -> pd.Series:
    """:func:`~protv2g.violations.status_mask` of one status, decided once per distinct
    text (:func:`_text_in`; #21: every row's status written and hashed, 489,286 rows at
    10,000 buses, ≈ 10 ms a call)."""
    if violations.empty or "status" not in violations.columns:
        return pd.Series(False, index=violations.index, dtype=bool)
    return pd.Series(_text_in(violations["status"], {status.value}), index=violations.index,
                     dtype=bool)


def unevaluated_mask(violations: pd.DataFrame) -> pd.Series:
    """Rows by which a check says it could not evaluate something (status ``not_evaluated``)."""
    return _status_is(violations, CheckStatus.NOT_EVALUATED)


def not_applicable_criteria(violations: pd.DataFrame) -> dict[str, str]:
    """Criterion → why it does not apply to the study (from its ``not_applicable`` row)."""
    rows = violations[_status_is(violations, CheckStatus.NOT_APPLICABLE)]
    out: dict[str, str] = {}
    for crit, msg in zip(text_values(rows["criterion"]), rows["message"].astype(str),
                         strict=True):
        out.setdefault(crit, msg)
    return dict(sorted(out.items(), key=lambda kv: order(kv[0])))


def judged_by_device(violations: pd.DataFrame) -> dict[str, list[str]]:
    """Device → the criteria with a row on it that judged something (not ``not_applicable``,
    not ``not_evaluated``): what a line fuse's gap line says those fuses were judged by
    (rev49a #4: "C1, … C11 judged nothing there" beside C5, C8, C11 rows on the fuse)."""
    if violations.empty or not {"device", "criterion", "status"} <= set(violations.columns):
        return {}
    skip = (_status_is(violations, CheckStatus.NOT_APPLICABLE)
            | _status_is(violations, CheckStatus.NOT_EVALUATED)).to_numpy(dtype=bool)
    pairs = violations.loc[~skip, ["device", "criterion"]].astype(str).drop_duplicates()
    out: dict[str, list[str]] = {}
    for device, crit in zip(pairs["device"].tolist(), pairs["criterion"].tolist(), strict=True):
        out.setdefault(device, []).append(crit)
    return out
