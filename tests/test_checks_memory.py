"""The checks' memory savings (#21) give what the code they replace gave: the close-in study
taken from the fault tables, C5's zone rows joined once, the pair join by row positions."""

from __future__ import annotations

import copy
import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from protv2g import load_study
from protv2g.checks import base_margins, check_context
from protv2g.checks.pairs import _KEYS, _TIME_COLS, _bracket_columns, merged
from protv2g.checks.sensitivity import check_sensitivity, reach_margins
from protv2g.pipeline import fault_tables, study_with_sites
from protv2g.scenarios import build_scenarios

FEEDERS = Path(__file__).resolve().parents[1] / "feeders"


@pytest.fixture(scope="module")
def depot():
    warnings.simplefilter("ignore")
    study = study_with_sites(load_study(FEEDERS / "depot_two_feeder" / "study.yaml"))
    scenarios = build_scenarios(study.document)
    return study, scenarios, fault_tables(study, scenarios)


def test_close_in_study_is_taken_from_the_fault_tables(depot):
    study, scenarios, faults = depot
    given, solved = faults.close_in
    assert given is study  # study_with_sites is idempotent: run_study's study is the one solved
    ctx = check_context(study, faults, None, scenarios)
    assert ctx.study.net is solved.net and ctx.study.device_sites is solved.device_sites
    rebuilt = check_context(study, faults.device, None, scenarios)  # a table only: built
    assert rebuilt.study.net is not solved.net
    for name in ("chains", "pairs", "zones"):
        pd.testing.assert_frame_equal(getattr(ctx, name), getattr(rebuilt, name))
    # another study (not the one solved): built, never borrowed
    other = dataclasses.replace(study, net=copy.deepcopy(study.net))
    assert check_context(other, faults, None, scenarios).study.net is not solved.net


def test_reach_margins_built_once_equal_the_base_only_ones(depot):
    study, scenarios, faults = depot
    ctx = check_context(study, faults, None, scenarios)
    check_sensitivity(ctx)
    assert "C5 reach margins" in ctx.cache
    bases = {b for b in ctx.base_of.values() if b}
    # what base_margins computed before: C5's zone rows of the base cases, built afresh. Since
    # reach23 they read the charger stages by fault-table position (``ctx.staged``, aligned
    # with ``ctx.faults``), so the fault rows are not cut to the base cases first: a cut table
    # would read other rows' stages
    fresh = check_context(study, faults, None, scenarios)
    assert "C5 reach margins" not in fresh.cache
    want = reach_margins(fresh)
    want = want[want.scenario.astype(str).isin(bases)].reset_index(drop=True)
    got = base_margins(ctx)
    got = got[got.criterion == "C5"].reset_index(drop=True)
    assert len(want) > 0
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_pair_join_by_positions_equals_the_column_join(depot, monkeypatch):
    import protv2g.checks.pairs as pairs_module

    study, scenarios, faults = depot
    ctx = check_context(study, faults, None, scenarios)
    # the join itself: every row, none dropped for a nearer device clearing first (review
    # s27 §1, :func:`protv2g.checks.pairs.cleared_nearer`, tested on its own)
    monkeypatch.setattr(pairs_module, "cleared_nearer",
                        lambda m, at, cols, n: np.zeros(len(m), dtype=bool))
    got = merged(ctx, brackets=("high", "low"))
    f, pairs = ctx.faults, ctx.pairs  # the join as it was written before (#21)
    time_cols = [*_TIME_COLS, *(c for b in ("high", "low") for c in _bracket_columns(b)
                                if c in f.columns)]
    cols = [*_KEYS, "device", *time_cols]
    p = f[cols].rename(columns={c: f"p_{c}" for c in time_cols} | {"device": "primary"})
    b = f[cols].drop(columns="fault_bus_name").rename(
        columns={c: f"b_{c}" for c in time_cols} | {"device": "backup"})
    want = pairs[["fault_bus", "primary", "backup"]].merge(p, on=["fault_bus", "primary"])
    want = want.merge(b, on=[*_KEYS, "backup"])
    assert len(want) > 0
    want = want.astype({c: object for c in want.columns  # the key columns' values (#21)
                        if isinstance(want[c].dtype, pd.CategoricalDtype)})
    pd.testing.assert_frame_equal(got.drop(columns=["p_kind", "b_kind"]), want,
                                  check_exact=True)
    assert np.isfinite(got.p_t_op_high_s.to_numpy(float)).any()


def _worse_as_before(high, low, key, rank, margin):
    """``brackets._worse`` as written before #21 (whole rows copied at every step)."""
    from protv2g.checks.brackets import TOL_S
    h = high.assign(_b="high", _n=high.groupby(key, dropna=False).cumcount())
    lo = low.assign(_b="low", _n=low.groupby(key, dropna=False).cumcount())
    both = pd.concat([h, lo], ignore_index=True)
    m = pd.to_numeric(both[margin], errors="coerce").to_numpy(float)
    both["_m"] = np.where(np.isnan(m), np.inf, m)
    keys = [*key, "_n"]
    both = both.sort_values([*keys, rank, "_m", "_b"], kind="stable")
    grp = both.groupby(keys, dropna=False, sort=False)
    first = grp.head(1).copy()
    n = grp["_b"].transform("size").loc[first.index].to_numpy()
    r_max = grp[rank].transform("max").loc[first.index].to_numpy()
    m_max = grp["_m"].transform("max").loc[first.index].to_numpy()
    m_min = first["_m"].to_numpy()
    with np.errstate(invalid="ignore"):
        same = (n == 2) & (r_max == first[rank].to_numpy()) & (
            (m_max == m_min) | (np.abs(m_max - m_min) <= TOL_S))
    first["bracket"] = np.where(same, "both", first["_b"].to_numpy())
    first = first.sort_index(kind="stable")
    return first.drop(columns=["_b", "_n", "_m", rank]).reset_index(drop=True)


def test_worse_on_keys_equals_the_whole_row_version():
    from protv2g.checks.brackets import _worse
    rng = np.random.default_rng(7)

    def table(n):
        return pd.DataFrame({
            "k": rng.choice(["a", "b", "c", None], n), "j": rng.integers(0, 3, n),
            "_r": rng.integers(0, 3, n),
            "margin": np.where(rng.random(n) < 0.2, np.nan, rng.choice([-0.1, 0.0, 0.2], n)),
            "text": rng.choice(["x", "y"], n).astype(object)})
    high, low = table(300), table(250)
    high.index = rng.permutation(300) + 1000  # filtered tables keep their index
    got = _worse(high, low, ["k", "j"], "_r", "margin")
    pd.testing.assert_frame_equal(got, _worse_as_before(high, low, ["k", "j"], "_r", "margin"))
    assert set(got.bracket) == {"both", "high", "low"}


def test_pick_text_is_np_where_as_objects():
    from protv2g.checks.coordination import _pick_text
    cond = np.array([True, False, True])
    got = _pick_text(cond, "s" * 300, "t")
    assert got.dtype == object
    assert list(got) == list(np.where(cond, "s" * 300, "t"))
