"""The high bracket solved only where the sustained limit binds (#21,
:mod:`protv2g.engine.bracket_stages`): the stages copied from the low bracket are those of a
solve of every fault bus, bit for bit, and the law's ``bound`` flag is what that rests on."""

from __future__ import annotations

import warnings
from dataclasses import fields

import numpy as np
import pytest

import protv2g.engine.charger_solve as charger_solve
from protv2g.engine import fault_study
from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.engine.newton import ColumnSolution
from protv2g.engine.site_law_kernel import site_law_d, site_law_v
from protv2g.engine.staging import StagedChargers, solve_stages


def _bits(x) -> bytes:
    return np.ascontiguousarray(x).tobytes() + str((np.shape(x), np.asarray(x).dtype)).encode()


def _same_staged(a: StagedChargers, b: StagedChargers) -> list[str]:
    """The fields (and stage solutions' fields) of two staged solutions that differ in some
    bit; ``iterations`` and ``limit_bound`` (diagnostics of the solve) left out."""
    bad = [f.name for f in fields(StagedChargers) if f.name not in ("stages", "limit_bound")
           and _bits(getattr(a, f.name)) != _bits(getattr(b, f.name))]
    if a.n_stages != b.n_stages:
        return [*bad, "n_stages"]
    for j, (x, y) in enumerate(zip(a.stages, b.stages, strict=True)):
        bad += [f"stages[{j}].{f.name}" for f in fields(ColumnSolution)
                if f.name not in ("iterations", "limit_bound")
                and _bits(getattr(x, f.name)) != _bits(getattr(y, f.name))]
    return bad


def _run(study, options, high):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fault_study(study.net, **options, device_min_a=DEVICE_ROW_MIN_A,
                           high_scenarios=high)


def test_copied_stages_equal_a_full_solve(depot_brackets, monkeypatch):
    """Every high-bracket group solved by ``solve_above`` is compared with
    ``solve_stages`` of every column: the same stages bit for bit; and the depot's groups
    have both kinds of fault bus (bound: solved; free: copied)."""
    study, options, _, high = depot_brackets
    seen = {"calls": 0, "bound": 0, "free": 0}
    orig = charger_solve.solve_above

    def checked(sys, sites, pre, e_gfm, first_cycle_s, low, first_cycle):
        got = orig(sys, sites, pre, e_gfm, first_cycle_s, low, first_cycle)
        full = solve_stages(sys, sites, pre, e_gfm, first_cycle_s, first_cycle=first_cycle)
        assert _same_staged(got, full) == []
        seen["calls"] += 1
        seen["bound"] += int(low.limit_bound.sum())
        seen["free"] += int((~low.limit_bound).sum())
        return got

    monkeypatch.setattr(charger_solve, "solve_above", checked)
    res = _run(study, options, high)
    assert res.high is not None
    assert seen["calls"] > 0 and seen["bound"] > 0 and seen["free"] > 0


def test_high_bracket_result_unchanged_by_the_copy(depot_brackets, monkeypatch):
    """``fault_study(high_scenarios=...)``'s high result with the copy equals the one with
    every fault bus solved (``reusable`` off), every array bit for bit (but the solve's
    iteration counts, a diagnostic)."""
    study, options, _, high = depot_brackets
    with_copy = _run(study, options, high).high
    monkeypatch.setattr(charger_solve, "reusable", lambda *a: False)
    solved = _run(study, options, high).high
    n = 0
    for f in fields(with_copy):
        if f.name == "iterations":
            continue
        a, b = getattr(with_copy, f.name), getattr(solved, f.name)
        if isinstance(a, np.ndarray):
            assert _bits(a) == _bits(b), f.name
            n += 1
        elif hasattr(a, "__dataclass_fields__"):
            for g in fields(a):
                x, y = getattr(a, g.name), getattr(b, g.name)
                if isinstance(x, np.ndarray):
                    assert _bits(x) == _bits(y), (f.name, g.name)
                    n += 1
    assert n > 10


def _law_inputs(rng, n):
    v1 = rng.uniform(0.0, 1.2, n) * np.exp(1j * rng.uniform(-np.pi, np.pi, n))
    code = rng.integers(0, 3, n)
    p = rng.uniform(-1.5, 1.5, n)
    q = rng.uniform(-1.0, 1.0, n)
    pre = np.exp(1j * rng.uniform(-0.3, 0.3, n))
    return v1, code, p, q, pre


@pytest.mark.parametrize("held", [False, True])
def test_law_bound_flag(held):
    """:func:`~protv2g.engine.site_law_kernel._law`'s ``bound``: where False, a larger limit
    gives the same current and derivatives bit for bit and is not bound either; held sites
    and the constant-current law are always bound; a bound law's current reaches its
    limit (``|I1| = lim`` within rounding) or is the constant law's."""
    rng = np.random.default_rng(7)
    v1, code, p, q, pre = _law_inputs(rng, 3000)
    lim = rng.uniform(0.0, 1.6, 3000)
    lim[::10] = 0.0
    n_free = n_bound = 0
    for i in range(len(v1)):
        args = (code[i], held, p[i], q[i], 1.0, 0.4, 2.0, 0.05, pre[i], 0.1, 1.0)
        i1, d, dc, bound = site_law_d(v1[i], lim[i], *args)
        i1v, bv = site_law_v(v1[i], lim[i], *args)
        assert bv == bound and _bits(i1v) == _bits(i1)
        if held or code[i] == 2:
            assert bound
        if bound:
            n_bound += 1
            assert abs(abs(i1) - lim[i]) <= 1e-12 * (1 + lim[i]) or held or code[i] == 2
            continue
        n_free += 1
        for up in (lim[i] * (1 + 1e-15), lim[i] + 0.3, 5.0):
            j1, jd, jdc, b2 = site_law_d(v1[i], up, *args)
            assert not b2
            assert _bits(np.array([j1, jd, jdc])) == _bits(np.array([i1, d, dc]))
    assert held or (n_free > 100 and n_bound > 100)


def test_high_bracket_takes_the_low_column_system(depot_brackets, monkeypatch):
    """The two brackets of a (case, fault type) have the same column system (``build_system``
    reads neither limit): the high bracket's groups take the low bracket's
    (``charger_solve._same_group``) instead of building it again."""
    study, options, _, high = depot_brackets
    calls = {"n": 0}
    orig = charger_solve.build_system

    def counting(*a, **kw):
        calls["n"] += 1
        return orig(*a, **kw)

    monkeypatch.setattr(charger_solve, "build_system", counting)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fault_study(study.net, **options, device_min_a=DEVICE_ROW_MIN_A)
    low_only = calls["n"]
    calls["n"] = 0
    _run(study, options, high)
    assert low_only > 0 and calls["n"] == low_only
