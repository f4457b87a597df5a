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

__all__ = ["device_transfer", "fill_sequence", "fill_sequence_rows", "kept_state",
           "reduce_devices", "rows_kept_bounded"]

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


#: Relative width of the band around the threshold that :func:`rows_kept_bounded` leaves
#: undecided, per unit of the row's ``scale·Σ_s (|Re x_s| + |Im x_s|)`` (every phase and
#: their sum are bounded by it). NumPy's phases differ from this kernel's by a few units of
#: round-off of that bound (its SIMD loops fuse multiply-adds and take ``|z|`` by their own
#: formula; here squared magnitudes are compared: ≈ 20·2⁻⁵³ in all), so the band is ≈ 10⁵
#: times wider than any difference.
KEPT_BAND_RTOL = 1e-9


@njit(cache=True, inline="always")
def kept_state(x0, x1, x2, a, a2, scale, min_current):  # pragma: no cover - numba
    """The kept-row decision of one row of sequence currents ``x0, x1, x2`` (complex128):
    1 (kept), 0 (dropped) or 2 (within :data:`KEPT_BAND_RTOL` of the threshold, or not
    finite: left to the NumPy rule,
    :func:`~protv2g.engine.device_rows.device_row_kept`).

    The row is kept where its largest phase ``scale·|x_a|, |x_b|, |x_c|`` or
    ``scale·|x_a + x_b + x_c|`` (``|3·I0|``) reaches ``min_current``; squared magnitudes
    are compared, decided only outside a band of ``KEPT_BAND_RTOL·scale·Σ_s (|Re x_s| +
    |Im x_s|)`` around the threshold (every phase and their sum are bounded by that sum).
    ``a``, ``a2``: the Fortescue operators ``1∠120°``, ``1∠240°`` (Fortescue 1918). The one
    decision of :func:`rows_kept_bounded` and
    :func:`~protv2g.engine.first_cycle_rows.kept_first_cycle_state` (read-through D1).
    """
    bound = scale * (abs(x0.real) + abs(x0.imag) + abs(x1.real) + abs(x1.imag)
                     + abs(x2.real) + abs(x2.imag))
    if not np.isfinite(bound) or bound > 1e150:  # squares overflow: NumPy decides
        return 2
    pa = (x0 + x1) + x2
    pb = (x0 + a2 * x1) + a * x2
    pc = (x0 + a * x1) + a2 * x2
    g = (pa + pb) + pc
    top2 = scale * scale * max(max(pa.real * pa.real + pa.imag * pa.imag,
                                   pb.real * pb.real + pb.imag * pb.imag),
                               pc.real * pc.real + pc.imag * pc.imag)
    g2 = scale * scale * (g.real * g.real + g.imag * g.imag)
    tol = KEPT_BAND_RTOL * bound
    hi = min_current + tol
    lo = max(min_current - tol, 0.0)
    if top2 >= hi * hi or g2 >= hi * hi:
        return 1
    if top2 < lo * lo and g2 < lo * lo:
        return 0
    return 2


@njit(parallel=True, cache=True)
def rows_kept_bounded(x, a, a2, scale, min_current, state):  # pragma: no cover - numba
    """:func:`~protv2g.engine.device_rows.device_row_kept` of ``scale·seq_to_abc(x)`` decided
    where it is not close: ``state[r]`` = 1 (kept), 0 (dropped) or 2 (within
    :data:`KEPT_BAND_RTOL` of the threshold, or not finite: left to the NumPy rule itself),
    :func:`kept_state` of every row.

    ``x`` ``(n, 3)`` sequence currents, ``a``, ``a2`` the Fortescue operators; one pass
    without the phase arrays and their temporaries, squared magnitudes compared (#21: the
    rule on the dense first-cycle grid was ≈ 20 % of the fault stage). The decided rows are
    those where the kernel's and NumPy's round-off cannot give different answers, so the
    caller's result is NumPy's.
    """
    for r in prange(x.shape[0]):
        state[r] = kept_state(np.complex128(x[r, 0]), np.complex128(x[r, 1]),
                              np.complex128(x[r, 2]), a, a2, scale, min_current)


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
