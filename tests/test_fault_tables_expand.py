"""The fault tables' expansion of each charger set to the study scenarios sharing it (#21).

``FaultStudyResult.kept_device_frame(rows, take, scenario)`` builds the expanded device table
directly (no per-set table, no consolidation copy). Reference: the way the pipeline built it
before — the per-set table ``result.device``, rows taken with ``DataFrame.take``, numbered
from 0 and the ``scenario`` column replaced —, compared exactly (values, dtypes, order).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g import load_study
from protv2g.engine import fault_study
from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.engine.result import row_runs
from protv2g.pipeline import engine_inputs
from protv2g.pipeline_blocks import positions, take
from protv2g.scenarios import build_scenarios

from .conftest import REPO_DIR

DEPOT = REPO_DIR / "feeders" / "depot_two_feeder" / "study.yaml"


@pytest.fixture(scope="module")
def depot_result():
    study = load_study(DEPOT)
    inputs = engine_inputs(study, build_scenarios(study.document))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fault_study(study.net, **inputs.options, device_min_a=DEVICE_ROW_MIN_A)
    return res, inputs.key_of


def test_expanded_frame_equals_the_taken_per_set_table(depot_result):
    res, key_of = depot_result
    rows = res.device_rows
    pos, names = positions(rows.slice_key[:, 0], key_of, res.scenarios)
    assert len(pos) > len(rows) > 0  # scenarios share charger sets: rows repeat
    expected = take(res.device, pos, names)
    got = res.kept_device_frame(rows, pos, names)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # scattered positions (the gather, not the runs) give the same rows too
    rng = np.random.default_rng(0)
    some = rng.choice(len(rows), size=min(len(rows), 500), replace=True)
    pd.testing.assert_frame_equal(
        res.kept_device_frame(rows, some, np.asarray(res.device["scenario"])[some]),
        take(res.device, some, np.asarray(res.device["scenario"])[some]), check_exact=True)


def test_frame_without_take_is_the_device_table(depot_result):
    res, _ = depot_result
    pd.testing.assert_frame_equal(res.kept_device_frame(res.device_rows), res.device,
                                  check_exact=True)


def test_scenario_names_are_shared_not_copied():
    # one reference per row to the study scenario's name (np.full(n, name, object) made one
    # new str per row: 1.8 million strings at 10,000 buses)
    key_of = {"a/light": "set0", "a/peak": "set0", "b/light": "set1"}
    pos, names = positions(np.array([0, 0, 1, 1, 1]), key_of, ("set0", "set1"))
    np.testing.assert_array_equal(pos, [0, 1, 0, 1, 2, 3, 4])
    assert list(names) == ["a/light"] * 2 + ["a/peak"] * 2 + ["b/light"] * 3
    assert len({id(x) for x in names}) == 3


@pytest.mark.parametrize("rows", [[], [4], list(range(5, 70)) + [5] + list(range(90, 300)),
                                  list(range(200, 400)) + list(range(0, 200)) * 2])
def test_row_runs_cover_the_rows(rows):
    rows = np.asarray(rows, dtype=np.int64)
    runs = row_runs(rows)
    assert runs is not None
    x = np.arange(400) * 10
    rebuilt = np.empty(len(rows), dtype=x.dtype)
    for a, b, src in runs:
        rebuilt[a:b] = x[src:src + b - a]
    np.testing.assert_array_equal(rebuilt, x[rows])


def test_row_runs_refuses_scattered_rows():
    assert row_runs(np.arange(0, 1000, 2)) is None


def test_sites_table_equals_the_per_slice_frames_and_their_expansion(depot_result):
    res, key_of = depot_result
    stg = res.staged
    assert len(stg.sites) > 0
    per_slice = pd.concat([f for name in stg.scenarios
                           if name in stg.site_trip_s and len(stg.chargers.get(name, ()))
                           for f in stg._site_frames(name)], ignore_index=True)
    pd.testing.assert_frame_equal(stg.sites, per_slice, check_exact=True)
    # expanded at once = the per-set table's blocks taken per study scenario (kept_stages)
    blocks = list(key_of.items())
    pos, names = positions(stg.sites["scenario"].to_numpy(), key_of)
    # the sites' scenario column stays an object column (kept_stages); the names a categorical
    expected = take(stg.sites, pos, np.asarray(names, dtype=object))
    pd.testing.assert_frame_equal(stg.sites_table(blocks), expected, check_exact=True)
