"""Line-to-line single-phase sites (``PhaseSite(..., line_to_line=True)``, study ``phase: ab``).

A small OpenDSS feeder written here: a 12.47 kV source, a 2 km three-phase line to ``p``, a
center-tapped 7.2 kV : 120/120 V transformer (windings ``sx.1.0`` and ``sx.0.2``, as the
IEEE 8500's ``CT25``) and a 50 m triplex to ``home`` (nodes 1 and 2, the two legs). A 240 V home
charger (two 7.2 kW units, limit 1.5 pu) is one single-phase unit across ``home.1.2``.

Checks, against what protv2g did not compute:

* by hand — its rated current is ``S/V_LL`` with ``V_LL`` the voltage between the legs
  (``2·V_LN``; the bus base is 0.208/√3 kV, OpenDSS's ``kVBase``): 1.5 × 14.4 kVA / 240.18 V =
  89.93 A, and its two conductor currents obey KCL (``I_1 = −I_2``, nothing to ground);
* OpenDSS — the same unit as two current sources (``+I`` into ``home.1``, ``−I`` into
  ``home.2``, the engine's current) in OpenDSS's fault-study state with a ``Fault`` element:
  the fault current with the site and the site's contribution (frozen PLL, 0.5 %), and with
  the PLL tracking the current OpenDSS gets back reproduces the fault current; its angle is
  that of ``V_1 − V_2`` in OpenDSS's solution (the unit reads the voltage between the legs,
  unity power factor at its limit);
* a line-to-line unit between two phases of the 12.47 kV bus is rated on 12.47 kV (√3·V_LN).

Before this change a site on one leg was the only single-phase connection (120 V: 180 A).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine import ChargerSource  # noqa: E402
from protv2g.engine.phase import PhaseSite, phase_fault_study  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.dss_site_base import ll_ratio, site_kv_between  # noqa: E402
from protv2g.network.opendss_reference import opendss_faulted  # noqa: E402
from protv2g.units import Case, Method  # noqa: E402

MASTER = """Clear
New Circuit.ll basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=180
New Line.l1 phases=3 bus1=src.1.2.3 bus2=p.1.2.3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 units=km length=2
New Transformer.ct phases=1 windings=3 buses=[p.1 sx.1.0 sx.0.2] kvs=[7.2 0.12 0.12]
~ kvas=[50 50 50] %Rs=[0.6 1.2 1.2] Xhl=2.04 Xht=2.04 Xlt=1.36
New Linecode.tpx nphases=2 r1=0.5 x1=0.1 r0=0.5 x0=0.1 c1=0 c0=0 units=km
New Line.tpx phases=2 bus1=sx.1.2 bus2=home.1.2 linecode=tpx length=0.05 units=km
New Load.h phases=1 bus1=home.1.2 kv=0.24 kw=2 pf=0.95
New Load.p phases=3 bus1=p kv=12.47 kw=300 pf=0.95
Set voltagebases=[12.47, 0.208]
Calcvoltagebases
Solve
"""
R_FAULT = 0.001
REL = 0.005
S_MVA = 0.0144
LIMIT = 1.5
FAULTS = [("p", "a", True), ("p", "abc", True), ("home", "a", True), ("home", "ab", False)]


@pytest.fixture(scope="module")
def feeder(tmp_path_factory):
    path = tmp_path_factory.mktemp("ll") / "Master.dss"
    path.write_text(MASTER)
    model = load_dss_model(path)
    home = PhaseSite(ChargerSource("home", -1, S_MVA, limit_pu=LIMIT, p_pre_mw=S_MVA), "home",
                     "ab", line_to_line=True)
    mv = PhaseSite(ChargerSource("mv", -1, 0.5, limit_pu=1.2, p_pre_mw=0.4), "p", "bc",
                   line_to_line=True)
    out = {cm: phase_fault_study(model, method=Method.CLASSICAL, cases=[Case.MAX],
                                 r_fault_ohm=R_FAULT, buses=["p", "home"], secondaries=True,
                                 scenarios={"base": [], "v2g": [home], "mv": [mv]},
                                 charger_model=cm)
           for cm in ("frozen_pll", "iterate")}
    return path, model, out


def _site(res, scenario, bus, label):
    c = res.charger
    r = c[(c.scenario == scenario) & (c.fault_bus_name == bus) & (c.phase == label)].iloc[0]
    return np.array([r[f"i{p}_ka"] * 1e3 * np.exp(1j * np.radians(r[f"i{p}_degree"]))
                     for p in "abc"])


def _fault(res, scenario, bus, label):
    b = res.bus
    r = b[(b.scenario == scenario) & (b.bus_name == bus) & (b.phase == label)].iloc[0]
    return np.array([r[f"i{p}_ka"] * 1e3 * np.exp(1j * np.radians(r[f"i{p}_degree"]))
                     for p in label])


def _isources(i_a):
    """The unit as OpenDSS current sources: +I into home.1, −I (I at +180°) into home.2."""
    amps, ang = abs(i_a), math.degrees(np.angle(i_a))
    return [("home.1", "leg1", amps, ang), ("home.2", "leg2", amps, ang + 180.0)]


def test_ll_unit_rated_on_the_voltage_between_legs(feeder):
    _, model, out = feeder
    # hand: the bus base 0.208/√3 kV (OpenDSS kVBase), legs 180° apart → 2·V_LN between them
    v_ll = 2 * 208.0 / math.sqrt(3.0)
    assert ll_ratio(model, "home", "ab") == pytest.approx(2.0, rel=1e-12)
    assert site_kv_between(model, "home", "ab") * 1e3 == pytest.approx(v_ll, rel=1e-4)
    rated = LIMIT * S_MVA * 1e6 / v_ll                       # 89.93 A, not 180 A on one leg
    assert rated == pytest.approx(89.93, abs=0.01)
    for cm, res in out.items():
        c = res.charger[res.charger.scenario == "v2g"]
        i_a = c.ia_ka.to_numpy() * 1e3
        assert np.allclose(i_a, rated, rtol=1e-4), cm
        # KCL of the unit: leg 2 carries −(leg 1), nothing to ground
        ia = c.ia_ka * np.exp(1j * np.radians(c.ia_degree))
        ib = c.ib_ka * np.exp(1j * np.radians(c.ib_degree))
        assert np.allclose((ia + ib).to_numpy(), 0.0, atol=1e-9), cm
        assert (c.ic_ka.to_numpy() == 0).all()


def test_ll_unit_between_two_mv_phases_is_rated_on_line_to_line(feeder):
    _, model, out = feeder
    assert ll_ratio(model, "p", "bc") == pytest.approx(math.sqrt(3.0), rel=1e-12)
    rated = 1.2 * 0.5e6 / 12470.0                              # 48.1 A, S/V_LL
    c = out["frozen_pll"].charger
    c = c[c.scenario == "mv"]
    assert np.allclose(c.ib_ka.to_numpy() * 1e3, rated, rtol=1e-4)
    assert np.allclose(c.ic_ka.to_numpy() * 1e3, rated, rtol=1e-4)
    assert (c.ia_ka.to_numpy() == 0).all()


@pytest.mark.parametrize("bus, phases, earthed", FAULTS)
def test_frozen_ll_contribution_matches_opendss(feeder, bus, phases, earthed):
    path, _, out = feeder
    res = out["frozen_pll"]
    label = phases
    i_site = _site(res, "v2g", bus, label)
    without = opendss_faulted(path, bus, phases, earthed, R_FAULT)["fault"]
    with_site = opendss_faulted(path, bus, phases, earthed, R_FAULT,
                                isources=_isources(i_site[0]))["fault"]
    ours, base = _fault(res, "v2g", bus, label), _fault(res, "base", bus, label)
    np.testing.assert_allclose(base, without, rtol=REL)
    np.testing.assert_allclose(ours, with_site, rtol=REL)
    contribution, ref = ours - base, with_site - without
    assert np.abs(ref).max() > 1.0                          # a contribution worth comparing
    assert np.abs(contribution - ref).max() <= REL * np.abs(ref).max()


@pytest.mark.parametrize("bus, phases, earthed", FAULTS)
def test_iterated_ll_current_reproduces_opendss(feeder, bus, phases, earthed):
    path, _, out = feeder
    res = out["iterate"]
    assert not res.unconverged.any()
    i_site = _site(res, "v2g", bus, phases)
    ref = opendss_faulted(path, bus, phases, earthed, R_FAULT, elements=["line.tpx"],
                          isources=_isources(i_site[0]))
    np.testing.assert_allclose(_fault(res, "v2g", bus, phases), ref["fault"], rtol=REL)
    if bus == "home" and earthed:
        # the unit reads V_1 − V_2 (OpenDSS's solution with its current): unity pf at its
        # limit, its current in phase with the voltage between the legs
        v = dict(zip(ref["n:home"], ref["v:home"], strict=True))
        v12 = v[1] - v[2]
        assert abs(v12) > 1.0
        d = (math.degrees(np.angle(i_site[0]) - np.angle(v12)) + 180) % 360 - 180
        assert abs(d) <= 0.5
