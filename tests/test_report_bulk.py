"""Bulk evidence tables longer than ``bulk_rows`` go whole beside the study workbook and their
sheet holds per-group extremes (#21). The summary is checked against a pandas ``groupby`` of the
file beside the workbook (an independent computation of the same maxima and minima)."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from protv2g.report.bulk import BULK_SUMMARIES, EXTREME_COLUMN, ROWS_COLUMN, summarise
from protv2g.report.excel import write_workbook

from .test_report import _small_result

N_BUS, N_SCEN = 40, 3


def _faults() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = [dict(scenario=f"s{s}", bus=b, bus_name=f"B{b}", fault_type=ft, case=case,
                 ikss_ka=float(rng.uniform(0.5, 9.0)), ikss_degree=-80.0)
            for s in range(N_SCEN) for b in range(N_BUS) for ft in ("3ph", "SLG")
            for case in ("max", "min")]
    return pd.DataFrame(rows)


def test_summarise_keeps_the_extreme_rows_per_group():
    faults = _faults()
    out = summarise(faults, BULK_SUMMARIES["Fault currents"])
    grouped = faults.groupby(["bus", "fault_type"])["ikss_ka"]
    shown = out.groupby(["bus", "fault_type"])["ikss_ka"]
    np.testing.assert_allclose(shown.max().to_numpy(), grouped.max().to_numpy(), rtol=0,
                               atol=1e-12)
    np.testing.assert_allclose(shown.min().to_numpy(), grouped.min().to_numpy(), rtol=0,
                               atol=1e-12)
    assert len(out) == 2 * N_BUS * 2  # distinct random values: max and min are two rows
    assert set(out[ROWS_COLUMN]) == {2 * N_SCEN}
    assert set(out[EXTREME_COLUMN]) == {"max Ikss (kA)", "min Ikss (kA)"}
    assert list(out.columns[2:]) == list(faults.columns)


def test_summarise_shows_groups_without_a_value_and_marks_a_row_that_is_both():
    frame = pd.DataFrame({"device": ["a", "a", "b", "c"], "duty_percent": [50.0, 70.0, 10.0,
                                                                         np.nan],
                          "i_max_ka": [1.0, 2.0, 3.0, np.nan]})
    out = summarise(frame, BULK_SUMMARIES["Device duty"])
    assert out["device"].tolist() == ["a", "b", "c"]
    assert out[EXTREME_COLUMN].tolist() == [
        "max Duty (%); max I max (kA)", "max Duty (%); max I max (kA)", "first row (no value)"]
    assert out[ROWS_COLUMN].tolist() == [2, 1, 1]


@pytest.mark.parametrize("bulk_rows, summarised", [(100, True), (10_000, False)])
def test_study_workbook_summarises_bulk_tables_above_the_threshold(tmp_path, bulk_rows,
                                                                  summarised):
    faults = _faults()
    path = write_workbook(_small_result(fault_currents=faults), tmp_path / "s.xlsx",
                          bulk_rows=bulk_rows)
    beside = sorted(tmp_path.glob("s.Fault_currents.*"))
    wb = openpyxl.load_workbook(path)
    ws = wb["Fault currents"]
    header = [c.value for c in ws[1]]
    if not summarised:
        assert not beside
        assert ws.max_row == len(faults) + 1
        return
    assert len(beside) == 1
    whole = (pd.read_parquet(beside[0]) if beside[0].suffix == ".parquet"
             else pd.read_csv(beside[0], compression="gzip"))
    pd.testing.assert_frame_equal(whole, faults, check_dtype=False)
    assert header[:2] == ["Shows", "Rows in group"]
    col = header.index("Ikss (kA)") + 1
    bus_col = header.index("Bus") + 1
    n = 2 * N_BUS * 2
    shown = pd.DataFrame({"bus": [ws.cell(row=i, column=bus_col).value for i in range(2, n + 2)],
                          "ikss_ka": [ws.cell(row=i, column=col).value
                                      for i in range(2, n + 2)]})
    np.testing.assert_allclose(shown.groupby("bus")["ikss_ka"].max().to_numpy(),
                               whole.groupby("bus")["ikss_ka"].max().to_numpy(), rtol=0,
                               atol=1e-12)
    note = ws.cell(row=n + 2, column=1).value
    assert f"shows {n:,} of the table's {len(faults):,} rows" in note
    assert beside[0].name in note and note in header
    summary = [str(c.value) for row in wb["Summary"].iter_rows() for c in row if c.value]
    assert any(beside[0].name in text and "Fault currents" in text for text in summary)
