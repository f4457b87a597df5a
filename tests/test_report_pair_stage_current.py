"""The pair table's scalar coercion (#21, session 46): the float of pandas'
``to_numeric(errors="coerce")`` of one value, without a Series."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from protv2g.report.pair_stage_current import number_or_nan

VALUES = [None, np.nan, np.float64(2.5), 3, np.int64(4), "1.5", "x", pd.NA, np.inf, -np.inf,
          "inf", True, np.float32(0.1), "", " 2 "]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_number_or_nan_as_to_numeric(value) -> None:
    expected = float(pd.to_numeric(pd.Series([value]), errors="coerce").iat[0])
    got = number_or_nan(value)
    assert type(got) is float
    assert got == expected or (math.isnan(got) and math.isnan(expected))
