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

__all__ = ["device_transfer", "fill_sequence", "reduce_devices"]

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
        if r >= 0:
            row = z_rows[r]
            for j in range(m):
                w_v[d, j] = row[f[j]]
        else:
            for j in range(m):
                w_v[d, j] = np.nan + 0j


@njit(parallel=True, cache=True)
def fill_sequence(out, s, a, b, g, g_full, w, i_f, scale):  # pragma: no cover - numba
    """``out[d, f, s] = (a[d]·b[f] + g[d] + g_full[d, f] − w[d, f]·i_f[f])·scale[d]``.

    ``g_full`` of shape ``(0, 0)`` means no fault-dependent term.
    """
    n_d, m = w.shape
    full = g_full.shape[0] == n_d
    for d in prange(n_d):
        ad = a[d]
        gd = g[d]
        sc = scale[d]
        for f in range(m):
            x = ad * b[f] + gd - w[d, f] * i_f[f]
            if full:
                x += g_full[d, f]
            out[d, f, s] = x * sc


@njit(parallel=True, cache=True)
def reduce_devices(a1, b, g, w0, w1, w2, i_f, scale, has_zero, out_max,
                   out_arg):  # pragma: no cover - numba
    """Largest phase current and largest ``|3·I0|`` over fault buses, per scenario and device.

    ``g`` is ``(S, D, 3)`` (fixed charger terms per sequence), ``i_f`` ``(S, m, 3)`` in
    sequence order; ``out_max[s, d] = (max_f max_phase |I|, max_f |3 I0|)``,
    ``out_arg[s, d]`` the positions of those fault buses. All scenarios are reduced in one
    pass over the transfer arrays ``w`` (read once, not once per scenario). Currents in the
    unit of ``scale`` (kA per pu).
    """
    n_s = i_f.shape[0]
    n_d, m = w1.shape
    a = np.exp(2j * np.pi / 3)
    a2 = a * a
    for d in prange(n_d):
        best_p = np.full(n_s, -1.0)
        best_g = np.full(n_s, -1.0)
        arg_p = np.full(n_s, -1)
        arg_g = np.full(n_s, -1)
        sc = scale[d]
        for f in range(m):
            y1 = w1[d, f]
            y2 = w2[d, f]
            y0 = w0[d, f] if has_zero else 0j
            pre = a1[d] * b[f]
            for s in range(n_s):
                x1 = (pre + g[s, d, 1] - y1 * i_f[s, f, 1]) * sc
                x2 = (g[s, d, 2] - y2 * i_f[s, f, 2]) * sc
                x0 = (g[s, d, 0] - y0 * i_f[s, f, 0]) * sc
                ya = x0 + x1 + x2
                yb = x0 + a2 * x1 + a * x2
                yc = x0 + a * x1 + a2 * x2
                # squared magnitudes: one square root per device, not three per fault
                p = max(ya.real * ya.real + ya.imag * ya.imag,
                        max(yb.real * yb.real + yb.imag * yb.imag,
                            yc.real * yc.real + yc.imag * yc.imag))
                gr = x0.real * x0.real + x0.imag * x0.imag
                if p > best_p[s]:
                    best_p[s] = p
                    arg_p[s] = f
                if gr > best_g[s]:
                    best_g[s] = gr
                    arg_g[s] = f
        for s in range(n_s):
            out_max[s, d, 0] = np.sqrt(best_p[s]) if best_p[s] >= 0 else np.nan
            out_max[s, d, 1] = 3.0 * np.sqrt(best_g[s]) if best_g[s] >= 0 else np.nan
            out_arg[s, d, 0] = arg_p[s]
            out_arg[s, d, 1] = arg_g[s]
