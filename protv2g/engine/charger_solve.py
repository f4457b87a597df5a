"""The control-law charger model of one case: scenario groups solved together, and their
device maxima (the :class:`~protv2g.engine.solve.CaseSolver` methods ``solve_group`` and
``reduce_chargers`` delegate here)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.engine.bracket_stages import reusable, solve_above, stack_staged
from protv2g.engine.chargers import SiteArrays, first_cycle_key, same_first_cycle, stack_sites
from protv2g.engine.faults import sequence_fault_currents
from protv2g.engine.newton import ColumnSolution, build_system
from protv2g.engine.reduce_kernel import reduce_devices_chargers
from protv2g.engine.solve_types import PreFault, SliceSolve
from protv2g.engine.staging import _COLUMN_FIELDS, StagedChargers, restrict, solve_stages
from protv2g.units import FaultType

__all__ = ["solve_group", "reduce_chargers"]


def solve_group(solver, fault_type: FaultType, zf_pu: np.ndarray | complex, pre: PreFault,
                group: list[SiteArrays], charger_pos: np.ndarray, staged: bool = True,
                first_cycle_s: float = 1 / 60, device_terms: bool = True,
                first_cycle: list[tuple[SiteArrays, StagedChargers]] | None = None
                ) -> list[SliceSolve]:
    """:meth:`.solve.CaseSolver.solve` (control law) for several scenarios with the same sites
    (:func:`~protv2g.engine.chargers.structure_key`), as one Newton solve over
    ``scenarios × fault buses`` columns; one :class:`SliceSolve` per scenario.
    ``device_terms=False`` skips the ``devices × buses`` charger terms (for
    :func:`reduce_chargers`, which sums them on the fly). ``first_cycle``: per scenario the sites
    and staged solution (all fault buses) of another solve — the chargers' other bracket —
    whose first-cycle stage is taken instead of solving it again when every scenario's sites
    have the same first cycle as those (:func:`~protv2g.engine.chargers.same_first_cycle`);
    where, moreover, only the sustained limits differ and are not lower
    (:func:`~protv2g.engine.bracket_stages.reusable`), the later stages are solved only at
    the fault buses where that solve's limits bound, copied at the others
    (:func:`~protv2g.engine.bracket_stages.solve_above`, #21); the column system and the
    stacked stages of that solve are then taken as they are where it was the same group
    (:func:`_same_group`)."""
    s1, s2 = solver.seq[1], solver.seq[2]
    s0 = solver.seq.get(0)
    z0f = s0.zff if s0 is not None else None
    m = len(solver.f1)
    n_sc = len(group)
    sites = stack_sites(group, m)
    neg = bool(np.max(sites.law.k2, initial=0.0) > 0 or sites.gfm.any())
    zf = zf_pu if np.ndim(zf_pu) else np.full(m, zf_pu)
    # the law reads the voltage the converters measure: the network at its own pre-fault
    # voltage (``pre.b``, IEC 60909's c, is the bracket's device for the network's part of
    # the fault current, not a voltage at the terminals; docs/charger-fault-model.md §2)
    inputs = (solver, fault_type, zf_pu, pre, np.asarray(charger_pos).tobytes(), n_sc)
    other = None if first_cycle is None else _same_group([stg for _, stg in first_cycle], inputs)
    sys = other.sys if other is not None else build_system(
        fault_type, zf, pre.e_f / pre.b, pre.e_c(charger_pos) / pre.b, s1, s2, z0f,
        charger_pos, neg)
    ctx = _Group(inputs, sys)
    e_c = pre.e_c(charger_pos).T / pre.b[:, None]  # (m, k)
    if n_sc > 1:
        sys = sys.tile(n_sc)
        e_c = np.tile(e_c, (n_sc, 1))
    e_gfm = None
    if sites.gfm.any():
        s_pre = np.broadcast_to(sites.s_pre, e_c.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            i_pre = np.conj(s_pre / np.where(e_c != 0, e_c, 1))
        z = sites.law.z_gfm
        e_gfm = e_c + (z.T if np.ndim(z) == 2 else z[None, :]) * i_pre
    sol0 = below = None
    if first_cycle is not None and all(same_first_cycle(a, g) for (a, _), g in
                                       zip(first_cycle, group, strict=True)):
        sol0 = _stack_solutions([stg.stages[0] for _, stg in first_cycle])
        if staged and reusable([a for a, _ in first_cycle], group,
                               [stg for _, stg in first_cycle]):
            below = (other.staged if other is not None and n_sc > 1
                     else stack_staged([stg for _, stg in first_cycle]))
    reps = None if sol0 else _first_cycle_reps(group)
    if below is not None:
        stg_all = solve_above(sys, sites, e_c, e_gfm, first_cycle_s, below, sol0)
    else:
        stg_all = solve_stages(sys, sites, e_c, e_gfm, first_cycle_s, staged=staged,
                               first_cycle_twin=None if reps is None else _twin_columns(reps, m),
                               first_cycle=sol0)
    # open-circuit fault voltages and fault currents of every stage for all scenarios at once
    # (``(n_sc, m)``: scenario q is columns q·m … (q+1)·m − 1), copied out per scenario
    stgs = [restrict(stg_all, slice(q * m, (q + 1) * m)) if n_sc > 1 else stg_all
            for q in range(n_sc)]
    ctx.staged = stg_all if n_sc > 1 else None  # (one scenario: no cycle through stgs[0])
    for q, stg in enumerate(stgs):
        stg.group = (ctx, q)
    zr1, zr2 = s1.z_fc[:, charger_pos], s2.z_fc[:, charger_pos]  # (m, k)
    e12s: list[list] = [[] for _ in range(n_sc)]
    i_fs = [np.empty((stg.n_stages, m, 3), complex) for stg in stgs]
    # without negative-sequence injection every stage's I2 is +0, so is its term (the einsum
    # sums from +0) wherever Z2 is finite: one zero array instead of an einsum per stage
    e2_zero = None if neg or not np.isfinite(zr2).all() else np.zeros((n_sc, m), complex)

    def fault_terms(sol: ColumnSolution, cols: np.ndarray | None) -> tuple:
        """``e1, e2, i_f`` at the flat columns ``cols`` (``None``: all, ``(n_sc, m)``); the
        same per-element operations either way (einsum over k, elementwise ufuncs)."""
        b = slice(None) if cols is None else cols % m
        i1 = sol.i1.reshape(n_sc, m, -1) if cols is None else sol.i1[cols][None]
        e1 = pre.e_f[b] + np.einsum("mk,qmk->qm", zr1[b], i1)
        if e2_zero is None:
            i2 = sol.i2.reshape(n_sc, m, -1) if cols is None else sol.i2[cols][None]
            e2 = np.einsum("mk,qmk->qm", zr2[b], i2)
        else:
            e2 = e2_zero if cols is None else np.zeros((1, len(cols)), complex)
        i_f = sequence_fault_currents(fault_type, e1, e2, s1.zff[b], s2.zff[b],
                                      None if z0f is None else z0f[b],
                                      zf_pu[b] if np.ndim(zf_pu) else zf_pu)
        unc = sol.unconverged.reshape(n_sc, m) if cols is None else sol.unconverged[cols][None]
        i_f[unc] = np.nan
        return e1, e2, i_f

    prev = None
    for j, sol in enumerate(stg_all.stages):
        # a later stage's solution is the previous one's at the fault buses it does not reach
        # (staging: merged), and first-cycle twins share theirs: the same inputs, the same
        # e1, e2, i_f — computed where new only, copied elsewhere
        if j >= 2:
            new = np.flatnonzero(np.isfinite(stg_all.t_start_s[j]))
            e1, e2, i_f = (x.copy() if x is not e2_zero else x for x in prev)
            n1, n2, nf = fault_terms(sol, new)
            e1.reshape(-1)[new] = n1[0]
            if e2 is not e2_zero:
                e2.reshape(-1)[new] = n2[0]
            i_f.reshape(-1, 3)[new] = nf[0]
        elif j == 0 and reps is not None:
            uniq, inv = np.unique(reps, return_inverse=True)
            cols = (uniq[:, None] * m + np.arange(m)).ravel()
            e1, e2, i_f = fault_terms(sol, cols)
            e1, i_f = e1.reshape(len(uniq), m)[inv], i_f.reshape(len(uniq), m, 3)[inv]
            e2 = e2_zero if e2_zero is not None else e2.reshape(len(uniq), m)[inv]
        else:
            e1, e2, i_f = fault_terms(sol, None)
        prev = (e1, e2, i_f)
        for q in range(n_sc):
            if j < stgs[q].n_stages:
                e12s[q].append((e1[q], e2[q]))  # views: read only downstream
                i_fs[q][j] = i_f[q]
    out = []
    zero_d = np.zeros(s1.w_i.shape[0], dtype=complex)
    no_terms = {s: (zero_d, zero_d, None, None) for s in solver.seq}
    if device_terms:
        g_i1, g_v1 = (np.ascontiguousarray(x[:, charger_pos]) for x in (s1.g_i, s1.g_v))
        if neg:
            g_i2, g_v2 = (np.ascontiguousarray(x[:, charger_pos]) for x in (s2.g_i, s2.g_v))
    for q, stg in enumerate(stgs):
        terms_s = []
        for j, sol in enumerate(stg.stages):
            terms = dict(no_terms)
            if device_terms:  # factors (D, k), (k, m) of the charger term, summed by fill
                i_c1 = np.ascontiguousarray(sol.i1.T)
                terms[1] = (zero_d, zero_d, (g_i1, i_c1), (g_v1, i_c1))
                if neg:
                    i_c2 = np.ascontiguousarray(sol.i2.T)
                    terms[2] = (zero_d, zero_d, (g_i2, i_c2), (g_v2, i_c2))
            terms["e12"] = e12s[q][j]
            terms_s.append(terms)
        out.append(SliceSolve(i_fs[q], terms_s, stg.t_start_s, stg.t_end_s, stg,
                              fixed=False, cpos=np.asarray(charger_pos), neg=neg))
    return out


@dataclass(eq=False)
class _Group:
    """A :func:`solve_group` call's inputs (solver, fault type, fault impedance, pre-fault
    state: by identity; charger positions, number of scenarios), its column system before
    tiling and its stacked stages (``None`` for one scenario)."""

    inputs: tuple
    sys: object
    staged: StagedChargers | None = None


def _same_group(stgs: list[StagedChargers], inputs: tuple) -> _Group | None:
    """The group solve ``stgs`` (one per scenario, in order) all come from, where it had the
    same ``inputs`` (the other bracket of the same case and fault type: the same column
    system, ``build_system`` depending on neither limit, and ``stgs`` its stacked stages
    restricted, :func:`~protv2g.engine.bracket_stages.stack_staged`); else ``None``."""
    groups = [getattr(s, "group", None) for s in stgs]
    if any(g is None for g in groups):
        return None
    ctx = groups[0][0]
    if any(g[0] is not ctx or g[1] != q for q, g in enumerate(groups)):
        return None
    a, b = ctx.inputs, inputs
    same = (a[0] is b[0] and a[1] == b[1] and a[3] is b[3] and a[4:] == b[4:]
            and (a[2] is b[2] or (np.ndim(a[2]) == np.ndim(b[2])
                                  and np.asarray(a[2]).tobytes() == np.asarray(b[2]).tobytes())))
    return ctx if same else None


def _stack_solutions(sols: list[ColumnSolution]) -> ColumnSolution:
    """Per-scenario solutions ``(m, k)`` as one of ``len(sols)·m`` columns (scenario ``q`` is
    columns ``q·m … (q+1)·m − 1``, as :func:`~protv2g.engine.chargers.stack_sites`)."""
    if len(sols) == 1:
        return sols[0]
    return ColumnSolution(**{f: np.concatenate([getattr(s, f) for s in sols])
                             for f in _COLUMN_FIELDS},
                          iterations=max(s.iterations for s in sols))


def _first_cycle_reps(group: list[SiteArrays]) -> np.ndarray | None:
    """``(len(group),)``: for every scenario the first scenario with the same first-cycle
    equations (:func:`~protv2g.engine.chargers.first_cycle_key`); ``None`` when all
    scenarios differ."""
    first: dict = {}
    rep = np.array([first.setdefault(first_cycle_key(g), q) for q, g in enumerate(group)])
    return None if len(first) == len(group) else rep


def _twin_columns(reps: np.ndarray, m: int) -> np.ndarray:
    """``(len(reps)·m,)``: for every column the same fault bus's column of its scenario's
    representative (:func:`_first_cycle_reps`)."""
    return (reps[:, None] * m + np.arange(m)[None, :]).ravel()


def reduce_chargers(solver, items: list[SliceSolve], pre: PreFault, scale_i: np.ndarray
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per-device maxima (as :meth:`.solve.CaseSolver.reduce`) of control-law slices, every
    stage, without ``devices × buses`` arrays: ``[(max (n_stage, D, 2),
    positions (n_stage, D, 2))]`` per item. Items must share their charger set (``cpos``)."""
    s1, s2 = solver.seq[1], solver.seq[2]
    s0 = solver.seq.get(0)
    cpos = items[0].cpos
    neg = any(x.neg for x in items)
    k, m = len(cpos), len(solver.f1)
    n_all = sum(x.n_stages for x in items)
    # per distinct slice (scenario × stage) and fault bus one row: fault currents I0, I1,
    # I2, the chargers' I1 (and I2), zero at the fault buses that do not count (stage not
    # reached, no solution); (slice, bus, row): a bus's values side by side for the kernel.
    # Each slice is written at the next free position and kept there only if no earlier
    # one has the same inputs (:func:`_same_slice`; #21: all slices were written, then
    # compared and moved to the front — ≈ 250 moves of a ``(buses, rows)`` block at
    # 10,000 buses); ``back``: each slice's position among the distinct ones
    z = np.empty((n_all, m, 3 + (2 * k if neg else k)), dtype=complex)
    use = np.empty((n_all, m), dtype=bool)
    back = np.empty(n_all, dtype=np.int64)
    seen: dict = {}
    n_u = s = 0
    for x in items:
        n_s = x.n_stages
        u_x = np.isfinite(x.t_start_s[:n_s])  # a scenario's stages at once
        for c in range(3):  # not .all(axis=2): a reduction over 3 is numpy's slow case
            u_x &= np.isfinite(x.i_f[:, :, c])
        for j in range(n_s):
            zs, us = z[n_u], use[n_u]
            us[:] = u_x[j]
            zs[:, :3] = x.i_f[j]
            sol = x.charger.stages[j]  # one per stage (``restrict``)
            zs[:, 3:3 + k] = sol.i1
            if neg:
                zs[:, 3 + k:] = sol.i2
            np.copyto(zs, 0, where=~us[:, None])
            back[s] = _same_slice(z, use, n_u, seen)
            if back[s] == n_u:  # a new distinct slice: kept where it was written
                n_u += 1
            s += 1
    z, use = z[:n_u], use[:n_u]
    n_d = len(scale_i)
    gi1 = np.ascontiguousarray(s1.g_i[:, cpos])
    gi2 = (np.ascontiguousarray(s2.g_i[:, cpos]) if neg and s2.g_i is not None
           else np.zeros_like(gi1))
    w0 = s0.w_i if s0 is not None else np.zeros((1, 1), complex)
    n = len(z)
    out_max = np.zeros((n, n_d, 2))
    out_arg = np.zeros((n, n_d, 2), dtype=np.int64)
    # the fault positions of each slice (CSR) and the largest magnitudes per position
    ptr = np.concatenate([[0], np.cumsum(use.sum(axis=1))]).astype(np.int64)
    pos = np.nonzero(use)[1].astype(np.int64)
    bnd = np.zeros(z.shape[1:])
    for at in range(0, n, 8):  # 8 slices at a time: a bounded (8, buses, rows) temporary
        np.maximum(bnd, np.abs(z[at:at + 8]).max(axis=0), out=bnd)
    has_zero = s0 is not None and bool(np.any(bnd[:, 0]))  # some I0 ≠ 0
    reduce_devices_chargers(pre.a_i, pre.b, gi1, gi2, z, neg, use, ptr, pos, bnd, w0, s1.w_i,
                            s2.w_i, scale_i, has_zero, True, out_max, out_arg)
    out_max, out_arg = out_max[back], out_arg[back]
    res, at = [], 0
    for x in items:
        n_s = x.n_stages
        res.append((out_max[at:at + n_s], out_arg[at:at + n_s]))
        at += n_s
    return res


def _same_slice(z: np.ndarray, use: np.ndarray, at: int, seen: dict) -> int:
    """The position of the first slice before ``at`` (first axis of ``z``, ``use``) with the
    same inputs to the device reduction as slice ``at``, or ``at`` when there is none (then
    recorded in ``seen``, ``{key: [positions]}``). Slices with equal inputs (charger
    currents, fault currents and the fault positions that count, compared element by
    element among those whose fault currents I1 have equal sums) have the same per-device
    maxima — e.g. the first-cycle stage of scenarios that differ only in their export (the
    held first-cycle limit does not depend on it), or the all-tripped stage of every
    scenario — and are reduced once."""
    # a key only (equal slices, equal sums): I1 suffices
    cands = seen.setdefault((complex(z[at, :, 1].sum()), int(use[at].sum())), [])
    twin = next((u for u in cands if np.array_equal(use[at], use[u])
                 and np.array_equal(z[at], z[u])), None)
    if twin is None:
        cands.append(at)
        return at
    return twin
