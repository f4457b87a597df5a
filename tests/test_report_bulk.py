"""Bulk evidence tables longer than ``bulk_rows`` go whole beside the study workbook and their
sheet holds per-group extremes (#21). The summary is checked against a pandas ``groupby`` of the
file beside the workbook (an independent computation of the same maxima and minima)."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from protv2g.report.bulk import (
    BULK_ROWS,
    BULK_SUMMARIES,
    EXTREME_COLUMN,
    ROWS_COLUMN,
    summarise,
)
from protv2g.report.excel import write_workbook

from .test_report import _small_result, _target

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
    # cells hold 10 significant digits, the file beside every digit (trust_report; was
    # rtol=0, atol=1e-12)
    np.testing.assert_allclose(shown.groupby("bus")["ikss_ka"].max().to_numpy(),
                               whole.groupby("bus")["ikss_ka"].max().to_numpy(), rtol=1e-9,
                               atol=0)
    note = ws.cell(row=n + 2, column=1).value
    assert f"shows {n:,} of the table's {len(faults):,} rows" in note
    assert beside[0].name in note and note in header
    summary = [str(c.value) for row in wb["Summary"].iter_rows() for c in row if c.value]
    assert any(beside[0].name in text and "Fault currents" in text for text in summary)


def _bulk_table(title: str, n: int) -> pd.DataFrame:
    """``n`` rows with the table's group keys (8 groups) and extreme columns (random)."""
    rng = np.random.default_rng(11)
    spec = BULK_SUMMARIES[title]
    frame = pd.DataFrame({"scenario": [f"s{i % 5}" for i in range(n)]})
    for key in spec.keys:
        frame[key] = [f"{key}{i % 8}" for i in range(n)]
    for column, _ in spec.extremes:
        frame[column] = (rng.random(n) < 0.01 if column == "wrong_direction"
                         else rng.uniform(0.5, 9.0, n))
    return frame


def test_default_threshold_puts_every_row_of_each_long_bulk_table_beside_the_workbook(
        tmp_path):
    """With the default :data:`BULK_ROWS`, each bulk table longer than it is whole in its
    file (every row, every value) and its sheet holds the summary; Findings and Evidence
    (the rows the findings cite) are whole and their links still resolve."""
    n = BULK_ROWS + 1
    base = _small_result()
    tables = {t: _bulk_table(t, n) for t in BULK_SUMMARIES
              if t not in ("Fault currents", "Coordination")}
    # the per-pair sheet is derived from Coordination: its rows, repeated, margins varied
    coord = base.tables["Coordination"]
    coord = coord.iloc[np.arange(n) % len(coord)].reset_index(drop=True)
    tables["Coordination"] = coord.assign(
        margin_s=np.random.default_rng(3).uniform(-0.2, 0.5, n))
    faults = _bulk_table("Fault currents", n)
    result = _small_result(fault_currents=faults, tables={**base.tables, **tables})
    path = write_workbook(result, tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(path)
    for title, frame in {**tables, "Fault currents": faults}.items():
        beside = sorted(tmp_path.glob(f"s.{title.replace(' ', '_')}.*"))
        assert len(beside) == 1, title
        whole = (pd.read_parquet(beside[0]) if beside[0].suffix == ".parquet"
                 else pd.read_csv(beside[0], compression="gzip"))
        # the sheet's column order (expected columns first), every column and row
        assert sorted(whole.columns) == sorted(frame.columns), title
        pd.testing.assert_frame_equal(whole, frame[list(whole.columns)], check_dtype=False)
        ws = wb[title]
        assert [c.value for c in ws[1]][:2] == ["Shows", "Rows in group"], title
        shown = summarise(whole, BULK_SUMMARIES[title])
        assert ws.max_row == len(shown) + 2  # header, summary rows, the note naming the file
        assert beside[0].name in ws.cell(row=len(shown) + 2, column=1).value
    # the evidence the findings cite is whole, and every link between them resolves
    findings, evidence = wb["Findings"], wb["Evidence"]
    assert evidence.max_row == len(result.violations) + 1  # every violation row, whole
    header = [c.value for c in findings[1]]
    col = header.index("Evidence") + 1
    for r in range(2, findings.max_row + 1):
        sheet, ref = _target(findings.cell(row=r, column=col))
        assert sheet == "Evidence"
        row = int(ref[1:])
        first = str(findings.cell(row=r, column=col).value).split("–")[0].split(" ")[0]
        assert evidence.cell(row=row, column=1).value == first
