"""Batch throughput on Dask: the same synthetic studies with 1 and with 2 worker processes.

Run: ``python benchmarks/bench_batch.py [--studies 20] [--buses 60] [--workers 1 2]``

Generates ``--studies`` small synthetic studies in a temporary folder (radial 12.47 kV feeders
from :func:`protv2g.network.synthetic.synthetic_radial_feeder` with a feeder-head relay, a
trunk recloser, a lateral fuse and one V2G site; the depot example with varied fault
resistance when the synthetic generator is missing), then for each worker count:

1. starts a ``LocalCluster`` (processes, one thread each) — timed as *start-up*;
2. runs one study on every worker (imports, first-call compilation) — timed as *warm-up*;
3. times :func:`protv2g.run_batch` on all studies through that cluster — the *batch* figure.

Also times the same tasks serially in this process (after a warm-up) as a no-Dask baseline.
Prints per-study times, studies per second and the 1 → 2 worker speed-up (target ≥ 1.8×),
with the machine's core count and load average so a reader can judge the figure.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DEPOT = REPO / "feeders" / "depot_two_feeder"


def _synthetic_study(folder: Path, seed: int, n_buses: int) -> Path:
    """A small study on ``synthetic_radial_feeder(n_buses, seed=seed)``."""
    import pandapower as pp

    from protv2g.network.synthetic import synthetic_radial_feeder

    net = synthetic_radial_feeder(n_buses, seed=seed)
    folder.mkdir(parents=True)
    pp.to_json(net, str(folder / "feeder.json"))
    lines = net.line
    trunk = lines[lines["max_i_ka"] >= 0.5]
    head = trunk[trunk["from_bus"] == 1].iloc[0]
    mid = trunk.iloc[len(trunk) // 2]
    lateral = lines[(lines["max_i_ka"] < 0.5) & lines["from_bus"].isin(trunk["to_bus"])].iloc[0]
    site_bus = net.bus.at[int(trunk.iloc[max(0, len(trunk) // 2 - 1)]["to_bus"]), "name"]
    doc = {
        "name": f"synthetic_{n_buses}_{seed:02d}",
        "feeder": {"pandapower_json": "feeder.json"},
        "faults": {"fault_types": ["3ph", "LL", "SLG", "LLG"], "cases": ["max", "min"],
                   "r_fault_min_ohm": 20.0},
        "devices": [
            {"name": "R-HEAD", "kind": "relay", "location": {"line": head["name"], "end": "from"},
             "pickup_a": 400, "curve": "IEEE-VI", "time_dial": 2.0, "inst_pickup_a": 4000,
             "ground_pickup_a": 120, "ground_curve": "IEEE-VI", "ground_time_dial": 2.0},
            {"name": "RC-MID", "kind": "recloser",
             "location": {"line": mid["name"], "end": "from"}, "phase_min_trip_a": 280,
             "ground_min_trip_a": 100, "fast_curve": "101", "delayed_curve": "133",
             "ground_fast_curve": "104", "ground_delayed_curve": "117",
             "reclose_intervals_s": [0.5, 2.0, 2.0]},
            {"name": "FU-LAT", "kind": "fuse",
             "location": {"line": lateral["name"], "end": "from"}, "link": "65K"},
        ],
        "v2g_sites": [{"name": "depot", "bus": str(site_bus), "n_chargers": 10 + seed,
                       "p_charger_kw": 60, "phases": 3, "limit_pu": 1.5}],
        "scenarios": {"export_levels_fraction": [0.0, 0.5, 1.0],
                      "participation": ["expected"], "load_levels": ["light", "peak"]},
    }
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _depot_variant(folder: Path, seed: int) -> Path:
    """Fallback: the depot example with a varied minimum-case fault resistance."""
    folder.mkdir(parents=True)
    shutil.copy(DEPOT / "feeder.json", folder / "feeder.json")
    doc = yaml.safe_load((DEPOT / "study.yaml").read_text(encoding="utf-8"))
    doc["name"] = f"depot_{seed:02d}"
    doc["faults"]["r_fault_min_ohm"] = 5.0 + seed
    doc["scenarios"].update(export_levels_fraction=[0.0, 0.5, 1.0], participation=["expected"])
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def make_studies(root: Path, n: int, n_buses: int) -> tuple[list[str], str]:
    """``n`` valid study files under ``root`` and a description of what they are."""
    from protv2g.study import validate_study

    try:
        files = [_synthetic_study(root / f"s{seed:02d}", seed, n_buses) for seed in range(n)]
        issues = validate_study(files[0])
        if issues:
            raise ValueError("; ".join(map(str, issues)))
        return [str(f) for f in files], f"synthetic radial feeders, {n_buses} buses"
    except (ImportError, ValueError, IndexError, KeyError) as exc:
        print(f"  (synthetic feeder unusable: {exc}; using depot variants)", file=sys.stderr)
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        files = [_depot_variant(root / f"d{seed:02d}", seed) for seed in range(n)]
        return [str(f) for f in files], "depot_two_feeder variants"


def _serial(files: list[str], out: Path) -> list[float]:
    from protv2g.batch import plan_tasks, run_task

    tasks = plan_tasks(files, out)
    run_task(tasks[0])  # warm-up: imports and first-call compilation
    times = []
    for task in tasks:
        t0 = time.perf_counter()
        row = run_task(task)
        times.append(time.perf_counter() - t0)
        if row["status"] != "ok":
            raise RuntimeError(f"{task.file}: {row['error']}")
    return times


def _with_workers(files: list[str], out: Path, n_workers: int) -> dict[str, float]:
    from distributed import Client, LocalCluster

    from protv2g.batch import plan_tasks, run_batch, run_task

    t0 = time.perf_counter()
    with LocalCluster(n_workers=n_workers, processes=True, threads_per_worker=1,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(n_workers)
        t1 = time.perf_counter()
        warm = plan_tasks(files[:1], out / "warm")
        (out / "warm").mkdir(parents=True, exist_ok=True)
        client.run(run_task, warm[0])  # on every worker
        t2 = time.perf_counter()
        batch = run_batch(files, out / f"batch_{n_workers}w.xlsx", scheduler=client,
                          progress=False)
        t3 = time.perf_counter()
    if batch.n_errors:
        raise RuntimeError(batch.summary.loc[batch.summary["status"] != "ok", "error"].iloc[0])
    return {"startup_s": t1 - t0, "warmup_s": t2 - t1, "batch_s": t3 - t2,
            "task_median_s": float(batch.summary["run_s"].median()),
            "cpu_s": float(batch.summary["cpu_s"].sum())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=20, help="number of studies (default 20)")
    ap.add_argument("--buses", type=int, default=60, help="buses per synthetic feeder")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                    help="worker counts to time (default 1 2)")
    ap.add_argument("--no-serial", action="store_true", help="skip the in-process baseline")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory(prefix="protv2g-bench-batch-") as tmp:
        root = Path(tmp)
        files, what = make_studies(root / "studies", args.studies, args.buses)
        print(f"batch benchmark: {len(files)} studies ({what}); {os.cpu_count()} CPU cores; "
              f"load average before {os.getloadavg()[0]:.2f}")
        results: dict[int, dict[str, float]] = {}
        if not args.no_serial:
            t = _serial(files, root / "serial")
            print(f"  serial, in-process (no Dask): {sum(t):7.2f} s total, per study median "
                  f"{statistics.median(t):.3f} s, min {min(t):.3f} s, max {max(t):.3f} s")
        for n in args.workers:
            r = _with_workers(files, root / f"w{n}", n)
            results[n] = r
            print(f"  {n} worker(s): batch {r['batch_s']:7.2f} s "
                  f"({len(files) / r['batch_s']:.2f} studies/s, per-task median "
                  f"{r['task_median_s']:.3f} s); cluster start-up {r['startup_s']:.2f} s, "
                  f"warm-up {r['warmup_s']:.2f} s")
            util = r["cpu_s"] / (r["batch_s"] * n)
            print(f"      worker CPU time {r['cpu_s']:.1f} s = {100 * util:.0f} % of "
                  f"{n} worker(s) × batch wall time (100 %: the workers never waited)")
        if 1 in results and 2 in results:
            ratio = results[1]["batch_s"] / results[2]["batch_s"]
            verdict = "meets" if ratio >= 1.8 else "below"
            print(f"  speed-up 1 → 2 workers: {ratio:.2f}× ({verdict} the 1.8× target)")
            rate = {n: results[n]["cpu_s"] / results[n]["batch_s"] for n in (1, 2)}
            cpu_ratio = rate[2] / rate[1] if rate[1] > 0 else float("nan")
            print(f"  CPU-throughput ratio (CPU seconds of study work per wall second, 2 vs 1 "
                  f"worker): {cpu_ratio:.2f}×")
        print(f"  load average after {os.getloadavg()[0]:.2f} (other processes on the same "
              f"{os.cpu_count()} cores lower the speed-up; the client and scheduler also "
              "use CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
