"""OpenDSS flows with V2G sites (``flow/opendss*.py``) and the feeder graph of a DssModel.

References (nothing here is computed by protv2g):
* an independent OpenDSS run written in the test: the model compiled by OpenDSS's own
  ``redirect`` in a fresh context, the site as a *Load* with negative kW and ``status=fixed``
  (not scaled by ``LoadMult``) — a different element class from protv2g's Generator — solved
  with OpenDSS's controls, then OpenDSS's ``CktElement.Powers/Currents``, ``Bus.puVmagAngle``
  and ``Bus.SeqVoltages`` read directly;
* hand checks: power balance on a single-phase lateral, the voltage unbalance factor of a
  hand-made phasor set (IEC 61000-4-30 §5.7.1: u2 = |V2|/|V1|).
"""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from protv2g.errors import InputError  # noqa: E402
from protv2g.flow.opendss import DssFlowEngine, DssFlowSite, DssWatch  # noqa: E402
from protv2g.flow.opendss_study import dss_watches, opendss_flow_study  # noqa: E402
from protv2g.flow.opendss_tables import bus_table  # noqa: E402
from protv2g.flow.result import BRANCH_COLUMNS, BUS_COLUMNS, DEVICE_COLUMNS  # noqa: E402
from protv2g.network.dss_graph import (  # noqa: E402
    device_site,
    dss_feeder_graph,
    dss_source_buses,
    locate,
)
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.study.schema import Location, StudyDocument  # noqa: E402
from protv2g.units import A_OP  # noqa: E402

from .conftest import FEEDERS_DIR  # noqa: E402

EXAMPLE = FEEDERS_DIR / "opendss_example" / "Master.dss"


@pytest.fixture(scope="module")
def example():
    return load_dss_model(EXAMPLE)


