"""C5 judges a time-delayed element on the chargers' sustained stage, an instantaneous one on
the first cycle (reach23, review23 §3; ``protv2g.checks.reach_stage``)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from protv2g.checks.reach_stage import (
    FIRST_CYCLE,
    SUSTAINED,
    instantaneous_ground,
    judged_stage,
    stage_currents,
)
from protv2g.checks.reach_text import stage_note as _stage_note
from protv2g.devices.models import OvercurrentRelay
from protv2g.engine.staged_tables import StagedCurrents


def _staged(first: np.ndarray, sustained: np.ndarray) -> StagedCurrents:
    """Two stages of ``(n, 4)`` currents (|Ia|, |Ib|, |Ic|, |3I0|), row map reversed."""
    i = np.stack([first, sustained]).astype(np.float32)[:, ::-1]  # stage rows reversed
    n = i.shape[1]
    t0 = np.array([[0.0] * n, [1 / 60] * n], dtype=np.float32)
    t1 = np.array([[1 / 60] * n, [np.inf] * n], dtype=np.float32)
    return StagedCurrents(i, t0, t1, ("first_cycle", "sustained"), pd.DataFrame(),
                          row_map=np.arange(n)[::-1].copy())


# the DG-protection feeder's recloser a at b2, SLG-a, min case, firm/light/100 % (campus and
# homes at full export; the Charger stages table of the study): 233.2 A in the first cycle,
# 245.6 A sustained; a second row without charger contribution (a base case)
_FIRST = np.array([[233.245743, 120.0, 118.0, 272.398071], [300.0, 10.0, 10.0, 290.0]])
_LOW = np.array([[245.609116, 121.0, 119.0, 273.453674], [300.0, 10.0, 10.0, 290.0]])
_HIGH = np.array([[241.0, 121.0, 119.0, 273.0], [300.0, 10.0, 10.0, 290.0]])


def _ctx(high: bool = True) -> SimpleNamespace:
    return SimpleNamespace(staged=_staged(_FIRST, _LOW),
                           staged_high=_staged(_FIRST, _HIGH) if high else None)


def _first() -> tuple[np.ndarray, np.ndarray]:
    return _FIRST[:, :3].max(axis=1), _FIRST[:, 3].copy()


def test_time_delayed_elements_are_judged_on_the_worse_sustained_stage():
    ip, ig = _first()
    at = np.array([0, 1, -1])
    ip, ig = np.r_[ip, 0.0], np.r_[ig, 0.0]
    no = np.zeros(3, dtype=bool)
    i_op, stage, bracket = stage_currents(_ctx(), at, ip, ig, no, no)
    # row 0: the high bracket's sustained current is the smaller (241 < 245.6 A)
    np.testing.assert_allclose(i_op[0], 241.0, rtol=1e-6)
    assert (stage[0], bracket[0]) == (SUSTAINED, "high")
    # row 1: no charger contribution: the first cycle's float64 current itself, no bracket
    assert i_op[1] == ip[1] and bracket[1] == ""
    # a zone fault without a row: 0 A
    assert i_op[2] == 0.0
    # without the high bracket's stages the high bracket is the first cycle held: 233.2 A
    i_op, _, bracket = stage_currents(_ctx(high=False), at, ip, ig, no, no)
    assert i_op[0] == ip[0] and bracket[0] == "high"


def test_the_low_bracket_alone_gives_the_dg_rows_sustained_current():
    ip, ig = _first()
    ctx = _ctx()
    ctx.staged_high = ctx.staged  # one bracket: both the same stages
    no = np.zeros(2, dtype=bool)
    i_op, stage, bracket = stage_currents(ctx, np.array([0, 1]), ip, ig, no, no)
    np.testing.assert_allclose(i_op[0], 245.609116, rtol=1e-6)
    assert i_op[0] / 200.0 < 1.5  # still a C5 failure at a's 200 A pickup: 1.23 × pickup
    assert bracket.tolist() == ["both", ""]
    # the ground element (3I0) of the same rows
    yes = np.ones(2, dtype=bool)
    i_op, _, _ = stage_currents(ctx, np.array([0, 1]), ip, ig, yes, no)
    np.testing.assert_allclose(i_op, [273.453674, 290.0], rtol=1e-6)


def test_an_instantaneous_element_is_judged_on_the_first_cycle():
    ip, ig = _first()
    yes = np.ones(2, dtype=bool)
    i_op, stage, bracket = stage_currents(_ctx(), np.array([0, 1]), ip, ig, yes, yes)
    np.testing.assert_array_equal(i_op, ig)
    assert stage.tolist() == [FIRST_CYCLE, FIRST_CYCLE] and bracket.tolist() == ["", ""]
    r = OvercurrentRelay(name="R", pickup_a=400.0, curve="IEEE-VI", time_dial=2.0,
                         ground_inst_pickup_a=100.0)
    assert instantaneous_ground(r)
    r = OvercurrentRelay(name="R", pickup_a=400.0, curve="IEEE-VI", time_dial=2.0,
                         ground_pickup_a=60.0, ground_curve="IEEE-VI", ground_time_dial=1.0,
                         ground_inst_pickup_a=100.0)
    assert not instantaneous_ground(r)


def test_one_stage_results_are_judged_as_before():
    ip, ig = _first()
    no = np.zeros(2, dtype=bool)
    ctx = SimpleNamespace(staged=None, staged_high=None)
    i_op, stage, bracket = stage_currents(ctx, np.array([0, 1]), ip, ig, no, no)
    np.testing.assert_array_equal(i_op, ip)
    assert stage.tolist() == ["", ""] and bracket.tolist() == ["", ""]
    assert _stage_note("", "", 233.0, 233.0, 200.0, 1.5) == ""


def test_the_row_says_which_stage_decided_it():
    # both stages fail: the first cycle is named as failing too
    note = _stage_note(SUSTAINED, "both", 245.6, 233.2, 200.0, 1.5)
    assert "sustained stage" in note and "both brackets" in note
    assert "fails in the first cycle too (233 A, 1.17 × pickup)" in note
    # a device below the chargers sees less once they are at their sustained limit: the
    # first cycle would pass, the sustained stage decides
    note = _stage_note(SUSTAINED, "low", 280.0, 320.0, 200.0, 1.5)
    assert "would pass: the sustained stage decides" in note and "low bracket" in note
    assert _stage_note(SUSTAINED, "both", 300.0, 300.0, 200.0, 1.5) == ""
    assert "instantaneous" in _stage_note(FIRST_CYCLE, "", 90.0, 90.0, 100.0, 1.5)


def test_behind_a_step_the_element_is_chosen_per_bracket_on_the_judged_currents():
    """Review idle43 "Left" 1: the element that sees more, chosen in each bracket on the
    sustained currents, the worse bracket kept (hand figures, pickups 140 A / 45 A).
    Row 0, first cycle ph 100 A (0.714) / 3I0 30 A (0.667): the old rule chose phase and
    judged it at min(60, 110) = 60 A (0.43). Low bracket: ph 60 A (0.429), 3I0 32 A (0.711)
    -> ground 0.711; high: ph 110 A (0.786), 3I0 31 A (0.689) -> phase 0.786; the device
    reaches when either element does, so the worse bracket is low, ground, 32 A (0.711) —
    not ground at min(32, 31) = 31 A (0.689), an element chosen across brackets. Row 1: a
    50G (instantaneous) on its first cycle 30 A (0.667) against the sustained phase,
    0.429 / 0.786 -> ground in the low bracket, phase in the high: low, first cycle."""
    first = np.array([[100.0, 5.0, 5.0, 30.0]] * 2)
    ctx = SimpleNamespace(staged=_staged(first, np.array([[60.0, 5.0, 5.0, 32.0]] * 2)),
                          staged_high=_staged(first, np.array([[110.0, 5.0, 5.0, 31.0]] * 2)))
    ip, ig = first[:, :3].max(axis=1), first[:, 3].copy()
    yes, inst = np.ones(2, dtype=bool), np.array([False, True])
    pickup = (np.full(2, 140.0), np.full(2, 45.0))
    ground, i_op, stage, bracket = judged_stage(ctx, np.array([0, 1]), ip, ig, yes, inst,
                                                None, yes, pickup)
    assert ground.tolist() == [True, True]
    np.testing.assert_allclose(i_op, [32.0, 30.0])
    assert stage.tolist() == [SUSTAINED, FIRST_CYCLE] and bracket.tolist() == ["low", ""]
    # the rows not behind a step transformer: as stage_currents, ground as given
    g2, *rest = judged_stage(ctx, np.array([0, 1]), ip, ig, yes, inst, None,
                             np.zeros(2, dtype=bool), pickup)
    assert g2.tolist() == [True, True]
    for a, b in zip(rest, stage_currents(ctx, np.array([0, 1]), ip, ig, yes, inst),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    # without stages (one-stage model): chosen on the first cycle, phase 0.714 > 0.667
    one = SimpleNamespace(staged=None, staged_high=None)
    g1, i1, _, _ = judged_stage(one, np.array([0, 1]), ip, ig, yes, inst, None, yes, pickup)
    assert g1.tolist() == [False, False] and i1.tolist() == [100.0, 100.0]
