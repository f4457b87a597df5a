"""Tables longer than an Excel sheet are written whole beside the workbook, never cut silently
(#21). The sheet limit is patched small (``protv2g.report.overflow.EXCEL_MAX_ROWS``) and the
produced workbook is read back with openpyxl; the file beside it is read back with pandas."""

from __future__ import annotations

import importlib.util

import numpy as np
import openpyxl
import pandas as pd
import pytest

from protv2g.report import overflow
from protv2g.report.batch_workbook import write_batch_workbook
from protv2g.report.excel import write_workbook
from protv2g.report.format import write_table
from protv2g.report.plain_sheets import BESIDE_SHEET

from .test_report import _small_result

LIMIT = 50  # rows per sheet, header included (Excel's is 1,048,576)
N_ROWS = 200


def _long_faults() -> pd.DataFrame:
    k = np.arange(N_ROWS)
    return pd.DataFrame(dict(scenario="s1", bus=k, bus_name=[f"B{i}" for i in k],
                             fault_type="3ph", case="max", ikss_ka=1.0 + k / 1000.0,
                             ikss_degree=-80.0))


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(overflow, "EXCEL_MAX_ROWS", LIMIT)
    monkeypatch.setattr(overflow, "_parquet_available", lambda: False)


def _read_beside(path) -> pd.DataFrame:
    return (pd.read_parquet(path) if path.suffix == ".parquet"
            else pd.read_csv(path, compression="gzip"))


def test_study_workbook_keeps_first_rows_and_writes_whole_table_beside(small_limit, tmp_path):
    faults = _long_faults()
    path = write_workbook(_small_result(fault_currents=faults), tmp_path / "small.xlsx")
    beside = tmp_path / "small.Fault_currents.csv.gz"
    assert beside.is_file()
    whole = _read_beside(beside)
    assert len(whole) == N_ROWS
    np.testing.assert_allclose(whole["ikss_ka"], faults["ikss_ka"], rtol=0, atol=1e-12)
    assert list(whole["bus_name"]) == list(faults["bus_name"])

    wb = openpyxl.load_workbook(path)
    ws = wb["Fault currents"]
    shown = LIMIT - 2  # header row + shown rows + one note row = the sheet's limit
    assert ws.max_row == LIMIT
    header = [c.value for c in ws[1]]
    col = header.index("Ikss (kA)") + 1
    for i in (0, shown - 1):  # first and last row shown are the table's first rows
        assert ws.cell(row=i + 2, column=col).value == pytest.approx(faults["ikss_ka"][i])
    note = ws.cell(row=LIMIT, column=1).value
    assert f"{N_ROWS - shown:,} of {N_ROWS:,} rows are NOT in this sheet" in note
    assert beside.name in note and "CSV" in note
    assert note in header  # also beside the (frozen) header row
    assert ws.tables["T_Fault_currents"].ref.endswith(str(shown + 1))

    summary = [str(c.value) for row in wb["Summary"].iter_rows() for c in row if c.value]
    assert any(beside.name in text and "Fault currents" in text for text in summary)
    # Tables that fit are untouched and not listed.
    assert not any("Settings" in text and "NOT in this sheet" in text for text in summary)
    assert sorted(p.name for p in tmp_path.iterdir()) == [beside.name, "small.xlsx"]


def test_table_that_fits_exactly_is_not_spilled(small_limit, tmp_path):
    faults = _long_faults().iloc[:LIMIT - 1]
    write_workbook(_small_result(fault_currents=faults), tmp_path / "fit.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "fit.xlsx")["Fault currents"]
    assert ws.max_row == LIMIT
    assert not list(tmp_path.glob("fit.Fault_currents.*"))


def test_writing_a_long_table_without_its_overflow_is_refused(small_limit):
    ws = openpyxl.Workbook().active
    with pytest.raises(ValueError, match="spill_if_too_long"):
        write_table(ws, _long_faults())


def test_batch_workbook_lists_tables_beside_it(small_limit, tmp_path):
    summary = pd.DataFrame({"study": [f"s{i}" for i in range(N_ROWS)],
                            "verdict": "PASS"})
    path = write_batch_workbook(summary, {"workers": 2}, tmp_path / "batch.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Studies", "Batch", BESIDE_SHEET]
    listing = pd.read_excel(path, sheet_name=BESIDE_SHEET)
    assert listing["File"].tolist() == ["batch.Studies.csv.gz"]
    assert listing["Rows"].tolist() == [N_ROWS]
    assert len(_read_beside(tmp_path / "batch.Studies.csv.gz")) == N_ROWS


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None,
                    reason="pyarrow not installed: tables go beside the workbook as CSV.gz")
def test_parquet_when_pyarrow_is_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(overflow, "EXCEL_MAX_ROWS", LIMIT)
    spilled = overflow.spill_if_too_long(_long_faults(), tmp_path / "x.xlsx", "Fault currents")
    assert spilled is not None and spilled.format == "parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(spilled.path), _long_faults())
