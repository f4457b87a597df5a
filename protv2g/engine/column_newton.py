"""One damped Newton loop on complex unknowns, row by row ("columns"), in numpy.

Both engines solve their charger/site currents with it: the sequence engine's numpy Newton
(:func:`protv2g.engine.newton._newton`, beside the compiled
:func:`protv2g.engine.newton_kernel.newton_columns`), the phase engine's first attempt on the
units' ``I1`` (:func:`protv2g.engine.phase.unit_newton.unit_newton`, the kernel's step rule)
and its Newton on the phase currents (:func:`protv2g.engine.phase.site_solve._newton`). The
caller supplies the equations, the loop the iteration:

- **equations** — ``evaluate(rows, x, jacobian)`` returns the residual ``R(x) = x − F(x)``
  ``(len(rows), n)`` complex of the rows ``rows`` at ``x`` (``F`` the control law at the
  terminal voltages the currents ``x`` give: :func:`protv2g.engine.control_law.injection`,
  whose module defines the law and its residual) and, when asked, the real Newton matrix
  ``∂(Re R, Im R)/∂(Re x, Im x)`` ``(len(rows), 2n, 2n)`` (:func:`real_newton_matrix` from
  the Wirtinger derivatives, or the caller's own).
- **step** — ``[[Re C, Re D], [Im C, Im D]]·(Re Δx, Im Δx) = −(Re R, Im R)`` solved for every
  row at once (:func:`solve_steps`: Cramer's rule on ``2 × 2`` systems, batched LU else);
  rows with a singular matrix take the least-squares step (``singular="lstsq"``) or give up
  (``"drop"``, as the compiled kernel does); non-finite step entries are set to 0.
- **line search** (:class:`LineSearch`) — trial steps ``t = 1, 1/2, … 1/2^(trials−1)``
  until one is accepted: ``merit="l2"``, the Armijo rule for Newton's method on
  ``R(x) = 0``, ``‖R(x + tΔx)‖₂ ≤ (1 − α·t)·‖R(x)‖₂`` with ``α = 10⁻⁴`` (C. T. Kelley,
  *Iterative Methods for Linear and Nonlinear Equations*, SIAM 1995, ch. 8), tested squared
  (``‖R‖₂²`` against ``(1 − α·t)²·‖R(x)‖₂²``, as the compiled kernel does);
  ``merit="max"``, a strict decrease of ``max|R|``. Where no trial is accepted the row
  takes the last trial (``take="last"``) or the one of least merit (``take="best"``, which
  also keeps an earlier trial of lower merit than the accepted one).
- **stop** — a row converges at ``max|R| ≤ tol`` (``relative=False``) or
  ``max|R| ≤ tol·max(1, max|x|)`` (``relative=True``, relative to the row's own currents);
  ``image=True`` then returns the law's image of that iterate, ``x − R(x) = F(x)``. A row
  whose residual is not finite, or (``stall``) has not halved within ``stall`` steps, gives
  up; the others stop after ``max_iter`` steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["LineSearch", "ARMIJO_C", "column_newton", "real_newton_matrix", "solve_steps"]

#: the Armijo rule's sufficient-decrease constant ``α`` (Kelley 1995, ch. 8: ``10⁻⁴``)
ARMIJO_C = 1e-4

#: ``evaluate(rows, x, jacobian) -> (R, J or None)`` (module docstring)
Evaluate = Callable[[np.ndarray, np.ndarray, bool], tuple[np.ndarray, "np.ndarray | None"]]


@dataclass(frozen=True)
class LineSearch:
    """The step rule (module docstring): ``trials`` step sizes ``1 … 1/2^(trials−1)``;
    ``merit`` ``"l2"`` (Armijo on ``‖R‖₂²``) or ``"max"`` (strict decrease of ``max|R|``);
    ``take`` ``"last"`` or ``"best"`` where no trial is accepted."""

    trials: int
    merit: Literal["l2", "max"]
    take: Literal["last", "best"]

    def __post_init__(self) -> None:
        if self.merit not in ("l2", "max") or self.take not in ("last", "best") \
                or self.trials < 1:
            raise ValueError(f"LineSearch{self!r}: merit 'l2' or 'max', take 'last' or "
                             "'best', trials ≥ 1")


def real_newton_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Real Newton matrix ``(m, 2n, 2n)`` of ``R = x − F(v⁰ + M·x)`` from ``a = F_V·M``,
    ``b = F_V̄·M̄`` ``(m, n, n)`` (Wirtinger derivatives of the law, ``F_V`` diagonal or block
    diagonal): ``C = 1 − a − b = ∂R/∂(Re x)``, ``D = j·(1 − a + b) = ∂R/∂(Im x)``, stacked
    ``[[Re C, Re D], [Im C, Im D]]``."""
    m, n = a.shape[:2]
    eye = np.eye(n)[None]
    c = eye - a - b
    dd = 1j * (eye - a + b)
    # the four blocks written into one array (two levels of concatenate copied it twice)
    out = np.empty((m, 2 * n, 2 * n))
    out[:, :n, :n], out[:, :n, n:] = c.real, dd.real
    out[:, n:, :n], out[:, n:, n:] = c.imag, dd.imag
    return out


