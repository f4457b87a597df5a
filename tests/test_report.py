"""The workbook read back: headers with units, Excel tables, safe text, atomic write."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import protv2g
from protv2g.report.excel import header_label, write_workbook
from protv2g.result import VIOLATION_COLUMNS

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"


@pytest.fixture(scope="module")
def result():
    return protv2g.run_study(protv2g.load_study(DEPOT))


def test_header_labels_carry_units():
    assert header_label("ikss_ka") == "Ikss (kA)"
    assert header_label("t_device_s") == "T device (s)"
    assert header_label("ikss_degree") == "Ikss (°)"
    assert header_label("criterion") == "Criterion"


def test_rows_match_result(result, tmp_path):
    path = result.to_excel(tmp_path / "r.xlsx")
    frames = pd.read_excel(path, sheet_name=None)
    assert len(frames["Fault currents"]) == len(result.fault_currents)
    assert len(frames["Settings"]) == len(result.settings) == 8
    assert len(frames["Scenarios"]) == len(result.scenarios)
    wb = openpyxl.load_workbook(path)
    for name in ("Violations", "Fault currents", "Settings"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert len(ws.tables) == 1
    assert [c.value for c in wb["Violations"][1]] == [header_label(c) for c in VIOLATION_COLUMNS]


def test_formula_like_text_stays_text(result, tmp_path):
    settings = result.settings.copy()
    settings.loc[0, "device"] = '=HYPERLINK("x")'
    settings.loc[1, "device"] = "+1+2"
    unsafe = type(result)(**{**result.__dict__, "settings": settings})
    path = write_workbook(unsafe, tmp_path / "unsafe.xlsx")
    ws = openpyxl.load_workbook(path)["Settings"]
    assert ws["A2"].value == '=HYPERLINK("x")'
    assert ws["A2"].data_type == "s"
    assert ws["A3"].data_type == "s"


def test_failed_write_leaves_nothing(result, tmp_path, monkeypatch):
    def boom(self, filename):
        raise OSError("disk full")
    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(OSError):
        result.to_excel(tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_same_input_same_cells(result, tmp_path):
    a = result.to_excel(tmp_path / "a.xlsx")
    again = protv2g.run_study(protv2g.load_study(DEPOT)).to_excel(tmp_path / "b.xlsx")
    wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(again)
    for name in wa.sheetnames:
        rows_a = list(wa[name].iter_rows(values_only=True))
        rows_b = list(wb[name].iter_rows(values_only=True))
        assert rows_a == rows_b, name
