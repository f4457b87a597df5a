"""A finding's export trend follows its worst row (review s17 §3.11): the trend and the
"Worst margin" are one row's story — same device, partner, fault position, type and case.

The rows are the homes study's F02 on EPRI's DG_Prot_Fdr (20 × 7.2 kW at lat2; recloser A's
C5 reach, /tmp/trust18 in session 18): the worst margin is a failing SLG-a at b2 (−0.2072 ×
pickup, made worse by V2G), but the trend used to take the smallest margin of *any* row per
export level — a warning at lat2 (A as backup, −0.7542) — and said "does not move with
export" of a finding made worse by V2G.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.findings_trend import TREND_COLUMNS, export_trend, worst_row_story

# worst first, as build_findings orders a finding's rows (status, then margin)
_F02 = pd.DataFrame({
    "margin": [-0.207250, -0.207250, -0.118781, -0.125635, -0.119049,
               -0.780432, -0.780432, -0.754184, -0.192414, -0.082440],
    "p_export_kw": [115.2, 72.0, 0.0, 115.2, 0.0, 115.2, 72.0, 0.0, 115.2, 0.0],
    "participation": ["expected"] * 10,
    "tolerance": [0.064638, 0.064638, 0.069061, 0.068718, 0.069048,
                  0.020978, 0.020978, 0.022291, 0.050379, 0.055878],
    "device": ["a"] * 10, "other_device": [None] * 10,
    "fault_bus": ["b2", "b2", "b2", "b2", "b2", "lat2", "lat2", "lat2", "lat1", "lat1"],
    "fault_type": ["SLG-a", "SLG-a", "SLG-a", "SLG-b", "SLG-b",
                   "SLG-a", "SLG-a", "SLG-a", "SLG-a", "SLG-a"],
    "case": ["min"] * 10,
    "attribution": ["worse", "worse", "pre-existing", "pre-existing", "pre-existing",
                    "worse", "worse", "pre-existing", "worse", "pre-existing"],
    "base_margin": [-0.118781, -0.118781, np.nan, -0.119049, np.nan,
                    -0.754184, -0.754184, np.nan, -0.082440, np.nan],
})
_P = "× pickup"


def test_the_trend_follows_the_worst_row():
    story, where = worst_row_story(_F02)
    assert where == "SLG-a b2 min"
    assert story["fault_bus"].eq("b2").all() and story["fault_type"].eq("SLG-a").all()
    assert len(story) == 3
    trend = export_trend(_F02, _P, tolerance=0.07271)
    # was "does not move with export, within the check's tolerance ±0.07271 × pickup:
    # −0.7542 × pickup at 0 kW; −0.7804 … at 72 kW; −0.7804 … at 115 kW" (the lat2 warning)
    assert trend.startswith("worsens with export: −0.1188 × pickup at 0 kW; "
                            "−0.2072 × pickup at 72 kW; −0.2072 × pickup at 115 kW")
    assert trend.endswith("(kW: all sites' export together; at the worst margin's "
                          "SLG-a b2 min)")
    assert "0.7542" not in trend and "0.7804" not in trend


def test_without_the_key_columns_the_rows_are_one_series_as_before():
    rows = _F02[["margin", "p_export_kw", "participation"]]
    # inside the check's tolerance, but moving by more than the trend's own 1 %: said so,
    # not "does not move" (review rev44a M1)
    assert export_trend(rows, _P, 0.07271).startswith(
        "moves with export by −0.02625 × pickup, inside the check's tolerance ±0.07271 × "
        "pickup: −0.7542 × pickup at 0 kW")


def test_a_still_worst_row_names_the_row_v2g_worsens():
    # the worst row does not move (pre-existing at every level) but V2G worsens another row
    rows = pd.DataFrame({
        "margin": [-0.5, -0.5, -0.5, -0.30, -0.10],
        "p_export_kw": [0.0, 50.0, 100.0, 100.0, 0.0],
        "tolerance": [0.001] * 5, "device": ["r"] * 5, "other_device": ["f"] * 5,
        "fault_bus": ["x", "x", "x", "y", "y"], "fault_type": ["3ph"] * 5,
        "case": ["max"] * 5,
        "attribution": ["pre-existing"] * 3 + ["worse", "pre-existing"],
        "base_margin": [np.nan, -0.5, -0.5, -0.10, np.nan]})
    trend = export_trend(rows, "s")
    assert trend.startswith("does not move with export: −0.5 s at every level")
    assert trend.endswith("; V2G worsens another row of the finding: −0.3 s at 3ph y max "
                          "(−0.1 s without V2G)")
    # that row a charging snapshot (no export level): the charging's, not V2G's (ver38: IEEE
    # 37 F04 "V2G worsens another row: −1.412 % VUF at 740" was the charging/firm row)
    snap = rows.assign(p_export_kw=[0.0, 50.0, 100.0, np.nan, 0.0])
    assert "V2G worsens another row" not in export_trend(snap, "s")


def test_trend_columns_hold_every_column_read():
    assert {"margin", "p_export_kw", "p_charging_kw", "participation", "tolerance",
            "attribution", "base_margin", "device", "other_device", "fault_bus",
            "fault_type", "case", "load_levels", "idle_margin"} == set(TREND_COLUMNS)


def test_an_improving_trend_of_a_worsened_row_says_the_base():
    """Review s19 (ckt24 v4 F01): "made worse by V2G" beside "improves with export: −0.9233 →
    −0.8566" read as a contradiction; the chargers' presence worsens the row (its margin
    without V2G is better), more export less so — the trend now says that."""
    rows = pd.DataFrame({
        "margin": [-0.9233, -0.8900, -0.8566], "p_export_kw": [0.0, 50.0, 100.0],
        "tolerance": [0.01] * 3, "device": ["head"] * 3, "other_device": ["f1"] * 3,
        "fault_bus": ["n1"] * 3, "fault_type": ["SLG-a"] * 3, "case": ["max"] * 3,
        "attribution": ["worse"] * 3, "base_margin": [-0.8000] * 3})
    trend = export_trend(rows, "s")
    assert trend.startswith("improves with export: −0.9233 s at 0 kW; −0.89 s at 50 kW; "
                            "−0.8566 s at 100 kW")
    assert trend.endswith("; −0.8 s without V2G: the chargers' presence worsens it, more "
                          "export less so")
    pre = rows.assign(attribution="pre-existing")
    assert "without V2G" not in export_trend(pre, "s")
    # review rev38a M4 (IEEE 13 F04): the base no better than the export points — the
    # chargers' presence does not worsen it, and the text does not say it does
    flat = rows.assign(margin=[-48.28, -48.0, -47.5], base_margin=-48.29)
    assert "presence worsens" not in export_trend(flat, "%")
    # … with the finding's charging-snapshot row in its story (ver38: −66.4 % while charging)
    # (the real story's snapshot rows carry no export level and no charging figure: NaN both)
    snap = pd.concat([flat.assign(p_charging_kw=np.nan), flat.iloc[:1].assign(
        margin=-66.4, p_export_kw=np.nan, p_charging_kw=np.nan)], ignore_index=True)
    assert "presence worsens" not in export_trend(snap, "%")


def test_an_improving_pre_existing_worst_row_names_the_row_v2g_worsens():
    """Review s25 §3 (ckt24 F29, C5 reach): the finding is "made worse by V2G" (115 of its
    1,923 rows worse), but its worst row is a pre-existing one whose margin improves with
    export, and the trend said only that. It now names the row V2G worsens most."""
    rows = pd.DataFrame({
        "margin": [-0.7674, -0.7600, -0.7500, -0.7524, -0.7144],
        "p_export_kw": [0.0, 50.0, 100.0, 100.0, 0.0],
        "tolerance": [0.001] * 5, "device": ["head"] * 5, "other_device": [None] * 5,
        "fault_bus": ["n300452"] * 3 + ["n284244"] * 2, "fault_type": ["SLG-b"] * 3
        + ["SLG-a"] * 2, "case": ["min"] * 5,
        "attribution": ["pre-existing"] * 3 + ["worse", "pre-existing"],
        "base_margin": [np.nan, -0.7674, -0.7674, -0.7144, np.nan]})
    trend = export_trend(rows, _P)
    assert trend.startswith("improves with export: −0.7674 × pickup at 0 kW")
    assert trend.endswith("; V2G worsens another row of the finding: −0.7524 × pickup at "
                          "SLG-a n284244 min (−0.7144 × pickup without V2G)")

