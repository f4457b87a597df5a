"""The workbook read back (openpyxl and pandas): sheets, headers with units, row counts,
hyperlinks, pictures, safe text, "not computed" notes, gate verdict, atomic write."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import protv2g
from protv2g.report.devices import devices_from_settings
from protv2g.report.excel import header_label, sheet_specs, write_workbook
from protv2g.report.feeder_graph import device_chains, feeder_graph
from protv2g.report.sheets import SHEET_ORDER, sort_violations
from protv2g.result import VIOLATION_COLUMNS, StudyResult

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"
UNSAFE = '=HYPERLINK("x")'


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


def _small_result(**changes) -> StudyResult:
    """A hand-made result: two feeders' worth of settings and topology, five violations."""
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
        _violation(criterion="C1", status="warn", scenario="s1", fault_bus="B2",
                   fault_type="3ph", case="max", device="RC1", other_device="R1",
                   i_device_a=2000.0, i_other_a=2000.0, margin=0.05, limit=0.3),
        _violation(criterion="C2", status="fail", scenario="s1", fault_bus="B3",
                   fault_type="SLG", case="max", device=UNSAFE, other_device="RC1",
                   i_device_a=1500.0, i_other_a=1200.0, t_device_s=0.05, margin=-0.02),
        _violation(criterion="C1", status="fail", scenario="s2", fault_bus="B2",
                   fault_type="3ph", case="min", device="R1", other_device="RC1",
                   i_device_a=900.0, i_other_a=900.0, margin=-0.1, limit=0.3),
        _violation(criterion="C7", status="info", scenario="s2", fault_bus="S",
                   fault_type="3ph", case="max", device="R1", margin=0.5),
        _violation(criterion="C12", status="warn", scenario="s2", fault_bus="L1",
                   margin=-0.01, message="+voltage rise"),
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


def test_sheet_order_and_extra_tables(small_book):
    result, _, wb = small_book
    expected = [t for t in SHEET_ORDER]
    expected.insert(expected.index("Scenarios"), "Device faults")
    assert wb.sheetnames == expected
    assert [s.title for s in sheet_specs(result)] == expected[1:-3]


def test_rows_headers_and_tables_match_result(small_book):
    result, path, wb = small_book
    frames = pd.read_excel(path, sheet_name=None)
    assert len(frames["Violations"]) == len(result.violations)
    assert len(frames["Fault currents"]) == len(result.fault_currents)
    assert len(frames["Settings"]) == len(result.settings)
    assert len(frames["Scenarios"]) == len(result.scenarios)
    assert len(frames["Hosting capacity"]) == 2
    assert len(frames["Device faults"]) == 1
    assert [c.value for c in wb["Violations"][1]] == (
        [header_label(c) for c in VIOLATION_COLUMNS] + ["TCC"])
    assert list(frames["Fault currents"].columns)[5] == "Ikss (kA)"
    for spec in sheet_specs(result):
        ws = wb[spec.title]
        assert ws.freeze_panes == "A2", spec.title
        assert len(ws.tables) == 1, spec.title
        assert ws.auto_filter is not None
    assert wb["Fault currents"]["F2"].number_format == "0.000"
    assert not wb["Summary"].sheet_view.showGridLines


def test_violations_sorted_by_status_then_margin(small_book):
    _, path, _ = small_book
    v = pd.read_excel(path, sheet_name="Violations")
    assert v["Status"].tolist() == ["fail", "fail", "warn", "warn", "info"]
    assert v["Margin"].tolist() == [-0.1, -0.02, -0.01, 0.05, 0.5]
    assert sort_violations(pd.DataFrame(columns=VIOLATION_COLUMNS)).empty


def test_severity_conditional_formatting(small_book):
    _, _, wb = small_book
    rules = [r for cf in wb["Violations"].conditional_formatting for r in cf.rules]
    formulas = {f for r in rules for f in (r.formula or [])}
    assert '$B2="fail"' in formulas and '$B2="warn"' in formulas


def test_hyperlinks_point_at_pictures(small_book):
    _, _, wb = small_book
    ws = wb["Violations"]
    link_col = [c.value for c in ws[1]].index("TCC") + 1
    targets = [ws.cell(row=r, column=link_col).hyperlink for r in range(2, ws.max_row + 1)]
    assert all(t is not None for t in targets)
    locations = [t.location or t.target for t in targets]
    # Worst two rows: the R1/RC1 pair and the fuse/RC1 pair.
    assert locations[0].startswith("'TCC pairs'!A") or "TCC pairs" in locations[0]
    assert any("TCC chains" in loc for loc in locations)  # C7: single device → its chain
    assert any("Feeder plot" in loc for loc in locations)  # C12: no device → feeder plot
    for loc in locations:
        sheet, _, cell = loc.lstrip("#").rpartition("!")
        ws_target = wb[sheet.strip("'")]
        if sheet.strip("'") == "TCC pairs":
            assert ws_target[cell].value  # the pair's title cell


