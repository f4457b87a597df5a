"""The phase engine's site solve (:mod:`protv2g.engine.phase.site_solve`, #21): the compiled
first attempt (the sequence engine's kernel on the units' ``I1``) against the numpy Newton on
the phase currents, on random faulted states of every grid-following branch of the law.

Reference: the numpy damped Newton of the same module (``_newton``), started from the same
frozen-PLL currents; both stop at ``max|F| < 1e-10·limit``. Every row it solves the site
solve solves, to a fixed point of the numpy law; the currents agree within ``1e-8`` of the
largest limit on ≥ 97 % of the rows — where a row has several tracking solutions (units at
their limits, the law invariant to a rotation but for the PLL floor) the kernel's line search
(Armijo on ``‖R‖₂``) may settle on another one than the numpy one (``max|F|`` decrease).
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
