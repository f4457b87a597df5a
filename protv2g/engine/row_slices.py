"""Slices in row form and the chargers' other bracket of :func:`~protv2g.engine.study.
iter_fault_study` (its kept device rows, ``device_min_a``; split from :mod:`.study`, #21).

The other bracket (``high_scenarios``: the same chargers with other limits) is solved on the
same case solver as the scenarios themselves — the same sequence networks and factorisation —
and its currents are taken at the rows its scenario kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from protv2g.engine.device_rows import kept_device_arrays
from protv2g.engine.slices import FaultSlice, make_slice
from protv2g.errors import InputError, Issue

__all__ = ["differing_columns", "high_sets", "high_slice", "row_slice", "same_first_cycle"]

SQRT3 = np.sqrt(3.0)


def row_slice(solver, sv, pre, bases, ft, zf_pu, given, min_a, n_v, dtype, where,
               high: bool = False, first: tuple | None = None) -> FaultSlice:
    """One slice in row form (:func:`~protv2g.engine.device_rows.kept_device_arrays`);
    ``bases`` = the device, fault and charger current bases, ``where`` = (scenario, case,
    fault buses, charger parameters, device buses' pre-fault ``V1``); ``first``: the kept
    positions and first-cycle currents of a slice with the same first cycle
    (:func:`same_first_cycle`)."""
    name, case, fault_buses, p, v1_dev = where
    pos, i_k, v_k = kept_device_arrays(solver, sv, pre, bases[0], ft, zf_pu, given, min_a,
                                       n_v, dtype, first)
    return replace(make_slice(name, case, ft, fault_buses, sv, bases[1], bases[2], p, None,
                              None, (None, None), dtype),
                   device_i_012_ka=i_k[0], staged_device_i_012_ka=i_k,
                   device_v_012_pu=None if v_k is None else v_k[0], staged_device_v_012_pu=v_k,
                   device_pos=pos, device_v1_pre_pu=v1_dev, high_bracket=high)


def high_slice(solver, sv, params, pre, ft, zf_pu, pos, bases, min_a, dtype, where,
               low=None) -> FaultSlice:
    """A scenario's solved slice ``sv`` in the chargers' other bracket, at the rows ``pos`` of
    its own slice, currents only (``iter_fault_study(high_scenarios=...)``).

    ``low``: the scenario's own solved slice (this bracket's twin): the rows are then filled
    at the fault buses whose inputs differ from it only (:func:`differing_columns`; every
    other row is the scenario's own, bit for bit), ``FaultSlice.device_of_rows`` saying
    which of ``pos`` they are (#21: at 10,000 buses the high bracket's rows were all filled
    and 0.7 % of them kept)."""
    p, cpos = params
    i_base_c = (solver.cn.base_mva / (SQRT3 * solver.cn.pos.base_kv[solver.c1[cpos]])
                if p is not None else None)
    name, case, fault_buses, v1_dev = where
    at = None
    if low is not None:
        m = len(fault_buses)
        diff = differing_columns(low, sv, m)
        if diff is not None:
            at = np.flatnonzero(diff[np.asarray(pos, dtype=np.int64) % max(m, 1)])
            pos = np.asarray(pos, dtype=np.int64)[at]
    sl = row_slice(solver, sv, pre, (bases[0], bases[1], i_base_c), ft, zf_pu, pos, min_a,
                   0, dtype, (name, case, fault_buses, p, v1_dev), high=True)
    return sl if at is None else replace(sl, device_of_rows=at)


def differing_columns(a, b, m: int) -> np.ndarray | None:
    """``(m,)`` bool: the fault buses (columns) where two solved slices of the same scenario,
    case and fault type (:class:`~protv2g.engine.solve_types.SliceSolve`; the chargers' two
    brackets) may give device rows that differ in some bit, or ``None`` when that is not
    decided here (frozen-PLL or fixed charger terms: every row is filled).

    A device row's currents at a stage are a function of its column's inputs alone
    (:meth:`~protv2g.engine.solve.CaseSolver.fill_rows`: the fault currents ``i_f``, the
    chargers' currents ``I1, I2`` of that stage, the open-circuit terms ``e1, e2``, and the
    stage times); the stages are compared padded as the rows are
    (:func:`~protv2g.engine.row_bits.stages_differ`: the last stage repeated, ``inf``
    times), bit for bit (a NaN equals the same NaN), and a column with no solution in
    either slice counts as differing. Where all of that is the same, every row of the
    column is."""
    if a.fixed != b.fixed or (a.charger is None) != (b.charger is None) or a.neg != b.neg:
        return None
    if a.fixed and (a.charger is not None or not _same_fixed_terms(a, b)):
        return None
    n = max(a.n_stages, b.n_stages)
    diff = np.zeros(m, bool)
    for x in (a, b):
        if x.charger is not None:
            for sol in x.charger.stages:
                diff |= sol.unconverged
    for j in range(n):
        ja, jb = min(j, a.n_stages - 1), min(j, b.n_stages - 1)
        for ta, tb in ((a.t_start_s, b.t_start_s), (a.t_end_s, b.t_end_s)):
            xa = ta[j] if j < a.n_stages else np.full(m, np.inf)
            xb = tb[j] if j < b.n_stages else np.full(m, np.inf)
            diff |= _bits_differ(xa, xb)
        diff |= _bits_differ(a.i_f[ja], b.i_f[jb])
        if a.charger is not None:
            sa, sb = a.charger.stages[ja], b.charger.stages[jb]
            diff |= _bits_differ(sa.i1, sb.i1) | _bits_differ(sa.i2, sb.i2)
            for ea, eb in zip(a.terms[ja]["e12"], b.terms[jb]["e12"], strict=True):
                diff |= _bits_differ(ea, eb)
    return diff


def same_first_cycle(a, b, m: int) -> bool:
    """Whether two solved control-law slices of one case and fault type (scenarios with the
    same sites: :func:`~protv2g.engine.charger_solve.solve_group`'s first-cycle twins, which
    differ in their export only) have the same first-cycle inputs bit for bit — fault
    currents, the chargers' currents, ``e1, e2`` — and the same unsolved fault buses: their
    kept rows and first-cycle device currents are then the same (:func:`~protv2g.engine.
    device_rows.kept_device_arrays`)."""
    if a.fixed or b.fixed or a.charger is None or b.charger is None or a.neg != b.neg:
        return False
    bad = [np.zeros(m, bool), np.zeros(m, bool)]
    for x, out in zip((a, b), bad, strict=True):
        for sol in x.charger.stages:
            out |= sol.unconverged
    if not np.array_equal(bad[0], bad[1]):
        return False
    sa, sb = a.charger.stages[0], b.charger.stages[0]
    pairs = [(a.i_f[0], b.i_f[0]), (sa.i1, sb.i1), (sa.i2, sb.i2),
             *zip(a.terms[0]["e12"], b.terms[0]["e12"], strict=True)]
    return not any(_bits_differ(x, y).any() for x, y in pairs)


def _same_fixed_terms(a, b) -> bool:
    """Whether two fixed-term slices (no chargers, or the frozen-PLL model) have the same
    device terms independent of the fault bus, bit for bit, and none that depends on it."""
    if len(a.terms) != len(b.terms):
        return False
    for ta, tb in zip(a.terms, b.terms, strict=True):
        if set(ta) != set(tb):
            return False
        for s, x in ta.items():
            if s == "e12":
                continue
            y = tb[s]
            if x[2] is not None or x[3] is not None or y[2] is not None or y[3] is not None:
                return False
            if any(_bits_differ(np.atleast_1d(u), np.atleast_1d(v)).any()
                   for u, v in zip(x[:2], y[:2], strict=True)):
                return False
    return True


def _bits_differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(m,)`` bool: the columns (first axis) of two float or complex arrays of the same
    shape whose values differ in some bit (their 8-byte words compared one column of words
    at a time: ``any`` along a short axis is numpy's slow case)."""
    x = np.ascontiguousarray(a)
    y = np.ascontiguousarray(b)
    if x.shape != y.shape or x.dtype != y.dtype or x.itemsize % 8:
        return np.ones(len(x), bool)
    w = x.itemsize // 8 * (int(np.prod(x.shape[1:])) if x.ndim > 1 else 1)
    xv = x.view(np.uint64).reshape(len(x), w)
    yv = y.view(np.uint64).reshape(len(y), w)
    out = xv[:, 0] != yv[:, 0]
    for c in range(1, w):
        out |= xv[:, c] != yv[:, c]
    return out


def high_sets(scenarios: dict, high_scenarios: Mapping | None, row_form: bool) -> dict:
    """``high_scenarios`` checked against ``scenarios`` (same keys, same chargers but for
    their limits); ``{}`` when not given."""
    if high_scenarios is None:
        return {}
    high = {k: tuple(v) for k, v in high_scenarios.items()}
    same = list(high) == list(scenarios) and all(
        [(int(c.bus), str(c.control), c.k2) for c in high[k]]
        == [(int(c.bus), str(c.control), c.k2) for c in scenarios[k]] for k in high)
    if not row_form or not same:
        raise InputError(Issue("options", "high_scenarios",
                               "needs device_min_a, keep='full' and the scenarios' own keys "
                               "and chargers (only their limits may differ)",
                               "pass the same scenarios with other limits"))
    return high
