"""Studies on OpenDSS feeders: devices and curves come from the model and run end to end."""

from __future__ import annotations

import openpyxl
import pytest

import protv2g

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
    assert r1.fast_curve == "dss-101"                # model's own table, reported
    warn = study.feeder_warnings
    assert (warn.what.str.contains("differs from the library")).any()
    result = protv2g.run_study(study)
    path = result.to_excel(tmp_path / "dss.xlsx")
    assert "Feeder warnings" in openpyxl.load_workbook(path).sheetnames