def test_pictures_present(small_book):
    _, _, wb = small_book
    assert len(wb["TCC pairs"]._images) == 2  # {R1, RC1} and {UNSAFE, RC1}
    assert len(wb["TCC chains"]._images) == 2  # R1 > RC1 > fuse, R1 > F2
    assert len(wb["Feeder plot"]._images) == 1
    for name in ("TCC pairs", "TCC chains", "Feeder plot"):
        assert not wb[name].sheet_view.showGridLines


def test_formula_like_names_stay_text(small_book):
    _, path, wb = small_book
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == UNSAFE]
    sheets = {c.parent.title for c in cells}
    assert {"Violations", "Settings", "Inputs"} <= sheets
    assert all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)
    v = pd.read_excel(path, sheet_name="Violations")
    assert UNSAFE in v["Device"].tolist()
    assert "+voltage rise" in v["Message"].tolist()


def test_missing_stage_sheet_has_header_and_note(small_book):
    result, path, wb = small_book
    ws = wb["Coordination"]
    assert ws["A1"].value == "Criterion" and ws["H1"].value == "I primary (A)"
    assert ws["A2"].value.startswith("not computed in this run:")
    assert "tables['Coordination']" in ws["A2"].value
    summary = [c.value for row in wb["Summary"].iter_rows() for c in row if c.value]
    assert "Coordination" in " ".join(map(str, summary))


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
    assert _summary_values(wb)["Verdict"] == "not evaluated"
    result = _small_result(meta={"gate": {"verdict": "FAIL", "reasons": ["2 failing (C1)"]}},
                           tables={}, violations=pd.DataFrame(columns=VIOLATION_COLUMNS))
    values = _summary_values(openpyxl.load_workbook(write_workbook(result, tmp_path / "g.xlsx")))
    assert values["Verdict"] == "FAIL"
    assert values["  reason"] == "2 failing (C1)"
    wb = openpyxl.load_workbook(tmp_path / "g.xlsx")
    assert wb["Violations"]["A2"].value == "no violations (gate verdict FAIL)"


def test_summary_counts_hosting_and_signoff(small_book, tmp_path):
    _, _, wb = small_book
    values = _summary_values(wb)
    assert values["Violations"] == "5 (2 failing)"
    # the figure per site is the gate's: without a gate the report does not make one up
    assert "the gate did not give a hosting capacity" in values["Hosting capacity"]
    gate = {"verdict": "FAIL", "reasons": ["fail: C2"], "hosting_capacity_kw": {"site": 500.0},
            "hosting_limited": {"site": True}}
    result = _small_result(meta={"gate": gate, "input_digest": "abc"})
    values = _summary_values(openpyxl.load_workbook(write_workbook(result, tmp_path / "h.xlsx")))
    assert values["  site"] == f"500 kW (limited by C2 at {UNSAFE})"
    for key in ("Name", "Date", "Decision", "Comments"):
        assert key in values
    assert wb["Summary"].data_validations.dataValidation  # decision drop-down


def test_empty_violations_say_the_gate_did_not_run(tmp_path):
    result = _small_result(violations=pd.DataFrame(columns=VIOLATION_COLUMNS))
    wb = openpyxl.load_workbook(write_workbook(result, tmp_path / "e.xlsx"))
    assert "gate was not evaluated" in wb["Violations"]["A2"].value
    assert wb["TCC pairs"]["A2"].value.startswith("no pair plots")


def test_without_topology_chain_and_feeder_sheets_say_why(tmp_path):
    result = _small_result(tables={})
    wb = openpyxl.load_workbook(write_workbook(result, tmp_path / "t.xlsx"))
    assert "not computed" in wb["TCC chains"]["A2"].value
    assert "not computed" in wb["Feeder plot"]["A2"].value
    assert len(wb["TCC pairs"]._images) == 2  # pairs need only settings + violations


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
    frames = pd.read_excel(path, sheet_name=None)
    assert len(frames["Fault currents"]) == len(result.fault_currents)
    assert len(frames["Settings"]) == len(result.settings) == 8
    assert len(frames["Scenarios"]) == len(result.scenarios)
    assert len(frames["Violations"]) == max(len(result.violations), 1)
    wb = openpyxl.load_workbook(path)
    assert len(wb["TCC chains"]._images) == 4
    assert len(wb["Feeder plot"]._images) == 1
    assert _summary_values(wb)["Verdict"] in {"not evaluated", "PASS", "FAIL", "ERROR"}


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    result = _small_result(tables={}, violations=pd.DataFrame(columns=VIOLATION_COLUMNS))
    existing = tmp_path / "x.xlsx"
    existing.write_bytes(b"old report")

    def boom(self, filename):
        raise OSError("disk full")
    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
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
