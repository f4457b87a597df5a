"""A fault at the close-in position of a device that exists only with the project compares
with the base case's fault at the bus the device's terminal sits on
(:mod:`protv2g.checks.close_in_twins`; review rev38a W2, IEEE 13: the head's 51G short of a
20 Ω ground fault at "f_campus close-in", 117.85 A, "caused by the project's equipment", and
of the same fault at 675, 117.85 A, "pre-existing").

The synthetic feeder: ``test_dss_site_transformer``'s 12.47 kV trunk with the depot's 2 MVA
transformer at b2, **delta on the feeder side** (no zero-sequence path: it changes no ground
fault's 3I0 on the feeder) and the project's fuse f_depot on its 12.47 kV side; the head's
51G (300 A) cannot reach a 20 Ω ground fault at b2 with the C5 factor, with or without the
project. References, none computed by protv2g: the head's 3I0 for a 20 Ω SLG at b2 without
the transformer from OpenDSS (``test_equipment_reach_sympathetic._opendss_head_3i0``: a
fresh ``opendssdirect`` context, lines' resistance × 1.24, source 1.0 pu, 20 Ω ``Fault``),
and the hand bound of a 20 Ω ground fault at 12.47 kV: 7,200 V / 20 Ω = 360 A < 1.5 × 300 A.
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from .test_dss_site_transformer import MASTER  # noqa: E402
from .test_equipment_reach_sympathetic import _opendss_head_3i0  # noqa: E402

XF = """\
! the depot's 2 MVA transformer: delta on 12.47 kV, grounded wye on 480 V (Dyn)
New Transformer.depot_xf phases=3 windings=2 buses=(b2, depot_lv) conns=(delta, wye)
~ kvs=(12.47, 0.48) kvas=(2000, 2000) xhl=5.64 %r=0.564
Set VoltageBases=(115, 12.47, 0.48)
CalcVoltageBases
"""
STUDY = """\
name: xtw
feeder: {opendss: Master.dss, redirects: [depot_xf.dss]}
devices:
  - {name: head, kind: relay, location: {line: l1, end: from}, pickup_a: 600,
     curve: IEEE-MI, time_dial: 0.5, ground_pickup_a: 300, ground_curve: IEEE-MI,
     ground_time_dial: 0.5, interrupting_rating_ka: 25, reclose_intervals_s: []}
  - {name: f_depot, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 140K,
     interrupting_rating_ka: 10, interrupting_rating_basis: asym}
v2g_sites:
  - {name: depot, bus: depot_lv, n_chargers: 10, p_charger_kw: 100,
     model_transformer: depot_xf}
