"""C8 on ground elements: the residual current 3I0 = |Ia + Ib + Ic| that unbalanced load and
single-phase export put through a 51G/51N or a recloser's ground trip with no fault, against
ground pickup / 1.5 (:mod:`protv2g.checks.load`; GE Multilin 735/737 manual App. A.1.4).

References (none computed by protv2g):
* hand calculations of ``I = conj(S / V)`` per phase;
* pandapower's own ``res_line_3ph.i_n_from_ka`` of the same ``runpp_3ph`` solution;
* OpenDSS's ``CktElement.SeqCurrents`` (3·|I0|) in an independent OpenDSS run;
* a Dyn transformer's delta winding carries no zero-sequence current to its HV side
  (symmetrical components, Fortescue 1918): residual 0 there.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.load import GROUND_RULE, RESIDUAL_PEAKS, check_load
from protv2g.devices.recloser import Recloser
from protv2g.devices.relay import OvercurrentRelay
from protv2g.flow.unbalance import ThreePhaseSolver, residual_ka
from protv2g.units import A_OP

from .conftest import FEEDERS_DIR


def test_residual_by_hand():
    v = 7.2 * np.array([1.0, A_OP**2, A_OP])  # kV phase-to-earth, balanced
    # 1 MVA on phase a only: Ia = 1/7.2 kA, Ib = Ic = 0
    assert residual_ka(np.array([1.0, 0.0, 0.0]), v) == pytest.approx(1 / 7.2, rel=1e-12)
    # balanced 1 MVA per phase: the three currents cancel
    assert residual_ka(np.array([1.0, 1.0, 1.0]) + 0j, v) == pytest.approx(0.0, abs=1e-12)
    # a missing phase (voltage NaN) carries nothing
    assert residual_ka(np.array([1.0, 0.5, 0.0]), np.array([7.2, np.nan, 0.0]) + 0j) == \
        pytest.approx(1 / 7.2, rel=1e-12)


def _small_net():
    import pandapower as pp

    net = pp.create_empty_network(f_hz=60)
    b0, b1, b2, b3 = (pp.create_bus(net, kv) for kv in (69.0, 12.47, 12.47, 12.47))
    pp.create_ext_grid(net, b0, s_sc_max_mva=1000, rx_max=0.1, x0x_max=1.0, r0x0_max=0.1)
    pp.create_transformer_from_parameters(
        net, b0, b1, sn_mva=20, vn_hv_kv=69, vn_lv_kv=12.47, vkr_percent=0.5, vk_percent=8,
        pfe_kw=0, i0_percent=0, vector_group="Dyn", vk0_percent=8, vkr0_percent=0.5,
        mag0_percent=100, mag0_rx=0, si0_hv_partial=0.9)
    for a, b in ((b1, b2), (b2, b3)):
        pp.create_line_from_parameters(net, a, b, 2.0, r_ohm_per_km=0.2, x_ohm_per_km=0.4,
                                       c_nf_per_km=10, max_i_ka=0.5, r0_ohm_per_km=0.6,
                                       x0_ohm_per_km=1.2, c0_nf_per_km=5)
    pp.create_load(net, b2, p_mw=1.0, q_mvar=0.3)
    return net, b3


def test_three_phase_flow_residual_equals_pandapowers_neutral_current():
    net, b3 = _small_net()
    solver = ThreePhaseSolver(net, {"homes": b3}, {"homes": "b"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = solver.solve(np.array([1.0, 0.5]), np.array([[0.2, -0.15]]))
    assert r.ok.all()
    own = solver.net.res_line_3ph  # pandapower's result of the last step
    np.testing.assert_allclose(r.line_i_n_from_ka[-1], own.i_n_from_ka.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(r.line_i_n_to_ka[-1], own.i_n_to_ka.to_numpy(), rtol=1e-4)
    # the single-phase site's current (~0.15 MW / 7.2 kV ≈ 21 A) is the residual on the LV
    # side; the Dyn transformer's delta winding passes none of it to the HV side
    assert r.trafo_i_n_lv_ka[-1, 0] == pytest.approx(0.15 / (12.47 / 3**0.5), rel=0.05)
    assert r.trafo_i_n_hv_ka[-1, 0] == pytest.approx(0.0, abs=1e-9)


def test_opendss_residual_equals_opendss_zero_sequence_current():
    pytest.importorskip("opendssdirect")
    from protv2g.flow.opendss import DssFlowEngine, DssFlowSite, DssWatch
    from protv2g.network.dss_model import load_dss_model

    from .test_dss_flow import EXAMPLE, _independent

    model = load_dss_model(EXAMPLE)
    eng = DssFlowEngine(model, [DssFlowSite("homes", "lat2", "c")],
                        [DssWatch("r1", "recloser", "line.l1", 1)])
    arr = eng.solve(np.array([0.3]), np.array([[0.06]]))
    ref = _independent(EXAMPLE, ["new load.ind_homes bus1=lat2.3 phases=1 kv=7.199557857 "
                                 "kw=-60 pf=1 model=1 status=fixed"], 0.3)
    ref.Circuit.SetActiveElement("line.l1")
    i0 = np.asarray(ref.CktElement.SeqCurrents())[0]  # terminal 1: I0, I1, I2 magnitudes
    assert abs(arr.watch_i_a[0, 0].sum()) == pytest.approx(3 * i0, rel=2e-3)


def _ctx(devices, flow):
    return SimpleNamespace(
        study=SimpleNamespace(document=SimpleNamespace(devices=[object()], v2g_sites=[])),
        flow={"device": flow}, thresholds=SimpleNamespace(load_pickup_factor=1.5,
                                                          loading_change_min_percent=1.0),
        build_errors={}, devices={d.name: d for d in devices},
        export_text=lambda sc: f"({sc})")


def test_ground_element_row_against_ground_pickup():
    relay = OvercurrentRelay(name="R", pickup_a=400.0, curve="U2", time_dial=1.0,
                             ground_pickup_a=60.0, ground_curve="U2", ground_time_dial=1.0)
    rc = Recloser(name="RC", phase_min_trip_a=200.0, ground_min_trip_a=100.0, fast_curve="101",
                  delayed_curve="133")
    flow = pd.DataFrame({
        "scenario": ["s"] * 4, "step": [0, 1, 0, 1], "device": ["R", "R", "RC", "RC"],
        "i_a": [150.0, 160.0, 90.0, 95.0], "i_residual_a": [30.0, 45.0, 20.0, 60.0],
        "p_mw": [2.0, -0.5, 1.0, 1.0]})
    rows = check_load(_ctx([relay, rc], flow))
    fails = rows[rows.status == "fail"].set_index("device")
    # R: 45 A ≥ 60 / 1.5 = 40 A (export step 1); RC: 60 A < 100 / 1.5 = 66.7 A; phases pass
    assert list(fails.index) == ["R"]
    r = fails.loc["R"]
    assert r.rule == GROUND_RULE and r.mechanism in RESIDUAL_PEAKS
    assert r.margin == pytest.approx(40.0 - 45.0) and r.limit == pytest.approx(40.0)
    assert "export" in r.mechanism
    assert "ground element (pickup 60 A) carries 45 A of residual current" in r.message
    assert r.message.endswith("above ground pickup / 1.5 = 40 A (unbalanced load or "
                              "single-phase export can trip it)")


def test_unknown_residual_is_not_evaluated_never_a_pass():
    relay = OvercurrentRelay(name="R", pickup_a=400.0, curve="U2", time_dial=1.0,
                             ground_pickup_a=60.0, ground_curve="U2", ground_time_dial=1.0)
    flow = pd.DataFrame({"scenario": ["s", "s"], "step": [0, 1], "device": ["R", "R"],
                         "i_a": [150.0, 160.0], "i_residual_a": [10.0, np.nan],
                         "p_mw": [2.0, 2.0]})
    rows = check_load(_ctx([relay], flow))
    ne = rows[rows.status == "not_evaluated"]
    assert len(ne) == 1 and ne.device.item() == "R"
    assert "not known on 1 of 2 steps of scenario s" in ne.message.item()
    assert not (rows.status == "fail").any()


def test_example_flow_tables_carry_the_residual():
    """On the residential example (single-phase home chargers on phases a, b, c of three
    laterals) each lateral fuse carries residual current and the head almost none: the three
    sites' currents cancel at the head (pandapower runpp_3ph)."""
    from protv2g import load_study, run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_study(load_study(FEEDERS_DIR / "residential_evening_peak" / "study.yaml"),
                      hosting=False)
    d = r.flow.devices.groupby("device")[["i_a", "i_residual_a"]].max()
    assert (d.loc[["FU-LAT1", "FU-LAT2", "FU-LAT3"], "i_residual_a"] > 20.0).all()
    assert d.at["R-HEAD", "i_residual_a"] < 0.02 * d.at["R-HEAD", "i_a"]
    assert (d.i_residual_a <= 3 * d.i_a + 1e-9).all()


