"""The checks' joins on integer codes (:mod:`protv2g.checks._keys`, #21) give the rows the
joins on the key columns gave: each coded path against its fallback (``ctx.keys = None``),
on the depot study with the first cycle held, where C6 fails (R-F1 fed back for F2 faults,
``tests/test_examples.py``), and C7's block-by-block evaluation against one block."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import check_context, duty_figures
from protv2g.checks._common import in_bracket
from protv2g.checks._keys import _dense_ranks, fault_keys, keys_of
from protv2g.checks.pairs import merged
from protv2g.checks.sensitivity import _zone_rows, check_sensitivity
from protv2g.checks.sympathetic import check_sympathetic, clearing_devices
from protv2g.pipeline import fault_tables
from protv2g.scenarios import build_scenarios
from protv2g.study.loader import load_study
from tests.conftest import FEEDERS_DIR


@pytest.fixture(scope="module")
def ctx():
    study = load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml")
    study = study.with_updates(
        v2g_sites=[s for s in study.raw["v2g_sites"] if s["name"] == "depot"],
        scenarios={"export_levels_kw": [0.0, 6000.0], "participation": ["firm"],
                   "load_levels": ["peak"]},
        faults={**study.raw["faults"], "high_bracket": "first_cycle_held"})
    scenarios = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        faults = fault_tables(study, scenarios)
    return check_context(study, faults, None, scenarios)


def test_codes_name_every_row_once(ctx) -> None:
    k = ctx.keys
    assert k is not None and len(k.fault) == len(ctx.faults)
    f = ctx.faults
    # sorted by the code = sorted by the key columns
    by_code = f.iloc[np.argsort(k.fault, kind="stable")][["scenario", "fault_bus",
                                                          "fault_type", "case"]]
    by_cols = f[["scenario", "fault_bus", "fault_type", "case"]].sort_values(
        ["scenario", "fault_bus", "fault_type", "case"], kind="stable")
    pd.testing.assert_frame_equal(by_code, by_cols)
    assert (k.rows_of(k.fault, k.device) == np.arange(len(f))).all()
    codes = k.fault_codes([f[c].to_numpy() for c in ("scenario", "fault_bus", "fault_type",
                                                      "case")])
    assert (codes == k.fault).all()
    assert (k.fault_codes([np.array(["nowhere"]), f.fault_bus.to_numpy()[:1],
                           f.fault_type.to_numpy()[:1], f.case.to_numpy()[:1]]) == -1).all()
    # a table whose keys repeat a row has no codes: the checks join on the columns
    assert fault_keys(pd.concat([f.iloc[:3], f.iloc[:1]])) is None
    # the codes hold for the table and its bracket copies, not for other rows put in its place
    assert keys_of(in_bracket(ctx, "low")) is k
    sub = replace(ctx, faults=f[f.scenario == f.scenario.iloc[0]])
    assert keys_of(sub) is None
    pd.testing.assert_frame_equal(_zone_rows(sub), _zone_rows(replace(sub, keys=None)))


def _texts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical columns (the fault tables' keys, #21) as objects: the
    join on the columns keeps them categorical, the one on the codes takes their values."""
    return frame.astype({c: object for c in frame.columns
                         if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def test_c6_and_clearing_devices_on_codes_as_on_columns(ctx) -> None:
    plain = replace(ctx, keys=None)
    for bracket in ("high", "low"):
        a, b = in_bracket(ctx, bracket), in_bracket(plain, bracket)
        pd.testing.assert_frame_equal(_texts(clearing_devices(a)),
                                      _texts(clearing_devices(b).reset_index(drop=True)))
        pd.testing.assert_frame_equal(check_sympathetic(a), check_sympathetic(b))
    c6 = check_sympathetic(in_bracket(ctx, "high"))
    assert set(c6[c6.status == "fail"].device) == {"R-F1"}  # rows to compare, not none


def test_pairs_and_c5_on_codes_as_on_columns(ctx) -> None:
    plain = replace(ctx, keys=None)
    pd.testing.assert_frame_equal(_texts(merged(ctx, ("high", "low"))),
                                  _texts(merged(plain, ("high", "low"))))
    pd.testing.assert_frame_equal(_texts(_zone_rows(ctx)), _texts(_zone_rows(plain)))
    pd.testing.assert_frame_equal(_texts(check_sensitivity(replace(ctx, cache={}))),
                                  _texts(check_sensitivity(replace(plain, cache={}))))


def test_duty_block_by_block_as_at_once(ctx, monkeypatch) -> None:
    cols = [c for c in duty_figures._DUTY_COLUMNS if c in ctx.faults.columns]
    f = duty_figures._max_case(ctx.faults[cols])
    whole = duty_figures.duty_frame(ctx.study, f, ctx.base_of)
    monkeypatch.setattr(duty_figures, "DUTY_BLOCK_ROWS", 50)
    blocks = duty_figures.duty_frame(ctx.study, f, ctx.base_of)
    assert f.device.nunique() > 2 and len(whole) > 2
    pd.testing.assert_frame_equal(blocks, whole)


@pytest.mark.parametrize("span", [1, 7, 50, 10**7])
def test_dense_ranks_are_numpy_unique(span):
    rng = np.random.default_rng(span)
    for n in (0, 1, 1000):
        raw = rng.integers(0, span, n).astype(np.int64)
        combined, fault = _dense_ranks(raw, span)
        want_c, want_f = np.unique(raw, return_inverse=True)
        np.testing.assert_array_equal(combined, want_c)
        np.testing.assert_array_equal(fault, want_f.reshape(-1))
        assert combined.dtype == want_c.dtype and fault.dtype == np.int64


def test_rows_of_by_binary_search_as_by_index(ctx) -> None:
    """#21: rows_of looks the (fault, device) pairs up in the sorted pair keys; the same rows
    as ``pd.Index(pairs).get_indexer``, -1 for absent pairs and negative device codes; a
    hand-made FaultKeys without the sorted pairs gives the same."""
    import dataclasses

    k = keys_of(ctx)
    n = len(k.names)
    index = pd.Index(k.fault * n + k.device)
    rng = np.random.default_rng(3)
    fault = np.concatenate([rng.integers(-1, k.n_faults + 2, 400), k.fault[:50]])
    device = np.concatenate([rng.integers(-1, n + 1, 400), k.device[:50]])
    want = np.where(device < 0, -1, index.get_indexer(fault * n + device))
    assert (k.rows_of(fault, device) == want).all()
    bare = dataclasses.replace(k, pair_sorted=None, pair_order=None)
    assert (bare.rows_of(fault, device) == want).all()