scenarios: {export_levels_fraction: [1.0], participation: [expected], load_levels: [peak]}
faults: {r_fault_min_ohm: 20}
"""
CLOSE_IN = "f_depot close-in"


def _run(where, study_text: str):
    from protv2g.gate import gate_verdict
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    (where / "study.yaml").write_text(study_text)
    study = load_study(where / "study.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(study, hosting=False)
        gate = gate_verdict(study, res)
    return study, res, gate


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    where = tmp_path_factory.mktemp("xtw")
    (where / "Master.dss").write_text(MASTER)
    (where / "depot_xf.dss").write_text(XF)
    study, res, gate = _run(where, STUDY)
    return where, study, res, gate


def _reasons(gate) -> list[str]:
    return [str(r) for r in (gate.get("reasons") if isinstance(gate, dict)
                             else getattr(gate, "reasons", []))]


def test_feeder_relay_at_the_project_fuses_close_in_fault_takes_the_terminal_bus_twin(run):
    """The head's C5 rows at f_depot's close-in fault: pre-existing, their base margin the
    base case's row at b2 (same fault type, case), which OpenDSS confirms the head cannot
    reach. Fails on the old code: "equipment", no base margin."""
    where, _study, res, _gate = run
    v = res.violations
    head = v[(v.criterion == "C5") & (v.device == "head") & (v.margin_unit != "fraction")]
    close = head[head.fault_bus == CLOSE_IN]
    assert len(close), head[["scenario", "fault_bus", "fault_type", "attribution"]]
    assert set(close.attribution) == {"pre-existing"}, close[["fault_type", "attribution"]]
    assert "the project's equipment's" not in " ".join(close.message.astype(str))
    base = head[(head.scenario == "base/peak") & (head.fault_bus == "b2")]
    for r in close.itertuples(index=False):
        twin = base[(base.fault_type == r.fault_type) & (base["case"] == r.case)]
        assert len(twin) == 1, r.fault_type
        # the twin judged at the close-in row's own factor (backup there, × 1.2; primary at
        # b2, × 1.5: twin2_38) — the same I/pickup
        assert float(r.limit) == pytest.approx(1.2)
        assert float(twin.limit.iloc[0]) == pytest.approx(1.5)
        assert float(r.base_margin) == pytest.approx(float(twin.margin.iloc[0]) + 0.3,
                                                     abs=1e-9)
    # the base twin's figure, independently: OpenDSS's 3I0 at b2 without the transformer
    slg = base[base.fault_type == "SLG-a"].iloc[0]
    want_a = _opendss_head_3i0(where, "b2", "a", False, "min")
    assert want_a < 7200.0 / 20.0  # the 20 Ω bound, by hand
    assert float(slg.i_device_a) == pytest.approx(want_a, rel=0.01)
    assert float(slg.margin) == pytest.approx(want_a / 300.0 - 1.5, abs=0.01)
    # the close-in fault is the bus's: the head's 3I0 there (delta feeder winding) alike
    assert float(close[close.fault_type == "SLG-a"].i_device_a.iloc[0]) == pytest.approx(
        want_a, rel=0.01)


def test_finding_and_gate_call_the_head_pre_existing_and_the_fuse_equipment(run):
    """The head's C5 finding is pre-existing (Findings, gate) and leads with its worst row;
    the project's own fuse, which has no base row anywhere, stays the equipment's. Fails on
    the old code: the head's finding "caused by the project's equipment", worst margin of a
    close-in row (−0.152) while its worst row (−0.460, b2) is pre-existing."""
    from protv2g.findings import Attribution, build_findings

    _where, _study, res, gate = run
    v = res.violations
    f = build_findings(v).findings
    head = f[(f.criterion == "C5") & (f.device == "head")]
    assert len(head) == 1
    assert head.attribution.iloc[0] == Attribution.PRE_EXISTING
    rows = v[(v.criterion == "C5") & (v.device == "head")]
    assert float(head.worst_margin.iloc[0]) == pytest.approx(
        float(np.nanmin(rows.margin.to_numpy(float))), abs=1e-9)
    fuse = f[(f.criterion == "C5") & (f.device == "f_depot")]
    assert len(fuse) == 1 and fuse.attribution.iloc[0] == Attribution.EQUIPMENT
    lines = [r for r in _reasons(gate) if "C5 head" in r]
    assert lines and all("pre-existing" in r for r in lines), lines
    assert not any("project's equipment" in r for r in lines), lines


IEEE13_SITES = """\
Edit Transformer.Sub XHL=8
New Transformer.campus_xf phases=3 windings=2 buses=(675.1.2.3, campus_lv.1.2.3.0)
~ conns=(delta, wye) kvs=(4.16, 0.48) kvas=(500, 500) xhl=5.0 %r=0.8
New Fuse.F_CAMPUS MonitoredObj=Transformer.campus_xf MonitoredTerm=1 FuseCurve=Klink
~ RatedCurrent=100
Set voltagebases=[115, 4.16, 0.48]
Calcvoltagebases
"""
#: review rev38a's IEEE 13 study (its devices as confirmed), one scenario of W2's evidence
IEEE13_STUDY = """\
name: ieee13_w2
feeder: {opendss: 13Bus/IEEE13Nodeckt.dss, redirects: [sites13.dss], adopt_devices: false}
devices:
  - {name: f_campus, kind: fuse, location: {trafo: campus_xf, side: hv}, link: 100K,
     interrupting_rating_ka: 8, interrupting_rating_basis: asym}
  - {name: f_xfm1, kind: fuse, location: {trafo: xfm1, side: hv}, link: 100K,
     interrupting_rating_ka: 10, interrupting_rating_basis: asym}
  - {name: head-650632, kind: relay, location: {line: '650632', end: from}, pickup_a: 1190,
     curve: IEEE-MI, time_dial: 0.5, ground_pickup_a: 230, ground_curve: IEEE-MI,
     ground_time_dial: 0.5, reclose_intervals_s: [3.5, 15.0, 30.0],
     interrupting_rating_ka: 12.5}
