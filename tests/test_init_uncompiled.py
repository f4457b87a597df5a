"""``protv2g init`` says when a script beside the master defines protective devices the master
does not compile (review rev31, friction 1: IEEE 8500's ``Fuses.DSS`` defines 30 fuses that
``Master.dss`` does not redirect; init drafted a study with none and said nothing)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

pytest.importorskip("opendssdirect")

from protv2g.study_draft.uncompiled import uncompiled_device_notes  # noqa: E402
from tests.test_init_fuse_draft import _master, _model  # noqa: E402

FUSES = """\
! the feeder's lateral fuses, kept apart from the master
New Fuse.f_tap MonitoredObj=Line.tap_fuse MonitoredTerm=1 FuseCurve=Klink RatedCurrent=25
new fuse.f_sub monitoredobj=line.sub_fuse ratedcurrent=15
"""


def test_a_script_of_fuses_the_master_does_not_compile_is_a_todo(tmp_path: Path):
    model = _model(tmp_path)
    (tmp_path / "Fuses.dss").write_text(FUSES)
    (tmp_path / "Loads.dss").write_text("New Load.x bus1=b1 kw=1\n")
    # a run script compiles a circuit of its own: not a file to redirect (IEEE 8500's
    # Run_RecloserSiting.DSS)
    (tmp_path / "Run.dss").write_text("Compile (Master.dss)\nNew Relay.r1 Line.trunk 1\n")
    (note,) = uncompiled_device_notes(_master(tmp_path), model)
    assert note.name == "Fuses.dss" and note.todo
    assert note.what.startswith("defines 2 Fuse element(s) that the compiled model does not hold")
    assert "protv2g init Master.dss --redirect Fuses.dss" in note.fix
    # redirected by the study: nothing to say
    assert uncompiled_device_notes(_master(tmp_path), model,
                                   [tmp_path / "Fuses.dss"]) == []


def test_the_draft_carries_it(tmp_path: Path):
    from protv2g.study_draft.draft import draft_study

    (tmp_path / "Fuses.dss").write_text(FUSES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = draft_study(_master(tmp_path))
    assert any(n.name == "Fuses.dss" and n.todo for n in d.notes)
    assert "--redirect Fuses.dss" in d.text
