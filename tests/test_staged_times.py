"""Operate times through the stages of a fault (``protv2g.devices.staged``).

References: hand calculations of ``Σ Δt_k / t_op(I_k) = 1`` written out below; a staged
operate time with the same current in every stage equals the single-stage time (exactly, up to
rounding: 1e-12 relative).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser
from protv2g.devices.staged import staged_device_times, staged_operate_time_s

PROPS = settings(max_examples=50, deadline=None, derandomize=True)
RELAY = OvercurrentRelay(name="R", pickup_a=400.0, curve="IEEE-MI", time_dial=0.6,
                         inst_pickup_a=4000.0, ground_pickup_a=120.0, ground_curve="IEEE-VI",
                         ground_time_dial=2.0)
RECLOSER = Recloser(name="RC", phase_min_trip_a=280.0, fast_curve="101", delayed_curve="133",
                    ground_min_trip_a=100.0)
FUSE = Fuse(name="F", link="65K")


def test_hand_calculation():
    # 0.16 s at a current that takes 2 s (travel 0.08), then 2.84 s left at a 3 s current:
    # 0.16 + 0.92 · 3 = 2.92 s
    t = staged_operate_time_s([2.0, 3.0], [0.0, 0.16], [0.16, np.inf])
    assert float(t) == pytest.approx(0.16 + 0.92 * 3.0)
    # the current falls below pickup after 0.16 s: numerical relay resets, never operates
    assert np.isinf(staged_operate_time_s([2.0, np.inf], [0.0, 0.16], [0.16, np.inf]))
    # a fuse keeps its heat: melts in the next stage where current flows again
    t = staged_operate_time_s([2.0, np.inf, 1.0], [0.0, 0.5, 1.0], [0.5, 1.0, np.inf],
                              reset="hold")
    assert float(t) == pytest.approx(1.0 + 0.75 * 1.0)
    # electromechanical reset: travel 0.25 then 0.5 s at a 1 s full-reset current → 0
    t = staged_operate_time_s([2.0, np.inf, 4.0], [0.0, 0.5, 1.0], [0.5, 1.0, np.inf],
                              reset="electromechanical", t_reset_s=[1.0, 1.0, 1.0])
    assert float(t) == pytest.approx(1.0 + 4.0)


def test_zero_duration_and_instantaneous_stages():
    t = staged_operate_time_s([0.0, 5.0], [0.0, np.inf], [0.0167, np.inf])
    assert float(t) == 0.0
    t = staged_operate_time_s([1.0, 1.0, 2.0], [0.0, np.inf, 0.5], [0.5, np.inf, np.inf])
    assert float(t) == pytest.approx(0.5 + 0.5 * 2.0)
    with pytest.raises(ValueError, match="unknown reset"):
        staged_operate_time_s([1.0], [0.0], [np.inf], reset="slow")


@PROPS
@given(st.floats(0.01, 50.0), st.lists(st.floats(0.001, 5.0), min_size=0, max_size=5),
       st.sampled_from(["instantaneous", "hold"]))
def test_same_current_in_every_stage_is_the_single_stage_time(t_op, gaps, reset):
    bounds = np.concatenate([[0.0], np.cumsum(gaps)])
    starts, ends = bounds, np.concatenate([bounds[1:], [np.inf]])
    t = staged_operate_time_s(np.full(len(starts), t_op), starts, ends, reset=reset)
    assert float(t) == pytest.approx(t_op, rel=1e-12)


@PROPS
@given(st.floats(150.0, 20000.0), st.lists(st.floats(0.005, 3.0), min_size=1, max_size=4))
def test_devices_same_current_equals_single_stage(i_a, gaps):
    bounds = np.concatenate([[0.0], np.cumsum(gaps)])
    starts, ends = bounds[:, None], np.concatenate([bounds[1:], [np.inf]])[:, None]
    ip = np.full((len(bounds), 1), i_a)
    ig = np.full((len(bounds), 1), i_a / 3)
    r = staged_device_times(RELAY, ip, ig, starts, ends)
    assert r["t_op_s"][0] == pytest.approx(float(RELAY.operate_time_s(i_a, i_a / 3)), rel=1e-12)
    rc = staged_device_times(RECLOSER, ip, ig, starts, ends)
    assert rc["t_op_s"][0] == pytest.approx(float(RECLOSER.operate_time_s(i_a, i_a / 3)),
                                            rel=1e-12)
    f = staged_device_times(FUSE, ip, None, starts, ends)
    assert f["t_mm_s"][0] == pytest.approx(float(FUSE.min_melt_time_s(i_a)), rel=1e-12)
    assert f["t_tc_s"][0] == pytest.approx(float(FUSE.total_clear_time_s(i_a)), rel=1e-9)


def test_relay_reverse_current_gone_before_it_operates():
    """A relay that would trip in ~3 s on reverse current it sees only until the chargers trip
    at 0.16 s does not trip (issue #16)."""
    i = np.array([[900.0], [50.0]])  # A: 0.16 s of 900 A, then 50 A (below pickup)
    t = staged_device_times(RELAY, i, None, np.array([[0.0], [0.16]]),
                            np.array([[0.16], [np.inf]]))
    assert np.isfinite(RELAY.operate_time_s(900.0)) and np.isinf(t["t_op_s"][0])
    # the instantaneous element uses the first-cycle current only
    t = staged_device_times(RELAY, np.array([[5000.0], [900.0]]), None,
                            np.array([[0.0], [0.0167]]), np.array([[0.0167], [np.inf]]))
    assert t["t_50_s"][0] == 0.0 and t["t_op_s"][0] == 0.0
