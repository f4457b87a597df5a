"""Newton's method on the charger currents of every fault bus at once.

For a fault at bus ``f`` the charger terminal voltages are affine in the charger currents
(superposition on the factorised sequence networks, the fault current itself being linear in
the open-circuit fault voltage, :mod:`.faults`):

``V1 = v1⁰ + M11·I1 + M12·I2``,   ``V2 = v2⁰ + M21·I1 + M22·I2``  (one ``k × k`` block per
column), with ``M11 = Z1[C, C] − α11·Z1[C, f]·Z1[f, C]`` … and ``α`` the fault's sequence
current per unit open-circuit voltage (3ph ``1/Z1'``, LL ``±1/(Z1' + Z2')``, …).

The control law (:func:`.control_law.injection`) closes the loop: ``I = F(V(I))``. Newton's
method on ``R(I) = I − F(V(I))`` with the analytic Jacobian ``I − F_V·M − F_V̄·M̄`` (real
``2n × 2n`` per column, ``n`` = number of unknown site currents), a backtracking line search
(Armijo on ``‖R‖₂²``, the best trial kept), vectorised over all fault buses (columns drop out
as they converge): the compiled :func:`.newton_kernel.newton_columns` where it applies, else
the numpy loop both engines share (:func:`.column_newton.column_newton`). Columns that do
not converge from the warm start are retried from the frozen-PLL solution and from zero; only
where no PLL-tracking solution is found is the PLL held at the pre-fault angle (``pll_frozen``,
with the smallest tracking residual reached).

Stated accuracy. The law's residual is ``R(I) = I − F(V(I))`` (the site currents minus the
control law at the terminal voltages those currents give). A column converges at an iterate
``I`` with ``max_i |R_i(I)| ≤ NEWTON_TOL·max(1, max_i |I_i|)`` (pu of the system base;
``NEWTON_TOL = 1e-6``: relative to the column's own currents, so a source with a huge or no
limit keeps its relative accuracy) and returns ``I' = F(V(I))``, the law's image of that
iterate: every returned current is inside its site's limit by construction, within the
tolerance of the iterate, and ``|I' − I*| ≤ (1 + ‖J⁻¹‖)·tol`` from the solution ``I*``
(``J = I − F_V·M − F_V̄·M̄``, the Newton matrix). On the benchmark's 1,000-bus study
(``benchmarks/bench_engine.py``, 3 sites × 10 levels, all buses × 4 types × 2 cases) the
results moved from those at the former stop (1e-12 × the largest limit, the last iterate
returned) by ≤ 8.9e-9 kA (bus currents, 1.3e-9 relative), ≤ 7.0e-9 kA (device maxima),
≤ 1.3e-9 pu (site voltages); stage times, trip instants, cessation and flags identical; the
sustained stage takes one Newton step instead of two at 99 % of its columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.engine.column_newton import LineSearch, column_newton, real_newton_matrix
from protv2g.engine.columns import ColumnSystem, build_system
from protv2g.engine.control_law import LawArrays, injection
from protv2g.engine.newton_kernel import (
    column_voltages,
    continuation_columns,
    continuation_columns_parallel,
    newton_columns,
    residual_columns,
)
from protv2g.engine.newton_setup import anchorless_islands as _anchorless_islands
from protv2g.engine.newton_setup import column_args as _column_args
from protv2g.engine.newton_setup import kernel_ok as _kernel_ok
from protv2g.engine.newton_setup import law_step, rows_all, rows_any

__all__ = ["ColumnSystem", "build_system", "solve_columns", "ColumnSolution", "NEWTON_TOL",
           "NEWTON_MAX_ITER", "law_step"]

#: convergence: largest residual ``|R_i| = |I_i − F_i(V(I))|`` of any site current (the law's
#: residual, :mod:`.newton_kernel`) relative to the column's own currents,
#: ``max|R| ≤ NEWTON_TOL·max(1, max_i |I_i|)`` (pu); the returned currents are then one
#: fixed-point step ``F(V(I))`` from that iterate (module docstring: stated accuracy)
NEWTON_TOL = 1e-6
NEWTON_MAX_ITER = 50
#: a column whose residual has not halved within this many Newton steps is given up (and
#: retried from another start / with the PLL held)
STALL_WINDOW = 8
#: backtracking steps of the line search (step sizes 1, 1/2, … 1/2^7)
LINE_SEARCH_HALVINGS = 8
#: the compiled first attempt can afford a longer patience (steps are cheap there)
KERNEL_MAX_ITER = 150
KERNEL_STALL_WINDOW = 30
#: damped fixed-point steps tried where Newton fails (before continuation / held PLL)
PICARD_STEPS = 400


@dataclass
class ColumnSolution:
    """Site currents ``i1, i2`` ``(m, k)`` and terminal voltages ``v1, v2`` of a solved stage;
    per column: ``pll_frozen``, ``unconverged`` (bool), ``residual`` (largest |R| of the
    returned solution; where the compiled kernel converged, of the iterate whose law image the
    solution is), ``tracking_residual`` (smallest residual reached with the PLL tracking,
    NaN where it converged), ``iterations`` (max); ``limit_bound`` ``(m,)`` bool or ``None``
    (not recorded): False where the column was solved by the compiled kernel at its first
    attempt and none of its law evaluations read a site's limit — there the solution is
    that of any larger limits (same zero limits), bit for bit (:func:`solve_columns`)."""

    i1: np.ndarray
    i2: np.ndarray
    v1: np.ndarray
    v2: np.ndarray
    pll_frozen: np.ndarray
    unconverged: np.ndarray
    residual: np.ndarray
    tracking_residual: np.ndarray
    iterations: int
    limit_bound: np.ndarray | None = None


class _Law:
    """The control law of one stage bound to its per-column arguments (``(m, k)`` layout)."""

    def __init__(self, law: LawArrays, lim, hold, pre, e_gfm):
        self.law, self.lim, self.hold, self.pre, self.e_gfm = law, lim, hold, pre, e_gfm

    def take(self, cols):
        def t(x):
            return None if x is None else x[cols]
        hold = self.hold if self.hold is None or self.hold.shape[1] == 1 else self.hold[:, cols]
        return _Law(self.law.take_cols(cols), t(self.lim), hold, t(self.pre), t(self.e_gfm))

    def __call__(self, v1, v2, freeze, jac, track=None):
        inj = injection(v1.T, v2.T, self.lim.T, self.law, self.pre.T, hold=self.hold,
                        e_gfm=None if self.e_gfm is None else self.e_gfm.T,
                        freeze=None if freeze is None else freeze.T, track=track,
                        jacobian=jac)
        return inj


def _residual(sys: ColumnSystem, f: _Law, x: np.ndarray, k: int, freeze, jac: bool,
              track=None):
    i1 = x[:, :k]
    i2 = x[:, k:] if sys.neg else None
    v1, v2 = sys.voltages(i1, i2)
    inj = f(v1, v2, freeze, jac, track)
    fx = inj.i1.T if not sys.neg else np.concatenate([inj.i1.T, inj.i2.T], axis=1)
    return x - fx, inj, v1, v2


def _jacobian(sys: ColumnSystem, inj, k: int) -> np.ndarray:
    """Real Newton matrix ``(m, 2n, 2n)`` of ``R = x − F(v⁰ + M·x)``."""
    d = inj.d
    if sys.neg:
        m_full = np.block([[sys.m11, sys.m12], [sys.m21, sys.m22]])
        rows_a = [[d[(1, 1)][0].T, d[(1, 2)][0].T], [d[(2, 1)][0].T, d[(2, 2)][0].T]]
        rows_b = [[d[(1, 1)][1].T, d[(1, 2)][1].T], [d[(2, 1)][1].T, d[(2, 2)][1].T]]
        # F_V is block diagonal per sequence pair: A = F_V·M row-scaled blocks
        a = np.concatenate([rows_a[0][0][:, :, None] * m_full[:, :k] + rows_a[0][1][:, :, None]
                            * m_full[:, k:], rows_a[1][0][:, :, None] * m_full[:, :k]
                            + rows_a[1][1][:, :, None] * m_full[:, k:]], axis=1)
        mc = np.conj(m_full)
        b = np.concatenate([rows_b[0][0][:, :, None] * mc[:, :k] + rows_b[0][1][:, :, None]
                            * mc[:, k:], rows_b[1][0][:, :, None] * mc[:, :k]
                            + rows_b[1][1][:, :, None] * mc[:, k:]], axis=1)
    else:
        a = d[(1, 1)][0].T[:, :, None] * sys.m11
        b = d[(1, 1)][1].T[:, :, None] * np.conj(sys.m11)
    return real_newton_matrix(a, b)


#: the numpy Newton's step rule: Armijo on ‖R‖₂², the best trial where none is accepted
SEARCH = LineSearch(LINE_SEARCH_HALVINGS, "l2", "best")


def _newton(sys: ColumnSystem, f: _Law, x0: np.ndarray, k: int, tol: float, freeze,
            max_iter: int, track: np.ndarray | None = None, stall: int | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """:func:`.column_newton.column_newton` from ``x0`` ``(m, n)`` on ``R(I) = I − F(V(I))``
    (:data:`SEARCH`, relative stop, law image, :data:`STALL_WINDOW`); returns ``(x,
    converged, |R|∞, iterations)``: a column converges at ``|R|∞ ≤ tol·max(1, max|I|)`` of
    its iterate and returns the law's image of that iterate, ``F(V(I)) = I − R(I)`` (``|R|∞``
    is the iterate's). ``track`` ``(m,)``: continuation parameter of the PLL reference."""

    def evaluate(rows, x, jac):
        s_l, f_l = sys.take(rows), f.take(rows)
        r, inj, _, _ = _residual(s_l, f_l, x, k, None if freeze is None else freeze[rows],
                                 jac, None if track is None else track[rows])
        return r, (_jacobian(s_l, inj, k) if jac else None)

    x = x0.copy()
    ok, res, its = column_newton(evaluate, x, tol=tol, relative=True, max_iter=max_iter,
                                 search=SEARCH, image=True,
                                 stall=STALL_WINDOW if stall is None else stall)
    return x, ok, res, int(its.max(initial=0))


