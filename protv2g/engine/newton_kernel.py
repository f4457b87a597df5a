"""Compiled Newton solve of the charger currents, one fault bus (column) at a time.

Where Newton cycles (the law is piecewise smooth: a site exactly at its current limit), damped
fixed-point steps ``I ← I − R(I)/2`` settle it (the law maps currents into the ball of their
limits and is continuous except where the PLL reference vanishes, so a fixed point exists
unless that reference does — Brouwer), then Newton polishes.

The same equations as :mod:`.newton` and :func:`.control_law.injection` for the common case —
grid-following sites without negative-sequence injection (``k2 = 0``), PLL tracking — written
as scalar numba code so that every column runs its Newton iterations in registers instead of
numpy passes over all columns per step (``tests/test_newton_kernel.py`` checks the site law
and the solutions against the numpy implementation). Columns it does not converge on are left
to :func:`.newton.solve_columns`' retries (continuation, held PLL).

Per column ``j``: ``V = v⁰ + M·I`` (``k × k`` block ``M``), ``R(I) = I − F(V)``, Newton step
from ``(I − F_V·M − F_V̄·M̄)·ΔI = −R`` as a real ``2k × 2k`` system (Gaussian elimination with
partial pivoting), backtracking on ``‖R‖₂``, stop at ``max|R| ≤ tol`` or when the residual
has not halved in ``stall`` steps.

``rel=True`` (the sequence engine, :data:`.newton.NEWTON_TOL`): the stop is relative to the
iterate's own currents, ``max|R| ≤ tol·max(1, max|I|)``, and a converged column returns one
fixed-point step from its last iterate, ``I ← F(V(I)) = I − R(I)`` (the residual already
computed: no extra law evaluation), so every returned current is an image of the law — inside
its limit by construction — within ``tol·max(1, max|I|)`` of the iterate. ``rel=False`` (the
phase engine's call, :mod:`.phase.site_solve`): absolute stop, the last iterate returned.

Columns are copied element by element, not by slice assignment (``xc[:] = x[col]``): numba
compiles a slice assignment's shape check with its error message (string formatting of the
shapes: ≈ 3 s of the ≈ 33 s CPU a first run spends compiling the faults stage's kernels,
#21 session 39); the same values.

Compile time (#21, session 40): the column loops pass the shared solvers (:func:`_newton_one`,
:func:`_workspace`) ordinary ``int64`` values, never literal constants — numba types a literal
``6`` as ``Literal[int](6)``, its own signature, and compiled ``_newton_one`` three times
(≈ 8 s CPU of a first run). The site law's helpers are ordinary compiled calls
(:mod:`.site_law_kernel`); the column solve's own pieces (:func:`_residual`,
:func:`_solve_one`, :mod:`.newton_parts`) stay IR-inlined: as ordinary calls they compiled
a few seconds faster but LLVM left them as calls and the warm kernel was ≈ 20 % slower
(10,000 buses, alternated processes).

Session 41: a ``parallel=True`` loop costs ≈ 2–6 s CPU to compile by itself, whatever its body.
:func:`residual_columns` and :func:`continuation_columns` are serial: the columns that reach
them are few (a few hundred per study in the examples and the synthetic studies, ≈ 0.1 ms
each); :func:`continuation_columns_parallel`, the same loop body in parallel, takes calls with
many columns (weak-grid sites losing PLL lock at most fault buses,
:data:`.newton.PARALLEL_CONTINUATION_COLUMNS`) and is compiled only when first called.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from protv2g.engine.newton_parts import _converged, _law_image, _solve_real
from protv2g.engine.site_law_kernel import site_law, site_law_d, site_law_v

__all__ = ["site_law", "newton_columns", "continuation_columns", "continuation_columns_parallel",
           "residual_columns"]


@njit(cache=True, inline="always")
def _site_voltages(x, v0, m, v):  # pragma: no cover - numba
    """The sites' voltages ``v = v⁰ + M·x`` for their currents ``x`` (in place)."""
    k = len(x)
    for i in range(k):
        s = v0[i]
        for j in range(k):
            s += m[i, j] * x[j]
        v[i] = s


