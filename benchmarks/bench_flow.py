"""Benchmark of the reverse-flow engine: a 96-step day on synthetic radial feeders.

Run: ``python benchmarks/bench_flow.py [--sizes 1000 10000] [--steps 96]``

For each size: 5 V2G sites (375 kW each, on the first trunk sections) following a
charge → export swing, loads following the generic day shape. Compared:
  (a) ``FlowSolver`` batched fixed point on pandapower's Ybus (one LU, all steps at once),
      including the one-off copy + runpp that builds the Ybus;
  (b) plain ``pandapower.runpp`` loop (numba, default flat start each step);
  (c) ``runpp`` loop with ``init="results"`` and ``recycle`` (bus_pq, no trafo/gen change).
Prints wall times, the ratio (b)/(a) and (c)/(a), and the max |ΔV| between (a) and (b).

Session 46 (2026-12-07, regb46, issue #21), the IEEE 8500's OpenDSS flows stage (the
``init``-drafted 8500 + depot study of ``bench_e2e``; ``study_flow`` alone, CPU s,
``time.process_time``, main 8f23e5fe vs the branch alternated, 3 pairs, load 8.8–15.4 on 2
cores): 14.82 / 14.94 / 15.55 → 8.94 / 9.30 / 9.38 (min 14.82 → 8.94, median 14.94 → 9.30);
OpenDSS solves in the regulators' band-edge bracket (``flow.tap_band``) 436 → 256: a trial
its RegControl refuses by more than half a tap step told from the state's solution
(``flow.reg_band``, 134 of the 291 refused trials), ``base/der_off``'s edges taken from
``base/peak`` (no DER in the model: 2 of 6 base searches). #21's 5 s target not reached:
the rest is 66 kept trials, 157 refused within half a step, 10 snapshot searches' starts.
"""

from __future__ import annotations

import argparse
import copy
import time
import warnings

import numpy as np
import pandapower as pp

from protv2g.flow import FlowSolver, fleet_day, load_shape_fraction
from protv2g.flow.day import step_times_h
from protv2g.network.synthetic import synthetic_radial_feeder


def _day_inputs(net: pp.pandapowerNet, n_steps: int) -> tuple[dict, np.ndarray, np.ndarray]:
    # on the first trunk sections (buses 2 … n/12 are the trunk of the synthetic feeder)
    sites = {f"site{k}": 3 + 4 * k for k in range(5)}
    d = fleet_day(3, 125.0, 150.0, 0.92, 15.5, 6.0, (16.5, 20.0), 0.3, n_steps=n_steps)
    p = np.repeat(d.p_kw[None, :] / 1000.0, len(sites), axis=0)
    lf = load_shape_fraction(step_times_h(n_steps), 0.3)
    return sites, lf, p


def _runpp_loop(net: pp.pandapowerNet, sites: dict, lf: np.ndarray, p: np.ndarray,
                recycle: bool) -> tuple[float, np.ndarray]:
    work = copy.deepcopy(net)
    idx = [pp.create_sgen(work, b, p_mw=0.0) for b in sites.values()]
    scaling0 = work.load.scaling.to_numpy().copy()
    vm = np.empty((len(lf), len(work.bus)))
    t0 = time.perf_counter()
    for k in range(len(lf)):
        work.load["scaling"] = scaling0 * lf[k]
        work.sgen.loc[idx, "p_mw"] = p[:, k]
        if recycle and k:
            pp.runpp(work, init="results", recycle=dict(trafo=False, gen=False, bus_pq=True))
        else:
            pp.runpp(work)
        vm[k] = work.res_bus.vm_pu.to_numpy()
    return time.perf_counter() - t0, vm


def _feeder(n_buses: int) -> pp.pandapowerNet:
    """Synthetic feeder with its loads rescaled so the peak flow converges (its fault-study
    loads are far too heavy for a power flow): 2 MW at 1,000 buses, 0.7 MW at 10,000."""
    net = synthetic_radial_feeder(n_buses, seed=0)
    target_mw = 2.0 * (1000.0 / n_buses) ** 0.45
    f = target_mw / net.load.p_mw.sum()
    net.load["p_mw"] *= f
    net.load["q_mvar"] *= f
    return net


def bench(n_buses: int, n_steps: int) -> None:
    net = _feeder(n_buses)
    sites, lf, p = _day_inputs(net, n_steps)
    pp.runpp(copy.deepcopy(net))      # warm numba caches for a fair comparison
    t0 = time.perf_counter()
    solver = FlowSolver(net, sites)
    t_setup = time.perf_counter() - t0
    res = solver.solve(lf, p)
    t_fast = time.perf_counter() - t0
    t_plain, vm_plain = _runpp_loop(net, sites, lf, p, recycle=False)
    t_rec, _ = _runpp_loop(net, sites, lf, p, recycle=True)
    dv = np.nanmax(np.abs(np.abs(res.v_pu) - vm_plain))
    print(f"{n_buses:>6} buses × {n_steps} steps: fixed point {t_fast:6.2f} s "
          f"(setup {t_setup:.2f} s, {res.iterations} iterations, solver={res.solver}) | "
          f"runpp loop {t_plain:6.2f} s (ratio {t_plain / t_fast:5.1f}×) | "
          f"runpp init=results+recycle {t_rec:6.2f} s (ratio {t_rec / t_fast:5.1f}×) | "
          f"max |ΔVm| vs runpp {dv:.1e} pu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--steps", type=int, default=96)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for n in args.sizes:
        bench(n, args.steps)


if __name__ == "__main__":
    main()
