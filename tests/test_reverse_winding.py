"""Reverse power through a winding connected phase to phase (review rev33c W4/W6, IEEE 37).

IEEE 37's regulator bank is open delta: ``reg1a`` is one single-phase winding between 799.1
and 799.2. Its power is ``V_ab·I_a*`` = the sum of its two conductors' powers to ground; the
per-conductor terms (+876 / −82 kW at peak) are not any unit's power, and judging them made
protv2g report "reverse power (phase b, up to 0.082 MW)" through a winding carrying +795 kW
forward. The reverse flow of such a terminal (and of a line on a bus with no ground path) is
judged on the terminal's total, as OpenDSS's RegControl senses it (its ``revThreshold`` test
reads the controlled transformer's terminal power); the units of a wye-grounded bank stay
judged one by one (a single-phase fleet reversing one unit).

References (nothing here is computed by protv2g): OpenDSS's own snapshot run in a fresh
context, the site as a *Load* with negative kW and ``status=fixed`` (another element class than
protv2g's Generator), ``CktElement.Powers`` of the element's terminal read directly.
"""

from __future__ import annotations

import re
import types

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.checks.flow_controls import controlled_rows  # noqa: E402
from protv2g.flow.opendss import DssFlowEngine, DssFlowSite, DssWatch  # noqa: E402
from protv2g.flow.opendss_ground import reverse_basis  # noqa: E402
from protv2g.flow.opendss_study import dss_watches  # noqa: E402
from protv2g.flow.opendss_tables import device_table  # noqa: E402
from protv2g.hosting.voltage_text import reverse_power_text  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402

DEADBAND_MW = 1e-3


@pytest.fixture(scope="module")
def ieee37_master(shared_dir):
    master = shared_dir / "feeders" / "opendss" / "37Bus" / "ieee37.dss"
    if not master.is_file():
        pytest.skip(f"IEEE 37 model {master} not found")
    return master


