"""Phase-domain path on the utility feeders: accuracy against OpenDSS and speed beside it.

For every master in ``../shared/feeders/opendss/real`` (and, with ``--ieee``, the IEEE feeders),
in the same run, each measurement in its own Python process (so peak memory is its own):

* **protv2g**: ``load_dss_model`` (compile + power flow + the network in phase coordinates from
  OpenDSS) and ``phase_fault_study`` on every primary bus, 3ph/LL/SLG/LLG (every phase
  combination), max and min, ``iec60909`` (the CLI default) — time and peak RSS;
* **OpenDSS**: its own compile, power flow and ``solve mode=faultstudy`` — time and peak RSS;
* **accuracy**: ``classical`` 3ph and SLG at every primary bus and phase OpenDSS reports, against
  OpenDSS's fault study, unscaled: buses/phases compared, median and max relative difference.

Python-module import time (pandapower, opendssdirect) and the first OpenDSS context of a
process (~0.2 s, once per process) are printed once and excluded from both sides. Peak RSS is
the process's maximum resident set (``ru_maxrss``) minus its RSS after the imports. A
benchmark, not a test: figures and ratios are printed, nothing is asserted.

    python benchmarks/bench_phase.py [--ieee] [--only 8500 ckt24]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "feeders" / "opendss"
REAL = {
    "IEEE8500": ("real/IEEE8500/Master.dss", ["real/IEEE8500/Fuses.DSS"]),
    "IEEE8500-unbal": ("real/IEEE8500/Master-unbal.dss", []),
    "EPRI ckt5": ("real/EPRI_ckt5/Master_ckt5.dss", []),
    "EPRI ckt24": ("real/EPRI_ckt24/master_ckt24.dss", []),
    "EPRI J1 (no PV)": ("real/EPRI_J1/Master_noPV.dss", []),
    "EPRI J1 (PV)": ("real/EPRI_J1/Master_withPV.dss", []),
}
IEEE = {
    "IEEE 13": ("13Bus/IEEE13Nodeckt.dss", []),
    "IEEE 34": ("34Bus/ieee34Mod1.dss", []),
    "IEEE 37": ("37Bus/ieee37.dss", []),
    "IEEE 123": ("123Bus/IEEE123Master.dss", []),
}


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_protv2g(master: str, redirects: list[str]) -> dict:
    t0 = time.perf_counter()
    from protv2g.engine.phase import model_devices, phase_fault_study
    from protv2g.network.dss_model import load_dss_model
    from protv2g.network.opendss import new_engine
    from protv2g.units import Method

    new_engine()  # the first OpenDSS context of a process builds its API wrappers (~0.2 s)
    t_import = time.perf_counter() - t0
    base = _rss_mb()
    t1 = time.perf_counter()
    model = load_dss_model(master, redirects=redirects)
    t2 = time.perf_counter()
    devices = model_devices(model)
    res = phase_fault_study(model, method=Method.IEC60909, devices=devices)
    t3 = time.perf_counter()
    n_rows = len(res.rows)
    return {"import_s": t_import, "load_s": t2 - t1, "study_s": t3 - t2,
            "peak_mb": _peak_mb() - base, "buses": int(model.buses.primary.sum()),
            "all_buses": len(model.buses), "nodes": model.n_nodes, "fault_rows": n_rows,
            "devices": len(devices), "dead_buses": int((~model.buses.energized).sum())}


def _child_opendss(master: str, redirects: list[str]) -> dict:
    t0 = time.perf_counter()
    import opendssdirect  # noqa: F401

    from protv2g.network.opendss import new_engine
    from protv2g.network.opendss_reference import opendss_fault_study

    new_engine()  # as on the protv2g side
    t_import = time.perf_counter() - t0
    base = _rss_mb()
    _, sec = opendss_fault_study(master, redirects)
    return {"import_s": t_import, **sec, "peak_mb": _peak_mb() - base}


def _child_accuracy(master: str, redirects: list[str]) -> dict:
    import numpy as np

    from protv2g.engine.phase import phase_fault_study
    from protv2g.network.dss_model import load_dss_model
    from protv2g.network.opendss_reference import compare_with_fault_study, opendss_fault_study
    from protv2g.units import Case, FaultType, Method

    model = load_dss_model(master, redirects=redirects)
    res = phase_fault_study(model, method=Method.CLASSICAL, cases=[Case.MAX],
                            fault_types=[FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND])
    ref, _ = opendss_fault_study(master, redirects)
    primary = model.buses.index[model.buses.primary]
    cmp = compare_with_fault_study(res.bus, ref, buses=primary)
    out = {}
    for kind in ("3ph", "SLG"):
        d = cmp[cmp.kind == kind].rel_diff.abs().dropna()
        out[kind] = {"n": int((cmp.kind == kind).sum()), "buses": int(
            cmp[cmp.kind == kind].bus.nunique()), "median": float(np.median(d)) if len(d)
            else float("nan"), "max": float(d.max()) if len(d) else float("nan")}
    return out


def _run_child(kind: str, master: Path, redirects: list[Path]) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(master),
           *[str(r) for r in redirects]]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} on {master.name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Print the table (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ieee", action="store_true", help="the IEEE feeders too")
    ap.add_argument("--only", nargs="+", default=None, help="feeders whose name contains …")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, master, *redirects = args.child
        fn = {"protv2g": _child_protv2g, "opendss": _child_opendss,
              "accuracy": _child_accuracy}[kind]
        print(json.dumps(fn(master, redirects)))
        return
    if not SHARED.is_dir():
        print(f"reference feeders not found at {SHARED}")
        return
    feeders = dict(REAL, **(IEEE if args.ieee else {}))
    if args.only:
        feeders = {k: v for k, v in feeders.items()
                   if any(o.lower() in k.lower() for o in args.only)}
    print(f"{'feeder':16s} {'buses':>6s} {'rows':>6s} | {'protv2g load':>12s} {'study':>6s} "
          f"{'total':>6s} {'peak MB':>7s} | {'OpenDSS compile':>15s} {'pf':>5s} {'fs':>5s} "
          f"{'total':>6s} {'peak MB':>7s} | {'ratio':>5s} | 3ph n med max | SLG n med max")
    imports = None
    for name, (rel, red) in feeders.items():
        master = SHARED / rel
        redirects = [SHARED / r for r in red]
        p = _run_child("protv2g", master, redirects)
        o = _run_child("opendss", master, redirects)
        a = _run_child("accuracy", master, redirects)
        imports = imports or (p["import_s"], o["import_s"])
        ours = p["load_s"] + p["study_s"]
        theirs = o["compile_s"] + o["power_flow_s"] + o["fault_study_s"]
        print(f"{name:16s} {p['buses']:6d} {p['fault_rows']:6d} | {p['load_s']:12.2f} "
              f"{p['study_s']:6.2f} {ours:6.2f} {p['peak_mb']:7.0f} | {o['compile_s']:15.2f} "
              f"{o['power_flow_s']:5.2f} {o['fault_study_s']:5.2f} {theirs:6.2f} "
              f"{o['peak_mb']:7.0f} | {ours / theirs:5.2f} | "
              f"{a['3ph']['n']:5d} {a['3ph']['median']:.1e} {a['3ph']['max']:.1e} | "
              f"{a['SLG']['n']:5d} {a['SLG']['median']:.1e} {a['SLG']['max']:.1e}")
        print(f"{'':16s} ({p['all_buses']} buses in the model, {p['nodes']} nodes, "
              f"{p['devices']} devices, {p['dead_buses']} de-energised)")
    if imports:
        print(f"Python imports (excluded above): protv2g phase path {imports[0]:.1f} s "
              f"(pulls in pandapower through protv2g/__init__ and protv2g.engine), "
              f"opendssdirect {imports[1]:.1f} s")
    print("ratio = protv2g (load + study, all primary buses × 4 types × every phase "
          "combination × max/min) / OpenDSS (compile + power flow + fault study); "
          "target ≤ 3")


if __name__ == "__main__":
    main()
