"""``sum_behind_mw`` (protv2g.checks.islanding): the MW of the buses behind a device.

Reference: the pandas expression it stands for, ``values[values.index.isin(list(behind))]
.sum()``, and a hand sum (C11's minimum load behind a device, IEEE Std 1547-2018 §8.1 island
screen: DER against the load behind the opening device).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks.islanding import sum_behind_mw


def _reference(values: pd.Series, behind: set) -> float:
    return float(values[values.index.isin(list(behind))].sum())


def test_equals_the_pandas_expression_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    values = pd.Series(rng.random(5000) * 0.3, index=rng.permutation(20000)[:5000])
    for _k in range(20):
        behind = set(rng.integers(0, 25000, rng.integers(0, 12000)).tolist())
        assert sum_behind_mw(values, behind) == _reference(values, behind)  # same bits
    behind = {np.int64(b) for b in values.index[:100]}  # numpy integers, as topology's
    assert sum_behind_mw(values, behind) == _reference(values, behind)


def test_hand_sum_empty_and_other_indexes() -> None:
    values = pd.Series([0.5, 0.25, 1.0], index=[3, 7, 9])
    assert sum_behind_mw(values, {7, 9, 11}) == 1.25
    assert sum_behind_mw(values, set()) == 0.0
    assert sum_behind_mw(pd.Series([], dtype=float), {1, 2}) == 0.0
    named = pd.Series([0.5, 0.25], index=["a", "b"])  # not bus numbers: as pandas
    assert sum_behind_mw(named, {"b"}) == 0.25
