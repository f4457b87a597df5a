"""``protv2g init`` copies the model, not its folder (review ver39b, session 39: ``init`` of
IEEE 13 beside its master copied every file of the master's folder — the user's ``init.out``,
and at ``init --force`` the earlier ``study.yaml`` and ``val.out``; old workbooks would
follow). The copy holds the scripts and the files they name
(:func:`protv2g.network.opendss_files.model_files`). Reference: OpenDSS itself (``compile``
of the copy and of the original: the same buses, the same bus coordinates and the same load
shapes, their multipliers read from the files the scripts name).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from protv2g.network.opendss_files import model_files


def _opendss(path):
    """What OpenDSS compiles ``path`` to: bus names, buses with coordinates, each load shape's
    name, points and multiplier sum."""
    dss = pytest.importorskip("opendssdirect")
    cwd = os.getcwd()
    dss.Basic.ClearAll()
    dss.Text.Command(f'compile "{path}"')
    os.chdir(cwd)  # OpenDSS moves into the script's folder
    buses = sorted(dss.Circuit.AllBusNames())
    xy = sum(dss.Circuit.SetActiveBus(b) >= 0 and dss.Bus.Coorddefined() for b in buses)
    shapes, k = [], dss.LoadShape.First()
    while k:
        shapes.append((dss.LoadShape.Name(), dss.LoadShape.Npts(),
                       round(float(sum(dss.LoadShape.PMult())), 9)))
        k = dss.LoadShape.Next()
    return buses, xy, shapes


def test_init_copies_the_model_not_the_users_outputs(shared_dir, tmp_path):
    """IEEE 13 drafted into a study folder of its own (its ``../IEEELineCodes.DSS`` puts the
    model's folder one up, so the model is copied beside the study): the copy is the master,
    the line codes and the bus coordinates its ``BusCoords`` names — not the user's
    ``init.out``, an earlier study, a workbook or a results folder — and compiles in OpenDSS
    to the original's circuit. (Beside its master, init copies nothing since review rev42b
    F1: tests/test_init_beside_master.py.)"""
    src = shared_dir / "feeders/opendss"
    shutil.copytree(src / "13Bus", tmp_path / "13Bus")
    shutil.copy(src / "IEEELineCodes.DSS", tmp_path / "IEEELineCodes.DSS")
    here = tmp_path / "13Bus"
    for junk in ("init.out", "study.yaml", "val.out", "old_report.xlsx"):
        (here / junk).write_text("the user's own file")
    (here / "results").mkdir()
    (here / "results" / "faults.parquet").write_bytes(b"PAR1")
    master = here / "IEEE13Nodeckt.dss"
    studies = tmp_path / "studies"
    run = subprocess.run([sys.executable, "-m", "protv2g", "init", str(master), "-o",
                          str(studies / "study.yaml")],
                         capture_output=True, text=True, cwd=here, timeout=900)
    assert run.returncode == 0, run.stderr
    copy = studies / tmp_path.name
    copied = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file())
    assert copied == ["13Bus/IEEE13Node_BusXY.csv", "13Bus/IEEE13Nodeckt.dss",
                      "13Bus/IEEELineCodes.DSS", "IEEELineCodes.DSS"], copied
    assert "(4 files," in run.stdout and "edit the model there" in run.stdout
    original = _opendss(master)
    assert original[1] == len(original[0]) == 16  # every bus has coordinates
    assert _opendss(copy / "13Bus/IEEE13Nodeckt.dss") == original


def test_the_files_a_model_names_are_found_whatever_the_property(shared_dir, tmp_path):
    """The European LV feeder's 55 load shapes read ``mult=(file=Daily_1min_100profiles/…)``
    and its master ``buscoords Buscoords.txt``: the model is its 7 scripts, those 55 profiles
    and the coordinates (63 files; its folder holds 109). A copy of them alone compiles in
    OpenDSS to the same 907 buses, 906 with coordinates, and the same 56 load shapes."""
    folder = shared_dir / "feeders/opendss/LVTestCase"
    files = model_files(folder / "Master.dss")
    assert len(files) == 63
    assert sum(f.parent.name == "Daily_1min_100profiles" for f in files) == 55
    for f in files:
        target = tmp_path / f.relative_to(folder.resolve())
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, target)
    original = _opendss(folder / "Master.dss")
    assert (len(original[0]), original[1], len(original[2])) == (907, 906, 56)
    assert _opendss(tmp_path / "Master.dss") == original
