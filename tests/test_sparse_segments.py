"""devices.boundary.sparse_segments: the vectorised form gives the segments the per-segment
loop it replaced gave (#21, session 47), on random point tables with flat, zero, NaN and
sparse segments."""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.devices.boundary import SPARSE_M_RATIO, SPARSE_T_RATIO, sparse_segments


def _loop(m_points, t_points) -> list[tuple[float, float]]:
    """The loop of main at 90c2d8c5, one scalar segment at a time."""
    m, t = np.asarray(m_points, float), np.asarray(t_points, float)
    out = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(len(m) - 1):
            flat = np.isclose(t[k], t[k + 1], rtol=1e-9, atol=0.0)
            if not flat and (t[k] / t[k + 1] > SPARSE_T_RATIO
                             or m[k + 1] / m[k] > SPARSE_M_RATIO):
                out.append((float(m[k]), float(m[k + 1])))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_same_segments_as_the_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 12))
    m = np.cumprod(rng.choice([1.1, 1.5, 3.0, 6.0], n)) if n else np.array([])
    t = np.sort(rng.choice([0.0, 0.01, 0.05, 0.2, 1.0, 5.0, 30.0, np.nan], n))[::-1].copy()
    if n > 2:
        t[1] = t[0] * (1 + 1e-12)  # flat within isclose's tolerance
    got = sparse_segments(m, t)
    assert got == _loop(m, t)
    assert all(type(a) is float and type(b) is float for a, b in got)


def test_docstring_table() -> None:
    assert sparse_segments([1.0, 10.0, 15.0], [14.0, 0.16, 0.09]) == [(1.0, 10.0)]
    assert sparse_segments([2.0], [1.0]) == []
