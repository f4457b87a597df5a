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


@pytest.mark.parametrize("shape", [(50, 3), (1, 3), (0, 3), (7, 0), (4, 1)])
def test_rows_any_all_are_numpys_reductions(shape):
    from protv2g.engine.newton_setup import rows_all, rows_any

    rng = np.random.default_rng(5)
    x = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    if x.size:
        x.flat[::4] = np.nan
    for a in (np.isfinite(x), rng.random(shape) < 0.2, np.ones(shape, bool)):
        assert np.array_equal(rows_any(a), a.any(axis=1))
        assert np.array_equal(rows_all(a), a.all(axis=1))


def test_kernel_reads_v0_blocks_through_src():
    """``newton_columns`` with ``v⁰`` and ``M`` as blocks read through ``src`` (a tiled
    system's columns, some repeated) gives the solution of the same columns materialised
    (per-column ``v⁰``, ``M``, ``src = arange``), bit for bit."""
    from protv2g.engine.columns import ColumnSystem
    from protv2g.engine.control_law import ACTIVE, CONSTANT, REACTIVE, LawArrays
    from protv2g.engine.newton_kernel import newton_columns
    from protv2g.engine.newton_setup import column_args

    rng = np.random.default_rng(17)
    b, k = 25, 3
    z = 0.02 * np.exp(1j * rng.uniform(0.6, 1.3, (b, k, k))) + np.eye(k) * 0.05j
    sys = ColumnSystem(v10=rng.uniform(0.2, 1.0, (b, k)) + 0j, v20=np.zeros((b, k), complex),
                       m11=z, m21=0.1 * z, m12=None, m22=None).tile(3)
    cols = np.sort(rng.choice(sys.n_cols, 40, replace=False))
    law = LawArrays(law=np.array([ACTIVE, REACTIVE, CONSTANT]), gfm=np.zeros(k, bool),
                    i_rated=np.ones(k), p=np.full(k, 0.6), q=np.zeros(k), phi=np.full(k, 0.2),
                    k_factor=np.full(k, 2.0), deadband=np.full(k, 0.05), k2=np.zeros(k),
                    z_gfm=np.zeros(k, complex))
    lim = rng.uniform(0.5, 1.5, (sys.n_cols, k))
    pre = np.ones((sys.n_cols, k), complex)
    x0 = np.full((len(cols), k), 0.3 + 0.1j)
    outs = []
    for s in (sys, sys.take(np.arange(sys.n_cols))):
        x = x0.copy()
        ok, res, its = np.zeros(len(cols), bool), np.zeros(len(cols)), np.zeros(len(cols),
                                                                               np.int64)
        args = column_args(s, law, lim, pre, None, cols)
        assert len(args[0]) == len(s.v10)  # the blocks, not a gathered copy
        newton_columns(x, *args, 1e-6, 150, 30, 8, 400, True, ok, res, its,
                       np.ones(len(x), bool), True)
        outs.append((x, ok, res, its))
    for a, c in zip(*outs, strict=True):
        assert a.tobytes() == c.tobytes()
    assert outs[0][1].all()


def test_column_system_blocks_are_c_ordered(solved):
    from protv2g.engine.columns import build_system

    solver, ft, zf, pre, cpos, _ = solved[0]
    s1, s2 = solver.seq[1], solver.seq[2]
    z0f = None if 0 not in solver.seq else solver.seq[0].zff
    zf = zf if np.ndim(zf) else np.full(len(solver.f1), zf)
    sys = build_system(ft, zf, pre.e_f, pre.e_c(cpos), s1, s2, z0f, cpos, False)
    assert all(getattr(sys, f).flags.c_contiguous for f in ("v10", "v20", "m11", "m21"))


def test_reduce_chargers_reduces_equal_slices_once(solved, monkeypatch):
    """The device maxima of a group's slices, each distinct slice written and reduced once
    (:func:`~protv2g.engine.charger_solve._same_slice`), are bit for bit those of reducing
    every slice on its own; first-cycle twins and all-tripped stages do repeat."""
    from protv2g.engine import charger_solve

    kept = []
    orig = charger_solve._same_slice

    def counted(z, use, at, seen):
        twin = orig(z, use, at, seen)
        kept.append(twin == at)
        return twin

    for solver, _, _, pre, _, slices in solved:
        scale_i = np.linspace(0.5, 2.0, solver.seq[1].w_i.shape[0])
        kept.clear()
        monkeypatch.setattr(charger_solve, "_same_slice", counted)
        once = charger_solve.reduce_chargers(solver, slices, pre, scale_i)
        assert len(kept) == sum(x.n_stages for x in slices)
        assert not all(kept)  # some slices repeat
        monkeypatch.setattr(charger_solve, "_same_slice", lambda z, use, at, seen: at)
        each = charger_solve.reduce_chargers(solver, slices, pre, scale_i)
        for (mx1, arg1), (mx2, arg2) in zip(once, each, strict=True):
            assert _same(mx1, mx2) and _same(arg1, arg2)


def test_anchorless_islands_of_a_tiled_system_are_its_materialised_columns(solved):
    """:func:`~protv2g.engine.newton_setup.anchorless_islands` works on ``v⁰``'s blocks and
    reads a column's through ``src``: the same columns as on the materialised system, with
    islands (a site's ``v⁰`` zeroed in some blocks) and without."""
    from protv2g.engine.columns import build_system
    from protv2g.engine.newton_setup import anchorless_islands

    solver, ft, zf, pre, cpos, _ = solved[0]
    s1, s2 = solver.seq[1], solver.seq[2]
    z0f = None if 0 not in solver.seq else solver.seq[0].zff
    zf = zf if np.ndim(zf) else np.full(len(solver.f1), zf)
    sys = build_system(ft, zf, pre.e_f, pre.e_c(cpos), s1, s2, z0f, cpos, False)
    m, k = sys.v10.shape
    tiled = sys.tile(3)
    lim = np.ones((3 * m, k))
    lim[::5, 0] = 0.0
    cases = 0
    for dead in (None, np.arange(0, m, 7)):
        if dead is not None:
            tiled.v10[dead, 1] = 0.0  # site 1 cut off from the grid at those fault buses
            sys.m11[dead, 1, :] = 0.0
            sys.m11[dead, :, 1] = 0.0
            sys.m11[dead, 1, 1] = 1.0
        got = anchorless_islands(tiled, lim)
        want = anchorless_islands(tiled.take(np.arange(3 * m)), lim)
        assert np.array_equal(got, want)
        cases += int(got.sum())
    assert cases > 0


def test_after_trip_stages_share_the_zero_negative_sequence(solved):
    """Without negative-sequence injection every stage's charger ``I2`` is +0: a merged
    after-trip stage shares the previous stage's array (``staging._merge(zero_i2=True)``)
    instead of copying it, and it stays +0 bit for bit."""
    shared = 0
    for *_, slices in solved:
        for sv in slices:
            stages = sv.charger.stages
            for j in range(2, len(stages)):
                assert not stages[j].i2.any() and not np.signbit(stages[j].i2.real).any()
                shared += np.shares_memory(stages[j].i2, stages[j - 1].i2)
    assert shared > 0
