"""Batch runs on Dask: results equal serial runs; a broken study is reported, not fatal.

One module-scoped 2-worker LocalCluster serves every test (its start-up costs seconds); the
batches reach it through ``scheduler=<address>``, the path ``--scheduler`` takes.
"""

from __future__ import annotations

import argparse
import functools
import io
import logging
import math
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from protv2g.batch import (
    SUMMARY_COLUMNS,
    expand_studies,
    plan_tasks,
    run_batch,
    study_result,
)
from protv2g.commands import batch as batch_command
from protv2g.errors import InputError
from protv2g.report.format import header_label
from protv2g.runner import run_study
from protv2g.study import load_study
from protv2g.violations import row_weights

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder"

#: Small copies of the depot study: few scenarios, each copy a little different.
VARIANTS = {
    "alpha": {"faults": {"r_fault_min_ohm": 20.0}, "cti_s": 0.3},
    "bravo": {"faults": {"r_fault_min_ohm": 5.0}, "cti_s": 0.25},
    "charlie": {"faults": {"r_fault_min_ohm": 40.0}, "cti_s": 0.4},
}
TIME_LABELS = re.compile(r"created|generated|timestamp|run at|elapsed|duration|wall", re.I)


def _small_study(folder: Path, name: str, r_fault_min_ohm: float, cti_s: float) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(DEPOT / "feeder.json", folder / "feeder.json")
    doc = yaml.safe_load((DEPOT / "study.yaml").read_text(encoding="utf-8"))
    doc["name"] = name
    doc["faults"].update(fault_types=["3ph", "SLG"], r_fault_min_ohm=r_fault_min_ohm)
    doc["scenarios"] = {"export_levels_fraction": [0.0, 1.0], "participation": ["expected"],
                        "load_levels": ["peak"]}
    doc["checks"] = {"cti_s": cti_s}
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("studies")
    out = {name: _small_study(root / name, f"depot_{name}", v["faults"]["r_fault_min_ohm"],
                              v["cti_s"])
           for name, v in VARIANTS.items()}
    broken = root / "broken"
    broken.mkdir()
    shutil.copy(DEPOT / "feeder.json", broken / "feeder.json")
    doc = yaml.safe_load(out["alpha"].read_text(encoding="utf-8"))
    doc["name"] = "depot_broken"
    doc["devices"][0]["pickup_a"] = -400  # schema: must be > 0
    (broken / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    out["broken"] = broken / "study.yaml"
    return out


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None, silence_logs=logging.ERROR) as local:
        yield local


