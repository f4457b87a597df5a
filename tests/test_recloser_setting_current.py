"""The current that sets a recloser row's staged time, quoted beside the first cycle's, with
the curve it is read on (fix47 item 1, after rev46a #2's relays).

Hand check, from the EPRI DG_Prot_Fdr point table of curve 117 in
``shared/reference/recloser_curves/opendss_recloser_tcc_points.csv`` ((M 2.0, 1.5 s),
(M 2.5, 1.0 s)), log–log interpolation, 0.042 s mechanism time: a ground delayed clearing time
of 1.2 s is the curve's 1.158 s, at M = 2·1.25^(ln(1.158/1.5)/ln(1.0/1.5)) = 2·1.25^0.6382 =
2.3061, i.e. 230.61 A of |3I0| on a 100 A ground minimum trip; the first-cycle 240 A (M 2.4)
gives 1.5·(1.0/1.5)^(ln 1.2/ln 1.25) = 1.077 s + 0.042 s = 1.119 s.
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
from protv2g.checks.operating_element import OperatingElement
from protv2g.checks.relay_setting_current import own_times_s, setting_currents
from protv2g.devices.models import Fuse, Recloser

POINTS = (Path(__file__).resolve().parents[1].parent / "shared" / "reference"
          / "recloser_curves" / "opendss_recloser_tcc_points.csv")
MECH_S, GROUND_A, T_S, I_FIRST_A = 0.042, 100.0, 1.2, 240.0
BASE, V2G = "base/peak", "expected/peak/100%"
RC = Recloser(name="RC", phase_min_trip_a=200.0, fast_curve="101", delayed_curve="117",
              ground_min_trip_a=GROUND_A)
DEVICES = {"RC": RC, "F1": Fuse(name="F1", link="65K")}
G, P = OperatingElement.GROUND, OperatingElement.PHASE


def _hand_current_a(t_s: float) -> float:
    """|3I0| (A) at which curve 117 (+ mechanism time) clears in ``t_s``, from the points."""
    with open(POINTS, newline="", encoding="utf-8") as f:
        pts = [(float(r["M_multiple_of_min_trip"]), float(r["t_s"]))
               for r in csv.DictReader(f) if r["curve"] == "117"]
    t = t_s - MECH_S
    for (m0, t0), (m1, t1) in zip(pts[:-1], pts[1:], strict=True):
        if t1 <= t <= t0:
            frac = math.log(t / t0) / math.log(t1 / t0)
            return GROUND_A * m0 * (m1 / m0) ** frac
    raise AssertionError("time outside curve 117")


def test_hand_value():
    if not POINTS.exists():
        pytest.skip("shared reference data not beside the checkout")
    assert _hand_current_a(T_S) == pytest.approx(230.61, abs=0.01)


def test_recloser_time_read_on_its_curve():
    """A staged delayed time inverts on the delayed curve (not the fast one), a first-cycle
    time gives the first cycle's current, each with its curve named."""
    if not POINTS.exists():
        pytest.skip("shared reference data not beside the checkout")
    t_fast = float(RC.ground_fast_time_s([I_FIRST_A])[0])
    t_del_p = float(RC.delayed_time_s([500.0])[0])
    got = setting_currents(DEVICES, ["RC", "RC", "RC", "RC", "F1"], [G, G, P, G, P],
                           [T_S, t_fast, t_del_p, math.inf, 10.0],
                           [I_FIRST_A, I_FIRST_A, 500.0, I_FIRST_A, 300.0])
    assert got.i_a[0] == pytest.approx(_hand_current_a(T_S), rel=1e-6)
    assert got.curve[0] == "ground delayed curve 117"
    assert got.i_a[1] == I_FIRST_A and got.curve[1] == "ground fast curve 101"
    assert got.i_a[2] == 500.0 and got.curve[2] == "phase delayed curve 117"
    assert np.isnan(got.i_a[3:]).all()  # no time; a fuse (fuse_melt_text's)
    # a time past the curve's range (under the 0.016 + 0.042 s tail) no current gives
    assert np.isnan(setting_currents(DEVICES, ["RC"], [G], [0.05], [I_FIRST_A]).i_a[0])


