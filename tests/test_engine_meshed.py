"""Meshed feeders (chunked-LU fallback) vs ``calc_sc``, and a power-flow pre-fault voltage.

References and tolerances:

* pandapower 3.5.6 ``calc_sc`` on ``mv_oberrhein`` with every open switch closed (meshed):
  1e-6 relative (issue #4), the same as the radial comparisons in test_engine_calc_sc.py.
* Hand calculation for ``v_pre_pu`` (classical method, Thevenin at the fault bus):
  ``I = |V_pre|·Un/(√3·|Z_Q + Z_L|)`` with ``Z_Q = Un²/S''_kQ`` split by ``R/X`` and the line
  impedance, loads not in the short-circuit network (IEC 60909-0 §3.6 / Anderson 1995 ch. 1);
  1e-9 relative (round-off only).
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pytest
from pandapower.shortcircuit import calc_sc

from protv2g.engine import DeviceTerminal, fault_study
from protv2g.engine.sequence import build_sequence_networks, copy_net
from protv2g.engine.zbus import tree_structure
from protv2g.units import Case, FaultType, Method
from tests.test_engine_calc_sc import add_sc_data

REL_TOL = 1e-6  # issue #4 requirement vs calc_sc


@pytest.fixture(scope="module")
def meshed():
    net = add_sc_data(pn.mv_oberrhein())
    net.switch["closed"] = True
    return net


def test_meshed_network_uses_the_lu_fallback(meshed) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cn = build_sequence_networks(copy_net(meshed), meshed, Case.MAX, Method.IEC60909,
                                     zero_sequence=True)
    assert tree_structure(cn.pos.y_pu) is None and cn.pos.tree is None


@pytest.mark.parametrize("fault", [FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND])
def test_meshed_bus_and_device_currents_match_calc_sc(meshed, fault) -> None:
    pp_fault = {FaultType.THREE_PHASE: "3ph", FaultType.SINGLE_LINE_GROUND: "1ph"}[fault]
    lines = meshed.line.index[meshed.line.in_service.values.astype(bool)][::10]
    devs = [DeviceTerminal(f"L{i}", "line", int(i), int(meshed.line.at[i, "from_bus"]))
            for i in lines]
    before = copy.deepcopy(meshed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fault_study(meshed, fault_types=[fault], cases=[Case.MAX], devices=devs)
        ref_net = copy.deepcopy(meshed)
        calc_sc(ref_net, fault=pp_fault, case="max", branch_results=fault is
                FaultType.THREE_PHASE, return_all_currents=fault is FaultType.THREE_PHASE)
    assert pp.toolbox.nets_equal(meshed, before, check_only_results=False)
    ref = ref_net.res_bus_sc.ikss_ka
    mine = res.bus.set_index("bus").ikss_ka.loc[ref.index]
    assert np.max(np.abs(mine.values / ref.values - 1)) < REL_TOL
    if fault is FaultType.THREE_PHASE:  # branch currents (magnitudes; calc_sc has no shifts)
        dv = res.device.set_index(["device", "fault_bus"]).ia_ka
        n = 0
        for (li, b), row in ref_net.res_line_sc.iterrows():
            if li in lines and row.ikss_from_ka > 1e-6:
                assert abs(dv.loc[(f"L{li}", b)] / row.ikss_from_ka - 1) < REL_TOL
                n += 1
        assert n > 100


def test_pre_fault_voltage_from_a_power_flow_hand_calculation() -> None:
    s_sc_mva, rx, un_kv = 200.0, 0.1, 12.47
    r_l, x_l, km = 0.3, 0.4, 5.0
    net = pp.create_empty_network(f_hz=60.0, sn_mva=1.0)
    b0 = pp.create_bus(net, un_kv)
    b1 = pp.create_bus(net, un_kv)
    pp.create_ext_grid(net, b0, vm_pu=1.03, s_sc_max_mva=s_sc_mva, rx_max=rx,
                       s_sc_min_mva=s_sc_mva, rx_min=rx)
    pp.create_line_from_parameters(net, b0, b1, km, r_l, x_l, 0.0, 0.5, endtemp_degree=80.0)
    pp.create_load(net, b1, p_mw=3.0, q_mvar=1.0)
    pp.runpp(net)
    v_pre = net.res_bus.vm_pu * np.exp(1j * np.deg2rad(net.res_bus.va_degree))
    assert abs(v_pre[b1]) < 0.99  # the load really lowers the pre-fault voltage
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fault_study(net, fault_types=[FaultType.THREE_PHASE], cases=[Case.MAX],
                          method=Method.CLASSICAL, v_pre_pu=v_pre.to_dict())
    z_q = un_kv**2 / s_sc_mva
    x_q = z_q / np.sqrt(1 + rx**2)
    z_path = complex(rx * x_q, x_q) + complex(r_l, x_l) * km
    # the classical network holds the load as a constant admittance at rated voltage (OpenDSS's
    # fault study, pandapower's type C; #20 item 6): y = (P − jQ)/Un², in parallel at b1
    y_load = complex(3.0, -1.0) / un_kv**2
    z_th = 1.0 / (1.0 / z_path + y_load)
    i_ka = abs(v_pre[b1]) * un_kv / (np.sqrt(3) * abs(z_th))
    got = res.bus.set_index("bus").ikss_ka
    assert got[b1] == pytest.approx(i_ka, rel=1e-9)
    # angle: I = V_pre/Z_th in phase a (``ikss_degree`` too: a 3ph tie goes to phase a)
    ang = np.degrees(np.angle(v_pre[b1] / z_th))
    assert res.bus.set_index("bus").ia_degree[b1] == pytest.approx(ang, abs=1e-7)
    assert res.bus.set_index("bus").ikss_degree[b1] == pytest.approx(ang, abs=1e-7)


def test_ikss_degree_of_a_balanced_3ph_fault_is_phase_a():
    """A balanced 3ph fault's phases differ by round-off only: ``ikss_degree`` is phase a's
    angle (tie resolved to a, b, c order), never b's or c's (±120° away)."""
    from protv2g.engine.faults import largest_phase

    mag = np.array([[1.0, 1.0 + 1e-13, 1.0 - 1e-13], [1.0, 2.0, 0.5], [3.0, 3.0, 3.0]])
    faulted = np.array([[True, True, True], [True, True, True], [False, True, True]])
    assert largest_phase(mag, faulted).tolist() == [0, 1, 1]
