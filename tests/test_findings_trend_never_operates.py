"""A trend whose margin is −∞ (the device never operates) at every export level: it does not
move, at every level from the lowest to the highest — not "one export level per
participation case only … −∞ at 0 kW" for rows at 264 and 529 kW (review rev43c M4: IEEE 123
with RC-67 and FU-68, F19 "not seen by recloser", SLG-a at 68: RC-67 carries 117 A without
V2G and 104 A with it, below its 200 A ground minimum trip, so it never operates — in the
base case and at every export level alike)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.findings_trend import export_trend


def _rows(margins: list[float]) -> pd.DataFrame:
    # the F19 rows at SLG-a 68 min: base (0 kW, in both cases) and each case's 50 % / 100 %
    return pd.DataFrame({
        "margin": margins,
        "p_export_kw": [528.8, 423.04, 264.4, 264.4, 0.0],
        "participation": ["firm", "expected", "expected", "firm", "expected"],
        "attribution": ["pre-existing"] * 5})


def test_never_operating_at_every_level_does_not_move():
    text = export_trend(_rows([-np.inf] * 5), "s")
    assert text.startswith("does not move with export"), text
    assert "at every level from 0 to 529 kW" in text, text
    assert "at 0 kW;" not in text and "one export level" not in text, text


def test_operating_at_one_level_only_still_moves():
    # finite at 0 kW, never operating with export: a change (worse), as before
    text = export_trend(_rows([-np.inf, -np.inf, -np.inf, -np.inf, 0.2]), "s")
    assert text.startswith("worsens with export"), text
