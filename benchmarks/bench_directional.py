"""Time the directional evaluation (C9 and the Directional sheet) on the depot study.

R-F1 and R-F2 set ``directional: forward`` (R-F1 also with 32Q first); prints the engine time,
the directional-table time, its rows and the cost per engine device row, and the ratio of the
directional evaluation to the fault engine for the same scenarios.

Usage: ``python benchmarks/bench_directional.py [--levels 0 0.5 1.0]``
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

from protv2g.checks import engine_inputs
from protv2g.checks._common import build_context
from protv2g.checks.directional import directional_table
from protv2g.directional import directional_sheet
from protv2g.engine import fault_study
from protv2g.scenarios import build_scenarios
from protv2g.study.loader import load_study

STUDY = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder" / "study.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--levels", type=float, nargs="+", default=[0.0, 0.5, 1.0])
    args = ap.parse_args()
    study = load_study(STUDY)
    devices = []
    for d in study.raw["devices"]:
        if d["name"] == "R-F1":
            d = dict(d, directional={"phase_elements": ["32Q", "67P"],
                                     "ground_elements": ["32Q", "67N"]})
        elif d["name"] == "R-F2":
            d = dict(d, directional="forward")
        devices.append(d)
    study = study.with_updates(devices=devices, scenarios={
        "export_levels_fraction": args.levels, "participation": ["expected", "firm"],
        "load_levels": ["peak"]})
    scs = build_scenarios(study.document)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        faults = fault_study(study.net, **engine_inputs(study, scs)).device
    t_engine = time.perf_counter() - t0
    t0 = time.perf_counter()
    ctx = build_context(study, faults, None, scs)
    t_ctx = time.perf_counter() - t0
    t0 = time.perf_counter()
    table = directional_table(ctx)
    t_dir = time.perf_counter() - t0
    sheet = directional_sheet(table)
    n_dev = int(faults.device.isin(["R-F1", "R-F2"]).sum())
    print(f"scenarios {len(scs)}, engine device rows {len(faults)} "
          f"({n_dev} of the two directional relays)")
    print(f"fault engine            {t_engine:7.2f} s")
    print(f"checks context          {t_ctx:7.2f} s")
    print(f"directional table       {t_dir:7.2f} s  ({len(table)} element rows, "
          f"{1e6 * t_dir / max(n_dev, 1):.0f} µs per relay fault row)")
    print(f"directional / engine    {t_dir / t_engine:7.2f}")
    print(f"sheet rows              {len(sheet):7d}  (matters: {int(sheet.matters.sum())})")


if __name__ == "__main__":
    main()
