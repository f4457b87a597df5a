"""``recommend``'s search with partial re-runs against full re-runs of every check.

Run: ``python benchmarks/bench_recommend.py [--rounds 2] [STUDY.yaml ...]``

For every study (default ``feeders/*/study.yaml``) the fault tables and flows are made once
per process, then the search (:func:`protv2g.recommend.recommend`) is timed — main-process
CPU seconds, wall seconds, check runs and how many of them were partial
(:mod:`protv2g.recommend.incremental`), peak RSS of the process — with every check re-run
(``PROTV2G_RECOMMEND_FULL=1``) and with partial re-runs, alternated in fresh processes for
``--rounds`` rounds; the load average is printed beside each. The two searches' tables are
compared: the recommendations must be the same (same code, only the re-runs differ).
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
    """The search on ``path`` in this process (``PROTV2G_RECOMMEND_FULL`` as set)."""
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
    table = rec.table()
    ev = made[0]
    return {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "runs": ev.n_runs,
            "partial": ev.n_partial,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "table": table.astype(str).to_dict("records")}


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
    print("study | mode | round | load before | search CPU s | wall s | runs (partial) | "
          "peak RSS MB")
    for path in studies:
        tables = {}
        for r in range(1, args.rounds + 1):
            for mode in ("full", "partial"):
                env = {**os.environ, "PROTV2G_RECOMMEND_FULL": "1" if mode == "full" else "0"}
                load = os.getloadavg()[0]
                out = subprocess.run([sys.executable, __file__, "--one", path], env=env,
                                     capture_output=True, text=True, check=True)
                res = json.loads(out.stdout.strip().splitlines()[-1])
                tables[mode] = res.pop("table")
                print(f"{Path(path).parent.name} | {mode} | {r} | {load:.1f} | {res['cpu_s']} | "
                      f"{res['wall_s']} | {res['runs']} ({res['partial']}) | "
                      f"{res['peak_rss_mb']}", flush=True)
        print(f"{Path(path).parent.name}: recommendations "
              f"{'the same' if tables['full'] == tables['partial'] else 'DIFFER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
