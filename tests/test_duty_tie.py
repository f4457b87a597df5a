"""The Device duty sheet's tie rule (#21): equal duty currents name the base case, not
whichever scenario rounding noise favours (EPRI ckt5's head-mdv201_connector row swapped
between ``base/light`` and ``expected/light/100%`` at the same 5.039303 kA)."""

import numpy as np
import pandas as pd

from protv2g.checks.duty_sheet import DUTY_TIE_REL, _worst_rows


def _frame(duties):
    """Rows in duty_frame's order (scenario, device, case)."""
    rows = [(s, d, c, i) for (s, d, c), i in duties.items()]
    w = pd.DataFrame(rows, columns=["scenario", "device", "case", "i_duty_ka"])
    return w.sort_values(["scenario", "device", "case"], kind="stable").reset_index(drop=True)


def _picked(w, bases):
    got = w.loc[_worst_rows(w, bases)]
    return {(r.device, r.case): r.scenario for r in got.itertuples()}


def test_rounding_noise_tie_names_the_base_case():
    i = 5.039303
    w = _frame({("base/light", "R1", "min"): i,
                ("expected/light/100%", "R1", "min"): i * (1 + 4e-16),
                ("base/light", "R1", "max"): 7.0,
                ("expected/light/100%", "R1", "max"): 7.0 * (1 - 3e-16)})
    assert _picked(w, {"base/light"}) == {("R1", "max"): "base/light",
                                          ("R1", "min"): "base/light"}


def test_a_real_increase_is_not_a_tie():
    i = 5.039303
    w = _frame({("base/light", "R1", "min"): i,
                ("expected/light/100%", "R1", "min"): i * (1 + 100 * DUTY_TIE_REL)})
    assert _picked(w, {"base/light"}) == {("R1", "min"): "expected/light/100%"}


def test_tie_without_a_base_row_takes_the_first_in_frame_order():
    w = _frame({("a/light", "F2", "max"): 1.25, ("b/peak", "F2", "max"): 1.25,
                ("a/light", "F1", "max"): 2.0, ("b/peak", "F1", "max"): 3.0})
    got = w.loc[_worst_rows(w, set())]
    assert list(got.device) == ["F1", "F2"]  # (device, case) order, as the sheet's rows
    assert _picked(w, set()) == {("F1", "max"): "b/peak", ("F2", "max"): "a/light"}


def test_group_without_a_finite_duty_keeps_one_row():
    w = _frame({("base", "F1", "max"): np.nan, ("v2g", "F1", "max"): np.nan,
                ("base", "F2", "max"): 1.0})
    assert _picked(w, {"base"}) == {("F1", "max"): "base", ("F2", "max"): "base"}
