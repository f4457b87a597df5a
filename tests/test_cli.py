"""End-to-end CLI: run writes a real workbook; validate lists every problem; exit codes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from protv2g.cli import main

from .conftest import FEEDERS_DIR, REPO_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"


@pytest.fixture(scope="module")
def cli_workbook(tmp_path_factory) -> Path:
    # the command end to end (hosting is covered by the session's depot_result)
    out = tmp_path_factory.mktemp("run") / "depot.xlsx"
    # exit 1: the depot's gate says FAIL (``run`` ends with its gate's exit code)
    assert main(["run", str(DEPOT), "-o", str(out), "--no-hosting"]) == 1
    return out


def test_run_writes_the_three_sheets(cli_workbook):
    wb = openpyxl.load_workbook(cli_workbook)
    assert {"Summary", "Findings", "Evidence", "Fault currents"} <= set(wb.sheetnames)
    ws = wb["Fault currents"]
    header = [c.value for c in ws[1]]
    # the depot's 4,608 fault rows are whole beside the workbook (a bulk table, #21); the
    # sheet holds per bus and fault type the rows of the largest and smallest Ikss
    assert header[:9] == ["Shows", "Rows in group", "Scenario", "Bus", "Bus name",
                          "Fault type", "Case", "Ikss (kA)", "Ikss (°)"]
    beside = cli_workbook.with_name("depot.Fault_currents.parquet")
    assert beside.name in ws.cell(row=ws.max_row, column=1).value
    whole = pd.read_parquet(beside)
    rows = list(whole.itertuples(index=False, name=None))
    assert list(whole.columns[:7]) == ["scenario", "bus", "bus_name", "fault_type", "case",
                                       "ikss_ka", "ikss_degree"]
    buses = {r[2] for r in rows}
    # the 24 buses of the feeder and a close-in position just past each of the 8 devices (#17)
    assert len(buses) == 32 and sum(str(b).endswith(" close-in") for b in buses) == 8
    per_case = {(r[3], r[4]) for r in rows}
    # every position appears once per fault type and case
    for fault_type, case in per_case:
        n = sum(1 for r in rows if r[3] == fault_type and r[4] == case and r[0] == rows[0][0])
        assert n == 32
    assert all(r[5] is not None and r[5] > 0 for r in rows)


def test_run_summary_names_the_study(cli_workbook):
    ws = openpyxl.load_workbook(cli_workbook)["Summary"]
    values = {r[0]: r[1] for r in ws.iter_rows(min_row=1, values_only=True) if r[0]}
    assert ws.cell(2, 1).value == "depot_two_feeder"  # the memo's title line
    assert len(values["Input digest (SHA-256, 16 hex)"]) == 16
    # the CTI by pair type, as the Rules sheet gives them (review s25 §8)
    rules = wb_rules(cli_workbook)
    intervals = values["Coordination intervals"]
    for pair, value_s in rules.items():
        assert f"{pair}, " in intervals and f"= {value_s:g} s" in intervals, intervals
    assert "IEEE Std 242-2001" in intervals
    # the feeder as switched; alternate feeds not studied (review rev37b)
    assert values["Switching state"].startswith("the feeder as its model is switched (no line")
    assert "alternate feeds are not studied" in values["Switching state"]


def wb_rules(path: Path) -> dict[str, float]:
    """The Rules sheet's study-wide coordination intervals: pair type → s."""
    ws = openpyxl.load_workbook(path, read_only=True)["Rules"]
    rows = list(ws.iter_rows(values_only=True))
    head = [str(h).lower() for h in rows[0]]
    rule, device, value, basis = (next(i for i, h in enumerate(head) if h.startswith(k))
                                  for k in ("rule", "device", "value", "basis"))
    return {str(r[basis]).split(",")[0]: float(r[value]) for r in rows[1:]
            if r[rule] == "coordination_interval" and not r[device]}


