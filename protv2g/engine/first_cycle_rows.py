"""The first cycle's kept device rows decided without the dense device grid (#21).

A study keeps a device row only where the device sees at least
:data:`~protv2g.engine.device_rows.DEVICE_ROW_MIN_A` (:func:`~protv2g.engine.device_rows.
device_row_kept`), decided on the first cycle's currents at every (device, fault bus). Those
currents were written whole — a ``(devices, fault buses, 3)`` complex grid per slice
(:meth:`~protv2g.engine.solve.CaseSolver.fill`, ≈ 29 MB at 10,000 buses × 60 devices) — and
read again by the rule (:func:`~protv2g.engine.kernels.rows_kept_bounded`), to keep ≈ 4 % of
them. :func:`kept_first_cycle_state` does both in one compiled pass without the grid: a row
whose currents are bounded well below the threshold (:func:`_bound`, the terms' magnitudes
summed; most rows: a device away from the fault's path) is dropped without its phasors; any
other element is computed by the same arithmetic, in the same order, as
:func:`~protv2g.engine.kernels.fill_sequence` (so the same bits) and decided at once by the
same rule as :func:`~protv2g.engine.kernels.rows_kept_bounded`; the rows within round-off of the
threshold are filled alone (:meth:`~protv2g.engine.solve.CaseSolver.fill_rows`, the same values)
and left to NumPy's rule, as :func:`~protv2g.engine.device_rows.kept_positions` does. The same
positions, the same values at them (``tests/test_first_cycle_rows.py``). At 10,000 buses the
24 first-cycle slices took 0.36 s CPU (dense fill and rule) and take 0.16 s.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from protv2g.engine.faults import A_MATRIX, seq_to_abc
from protv2g.engine.kernels import kept_state
from protv2g.engine.row_rule import device_row_kept

__all__ = ["kept_first_cycle_positions", "kept_first_cycle_state"]


@njit(cache=True, inline="always")
def _element(d, f, a, b, g, g_dev, i_chg, w, i_f, scale, n_k):  # pragma: no cover - numba
    """One element of :func:`~protv2g.engine.kernels.fill_sequence`, the same operations in
    the same order: ``(a[d]·b[f] + g[d] − w[d, f]·i_f[f] + Σ_c g_dev[d, c]·i_chg[c, f])
    ·scale[d]``."""
    x = a[d] * b[f] + g[d] - w[d, f] * i_f[f]
    if n_k:
        acc = 0j
        for c in range(n_k):
            acc += g_dev[d, c] * i_chg[c, f]
        x += acc
    return x * scale[d]


@njit(cache=True, inline="always")
def _bound(d, f, ab, gb, gdb, icb, wb, ifb, bb, n_k):  # pragma: no cover - numba
    """An upper bound of ``|x|`` before its scale, ``x`` the element of :func:`_element`:
    the terms' magnitudes summed, ``|a[d]|·|b[f]| + |g[d]| + |w[d, f]|·|i_f[f]| +
    Σ_c |g_dev[d, c]|·|i_chg[c, f]|`` (magnitudes given)."""
    x = ab[d] * bb[f] + gb[d] + wb[d, f] * ifb[f]
    for c in range(n_k):
        x += gdb[d, c] * icb[c, f]
    return x


#: Margin of :func:`kept_first_cycle_state`'s early drop (relative): a row is dropped without
#: its phasors only when the bound of every phase and of ``|3·I0|`` is below the threshold by
#: this much — ≈ 10⁸ times the round-off of the phasors' and the bound's own arithmetic
#: (tens of units of 2⁻⁵³) and ≈ 10³ times :data:`~protv2g.engine.kernels.KEPT_BAND_RTOL`.
DROP_MARGIN = 1e-6


@njit(parallel=True, cache=True)
def kept_first_cycle_state(has, a0, g0, gd0, ic0, w0, if0, a1, g1, gd1, ic1, w1, if1,
                           a2, g2, gd2, ic2, w2, if2, b, scale, bad, op_a, op_a2, scale_a,
                           min_current, ab, gb, ifb, bb, gdb0, icb0, wb0, gdb1, icb1, wb1,
                           gdb2, icb2, wb2, state):  # pragma: no cover - numba
    """``state[d·m + f]`` of every (device ``d``, fault bus ``f``): 1 kept, 0 dropped, 2 left
    to NumPy's rule (within :data:`~protv2g.engine.kernels.KEPT_BAND_RTOL` of the threshold,
    or not finite), as :func:`~protv2g.engine.kernels.rows_kept_bounded` decides on the
    currents :func:`~protv2g.engine.kernels.fill_sequence` writes (sequence ``s``: ``a_s, g_s``
    ``(D,)``, ``gd_s`` ``(D, k)``, ``ic_s`` ``(k, m)``, ``w_s`` ``(D, m)``, ``if_s`` ``(m,)``;
    ``has[s]``: the sequence is solved, else its current is 0). ``bad`` ``(m,)``: fault buses
    without a solution (their rows are NaN, kept: state 1). ``op_a``, ``op_a2``: Fortescue's
    operators; ``scale_a`` A per unit of the currents; ``min_current`` A.

    Most rows are far below the threshold (a device away from the fault's path): they are
    dropped on a bound of their currents first, without the phasors (``ab, gb`` ``(3, D)``,
    ``ifb`` ``(3, m)``, ``bb`` ``(m,)``, ``gdb_s``, ``icb_s``, ``wb_s``: the magnitudes of
    ``a_s, g_s, if_s, b, gd_s, ic_s, w_s``; :func:`_bound`). Every phase ``|x_a + …|`` is
    at most ``T = Σ_s |x_s|`` and ``|3·I0|`` at most ``3·|x_0|`` (plus round-off of the
    other sequences); a row whose ``scale_a·scale·max(T, 3·B_0 + margin·T)`` is below the
    threshold by :data:`DROP_MARGIN` is one the rule drops (state 0): the same state. A NaN
    or infinite bound decides nothing (the exact path)."""
    n_d = scale.shape[0]
    m = b.shape[0]
    n_k0 = gd0.shape[1] if ic0.shape[1] == m else 0
    n_k1 = gd1.shape[1] if ic1.shape[1] == m else 0
    n_k2 = gd2.shape[1] if ic2.shape[1] == m else 0
    for d in prange(n_d):
        for f in range(m):
            r = d * m + f
            if bad[f]:
                state[r] = 1
                continue
            b0 = _bound(d, f, ab[0], gb[0], gdb0, icb0, wb0, ifb[0], bb, n_k0) if has[0] \
                else 0.0
            b1 = _bound(d, f, ab[1], gb[1], gdb1, icb1, wb1, ifb[1], bb, n_k1) if has[1] \
                else 0.0
            b2 = _bound(d, f, ab[2], gb[2], gdb2, icb2, wb2, ifb[2], bb, n_k2) if has[2] \
                else 0.0
            tot = (b0 + b1) + b2
            top = max(tot, 3.0 * b0 + DROP_MARGIN * tot)
            if scale_a * abs(scale[d]) * top * (1.0 + DROP_MARGIN) \
                    < min_current * (1.0 - DROP_MARGIN):
                state[r] = 0
                continue
            x0 = _element(d, f, a0, b, g0, gd0, ic0, w0, if0, scale, n_k0) if has[0] else 0j
            x1 = _element(d, f, a1, b, g1, gd1, ic1, w1, if1, scale, n_k1) if has[1] else 0j
            x2 = _element(d, f, a2, b, g2, gd2, ic2, w2, if2, scale, n_k2) if has[2] else 0j
            # rows_kept_bounded's decision on (x0, x1, x2): the same helper
            state[r] = kept_state(x0, x1, x2, op_a, op_a2, scale_a, min_current)


def kept_first_cycle_positions(solver: Any, i_f: np.ndarray, terms: dict, pre: Any,
                               scale_i: np.ndarray, fault_type: Any, zf_pu: Any,
                               bad: np.ndarray, min_current_a: float) -> np.ndarray:
    """Flat positions in the ``(device, fault bus)`` grid of the rows a study keeps, from the
    first cycle's fault currents ``i_f`` ``(m, 3)`` and device terms ``terms`` of a solved
    slice (:meth:`~protv2g.engine.solve.CaseSolver.solve`): the positions
    :func:`~protv2g.engine.device_rows.kept_positions` gives on the grid
    :meth:`~protv2g.engine.solve.CaseSolver.fill` writes (complex128, NaN at the fault buses
    ``bad``), without writing it (module docstring).

    Parameters
    ----------
    solver : CaseSolver
    i_f, terms, pre, scale_i, fault_type, zf_pu
        As :meth:`~protv2g.engine.solve.CaseSolver.fill` (``scale_i`` kA per unit).
    bad : numpy.ndarray
        ``(m,)`` bool: fault buses without a solution.
    min_current_a : float
        :func:`~protv2g.engine.device_rows.device_row_kept`'s threshold, A (> 0).

    Returns
    -------
    numpy.ndarray
        ``(k,)`` int64 positions, ascending.
    """
    n_d, m = len(scale_i), len(solver.f1)
    empty_d = np.zeros(n_d, complex)
    none = (np.zeros((n_d, 0), complex), np.zeros((0, 0), complex), np.zeros((1, 1), complex),
            np.zeros(1, complex))
    args: dict = {}
    for s, rows, i_s, current, _ in solver._sequence_terms(i_f, terms, pre, scale_i):
        a, g, g_dev, i_chg = current
        args[s] = (np.ascontiguousarray(a, complex), np.ascontiguousarray(g, complex),
                   np.ascontiguousarray(g_dev, complex), np.ascontiguousarray(i_chg, complex),
                   rows.w_i, i_s)
    seq = [args.get(s, (empty_d, empty_d, *none)) for s in (0, 1, 2)]
    b = np.ascontiguousarray(pre.b, complex)
    # the magnitudes the early drop's bound reads (kernel docstring): |w_s| once per case
    ab = np.stack([np.abs(x[0]) for x in seq])
    gb = np.stack([np.abs(x[1]) for x in seq])
    ifb = np.zeros((3, m))
    for s in args:
        ifb[s] = np.abs(seq[s][5])
    bounds = []
    for s in (0, 1, 2):
        w_abs = _w_abs(solver, s) if s in args else np.zeros((1, 1))
        bounds += [np.abs(seq[s][2]), np.abs(seq[s][3]), w_abs]
    state = np.empty(n_d * m, np.int8)
    kept_first_cycle_state(np.array([s in args for s in (0, 1, 2)]), *seq[0], *seq[1], *seq[2],
                           b, np.ascontiguousarray(scale_i, float), np.asarray(bad, bool),
                           A_MATRIX[2, 1], A_MATRIX[1, 1], 1e3, float(min_current_a), ab, gb,
                           ifb, np.abs(b), *bounds, state)
    near = np.flatnonzero(state == 2)
    if len(near):  # the rows the rule leaves to NumPy: their currents filled alone
        x = np.empty((len(near), 3), complex)
        solver.fill_rows(x, None, near // max(m, 1), near % max(m, 1), i_f, terms, pre,
                         scale_i, fault_type, zf_pu)
        x[bad[near % max(m, 1)]] = np.nan
        state[near] = device_row_kept(1e3 * seq_to_abc(x), min_current_a)
    return np.flatnonzero(state)


def _w_abs(solver: Any, s: int) -> np.ndarray:
    """``|w_i|`` of sequence ``s`` of a case solver ``(D, m)``, made on first use and kept on
    the solver (every slice of the case reads it); written into the solver's work pool, as
    its transfer rows are (the next case's solver reuses the array)."""
    cache = solver.__dict__.setdefault("_w_abs", {})
    out = cache.get(s)
    if out is None:
        w = solver.seq[s].w_i
        out = solver.work_array(f"w_abs{s}", w.shape, float)
        np.abs(w, out=out)
        cache[s] = out
    return out