def _own_run(master, cmds: list[str], load_mult: float):
    """OpenDSS's own: compile, snapshot at peak (as the engine's first solve), add ``cmds``
    (the sites), solve at ``load_mult``."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'redirect "{master}"')
    dss.Text.Command("set maxiterations=100 maxcontroliter=100 mode=snapshot loadmult=1")
    dss.Solution.Solve()
    for c in cmds:
        dss.Text.Command(c)
    dss.Text.Command(f"set loadmult={load_mult}")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    return dss


def _terminal_kw(dss, element: str, terminal: int = 1) -> np.ndarray:  # noqa: ANN001
    """Active power (kW) into ``element`` at ``terminal``, per conductor, from OpenDSS."""
    dss.Circuit.SetActiveElement(element)
    nc = dss.CktElement.NumConductors()
    p = np.asarray(dss.CktElement.Powers())[0::2]
    return p[(terminal - 1) * nc: terminal * nc]


def _flow(master, sites, watches, lf, p_mw):
    model = load_dss_model(master)
    eng = DssFlowEngine(model, sites, watches(model))
    arr = eng.solve(np.asarray(lf, float), np.asarray(p_mw, float))
    assert arr.converged.all()
    n = len(lf)
    tab = device_table(model, eng.watches, eng.watch_phases, arr, eng.branches,
                       np.array([f"s{k}" for k in range(n)], dtype=object),
                       np.zeros(n, dtype=int), np.full(n, np.nan), np.asarray(lf, float),
                       DEADBAND_MW)
    return model, tab


def _c12(tab):
    ctx = types.SimpleNamespace(flow={"device": tab}, study=types.SimpleNamespace(model=None),
                                base_of={}, export_text=lambda s: f"in {s}")
    return controlled_rows(ctx)


def _ieee37_watches(model):
    return [*dss_watches(model), DssWatch("head", "relay", "line.l35", 1)]


def test_open_delta_winding_is_judged_on_its_own_power(ieee37_master):
    """No V2G, peak and 0.3 load: reg1a carries its load forward (OpenDSS: Σ of its
    terminal-1 conductors > 0) while conductor b's power to ground is negative. Not reverse,
    no C12 row (the old per-conductor judgement: "reverse power (phase b, up to 0.082 MW)",
    a pre-existing failure that made F10 "made worse by V2G")."""
    model, tab = _flow(ieee37_master, (), _ieee37_watches, [1.0, 0.3], np.zeros((0, 2)))
    assert reverse_basis(model, "transformer.reg1a", 1) == "terminal"
    assert reverse_basis(model, "line.l35", 1) == "terminal"     # 3-wire, no ground path
    reg = tab[tab.device == "REG:reg1a"].set_index("scenario")
    for k, lm in enumerate((1.0, 0.3)):
        ref = _terminal_kw(_own_run(ieee37_master, [], lm), "transformer.reg1a")
        assert ref.sum() > 200.0 and ref.min() < -10.0       # forward; one term negative
        row = reg.loc[f"s{k}"]
        assert row.p_mw == pytest.approx(ref.sum() / 1e3, rel=2e-3)
        assert row.pb_mw < -DEADBAND_MW                        # what the old code judged
        assert row.reverse_basis == "terminal"
        assert not row.reverse_flow and row.reverse_phases == ""
    assert not tab.reverse_flow.any()
    assert _c12(tab).empty


def test_open_delta_reverse_margin_is_the_windings_power(ieee37_master):
    """Peak load, 2.5 MW exported at 701 (3-phase, delta): reg1a's winding reverses; the C12
    margin is its terminal power, as OpenDSS's own run gives it (the old code took conductor
    b's −0.51 MW against the winding's −0.43 MW). The 3-wire head line L35 at 2.3 MW export
    still carries +0.2 MW forward while conductor b's term is negative: not reverse."""
    sites = [DssFlowSite("v2g", "701", "abc")]
    model, tab = _flow(ieee37_master, sites, _ieee37_watches, [1.0, 1.0],
                       np.array([[2.5, 2.3]]))
    cmds = ["new load.ind bus1=701.1.2.3 phases=3 kv=4.8 kw={} pf=1 model=1 status=fixed "
            "conn=delta"]
    ref = _own_run(ieee37_master, [cmds[0].format(-2500.0)], 1.0)
    p_reg_kw = _terminal_kw(ref, "transformer.reg1a")
    assert p_reg_kw.sum() < -100.0 and p_reg_kw.max() > 0.0   # winding reverse, a term forward
    reg = tab[(tab.device == "REG:reg1a") & (tab.scenario == "s0")].iloc[0]
    assert reg.reverse_flow and reg.reverse_phases == "ab"
    assert reg.p_mw == pytest.approx(p_reg_kw.sum() / 1e3, rel=5e-3)
    rows = _c12(tab)
    row = rows[(rows.device == "REG:reg1a") & (rows.scenario == "s0")].iloc[0]
    assert row.margin == pytest.approx(p_reg_kw.sum() / 1e3, rel=5e-3)
    assert "winding a-b" in row.message and "phase b" not in row.message
    ref2 = _own_run(ieee37_master, [cmds[0].format(-2300.0)], 1.0)
    p_l35_kw = _terminal_kw(ref2, "line.l35")
    assert p_l35_kw.sum() > 100.0 and p_l35_kw.min() < -10.0
    head = tab[(tab.device == "head") & (tab.scenario == "s1")].iloc[0]
    assert head.p_mw == pytest.approx(p_l35_kw.sum() / 1e3, rel=5e-3)
    assert head.direction == "forward" and not head.reverse_flow


WYE_BANK = """Clear
New Circuit.wyebank basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=2000
New Transformer.reg phases=3 windings=2 buses=(src.1.2.3.0 rg.1.2.3.0) conns=(wye wye)
~ kvs=(12.47 12.47) kvas=(5000 5000) XHL=1 %loadloss=0.01
New RegControl.creg transformer=reg winding=2 vreg=122 band=2 ptratio=60
New Line.l1 bus1=rg.1.2.3 bus2=b.1.2.3 phases=3 length=1 units=km r1=0.1 x1=0.3 r0=0.3 x0=0.9
New Load.la bus1=b.1 phases=1 kv=7.2 kw=300 pf=0.95
New Load.lb bus1=b.2 phases=1 kv=7.2 kw=300 pf=0.95
New Load.lc bus1=b.3 phases=1 kv=7.2 kw=300 pf=0.95
Set voltagebases=[12.47]
Calcvoltagebases
"""


def test_wye_bank_keeps_per_unit_judgement(tmp_path):
    """A wye-grounded three-phase regulator (three line-to-neutral units in one element): a
    single-phase fleet on phase a exporting 600 kW against 300 kW of phase-a load reverses
    unit a while the bank's total stays forward. Judged per unit: reverse, phase a, margin =
    unit a's power as OpenDSS gives it (behaviour kept from before the fix)."""
    master = tmp_path / "wyebank.dss"
    master.write_text(WYE_BANK)
    model, tab = _flow(master, [DssFlowSite("homes", "b", "a")], dss_watches, [1.0],
                       np.array([[0.6]]))
    assert reverse_basis(model, "transformer.reg", 1) == "phase"
    ref = _own_run(master, ["new load.ind bus1=b.1 phases=1 kv=7.2 kw=-600 pf=1 model=1 "
                            "status=fixed"], 1.0)
    p_kw = _terminal_kw(ref, "transformer.reg")[:3]
    assert p_kw[0] < -100.0 and p_kw.sum() > 100.0
    reg = tab[tab.device == "REG:reg"].iloc[0]
    assert reg.reverse_basis == "phase" and reg.direction == "forward"
    assert reg.reverse_flow and reg.reverse_phases == "a"
    row = _c12(tab).iloc[0]
    assert row.margin == pytest.approx(p_kw[0] / 1e3, rel=5e-3)
    assert "phase a" in row.message


