"""Memory of ``run_study`` per stage against protv2g's own size estimate (issue #21).

Run: ``nice python benchmarks/bench_memory.py [--buses 250 1000 3000] [--levels 3]
[--mem-cap-gb 10] [--workbook]``

Each size runs in its own process (``bench_e2e.make_study``: ≈60 devices, 3 V2G sites,
export levels 0 … 1 (``--levels`` of them) × load levels light/peak, no hosting) under an
address-space cap. The process's peak RSS (``VmHWM``, minus the RSS after the imports)
is read at every stage mark of ``run_study``'s ``progress`` callback, so each figure is the
high-water mark *of that stage alone*: ``VmHWM`` is reset (``/proc/self/clear_refs``) at
every mark, so a stage's figure includes what earlier stages still hold but not their
transients. :func:`protv2g.pipeline.size_estimate_b` is
called with the exact arguments ``fault_tables`` passes to ``check_size`` (recorded by
wrapping it). Printed: buses, device rows, the estimate per stage, the measured peak per
stage and the ratio estimate / measured peak (the estimate should be ≥ 1× and ≲ 1.5–2×).

A benchmark: it prints figures and asserts nothing.

After the checks' and the pipeline's copies were cut (#21, branch ``study_mem``, see
``bench_e2e.py``; ``nice python benchmarks/bench_memory.py --buses 3000 --levels 3
--mem-cap-gb 12`` and the same with ``--buses 10000``, load 10–12; MiB as below; CPU s in
brackets):

====== ========= ========= ======== ============= =========== ============= ========== =======
buses  scenarios dev. rows est. MiB faults        flows       checks        gate(held) wall s
====== ========= ========= ======== ============= =========== ============= ========== =======
3,000  6 (3 sets)   503,058    1,662   821 (22.8)  731 (3.2)   1,260 (30.6)  946 (0.6)   512.1
10,000 6 (3 sets) 1,823,534    4,932 2,686 (51.0)  2,341 (8.2) 3,926 (71.0)  2,583 (1.7) 290.5
====== ========= ========= ======== ============= =========== ============= ========== =======

After the checks' joins on integer codes and C7/the brackets' block-wise evaluation (#21,
branch ``checks_fast``, see ``bench_e2e.py``; same commands, ``--mem-cap-gb 10``, load 2–6):

====== ========= ========= ======== ============= =========== ============= ========== =======
buses  scenarios dev. rows est. MiB faults        flows       checks        gate(held) wall s
====== ========= ========= ======== ============= =========== ============= ========== =======
3,000  6 (3 sets)   503,058    1,662   807 (15.4)  736 (2.8)     925 (24.2)  854 (0.6)   244.2
10,000 6 (3 sets) 1,823,534    4,932 2,664 (39.8)  2,319 (8.2) 2,842 (61.2)  2,577 (1.9) 295.9
====== ========= ========= ======== ============= =========== ============= ========== =======

Measured 2026-12-01 after device rows are kept only where the device sees ≥ 1 A on the
pandapower path as on the OpenDSS one (branch ``seq_rows``; ``nice python
benchmarks/bench_memory.py --buses 1000 3000 10000 --levels 3 --mem-cap-gb 12``, load average
6–8: other engineers' jobs on the 2 cores; MiB above the RSS after the imports, each stage's
own high-water mark; "est." is the estimate as it was when measured, before the
recalibration that followed from these figures — now 757 / 1,662 / 4,932 MiB):

====== ========= ========= ========= ======== ========= ======== ========== ========
buses  scenarios dev. rows est. MiB  faults   flows     checks   gate(held) wall s
====== ========= ========= ========= ======== ========= ======== ========== ========
1,000  6 (3 sets)   176,164       742      365       351      702        699    401.8
3,000  6 (3 sets)   503,058     1,387      947       799    1,492      1,053    200.7
10,000 6 (3 sets) 1,823,534     4,347    3,106     2,190    4,148      2,410    774.6
====== ========= ========= ========= ======== ========= ======== ========== ========

(1,000 buses ran while numba compiled and the load was highest.) Rows: 5.8 %, 5.7 % and
6.3 % of the full table (3,052,800 / 8,812,800 / 28,972,800). Stage times at 10,000 buses:
faults 94 s, flows 17 s, checks 646 s, gate 2.6 s.

Measured 2026-12-01 on the shared 2-core VM (branch ``sizecheck`` at f3f791a; MB above the
RSS after the imports; "held" = the gate stage's peak, i.e. the tables kept):

``nice python benchmarks/bench_memory.py --buses 250 1000 --levels 3`` and
``nice python benchmarks/bench_memory.py --buses 3000 --levels 1``

====== ========= ========= ======== ========= ======== ======== ========= ========
buses  scenarios rows      est. MB  faults MB flows MB checks MB est/peak  wall s
====== ========= ========= ======== ========= ======== ======== ========= ========
250    6 (3 sets)   330,000      917       679      412      713     1.29     12.0
1,000  6 (3 sets) 3,052,800    6,370     5,655    3,049    5,614     1.13     56.7
3,000  2 (1 set)  2,937,600    6,139     3,056    1,728    4,616     1.33     45.8
====== ========= ========= ======== ========= ======== ======== ========= ========

3,000 buses with 2 export levels (4 scenarios, 5,875,200 rows) ended in a MemoryError in
``faults`` (``pipeline._take``'s ``reset_index`` copy) under the 10 GB address-space cap.
Before the checks' two deep copies of the device table were removed (first run, same
machine, ``ru_maxrss`` cumulative): 1,000 buses faults 5,633 MB, checks 6,194 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    """Peak RSS since the last :func:`_reset_peak` (``VmHWM``), MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def _reset_peak() -> None:
    """Start a new high-water mark at the current RSS (Linux ``clear_refs`` 5)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def child(study_path: str, workbook: bool) -> dict:
    import protv2g.pipeline as pipeline
    from protv2g import load_study, run_study

    base = _rss_mb()
    seen: dict = {}
    original = pipeline.check_size

    def recording(study, **kw):
        seen["estimate_b"] = pipeline.size_estimate_b(study, **kw)
        seen["args"] = kw
        return original(study, **kw)

    pipeline.check_size = recording
    marks: list[tuple[str, float, float, float]] = []

    def mark(stage: str) -> None:
        marks.append((stage, time.perf_counter(), _peak_mb(), time.process_time()))
        print(f"STAGE {stage} {_peak_mb() - base:.0f}", file=sys.stderr, flush=True)
        _reset_peak()

    warnings.simplefilter("ignore")
    mark("load")
    study = load_study(study_path)
    result = run_study(study, hosting=False, progress=mark)
    if workbook:
        mark("workbook")
        result.to_excel(Path(study_path).with_suffix(".xlsx"))
    mark("end")
    stages = {name: {"s": t2 - t1, "peak_mb": p2 - base, "cpu_s": c2 - c1}
              for (name, t1, _, c1), (_, t2, p2, c2) in zip(marks, marks[1:], strict=False)}
    return {"base_mb": base, "stages": stages, "buses": len(study.net.bus),
            "device_rows": len(result.device_faults), "estimate_b": seen.get("estimate_b"),
            "args": seen.get("args")}


def run_one(n_buses: int, levels: int, cap_gb: float, workbook: bool) -> dict:
    import numpy as np
    import yaml
    from bench_e2e import make_study

    folder = Path(tempfile.mkdtemp(prefix=f"mem{n_buses}_"))
    path, info = make_study(folder, n_buses)
    doc = yaml.safe_load(path.read_text())
    doc["scenarios"]["export_levels_fraction"] = [float(x) for x in np.linspace(0, 1, levels)]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    cap = int(cap_gb * 2**30)
    cmd = [sys.executable, __file__, "--child", str(path)] + (["--workbook"] if workbook else [])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))
    wall = time.perf_counter() - t0
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"buses": n_buses, "error": proc.stderr[-1500:], "wall_s": wall, **info}
    out = json.loads(lines[-1])
    out.update(wall_s=wall, devices=info["devices"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--buses", type=int, nargs="+", default=[250, 1000, 3000])
    ap.add_argument("--levels", type=int, default=3)
    ap.add_argument("--mem-cap-gb", type=float, default=10.0)
    ap.add_argument("--workbook", action="store_true")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.workbook)))
        return
    print(f"{'buses':>6} {'dev rows':>10} {'stage':>9} {'est MB':>8} {'peak MB':>8} "
          f"{'est/peak':>8} {'s':>7} {'cpu s':>7}")
    for n in args.buses:
        r = run_one(n, args.levels, args.mem_cap_gb, args.workbook)
        if "error" in r:
            print(f"{n:>6} failed after {r['wall_s']:.0f} s:\n{r['error']}")
            continue
        est = r["estimate_b"] or {}
        total_est = max(est.values()) / 2**20
        for stage, fig in r["stages"].items():
            e = est.get(stage)
            e_mb = f"{e / 2**20:8.0f}" if e is not None else f"{'':>8}"
            print(f"{r['buses']:>6} {r['device_rows']:>10} {stage:>9} {e_mb} "
                  f"{fig['peak_mb']:8.0f} {'':>8} {fig['s']:7.1f} {fig['cpu_s']:7.1f}")
        peak = max(f["peak_mb"] for f in r["stages"].values())
        print(f"{r['buses']:>6} {r['device_rows']:>10} {'TOTAL':>9} {total_est:8.0f} "
              f"{peak:8.0f} {total_est / peak:8.2f} {r['wall_s']:7.1f}   args {r['args']}",
              flush=True)


if __name__ == "__main__":
    main()
