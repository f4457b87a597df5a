"""A workbook's set removes the tables an earlier run spilled beside it and this run did not
(review fix45b: run 1 wrote ``study.C5_buses.parquet``, run 2 none, and the old spill stayed
beside the new workbook), and nothing else (:func:`protv2g.report.atomic.stale_spills`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from protv2g.report import overflow
from protv2g.report.atomic import atomic_set, atomic_target, stale_spills
from protv2g.report.excel import write_workbook

from .test_report import _small_result
from .test_report_overflow import _long_faults

#: Files beside ``study.xlsx`` that are not its spills: kept whatever the run writes.
OTHERS = ("other.C5_buses.parquet", "study.v2.Evidence.parquet", "study.notes.txt",
          "study.C5_buses.parquet.bak", "study.xlsx.old")


def _write(folder: Path, names) -> None:
    for name in names:
        (folder / name).write_bytes(b"an earlier run's " + name.encode())


def test_set_removes_this_workbooks_stale_spills_only(tmp_path):
    _write(tmp_path, ("study.xlsx", "study.C5_buses.parquet", "study.Evidence.csv.gz",
                      *OTHERS))
    with atomic_set():
        for name in ("study.Evidence.parquet", "study.xlsx"):
            with atomic_target(tmp_path / name) as tmp:
                Path(tmp).write_text("new " + name)
    assert sorted(os.listdir(tmp_path)) == sorted(
        ("study.xlsx", "study.Evidence.parquet", *OTHERS))
    assert (tmp_path / "study.xlsx").read_text() == "new study.xlsx"


def test_a_stopped_set_removes_nothing(tmp_path):
    old = ("study.xlsx", "study.C5_buses.parquet")
    _write(tmp_path, old)
    with pytest.raises(KeyboardInterrupt), atomic_set():
        with atomic_target(tmp_path / "study.xlsx") as tmp:
            Path(tmp).write_text("new")
        raise KeyboardInterrupt
    assert sorted(os.listdir(tmp_path)) == sorted(old)


def test_a_set_without_a_workbook_removes_nothing(tmp_path):
    _write(tmp_path, ("study.C5_buses.parquet",))
    with atomic_set():
        with atomic_target(tmp_path / "study.png") as tmp:
            Path(tmp).write_text("new")
    assert sorted(os.listdir(tmp_path)) == ["study.C5_buses.parquet", "study.png"]
    assert stale_spills([tmp_path / "study.png"]) == []


def test_second_run_without_a_spill_leaves_none_of_the_first(monkeypatch, tmp_path):
    """write_workbook twice to one path: the first run's Fault currents table is longer than
    a (patched, 50-row) sheet and spilled; the second's fits, and its spill is gone."""
    monkeypatch.setattr(overflow, "EXCEL_MAX_ROWS", 50)
    monkeypatch.setattr(overflow, "_parquet_available", lambda: False)
    path = tmp_path / "small.xlsx"
    write_workbook(_small_result(fault_currents=_long_faults()), path)
    assert (tmp_path / "small.Fault_currents.csv.gz").exists()
    write_workbook(_small_result(), path)
    assert sorted(os.listdir(tmp_path)) == ["small.xlsx"]
