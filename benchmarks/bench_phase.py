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

**The IEEE 8500 study's faults stage towards 3× OpenDSS** (#21, branch ``dss_faults``,
2026-12-01). The study of ``bench_e2e.py``'s IEEE 8500 part (``protv2g init Master.dss
--redirect Fuses.DSS``, ``depot`` 20 × 100 kW at ``e192860``; 6 scenarios in 3 charger sets,
max + min, SLG/LL/LLG/3ph on every phase combination: 8,372 fault rows, 31 devices, both
brackets' stages), ``run_study`` stage by stage in fresh processes with each stage's **CPU
time** (``getrusage``; the machine's load was 11–14 on 2 cores, so wall clocks are 2.5× the
CPU and say little), before (``main`` at a5363df) and after alternately; OpenDSS = compile
+ power flow + ``solve mode=faultstudy`` (``opendss_fault_study``) in its own process:

=============  ================  ================  ==========
stage (CPU s)  before r1 / r2    after r1 / r2     speed-up
=============  ================  ================  ==========
faults         14.72 / 12.60     5.17 / 5.28       2.4–2.8×
flows           3.13 / 3.59      3.57 / 3.22       —
checks          6.62 / 9.01      7.68 / 8.30       (not here)
gate            0.18 / 0.24      0.16 / 0.19
compute        24.65 / 25.45    16.58 / 16.99      1.5×
OpenDSS         3.25 / 3.34 (same rounds)
ratio          7.6× / 7.6×       5.1× / 5.1×
=============  ================  ================  ==========

At load ≈ 6 the same after-run measured faults 4.58, flows 1.93, checks 5.86, gate 0.42 s CPU
(compute 12.79 s) against OpenDSS 3.45–3.53 s CPU: **3.7×**. ``bench_e2e.py
--skip-synthetic --skip-pp --skip-pgm`` (wall clock) printed, at load 5.6–6.8 (at 9b2830b,
the first four commits): faults 9.75 s, compute 33.5 s, OpenDSS 9.0 s, 3.7×; at load 11–13 (all
commits): faults 8.56 s, flows 4.82, checks 14.73, gate 0.18, compute 28.3 s, OpenDSS 4.68 s
(its own wall clock swung 2× between runs), 6.0×; faults peak RSS 533 MB (was 590 MB).
The target (≤ 3×) is not met: with the faults stage at ≈ 1.5× OpenDSS's CPU and the flows
≈ 0.6–1×, the checks stage (≈ 1.7–2.5×) is now the largest part.

Where the faults stage's CPU went before (cProfile, warm, 15.1 s): device currents
(``Terminals.fill``, 22 calls) 6.3 s of which **4.8 s were OpenBLAS threads** spinning on
``(8372, 2) @ (2, 2)`` products (``OPENBLAS_NUM_THREADS=1`` alone halved the stage), the site
law's ``(m, 3) @ (3, 3)`` / ``(m, 4) @ (4, 9)`` products 1.0 s more of the same, every line's
``Yprim`` read again from OpenDSS for the heated min case 0.9 s, the later stages' device
currents on every (device, fault) row though only the 3.6 % kept from 1 A are ever read.
Now: device currents device by device, summed conductor by conductor (no BLAS), the later
stages only on the kept rows (``phase_fault_study(staged_device_min_a=1.0)``, NaN elsewhere,
``staged_currents`` refuses a lower threshold) written straight as float32 magnitudes; the
law's transforms by ``einsum``; the lines' ``Yprim`` read in ``load_dss_model``'s pass over
the elements (``DssModel.lines()``); the selected inversion's ordering reused by the heated
system (``EliminationPlan``); kept-row positions found once.

Results: bus table, site (stage) table, stage times, pre-fault ``V1`` **identical**; staged
device magnitudes (float32) 99.35 % identical, the rest one float32 step apart (≤ 1.2e-4 A on
kA currents; ≤ 1.2e-6 relative, on 3I0 of 0.12 A: the 0.1 µA below); device table
voltages within 9e-16 pu, device current phasors within 2.9e-8 of the row's largest phase
current (0.28 µA): 578 of 280,758 phase currents ≥ 1 A differ by more than
1e-9 relative (at most 2.4e-8), all 406 rows at the head relay, whose element (the substation
connector) has ``|Yprim|`` ≈ 1e5 S — ``Yprim·V`` of 7 kV there carries 1e-16 × 7e8 A ≈ 0.1 µA
of float64 rounding whichever order sums it (a long-double evaluation puts the old and the new
sums 1–2e-9 from it on the rows checked). Flow tables identical.

What is left in the faults stage (cProfile, warm, 6.2 s profiled): the chargers' stages 2.3 s
(site Newton 1.6 s: per-call overhead of the control law on small row sets, see above), the
two systems 1.05 s (selected inversion 0.44, ``_scatter`` of 5,000 admittance changes 0.42),
first-cycle solves 0.62 s, first-cycle device currents and voltages on every row 0.45 s,
``device_row_kept`` 0.40 s (its ``max``/``sum`` over a 3-wide axis: ``engine/device_rows.py``),
the device table 0.40 s, later-stage magnitudes 0.33 s, padding the staged arrays 0.23 s.
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
    """The sites' numpy Newton (now ``site_solve._newton``, ``self`` its ``law``) as it was
    before the analytic Jacobian (commit 0748181): the
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

    from protv2g.engine.phase import model_devices, phase_fault_study, site_solve
    from protv2g.engine.phase.sites import SiteLaw
    from protv2g.network.dss_model import load_dss_model
    from protv2g.units import Case, FaultType, Method

    model = load_dss_model(master, redirects=redirects)
    devices = model_devices(model)
    # the numpy Newton (site_solve._newton) stands in for the whole first attempt, so that
    # the compiled first attempt (session 8) does not hide the two Jacobians being compared
    first, analytic, solve = site_solve._first_attempt, site_solve._newton, SiteLaw.solve
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
        site_solve._first_attempt, SiteLaw.solve = timed(newton), kept
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
            site_solve._first_attempt, SiteLaw.solve = first, solve

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
