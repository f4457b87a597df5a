"""The device reduction of the control-law charger model (:func:`reduce_devices_chargers`):
per-device maxima over fault buses with fault-dependent charger terms, evaluating only the
values that can change a maximum.

Split from :mod:`.kernels` (which keeps the dense fills and the frozen-PLL reduction
:func:`~.kernels.reduce_devices`, whose phase maximum and result store it shares) to keep both
modules readable.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from protv2g.engine.kernels import _FAST, _max_phase_sq, _store_maxima

__all__ = ["reduce_devices_chargers"]


@njit(fastmath=_FAST, cache=True, inline="always")
def _charger_value(f, s, pre, y0r, y0i, y1r, y1i, y2r, y2i, g1r, g1i, g2r, g2i, z, neg_c
                   ):  # pragma: no cover - numba
    """``(max-phase |x|², |x0|²)`` of one device at fault position ``f`` in slice ``s``:
    ``x = a·b + Σ_c G[d, c]·I_c(f) − W(d, f)·I(f)`` per sequence (see
    :func:`reduce_devices_chargers`; ``z[s, f]``: ``I0, I1, I2``, the ``k`` charger ``I1``,
    with ``neg_c`` their ``I2``);
    ``y*`` are ``W(d, f)``, ``g*`` the rows ``G[d]``."""
    i0 = z[s, f, 0]
    i1 = z[s, f, 1]
    i2 = z[s, f, 2]
    x1r = pre.real - (y1r * i1.real - y1i * i1.imag)
    x1i = pre.imag - (y1r * i1.imag + y1i * i1.real)
    x2r = -(y2r * i2.real - y2i * i2.imag)
    x2i = -(y2r * i2.imag + y2i * i2.real)
    x0r = -(y0r * i0.real - y0i * i0.imag)
    x0i = -(y0r * i0.imag + y0i * i0.real)
    k = len(g1r)
    for q in range(k):
        a = z[s, f, 3 + q]
        x1r += g1r[q] * a.real - g1i[q] * a.imag
        x1i += g1r[q] * a.imag + g1i[q] * a.real
        if neg_c:
            c = z[s, f, 3 + k + q]
            x2r += g2r[q] * c.real - g2i[q] * c.imag
            x2i += g2r[q] * c.imag + g2i[q] * c.real
    return _max_phase_sq(x0r, x0i, x1r, x1i, x2r, x2i), x0r * x0r + x0i * x0i


@njit(fastmath=_FAST, cache=True, inline="always")
def _mag(z):  # pragma: no cover - numba
    """``|z|`` as ``√(re² + im²)``: within a few ulps of ``abs(z)`` (a hypot call, half the
    cost of the bounds of :func:`reduce_devices_chargers`, #21); the bounds' margin covers
    the difference."""
    return np.sqrt(z.real * z.real + z.imag * z.imag)


#: relative margin on the magnitude bounds of :func:`reduce_devices_chargers` (covers the
#: rounding of the evaluated values, a few ulps; a bound only ever decides to skip a value)
_BOUND_MARGIN = 1e-9


@njit(fastmath=_FAST, cache=True, inline="always")
def _visit(f, s, pre, y0r, y0i, y1r, y1i, y2r, y2i, g1r, g1i, g2r, g2i, z, neg_c, has_zero,
           best_p, best_g, arg_p, arg_g):  # pragma: no cover - numba
    """Evaluate position ``f`` of slice ``s`` (:func:`_charger_value`) and keep it where it
    beats the running maxima (ties to the smallest position, as a plain scan); True if it
    did."""
    pv, gv = _charger_value(f, s, pre, y0r, y0i, y1r, y1i, y2r, y2i, g1r, g1i, g2r, g2i, z,
                            neg_c)
    moved = False
    if pv > best_p[s] or (pv == best_p[s] and f < arg_p[s]):
        best_p[s] = pv
        arg_p[s] = f
        moved = True
    if has_zero and (gv > best_g[s] or (gv == best_g[s] and f < arg_g[s])):
        best_g[s] = gv
        arg_g[s] = f
        moved = True
    return moved


@njit(parallel=True, fastmath=_FAST, cache=True)
def reduce_devices_chargers(a1, b, gi1, gi2, z, neg_c, use, ptr, pos, bnd, w0, w1, w2, scale,
                            has_zero, has_neg, out_max, out_arg):  # pragma: no cover - numba
    """:func:`reduce_devices` with fault-dependent charger terms (the control-law model).

    ``x_s(d, f) = a_s(d)·b(f) + Σ_c G_s[d, c]·I_s,c(f) − W_s(d, f)·I_s(f)`` for ``S`` slices
    (scenario × stage) at once: ``gi1``, ``gi2`` ``(D, k)`` device current per unit charger
    injection; ``z`` ``(S, m, R)`` per slice and fault position the fault currents ``I0, I1,
    I2`` (``R`` entries 0–2), the ``k`` charger ``I1`` (3…) and, with ``neg_c``, their ``I2``
    (a position's ``R`` values contiguous: one or two cache lines per visit); ``use`` ``(S, m)``
    the fault positions that count in each slice (where that stage occurs and has a
    solution), also as lists ``pos[ptr[s]:ptr[s+1]]`` (increasing); ``bnd`` ``(m, R)`` the
    largest ``|z|`` over the slices; ``out_max/out_arg`` ``(S, D, 2)`` as in
    :func:`reduce_devices` (``NaN``/``-1`` where no fault bus counts).

    Only values that can change a maximum are evaluated: by the triangle inequality
    (``|x_phase| ≤ |x0| + |x1| + |x2|``) ``|x_s(d, f)| ≤ t(d, f) = |a·b| + Σ_seq |W|·max_s|I|
    + Σ_c |G|·max_s|I_c|`` (maxima over the slices: ``bnd``). Each slice starts next to the
    device's position of largest ``t`` (where its own fault current flows); then slices used
    at fewer than half the positions walk their own positions, the others are visited
    position by position in increasing order of their running maxima, up to the first
    maximum the position's bound does not reach. Ties
    go to the smallest position, as in a plain scan, so the result is the plain scan's.
    Without zero sequence (``has_zero`` False) ``x0 = 0`` exactly: ``|3·I0|`` is 0 at the
    first position that counts.
    """
    n_s = z.shape[0]
    n_d, m = w1.shape
    k = gi1.shape[1]
    infl = 1.0 + _BOUND_MARGIN
    for d in prange(n_d):
        best_p = np.full(n_s, -1.0)
        best_g = np.full(n_s, -1.0)
        arg_p = np.full(n_s, -1)
        arg_g = np.full(n_s, -1)
        sc2 = scale[d] * scale[d]
        g1r = np.empty(k)
        g1i = np.empty(k)
        g2r = np.empty(k)
        g2i = np.empty(k)
        ga1 = np.empty(k)
        ga2 = np.empty(k)
        for q in range(k):
            g1r[q] = gi1[d, q].real
            g1i[q] = gi1[d, q].imag
            g2r[q] = gi2[d, q].real
            g2i[q] = gi2[d, q].imag
            ga1[q] = abs(gi1[d, q])
            ga2[q] = abs(gi2[d, q]) if neg_c else 0.0
        bp = np.empty(m)  # bound of the max-phase |x|² per fault position
        bg = np.empty(m)  # bound of |x0|²
        ftop = 0
        for f in range(m):
            t0 = _mag(w0[d, f]) * bnd[f, 0] if has_zero else 0.0
            t = _mag(a1[d] * b[f]) + _mag(w1[d, f]) * bnd[f, 1] + t0
            if has_neg:
                t += _mag(w2[d, f]) * bnd[f, 2]
            for q in range(k):
                t += ga1[q] * bnd[f, 3 + q]
                if neg_c:
                    t += ga2[q] * bnd[f, 3 + k + q]
            bp[f] = t * t * infl
            bg[f] = t0 * t0 * infl
            if bp[f] > bp[ftop]:
                ftop = f
        for s in range(n_s):
            lo, hi = ptr[s], ptr[s + 1]
            if lo == hi:
                continue
            # start at the slice's positions next to the top one (binary search)
            left, right = lo, hi
            while left < right:
                mid = (left + right) // 2
                if pos[mid] < ftop:
                    left = mid + 1
                else:
                    right = mid
            for j in (left - 1, left):
                if j < lo or j >= hi:
                    continue
                f = pos[j]
                _visit(f, s, a1[d] * b[f], w0[d, f].real if has_zero else 0.0,
                       w0[d, f].imag if has_zero else 0.0, w1[d, f].real, w1[d, f].imag,
                       w2[d, f].real if has_neg else 0.0, w2[d, f].imag if has_neg else 0.0,
                       g1r, g1i, g2r, g2i, z, neg_c, has_zero, best_p, best_g, arg_p, arg_g)
            if not has_zero:
                best_g[s] = 0.0
                arg_g[s] = pos[lo]
        # sparse slices (used at fewer than half the positions): their own positions
        n_dense = 0
        dense = np.empty(n_s, np.int64)
        for s in range(n_s):
            lo, hi = ptr[s], ptr[s + 1]
            if 2 * (hi - lo) > m:
                dense[n_dense] = s
                n_dense += 1
                continue
            for j in range(lo, hi):
                f = pos[j]
                if bp[f] < best_p[s] and (not has_zero or bg[f] < best_g[s]):
                    continue
                _visit(f, s, a1[d] * b[f], w0[d, f].real if has_zero else 0.0,
                       w0[d, f].imag if has_zero else 0.0, w1[d, f].real, w1[d, f].imag,
                       w2[d, f].real if has_neg else 0.0, w2[d, f].imag if has_neg else 0.0,
                       g1r, g1i, g2r, g2i, z, neg_c, has_zero, best_p, best_g, arg_p, arg_g)
        # dense slices in increasing order of their running maxima: at each position only
        # the slices whose maximum its bound reaches are visited
        dense = dense[:n_dense]
        ord_p = dense[np.argsort(best_p[dense])]
        ord_g = dense[np.argsort(best_g[dense])]
        seen = np.full(n_s, -1)
        for f in range(m if n_dense else 0):
            bpf = bp[f]
            bgf = bg[f]
            if best_p[ord_p[0]] > bpf and (not has_zero or best_g[ord_g[0]] > bgf):
                continue
            y0r = w0[d, f].real if has_zero else 0.0
            y0i = w0[d, f].imag if has_zero else 0.0
            y2r = w2[d, f].real if has_neg else 0.0
            y2i = w2[d, f].imag if has_neg else 0.0
            pre = a1[d] * b[f]
            moved = False
            for half in range(2 if has_zero else 1):
                order = ord_p if half == 0 else ord_g
                for i in range(n_dense):
                    s = order[i]
                    if (best_p[s] if half == 0 else best_g[s]) > (bpf if half == 0 else bgf):
                        break
                    if not use[s, f] or seen[s] == f:
                        continue
                    seen[s] = f
                    moved |= _visit(f, s, pre, y0r, y0i, w1[d, f].real, w1[d, f].imag, y2r,
                                    y2i, g1r, g1i, g2r, g2i, z, neg_c, has_zero, best_p,
                                    best_g, arg_p, arg_g)
            if moved:
                ord_p = dense[np.argsort(best_p[dense])]
                ord_g = dense[np.argsort(best_g[dense])]
        _store_maxima(out_max, out_arg, d, best_p, best_g, arg_p, arg_g, sc2)
