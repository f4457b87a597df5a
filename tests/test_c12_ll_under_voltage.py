"""C12 under-voltage on a feeder with no ground path: IEEE 37 (4.8 kV delta, 3-wire).

Review rev40b W1: OpenDSS on the model as shipped (its snapshot, init's "peak", regulators
solved, reg1a at its 1.10 boost limit) gives line-to-line voltages of 0.923 pu at 799 and
0.944 pu at 740 — under ANSI C84.1 Range A's 0.95 pu — and protv2g wrote no under-voltage row,
warning or info: ``checks/flow_low.py`` left out every bus with no path to ground, and the flow
table kept only the largest line-to-line voltage. On a 3-wire system the service voltage is
line to line (ANSI C84.1-2020, Table 1 gives 3-wire systems' ranges line to line); the
phase-to-ground voltages of such a bus float (799's phase a 0.871 pu) and are no service
voltage.

References (nothing here is computed by protv2g): OpenDSS itself in a fresh ``opendssdirect``
context — the shipped master compiled, its own regulator controls solved, the charging sites
as constant-power delta loads (campus 640 kW three-phase at 740, homes 138.24 kW between
phases b and c at 736: the expected participation's charging at the study's chargers), the
line-to-line magnitudes |Va − Vb|, |Vb − Vc|, |Vc − Va| / 4.8 kV. Measured there: 799 0.9232
/ 740 0.9442 pu without charging, 0.9069 / 0.9010 pu with it.
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from tests.conftest import need_dss_master

CAMPUS_KW, HOMES_KW = 640.0, 138.24  # 8 × 80 kW and 19.2 × 7.2 kW (expected participation)

STUDY = """name: ieee37-uv
feeder:
  opendss: 37Bus/ieee37.dss
  adopt_devices: false
devices:
  - {name: head, kind: relay, location: {line: l35, end: from}, pickup_a: 730,
     curve: IEEE-MI, time_dial: 0.5, interrupting_rating_ka: 12.5}
v2g_sites:
  - {name: campus, bus: '740', n_chargers: 10, p_charger_kw: 80}
  - {name: homes, bus: '736', phases: 1, phase: bc, n_chargers: 24, p_charger_kw: 7.2}
scenarios:
  export_levels_fraction: [0.0]
  participation: [expected]
  load_levels: [peak]
faults:
  method: iec60909
no_fuses_or_reclosers: true
"""


@pytest.fixture(scope="module")
def master(shared_dir):
    return need_dss_master(shared_dir / "feeders" / "opendss" / "37Bus" / "ieee37.dss")


def _opendss_ll(master, charging: bool, top: bool = False) -> dict[str, np.ndarray]:
    """OpenDSS's line-to-line magnitudes (pu of 4.8 kV) at 799 and 740 (module docstring);
    ``top``: every regulated winding set to its MaxTap before the solve, the controls acting
    (asserted a rest point of every RegControl: no tap moves)."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command(f'compile "{master}"')
    if charging:
        dss.Text.Command(f"new load.campus bus1=740.1.2.3 phases=3 conn=delta kv=4.8 "
                         f"kw={CAMPUS_KW} pf=1 model=1 vminpu=0.5 status=fixed")
        dss.Text.Command(f"new load.homes bus1=736.2.3 phases=1 conn=delta kv=4.8 "
                         f"kw={HOMES_KW} pf=1 model=1 vminpu=0.5 status=fixed")
    dss.Text.Command("set maxcontroliter=100")
    regs = []
    if top:
        i = dss.RegControls.First()
        while i:
            regs.append((dss.RegControls.Transformer(), dss.RegControls.Winding()))
            i = dss.RegControls.Next()
        for t, w in regs:
            dss.Transformers.Name(t)
            dss.Transformers.Wdg(w)
            dss.Transformers.Tap(dss.Transformers.MaxTap())
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    for t, w in regs:
        dss.Transformers.Name(t)
        dss.Transformers.Wdg(w)
        assert dss.Transformers.Tap() == pytest.approx(dss.Transformers.MaxTap())
    out = {}
    for b in ("799", "740"):
        dss.Circuit.SetActiveBus(b)
        v = np.asarray(dss.Bus.Voltages())
        v = v[0::2] + 1j * v[1::2]
        out[b] = np.abs(v - np.roll(v, -1)) / 4800.0
    return out