def test_reversal_under_the_controls_sense_threshold_is_information(tmp_path):
    """Review rev35b W1 (IEEE 123's reg4a "reverse power 0.002 MW … caused by V2G" failed the
    gate on 0.75 A of active current through a 300 A CT). The wye bank's unit a with 302 kW of
    phase-a export against its 300 kW load reverses by about 2 kW: an active current (OpenDSS's
    own −P/|V|) far under 1 % of the control's CT primary (OpenDSS default ``CTprim`` 300 A),
    no reversal the control sees (Eaton CL-7 FC 57: 1–5 %) → ``info`` with the figures. At
    600 kW (≈ 42 A, 14 %) the row keeps its mode's status (forward-locked, no LDC: warn)."""
    from protv2g.checks.regulator_text import REVERSE_SENSE_MIN_FRACTION
    from protv2g.violations import CheckStatus

    master = tmp_path / "wyebank.dss"
    master.write_text(WYE_BANK)
    model, tab = _flow(master, [DssFlowSite("homes", "b", "a")], dss_watches, [1.0, 1.0],
                       np.array([[0.302, 0.6]]))
    assert model.controls.set_index("name").at["regcontrol.creg", "ct_primary_a"] == \
        pytest.approx(300.0)
    ref = _own_run(master, ["new load.ind bus1=b.1 phases=1 kv=7.2 kw=-302 pf=1 model=1 "
                            "status=fixed"], 1.0)
    p_a_kw = _terminal_kw(ref, "transformer.reg")[0]
    ref.Circuit.SetActiveBus("src")
    v_a_kv = ref.Bus.VMagAngle()[0] / 1e3
    i_rev_a = -p_a_kw / v_a_kv
    assert 0.0 < i_rev_a < REVERSE_SENSE_MIN_FRACTION * 300.0
    ctx = types.SimpleNamespace(flow={"device": tab}, study=types.SimpleNamespace(model=model),
                                base_of={}, export_text=lambda s: f"in {s}")
    rows = controlled_rows(ctx).set_index("scenario")
    assert rows.at["s0", "status"] == CheckStatus.INFO.value
    assert f"{i_rev_a:.2f} A" in rows.at["s0", "message"]
    assert "CT primary 300 A" in rows.at["s0", "message"]
    assert rows.at["s1", "status"] == CheckStatus.WARN.value


LTC = """Clear
New Circuit.ltc basekv=69 pu=1.0 phases=3 bus1=src MVAsc3=1500 MVAsc1=1200
New Transformer.sub phases=3 windings=2 buses=(src, lsb) conns=(delta, wye) kvs=(69, 12.47)
~ kvas=(5000, 5000) xhl=8 %r=0.5 maxtap=1.1 mintap=0.9
New RegControl.sub_ltc transformer=sub winding=2 vreg=122 band=2 ptratio=60 ctprim=300 R=3 X=6
New Linecode.ug nphases=3 r1=0.2 x1=0.4 r0=0.6 x0=1.2 units=km
New Line.l1 bus1=lsb bus2=b1 linecode=ug length=2 units=km
New Line.l2 bus1=b1 bus2=b2 linecode=ug length=2 units=km
New Load.ld1 bus1=b1 phases=3 kv=12.47 kw=500 pf=0.95 model=1
New Load.ld2 bus1=b2 phases=3 kv=12.47 kw=500 pf=0.95 model=1
Set voltagebases=(69, 12.47)
Calcv
"""


