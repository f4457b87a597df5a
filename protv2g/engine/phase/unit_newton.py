"""Newton on the units' own ``I1`` for every fault row at once, in numpy (batched solves).

The first attempt of :func:`.site_solve.solve_sites` for grid-following units without
negative-sequence injection: per row ``V_u = v⁰ + M·x`` (``x`` the units' ``I1``, law pu;
``M`` ``u × u``), residual ``R(x) = x − F(V)`` with ``F`` the law
(:func:`protv2g.engine.control_law.injection`, ``I1`` of ``V1`` alone when ``k2 = 0``), Newton
step from the real ``2u × 2u`` system ``[[Re C, Re D], [Im C, Im D]]·(Re Δx, Im Δx) = −(Re R,
Im R)`` with ``C = 1 − diag(∂F/∂V)·M − diag(∂F/∂V̄)·M̄``, ``D = j·(1 − diag(∂F/∂V)·M +
diag(∂F/∂V̄)·M̄)`` (Wirtinger calculus), backtracking on ``‖R‖₂`` (Armijo, step halved up to
``halvings − 1`` times, the last step taken), stop at ``max|R| ≤ tol``.

These are the equations and the step rule of the sequence engine's compiled column Newton
(:func:`protv2g.engine.newton_kernel.newton_columns` with ``stall = max_iter``, no fixed-point
retries): the same iterates up to rounding, with every row's step solved in one batched
``numpy.linalg.solve`` instead of a compiled loop per row. The phase path solves a few units
(the study's sites) on thousands of rows, where the numpy passes cost about what the compiled
loop does, without numba's first use in the process (≈ 0.6 s CPU loading its registries,
measured on the IEEE 8500 study, session 9).
"""

from __future__ import annotations

import numpy as np

from protv2g.engine.control_law import LawArrays, injection

__all__ = ["unit_newton"]


def _solve(jac: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched ``jac·x = rhs`` ``(m, n, n)``, ``(m, n)``; rows with a singular matrix → ok
    False (``x`` undefined there). ``u = 1``: Cramer's rule on the 2 × 2 systems."""
    if jac.shape[1] == 2:
        det = jac[:, 0, 0] * jac[:, 1, 1] - jac[:, 0, 1] * jac[:, 1, 0]
        ok = np.isfinite(det) & (det != 0.0)
        d = np.where(ok, det, 1.0)
        x = np.stack([(rhs[:, 0] * jac[:, 1, 1] - jac[:, 0, 1] * rhs[:, 1]) / d,
                      (jac[:, 0, 0] * rhs[:, 1] - rhs[:, 0] * jac[:, 1, 0]) / d], axis=1)
        return x, ok
    try:
        return np.linalg.solve(jac, rhs[..., None])[..., 0], np.ones(len(jac), bool)
    except np.linalg.LinAlgError:
        x = np.zeros_like(rhs)
        ok = np.ones(len(jac), bool)
        for i in range(len(jac)):
            try:
                x[i] = np.linalg.solve(jac[i], rhs[i])
            except np.linalg.LinAlgError:
                ok[i] = False
        return x, ok


def unit_newton(x: np.ndarray, v0: np.ndarray, mb: np.ndarray, lim: np.ndarray,
                law: LawArrays, hold: np.ndarray | None, pre: np.ndarray, tol: float,
                max_iter: int, halvings: int) -> tuple[np.ndarray, np.ndarray]:
    """Newton (module docstring) on every row, in place on ``x``.

    Parameters
    ----------
    x : numpy.ndarray
        ``(m, u)`` complex start, the units' ``I1`` (law pu); the solution on return where
        ``ok`` (the other rows are left at some iterate).
    v0 : numpy.ndarray
        ``(m, u)`` the units' law voltages with the units at 0 A, pu.
    mb : numpy.ndarray
        ``(m, u, u)`` ``∂V_u/∂x``, pu.
    lim : numpy.ndarray
        ``(m, u)`` current limit of each unit, pu.
    law : LawArrays
        ``(u,)`` the units' law (grid following, ``k2 = 0``).
    hold : numpy.ndarray or None
        ``(u,)`` bool: the unit injects its limit at ``φ`` (first cycle), as
        :func:`~protv2g.engine.control_law.injection` ``hold``.
    pre : numpy.ndarray
        ``(u,)`` pre-fault law voltages, pu (the PLL's reference angle, the dip's reference).
    tol : float
        Stop at ``max|R| ≤ tol``, pu.
    max_iter, halvings : int
        Newton steps at most; line-search trials per step.

    Returns
    -------
    ok : numpy.ndarray
        ``(m,)`` bool, converged.
    iters : numpy.ndarray
        ``(m,)`` Newton steps taken.
    """
    m, u = x.shape
    ok = np.zeros(m, bool)
    iters = np.zeros(m, np.int64)
    hold_col = None if hold is None else np.asarray(hold, bool)[:, None]
    pre_col = np.asarray(pre, complex)[:, None]
    eye = np.eye(u)

    def resid(rows: np.ndarray, xr: np.ndarray):  # noqa: ANN202
        v = v0[rows] + np.einsum("muv,mv->mu", mb[rows], xr)
        inj = injection(v.T, np.zeros((u, len(rows)), complex), lim[rows].T, law,
                        np.broadcast_to(pre_col, (u, len(rows))), hold=hold_col,
                        jacobian=True)
        d, dc = inj.d[(1, 1)]
        return xr - inj.i1.T, d.T, dc.T

    live = np.arange(m)
    r, d, dc = resid(live, x)
    for it in range(max_iter + 1):
        mag = np.abs(r)
        rn = mag.max(axis=1)
        done = rn <= tol
        ok[live[done]] = True
        iters[live] = it
        # non-finite residuals never converge (the kernel runs them to max_iter)
        keep = ~done & np.isfinite(rn)
        if it == max_iter:
            break
        live, r, d, dc = live[keep], r[keep], d[keep], dc[keep]
        if not len(live):
            break
        norm2 = (mag[keep] ** 2).sum(axis=1)
        mm = mb[live]
        am = d[:, :, None] * mm
        bm = dc[:, :, None] * np.conj(mm)
        c = eye - am - bm
        dd = 1j * (eye - am + bm)
        jac = np.concatenate([np.concatenate([c.real, dd.real], axis=2),
                              np.concatenate([c.imag, dd.imag], axis=2)], axis=1)
        step, good = _solve(jac, -np.concatenate([r.real, r.imag], axis=1))
        if not good.all():
            live, r, d, dc = live[good], r[good], d[good], dc[good]
            norm2, step = norm2[good], step[good]
            if not len(live):
                break
        dx = step[:, :u] + 1j * step[:, u:]
        x0 = x[live]
        pend = np.arange(len(live))
        t = 1.0
        for h in range(halvings):
            xt = x0[pend] + t * dx[pend]
            rt, dt, dct = resid(live[pend], xt)
            nt = (np.abs(rt) ** 2).sum(axis=1)
            acc = (nt <= (1 - 1e-4 * t) ** 2 * norm2[pend]) | (h == halvings - 1)
            at = pend[acc]
            x[live[at]] = xt[acc]
            r[at], d[at], dc[at] = rt[acc], dt[acc], dct[acc]
            pend = pend[~acc]
            if not len(pend):
                break
            t *= 0.5
    return ok, iters
