"""A full study end to end on every example: load + run + write the workbook.

Run: ``python benchmarks/bench_study.py [--repeat 3] [STUDY.yaml ...]``

For every ``feeders/*/study.yaml`` (or the files given): the first run in this process (cold:
imports done, but first-call compilation and caches not) and the median of ``--repeat`` further
runs (warm), split into load (``load_study``), run (``run_study``) and write (``to_excel``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def time_study(path: Path, out: Path) -> dict[str, float | int]:
    """Seconds for each stage of one study, plus its sizes."""
    from protv2g import load_study, run_study

    t0 = time.perf_counter()
    study = load_study(path)
    t1 = time.perf_counter()
    result = run_study(study)
    t2 = time.perf_counter()
    result.to_excel(out)
    t3 = time.perf_counter()
    return {"load_s": t1 - t0, "run_s": t2 - t1, "excel_s": t3 - t2, "total_s": t3 - t0,
            "buses": len(study.net.bus), "scenarios": len(result.scenarios),
            "fault_rows": len(result.fault_currents), "violations": len(result.violations)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("studies", nargs="*", help="study files (default feeders/*/study.yaml)")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs per study (default 3)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    files = [Path(s) for s in args.studies] or sorted(REPO.glob("feeders/*/study.yaml"))
    if not files:
        print("no example studies found under feeders/*/study.yaml")
        return 1
    print(f"study benchmark: {len(files)} example studies, {args.repeat} warm runs each; "
          f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.2f}")
    print(f"  {'study':<28} {'buses':>6} {'scen':>5} {'fault rows':>10} {'viol':>5} "
          f"{'cold s':>8} {'load s':>7} {'run s':>7} {'excel s':>8} {'total s':>8}")
    with tempfile.TemporaryDirectory(prefix="protv2g-bench-study-") as tmp:
        for path in files:
            name = path.parent.name if path.stem == "study" else path.stem
            out = Path(tmp) / f"{name}.xlsx"
            cold = time_study(path, out)
            warm = [time_study(path, out) for _ in range(max(1, args.repeat))]
            med = {k: statistics.median(float(w[k]) for w in warm)
                   for k in ("load_s", "run_s", "excel_s", "total_s")}
            print(f"  {name:<28} {cold['buses']:>6} {cold['scenarios']:>5} "
                  f"{cold['fault_rows']:>10} {cold['violations']:>5} {cold['total_s']:>8.2f} "
                  f"{med['load_s']:>7.2f} {med['run_s']:>7.2f} {med['excel_s']:>8.2f} "
                  f"{med['total_s']:>8.2f}")
    print("  (cold: first run in the process; other columns: median of the warm runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