@njit(cache=True, inline="always")
def _residual(x, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam, r, d, dc,
              v, deriv=True):  # pragma: no cover - numba
    """``r = x − F(v⁰ + M·x)`` and, with ``deriv``, the law's derivatives ``d``, ``dc`` (else
    zeros; ``r`` is the same either way). Returns whether some site's law read its limit
    (:func:`.site_law_kernel._law`'s ``bound``)."""
    k = len(x)
    _site_voltages(x, v0, m, v)
    bound = False
    for i in range(k):
        if deriv:
            fi, di, dci, bi = site_law_d(v[i], lim[i], code[i], held[i], p[i], q[i], ir[i],
                                         phi[i], kf[i], db[i], pre[i], v_pll, lam)
        else:
            fi, bi = site_law_v(v[i], lim[i], code[i], held[i], p[i], q[i], ir[i], phi[i],
                                kf[i], db[i], pre[i], v_pll, lam)
            di = dci = 0j
        bound |= bi
        r[i] = x[i] - fi
        d[i] = di
        dc[i] = dci
    return bound


@njit(cache=True, inline="always")
def _law_step(x, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, out, v
              ):  # pragma: no cover - numba
    """One fixed-point step ``out = F(v⁰ + M·x)`` (PLL tracking): ``(finite, bound)``;
    ``finite`` False (``out`` then undefined) where it is not finite, ``bound`` whether
    some site's law read its limit (True where not finite)."""
    k = len(x)
    _site_voltages(x, v0, m, v)
    bound = False
    for i in range(k):
        fi, bi = site_law_v(v[i], lim[i], code[i], held[i], p[i], q[i], ir[i], phi[i], kf[i],
                            db[i], pre[i], v_pll, 1.0)
        if not (np.isfinite(fi.real) and np.isfinite(fi.imag)):
            return False, True
        bound |= bi
        out[i] = fi
    return True, bound


#: columns per work chunk of the parallel kernels (one workspace allocation per chunk)
CHUNK = 64


@njit(cache=True)
def _workspace(k, stall):  # pragma: no cover - numba
    """Scratch arrays of :func:`_newton_one` / :func:`_picard_one` for ``k`` sites: eight
    ``(k,)`` complex rows, the real ``2k × 2k`` Newton matrix, its right-hand side, and the
    residual history (``stall`` entries), and the magnitudes ``|R_i|`` of a line-search
    trial (``(k,)``, reused as the accepted step's)."""
    return (np.empty((8, k), np.complex128), np.empty((2 * k, 2 * k)), np.empty(2 * k),
            np.empty(max(stall, 1)), np.empty(k))


@njit(cache=True)
def _newton_one(xc, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam, tol,
                max_iter, stall, halvings, ws, rel):  # pragma: no cover - numba
    """Newton on one column from ``xc`` (updated in place): ``(converged, max|R|, steps,
    bound)`` (``bound``: some law evaluation read a site's limit, :func:`_residual`);
    ``ws`` a :func:`_workspace` with at least ``stall`` history entries; ``rel``: the stop
    relative to the currents (:func:`_tol_at`) and, converged, ``xc`` the law's image of the
    last iterate (:func:`_law_image`); ``max|R|`` is the residual of that iterate. Line-search
    trials evaluate the law without its derivatives (most columns stop at the first accepted
    step); an accepted step's derivatives are evaluated when another Newton step needs them
    (the same residual again: the iterates are those of a full evaluation, bit for bit)."""
    k = len(xc)
    rows, jac, rhs, hist_buf, mag = ws
    r, d, dc, v = rows[0], rows[1], rows[2], rows[3]
    rt, dt, dct, xt = rows[4], rows[5], rows[6], rows[7]
    hist = hist_buf[:stall]
    hist[:] = np.inf
    bound = _residual(xc, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam, r, d,
                      dc, v)
    stale = False  # the derivatives d, dc are not those of xc (a line-search step without)
    it = 0
    while True:
        rn = 0.0
        norm2 = 0.0
        for i in range(k):
            # |r_i|: an accepted trial's magnitudes (r = rt, the same values) are in ``mag``
            a = mag[i] if stale else abs(r[i])
            rn = max(rn, a)
            norm2 += a * a
        if _converged(rn, xc, tol, rel):
            if rel:
                _law_image(xc, r)
            return True, rn, it, bound
        if it >= stall and rn > 0.5 * hist.min():
            return False, rn, it, bound
        hist[it % stall] = rn
        if it >= max_iter:
            return False, rn, it, bound
        if stale:  # the accepted step's derivatives (r: the same values again)
            bound |= _residual(xc, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll,
                               lam, r, d, dc, v)
            stale = False
        # Newton matrix: C = I − diag(d)·M − diag(dc)·M̄, D = j·(I − diag(d)·M + diag(dc)·M̄)
        for i in range(k):
            for j in range(k):
                aij = d[i] * m[i, j]
                bij = dc[i] * np.conj(m[i, j])
                eye = 1.0 if i == j else 0.0
                cc = eye - aij - bij
                dd = 1j * (eye - aij + bij)
                jac[i, j] = cc.real
                jac[i, k + j] = dd.real
                jac[k + i, j] = cc.imag
                jac[k + i, k + j] = dd.imag
            rhs[i] = -r[i].real
            rhs[k + i] = -r[i].imag
        if not _solve_real(jac, rhs):
            return False, rn, it, bound
        t = 1.0
        for h in range(halvings):
            for i in range(k):
                xt[i] = xc[i] + t * (rhs[i] + 1j * rhs[k + i])
            # without derivatives: most columns stop at the step accepted here
            bound |= _residual(xt, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll,
                               lam, rt, dt, dct, v, False)
            nt = 0.0
            for i in range(k):
                mag[i] = abs(rt[i])
                nt += mag[i] ** 2
            if nt <= (1 - 1e-4 * t) ** 2 * norm2 or h == halvings - 1:
                for i in range(k):
                    xc[i] = xt[i]
                    r[i] = rt[i]
                stale = True
                break
            t *= 0.5
        it += 1


