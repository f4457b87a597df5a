"""The Summary and the sheets' descriptions name the "Charger stages" sheet only when the
workbook has it (review s21, EPRI J1: "the Charger stages sheet gives the stage currents" in
a workbook without that sheet)."""

from __future__ import annotations

from types import SimpleNamespace as D

import openpyxl
import pandas as pd

from protv2g.report.sheets import NO_STAGES_TIME_NOTE, STAGED_TIME_NOTE, sheet_specs
from protv2g.report.summary_faults import assumptions
from protv2g.report.summary_memo import Memo


def _result(tables):
    return D(tables=tables, inputs={"document": {}}, meta={}, violations=None, flow=None)


def _memo_text(result) -> str:
    ws = openpyxl.Workbook().active
    assumptions(Memo(ws), result)
    return " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_no_stages_table_no_reference_to_the_sheet():
    for tables in ({}, {"Charger stages": pd.DataFrame()}):   # absent, or empty (not written)
        result = _result(tables)
        text = _memo_text(result)
        assert "Charger stages sheet gives" not in text
        assert NO_STAGES_TIME_NOTE in text
        specs = sheet_specs(result)
        assert not any("Charger stages sheet gives" in s.description for s in specs)
        assert sum(NO_STAGES_TIME_NOTE in s.description for s in specs) == 3


def test_stages_table_is_referred_to():
    result = _result({"Charger stages": pd.DataFrame({"finding": ["x"]})})
    assert STAGED_TIME_NOTE in _memo_text(result)
    specs = sheet_specs(result)
    assert sum(STAGED_TIME_NOTE in s.description for s in specs) == 3
    assert "Charger stages" in [s.title for s in specs]
