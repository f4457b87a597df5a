"""``recommend --apply`` writes like ``init`` and ``run -o`` (fix47 item 2):

* ``-o DIR`` (an existing folder, or a path ending in a separator) writes the study's file
  name inside it — old code tried to replace the folder with the file after the whole search
  (``IsADirectoryError``);
* an existing study file at ``-o``, or a feeder file beside it that differs from the one the
  written study needs copied there, is refused (exit 2, before the search) naming
  ``--force``; ``--force`` writes — old code overwrote both silently;
* the feeder files copied beside it go through temporaries with the study file, and a stop
  part-way leaves neither file nor folder — old code copied them in place first
  (``shutil.copy2``/``copytree``), and a stop left them and their folders.

The search itself is replaced by a stand-in giving one real change of the depot study (its
fuse link FU-F1-LAT2 40K → 25K, as tests/test_recommend_write.py), so only the writing runs.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g import load_study
from protv2g.cli import main
from protv2g.recommend import Change, Family

DEPOT = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder" / "study.yaml"
CHANGE = Change("devices", "FU-F1-LAT2", "link", "40K", "25K", Family.FUSE_LINK, 0.1)
EARLIER = "# the earlier fixed study\n"


@pytest.fixture()
def no_search(monkeypatch):
    """The command with its load, faults, flows and search stood in for: one change."""
    import protv2g
    import protv2g.pipeline as pipeline
    import protv2g.recommend as recommend_pkg
    import protv2g.scenarios as scenarios

    study = load_study(DEPOT)
    findings = pd.DataFrame(columns=["finding", "criterion", "device", "other_device",
                                     "mechanism", "status", "attribution", "title"])
    rec = SimpleNamespace(changes=[CHANGE], table=lambda: pd.DataFrame(), n_check_runs=1,
                          seconds=1.0, before=SimpleNamespace(findings=findings),
                          after=SimpleNamespace(findings=findings), hosting_before_kw=None,
                          hosting_after_kw=None)
    searched = []
    monkeypatch.setattr(protv2g, "load_study", lambda p: study)
    monkeypatch.setattr(scenarios, "build_scenarios", lambda d: [])
    monkeypatch.setattr(pipeline, "fault_tables", lambda *a, **k: None)
    monkeypatch.setattr(pipeline, "study_flow", lambda *a, **k: None)
    monkeypatch.setattr(recommend_pkg, "recommend", lambda *a, **k: searched.append(1) or rec)
    return searched


def _run(output, force=False):
    from protv2g.commands import recommend as cmd

    return cmd.run(argparse.Namespace(study=str(DEPOT), apply=True, output=str(output),
                                      hosting=False, json=False, force=force))


def test_output_folder_gets_the_studys_file_name(no_search, tmp_path, capsys):
    out = tmp_path / "fixed"
    out.mkdir()
    assert _run(out) == 0
    written = out / "study.yaml"
    assert "link: 25K" in written.read_text(encoding="utf-8")
    assert (out / "feeder.json").read_bytes() == (DEPOT.parent / "feeder.json").read_bytes()
    assert load_study(written).name == "depot_two_feeder"
    assert f"wrote {written}" in capsys.readouterr().err


def test_existing_output_refused_before_the_search_unless_forced(no_search, tmp_path):
    from protv2g.errors import InputError

    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(EARLIER, encoding="utf-8")
    (tmp_path / "feeder.json").write_text("{}", encoding="utf-8")  # another feeder
    with pytest.raises(InputError) as err:
        _run(fixed)
    text = str(err.value)
    assert str(fixed) in text and "the study file exists" in text and "--force" in text
    assert str(tmp_path / "feeder.json") in text and "differs" in text
    assert no_search == []  # refused before the search
    assert fixed.read_text(encoding="utf-8") == EARLIER
    assert (tmp_path / "feeder.json").read_text(encoding="utf-8") == "{}"
    assert _run(fixed, force=True) == 0
    assert "link: 25K" in fixed.read_text(encoding="utf-8")
    assert (tmp_path / "feeder.json").read_bytes() == \
        (DEPOT.parent / "feeder.json").read_bytes()


def test_cli_refusal_names_force(tmp_path, capsys):
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(EARLIER, encoding="utf-8")
    assert main(["recommend", str(DEPOT), "--apply", "-o", str(fixed)]) == 2
    err = capsys.readouterr().err
    assert "the study file exists" in err and "--force to overwrite it" in err
    assert fixed.read_text(encoding="utf-8") == EARLIER


@pytest.mark.parametrize("stop", [KeyboardInterrupt, OSError])
def test_a_stop_during_the_feeder_copy_leaves_no_file_nor_folder(no_search, tmp_path,
                                                                 monkeypatch, stop):
    import protv2g.recommend.apply as apply_mod

    def cut(src, dst, *a, **k):
        Path(dst).write_bytes(Path(src).read_bytes()[:10])
        raise stop("stopped while the feeder was copied")

    monkeypatch.setattr(apply_mod.shutil, "copy2", cut)
    out = tmp_path / "new" / "deeper" / "fixed.yaml"
    with pytest.raises(stop):
        _run(out)
    assert os.listdir(tmp_path) == []  # no file, no temporary, no folder
