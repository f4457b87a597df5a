"""A change that fails passing rows inside a finding already failing is a side effect (ver32,
EPRI J1: `recommend` accepted R-MID ground 150 → 140 A "side effects: none" while 120 bolted
LLG-ab C2 rows of F-2PH turned from ok to fail: the finding's worst margin, −590.9 → −591.5 s,
moved less than its tolerance, so the search judged by the worst margin alone saw nothing)."""

from __future__ import annotations

import pandas as pd

from protv2g.recommend.evaluator import _effects


def _found(worst: float, n_fail: int) -> pd.DataFrame:
    return pd.DataFrame({"title": ["C2 R-MID / F-2PH", "C5 R-MID"], "status": ["fail", "fail"],
                         "worst_margin": [worst, -0.4], "margin_unit": ["s", "x pickup"],
                         "tolerance": [5.9, 0.0], "n_fail": [n_fail, 12]},
                        index=["C2|R-MID|F-2PH|s|", "C5|R-MID||x pickup|"])


def test_more_failing_rows_in_a_failing_finding_is_a_side_effect():
    cleared, titles, side = _effects(_found(-590.9, 1500), _found(-591.5, 1620).iloc[[0]],
                                     "C5|R-MID||x pickup|")
    assert cleared and titles == ["C5 R-MID"]
    assert side == ["worse: C2 R-MID / F-2PH (1500 → 1620 failing evidence rows)"]
    # the same rows failing: no side effect
    assert _effects(_found(-590.9, 1500), _found(-591.5, 1500).iloc[[0]],
                    "C5|R-MID||x pickup|")[2] == []