def test_a_substation_ltcs_reversal_is_measured_at_its_regulated_winding(tmp_path):
    """Review ver35 (after rev35b W1's 1 % rule): a 69/12.47 kV LTC regulating its 12.47 kV
    winding (CTprim 300 A there) is watched on its 69 kV terminal; its 200 kW reversal read
    1.67 A = 0.56 % of the CT (info) where the LV CT carries ≈ 9 A = 3 % (OpenDSS): the
    control sees it. The current is now taken at the regulated winding's kV: 500 kW export
    against 300 kW of load (0.3 × 1 MW) → about 3 % → the mode's status (forward-locked with
    LDC: fail), and 330 kW export (≈ 30 kW reverse, ≈ 0.5 %) → info."""
    from protv2g.violations import CheckStatus

    master = tmp_path / "ltc.dss"
    master.write_text(LTC)
    model, tab = _flow(master, [DssFlowSite("depot", "b2", "abc")], dss_watches, [0.3, 0.3],
                       np.array([[0.5, 0.33]]))
    ref = _own_run(master, ["new load.ind bus1=b2.1.2.3 phases=3 kv=12.47 kw=-500 pf=1 "
                            "model=1 status=fixed conn=delta"], 0.3)
    p_lv_kw = _terminal_kw(ref, "transformer.sub", 2)[:3].sum()
    ref.Circuit.SetActiveBus("lsb")
    v_ll_kv = np.sqrt(3) * np.mean(ref.Bus.VMagAngle()[0:6:2]) / 1e3
    i_lv_a = abs(p_lv_kw) / (np.sqrt(3) * v_ll_kv)       # the LV CT's active current
    assert i_lv_a > 0.01 * 300.0
    ctx = types.SimpleNamespace(flow={"device": tab}, study=types.SimpleNamespace(model=model),
                                base_of={}, export_text=lambda s: f"in {s}")
    rows = controlled_rows(ctx).set_index("scenario")
    assert rows.at["s0", "status"] == CheckStatus.FAIL.value
    assert rows.at["s1", "status"] == CheckStatus.INFO.value
    assert "of its CT primary 300 A" in rows.at["s1", "message"]


def test_reverse_text_says_what_the_flow_showed():
    """Review rev33c W6: the hosting text said "generation already on the feeder" of IEEE 37,
    which has none; it says what it saw: the flow without export already reverses it."""
    text = reverse_power_text({"criterion": "C12", "margin_unit": "MW", "margin": -0.0121,
                               "base_margin": -0.0109}, 6.88)
    assert "generation" not in text
    assert text.startswith("reverse power 10.9 kW without V2G (the flow at this load, with no "
                           "export, already reverses it) and 12.1 kW at 6.88 kW export")


def test_two_reversed_units_are_given_phase_by_phase(tmp_path):
    """Review rev45a M5 (IEEE 123's reg1a: "reverse power (phase ab, up to 0.081 MW)", the
    0.081 MW being the three phases' net while the reversed units carried 49.7 and 47.1 kW):
    the wye bank with phase c's load cut to 100 kW and two single-phase fleets of 600 kW on a
    and b reverses units a and b (OpenDSS ≈ −300 kW each) with c forward: the message gives
    each reversed phase's kW, the largest on one phase and the net over the phases, each
    named, and no "up to"; the margin stays the larger of the net's and the unit's."""
    master = tmp_path / "wyebank.dss"
    master.write_text(WYE_BANK.replace("kw=300 pf=0.95\nSet", "kw=100 pf=0.95\nSet")
                      .replace("New Load.lc bus1=b.3 phases=1 kv=7.2 kw=300",
                               "New Load.lc bus1=b.3 phases=1 kv=7.2 kw=100"))
    model, tab = _flow(master, [DssFlowSite("ha", "b", "a"), DssFlowSite("hb", "b", "b")],
                       dss_watches, [1.0], np.array([[0.6], [0.6]]))
    ref = _own_run(master, [f"new load.i{p} bus1=b.{n} phases=1 kv=7.2 kw=-600 pf=1 model=1 "
                            "status=fixed" for n, p in ((1, "a"), (2, "b"))], 1.0)
    p_kw = _terminal_kw(ref, "transformer.reg")[:3]
    assert p_kw[0] < -100 and p_kw[1] < -100 and p_kw[2] > 50   # OpenDSS: a, b reversed
    net_kw = -p_kw.sum()
    assert net_kw > max(-p_kw[0], -p_kw[1])                     # the net exceeds either unit
    row = _c12(tab).iloc[0]
    msg = str(row.message)
    assert "up to" not in msg, msg
    m = re.search(r"reversed on phase a ([\d,.]+) kW and phase b ([\d,.]+) kW; the most on "
                  r"one phase ([\d,.]+) kW; ([\d,.]+) kW reversed net over its phases", msg)
    assert m, msg
    a_kw, b_kw, top_kw, n_kw = (float(x.replace(",", "")) for x in m.groups())
    assert a_kw == pytest.approx(-p_kw[0], rel=5e-3)
    assert b_kw == pytest.approx(-p_kw[1], rel=5e-3)
    assert top_kw == pytest.approx(max(-p_kw[0], -p_kw[1]), rel=5e-3)
    assert n_kw == pytest.approx(net_kw, rel=5e-3)
    assert -row.margin * 1e3 == pytest.approx(net_kw, rel=5e-3)
