"""Which end of the fuse-saving K bracket a C2 "range shrunk by V2G" row rests on (review
rev41c M4).

A fuse-saving range's upper end is the crossover where the fuse's minimum melt meets the
recloser's fast clearing time × K (:func:`~protv2g.checks.fuse_saving_range.saving_range_a`).
K is a table value (:func:`protv2g.devices.rules.fuse_saving_k`: T. A. Short's table after
Cooper, ``status: recalled`` in ``relay_library/rules.yaml``) whose published bracket's other
end is Cooper TD132010EN's (verified) 1.20 / 1.35. The depot's F06 (RC-F1 / FU-F1-LAT2,
280 … 521 A → 315 … 488 A) used K = 1.8, the high end, and said neither K nor the end.
:func:`k_end` says K, its end of the bracket and the ranges at the other end, for the row's
message and its Evidence ``bracket`` cell.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_saving_range import range_text, ranges_by_scenario
from protv2g.checks.rule_values import fuse_saving
from protv2g.devices.rules import RuleOutOfRange

__all__ = ["SHRINK_REL", "k_end", "narrowed"]

#: Relative narrowing of a fuse-saving range below which it counts as unchanged: the
#: resolution of the current grid its bounds come from (:mod:`.fuse_saving_range`).
SHRINK_REL = 0.005


def narrowed(lo: float, hi: float, lo_b: float, hi_b: float) -> bool:
    """Whether the range ``lo … hi`` (A; ``lo`` NaN: none) is narrower than the base case's
    ``lo_b … hi_b`` by more than :data:`SHRINK_REL` at either end."""
    return not (np.isfinite(lo) and lo <= lo_b * (1 + SHRINK_REL)
                and hi >= hi_b * (1 - SHRINK_REL))


def k_end(ctx: Any, rows: pd.DataFrame, primary: str, backup: str, scenario: str,
          base: str) -> tuple[str, str]:
    """(message clause, Evidence ``bracket`` cell) of a range-shrunk row of the pair
    ``backup`` (recloser) / ``primary`` (fuse) in ``scenario`` against its base case ``base``
    (``rows``: the pair's C2 fuse-saving rows of the two scenarios): K as used (the rows'
    ``rule_value``), which end of its published bracket it is, and the two ranges at the
    other end (:func:`ranges_by_scenario` of the same rows with that K). ``("", "")`` when
    the pair has no K; K alone when the study gives it or no bracket is published."""
    k_used = pd.to_numeric(rows["rule_value"], errors="coerce").dropna()
    if k_used.empty:
        return "", ""
    k = float(k_used.iloc[0])
    rule = fuse_saving(ctx, backup)
    crossing = (f"; its upper ends are where {primary}'s minimum melt meets {backup}'s fast "
                f"clearing time × K, K = {k:g}")
    if isinstance(rule, RuleOutOfRange) or rule.overridden or rule.bracket is None \
            or rule.bracket[1] - rule.bracket[0] < 1e-9:
        given = " (the study's checks.fuse_saving_k)" if not isinstance(
            rule, RuleOutOfRange) and rule.overridden else ""
        return crossing + given, f"K {k:g}{given}"
    lo_k, hi_k = rule.bracket
    end, other = ("high", lo_k) if abs(k - hi_k) <= abs(k - lo_k) else ("low", hi_k)
    alt = ranges_by_scenario(rows.assign(rule_value=other), ctx.devices)
    now, was = alt.get((primary, backup, scenario)), alt.get((primary, backup, base))
    if now is None or was is None:
        return "", ""
    still = narrowed(*now, *was)
    clause = (f"{crossing} (Rules sheet, fuse_saving_k: the table's value, the {end} end of "
              f"the published bracket {lo_k:g}–{hi_k:g}): the {end} end drove it; with "
              f"K = {other:g} the range is {range_text(*was)} without V2G and "
              f"{range_text(*now)} with it"
              + (" (narrowed too)" if still else " (not narrowed: the warning rests on K)"))
    cell = (f"K {k:g}: {end} end of {lo_k:g}–{hi_k:g} drove it (K {other:g}: "
            f"{range_text(*was)} → {range_text(*now)})")
    return clause, cell
