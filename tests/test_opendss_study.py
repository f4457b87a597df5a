"""Studies on OpenDSS feeders: devices and curves come from the model and run end to end."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

import protv2g
from protv2g.devices.models import build_device

from .conftest import FEEDERS_DIR


def test_shipped_opendss_example_runs(tmp_path):
    study = protv2g.load_study(FEEDERS_DIR / "opendss_example" / "study.yaml")
    kinds = {d.name: d.kind.value for d in study.document.devices}
    assert kinds == {"r1": "recloser", "fa": "fuse", "fb": "fuse"}
    fuses = {d.name: d.link for d in study.document.devices if d.kind.value == "fuse"}
    assert fuses == {"fa": "65K", "fb": "40T"}       # klink/tlink at RatedCurrent
    r1 = study.document.devices[0]
    assert r1.phase_min_trip_a == pytest.approx(560.0)
    assert (r1.n_fast, r1.n_delayed) == (2, 2)
    assert r1.fast_curve == "dss-101"                # the model's own table (model_curves/)
    # the shipped study writes the devices out with (assumed) ratings: C7 evaluates, and the
    # gate reaches a verdict instead of ERROR
    assert {d.name: d.interrupting_rating_ka for d in study.document.devices} == {
        "r1": 12.5, "fa": 10.0, "fb": 10.0}
    result = protv2g.run_study(study)
    assert result.meta["gate"]["verdict"] in ("PASS", "FAIL")
    path = result.to_excel(tmp_path / "dss.xlsx")
    wb = openpyxl.load_workbook(path)
    assert "Feeder warnings" in wb.sheetnames
    # review s17 §3.2: the devices sit on OpenDSS branches (Settings element ``line.l1``, the
    # feeder graph's ``line``): a TCC per path and family (r1 > fa, r1 > fb; phase and ground)
    # and the feeder plot, not "no protection paths"
    tcc = wb["TCC"]
    texts = [c for row in tcc.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not any("no protection paths" in t for t in texts)
    assert {"r1 > fa — phase elements", "r1 > fb — phase elements"} <= set(texts)
    assert len(tcc._images) >= 2
    # review s17 §3.3: `protv2g faults STUDY.yaml` on an OpenDSS study ran the pandapower engine
    # on `study.net` (None): a traceback. Now the phase engine over the study's charger sets,
    # the same currents as the run's Fault currents sheet
    from protv2g.cli import main

    csv = tmp_path / "faults.csv"
    assert main(["faults", str(FEEDERS_DIR / "opendss_example" / "study.yaml"),
                 "--csv", str(csv)]) == 0
    faults = pd.read_csv(csv)
    assert {"base/light"} < set(faults["scenario"])
    run = result.fault_currents
    for bus in ("b1", "b4"):
        got = faults[(faults.scenario == "base/light") & (faults.bus == bus)
                     & (faults.fault_type == "3ph") & (faults.case == "max")].ikss_ka
        ref = run[(run.scenario == "base/light") & (run.bus_name == bus)
                  & (run.fault_type == "3ph") & (run.case == "max")].ikss_ka
        assert float(got.iloc[0]) == pytest.approx(float(ref.iloc[0]), rel=1e-5)


def test_opendss_example_adopts_the_model_devices(tmp_path):
    """Without a ``devices`` list the model's recloser and fuses are adopted, their point
    tables reported where they differ from the library's."""
    folder = tmp_path / "study"
    shutil.copytree(FEEDERS_DIR / "opendss_example", folder)
    (folder / "study.yaml").write_text(
        "name: adopted\nfeeder: {opendss: Master.dss}\n"
        "faults: {method: classical, r_fault_min_ohm: 20}\n")
    study = protv2g.load_study(folder / "study.yaml")
    assert {d.name: d.kind.value for d in study.document.devices} == {
        "r1": "recloser", "fa": "fuse", "fb": "fuse"}
    assert study.document.devices[0].fast_curve == "dss-101"
    assert (study.feeder_warnings.what.str.contains("differs from the library")).any()


def test_a_redirect_outside_the_study_folder_is_refused(tmp_path):
    """``feeder.redirects`` entries resolve inside the study's folder, as the master does."""
    folder = tmp_path / "study"
    shutil.copytree(FEEDERS_DIR / "opendss_example", folder)
    (tmp_path / "outside.dss").write_text("! not the study's\n")
    text = (folder / "study.yaml").read_text()
    (folder / "study.yaml").write_text(text.replace(
        "  opendss: Master.dss\n",
        "  opendss: Master.dss\n  redirects: [LineCodes.dss, ../outside.dss]\n"))
    issues = protv2g.validate_study(folder / "study.yaml")
    assert [(i.field, "leaves the study's folder" in i.message) for i in issues] == [
        ("feeder.redirects[1]", True)]

