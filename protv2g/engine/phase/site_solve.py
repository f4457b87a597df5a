"""The solve of the site currents of :class:`~.sites.SiteLaw` for every fault row at once.

For one fault the site voltages are affine in the site currents, ``V_C = a + B·I_C`` (the
fault eliminated, :mod:`.study`). ``frozen``: every site injects its current limit at its
pre-fault voltage angle (the PLL frozen at inception) — a fixed current, no iteration.
``iterate``: the residual ``F(I_C) = law(a + B·I_C) − I_C = 0`` with the PLL tracking the
terminal voltage, solved by Newton started from the frozen-PLL currents, as the sequence
engine's solver is (:mod:`protv2g.engine.newton`), so both engines find the same tracking
solution.

First attempt
-------------
Grid-following units without negative-sequence injection (the common case; the law's
``I2 = 0`` then, and its ``I1`` depends on ``V1`` alone): each unit's law voltage is affine
in the units' own currents, ``V_u = S·a + (S·B·T)·x`` — ``x`` the units' ``I1`` in the law's
per unit, ``T`` ``(q, u)`` their conductor currents (:attr:`~.sites.SiteLaw.unit_maps`: a
fleet ``I_abc = i_b·A[:, 1]·I1``, a single-phase inverter ``I = i_b·I1``), ``S`` ``(u, q)``
their law voltages (``V1 = A⁻¹[1, :]·V_abc/v_b``; ``V/v_b``). That is the sequence engine's
column system (``V = v⁰ + M·I``, one ``k × k`` block per column), solved by the numpy
Newton of :func:`.unit_newton.unit_newton` — the equations and step rule of the sequence
engine's compiled :func:`protv2g.engine.newton_kernel.newton_columns`, every row's step in one
batched solve (on the IEEE 8500 study it costs what the compiled kernel does warm and saves
numba's first use in the process, ≈ 0.5 s CPU; session 9). Its stop
``max|R_u| ≤ tol/max(i_b)`` (pu) bounds every conductor's residual by ``tol`` (A): the
criterion of the numpy Newton. Other units (grid forming, ``k2 > 0``) and the rows the
first attempt leaves unconverged take the numpy damped Newton on the real and imaginary parts of
the site currents, ``R(I_C) = I_C − law(a + B·I_C) = −F`` (analytic Jacobian ``∂R/∂I = 1 −
(∂I_C/∂V_C)·B``, ``∂R/∂Ī = −(∂I_C/∂V̄_C)·B̄`` from the law's own derivatives,
:meth:`~.sites.SiteLaw.jacobian`, every row at once; backtracking halves the step, at most 7
times, until ``max|R|`` decreases; stop at ``max|R| ≤ tol``) from the same start. Both Newton
loops are :func:`protv2g.engine.column_newton.column_newton` with their own step rule.

Fallbacks
---------
Rows Newton leaves unconverged after :data:`NEWTON_MAX` steps go to the fixed point
``I_C = law(a + B·I_C)`` (relaxed after 20 steps); rows without a fixed point after
:data:`ITER_MAX_TRACKING` steps are solved again with the PLL held at the pre-fault angle
(flagged ``pll_frozen``, as the sequence engine does); rows still without one are flagged
``unconverged``. Units a bolted fault cuts off from every source (``held``,
:mod:`.cut_off`) hold the pre-fault angle in every attempt (the law's ``freeze``: its
magnitude still reads ``|V|``), the others track.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from protv2g.engine.column_newton import LineSearch, column_newton
from protv2g.engine.control_law import to_real_jacobian
from protv2g.engine.newton import LINE_SEARCH_HALVINGS
from protv2g.engine.phase.unit_newton import unit_newton

if TYPE_CHECKING:
    from protv2g.engine.phase.sites import SiteLaw

__all__ = ["solve_sites", "ITER_TOL", "ITER_MAX", "ITER_MAX_TRACKING", "NEWTON_MAX"]

#: convergence tolerance, relative to the largest site current limit
ITER_TOL = 1e-10
ITER_MAX = 200
ITER_MAX_TRACKING = 60
#: Newton steps on the tracking solution before the fixed-point fallback
NEWTON_MAX = 40


def solve_sites(law: SiteLaw, a: np.ndarray, b: np.ndarray, v_pre: np.ndarray, model: str,
          lim: np.ndarray | None = None, x0: np.ndarray | None = None,
          mb: np.ndarray | None = None, held: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Site currents for every fault row at once.

    Parameters
    ----------
    a : numpy.ndarray
        ``(m, q)`` site voltages with the sites at 0 A, V.
    b : numpy.ndarray
        ``(m, q, q)`` ∂V_C/∂I_C with the fault in place, Ω.
    v_pre : numpy.ndarray
        ``(q,)`` pre-fault site voltages, V.
    model : {"iterate", "frozen_pll"}
    lim : numpy.ndarray, optional
        ``(m, n_units)`` a later stage's unit limits (:meth:`injection`); default the
        first cycle.
    x0 : numpy.ndarray, optional
        ``(m, q)`` start (A), e.g. the previous stage's currents; default the
        frozen-PLL injection.
    mb : numpy.ndarray, optional
        ``(m, u, u)`` :meth:`~.sites.SiteLaw.unit_matrix` of ``b`` (the stages of a group
        solve the same rows again: formed once there); default formed here.
    held : numpy.ndarray, optional
        ``(m, n_units)`` bool: units whose PLL is held at the pre-fault angle in every
        attempt (cut off from every source by the fault, :mod:`.cut_off`); the others
        track. A row with such a unit is not flagged here (its caller flags it, only where
        the hold changes something: :func:`.cut_off.cut_off_units`).

    Returns
    -------
    i_c : numpy.ndarray
        ``(m, q)`` site currents, A (NaN where unconverged).
    pll_frozen, unconverged : numpy.ndarray
        ``(m,)`` bool.
    iterations : int

    Raises
    ------
    ValueError
        Unknown ``model``.
    """
    m = a.shape[0]
    fixed = model == "frozen_pll" and not (law.unit_law.gfm.any() or law.k2_any)
    # the frozen-PLL start, needed where x0 has no value (rows by rows: the law is per row)
    need = (np.arange(m) if x0 is None or fixed
            else np.flatnonzero(~np.isfinite(x0).all(axis=1)))
    i = np.zeros((m, law.n_cond), complex) if x0 is None else np.array(x0, complex)
    if lim is not None and len(need):
        i0 = law.injection(np.broadcast_to(v_pre, (len(need), law.n_cond)), v_pre,
                            freeze=True, lim=lim[need])
    elif len(need):
        i0 = law.injection(v_pre[None, :], v_pre, freeze=True)
    if len(need):
        i[need] = i0 if x0 is None or fixed else np.where(np.isfinite(i[need]), i[need], i0)
    frozen = np.zeros(m, dtype=bool)
    if fixed:
        return i, np.ones(m, dtype=bool) if law.n_cond else frozen, np.zeros(m, bool), 0
    if model not in ("iterate", "frozen_pll"):
        raise ValueError(f"unknown charger model {model!r}; use 'iterate' or 'frozen_pll'")
    tol = ITER_TOL * max(float(law.limit_a.max(initial=0.0)), 1e-12)
    if held is not None and not held.any():
        held = None
    live, its = _first_attempt(law, a, b, v_pre, i, tol, lim, mb, held)
    for freeze in (False, True):
        limit = ITER_MAX if freeze else ITER_MAX_TRACKING
        for it in range(1, limit + 1):
            cur = i[live]
            v = a[live] + np.einsum("mqr,mr->mq", b[live], cur)
            new = law.injection(v, v_pre, freeze=freeze,
                                 lim=None if lim is None else lim[live],
                                 held=None if held is None or freeze else held[live])
            delta = np.abs(new - cur).max(axis=1, initial=0.0)
            relax = 1.0 if it <= 20 else 0.5
            i[live] = cur + relax * (new - cur)
            its = max(its, it)
            live = live[delta >= tol]
            if not len(live):
                break
        if not len(live):
            break
        if not freeze:
            frozen[live] = True
    bad = np.zeros(m, dtype=bool)
    bad[live] = True
    i[bad] = np.nan
    return i, frozen, bad, its

