"""The charger fixed point per fault bus (``charger_model="iterate"``).

``V_c = V_pre,c + Z_cc·I_c − Z_cf·I_f`` at the charger buses, with each charger's injection a
function of its own terminal voltage (:mod:`.chargers`), iterated on the factorisation of
:class:`~protv2g.engine.solve.CaseSolver` column by column (fault bus), with relaxation after
20 steps; columns without a PLL-tracking fixed point fall back to the PLL held at the
pre-fault angle (see :func:`iterate_chargers`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.engine.chargers import ChargerArrays, gfl_injection, gfm_injection
from protv2g.engine.faults import sequence_fault_currents
from protv2g.units import FaultType

__all__ = ["iterate_chargers", "ChargerSolution", "ITER_TOL", "ITER_MAX", "ITER_MAX_TRACKING"]

#: convergence tolerance of the charger iteration, relative to the largest current limit
ITER_TOL = 1e-10
ITER_MAX = 200
#: steps with the PLL tracking the terminal voltage before falling back to a frozen PLL
ITER_MAX_TRACKING = 60


@dataclass
class ChargerSolution:
    """Injections of one scenario and fault type (per unit, ``(k, m)``)."""

    i1_pu: np.ndarray
    i2_pu: np.ndarray
    iterations: int
    converged: bool
    pll_frozen: np.ndarray | None = None  # (m,) fault buses solved with the PLL frozen
    unconverged: np.ndarray | None = None  # (m,) fault buses without a fixed point at all


def iterate_chargers(solver, fault_type: FaultType, zf_pu, e_f: np.ndarray, e_c: np.ndarray,
                     p: ChargerArrays, cpos: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, ChargerSolution]:
    """Fixed point of the charger injections, column by column (fault bus).

    Columns that have converged drop out of the iteration. Columns without a fixed point
    are solved again with the PLL held at the pre-fault angle and flagged in
    ``ChargerSolution.pll_frozen``. This is a deliberate fallback, not a numerical
    shortcut: when a bolted fault separates the chargers from the grid (e.g. a 3ph fault at
    the substation), a charger's terminal voltage is set by its own current,
    ``V1 ≈ Z_loop·I1`` with ``|I1| = I_lim``, so ``|V1|`` is fixed and the PLL reference
    ``w·∠V1 + (1 − w)·∠V_pre`` (``w = min(|V1|/V_PLL_MIN_PU, 1)``) rotates the current by
    ``∠Z_loop − φ`` each step. A fixed point exists only if
    ``w·|sin(∠Z_loop − φ)| ≤ 1 − w``; otherwise a real PLL slips (cannot lock), and
    IEEE 2800-2022-style controls hold the pre-fault angle — which is what the fallback
    computes (the frozen-PLL injection is a fixed current: it converges in a few steps).
    Columns that still have no fixed point are flagged in ``unconverged``.
    """
    k, m = e_c.shape
    i1 = np.zeros((k, m), dtype=complex)
    i2 = np.zeros((k, m), dtype=complex)
    with np.errstate(divide="ignore", invalid="ignore"):
        i_pre = np.conj(p.s_pre_pu[:, None] / np.where(e_c != 0, e_c, 1))
    e_gfm = e_c + p.z_gfm_pu[:, None] * i_pre
    active = np.arange(m)
    its = 0
    frozen = np.zeros(m, dtype=bool)
    for freeze in (False, True):
        n_it, ok = _fixed_point(solver, fault_type, zf_pu, e_f, e_c, e_gfm, p, cpos, i1, i2,
                                active, freeze)
        its = max(its, n_it)
        active = active[~ok]
        if not len(active):
            break
        frozen[active] = True
    converged = len(active) == 0
    bad = np.zeros(m, dtype=bool)
    bad[active] = True
    return i1, i2, ChargerSolution(i1_pu=i1, i2_pu=i2, iterations=its, converged=converged,
                                   pll_frozen=frozen, unconverged=bad)


def _fixed_point(solver, fault_type, zf_pu, e_f, e_c, e_gfm, p, cpos, i1, i2, cols,
                 freeze) -> tuple[int, np.ndarray]:
    """Iterate the columns ``cols`` in place in ``i1, i2``; returns the steps used and which
    columns converged (``freeze``: PLL held at the pre-fault angle)."""
    s1, s2 = solver.seq[1], solver.seq[2]
    s0 = solver.seq.get(0)
    neg = s2.z_cf is not None
    z_cc1 = s1.z_cc[np.ix_(cpos, cpos)]
    z_cc2 = s2.z_cc[np.ix_(cpos, cpos)] if neg else None
    z_fc1 = s1.z_fc[np.ix_(cols, cpos)]
    z_fc2 = s2.z_fc[np.ix_(cols, cpos)] if neg else None
    z_cf1 = s1.z_cf[np.ix_(cpos, cols)]
    z_cf2 = s2.z_cf[np.ix_(cpos, cols)] if neg else None
    zf = zf_pu[cols] if np.ndim(zf_pu) else zf_pu
    zff1, zff2 = s1.zff[cols], s2.zff[cols]
    zff0 = s0.zff[cols] if s0 is not None else None
    ef, ec, eg = e_f[cols], e_c[:, cols], e_gfm[:, cols]
    a1, a2 = i1[:, cols], i2[:, cols]
    tol = ITER_TOL * max(float(p.i_lim_pu.max(initial=0.0)), 1e-12)
    live = np.arange(len(cols))  # positions (within cols) still iterating
    done = np.zeros(len(cols), dtype=bool)
    it = 0
    limit = ITER_MAX if freeze else ITER_MAX_TRACKING
    for it in range(1, limit + 1):  # noqa: B007
        b1, b2 = a1[:, live], a2[:, live]
        e1 = ef[live] + np.einsum("mk,km->m", z_fc1[live], b1)
        e2 = np.einsum("mk,km->m", z_fc2[live], b2) if neg else np.zeros(len(live), complex)
        zfl = zf[live] if np.ndim(zf) else zf
        z0l = zff0[live] if zff0 is not None else None
        i_f = sequence_fault_currents(fault_type, e1, e2, zff1[live], zff2[live], z0l, zfl)
        v1 = ec[:, live] + z_cc1 @ b1 - z_cf1[:, live] * i_f[:, 1]
        v2 = (z_cc2 @ b2 - z_cf2[:, live] * i_f[:, 2]) if neg else np.zeros_like(v1)
        n1, n2 = gfl_injection(ec[:, live] if freeze else v1, v2, ec[:, live], p)
        if p.gfm.any():
            g1, g2 = gfm_injection(v1, v2, eg[:, live], p)
            n1 = np.where(p.gfm[:, None], g1, n1)
            n2 = np.where(p.gfm[:, None], g2, n2)
        delta = np.maximum(np.abs(n1 - b1).max(axis=0, initial=0.0),
                           np.abs(n2 - b2).max(axis=0, initial=0.0))
        relax = 1.0 if it <= 20 else 0.5
        a1[:, live] = b1 + relax * (n1 - b1)
        a2[:, live] = b2 + relax * (n2 - b2)
        conv = delta < tol
        done[live[conv]] = True
        live = live[~conv]
        if not len(live):
            break
    i1[:, cols] = a1
    i2[:, cols] = a2
    return it, done
