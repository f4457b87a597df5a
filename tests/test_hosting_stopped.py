"""``protv2g hosting`` stopped by SIGTERM or Ctrl-C writes what it settled (review rev42a F2:
EPRI ckt5's search under ``timeout 1200`` was killed twice with nothing written and nothing on
stderr).

The reference is the finished search on the same study (``weak_end_of_line``, 3 engine
calls): every axis the partial table calls settled has the finished figure, and an unsettled
one brackets it. The signal is a real one, sent to the process itself as the search starts its
second engine call; a run through ``timeout`` is :func:`test_timeout_writes_the_partial_table`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import protv2g.hosting.search as search
from protv2g.cli import main
from protv2g.commands.progress import StageProgress
from protv2g.hosting.partial import PARTIAL_COLUMNS

from .conftest import FEEDERS_DIR

WEAK = FEEDERS_DIR / "weak_end_of_line" / "study.yaml"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The finished search's table (``--json``, the study's own axes)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["hosting", str(WEAK), "--study-axes", "--json", "--quiet"]) == 0
    return pd.DataFrame(json.loads(out.getvalue()))


def _stop_at_call(monkeypatch, n: int, signum: int = signal.SIGTERM) -> None:
    """Send ``signum`` to this process as the search's ``n``-th engine call starts."""
    real = search.evaluate_scenarios
    calls = []

    def evaluate(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            os.kill(os.getpid(), signum)
        return real(*args, **kwargs)

    monkeypatch.setattr(search, "evaluate_scenarios", evaluate)


def _agrees(partial: pd.DataFrame, final: pd.DataFrame) -> None:
    keys = ["site", "participation", "load_level"]
    both = partial.merge(final[[*keys, "hosting_kw"]], on=keys)
    assert len(both) == len(final) > 0
    for row in both.itertuples():
        if row.settled:
            assert row.passes_up_to_kw == pytest.approx(row.hosting_kw)
        else:
            assert row.passes_up_to_kw <= row.hosting_kw + 1e-9
            assert not row.first_fail_kw == row.first_fail_kw or (
                row.hosting_kw < row.first_fail_kw)


def test_sigterm_writes_the_settled_table_atomically(tmp_path, monkeypatch, capsys, finished):
    _stop_at_call(monkeypatch, 2)
    out = tmp_path / "weak.xlsx"
    code = main(["hosting", str(WEAK), "--study-axes", "-o", str(out)])
    assert code == 128 + signal.SIGTERM
    err = capsys.readouterr().err
    assert "stopped by SIGTERM" in err and "PARTIAL: not a hosting result" in err
    assert not out.exists()  # the finished search's name is never the partial's
    part = tmp_path / "weak_partial.xlsx"
    assert f"written to {part}" in err
    assert [p.name for p in tmp_path.iterdir()] == [part.name]  # no temporary file left
    ws = openpyxl.load_workbook(part)["PARTIAL hosting"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][5] == "Passes up to (kW)" and len(rows[0]) == len(PARTIAL_COLUMNS)
    table = pd.DataFrame(rows[1:], columns=PARTIAL_COLUMNS)
    # after the first of three calls: the grid evaluated, the bisection not done
    assert (table.levels_evaluated > 0).all() and not table.settled.all()
    _agrees(table, finished)


def test_ctrl_c_gives_json_marked_partial(monkeypatch, capsys, finished):
    _stop_at_call(monkeypatch, 3, signal.SIGINT)
    # Ctrl-C on a terminal raises KeyboardInterrupt (Python's default SIGINT handler); a run in
    # the background of a non-interactive shell (a CI job) starts with SIGINT ignored
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code = main(["hosting", str(WEAK), "--study-axes", "--json"])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 128 + signal.SIGINT
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["partial"] is True and doc["stopped_by"] == "SIGINT"
    _agrees(pd.DataFrame(doc["rows"]), finished)
    assert "stopped by SIGINT" in captured.err


def test_stopped_before_the_first_call_says_nothing_settled(monkeypatch, capsys):
    _stop_at_call(monkeypatch, 1)
    assert main(["hosting", str(WEAK), "--study-axes"]) == 128 + signal.SIGTERM
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "nothing settled, nothing written" in captured.err


def test_progress_lines_off_a_terminal_at_a_low_rate(monkeypatch):
    """Off a terminal, without ``PROTV2G_PROGRESS``: every ``every_s`` a line naming the stage
    and step running then (a line also while one step runs long: review rev42a F2, ~70 s per
    engine call on ckt5), none with ``quiet`` or ``PROTV2G_PROGRESS=0``."""
    import io
    import threading

    monkeypatch.delenv("PROTV2G_PROGRESS", raising=False)
    stream = io.StringIO()
    with StageProgress("hosting", ["load", "hosting"], stream=stream, every_s=0.05) as p:
        p("load")
        p("hosting")
        p.detail("grid: engine call 1")
        threading.Event().wait(0.3)  # one long step: lines while it runs
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 2 and all(
        ln.startswith("protv2g hosting: hosting — grid: engine call 1, at ") for ln in lines)
    # the lines' thread ends with the block
    assert not any(t.name == "protv2g-progress" for t in threading.enumerate())
    for quiet, env in ((True, None), (False, "0")):
        if env is not None:
            monkeypatch.setenv("PROTV2G_PROGRESS", env)
        stream = io.StringIO()
        with StageProgress("hosting", ["load"], stream=stream, every_s=0.05,
                           quiet=quiet) as p:
            p("load")
            threading.Event().wait(0.2)
        assert stream.getvalue() == ""


@pytest.mark.skipif(shutil.which("timeout") is None, reason="no coreutils timeout")
def test_timeout_writes_the_partial_table(tmp_path, finished):
    """Through ``timeout`` as a user runs it: killed by SIGTERM once the first engine call
    has settled something (a SIGTERM sent when stderr says the search's first call ended)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROTV2G_PROGRESS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "protv2g", "hosting", str(WEAK), "--study-axes", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    for line in proc.stderr:  # PROTV2G_PROGRESS=1: a line as each engine call starts
        if "engine call 2" in line:
            proc.send_signal(signal.SIGTERM)
            break
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 128 + signal.SIGTERM, err
    doc = json.loads(out)
    assert doc["partial"] and doc["stopped_by"] == "SIGTERM"
    _agrees(pd.DataFrame(doc["rows"]), finished)
