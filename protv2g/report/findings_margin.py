"""Why a finding has no finite worst margin, in words for its row; and its worst row overall.

A finding's ``worst_margin`` (:mod:`protv2g.findings`) is the margin of the row it leads with
(:mod:`protv2g.findings_headline`): its worst row V2G or the project's equipment moved where
it has one, else its worst row; blank (NaN) where that is not a finite number. Review s22
(EPRI's DG_Prot_Fdr, F01: C2 "fuse saving not possible"): the worst row's recloser never
trips (its time "never", margin −∞), so the Findings sheet and the Summary showed no worst
margin and no reason. :func:`no_margin_texts` gives the reason, and the worst finite margin
of the finding's other rows where it has one, so that the row never shows an empty slot;
:func:`overall_worst_texts` the worst row overall where the leading row is not it (review
rev38a W2: IEEE 13 F03's "worst margin" −0.693 × pickup in the Summary was a close-in row
the project's equipment moved, its worst row −1.002 at 684 pre-existing, said only at the
end of its message).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.report.summary_memo import margin_text
from protv2g.significant import round_significant
from protv2g.text_codes import text_codes

__all__ = ["no_margin_texts", "overall_worst_texts"]


def no_margin_texts(findings: pd.DataFrame, evidence: pd.DataFrame) -> dict[str, str]:
    """Finding id → why its worst margin is not a number, for each finding whose
    ``worst_margin`` is NaN.

    Parameters
    ----------
    findings : DataFrame
        :data:`protv2g.findings.FINDING_COLUMNS` (``finding``, ``worst_margin``,
        ``margin_unit``, ``device``).
    evidence : DataFrame
        The findings' evidence rows (``finding``, ``margin``; ``device`` optional).

    Returns
    -------
    dict of str to str
        ``"−∞: a never operates at its worst fault (no time to compare); worst finite
        margin −12 s"``, or ``"none: its rows carry no margin (see Message)"``.

    Examples
    --------
    >>> f = pd.DataFrame({"finding": ["F01"], "worst_margin": [np.nan],
    ...                   "margin_unit": ["s"], "device": ["a"]})
    >>> e = pd.DataFrame({"finding": ["F01", "F01"], "margin": [-np.inf, -12.0],
    ...                   "device": ["a", "a"]})
    >>> no_margin_texts(f, e)["F01"]
    '−∞: a never operates at the worst fault (no time to compare); worst finite margin −12 s'
    """
    need = {"finding", "worst_margin"}
    if findings.empty or not need <= set(findings.columns) or "margin" not in evidence:
        return {}
    blank = findings[pd.to_numeric(findings["worst_margin"], errors="coerce").isna()]
    if blank.empty:
        return {}
    margins = pd.to_numeric(evidence["margin"], errors="coerce").to_numpy(dtype=float)
    # #21: the evidence's finding ids coded once, compared as integers (the 10,000-bus
    # study's 263,781 rows were compared as text once per blank finding)
    codes, texts = text_codes(evidence["finding"])
    code_of = {t: k for k, t in enumerate(texts.tolist())}
    out = {}
    for f in blank.itertuples(index=False):
        m = margins[codes == code_of.get(str(f.finding), -1)]
        unit = str(getattr(f, "margin_unit", "") or "")
        finite = m[np.isfinite(m)]
        also = (f"; worst finite margin {margin_text(finite.min(), unit)}" if finite.size
                else "")
        if np.isneginf(m).any():
            who = str(getattr(f, "device", "") or "the device")
            out[str(f.finding)] = (f"−∞: {who} never operates at the worst fault (no time to "
                                   f"compare){also}")
        else:
            out[str(f.finding)] = f"none: its rows carry no margin (see Message){also}"
    return out


def overall_worst_texts(findings: pd.DataFrame, evidence: pd.DataFrame) -> dict[str, str]:
    """Finding id → ``"the worst row overall: <margin> at <fault> (<scenario>), <attribution>"``
    for each finding whose ``worst_margin`` (its leading row's) is not its worst row's margin
    to the significant digits (:func:`protv2g.findings_headline.tied`): its evidence's first
    row, the evidence being sorted by finding, worst first.

    >>> f = pd.DataFrame({"finding": ["F01"], "worst_margin": [-0.69], "margin_unit": ["× pickup"]})
    >>> e = pd.DataFrame({"finding": ["F01", "F01"], "margin": [-1.0, -0.69],
    ...                   "fault_type": ["LLG-ca", "SLG-a"], "fault_bus": ["684", "x"],
    ...                   "case": ["min", "min"], "scenario": ["base/light", "v/light"],
    ...                   "attribution": ["pre-existing", "equipment"]})
    >>> overall_worst_texts(f, e)["F01"]
    'the worst row overall: −1 × pickup at LLG-ca 684 min (base/light), pre-existing'
    """
    need = {"finding", "worst_margin"}
    if findings.empty or not need <= set(findings.columns) or "margin" not in evidence \
            or not len(evidence):
        return {}
    ids = evidence["finding"].astype(str).to_numpy()
    first = np.r_[0, np.flatnonzero(ids[1:] != ids[:-1]) + 1]
    margins = pd.to_numeric(evidence["margin"], errors="coerce").to_numpy(dtype=float)

    def col(c: str) -> np.ndarray:
        return (evidence[c].astype(str).to_numpy() if c in evidence.columns
                else np.full(len(evidence), "", dtype=object))

    where = [col(c) for c in ("fault_type", "fault_bus", "case")]
    scen, att = col("scenario"), col("attribution")
    worst_at = dict(zip(ids[first].tolist(), first.tolist(), strict=True))
    out = {}
    for f in findings.itertuples(index=False):
        k = worst_at.get(str(f.finding))
        lead = pd.to_numeric(pd.Series([f.worst_margin]), errors="coerce").iloc[0]
        if k is None or not np.isfinite(lead) or not np.isfinite(margins[k]):
            continue
        a, b = round_significant(np.array([lead, margins[k]], dtype=float))
        if a == b:
            continue
        unit = str(getattr(f, "margin_unit", "") or "")
        fault = " ".join(str(w[k]) for w in where if str(w[k]) not in ("", "nan", "None"))
        text = f"the worst row overall: {margin_text(margins[k], unit)}"
        text += f" at {fault} ({scen[k]})" if fault else f" ({scen[k]})"
        out[str(f.finding)] = text + (f", {att[k]}" if att[k] not in ("", "nan", "None")
                                      else "")
    return out
