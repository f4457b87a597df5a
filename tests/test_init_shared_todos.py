"""The explanation the model fuses' TODOs share is written once, above the devices (review
rev36a T2: each of IEEE 8500's 30 fuses carried two ~600-character TODOs repeating one
sentence with other numbers — the study was 370 lines, ~75 % of it boiler-plate). Each TODO
keeps its own figures and choice, on its own value's line: ``protv2g validate`` and the TODO
reader (:func:`protv2g.study.todos.todo_items`) still find every one, and ``init --redraft``
still reads a drafted rating back (``drafted rating 8 kA``, the fault it quotes).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("opendssdirect")

from .test_dss_site_transformer import MASTER  # noqa: E402

FUSES = """\
New Fuse.f2 MonitoredObj=Line.l2 MonitoredTerm=1 FuseCurve=tlink RatedCurrent=65
New Fuse.f3 MonitoredObj=Line.l3 MonitoredTerm=1 FuseCurve=tlink RatedCurrent=40
"""
PROVENANCE = "melting ranges as recalled from catalogue reproductions"
CLASS = "class range 8–16 kA; source IEEE C37.42"


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    from protv2g.study_draft.draft import draft_study

    d = tmp_path_factory.mktemp("t2")
    (d / "Master.dss").write_text(MASTER)
    (d / "fuses.dss").write_text(FUSES)
    (d / "study.yaml").write_text(draft_study(d / "Master.dss", redirects=[d / "fuses.dss"]
                                              ).text)
    return d / "study.yaml"


def test_shared_clauses_written_once_above_the_devices(study):
    text = study.read_text()
    assert text.count(PROVENANCE) == 1 and text.count(CLASS) == 1   # were 2 each
    assert text.count("not OpenDSS's normalised curve (#17)") == 1
    lines = text.splitlines()
    devices = lines.index("devices:")
    first = next(i for i, ln in enumerate(lines) if ln.startswith("  - name:"))
    block = "\n".join(lines[devices:first])
    assert PROVENANCE in block and CLASS in block and "IEEE C37.010 §5.3" in block
    assert "# TODO" not in block   # an explanation, not a value to confirm


def test_each_fuse_keeps_its_own_todos_and_figures(study):
    from protv2g.study.loader import load_study
    from protv2g.study.todos import todo_items

    items = {i.field.split(" (line")[0]: i for i in todo_items(study)}
    doc = load_study(study).document
    names = [d.name for d in doc.devices]
    for name, link in (("f2", "65T"), ("f3", "40T")):
        k = names.index(name)
        swap = items[f"devices[{k}].link"]
        assert swap.message.startswith(f"OpenDSS's generic TCC_Curve.tlink at {link[:-1]} A")
        assert re.search(rf"at \d+ A \(max fault\) .* {link} melts in", swap.message)
        assert swap.fix.startswith("confirm the link")
        rating = items[f"devices[{k}].interrupting_rating_ka"]
        assert re.match(r"drafted rating 8 kA asym: ≥ the [0-9.]+ kA max fault",
                        rating.message)
        assert "fault duty" in rating.message and rating.fix.startswith("give the nameplate")
        assert len(swap.message) < 330 and len(rating.message) < 200   # were ~560 / ~520


def test_redraft_reads_the_shortened_ratings_back(study):
    from protv2g.study.loader import load_study
    from protv2g.study_draft.redraft_ratings import _drafted, stale_ratings

    s = load_study(study)
    assert len(_drafted(s)) == 3        # both fuses' and the head relay's
    assert stale_ratings(s) == []       # the same figures: nothing to re-draft


def test_every_model_fuse_on_one_link_is_said_once(study, tmp_path):
    """Review rev47a item 3 (IEEE 8500: all 30 ``TCC_Curve.tlink`` 10 A fuses → 10T, its
    condition 1 C3 10T behind 10T can never pass): the shared fuse-link line says so once,
    with the count and the link; the 65T/40T study above does not."""
    from protv2g.study_draft.draft import draft_study

    assert "map to the same link" not in study.read_text()
    (tmp_path / "Master.dss").write_text(MASTER)
    (tmp_path / "fuses.dss").write_text(FUSES.replace("RatedCurrent=65", "RatedCurrent=40"))
    text = draft_study(tmp_path / "Master.dss", redirects=[tmp_path / "fuses.dss"]).text
    assert text.count("map to the same link") == 1
    line = next(ln for ln in text.splitlines() if "map to the same link" in ln)
    assert line.startswith("  #   fuse links: ") and "# TODO" not in line
    assert ("all 2 model fuses map to the same link, 40T: fuse–fuse pairs of the same link "
            "cannot coordinate (C3) for any current") in line
    assert "confirm the model's fuse ratings" in line
