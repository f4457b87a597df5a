"""C7's worst row per (scenario, device, case) found on codes (#21): the same rows as the
pandas ``groupby().idxmax()`` it replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.duty import _first_largest

KEYS = ["scenario", "device", "case"]


def _by_groupby(frame: pd.DataFrame, value: np.ndarray) -> np.ndarray:
    return frame[KEYS].assign(_v=value).groupby(KEYS)["_v"].idxmax().to_numpy()


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "scenario": np.array(["base/peak", "expected/peak/50%", "base/light"],
                             dtype=object)[rng.integers(0, 3, n)],
        "device": np.array(["R2", "R10", "F1", "RC"], dtype=object)[rng.integers(0, 4, n)],
        "case": np.array(["max", "min"], dtype=object)[rng.integers(0, 2, n)],
    })
    # few distinct values: ties within groups; signed zeros and infinities among them
    value = np.array([0.0, -0.0, 1.5, 2.5, np.inf, -np.inf, 2.5])[rng.integers(0, 7, n)]
    return frame, value


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("n", [0, 1, 7, 500])
def test_first_largest_is_groupby_idxmax(seed, n):
    frame, value = _frame(n, seed)
    got = _first_largest(frame, KEYS, value)
    np.testing.assert_array_equal(got, _by_groupby(frame, value))


def test_first_largest_with_nan_or_missing_keys_is_the_groupby():
    frame, value = _frame(300, 9)
    value[::7] = np.nan
    np.testing.assert_array_equal(_first_largest(frame, KEYS, value),
                                  _by_groupby(frame, value))
    frame, value = _frame(300, 10)
    frame.loc[::11, "device"] = None
    np.testing.assert_array_equal(_first_largest(frame, KEYS, value),
                                  _by_groupby(frame, value))


def test_first_largest_with_more_key_combinations_than_rows_is_the_groupby():
    frame = pd.DataFrame({"scenario": [f"s{i}" for i in range(60)],
                          "device": [f"d{i % 59}" for i in range(60)],
                          "case": ["max", "min"] * 30})
    value = np.arange(60.0)[::-1]
    np.testing.assert_array_equal(_first_largest(frame, KEYS, value),
                                  _by_groupby(frame, value))
