"""The default charger model's glue around the Newton solve (#21, session 13): what is worked
out where a stage's solution is new only (and copied elsewhere) is, bit for bit, what the
full-width expressions it replaces give."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from protv2g.engine import ChargerSource, DeviceTerminal, fault_study
from protv2g.engine.faults import sequence_fault_currents
from protv2g.engine.ride_through import trip_elements
from protv2g.engine.solve import CaseSolver
from protv2g.network.synthetic import synthetic_radial_feeder
from protv2g.units import Case, ChargerLaw, FaultType


def _sites(levels: int = 4, n_sites: int = 3) -> dict[str, list[ChargerSource]]:
    """The benchmark's V2G sites (``benchmarks/bench_engine.py``): 1 MVA each on the trunk,
    study-default law and IEEE 1547 Category II trips, ``levels`` export levels."""
    trip = trip_elements("II")
    return {f"export_{lv}": [
        ChargerSource(f"site{b}", b, 1.0, limit_pu=1.5, sustained_limit_pu=1.1,
                      law=ChargerLaw.ACTIVE_PRIORITY, p_pre_mw=lv / levels, trip=trip)
        for b in (5 * (i + 1) for i in range(n_sites))] for lv in range(1, levels + 1)}


@pytest.fixture(scope="module")
def solved() -> list:
    """Every ``solve_group`` call of a small default-model study: (solver, fault type, Zf,
    pre-fault state, charger positions, per-scenario slices)."""
    net = synthetic_radial_feeder(80, seed=2)
    lines = net.line.index.values[::8]
    devs = [DeviceTerminal(f"D{i}", "line", int(i), int(net.line.at[i, "from_bus"]))
            for i in lines]
    calls = []
    orig = CaseSolver.solve_group

    def spy(self, ft, zf, pre, group, cpos, **kw):
        out = orig(self, ft, zf, pre, group, cpos, **kw)
        calls.append((self, ft, zf, pre, cpos, out))
        return out
    CaseSolver.solve_group = spy
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fault_study(net, devices=devs, scenarios=_sites(), keep="summary",
                        cases=[Case.MAX, Case.MIN])
    finally:
        CaseSolver.solve_group = orig
    return calls


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def test_stage_fault_currents_are_the_full_width_expressions(solved):
    """Each stage's open-circuit fault voltages ``e1, e2`` and fault currents (worked out at
    the fault buses a stage reaches, and once per first-cycle twin) equal the expressions
    over every fault bus of the stage's solution, byte for byte (NaN where unconverged)."""
    seen_partial = seen_twins = False
    for solver, ft, zf, pre, cpos, out in solved:
        s1, s2, s0 = solver.seq[1], solver.seq[2], solver.seq.get(0)
        z0f = None if s0 is None else s0.zff
        zr1, zr2 = s1.z_fc[:, cpos], s2.z_fc[:, cpos]
        for sv in out:
            stg = sv.charger
            for j, sol in enumerate(stg.stages):
                e1 = pre.e_f + np.einsum("mk,qmk->qm", zr1, sol.i1[None])[0]
                e2 = np.einsum("mk,qmk->qm", zr2, sol.i2[None])[0]
                i_f = sequence_fault_currents(ft, e1, e2, s1.zff, s2.zff, z0f, zf)
                i_f[sol.unconverged] = np.nan
                assert _same(sv.i_f[j], i_f), (ft, j)
                assert _same(sv.terms[j]["e12"][0], e1)
                assert np.array_equal(sv.terms[j]["e12"][1], e2)
                reached = np.isfinite(stg.t_start_s[j])
                seen_partial |= j >= 2 and reached.any() and not reached.all()
        seen_twins |= len(out) > 1
    assert seen_partial and seen_twins


def test_stage_fault_currents_cover_every_fault_type(solved):
    assert {ft for _, ft, *_ in solved} == set(FaultType)
