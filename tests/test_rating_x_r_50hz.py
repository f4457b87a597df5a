"""C7's default rating X/R follows the feeder's frequency (review rev51 #7a).

The standard dc time constant of a breaker's rated breaking current is 45 ms (IEEE C37.04,
IEC 62271-100 §4.101.2), so the X/R up to which a symmetrical rating holds is 2π·f·0.045:
16.96 → IEEE's 17 at 60 Hz, 14.14 at 50 Hz (hand). A 50 Hz study was rated on 17.
"""

from __future__ import annotations

import math

import pytest

from protv2g.engine.asymmetry import asym_rms_factor, rating_x_r_default
from protv2g.study_draft.ratings import duty_factor


@pytest.mark.parametrize(("f_hz", "x_r"), [(60.0, 17.0), (50.0, 14.1)])
def test_default_is_the_45_ms_time_constant(f_hz: float, x_r: float) -> None:
    assert rating_x_r_default(f_hz) == pytest.approx(x_r, abs=1e-9)
    # hand: 2π f τ, τ = 45 ms
    assert rating_x_r_default(f_hz) == pytest.approx(2 * math.pi * f_hz * 0.045, abs=0.05)


def test_duty_factor_at_50_hz_reads_14_1() -> None:
    # a fault at X/R 16 at 50 Hz: above the 50 Hz rating X/R (14.1), so the symmetrical
    # rating is raised by the ratio of the asymmetry factors at half a cycle (IEEE
    # C37.010 §5.3); on the 60 Hz 17 it was not raised at all
    t_s = 0.5 / 50.0
    want = float(asym_rms_factor(16.0, t_s, 50.0) / asym_rms_factor(14.1, t_s, 50.0))
    assert want > 1.0
    assert duty_factor(16.0, "sym", 50.0) == pytest.approx(want, rel=1e-12)
    assert duty_factor(16.0, "sym", 60.0) == pytest.approx(1.0, abs=1e-12)
    # hand: S(X/R, t) = sqrt(1 + 2·exp(−4π f t / (X/R))) at t = half a cycle
    s = [math.sqrt(1 + 2 * math.exp(-4 * math.pi * 50 * t_s / xr)) for xr in (16.0, 14.1)]
    assert want == pytest.approx(s[0] / s[1], rel=1e-9)
