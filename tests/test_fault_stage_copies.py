"""The fault stage without its transient copies (#21, session 13): same values, less memory.

* :func:`~protv2g.engine.faults.abc_phases` / :func:`~protv2g.engine.faults.phase_magnitudes`
  give :func:`~protv2g.engine.faults.seq_to_abc`'s phases bit for bit, one at a time;
* the high bracket's sites' table shares the low one's label columns and equal value columns
  (``StagedResult.sites_table(like=...)``), with the same values as built on its own;
* the device table's label columns are made one at a time (``kept_device_frame``): the same
  frame as the dense ``device`` table's kept rows.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g import load_study
from protv2g.engine import fault_study
from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.engine.faults import abc_phases, phase_magnitudes, seq_to_abc
from protv2g.pipeline import engine_inputs
from protv2g.scenarios import build_scenarios
from protv2g.study.engine_inputs import high_bracket_sets

from .conftest import REPO_DIR

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf, NaN phasors

DEPOT = REPO_DIR / "feeders" / "depot_two_feeder" / "study.yaml"


def _seq(shape, dtype=complex, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape + (3,)) + 1j * rng.standard_normal(shape + (3,)))
    x = x * 10.0 ** rng.uniform(-8, 4, shape + (1,))
    flat = x.reshape(-1, 3)
    flat[::7] = np.nan
    flat[1::11, 0] = 0
    flat[2::13] = np.inf
    return x.astype(dtype)


@pytest.mark.parametrize("shape", [(0,), (1,), (5, 37), (3, 1001)])
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_abc_phases_are_seq_to_abc_bit_for_bit(shape, dtype):
    x = _seq(shape, dtype)
    ref = seq_to_abc(x)
    got = list(abc_phases(x))
    assert len(got) == 3
    for p in range(3):
        assert got[p].dtype == ref.dtype and got[p].shape == ref.shape[:-1]
        np.testing.assert_array_equal(got[p], ref[..., p])
    # fresh arrays: keeping one does not see the next phase written into it
    assert not np.shares_memory(got[1], got[2])


@pytest.mark.parametrize("out_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(0,), (1,), (5, 1001)])
def test_phase_magnitudes_are_the_scaled_abs(out_dtype, shape):
    x = _seq(shape, seed=3)
    ref = np.empty(shape + (4,), out_dtype)
    ref[..., :3] = 1e3 * np.abs(seq_to_abc(x))
    got = np.full(shape + (4,), -1, out_dtype)
    phase_magnitudes(x, 1e3, got)
    np.testing.assert_array_equal(got[..., :3], ref[..., :3])
    assert (got[..., 3] == -1).all()  # the other columns untouched


@pytest.fixture(scope="module")
def depot_brackets():
    study = load_study(DEPOT)
    inputs = engine_inputs(study, build_scenarios(study.document))
    sets = inputs.options["scenarios"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fault_study(study.net, **inputs.options, device_min_a=DEVICE_ROW_MIN_A,
                          high_scenarios=high_bracket_sets(study, sets))
    return res, list(inputs.key_of.items())


def test_sites_table_shares_labels_and_equal_columns(depot_brackets):
    res, blocks = depot_brackets
    high = res.high.staged.sites_table(blocks)
    alone = res.staged.sites_table(blocks)
    shared = res.staged.sites_table(blocks, like=(res.high.staged, high))
    pd.testing.assert_frame_equal(shared, alone, check_exact=True)
    assert len(shared) > 0
    for col in ("scenario", "case", "fault_type", "site", "fault_bus", "fault_bus_name"):
        assert np.shares_memory(shared[col].to_numpy(), high[col].to_numpy()), col
    for col in ("v_min_pu", "ceased", "trip_s", "i_first_cycle_ka", "i_sustained_ka"):
        same = np.array_equal(alone[col].to_numpy(), high[col].to_numpy(), equal_nan=True)
        assert np.shares_memory(shared[col].to_numpy(), high[col].to_numpy()) == same, col
    # the brackets' later stages differ: some value column is the low bracket's own
    assert not np.shares_memory(shared["i_sustained_ka"].to_numpy(),
                                high["i_sustained_ka"].to_numpy())


def test_sites_table_other_rows_are_not_shared(depot_brackets):
    res, blocks = depot_brackets
    high = res.high.staged.sites_table(blocks[:1])  # other blocks: other rows
    alone = res.staged.sites_table(blocks)
    got = res.staged.sites_table(blocks, like=(res.high.staged, high))
    pd.testing.assert_frame_equal(got, alone, check_exact=True)
    assert not np.shares_memory(got["scenario"].to_numpy(), high["scenario"].to_numpy())


def test_kept_device_frame_is_the_dense_tables_kept_rows():
    study = load_study(DEPOT)
    inputs = engine_inputs(study, build_scenarios(study.document))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kept = fault_study(study.net, **inputs.options, device_min_a=DEVICE_ROW_MIN_A,
                           staged=False)
        dense = fault_study(study.net, **inputs.options, staged=False)
    rows = kept.device_rows
    d, m = len(dense.devices), len(dense.fault_buses)
    flat = (((rows.slice_key[:, 0].astype(np.int64) * len(dense.cases) + rows.slice_key[:, 1])
             * len(dense.fault_types) + rows.slice_key[:, 2]) * d + rows.device) * m \
        + rows.fault_bus
    want = dense.device.iloc[flat].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept.kept_device_frame(rows), want, check_exact=True)
    # a taken, repeated selection with the scenario column given
    take = np.concatenate([np.arange(len(rows)), np.arange(min(5, len(rows)))])
    names = np.array(["x"] * len(take), dtype=object)
    got = kept.kept_device_frame(rows, take, names)
    pd.testing.assert_frame_equal(got.drop(columns="scenario"),
                                  want.iloc[take].reset_index(drop=True).drop(
                                      columns="scenario"), check_exact=True)
    assert (got["scenario"] == "x").all() and list(got.columns) == list(want.columns)


def _stages(n_stage=3, n=40, seed=5):
    from protv2g.engine.staged_tables import StagedCurrents
    from protv2g.engine.staging import stage_names

    rng = np.random.default_rng(seed)
    t0 = rng.random((n_stage, n)).astype(np.float32)
    t0[-1, ::3] = np.inf
    return StagedCurrents(rng.random((n_stage, n, 4)).astype(np.float32), t0, t0 + 1,
                          stage_names(n_stage), pd.DataFrame({"x": [1, 2]}))


@pytest.mark.parametrize("rows", [np.arange(0), np.array([3]),
                                  np.r_[0:40, 0:40, 10:20],  # runs: slice copies
                                  np.random.default_rng(0).integers(0, 40, 99)])  # a gather
def test_take_stages_is_take_and_releases_its_source(rows):
    from protv2g.engine.staged_tables import take_stages

    st = _stages()
    want = st.take(rows)
    box = [st]
    got = take_stages(box, rows)
    assert box == []
    for k in ("i_a", "t_start_s", "t_end_s"):
        a, b = getattr(got, k), getattr(want, k)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    assert got.stage_names == want.stage_names and got.sites is st.sites
    other = pd.DataFrame({"y": [0]})
    assert take_stages([st], rows, other).sites is other


def test_rows_without_voltages_are_one_nan_view_and_pieces_own_their_arrays(depot_brackets):
    res, _ = depot_brackets
    v = res.high.device_rows.v_012_pu  # the other bracket: no voltages computed
    assert v.shape == (len(res.high.device_rows), 3) and np.isnan(v).all()
    assert not v.flags.writeable and v.dtype == res.high.device_rows.i_012_ka.dtype
    low = res.device_rows.v_012_pu
    assert low.flags.writeable and np.isfinite(low).any()


def test_own_copies_views_of_larger_arrays_only():
    from protv2g.engine.device_rows import _own

    stages = np.arange(30, dtype=complex).reshape(5, 2, 3)
    first = _own(stages[0])  # a slice's first cycle: a view of every stage
    np.testing.assert_array_equal(first, stages[0])
    assert not np.shares_memory(first, stages)
    whole = np.ones((2, 3))
    assert _own(whole) is whole
    same = whole.reshape(3, 2)  # a view of an array no larger than itself: kept
    assert _own(same) is same
