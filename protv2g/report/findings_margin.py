"""Why a finding has no finite worst margin, in words for its row.

A finding's ``worst_margin`` (:mod:`protv2g.findings`) is its worst evidence row's margin,
blank (NaN) where that is not a finite number. Review s22 (EPRI's DG_Prot_Fdr, F01: C2
"fuse saving not possible"): the worst row's recloser never trips (its time "never", margin
−∞), so the Findings sheet and the Summary showed no worst margin and no reason. This module
gives the reason, and the worst finite margin of the finding's other rows where it has one,
so that the row never shows an empty slot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.report.summary_memo import margin_text
from protv2g.text_codes import text_codes

__all__ = ["no_margin_texts"]


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
