"""An ungrounded feeder that only the project's grounded-wye / delta transformer grounds (review
rev42b W1, F2): IEEE 37 (Δ–Δ substation, 4.8 kV, nothing grounded) with site G behind its own
``xgd`` (grounded wye on the feeder at 708, delta on the site).

Before the fix the "no path to ground" decision was made once, on the model **with** ``xgd``,
for every scenario — also the base case, where ``xgd`` is out and the feeder is ungrounded:
C5 failed F-L26 "pre-existing" on 2 A SLG rows instead of its ungrounded-system info row, and
C12 judged the substation's delta bus 799 phase to ground (0.871 pu, the floating reference of
an ungrounded model) instead of line to line (0.923 pu). validate said nothing of a 51G / 67N
given on the head relay, which can never operate on today's feeder.

References (nothing here computed by protv2g): OpenDSS itself in a fresh ``opendssdirect``
context on the shipped master —
* loads and controls off, the regulators' taps at 1.0 (as protv2g's fault study holds them),
  ``xgd`` (as in the study's redirect) disabled: a bolted SLG at 728 (F-L26's zone) draws
  2.4 A (the lines' charging current; protv2g's maximum case multiplies by IEC 60909's
  c = 1.1); with ``xgd`` in, 1.6 kA at 741 (review rev42b: 1,431 A bolted at 741);
* the shipped snapshot (regulators solved, no ``xgd``): 799's lowest line-to-line voltage
  0.9232 pu (the test of ``test_c12_ll_under_voltage.py`` reads the same figure).
IEEE Std 142-2007 §1.4 (ungrounded systems: ground faults detected by voltage; recalled).
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from tests.conftest import need_dss_master

XGD = ("New Transformer.xgd phases=3 windings=2 buses=[708 sg] conns=[wye delta] "
       "kvs=[4.8 0.48] kvas=[1000 1000] xhl=5.75 %r=0.5\n")
STUDY = """name: ieee37-xgd
feeder:
  opendss: 37Bus/ieee37.dss
  redirects: [xgd.dss]
  adopt_devices: false
devices:
  - name: head
    kind: relay
    location: {line: l35, end: from}
    pickup_a: 740
    curve: IEEE-MI
    time_dial: 0.5
    ground_pickup_a: 30
    ground_curve: IEEE-MI
    ground_time_dial: 0.5
    interrupting_rating_ka: 12.5
  - {name: F-L26, kind: fuse, location: {line: l26, end: from}, link: 40K,
     interrupting_rating_ka: 8}
v2g_sites:
  - {name: siteG, bus: sg, model_transformer: xgd, n_chargers: 10, p_charger_kw: 60}
scenarios:
  export_levels_fraction: [1.0]
  participation: [firm]
  load_levels: [peak]
faults:
  method: iec60909
  r_fault_min_ohm: 20
