"""The compiled Newton kernel repeats the numpy control law and solver exactly.

Reference: :func:`protv2g.engine.control_law.injection` (itself checked against hand values and
finite differences in ``test_charger_law.py``); tolerance 1e-12 (same arithmetic, other order).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from protv2g.engine.control_law import ACTIVE, CONSTANT, REACTIVE, LawArrays, injection
from protv2g.engine.newton import ColumnSystem, solve_columns
from protv2g.engine.newton_kernel import site_law

PROPS = settings(max_examples=80, deadline=None, derandomize=True)


@PROPS
@given(st.floats(0.0, 1.3), st.floats(-3.1, 3.1), st.sampled_from([ACTIVE, REACTIVE, CONSTANT]),
       st.booleans(), st.floats(-1.5, 1.5), st.floats(-0.3, 0.3), st.floats(0.0, 1.0),
       st.floats(0.05, 3.0))
def test_site_law_equals_the_numpy_law(vm, va, code, held, p, q, lam, lim):
    law = LawArrays(law=np.array([code]), gfm=np.array([False]), i_rated=np.array([1.3]),
                    p=np.array([p]), q=np.array([q]), phi=np.array([0.3]),
                    k_factor=np.array([2.5]), deadband=np.array([0.05]), k2=np.zeros(1),
                    z_gfm=np.zeros(1, complex))
    v1 = vm * np.exp(1j * va)
    pre = 1.05 * np.exp(0.2j)
    ref = injection(np.array([[v1]]), np.zeros((1, 1)), np.array([[lim]]), law,
                    np.array([[pre]]), hold=np.array([[held]]), track=np.array([[lam]]),
                    jacobian=True)
    i1, d, dc = site_law(v1, lim, code, held, p, q, 1.3, 0.3, 2.5, 0.05, pre, 0.1, lam)
    assert abs(i1 - ref.i1[0, 0]) <= 1e-12 * (1 + abs(i1))
    assert abs(d - ref.d[(1, 1)][0][0, 0]) <= 1e-9 * (1 + abs(d))
    assert abs(dc - ref.d[(1, 1)][1][0, 0]) <= 1e-9 * (1 + abs(dc))


def test_kernel_and_numpy_newton_agree():
    """A well-posed system (sites' own impedance small against their open-circuit voltage, so
    a tracking solution exists everywhere): the compiled path (used by ``solve_columns``) and
    the numpy Newton reach the same solution, which satisfies the numpy law."""
    import protv2g.engine.newton as nw

    rng = np.random.default_rng(5)
    m, k = 400, 3
    z = rng.uniform(0.005, 0.03, (k, k)) * np.exp(1j * rng.uniform(0.6, 1.3, (k, k)))
    z = (z + z.T) / 2 + np.diag(rng.uniform(0.03, 0.08, k)) * np.exp(1j * 1.2)
    v10 = rng.uniform(0.3, 1.0, (m, k)) * np.exp(1j * rng.uniform(-.3, .3, (m, k)))
    sys = ColumnSystem(v10=v10, v20=np.zeros((m, k), complex),
                       m11=np.broadcast_to(z, (m, k, k)).copy(),
                       m21=np.zeros((m, k, k), complex), m12=None, m22=None)
    law = LawArrays(law=np.array([ACTIVE, REACTIVE, CONSTANT]), gfm=np.zeros(k, bool),
                    i_rated=np.ones(k), p=np.array([0.8, 0.4, 0.2]), q=np.zeros(k),
                    phi=np.zeros(k), k_factor=np.full(k, 2.0), deadband=np.zeros(k),
                    k2=np.zeros(k), z_gfm=np.zeros(k, complex))
    lim = np.full((m, k), 1.1)
    pre = np.ones((m, k), complex)
    sol = solve_columns(sys, law, lim, pre)  # compiled path (no negative sequence)
    assert not sol.pll_frozen.any() and not sol.unconverged.any()
    inj = injection(sol.v1.T, sol.v2.T, lim.T, law, pre.T)
    # the stated accuracy (newton.NEWTON_TOL): the returned currents are the law's image of an
    # iterate with max|R| ≤ tol·max(1, max|I|); their own residual is the law's change over
    # that step (here ≤ 0.4·tol: the sites' impedance is small, the step contracts)
    scale = np.maximum(1.0, np.abs(sol.i1).max(axis=1))
    assert (np.abs(inj.i1.T - sol.i1).max(axis=1) <= nw.NEWTON_TOL * scale).all()
    assert np.all(np.abs(sol.i1) <= lim * (1 + 1e-12))  # law images: inside the limit
    f = nw._Law(law, lim, None, pre, None)
    x0 = nw._frozen_start(sys, f, k, k, np.ones((m, k), bool))
    x, ok, _, _ = nw._newton(sys, f, x0, k, nw.NEWTON_TOL, None, 60)
    assert ok.mean() > 0.95  # plain Newton cycles where a site sits exactly at its limit
    # two solutions each within the tolerance of the same one
    assert np.abs(x[ok] - sol.i1[ok]).max() < 2 * nw.NEWTON_TOL * scale.max()


def test_law_step_is_the_numpy_law_at_the_voltages():
    """The stage start, one fixed-point step ``F(v⁰ + M·x)``: the compiled kernel's
    (:func:`~protv2g.engine.newton_kernel.newton_columns` with ``step`` and no Newton step,
    on a tiled system with per-column parameters) equals the numpy
    :func:`~protv2g.engine.newton.law_step`, and that equals
    :func:`.control_law.injection` at the voltages ``v⁰ + M·x`` (same arithmetic, other
    order: 1e-12); a zero limit gives exactly 0 A (a tripped site starts at 0)."""
    from protv2g.engine.newton import law_step
    from protv2g.engine.newton_kernel import newton_columns
    from protv2g.engine.newton_setup import column_args

    rng = np.random.default_rng(11)
    m, k, n_t = 50, 3, 2
    z = rng.uniform(0.005, 0.03, (k, k)) * np.exp(1j * rng.uniform(0.6, 1.3, (k, k)))
    v10 = rng.uniform(0.0, 1.0, (m, k)) * np.exp(1j * rng.uniform(-.3, .3, (m, k)))
    sys = ColumnSystem(v10=v10, v20=np.zeros((m, k), complex),
                       m11=np.broadcast_to(z, (m, k, k)).copy(),
                       m21=np.zeros((m, k, k), complex), m12=None, m22=None).tile(n_t)
    mm = m * n_t
    law = LawArrays(law=np.array([ACTIVE, REACTIVE, CONSTANT]), gfm=np.zeros(k, bool),
                    i_rated=np.ones(k), p=rng.uniform(-0.5, 1.0, (k, mm)),
                    q=rng.uniform(-0.2, 0.2, (k, mm)), phi=np.full(k, 0.2),
                    k_factor=np.full(k, 2.0), deadband=np.full(k, 0.05), k2=np.zeros(k),
                    z_gfm=np.zeros(k, complex))
    lim = rng.uniform(0.5, 1.5, (mm, k))
    lim[::7, 1] = 0.0
    pre = np.exp(1j * rng.uniform(-.2, .2, (mm, k)))
    x = rng.normal(size=(mm, k)) + 1j * rng.normal(size=(mm, k))
    got = law_step(sys, law, lim, pre, x)
    v1, v2 = sys.voltages(x, None)
    ref = injection(v1.T, v2.T, lim.T, law, pre.T).i1.T
    assert np.abs(got - ref).max() <= 1e-12 * (1 + np.abs(ref).max())
    assert np.all(got[::7, 1] == 0)
    xk = np.ascontiguousarray(x)
    ok, res, its = np.zeros(mm, bool), np.zeros(mm), np.zeros(mm, np.int64)
    newton_columns(xk, *column_args(sys, law, lim, pre, None, np.arange(mm)), 0.0, 0, 8, 8, 0,
                   True, ok, res, its, np.ones(mm, bool),
                   False)  # tol 0, no Newton step: x is the stepped start
    assert np.all(its == 0)
    assert np.abs(xk - got).max() <= 1e-12 * (1 + np.abs(ref).max())


def test_kernel_arguments_have_one_type_for_any_caller():
    """A one-column call with per-site (broadcast) law parameters and read-only limits gives
    the kernel C-ordered writeable arrays, as a many-column call does: one numba signature
    (a read-only array is another type and compiled the whole kernel again on first use)."""
    from protv2g.engine.newton_setup import column_args

    k = 3
    z = np.full((k, k), 0.01 + 0.02j)
    law = LawArrays(law=np.array([ACTIVE, REACTIVE, CONSTANT]), gfm=np.zeros(k, bool),
                    i_rated=np.ones(k), p=np.full(k, 0.5), q=np.zeros(k), phi=np.full(k, 0.2),
                    k_factor=np.full(k, 2.0), deadband=np.full(k, 0.05), k2=np.zeros(k),
                    z_gfm=np.zeros(k, complex))
    for m in (1, 4):
        sys = ColumnSystem(v10=np.ones((m, k), complex), v20=np.zeros((m, k), complex),
                           m11=np.broadcast_to(z, (m, k, k)).copy(),
                           m21=np.zeros((m, k, k), complex), m12=None, m22=None)
        lim = np.ones((m, k))
        lim.flags.writeable = False
        pre = np.ones((m, k), complex)
        pre.flags.writeable = False
        args = column_args(sys, law, lim, pre, None, np.arange(m))
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        assert all(a.flags.c_contiguous and a.flags.writeable for a in arrays)


def test_column_solvers_compile_without_literal_arguments():
    """:func:`~protv2g.engine.newton_kernel.newton_columns` and
    :func:`~protv2g.engine.newton_kernel.continuation_columns` call the shared column solvers
    with ordinary argument types only: a literal constant (``6``) is numba's
    ``Literal[int](6)``, a signature of its own — a first run compiled ``_newton_one`` three
    times (newton_columns; continuation's held solve with stall 6; its steps with 8 and 4
    iterations), ≈ 8 s CPU more on a new machine (#21, session 40). The two loops are typed
    afresh here (uncached, serial copies: a kernel loaded whole from numba's cache does not
    type its calls), which compiles or loads the solvers for the argument types they pass."""
    from numba import njit
    from numba.core import types

    from protv2g.engine import newton_kernel as nk
    from protv2g.engine.newton_setup import column_args

    k, m = 2, 3
    z = np.full((k, k), 0.01 + 0.02j)
    sys = ColumnSystem(v10=np.full((m, k), 0.5 + 0j), v20=np.zeros((m, k), complex),
                       m11=np.broadcast_to(z, (m, k, k)).copy(),
                       m21=np.zeros((m, k, k), complex), m12=None, m22=None)
    law = LawArrays(law=np.array([ACTIVE, REACTIVE]), gfm=np.zeros(k, bool),
                    i_rated=np.ones(k), p=np.full(k, 0.5), q=np.zeros(k), phi=np.zeros(k),
                    k_factor=np.full(k, 2.0), deadband=np.full(k, 0.05), k2=np.zeros(k),
                    z_gfm=np.zeros(k, complex))
    lim, pre = np.ones((m, k)), np.ones((m, k), complex)
    args = column_args(sys, law, lim, pre, None, np.arange(m))
    x = np.zeros((m, k), complex)
    ok, res, its = np.zeros(m, bool), np.zeros(m), np.zeros(m, np.int64)
    njit(nk.newton_columns.py_func)(x, *args, 1e-9, 30, 6, 8, 10, True, ok, res, its,
                                    np.ones(m, bool), True)
    assert ok.all()
    x = np.zeros((m, k), complex)
    okf, ok, res = np.zeros(m, bool), np.zeros(m, bool), np.zeros(m)
    njit(nk.continuation_columns.py_func)(x, *args, 1e-9, 30, 8, 1 / 32, okf, ok, res, True)
    assert okf.all() and ok.all()
    for fn in (nk._newton_one, nk._workspace):
        assert fn.signatures
        for sig in fn.signatures:
            assert not any(isinstance(t, types.Literal) for t in sig), (fn, sig)


def _mixed_system(m: int, k: int = 3):
    """Columns of two kinds: sites behind a small impedance (a tracking-PLL solution reached
    from the held one) and behind a large one at low, turned voltages (weak grid: the tracking
    PLL lost, the held solution kept)."""
    rng = np.random.default_rng(11)
    z_small = rng.uniform(0.005, 0.03, (k, k)) * np.exp(1j * rng.uniform(0.6, 1.3, (k, k)))
    z_small = (z_small + z_small.T) / 2 + np.diag(rng.uniform(0.03, 0.08, k)) * np.exp(1.2j)
    z_large = z_small + np.diag(rng.uniform(0.3, 0.6, k)) * np.exp(1.2j)
    weak = np.arange(m) % 2 == 1
    m11 = np.where(weak[:, None, None], z_large, z_small)
    v10 = rng.uniform(0.05, 1.0, (m, k)) * np.exp(1j * rng.uniform(-1.5, 1.5, (m, k)))
    sys = ColumnSystem(v10=v10, v20=np.zeros((m, k), complex), m11=m11,
                       m21=np.zeros((m, k, k), complex), m12=None, m22=None)
    law = LawArrays(law=np.array([ACTIVE, REACTIVE, CONSTANT]), gfm=np.zeros(k, bool),
                    i_rated=np.ones(k), p=np.array([0.9, 0.6, 0.4]), q=np.zeros(k),
                    phi=np.zeros(k), k_factor=np.full(k, 2.0), deadband=np.full(k, 0.05),
                    k2=np.zeros(k), z_gfm=np.zeros(k, complex))
    return sys, law, np.full((m, k), 1.5), np.ones((m, k), complex)


def test_serial_and_parallel_continuation_give_the_same_bits(monkeypatch):
    """:func:`~protv2g.engine.newton_kernel.continuation_columns` (serial: compiled ≈ 6 s CPU
    faster on a first run, #21 session 41) and
    :func:`~protv2g.engine.newton_kernel.continuation_columns_parallel` (calls with many
    columns) are one loop body: the same values bit for bit, column by column, on columns
    that reach the tracking PLL and columns that keep the held one; and ``solve_columns``
    returns the same solution whichever it picks (its threshold moved to either side)."""
    import protv2g.engine.newton as nw
    from protv2g.engine import newton_kernel as nk
    from protv2g.engine.newton_setup import column_args

    m = 64
    sys, law, lim, pre = _mixed_system(m)
    args = column_args(sys, law, lim, pre, None, np.arange(m))
    x0 = nw._frozen_start(sys, nw._Law(law, lim, None, pre, None), 3, 3, np.ones((m, 3), bool))
    out = []
    for kernel in (nk.continuation_columns, nk.continuation_columns_parallel):
        x = np.ascontiguousarray(x0).copy()
        okf, ok, res = np.zeros(m, bool), np.zeros(m, bool), np.zeros(m)
        kernel(x, *args, nw.NEWTON_TOL, 60, nw.LINE_SEARCH_HALVINGS, nw.MIN_STEP, okf, ok,
               res, True)
        out.append((x, okf, ok, res))
    (xs, okfs, oks, rs), (xp, okfp, okp, rp) = out
    assert oks.any() and not oks.all() and okfs.all()  # both kinds of column present
    assert np.array_equal(xs, xp) and np.array_equal(okfs, okfp) and np.array_equal(oks, okp)
    assert np.array_equal(rs, rp, equal_nan=True)
    sols = []
    for threshold in (1, 10**9):
        monkeypatch.setattr(nw, "PARALLEL_CONTINUATION_COLUMNS", threshold)
        sols.append(solve_columns(sys, law, lim, pre))
    a, b = sols
    assert a.pll_frozen.any() and not a.pll_frozen.all()
    for field in ("i1", "v1", "pll_frozen", "unconverged", "residual", "tracking_residual"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field
