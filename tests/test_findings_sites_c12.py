"""C12's site drivers read as C12 reads its rows (:mod:`protv2g.findings_sites_c12`, review
rev50b #1): the bracket over the regulators' band, the export at the limit, branch labels.

The figures are EPRI ckt24's (rev50b: the homes' 5 × 7.2 kW on the 240 V secondary
g2102ff3700_n284394_sec_1, firm/light/100 %, LoadMult 0.209), from the run's flow and checked
with opendssdirect on the study's copy of the model (base solved first, then the sites as
Generators model=1 pf=1): every site idle 1.041786 pu, all sites 1.054259 pu, homes alone
(36 kW) 1.060318 pu, depot and campus without the homes 1.035621 pu — subxfmr's taps
0.9875 → 0.98125 with the depot's and campus's export, unmoved with the homes alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.findings_sites_c12 import _loadings, _voltages, limit_kw
from protv2g.flow.tap_band import BOTTOM_HIGH_COLUMN, TOP_HIGH_COLUMN

BUS = "g2102ff3700_n284394_sec_1"


def _bus_table() -> pd.DataFrame:
    """The run's bus rows of the bus (one phase, a), the base case and three columns: the
    base case's taps, the top and the bottom of the band (ckt24's flow)."""
    rows = [  # scenario, own taps, top, bottom
        ("base/light", 1.041786, 1.041786, 1.021641),
        ("cf0", 1.054258, 1.054258, 1.041013),  # every site
        ("cf1", 1.060318, 1.060318, 1.040474),  # homes alone (bottom: a rise of 0.018833)
        ("cf2", 1.035618, 1.035618, 1.022123),  # homes removed
    ]
    return pd.DataFrame({
        "scenario": [r[0] for r in rows], "step": 0, "bus": 6054, "bus_name": BUS,
        "vm_pu": [r[1] for r in rows], "vm_a_pu": [r[1] for r in rows],
        "vm_b_pu": np.nan, "vm_c_pu": np.nan,
        TOP_HIGH_COLUMN: [r[2] for r in rows], BOTTOM_HIGH_COLUMN: [r[3] for r in rows]})


def test_over_voltage_columns_judged_as_the_row():
    """The row (F29) is judged at the base case's 1.041786 pu plus the largest of the three
    rises — from the bottom of the band, 1.041013 − 1.021641 = 0.019372 pu: 1.061158 pu
    (margin −0.011158 pu, the run's). Each counterfactual is judged the same way against the
    same base case, and its own-taps voltage (the flow's) is kept beside it."""
    keys = ["cf0", "cf1", "cf2"]
    judged, own = _voltages("over", BUS, _bus_table(), keys, dict.fromkeys(keys,
                                                                           "base/light"))
    assert own == pytest.approx([1.054258, 1.060318, 1.035618], abs=1e-9)
    # every site: from the bottom of the band; homes alone: its own taps' rise 0.018532 is
    # below the bottom's 0.018833; homes removed: the bottom's +0.000482 over the taps' −0.006
    assert judged == pytest.approx([1.061158, 1.041786 + 0.018833, 1.041786 + 0.000482],
                                   abs=1e-9)


def test_under_voltage_reads_the_lowest_phase():
    """An under-voltage column reads the lowest service voltage (the phases the bus has)."""
    t = pd.DataFrame({"scenario": ["cf0", "cf1"], "step": 0, "bus": 3, "bus_name": "LAT2-B2",
                      "vm_pu": [0.95, 0.96], "vm_a_pu": [0.9334, 0.9444],
                      "vm_b_pu": [0.946, 0.95], "vm_c_pu": [0.969, 0.97]})
    judged, own = _voltages("under", "LAT2-B2", t, ["cf0", "cf1"], {})
    assert judged == pytest.approx([0.9334, 0.9444])
    assert own == pytest.approx([0.9334, 0.9444])


def test_limit_kw_is_linear_from_every_site_idle():
    """Homes alone from the base case's taps: 1.041786 pu idle, 1.060318 pu at 36 kW →
    1.05 pu at 36 × 0.008214 / 0.018532 = 15.96 kW (OpenDSS: 1.049603 pu at 15 kW,
    1.050118 pu at 16 kW → 15.77 kW). No figure where the margin does not fall with the
    export or the idle case already fails."""
    assert limit_kw(36.0, 1.05 - 1.041786, 1.05 - 1.060318) == pytest.approx(15.957, abs=1e-3)
    assert np.isnan(limit_kw(36.0, 0.01, 0.02))
    assert np.isnan(limit_kw(36.0, -0.001, -0.01))


def test_loading_label_of_an_unnamed_branch():
    """A branch without a name is labelled "<element> <index>", as C12's rows name it."""
    t = pd.DataFrame({"scenario": ["cf0", "cf0", "cf1"], "element": ["line", "trafo", "line"],
                      "element_index": [4, 0, 4], "name": [None, "T1", None],
                      "loading_percent": [101.5, 80.0, 35.1]})
    assert _loadings("line 4", t, ["cf0", "cf1"]) == pytest.approx([101.5, 35.1])
    assert _loadings("T1", t, ["cf0", "cf1"])[0] == pytest.approx(80.0)
