"""The kept rows' stage magnitudes (``engine/stage_magnitudes.py``): a stage's rows that
repeat the previous stage's currents are copied, the others computed on their own — the
same float32 values, bit for bit, as the magnitudes of the whole array (#21)."""

from types import SimpleNamespace

import numpy as np
import pytest

from protv2g.engine.faults import phase_magnitudes
from protv2g.engine.stage_magnitudes import _changed_rows, staged_rows


def _whole(x: np.ndarray) -> np.ndarray:
    """The magnitudes computed on the whole ``(n_stage, k, 3)`` array at once (as before)."""
    i_a = np.empty(x.shape[:2] + (4,), np.float32)
    phase_magnitudes(x, 1e3, i_a)
    i_a[..., 3] = 3e3 * np.abs(x[..., 0])
    return i_a


def _stages(rng: np.random.Generator, n_stage: int, k: int, p_new: float) -> np.ndarray:
    """Staged currents (kA) whose later stages repeat the previous one except at a fraction
    ``p_new`` of the rows; magnitudes over nine decades, some NaN rows and signed zeros."""
    x = np.empty((n_stage, k, 3), complex)
    scale = 10.0 ** rng.integers(-7, 2, (k, 3))
    x[0] = (rng.standard_normal((k, 3)) + 1j * rng.standard_normal((k, 3))) * scale
    x[0, rng.random(k) < 0.01] = np.nan
    x[0, rng.random(k) < 0.01] = -0.0
    for j in range(1, n_stage):
        x[j] = x[j - 1]
        new = rng.random(k) < p_new
        x[j, new] = (rng.standard_normal((new.sum(), 3))
                     + 1j * rng.standard_normal((new.sum(), 3))) * scale[new]
    return x


@pytest.mark.parametrize("p_new", [0.0, 0.01, 0.3, 0.9, 1.0])
@pytest.mark.parametrize("k", [1, 7, 1000, 4099])
def test_stage_magnitudes_equal_the_whole_arrays_bit_for_bit(p_new, k):
    rng = np.random.default_rng(k + int(100 * p_new))
    x = _stages(rng, 5, k, p_new)
    col = rng.integers(0, 50, k)
    sl = SimpleNamespace(stage_t_start_s=rng.random((5, 50)), stage_t_end_s=rng.random((5, 50)))
    i_a, t0, t1 = staged_rows(sl, x, col)
    want = _whole(x)
    assert i_a.dtype == np.float32 and i_a.shape == want.shape
    assert i_a.tobytes() == want.tobytes()
    np.testing.assert_array_equal(t0, sl.stage_t_start_s.astype(np.float32)[:, col])
    np.testing.assert_array_equal(t1, sl.stage_t_end_s.astype(np.float32)[:, col])


def test_changed_rows_are_the_rows_differing_in_some_bit():
    x = np.zeros((3, 4, 3), complex)
    x[1, 2, 1] = -0.0  # a signed zero differs in its bits
    x[2] = x[1]
    x[2, 3, 0] = np.nan
    assert _changed_rows(x, 0) is None  # the first stage: every row
    np.testing.assert_array_equal(_changed_rows(x, 1), [2])
    np.testing.assert_array_equal(_changed_rows(x, 2), [3])
    x[2, :3, 2] = 1.0  # more than half of the rows differ: every row
    assert _changed_rows(x, 2) is None
    assert _changed_rows(x[:, ::2], 1) is None  # strided: every row


def test_no_stages_no_magnitudes():
    assert staged_rows(SimpleNamespace(), None, np.zeros(0, int)) is None
