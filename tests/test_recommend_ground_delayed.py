"""A recloser's delayed-multiplier move says what it does to the ground delayed curve
(review s17): ``ground_delayed_multiplier: null`` means "the phase multiplier", so raising
``delayed_multiplier`` alone moved the 51G delayed curve unsaid. A finding seen on phase
faults only pins the ground curve at its old multiplier (3ph/LL faults carry no 3I0); one
with SLG/LLG evidence moves it with the phase curve, stated as its own field; the search
re-checks every fault type either way.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from protv2g.devices.recloser import Recloser
from protv2g.recommend.candidates import candidates, describe
from protv2g.study.schema_devices import RecloserDevice

FINDING = {"criterion": "C2", "device": "RC", "other_device": "FU"}
RC = dict(name="RC", kind="recloser", location={"line": "L1", "end": "from"},
          phase_min_trip_a=280.0, ground_min_trip_a=100.0, fast_curve="101",
          delayed_curve="133", delayed_multiplier=1.0)


def _moves(ground: bool, **kw):
    dev = RecloserDevice(**{**RC, **kw})
    return [c for c in candidates(FINDING, [dev], [], ground=ground)
            if c.field == "delayed_multiplier"]


def _model(fields):
    kw = {k: v for k, v in RC.items() if k not in ("kind", "location")}
    kw.update({f: new for f, _, new in fields})
    return Recloser(**kw)


def test_phase_only_finding_pins_the_ground_delayed_curve():
    moves = _moves(ground=False)
    assert moves
    for c in moves:
        assert c.extra == (("ground_delayed_multiplier", None, 1.0),)
    first = moves[0]
    assert describe(first) == ("RC delayed_multiplier 1 → 1.1, ground_delayed_multiplier "
                               "unset → 1")
    i_g = np.array([150.0, 400.0, 1500.0])
    before, after = _model([]), _model(first.fields)
    np.testing.assert_allclose(after.ground_delayed_time_s(i_g), before.ground_delayed_time_s(i_g))
    assert (after.delayed_time_s(i_g * 3) > before.delayed_time_s(i_g * 3)).all()


def test_ground_fault_finding_moves_the_ground_curve_and_says_so():
    first = _moves(ground=True)[0]
    assert first.extra == (("ground_delayed_multiplier", None, pytest.approx(1.1)),)
    assert "ground_delayed_multiplier unset → 1.1" in describe(first)
    i_g = np.array([150.0, 400.0, 1500.0])
    # the same ground curve the old silent move gave: stated now, not changed
    silent = _model([("delayed_multiplier", 1.0, 1.1)])
    np.testing.assert_allclose(_model(first.fields).ground_delayed_time_s(i_g),
                               silent.ground_delayed_time_s(i_g))


def test_own_ground_multiplier_or_no_ground_element_stays_untouched():
    assert all(c.extra == () for c in _moves(ground=True, ground_delayed_multiplier=0.8))
    assert all(c.extra == () for c in _moves(ground=False, ground_min_trip_a=None))


def test_on_the_depot_study_the_pinned_move_keeps_rc_f1_ground_times(depot_study, tmp_path):
    """RC-F1 (ground_min_trip_a 100 A, no ground_delayed_multiplier): the phase-only move
    applied to the study and written back keeps its 51G delayed curve where it was."""
    from protv2g.checks._common import build_devices
    from protv2g.recommend.apply import write_study
    from protv2g.recommend.search import apply_to_study

    finding = {"criterion": "C2", "device": "RC-F1", "other_device": "FU-F1-LAT2"}
    doc = depot_study.document
    move = next(c for c in candidates(finding, doc.devices, doc.v2g_sites, ground=False)
                if c.field == "delayed_multiplier")
    assert move.extra == (("ground_delayed_multiplier", None, 1.0),)
    before = build_devices(depot_study)[0]["RC-F1"]
    after = build_devices(apply_to_study(depot_study, [move]))[0]["RC-F1"]
    i_a = np.array([150.0, 600.0, 3000.0])
    np.testing.assert_array_equal(after.ground_delayed_time_s(i_a),
                                  before.ground_delayed_time_s(i_a))
    assert (after.delayed_time_s(i_a * 2) > before.delayed_time_s(i_a * 2)).all()
    out = write_study(depot_study, [move], tmp_path / "study.yaml")
    text = (tmp_path / "study.yaml").read_text(encoding="utf-8")
    # fix41f's in-place edit writes the comment two spaces after the value (the file's style)
    assert re.search(r"ground_delayed_multiplier: 1 +# protv2g recommend: was none", text)
    assert out["changes"] == [describe(move)]
