"""A single-phase charger site on phase b of an IEEE 8500 lateral, against OpenDSS (issue #15).

The site (0.5 MVA of single-phase chargers, limit 1.2 pu, exporting 0.4 MW at unity power
factor) sits on the phase-b lateral bus ``l2673322``. SLG faults on phases a, b and c of the
nearest three-phase bus ``l2689691`` (two spans up the lateral) and on phase b of the lateral
bus ``m1009763`` between them.

Reference: OpenDSS in its fault-study state with the site as an ``Isource`` on node
``l2673322.2`` and the fault as a ``Fault`` element, the whole network solved by OpenDSS
(:func:`opendss_faulted`). Compared, within 0.5 %:

* ``frozen_pll``: the site injects its current limit at its pre-fault voltage angle — a fixed
  current, so the comparison is linear: the fault current with the site, and the site's
  contribution (with minus without), magnitude and angle (0.5°);
* ``iterate``: the site current the control law converges to at each fault, given to OpenDSS as
  the Isource, reproduces the fault current (the network side of the fixed point).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine import ChargerSource  # noqa: E402
from protv2g.engine.phase import PhaseSite, phase_fault_study  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.opendss_reference import opendss_faulted  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402

REL = 0.005
R_FAULT = 0.01
SITE_BUS = "l2673322"
FAULTS = [("l2689691", "a"), ("l2689691", "b"), ("l2689691", "c"), ("m1009763", "b")]


@pytest.fixture(scope="module")
def feeder(shared_dir):
    master = shared_dir / "feeders" / "opendss" / "real" / "IEEE8500" / "Master.dss"
    model = load_dss_model(master)
    site = PhaseSite(ChargerSource("fleet", -1, 0.5, limit_pu=1.2, p_pre_mw=0.4), SITE_BUS,
                     "b")
    out = {}
    for cm in ("frozen_pll", "iterate"):
        out[cm] = phase_fault_study(
            model, method=Method.CLASSICAL, cases=[Case.MAX],
            fault_types=[FaultType.SINGLE_LINE_GROUND], r_fault_ohm=R_FAULT,
            buses=sorted({b for b, _ in FAULTS}), scenarios={"base": [], "v2g": [site]},
            charger_model=cm)
    return master, model, out


def _row(res, scenario, bus, phase):
    b = res.bus
    r = b[(b.scenario == scenario) & (b.bus_name == bus) & (b.phase == phase)].iloc[0]
    return r[f"i{phase}_ka"] * 1e3 * np.exp(1j * np.radians(r[f"i{phase}_degree"]))


def _site(res, bus, phase):
    c = res.charger
    r = c[(c.fault_bus_name == bus) & (c.phase == phase)].iloc[0]
    return r.ib_ka * 1e3 * np.exp(1j * np.radians(r.ib_degree))


def _angle_ok(a, b):
    return abs((np.degrees(np.angle(a) - np.angle(b)) + 180) % 360 - 180) <= 0.5


@pytest.mark.parametrize("bus, phase", FAULTS)
def test_frozen_site_contribution_matches_opendss_isource(feeder, bus, phase):
    master, model, out = feeder
    res = out["frozen_pll"]
    i_site = _site(res, bus, phase)
    lim = 0.5e6 * 1.2 / (model.buses.at[SITE_BUS, "kv_ln"] * 1e3)
    assert abs(abs(i_site) / lim - 1) < 1e-9               # its limit, on phase b only
    c = res.charger
    assert (c[["ia_ka", "ic_ka"]].to_numpy() == 0).all()
    without = opendss_faulted(master, bus, phase, True, R_FAULT)["fault"][0]
    with_site = opendss_faulted(master, bus, phase, True, R_FAULT, isources=[
        (f"{SITE_BUS}.2", "fleet", abs(i_site), np.degrees(np.angle(i_site)))])["fault"][0]
    ours_with, ours_without = _row(res, "v2g", bus, phase), _row(res, "base", bus, phase)
    assert abs(ours_without - without) <= REL * abs(without)
    assert abs(ours_with - with_site) <= REL * abs(with_site)
    contribution, ref = ours_with - ours_without, with_site - without
    assert abs(contribution - ref) <= REL * abs(ref)
    assert _angle_ok(contribution, ref)
    assert abs(ref) > 1.0                                    # a contribution worth comparing


@pytest.mark.parametrize("bus, phase", FAULTS)
def test_iterated_site_current_reproduces_opendss(feeder, bus, phase):
    master, _, out = feeder
    res = out["iterate"]
    assert not res.unconverged.any()
    i_site = _site(res, bus, phase)
    ref = opendss_faulted(master, bus, phase, True, R_FAULT, isources=[
        (f"{SITE_BUS}.2", "fleet", abs(i_site), np.degrees(np.angle(i_site)))])["fault"][0]
    assert abs(_row(res, "v2g", bus, phase) - ref) <= REL * abs(ref)


# ---------------------------------------------------------------- the law's Jacobian (#21)
def _jacobian_sites():
    """Every branch of the law on its conductors: three-phase fleets active priority with
    ``k2 > 0`` (held in the first cycle, its law in a later stage), reactive priority charging
    (its law in the first cycle too) with ``k2 > 0``, grid forming; single-phase units on one
    and two phases (active, reactive, grid forming); line-to-line units (active, grid
    forming)."""
    from protv2g.units import ChargerControl, ChargerLaw, ChargerMode

    act, rea = ChargerLaw.ACTIVE_PRIORITY, ChargerLaw.REACTIVE_PRIORITY
    gfm = ChargerControl.GRID_FORMING
    return [
        PhaseSite(ChargerSource("act3", -1, 2.0, limit_pu=1.5, sustained_limit_pu=1.1,
                                p_pre_mw=1.5, q_pre_mvar=0.3, k2=2.0, law=act), "b1"),
        PhaseSite(ChargerSource("rea3", -1, 1.0, limit_pu=1.2, p_pre_mw=0.6, k2=1.0, law=rea,
                                mode=ChargerMode.CHARGING, deadband_pu=0.1), "b2"),
        PhaseSite(ChargerSource("gfm3", -1, 1.5, limit_pu=1.3, p_pre_mw=1.0, control=gfm),
                  "b3"),
        PhaseSite(ChargerSource("act1", -1, 0.3, limit_pu=1.2, p_pre_mw=0.25, q_pre_mvar=-0.1,
                                law=act, mode=ChargerMode.CHARGING), "b4", "b"),
        PhaseSite(ChargerSource("rea2", -1, 0.4, limit_pu=1.1, p_pre_mw=0.3, q_pre_mvar=0.05,
                                law=rea), "b5", "ac"),
        PhaseSite(ChargerSource("gfm1", -1, 0.2, limit_pu=1.2, p_pre_mw=0.15, control=gfm),
                  "b6", "c"),
        # one unit between two conductors (phase: ca), reading V_c − V_a
        PhaseSite(ChargerSource("act_ll", -1, 0.3, limit_pu=1.2, p_pre_mw=0.25,
                                q_pre_mvar=0.05, law=act), "b7", "ca", line_to_line=True),
        PhaseSite(ChargerSource("gfm_ll", -1, 0.1, limit_pu=1.3, p_pre_mw=0.08, control=gfm),
                  "b8", "ab", line_to_line=True),
    ]


@pytest.mark.parametrize("stage", ["first_cycle", "sustained", "frozen_pll"])
def test_site_law_jacobian_matches_finite_differences(stage):
    """:meth:`SiteLaw.jacobian` (chain rule through the law's Wirtinger derivatives) against
    central differences of :meth:`SiteLaw.injection` on random unbalanced states from deep
    dips (below the PLL floor) to swells, first cycle, a sustained stage with random unit
    limits, and the PLL held at the pre-fault angle: every real derivative within 1e-6 of the
    row's largest."""
    from protv2g.engine.phase.sites import SiteLaw

    rng = np.random.default_rng(21)
    sites = _jacobian_sites()
    v_base = np.array([7200.0, 7200.0, 2400.0, 7200.0, 277.0, 7200.0, 4800.0, 240.0])
    law = SiteLaw(sites, v_base)
    q, m = law.n_cond, 400
    vb = law.v_base
    v_pre = vb * np.exp(1j * (np.radians([0, -120, 120])[law.phase_of] + 0.05))
    mag = rng.uniform(0.02, 1.15, (m, q)) * rng.choice([1.0, 0.3], (m, q))
    v_c = vb * mag * np.exp(1j * (np.radians([0, -120, 120])[law.phase_of]
                                  + rng.uniform(-0.8, 0.8, (m, q))))
    lim = None
    if stage == "sustained":
        lim = law.unit_i_sus * rng.uniform(0.0, 1.3, (m, law.n_units))
    fz = stage == "frozen_pll"
    i0, dv, dvc = law.jacobian(v_c, v_pre, freeze=fz, lim=lim)
    np.testing.assert_allclose(i0, law.injection(v_c, v_pre, freeze=fz, lim=lim), rtol=0,
                               atol=1e-12)
    an = np.concatenate([dv + dvc, 1j * (dv - dvc)], axis=2)     # ∂I/∂(Re V, Im V)
    fd = np.empty_like(an)
    for k in range(2 * q):
        h = 1e-6 * vb[k % q] * (1 if k < q else 1j)
        vp, vm = v_c.copy(), v_c.copy()
        vp[:, k % q] += h
        vm[:, k % q] -= h
        fd[:, :, k] = (law.injection(vp, v_pre, freeze=fz, lim=lim)
                       - law.injection(vm, v_pre, freeze=fz, lim=lim)) / (2 * abs(h))
    scale = np.abs(an).max(axis=(1, 2))
    assert (scale > 0).all()
    err = np.abs(an - fd).max(axis=(1, 2)) / scale
    assert err.max() <= 1e-6, (int(err.argmax()), err.max())
    # the blocks are per unit: no coupling between sites
    blocks = law.site_of[:, None] == law.site_of[None, :]
    assert not np.abs(np.where(blocks, 0, dv)).any()