@pytest.fixture(scope="module")
def ieee13(shared_dir):
    return load_dss_model(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")


def _independent(master, site_cmds, load_mult, controls=True):
    """The test's own OpenDSS run (module docstring); returns the engine context."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Basic.AllowEditor(False)
    dss.Text.Command("clear")
    try:
        dss.Text.Command(f'redirect "{master}"')  # the master's own Solve runs too: harmless
    except Exception as exc:  # the example's BusCoords names a missing file on purpose
        assert "Bus Coordinate file" in str(exc)
    for cls in ("Fuse", "Recloser", "Relay"):     # protv2g keeps them from operating
        dss.Circuit.SetActiveClass(cls)
        for name in list(dss.ActiveClass.AllNames()):
            dss.Text.Command(f"edit {cls}.{name} enabled=no")
    dss.Text.Command("set maxiterations=100 maxcontroliter=100")
    if not controls:
        dss.Text.Command("set controlmode=off")
    dss.Text.Command("set mode=snapshot")
    dss.Text.Command("set loadmult=1")
    dss.Solution.Solve()
    for c in site_cmds:
        dss.Text.Command(c)
    dss.Text.Command(f"set loadmult={load_mult}")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    return dss


def _phase_powers_kw(dss, element, terminal=1):
    dss.Circuit.SetActiveElement(element)
    nodes = np.asarray(dss.CktElement.NodeOrder())
    nc = dss.CktElement.NumConductors()
    s = np.asarray(dss.CktElement.Powers())
    s = s[0::2] + 1j * s[1::2]
    out = np.zeros(3, complex)
    for j in range((terminal - 1) * nc, terminal * nc):
        if 1 <= nodes[j] <= 3:
            out[nodes[j] - 1] = s[j]
    return out


def test_sites_match_an_independent_opendss_run(example):
    sites = [DssFlowSite("lot", "b2", "abc"), DssFlowSite("homes", "lat2", "c")]
    watches = [DssWatch("r1", "recloser", "line.l1", 1), DssWatch("fb", "fuse", "line.lb", 1)]
    eng = DssFlowEngine(example, sites, watches)
    assert eng.commands[0].startswith("new generator.protv2g_site_0 phases=3 bus1=b2.1.2.3")
    assert eng.commands[0].endswith(" conn=delta")
    assert "phases=1 bus1=lat2.3" in eng.commands[1]
    p_mw = np.array([[1.5, -1.2], [0.06, -0.05]])          # export, then charging
    lf = np.array([0.3, 1.0])
    arr = eng.solve(lf, p_mw)
    assert arr.converged.all()
    for k in range(2):
        # a three-phase site is a 3-wire converter: delta-connected (review rev30 §2)
        cmds = [f"new load.ind_lot bus1=b2.1.2.3 phases=3 kv=12.47 kw={-p_mw[0, k] * 1e3} "
                "pf=1 model=1 status=fixed conn=delta",
                f"new load.ind_homes bus1=lat2.3 phases=1 kv=7.199557857 kw={-p_mw[1, k] * 1e3}"
                " pf=1 model=1 status=fixed"]
        ref = _independent(EXAMPLE, cmds, lf[k])
        for w, (elem, _t) in enumerate((("line.l1", 1), ("line.lb", 1))):
            s_ref = _phase_powers_kw(ref, elem)
            # both runs stop within OpenDSS's convergence tolerance (1e-4 pu on node voltages)
            np.testing.assert_allclose(arr.watch_s_kva[k, w], s_ref, rtol=2e-4, atol=0.05)
        ref.Circuit.SetActiveBus("b3")
        v = np.asarray(ref.Bus.puVmagAngle())[0::2]
        node = example.node_names.tolist().index("b3.1")
        np.testing.assert_allclose(abs(arr.v_v[k, node]) / 7199.557857, v[0], rtol=1e-5)
        seq = np.asarray(ref.Bus.SeqVoltages())
        res = bus_table(example, arr.v_v[k:k + 1], np.array([0]), np.array(["x"], object),
                        np.array([0]), np.array([np.nan]))
        u = res.set_index("bus_name").at["b3", "unbalance_percent"]
        np.testing.assert_allclose(u, seq[2] / seq[1] * 100, rtol=2e-3)


def test_single_phase_export_on_a_lateral_hand_balance(example):
    """The fuse on lateral lb (phase c only) carries the lateral load minus the site: raising
    the site from 0 to 60 kW lowers the phase-c power through the fuse by 60 kW plus the change
    of the lateral's losses (< 1 kW here), and leaves phases a and b at 0."""
    eng = DssFlowEngine(example, [DssFlowSite("homes", "lat2", "c")],
                        [DssWatch("fb", "fuse", "line.lb", 1)])
    arr = eng.solve(np.array([0.3, 0.3]), np.array([[0.0, 0.06]]))
    s = arr.watch_s_kva[:, 0]
    assert np.all(s[:, :2] == 0)
    d_kw = s[1, 2].real - s[0, 2].real
    assert -61.0 < d_kw < -59.0
    assert eng.watch_phases == ["c"]


def test_charging_below_0p9_pu_draws_its_stated_power(example):
    """A charging site is a constant-power converter below OpenDSS's default ``Vminpu`` 0.9 too
    (review ver34: at 0.74 pu the DG feeder's homes drew 61.9 of 92 kW). 1.3 MW charging on
    lateral lb's phase c takes lat2 to ≈ 0.87 pu: the phase-c power through the fuse rises by
    the site's 1,300 kW plus the lateral's extra losses, and equals an independent OpenDSS run
    with the site as a constant-power load held to 0.5 pu. At the default (constant impedance
    below 0.9 pu) the fuse's rise was 1,278.9 kW: less than the site alone."""
    eng = DssFlowEngine(example, [DssFlowSite("homes", "lat2", "c")],
                        [DssWatch("fb", "fuse", "line.lb", 1)])
    arr = eng.solve(np.array([1.0, 1.0]), np.array([[0.0, -1.3]]))
    assert arr.converged.all()
    node = example.node_names.tolist().index("lat2.3")
    assert abs(arr.v_v[1, node]) / 7199.557857 < 0.9
    s = arr.watch_s_kva[:, 0]
    d_kw = s[1, 2].real - s[0, 2].real
    assert 1300.0 < d_kw < 1400.0
    ref = _independent(EXAMPLE, ["new load.ind_homes bus1=lat2.3 phases=1 kv=7.199557857 "
                                 "kw=1300 pf=1 model=1 vminpu=0.5 vmaxpu=1.5 status=fixed"], 1.0)
    np.testing.assert_allclose(arr.watch_s_kva[1, 0], _phase_powers_kw(ref, "line.lb"),
                               rtol=2e-4, atol=0.05)


def test_regulator_reverse_flow_ieee13(ieee13, shared_dir):
    """A 3 MW three-phase export at 675 at light load reverses the flow through the 650-RG60
    regulator bank; OpenDSS's own run (site as a fixed negative load) gives the same phase
    powers at the regulators' source-side terminal, with the same taps."""
    master = shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss"
    watches = [w for w in dss_watches(ieee13) if w.kind == "regulator"]
    assert {w.name for w in watches} == {"REG:reg1", "REG:reg2", "REG:reg3"}
    # IEEE 13's RegControls compensate line drop (R=3 X=9 on the 120 V base)
    assert all(w.terminal == 1 and w.mode == "forward_locked_ldc" for w in watches)
    eng = DssFlowEngine(ieee13, [DssFlowSite("depot", "675", "abc")], watches)
    arr = eng.solve(np.array([0.3]), np.array([[3.0]]))
    p = arr.watch_s_kva[0].real.sum(axis=1)
    assert (p < -500).all()                        # every unit of the bank reverses
    ref = _independent(master, ["new load.ind bus1=675.1.2.3 phases=3 kv=4.16 kw=-3000 pf=1 "
                                "model=1 status=fixed conn=delta"], 0.3)
    for w, x in enumerate(watches):
        np.testing.assert_allclose(arr.watch_s_kva[0, w].sum(),
                                   _phase_powers_kw(ref, x.element).sum(), rtol=1e-4)


def test_unbalance_factor_hand_phasors():
    """V = (1, 0.95·a², 0.9·a) pu: by hand V1 = (1 + 0.95 + 0.9)/3 = 0.95,
    V2 = (1 + 0.95·a + 0.9·a²)/3 → |V2| = |0.05·1 + … | computed below from a², a."""
    va, vb, vc = 1.0, 0.95 * A_OP**2, 0.9 * A_OP
    v1 = (va + A_OP * vb + A_OP**2 * vc) / 3
    v2 = (va + A_OP**2 * vb + A_OP * vc) / 3
    # hand: v1 = 0.95 exactly; v2 = (1 + 0.95a + 0.9a²)/3 = (0.075 + j·0.0433)/3 → 0.02887
    assert abs(v1 - 0.95) < 1e-12 and abs(abs(v2) - 0.0866025 / 3) < 1e-6
    def derived(key, build):  # no bus without a ground path; no transformer (no engine)
        return build(model) if key in {"zone winding base", "transformer windings"} else (
            np.zeros(1, bool))

    model = types.SimpleNamespace(
        buses=pd.DataFrame({"kv_ln": [1.0], "phases": ["abc"]}, index=pd.Index(["x"])),
        node_bus=np.zeros(3, np.int64), node_num=np.array([1, 2, 3]), engine=None,
        derived=derived)
    v = np.array([[va, vb, vc]]) * 1e3
    t = bus_table(model, v, np.array([0]), np.array(["s"], object), np.array([0]),
                  np.array([np.nan]))
    assert t.unbalance_percent.iat[0] == pytest.approx(abs(v2) / 0.95 * 100, rel=1e-12)
    assert t.vm_pu.iat[0] == pytest.approx(0.95)


def test_study_flow_tables_have_the_pandapower_columns(example):
    doc = StudyDocument.model_validate({
        "name": "x", "feeder": {"opendss": "Master.dss"},
        "v2g_sites": [{"name": "lot", "bus": "b2", "n_chargers": 20, "p_charger_kw": 75,
                       "day": {"arrival_h": 7, "departure_h": 17,
                               "export_window_h": [12, 16]}},
                      {"name": "homes", "bus": "lat2", "n_chargers": 10, "p_charger_kw": 7,
                       "phases": 1, "phase": "c"}],
        "scenarios": {"export_levels_fraction": [0, 1], "load_levels": ["light", "peak"]}})
    r = opendss_flow_study(doc, example, [("r1", "recloser", "line.l1", 1)])
    assert list(r.devices.columns[:len(DEVICE_COLUMNS)]) == DEVICE_COLUMNS
    assert list(r.buses.columns[:len(BUS_COLUMNS)]) == BUS_COLUMNS
    assert list(r.branches.columns) == BRANCH_COLUMNS
    # + 1: c8_charging (review s16) adds the charging snapshot charging/expected at peak load,
    # since "homes" can charge and has no day covering it (was 4 + 2 * 96); + 1 more: its
    # base case base/der_off, the same step without charging (review s18)
    assert r.meta["converged_steps"] == r.meta["steps"] == 4 + 2 * 96 + 2
    assert set(r.sites.scenario) >= {"day/base", "day/expected", "expected/light/100%"}
    def one(t, scenario, key, value, col):
        sel = t[(t.scenario == scenario) & (t[key] == value)]
        assert len(sel) == 1
        return sel[col].iat[0]

    assert one(r.buses, "expected/light/100%", "bus_name", "b2", "dv_pu_vs_base") > 0.005
    assert one(r.buses, "base/light", "bus_name", "b2", "dv_pu_vs_base") == 0.0
    assert np.isnan(one(r.buses, "base/light", "bus_name", "lat2", "unbalance_percent"))
    assert one(r.devices, "expected/light/100%", "device", "r1", "direction") == "reverse"
    assert one(r.devices, "base/light", "device", "r1", "direction") == "forward"
    assert (r.reverse.query("device == 'r1'").set_index("scenario")
            .at["expected/light/100%", "n_reverse_steps"]) == 1
    cap = r.devices[r.devices.device == "CAP:c3"]
    assert set(cap.element_name) == {"line.l3"} and set(cap.kind) == {"capacitor"}


def test_bad_sites_are_refused(example):
    with pytest.raises(InputError) as err:
        DssFlowEngine(example, [DssFlowSite("x", "lat1", "b"), DssFlowSite("y", "nowhere")])
    text = str(err.value)
    assert "phases 'b' not all at bus 'lat1'" in text and "unknown bus 'nowhere'" in text
    doc = StudyDocument.model_validate({
        "name": "x", "feeder": {"opendss": "Master.dss"},
        "v2g_sites": [{"name": "lot", "bus": "b2", "n_chargers": 2, "p_charger_kw": 75,
                       "interconnection_transformer": {"sn_kva": 200}}]})
    with pytest.raises(InputError, match="model the transformer in the .dss"):
        opendss_flow_study(doc, example)


# ------------------------------------------------------------------ graph


def test_graph_of_the_example(example):
    g = dss_feeder_graph(example)
    name = {n: d["name"] for n, d in g.nodes(data=True)}
    assert len(g.nodes) == len(example.buses) and len(g.edges) == len(example.buses) - 1
    src = dss_source_buses(example)
    assert name[src["substation"]] == "src"
    e = {frozenset((name[a], name[b])): d for a, b, d in g.edges(data=True)}
    assert e[frozenset(("b1", "b2"))]["length_km"] == pytest.approx(1.6 * 1.609344)
    assert [c for c, _ in e[frozenset(("src", "sub"))]["elements"]] == ["transformer"]
    site = device_site(example, "line.l1", 1)
    assert (name[site.bus], name[site.far_bus]) == ("sub", "b1")


def test_graph_built_once_per_model(example):
    """#21: the flows' watched terminals and the checks' chains share one frozen graph; a
    model made with ``dataclasses.replace`` gets its own."""
    import dataclasses

    import networkx as nx

    g = dss_feeder_graph(example)
    assert dss_feeder_graph(example) is g and nx.is_frozen(g)
    with pytest.raises(nx.NetworkXError):
        g.add_edge(0, 1)
    assert dss_feeder_graph(dataclasses.replace(example)) is not g


def test_open_switch_is_no_edge(tmp_path, example):
    master = tmp_path / "m.dss"
    master.write_text(EXAMPLE.read_text().replace("Redirect LineCodes.dss",
                                                   f'Redirect "{EXAMPLE.parent}/LineCodes.dss"')
                       + "\nopen line.tie 1\n")
    m = load_dss_model(master)
    g = dss_feeder_graph(m)
    assert len(g.edges) == len(m.buses) - 2
    assert not m.buses.at["b4", "energized"]


def test_locate_devices_by_opendss_name(example):
    ok, issues = locate(example, Location(line="l1", end="to"), "s.yaml", "devices[0].location")
    assert ok == ("line.l1", 2) and not issues
    ok, _ = locate(example, Location(trafo="sub", side="lv"), "s.yaml", "k")
    assert ok == ("transformer.sub", 2)
    ok, _ = locate(example, Location(switch="tie"), "s.yaml", "k")
    assert ok == ("line.tie", 1)
    ok, issues = locate(example, Location(line="l9", end="from"), "s.yaml", "devices[2].location")
    assert ok is None and issues[0].field == "devices[2].location.line"
    assert "no line named 'l9'" in issues[0].message and "l1" in issues[0].fix


SYNC_GEN = "synchronous-generator-source"
#: Added to the field case's master: a storage discharging (existing DER, switched off), one
#: charging and a generator with negative kW (loads: kept in the worst case for load current).
_DER_LINES = """
New Storage.s1 bus1=b2 kv=12.47 kWrated=500 kWhrated=2000 %stored=80 state=discharging %discharge=50
New Storage.s2 bus1=b3 kv=12.47 kWrated=300 kWhrated=2000 %stored=50 state=charging %charge=100
New Generator.gload bus1=b3 kv=12.47 kW=-200 pf=1 model=1
"""


def test_existing_der_off_switches_every_source_kind(shared_dir, tmp_path):
    """Review s17: the charging snapshot's "existing DER off" (``der_fraction`` 0) switched off
    the model's PV systems only; its generators and storage kept producing, so C8 judged load
    current with a 2 MW generator still feeding the feeder. Now every generating element is
    off (the generator's kW 0, discharging storage idle) and loads stay (a generator with
    negative kW, storage charging), checked against an independent OpenDSS run with those
    edits written by hand; the model's output is restored after the step."""
    case = shared_dir / "cases" / SYNC_GEN / "master.dss"
    if not case.is_file():
        pytest.skip(f"{case} not found (../shared beside the checkout is absent)")
    master = tmp_path / "master.dss"
    text = case.read_text(encoding="utf-8").replace("Set VoltageBases", _DER_LINES
                                                   + "Set VoltageBases")
    master.write_text(text, encoding="utf-8")
    # the model is read without the charging storage: OpenDSS (DSS C-API) segfaults in its
    # fault-study state (`set mode=faultstudy`, LoadModel=admittance, SolveDirect) with a
    # Storage charging; the flow engine compiles the master with it (``model.source``)
    plain = tmp_path / "plain.dss"
    plain.write_text("\n".join(x for x in text.splitlines() if "Storage.s2" not in x),
                     encoding="utf-8")
    model = dataclasses.replace(load_dss_model(plain), source=str(master))
    watch = [DssWatch("l1", "relay", "line.l1", 1)]
    eng = DssFlowEngine(model, (), watch)
    res = eng.solve(np.ones(3), np.zeros((0, 3)), der_fraction=np.array([1.0, 0.0, 1.0]))
    i_a = np.abs(res.watch_i_a[:, 0, 0])

    def independent(edits):
        dss = _independent(master, edits, 1.0)
        dss.Circuit.SetActiveElement("line.l1")
        return float(dss.CktElement.CurrentsMagAng()[0])

    on = independent([])
    off = independent(["edit generator.g1 kW=0", "edit storage.s1 state=idling"])
    assert i_a[0] == pytest.approx(on, rel=1e-4)
    # 2e-4: OpenDSS's own convergence (tolerance 1e-4 pu; a second solve of either run moves
    # 23.7773 / 23.7732 A to 23.7750 A)
    assert i_a[1] == pytest.approx(off, rel=5e-4)
    assert i_a[2] == pytest.approx(i_a[0], rel=1e-4)  # restored after the step (convergence)
    # before: the PV-only switch left g1 (2 MW) and s1 (250 kW) on: l1 carried 78.8 A (the
    # model as it is) in the DER-off step, not 23.8 A
    assert off < 0.35 * on
    assert any("1 generator(s), 1 discharging storage" in n for n in eng.notes)
