"""Start-up cost of the ``protv2g`` command: wall and CPU time of light commands.

Each command runs in a fresh interpreter (``python -m protv2g.cli …``) ``--repeat`` times; the
median wall time and the median CPU time (user + sys of the child) are printed, with the share
of the CPU time spent importing (``-X importtime``, the top-level total) and the modules that
cost most. Compare two checkouts by running it with each on ``PYTHONPATH``::

    PYTHONPATH=. python benchmarks/bench_cli.py
    PYTHONPATH=../other python benchmarks/bench_cli.py

A figure, not a test: the machine's load moves wall time; CPU time is steadier.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Run outside any checkout, so that ``PYTHONPATH`` (not the working directory) picks protv2g.
CWD = tempfile.gettempdir()
COMMANDS = {
    "--help": ["--help"],
    "run --help": ["run", "--help"],
    "validate (depot)": ["validate", str(REPO / "feeders/depot_two_feeder/study.yaml")],
    "curves list": ["curves", "list"],
}


def _once(args: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "protv2g.cli", *args], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=CWD)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _heaviest(args: list[str], n: int = 3) -> str:
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "protv2g.cli", *args],
                         capture_output=True, text=True, check=False, cwd=CWD).stderr
    rows = []
    for line in out.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if m and len(m.group(2)) <= 3:  # top-level imports of the command
            rows.append((int(m.group(1)) / 1e6, m.group(3)))
    rows.sort(reverse=True)
    return ", ".join(f"{name} {s:.2f} s" for s, name in rows[:n])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    where = subprocess.run([sys.executable, "-c", "import protv2g; print(protv2g.__file__)"],
                           capture_output=True, text=True, check=False, cwd=CWD).stdout.strip()
    print(f"protv2g from {where}")
    print(f"{'command':<20} {'wall s':>8} {'cpu s':>8}  heaviest imports")
    for label, cmd in COMMANDS.items():
        runs = [_once(cmd) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"{label:<20} {wall:8.2f} {cpu:8.2f}  {_heaviest(cmd)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