def test_scaled_rule_times_are_the_devices_own():
    t = own_times_s(np.array([1.8, 1.8, 2.4, 2.4]),
                    np.array(["fuse_saving_k", "fuse_saving_k", "source_side_fuse_factor",
                              "coordination_interval"], dtype=object),
                    np.array([1.5, 1.5, 1.2, 0.3]), np.array([0, 1, 1, 0]))
    assert t.tolist() == pytest.approx([1.2, 1.8, 2.0, 2.4])


def test_a_worse_recloser_row_with_a_staged_time_names_its_current():
    """A C2 backup row whose recloser time (1.2 s) is not its ground delayed curve's at the
    first-cycle |3I0| (240 A gives 1.119 s): the worse row's message says the time is read at
    230.6 A on that curve (the old code quoted the first cycle's only)."""
    if not POINTS.exists():
        pytest.skip("shared reference data not beside the checkout")

    def row(scenario, i_3i0, t_s, m):
        return {"criterion": "C2", "status": "fail", "scenario": scenario, "fault_bus": "b3",
                "fault_type": "SLG-a", "case": "min", "device": "RC", "other_device": "F1",
                "i_device_a": 150.0, "i_other_a": 300.0, "i_device_3i0_a": i_3i0,
                "i_other_3i0_a": 300.0, "element_device": 1, "element_other": 0,
                "t_device_s": t_s, "t_other_s": 1.5, "margin": m, "margin_unit": "s",
                "limit": 0.0, "tolerance": 0.05, "rule": "", "rule_value": np.nan,
                "attribution": "", "message": "F1 clears after RC's delayed shot",
                "mechanism": ""}

    rows = pd.DataFrame([row(BASE, 200.0, 1.542, 0.042), row(V2G, I_FIRST_A, T_S, -0.3)])
    v = attribute(rows, {BASE: BASE, V2G: BASE},
                  explained=lambda v, at, side: np.zeros(len(at), bool),
                  setting=setting_current(SimpleNamespace(devices=DEVICES)))
    assert v.attribution.iloc[1] == "worse"
    msg = str(v.message.iloc[1])
    assert "V2G moves RC's first-cycle |3I0| (its ground element operates) 200 → 240 A" in msg
    hand = _hand_current_a(T_S)
    assert f"its time is read at {hand:.1f} A on its ground delayed curve 117" in msg
    assert f"{hand:.1f}" == "230.6"
    assert "(the constant current at which that curve gives that time)" in msg


def test_a_time_of_the_other_element_is_not_read_on_this_ones_curve():
    """Synthetic 3,000 buses (fix47): RC-1 (phase 280 A / ground 100 A, fast 101 / ground
    fast 104) in an LLG fault, its row naming the ground element's |3I0| 118.1 A; its fast
    shot (0.1815 s there, staged) is its phase curve 101's near 280.75 A (1.003 × 280 A).
    Read on the ground curve 104 it gave ≈ 214 A, a current no stage carries; with the phase
    current given, no current is quoted — first-cycle or staged on the phase curve alike."""
    rc = Recloser(name="RC-1", phase_min_trip_a=280.0, ground_min_trip_a=100.0,
                  fast_curve="101", delayed_curve="133", ground_fast_curve="104",
                  ground_delayed_curve="117")
    devices = {"RC-1": rc}
    t_first = float(rc.fast_time_s([280.75])[0])
    t_staged = float(rc.fast_time_s([285.0])[0])  # the phase curve at a later stage's current
    # curve 101's points (1.0, 0.14 s), (1.5, 0.036 s), log-log, + 0.042 s: 0.1807 s
    hand = 0.14 * (280.75 / 280.0) ** (math.log(0.036 / 0.14) / math.log(1.5)) + MECH_S
    assert t_first == pytest.approx(hand, rel=1e-9)
    alone = setting_currents(devices, ["RC-1"], [G], [t_first], [118.1])
    assert alone.i_a[0] > 200.0  # the old reading: the ground curve inverted
    both = setting_currents(devices, ["RC-1", "RC-1"], [G, G], [t_first, t_staged],
                            [118.1, 118.1], [280.75, 280.75])
    assert np.isnan(both.i_a).all() and both.curve == ["", ""]
    # a ground time stays the ground element's, with the phase current given
    t_g = float(rc.ground_fast_time_s([125.0])[0])
    got = setting_currents(devices, ["RC-1"], [G], [t_g], [118.1], [280.75])
    assert got.i_a[0] == pytest.approx(125.0, rel=1e-6)
    assert got.curve == ["ground fast curve 104"]
