"""``recommend --apply`` writes its study file whole or not at all (review fix45b): a stop or an
error part-way through the write leaves the earlier file at ``-o`` as it was and no temporary
beside it; a complete write replaces it. Old code wrote ``-o`` in place: the half-written text
stayed there.

The depot's C10 finding (RC-F1's first reclose interval, the change test_finding_ids_kept
applies) gives a real accepted change; the write itself is cut short by a stand-in for
:func:`protv2g.recommend.write_study` that writes half its text, then raises.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import protv2g.recommend as recommend_pkg
from protv2g import load_study, run_study
from protv2g.cli import main
from protv2g.report.derived import result_findings

DEPOT = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder" / "study.yaml"
EARLIER = "# the earlier fixed study\n"


@pytest.fixture(scope="module")
def c10() -> str:
    before = result_findings(run_study(load_study(DEPOT))).findings
    return str(before.loc[before["criterion"] == "C10", "finding"].iat[0])


@pytest.mark.parametrize("stop", [KeyboardInterrupt, OSError])
def test_a_write_cut_short_leaves_the_earlier_file(c10, tmp_path, monkeypatch, capsys, stop):
    real = recommend_pkg.write_study

    def half(study, changes, output, finding_ids=()):
        real(study, changes, output, finding_ids=finding_ids)
        text = Path(output).read_text(encoding="utf-8")
        Path(output).write_text(text[: len(text) // 2], encoding="utf-8")
        raise stop("stopped while the study file was written")

    monkeypatch.setattr(recommend_pkg, "write_study", half)
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(EARLIER, encoding="utf-8")
    args = ["recommend", str(DEPOT), "--finding", c10, "--apply", "-o", str(fixed), "--force"]
    if stop is KeyboardInterrupt:
        assert main(args) == 130
        assert "nothing written; the earlier" in capsys.readouterr().err.splitlines()[-1]
    else:
        with pytest.raises(OSError):
            main(args)
    assert fixed.read_text(encoding="utf-8") == EARLIER
    # no temporary left (the feeder file copied beside it is an input, written before)
    assert [n for n in os.listdir(tmp_path) if n.startswith(".")] == []


def test_a_complete_write_replaces_it(c10, tmp_path, capsys):
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(EARLIER, encoding="utf-8")
    assert main(["recommend", str(DEPOT), "--finding", c10, "--apply", "-o", str(fixed),
                 "--force"]) == 0
    assert f"wrote {fixed}" in capsys.readouterr().err
    text = fixed.read_text(encoding="utf-8")
    assert text != EARLIER and "finding_ids:" in text
    assert load_study(fixed).name == load_study(DEPOT).name
    assert [n for n in os.listdir(tmp_path) if n.startswith(".")] == []
    assert (os.stat(fixed).st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
