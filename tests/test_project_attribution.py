"""A finding the project causes as a whole — its equipment and its chargers each within the
check's threshold, together over it — is attributed "caused by the project (equipment + V2G
together)", not "caused by V2G" (review s38 on mix38's C7 flag, IEEE 34 F-818: +16 % against
no project = +6 % the depot's YNd transformer + 9 % the chargers, each under the 10 % of
domain.md C7; its Attribution read "caused by V2G").

References (nothing computed by protv2g): the attribution rule written out in each test; the
IEEE 34 figures of ``tests/test_c7_project_change.py`` (ver37 §5b, the reviewer's OpenDSS:
chargers +9.0 %, transformer +7.2 %; protv2g's 0.2885 / 0.3070 / 0.3349 kA, by hand +16.1 % =
+6.4 % and +9.1 %).
"""

from __future__ import annotations

import shutil
import warnings

import pandas as pd
import pytest

from protv2g.findings import build_findings
from protv2g.findings_attribution import (
    Attribution,
    check_attribution,
    finding_attribution,
)

PROJECT = "caused by the project (equipment + V2G together)"


def test_rows_of_the_project_as_a_whole_make_the_project_finding():
    """Fails on the old code: a row attribution ``project`` was unknown and read "made worse
    by V2G" (any other mix), and C7 wrote none (its rows read ``new``: "caused by V2G")."""
    assert Attribution.PROJECT == PROJECT
    assert finding_attribution(["project"]) == PROJECT
    assert finding_attribution(["project", "pre-existing"]) == PROJECT
    assert finding_attribution(["project", "equipment"]) == PROJECT  # both the project's
    assert finding_attribution(["equipment", "pre-existing"]) == Attribution.EQUIPMENT
    # beside a row the chargers move by themselves, that row decides (as for equipment)
    assert finding_attribution(["project", "new"]) == Attribution.CAUSED
    assert finding_attribution(["project", "new", "pre-existing"]) == Attribution.WORSE
    # charging words apply to V2G's rows only, never to the project's
    assert finding_attribution(["project"], charging=True) == PROJECT


def test_the_sets_are_closed():
    """An unknown text is an error, at the rows and at the findings (design.md §7)."""
    with pytest.raises(ValueError, match="unknown row attribution.*'v2g'"):
        finding_attribution(["v2g"])
    with pytest.raises(ValueError, match="unknown finding attribution"):
        check_attribution("caused by the moon")
    assert {check_attribution(a.value) for a in Attribution} == set(Attribution)


def _c7(scenario: str, attribution: str, margin: float, base: float) -> dict:
    return {"criterion": "C7", "status": "warn", "scenario": scenario, "fault_bus": "f-818",
            "fault_type": "SLG-a", "case": "max", "device": "F-818", "other_device": "",
            "margin": margin, "margin_unit": "fraction", "limit": 0.1, "tolerance": 0.0,
            "base_margin": base, "mechanism": "fault-level change against no V2G",
            "attribution": attribution, "message": "the project as a whole raises …",
            "input_basis": "given"}


def test_an_equipment_fault_level_change_is_titled_against_no_project():
    """att39 (left open): a C7 change the project's equipment makes by itself (its rows: the
    current with every charger idle against the base case's, which lacks the equipment,
    :func:`protv2g.checks.duty._equipment_change_text`) was titled "(fault-level change
    against no V2G)", a comparison it does not make."""
    from protv2g.checks.duty import LEVEL_CHANGE
    from protv2g.findings_table import finding_title

    got = finding_title("C7", "F-818", "", LEVEL_CHANGE, attribution=Attribution.EQUIPMENT)
    assert got.endswith("F-818 (fault-level change with the project's equipment in, every "
                        "charger idle, against no project)")
    assert "no V2G" not in got
    # V2G's own change keeps its words
    assert finding_title("C7", "F-818", "", LEVEL_CHANGE, attribution=Attribution.CAUSED
                         ).endswith("(fault-level change against no V2G)")


