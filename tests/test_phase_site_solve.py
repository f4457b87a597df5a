"""The phase engine's site solve (:mod:`protv2g.engine.phase.site_solve`, #21): the first
attempt (Newton on the units' ``I1``, :mod:`protv2g.engine.phase.unit_newton`) against the
numpy Newton on the phase currents, and against the sequence engine's compiled kernel it
follows, on random faulted states of every grid-following branch of the law.

Reference: the numpy damped Newton of the same module (``_newton``), started from the same
frozen-PLL currents; both stop at ``max|F| ≤ 1e-10·limit``. Every row it solves the site
solve solves, to a fixed point of the numpy law; the currents agree within ``1e-8`` of the
largest limit on ≥ 97 % of the rows — where a row has several tracking solutions (units at
their limits, the law invariant to a rotation but for the PLL floor) the first attempt's line
search (Armijo on ``‖R‖₂``) may settle on another one than the numpy one (``max|F|`` decrease).
"""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.engine import ChargerSource
from protv2g.engine.phase import PhaseSite
from protv2g.engine.phase.site_solve import ITER_TOL, _newton, solve_sites
from protv2g.engine.phase.sites import SiteLaw
from protv2g.units import ChargerLaw, ChargerMode

ANG = np.radians([0.0, -120.0, 120.0])


def _sites():
    """Grid-following units without negative sequence (the kernel's case): fleets active
    priority (held in the first cycle), reactive priority charging, constant current;
    single-phase units on one and two phases."""
    act, rea = ChargerLaw.ACTIVE_PRIORITY, ChargerLaw.REACTIVE_PRIORITY
    return [
        PhaseSite(ChargerSource("act3", -1, 2.0, limit_pu=1.5, sustained_limit_pu=1.1,
                                p_pre_mw=1.5, q_pre_mvar=0.3, law=act), "b1"),
        PhaseSite(ChargerSource("rea3", -1, 1.0, limit_pu=1.2, p_pre_mw=0.6, law=rea,
                                mode=ChargerMode.CHARGING, deadband_pu=0.1), "b2"),
        PhaseSite(ChargerSource("cc3", -1, 1.5, limit_pu=1.3, p_pre_mw=1.0), "b3"),
        PhaseSite(ChargerSource("act1", -1, 0.3, limit_pu=1.2, p_pre_mw=0.25,
                                q_pre_mvar=-0.1, law=act), "b4", "b"),
        PhaseSite(ChargerSource("rea2", -1, 0.4, limit_pu=1.1, p_pre_mw=0.3,
                                q_pre_mvar=0.05, law=rea), "b5", "ac"),
    ]


def _states(law: SiteLaw, m: int, seed: int):
    """``a`` (dips from 2 % to none, random unbalance), ``B`` (a random passive coupling,
    symmetric with a positive real part, about 0.02–0.2 of each conductor's base impedance
    ``v_base/i_base``) and ``v_pre``."""
    rng = np.random.default_rng(seed)
    q, vb = law.n_cond, law.v_base
    v_pre = vb * np.exp(1j * (ANG[law.phase_of] + 0.05))
    dip = rng.uniform(0.02, 1.0, (m, q)) * rng.choice([1.0, 0.2], (m, q))
    a = v_pre * dip * np.exp(1j * rng.uniform(-0.6, 0.6, (m, q)))
    g = rng.normal(size=(m, q, q)) + 1j * rng.normal(size=(m, q, q))
    b = (g @ np.conj(np.transpose(g, (0, 2, 1)))) / q + np.eye(q)
    b = 0.5 * (b + np.transpose(b, (0, 2, 1)))
    zb = np.sqrt(0.05 * law.v_base / law.i_base_a)
    return a, (zb[:, None] * b * zb[None, :]).astype(complex), v_pre


@pytest.mark.parametrize("stage", ["first_cycle", "sustained"])
def test_compiled_site_solve_matches_numpy_newton(stage):
    law = SiteLaw(_sites(), np.array([7200.0, 7200.0, 2400.0, 7200.0, 277.0]))
    m = 300
    a, b, v_pre = _states(law, m, 8 if stage == "first_cycle" else 9)
    lim = None
    if stage == "sustained":
        rng = np.random.default_rng(3)
        lim = law.unit_i_sus * rng.uniform(0.0, 1.3, (m, law.n_units))
    i_c, frozen, bad, _ = solve_sites(law, a, b, v_pre, "iterate", lim=lim)
    # the numpy Newton from the same frozen-PLL start
    if lim is None:
        start = np.repeat(law.injection(v_pre[None, :], v_pre, freeze=True), m, axis=0)
    else:
        start = law.injection(np.broadcast_to(v_pre, (m, law.n_cond)), v_pre, freeze=True,
                              lim=lim)
    tol = ITER_TOL * law.limit_a.max()
    ref = start.copy()
    live, _ = _newton(law, a, b, v_pre, ref, tol, lim)
    conv = np.ones(m, bool)
    conv[live] = False
    assert conv.sum() > m // 3, conv.sum()       # enough rows with a tracking solution
    # every row the numpy Newton solves, the site solve solves (PLL tracking) ...
    assert not (frozen | bad)[conv].any()
    # ... to a fixed point of the numpy law in the phase domain ...
    ok = ~frozen & ~bad
    v = a[ok] + np.einsum("mqr,mr->mq", b[ok], i_c[ok])
    f = law.injection(v, v_pre, lim=None if lim is None else lim[ok]) - i_c[ok]
    assert np.abs(f).max() < tol
    # ... the same one but where a row has several (all units at their limits, rotated):
    # the two line searches may then pick different ones (1 row of 175 here)
    same = np.abs(i_c[conv] - ref[conv]).max(axis=1) <= 1e-8 * law.limit_a.max()
    assert same.mean() >= 0.97, same.mean()


