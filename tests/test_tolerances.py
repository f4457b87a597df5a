"""Timing tolerances derived from the device data (#17)."""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser
from protv2g.devices.tolerances import accuracy, time_band_s, tolerance_s


def test_fuse_band_is_the_published_melting_range():
    f = Fuse(name="F", link="65K")
    lo, hi = time_band_s(f, [159.0, 237.0, 918.0, 1100.0], "mm")
    # at 10 s the range is 159-237 A: MM(159 A) = 10 s, max melt(237 A) = 10 s
    assert lo[0] == pytest.approx(10.0) and hi[1] == pytest.approx(10.0)
    assert lo[2] == pytest.approx(0.1) and hi[3] == pytest.approx(0.1)
    assert (hi > lo).all()
    tol = tolerance_s(f, [500.0], "mm")
    np.testing.assert_allclose(tol, hi_minus_lo := (time_band_s(f, [500.0], "mm")[1]
                                                    - time_band_s(f, [500.0], "mm")[0]))
    assert hi_minus_lo[0] > 0
    # total clearing: the arcing-time bracket 0 ... 1 cycle around the nominal 1/2 cycle
    lo, hi = time_band_s(f, [5000.0], "tc")
    assert hi[0] - lo[0] == pytest.approx(0.0167)
    assert float(tolerance_s(f, [5000.0], "tc")[0]) == pytest.approx(0.0167 - 0.0083)


def test_relay_accuracy_class():
    r = OvercurrentRelay(name="R", pickup_a=100.0, curve="IEEE-VI")
    t = float(r.phase_time_s(1000.0))  # 0.689 s
    lo, hi = time_band_s(r, [1000.0])
    assert hi[0] - t == pytest.approx(0.05 * t) and t - lo[0] == pytest.approx(0.05 * t)
    # small times: the absolute minimum (30 ms numerical, 40 ms electromechanical)
    fast = OvercurrentRelay(name="R", pickup_a=100.0, curve="IEEE-VI", time_dial=0.05)
    assert float(tolerance_s(fast, [3000.0])[0]) == pytest.approx(0.030)
    assert float(tolerance_s(fast, [3000.0], relay_technology="electromechanical")[0]) == \
        pytest.approx(0.040)
    assert np.isnan(tolerance_s(r, [50.0])[0])  # below pickup
    rel, absolute, src = accuracy("numerical_relay")
    assert (rel, absolute) == (0.05, 0.030) and "IEC 60255-151" in src
    with pytest.raises(KeyError, match="known"):
        accuracy("digital")


def test_recloser_accuracy_applies_to_the_control_not_the_mechanism():
    rc = Recloser(name="RC", phase_min_trip_a=200.0, fast_curve="101", delayed_curve="133")
    lo, hi = time_band_s(rc, [400.0], "fast")  # 101 at M = 2: 0.022 s + 0.042 s
    assert hi[0] == pytest.approx(0.022 + 0.010 + 0.042)  # 5 % < 10 ms
    lo, hi = time_band_s(rc, [400.0], "delayed")
    t = float(rc.delayed_time_s(400.0)) - 0.042
    assert hi[0] - lo[0] == pytest.approx(2 * 0.05 * t)
    with pytest.raises(ValueError):
        time_band_s(rc, [400.0], "mm")
