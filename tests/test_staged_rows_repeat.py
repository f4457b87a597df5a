"""#21: the staged rows' magnitudes taken from the previous stage where its currents repeat
(:func:`protv2g.engine.device_rows._staged_rows`): values unchanged."""

from types import SimpleNamespace

import numpy as np

from protv2g.engine.device_rows import _rows_changed, _staged_rows
from protv2g.engine.faults import phase_magnitudes


def test_rows_changed_compares_bits():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(50, 3)) + 1j * rng.normal(size=(50, 3))
    b = a.copy()
    b[4, 2] = complex(b[4, 2].real, np.nextafter(b[4, 2].imag, np.inf))
    a[7, 1] = b[7, 1] = complex(np.nan, 0.0)  # the same NaN: equal
    a[9, 0], b[9, 0] = 0.0, complex(-0.0, 0.0)  # 0.0 and -0.0: differ
    b[20, 0] = b[20, 0] * 2
    assert np.flatnonzero(_rows_changed(a, b)).tolist() == [4, 9, 20]


def test_staged_rows_equal_every_stage_computed():
    rng = np.random.default_rng(5)
    n_stage, k, m = 5, 400, 40
    x = np.empty((n_stage, k, 3), np.complex128)
    x[0] = rng.normal(size=(k, 3)) + 1j * rng.normal(size=(k, 3))
    for j in range(1, n_stage):  # a later stage repeats most rows of the one before
        x[j] = x[j - 1]
        at = rng.choice(k, size=k // (2 if j == 1 else 10), replace=False)
        x[j, at] = rng.normal(size=(len(at), 3)) + 1j * rng.normal(size=(len(at), 3))
    x[2, 3] = np.nan
    col = rng.integers(0, m, size=k)
    t = rng.random((n_stage, m))
    sl = SimpleNamespace(stage_t_start_s=t, stage_t_end_s=t + 1)
    got = _staged_rows(sl, x, col)
    want = np.empty((n_stage, k, 4), np.float32)
    phase_magnitudes(x, 1e3, want)
    want[..., 3] = 3e3 * np.abs(x[..., 0])
    assert got[0].tobytes() == want.tobytes()
    np.testing.assert_array_equal(got[1], t.astype(np.float32)[:, col])
    assert _staged_rows(sl, None, col) is None
