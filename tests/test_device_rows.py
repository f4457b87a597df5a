"""Device rows kept from 1 A on the pandapower path (#21): the rule, the engine's pruned
tables against the full ones filtered by the same rule, the row form (phasors computed at the
kept rows only) and the brackets' alignment."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from protv2g import load_study
from protv2g.engine import fault_study
from protv2g.engine.device_rows import DEVICE_ROW_MIN_A, device_row_kept
from protv2g.engine.faults import A_MATRIX, peak_phase_12, seq_to_abc
from protv2g.engine.staged_tables import StagedCurrents, staged_currents
from protv2g.errors import InputError
from protv2g.network.fault_positions import with_close_in_positions
from protv2g.pipeline import engine_inputs, study_with_sites
from protv2g.pipeline_blocks import check_aligned
from protv2g.pipeline_dss import DEVICE_ROW_MIN_A as DSS_MIN_A
from protv2g.scenarios import build_scenarios

FEEDERS = Path(__file__).resolve().parents[1] / "feeders"


def test_one_threshold_for_both_paths():
    assert DSS_MIN_A is DEVICE_ROW_MIN_A == 1.0


def test_rule_phase_or_residual_current_or_not_finite():
    a = np.exp(2j * np.pi / 3)
    rows = np.array([
        [0.99, 0.99 * a * a, 0.99 * a],   # balanced 0.99 A: dropped
        [1.0, 0.0, 0.0],                  # 1 A in phase a (and 3I0 = 1 A): kept
        [0.6, 0.6, 0.0],                  # 0.6 A per phase but |3I0| = 1.2 A: kept
        [np.nan, 0.0, 0.0],               # unsolved: kept
        [0.0, 0.0, 0.0],                  # nothing: dropped
    ], dtype=complex)
    assert device_row_kept(rows).tolist() == [False, True, True, True, False]
    assert device_row_kept(rows, 0.0).all()
    assert device_row_kept(rows.reshape(5, 1, 3)).shape == (5, 1)


@pytest.fixture(scope="module")
def both():
    """The weak end-of-line example as the pipeline solves it, full and pruned."""
    warnings.simplefilter("ignore")
    study = with_close_in_positions(study_with_sites(
        load_study(FEEDERS / "weak_end_of_line" / "study.yaml")))
    options = engine_inputs(study, build_scenarios(study.document)).options
    return fault_study(study.net, **options), fault_study(study.net, **options,
                                                           device_min_a=DEVICE_ROW_MIN_A)


def _kept_mask(device: pd.DataFrame) -> np.ndarray:
    i_abc_a = np.stack([1e3 * device[f"i{p}_ka"].to_numpy()
                        * np.exp(1j * np.radians(device[f"i{p}_degree"].to_numpy()))
                        for p in "abc"], axis=-1)
    return device_row_kept(i_abc_a)


def test_pruned_table_is_the_full_one_filtered(both):
    full, kept = both
    mask = _kept_mask(full.device)
    assert 0 < mask.sum() < len(mask)  # 1,240 of 1,800 rows on 2026-12-01
    assert kept.device_i_012_ka is None and len(kept.device_rows) == mask.sum()
    pd.testing.assert_frame_equal(kept.device, full.device[mask].reset_index(drop=True))
    pd.testing.assert_frame_equal(kept.bus, full.bus)


def test_pruned_stages_stay_aligned_with_the_rows(both):
    full, kept = both
    idx = np.flatnonzero(_kept_mask(full.device))
    a, b = staged_currents(full), staged_currents(kept)
    assert a.stage_names == b.stage_names and b.n_rows == len(kept.device)
    np.testing.assert_array_equal(a.i_a[:, idx], b.i_a)
    np.testing.assert_array_equal(a.t_start_s[:, idx], b.t_start_s)
    np.testing.assert_array_equal(a.t_end_s[:, idx], b.t_end_s)
    pd.testing.assert_frame_equal(a.sites, b.sites)


def test_given_rows_are_kept_as_given(both):
    _, kept = both
    study = with_close_in_positions(study_with_sites(
        load_study(FEEDERS / "weak_end_of_line" / "study.yaml")))
    options = engine_inputs(study, build_scenarios(study.document)).options
    again = fault_study(study.net, **options, device_min_a=1e9,  # would keep nothing …
                        device_rows=kept.device_rows.positions)  # … but takes these rows
    pd.testing.assert_frame_equal(again.device, kept.device)


def test_stage_view_of_pruned_result_has_no_device_table(both):
    _, kept = both
    with pytest.raises(ValueError, match="stage view"):
        _ = kept.stage_view(1).device


def test_kept_phasors_are_the_dense_ones_at_the_kept_rows(both):
    """Row form (#21): the first cycle's currents and voltages at the kept rows, computed
    only there, are the dense arrays' values there — bit for bit."""
    full, kept = both
    rows = kept.device_rows
    s, c, t = rows.slice_key.T
    where = (s, c, t, rows.device, rows.fault_bus)
    np.testing.assert_array_equal(full.device_i_012_ka[where], rows.i_012_ka)
    np.testing.assert_array_equal(full.device_v_012_pu[where], rows.v_012_pu)


def test_without_device_voltages_the_currents_and_stages_are_the_same(both):
    _, kept = both
    study = with_close_in_positions(study_with_sites(
        load_study(FEEDERS / "weak_end_of_line" / "study.yaml")))
    options = engine_inputs(study, build_scenarios(study.document)).options
    bare = fault_study(study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                       device_rows=kept.device_rows.positions, device_voltages=False)
    np.testing.assert_array_equal(bare.device_rows.i_012_ka, kept.device_rows.i_012_ka)
    assert np.isnan(bare.device_rows.v_012_pu).all()
    a, b = staged_currents(kept), staged_currents(bare)
    np.testing.assert_array_equal(a.i_a, b.i_a)
    np.testing.assert_array_equal(a.t_end_s, b.t_end_s)
    check_aligned(kept.device_rows, bare.device_rows.keys_only())
    with pytest.raises(InputError, match="device_voltages"):
        fault_study(study.net, **options, device_voltages=False)


def test_misaligned_brackets_are_refused(both):
    _, kept = both
    rows = kept.device_rows
    shifted = dataclasses.replace(rows, fault_bus=np.roll(rows.fault_bus, 1))
    with pytest.raises(RuntimeError, match="do not align"):
        check_aligned(rows, shifted)


def test_seq_to_abc_is_the_fortescue_product():
    """Written out element-wise (#21, no BLAS): the product with A to rounding, same dtype
    rules (complex64 in → complex128 out, as ``x @ A.T``)."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 5, 3)) + 1j * rng.normal(size=(4, 5, 3))
    ref = x @ A_MATRIX.T
    out = seq_to_abc(x)
    assert out.dtype == ref.dtype and out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-14)
    x32 = x.astype(np.complex64)
    assert seq_to_abc(x32).dtype == (x32 @ A_MATRIX.T).dtype
    np.testing.assert_array_equal(seq_to_abc(np.array([0, 1, 0], complex)),
                                  A_MATRIX[:, 1])


def test_peak_phase_12_is_the_largest_phase_of_seq_to_abc():
    """Element-wise (#21): the same values, bit for bit, as the largest phase magnitude of
    ``seq_to_abc`` on ``(0, x1, x2)`` — NaN kept, complex64 promoted as there."""
    rng = np.random.default_rng(11)
    x = (rng.normal(size=(6, 40, 2)) + 1j * rng.normal(size=(6, 40, 2))) * 10.0 ** rng.uniform(
        -3, 3, size=(6, 40, 2))
    x.flat[::17] = np.nan
    x.flat[::23] = 0
    for arr in (x, x.astype(np.complex64)):
        x012 = np.concatenate([np.zeros_like(arr[..., :1]), arr], axis=-1)
        ref = np.abs(seq_to_abc(x012)).max(axis=-1)
        out = peak_phase_12(arr)
        assert out.dtype == ref.dtype
        np.testing.assert_array_equal(out, ref)
    # a positive-sequence unit current: every phase magnitude 1
    np.testing.assert_allclose(peak_phase_12(np.array([1 + 0j, 0j])), 1.0, rtol=1e-15)


def test_staged_take_by_runs_is_the_gather():
    """``StagedCurrents.take`` copies runs of consecutive rows as slices (#21): the same as
    the gather for runs, repeats, reversed and scattered rows."""
    rng = np.random.default_rng(3)
    st = StagedCurrents(rng.random((3, 900, 4)).astype(np.float32),
                        rng.random((3, 900)).astype(np.float32),
                        rng.random((3, 900)).astype(np.float32), ("a", "b", "c"),
                        pd.DataFrame())
    for rows in (np.r_[np.arange(600, 900), np.arange(0, 300), np.arange(0, 300)],
                 np.arange(899, -1, -1), rng.integers(0, 900, 77), np.zeros(0, np.int64)):
        out = st.take(rows)
        np.testing.assert_array_equal(out.i_a, st.i_a[:, rows])
        np.testing.assert_array_equal(out.t_start_s, st.t_start_s[:, rows])
        np.testing.assert_array_equal(out.t_end_s, st.t_end_s[:, rows])