def test_validate_ok(capsys):
    assert main(["validate", str(DEPOT)]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_three_mistakes_exit_2(tmp_path, capsys):
    shutil.copy(DEPOT.parent / "feeder.json", tmp_path / "feeder.json")
    doc = yaml.safe_load(DEPOT.read_text())
    doc["devices"][0]["pickup_a"] = 0
    doc["devices"][1]["curve"] = "IEEE-VII"
    doc["v2g_sites"][0]["bus"] = "F1-B99"
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert main(["validate", str(study)]) == 2
    err = capsys.readouterr().err
    assert "3 problem(s)" in err
    for field in ("devices[0].pickup_a", "devices[1].curve", "v2g_sites[0].bus"):
        assert field in err
    assert "Traceback" not in err


def test_run_bad_study_exit_2_no_report(tmp_path, capsys):
    study = tmp_path / "study.yaml"
    study.write_text("name: broken\nfeeder: {pandapower_json: none.json}\n")
    out = tmp_path / "out.xlsx"
    assert main(["run", str(study), "-o", str(out)]) == 2
    assert not out.exists()
    assert "not found" in capsys.readouterr().err


def test_console_script_help_and_no_traceback(tmp_path):
    exe = shutil.which("protv2g", path=os.path.dirname(sys.executable)) or "protv2g"
    for args in (["--help"], ["run", "--help"], ["validate", "--help"]):
        proc = subprocess.run([exe, *args], capture_output=True, text=True, cwd=REPO_DIR)
        assert proc.returncode == 0, proc.stderr
        assert "usage" in proc.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    proc = subprocess.run([exe, "validate", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "YAML" in proc.stderr


def test_run_recommend_fills_the_recommendations_sheet(tmp_path, capsys, monkeypatch):
    """Review s26: `protv2g run` never filled the workbook's Recommendations sheet (only
    `protv2g recommend` printed them). ``--recommend`` searches them on the run's own fault
    tables and flows and writes them to the sheet and to the Summary's conditions, the same
    changes `protv2g recommend` prints."""
    out = tmp_path / "depot.xlsx"
    assert main(["run", str(DEPOT), "-o", str(out), "--no-hosting", "--recommend"]) == 1
    capsys.readouterr()
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb["Recommendations"].iter_rows(values_only=True))
    head = [str(h) for h in rows[0]]
    status, change = head.index("Status"), head.index("Change")
    verified = [r[change] for r in rows[1:] if r[status] == "verified"]
    assert "RC-F1 reclose_intervals_s [0.5, 2, 2] → [3.5, 2, 2]" in verified
    summary = {r[1] for r in wb["Summary"].iter_rows(values_only=True)
               if r[0] and str(r[0]).startswith("  condition")}
    # the condition line of the finding it clears gives it (memo36: each condition is a
    # finding the gate acts on, with its recommendation)
    assert any("C10" in str(s) and re.search(
        r"R\d+: RC-F1 reclose_intervals_s \[0\.5, 2, 2\] → \[3\.5, 2, 2\] \(verified[;)]",
        str(s)) for s in summary), summary
    # review rev36a T1: `recommend` was silent for minutes on IEEE 8500; off a terminal,
    # PROTV2G_PROGRESS=1 gives its stages and the finding the search is on, one line each
    monkeypatch.setenv("PROTV2G_PROGRESS", "1")
    assert main(["recommend", str(DEPOT)]) == 0
    out = capsys.readouterr()
    assert "RC-F1 reclose_intervals_s [0.5, 2, 2] → [3.5, 2, 2]" in out.out
    # --finding F01: F01 alone searched (the C2 finding it clears); the after list names only
    # the searched and new ones (review rev38a X4, ver38)
    assert main(["recommend", str(DEPOT), "--finding", "F01"]) == 0
    one = capsys.readouterr().out
    assert one.count("\nR0") == 1 and "R01 F01 " in one
    assert "(0 of them searched or new, listed)" in one
    lines = [ln.split(" at ")[0] for ln in out.err.splitlines()
             if ln.startswith("protv2g recommend: ")]
    assert lines[:4] == [f"protv2g recommend: {s} ({i}/4)" for i, s in
                         enumerate(["load", "faults", "flows", "search"], 1)], lines
    assert "protv2g recommend: search — the findings before any change" in lines
    found = [ln for ln in lines if re.match(r"protv2g recommend: search — finding \d+ of \d+: "
                                            r"F\d+ \(C\d+ ", ln)]
    assert found and "protv2g recommend: search — the findings after the changes" in lines
