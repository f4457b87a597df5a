"""A finding's export (or charging) trend starts from its row's twin without V2G (or without
the sites' charging) where no row is at 0 kW (review rev37a F5/F10).

- EPRI ckt24, C8 F-HOMES at the charging peak: the rows −9.423 A at 58 kW and −10.14 A at
  72 kW, the twin without charging −6.62 A (the gate line: "fails by 6.62 A … charging
  lowers the margin by 3.521 A (material: more than the tolerance 0.7617 A)") — the trend
  said "does not move with charging" (hand: 72 kW / 19.92 kV = 3.6 A on the lateral);
- EPRI ckt5 F01, C1 head / f-105409fuse: +2.759 s without V2G, −4.192 / −8.922 / −12.35 s
  at 659 / 1,054 / 1,318 kW — the trend left its base point out.
"""

from __future__ import annotations

import pandas as pd

from protv2g.findings_trend import export_trend


def test_charging_trend_from_its_twin_without_charging():
    rows = pd.DataFrame({"margin": [-10.14, -9.423], "p_charging_kw": [72.0, 58.0],
                         "p_export_kw": [0.0, 0.0], "tolerance": [0.7617, 0.7617],
                         "base_margin": [-6.62, -6.62], "attribution": ["worse", "worse"]})
    trend = export_trend(rows, "A")
    assert trend.startswith("worsens with charging"), trend
    assert "\u22126.62 A without the sites' charging" in trend


def test_export_trend_from_its_twin_without_v2g():
    rows = pd.DataFrame({"margin": [-12.35, -8.922, -4.192],
                         "p_export_kw": [1318.0, 1054.0, 659.0],
                         "base_margin": [2.759, 2.759, 2.759],
                         "attribution": ["new", "new", "new"]})
    trend = export_trend(rows, "s")
    assert trend.startswith("worsens with export"), trend
    assert "2.759 s without V2G" in trend and "at 1,318 kW" in trend
