"""``protv2g init`` with the study beside a master whose model reaches a folder above it
(chk39, session 39): IEEE 13 redirects ``../IEEELineCodes.DSS``, so the model's folder is the
one above and init copies the model beside the study — but the copy skipped the study's own
folder, which holds the master: the study named ``<copy>/13Bus/IEEE13Nodeckt.dss``, absent, and
``validate`` said "OpenDSS master file not found". Reference: OpenDSS compiles the copy the
study names to the same circuit as the original (bus names, ``Circuit.AllBusNames``)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest


def test_a_study_beside_its_master_loads_when_the_model_reaches_above(shared_dir, tmp_path):
    dss = pytest.importorskip("opendssdirect")
    import yaml

    src = shared_dir / "feeders/opendss"
    shutil.copytree(src / "13Bus", tmp_path / "13Bus")
    shutil.copy(src / "IEEELineCodes.DSS", tmp_path / "IEEELineCodes.DSS")
    master = tmp_path / "13Bus/IEEE13Nodeckt.dss"
    run = subprocess.run([sys.executable, "-m", "protv2g", "init", str(master)],
                         capture_output=True, text=True, cwd=tmp_path / "13Bus", timeout=900)
    assert run.returncode == 0, run.stderr
    study = tmp_path / "13Bus/study.yaml"
    named = (study.parent / yaml.safe_load(study.read_text())["feeder"]["opendss"]).resolve()
    assert named.is_file()
    check = subprocess.run([sys.executable, "-m", "protv2g", "validate", str(study)],
                           capture_output=True, text=True, timeout=900)
    assert "master file not found" not in check.stdout + check.stderr

    def buses(path):
        dss.Basic.ClearAll()
        dss.Text.Command(f'compile "{path}"')
        return sorted(dss.Circuit.AllBusNames())

    assert buses(named) == buses(master)


def test_init_beside_its_master_reads_it_in_place(shared_dir, tmp_path):
    """Review rev42b F1: init beside IEEE 123's master copied the feeder's parent folder (for
    its ``Redirect ../IEEELineCodes.DSS``) into a folder named after it beside the study, and
    the study read the copy: the user's edits to the master beside it went unread. Now the
    study names the master beside it and init says which files outside the folder the model
    reads; OpenDSS (compile of the master the study names) follows the ``../`` itself."""
    import yaml

    src = shared_dir / "feeders/opendss"
    shutil.copytree(src / "13Bus", tmp_path / "13Bus")
    shutil.copy(src / "IEEELineCodes.DSS", tmp_path / "IEEELineCodes.DSS")
    here = tmp_path / "13Bus"
    run = subprocess.run([sys.executable, "-m", "protv2g", "init", "IEEE13Nodeckt.dss"],
                         capture_output=True, text=True, cwd=here, timeout=900)
    assert run.returncode == 0, run.stderr
    assert not (here / tmp_path.name).exists()  # no copy of the parent beside the study
    assert yaml.safe_load((here / "study.yaml").read_text())["feeder"]["opendss"] == \
        "IEEE13Nodeckt.dss"
    assert "in place (not copied)" in run.stdout
    assert str((tmp_path / "IEEELineCodes.DSS").resolve()) in run.stdout
