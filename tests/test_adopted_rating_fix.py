"""A device adopted from an OpenDSS model without an interrupting rating: the fix names YAML the
user can write (review rev47b P3: it said ``feeder.opendss (fuse f2).interrupting_rating_ka: 10``,
which no study file can hold) — the device's own entry under ``devices:`` with the rating (a
device of the same name replaces the adopted one, docs/study-file.md) — and the gate's ERROR line
says what to do."""

from __future__ import annotations

import pytest
import yaml

from protv2g.cli import main
from protv2g.study import load_study
from protv2g.study.plausibility import plausibility_warnings

from .conftest import SHARED_DIR

CASE = SHARED_DIR / "cases" / "device-delay-import"


@pytest.fixture(scope="module")
def study():
    if not (CASE / "study.yaml").is_file():
        pytest.skip(f"shared case absent: {CASE}")
    return load_study(CASE / "study.yaml")


def test_fix_is_an_entry_the_study_file_takes(study, tmp_path):
    issue = next(i for i in plausibility_warnings(study)
                 if i.field == "feeder.opendss (fuse f2).interrupting_rating_ka")
    assert "under devices:" in issue.fix and "same name replaces" in issue.fix
    entry = issue.fix.split("e.g. ", 1)[1].split(" (kA;", 1)[0]
    doc = yaml.safe_load((CASE / "study.yaml").read_text())
    doc.setdefault("devices", []).extend(yaml.safe_load(entry))
    (tmp_path / "master.dss").write_text((CASE / "master.dss").read_text())
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    fixed = load_study(tmp_path / "study.yaml")
    f2 = next(d for d in fixed.document.devices if d.name == "f2")
    assert f2.interrupting_rating_ka == pytest.approx(10.0)
    assert f2.link == "65K" and f2.time_adder_s == pytest.approx(0.05)
    assert not any(i.field.endswith("(fuse f2).interrupting_rating_ka")
                   for i in plausibility_warnings(fixed))


def test_gate_error_line_says_where_the_rating_goes(study, capsys):
    main(["gate", str(CASE / "study.yaml")])
    err = capsys.readouterr()
    line = next(x for x in (err.out + err.err).splitlines()
                if "could not evaluate C7: device f2" in x)
    assert "fix: define it under devices:" in line and "take C7 out of gate.criteria" in line