v2g_sites:
  - {name: depot, bus: '634', n_chargers: 4, p_charger_kw: 60, s_charger_kva: 60}
  - {name: campus, bus: campus_lv, model_transformer: campus_xf, n_chargers: 6,
     p_charger_kw: 50, s_charger_kva: 50}
scenarios: {export_levels_fraction: [0.5], participation: [expected], load_levels: [light],
            light_load_fraction: 0.3}
faults: {method: iec60909, r_fault_min_ohm: 20}
"""


def test_ieee13_head_c5_is_pre_existing_at_the_campus_fuses_close_in(shared_dir, tmp_path):
    """Review rev38a W2 on IEEE 13: the head's 51G (230 A) short of 20 Ω ground faults at
    f_campus's close-in position — at most 2,402 V / 20 Ω = 120 A, by hand, with or without
    the project — is pre-existing, as at 675; the head's C5 finding is not the equipment's.
    Fails on the old code (F03 "caused by the project's equipment")."""
    from protv2g.findings import Attribution, build_findings

    src = shared_dir / "feeders" / "opendss"
    shutil.copytree(src / "13Bus", tmp_path / "13Bus")
    shutil.copy(src / "IEEELineCodes.DSS", tmp_path / "IEEELineCodes.DSS")
    (tmp_path / "sites13.dss").write_text(IEEE13_SITES)
    _study, res, gate = _run(tmp_path, IEEE13_STUDY)
    v = res.violations
    head = v[(v.criterion == "C5") & (v.device == "head-650632")]
    close = head[head.fault_bus == "f_campus close-in"]
    assert len(close), sorted(set(head.fault_bus.astype(str)))
    assert "equipment" not in set(close.attribution), close[["fault_type", "attribution"]]
    slg = head[(head.fault_bus.isin(["675", "f_campus close-in"]))
               & (head.fault_type == "SLG-a") & (head.scenario != "base/light")]
    assert float(slg.i_device_a.max()) < 4160.0 / np.sqrt(3.0) / 20.0  # 120.1 A, by hand
    f = build_findings(v).findings
    c5 = f[(f.criterion == "C5") & (f.device == "head-650632")]
    assert len(c5) == 1 and c5.attribution.iloc[0] != Attribution.EQUIPMENT, c5.T
    lines = [r for r in _reasons(gate) if "C5 head-650632" in r]
    assert lines and not any("project's equipment" in r for r in lines), lines
    own = f[(f.criterion == "C5") & (f.device == "f_campus")]
    assert len(own) == 1 and own.attribution.iloc[0] == Attribution.EQUIPMENT


def test_summary_says_whose_margin_a_finding_leads_with():
    """A finding leading with V2G's worst row (−124.2 s at b2) while its worst row overall
    is pre-existing (−199.1 s at b1): the Summary's condition line and grid cell say the
    margin is of the worst row the project moved and name the worst overall — review rev38a
    W2 (IEEE 13 F03: "worst margin −0.6932 × pickup" while its worst row was −1.002,
    pre-existing). Fails on the old code (no ``overall_worst_texts``; the line said "worst
    margin −124.2 s")."""
    from protv2g.findings import build_findings
    from protv2g.report.findings_margin import overall_worst_texts
    from protv2g.report.summary_conditions import _line
    from protv2g.report.summary_grids import margin_cell as _margin_cell

    from .test_findings_headline import _SCEN, _rows

    built = build_findings(_rows(), _SCEN)
    f, e = built.findings, built.evidence
    texts = overall_worst_texts(f, e)
    assert texts == {"F01": "the worst row overall: −199.1 s at SLG-b b1 min "
                            "(expected/light/50%), pre-existing"}
    (row,) = f.itertuples(index=False)
    line = _line("fail", row, "", overall=texts["F01"])
    assert "worst margin −124.2 s" not in line
    assert ("margin −124.2 s at expected/light/100%, SLG-b b2 min (the worst row the project "
            "moved; the worst row overall: −199.1 s at SLG-b b1 min") in line
    assert _margin_cell(row, {}, texts).startswith("−124.2 s (the worst row the project moved")
    # a finding leading with its worst row: as before
    built = build_findings(_rows(v2g_worst=True), _SCEN)
    assert overall_worst_texts(built.findings, built.evidence) == {}
    (row,) = built.findings.itertuples(index=False)
    assert "worst margin −250 s" in _line("fail", row, "")
