"""Review rev50a #3: a hosting limit whose quantity crosses its threshold by less than the
quantity's own accuracy says so, and says where the element is blind without V2G too.

IEEE 123 depot (rev50a, OpenDSS): R-L58's close-in SLG-a, min case — 3I0 118.4 A without V2G,
120.0 A with the depot at ≈ 1.14 MW, against the 51G's 120 A pickup; |V0| 0.0186 pu < 0.02 pu
(|3V0| 0.056 < 0.06) with and without V2G. The tool's row at 1,143.75 kW: the 51G would trip in
91,342 s without directional control (IEEE MI, TD 0.3), |3V0| 0.0555 pu. Inverting the curve by
hand: t = 0.3 (0.0515 / (M^0.02 − 1) + 0.114) = 91,342 s gives M^0.02 − 1 = 1.691e-7,
M − 1 = 8.46e-6: 0.001 A over 120 A (the current held constant that trips it then; the
reviewer's OpenDSS first-cycle 3I0 is 0.02 A over).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from protv2g.devices.relay import OvercurrentRelay
from protv2g.hosting.knife_edge import (
    BASE_OC_COLUMN,
    BASE_POL_COLUMN,
    OVER_PICKUP_COLUMN,
    knife_edge_text,
    with_pickup_excess,
)

MESSAGE = ("R-L58 67N declares none for a SLG-a fault (min case) at r-l58 close-in that is "
           "forward of it with depot exporting 1.14 MW (light load) (|3V0| 0.0555 pu below its "
           "minimum 0.06 pu), in its zone: the relay never trips although its 51G picks up on "
           "121 A (without directional control it would trip in 9.13e+04 s)")
ROW = {"criterion": "C9", "status": "fail", "attribution": "new", "mechanism": "fails to trip",
       "scenario": "hosting/depot/firm/light/1143.75 kW", "fault_bus": "r-l58 close-in",
       "fault_type": "SLG-a", "case": "min", "device": "R-L58",
       "i_device_a": 120.89672764190212, "i_other_a": 120.0, "t_device_s": 91341.95754844365,
       "margin": math.nan, "message": MESSAGE, "directional_element": "67N", "oc_element": "51G",
       "v_polarising_pu": 0.05551, "v_polarising_min_pu": 0.06}


def _relay() -> OvercurrentRelay:
    return OvercurrentRelay(name="R-L58", pickup_a=400, curve="IEEE-MI", time_dial=0.3,
                            ground_pickup_a=120, ground_curve="IEEE-MI", ground_time_dial=0.3)


def test_the_pickup_excess_is_read_back_from_the_trip_time():
    m = 1 + 8.46e-6  # by hand from 91,342 s (module docstring)
    assert 0.3 * (0.0515 / (m ** 0.02 - 1) + 0.114) == pytest.approx(91342, rel=0.01)
    # the base case's rows of that fault: its 67P-a (phase-polarised) first, then its 67N
    directional = pd.DataFrame({"scenario": ["base/light"] * 2, "device": ["R-L58"] * 2,
                                "element": ["67P", "67N"], "phase": ["a", ""],
                                "fault_bus_name": ["r-l58 close-in"] * 2,
                                "fault_type": ["SLG-a"] * 2, "case": ["min"] * 2,
                                "v_polarising_pu": [1.734, 0.0558],
                                "oc_current_a": [130.2, 118.4]})
    got = with_pickup_excess(pd.DataFrame([ROW]), {"R-L58": _relay()}, directional,
                             {ROW["scenario"]: "base/light"}).iloc[0]
    assert got[OVER_PICKUP_COLUMN] == pytest.approx(120.0 * 8.46e-6, rel=0.02)
    assert got[BASE_POL_COLUMN] == pytest.approx(0.0558)
    assert got[BASE_OC_COLUMN] == pytest.approx(118.4)


def test_the_limit_says_it_is_a_knife_edge_and_blind_without_v2g():
    text = knife_edge_text(dict(ROW, over_pickup_a=0.0203, base_pol_pu=0.0558,
                                base_oc_a=118.4), 1143.75)
    assert text.startswith("a knife edge: at 1,144 kW its 51G picks up on 0.02 A over its "
                           "120 A pickup")
    assert "inside the ±5 % pickup accuracy" in text
    assert "blind without V2G too (|3V0| 0.0558 pu without V2G, 0.0555 pu with" in text
    assert "there its 51G reads 118.4 A against its 120 A pickup" in text


def test_a_polarising_voltage_just_under_its_minimum_is_said():
    """The homes (rev50a): |V0| 0.0197 pu against 0.02 (|3V0| 0.0591 against 0.06)."""
    text = knife_edge_text(dict(ROW, message=MESSAGE.replace("0.0555", "0.0591"),
                                v_polarising_pu=0.05912, over_pickup_a=6.0), 6.2125)
    assert "blinded by |3V0| 0.0591 pu, 0.0009 pu below its 0.06 pu minimum" in text
    assert "over its 120 A pickup" not in text  # 6 A over 120 A: outside ±5 %


def test_any_margin_inside_its_tolerance_both_ways():
    row = {"criterion": "C5", "margin": -0.01, "base_margin": 0.02, "tolerance": 0.072,
           "margin_unit": "pu"}
    assert "its margin goes from +0.02 without V2G to -0.01 pu at 50 kW" in knife_edge_text(
        row, 50.0)
    assert knife_edge_text(dict(row, margin=-0.2), 50.0) == ""
    assert knife_edge_text(dict(row, criterion="C12"), 50.0) == ""