def solve_columns(sys: ColumnSystem, law: LawArrays, lim: np.ndarray, pre: np.ndarray, *,
                  hold: np.ndarray | None = None, e_gfm: np.ndarray | None = None,
                  x0: np.ndarray | None = None, step: bool = False,
                  max_iter: int = NEWTON_MAX_ITER) -> ColumnSolution:
    """Solve the charger currents of every column of ``sys``.

    Parameters
    ----------
    sys : ColumnSystem
    law : LawArrays
        The ``k`` sites' control law (per-column fields ``(k, m)`` for these columns).
    lim, pre, e_gfm : numpy.ndarray
        ``(m, k)``: current limit (0 = no current), pre-fault voltage, grid-forming EMF.
    hold : numpy.ndarray, optional
        ``(k, 1)`` bool: sites holding their limit (first cycle).
    x0 : numpy.ndarray, optional
        ``(m, n)`` warm start (``n = k`` or ``2k`` with negative sequence); default the
        frozen-PLL injection.
    step : bool
        Start from one fixed-point step from ``x0`` (:func:`law_step`; the stages after the
        first cycle start so from the previous stage's currents).

    Returns
    -------
    ColumnSolution
        With ``limit_bound``: True except at the columns the compiled kernel solved at its
        first attempt without any law evaluation reading a limit
        (:func:`.newton_kernel.newton_columns`' ``bound``) and the columns with every limit
        0 (zero currents). Such a column is solved the same, bit for bit, with limits
        ``lim'`` where every ``lim' = lim`` or ``lim' ≥ lim > 0``: the kernel's every step is
        a function of its own column's inputs, every law value it read is the same with
        ``lim'`` (:func:`.site_law_kernel._law`), and which columns are off, anchorless or
        tried (:func:`anchorless_islands`) depends only on where ``lim > 0`` (#21).
    """
    m, k = sys.n_cols, sys.v10.shape[1]
    n = 2 * k if sys.neg else k
    f = _Law(law, lim, hold, pre, e_gfm)
    tol = NEWTON_TOL  # relative to each column's currents (module docstring)
    frozen_all = np.ones((m, k), bool)
    kernel = _kernel_ok(sys, law, hold)
    law_start = step or x0 is None  # Newton starts from a law image (a step or frozen start)
    if x0 is None:
        x0 = _frozen_start(sys, f, k, n, frozen_all)
    elif step and not kernel:  # the kernel steps itself
        x0 = law_step(sys, law, lim, pre, x0, e_gfm=e_gfm)
    anchorless = _anchorless_islands(sys, lim)
    # columns where every site is off (no limit > 0, e.g. all tripped): a grid-following law
    # image there is zero current, so the kernel would stop at its start, 0 steps, |R| = 0,
    # returning zeros; taken so without the solve (from finite currents only)
    off = np.zeros(m, bool)
    if kernel and law_start:
        off = ~rows_any(np.asarray(lim) > 0) & rows_all(np.isfinite(x0))
    try_cols = np.flatnonzero(~anchorless & ~off)
    x = x0.copy()
    x[off] = 0
    ok = off.copy()
    res = np.where(off, 0.0, np.inf)
    its = 0
    bound = ~off
    if len(try_cols):
        if kernel:
            xt, okt, rt, its, bt = _kernel(sys, law, lim, pre, hold, x0, try_cols, tol, step)
            bound[try_cols] = bt | ~okt
        else:
            xt, okt, rt, its = _newton(sys.take(try_cols), f.take(try_cols), x0[try_cols], k,
                                       tol, None, max_iter)
        x[try_cols], ok[try_cols], res[try_cols] = xt, okt, rt
    first_ok = ok.copy()  # solved at the first attempt: ``res`` is their final residual
    track_res = np.where(ok, np.nan, res)
    bad = np.flatnonzero(~ok)
    frozen = np.zeros(m, bool)
    if len(bad) and _kernel_ok(sys, law, hold):  # compiled: held PLL, then continuation
        xs, okf, oks, rs = _kernel_continuation(sys, law, lim, pre, hold,
                                                _frozen_start(sys.take(bad), f.take(bad), k,
                                                              n, frozen_all[bad]), bad, tol,
                                                max_iter, anchorless[bad])
        rs = np.where(anchorless[bad] | ~okf, np.nan, rs)
        fix = oks & ~anchorless[bad]
        x[bad[fix]], ok[bad[fix]] = xs[fix], True
        track_res[bad] = np.fmin(track_res[bad], np.where(ok[bad], np.nan, rs))
        still = ~ok[bad]
        use = bad[still]
        x[use] = xs[still]
        frozen[use] = okf[still]
        ok[use] = okf[still]
    elif len(bad):  # retry: continuation from the frozen-PLL solution to the tracking PLL
        s_b, f_b = sys.take(bad), f.take(bad)
        xf, okf, _, _ = _newton(s_b, f_b, _frozen_start(s_b, f_b, k, n, frozen_all[bad]), k,
                                tol, frozen_all[bad], max_iter)
        cont = okf & ~anchorless[bad]
        xs, oks, rs = _continuation(s_b, f_b, xf, cont, k, tol)
        if anchorless[bad].any():  # the tracking residual at the frozen solution
            r_a, _, _, _ = _residual(s_b, f_b, xf, k, None, False)
            rs = np.where(anchorless[bad], np.abs(r_a).max(axis=1), rs)
        fix = oks & ~ok[bad]
        x[bad[fix]], ok[bad[fix]] = xs[fix], True
        track_res[bad] = np.fmin(track_res[bad], np.where(ok[bad], np.nan, rs))
        still = ~ok[bad]
        if still.any():  # no tracking solution found: PLL held at the pre-fault angle
            use = bad[still]
            x[use] = xf[still]
            frozen[use] = okf[still]
            ok[use] = okf[still]
    track_res = np.where(frozen, track_res, np.nan)
    i1 = x[:, :k]
    i2 = x[:, k:] if sys.neg else np.zeros((m, k), complex)
    if _kernel_ok(sys, law, hold):  # the kernel's residual, or the law evaluated compiled
        v1, v2 = _voltages(sys, i1)
        r_max = np.where(first_ok, res, 0.0)
        rest = np.flatnonzero(~first_ok)
        if len(rest):
            r_rest = np.zeros(len(rest))
            residual_columns(np.ascontiguousarray(x[rest]), *_column_args(
                sys, law, lim, pre, hold, rest), frozen[rest], r_rest)
            r_max[rest] = r_rest
    else:
        fz = np.broadcast_to(frozen[:, None], (m, k))
        r, _, v1, v2 = _residual(sys, f, x, k, fz, False)
        r_max = np.abs(r).max(axis=1, initial=0.0)
    return ColumnSolution(i1=i1, i2=i2, v1=v1, v2=v2, pll_frozen=frozen, unconverged=~ok,
                          residual=r_max, tracking_residual=track_res, iterations=its,
                          limit_bound=bound)


