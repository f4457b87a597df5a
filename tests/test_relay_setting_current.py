"""The current that sets a relay row's staged time, quoted beside the first cycle's (review
rev46a #2, EPRI ckt5 C1: "V2G moves … first-cycle |3I0| 303.3 → 312.5 A" beside a head-relay
time of 39.597 s that its curve gives at the sustained stage's 309.3 A, not at 312.5 A).

Hand check, from the IEEE C37.112 EI constants of
``shared/reference/relay_curves/inverse_time_curve_constants.csv`` (A 28.2, B 0.1217, p 2):
t = TD·(A/(M^p − 1) + B) with TD 2.3 and ground pickup 190 A gives 39.597 s at
M = sqrt(1 + A/(t/TD − B)) = 1.62778, I = 309.28 A.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import attribute
from protv2g.checks.attribution_inputs import setting_current
from protv2g.checks.attribution_share_text import current_text
from protv2g.checks.operating_element import OperatingElement
from protv2g.checks.relay_setting_current import relay_setting_currents_a
from protv2g.devices.models import Fuse, OvercurrentRelay

CONSTANTS = (Path(__file__).resolve().parents[1].parent / "shared" / "reference"
             / "relay_curves" / "inverse_time_curve_constants.csv")
TD, PICKUP_A, T_S = 2.3, 190.0, 39.597
BASE, V2G = "base/peak", "expected/peak/100%"
BASE_OF = {BASE: BASE, V2G: BASE}


def _ei_constants() -> tuple[float, float, float]:
    with open(CONSTANTS, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["family"] == "IEEE C37.112" and row["curve"].startswith("EI"):
                return float(row["A_or_k_s"]), float(row["B_or_c_s"]), float(row["p_or_alpha"])
    raise AssertionError("IEEE EI not in the reference constants")


def _hand_current_a(t_s: float) -> float:
    a, b, p = _ei_constants()
    return PICKUP_A * (1.0 + a / (t_s / TD - b)) ** (1.0 / p)


RELAY = OvercurrentRelay(name="R1", pickup_a=600.0, curve="IEEE-EI", time_dial=TD,
                         ground_pickup_a=PICKUP_A)
FUSE = Fuse(name="F1", link="100K")
DEVICES = {"R1": RELAY, "F1": FUSE}


def test_hand_value():
    if not CONSTANTS.exists():
        pytest.skip("shared reference data not beside the checkout")
    assert _hand_current_a(T_S) == pytest.approx(309.28, abs=0.01)


def test_inversion_gives_the_constant_current_of_the_time():
    if not CONSTANTS.exists():
        pytest.skip("shared reference data not beside the checkout")
    g, p = OperatingElement.GROUND, OperatingElement.PHASE
    t_first = float(RELAY.ground_time_s([312.5])[0])
    i = relay_setting_currents_a(
        DEVICES, ["R1", "R1", "R1", "F1", "X", "R1"], [g, g, g, p, p, p],
        [T_S, t_first, math.inf, 10.0, 10.0, float(RELAY.phase_time_s([900.0])[0])],
        [312.5, 312.5, 312.5, 100.0, 100.0, 900.0])
    assert i[0] == pytest.approx(_hand_current_a(T_S), rel=1e-9)
    assert i[1] == 312.5  # a first-cycle time: the first cycle's current
    assert np.isnan(i[2:5]).all()  # no time; a fuse (fuse_melt_text's); unknown device
    assert i[5] == 900.0  # the phase element read on the phase curve


def test_text_names_the_current_the_time_is_read_at():
    text = current_text("R1", 303.3, 312.5, OperatingElement.GROUND, 309.28)
    assert text.startswith("; V2G moves R1's first-cycle |3I0| (its ground element "
                           "operates) 303.3 → 312.5 A")
    assert "its time is read at 309.3 A, the later charger stages' current" in text
    # within 0.5 %: the first cycle's alone, as before
    assert current_text("R1", 303.3, 312.5, OperatingElement.GROUND, 311.0) == \
        current_text("R1", 303.3, 312.5, OperatingElement.GROUND)


def test_a_worse_relay_row_with_a_staged_time_names_its_current():
    """A C1 row whose R1 time (39.597 s) is not its curve's at the first-cycle |3I0|
    (312.5 A gives 38.32 s): the worse row's message says the time is read at 309.3 A."""
    if not CONSTANTS.exists():
        pytest.skip("shared reference data not beside the checkout")

    def row(scenario, i_3i0, t_s, m):
        return {"criterion": "C1", "status": "fail", "scenario": scenario, "fault_bus": "b3",
                "fault_type": "SLG-a", "case": "min", "device": "R1", "other_device": "F1",
                "i_device_a": 250.0, "i_other_a": 300.0, "i_device_3i0_a": i_3i0,
                "i_other_3i0_a": 300.0, "element_device": 1, "element_other": 0,
                "t_device_s": t_s, "t_other_s": 80.0, "margin": m, "margin_unit": "s",
                "limit": 0.3, "tolerance": 0.5, "rule": "coordination_interval",
                "attribution": "", "message": "R1 trips before F1", "mechanism": ""}

    rows = pd.DataFrame([row(BASE, 250.0, 70.0, -10.0), row(V2G, 312.5, T_S, -40.0)])
    v = attribute(rows, BASE_OF, explained=lambda v, at, side: np.zeros(len(at), bool),
                  setting=setting_current(SimpleNamespace(devices=DEVICES)))
    assert v.attribution.iloc[1] == "worse"
    msg = str(v.message.iloc[1])
    assert "first-cycle |3I0| (its ground element operates) 250 → 312.5 A" in msg
    hand = _hand_current_a(T_S)
    assert f"its time is read at {hand:.1f} A" in msg
    assert f"{hand:.1f}" == "309.3"