@njit(cache=True)
def _picard_one(xc, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam, tol, beta,
                n_iter, ws, rel):  # pragma: no cover - numba
    """Damped fixed-point steps ``I ← I − β·R(I)`` on one column (in place): they settle on
    the right piece of the piecewise-smooth law where Newton cycles between pieces (a site
    exactly at its limit). Returns ``(converged, final max|R|, bound)`` (``bound`` as
    :func:`_newton_one`'s); converged (``≤`` :func:`_tol_at`) with ``rel``, the last step is
    a full one (``xc`` the law's image, :func:`_law_image`)."""
    k = len(xc)
    rows = ws[0]
    r, d, dc, v = rows[0], rows[1], rows[2], rows[3]
    rn = np.inf
    bound = False
    for _ in range(n_iter):
        bound |= _residual(xc, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam,
                           r, d, dc, v, False)
        rn = 0.0
        for i in range(k):
            rn = max(rn, abs(r[i]))
        if _converged(rn, xc, tol, rel):
            if rel:
                _law_image(xc, r)
            return True, rn, bound
        for i in range(k):
            xc[i] -= beta * r[i]
    return False, rn, bound


@njit(cache=True, inline="always")
def _solve_one(xc, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam, tol,
               max_iter, stall, halvings, picard, ws, rel):  # pragma: no cover - numba
    """Newton; where it fails, ``picard`` damped fixed-point steps then Newton again (inlined
    in the column loops: a column's call no longer passes its ~20 array views through one more
    compiled call, ≈ 13 % of a one-step column, #21). Returns ``(converged, max|R|, steps,
    bound)``: ``bound`` whether any law evaluation of the column read a site's limit."""
    conv, rn, it, bound = _newton_one(xc, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre,
                                      v_pll, lam, tol, max_iter, stall, halvings, ws, rel)
    if conv or picard == 0:
        return conv, rn, it, bound
    x1 = xc.copy()
    conv1, rp, b1 = _picard_one(x1, v0, m, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll,
                                lam, tol, 0.5, picard, ws, rel)
    bound |= b1
    if conv1:
        for i in range(len(xc)):  # element copies: no slice assignment (module docstring)
            xc[i] = x1[i]
        return True, rp, it + picard, bound
    if rp < 1e-4 * (1 + rn):
        conv2, rn2, it2, b2 = _newton_one(x1, v0, m, lim, code, held, p, q, ir, phi, kf, db,
                                          pre, v_pll, lam, tol, max_iter, stall, halvings, ws,
                                          rel)
        bound |= b2
        if conv2:
            for i in range(len(xc)):
                xc[i] = x1[i]
            return True, rn2, it + picard + it2, bound
    return False, rn, it + picard, bound


