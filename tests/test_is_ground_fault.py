"""``is_ground_fault`` (protv2g.checks.fuse_saving_range) per distinct value.

Reference: the pandas expression the function stood for before #21,
``pd.Series(x).astype(str).str.startswith(("SLG", "LLG"))`` — the fault types of IEC 60909-0
§1.3 / IEEE Std 551 (single line to ground, double line to ground) are the ground faults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.fuse_saving_range import GROUND_FAULT_PREFIXES, is_ground_fault

_TYPES = ["3ph", "LL", "SLG_a", "SLG_b", "LLG", "SLG", "slg_a", None, np.nan, "", 7.0]


def _reference(x: object) -> np.ndarray:
    return pd.Series(x).astype(str).str.startswith(GROUND_FAULT_PREFIXES).to_numpy()


@pytest.mark.parametrize("n", [1, 5, 64, 65, 5000])
def test_object_arrays_equal_the_pandas_expression(n: int) -> None:
    rng = np.random.default_rng(n)
    values = np.array([_TYPES[k] for k in rng.integers(0, len(_TYPES), n)], dtype=object)
    got = is_ground_fault(values)
    assert got.dtype == bool and got.shape == (n,)
    assert np.array_equal(got, _reference(values))
    assert np.array_equal(is_ground_fault(list(values)), _reference(list(values)))


def test_categorical_series_and_missing_values() -> None:
    s = pd.Series(pd.Categorical(["3ph", "SLG_a", None, "LLG", "LL"] * 30))
    assert np.array_equal(is_ground_fault(s), _reference(s))
    assert np.array_equal(is_ground_fault(s.to_numpy()), _reference(s))
    assert is_ground_fault(s).tolist()[:5] == [False, True, False, True, False]


def test_one_value_and_empty() -> None:
    assert is_ground_fault(["SLG_c"]).tolist() == [True]
    assert is_ground_fault("LLG").tolist() == [True]  # a scalar: one row, as pd.Series(x)
    assert is_ground_fault(["3ph"]).tolist() == [False]
    assert is_ground_fault(np.array([], dtype=object)).shape == (0,)
    assert is_ground_fault(pd.Series([], dtype=object)).shape == (0,)
