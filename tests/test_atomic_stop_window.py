"""A stop the moment a temporary file is made leaves nothing behind (the clean-clone CI at load:
test_run_stop's SIGTERM, sent as soon as a new file appeared beside the workbook, fell between
``mkstemp`` and the temporary's record, and ``.d.Coordination.parquet-….tmp`` stayed)."""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path

import pytest

from protv2g.report.atomic import atomic_set, atomic_target


def _stop_on_create(monkeypatch):
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        made = real(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)  # Ctrl-C as the file exists
        return made

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize("in_set", [False, True])
def test_a_stop_as_the_temporary_is_made_leaves_nothing(tmp_path, monkeypatch, in_set):
    _stop_on_create(monkeypatch)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            if in_set:
                with atomic_set(), atomic_target(tmp_path / "x.csv") as tmp:
                    Path(tmp).write_text("x")
            else:
                with atomic_target(tmp_path / "x.csv") as tmp:
                    Path(tmp).write_text("x")
    finally:
        signal.signal(signal.SIGINT, before)
    assert list(tmp_path.iterdir()) == []