def test_flow_table_lowest_line_to_line_matches_opendss(master):
    """Fails on the old code (no ``vm_ll_min_pu``; ``vm_ll_pu`` was the largest only)."""
    from protv2g.flow.opendss import DssFlowEngine, DssFlowSite
    from protv2g.flow.opendss_tables import bus_table
    from protv2g.network.dss_model import load_dss_model

    model = load_dss_model(master)
    eng = DssFlowEngine(model, [DssFlowSite("campus", "740"),
                                DssFlowSite("homes", "736", "bc", True)])
    arr = eng.solve(np.array([1.0, 1.0]),
                    np.array([[0.0, -CAMPUS_KW / 1e3], [0.0, -HOMES_KW / 1e3]]))
    assert arr.converged.all()
    tab = bus_table(model, arr.v_v, np.array([0, 0]), np.array(["base", "charging"], object),
                    np.array([0, 0]), np.array([np.nan, np.nan]))
    for charging in (False, True):
        ref = _opendss_ll(master, charging)
        at = tab[tab.scenario == ("charging" if charging else "base")].set_index("bus_name")
        for b in ("799", "740"):
            assert at.at[b, "vm_ll_min_pu"] == pytest.approx(ref[b].min(), abs=1e-3)
            assert at.at[b, "vm_ll_max_pu"] == pytest.approx(ref[b].max(), abs=1e-3)
        assert ref["740"].min() < 0.95 - 1e-3  # the premise, in OpenDSS
        # 799's floating phase a (0.871 pu at peak) is no service voltage: far from both
        assert at.at["799", "vm_a_pu"] < ref["799"].min() - 0.03


def test_c12_judges_the_lowest_line_to_line_voltage_on_ieee37(master, tmp_path):
    """Fails on the old code (no C12 under-voltage row at all on IEEE 37): 799 pre-existing at
    peak, 740 made worse by charging, both line to line, at OpenDSS's figures (740 with the
    charging's drop from the regulators' highest rest point, :mod:`protv2g.checks.
    flow_tap_path`)."""
    from protv2g import load_study
    from protv2g.checks.flow_limit import LINE_TO_LINE_TEXT
    from protv2g.checks.flow_low import UNDER_VOLTAGE
    from protv2g.runner import run_study

    shutil.copytree(master.parent, tmp_path / "37Bus")
    shutil.copy(master.parent.parent / "IEEELineCodes.DSS", tmp_path / "IEEELineCodes.DSS")
    (tmp_path / "study.yaml").write_text(STUDY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(load_study(tmp_path / "study.yaml"), hosting=False, staged=False)
    v = result.violations
    low = v[(v.criterion == "C12") & (v.mechanism == UNDER_VOLTAGE)].set_index(
        ["scenario", "fault_bus"])
    base, charging = _opendss_ll(master, False), _opendss_ll(master, True)
    peak = low.loc[("base/peak", "799")]
    assert 0.95 + peak.margin == pytest.approx(base["799"].min(), abs=1e-3)  # 0.9232
    assert LINE_TO_LINE_TEXT in peak.message
    row = low.loc[("charging/expected", "740")]
    # judged at the conservative end of where in their band the regulators rest (review
    # rev43a M11, checks.flow_tap_path): without charging both regulators rest at 1.10 too
    # (740 at 0.9489, OpenDSS), with it 1.10 is their only rest point (0.9010): the drop
    # from there, 0.0479, taken from the base case's 0.9442 — 0.8964, not 0.9010 (the
    # drop from reg1c's settled 1.0875, 0.0432)
    top = _opendss_ll(master, False, top=True)
    drop = top["740"].min() - charging["740"].min()
    assert drop > base["740"].min() - charging["740"].min() + 0.004
    assert 0.95 + row.margin == pytest.approx(base["740"].min() - drop, abs=1e-3)  # 0.8964
    assert row.status == "fail" and LINE_TO_LINE_TEXT in row.message
    assert row.attribution == "worse"  # 0.9442 without charging: it fails there too
    info = v[(v.criterion == "C12") & (v.status == "info")]
    assert not info.message.str.startswith("under-voltage not judged").any()
