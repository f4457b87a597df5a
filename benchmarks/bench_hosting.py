"""Protection hosting capacity vs re-running the full study at each candidate export level.

Run: ``python benchmarks/bench_hosting.py [--sample 8] [--stand-in] [STUDY.yaml]``

Times :func:`protv2g.hosting.hosting_analysis` on the depot example (every site × low /
expected / firm × light / peak: a grid in ONE fault-engine call, then bisection rounds of a few
levels each), and compares it with the brute-force alternative: one full study run
(``run_study`` + checks, one export level, one participation, one load level, only that site)
per candidate level. A sample of such re-runs is timed and multiplied by

* the number of levels the hosting search evaluated (same answers, done the slow way), and
* the levels a plain scan at the same resolution (``tol_kw``) would need.

The checks are :func:`protv2g.checks.run_checks` when it is installed; ``--stand-in`` (or its
absence) uses a hand-made criterion (bus fault duty at F1-B02 ≤ 5.2 kA), which times the same
machinery with cheaper checks.

Memory and time of the search itself (#21, s16): a round's exports are evaluated in engine calls
of at most ``protv2g.hosting.calls.FAULT_ROWS_PER_CALL`` fault rows (≥ 16 exports; each call
with its load level's base case), and only the worst failing row per scenario and criterion,
the margins and what could not be evaluated are kept between calls. Small studies (the six
examples) still take one call per round. Measured on 2 shared cores, CPU = process time of
``hosting_analysis`` alone, peak = ``ru_maxrss`` of the process, old → new, every table, margin,
level and warning identical: EPRI J1 (1,230 primary / 3,434 buses, drafted by ``protv2g init``,
two sites, 167 exports, 36 per call) peak 2,375 → 1,233 MiB, CPU 108 → 136–147 s (2 → 7
calls: each call rebuilds the phase system, the flow model and the base case); 250-bus
synthetic study (``bench_e2e.make_study``, 240 exports, 38 per call) peak 2,581 → 855 MiB,
CPU 69 → 81 s (1 → 8 calls); the six examples: one call per round as before, every workbook
cell and gate verdict identical. Fewer, larger calls (``FAULT_ROWS_PER_CALL``) trade memory
back for CPU: J1 at 6e6 rows (3 calls) 1,979 MiB, 103 s (load 1.7; CPU figures here vary
±20 % with the machine's load average, 2–10 during these runs).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def stand_in_checks(limit_ka: float = 5.2, bus: str = "F1-B02"):
    """Bus fault duty at one bus, attributed against the base case of the same load level."""
    from protv2g.result import VIOLATION_COLUMNS

    def checks(study, faults, flow, scenarios):
        b = faults.bus[faults.bus["bus_name"] == bus]
        worst = b.groupby("scenario")["ikss_ka"].max()
        base = {sc.load_level: sc.name for sc in scenarios if sc.is_base}
        rows = []
        for sc in scenarios:
            i_ka, i_base = worst[sc.name], worst[base[sc.load_level]]
            if i_ka > limit_ka:
                attr = "pre-existing" if sc.is_base or i_ka <= i_base * (1 + 1e-9) else "new"
                rows.append({"criterion": "C7", "status": "fail", "attribution": attr,
                             "scenario": sc.name, "fault_bus": bus, "device": f"bus {bus}",
                             "margin": (limit_ka - i_ka) / limit_ka,
                             "message": f"{i_ka:.4f} kA > {limit_ka} kA"})
        return pd.DataFrame(rows, columns=VIOLATION_COLUMNS), pd.DataFrame()

    return checks


def _checks(stand_in: bool):
    if not stand_in:
        try:
            from protv2g.checks import run_checks

            return run_checks, "protv2g.checks.run_checks"
        except ImportError:
            pass
    return stand_in_checks(), "stand-in criterion (bus duty at F1-B02 ≤ 5.2 kA)"


def one_rerun_s(study, site: str, p_kw: float, participation: str, load: str, checks) -> float:
    """Seconds of one full study run at one export level (load + run + checks)."""
    from protv2g import run_study
    from protv2g.hosting import evaluate_scenarios
    from protv2g.scenarios import build_scenarios

    t0 = time.perf_counter()
    variant = study.with_updates(
        v2g_sites=[s.model_dump(mode="json") for s in study.document.v2g_sites
                   if s.name == site],
        scenarios={"export_levels_kw": [p_kw], "participation": [participation],
                   "load_levels": [load]})
    result = run_study(variant)
    if "checks" not in result.meta:  # the runner does not run the checks yet: add them
        ev = evaluate_scenarios(variant, build_scenarios(variant.document), checks)
        result = dataclasses.replace(result, violations=ev.violations)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("study", nargs="?", default=str(REPO / "feeders/depot_two_feeder/study.yaml"))
    ap.add_argument("--sample", type=int, default=8, help="full re-runs timed (default 8)")
    ap.add_argument("--stand-in", action="store_true", help="use the hand-made criterion")
    ap.add_argument("--tol-kw", type=float, default=5.0, help="bisection tolerance (kW)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    from protv2g import load_study
    from protv2g.hosting import hosting_analysis

    checks, label = _checks(args.stand_in)
    study = load_study(args.study)
    print(f"hosting benchmark: {study.name}; checks: {label}; {os.cpu_count()} CPU cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    hosting_analysis(study, checks=checks, n_grid=2, participations=["firm"],
                     load_levels=["peak"])  # warm-up: first-call costs out of the figures
    ha = hosting_analysis(study, checks=checks, tol_kw=args.tol_kw)
    n_axes = len(ha.table)
    print(f"  hosting capacity: {n_axes} site × participation × load rows, "
          f"{ha.n_scenarios} export levels checked, {ha.n_engine_calls} engine calls: "
          f"{ha.seconds:.2f} s; peak RSS so far "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

    row = ha.table.iloc[0]
    site, part, load = row.site, row.participation, row.load_level
    levels = ha.levels_kw[(site, part, load)]
    picks = [levels[int(i * (len(levels) - 1) / max(args.sample - 1, 1))]
             for i in range(args.sample)]
    times = [one_rerun_s(study, site, p, part, load, checks) for p in picks]
    per_run = statistics.median(times)
    same_levels = per_run * ha.n_scenarios
    scan_levels = sum(int(r.site_max_kw // args.tol_kw) for r in ha.table.itertuples())
    scan = per_run * scan_levels
    print(f"  one full re-run (load variant + run_study + checks, 1 level): median "
          f"{per_run:.2f} s over {len(times)} runs")
    print(f"  re-running at the same {ha.n_scenarios} levels: ~{same_levels:.0f} s "
          f"({same_levels / ha.seconds:.0f}× the hosting search)")
    print(f"  plain scan at {args.tol_kw:g} kW resolution ({scan_levels} levels): "
          f"~{scan:.0f} s ({scan / ha.seconds:.0f}× the hosting search)")
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.max_colwidth", 40):
        print(ha.table[["site", "participation", "load_level", "hosting_kw",
                        "hosting_chargers", "limiting_criterion", "limiting_device",
                        "limiting_fault", "site_max_kw", "limited"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