"""


@pytest.fixture(scope="module")
def master(shared_dir):
    return need_dss_master(shared_dir / "feeders" / "opendss" / "37Bus" / "ieee37.dss")


@pytest.fixture(scope="module")
def study_file(master, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ieee37_xgd")
    shutil.copytree(master.parent, folder / "37Bus")
    shutil.copy(master.parent.parent / "IEEELineCodes.DSS", folder / "IEEELineCodes.DSS")
    (folder / "xgd.dss").write_text(XGD + 'Set VoltageBases="230,4.8,0.48"\nCalcVoltageBases\n')
    (folder / "study.yaml").write_text(STUDY)
    return folder / "study.yaml"


@pytest.fixture(scope="module")
def result(study_file):
    from protv2g import load_study
    from protv2g.runner import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(load_study(study_file), hosting=False, staged=False)


def _opendss(master, xgd: bool, fault: str | None = None, r_ohm: float = 1e-4) -> dict:
    """OpenDSS on the shipped master (module docstring): the SLG current (A) of a bolted
    ``fault`` (a bus's phase 1; loads and controls off), else the snapshot's line-to-line
    magnitudes at 799 (pu of 4.8 kV)."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command(f'compile "{master}"')
    if xgd:
        dss.Text.Command(XGD.strip())
    if fault is None:
        dss.Text.Command("set maxcontroliter=100")
        dss.Solution.Solve()
        assert dss.Solution.Converged()
        dss.Circuit.SetActiveBus("799")
        v = np.asarray(dss.Bus.Voltages())
        v = v[0::2] + 1j * v[1::2]
        return {"ll_pu": np.abs(v - np.roll(v, -1)) / 4800.0}
    for name in dss.Loads.AllNames():
        dss.Text.Command(f"Load.{name}.enabled=no")
    dss.Text.Command("Set controlmode=off")
    for reg in ("reg1a", "reg1c"):  # taps at 1.0, as protv2g's fault study holds them
        dss.Text.Command(f"Transformer.{reg}.Taps=[1 1]")
    dss.Text.Command(f"New Fault.f phases=1 bus1={fault}.1 r={r_ohm}")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("Fault.f")
    i_a = float(dss.CktElement.CurrentsMagAng()[0])
    dss.Circuit.SetActiveElement("Line.l35")
    c = np.asarray(dss.CktElement.Currents())[:6]
    dss.Circuit.SetActiveBus("799r")  # the head's terminal: V0 in pu of 4.8/√3 kV
    v = np.asarray(dss.Bus.Voltages())[:6]
    v0_pu = abs((v[0::2] + 1j * v[1::2]).sum()) / 3.0 / (4800.0 / np.sqrt(3.0))
    return {"i_a": i_a, "head_3i0_a": float(abs((c[0::2] + 1j * c[1::2]).sum())),
            "v0_pu": float(v0_pu)}


def test_base_case_ground_faults_are_the_ungrounded_info_rows(result, master):
    """Fails on the old code: F-L26 failed C5 "pre-existing" on 2 A SLG rows in base/peak."""
    from protv2g.checks.reach_ungrounded import UNGROUNDED_RULE

    v = result.violations
    c5 = v[(v.criterion == "C5") & (v.device == "F-L26")]
    base = c5[c5.scenario == "base/peak"]
    info = base[base.rule.astype(str) == UNGROUNDED_RULE]
    assert len(info) == 1
    i_ungrounded = _opendss(master, xgd=False, fault="728")["i_a"]
    assert 1.0 < i_ungrounded < 5.0  # the premise: charging current only
    # the base case's SLG current at the fuse's buses (IEC 60909 max, c = 1.1), not xgd's kA
    assert float(info.i_device_a.iloc[0]) == pytest.approx(1.1 * i_ungrounded, rel=0.05)
    kind = base.fault_kind if "fault_kind" in base else base.fault_type
    ground = kind.astype(str).str.startswith(("SLG", "LLG"))
    assert not (ground & (base.status == "fail")).any()
    # with the project xgd grounds the feeder: its SLG faults are judged (caused by it)
    assert _opendss(master, xgd=True, fault="741")["i_a"] > 1000.0
    v2g = c5[c5.scenario != "base/peak"]
    assert not (v2g.rule.astype(str) == UNGROUNDED_RULE).any()


def test_base_case_799_judged_line_to_line(result, master):
    """Fails on the old code: base/peak 799 judged phase to ground (0.871 pu)."""
    from protv2g.checks.flow_low import UNDER_VOLTAGE

    v = result.violations
    low = v[(v.criterion == "C12") & (v.mechanism == UNDER_VOLTAGE)].set_index(
        ["scenario", "fault_bus"])
    ref = _opendss(master, xgd=False)["ll_pu"]
    assert 0.95 + low.loc[("base/peak", "799")].margin == pytest.approx(ref.min(), abs=1e-3)


def test_validate_warns_of_a_ground_element_that_never_operates(study_file):
    """Fails on the old code (no such warning)."""
    import yaml

    from protv2g import load_study
    from protv2g.study.dss_ground_relays import ungrounded_ground_element_warnings
    from protv2g.study.plausibility import plausibility_warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(study_file)
    found = [w for w in plausibility_warnings(study) if "can never operate" in w.message]
    assert len(found) == 1 and "head" in found[0].message and "51G" in found[0].message
    assert "'799r'" in found[0].message and "xgd (YNd)" in found[0].message
    # no ground element given: no warning
    doc = yaml.safe_load(STUDY)
    for k in ("ground_pickup_a", "ground_curve", "ground_time_dial"):
        doc["devices"][0].pop(k)
    plain = study_file.parent / "plain.yaml"
    plain.write_text(yaml.safe_dump(doc))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ungrounded_ground_element_warnings(load_study(plain)) == []


def _opendss_799r(master, r_ohm: float) -> dict:
    """OpenDSS, ``xgd`` in, loads and controls off, taps 1.0: an SLG-a at 799r through
    ``r_ohm`` — the fault's current, the substation transformer's 4.8 kV line currents and the
    head's phase currents and 3I0 (A)."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command(f'compile "{master}"')
    dss.Text.Command(XGD.strip())
    for name in dss.Loads.AllNames():
        dss.Text.Command(f"Load.{name}.enabled=no")
    dss.Text.Command("Set controlmode=off")
    for reg in ("reg1a", "reg1c"):
        dss.Text.Command(f"Transformer.{reg}.Taps=[1 1]")
    dss.Text.Command(f"New Fault.f phases=1 bus1=799r.1 r={r_ohm}")
    dss.Solution.Solve()

    def currents(element: str) -> np.ndarray:
        dss.Circuit.SetActiveElement(element)
        c = np.asarray(dss.CktElement.Currents())
        return c[0::2] + 1j * c[1::2]

    sub = np.abs(currents("Transformer.subxf")[4:7])  # its 4.8 kV terminal (4 conductors)
    head = currents("Line.l35")[:3]
    return {"i_fault_a": float(np.abs(currents("Fault.f")[0])), "sub_a": sub,
            "head_3i0_a": float(abs(head.sum())), "head_a": np.abs(head)}


def test_a_substation_bus_fault_only_the_project_grounds_is_a_finding(result, master):
    """Fails on the old code (review rev42b W2: C9 took the 799r SLG as cleared in 0.5 s by
    the unmodelled substation protection; no C5 row said the Δ–Δ substation sees no 3I0 and
    only ~2/3 of the fault current on one phase)."""
    from protv2g.checks.project_equipment import EQUIPMENT
    from protv2g.checks.reach_project_ground import PROJECT_GROUND_RULE, SUBSTATION_SHARE

    v = result.violations
    rows = v[(v.criterion == "C5") & (v.rule.astype(str) == PROJECT_GROUND_RULE)]
    assert set(rows.scenario) == {"firm/peak/100%"}  # the one fault scenario with V2G
    assert (rows.status == "warn").all() and (rows.attribution == EQUIPMENT).all()
    assert set(rows.fault_bus.astype(str)) <= {"799", "799r"}
    bolted, r20 = _opendss_799r(master, 1e-4), _opendss_799r(master, 20.0)
    # the premise, in OpenDSS: the substation's faulted phase carries 2/3 of the fault
    # current and the head carries zero sequence only (I0 in each phase)
    for ref in (bolted, r20):
        assert ref["sub_a"].max() == pytest.approx(SUBSTATION_SHARE * ref["i_fault_a"],
                                                   rel=0.01)
        assert ref["head_3i0_a"] == pytest.approx(ref["i_fault_a"], rel=0.01)
        assert ref["head_a"] == pytest.approx(np.full(3, ref["i_fault_a"] / 3), rel=0.02)
    assert bolted["i_fault_a"] > 2000.0  # 2,255.8 A (review rev42b)
    # the row's figure: 2/3 of the minimum-case SLG (20 Ω) at the bus, OpenDSS's 134.9 A
    row = rows.iloc[0]
    assert float(row.i_device_a) == pytest.approx(SUBSTATION_SHARE * r20["i_fault_a"],
                                                  rel=0.03)
    assert "unmodelled_clearing_time_s" in row.message and "xgd (YNd)" in row.message


def test_the_heads_blind_ground_rows_name_what_detects_the_fault(result, master):
    """Fails on the old code (review rev42b M2: the remedy offered "a more sensitive setting
    of head (its ground pickup …)", which cannot help: the head's 3I0 is 0 with or without
    the project)."""
    v = result.violations
    rows = v[(v.criterion == "C5") & (v.device == "head") & (v.status == "fail")
             & (v.scenario != "base/peak")]  # the V2G rows (the base: info)
    kind = rows.fault_type.astype(str)
    ground = rows[kind.str.startswith(("SLG", "LLG"))]
    assert len(ground)
    assert ground.message.str.contains("no ground setting of head helps").all()
    assert ground.message.str.contains("59N").all()
    assert not ground.message.str.contains("its ground pickup").any()
    ref = _opendss(master, xgd=True, fault="741")
    assert ref["i_a"] > 1000.0 and ref["head_3i0_a"] < 0.1  # OpenDSS: 1,431 A, head 0.0 A
    assert float(ground.i_device_a.max()) < 1.0


def test_799_is_judged_line_to_line_with_the_project_too(result, master):
    """ver42 W: with the project 799 was judged phase to ground (its base line to line), so its
    C12 rows read "made worse by V2G" comparing two different voltages though the export
    raises 799. The loads of the ungrounded feeder are connected line to line; xgd changes
    the ground-fault currents, not the service voltage: 799 is judged line to line in every
    scenario, and with the project it is the line-to-line voltage OpenDSS solves with xgd in
    and the site exporting (its 600 kW as a pf-1 generator at sg, the site's LV bus)."""
    import opendssdirect

    buses = result.flow.buses
    at = buses[buses.bus_name.astype(str) == "799"]
    assert len(at) >= 2 and at.vm_ll_min_pu.notna().all()
    v = result.violations
    rows = v[(v.criterion == "C12") & (v.fault_bus.astype(str) == "799")]
    # the export rows (the site's charging lowers 799: "worse" is right there)
    v2g = rows[rows.scenario.astype(str).str.contains("%")]
    assert len(v2g) and not (v2g.attribution.astype(str) == "worse").any(), v2g[
        ["scenario", "margin", "attribution"]]
    dss = opendssdirect.NewContext()
    dss.Text.Command(f'compile "{master}"')
    dss.Text.Command(XGD.strip())
    dss.Text.Command("New Generator.g bus1=sg phases=3 kv=0.48 kw=600 pf=1 model=1")
    dss.Text.Command("set maxcontroliter=100")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    dss.Circuit.SetActiveBus("799")
    volts = np.asarray(dss.Bus.Voltages())
    volts = volts[0::2] + 1j * volts[1::2]
    ll_min = float((np.abs(volts - np.roll(volts, -1)) / 4800.0).min())
    base = rows[rows.scenario.astype(str) == "base/peak"]
    # the export row judges the line-to-line voltage OpenDSS solves (its bus 799 alone)
    alone = v2g[v2g.buses.astype(str) == "799"]
    assert len(alone) == 1
    assert 0.95 + float(alone.margin.iloc[0]) == pytest.approx(ll_min, abs=2e-3)
    assert len(base) == 1


def test_the_heads_ground_rows_are_the_equipments_the_ynd_grounds_the_feeder(
        result, master, study_file):
    """Review ver43 W-m1 (reversing mend43's reading of rev42b M1): behind the Δ–Δ substation
    the head sees no 3I0 of a ground fault on the feeder with or without the project, but
    without the project the fault is an ungrounded system's — 2.6 A of charging current,
    detected by the substation's 59N on full V0, **not judged** by C5 (its info row) — and
    with site G's YNd ``xgd`` it is a 20 Ω fault of ~130 A fed through ``xgd``'s neutral,
    which nothing on the feeder sees and which leaves the 59N V0 ≈ 0.02 pu. The base case's
    "twin" is not judged, never a failing twin: the head's ground rows are caused by the
    project's equipment, their message says so in protection terms, and the gate fails on
    them. OpenDSS (fresh context, loads and controls off, taps 1.0), SLG-a at 736 through
    20 Ω: fault current, head 3I0 and V0 at 799r without and with ``xgd``. Fails on the old
    code (attribution ``pre-existing``, a base margin −1.5 built from the base device table,
    gate line ``condition:``)."""
    from protv2g import load_study
    from protv2g.checks.project_equipment import EQUIPMENT
    from protv2g.findings_attribution import finding_attribution
    from protv2g.gate import gate_verdict

    without = _opendss(master, False, "736", 20.0)
    with_xgd = _opendss(master, True, "736", 20.0)
    assert without["i_a"] < 5.0 and with_xgd["i_a"] > 100.0  # 2.6 A; ~130 A through xgd
    assert without["head_3i0_a"] < 0.1 and with_xgd["head_3i0_a"] < 0.1
    assert without["v0_pu"] > 0.95 and with_xgd["v0_pu"] < 0.05
    v = result.violations
    c5 = v[(v.criterion == "C5") & (v.device == "head") & (v.status == "fail")
           & (v.scenario != "base/peak")]
    ground = c5[c5.fault_type.astype(str).str.startswith(("SLG", "LLG"))]
    assert len(ground) and (ground.attribution == EQUIPMENT).all()
    assert ground.base_margin.isna().all()  # no twin: the base case does not judge it
    msg = ground.message.astype(str)
    assert msg.str.contains("xgd (YNd) grounds an ungrounded feeder", regex=False).all()
    assert msg.str.contains("59N, which detects this ground fault without the project, is "
                            "desensitised").all()
    assert msg.str.contains("no feeder device sees it (head: 3I0 0 A)", regex=False).all()
    assert msg.str.contains("a 51N on its grounded-wye neutral").all()  # gnd42's remedy
    assert not msg.str.contains("pre-existing").any()
    # the figures in the text against OpenDSS's (SLG-a at 736, min case: 20 Ω, c 1.0)
    row = ground[(ground.fault_type.astype(str) == "SLG-a")
                 & (ground.fault_bus.astype(str) == "736")].iloc[0]
    import re

    v0 = re.search(r"V0 at head ([0-9.]+) → ([0-9.e-]+) pu", row.message)
    fed = re.search(r"xgd \(YNd\) \(([0-9,]+) A\)", row.message)
    assert v0 and fed, row.message
    assert float(v0.group(1)) == pytest.approx(without["v0_pu"], rel=0.03)
    assert float(v0.group(2)) == pytest.approx(with_xgd["v0_pu"], rel=0.05)
    assert float(fed.group(1).replace(",", "")) == pytest.approx(with_xgd["i_a"], rel=0.03)
    assert finding_attribution(set(ground.attribution)) == "caused by the project's equipment"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(study_file)
    lines = [r for r in gate_verdict(study, result)["reasons"] if r.split(": ")[1] == "C5 head"]
    assert any(r.startswith("fail: ") for r in lines), lines