def test_recommend_raises_the_ground_pickup_only_and_never_for_charging():
    from protv2g.checks.load import EXPORT_PEAK, LoadPeak
    from protv2g.recommend.candidates import candidates
    from protv2g.units import DeviceKind

    dev = SimpleNamespace(kind=DeviceKind.RELAY, name="R", pickup_a=400.0, time_dial=1.0,
                          ground_pickup_a=60.0, ground_time_dial=1.0, directional="none")
    finding = {"criterion": "C8", "device": "R", "other_device": ""}
    ground = candidates({**finding, "mechanism": LoadPeak.RESIDUAL_EXPORT_PEAK.value}, [dev], [])
    assert ground and {c.field for c in ground} == {"ground_pickup_a"}
    assert all(c.new > 60.0 for c in ground)
    phase = candidates({**finding, "mechanism": EXPORT_PEAK}, [dev], [])
    assert {c.field for c in phase} == {"pickup_a"}
    assert candidates({**finding, "mechanism": LoadPeak.RESIDUAL_CHARGING_PEAK.value},
                      [dev], []) == []


def test_phase_and_ground_rows_of_one_device_are_two_findings():
    from protv2g.checks.load import EXPORT_PEAK, LoadPeak
    from protv2g.findings import build_findings

    def row(mech, rule, margin):
        return {"criterion": "C8", "status": "fail", "attribution": "new",
                "scenario": "firm/light/100%", "fault_bus": "", "fault_type": "", "case": "",
                "device": "R", "other_device": "", "margin": margin, "margin_unit": "A",
                "mechanism": mech, "rule": rule, "message": "m"}

    rows = pd.DataFrame([row(EXPORT_PEAK, "", -10.0),
                         row(LoadPeak.RESIDUAL_EXPORT_PEAK.value, GROUND_RULE, -5.0)])
    f = build_findings(rows).findings
    assert len(f) == 2 and set(f.mechanism) == {EXPORT_PEAK,
                                                LoadPeak.RESIDUAL_EXPORT_PEAK.value}
