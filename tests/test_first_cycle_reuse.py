"""The chargers' high bracket takes the low bracket's first-cycle stage (#21).

``high_bracket_sets`` changes only each site's ``sustained_limit_pu``; that limit enters the
site arrays only as ``i_sus`` and ``dynamic`` (``charger_arrays``), which neither
``structure_key`` nor ``first_cycle_key`` reads, so the two brackets' first-cycle equations
are the same at every fault bus. ``fault_study(high_scenarios=...)`` therefore solves the
first cycle once per charger group; the results stay bit-identical to two separate calls
(``tests/test_fault_brackets_call.py``).
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

import protv2g.engine.staging as staging
from protv2g.engine import fault_study
from protv2g.engine.chargers import charger_arrays, same_first_cycle
from protv2g.engine.device_rows import DEVICE_ROW_MIN_A


def test_brackets_share_their_first_cycle_keys(depot_brackets):
    _, _, sets, high = depot_brackets
    n_sites = 0
    for name, chs in sets.items():
        if not chs:
            continue
        low_a, high_a = charger_arrays(list(chs), 10.0), charger_arrays(list(high[name]), 10.0)
        assert same_first_cycle(low_a, high_a)
        n_sites += not np.array_equal(low_a.i_sus, high_a.i_sus)
    assert n_sites  # some scenario's sustained limits differ: a real second bracket
    chs = next(v for v in sets.values() if v)
    other = [replace(c, limit_pu=c.limit_pu * 1.1) for c in chs]  # another first-cycle limit
    assert not same_first_cycle(charger_arrays(list(chs), 10.0), charger_arrays(other, 10.0))
    assert not same_first_cycle(charger_arrays(list(chs), 10.0), None)


def test_high_bracket_does_not_solve_its_first_cycle_again(depot_brackets, monkeypatch):
    study, options, _, high = depot_brackets
    calls = {"first_cycle": 0, "given": 0}
    orig = staging.solve_columns

    def counting(*a, **kw):
        calls["first_cycle"] += kw.get("hold") is not None  # only the first cycle holds
        return orig(*a, **kw)

    orig_stages = staging.solve_stages

    def stages(*a, **kw):
        calls["given"] += kw.get("first_cycle") is not None
        return orig_stages(*a, **kw)

    import protv2g.engine.charger_solve as charger_solve
    orig_above = charger_solve.solve_above

    def above(*a, **kw):  # the high bracket where only its sustained limits differ (#21)
        calls["given"] += 1
        return orig_above(*a, **kw)

    monkeypatch.setattr(staging, "solve_columns", counting)
    monkeypatch.setattr(charger_solve, "solve_stages", stages)
    monkeypatch.setattr(charger_solve, "solve_above", above)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fault_study(study.net, **options, device_min_a=DEVICE_ROW_MIN_A)
        low_only = dict(calls)
        calls.update(first_cycle=0, given=0)
        both = fault_study(study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                           high_scenarios=high)
    assert both.high is not None
    assert low_only["first_cycle"] > 0 and low_only["given"] == 0
    assert calls["first_cycle"] == low_only["first_cycle"]  # none more for the high bracket
    assert calls["given"] == low_only["first_cycle"]  # every high group took the low one's


@pytest.mark.parametrize("twin", [
    np.array([0, 1, 2, 0, 1, 2, 6, 7, 8]),  # scenarios 0, 0, 2 (solve_group's twins)
    np.arange(5),  # all distinct
    np.array([3, 3, 3, 3]),  # not their own twins: the np.unique fallback
    np.array([0, 0, 5, 1, 5, 5]),
])
def test_distinct_twins_is_unique_with_inverse(twin):
    u, back = staging._distinct_twins(twin)
    u_ref, back_ref = np.unique(twin, return_inverse=True)
    np.testing.assert_array_equal(u, u_ref)
    np.testing.assert_array_equal(back, back_ref)
