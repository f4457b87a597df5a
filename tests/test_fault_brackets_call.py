"""Both brackets of the chargers' contribution in ONE engine call (#21).

``fault_study(high_scenarios=...)`` solves the high bracket on the same sequence networks and
factorisations as the low one. Reference: the two calls the pipeline made before (#21) — the
low bracket, then the high one with ``device_rows`` = the low bracket's kept rows and
``device_voltages=False``; every array must be bit-identical (same solves, same order).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

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


def test_high_slices_fill_the_differing_fault_buses_only(depot_inputs):
    """``iter_fault_study(high_same_columns=True)``: a high-bracket slice holds its
    scenario's kept rows at the fault buses whose inputs differ from the scenario's own slice
    only (``device_of_rows``), the same values as the slice of every kept row there; the rows
    left out are the low bracket's bit for bit (#21, flt46: the high bracket's rows were all
    filled and 0.7 % of them kept at 10,000 buses)."""
    from protv2g.engine.study import iter_fault_study

    study, options, high = depot_inputs

    def slices(same: bool) -> dict:
        return {(s.scenario, s.case, s.fault_type, s.high_bracket): s for s in _quiet(
            lambda: list(iter_fault_study(study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                                          high_scenarios=high, high_same_columns=same)))}

    whole, part = slices(False), slices(True)
    assert whole.keys() == part.keys()
    n_part = n_whole = 0
    for key, w in whole.items():
        p = part[key]
        if not key[3]:  # the low bracket: as before
            assert p.device_of_rows is None
            np.testing.assert_array_equal(p.device_pos, w.device_pos)
            continue
        assert w.device_of_rows is None and p.device_of_rows is not None
        at = p.device_of_rows
        n_part, n_whole = n_part + len(at), n_whole + len(w.device_pos)
        np.testing.assert_array_equal(p.device_pos, w.device_pos[at])
        np.testing.assert_array_equal(p.staged_device_i_012_ka,
                                      w.staged_device_i_012_ka[:, at])
        # every row left out is the low bracket's, in every stage (padded as the rows are)
        low = whole[key[:3] + (False,)]
        out = np.setdiff1d(np.arange(len(w.device_pos)), at)
        a, b = low.staged_device_i_012_ka[:, out], w.staged_device_i_012_ka[:, out]
        n = max(len(a), len(b))
        for j in range(n):
            x, y = a[min(j, len(a) - 1)], b[min(j, len(b) - 1)]
            np.testing.assert_array_equal(x.view(np.uint64), y.view(np.uint64))
    assert 0 < n_part < n_whole


def test_differing_columns_bit_for_bit():
    """A column differs where any of its inputs differs in some bit (a NaN equals the same
    NaN, 0.0 and −0.0 differ), padded stages compared as the rows pad them."""
    from protv2g.engine.row_slices import differing_columns

    m, k = 5, 2
    rng = np.random.default_rng(0)

    def sv(n_stages: int, i1: np.ndarray) -> SimpleNamespace:
        sols = [SimpleNamespace(i1=i1[j], i2=np.zeros((m, k), complex),
                                unconverged=np.zeros(m, bool)) for j in range(n_stages)]
        return SimpleNamespace(
            fixed=False, neg=False, n_stages=n_stages, charger=SimpleNamespace(stages=sols),
            t_start_s=np.tile([[0.0]] + [[0.1]] * (n_stages - 1), (1, m)),
            t_end_s=np.tile([[0.1]] * (n_stages - 1) + [[np.inf]], (1, m)),
            i_f=np.ones((n_stages, m, 3), complex),
            terms=[{"e12": (np.ones(m, complex), np.zeros(m, complex))}] * n_stages)

    i1 = rng.normal(size=(2, m, k)) + 0j
    i1[0, 0, 0] = np.nan
    a = sv(2, i1)
    assert not differing_columns(a, sv(2, i1.copy()), m).any()
    b = i1.copy()
    b[1, 3, 1] = -0.0 if b[1, 3, 1] == 0 else np.nextafter(b[1, 3, 1].real, np.inf)
    np.testing.assert_array_equal(differing_columns(a, sv(2, b), m),
                                  [False, False, False, True, False])
    # one more stage: its times are not the padding's (inf), every column differs
    assert differing_columns(a, sv(3, np.concatenate([i1, i1[1:]])), m).all()
    fixed = SimpleNamespace(**{**vars(a), "fixed": True})
    assert differing_columns(a, fixed, m) is None  # not decided: every row filled


def test_first_cycle_twins_share_their_rows(depot_inputs, monkeypatch):
    """Scenarios whose first cycle has the same inputs bit for bit (the same sites, another
    export) take their kept rows and first-cycle currents from the first of them
    (``row_slices.same_first_cycle``; #21, flt46: decided and filled once per scenario at
    10,000 buses): fewer decisions, the same rows and currents as deciding each."""
    import protv2g.engine.device_rows as dr
    import protv2g.engine.study as st
    from protv2g.engine.row_slices import same_first_cycle

    study, options, high = depot_inputs
    calls = []
    real = dr.kept_first_cycle_positions

    def counted(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(dr, "kept_first_cycle_positions", counted)
    got = _quiet(fault_study, study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                 high_scenarios=high, device_voltages=False)
    n_shared = len(calls)
    calls.clear()
    monkeypatch.setattr(st, "same_first_cycle", lambda a, b, m: False)
    ref = _quiet(fault_study, study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                 high_scenarios=high, device_voltages=False)
    assert n_shared < len(calls)  # some scenarios are first-cycle twins here
    for a, b in ((got, ref), (got.high, ref.high)):
        ra, rb = a.device_rows, b.device_rows
        for k in ("slice_key", "device", "fault_bus", "i_012_ka", "staged_i_a",
                  "t_start_s", "t_end_s"):
            np.testing.assert_array_equal(getattr(ra, k), getattr(rb, k), err_msg=k)
    assert not same_first_cycle(SimpleNamespace(fixed=True), SimpleNamespace(fixed=True), 1)
