"""A C12 under-voltage finding of the sites' charging has its trend with charging, as C8's
charging peak has (review ver39b: the depot's Summary §3b had F02's "worsens with charging:
… −216.8 A at 7,800 kW" and an empty "with export" cell for F05, 0.921 pu at F1-LAT2-B2
while charging: its rows carried no ``p_charging_kw``).

References (nothing computed by protv2g): the charging by hand — depot 48 × 125 kW =
6,000 kW, campus 36 × 50 kW = 1,800 kW (firm participation, 0.9 × 40 chargers), 7,800 kW
together at the charging snapshot; the voltage from pandapower's own load flow of the depot's
feeder at peak load with those 6 + 1.8 MW added as loads at F1-B02 / F1-B05 (ver39b: 0.9207
pu; 0.9595 pu without them).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from tests.conftest import FEEDERS_DIR


def _under_voltage(depot_result):
    from protv2g.report.derived import result_findings

    got = result_findings(depot_result)
    f = got.findings
    (fid,) = f.loc[f["mechanism"].astype(str).str.contains("under-voltage"), "finding"]
    return f.set_index("finding").loc[fid], got.evidence[got.evidence["finding"] == fid]


def test_the_charging_snapshot_rows_carry_all_sites_charging(depot_result):
    row, ev = _under_voltage(depot_result)
    assert row["attribution"] == "caused by charging"
    kw = dict(zip(ev["scenario"].astype(str), ev["p_charging_kw"].astype(float), strict=True))
    assert kw["charging/firm"] == pytest.approx(6000.0 + 1800.0)


def test_its_trend_is_with_charging_and_its_worst_point_is_pandapowers(depot_result):
    pp = pytest.importorskip("pandapower")
    row, _ev = _under_voltage(depot_result)
    trend = str(row["export_trend"])
    # before: "" (no kW on the rows), the Summary's §3b cell empty
    assert trend.startswith("worsens with charging: "), trend
    assert "without the sites' charging" in trend and "at 7,800 kW" in trend
    assert trend.count("at 6,000 kW") <= 1  # one point per kW level

    base = pp.from_json(str(FEEDERS_DIR / "depot_two_feeder" / "feeder.json"))
    bus = {n: i for i, n in base.bus.name.items()}

    def v_pu(loads_mw):
        net = copy.deepcopy(base)
        net.load.scaling = 1.0  # peak load
        for b, mw in loads_mw:
            pp.create_load(net, bus[b], p_mw=mw)
        pp.runpp(net)
        return float(net.res_bus.vm_pu[bus["F1-LAT2-B2"]])

    charging = v_pu([("F1-B02", 6.0), ("F1-B05", 1.8)])
    without = v_pu([])
    assert np.isclose(charging, 0.9207, atol=1e-4) and np.isclose(without, 0.9595, atol=1e-4)
    assert np.isclose(float(row["worst_margin"]), charging - 0.95, atol=5e-4)
    assert f"{charging - 0.95:.3f}".replace("-", "\u2212") in trend.split("at 7,800 kW")[0]


def test_a_charging_trends_zero_point_reads_without_the_sites_charging():
    """One wording for a charging trend's first point (review ver40 M-d): IEEE 37 F12 read
    "−0.005762 pu at 0 kW" (a row at 0 kW of charging) where the depot's F05 read "… without
    the sites' charging" (the base twin). The margins are IEEE 37's bus 740 against 0.95 pu,
    OpenDSS's lowest line-to-line voltage there (uv40's ref37.py: 0.9442 pu at peak without the
    sites' charging, 0.9010 pu with campus 640 kW + homes 138.24 kW charging)."""
    import pandas as pd

    from protv2g.findings_trend import export_trend

    rows = pd.DataFrame({"margin": [0.9010 - 0.95, 0.9442 - 0.95],
                         "p_charging_kw": [640 + 138.24, 0.0],
                         "p_export_kw": [np.nan, np.nan], "attribution": ["worse", ""]})
    text = export_trend(rows, "pu")
    assert text.startswith("worsens with charging: −0.0058 pu without the sites' charging; "
                           "−0.049 pu at 778 kW"), text
    assert "at 0 kW" not in text  # before: "−0.0058 pu at 0 kW"


def test_its_rows_say_their_load_level_and_the_trend_keeps_to_one(depot_result):
    """Review rev43c M2: F05's trend read "−0.00103 pu at 4,750 kW; −0.01798 pu at 6,000 kW;
    −0.02929 pu at 7,800 kW" — 4,750 kW the day's 20:00 step (91.6 % of peak load) beside the
    charging snapshots at 100 % (pandapower, the depot at peak with 4,750 kW charging split as
    the sites' 6.0 : 1.8 MW: 0.9371 pu, −0.0129, not −0.00103), the day/firm row at 6,000 kW
    (−0.00515) left out — and its "Load levels" cell and the day rows' Time (h) / Load
    fraction were empty though the flow's bus table has time_h 20.0 there (C8's rows had
    them)."""
    row, ev = _under_voltage(depot_result)
    day = ev["scenario"].astype(str).str.startswith("day/").to_numpy()
    assert day.any() and (~day).any()
    assert np.allclose(ev["time_h"].to_numpy(float)[day], 20.0)  # before: NaN
    assert np.allclose(ev["load_fraction"].to_numpy(float)[~day], 1.0)
    assert (ev["load_levels"].astype(str).str.len() > 0).all()  # before: "" on every row
    assert "charging snapshot (100 % of peak load)" in str(row["load_levels"])
    assert "day 20:00" in str(row["load_levels"])
    trend = str(row["export_trend"])
    # one load level, the worst row's: no day point among the snapshot's, which it names
    assert "4,750 kW" not in trend and "charging snapshot (100 % of peak load)" in trend, trend
