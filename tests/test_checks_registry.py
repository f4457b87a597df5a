"""The criterion catalogue and the device-kind registry (issue #14: registries, not dispatch)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from protv2g.checks import family_function
from protv2g.criteria import CATALOGUE, CRITERIA, MarginUnit, Need, order
from protv2g.devices import kinds
from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser, build_device
from protv2g.study.schema import CRITERIA as SCHEMA_CRITERIA
from protv2g.study.schema import Gate
from protv2g.units import DeviceKind


@pytest.mark.parametrize("criterion", list(CATALOGUE.values()), ids=lambda c: c.id)
def test_every_catalogue_row_resolves_to_a_family_function(criterion):
    fn = family_function(criterion)
    assert callable(fn) and fn.__module__ == f"protv2g.checks.{criterion.family}"
    assert isinstance(criterion.margin_unit, MarginUnit)
    assert all(isinstance(n, Need) for n in criterion.needs)
    assert criterion.rule and criterion.title


def test_the_schema_validates_gate_criteria_against_the_catalogue():
    assert SCHEMA_CRITERIA == CRITERIA == tuple(f"C{i}" for i in range(1, 13))
    assert Gate().criteria == CRITERIA
    with pytest.raises(ValueError, match="unknown criteria"):
        Gate(criteria=("C13",))
    assert sorted(["C12", "C2", "C10", "C1"], key=order) == ["C1", "C2", "C10", "C12"]


def test_a_missing_family_function_is_named():
    bad = dataclasses.replace(CATALOGUE["C2"], function="no_such_function")
    with pytest.raises(LookupError, match="C2: protv2g.checks.recloser_fuse has no function"):
        family_function(bad)


def test_every_device_kind_is_registered_with_its_model():
    for kind, model in ((DeviceKind.RELAY, OvercurrentRelay), (DeviceKind.RECLOSER, Recloser),
                        (DeviceKind.FUSE, Fuse)):
        spec = kinds.spec(kind)
        assert spec.model is model and spec.kind is kind
    assert {k.value for k in DeviceKind} == {kinds.spec(k).kind.value for k in DeviceKind}


def test_kind_numbers_by_hand():
    relay = build_device("relay", {"name": "R", "pickup_a": 400.0, "curve": "IEEE-VI",
                                   "time_dial": 2.0, "ground_pickup_a": 80.0,
                                   "ground_curve": "IEEE-VI", "ground_time_dial": 1.0})
    assert kinds.phase_pickup_a(relay) == 400.0 and kinds.ground_pickup_a(relay) == 80.0
    # IEEE C37.112 very inverse by hand: t = TD (19.61 / (M² − 1) + 0.491) at M = 5, TD 2
    t = kinds.operating_times(relay, np.array([2000.0]), np.array([0.0]))["t_op_s"]
    assert t[0] == pytest.approx(2.0 * (19.61 / 24.0 + 0.491), rel=1e-9)
    fuse = Fuse(name="F", link="65K")
    mm = fuse.curve.mm_m_points or fuse.curve.m_points
    assert kinds.phase_pickup_a(fuse) == pytest.approx(min(mm) * 65.0)
    assert kinds.ground_pickup_a(fuse) is None
    times = kinds.operating_times(fuse, np.array([390.0]), np.array([0.0]))
    assert set(times) == {"t_mm_s", "t_tc_s", "t_op_s"}
    assert times["t_op_s"][0] == pytest.approx(float(fuse.total_clear_time_s(390.0)))
    rc = Recloser(name="RC", phase_min_trip_a=200.0, fast_curve="A", delayed_curve="B")
    shots = kinds.operating_times(rc, np.array([400.0]), np.array([0.0]))
    assert shots["t_op_s"][0] == pytest.approx(float(rc.shot_times_s([400.0])[0, 0]))
    assert kinds.curve_fields("fuse") == ("link",)


def test_an_unregistered_kind_says_which_are():
    with pytest.raises(TypeError, match="registered models"):
        kinds.kind_of(object())
    with pytest.raises(ValueError):
        kinds.spec("sectionalizer")


def test_violation_rows_rank_as_the_per_row_sort_key_would():
    # the study's row order: one key call per distinct value, the same order as sorting
    # by the per-row key (#21), unknown ids and missing statuses last
    import pandas as pd

    from protv2g.checks import _ranks
    from protv2g.violations import STATUS_ORDER

    rng = np.random.default_rng(3)
    ids = np.array([*CATALOGUE, "C99", "X1"], dtype=object)
    crit = pd.Series(rng.choice(ids, 500))
    status = pd.Series(rng.choice(np.array([*STATUS_ORDER, None], dtype=object), 500))
    for col, key in ((crit, order), (status, lambda s: STATUS_ORDER.get(s, 9))):
        keys = [key(str(x)) for x in col]
        expect = sorted(range(len(col)), key=lambda i: keys[i])
        got = np.argsort(_ranks(col, key), kind="stable")
        assert list(got) == expect
