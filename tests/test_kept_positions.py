"""The kept-row rule decided by the fused kernel (``device_rows.kept_positions``, #21): the
same positions as ``device_row_kept`` on the phases NumPy computes, near the threshold too."""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.engine.device_rows import device_row_kept, kept_positions
from protv2g.engine.faults import seq_to_abc


def _reference(x: np.ndarray, min_a: float) -> np.ndarray:
    return np.flatnonzero(device_row_kept(1e3 * seq_to_abc(x), min_a))


def _currents(n: int, dtype: type, seed: int = 0) -> np.ndarray:
    """Sequence currents (kA) over 7 decades, with NaN, ±inf, zero rows and rows whose
    largest phase or ``|3·I0|`` is put at the 1 A threshold (to round-off)."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, 3)) + 1j * rng.standard_normal((n, 3))) * 10.0 ** rng.uniform(
        -6, 1, (n, 1))
    x[::100, 1] = np.nan
    x[1::100, 0] = np.inf
    x[2::100, 2] = complex(1, -np.inf)
    x[3::97] = 0
    with np.errstate(invalid="ignore"):
        x[5::7] *= 1e-3 / np.abs(seq_to_abc(x[5::7])).max(-1, keepdims=True)
        x[6::7] *= 1e-3 / np.abs(3 * x[6::7, :1])
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("min_a", [1.0, 5.0, 0.0, -1.0])
def test_kept_positions_are_the_rule_s(dtype, min_a):
    x = _currents(20_000, dtype).reshape(4, 5_000, 3)
    with np.errstate(invalid="ignore"):
        ref = _reference(x, min_a)
        got = kept_positions(x, min_a)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, ref)
    if min_a == 1.0:  # the threshold rows are there: both kept and dropped ones
        assert 0 < len(ref) < x.shape[0] * x.shape[1]


def test_kept_positions_at_the_threshold_exactly():
    """Phase ``a`` exactly 1 A (kept: ``≥``) and just below (dropped)."""
    below = np.nextafter(1e-3, 0)
    x = np.array([[0, 1e-3, 0], [0, below, 0], [1e-3 / 3, 0, 0], [0, 0, 0]], complex)
    np.testing.assert_array_equal(kept_positions(x), _reference(x, 1.0))
    assert kept_positions(x).tolist() == [0, 2]


def test_kept_positions_empty_and_one_row():
    assert kept_positions(np.zeros((0, 3), complex)).tolist() == []
    assert kept_positions(np.zeros((3, 0, 3), complex)).tolist() == []
    assert kept_positions(np.array([[0, 2e-3, 0]], complex)).tolist() == [0]
    assert kept_positions(np.array([[np.nan, 0, 0]], complex)).tolist() == [0]
    assert kept_positions(np.array([[0, 0, 0]], complex)).tolist() == []


def test_kept_positions_does_not_touch_its_input():
    x = _currents(1_000, np.complex128, seed=3)
    before = x.copy()
    with np.errstate(invalid="ignore"):
        kept_positions(x)
    np.testing.assert_array_equal(x, before)
