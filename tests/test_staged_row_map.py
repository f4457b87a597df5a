"""Staged currents held once per charger set under a row map (#21, ``StagedCurrents.row_map``):
every table row reads the stages the dense form gives it, bit for bit.

Reference: the dense form (``StagedCurrents.dense()``: one stage row per table row, as the
pipeline held them before) and, for the pipeline, ``FaultTables.dense_stages()``; the checks'
per-row readers (``stage_counts``, ``stage_rows_differ``, ``_both_brackets``, ``twin_blocks``)
give on the mapped form what they give on the dense one.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from protv2g.checks._rows import twin_blocks
from protv2g.checks._times import _both_brackets, _direct, stage_counts, stage_rows_differ
from protv2g.devices.kinds import TIME_COLUMNS
from protv2g.engine.bracket_rows import shared_brackets
from protv2g.engine.staged_tables import LazyFrame, StagedCurrents, take_stages
from tests.test_checks_times import DEVICES, _high_of, _padded_stages


def _bits_equal(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a.view(f"i{a.itemsize}") if a.dtype.kind == "f" else a,
                                  b.view(f"i{b.itemsize}") if b.dtype.kind == "f" else b)


def _same_values(got: StagedCurrents, want: StagedCurrents) -> None:
    """``got`` reads, through its row map, what the dense ``want`` holds, row by row."""
    assert got.n_rows == want.n_rows and got.n_stages == want.n_stages
    for k in ("i_a", "t_start_s", "t_end_s"):
        _bits_equal(getattr(got, k), getattr(want, k))
    _bits_equal(got.dense().stage_i_a, want.stage_i_a)
    rows = np.random.default_rng(5).integers(0, max(want.n_rows, 1), 50) if want.n_rows \
        else np.zeros(0, np.int64)
    for n in (None, 1):
        _bits_equal(got.phase_a(rows, n), want.phase_a(rows, n))
        _bits_equal(got.phases_a(rows, n), want.phases_a(rows, n))
        _bits_equal(got.ground_a(rows, n), want.ground_a(rows, n))
        for x, y in zip(got.times_s(rows, n), want.times_s(rows, n), strict=True):
            _bits_equal(x, y)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_row_map_reads_the_dense_rows(seed):
    st = _padded_stages(300, seed)
    rng = np.random.default_rng(seed)
    # two study scenarios per charger set: each engine block repeated, as the pipeline maps
    rows = np.r_[0:100, 0:100, 100:300, 100:300, rng.integers(0, 300, 77)]
    mapped = st.take(rows)
    assert mapped.row_map is not None and mapped.stage_i_a is st.stage_i_a  # nothing copied
    assert mapped.n_stage_rows == 300 and mapped.n_rows == len(rows)
    assert not mapped.row_map.flags.writeable and mapped.row_map.dtype == np.int32
    dense = StagedCurrents(st.i_a[:, rows], st.t_start_s[:, rows], st.t_end_s[:, rows],
                           st.stage_names, st.sites)
    _same_values(mapped, dense)
    # a take of a take composes the maps
    sub = rng.integers(0, len(rows), 120)
    _same_values(mapped.take(sub), dense.take(sub).dense())
    # every stage row once, in order: no map at all
    assert st.take(np.arange(300)).row_map is None
    assert take_stages([st], rows).row_map is not None
    # counts per stage row, then mapped: those of the dense rows
    _bits_equal(stage_counts(mapped), stage_counts(dense))


def test_concat_of_mapped_parts_is_the_concat_of_their_dense_rows():
    a, b = _padded_stages(60, 3), _padded_stages(40, 4)
    b2 = StagedCurrents(b.stage_i_a[:2].copy(), b.stage_t_start_s[:2].copy(),
                        b.stage_t_end_s[:2].copy(), b.stage_names[:2], b.sites)  # fewer stages
    for parts in ([a.take(np.r_[0:60, 0:60]), b2.take(np.r_[39:-1:-1])],
                  [a, b2.take(np.r_[0:40, 5:9])], [a.take(np.r_[3, 3, 3]), b]):
        got = StagedCurrents.concat(parts)
        want = StagedCurrents.concat([p.dense() for p in parts])
        _same_values(got, want)


@pytest.mark.parametrize("seed", [11, 12])
def test_shared_brackets_hold_one_set_of_stage_rows_and_read_each_bracket(seed):
    n = 400
    low = _padded_stages(n, seed)
    changed = np.sort(np.random.default_rng(seed).choice(n, 30, replace=False))
    high = _high_of(low, changed, seed)
    rows = np.r_[0:200, 0:200, 200:400, 200:400]
    a, b = shared_brackets(low, high, rows)
    assert a.stage_i_a is b.stage_i_a and a.stage_t_end_s is b.stage_t_end_s
    differing = stage_rows_differ(low, high)
    assert a.n_stage_rows == n + differing.sum()  # the high rows that differ, only
    _same_values(a, low.take(rows).dense())
    _same_values(b, high.take(rows).dense())
    # the checks' readers: the same answers as on the dense brackets
    _bits_equal(stage_rows_differ(a, b), differing[rows])
    _bits_equal(stage_counts(b), stage_counts(high)[rows])
    names = np.array(list(DEVICES), dtype=object)[np.arange(len(rows)) % len(DEVICES)]
    by_dev = {k: np.flatnonzero(names == k) for k in DEVICES}
    held = {k: np.random.default_rng(seed).uniform(0.1, 2.0, len(rows)) for k in TIME_COLUMNS}
    got = _both_brackets(DEVICES, by_dev, {k: v.copy() for k, v in held.items()}, a, b,
                         _direct)
    want = _both_brackets(DEVICES, by_dev, {k: v.copy() for k, v in held.items()},
                          low.take(rows).dense(), high.take(rows).dense(), _direct)
    for g, w in zip(got, want, strict=True):
        for k in w:
            _bits_equal(g[k], w[k])
    # equal brackets: the low one's arrays as they are, no extra rows
    same_a, same_b = shared_brackets(low, low, rows)
    assert same_a.n_stage_rows == n and not stage_rows_differ(same_a, same_b).any()


def test_twin_blocks_compare_row_maps_as_the_dense_stages():
    st = _padded_stages(100, 7)
    rows = np.r_[0:50, 0:50, 50:100, 50:100]
    labels = np.repeat(np.array(["a", "b", "c", "d"], dtype=object), 50)
    col = np.tile(np.arange(50.0), 4)
    dense = st.take(rows).dense()
    mapped = st.take(rows)
    want = twin_blocks(labels, [col], [dense.stage_i_a, dense.stage_t_start_s])
    got = twin_blocks(labels, [col], [(mapped.stage_i_a, mapped.row_map),
                                      (mapped.stage_t_start_s, mapped.row_map)])
    assert want is not None and got is not None
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] == want[1]
    # other stage rows: blocks a/c and b/d twin, a/b do not, as in the dense form
    st2 = st.take(np.r_[0:50, 50:100, 0:50, 50:100])
    got = twin_blocks(labels, [np.zeros(200)], [(st2.stage_i_a, st2.row_map)])
    want = twin_blocks(labels, [np.zeros(200)], [st2.dense().stage_i_a])
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] == want[1] == [(slice(100, 150), slice(0, 50)),
                                 (slice(150, 200), slice(50, 100))]


def test_lazy_sites_are_built_once_for_every_take():
    calls = []

    def build() -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"x": [1, 2]})

    st = _padded_stages(10, 1)
    lazy = StagedCurrents(st.stage_i_a, st.stage_t_start_s, st.stage_t_end_s,
                          st.stage_names, LazyFrame(build))
    part = lazy.take(np.r_[1, 1, 2])
    assert calls == []
    assert part.sites is lazy.sites and calls == [1]
    # pickled (a result sent between processes) as the table it built
    back = pickle.loads(pickle.dumps(part))
    pd.testing.assert_frame_equal(back.sites, lazy.sites)
    _same_values(back, part.dense())
    unbuilt = StagedCurrents(st.stage_i_a, st.stage_t_start_s, st.stage_t_end_s,
                             st.stage_names, LazyFrame(build))
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(unbuilt)).sites, lazy.sites)


def test_pipeline_stages_equal_their_dense_form(depot_study):
    from protv2g.pipeline import fault_tables
    from protv2g.scenarios import build_scenarios

    ft = fault_tables(depot_study, build_scenarios(depot_study.document))
    st, high = ft.staged, ft.staged_high
    assert st.row_map is not None and high.stage_i_a is st.stage_i_a
    dense = ft.dense_stages()
    assert dense.staged.row_map is None and dense.staged_high.row_map is None
    assert dense.device is ft.device
    for got, want in ((st, dense.staged), (high, dense.staged_high)):
        _same_values(got, want)
        assert got.sites is want.sites
    # a scenario's rows read its charger set's stage rows: the dense rows of that scenario
    scen = ft.device["scenario"].to_numpy()
    for name in pd.unique(scen):
        r = np.flatnonzero(scen == name)
        _same_values(st.take(r), dense.staged.take(r).dense())
    # the sites' table, built on first use, has the expanded rows of every scenario
    assert set(st.sites["scenario"]) <= set(scen)
    assert len(st.sites) == len(high.sites)


def _rows_of(st: StagedCurrents, at: np.ndarray) -> StagedCurrents:
    return StagedCurrents(st.stage_i_a[:, at], st.stage_t_start_s[:, at],
                          st.stage_t_end_s[:, at], st.stage_names, st.sites)


def _cut(st: StagedCurrents, n: int) -> StagedCurrents:
    """``st`` with ``n`` stages: cut where its rows have at most ``n`` real stages, or
    padded as the engine pads (the last stage repeated, ``inf`` times)."""
    k = min(n, st.n_stages)
    pad = n - k

    def grow(x: np.ndarray, time: bool) -> np.ndarray:
        fill = np.full((pad,) + x.shape[1:], np.inf, x.dtype) if time else np.repeat(
            x[k - 1:k], pad, axis=0)
        return np.concatenate([x[:k], fill])

    return StagedCurrents(grow(st.stage_i_a, False), grow(st.stage_t_start_s, True),
                          grow(st.stage_t_end_s, True),
                          ("first_cycle", "sustained", "after_trip_1", "after_trip_2",
                           "after_trip_3")[:n], st.sites)


@pytest.mark.parametrize("seed", [11, 12])
@pytest.mark.parametrize("n_high", [4, 5, 3])
def test_shared_brackets_from_the_high_rows_that_differ_only(seed, n_high):
    """``at`` (the engine's ``high_rows="differing"``): the same brackets as from the whole
    high bracket, with its stage count equal to the low one's (one set of arrays) or not
    (two takes, the high bracket made whole from the low one's rows elsewhere)."""
    n = 400
    low = _padded_stages(n, seed)
    if n_high < 4:  # fewer stages in the high bracket: its rows have at most that many
        low = _cut(_cut(low, n_high), 4)
    changed = np.sort(np.random.default_rng(seed).choice(n, 30, replace=False))
    high = _cut(_high_of(low, changed, seed), n_high)
    differing = np.flatnonzero(stage_rows_differ(_cut(low, n_high), high))
    rows = np.r_[0:200, 0:200, 200:400, 200:400]
    want_a, want_b = shared_brackets(low, high, rows)
    a, b = shared_brackets(low, _rows_of(high, differing), rows, differing)
    _same_values(a, want_a.dense())
    _same_values(b, want_b.dense())
    assert (a.stage_i_a is b.stage_i_a) == (n_high == 4)
    if n_high == 4:
        assert a.n_stage_rows == want_a.n_stage_rows == n + len(differing)
    none_a, none_b = shared_brackets(low, _rows_of(low, np.zeros(0, np.int64)), rows,
                                     np.zeros(0, np.int64))
    assert none_a.stage_i_a is none_b.stage_i_a is low.stage_i_a
