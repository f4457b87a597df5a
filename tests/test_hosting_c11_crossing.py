"""Review rev50a #7c: EPRI ckt5's depot "warns from 468.8 kW (C11 …)" — a grid point of the
hosting search (1,500 kW / 16 × 5), where C11's threshold is linear in the export: 1/3 ×
minimum zone load (the study's light-load fraction 0.161 × the zone's 7,133 kW peak) =
382.8 kW (hand calculation). C11's margin is ``ratio × minimum load − (V2G + PV)`` in MW
(:mod:`protv2g.checks.islanding`), so the export it turns negative at is the level's export
plus its margin: the warning now starts there.
"""

from __future__ import annotations

import pandas as pd
import pytest

from protv2g.hosting.warns import warns_from, warns_text

THRESHOLD_KW = 7133.0 * 0.161 / 3  # 382.80 kW


def _margins(crit: str) -> pd.DataFrame:
    p_kw = [375.0, 468.75, 562.5]  # the search's grid (1,500 / 16 steps)
    return pd.DataFrame({"site": "depot", "participation": "firm", "load_level": "light",
                         "p_export_kw": p_kw, "criterion": crit,
                         "margin": [(THRESHOLD_KW - p) / 1000 for p in p_kw],
                         "n_failing": 0, "n_warning": [0, 1, 1]})


def test_c11_warns_from_its_exact_crossing():
    got = warns_from(_margins("C11"))[("depot", "firm", "light")]["C11"]
    assert got == pytest.approx(THRESHOLD_KW, abs=1e-6)
    assert warns_text({"C11": got}).startswith("warns from 382.8 kW (C11")


def test_a_criterion_not_linear_in_export_keeps_the_level_evaluated():
    assert warns_from(_margins("C5"))[("depot", "firm", "light")]["C5"] == 468.75
