"""A finding's export trend follows its worst row's load level (trust29 "noticed": a C12 trend
took each export level's worst margin over light and peak load alike, one story from two).

Flow margins depend on the load level (reverse power through a regulator is worst at light
load); rows that differ only in load level collapse into one evidence row listing them
(``load_levels`` "light, peak", :mod:`protv2g.findings`), so such rows stay in every story.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.findings_trend import export_trend, worst_row_story


def _rows(levels: list[str]) -> pd.DataFrame:
    """REG-1 reverse power (MW, no fault position), worst first: light load at 720 kW and
    360 kW, peak load at 360 kW (−0.30 MW, worse than light's there) and 720 kW."""
    return pd.DataFrame({
        "margin": [-0.314, -0.050, -0.300, -0.200],
        "p_export_kw": [720.0, 360.0, 360.0, 720.0],
        "participation": ["firm"] * 4, "tolerance": [0.0] * 4,
        "device": ["REG-1"] * 4, "other_device": [None] * 4, "fault_bus": [None] * 4,
        "fault_type": [None] * 4, "case": [None] * 4, "attribution": ["new"] * 4,
        "base_margin": [np.nan] * 4, "load_levels": levels})


def test_the_trend_keeps_the_worst_rows_load_level():
    rows = _rows(["light", "light", "peak", "peak"])
    story, _ = worst_row_story(rows)
    assert story["load_levels"].tolist() == ["light", "light"]
    text = export_trend(rows, "MW")
    assert "−0.05 MW at 360 kW" in text and "−0.3 MW" not in text, text
    assert "at the worst margin's light load" in text, text


def test_collapsed_rows_of_both_levels_stay_in_the_story():
    rows = _rows(["light, peak", "light", "peak", "light, peak"])
    story, _ = worst_row_story(rows)
    assert len(story) == 4
    assert "load)" not in export_trend(rows, "MW")  # nothing left out: no level named


def test_without_load_levels_the_story_is_unchanged():
    rows = _rows(["light"] * 4).drop(columns="load_levels")
    assert len(worst_row_story(rows)[0]) == 4
