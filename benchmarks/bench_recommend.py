"""``recommend``'s search on fixed fault tables and flows.

Run: ``python benchmarks/bench_recommend.py [--rounds 2] [STUDY.yaml ...]``

For every study (default ``feeders/*/study.yaml``) the fault tables and flows are made once
per process, then the search (:func:`protv2g.recommend.recommend`) is timed — main-process
CPU seconds, wall seconds, check runs, peak RSS of the process — in a fresh process per
round; the load average is printed beside each, and whether every round's recommendations
are the same. To compare two versions, run this script from each checkout in turn
(alternated, at the same load).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def one(path: str) -> dict:
    """The search on ``path`` in this process."""
    import protv2g.recommend.search as search_module
    from protv2g import load_study
    from protv2g.pipeline import fault_tables, study_flow
    from protv2g.recommend import evaluator, recommend
    from protv2g.scenarios import build_scenarios

    made = []

    class Recorded(evaluator.Evaluator):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            made.append(self)

    search_module.Evaluator = Recorded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(path)
        scenarios = build_scenarios(study.document)
        faults = fault_tables(study, scenarios, phasors=True)
        flow = study_flow(study)
        c0, t0 = time.process_time(), time.perf_counter()
        rec = recommend(study, faults, flow, scenarios=scenarios)
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "runs": made[0].n_runs,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "table": rec.table().astype(str).to_dict("records")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("studies", nargs="*")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--one", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one)))
        return 0
    studies = args.studies or sorted(str(s) for s in REPO.glob("feeders/*/study.yaml"))
    print("study | round | load before | search CPU s | wall s | check runs | peak RSS MB")
    for path in studies:
        tables = []
        for r in range(1, args.rounds + 1):
            load = os.getloadavg()[0]
            out = subprocess.run([sys.executable, __file__, "--one", path],
                                 capture_output=True, text=True, check=True)
            res = json.loads(out.stdout.strip().splitlines()[-1])
            tables.append(res.pop("table"))
            print(f"{Path(path).parent.name} | {r} | {load:.1f} | {res['cpu_s']} | "
                  f"{res['wall_s']} | {res['runs']} | {res['peak_rss_mb']}", flush=True)
        if len(tables) > 1:
            same = all(t == tables[0] for t in tables)
            print(f"{Path(path).parent.name}: recommendations "
                  f"{'the same in every round' if same else 'DIFFER between rounds'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
