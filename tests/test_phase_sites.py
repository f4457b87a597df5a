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
