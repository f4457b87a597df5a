"""Run every benchmark and print its figures: ``python benchmarks/run_all.py``.

1. ``bench_engine.py``: the fault engine vs pandapower ``calc_sc`` on synthetic feeders;
2. ``bench_study.py``: a full study end to end (load + run + workbook) on every example;
3. ``bench_batch.py``: batch throughput on Dask with 1 and 2 worker processes, 20 studies;
4. ``bench_phase.py``: the OpenDSS phase-domain path on the utility feeders beside OpenDSS;
5. ``bench_e2e.py``: ``protv2g run`` stage by stage on large synthetic studies and the IEEE 8500,
   beside ``calc_sc``, power-grid-model and OpenDSS's fault study.

Each runs in its own Python process (so one does not warm the next). ``--quick`` uses smaller
sizes; ``--only engine study`` picks some. A benchmark file that is missing is reported and
skipped. Exit code: 0 when every benchmark that ran succeeded, 1 otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name → (script, arguments, arguments with --quick)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "engine": ("bench_engine.py", [], ["--sizes", "1000", "3000"]),
    "study": ("bench_study.py", [], ["--repeat", "1"]),
    "batch": ("bench_batch.py", [], ["--studies", "10", "--no-serial"]),
    "phase": ("bench_phase.py", [], ["--only", "ckt5"]),
    "e2e": ("bench_e2e.py", [], ["--quick", "--skip-8500"]),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a minute or two)")
    ap.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these")
    args = ap.parse_args(argv)
    failed, summary = [], []
    for name in args.only or list(BENCHMARKS):
        script, full, quick = BENCHMARKS[name]
        path = HERE / script
        if not path.is_file():
            print(f"== {name}: {script} not found, skipped\n", flush=True)
            summary.append(f"{name}: skipped (no {script})")
            continue
        cmd = [sys.executable, str(path), *(quick if args.quick else full)]
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, cwd=HERE.parent)
        dt = time.perf_counter() - t0
        print(f"== {name}: exit {rc}, {dt:.1f} s\n", flush=True)
        summary.append(f"{name}: {'ok' if rc == 0 else f'FAILED (exit {rc})'}, {dt:.1f} s")
        if rc != 0:
            failed.append(name)
    print("benchmarks: " + "; ".join(summary))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
