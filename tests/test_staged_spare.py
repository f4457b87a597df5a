"""The low bracket's stage arrays built with spare rows, filled in place by shared_brackets
(#21): the same values as a concatenation, and the spare rows claimed once."""

import numpy as np

from protv2g.engine.bracket_rows import _appended


def _with_spare(x: np.ndarray, k: int) -> np.ndarray:
    base = np.empty((x.shape[0], x.shape[1] + k) + x.shape[2:], x.dtype)
    view = base[:, :x.shape[1]]
    view[...] = x
    return view


def test_appended_in_place_equals_concatenate_and_is_claimed_once():
    rng = np.random.default_rng(0)
    x = rng.random((3, 7, 4)).astype(np.float32)
    y = rng.random((3, 2, 4)).astype(np.float32)
    xs = _with_spare(x, 2)
    out = _appended(xs, y)
    assert out.base is xs.base  # written in place
    np.testing.assert_array_equal(out, np.concatenate([x, y], axis=1))
    assert out.flags.writeable
    # a second call on the same rows must not overwrite the first result's spare rows
    y2 = y + 1
    out2 = _appended(xs, y2)
    assert out2.base is not xs.base
    np.testing.assert_array_equal(out, np.concatenate([x, y], axis=1))
    np.testing.assert_array_equal(out2, np.concatenate([x, y2], axis=1))


def test_appended_copies_without_spare_rows():
    x = np.arange(24, dtype=np.float32).reshape(3, 2, 4)
    y = np.ones((3, 1, 4), np.float32)
    out = _appended(x, y)
    np.testing.assert_array_equal(out, np.concatenate([x, y], axis=1))
    x2 = _with_spare(x, 3)  # room for 3 rows, 1 given: copied
    np.testing.assert_array_equal(_appended(x2, y), np.concatenate([x, y], axis=1))
    assert x2.base.flags.writeable
