"""A V2G site on a bus with no ground path (review rev30 §2): the flow connects three-phase sites
delta, :mod:`protv2g.flow.opendss_ground` finds the ungrounded buses from OpenDSS's element
admittances, the bus table gives their line-to-line voltage and C12 judges it.

References (nothing here is computed by protv2g):
* an independent OpenDSS run written in the test: the model compiled in a fresh context, the
  site as a delta-connected *Load* with negative kW and ``status=fixed`` (another element
  class than protv2g's Generator), OpenDSS's ``Bus.VLL`` read directly;
* the physics of an ungrounded (delta-fed) system: no zero-sequence path, so a YNd
  transformer's delta side, a delta load on it and a line to it ground nothing, while a
  grounded-wye winding (a grounding transformer's too), a wye generator or a neutral reactor
  to ground do, a load's or an inverter's star point does not (IEEE Std 142-2007 §1.2,
  ungrounded systems; ANSI C84.1-2020: a 3-wire system's voltages are line to line).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from protv2g.checks.flow_limit import LINE_TO_LINE_TEXT, judged_voltage_pu  # noqa: E402
from protv2g.flow.opendss import DssFlowEngine, DssFlowSite  # noqa: E402
from protv2g.flow.opendss_ground import ungrounded_buses  # noqa: E402
from protv2g.flow.opendss_tables import bus_table  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402

#: A 12.47 kV source, a line to ``mv``, a 2 MVA site transformer to ``lv`` (480 V) and a short
#: cable to ``lv2`` with a delta load; ``{conns}``, ``{lv}`` and ``{extra}`` vary per case.
MODEL = """Clear
New Circuit.gnd basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=210
New Line.l1 bus1=src bus2=mv phases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=10 c0=4 length=2 units=km
New Load.mv bus1=mv phases=3 kv=12.47 kw=800 pf=0.95
New Transformer.xf phases=3 windings=2 buses=(mv, {lv}) conns=({conns}) kvs=(12.47, 0.48)
~ kvas=(2000, 2000) xhl=5.64 %r=0.564
New Line.l2 bus1=lv bus2=lv2 phases=3 r1=0.1 x1=0.08 r0=0.3 x0=0.2 c1=300 c0=200
~ length=0.05 units=km
New Load.lv2 bus1=lv2 phases=3 conn=delta kv=0.48 kw=300 pf=0.95
{extra}
Set voltagebases=[12.47, 0.48]
Calcvoltagebases
"""


def _model(tmp_path, name, conns="wye, delta", lv="lv", extra=""):
    path = tmp_path / f"{name}.dss"
    path.write_text(MODEL.format(conns=conns, lv=lv, extra=extra))
    return load_dss_model(path), path


def _ungrounded(model) -> set[str]:
    return set(model.buses.index[ungrounded_buses(model)])


@pytest.mark.parametrize("name, conns, lv, extra, floating", [
    # YNd: the delta side and the cable behind it float
    ("ynd", "wye, delta", "lv", "", {"lv", "lv2"}),
    # Dyn: the grounded-wye LV side is grounded, the delta HV winding grounds nothing but the
    # source and the MV load ground the MV island
    ("dyn", "delta, wye", "lv", "", set()),
    # YNd with a load left at OpenDSS's default conn=wye on the cable: a load's star point
    # grounds no system (review rev36a W1: a depot's Load.depot_aux made its 480 V delta bus
    # "grounded", C12 judged floating phase-to-ground voltages); nor does an inverter's
    ("ynd_wye_load", "wye, delta", "lv", "New Load.y bus1=lv2 phases=3 kv=0.48 kw=10",
     {"lv", "lv2"}),
    ("ynd_wye_pv", "wye, delta", "lv",
     "New PVSystem.pv bus1=lv2 phases=3 kv=0.48 kva=50 pmpp=40 irradiance=1", {"lv", "lv2"}),
    # ... a grounding transformer (grounded wye on lv, its delta unloaded) or a machine with
    # its neutral grounded (a wye Generator) does ground it
    ("ynd_grounding_xf", "wye, delta", "lv",
     "New Transformer.gx phases=3 windings=2 buses=(lv2, gx_d) conns=(wye, delta) "
     "kvs=(0.48, 0.48) kvas=(150, 150) xhl=4", {"gx_d"}),  # its own delta terminal floats
    ("ynd_wye_generator", "wye, delta", "lv",
     "New Generator.g bus1=lv2 phases=3 kv=0.48 kw=50 pf=1", set()),
    # YNyn with a delta load only: grounded by its LV neutral
    ("ynyn", "wye, wye", "lv", "", set()),
    # ... and a 1:1 single-phase wye-wye regulator off it (IEEE 123's reg2a): its output's
    # zero sequence returns through the regulator's grounded neutrals, whose ground currents
    # cancel (1:1): grounded through the regulator (the old test on ground conductors alone
    # called r1 floating; its loads' star points had hidden that)
    ("ynyn_regulator", "wye, wye", "lv",
     "New Transformer.reg phases=1 windings=2 buses=(lv2.1, r1.1) conns=(wye, wye) "
     "kvs=(0.277, 0.277) kvas=(100, 100) xhl=0.01", set()),
    # YNy with the LV star point brought out to node 4 and grounded nowhere: floating
    ("yny_open", "wye, wye", "lv.1.2.3.4", "", {"lv", "lv2"}),
    # ... grounded through a neutral reactor: grounded
    ("yny_reactor", "wye, wye", "lv.1.2.3.4",
     "New Reactor.rn phases=1 bus1=lv.4 bus2=lv.0 r=0.5 x=0", set()),
    # ... or through the winding's own rneut (a shunt on its neutral conductor in Yprim, no
    # conductor on node 0; review rev46b M2 called it floating): grounded
    ("yny_rneut", "wye, wye", "lv.1.2.3.4", "Edit Transformer.xf wdg=2 rneut=0.5 xneut=0", set()),
    # ... a high-resistance one (rneut 1e4 Ω, below GROUND_MIN_RATIO of the winding) is not
    ("yny_rneut_hrg", "wye, wye", "lv.1.2.3.4", "Edit Transformer.xf wdg=2 rneut=1e4",
     {"lv", "lv2"}),
])
def test_ungrounded_buses_from_the_element_admittances(tmp_path, name, conns, lv, extra,
                                                       floating) -> None:
    model, _ = _model(tmp_path, name, conns, lv, extra)
    assert _ungrounded(model) == floating
    assert not ungrounded_buses(model)[model.bus_index(["src", "mv"])].any()


def test_a_site_on_a_delta_bus_matches_opendss_line_to_line(tmp_path) -> None:
    """1 MW export on ``lv2`` behind the YNd unit, a 250 kW line-to-line load unbalancing it:
    the site is delta-connected, the flow's line-to-line voltage is OpenDSS's with a delta
    load of −1 MW there, and the bus table's ``vm_ll_max_pu`` / ``vm_ll_min_pu`` its largest
    and lowest; the bus's
    zero-sequence voltage stays ≈ 0 (a wye-connected constant-power site moved it to 0.116
    pu here, the phases to 1.004 / 0.876 / 1.104 pu, its currents summing to zero)."""
    import opendssdirect

    model, path = _model(tmp_path, "flow",
                         extra="New Load.u bus1=lv2.1.2 phases=1 kv=0.48 kw=250 pf=0.9")
    eng = DssFlowEngine(model, [DssFlowSite("depot", "lv2", "abc")])
    assert eng.commands[0].endswith("kv=0.48 kw=0 pf=1 model=1 vminpu=0.5 vmaxpu=1.5 conn=delta")
    arr = eng.solve(np.array([1.0]), np.array([[1.0]]))
    assert arr.converged.all()
    dss = opendssdirect.NewContext()
    dss.Text.Command(f'compile "{path}"')
    dss.Text.Command("new load.site bus1=lv2.1.2.3 phases=3 conn=delta kv=0.48 kw=-1000 pf=1 "
                     "model=1 status=fixed")
    dss.Text.Command("set mode=snapshot")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    dss.Circuit.SetActiveBus("lv2")
    ref = np.asarray(dss.Bus.VLL())
    ref = np.abs(ref[0::2] + 1j * ref[1::2])[:3] / 480.0
    nodes = [model.node_names.tolist().index(f"lv2.{k}") for k in (1, 2, 3)]
    v = arr.v_v[0, nodes]
    ll = np.abs(v - np.roll(v, -1)) / 480.0
    np.testing.assert_allclose(ll, ref, rtol=2e-4)   # OpenDSS's convergence tolerance
    tab = bus_table(model, arr.v_v, np.array([0]), np.array(["x"], object), np.array([0]),
                    np.array([np.nan])).set_index("bus_name")
    assert tab.at["lv2", "vm_ll_max_pu"] == pytest.approx(ref.max(), rel=2e-4)
    assert tab.at["lv2", "vm_ll_min_pu"] == pytest.approx(ref.min(), rel=2e-4)
    assert ref.max() - ref.min() > 1e-2  # the unbalancing load: the two differ
    for b in ("mv", "src"):
        assert np.isnan(tab.loc[b, ["vm_ll_max_pu", "vm_ll_min_pu"]].to_numpy(float)).all()
    assert abs(v.sum()) / 3 / (480 / np.sqrt(3)) < 1e-3
    # the rise against the base is the largest line-to-line one there
    arr2 = eng.solve(np.array([1.0, 1.0]), np.array([[0.0, 1.0]]))
    tab2 = bus_table(model, arr2.v_v, np.array([0, 0]), np.array(["b", "x"], object),
                     np.array([0, 0]), np.array([np.nan, np.nan]))
    v2 = arr2.v_v[:, nodes]
    ll2 = np.abs(v2 - np.roll(v2, -1, axis=1)) / 480.0
    rise = tab2[tab2.bus_name == "lv2"].dv_pu_vs_base.iat[1]
    assert rise == pytest.approx((ll2[1] - ll2[0]).max(), abs=1e-12)


def test_judged_voltage_is_line_to_line_where_given() -> None:
    bus = pd.DataFrame({"vm_pu": [1.02, 1.02], "vm_a_pu": [1.10, 1.10],
                        "vm_b_pu": [1.08, 1.08], "vm_c_pu": [0.90, 0.90],
                        "vm_ll_max_pu": [1.03, np.nan]})
    np.testing.assert_allclose(judged_voltage_pu(bus), [1.03, 1.10])
    np.testing.assert_allclose(judged_voltage_pu(bus, np.array([1])), [1.10])
    # without the column: the highest phase, as before
    np.testing.assert_allclose(judged_voltage_pu(bus.drop(columns="vm_ll_max_pu")), [1.10, 1.10])


def test_c12_judges_the_line_to_line_voltage_and_says_so(tmp_path) -> None:
    from tests.test_c12_limit import _c12, _fail_at, _flow
    from tests.test_checks_common import BUS, V2G, make_study

    hand = make_study(tmp_path)
    flow = _flow({}, {"B4": 1.02, "B2": 1.02})
    bus = flow["bus"]
    bus["vm_a_pu"] = bus["vm_b_pu"] = bus["vm_c_pu"] = bus.vm_pu
    bus["vm_ll_max_pu"] = bus["vm_ll_min_pu"] = np.nan
    b4 = (bus.scenario == V2G) & (bus.bus == BUS["B4"])
    # B4: floating phase-to-ground 1.136 / 1.124 / 0.900 pu, 1.00–1.02 pu line to line: passes
    # (0.900 is no service voltage: not an under-voltage either)
    bus.loc[b4, ["vm_a_pu", "vm_b_pu", "vm_c_pu", "vm_ll_max_pu", "vm_ll_min_pu"]] = [
        1.136, 1.124, 0.900, 1.02, 1.00]
    c12 = _c12(hand, flow)
    assert c12[c12.status == "fail"].empty
    # over the limit line to line: fails, and the row says it is line to line
    bus.loc[b4, "vm_ll_max_pu"] = 1.07
    c12 = _c12(hand, flow)
    fail = c12[c12.status == "fail"]
    assert len(fail) == 1
    row = fail.iloc[0]
    assert "voltage 1.070 pu" in row.message and LINE_TO_LINE_TEXT in row.message
    assert row.fault_bus == "B4"
    assert _fail_at(c12, "B4").margin.iat[0] == pytest.approx(1.05 - 1.07)


def test_ieee123_lateral_behind_its_wye_wye_regulator_is_grounded() -> None:
    """IEEE 123's phase-a lateral 9r-14-10-11 is fed through the single-phase wye-wye regulator
    reg2a (9.1 → 9r.1): its zero sequence returns through the regulator's grounded neutrals
    to the feeder's source, so it is grounded (OpenDSS below: an SLG fault at 14 draws
    hundreds of amperes). It read "no path to ground" once its loads' star points stopped
    counting (review rev36a), until windings that pass zero sequence joined the islands."""
    import opendssdirect

    from tests.conftest import SHARED_DIR

    master = SHARED_DIR / "feeders" / "opendss" / "123Bus" / "IEEE123Master.dss"
    if not master.is_file():
        pytest.skip(f"shared IEEE 123 model not found at {master}")
    model = load_dss_model(master)
    assert _ungrounded(model) & {"9r", "14", "10", "11"} == set()
    dss = opendssdirect.NewContext()
    dss.Text.Command(f'compile "{master}"')
    dss.Text.Command("batchedit load..* enabled=no")
    dss.Text.Command("new fault.f phases=1 bus1=14.1 r=0.0001")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("fault.f")
    assert abs(complex(*dss.CktElement.Currents()[:2])) > 300.0
