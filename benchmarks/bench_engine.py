"""Benchmark of the fault engine on synthetic radial 12.47 kV feeders.

Run: ``python benchmarks/bench_engine.py [--sizes 1000 3000 10000]``

For each size: 200 devices, all buses × 4 fault types × 2 cases
  (a) base case (no chargers), device phasors kept (complex64);
  (b) chargers at 20 % of the buses × 10 export levels (scenarios), when the estimated charger
      iteration work (k²·N per step) is affordable — otherwise skipped with the reason printed;
  (c) pandapower ``calc_sc`` on the work both can do: 3ph and SLG bus currents at all buses
      (skipped when its dense Z_bus, 16·N² bytes, would exceed the memory cap).
Prints wall time, peak traced memory (tracemalloc) and the engine/pandapower speed ratio.
"""

from __future__ import annotations

import argparse
import copy
import time
import tracemalloc
import warnings

import numpy as np

from protv2g.engine import ChargerSource, DeviceTerminal, fault_study
from protv2g.network.synthetic import synthetic_radial_feeder
from protv2g.units import Case, FaultType

PP_MEMORY_CAP_BYTES = 4e9     # skip calc_sc when 3 dense N×N complex matrices exceed this
CHARGER_WORK_CAP = 1e10       # skip (b) when levels × 8 combos × k²·N × ~10 steps exceed this


def _measure(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, dt, peak


def _devices(net, n_dev=200):
    lines = net.line.index.values[np.linspace(0, len(net.line) - 1, n_dev).astype(int)]
    return [DeviceTerminal(f"D{i}", "line", int(i), int(net.line.at[i, "from_bus"]))
            for i in np.unique(lines)]


def _scenarios(net, levels=10, share=0.2, seed=0):
    rng = np.random.default_rng(seed)
    buses = np.sort(rng.choice(net.bus.index.values[2:], int(share * len(net.bus)),
                               replace=False))
    out = {}
    for lv in range(1, levels + 1):
        frac = lv / levels
        out[f"export_{lv * 10}pct"] = [
            ChargerSource(f"site{b}", int(b), 0.05 * frac, limit_pu=1.2, p_pre_mw=0.05 * frac)
            for b in buses]
    return out


def run(n: int, levels: int = 10) -> None:
    net = synthetic_radial_feeder(n, seed=0)
    devs = _devices(net)
    print(f"\n== {n} buses, {len(devs)} devices ==")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res, dt, peak = _measure(lambda: fault_study(net, devices=devs, dtype=np.complex64))
    print(f"engine base case: 4 fault types x 2 cases x {n} buses (+device phasors): "
          f"{dt:.2f} s, peak {peak / 1e6:.0f} MB")
    del res
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (_, dt_e, peak_e) = _measure(lambda: fault_study(
            net, fault_types=[FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND],
            cases=[Case.MAX]))
    print(f"engine 3ph+SLG bus currents, max case: {dt_e:.3f} s, peak {peak_e / 1e6:.0f} MB")

    scen = _scenarios(net, levels=levels)
    k = len(next(iter(scen.values())))
    work = levels * 8 * k * k * n * 10
    if work <= CHARGER_WORK_CAP:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res, dt, peak = _measure(lambda: fault_study(net, devices=devs, scenarios=scen,
                                                         dtype=np.complex64))
        its = max(res.iterations.values())
        print(f"engine with {k} chargers x {levels} export levels x 4 types x 2 cases: {dt:.2f} s, "
              f"peak {peak / 1e6:.0f} MB, max iterations {its}")
        del res
    else:
        print(f"engine with {k} chargers x {levels} export levels: SKIPPED (per-fault charger "
              f"iteration ~{work:.1e} complex MACs > cap {CHARGER_WORK_CAP:.0e})")

    need = 3 * 16 * float(n) ** 2
    if need > PP_MEMORY_CAP_BYTES:
        print(f"pandapower calc_sc: SKIPPED (dense Z_bus needs ~{need / 1e9:.1f} GB)")
        return
    from pandapower.shortcircuit import calc_sc

    def pp_run():
        for fault in ("3ph", "1ph"):
            nn = copy.deepcopy(net)
            calc_sc(nn, fault=fault, case="max")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, dt_p, peak_p = _measure(pp_run)
    print(f"pandapower calc_sc 3ph+1ph all buses: {dt_p:.2f} s, peak {peak_p / 1e6:.0f} MB; "
          f"engine is {dt_p / dt_e:.0f}x faster on the same work")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    ap.add_argument("--levels", type=int, default=10, help="export levels (scenarios)")
    args = ap.parse_args()
    for n in args.sizes:
        run(n, args.levels)


if __name__ == "__main__":
    main()