#: the phase Newton's step rule: a strict decrease of ``max|R|``, else the smallest step (1/128)
SEARCH = LineSearch(LINE_SEARCH_HALVINGS, "max", "last")


def _newton(law: SiteLaw, a: np.ndarray, b: np.ndarray, v_pre: np.ndarray, i: np.ndarray,
            tol: float, lim: np.ndarray | None = None, held: np.ndarray | None = None
            ) -> tuple[np.ndarray, int]:
    """Damped Newton (:func:`.column_newton.column_newton`, :data:`SEARCH`, stop at
    ``max|R| ≤ tol`` A, singular matrix: least-squares step) on ``R(I) = I − law(a + B·I)``
    (PLL tracking, held for the ``held`` ``(m, n_units)`` units) for every row, in place on
    ``i`` ``(m, q)``; returns the rows left unconverged and the step count."""
    m, q = i.shape
    if not q or not m:
        return np.zeros(0, dtype=np.int64), 0
    eye = np.eye(2 * q)

    def evaluate(rows: np.ndarray, x: np.ndarray, jac: bool):  # noqa: ANN202
        v = a[rows] + np.einsum("mqr,mr->mq", b[rows], x)
        lim_r = None if lim is None else lim[rows]
        h_r = None if held is None else held[rows]
        if not jac:
            return x - law.injection(v, v_pre, lim=lim_r, held=h_r), None
        i_c, dv, dvc = law.jacobian(v, v_pre, lim=lim_r, held=h_r)
        # ∂R/∂I = 1 − (∂I_C/∂V_C)·B, ∂R/∂Ī = −(∂I_C/∂V̄_C)·B̄; real 2q × 2q form
        bl = b[rows]
        j_law = to_real_jacobian(dv @ bl, dvc @ np.conj(bl))      # (m, q, q, 2, 2)
        j_law = np.transpose(j_law, (0, 3, 1, 4, 2)).reshape(len(rows), 2 * q, 2 * q)
        return x - i_c, eye - j_law

    ok, _, its = column_newton(evaluate, i, tol=tol, relative=False, max_iter=NEWTON_MAX,
                               search=SEARCH)
    return np.flatnonzero(~ok), int(its.max(initial=0))


