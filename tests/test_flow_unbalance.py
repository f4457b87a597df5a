"""Voltage unbalance of single-phase V2G sites: pandapower ``runpp_3ph`` vs OpenDSS.

Reference: OpenDSS (opendssdirect) on an equivalent circuit (same sequence impedances per km,
stiff source, wye constant-PQ loads, a single-phase constant-PQ generator), its own sequence
voltages ``Bus.SeqVoltages``. Tolerance: unbalance within 0.1 % of its value + 0.002 percentage
points (the two tools differ only in the positive-sequence source impedance, ~1.6 mΩ, which
pandapower's slack omits), phase magnitudes within 1e-4 pu.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandapower as pp
import pytest

from protv2g.flow import flow_study
from protv2g.flow.unbalance import (
    ThreePhaseSolver,
    sequence_voltages_pu,
    three_phase_readiness,
    voltage_unbalance_percent,
)
from protv2g.study import load_study
from protv2g.units import A_OP

from .conftest import FEEDERS_DIR

RESIDENTIAL = FEEDERS_DIR / "residential_evening_peak" / "study.yaml"
VN_KV = 12.47
LINE = dict(r_ohm_per_km=0.19, x_ohm_per_km=0.39, c_nf_per_km=10.0, r0_ohm_per_km=0.47,
            x0_ohm_per_km=1.4, c0_nf_per_km=4.5, max_i_ka=0.53)
SECTIONS_KM = [1.0, 2.0, 2.0, 1.5]
LOAD_MW, LOAD_MVAR = 0.3, 0.1
SITE_MW = 0.8
U_RTOL, U_ATOL_PERCENT, VM_ATOL_PU = 1e-3, 2e-3, 1e-4


def small_feeder() -> pp.pandapowerNet:
    """12.47 kV radial feeder, 4 sections, balanced load at every bus, stiff source."""
    net = pp.create_empty_network(f_hz=60.0)
    buses = [pp.create_bus(net, VN_KV, name=f"B{i}") for i in range(len(SECTIONS_KM) + 1)]
    pp.create_ext_grid(net, buses[0], s_sc_max_mva=1e5, rx_max=0.1, x0x_max=1.0, r0x0_max=0.1,
                       s_sc_min_mva=1e5, rx_min=0.1, x0x_min=1.0, r0x0_min=0.1)
    for i, km in enumerate(SECTIONS_KM):
        pp.create_line_from_parameters(net, buses[i], buses[i + 1], km, name=f"L{i + 1}",
                                       **LINE)
        pp.create_load(net, buses[i + 1], p_mw=LOAD_MW, q_mvar=LOAD_MVAR, name=f"LD{i + 1}")
    return net


def opendss_unbalance(site_kw: float, phase: int) -> tuple[np.ndarray, np.ndarray]:
    """OpenDSS on the equivalent circuit: (|V2|/|V1|·100 per bus, %; phase |V| per bus, pu)."""
    dss = pytest.importorskip("opendssdirect")
    cmds = ["clear", "set defaultbasefrequency=60",
            f"new circuit.unb basekv={VN_KV} pu=1.0 phases=3 bus1=B0 MVAsc3=1e5 MVAsc1=1e5 "
            "x1r1=10 x0r0=10 frequency=60"]
    for i, km in enumerate(SECTIONS_KM):
        cmds.append(
            f"new line.L{i + 1} bus1=B{i} bus2=B{i + 1} phases=3 length={km} units=km "
            f"r1={LINE['r_ohm_per_km']} x1={LINE['x_ohm_per_km']} c1={LINE['c_nf_per_km']} "
            f"r0={LINE['r0_ohm_per_km']} x0={LINE['x0_ohm_per_km']} c0={LINE['c0_nf_per_km']}")
        cmds.append(f"new load.LD{i + 1} bus1=B{i + 1} phases=3 conn=wye kV={VN_KV} "
                    f"kW={LOAD_MW * 1e3} kvar={LOAD_MVAR * 1e3} model=1 vminpu=0.5 vmaxpu=1.5")
    last = len(SECTIONS_KM)
    cmds.append(f"new generator.G bus1=B{last}.{phase + 1} phases=1 kV={VN_KV / 3**0.5} "
                f"kW={site_kw} kvar=0 model=1 vminpu=0.5 vmaxpu=1.5")
    cmds += [f"set voltagebases=[{VN_KV}]", "calcvoltagebases", "set tolerance=1e-10",
             "set maxiterations=100", "solve"]
    for c in cmds:
        dss.Text.Command(c)
    assert dss.Solution.Converged()
    unb, vm = [], []
    for i in range(last + 1):
        dss.Circuit.SetActiveBus(f"B{i}")
        seq = dss.Bus.SeqVoltages()
        unb.append(seq[2] / seq[1] * 100.0)
        vm.append(dss.Bus.puVmagAngle()[0::2])
    return np.array(unb), np.array(vm)


# --------------------------------------------------------------------------- pure functions
def test_unbalance_factor_from_known_sequences() -> None:
    v1 = np.array([1.0, 0.98 * np.exp(0.3j)])
    v2 = np.array([0.0, 0.021 * np.exp(-1.1j)])
    v0 = np.array([0.0, 0.05])
    abc = (v0[:, None] + v1[:, None] * np.array([1.0, A_OP**2, A_OP])
           + v2[:, None] * np.array([1.0, A_OP, A_OP**2]))
    np.testing.assert_allclose(sequence_voltages_pu(abc), np.stack([v0, v1, v2], axis=1),
                               atol=1e-14)
    np.testing.assert_allclose(voltage_unbalance_percent(abc), [0.0, 0.021 / 0.98 * 100],
                               atol=1e-12)
    assert np.isnan(voltage_unbalance_percent(np.zeros((1, 3), complex))).all()


def test_readiness_lists_missing_zero_sequence_and_vector_group() -> None:
    assert three_phase_readiness(small_feeder()) == []
    net = small_feeder()
    net.line["r0_ohm_per_km"] = np.nan
    net.ext_grid["x0x_max"] = np.nan
    reasons = three_phase_readiness(net)
    assert any("line.r0_ohm_per_km" in r for r in reasons)
    assert any("ext_grid.x0x_max" in r for r in reasons)
    res = load_study(RESIDENTIAL).net
    assert three_phase_readiness(res) == []
    bad = copy.deepcopy(res)
    bad.trafo["vector_group"] = "Dy"
    assert any("vector group 'Dy'" in r for r in three_phase_readiness(bad))


# --------------------------------------------------------------------------- vs OpenDSS
@pytest.mark.parametrize("site_mw", [SITE_MW, -SITE_MW / 2], ids=["export", "charging"])
@pytest.mark.parametrize("phase", ["a", "c"])
def test_single_phase_site_unbalance_matches_opendss(site_mw: float, phase: str) -> None:
    net = small_feeder()
    end = int(net.bus.index[-1])
    r = ThreePhaseSolver(net, {"s": end}, {"s": phase}).solve(np.array([1.0]),
                                                              np.array([[site_mw]]))
    assert r.ok.all() and not r.errors
    ref_u, ref_vm = opendss_unbalance(site_mw * 1e3, "abc".index(phase))
    np.testing.assert_allclose(r.unbalance_percent[0], ref_u, rtol=U_RTOL, atol=U_ATOL_PERCENT)
    np.testing.assert_allclose(np.abs(r.v_abc_pu[0]), ref_vm, atol=VM_ATOL_PU)
    assert r.unbalance_percent[0, -1] > 0.5           # it does rise at the feeder end
    assert np.all(np.diff(r.unbalance_percent[0]) > 0)  # … and grows along the feeder
    assert len(net.asymmetric_sgen) == 0               # the input net is untouched


def test_three_phase_site_of_the_same_power_stays_balanced() -> None:
    net = small_feeder()
    end = int(net.bus.index[-1])
    one = ThreePhaseSolver(net, {"s": end}, {"s": "a"}).solve(np.ones(1), np.array([[SITE_MW]]))
    three = ThreePhaseSolver(net, {"s": end}, {"s": None}).solve(np.ones(1),
                                                                  np.array([[SITE_MW]]))
    assert three.ok.all()
    assert np.nanmax(three.unbalance_percent) < 1e-6
    assert one.unbalance_percent[0, -1] > 1.0
    # balanced result equals pandapower's balanced runpp
    ref = copy.deepcopy(net)
    pp.create_sgen(ref, end, p_mw=SITE_MW)
    pp.runpp(ref)
    np.testing.assert_allclose(np.abs(three.v_abc_pu[0]),
                               np.repeat(ref.res_bus.vm_pu.to_numpy()[:, None], 3, axis=1),
                               atol=1e-6)


# --------------------------------------------------------------------------- the example
@pytest.fixture(scope="module")
def residential():
    return load_study(RESIDENTIAL)


@pytest.fixture(scope="module")
def residential_flow(residential):
    return flow_study(residential, day=False)


def test_residential_unbalance_finite_at_charger_buses(residential, residential_flow) -> None:
    res = residential_flow
    b = res.buses
    exporting = res.sites.groupby(["scenario", "step"]).p_kw.apply(lambda x: (x != 0).any())
    assert exporting.any() and res.meta["three_phase_steps"] == int(exporting.sum())
    site_buses = set(residential.site_buses.values())
    at_sites = b[b.bus.isin(site_buses)].set_index(["scenario", "step"]).sort_index()
    for (scen, step), exp in exporting.items():
        u = at_sites.loc[(scen, step), "unbalance_percent"].to_numpy()
        assert np.isfinite(u).all()
        if exp:
            assert (u > 0.01).all()
        else:
            np.testing.assert_allclose(u, 0.0, atol=1e-12)
    assert np.isfinite(b.unbalance_percent).all()
    assert any("runpp_3ph" in n for n in res.meta["notes"])
    assert "asymmetric_sgen" not in residential.net or not len(residential.net.asymmetric_sgen)


def test_residential_three_phase_sites_unchanged_fast_path(residential, residential_flow
                                                            ) -> None:
    sites = [{**s, "phases": 3} for s in residential.raw["v2g_sites"]]
    for s in sites:
        s.pop("phase", None)
    three = flow_study(residential.with_updates(v2g_sites=sites), day=False)
    assert "three_phase_steps" not in three.meta
    assert (three.buses.unbalance_percent == 0.0).all()
    np.testing.assert_allclose(three.buses.vm_a_pu, three.buses.vm_pu)
    # balanced quantities do not depend on the site phases
    np.testing.assert_allclose(three.buses.vm_pu, residential_flow.buses.vm_pu, atol=1e-12)


def test_residential_device_current_is_largest_phase(residential, residential_flow) -> None:
    """Device ``i_a`` on a three-phase step = largest phase current of an independent
    ``runpp_3ph`` of that step built by hand."""
    res = residential_flow
    row = res.devices[(res.devices.device == "FU-LAT1")
                      & (res.devices.scenario == "firm/light/100%")].iloc[0]
    sites = res.sites[res.sites.scenario == "firm/light/100%"]
    net = copy.deepcopy(residential.net)
    net.load["scaling"] = net.load["scaling"] * row.load_fraction
    for s in residential.document.v2g_sites:
        p = float(sites.loc[sites.site == s.name, "p_kw"].iloc[0]) / 1e3
        pp.create_asymmetric_sgen(net, residential.site_buses[s.name], **{f"p_{s.phase}_mw": p})
    pp.runpp_3ph(net)
    line = net.line.index[net.line.name == "LAT1-L1"][0]
    i_ref = net.res_line_3ph.loc[line, ["i_a_from_ka", "i_b_from_ka", "i_c_from_ka"]].max()
    assert row.i_a == pytest.approx(i_ref * 1000.0, rel=1e-6)
    b = res.buses[(res.buses.scenario == "firm/light/100%")].set_index("bus")
    np.testing.assert_allclose(b.unbalance_percent.to_numpy(),
                               net.res_bus_3ph.unbalance_percent.to_numpy(), atol=1e-6)


def test_net_that_cannot_be_solved_three_phase_gives_nan_and_a_note(residential) -> None:
    net = copy.deepcopy(residential.net)
    net.trafo["vector_group"] = "Dy"
    study = dataclasses.replace(residential, net=net)
    res = flow_study(study, day=False)
    assert any("not possible" in n and "vector group" in n for n in res.meta["notes"])
    exporting = res.sites.groupby(["scenario", "step"]).p_kw.apply(lambda x: (x != 0).any())
    b = res.buses.set_index(["scenario", "step"]).sort_index()
    for key, exp in exporting.items():
        u = b.loc[key, "unbalance_percent"].to_numpy()
        assert np.isnan(u).all() if exp else (u == 0.0).all()