@njit(parallel=True, cache=True)
def newton_columns(x, v0, m_blocks, src, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll,
                   tol, max_iter, stall, halvings, picard, step, ok, res, iters, bound,
                   rel):  # pragma: no cover - numba
    """Newton per column (damped fixed-point steps where it fails, :func:`_solve_one`), in
    parallel over columns (arguments ``(M, k)`` per column unless noted; ``v0`` ``(B, k)``
    and ``m_blocks`` ``(B, k, k)`` per block, with ``src`` ``(M,)`` the block of each column;
    ``code``, ``held`` ``(k,)``); writes ``x`` (solution), ``ok``, ``res`` (max |R| of the
    last iterate), ``iters`` and ``bound`` (whether any law evaluation of the column, the
    start's step included, read a site's limit: where not, the column's every value is that
    of any larger limits, bit for bit, :func:`.site_law_kernel._law`). ``step``: start from
    one fixed-point step ``F(v⁰ + M·x)`` (where finite) instead of ``x``. ``rel``: stop at
    ``max|R| ≤ tol·max(1, max|I|)`` (the column's own currents) and return the law's image of
    the converged iterate (module docstring)."""
    n, k = x.shape
    for ch in prange((n + CHUNK - 1) // CHUNK):
        ws = _workspace(k, stall)
        xc = np.empty(k, np.complex128)
        xs = np.empty(k, np.complex128)
        for col in range(ch * CHUNK, min(n, (ch + 1) * CHUNK)):
            for i in range(k):
                xc[i] = x[col, i]
            b = src[col]
            b0 = False
            if step:
                fin, b0 = _law_step(xc, v0[b], m_blocks[b], lim[col], code, held, p[col],
                                    q[col], ir[col], phi[col], kf[col], db[col], pre[col],
                                    v_pll, xs, ws[0][0])
                if fin:
                    for i in range(k):
                        xc[i] = xs[i]
            conv, rn, it, b1 = _solve_one(xc, v0[b], m_blocks[b], lim[col], code, held,
                                          p[col], q[col], ir[col], phi[col], kf[col], db[col],
                                          pre[col], v_pll, 1.0, tol, max_iter, stall, halvings,
                                          picard, ws, rel)
            for i in range(k):
                x[col, i] = xc[i]
            ok[col] = conv
            res[col] = rn
            iters[col] = it
            bound[col] = b0 or b1


@njit(cache=True, inline="always")
def _continuation_column(col, x, v0, m_blocks, src, lim, code, held, p, q, ir, phi, kf, db, pre,
                         v_pll, tol, max_iter, halvings, min_step, ok_frozen, ok, res,
                         rel):  # pragma: no cover - numba
    """Column ``col`` of :func:`continuation_columns` (IR-inlined in its serial and parallel
    loops: the same code in both, compiled only with the loop that calls it)."""
    # np.int64, not literals: a literal argument is its own numba type (``Literal[int](6)``),
    # and each call with one compiled _newton_one once more (≈ 6 s CPU each, #21 session 40)
    stall0, iter1, stall1 = np.int64(6), np.int64(8), np.int64(4)
    m = m_blocks[src[col]]
    v0c = v0[src[col]]
    ws = _workspace(x.shape[1], stall0)
    xf = x[col].copy()
    conv0, _, _, _ = _newton_one(xf, v0c, m, lim[col], code, held, p[col], q[col], ir[col],
                              phi[col], kf[col], db[col], pre[col], v_pll, 0.0, tol,
                              max_iter, stall0, halvings, ws, rel)
    ok_frozen[col] = conv0
    ok[col] = False
    res[col] = np.nan
    for i in range(x.shape[1]):
        x[col, i] = xf[i]
    if not conv0:
        return
    xc = xf.copy()
    lam = 0.0
    step = 0.5
    for _ in range(64):
        if lam >= 1.0 or step < min_step:
            break
        target = min(lam + step, 1.0)
        xt = xc.copy()
        conv, rn, _, _ = _solve_one(xt, v0c, m, lim[col], code, held, p[col], q[col],
                                    ir[col], phi[col], kf[col], db[col], pre[col], v_pll,
                                    target, tol, iter1, stall1, halvings,
                                    60 if target >= 1.0 else 0, ws, rel)
        if target >= 1.0:
            res[col] = rn
        if conv:
            xc = xt
            lam = target
            step = min(step * 1.5, 0.5)
        else:
            step = step / 2
    if lam >= 1.0:
        ok[col] = True
        for i in range(x.shape[1]):
            x[col, i] = xc[i]


@njit(cache=True)
def continuation_columns(x, v0, m_blocks, src, lim, code, held, p, q, ir, phi, kf, db, pre,
                         v_pll, tol, max_iter, halvings, min_step, ok_frozen, ok, res,
                         rel):  # pragma: no cover - numba
    """Per column: the held-PLL solution (``λ = 0``, Newton from ``x``), then continuation to
    the tracking PLL (``λ = 1``) in adaptive steps (halved on failure down to ``min_step``,
    grown ×1.5 up to 0.5 on success). Writes ``x`` (the ``λ = 1`` solution where reached, else
    the ``λ = 0`` one), ``ok_frozen``, ``ok`` (``λ = 1`` reached), ``res`` (last residual at
    ``λ = 1``; NaN if never tried); ``rel`` as :func:`newton_columns`.

    Serial: most studies send a few hundred columns here (≈ 1 ms), and a ``parallel=True``
    loop costs ≈ 6 s CPU to compile on a first run (#21 session 41);
    :func:`continuation_columns_parallel` is the same loop for many columns."""
    # ``rel`` has no default (nor in newton_columns): an omitted default reaches _newton_one as
    # ``Literal[bool](False)``, another compiled variant (#21 session 40)
    for col in range(x.shape[0]):
        _continuation_column(col, x, v0, m_blocks, src, lim, code, held, p, q, ir, phi, kf, db,
                             pre, v_pll, tol, max_iter, halvings, min_step, ok_frozen, ok, res,
                             rel)


@njit(parallel=True, cache=True)
def continuation_columns_parallel(x, v0, m_blocks, src, lim, code, held, p, q, ir, phi, kf, db,
                                  pre, v_pll, tol, max_iter, halvings, min_step, ok_frozen, ok,
                                  res, rel):  # pragma: no cover - numba
    """:func:`continuation_columns` in parallel over columns (the same values): for calls
    with many columns (weak-grid sites losing PLL lock at most fault buses); compiled on its
    first call only."""
    for col in prange(x.shape[0]):
        _continuation_column(col, x, v0, m_blocks, src, lim, code, held, p, q, ir, phi, kf, db,
                             pre, v_pll, tol, max_iter, halvings, min_step, ok_frozen, ok, res,
                             rel)


@njit(cache=True)
def residual_columns(x, v0, m_blocks, src, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll,
                     frozen, res):  # pragma: no cover - numba
    """``max|R|`` of the site currents ``x`` per column (arguments as
    :func:`newton_columns`), with the PLL held at the pre-fault angle (``λ = 0``) where
    ``frozen``: the residual :func:`.newton.solve_columns` reports with its solution."""
    n, k = x.shape
    rows = np.empty((4, k), np.complex128)
    for col in range(n):
        b = src[col]
        _residual(x[col], v0[b], m_blocks[b], lim[col], code, held, p[col],
                  q[col], ir[col], phi[col], kf[col], db[col], pre[col], v_pll,
                  0.0 if frozen[col] else 1.0, rows[0], rows[1], rows[2], rows[3], False)
        rn = 0.0
        for i in range(k):
            rn = max(rn, abs(rows[0, i]))
        res[col] = rn


@njit(parallel=True, cache=True)
def column_voltages(v10, v20, m11, m21, src, x, v1, v2):  # pragma: no cover - numba
    """The sites' voltages ``v1 = v1⁰ + M11·x``, ``v2 = v2⁰ + M21·x`` of every column (in
    place; ``v10, v20`` ``(B, k)``, ``m11, m21`` ``(B, k, k)`` blocks, ``src`` ``(n,)`` the
    block of each column, ``x, v1, v2`` ``(n, k)``), without gathering a block per column.
    The arithmetic of ``v⁰ + np.einsum("mij,mj->mi", M, x)`` (products summed from 0 in
    ``j`` order, then added to ``v⁰``): the same values, bit for bit."""
    n, k = x.shape
    for ch in prange((n + CHUNK - 1) // CHUNK):
        for c in range(ch * CHUNK, min(n, (ch + 1) * CHUNK)):
            b = src[c]
            for i in range(k):
                s1 = 0j
                s2 = 0j
                for j in range(k):
                    s1 += m11[b, i, j] * x[c, j]
                    s2 += m21[b, i, j] * x[c, j]
                v1[c, i] = v10[b, i] + s1
                v2[c, i] = v20[b, i] + s2
