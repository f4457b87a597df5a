"""The default charger model's stage bookkeeping without copies (#21, session 12): the compiled
column voltages, column views of a system, the stacked sites and the restricted stages give
exactly what the materialising numpy expressions they replace give."""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.engine.chargers import stack_sites
from protv2g.engine.control_law import ACTIVE, LawArrays
from protv2g.engine.newton import ColumnSolution, ColumnSystem, _voltages, solve_columns
from protv2g.engine.staging import StagedChargers, _take, _view, restrict


def _system(b: int, k: int, seed: int = 3) -> ColumnSystem:
    rng = np.random.default_rng(seed)

    def c(*shape):
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return ColumnSystem(v10=c(b, k), v20=c(b, k), m11=c(b, k, k) * 0.05, m21=c(b, k, k) * 0.05,
                        m12=None, m22=None)


def _einsum_voltages(sys: ColumnSystem, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = sys.take(np.arange(sys.n_cols)) if sys.src is not None else sys
    return (s.v10 + np.einsum("mij,mj->mi", s.m11, x),
            s.v20 + np.einsum("mij,mj->mi", s.m21, x))


@pytest.mark.parametrize("src", [None, "tiled", "view", "one", "empty"])
def test_compiled_voltages_are_the_einsum_bit_for_bit(src):
    b, k = 40, 3
    sys = _system(b, k)
    rng = np.random.default_rng(7)
    idx = {None: None, "tiled": np.tile(np.arange(b), 4), "view": rng.integers(0, b, 97),
           "one": np.array([5]), "empty": np.zeros(0, np.int64)}[src]
    if idx is not None:
        sys = ColumnSystem(sys.v10, sys.v20, sys.m11, sys.m21, None, None, idx)
    x = rng.standard_normal((sys.n_cols, k)) + 1j * rng.standard_normal((sys.n_cols, k))
    x[::5] = 0.0  # columns where every site is off
    v1, v2 = _voltages(sys, x)
    r1, r2 = _einsum_voltages(sys, x)
    assert v1.shape == (sys.n_cols, k) and np.array_equal(v1, r1) and np.array_equal(v2, r2)


def test_compiled_voltages_propagate_nan():
    sys = _system(6, 2)
    x = np.ones((6, 2), complex)
    x[2, 1] = np.nan
    v1, v2 = _voltages(sys, x)
    r1, r2 = _einsum_voltages(sys, x)
    assert np.array_equal(v1, r1, equal_nan=True) and np.isnan(v1[2]).all()
    assert np.array_equal(v2, r2, equal_nan=True)


def _law(k: int) -> LawArrays:
    return LawArrays(law=np.full(k, ACTIVE), gfm=np.zeros(k, bool), i_rated=np.ones(k),
                     p=np.linspace(0.2, 0.8, k), q=np.zeros(k), phi=np.zeros(k),
                     k_factor=np.full(k, 2.0), deadband=np.zeros(k), k2=np.zeros(k),
                     z_gfm=np.zeros(k, complex))


def test_a_view_of_columns_solves_as_the_materialised_columns():
    """``_view`` (blocks read through ``src``) and ``ColumnSystem.take`` (blocks copied) give
    the same solution, bit for bit, in the compiled solve."""
    b, k = 30, 3
    rng = np.random.default_rng(11)
    z = 0.02 * np.exp(1j * rng.uniform(0.6, 1.3, (b, k, k))) + np.eye(k) * 0.05j
    sys = ColumnSystem(v10=rng.uniform(0.3, 1.0, (b, k)) + 0j, v20=np.zeros((b, k), complex),
                       m11=z, m21=0.1 * z, m12=None, m22=None).tile(3)
    cols = np.sort(rng.choice(sys.n_cols, 50, replace=False))
    lim = np.full((len(cols), k), 1.1)
    pre = np.ones((len(cols), k), complex)
    a = solve_columns(_view(sys, cols), _law(k), lim, pre)
    c = solve_columns(sys.take(cols), _law(k), lim, pre)
    for f in ("i1", "i2", "v1", "v2", "residual", "unconverged", "pll_frozen"):
        assert np.array_equal(getattr(a, f), getattr(c, f)), f
    assert a.iterations == c.iterations


def test_stacked_sites_repeat_each_scenario_per_column():
    from protv2g.engine.chargers import ChargerSource, charger_arrays
    group = [charger_arrays([ChargerSource(f"s{b}", b, 1.0, limit_pu=1.5, p_pre_mw=lv / 4)
                             for b in (3, 7)], 10.0) for lv in (1, 2, 3)]
    m = 5
    st = stack_sites(group, m)
    for f in ("p", "q", "i_rated", "phi", "k_factor", "deadband", "k2", "z_gfm"):
        ref = np.concatenate([np.repeat(np.asarray(getattr(g.law, f))[:, None], m, axis=1)
                              for g in group], axis=1)
        assert np.array_equal(getattr(st.law, f), ref), f
    assert np.array_equal(st.i_fc, np.concatenate([np.repeat(g.i_fc[:, None], m, 1)
                                                   for g in group], axis=1).T)
    assert stack_sites(group[:1], m) is group[0]


def _sol(m: int, k: int, seed: int) -> ColumnSolution:
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((4, m, k)) + 1j * rng.standard_normal((4, m, k))
    return ColumnSolution(*c, pll_frozen=rng.random(m) < 0.3, unconverged=rng.random(m) < 0.2,
                          residual=rng.random(m), tracking_residual=rng.random(m),
                          iterations=seed)


@pytest.mark.parametrize("reached", [[], [1], [1, 2], [2]])
def test_restrict_keeps_the_stages_some_column_reaches(reached):
    """The trailing stages none of the columns reaches are dropped; the columns are views."""
    m, k, n = 6, 2, 4
    t0 = np.full((n, m), np.inf)
    t0[0] = 0
    for j in reached:
        t0[j, 1] = 0.1 * j  # reached at column 1 (inside the slice below)
    t0[3, 5] = 0.5  # reached at column 5 only (outside the slice)
    stg = StagedChargers(t0, t0 + 1, [_sol(m, k, j) for j in range(n)], np.ones((n, m, k), bool),
                         np.zeros((n, m, k), bool), np.full((m, k), np.inf),
                         np.zeros((m, k), bool), np.ones((m, k)))
    out = restrict(stg, slice(0, 3))
    assert out.n_stages == 1 + max(reached, default=0)
    for j, sol in enumerate(out.stages):
        ref = _take(stg.stages[j], np.arange(3))
        for f in ("i1", "i2", "v1", "v2", "pll_frozen", "unconverged", "residual",
                  "tracking_residual"):
            assert np.array_equal(getattr(sol, f), getattr(ref, f))
            assert np.shares_memory(getattr(sol, f), getattr(stg.stages[j], f))
        assert sol.iterations == j


@pytest.mark.parametrize("step", [True, False])
def test_columns_with_every_site_off_are_the_kernels_zeros(step):
    """Columns without any limit > 0 (all sites tripped or ceased) are not solved: their
    currents, residual and steps are what the compiled kernel returns there (zeros, 0, 0)."""
    import protv2g.engine.newton as nw

    b, k = 12, 3
    rng = np.random.default_rng(2)
    z = 0.02 * np.exp(1j * rng.uniform(0.6, 1.3, (b, k, k))) + np.eye(k) * 0.05j
    sys = ColumnSystem(v10=rng.uniform(0.3, 1.0, (b, k)) + 0j, v20=np.zeros((b, k), complex),
                       m11=z, m21=0.1 * z, m12=None, m22=None)
    lim = np.full((b, k), 1.1)
    lim[::3] = 0.0  # every site off
    lim[1, 0] = -1.0  # a negative limit is no current either
    lim[1, 1:] = 0.0
    pre = np.ones((b, k), complex)
    x0 = rng.standard_normal((b, k)) + 1j * rng.standard_normal((b, k))
    sol = solve_columns(sys, _law(k), lim, pre, x0=x0, step=step)
    off = np.flatnonzero(~(lim > 0).any(axis=1))
    x, ok, res, its, _ = nw._kernel(sys, _law(k), lim, pre, None, x0, off, nw.NEWTON_TOL, step)
    assert np.array_equal(sol.i1[off], x) and not np.any(x) and ok.all()
    assert np.array_equal(sol.residual[off], res) and not sol.unconverged.any()
    ref = nw._kernel(sys, _law(k), lim, pre, None, x0, np.arange(b), nw.NEWTON_TOL, step)
    assert np.array_equal(sol.i1, ref[0]) and sol.iterations == ref[3]
