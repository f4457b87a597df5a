"""``recloser_element_text._unsure_one`` (a C2 message's scalar test) equals the array
``_unsure`` it stands in for, row by row (#21, a performance change: nothing reported moves)."""

from types import SimpleNamespace

import numpy as np

from protv2g.checks.recloser_element_text import _unsure, _unsure_one
from protv2g.checks.sensitivity import PICKUP_ACCURACY


def _dev(phase_a: float, ground_a: float) -> SimpleNamespace:
    return SimpleNamespace(settings=SimpleNamespace(phase_min_trip_a=phase_a,
                                                    ground_min_trip_a=ground_a))


def test_scalar_equals_array_on_random_and_edge_rows():
    rng = np.random.default_rng(21)
    times = [0.05, 0.3, 2.0, np.inf, np.nan]
    for phase_a, ground_a in ((200.0, 70.0), (280.0, 100.0), (0.0, 100.0), (200.0, 0.0)):
        dev = _dev(phase_a, ground_a)
        # currents on and around each minimum trip's accuracy band, plus random ones
        edge = [1.0, 1.0 + PICKUP_ACCURACY, 1.0 - PICKUP_ACCURACY, 1.0 + 2 * PICKUP_ACCURACY,
                0.5, 3.0]
        i_a = [m * phase_a for m in edge] + list(rng.uniform(0, 3, 30) * max(phase_a, 1.0))
        i3i0_a = [m * ground_a for m in edge] + list(rng.uniform(0, 3, 30) * max(ground_a, 1.0))
        i_a += [np.nan, 0.0]
        i3i0_a += [0.0, np.nan]
        for ip, ig in zip(i_a, i3i0_a, strict=True):
            for t_p in times:
                for t_g in times:
                    for ground in (True, False):
                        with np.errstate(all="ignore"):
                            want = bool(_unsure(dev, ground, t_p, t_g, ip, ig))
                        assert _unsure_one(dev, ground, t_p, t_g, ip, ig) is want


def test_hand_row():
    # ground element at 1.02 × its 70 A minimum trip (inside ±5 %), phase at 1.5 × 200 A:
    # the faster ground element may not start, the phase one surely operates
    dev = _dev(200.0, 70.0)
    assert _unsure_one(dev, True, 0.4, 0.2, 300.0, 71.4) is True
    assert _unsure_one(dev, True, 0.4, 0.2, 300.0, 140.0) is False  # ground at 2 ×
