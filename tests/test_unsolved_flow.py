"""Flow steps that did not converge are ``not_evaluated``, not passes (review s20: EPRI ckt5
with a depot behind its own YNd transformer left one scenario unsolved in OpenDSS; C8 failed
with a ``KeyError`` and C12 judged the NaN step as a pass)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._row_frames import unsolved_flow


def _table():
    # scenario a: two steps, step 1 unsolved (every row NaN); scenario b: one dead device
    return pd.DataFrame({
        "scenario": ["a", "a", "a", "a", "b", "b"],
        "step": [0, 0, 1, 1, 0, 0],
        "device": ["r1", "f1", "r1", "f1", "r1", "f1"],
        "i_a": [100.0, 20.0, np.nan, np.nan, 90.0, np.nan]})


def test_unsolved_steps_become_not_evaluated_rows():
    rows, solved = unsolved_flow("C8", _table(), "i_a", "device load currents")
    assert len(rows) == 1
    r = rows.iloc[0]
    assert (r.criterion, str(r.status), r.scenario) == ("C8", "not_evaluated", "a")
    assert "did not converge (step 1)" in r.message and "maxiterations" in r.message
    # the unsolved step's rows are gone; a dead device's NaN in a solved step stays
    assert list(zip(solved.scenario, solved.step, strict=True)) == [
        ("a", 0), ("a", 0), ("b", 0), ("b", 0)]


def test_all_solved_is_untouched():
    t = _table().fillna(1.0)
    rows, solved = unsolved_flow("C12", t, "i_a", "x")
    assert rows.empty and solved is t


def test_without_step_column():
    t = _table().drop(columns="step")
    t.loc[t.scenario == "b", "i_a"] = np.nan
    rows, solved = unsolved_flow("C12", t, "i_a", "voltages")
    assert list(rows.scenario) == ["b"] and "(step" not in rows.message.iat[0]
    assert set(solved.scenario) == {"a"}
