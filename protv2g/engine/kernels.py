"""Fused numba kernels for the device phasors of one (scenario, case, fault type) slice.

Every device quantity of a slice has the form (see :mod:`.solve`)

``x_s(d, f) = a_s(d)·b(f) + g_s(d) [+ G_s(d, f)] − W_s(d, f)·I_s(f)``

with ``a·b`` the pre-fault term (rank one), ``g`` the fault-independent contribution of fixed
charger injections, ``G`` the fault-dependent charger term of the iterated mode, ``W`` the
transfer from the fault current ``I_s(f)`` (``W = Y_dev·Z[T, F]`` for currents,
``Z[dev, F]`` for voltages). The kernels evaluate it in one pass, in parallel over devices,
writing straight into the (possibly ``complex64``) result or reducing over fault buses, so no
``(devices × fault buses)`` temporaries are created.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["device_transfer", "fill_sequence", "fill_sequence_rows", "reduce_devices",
           "reduce_devices_chargers"]

_A = np.exp(2j * np.pi / 3)


@njit(parallel=True, cache=True)
def device_transfer(indptr, indices, data, z_rows, f, v_row, w_i, w_v):  # pragma: no cover
    """``w_i = Y_dev·Z[T, F]`` and ``w_v = Z[dev, F]`` (NaN where ``v_row < 0``).

    ``z_rows`` is ``(|T|, n)``, row ``j`` = row ``T[j]`` of ``Z``; ``indptr, indices, data``
    the CSR arrays of ``Y_dev`` over ``T``; ``f`` the fault buses (internal indices).
    """
    n_d, m = w_i.shape
    for d in prange(n_d):
        for j in range(m):
            w_i[d, j] = 0j
        for k in range(indptr[d], indptr[d + 1]):
            y = data[k]
            row = z_rows[indices[k]]
            for j in range(m):
                w_i[d, j] += y * row[f[j]]
        r = v_row[d]
        if w_v.shape[1] == 0:
            continue
        if r >= 0:
            row = z_rows[r]
            for j in range(m):
                w_v[d, j] = row[f[j]]
        else:
            for j in range(m):
                w_v[d, j] = np.nan + 0j


@njit(parallel=True, cache=True)
def fill_sequence(out, s, a, b, g, g_dev, i_chg, w, i_f, scale):  # pragma: no cover - numba
    """``out[d, f, s] = (a[d]·b[f] + g[d] + Σ_c g_dev[d, c]·i_chg[c, f] − w[d, f]·i_f[f])
    ·scale[d]``.

    ``g_dev (D, k)``, ``i_chg (k, m)``: the fault-dependent charger term of the control law
    (device transfer × site currents per fault bus), summed here instead of materialising
    the ``(D, m)`` product per stage (#21: ``G @ I`` with ``k`` = 3 went to OpenBLAS, whose
    spinning threads cost more than the product); ``k = 0`` (shapes ``(D, 0)``, ``(0, m)``)
    means no such term.
    """
    n_d, m = w.shape
    n_k = g_dev.shape[1] if i_chg.shape[1] == m else 0
    for d in prange(n_d):
        ad = a[d]
        gd = g[d]
        sc = scale[d]
        for f in range(m):
            x = ad * b[f] + gd - w[d, f] * i_f[f]
            if n_k:
                acc = 0j
                for c in range(n_k):
                    acc += g_dev[d, c] * i_chg[c, f]
                x += acc
            out[d, f, s] = x * sc


@njit(parallel=True, cache=True)
def fill_sequence_rows(out, s, dev, col, a, b, g, g_dev, i_chg, w, i_f, scale
                       ):  # pragma: no cover - numba
    """:func:`fill_sequence` at the rows ``(dev[r], col[r])`` only: ``out[r, s]`` (``out`` is
    ``(n, 3)``), the same arithmetic in the same order element by element (#21: the stages
    after the first cycle, and the chargers' other bracket, are read only at the kept device
    rows, a few per cent of ``devices × fault buses``)."""
    m = w.shape[1]
    n_k = g_dev.shape[1] if i_chg.shape[1] == m else 0
    for r in prange(dev.shape[0]):
        d = dev[r]
        f = col[r]
        x = a[d] * b[f] + g[d] - w[d, f] * i_f[f]
        if n_k:
            acc = 0j
            for c in range(n_k):
                acc += g_dev[d, c] * i_chg[c, f]
            x += acc
        out[r, s] = x * scale[d]


#: fast-math without the no-NaN/no-Inf assumptions (NaN devices must stay NaN)
_FAST = {"contract", "arcp", "nsz", "reassoc"}

_SQRT3_2 = np.sqrt(3.0) / 2


@njit(fastmath=_FAST, cache=True, inline="always")
def _max_phase_sq(x0r, x0i, x1r, x1i, x2r, x2i):  # pragma: no cover - numba
    """Largest squared phase magnitude ``max(|xa|², |xb|², |xc|²)`` of sequence components.

    ``xa = x0 + x1 + x2``, ``xb = x0 + a²·x1 + a·x2``, ``xc = x0 + a·x1 + a²·x2`` with
    ``a = 1∠120°`` (Fortescue's symmetrical components), written out as
    ``xb, xc = x0 − ½(x1 + x2) ∓ j(√3/2)(x1 − x2)``; arguments are real and imaginary parts.
    """
    sr = x1r + x2r
    si = x1i + x2i
    dr = x1r - x2r
    di = x1i - x2i
    ar = x0r + sr
    ai = x0i + si
    br = x0r - 0.5 * sr + _SQRT3_2 * di
    bi = x0i - 0.5 * si - _SQRT3_2 * dr
    cr = x0r - 0.5 * sr - _SQRT3_2 * di
    ci = x0i - 0.5 * si + _SQRT3_2 * dr
    return max(ar * ar + ai * ai, max(br * br + bi * bi, cr * cr + ci * ci))


@njit(cache=True, inline="always")
def _store_maxima(out_max, out_arg, d, best_p, best_g, arg_p, arg_g, sc2
                  ):  # pragma: no cover - numba
    """Write device ``d``'s reductions: ``out_max[s, d] = (√best_p, 3·√best_g)·scale`` (NaN
    where no fault bus counted, ``best < 0``) and their fault-bus positions ``out_arg``."""
    for s in range(best_p.shape[0]):
        out_max[s, d, 0] = np.sqrt(best_p[s] * sc2) if best_p[s] >= 0 else np.nan
        out_max[s, d, 1] = 3.0 * np.sqrt(best_g[s] * sc2) if best_g[s] >= 0 else np.nan
        out_arg[s, d, 0] = arg_p[s]
        out_arg[s, d, 1] = arg_g[s]


@njit(parallel=True, fastmath=_FAST, cache=True)
def reduce_devices(a1, b, g, w0, w1, w2, if_re, if_im, scale, has_zero, has_neg, out_max,
                   out_arg):  # pragma: no cover - numba
    """Largest phase current and largest ``|3·I0|`` over fault buses, per scenario and device.

    ``g`` is ``(S, D, 3)`` (fixed charger terms per sequence); ``if_re``, ``if_im`` are the
    real and imaginary parts of the fault currents as ``(3, m, S)`` (sequence, fault bus,
    scenario: the innermost loop runs over scenarios in contiguous memory and vectorises);
    ``out_max[s, d] = (max_f max_phase |I|, max_f |3 I0|)``, ``out_arg[s, d]`` the positions
    of those fault buses. All scenarios are reduced in one pass over the transfer arrays
    ``w`` (read once, not once per scenario); squared magnitudes are compared (one square root
    per result). Currents in the unit of ``scale`` (kA per pu). ``has_zero``/``has_neg``:
    whether the zero/negative sequence can be non-zero.
    """
    n_s = if_re.shape[2]
    n_d, m = w1.shape
    z0 = 1.0 if has_zero else 0.0
    z2 = 1.0 if has_neg else 0.0
    for d in prange(n_d):
        best_p = np.full(n_s, -1.0)
        best_g = np.full(n_s, -1.0)
        arg_p = np.full(n_s, -1)
        arg_g = np.full(n_s, -1)
        pv = np.empty(n_s)
        gv = np.empty(n_s)
        sc2 = scale[d] * scale[d]
        g0r = np.empty(n_s)
        g0i = np.empty(n_s)
        g1r = np.empty(n_s)
        g1i = np.empty(n_s)
        g2r = np.empty(n_s)
        g2i = np.empty(n_s)
        for s in range(n_s):
            g0r[s] = g[s, d, 0].real
            g0i[s] = g[s, d, 0].imag
            g1r[s] = g[s, d, 1].real
            g1i[s] = g[s, d, 1].imag
            g2r[s] = g[s, d, 2].real
            g2i[s] = g[s, d, 2].imag
        for f in range(m):
            y0r = w0[d, f].real * z0 if has_zero else 0.0
            y0i = w0[d, f].imag * z0 if has_zero else 0.0
            y1r = w1[d, f].real
            y1i = w1[d, f].imag
            y2r = w2[d, f].real * z2
            y2i = w2[d, f].imag * z2
            pre = a1[d] * b[f]
            i0r = if_re[0, f]
            i0i = if_im[0, f]
            i1r = if_re[1, f]
            i1i = if_im[1, f]
            i2r = if_re[2, f]
            i2i = if_im[2, f]
            for s in range(n_s):
                x1r = pre.real + g1r[s] - (y1r * i1r[s] - y1i * i1i[s])
                x1i = pre.imag + g1i[s] - (y1r * i1i[s] + y1i * i1r[s])
                x2r = g2r[s] - (y2r * i2r[s] - y2i * i2i[s])
                x2i = g2i[s] - (y2r * i2i[s] + y2i * i2r[s])
                x0r = g0r[s] - (y0r * i0r[s] - y0i * i0i[s])
                x0i = g0i[s] - (y0r * i0i[s] + y0i * i0r[s])
                pv[s] = _max_phase_sq(x0r, x0i, x1r, x1i, x2r, x2i)
                gv[s] = x0r * x0r + x0i * x0i
            for s in range(n_s):
                if pv[s] > best_p[s]:
                    best_p[s] = pv[s]
                    arg_p[s] = f
                if gv[s] > best_g[s]:
                    best_g[s] = gv[s]
                    arg_g[s] = f
        _store_maxima(out_max, out_arg, d, best_p, best_g, arg_p, arg_g, sc2)


@njit(fastmath=_FAST, cache=True, inline="always")
def _charger_value(f, s, pre, y0r, y0i, y1r, y1i, y2r, y2i, g1r, g1i, g2r, g2i, z, neg_c
                   ):  # pragma: no cover - numba
    """``(max-phase |x|², |x0|²)`` of one device at fault position ``f`` in slice ``s``:
    ``x = a·b + Σ_c G[d, c]·I_c(f) − W(d, f)·I(f)`` per sequence (see
    :func:`reduce_devices_chargers`; ``z[s]`` rows: ``I0, I1, I2``, the ``k`` charger ``I1``,
    with ``neg_c`` their ``I2``); ``y*`` are ``W(d, f)``, ``g*`` the rows ``G[d]``."""
    i0 = z[s, 0, f]
    i1 = z[s, 1, f]
    i2 = z[s, 2, f]
    x1r = pre.real - (y1r * i1.real - y1i * i1.imag)
    x1i = pre.imag - (y1r * i1.imag + y1i * i1.real)
    x2r = -(y2r * i2.real - y2i * i2.imag)
    x2i = -(y2r * i2.imag + y2i * i2.real)
    x0r = -(y0r * i0.real - y0i * i0.imag)
    x0i = -(y0r * i0.imag + y0i * i0.real)
    k = len(g1r)
    for q in range(k):
        a = z[s, 3 + q, f]
        x1r += g1r[q] * a.real - g1i[q] * a.imag
        x1i += g1r[q] * a.imag + g1i[q] * a.real
        if neg_c:
            c = z[s, 3 + k + q, f]
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
    injection; ``z`` ``(S, R, m)`` per slice the fault currents ``I0, I1, I2`` (rows 0–2),
    the ``k`` charger ``I1`` (rows 3…) and, with ``neg_c``, their ``I2``; ``use`` ``(S, m)``
    the fault positions that count in each slice (where that stage occurs and has a
    solution), also as lists ``pos[ptr[s]:ptr[s+1]]`` (increasing); ``bnd`` ``(R, m)`` the
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
            t0 = _mag(w0[d, f]) * bnd[0, f] if has_zero else 0.0
            t = _mag(a1[d] * b[f]) + _mag(w1[d, f]) * bnd[1, f] + t0
            if has_neg:
                t += _mag(w2[d, f]) * bnd[2, f]
            for q in range(k):
                t += ga1[q] * bnd[3 + q, f]
                if neg_c:
                    t += ga2[q] * bnd[3 + k + q, f]
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