def test_dg_protection_feeder_study(shared_dir, tmp_path):
    src = shared_dir / "feeders" / "opendss" / "DG_Protection" / "DG_Prot_Fdr.dss"
    shutil.copy(src, tmp_path / "DG_Prot_Fdr.dss")
    (tmp_path / "study.yaml").write_text(
        "name: dg_protection\n"
        "feeder: {opendss: DG_Prot_Fdr.dss}\n"
        "faults: {method: classical, r_fault_min_ohm: 20}\n")
    study = protv2g.load_study(tmp_path / "study.yaml")
    devices = {d.name: d for d in study.document.devices}
    assert {n for n, d in devices.items() if d.kind.value == "recloser"} == {"a", "b", "d"}
    assert {n for n, d in devices.items() if d.kind.value == "fuse"} == {"f1", "f2"}
    b = devices["b"]
    # DG_Prot_Fdr.dss: Recloser.B phasetrip=150 groundtrip=150 phasefast=104 phasedelayed=117
    # groundfast=106 grounddelayed=135 shots=4 numfast=2 recloseintervals=(2, 2, 5) delay=0.042
    assert b.phase_min_trip_a == pytest.approx(150.0)
    assert b.ground_min_trip_a == pytest.approx(150.0)
    assert (b.fast_curve, b.delayed_curve) == ("104", "117")
    assert (b.ground_fast_curve, b.ground_delayed_curve) == ("106", "135")
    assert (b.n_fast, b.n_delayed) == (2, 2)
    assert b.reclose_intervals_s == pytest.approx((2.0, 2.0, 5.0))
    # delay=0.042 is the mechanism time the library's 104/117 already carry (#17): the adder
    # is 0 and the clearing time is table + 0.042 s, as OpenDSS computes it
    assert b.fast_adder_s == pytest.approx(0.0) and b.delayed_adder_s == pytest.approx(0.0)
    from protv2g.checks._common import _NOT_MODEL_FIELDS  # the checks' own study-only keys

    rc = build_device("recloser", {k: v for k, v in b.model_dump().items()
                                   if k not in _NOT_MODEL_FIELDS}, study.library)
    assert float(rc.fast_time_s(300.0)) == pytest.approx(0.16 + 0.042)  # 104 at M = 2
    assert devices["f1"].link == "40K"
    result = protv2g.run_study(study)
    assert set(result.device_faults.device) == set(devices)
    fc = result.fault_currents
    grounded = fc[fc.bus_name != "bg"]
    assert (grounded.ikss_ka > 0).all()
    # bus bg (0.6 kV, behind the out-of-service Tg) has no zero-sequence path to ground:
    # no SLG current there (engine: Z0 = inf on ungrounded zero-sequence islands)
    slg_bg = fc[(fc.bus_name == "bg") & (fc.fault_type == "SLG")].ikss_ka
    assert (slg_bg < 1e-3).all()


def test_issue_paths_of_adopted_and_file_devices(tmp_path):
    """s16 item 6: with model devices adopted ahead of the file's, a validation issue of the
    file's first device said ``devices[3]`` (its place in the merged list). It now gives the
    file's own index, and an adopted device's issue says it comes from the model."""
    from protv2g.study.issues import Issue, with_device_names

    folder = tmp_path / "study"
    shutil.copytree(FEEDERS_DIR / "opendss_example", folder)
    (folder / "study.yaml").write_text(
        "name: adopted\nfeeder: {opendss: Master.dss}\n"
        "faults: {method: classical, r_fault_min_ohm: 20}\n"
        "devices:\n  - {name: extra, kind: fuse, link: 40T, interrupting_rating_ka: 10,\n"
        "     location: {line: no_such_line, end: from}}\n")
    issues = protv2g.validate_study(folder / "study.yaml")
    mine = [i for i in issues if "extra" in i.message]
    assert mine and all(i.field.startswith("devices[0]") for i in mine), issues
    out = with_device_names([Issue("f", "devices[0].link", "unknown link", "fix")],
                            ["r1", "fa", "extra"], adopted=2)
    assert (out[0].field, out[0].message) == (
        "feeder.adopt_devices[r1].link", "device 'r1' (adopted from the model): unknown link")