def test_unit_maps_invert_the_law_transforms():
    """``T`` maps the units' ``I1`` to the conductor currents :meth:`SiteLaw.injection`
    gives, ``P`` back (``P·T = 1``); ``S`` gives each unit's law voltage (``V1`` of a fleet,
    the phase voltage of a single-phase unit, pu)."""
    law = SiteLaw(_sites(), np.array([7200.0, 7200.0, 2400.0, 7200.0, 277.0]))
    t, s = law.unit_maps
    np.testing.assert_allclose(law.unit_maps_inverse @ t, np.eye(law.n_units), atol=1e-14)
    rng = np.random.default_rng(1)
    v = law.v_base * rng.uniform(0.3, 1.1, law.n_cond) * np.exp(1j * ANG[law.phase_of])
    u = s @ v
    seq = (np.linalg.inv(np.array([[1, 1, 1], [1, np.exp(-2j * np.pi / 3),
                                                np.exp(2j * np.pi / 3)],
                                   [1, np.exp(2j * np.pi / 3), np.exp(-2j * np.pi / 3)]]))
           @ (v[:3] / law.v_base[:3]))
    assert abs(u[0] - seq[1]) < 1e-14
    assert abs(u[law.unit_of[-1]] - v[-1] / law.v_base[-1]) < 1e-14


@pytest.mark.parametrize("stage", ["first_cycle", "sustained"])
def test_unit_newton_follows_the_compiled_kernel(stage):
    """:func:`unit_newton` takes the compiled column Newton's steps
    (:func:`protv2g.engine.newton_kernel.newton_columns`, ``stall = max_iter``, no retries):
    on the same unit systems both converge on the same rows, in the same number of steps, to
    the same currents (rounding: 1e-9 pu of the unit's limit; measured 1e-13)."""
    from protv2g.engine import control_law
    from protv2g.engine.control_law import CONSTANT
    from protv2g.engine.newton import LINE_SEARCH_HALVINGS
    from protv2g.engine.newton_kernel import newton_columns
    from protv2g.engine.phase.site_solve import NEWTON_MAX
    from protv2g.engine.phase.unit_newton import unit_newton

    law = SiteLaw(_sites(), np.array([7200.0, 7200.0, 2400.0, 7200.0, 277.0]))
    m = 300
    a, b, v_pre = _states(law, m, 11 if stage == "first_cycle" else 12)
    lim = None
    if stage == "sustained":
        lim = law.unit_i_sus * np.random.default_rng(5).uniform(0.0, 1.3, (m, law.n_units))
    t, s = law.unit_maps
    start = law.injection(np.broadcast_to(v_pre, (m, law.n_cond)), v_pre, freeze=True,
                          lim=lim) if lim is not None else np.repeat(
        law.injection(v_pre[None, :], v_pre, freeze=True), m, axis=0)
    x = np.ascontiguousarray(np.einsum("mq,uq->mu", start, law.unit_maps_inverse))
    v0 = np.ascontiguousarray(np.einsum("mq,uq->mu", a, s))
    mb = np.ascontiguousarray(np.einsum("uq,mqr,rv->muv", s, b, t))
    lim_r = np.ascontiguousarray(np.broadcast_to(law.unit_i_fc if lim is None else lim,
                                                 (m, law.n_units)), float)
    ul = law.unit_law
    pre = np.einsum("uq,q->u", s, v_pre)
    tol_pu = ITER_TOL * law.limit_a.max() / law.i_base_a.max()
    xk = x.copy()
    ok_k, res, its_k = np.zeros(m, bool), np.zeros(m), np.zeros(m, np.int64)
    held = (ul.law == CONSTANT) | (law.unit_hold if lim is None else False)
    pars = [np.ascontiguousarray(np.broadcast_to(getattr(ul, f), (m, law.n_units)), float)
            for f in ("p", "q", "i_rated", "phi", "k_factor", "deadband")]
    newton_columns(xk, v0, mb, np.arange(m), lim_r, np.ascontiguousarray(ul.law, np.int64),
                   np.ascontiguousarray(held, bool), *pars,
                   np.ascontiguousarray(np.broadcast_to(pre, (m, law.n_units)), complex),
                   control_law.V_PLL_MIN_PU, tol_pu, NEWTON_MAX, NEWTON_MAX,
                   LINE_SEARCH_HALVINGS, 0, False, ok_k, res, its_k, np.ones(m, bool),
                   False)
    xn = x.copy()
    ok_n, its_n = unit_newton(xn, v0, mb, lim_r, ul, law.unit_hold if lim is None else None,
                              pre, tol_pu, NEWTON_MAX, LINE_SEARCH_HALVINGS)
    assert ok_k.sum() > m // 3
    np.testing.assert_array_equal(ok_n, ok_k)
    np.testing.assert_array_equal(its_n[ok_n], its_k[ok_k])
    scale = np.maximum(lim_r, 1e-3)
    assert (np.abs(xn - xk)[ok_n] / scale[ok_n]).max() < 1e-9