def _voltages(sys: ColumnSystem, i1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sys.voltages(i1, None)`` ``(m, k)`` compiled (:func:`.newton_kernel.column_voltages`:
    the same values, bit for bit), each column reading its block through ``sys.src`` —
    without materialising a block per column for a tiled system (scenarios with the same
    sites) or a view of some of its columns (a later stage's)."""
    m, k = sys.n_cols, sys.v10.shape[1]
    src = np.arange(m) if sys.src is None else sys.src
    v1 = np.empty((m, k), complex)
    v2 = np.empty((m, k), complex)
    column_voltages(*(np.ascontiguousarray(a, complex) for a in (sys.v10, sys.v20, sys.m11,
                                                                 sys.m21)),
                    np.ascontiguousarray(src, np.int64), np.ascontiguousarray(i1, complex),
                    v1, v2)
    return v1, v2


def _kernel(sys: ColumnSystem, law: LawArrays, lim, pre, hold, x0, cols, tol, step):
    """First Newton attempt on the columns ``cols`` with :func:`.newton_kernel.newton_columns`
    (:func:`_newton`'s return and the kernel's ``bound`` per column; ``step``: from one
    fixed-point step from ``x0``)."""
    x = np.ascontiguousarray(x0[cols])
    ok = np.zeros(len(cols), bool)
    res = np.zeros(len(cols))
    its = np.zeros(len(cols), np.int64)
    bound = np.ones(len(cols), bool)
    newton_columns(x, *_column_args(sys, law, lim, pre, hold, cols), tol, KERNEL_MAX_ITER,
                   KERNEL_STALL_WINDOW, LINE_SEARCH_HALVINGS, PICARD_STEPS, bool(step), ok, res,
                   its, bound, True)
    return x, ok, res, int(its.max(initial=0)), bound


def _kernel_continuation(sys, law, lim, pre, hold, x0, cols, tol, max_iter, held_only):
    """:func:`.newton_kernel.continuation_columns` on ``cols``: ``(x, frozen ok, tracking ok,
    tracking residual)``; ``x`` is the tracking solution where found, else the held-PLL one.
    ``held_only`` ``(len(cols),)`` bool: columns solved with the PLL held only (no
    continuation: a minimum step above the first step; the anchorless islands)."""
    x = np.ascontiguousarray(x0)
    okf = np.zeros(len(cols), bool)
    ok = np.zeros(len(cols), bool)
    res = np.full(len(cols), np.nan)
    for part, min_step in ((~held_only, MIN_STEP), (held_only, 2.0)):
        sel = np.flatnonzero(part)
        if not len(sel):
            continue
        xp = np.ascontiguousarray(x[sel])
        okf_p, ok_p, res_p = np.zeros(len(sel), bool), np.zeros(len(sel), bool), \
            np.zeros(len(sel))
        kernel = (continuation_columns_parallel if len(sel) >= PARALLEL_CONTINUATION_COLUMNS
                  else continuation_columns)
        kernel(xp, *_column_args(sys, law, lim, pre, hold, cols[sel]), tol, max_iter,
               LINE_SEARCH_HALVINGS, min_step, okf_p, ok_p, res_p, True)
        x[sel], okf[sel], ok[sel], res[sel] = xp, okf_p, ok_p, res_p
    return x, okf, ok, res


#: smallest continuation step before a column is declared without a tracking solution
MIN_STEP = 1 / 32

#: columns from which one continuation call runs in parallel
#: (:func:`.newton_kernel.continuation_columns_parallel`, the same values): below it serial,
#: a loop compiled ≈ 6 s CPU faster on a first run (#21 session 41: the examples and the
#: synthetic studies send a few hundred columns per call, ≈ 0.1 ms each; weak-grid sites
#: losing PLL lock send thousands)
PARALLEL_CONTINUATION_COLUMNS = 1000


def _continuation(sys: ColumnSystem, f: _Law, x0: np.ndarray, ok0: np.ndarray, k: int,
                  tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Follow the solution from the frozen PLL (``λ = 0``, ``x0``) to the tracking PLL
    (``λ = 1``) in adaptive steps (halved on failure, grown on success); columns whose step
    falls below :data:`MIN_STEP` have no tracking solution connected to the frozen one.
    Returns ``(x, reached λ = 1, last residual at λ = 1)``."""
    m = len(x0)
    x = x0.copy()
    lam = np.zeros(m)
    step = np.full(m, 0.5)
    res = np.full(m, np.inf)
    alive = ok0.copy()
    for _ in range(64):
        a = np.flatnonzero(alive)
        if not len(a):
            break
        target = np.minimum(lam[a] + step[a], 1.0)
        xt, okt, rt, _ = _newton(sys.take(a), f.take(a), x[a], k, tol, None, 8,
                                 track=target, stall=4)
        at_one = target >= 1.0
        res[a[at_one]] = rt[at_one]
        x[a[okt]], lam[a[okt]] = xt[okt], target[okt]
        step[a] = np.where(okt, np.minimum(step[a] * 1.5, 0.5), step[a] / 2)
        alive[a] = (lam[a] < 1.0) & (step[a] >= MIN_STEP)
    return x, lam >= 1.0, res


def _frozen_start(sys, f, k, n, freeze):
    """The frozen-PLL injection at the pre-fault voltage: a fixed current for held sites, the
    law evaluated at the pre-fault voltage otherwise."""
    inj = f(f.pre, np.zeros_like(f.pre), freeze, False)
    x = inj.i1.T if n == k else np.concatenate([inj.i1.T, inj.i2.T], axis=1)
    return np.ascontiguousarray(x)
