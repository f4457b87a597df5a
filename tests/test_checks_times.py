"""Operating times through the stages, each row on its own leading stages (#21,
``protv2g.checks._times``): bit for bit the times of integrating every stage, padding included.

Reference: :func:`protv2g.devices.kinds.staged_operating_times` on all stages of every row
(what ``_through_stages`` did before it cut the padding). And the row frames concatenated
column by column (``_common.concat_owned``): :func:`pandas.concat`'s frame exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks._times import _direct, _through_stages, stage_counts
from protv2g.devices.kinds import TIME_COLUMNS, staged_operating_times
from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser
from protv2g.engine.staged_tables import StagedCurrents

DEVICES = {
    "R": OvercurrentRelay(name="R", pickup_a=400.0, curve="IEEE-MI", time_dial=0.6,
                          inst_pickup_a=4000.0, ground_pickup_a=120.0, ground_curve="IEEE-VI",
                          ground_time_dial=2.0),
    "REM": OvercurrentRelay(name="REM", pickup_a=300.0, curve="IEEE-VI", time_dial=1.0,
                            reset="electromechanical"),
    "RC": Recloser(name="RC", phase_min_trip_a=280.0, fast_curve="101", delayed_curve="133",
                   ground_min_trip_a=100.0),
    "F": Fuse(name="F", link="65K"),
}


def _padded_stages(n: int, seed: int) -> StagedCurrents:
    """``n`` rows of 1 to 4 real stages (sustained at 1/60 s, trips later), padded to 4 as
    the engine pads: infinite start and end, the last real stage's currents repeated."""
    rng = np.random.default_rng(seed)
    real = rng.integers(1, 5, n)
    i_a = np.empty((4, n, 4), np.float32)
    t0 = np.full((4, n), np.inf, np.float32)
    t1 = np.full((4, n), np.inf, np.float32)
    starts = np.array([0.0, 1 / 60, 0.16, 0.9], np.float32)
    for k in range(4):
        i_a[k] = rng.uniform(0.0, 6000.0, (n, 4)).astype(np.float32)
        here = real > k
        i_a[k, ~here] = i_a[k - 1, ~here]
        t0[k, here] = starts[k]
        t1[k, here & (real > k + 1)] = starts[k + 1] if k < 3 else np.inf
    return StagedCurrents(i_a, t0, t1, ("first_cycle", "sustained", "after_trip_1",
                                        "after_trip_2"), pd.DataFrame())


def test_stage_counts_are_the_real_stages_and_all_when_padding_differs():
    st = _padded_stages(400, 1)
    counts = stage_counts(st)
    expect = 4 - np.argmax(np.isfinite(st.t_start_s)[::-1], axis=0)
    np.testing.assert_array_equal(counts, expect)
    assert set(counts.tolist()) == {1, 2, 3, 4}
    # a padded stage that does not repeat the last real stage's currents: every stage kept
    row = int(np.flatnonzero(counts == 1)[0])
    st.i_a[3, row, 0] += 1.0
    assert stage_counts(st)[row] == 4


def _stage_counts_by_gather(staged: StagedCurrents) -> np.ndarray:
    """stage_counts as first written: each padded stage compared with the row's last real
    stage, rows gathered per stage."""
    start, i = staged.t_start_s, staged.i_a
    n = staged.n_stages
    counts = n - np.argmax(np.isfinite(start)[::-1], axis=0)
    bits = i.view(np.int32)
    for k in range(1, n):
        pad = np.flatnonzero(counts <= k)
        if len(pad):
            same = (bits[k, pad] == bits[counts[pad] - 1, pad]).all(axis=-1)
            counts[pad[~same]] = n
    return counts


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_stage_counts_equal_the_comparison_with_the_last_real_stage(seed):
    st = _padded_stages(2000, seed)
    rng = np.random.default_rng(seed)
    # padding broken in one stage, NaN padding (equal bits) and -0.0 against 0.0 (not)
    for k, value in ((1, 7.0), (2, np.nan), (3, -0.0), (2, 0.0)):
        rows = rng.choice(2000, 60, replace=False)
        st.i_a[k, rows, rng.integers(0, 4)] = value
    st.i_a[:, :5] = np.nan  # whole rows NaN in every stage
    st.t_start_s[:, 5:9] = np.inf  # rows without a finite start
    np.testing.assert_array_equal(stage_counts(st), _stage_counts_by_gather(st))
    empty = StagedCurrents(st.i_a[:, :0], st.t_start_s[:, :0], st.t_end_s[:, :0],
                           st.stage_names, pd.DataFrame())
    assert stage_counts(empty).shape == (0,)
    one = StagedCurrents(st.i_a[:1], st.t_start_s[:1], st.t_end_s[:1], st.stage_names[:1],
                         pd.DataFrame())
    np.testing.assert_array_equal(stage_counts(one), np.ones(2000, dtype=int))


