"""A batch study's notes reach the user once, in its row and its printed line, not as raw
warnings with source lines from the worker (review rev47b P6: two studies printed 28 pairs of
``…/engine/study.py:287: PllNote: 12 fault bus(es) …`` + the source line on stderr)."""

from __future__ import annotations

from protv2g.batch.tasks import BatchTask, run_task
from protv2g.commands.batch import _line

from .conftest import FEEDERS_DIR

STUDY = FEEDERS_DIR / "weak_end_of_line" / "study.yaml"


def test_notes_in_the_row_not_on_stderr(tmp_path, capfd):
    task = BatchTask(0, str(STUDY), str(STUDY.resolve()), str(tmp_path / "w.xlsx"))
    row = run_task(task)
    assert row["status"] == "ok"
    notes = row["notes"].splitlines()
    assert notes and any("cannot lock on" in n for n in notes)
    assert len(notes) == len(set(notes))
    err = capfd.readouterr().err
    assert "PllNote" not in err and "Warning:" not in err
    line = _line(row)
    assert line.count("note: ") == len(notes)
