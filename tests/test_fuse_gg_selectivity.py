"""C3 between two IEC 60269 gG links by I²t, C8's load limit and C5's pickup of a gG link.

Hand figures from the gate table as written in relay_library/fuse_gg.yaml (the 0.01-s nodes
are √(I²t / 0.01 s); I²t at 0.01 s = node² × 0.01 s):

========  ==================  ==================  ==============  ==============
link      I²t min (0.01 s)    I²t max (0.01 s)    Imin(0.1 s)     Imax(0.1 s)
========  ==================  ==================  ==============  ==============
63gG      948.7² × 0.01       1643.2² × 0.01      450 A           820 A
100gG     1643.2² × 0.01      2932.6² × 0.01      820 A           1450 A
125gG     2144.8² × 0.01      3741.7² × 0.01      1100 A          1910 A
160gG     2932.6² × 0.01      5000² × 0.01        1450 A          2590 A
========  ==================  ==================  ==============  ==============

The rule (protv2g.checks.fuse_gg_i2t): at a current ≥ the protecting link's Imax(0.1 s),
ratio = min(I²t_min,backup / I²t_max,primary, (Imin,backup(0.1 s) / Imax,primary(0.1 s))²),
selective at ratio ≥ 1; below it the 75 % rule on the gate bands.
"""

from __future__ import annotations

import pandas as pd
import pytest

from protv2g.checks import run_checks
from protv2g.checks.fuse_gg_i2t import I2T_RULE, gg_i2t, pair_ratio
from protv2g.checks.fuse_gg_limits import gg_load_limit_a, gg_reach_pickup_a
from protv2g.devices.models import Fuse
from tests.test_checks_common import BASE, BUS, make_study, rows, scenarios
from tests.test_checks_common import with_devices as _with


def _ratio(small: str, big: str) -> float:
    return pair_ratio(gg_i2t(Fuse(name="p", link=small)), gg_i2t(Fuse(name="b", link=big)))


def test_i2t_ratio_of_gg_pairs_by_hand():
    # 100gG under 160gG (1.6): 0.01 s: 2932.6²/2932.6² = 1; 0.1 s: (1450/1450)² = 1 -> 1.00
    assert _ratio("100gG", "160gG") == pytest.approx(1.0, abs=1e-9)
    # 100gG under 125gG (1.25): 0.01 s: (2144.8/2932.6)² = 0.731365² = 0.534894;
    # 0.1 s: (1100/1450)² = 0.575505 -> 0.534894 < 1: not selective
    assert _ratio("100gG", "125gG") == pytest.approx((2144.8 / 2932.6) ** 2, rel=1e-9)
    assert _ratio("100gG", "125gG") == pytest.approx(0.534894, abs=1e-6)
    # 63gG under 100gG (1.59): 0.01 s: 1643.2²/1643.2² = 1; 0.1 s: (820/820)² = 1 -> 1.00
    assert _ratio("63gG", "100gG") == pytest.approx(1.0, abs=1e-9)
    p = gg_i2t(Fuse(name="p", link="100gG"))
    assert (p.i2t_max_a2s, p.i2t_min_a2s) == pytest.approx((2932.6 ** 2 * 0.01,
                                                            1643.2 ** 2 * 0.01))
    assert (p.imin_01_a, p.imax_01_a) == pytest.approx((820.0, 1450.0))
    assert gg_i2t(Fuse(name="k", link="65K")) is None


@pytest.fixture(scope="module")
def gg(tmp_path_factory):
    """The hand feeder with F (upstream, L4) 160gG and F2 (downstream, L6) 100gG."""
    study = make_study(tmp_path_factory.mktemp("gg"))
    return _with(study, F={"link": "160gG"}, F2={"link": "100gG"})


def _c3(study, i_a: float):
    t = rows((BASE, "F2", "B5", "3ph", "max", i_a), (BASE, "F", "B5", "3ph", "max", i_a))
    v, coord = run_checks(study, t, None, scenarios())
    c3 = v[(v.criterion == "C3") & v.status.isin(["fail", "warn"])]
    return c3, coord[coord.criterion == "C3"]