@pytest.mark.parametrize("seed", [2, 3])
def test_through_stages_equals_every_stage_integrated(seed):
    st = _padded_stages(600, seed)
    st.i_a[2, :7] = np.nan  # NaN currents in a later stage of some rows
    names = np.array(list(DEVICES), dtype=object)[np.arange(600) % len(DEVICES)]
    rows = {n: np.flatnonzero(names == n) for n in DEVICES}
    held = {k: np.full(600, np.nan) for k in TIME_COLUMNS}
    got = _through_stages(DEVICES, rows, held, st, _direct)
    for name, idx in rows.items():
        t0, t1 = st.times_s(idx)
        ref = staged_operating_times(DEVICES[name], st.phase_a(idx), st.ground_a(idx), t0, t1)
        for col, t in ref.items():
            np.testing.assert_array_equal(got[col][idx].view(np.int64),
                                          np.asarray(t, float).view(np.int64))


def _rows(n: int, seed: int) -> pd.DataFrame:
    from protv2g.checks._violation_rows import violation_rows

    rng = np.random.default_rng(seed)
    return violation_rows("C5", rng.choice(["fail", "warn"], n).tolist(),
                          frame=pd.DataFrame(index=range(n)),
                          scenario=rng.choice(["base/light", "x/light"], n).astype(object),
                          device=[f"F{k}" for k in range(n)], margin=rng.normal(size=n),
                          message=[f"m{k}" for k in range(n)])


def test_concat_owned_is_pandas_concat_and_empties_the_frames():
    from protv2g.checks._common import concat_owned

    frames = [_rows(50, 1), _rows(0, 2), _rows(7, 3)]
    expect = pd.concat([f.copy() for f in frames if len(f)], ignore_index=True)
    got = concat_owned(frames)
    pd.testing.assert_frame_equal(got, expect, check_exact=True)
    assert frames[0].shape[1] == 0  # its columns handed over
    # different dtypes: pandas' own rules
    a, b = _rows(5, 4), _rows(5, 5)
    b["margin"] = b["margin"].astype(object)
    expect = pd.concat([a.copy(), b.copy()], ignore_index=True)
    pd.testing.assert_frame_equal(concat_owned([a, b]), expect, check_exact=True)


def test_split_against_base_by_chunks_is_the_same(monkeypatch):
    from protv2g.checks import converter_sum

    rng = np.random.default_rng(6)
    n = 300
    frame = pd.DataFrame({
        "scenario": rng.choice(["base/light", "x/light", "y/light"], n),
        "fault_bus": rng.integers(0, 20, n), "fault_type": rng.choice(["3ph", "SLG"], n),
        "case": rng.choice(["max", "min"], n), "device": rng.choice(["R", "F"], n),
        **{f"i{p}_ka": rng.uniform(0, 9, n) for p in "abc"},
        **{f"i{p}_degree": rng.uniform(-180, 180, n) for p in "abc"}})
    frame.loc[::17, "ib_ka"] = np.nan
    keys = ["fault_bus", "fault_type", "case", "device"]
    base_of = {"x/light": "base/light", "y/light": "base/light", "base/light": "base/light"}
    whole = converter_sum.split_against_base(frame, keys, base_of)
    monkeypatch.setattr(converter_sum, "SPLIT_CHUNK_ROWS", 7)
    chunked = converter_sum.split_against_base(frame, keys, base_of)
    for name in ("i_phasor_ka", "i_iec_sum_ka", "i_sym_ka", "i_network_ka", "i_converter_ka"):
        np.testing.assert_array_equal(getattr(chunked, name).view(np.int64),
                                      getattr(whole, name).view(np.int64))
    assert chunked.basis.tolist() == whole.basis.tolist()
    assert (whole.basis == "iec_sum").any() and (whole.basis == "phasor_min_case").any()


def test_through_stages_reads_the_phase_currents_as_staged_currents_give_them():
    # the largest phase current taken once for every row (NaN phases included) is the
    # figure StagedCurrents.phase_a gives row by row
    st = _padded_stages(500, 8)
    st.i_a[1, :20, 1] = np.nan
    i = st.i_a
    phase = np.maximum(np.maximum(i[..., 0], i[..., 1]), i[..., 2])
    rows = np.arange(3, 480, 7)
    for k in (1, 2, 4):
        got, want = phase[:k, rows].astype(float), st.phase_a(rows, k)
        np.testing.assert_array_equal(got.view(np.int64), want.view(np.int64))


