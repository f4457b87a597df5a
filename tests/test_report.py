"""The workbook read back (openpyxl and pandas): sheets, headers with units, findings and their
evidence, per-pair table, hyperlinks to TCC pictures, safe text, "not computed" notes, gate
verdict, atomic write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import protv2g
from protv2g.findings import Attribution
from protv2g.report.bulk import BULK_ROWS, BULK_SUMMARIES, summarise
from protv2g.report.derived import derive, result_findings
from protv2g.report.devices import devices_from_settings
from protv2g.report.excel import header_label, write_workbook
from protv2g.report.feeder_graph import device_chains, feeder_graph
from protv2g.report.scenario_rows import all_scenarios
from protv2g.report.sheets import DATA_SHEETS, SHEET_ORDER, sheet_specs, sort_violations
from protv2g.result import VIOLATION_COLUMNS, StudyResult
from protv2g.violations import STATUS_ORDER

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"
UNSAFE = '=HYPERLINK("x")'
SPEC = {s.title: s for s in DATA_SHEETS}


@pytest.fixture(scope="module")
def depot(depot_study, depot_result):
    """The depot study and its result (computed once per test run, conftest), with the
    feeder tables the report draws from."""
    assert "Feeder branches" in depot_result.tables
    return depot_study, depot_result


def _violation(**kw):
    row = dict.fromkeys(VIOLATION_COLUMNS)
    row.update(kw)
    return row


def _coordination(**kw):
    row = dict(criterion=None, check=None, scenario=None, fault_bus=None, fault_type=None,
               case=None, primary=None, backup=None, i_primary_a=None, i_backup_a=None,
               t_primary_s=None, t_backup_s=None, margin_s=None, required_s=None,
               ok=None, status=None)
    row.update(kw)
    return row


def _small_result(**changes) -> StudyResult:
    """A hand-made result: two feeders' worth of settings and topology, six violation rows
    making five findings (the two C1 rows are one problem: R1 backing up RC1)."""
    settings = pd.DataFrame([
        dict(device="R1", kind="relay", element="line", element_index=0, bus="S",
             pickup_a=400.0, curve="IEEE-VI", time_dial=2.0, curve_sources="IEEE C37.112"),
        dict(device="RC1", kind="recloser", element="line", element_index=1, bus="B1",
             phase_min_trip_a=280.0, fast_curve="101", delayed_curve="133", n_fast=2.0,
             n_delayed=2.0, reclose_intervals_s="0.5, 2.0, 2.0", curve_sources="EPRI"),
        dict(device=UNSAFE, kind="fuse", element="line", element_index=2, bus="B2",
             link="40K", curve_sources="OpenDSS Klink"),
        dict(device="F2", kind="fuse", element="line", element_index=3, bus="B1",
             link="65K", curve_sources="OpenDSS Klink"),
    ])
    buses = pd.DataFrame(dict(bus=[0, 1, 2, 3, 4], name=["S", "B1", "B2", "B3", "L1"],
                              vn_kv=[12.47] * 5, is_source=[True, False, False, False, False]))
    branches = pd.DataFrame(dict(element=["line"] * 4, element_index=[0, 1, 2, 3],
                                 name=["L0", "L1", "L2", "L3"], from_bus=["S", "B1", "B2", "B1"],
                                 to_bus=["B1", "B2", "B3", "L1"], length_km=[1.0] * 4,
                                 in_service=[True] * 4))
    violations = pd.DataFrame([
        _violation(criterion="C1", status="warn", attribution="pre-existing", scenario="s1",
                   fault_bus="B2", fault_type="3ph", case="max", device="R1",
                   other_device="RC1", i_device_a=2000.0, i_other_a=2000.0, margin=0.05,
                   margin_unit="s", limit=0.3),
        _violation(criterion="C2", status="fail", attribution="pre-existing", scenario="s1",
                   fault_bus="B3", fault_type="SLG", case="max", device=UNSAFE,
                   other_device="RC1", i_device_a=1500.0, i_other_a=1200.0, t_device_s=0.05,
                   margin=-0.02, margin_unit="s"),
        _violation(criterion="C1", status="fail", attribution="worse", scenario="s2",
                   fault_bus="B2", fault_type="3ph", case="min", device="R1",
                   other_device="RC1", i_device_a=900.0, i_other_a=900.0, margin=-0.1,
                   margin_unit="s", limit=0.3),
        _violation(criterion="C7", status="info", attribution="new", scenario="s2",
                   fault_bus="S", fault_type="3ph", case="max", device="R1", margin=0.5,
                   margin_unit="kA"),
        _violation(criterion="C12", status="warn", attribution="new", scenario="s2",
                   fault_bus="L1", margin=-0.01, margin_unit="pu", message="+voltage rise"),
        # a margin in amperes: far below the others in raw value, never sorted among seconds
        _violation(criterion="C8", status="fail", attribution="new", scenario="s2",
                   fault_bus="B1", fault_type="LL", case="min", device="R1",
                   i_device_a=285.0, margin=-115.0, margin_unit="A", limit=400.0),
    ])
    coordination = pd.DataFrame([
        _coordination(criterion="C1", check="coordination_interval", scenario="s1",
                      fault_bus="B2", fault_type="3ph", case="max", primary="RC1",
                      backup="R1", i_primary_a=2000.0, i_backup_a=2000.0, t_primary_s=0.2,
                      t_backup_s=0.55, margin_s=0.05, required_s=0.3, ok=True, status="ok"),
        _coordination(criterion="C1", check="coordination_interval", scenario="s2",
                      fault_bus="B2", fault_type="3ph", case="min", primary="RC1",
                      backup="R1", i_primary_a=900.0, i_backup_a=900.0, t_primary_s=0.5,
                      t_backup_s=0.7, margin_s=-0.1, required_s=0.3, ok=False,
                      status="fail"),
        _coordination(criterion="C2", check="fuse_saving_k", scenario="s1", fault_bus="B3",
                      fault_type="SLG", case="max", primary="RC1", backup=UNSAFE,
                      i_primary_a=1200.0, i_backup_a=1500.0, t_primary_s=0.07,
                      t_backup_s=0.05, margin_s=-0.02, required_s=0.0, ok=False,
                      status="fail"),
    ])
    faults = pd.DataFrame(dict(scenario=["s1"] * 4, bus=[0, 1, 2, 3],
                               bus_name=["S", "B1", "B2", "B3"], fault_type=["3ph"] * 4,
                               case=["max", "max", "min", "max"],
                               ikss_ka=[8.0, 4.0, 0.4, 1.5], ikss_degree=[-80.0] * 4))
    scenarios = pd.DataFrame(dict(scenario=["s1", "s2"], participation=["expected"] * 2,
                                  load_level=["light"] * 2, export_level=["0", "100%"],
                                  is_base=[True, False], p_site_kw=[0.0, 1000.0]))
    base = dict(
        study_name="small", fault_currents=faults, violations=violations, scenarios=scenarios,
        settings=settings,
        inputs={"study_file": "small.yaml",
                "document": {"name": "small", "devices": [{"name": UNSAFE, "kind": "fuse"}],
                             "v2g_sites": [{"name": "site", "bus": "B2", "n_chargers": 4,
                                            "p_charger_kw": 250}],
                             "checks": {"cti_s": 0.3}}},
        meta={"input_digest": "abc", "versions": {"protv2g": "0.1.0"}},
        tables={"Feeder buses": buses, "Feeder branches": branches,
                "Coordination": coordination,
                "Hosting capacity": pd.DataFrame(dict(
                    site=["site", "site"], participation=["expected", "firm"],
                    load_level=["peak", "peak"], hosting_kw=[750.0, 500.0],
                    hosting_chargers=[15, 10], limiting_criterion=["C1", "C2"],
                    limiting_device=["R1", UNSAFE], limiting_fault=["3ph max at B2"] * 2,
                    site_max_kw=[1000.0, 1000.0], limited=[True, True], note=["", ""])),
                "Device faults": pd.DataFrame(dict(device=["R1"], i_max_ka=[8.0]))})
    base.update(changes)
    return StudyResult(**base)


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    result = _small_result()
    path = write_workbook(result, tmp_path_factory.mktemp("small") / "small.xlsx")
    return result, path, openpyxl.load_workbook(path)


def test_header_labels_carry_units():
    assert header_label("ikss_ka") == "Ikss (kA)"
    assert header_label("t_device_s") == "T device (s)"
    assert header_label("ikss_degree") == "Ikss (°)"
    assert header_label("i_primary_a") == "I primary (A)"
    assert header_label("loading_percent") == "Loading (%)"
    assert header_label("criterion") == "Criterion"
    # the 67P quadrature voltage is line-to-line in pu of the phase-to-neutral base: the
    # header says so (a review read 1.73 pu as an overvoltage); the 67N's is |3V0|, against
    # 3 × its |V0| minimum (review rev50a #4 read 0.0674 as 3.4 × the 0.02 pu minimum)
    assert header_label("v_polarising_pu") == (
        "V polarising (pu of V LN; 67P: line to line, √3 in normal service; 67N: |3V0|, "
        "against 3 × its |V0| minimum)")
    # the Findings' trend holds margins, not the quantity checked (review rev50b #5)
    assert header_label("export_trend") == "Margin trend (with export or charging)"


def test_sheet_order_and_extra_tables(small_book):
    result, _, wb = small_book
    expected = list(SHEET_ORDER)
    expected.insert(expected.index("Scenarios"), "Device faults")
    assert wb.sheetnames == expected
    assert [s.title for s in sheet_specs(result)] == expected[1:-2]
    assert expected[:3] == ["Summary", "Findings", "Recommendations"]


def test_rows_headers_and_tables_match_result(small_book):
    result, path, wb = small_book
    found = result_findings(result)
    frames = pd.read_excel(path, sheet_name=None)
    # six rows of finding statuses, five problems; every row is evidence (one load level)
    assert len(found.findings) == 5 and len(found.evidence) == 6
    assert len(frames["Findings"]) == len(found.findings)
    assert len(frames["Evidence"]) == len(found.evidence)
    assert sorted(frames["Evidence"]["Margin"]) == sorted(result.violations["margin"])
    assert len(frames["Fault currents"]) == len(result.fault_currents)
    assert len(frames["Settings"]) == len(result.settings)
    assert len(frames["Scenarios"]) == len(result.scenarios)
    assert len(frames["Coordination"]) == len(result.tables["Coordination"])
    # per pair and rule: one base row and one worst-V2G row where both exist
    pairs = frames["Pair coordination"]
    assert sorted(zip(pairs["Pair"], pairs["Case of"], strict=True)) == sorted([
        ("RC1 → R1", "base"), ("RC1 → R1", "worst V2G"), (f"RC1 → {UNSAFE}", "base")])
    assert len(frames["Hosting capacity"]) == 2
    assert len(frames["Device faults"]) == 1
    for title in ("Findings", "Evidence", "Pair coordination", "Fault levels"):
        header = [c.value for c in wb[title][1]]
        columns = SPEC[title].columns
        assert header[:len(columns)] == [header_label(c) for c in columns], title
    assert [c.value for c in wb["Findings"][1]][-1] == "TCC"
    assert list(frames["Fault currents"].columns)[5] == "Ikss (kA)"
    for spec in sheet_specs(result):
        ws = wb[spec.title]
        assert ws.freeze_panes == "A2", spec.title
        assert len(ws.tables) == 1, spec.title
        assert ws.auto_filter is not None
        assert ws.page_setup.orientation == "landscape" and ws.print_title_rows, spec.title
    assert wb["Fault currents"]["F2"].number_format == "0.000"
    assert not wb["Summary"].sheet_view.showGridLines


def _column(ws, label: str) -> int:
    return [c.value for c in ws[1]].index(label) + 1


def test_margins_carry_their_unit(small_book):
    # a margin is a number with its own unit in the cell's format: seconds, amperes, kA, pu
    result, _, wb = small_book
    for title, margin_col, unit_of in (("Findings", "Worst margin", None),
                                       ("Evidence", "Margin", "Margin unit")):
        ws = wb[title]
        m = _column(ws, margin_col)
        units = []
        for r in range(2, ws.max_row + 1):
            cell = ws.cell(row=r, column=m)
            assert isinstance(cell.value, (int, float))  # a number, not text
            units.append(cell.number_format.rpartition(" ")[2].strip('"'))
        if unit_of:
            u = _column(ws, unit_of)
            assert units == [ws.cell(row=r, column=u).value for r in range(2, ws.max_row + 1)]
        assert set(units) == {"s", "A", "kA", "pu"}, title
    found = result_findings(result).findings
    assert found.loc[found["criterion"] == "C8", "margin_unit"].item() == "A"


def test_findings_sorted_failing_first_then_margin_in_one_unit(small_book):
    _, path, _ = small_book
    f = pd.read_excel(path, sheet_name="Findings")
    assert f["Status"].tolist() == ["fail", "fail", "fail", "warn", "info"]
    # failing first; then criterion number; margins compared only within one unit: the
    # −115 A of C8 is not put ahead of the −0.1 s of C1
    assert f["Criterion"].tolist() == ["C1", "C2", "C8", "C12", "C7"]
    assert f["Worst margin"].tolist() == [-0.1, -0.02, -115.0, -0.01, 0.5]
    assert f["Finding"].tolist() == ["F01", "F02", "F03", "F04", "F05"]
    rank = f["Status"].map(STATUS_ORDER)
    assert rank.is_monotonic_increasing
    # the C1 finding is both C1 rows, its worst margin the worse one
    assert f.loc[0, "Rows (by status)"] == "1 fail, 1 warn rows"  # att39: counted by status
    assert f.loc[0, "Evidence"] == "E0001–E0002 (2)"
    assert sort_violations(pd.DataFrame(columns=VIOLATION_COLUMNS)).empty


def test_attribution_per_finding(small_book, tmp_path):
    result, path, _ = small_book
    f = pd.read_excel(path, sheet_name="Findings").set_index("Criterion")
    assert f.loc["C1", "Attribution"] == Attribution.WORSE  # pre-existing + worse rows
    assert f.loc["C2", "Attribution"] == Attribution.PRE_EXISTING
    assert f.loc["C8", "Attribution"] == Attribution.CAUSED
    # rows that carry no attribution are not claimed for or against V2G
    blank = result.violations.assign(attribution=None)
    found = result_findings(_small_result(violations=blank)).findings
    assert set(found["attribution"]) == {Attribution.UNKNOWN}
    wb = openpyxl.load_workbook(write_workbook(_small_result(violations=blank),
                                               tmp_path / "u.xlsx"))
    # the problems only: the C7 info finding apart (review ver49 #5)
    assert "4 not attributed; 1 info finding apart" in _summary_values(wb)["Findings"]


def test_severity_conditional_formatting(small_book):
    _, _, wb = small_book
    for title in ("Findings", "Evidence", "Pair coordination"):
        ws = wb[title]
        letter = openpyxl.utils.get_column_letter(_column(ws, "Status"))
        rules = [r for cf in ws.conditional_formatting for r in cf.rules]
        formulas = {f for r in rules for f in (r.formula or [])}
        assert f'${letter}2="fail"' in formulas and f'${letter}2="warn"' in formulas, title


def _target(cell) -> tuple[str, str]:
    loc = cell.hyperlink.location or cell.hyperlink.target
    sheet, _, ref = loc.lstrip("#").rpartition("!")
    return sheet.strip("'"), ref


def _picture_rows(ws) -> set[int]:
    return {img.anchor._from.row + 1 for img in ws._images}  # 1-based row of the picture


def test_hyperlinks_point_at_pictures_and_evidence(small_book):
    result, _, wb = small_book
    tcc_pictures = _picture_rows(wb["TCC"])
    findings, evidence = wb["Findings"], wb["Evidence"]
    link_col, ev_col, crit_col = (_column(findings, c) for c in ("TCC", "Evidence",
                                                                  "Criterion"))
    by_crit = {}
    for r in range(2, findings.max_row + 1):
        crit = findings.cell(row=r, column=crit_col).value
        sheet, ref = _target(findings.cell(row=r, column=link_col))
        by_crit[crit] = (sheet, ref, findings.cell(row=r, column=link_col).value)
        if sheet == "TCC":  # the title cell of a plot, and the picture just below it
            row = int(ref[1:])
            assert wb["TCC"][ref].value and row + 1 in tcc_pictures
        # the evidence link lands on the finding's first evidence row
        first = findings.cell(row=r, column=ev_col).value.split("–")[0]
        sheet, ref = _target(findings.cell(row=r, column=ev_col))
        assert sheet == "Evidence" and evidence[ref].value == first
    # pairs: the path holding both devices; a ground fault: the ground-element plot
    assert by_crit["C1"][0] == "TCC" and "R1 > RC1" in by_crit["C1"][2]
    title = wb["TCC"][by_crit["C2"][1]].value
    assert UNSAFE in title and "RC1" in title and "ground" in title
    assert "R1" in wb["TCC"][by_crit["C8"][1]].value  # one device → a path through it
    assert by_crit["C12"][0] == "Feeder plot"  # no device → the feeder plot
    assert _picture_rows(wb["Feeder plot"])
    # evidence rows link back to their finding's row
    f_col, id_col = _column(evidence, "Finding"), _column(findings, "Finding")
    for r in range(2, evidence.max_row + 1):
        sheet, ref = _target(evidence.cell(row=r, column=f_col))
        assert sheet == "Findings"
        assert findings.cell(row=int(ref[1:]), column=id_col).value == evidence.cell(
            row=r, column=f_col).value
    # every pair row links to a TCC that draws both devices
    pairs = wb["Pair coordination"]
    p_col, l_col = _column(pairs, "Pair"), _column(pairs, "TCC")
    for r in range(2, pairs.max_row + 1):
        sheet, ref = _target(pairs.cell(row=r, column=l_col))
        assert sheet == "TCC" and int(ref[1:]) + 1 in tcc_pictures
        primary, _, backup = pairs.cell(row=r, column=p_col).value.partition(" → ")
        assert primary in wb["TCC"][ref].value and backup in wb["TCC"][ref].value


def test_pictures_present(small_book):
    _, _, wb = small_book
    # two paths (R1 > RC1 > fuse, R1 > F2) × two element families (phase, ground): the three
    # plots the findings link to are drawn, the fourth listed with its curve data (#21)
    assert len(wb["TCC"]._images) == 3
    texts = [c for row in wb["TCC"].iter_rows(values_only=True) for c in row if c]
    # (session 43: "those the failing findings link to", the same three here)
    assert texts[2].startswith("3 plot(s) drawn: those the failing findings link to; 1 "
                               "other(s) listed") and "--all-tccs" in texts[2]
    listed = texts.index("R1 > F2 — ground elements")
    assert texts[listed + 1].startswith("not drawn (no finding links to it)")
    assert texts[listed + 3] == "F2: 65K min melt; 65K total clear"
    assert len(wb["Feeder plot"]._images) == 1
    for name in ("TCC", "Feeder plot"):
        assert not wb[name].sheet_view.showGridLines


def test_formula_like_names_stay_text(small_book):
    _, path, wb = small_book
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == UNSAFE]
    sheets = {c.parent.title for c in cells}
    assert {"Findings", "Evidence", "Settings", "Inputs", "Fault levels"} <= sheets
    assert all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)
    for title in ("Findings", "Evidence"):
        v = pd.read_excel(path, sheet_name=title)
        assert UNSAFE in v["Device"].tolist(), title
        assert "+voltage rise" in v["Message"].tolist(), title


def test_missing_stage_sheet_has_header_and_note(small_book):
    result, path, wb = small_book
    ws = wb["Device duty"]
    assert ws["A1"].value == "Device" and ws["G1"].value == "I max (kA)"
    assert ws["A2"].value.startswith("not computed in this run:")
    # in user terms: what is missing and which command makes it, no internal names (#19)
    assert "protection checks did not run" in ws["A2"].value
    assert "protv2g run" in ws["A2"].value and "tables[" not in ws["A2"].value
    rec = wb["Recommendations"]["A2"].value
    assert "protv2g recommend" in rec and "tables[" not in rec and "result." not in rec
    summary = [c.value for row in wb["Summary"].iter_rows() for c in row if c.value]
    assert "Device duty" in " ".join(map(str, summary))


def test_reason_from_meta_is_used(tmp_path):
    result = _small_result(meta={"not_computed": {"Flow": "no load profiles in the study"}},
                           tables={}, violations=pd.DataFrame(columns=VIOLATION_COLUMNS))
    wb = openpyxl.load_workbook(write_workbook(result, tmp_path / "r.xlsx"))
    assert wb["Flow"]["A2"].value == "not computed in this run: no load profiles in the study"


def _summary_values(wb) -> dict:
    ws = wb["Summary"]
    return {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value
            for r in range(1, ws.max_row + 1)}


def test_gate_not_evaluated_is_never_pass(small_book, tmp_path):
    _, _, wb = small_book
    assert _summary_values(wb)["Gate verdict"] == "not evaluated"
    assert "PASS" not in {c.value for row in wb["Summary"].iter_rows() for c in row}
    result = _small_result(meta={"gate": {"verdict": "FAIL", "reasons": ["2 failing (C1)"]}},
                           tables={}, violations=pd.DataFrame(columns=VIOLATION_COLUMNS))
    wb = openpyxl.load_workbook(write_workbook(result, tmp_path / "g.xlsx"))
    values = _summary_values(wb)
    assert values["Gate verdict"] == "FAIL"
    assert values["  gate"] == "2 failing (C1)"
    assert wb["Findings"]["A2"].value == "no findings (gate verdict FAIL)"
    assert wb["Evidence"]["A2"].value == "no findings (gate verdict FAIL)"


def _summary_text(wb) -> list[str]:
    return [str(c.value) for row in wb["Summary"].iter_rows() for c in row if c.value]


def test_summary_counts_hosting_and_signoff(small_book, tmp_path):
    _, _, wb = small_book
    values = _summary_values(wb)
    # the findings grids' trend column says its figures are margins (review rev50b #5)
    assert "margin with export (or charging)" in _summary_text(wb)
    # the problems (fail / warn) by attribution, the C7 info finding apart (review ver49 #5:
    # it was counted "caused by V2G"); the rows' count and its name are the CLI's
    # (violations.describe_rows)
    assert values["Findings"] == ("4 problem(s): 2 caused by V2G, 1 made worse by V2G, 1 "
                                  "pre-existing; 1 info finding apart, not a problem: F05; "
                                  "from 6 violation rows (3 failing, 2 warnings, 1 info)")
    # counts per criterion, by criterion number (C12 after C8, not after C1)
    ws = wb["Summary"]
    head = next(r for r in range(1, ws.max_row + 1)
                if ws.cell(row=r, column=1).value == "criterion")
    rows = []
    for r in range(head + 1, ws.max_row + 1):
        crit = ws.cell(row=r, column=1).value
        if not (isinstance(crit, str) and crit.startswith("C")):
            break
        rows.append((crit, ws.cell(row=r, column=5).value, ws.cell(row=r, column=6).value,
                     ws.cell(row=r, column=9).value))
    # every criterion of the catalogue is listed; one with no rows ran and passed
    assert [r[0] for r in rows] == [f"C{k}" for k in range(1, 13)]
    with_rows = [r[:3] for r in rows if r[0] in ("C1", "C2", "C7", "C8", "C12")]
    assert with_rows == [("C1", 1, 1), ("C2", 1, 1), ("C7", 1, 0), ("C8", 1, 1), ("C12", 1, 0)]
    assert all(r[1:3] == (0, 0) and str(r[3]).startswith("passed") for r in rows
               if r[0] not in ("C1", "C2", "C7", "C8", "C12"))
    # the figure per site is the gate's: without a gate the report does not make one up
    assert "the gate did not give a hosting capacity" in values["Hosting capacity"]
    gate = {"verdict": "FAIL", "reasons": ["fail: C2"], "hosting_capacity_kw": {"site": 500.0},
            "hosting_limited": {"site": True}}
    result = _small_result(meta={"gate": gate, "input_digest": "abc"})
    values = _summary_values(openpyxl.load_workbook(write_workbook(result, tmp_path / "h.xlsx")))
    assert values["  site"] == f"500 kW (limited by C2 at {UNSAFE})"
    # with a band, the Summary gives the figure, the band and what set it
    band = pd.DataFrame([dict(site="site", hosting_kw=500.0, band_low_kw=250.0,
                              band_high_kw=750.0, driven_by="charger contribution",
                              limiting_finding="F02", after_recommendations_kw=1000.0,
                              rounding="rounded down to whole chargers (250 kW)",
                              inputs="K 1.20–1.35")])
    tables = {**result.tables, "Hosting band": band}
    wb_band = openpyxl.load_workbook(write_workbook(_small_result(tables=tables),
                                                   tmp_path / "b.xlsx"))
    text = _summary_text(wb_band)
    assert "250 – 750" in text and "charger contribution" in text
    assert "rounded down to whole chargers (250 kW)" in text
    assert len(pd.read_excel(tmp_path / "b.xlsx", sheet_name="Hosting band")) == 1
    for key in ("Name", "Date", "Decision", "Comments"):
        assert key in _summary_values(wb)
    assert wb["Summary"].data_validations.dataValidation  # decision drop-down


def test_empty_violations_say_the_gate_did_not_run(tmp_path):
    result = _small_result(violations=pd.DataFrame(columns=VIOLATION_COLUMNS))
    wb = openpyxl.load_workbook(write_workbook(result, tmp_path / "e.xlsx"))
    assert "gate was not evaluated" in wb["Findings"]["A2"].value
    assert "gate was not evaluated" in wb["Evidence"]["A2"].value
    assert "0 problem(s)" in _summary_values(wb)["Findings"]
    # no finding links to a TCC: none is drawn (#21), every pair is still tabulated and its
    # plot listed, with its curve data, where the pair's link lands
    assert not wb["TCC"]._images
    assert "0 plot(s) drawn" in wb["TCC"]["A3"].value
    assert wb["Pair coordination"].max_row == 4
    pairs = wb["Pair coordination"]
    for r in range(2, pairs.max_row + 1):
        sheet, ref = _target(pairs.cell(row=r, column=_column(pairs, "TCC")))
        assert sheet == "TCC" and wb["TCC"][ref].value.endswith("elements")
        assert wb["TCC"].cell(row=int(ref[1:]) + 1, column=1).value.startswith("not drawn")
    # without a coordination table the per-pair sheet says why it is empty
    tables = {k: v for k, v in result.tables.items() if k != "Coordination"}
    wb = openpyxl.load_workbook(write_workbook(_small_result(tables=tables),
                                               tmp_path / "n.xlsx"))
    note = wb["Pair coordination"]["A2"].value
    assert note.startswith("not computed in this run") and "Coordination" in note


def test_without_topology_chain_and_feeder_sheets_say_why(tmp_path):
    result = _small_result(tables={})
    wb = openpyxl.load_workbook(write_workbook(result, tmp_path / "t.xlsx"))
    assert "not computed" in wb["TCC"]["A2"].value
    assert "not computed" in wb["Feeder plot"]["A2"].value
    assert not wb["TCC"]._images
    assert len(pd.read_excel(tmp_path / "t.xlsx", sheet_name="Findings")) == 5


def test_devices_rebuilt_from_settings():
    models, problems = devices_from_settings(_small_result().settings)
    assert set(models) == {"R1", "RC1", UNSAFE, "F2"} and problems == {}
    assert models["RC1"].settings.reclose_intervals_s == (0.5, 2.0, 2.0)
    bad = pd.DataFrame([dict(device="X", kind="fuse", link="no-such-link")])
    models, problems = devices_from_settings(bad)
    assert models == {} and "X" in problems


def test_depot_chains(depot):
    _, result = depot
    chains = device_chains(feeder_graph(result.tables), result.settings)
    assert chains == [["R-F1", "FU-F1-LAT1"], ["R-F1", "RC-F1", "FU-F1-LAT2"],
                      ["R-F2", "FU-F2-LAT1"], ["R-F2", "RC-F2", "FU-F2-LAT2"]]


def test_depot_end_to_end(depot, depot_workbook):
    _, result = depot
    path = depot_workbook
    found = result_findings(result)
    frames = pd.read_excel(path, sheet_name=None)
    # the depot's fault currents (4,608 rows > BULK_ROWS) are whole beside the workbook, and
    # their sheet holds per bus and fault type the largest and smallest Ikss (#21)
    beside = sorted(path.parent.glob(f"{path.stem}.Fault_currents.*"))
    assert len(beside) == 1
    whole = (pd.read_parquet(beside[0]) if beside[0].suffix == ".parquet"
             else pd.read_csv(beside[0], compression="gzip"))
    assert len(whole) == len(result.fault_currents) > BULK_ROWS
    shown = frames["Fault currents"].iloc[:-1]  # the last row: the note naming the file
    assert len(shown) == len(summarise(whole, BULK_SUMMARIES["Fault currents"]))
    np.testing.assert_allclose(
        np.sort(shown.groupby(["Bus", "Fault type"])["Ikss (kA)"].max().to_numpy()),
        np.sort(whole.groupby(["bus", "fault_type"])["ikss_ka"].max().to_numpy()),
        rtol=1e-9, atol=0)  # cells hold 10 significant digits, the file every digit
    # (trust_report; was rtol=0, atol=1e-12)
    assert len(frames["Settings"]) == len(result.settings) == 8
    # the snapshots, then the flows' own scenarios (charging, day: review rev41c M7)
    assert len(frames["Scenarios"]) == len(all_scenarios(result.scenarios, result.flow)) \
        == len(result.scenarios) + 6
    # tens of findings, not hundreds of rows; every evidence row is in the workbook
    # (info findings apart: C6's rows of what it tried, c6r51)
    assert 1 <= len(frames["Findings"]) == len(found.findings)
    assert int((found.findings["status"].astype(str) != "info").sum()) <= 15
    assert len(frames["Evidence"]) == len(found.evidence)
    assert len(frames["Pair coordination"]) == len(derive(result)["pairs"]) > 0
    wb = openpyxl.load_workbook(path)
    # of four paths × phase and ground, the plots the failing findings link to are drawn
    # (#21; session 43: F12, info, links to a fourth, listed — 4 drawn before)
    findings = wb["Findings"]
    status = [c.value for c in findings[openpyxl.utils.get_column_letter(
        _column(findings, "Status"))][1:]]
    links = [_target(c) for c in findings[openpyxl.utils.get_column_letter(
        _column(findings, "TCC"))][1:]]
    linked = {ref for sheet, ref in links if sheet == "TCC"}
    failing = {ref for (sheet, ref), st in zip(links, status, strict=True)
               if sheet == "TCC" and st == "fail"}
    # (c6r51: C6's info findings of what it tried link to a fifth path, listed, not drawn)
    assert len(wb["TCC"]._images) == len(failing) == 3 and len(linked) == 5
    pictures = {img.anchor._from.row for img in wb["TCC"]._images}  # 0-based: the title's
    assert {int(ref[1:]) for ref in failing} == pictures
    assert len(wb["Feeder plot"]._images) == 1
    assert _summary_values(wb)["Gate verdict"] in {"not evaluated", "PASS", "FAIL", "ERROR"}


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    result = _small_result(tables={}, violations=pd.DataFrame(columns=VIOLATION_COLUMNS))
    existing = tmp_path / "x.xlsx"
    existing.write_bytes(b"old report")

    def boom(wb, filename, tables=None):
        Path(filename).write_bytes(b"half a workbook")  # the temporary file, half written
        raise OSError("disk full")
    # the workbook's saver (report.sheet_writer.save_workbook, openpyxl's writer)
    monkeypatch.setattr("protv2g.report.excel.save_workbook", boom)
    with pytest.raises(OSError):
        result.to_excel(tmp_path / "new.xlsx")
    with pytest.raises(OSError):
        result.to_excel(existing)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"]
    assert existing.read_bytes() == b"old report"


def test_same_input_same_cells(depot, tmp_path):
    # two independent runs of one input (the depot at two export levels: the size of the
    # study proves nothing here) give the same cells
    study = depot[0].with_updates(scenarios={"export_levels_fraction": [0.0, 1.0],
                                             "participation": ["firm"],
                                             "load_levels": ["light"]})
    a = protv2g.run_study(study).to_excel(tmp_path / "a.xlsx")
    b = protv2g.run_study(study).to_excel(tmp_path / "b.xlsx")
    wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
    assert wa.sheetnames == wb.sheetnames
    for name in wa.sheetnames:
        rows_a = list(wa[name].iter_rows(values_only=True))
        rows_b = list(wb[name].iter_rows(values_only=True))
        assert rows_a == rows_b, name


def test_workbook_is_an_ordinary_readable_file(tmp_path):
    import os
    import stat

    path = write_workbook(_small_result(), tmp_path / "perm.xlsx")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_summary_counts_directional_decisions(tmp_path):
    """#18: the Summary counts the Directional sheet's decisions (from ``meta['directional']``,
    :func:`protv2g.directional.directional_summary`); nothing when no element is directional."""
    counts = {"operating": 1406, "wrong_trip": 0, "fails_to_trip": 75,
              "wrong_after_clearing": 3, "matters": 75}
    wb = openpyxl.load_workbook(write_workbook(_small_result(meta={"directional": counts}),
                                               tmp_path / "d.xlsx"))
    text = _summary_values(wb)["Directional elements"]
    assert text.startswith("1406 operating decision(s); 0 wrong trip(s), 75 failure(s)")
    assert "3 wrong only after the fault is cleared" in text
    plain = openpyxl.load_workbook(write_workbook(_small_result(), tmp_path / "p.xlsx"))
    assert "Directional elements" not in _summary_values(plain)
