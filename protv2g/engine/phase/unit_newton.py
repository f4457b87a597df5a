"""Newton on the units' own ``I1`` for every fault row at once, in numpy (batched solves).

The first attempt of :func:`.site_solve.solve_sites` for grid-following units without
negative-sequence injection: per row ``V_u = v⁰ + M·x`` (``x`` the units' ``I1``, law pu;
``M`` ``u × u``), residual ``R(x) = x − F(V)`` with ``F`` the law
(:func:`protv2g.engine.control_law.injection`, ``I1`` of ``V1`` alone when ``k2 = 0``), Newton
step from the real ``2u × 2u`` system ``[[Re C, Re D], [Im C, Im D]]·(Re Δx, Im Δx) = −(Re R,
Im R)`` with ``C = 1 − diag(∂F/∂V)·M − diag(∂F/∂V̄)·M̄``, ``D = j·(1 − diag(∂F/∂V)·M +
diag(∂F/∂V̄)·M̄)`` (Wirtinger calculus), backtracking on ``‖R‖₂`` (Armijo, step halved up to
``halvings − 1`` times, the last step taken), stop at ``max|R| ≤ tol``; a row with a
singular Newton matrix or a non-finite residual gives up. The loop is the shared
:func:`protv2g.engine.column_newton.column_newton` (``LineSearch(halvings, "l2", "last")``,
the law's derivatives evaluated with every trial and reused).

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

from protv2g.engine.column_newton import LineSearch, column_newton, real_newton_matrix
from protv2g.engine.control_law import LawArrays, injection

__all__ = ["unit_newton"]


def unit_newton(x: np.ndarray, v0: np.ndarray, mb: np.ndarray, lim: np.ndarray,
                law: LawArrays, hold: np.ndarray | None, pre: np.ndarray, tol: float,
                max_iter: int, halvings: int, held: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
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
    held : numpy.ndarray, optional
        ``(m, u)`` bool: the unit's PLL held at the pre-fault angle (the law's ``freeze``:
        cut off from every source by the fault, :mod:`.cut_off`).

    Returns
    -------
    ok : numpy.ndarray
        ``(m,)`` bool, converged.
    iters : numpy.ndarray
        ``(m,)`` Newton steps taken.
    """
    m, u = x.shape
    hold_col = None if hold is None else np.asarray(hold, bool)[:, None]
    pre_col = np.asarray(pre, complex)[:, None]

    def evaluate(rows: np.ndarray, xr: np.ndarray, jac: bool):  # noqa: ANN202
        mm = mb[rows]
        v = v0[rows] + np.einsum("muv,mv->mu", mm, xr)
        inj = injection(v.T, np.zeros((u, len(rows)), complex), lim[rows].T, law,
                        np.broadcast_to(pre_col, (u, len(rows))), hold=hold_col,
                        freeze=None if held is None else held[rows].T, jacobian=jac)
        if not jac:
            return xr - inj.i1.T, None
        d, dc = inj.d[(1, 1)]
        # the law's derivatives only: the Newton matrix is formed when a row steps
        return xr - inj.i1.T, np.stack([d.T, dc.T], axis=1)            # (m, 2, u)

    def newton_matrix(rows: np.ndarray, dd: np.ndarray) -> np.ndarray:
        mm = mb[rows]
        return real_newton_matrix(dd[:, 0, :, None] * mm, dd[:, 1, :, None] * np.conj(mm))

    ok, _, iters = column_newton(evaluate, x, tol=tol, relative=False, max_iter=max_iter,
                                 search=LineSearch(halvings, "l2", "last"),
                                 trial_jacobian=True, singular="drop",
                                 newton_matrix=newton_matrix)
    return ok, iters