def test_100gg_under_160gg_is_selective_by_i2t(gg):
    """5 kA ≥ 100gG's Imax(0.1 s) 1,450 A: the I²t rule, ratio 1.00, passes (the old curve
    rule failed it: 0.75 × MM(160gG) − TC(100gG) = −0.011 s)."""
    c3, coord = _c3(gg, 5000.0)
    assert c3.empty
    row = coord.iloc[0]
    assert row.rule == I2T_RULE and bool(row.ok)
    assert row.i2t_ratio == pytest.approx(1.0, abs=1e-9)
    assert pd.isna(row.margin_s)
    # 1.6 kA is above the 1,450 A gate (IEC 60269-1 Table 3; the library had 1,650 A until
    # review rev38b W1): the I²t rule passes it too
    c3, coord = _c3(gg, 1600.0)
    assert c3.empty and coord.iloc[0].rule == I2T_RULE
    # below 1,450 A the time gates decide: 1.4 kA keeps the 75 % rule on the bands:
    # MM(160gG) log-log (460 A, 10 s)-(1450 A, 0.1 s): 10 × (1400/460)^(ln 0.01/ln(1450/460))
    # = 0.115114 s; TC(100gG) (580 A, 5 s)-(1450 A, 0.1 s): 5 × (1400/580)^(ln 0.02 /
    # ln 2.5) + 0.010 = 0.126162 s; 0.75 × 0.115114 − 0.126162 = −0.039827 s
    c3, coord = _c3(gg, 1400.0)
    assert coord.iloc[0].rule != I2T_RULE
    assert c3.iloc[0].margin == pytest.approx(-0.039827, abs=5e-4)
    assert "at a current below F2's Imax(0.1 s) gate" in c3.iloc[0].message


def test_100gg_under_125gg_fails_by_i2t(gg):
    """Ratio 1.25: 125gG's I²t min 46,000 A²s < 100gG's max 86,000 A²s (0.01 s) -> I²t ratio
    0.5349, margin −0.4651 (fraction)."""
    c3, coord = _c3(_with(gg, F={"link": "125gG"}), 5000.0)
    row = c3.iloc[0]
    assert (row.status, row.rule, row.margin_unit) == ("fail", I2T_RULE, "fraction")
    assert row.margin == pytest.approx((2144.8 / 2932.6) ** 2 - 1.0, rel=1e-9)
    assert row.limit == pytest.approx(0.0)
    assert "F's minimum pre-arcing I²t 46,000 A²s < F2's maximum 86,000 A²s" in row.message
    assert "I²t ratio 0.53 < 1" in row.message and "rating ratio 1.25" in row.message
    assert coord.iloc[0].i2t_ratio == pytest.approx(0.534894, abs=1e-6)


def test_a_gg_above_a_k_link_keeps_the_curve_rule(gg):
    c3, coord = _c3(_with(gg, F2={"link": "40K"}), 5000.0)
    assert (coord.rule != I2T_RULE).all() and coord.i2t_ratio.isna().all()


# ---------------------------------------------------------------- C8 / C5 of a gG link
def test_gg_load_limit_and_reach_pickup_by_hand():
    f = Fuse(name="F", link="100gG")
    # IEC 60269-1: In carried continuously; C5 reads the current melting it within 5 s
    # (IEC 60364-4-41 §411.3.2.3), the Table 3 gate Imax(5 s): 580 A for 100 A, 1,650 A for 250 A
    assert gg_load_limit_a(f) == pytest.approx(100.0)
    assert gg_reach_pickup_a(f) == pytest.approx(580.0)
    assert gg_reach_pickup_a(Fuse(name="H", link="250gG")) == pytest.approx(1650.0)
    assert float(f.max_melt_time_s([580.0])[0]) == pytest.approx(5.0, rel=1e-9)
    assert gg_load_limit_a(Fuse(name="K", link="40K")) is None


