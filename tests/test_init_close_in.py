"""``protv2g init`` drafts from the same maximum fault as ``run``: the device's close-in
(terminal) fault (review s23: the DG-protection feeder's fuse F1 drafted "max fault 573 A" and
a 0.73 kA duty from the bus faults, while ``run`` found 1,501.7 A just past it — OpenDSS
1,504.3 A at a fault 1 m down line.la)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import dg_protection_copy

pytest.importorskip("opendssdirect")

from protv2g.study.todos import todo_items  # noqa: E402
from protv2g.study_draft import draft_study  # noqa: E402


@pytest.fixture(scope="module")
def draft_items(shared_dir: Path, tmp_path_factory):
    out = dg_protection_copy(shared_dir, tmp_path_factory, "dgci")
    draft = draft_study(out / "DG_Prot_Fdr.dss")
    (out / "study.yaml").write_text(draft.text)
    return {i.field.split(" (")[0]: i.message for i in todo_items(out / "study.yaml")}


def test_f1s_drafted_comments_use_the_close_in_fault(draft_items):
    f1 = [k for k, m in draft_items.items() if k.endswith(".link") and "1502 A" in m]
    assert len(f1) == 1, "F1's link TODO gives the close-in max fault, 1,502 A"
    assert "573 A" not in draft_items[f1[0]]
    rating = draft_items[f1[0].replace(".link", ".interrupting_rating_ka")]
    duty = re.search(r"fault duty (\d+\.\d+) kA", rating)
    assert duty is not None and abs(float(duty.group(1)) - 1.50) < 0.015  # 1,501.7 A ± 1 %
