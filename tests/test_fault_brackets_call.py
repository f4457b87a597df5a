"""Both brackets of the chargers' contribution in ONE engine call (#21).

``fault_study(high_scenarios=...)`` solves the high bracket on the same sequence networks and
factorisations as the low one. Reference: the two calls the pipeline made before (#21) — the
low bracket, then the high one with ``device_rows`` = the low bracket's kept rows and
``device_voltages=False``; every array must be bit-identical (same solves, same order).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from protv2g import load_study
from protv2g.engine import fault_study
from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.engine.staged_tables import staged_currents
from protv2g.errors import InputError
from protv2g.pipeline import engine_inputs
from protv2g.scenarios import build_scenarios
from protv2g.study.engine_inputs import high_bracket_sets

from .conftest import REPO_DIR

DEPOT = REPO_DIR / "feeders" / "depot_two_feeder" / "study.yaml"


@pytest.fixture(scope="module")
def depot_inputs():
    study = load_study(DEPOT)
    inputs = engine_inputs(study, build_scenarios(study.document))
    sets = inputs.options["scenarios"]
    high = high_bracket_sets(study, sets)
    assert high != sets  # the depot's sites have a sustained limit to raise
    return study, inputs.options, high


def _quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **kw)


def test_one_call_equals_the_two_calls_bit_for_bit(depot_inputs):
    study, options, high = depot_inputs
    one = _quiet(fault_study, study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                 high_scenarios=high)
    low = _quiet(fault_study, study.net, **options, device_min_a=DEVICE_ROW_MIN_A)
    two = _quiet(fault_study, study.net, **{**options, "scenarios": high},
                 device_min_a=DEVICE_ROW_MIN_A, device_rows=low.device_rows.positions,
                 device_voltages=False)
    assert one.high is not None and low.high is None
    np.testing.assert_array_equal(one.bus_i_012_ka, low.bus_i_012_ka)
    for a, b in ((one, low), (one.high, two)):
        ra, rb = a.device_rows, b.device_rows
        for k in ("slice_key", "device", "fault_bus", "i_012_ka", "v_012_pu", "staged_i_a",
                  "t_start_s", "t_end_s"):
            np.testing.assert_array_equal(getattr(ra, k), getattr(rb, k), err_msg=k)
        sa, sb = staged_currents(a), staged_currents(b)
        np.testing.assert_array_equal(sa.i_a, sb.i_a)
    assert len(one.high.device_rows) == len(one.device_rows) > 0
    # the high bracket's later stages differ (a higher sustained limit), its rows do not
    assert not np.array_equal(one.high.device_rows.staged_i_a, one.device_rows.staged_i_a)


def test_other_bracket_must_have_the_same_chargers(depot_inputs):
    study, options, high = depot_inputs
    first = next(iter(high))
    with pytest.raises(InputError, match="high_scenarios"):
        fault_study(study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                    high_scenarios={first: high[first]} if len(high) > 1 else {"x": ()})
    with pytest.raises(InputError, match="high_scenarios"):  # rows are needed
        fault_study(study.net, **options, high_scenarios=high)


def test_high_rows_differing_keeps_the_rows_whose_stages_differ(depot_inputs):
    """``high_rows="differing"``: the high bracket's rows whose stages differ from the low
    bracket's in some bit, at their positions ``of_rows``; every other row of the whole
    high bracket is the low one's, bit for bit (#21: not built whole)."""
    study, options, high = depot_inputs
    whole = _quiet(fault_study, study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                   high_scenarios=high)
    part = _quiet(fault_study, study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                  high_scenarios=high, high_rows="differing")
    low, h, got = whole.device_rows, whole.high.device_rows, part.high.device_rows
    assert whole.high.device_rows.of_rows is None and low.of_rows is None
    bits = [(x.view(np.int32), y.view(np.int32)) for x, y in (
        (low.staged_i_a, h.staged_i_a), (low.t_start_s, h.t_start_s),
        (low.t_end_s, h.t_end_s))]
    assert all(x.shape == y.shape for x, y in bits)  # same stage count here
    differ = np.zeros(len(low), bool)
    for x, y in bits:
        differ |= (x != y).reshape(len(x), len(low), -1).any(axis=(0, 2))
    at = got.of_rows
    np.testing.assert_array_equal(at, np.flatnonzero(differ))
    assert 0 < len(at) < len(low)
    for k in ("slice_key", "device", "fault_bus", "i_012_ka", "staged_i_a", "t_start_s",
              "t_end_s"):
        x = getattr(h, k)
        np.testing.assert_array_equal(getattr(got, k), x[:, at] if x.ndim > 1 and
                                      k in ("staged_i_a", "t_start_s", "t_end_s")
                                      else x[at], err_msg=k)
    np.testing.assert_array_equal(part.device_rows.staged_i_a, low.staged_i_a)
    with pytest.raises(InputError, match="high_rows"):
        fault_study(study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                    high_scenarios=high, high_rows="some")
