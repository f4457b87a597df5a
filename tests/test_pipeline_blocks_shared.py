"""The held bus table without a copy (#21, :func:`protv2g.pipeline_blocks.take` with
``shared=True``, :func:`~protv2g.pipeline_blocks.scenario_codes`).

References the change did not touch: ``take`` without ``shared`` (a copy) and
:func:`~protv2g.pipeline_blocks.positions` on the scenario names themselves (factorised)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.engine.key_columns import key_column
from protv2g.pipeline_blocks import positions, scenario_codes, take


def _bus_frame() -> pd.DataFrame:
    """A bus table as the engine makes it: blocks by charger set (in the engine's order, not
    the lexical one of its categorical's categories), float columns and a bool column."""
    sets = ["base/light", "expected/light/50%", "expected/light/100%"]
    n = 4
    block = np.repeat(np.arange(len(sets)), n)
    rng = np.random.default_rng(3)
    return pd.DataFrame({"scenario": key_column(sets, block), "bus": np.tile(np.arange(n), 3),
                         "ikss_ka": rng.random(3 * n), "i1_ka": rng.random(3 * n),
                         "pll_frozen": np.zeros(3 * n, bool)})


KEY_OF = {"base/light": "base/light", "expected/light/50%": "expected/light/50%",
          "expected/light/100%": "expected/light/100%"}


def test_scenario_codes_give_the_positions_of_the_names():
    frame = _bus_frame()
    assert isinstance(frame["scenario"].dtype, pd.CategoricalDtype)
    codes, labels = scenario_codes(frame)
    assert labels is not None
    for key_of in (KEY_OF, {"expected/light/100%": "expected/light/100%"},
                   {"a": "expected/light/50%", "b": "base/light"}):
        pos, names = positions(codes, key_of, labels)
        ref_pos, ref_names = positions(frame["scenario"].to_numpy(), key_of)
        np.testing.assert_array_equal(pos, ref_pos)
        assert list(np.asarray(names, dtype=object)) == list(np.asarray(ref_names, dtype=object))
    plain = frame.assign(scenario=frame["scenario"].astype(object))
    values, none = scenario_codes(plain)
    assert none is None and values.dtype == object


@pytest.mark.parametrize("key_of", [KEY_OF, {"expected/light/50%": "expected/light/50%"}])
def test_shared_take_equals_the_copy_and_shares_only_when_every_row_is_taken(key_of):
    frame = _bus_frame()
    before = frame.copy(deep=True)
    codes, labels = scenario_codes(frame)
    pos, names = positions(codes, key_of, labels)
    out = take(frame, pos, names, shared=True)
    ref = take(frame, pos, names)
    pd.testing.assert_frame_equal(out, ref, check_exact=True)
    pd.testing.assert_frame_equal(frame, before, check_exact=True)  # frame unchanged
    every = len(pos) == len(frame)
    assert np.shares_memory(out["ikss_ka"].to_numpy(), frame["ikss_ka"].to_numpy()) == every
    assert not np.shares_memory(ref["ikss_ka"].to_numpy(), frame["ikss_ka"].to_numpy())