@pytest.fixture(scope="module")
def batch(studies, cluster, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "screen.xlsx"
    files = [str(studies[k]) for k in ("alpha", "broken", "bravo", "charlie")]
    stream = io.StringIO()
    result = run_batch(files, out, scheduler=cluster.scheduler_address, progress=stream)
    return result, stream.getvalue()


@functools.cache
def _serial(path: Path):
    """A plain serial run of one study file (once per file and test run)."""
    return run_study(load_study(path.resolve()))


def _sheet_values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = [r for r in ws.iter_rows(values_only=True)
                if not (r and isinstance(r[0], str) and TIME_LABELS.search(r[0]))]
        out[ws.title] = rows
    wb.close()
    return out


def _assert_rows_close(a: list[tuple], b: list[tuple]) -> None:
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        assert len(ra) == len(rb)
        for va, vb in zip(ra, rb, strict=True):
            if isinstance(va, float) and isinstance(vb, float):
                assert va == pytest.approx(vb, rel=1e-9, abs=1e-12)
            else:
                assert va == vb


def test_summary_has_one_row_per_study_in_input_order(batch, studies):
    result, progress = batch
    summary = result.summary
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert list(summary["file"]) == [str(studies[k]) for k in ("alpha", "broken", "bravo",
                                                               "charlie")]
    assert list(summary["status"]) == ["ok", "error", "ok", "ok"]
    assert result.n_errors == 1 and result.exit_code == 2
    assert progress.count("\n") == 4 and "[4/4" in progress


def test_broken_study_is_reported_with_file_and_field(batch, studies):
    row = batch[0].summary.iloc[1]
    assert row["verdict"] == "ERROR"
    assert str(studies["broken"].resolve()) in row["error"]
    assert "devices[0].pickup_a" in row["error"]
    assert row["workbook"] == ""


def test_worker_frames_equal_serial_frames(studies, cluster, tmp_path):
    """DataFrames computed on a worker (the task's own code path) equal a serial run's."""
    from distributed import Client

    tasks = plan_tasks([str(studies[k]) for k in ("alpha", "bravo")], tmp_path)
    with Client(cluster.scheduler_address) as client:
        remote = client.gather(client.map(study_result, tasks, pure=False))
    for task, got in zip(tasks, remote, strict=True):
        want = _serial(Path(task.file))
        assert len(want.fault_currents) > 0
        pd.testing.assert_frame_equal(got.fault_currents, want.fault_currents,
                                      rtol=1e-9, atol=1e-12)
        pd.testing.assert_frame_equal(got.violations, want.violations, rtol=1e-9, atol=1e-12)
        pd.testing.assert_frame_equal(got.scenarios, want.scenarios)
        assert got.meta.get("gate") == want.meta.get("gate")
        assert got.meta.get("input_digest") == want.meta.get("input_digest")


def test_batch_workbooks_equal_serial_workbooks(batch, studies):
    summary = batch[0].summary
    for key in ("alpha", "bravo", "charlie"):
        row = summary[summary["file"] == str(studies[key])].iloc[0]
        serial = _serial(studies[key])
        assert row["study"] == serial.study_name
        # every row but the "not applicable" notes (not violations), a C5 group's row as the
        # zone rows it stands for (#21, ``n_buses``)
        applicable = (serial.violations["status"] != "not_applicable").to_numpy()
        assert row["violations"] == int(row_weights(serial.violations)[applicable].sum())
        assert row["verdict"] == (serial.meta.get("gate") or {}).get("verdict",
                                                                     "not evaluated")
        wb = Path(row["workbook"])
        assert wb.is_file() and wb.parent == batch[0].studies_dir
        # every cell of every sheet equals the workbook of a plain serial run
        serial_wb = wb.parent.parent / f"serial_{key}.xlsx"
        serial.to_excel(serial_wb)
        got_cells, want_cells = _sheet_values(wb), _sheet_values(serial_wb)
        assert got_cells.keys() == want_cells.keys()
        assert sum(len(rows) for rows in got_cells.values()) > 100
        for sheet in got_cells:
            _assert_rows_close(got_cells[sheet], want_cells[sheet])


def test_combined_workbook_cells(batch, studies):
    result = batch[0]
    wb = openpyxl.load_workbook(result.workbook, read_only=True)
    assert wb.sheetnames == ["Studies", "Batch"]
    rows = list(wb["Studies"].iter_rows(values_only=True))
    assert rows[0][:5] == ("Study", "Variant", "File", "Status", "Verdict")
    assert len(rows) == 5
    header = rows[0]
    by_file = {r[header.index("File")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    broken = by_file[str(studies["broken"])]
    assert broken["Verdict"] == "ERROR" and "pickup_a" in broken["Error"]
    alpha = by_file[str(studies["alpha"])]
    assert alpha["Status"] == "ok"
    assert alpha["Verdict"] in ("PASS", "FAIL", "ERROR", "not evaluated")
    assert alpha["Hosting capacity"] is not None
    assert Path(alpha["Workbook"]).is_file()
    info = {r[0]: r[1] for r in wb["Batch"].iter_rows(min_row=2, values_only=True)}
    assert info["studies"] == 4 and info["could not be evaluated"] == 1
    assert info["workers"] == 2
    wb.close()
    assert not list(result.workbook.parent.glob(".*.tmp"))


def test_absent_gate_is_not_evaluated_never_pass(batch):
    for row in batch[0].summary.itertuples():
        if row.status == "ok":
            assert row.verdict in ("PASS", "FAIL", "ERROR", "not evaluated")
            if row.verdict == "not evaluated":
                assert row.gate_reasons == ""


def test_vary_export_variants_equal_with_updates(studies, cluster, tmp_path):
    out = tmp_path / "vary.xlsx"
    result = run_batch(studies["charlie"], out, scheduler=cluster.scheduler_address,
                       vary_export=[0.5, 1.0], progress=False)
    assert result.exit_code == 0
    assert list(result.summary["variant"]) == ["export 50%", "export 100%"]
    names = [Path(p).name for p in result.summary["workbook"]]
    assert names == ["charlie_export-0.5.xlsx", "charlie_export-1.xlsx"]
    base = load_study(studies["charlie"].resolve())
    for fraction, wb in zip((0.5, 1.0), result.summary["workbook"], strict=True):
        scenarios = {**base.raw["scenarios"], "export_levels_fraction": [fraction]}
        serial = run_study(base.with_updates(scenarios=scenarios))
        got = pd.read_excel(wb, sheet_name="Scenarios")
        # the sheet lists the fault-and-flow snapshots, then the scenarios only the flows
        # run (charging/…, fix41f: every scenario a finding can cite)
        runs = header_label("runs")
        both = got[got[runs] == "faults and flows"]
        assert len(both) == len(serial.scenarios)
        assert list(both["Scenario"]) == list(serial.scenarios["scenario"])
        assert set(got[runs]) <= {"faults and flows", "flows only"}


def test_cli_prints_one_line_per_study_and_exits_2(studies, cluster, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    batch_command.register(parser.add_subparsers())
    args = parser.parse_args(["batch", str(studies["alpha"]), str(studies["broken"]),
                              "-o", str(tmp_path / "cli.xlsx"), "--scheduler",
                              cluster.scheduler_address, "--no-progress"])
    assert args.func(args) == 2
    # a study's notes follow its line, indented (review rev47b P6)
    lines = [x for x in capsys.readouterr().out.strip().splitlines()
             if not x.startswith("       note: ")]
    assert len(lines) == 3
    assert "depot_alpha" in lines[0] and not lines[0].startswith("ERROR")
    assert lines[1].startswith("ERROR") and "pickup_a" in lines[1]
    assert "1 could not be evaluated" in lines[2]
    args = parser.parse_args(["batch", str(studies["alpha"]), "-o", str(tmp_path / "ok.xlsx"),
                              "--scheduler", cluster.scheduler_address, "--no-progress"])
    assert args.func(args) == 0


def test_cli_rejects_workers_with_scheduler(studies):
    parser = argparse.ArgumentParser()
    batch_command.register(parser.add_subparsers())
    args = parser.parse_args(["batch", str(studies["alpha"]), "--scheduler", "tcp://x:1",
                              "--workers", "2"])
    with pytest.raises(InputError, match="--workers"):
        args.func(args)


# --- planning (no cluster) ---------------------------------------------------------------------


def test_expand_studies_globs_folders_and_missing(studies, tmp_path):
    root = studies["alpha"].parent.parent
    found = expand_studies([str(root / "*" / "study.yaml")])
    assert found == sorted(str(p) for p in studies.values())
    assert expand_studies([root]) == found
    assert expand_studies(["nope/study.yaml"]) == ["nope/study.yaml"]  # reported by the batch
    with pytest.raises(InputError, match="matches no file"):
        expand_studies([str(tmp_path / "*.yaml")])


def test_plan_tasks_unique_workbooks(tmp_path):
    tasks = plan_tasks(["a/study.yaml", "b/a/study.yaml", "x.yaml"], tmp_path, [0.5, 1.0])
    names = [Path(t.workbook).name for t in tasks]
    assert len(set(names)) == 6
    assert names[:2] == ["a_export-0.5.xlsx", "a_export-1.xlsx"]
    assert names[2] == "a_export-0.5-2.xlsx"
    assert all(Path(t.path).is_absolute() for t in tasks)


@pytest.mark.parametrize("kwargs, match", [
    ({"vary_export": [1.5]}, "export fractions"),
    ({"workers": 0}, "--workers"),
])
def test_bad_batch_request_raises(studies, tmp_path, kwargs, match):
    with pytest.raises(InputError, match=match):
        run_batch(studies["alpha"], tmp_path / "x.xlsx", progress=False, **kwargs)


def test_output_must_be_xlsx(studies, tmp_path):
    with pytest.raises(InputError, match="xlsx"):
        run_batch(studies["alpha"], tmp_path / "x.csv", progress=False)


def test_missing_file_is_an_error_row(cluster, tmp_path):
    result = run_batch([str(tmp_path / "missing" / "study.yaml")], tmp_path / "m.xlsx",
                       scheduler=cluster.scheduler_address, progress=False)
    row = result.summary.iloc[0]
    assert row["status"] == "error" and "not found" in row["error"]
    assert result.exit_code == 2
    assert math.isnan(row["worst_margin"])


def _fake_result(tables=None, gate=None):
    from types import SimpleNamespace

    meta = {} if gate is None else {"gate": gate}
    return SimpleNamespace(tables=tables or {}, meta=meta)


def test_hosting_capacity_read_defensively():
    from protv2g.batch.tasks import hosting_summary as _hosting_capacity

    assert _hosting_capacity(_fake_result()) == "not evaluated"
    table = pd.DataFrame({"site": ["depot", "depot", "campus"], "criterion": ["C1", "C3", "C1"],
                          "hosting_capacity_kw": [3000.0, 2500.0, 900.0],
                          "limiting_device": ["R-F1", "RC-F1", None]})
    text = _hosting_capacity(_fake_result({"Hosting capacity": table}))
    assert text == "depot: 2,500 kW (C3 at RC-F1); campus: 900 kW (C1)"
    table = pd.DataFrame({"site": ["campus"], "hosting_kw": [1000.0], "limited": [False]})
    assert "≥ 1,000 kW" in _hosting_capacity(_fake_result({"Hosting capacity": table}))
    assert _hosting_capacity(_fake_result({"Hosting capacity": pd.DataFrame({"x": [1]})}))


@pytest.mark.parametrize("gate, verdict", [
    (None, "not evaluated"), ({"reasons": ["x"]}, "not evaluated"),
    ({"verdict": "FAIL", "reasons": ["C3 fail"]}, "FAIL"), ({"verdict": "PASS"}, "PASS"),
])
def test_gate_read_defensively(gate, verdict):
    from protv2g.batch.tasks import gate_summary as _gate

    assert _gate(_fake_result(gate=gate))[0] == verdict
