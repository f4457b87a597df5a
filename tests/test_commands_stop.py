"""``faults``, ``flow``, ``init`` and ``batch`` stopped by SIGTERM or Ctrl-C as ``run`` is
(review fix45b; :mod:`protv2g.commands.stop`): one line saying what was written, exit 128 + the
signal's number, the earlier file at the target unchanged and no temporary beside it. On the
old code SIGTERM killed them outright (exit -15: ``faults --csv`` left its half-written CSV at
the target, ``batch`` its leaked semaphores' warnings) and Ctrl-C printed a traceback.

The stop lands inside the write: the command runs under a wrapper that makes the writer
(``DataFrame.to_csv``, ``Path.write_text``) write half its text to the file it was given, say
so on stderr and sleep — old code had been given the target itself, new code a temporary.
``batch``'s studies run in Dask worker processes, where no wrapper reaches: it is stopped
once its studies' folder exists, while the cluster runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import DEPOT_FILE, FEEDERS_DIR

REPO_DIR = Path(__file__).resolve().parents[1]
EARLIER = "the earlier file\n"
MARK = "wrapper: writing"
_WRAPPER = """\
import pathlib, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # a terminal's Ctrl-C
import pandas as pd
MATCH = sys.argv[1]

def held(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text[: len(text) // 2])
    print("wrapper: writing", path, file=sys.stderr, flush=True)
    time.sleep(120)

real_csv, real_text = pd.DataFrame.to_csv, pathlib.Path.write_text

def to_csv(self, path=None, *args, **kwargs):
    if path is not None and MATCH in str(path):
        return held(path, real_csv(self, None, *args, **kwargs))
    return real_csv(self, path, *args, **kwargs)

def write_text(self, data, *args, **kwargs):
    if MATCH in self.name:
        return held(self, data)
    return real_text(self, data, *args, **kwargs)

pd.DataFrame.to_csv, pathlib.Path.write_text = to_csv, write_text
from protv2g.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _stopped(tmp_path: Path, match: str, args: list[str], signum: int, *,
             ready=None) -> tuple[int, str]:
    """Run ``protv2g ARGS`` under the wrapper, send ``signum`` once the write began; with
    ``ready``, without the wrapper, once ``ready()``. Returns the exit code and stderr."""
    script = tmp_path / "wrapper.py"
    script.write_text(_WRAPPER, encoding="utf-8")
    # no wrapper where the command starts worker processes (``batch``: spawned workers run
    # the main script again)
    command = ([str(script), match] if ready is None else ["-m", "protv2g"]) + args
    err = tmp_path / "stderr.txt"
    env = dict(os.environ, PYTHONPATH=str(REPO_DIR))
    with open(err, "w") as f_err:  # a file, not a pipe: a process left behind would hang
        proc = subprocess.Popen([sys.executable, *command], stdout=subprocess.DEVNULL,
                                stderr=f_err, env=env, cwd=tmp_path)
    try:
        end = time.monotonic() + 600
        while proc.poll() is None and not (ready() if ready else MARK in err.read_text()):
            assert time.monotonic() < end, "the write did not begin within 600 s"
            time.sleep(0.05)
        assert proc.poll() is None, err.read_text()
        proc.send_signal(signum)
        rc = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    return rc, err.read_text()


def _one_line(text: str, command: str, signum: int, target: Path) -> None:
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    name = signal.Signals(signum).name + (" (Ctrl-C)" if signum == signal.SIGINT else "")
    assert text.splitlines()[-1] == (
        f"protv2g {command}: stopped by {name}: nothing written; the earlier {target} (and "
        "any tables beside it) is kept unchanged")


def _no_temporary(folder: Path) -> None:
    left = [p for p in folder.rglob(".*") if p.is_file()]
    assert left == [], left


def test_faults_csv_sigterm(tmp_path):
    out = tmp_path / "faults.csv"
    out.write_text(EARLIER)
    rc, text = _stopped(tmp_path, "faults.csv", ["faults", str(DEPOT_FILE), "--csv",
                                                 str(out)], signal.SIGTERM)
    assert rc == 128 + signal.SIGTERM, text
    _one_line(text, "faults", signal.SIGTERM, out)
    assert out.read_text() == EARLIER
    _no_temporary(tmp_path)


def test_flow_csv_ctrl_c(tmp_path):
    out = tmp_path / "flow.csv"
    out.write_text(EARLIER)
    rc, text = _stopped(tmp_path, "flow", ["flow", str(DEPOT_FILE), "--no-day", "--csv",
                                           str(out)], signal.SIGINT)
    assert rc == 128 + signal.SIGINT, text
    _one_line(text, "flow", signal.SIGINT, out)
    assert out.read_text() == EARLIER
    assert sorted(p.name for p in tmp_path.glob("flow*")) == ["flow.csv"]  # no table beside
    _no_temporary(tmp_path)


def test_init_sigterm_leaves_the_earlier_study_and_no_copy(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(FEEDERS_DIR / "opendss_example", model)
    (model / "study.yaml").unlink()
    out = tmp_path / "study" / "study.yaml"
    out.parent.mkdir()
    out.write_text(EARLIER)
    rc, text = _stopped(tmp_path, "study.yaml", ["init", str(model / "Master.dss"), "-o",
                                                 str(out), "--force"], signal.SIGTERM)
    assert rc == 128 + signal.SIGTERM, text
    _one_line(text, "init", signal.SIGTERM, out)
    assert out.read_text() == EARLIER
    # the model's copy went with the study: none of its files moved into place
    assert [p for p in out.parent.rglob("*") if p.is_file()] == [out]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_batch_sigterm(tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "b.xlsx"
    out.write_text(EARLIER)
    study = FEEDERS_DIR / "weak_end_of_line" / "study.yaml"
    started: list[float] = []

    def ready() -> bool:  # the studies' folder made: the cluster starts or runs
        if (tmp_path / "b_studies").is_dir() and not started:
            started.append(time.monotonic())
        return bool(started) and time.monotonic() - started[0] > 3.0

    rc, text = _stopped(tmp_path, "", ["batch", str(study), "-o", str(out),
                                                   "--workers", "1", "--no-progress"],
                        signal.SIGTERM, ready=ready)
    assert rc == 128 + signal.SIGTERM, text
    _one_line(text, "batch", signal.SIGTERM, out)
    assert out.read_text() == EARLIER
    _no_temporary(tmp_path / "b_studies")
