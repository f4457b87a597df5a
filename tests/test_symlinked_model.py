"""A feeder path through a symbolic link out of the study's folder is refused, and the
message says it is a link and where to (review rev33a F6: a model folder linked into the
study folder read "path … leaves the study's folder", with no word of the link)."""

from __future__ import annotations

import os
import shutil

import pytest
import yaml

from protv2g.study.loader import validate_study
from protv2g.study.paths import resolve_inside

from .conftest import FEEDERS_DIR

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")


def _study(folder, feeder: str):
    doc = yaml.safe_load((FEEDERS_DIR / "depot_two_feeder" / "study.yaml").read_text())
    doc["feeder"] = {"pandapower_json": feeder}
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_linked_model_folder(tmp_path):
    real = tmp_path / "shared" / "model"
    real.mkdir(parents=True)
    shutil.copy(FEEDERS_DIR / "depot_two_feeder" / "feeder.json", real / "feeder.json")
    study_dir = tmp_path / "study"
    study_dir.mkdir()
    (study_dir / "model").symlink_to(real, target_is_directory=True)
    issues = validate_study(_study(study_dir, "model/feeder.json"))
    (issue,) = [i for i in issues if i.field == "feeder.pandapower_json"]
    assert issue.message == ("path 'model/feeder.json' leaves the study's folder: 'model' is "
                             f"a symbolic link to {real.resolve()}, outside it")
    assert f"cp -r {real.resolve()} model" in issue.fix
    assert f"a folder that holds {real.resolve()}" in issue.fix
    # the same files copied in: valid
    (study_dir / "model").unlink()
    shutil.copytree(real, study_dir / "model")
    assert validate_study(_study(study_dir, "model/feeder.json")) == []


def test_linked_file_and_plain_escape(tmp_path):
    outside = tmp_path / "elsewhere.json"
    outside.write_text("{}")
    study_dir = tmp_path / "s"
    study_dir.mkdir()
    (study_dir / "feeder.json").symlink_to(outside)
    _, (issue,) = resolve_inside(study_dir, "feeder.json", "study.yaml", "feeder.x")
    assert "'feeder.json' is a symbolic link to" in issue.message
    # a link that stays inside the folder is fine
    (study_dir / "inner.json").write_text("{}")
    (study_dir / "alias.json").symlink_to(study_dir / "inner.json")
    target, issues = resolve_inside(study_dir, "alias.json", "study.yaml", "feeder.x")
    assert issues == [] and target == (study_dir / "inner.json").resolve()
    # '..' out of the folder: the former words, no link named
    _, (issue,) = resolve_inside(study_dir, "../elsewhere.json", "study.yaml", "feeder.x")
    assert issue.message == "path '../elsewhere.json' leaves the study's folder"