def _first_attempt(law: SiteLaw, a: np.ndarray, b: np.ndarray, v_pre: np.ndarray,
                   i: np.ndarray, tol: float, lim: np.ndarray | None,
                   mb: np.ndarray | None = None, held: np.ndarray | None = None
                   ) -> tuple[np.ndarray, int]:
    """Newton on every row (module docstring), in place on ``i``: on the units' ``I1`` where
    the law allows, the numpy Newton on the phase currents on the rest; returns the rows left
    unconverged and the step count."""
    m = len(i)
    if not m or not law.n_cond:
        return np.zeros(0, dtype=np.int64), 0
    if law.unit_law.gfm.any() or law.k2_any:
        return _newton(law, a, b, v_pre, i, tol, lim, held)
    t, s = law.unit_maps
    # x: the units' I1 of the start (it is a law output: in the range of T, exactly)
    # einsum, not matmul: a few columns wide, BLAS threads cost more than the arithmetic
    x = np.ascontiguousarray(np.einsum("mq,uq->mu", i, law.unit_maps_inverse))
    v0 = np.ascontiguousarray(np.einsum("mq,uq->mu", a, s))
    if mb is None:  # S·B·T, bit-identical to einsum("uq,mqr,rv->muv", s, b, t)
        mb = law.unit_matrix(b)
    # first cycle: the first-cycle limits, held where the law holds them; later stages unheld
    lim_r = np.broadcast_to(law.unit_i_fc if lim is None else lim, (m, law.n_units))
    ul = law.unit_law
    ok, its = unit_newton(x, v0, mb, lim_r, ul, None if lim is not None else law.unit_hold,
                          np.einsum("uq,q->u", s, v_pre), tol / float(law.i_base_a.max()),
                          NEWTON_MAX, LINE_SEARCH_HALVINGS, held)
    i[ok] = np.einsum("mu,qu->mq", x[ok], t)
    rest = np.flatnonzero(~ok)
    n_its = int(its.max(initial=0))
    if len(rest):
        sub = i[rest]
        live, k = _newton(law, a[rest], b[rest], v_pre, sub, tol,
                          None if lim is None else lim[rest],
                          None if held is None else held[rest])
        i[rest] = sub
        return rest[live], max(n_its, k)
    return np.zeros(0, dtype=np.int64), n_its