def test_findings_gate_and_summary_lists_carry_it():
    """The Findings' attribution, the gate's line (its words and its twin: "without the
    project", not "without V2G"), the Summary's "to review" set and the recommendation
    order all take the member."""
    from protv2g.gate_reasons import grouped_reasons
    from protv2g.report.summary_conditions import OURS

    # +16.1 % against a 10 % fraction: margin 0.1 − 0.161 (hand, module docstring)
    v = pd.DataFrame([_c7("firm/light/100%", "project", 0.1 - 0.16095, 0.1)])
    f = build_findings(v).findings.iloc[0]
    assert f.attribution == PROJECT
    # its title measures against what the attribution does: no project, not "no V2G"
    assert f.title.endswith("F-818 (fault-level change against no project)")
    line = grouped_reasons("fail", v)[0]
    assert f"(warn; {PROJECT}; firm/light/100%" in line
    assert "without the project at the same fault and case: passes by" in line
    assert "without V2G" not in line
    assert Attribution.PROJECT in OURS


pytest.importorskip("opendssdirect")


@pytest.fixture(scope="module")
def ieee34(shared_dir, tmp_path_factory):
    """IEEE 34 with rev37b's project equipment (a YNd depot at 806, a Dyn campus at 824) and
    the 818 lateral's 25K fuse (``tests/test_phase_cut_off.py``, ``test_head_ground_window``),
    init's draft, three sites: the setup of review s38."""
    from protv2g.gate import gate_verdict
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study
    from protv2g.study_draft import draft_study
    from protv2g.study_draft.draft import parse_site

    from .test_head_ground_window import FUSES
    from .test_phase_cut_off import SITES34

    folder = tmp_path_factory.mktemp("ieee34p")
    src = shared_dir / "feeders" / "opendss"
    shutil.copytree(src / "34Bus", folder / "34Bus")
    shutil.copy(src / "IEEELineCodes.DSS", folder / "IEEELineCodes.DSS")
    (folder / "sites34.dss").write_text(SITES34)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = draft_study(folder / "34Bus" / "ieee34Mod1.dss", redirects=[folder / "sites34.dss"],
                        study_dir=folder, sites=[parse_site(s) for s in (
                            "depot:depot_lv:10:100", "campus:campus_lv:8:60",
                            "homes:822.a:20:7.2")])
        i = d.text.index("# Candidate V2G")
        (folder / "study.yaml").write_text(d.text[:i] + FUSES + d.text[i:])
        study = load_study(folder / "study.yaml")
        res = run_study(study, hosting=False)
        gate = gate_verdict(study, res)
    return res, gate


def test_ieee34_f818_duty_change_is_the_projects(ieee34):
    """Fails on the old code: F-818's C7 fault-level rows whose shares each stay within 10 %
    read "caused by V2G"."""
    res, _ = ieee34
    v = res.violations
    rows = v[(v.criterion == "C7") & (v.device == "F-818")
             & v.message.astype(str).str.startswith("the project as a whole")]
    assert len(rows)
    assert set(rows.attribution.astype(str)) == {"project"}
    # the worst: +16.1 % against no project (hand: 0.334876 / 0.288450 − 1), i.e. margin
    # 0.10 − 0.161; the row's own currents (A) give the same ratio
    worst = rows.loc[pd.to_numeric(rows.margin).idxmin()]
    assert float(worst.margin) == pytest.approx(0.1 - 0.16095, abs=2e-3)
    assert float(worst.i_device_a) / float(worst.i_other_a) - 1 == pytest.approx(0.16095,
                                                                                 abs=2e-3)
    from protv2g.report.derived import result_findings

    f = result_findings(res).findings
    f = f[(f.device == "F-818") & (f.criterion == "C7")]
    assert PROJECT in set(f.attribution)
    assert "caused by V2G" not in set(f.attribution)


#: OpenDSS (opendssdirect, fix40c): the SLG-a fault 1 m past F-818 (L8 split there), loads,
#: capacitors and line capacitance off, regulators at tap 1.0, source at 1.1 pu (IEC c_max):
#: the current through F-818 without the project and with the depot's YNd in, chargers idle.
OPENDSS_F818_BASE_A, OPENDSS_F818_IDLE_A = 289.9, 308.6
#: The homes' site behind F-818 (20 × 7.2 kVA on 822.a, 14.376 kV to neutral, first-cycle limit
#: 1.5 pu), by hand: the current it feeds into a fault past F-818 without passing the fuse
#: (OpenDSS with it as a 15.03 A Isource at 822.1: F-818 still 308.60 A, bus total 323.61 A).
HOMES_A = 20 * 7.2e3 / 14.376e3 * 1.5