def solve_steps(jac: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched ``jac·x = rhs`` ``(m, n, n)``, ``(m, n)``; rows with a singular matrix → ok
    False (``x`` undefined there). ``n = 2``: Cramer's rule."""
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


def _merit(r: np.ndarray, kind: str) -> np.ndarray:
    return (np.abs(r) ** 2).sum(axis=1) if kind == "l2" else np.abs(r).max(axis=1)


def _line_search(evaluate: Evaluate, rows: np.ndarray, x0: np.ndarray, r0: np.ndarray,
                 dx: np.ndarray, search: LineSearch, with_jac: bool):
    """Trial steps (module docstring) on the rows ``rows``: ``(x, R, J or None)``."""
    n0 = _merit(r0, search.merit)
    x_out, r_out = np.empty_like(x0), np.empty_like(r0)
    j_out = None
    best = np.full(len(rows), np.inf)
    pend = np.arange(len(rows))
    t = 1.0
    for h in range(search.trials):
        xt = x0[pend] + t * dx[pend]
        rt, jt = evaluate(rows[pend], xt, with_jac)
        nt = _merit(rt, search.merit)
        acc = (nt <= (1 - ARMIJO_C * t) ** 2 * n0[pend] if search.merit == "l2"
               else nt < n0[pend])
        if search.take == "best":  # the trial of least merit (the first where none is finite)
            better = nt < best[pend]
            best[pend[better]] = nt[better]
            store = better | (h == 0)
        else:
            acc |= h == search.trials - 1
            store = acc
        x_out[pend[store]], r_out[pend[store]] = xt[store], rt[store]
        if jt is not None:
            if j_out is None:
                j_out = np.empty((len(rows),) + jt.shape[1:], jt.dtype)
            j_out[pend[store]] = jt[store]
        pend = pend[~acc]
        if not len(pend):
            break
        t *= 0.5
    return x_out, r_out, j_out


def column_newton(evaluate: Evaluate, x: np.ndarray, *, tol: float, relative: bool,
                  max_iter: int, search: LineSearch, stall: int | None = None,
                  image: bool = False, trial_jacobian: bool = False,
                  singular: Literal["lstsq", "drop"] = "lstsq",
                  newton_matrix: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Newton (module docstring) on every row of ``x`` ``(m, n)`` complex, in place.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(rows, x_rows, jacobian) -> (R, J or None)``.
    x : numpy.ndarray
        ``(m, n)`` start; on return the solution where converged (the law's image of the
        converged iterate with ``image``), the last iterate elsewhere.
    tol, relative : float, bool
        Stop at ``max|R| ≤ tol`` or, ``relative``, ``≤ tol·max(1, max|x|)``.
    max_iter : int
        Newton steps at most.
    search : LineSearch
    stall : int, optional
        Give a row up when its residual has not halved within this many steps.
    image : bool
        Converged rows return ``x − R(x)``.
    trial_jacobian : bool
        Evaluate the Newton matrix with every line-search trial (and reuse the accepted
        one's) rather than once per step at the accepted iterate.
    singular : {"lstsq", "drop"}
        A singular Newton matrix: least-squares step, or the row gives up.
    newton_matrix : callable, optional
        ``newton_matrix(rows, J) -> (len(rows), 2n, 2n)``: ``evaluate`` returns a compact
        form of the derivatives (rows first) and this forms the Newton matrix of the rows
        that take a step, when they take it (not at the converged iterate nor at rejected
        trials: the same matrix, formed less often; session 22).

    Returns
    -------
    ok : numpy.ndarray
        ``(m,)`` bool, converged.
    residual : numpy.ndarray
        ``(m,)`` ``max|R|`` at the last iterate evaluated (before ``image``).
    iterations : numpy.ndarray
        ``(m,)`` Newton steps taken.
    """
    if singular not in ("lstsq", "drop"):
        raise ValueError(f"singular={singular!r}: use 'lstsq' or 'drop'")
    m = len(x)
    ok = np.zeros(m, bool)
    res = np.full(m, np.inf)
    iters = np.zeros(m, np.int64)
    live = np.arange(m)
    r, jac = evaluate(live, x, True)
    hist = None if stall is None else np.full((m, stall), np.inf)
    for it in range(max_iter + 1):
        rn = np.abs(r).max(axis=1, initial=0.0)
        res[live], iters[live] = rn, it
        lim = tol * np.maximum(1.0, np.abs(x[live]).max(axis=1, initial=0.0)) if relative \
            else tol
        done = rn <= lim
        ok[live[done]] = True
        if image:
            x[live[done]] -= r[done]  # the law's image of the converged iterate
        keep = ~done & np.isfinite(rn)
        if hist is not None:  # stalled: no halving of the residual over the last steps
            stalled = rn > 0.5 * hist[live].min(axis=1)
            hist[live] = np.concatenate([hist[live, 1:], rn[:, None]], axis=1)
            keep &= ~(stalled & (it >= stall))
        if it == max_iter or not keep.any():
            break
        live, r = live[keep], r[keep]
        jac = jac[keep] if jac is not None else evaluate(live, x[live], True)[1]
        rhs = -np.concatenate([r.real, r.imag], axis=1)
        if newton_matrix is not None:
            jac = newton_matrix(live, jac)
        step, good = solve_steps(jac, rhs)
        if not good.all() and singular == "drop":
            live, r, step = live[good], r[good], step[good]
            if not len(live):
                break
        elif not good.all():
            for j in np.flatnonzero(~good):
                step[j] = np.linalg.lstsq(jac[j], rhs[j], rcond=None)[0]
        n = r.shape[1]
        dx = step[:, :n] + 1j * step[:, n:]
        dx = np.where(np.isfinite(dx), dx, 0)
        x[live], r, jac = _line_search(evaluate, live, x[live], r, dx, search, trial_jacobian)
    return ok, res, iters