def _flow(i_f2_a: float):
    dev = pd.DataFrame({"scenario": BASE, "step": 0, "device": ["R1", "R2", "R3", "RC", "F",
                                                                  "F2"],
                        "i_a": [100.0, 100, 50, 50, 20, i_f2_a], "p_mw": 1.0,
                        "q_mvar": 0.1, "direction": "forward"})
    bus = pd.DataFrame({"scenario": BASE, "step": 0, "bus": list(BUS.values()), "vm_pu": 1.0})
    br = pd.DataFrame({"scenario": BASE, "step": 0, "element": "line", "element_index": [0, 1],
                       "loading_percent": [40.0, 30.0]})
    return {"device": dev, "bus": bus, "branch": br}


def _c8(study, i_f2_a: float) -> pd.DataFrame:
    t = rows((BASE, "F2", "B5", "3ph", "max", 1000.0))
    v, _ = run_checks(study, t, _flow(i_f2_a), scenarios())
    return v[(v.criterion == "C8") & (v.status == "fail") & (v.device == "F2")]


def test_c8_a_gg_link_carries_its_rated_current(gg):
    """100gG: limit In = 100 A (was 1.25 In / 1.5 = 83.3 A): 90 A passes, 110 A fails."""
    assert _c8(gg, 90.0).empty
    row = _c8(gg, 110.0).iloc[0]
    assert row.limit == pytest.approx(100.0) and row.margin == pytest.approx(-10.0)
    assert "rated current of 100gG = 100 A" in row.message


def _c5(study, i_a: float) -> pd.DataFrame:
    t = rows((BASE, "F2", "B5", "3ph", "min", i_a))
    v, _ = run_checks(study, t, None, scenarios())
    return v[(v.criterion == "C5") & (v.device == "F2") & v.status.isin(["fail", "warn"])]


def test_c5_reads_a_gg_links_5s_melting_current(gg):
    """100gG: pickup Imax(5 s) = 580 A, factor 1 (IEC 60364-4-41: Zs × Ia ≤ U0): 500 A =
    0.862 × 580 A fails (it passed before: 500 / If 160 A = 3.1 ≥ 1.5 — review rev38b W2, a
    250gG 'reached' 888 A, where it may take 144 s); 600 A = 1.034 × 580 A passes."""
    row = _c5(gg, 500.0).iloc[0]
    assert row.margin == pytest.approx(500.0 / 580.0 - 1.0, abs=1e-9)
    assert row.limit == pytest.approx(1.0)
    assert ("0.86 × its 5-s melting current 580 A (IEC 60269-1 gate Imax(5 s)) < 1: not sure "
            "to disconnect within 5 s (IEC 60364-4-41 §411.3.2.3)") in row.message
    assert row.message.count("5-s melting current") == 1
    assert _c5(gg, 600.0).empty


def test_c8_base_margin_of_a_gg_link_is_against_its_rated_current():
    """The attribution's base margin (checks.load_margins) uses the same limit as the row:
    100gG carrying 90 A in the base: 100 − 90 = 10 A (was 125 / 1.5 − 90 = −6.7 A)."""
    from types import SimpleNamespace

    from protv2g.checks import load_margins as lm

    flow = pd.DataFrame({"scenario": ["base/light"], "device": ["F1"], "step": [0],
                         "i_a": [90.0]})
    ctx = SimpleNamespace(flow={"device": flow}, base_of={"v2g/light": "base/light"},
                          devices={"F1": Fuse(name="F1", link="100gG")},
                          thresholds=SimpleNamespace(load_pickup_factor=1.5))
    assert lm.load_margins(ctx).margin.tolist() == pytest.approx([10.0])


def test_the_report_says_an_i2t_row_is_not_a_time():
    """Pair coordination's margin formula and the Coordination sheet's column for an I²t row
    (the LV study's F-SVC 63gG → F-END 100gG: interval and margin blank, ratio 1.00)."""
    from protv2g.report.derived import margin_formula
    from protv2g.report.format import header_label
    from protv2g.report.sheets import DATA_SHEETS

    assert margin_formula(I2T_RULE, 1.0).startswith("not a time: IEC 60269 gG I²t rule")
    assert header_label("i2t_ratio").startswith("I²t ratio")
    coord = next(s for s in DATA_SHEETS if s.title == "Coordination")
    assert "i2t_ratio" in coord.columns
