"""An Evidence table longer than ``evidence_rows`` goes whole beside the study workbook; its
sheet holds, per finding, the first (worst) row the Findings link to and the rows of its
extremes, and every link between the Findings and the Evidence still resolves (#21)."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from protv2g.report.bulk import (
    EVIDENCE_FIRST,
    EVIDENCE_ROWS,
    EVIDENCE_SUMMARY,
    EXTREME_COLUMN,
    ROWS_COLUMN,
    summarise,
    summary_rows,
)
from protv2g.report.derived import result_findings
from protv2g.report.excel import write_workbook

from .test_report import _small_result, _target

COPIES = 8


def _many_violations() -> pd.DataFrame:
    """The small result's six violation rows, eight times, margins and currents varied: five
    findings, 48 evidence rows."""
    base = _small_result().violations
    rng = np.random.default_rng(5)
    copies = []
    for _ in range(COPIES):
        copy = base.copy()
        copy["margin"] = pd.to_numeric(copy["margin"]) + rng.uniform(-0.05, 0.05, len(copy))
        copy["i_device_a"] = pd.to_numeric(copy["i_device_a"]) * rng.uniform(0.5, 1.5,
                                                                             len(copy))
        copies.append(copy)
    return pd.concat(copies, ignore_index=True)


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The same result written with its Evidence whole and summarised."""
    result = _small_result(violations=_many_violations())
    folder = tmp_path_factory.mktemp("evidence")
    whole = write_workbook(result, folder / "whole.xlsx", parallel_pictures=False)
    short = write_workbook(result, folder / "short.xlsx", parallel_pictures=False,
                           evidence_rows=10)
    return result, folder, openpyxl.load_workbook(whole), openpyxl.load_workbook(short)


def _rows(ws) -> list[list[object]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_threshold_keeps_the_tested_studies_whole():
    # the 250-bus study's 4,937 and the IEEE 8500's 5,407 evidence rows stay in their sheet
    assert EVIDENCE_ROWS > 3 * 5_407


def test_whole_table_beside_and_summary_rows_in_the_sheet(books):
    result, folder, whole, short = books
    evidence = result_findings(result).evidence
    assert len(evidence) == 48
    beside = sorted(folder.glob("short.Evidence.*"))
    assert len(beside) == 1 and not list(folder.glob("whole.Evidence.*"))
    written = (pd.read_parquet(beside[0]) if beside[0].suffix == ".parquet"
               else pd.read_csv(beside[0], compression="gzip"))
    assert written["evidence"].tolist() == evidence["evidence"].tolist()  # every row
    ws = short["Evidence"]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["Shows", "Rows in group"]
    full = _rows(whole["Evidence"])
    by_id = {row[0]: row for row in full[1:]}
    kept, shows, counts = summary_rows(written, EVIDENCE_SUMMARY, EVIDENCE_FIRST)
    shown = _rows(ws)[1:len(kept) + 1]
    # each summary row is the whole sheet's row of that evidence id, cell for cell
    assert [row[2:len(full[0]) + 2] for row in shown] == [
        by_id[written["evidence"].iloc[k]] for k in kept]
    assert [row[0] for row in shown] == shows
    assert [row[1] for row in shown] == counts.tolist()
    note = ws.cell(row=len(kept) + 2, column=1).value
    assert f"shows {len(kept):,} of the table's 48 rows" in note and beside[0].name in note
    summary = [str(c.value) for row in short["Summary"].iter_rows() for c in row if c.value]
    assert any(beside[0].name in text and "Evidence" in text for text in summary)


def test_every_finding_keeps_its_first_and_extreme_rows(books):
    result, folder, _, short = books
    evidence = result_findings(result).evidence
    shown = summarise(evidence, EVIDENCE_SUMMARY, EVIDENCE_FIRST)
    for finding, rows in evidence.groupby("finding", sort=False):
        mine = shown[shown["finding"] == finding]
        assert mine["evidence"].iloc[0] == rows["evidence"].iloc[0]
        assert mine[EXTREME_COLUMN].iloc[0].startswith(EVIDENCE_FIRST)
        assert set(mine[ROWS_COLUMN]) == {len(rows)}
        margin = pd.to_numeric(rows["margin"])
        assert pd.to_numeric(mine["margin"]).min() == margin.min()
        current = pd.to_numeric(rows["i_device_a"], errors="coerce")
        if current.notna().any():
            got = pd.to_numeric(mine["i_device_a"])
            assert got.max() == current.max() and got.min() == current.min()


def test_links_between_findings_and_evidence_resolve(books):
    _, _, whole, short = books
    for wb in (whole, short):
        findings, evidence = wb["Findings"], wb["Evidence"]
        fheader = [c.value for c in findings[1]]
        eheader = [c.value for c in evidence[1]]
        col, id_col = fheader.index("Evidence") + 1, eheader.index("Evidence") + 1
        finding_of_row = {}
        for r in range(2, findings.max_row + 1):
            finding_of_row[r] = findings.cell(row=r, column=1).value
            sheet, ref = _target(findings.cell(row=r, column=col))
            assert sheet == "Evidence"
            first = str(findings.cell(row=r, column=col).value).split("–")[0].split(" ")[0]
            assert evidence.cell(row=int(ref[1:]), column=id_col).value == first
        fcol = eheader.index("Finding") + 1
        for r in range(2, evidence.max_row + 1):
            cell = evidence.cell(row=r, column=fcol)
            if cell.value is None or cell.hyperlink is None:  # the note row
                continue
            sheet, ref = _target(cell)
            assert sheet == "Findings" and finding_of_row[int(ref[1:])] == cell.value


def test_margin_formats_follow_the_rows_kept(books):
    _, _, whole, short = books

    def formats(ws):
        header = [c.value for c in ws[1]]
        ids, margin = header.index("Evidence") + 1, header.index("Margin") + 1
        return {ws.cell(row=r, column=ids).value: ws.cell(row=r, column=margin).number_format
                for r in range(2, ws.max_row + 1)
                if ws.cell(row=r, column=margin).value is not None}
    full, kept = formats(whole["Evidence"]), formats(short["Evidence"])
    assert kept and all(full[e] == fmt for e, fmt in kept.items())
    assert len(set(full.values())) > 1  # the margins' own units: s and pu or A


def test_summarise_without_first_is_unchanged():
    frame = pd.DataFrame({"finding": ["a", "a", "b"], "margin": [0.3, 0.1, np.nan],
                          "i_device_a": [1.0, 2.0, np.nan]})
    out = summarise(frame, EVIDENCE_SUMMARY)
    assert out[EXTREME_COLUMN].tolist() == ["min I device (A)", "min Margin; max I device (A)",
                                            "first row (no value)"]
    marked = summarise(frame, EVIDENCE_SUMMARY, EVIDENCE_FIRST)
    assert marked[EXTREME_COLUMN].tolist() == [
        f"{EVIDENCE_FIRST}; min I device (A)", "min Margin; max I device (A)", EVIDENCE_FIRST]
    assert summarise(frame.iloc[:0], EVIDENCE_SUMMARY, EVIDENCE_FIRST).empty
