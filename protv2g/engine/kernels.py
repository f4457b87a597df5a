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

__all__ = ["fill_sequence", "reduce_devices"]

_A = np.exp(2j * np.pi / 3)


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
def reduce_devices(a1, b, g0, g1, g2, w0, w1, w2, i_f, scale, has_zero,
                   out_max, out_arg):  # pragma: no cover - numba
    """Largest phase current and largest ``|3·I0|`` over fault buses, per device.

    ``i_f`` is ``(m, 3)`` in sequence order; ``out_max[d] = (max_f max_phase |I|,
    max_f |3 I0|)``, ``out_arg[d]`` the positions of those fault buses. Currents in the unit
    of ``scale`` (kA per pu).
    """
    n_d, m = w1.shape
    a = np.exp(2j * np.pi / 3)
    a2 = a * a
    for d in prange(n_d):
        best_p = -1.0
        best_g = -1.0
        arg_p = -1
        arg_g = -1
        sc = scale[d]
        for f in range(m):
            x1 = (a1[d] * b[f] + g1[d] - w1[d, f] * i_f[f, 1]) * sc
            x2 = (g2[d] - w2[d, f] * i_f[f, 2]) * sc
            x0 = 0j
            if has_zero:
                x0 = (g0[d] - w0[d, f] * i_f[f, 0]) * sc
            ia = abs(x0 + x1 + x2)
            ib = abs(x0 + a2 * x1 + a * x2)
            ic = abs(x0 + a * x1 + a2 * x2)
            p = max(ia, max(ib, ic))
            gr = 3.0 * abs(x0)
            if p > best_p:
                best_p = p
                arg_p = f
            if gr > best_g:
                best_g = gr
                arg_g = f
        out_max[d, 0] = best_p
        out_max[d, 1] = best_g
        out_arg[d, 0] = arg_p
        out_arg[d, 1] = arg_g
