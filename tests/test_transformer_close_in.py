"""A device on a transformer is judged at the fault at its own terminal (review rev33a W1).

EPRI ckt24 with a depot: fuse F-DEPOT (65K, ``location: {trafo: depot_xf, side: hv}``,
10 kA asymmetrical) had C7 rows only for the 480 V through-fault (0.71 kA, duty 9.7 %): line
devices got a close-in fault bus, transformer devices none. A fuse's interrupting rating is held
against the maximum fault current available at its point of application (IEEE Std
C37.41/C37.48 for distribution cutouts, recalled) — the feeder's fault at the transformer's
terminal, 7.3 kA sym at X/R 24.9 there (≈ 11.6 kA asym: C7 fail).

References, none computed by protv2g:

* pandapower feeder: ``pandapower.shortcircuit.calc_sc`` (IEC 60909 maximum case) at the
  transformer's bus gives ``I''k`` and the Thevenin ``R_k``, ``X_k``; the duty is the hand
  calculation ``I_asym = I''k·√(1 + 2·e^(−2π/(X/R)))`` (IEEE C37.010-1999 §5.3 at half a cycle,
  the formula of ``engine/asymmetry.asym_rms_ka`` written out) against the fuse's asymmetrical
  rating;
* OpenDSS model: ``opendssdirect`` with a ``Fault`` at the transformer's bus. The device's
  current for a fault just past it is, by Kirchhoff at the bus, the current into the fault
  plus the device's own current for the fault at the bus: ``I_D(0⁺) = I_f(A) + I_D(A)``
  (phasors; the identity ``tests/test_fault_positions.py`` checks for line devices).
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pandapower as pp
import pandapower.shortcircuit as sc
import pytest

from protv2g.checks import check_context
from protv2g.checks.duty import check_duty
from protv2g.network.close_in_distance import TRANSFORMER_STUB_X_PU, close_in_bus_name
from protv2g.network.fault_positions import close_in_positions, with_close_in_positions
from protv2g.pipeline import fault_tables, study_with_sites
from protv2g.scenarios import build_scenarios
from protv2g.study.places import DeviceSite
from protv2g.topology_reach import reach_zones
from tests.test_checks_common import BUS, build_net, make_study

F_HZ = 60.0
#: the transformer fuse: 65K on the 12.47 kV side of a 2.5 MVA 12.47/0.48 kV Dyn1 unit at B4
FUSE = dict(name="F-XF", kind="fuse", location={"trafo": "XF", "side": "hv"}, link="65K",
            interrupting_rating_ka=3.0)


def _net() -> pp.pandapowerNet:
    net = build_net()
    lv = pp.create_bus(net, 0.48, name="LV")
    pp.create_transformer_from_parameters(
        net, BUS["B4"], lv, sn_mva=2.5, vn_hv_kv=12.47, vn_lv_kv=0.48, vkr_percent=0.6,
        vk_percent=5.75, pfe_kw=0.0, i0_percent=0.0, vector_group="Dyn", shift_degree=30.0,
        vk0_percent=5.75, vkr0_percent=0.6, mag0_percent=100.0, mag0_rx=0.0,
        si0_hv_partial=0.9, name="XF")
    pp.create_load(net, lv, p_mw=0.5, q_mvar=0.1, name="LD-LV")
    net.line["endtemp_degree"] = 80.0  # the minimum case's conductors (IEC 60909-0 §5.4)
    return net


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from tests.test_checks_common import DEVICES

    return make_study(tmp_path_factory.mktemp("xf"), devices=[*DEVICES, FUSE], net=_net(),
                      faults={"fault_types": ["3ph", "SLG"]})


@pytest.fixture(scope="module")
def duty(study):
    s = study_with_sites(study)
    scen = build_scenarios(s.document)
    tables = fault_tables(s, scen)
    ctx = check_context(s, tables, None, scen)
    rows = check_duty(ctx)
    return ctx, rows, ctx.cache["duty_frame"].frame


def _calc_sc(net: pp.pandapowerNet, fault: str) -> pp.pandapowerNet:
    n = copy.deepcopy(net)
    n.line["endtemp_degree"] = 20.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.calc_sc(n, fault=fault, case="max", branch_results=False)
    return n


def test_the_transformer_gets_a_close_in_bus_and_keeps_its_place() -> None:
    net = _net()
    t = int(net.trafo.index[net.trafo.name == "XF"][0])
    lv = int(net.trafo.at[t, "lv_bus"])
    site = DeviceSite("trafo", t, BUS["B4"], lv)
    pos = close_in_positions(net, {"F-XF": site})
    got = pos.device_sites["F-XF"]
    c = got.far_bus
    assert pos.net.bus.at[c, "name"] == close_in_bus_name(["F-XF"]) == "F-XF close-in"
    # the transformer runs from the close-in bus; the device keeps the transformer (what it
    # guards) and measures the stub from its own bus
    assert int(pos.net.trafo.at[t, "hv_bus"]) == c and int(pos.net.trafo.at[t, "lv_bus"]) == lv
    assert (got.element, got.element_index, got.bus) == ("trafo", t, BUS["B4"])
    stub = pos.net.line.loc[got.stub_line]
    assert (int(stub.from_bus), int(stub.to_bus)) == (BUS["B4"], c)
    # purely reactive, 1e-7 pu on 12.47 kV and 1 MVA = 15.6 µΩ
    assert stub.r_ohm_per_km == 0.0
    x_ohm = stub.x_ohm_per_km * stub.length_km
    assert x_ohm == pytest.approx(TRANSFORMER_STUB_X_PU * 12.47**2, rel=1e-12)
    assert x_ohm == pytest.approx(15.55e-6, rel=1e-3)
    assert int(net.trafo.at[t, "hv_bus"]) == BUS["B4"] and len(net.line) == 8  # untouched
    assert pos.table.position.tolist() == ["close_in"]


def test_fault_at_the_close_in_bus_is_the_bus_fault_of_calc_sc(study) -> None:
    """The close-in study's bus fault equals pandapower's at the transformer's bus (the stub
    moves it by < 0.1 %), three-phase and single-line-to-ground."""
    from protv2g.engine import fault_study
    from protv2g.units import Case, FaultType

    s = with_close_in_positions(study_with_sites(study))
    c = s.device_sites["F-XF"].far_bus
    res = fault_study(s.net, fault_types=[FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND],
                      cases=[Case.MAX], staged=False)
    buses = list(res.fault_buses)
    for k, fault in enumerate(("3ph", "1ph")):
        ref = _calc_sc(study.net, fault).res_bus_sc.at[BUS["B4"], "ikss_ka"]
        got = np.abs(res.bus_i_abc_ka[0, 0, k, buses.index(c)]).max()
        assert got == pytest.approx(ref, rel=1e-3), fault


def test_c7_judges_the_fuse_at_its_terminal_fault(study, duty) -> None:
    """F-XF's duty row is its close-in fault, equal to the hand calculation from calc_sc's
    bus fault and X/R; on the code before the fix it was the 480 V through-fault (≈ 1.3 kA at
    12.47 kV, under the 3 kA rating) and C7 passed."""
    ctx, rows, frame = duty
    base = [s for s, b in ctx.base_of.items() if s == b][0]
    row = frame[(frame.device == "F-XF") & (frame.scenario == base)].iloc[0]
    assert row.fault_bus_name == "F-XF close-in"
    ref = _calc_sc(study.net, "3ph" if row.fault_type == "3ph" else "1ph").res_bus_sc.loc[
        BUS["B4"]]
    i_sym_ka = float(ref.ikss_ka)
    x_r = float(ref.xk_ohm / ref.rk_ohm)
    assert row.i_max_ka == pytest.approx(i_sym_ka, rel=2e-3)
    assert row.x_r == pytest.approx(x_r, rel=2e-3)
    # IEEE C37.010 §5.3 at half a cycle: dc offset √2·I·e^(−t/τ), τ = (X/R)/(2πf), t = 1/(2f)
    t_s = 0.5 / F_HZ
    tau_s = x_r / (2.0 * math.pi * F_HZ)
    i_asym_ka = i_sym_ka * math.sqrt(1.0 + 2.0 * math.exp(-2.0 * t_s / tau_s))
    assert row.rating_basis == "asym"
    assert row.i_duty_ka == pytest.approx(i_asym_ka, rel=3e-3)
    assert row.i_duty_ka > 3.0  # over its 3 kA rating: C7 fails at the terminal fault
    fails = rows[(rows.criterion == "C7") & (rows.device == "F-XF")
                 & (rows.status.astype(str) == "fail")]
    assert len(fails) and set(fails.fault_bus) == {"F-XF close-in"}
    # the through-fault at the secondary is still a fault the fuse sees, far below it
    lv = frame[(frame.device == "F-XF")].i_max_ka.max()
    assert lv >= row.i_max_ka


def test_reach_keeps_the_secondary_terminals_in_the_fuse_zone(study) -> None:
    """C5's rule (topology_reach, review rev32a W2): the transformer fuse's own secondary
    terminals stay its requirement on the close-in study, where its far bus is the close-in
    bus; the transformer stays guarded (not an unguarded step); the close-in bus (the fault
    between the fuse and the winding) is its requirement too (review rev37a F8: before, it was
    none, and a 140K link that never melts for a 20 Ω fault there passed C5 on EPRI ckt5).
    Without close-in positions: as before."""
    s = with_close_in_positions(study_with_sites(study))
    lv = int(s.net.bus.index[s.net.bus.name == "LV"][0])
    c = s.device_sites["F-XF"].far_bus
    zone, behind = reach_zones(s.net, s.device_sites, np.array(["F-XF", "F-XF", "R1"]),
                               np.array([lv, c, c]), np.array(["primary", "primary", "backup"]))
    assert zone.tolist() == ["primary", "primary", "backup"] and not behind.any()
    plain = study_with_sites(study)
    zone, _ = reach_zones(plain.net, plain.device_sites, np.array(["F-XF"]), np.array([lv]),
                          np.array(["primary"]))
    assert zone.tolist() == ["primary"]


def test_true_direction_through_the_stub(study) -> None:
    """A directional element on a transformer (C9) sees the same directions on the close-in
    study: its close-in bus and the secondary forward, its own bus and the feeder reverse."""
    from protv2g.directional.true_direction import true_direction
    from protv2g.topology import feeder_graph

    s = with_close_in_positions(study_with_sites(study))
    site = s.device_sites["F-XF"]
    lv = int(s.net.bus.index[s.net.bus.name == "LV"][0])
    got = true_direction(feeder_graph(s.net), site.element, site.element_index, site.bus,
                         site.far_bus, [site.far_bus, lv, BUS["B4"], BUS["SUB"]])
    assert got.tolist() == ["forward", "forward", "reverse", "reverse"]


def test_devices_on_both_sides_of_one_transformer(study) -> None:
    """A fuse on the 12.47 kV side and a breaker on the 480 V side of XF: two close-in buses,
    the transformer between them; the fuse's secondary requirement is the 480 V bus and the
    breaker's close-in bus (the 480 V terminal), and its own close-in bus is its requirement
    too (review rev37a F8; before: none)."""
    net = _net()
    t = int(net.trafo.index[net.trafo.name == "XF"][0])
    lv = int(net.trafo.at[t, "lv_bus"])
    sites = {"F-XF": DeviceSite("trafo", t, BUS["B4"], lv),
             "B-LV": DeviceSite("trafo", t, lv, BUS["B4"])}
    pos = close_in_positions(net, sites)
    f, b = pos.device_sites["F-XF"], pos.device_sites["B-LV"]
    assert (int(pos.net.trafo.at[t, "hv_bus"]), int(pos.net.trafo.at[t, "lv_bus"])) == (
        f.far_bus, b.far_bus)
    assert pos.net.bus.at[b.far_bus, "vn_kv"] == pytest.approx(0.48)
    zone, _ = reach_zones(pos.net, pos.device_sites, np.array(["F-XF"] * 3),
                          np.array([lv, b.far_bus, f.far_bus]), np.array(["primary"] * 3))
    assert zone.tolist() == ["primary", "primary", "primary"]