def test_ieee34_c7_figure_is_f818s_own_current_named_with_its_sheet(ieee34):
    """Review ver39 ("left alone") / fix40c: F13's 0.3349 kA (+16.1 %) is the current through
    F-818, on the Device duty sheet; the Fault currents sheet's f-818 close-in SLG-a (0.3246 kA
    phasor, +12.8 %) is the bus total, which also holds the homes' 15 A fed from beyond F-818.
    Both right; the finding now names its quantity and sheet, and §9 gives the phase-a fuse
    its SLG-a only. Fails on the old code (message without the sheet; §9 gave F-818 '3ph')."""
    import numpy as np

    from protv2g.report.derived import derive
    from protv2g.report.summary_faults import fault_level_rows

    res, _ = ieee34
    v = res.violations
    rows = v[(v.criterion == "C7") & (v.device == "F-818")
             & v.message.astype(str).str.startswith("the project as a whole")]
    worst = rows.loc[pd.to_numeric(rows.margin).idxmin()]
    assert ("through F-818 (the current it carries: the Device duty sheet's I max, not the "
            "bus total of the Fault currents sheet)") in str(worst.message)
    # the finding's figure is the Device duty sheet's I max of the same scenario and fault
    duty = res.tables["Device duty"]
    d = duty[(duty.device == "F-818") & (duty.scenario == worst.scenario)
             & (duty.case.astype(str) == "max")].iloc[0]
    assert str(d.fault_bus) == str(worst.fault_bus) == "f-818 close-in"
    assert 1000.0 * float(d.i_max_ka) == pytest.approx(float(worst.i_device_a), abs=0.05)
    assert 1000.0 * float(d.i_base_ka) == pytest.approx(float(worst.i_other_a), abs=0.05)
    # against OpenDSS: without the project and with every charger idle (0.5 % low: line C)
    assert 1000.0 * float(d.i_base_ka) == pytest.approx(OPENDSS_F818_BASE_A, rel=0.01)
    assert 1000.0 * float(d.i_idle_ka) == pytest.approx(OPENDSS_F818_IDLE_A, rel=0.01)
    # the bus total of the same fault less F-818's own phasor: the homes' current, by hand
    fc = res.fault_currents
    bus = fc[(fc.scenario == worst.scenario) & (fc.bus_name.astype(str) == "f-818 close-in")
             & (fc.fault_type.astype(str) == "SLG-a") & (fc.case.astype(str) == "max")].iloc[0]
    df = res.device_faults
    dev = df[(df.scenario == worst.scenario) & (df.device == "F-818")
             & (df.fault_bus_name.astype(str) == "f-818 close-in")
             & (df.fault_type.astype(str) == "SLG-a") & (df.case.astype(str) == "max")].iloc[0]

    def ph(ka, deg):
        return float(ka) * np.exp(1j * np.radians(float(deg)))

    beyond_a = 1000.0 * abs(ph(bus.ikss_ka, bus.ikss_degree) - ph(dev.ia_ka, dev.ia_degree))
    assert beyond_a == pytest.approx(HOMES_A, abs=0.1)  # 15.03 A
    assert float(bus.ikss_ka) > float(d.i_phasor_ka) + 0.005  # 0.3246 vs 0.3156 kA
    # §9: F-818 (L8, Phases=1, Bus1=816.1) has its phase's ground fault only
    levels = derive(res)["fault_levels"]
    assert [r[2] for r in fault_level_rows(levels) if r[0] == "F-818"] == ["SLG-a"]
    from protv2g.report.sheets import DATA_SHEETS

    spec = {s.title: s.description for s in DATA_SHEETS}
    assert "the bus total" in spec["Fault currents"] and "Device duty" in spec["Fault currents"]
    assert "I max is the current the device carries" in spec["Device duty"]
