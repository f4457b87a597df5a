"""Stopping ``run``/``gate`` cleanly (review rev45b "Ctrl-C / SIGTERM").

Found by the reviewer with a driver signalling ``protv2g run`` on the depot at a stage's
progress line (``PROTV2G_PROGRESS=1``): SIGTERM while the workbook was written left the forked
picture worker orphaned and blocked for ever (holding the caller's pipes); the spills were
moved into place before the workbook, so a stop between them left the new run's tables beside
the old workbook; Ctrl-C printed a pandas traceback. Expected behaviour, from the POSIX
convention ``hosting`` follows: exit 128 + the signal's number, one line saying what was
written, the earlier files untouched, no process left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from protv2g.report import excel, overflow
from protv2g.report.atomic import atomic_set, atomic_target
from protv2g.report.excel import write_workbook

from .conftest import DEPOT_FILE
from .test_report import _small_result
from .test_report_overflow import _long_faults

REPO_DIR = Path(__file__).resolve().parents[1]


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _wait_gone(pids: list[int], timeout_s: float) -> list[int]:
    end = time.monotonic() + timeout_s
    while (left := [p for p in pids if _alive(p)]) and time.monotonic() < end:
        time.sleep(0.1)
    return left


def _start(args: list[str], tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """``python -m protv2g ARGS`` of this checkout, stderr to a file (not a pipe: an orphan
    holding it would hang the test)."""
    env = dict(os.environ, PYTHONPATH=str(REPO_DIR), PROTV2G_PROGRESS="1")
    err = tmp_path / "stderr.txt"
    with open(err, "w") as f_err, open(tmp_path / "stdout.txt", "w") as f_out:
        proc = subprocess.Popen([sys.executable, "-m", "protv2g", *args], stdout=f_out,
                                stderr=f_err, env=env, cwd=REPO_DIR)
    return proc, err


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_sigterm_while_the_workbook_is_written_leaves_the_old_set_and_no_process(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = {"d.xlsx": b"the earlier workbook", "d.Fault_currents.parquet": b"its spill"}
    for name, data in old.items():
        (out / name).write_bytes(data)
    proc, err = _start(["run", str(DEPOT_FILE), "--no-hosting", "-o", str(out / "d.xlsx")],
                       tmp_path)
    workers: list[int] = []
    try:
        # the workbook stage has begun once a new file (a spill, or its temporary) appears
        end = time.monotonic() + 600
        while set(os.listdir(out)) == set(old) and proc.poll() is None:
            assert time.monotonic() < end, "no spill within 600 s"
            time.sleep(0.02)
        assert proc.poll() is None, err.read_text()
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=300)
        left = _wait_gone(workers, 10.0)
    finally:
        for pid in [proc.pid, *workers]:  # nothing of this test outlives it
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    if len(os.sched_getaffinity(0)) >= 2:  # the pictures are drawn by a worker then
        assert workers, "no picture worker was running: the test did not test it"
    assert left == [], f"picture worker(s) {left} outlived `run`"
    text = err.read_text()
    assert rc == 128 + signal.SIGTERM, text
    assert "Traceback" not in text
    assert "stopped by SIGTERM: nothing written; the earlier" in text.splitlines()[-1]
    # the earlier set untouched, nothing new beside it (no spill, no temporary)
    assert sorted(os.listdir(out)) == sorted(old)
    for name, data in old.items():
        assert (out / name).read_bytes() == data


def test_ctrl_c_on_gate_is_one_line_and_exit_130(tmp_path):
    """`gate` goes through the stoppable path: Ctrl-C while its work runs is one line and 130
    (on the old code a pandas traceback and exit -2). The gate's work is held in a sleep so
    the signal lands inside it whatever the machine's speed (the clean-clone CI's first run:
    the depot's gate finished before the signal and exited 1)."""
    script = tmp_path / "slow_gate.py"
    script.write_text(
        "import signal, sys, time\n"
        # a terminal's Ctrl-C: Python's own SIGINT handler (a CI job run in the background
        # starts its processes with SIGINT ignored, and Python then installs none: the
        # second clean-clone CI's run slept through the signal, exit 0)
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "import protv2g.commands.stop as stop\n"
        "from protv2g.cli import main\n"
        "real = stop.stoppable\n"
        "def held(args):\n"
        "    print('protv2g gate: study (held)', file=sys.stderr, flush=True)\n"
        "    time.sleep(120)\n"
        "    return 0\n"
        "stop.stoppable = lambda command, func, args: real(command, held, args)\n"
        "sys.exit(main(sys.argv[1:]))\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO_DIR))
    err = tmp_path / "stderr.txt"
    with open(err, "w") as f_err:
        proc = subprocess.Popen([sys.executable, str(script), "gate", str(DEPOT_FILE),
                                 "--no-hosting"], stdout=subprocess.DEVNULL, stderr=f_err,
                                env=env, cwd=REPO_DIR)
    try:
        end = time.monotonic() + 600
        while "gate: study" not in err.read_text() and proc.poll() is None:
            assert time.monotonic() < end
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = err.read_text()
    assert rc == 130, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert text.splitlines()[-1] == "protv2g gate: stopped by SIGINT (Ctrl-C): nothing written"


def test_the_picture_worker_ends_with_its_parent(tmp_path):
    """The parent killed outright (SIGKILL: no cleanup runs) while the worker draws."""
    script = (
        "import os, signal, sys, time\n"
        "from matplotlib.figure import Figure\n"
        "from protv2g.report.pictures import Pictures\n"
        "p = Pictures(parallel=True)\n"
        "p.submit('slow', Figure, figsize=(200, 200), cache=False)\n"
        "print(list(p._pool._processes), flush=True)\n"
        "time.sleep(1)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    out = tmp_path / "stdout.txt"
    with open(out, "w") as f_out:  # a file, not a pipe: an orphan holding it would hang
        proc = subprocess.run([sys.executable, "-c", script], stdout=f_out,
                              stderr=subprocess.DEVNULL, timeout=300,
                              env=dict(os.environ, PYTHONPATH=str(REPO_DIR)))
    assert proc.returncode == -signal.SIGKILL
    workers = [int(p) for p in out.read_text().strip(" []\n").split(",")]
    left = _wait_gone(workers, 10.0)
    for pid in left:  # nothing of this test outlives it
        os.kill(pid, signal.SIGKILL)
    assert left == []


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(overflow, "EXCEL_MAX_ROWS", 50)
    monkeypatch.setattr(overflow, "_parquet_available", lambda: False)


@pytest.mark.parametrize("stop", [KeyboardInterrupt, OSError])
def test_a_stop_before_the_workbook_is_saved_replaces_no_spill(small_limit, monkeypatch,
                                                               tmp_path, stop):
    old = {"small.xlsx": b"the earlier workbook", "small.Fault_currents.csv.gz": b"its spill"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)

    def save(wb, tmp, tables):
        raise stop("stopped while the workbook was saved")

    monkeypatch.setattr(excel, "save_workbook", save)
    with pytest.raises(stop):
        write_workbook(_small_result(fault_currents=_long_faults()), tmp_path / "small.xlsx")
    assert sorted(os.listdir(tmp_path)) == sorted(old)
    for name, data in old.items():
        assert (tmp_path / name).read_bytes() == data


def test_a_set_is_moved_into_place_whole_in_order(tmp_path):
    order = []
    with atomic_set():
        for name in ("a.parquet", "b.xlsx"):
            with atomic_target(tmp_path / name) as tmp:
                Path(tmp).write_text(name)
            order.append(sorted(os.listdir(tmp_path)))
    assert all(not n.endswith("parquet") and not n.endswith("xlsx") for n in order[-1])
    assert sorted(os.listdir(tmp_path)) == ["a.parquet", "b.xlsx"]
    assert (tmp_path / "b.xlsx").read_text() == "b.xlsx"


def test_a_signal_during_the_moves_waits_for_them(tmp_path, monkeypatch):
    """SIGTERM arriving while the set is moved into place: every file moved, then raised."""
    class Stop(BaseException):
        pass

    def stop(signum, frame):
        raise Stop

    before = signal.signal(signal.SIGTERM, stop)
    real = os.replace
    moves = []

    def replace(src, dst):
        if not moves:
            os.kill(os.getpid(), signal.SIGTERM)  # after the first move began
        moves.append(dst)
        real(src, dst)

    try:
        monkeypatch.setattr(os, "replace", replace)
        with pytest.raises(Stop), atomic_set():
            for name in ("a.parquet", "b.parquet", "c.xlsx"):
                with atomic_target(tmp_path / name) as tmp:
                    Path(tmp).write_text(name)
    finally:
        signal.signal(signal.SIGTERM, before)
    assert sorted(os.listdir(tmp_path)) == ["a.parquet", "b.parquet", "c.xlsx"]


def test_a_stop_before_a_block_is_closed_leaves_no_temporary(tmp_path):
    """A stop that lands after a file's block ended but before its context manager resumed
    (contextlib's ``__exit__`` not yet in the generator: the lead's snapshot run of
    test_sigterm_while_the_workbook_is_written… left ``.d.Coordination.parquet-….tmp``): the
    set removes every temporary it made, not only those whose blocks completed."""
    class Stop(BaseException):
        pass

    with pytest.raises(Stop):
        with atomic_set():
            done = atomic_target(tmp_path / "a.parquet")
            Path(done.__enter__()).write_text("a")
            done.__exit__(None, None, None)
            open_one = atomic_target(tmp_path / "b.parquet")
            Path(open_one.__enter__()).write_text("b")  # its block ends, the stop lands
            raise Stop
    assert os.listdir(tmp_path) == []


def test_a_stop_after_the_command_finished_says_so(tmp_path):
    """ver45: a SIGTERM in the second after `run`'s workbook was complete (its notes being
    printed) killed it silently, exit -15, which the help reads as "nothing written"; now
    one line says the command had finished, exit 143."""
    code = ("import os, signal, time\n"
            "from protv2g.cli import _stop_after_finishing\n"
            "_stop_after_finishing('run')\n"
            "os.kill(os.getpid(), signal.SIGTERM)\n"
            "time.sleep(30)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO_DIR)), timeout=120)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert "protv2g run: stopped by SIGTERM after it had finished" in done.stderr
