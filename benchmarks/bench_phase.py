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

``--stages`` (#21): only the IEEE 8500 staged study (``Fuses.DSS``, the two sites of
``tests/test_e8500_two_sites.py``: depot 1.6 MVA three-phase, homes 92 kVA on phase a; SLG +
3ph, max + min, ``iec60909``, both brackets: 4,472 fault rows, 28 site solves), the sites'
Newton with the analytic Jacobian (:meth:`~protv2g.engine.phase.sites.SiteLaw.jacobian`) and
with the forward-difference one it replaced (:func:`_newton_fd`), alternately in one process;
prints each run's time, the time inside Newton, and the largest difference of every solve's
site currents and of the device/charger/staged tables. Measured 2026-12-01 on 2 cores shared
with other jobs (medians of alternate runs; the machine's load varied ±50 % within a run):

=============================  ======  ========  =========  ========  =========  ==========
run                            rounds  load      study      Newton    study FD   Newton FD
=============================  ======  ========  =========  ========  =========  ==========
default BLAS threads           3       6.0→5.6   14.15 s    6.53 s    22.36 s    12.97 s
``OPENBLAS_NUM_THREADS=1``     3       5.3→5.8    7.07 s    4.56 s    14.63 s    11.24 s
``OPENBLAS_NUM_THREADS=1``     5       6.8→7.6    8.86 s    5.89 s    14.05 s    11.10 s
=============================  ======  ========  =========  ========  =========  ==========

Most of the remaining Newton time is its tail: a few rows that never converge take all
``NEWTON_MAX`` steps with every halving of the line search (about 2,400 law evaluations on
≤ 20 rows against 365 on the bulk).

Results: every solve's site currents within 4.2e-10 of the row's largest current except 14
solved rows — 12 fault rows of the min case's first cycle and 2 later stages that start from
them — where the single-phase unit sits below its 0.1 pu PLL floor and the tracking law has
several fixed points or none: Newton lands on whichever its iterates reach (10 of the 14 end
with the PLL held in one of the two runs; the unit's 19 A at its limit in both, up to
reversed: 38 A = 0.34 of the row's largest current, the depot's 111 A). The
forward-difference Newton itself moves such rows when only its step is doubled (10 rows,
0.34). On the other rows: device table 2.0e-8, charger table 1.5e-9,
staged device currents 1.2e-7 (float32); on those 12 fault rows (358 device rows, 24 site
rows) up to a reversed current on the devices that carry only the unit's 19 A. Cessation and
trip instants identical.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

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


def _newton_fd(self, a: np.ndarray, b: np.ndarray, v_pre: np.ndarray, i: np.ndarray,  # noqa: ANN001
               tol: float, lim: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """``SiteLaw._newton`` as it was before the analytic Jacobian (commit 0748181): the
    Jacobian by forward differences of the law, ``2q`` residuals per step. Kept here only for
    the before/after figure of ``--stages``."""
    import numpy as np

    from protv2g.engine.phase.sites import NEWTON_MAX

    m, q = i.shape
    if not q or not m:
        return np.zeros(0, dtype=np.int64), 0

    def resid(rows: np.ndarray, x: np.ndarray) -> np.ndarray:
        v = a[rows] + np.einsum("mqr,mr->mq", b[rows], x)
        return self.injection(v, v_pre, lim=None if lim is None else lim[rows]) - x

    live = np.arange(m)
    r = resid(live, i)
    h = 1e-7 * max(float(self.limit_a.max(initial=0.0)), 1e-9)
    its = 0
    for it in range(1, NEWTON_MAX + 1):
        err = np.abs(r).max(axis=1)
        keep = err >= tol
        live, r = live[keep], r[keep]
        if not len(live):
            break
        its = it
        x = i[live]
        jac = np.empty((len(live), 2 * q, 2 * q))
        for k in range(q):
            for col, step in ((k, h), (q + k, 1j * h)):
                xp = x.copy()
                xp[:, k] += step
                d = (resid(live, xp) - r) / h
                jac[:, :q, col], jac[:, q:, col] = d.real, d.imag
        rhs = -np.concatenate([r.real, r.imag], axis=1)
        try:
            du = np.linalg.solve(jac, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:
            du = np.einsum("mij,mj->mi", np.linalg.pinv(jac), rhs)
        dx = du[:, :q] + 1j * du[:, q:]
        norm0 = np.abs(r).max(axis=1)
        t = np.ones(len(live))
        for _ in range(8):  # backtracking: halve the step until |F| decreases
            xn = x + t[:, None] * dx
            rn = resid(live, xn)
            worse = ~(np.abs(rn).max(axis=1) < norm0)
            if not worse.any():
                break
            t = np.where(worse, 0.5 * t, t)
        i[live] = xn
        r = rn
    err = np.abs(r).max(axis=1) if len(live) else np.zeros(0)
    return live[err >= tol], its


def _stage_sites(sustained_pu: float) -> dict:
    """The 8500's two sites of ``tests/test_e8500_two_sites.py`` as ``protv2g run`` builds
    them (expected participation, full export): ``depot`` 16 × 100 kW three-phase at
    ``e192860``, ``homes`` 8 × 11.5 kW on phase a of ``m1027110``; active priority, first-cycle
    limit 1.5 pu, Category II trips; sustained limit ``sustained_pu`` (low 1.1 / high 1.2)."""
    from protv2g.engine import ChargerSource
    from protv2g.engine.phase import PhaseSite
    from protv2g.engine.ride_through import trip_elements
    from protv2g.units import ChargerLaw

    kw = dict(limit_pu=1.5, law=ChargerLaw.ACTIVE_PRIORITY, sustained_limit_pu=sustained_pu,
              trip=trip_elements("II"))
    return {"v2g": [PhaseSite(ChargerSource("depot", -1, 1.6, p_pre_mw=1.6, **kw), "e192860"),
                    PhaseSite(ChargerSource("homes", -1, 0.092, p_pre_mw=0.092, **kw),
                              "m1027110", "a")]}


def _child_stages(master: str, redirects: list[str], rounds: int = 3) -> dict:
    """The 8500 staged study (SLG + 3ph, max + min, both brackets), the sites' Newton with
    the analytic Jacobian and with the forward-difference one (:func:`_newton_fd`),
    alternately in this one process; every site current either solves, compared."""
    import os

    import numpy as np

    from protv2g.engine.phase import model_devices, phase_fault_study
    from protv2g.engine.phase.sites import SiteLaw
    from protv2g.network.dss_model import load_dss_model
    from protv2g.units import Case, FaultType, Method

    model = load_dss_model(master, redirects=redirects)
    devices = model_devices(model)
    analytic, solve = SiteLaw._newton, SiteLaw.solve
    clock = {"newton_s": 0.0}
    solved: list[np.ndarray] = []

    def timed(newton):  # noqa: ANN001, ANN202
        def run(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            t = time.perf_counter()
            out = newton(self, *args, **kwargs)
            clock["newton_s"] += time.perf_counter() - t
            return out
        return run

    def kept(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        out = solve(self, *args, **kwargs)
        solved.append((out[0], out[1]))  # every solve's site currents, A, and pll_frozen
        return out

    def study(newton) -> tuple:  # noqa: ANN001
        SiteLaw._newton, SiteLaw.solve = timed(newton), kept
        clock["newton_s"] = 0.0
        solved.clear()
        try:
            t = time.perf_counter()
            res = phase_fault_study(
                model, fault_types=[FaultType.SINGLE_LINE_GROUND, FaultType.THREE_PHASE],
                cases=[Case.MAX, Case.MIN], method=Method.IEC60909,
                scenarios=_stage_sites(1.1), high_bracket=_stage_sites(1.2),
                devices=devices, staged=True)
            return time.perf_counter() - t, clock["newton_s"], res, list(solved)
        finally:
            SiteLaw._newton, SiteLaw.solve = analytic, solve

    load0 = os.getloadavg()
    runs: dict[str, list] = {"analytic": [], "fd": []}
    keep = {}
    for k in range(rounds):
        order = ("analytic", "fd") if k % 2 == 0 else ("fd", "analytic")
        for name in order:
            t, tn, res, sol = study(analytic if name == "analytic" else _newton_fd)
            runs[name].append((t, tn))
            keep[name] = (res, sol)
    (ra, sa), (rf, sf) = keep["analytic"], keep["fd"]

    def rel(x: np.ndarray, y: np.ndarray, axes: tuple) -> list:
        """Largest difference of a row relative to its largest current; the rows above 1e-6
        and the largest difference of the others."""
        scale = np.maximum(np.nanmax(np.abs(y), axis=axes, keepdims=True), 1e-9)
        d = np.nanmax(np.abs(x - y) / scale, axis=axes)
        return [float(d.max(initial=0.0)), int((d > 1e-6).sum()),
                float(np.max(d, where=d <= 1e-6, initial=0.0))]

    # site currents of every solve, row by row; rows whose solution moved by more than 1e-6
    # (e.g. where one of the two went to the held PLL)
    d = [np.nanmax(np.abs(x[0] - y[0]), axis=1, initial=0.0)
         / np.maximum(np.nanmax(np.abs(y[0]), axis=1, initial=0.0), 1e-9)
         for x, y in zip(sa, sf, strict=True)]
    moved = [np.flatnonzero(x > 1e-6) for x in d]
    held = sum(int((x[1][k] | y[1][k]).sum()) for x, y, k in zip(sa, sf, moved, strict=True))
    rest = max((float(np.max(x, where=x <= 1e-6, initial=0.0)) for x in d), default=0.0)
    def phasors(df):  # noqa: ANN001, ANN202
        return np.stack([df[f"i{p}_ka"].to_numpy() * np.exp(1j * np.radians(
            df[f"i{p}_degree"].to_numpy())) for p in "abc"], axis=1)

    dev_rel = rel(phasors(ra.device), phasors(rf.device), (1,))
    chg_rel = rel(phasors(ra.charger), phasors(rf.charger), (1,))
    staged_rel = [rel(ra.staged[b].device_a.astype(float), rf.staged[b].device_a, (-1,))
                  for b in ("low", "high")]
    trips_equal = all(ra.staged[b].sites[["ceased", "trip_s"]].equals(
        rf.staged[b].sites[["ceased", "trip_s"]]) for b in ("low", "high"))
    return {"rows": len(ra.rows), "n_newton": len(sa), "runs": runs, "load": [load0,
            os.getloadavg()], "newton_rel": max(float(x.max(initial=0.0)) for x in d),
            "moved": sum(len(k) for k in moved), "moved_held": held, "newton_rest": rest,
            "device_rel": dev_rel, "charger_rel": chg_rel, "staged_rel": staged_rel,
            "trips_equal": trips_equal}


def _run_child(kind: str, master: Path, redirects: list[Path | str]) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(master),
           *[str(r) for r in redirects]]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} on {master.name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _print_stages(rounds: int) -> None:
    """``--stages``: the table of the module docstring's last section."""
    rel, red = REAL["IEEE8500"]
    r = _run_child("stages", SHARED / rel, [str(rounds), *[SHARED / x for x in red]])
    print(f"IEEE 8500 staged phase study: {r['rows']} fault rows, {r['n_newton']} site solves, "
          f"load average {r['load'][0][0]:.1f} → {r['load'][1][0]:.1f}")
    print(f"{'Jacobian':10s} {'study s (each run)':>28s} {'median':>7s} {'Newton s':>9s} "
          f"{'share':>6s}")
    med = {}
    for name, runs in r["runs"].items():
        t = sorted(x[0] for x in runs)
        tn = sorted(x[1] for x in runs)
        med[name] = t[len(t) // 2]
        print(f"{name:10s} {' '.join(f'{x[0]:6.2f}' for x in runs):>28s} {med[name]:7.2f} "
              f"{tn[len(tn) // 2]:9.2f} {tn[len(tn) // 2] / med[name]:6.0%}")
    print(f"speed-up of the study {med['fd'] / med['analytic']:.2f}×; largest difference "
          f"analytic vs FD, of the row's largest current: site currents of every solve "
          f"{r['newton_rel']:.1e} ({r['moved']} solved rows above 1e-6, {r['moved_held']} of "
          f"them with the PLL held in either; the others {r['newton_rest']:.1e}), "
          + "; ".join(f"{k} {x[0]:.1e} ({x[1]} rows above 1e-6; the others {x[2]:.1e})"
                      for k, x in (("device table", r["device_rel"]),
                                   ("charger table", r["charger_rel"]),
                                   ("staged device currents, low", r["staged_rel"][0]),
                                   ("high", r["staged_rel"][1])))
          + "; "
          f"cessation/trip instants equal: {r['trips_equal']}")


def main(argv: list[str] | None = None) -> None:
    """Print the table (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ieee", action="store_true", help="the IEEE feeders too")
    ap.add_argument("--only", nargs="+", default=None, help="feeders whose name contains …")
    ap.add_argument("--stages", action="store_true", help="only the 8500 staged study: the "
                    "sites' Newton with the analytic vs the finite-difference Jacobian")
    ap.add_argument("--rounds", type=int, default=3, help="alternate runs of each (--stages)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, master, *redirects = args.child
        if kind == "stages":
            rounds, *redirects = redirects
            print(json.dumps(_child_stages(master, redirects, int(rounds))))
            return
        fn = {"protv2g": _child_protv2g, "opendss": _child_opendss,
              "accuracy": _child_accuracy}[kind]
        print(json.dumps(fn(master, redirects)))
        return
    if not SHARED.is_dir():
        print(f"reference feeders not found at {SHARED}")
        return
    if args.stages:
        _print_stages(args.rounds)
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