def _bits_equal(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_array_equal(np.asarray(a[k], float).view(np.int64),
                                      np.asarray(b[k], float).view(np.int64), err_msg=k)


def _high_of(low: StagedCurrents, rows: np.ndarray, seed: int) -> StagedCurrents:
    """A high bracket differing from ``low`` in ``rows`` only (currents, a start time,
    -0.0 for 0.0, a NaN)."""
    rng = np.random.default_rng(seed)
    i_a, t0, t1 = low.i_a.copy(), low.t_start_s.copy(), low.t_end_s.copy()
    for r in rows.tolist():
        what = rng.integers(0, 4)
        if what == 0:
            i_a[rng.integers(0, low.n_stages), r, rng.integers(0, 4)] *= 1.3
        elif what == 1:
            t0[0, r] = np.float32(0.001)
        elif what == 2:
            i_a[0, r, 3] = np.float32(-0.0) if i_a[0, r, 3] == 0 else -i_a[0, r, 3]
        else:
            i_a[1, r, 0] = np.nan
    return StagedCurrents(i_a, t0, t1, low.stage_names, low.sites)


@pytest.mark.parametrize("seed", [11, 12])
def test_both_brackets_equal_each_bracket_integrated_on_every_row(seed):
    from protv2g.checks._times import _both_brackets, stage_rows_differ

    n = 800
    low = _padded_stages(n, seed)
    low.i_a[0, ::13, 3] = 0.0
    rng = np.random.default_rng(seed)
    changed = np.sort(rng.choice(n, 40, replace=False))
    high = _high_of(low, changed, seed)
    differ = stage_rows_differ(low, high)
    assert set(np.flatnonzero(differ).tolist()) <= set(changed.tolist())
    assert differ.sum() > 20
    names = np.array([*DEVICES, "none"], dtype=object)[np.arange(n) % (len(DEVICES) + 1)]
    rows = {k: np.flatnonzero(names == k) for k in DEVICES}  # "none": rows of no model
    held = {k: rng.uniform(0.1, 2.0, n) for k in TIME_COLUMNS}
    for a, b in ((low, high), (low, low), (None, high), (low, None), (None, None)):
        want_high = _through_stages(DEVICES, rows, held, b, _direct)
        want_low = _through_stages(DEVICES, rows, held, a, _direct)
        given = {k: v.copy() for k, v in held.items()}
        got_high, got_low = _both_brackets(DEVICES, rows, given, a, b, _direct)
        _bits_equal(got_high, want_high)
        _bits_equal(got_low, want_low)
        assert all(got_high[k] is not got_low[k] for k in got_high)


def test_both_brackets_with_no_row_differing_or_other_stage_counts():
    from protv2g.checks._times import _both_brackets, stage_rows_differ

    low = _padded_stages(300, 21)
    same = StagedCurrents(low.i_a.copy(), low.t_start_s.copy(), low.t_end_s.copy(),
                          low.stage_names, low.sites)
    assert not stage_rows_differ(low, same).any()
    fewer = StagedCurrents(low.i_a[:2].copy(), low.t_start_s[:2].copy(),
                           low.t_end_s[:2].copy(), low.stage_names[:2], low.sites)
    assert stage_rows_differ(low, fewer) is None
    names = np.array(list(DEVICES), dtype=object)[np.arange(300) % len(DEVICES)]
    rows = {k: np.flatnonzero(names == k) for k in DEVICES}
    held = {k: np.full(300, np.nan) for k in TIME_COLUMNS}
    for b in (same, fewer):
        got_high, got_low = _both_brackets(DEVICES, rows, dict(held), low, b, _direct)
        _bits_equal(got_high, _through_stages(DEVICES, rows, held, b, _direct))
        _bits_equal(got_low, _through_stages(DEVICES, rows, held, low, _direct))
    empty = StagedCurrents(low.i_a[:, :0], low.t_start_s[:, :0], low.t_end_s[:, :0],
                           low.stage_names, low.sites)
    assert stage_rows_differ(empty, empty).shape == (0,)
    got_high, got_low = _both_brackets(DEVICES, {}, {k: np.zeros(0) for k in TIME_COLUMNS},
                                       empty, empty, _direct)
    assert all(len(v) == 0 for v in (*got_high.values(), *got_low.values()))
