"""The units' own matrix ``M = S·B·T`` of every fault row, from the few conductors of each unit.

:func:`.site_solve.solve_sites` turns the site system ``V_C = a + B·I_C`` (``B`` ``(m, q, q)``)
into the units' ``V_u = v⁰ + M·x`` with ``M = S·B·T`` (``S`` ``(u, q)``, ``T`` ``(q, u)``,
:attr:`~.sites.SiteLaw.unit_maps`). ``S`` and ``T`` are block sparse: a three-phase fleet
reads and drives its three conductors, a single-phase inverter its one. A dense
``einsum("uq,mqr,rv->muv")`` costs ``m·u²·q²`` complex products (≈ 140,000 per row on EPRI J1
with its 13 existing PV systems as units: 15 units on 25 conductors) and was ≈ 70 % of the J1
study's CPU (session 22, py-spy); here each ``(u, v)`` entry sums only its ``≤ 3 × 3`` products,
``m·u²·w²`` (``w`` ≤ 3 conductors per unit), ≈ 70× fewer.

The result is bit-identical to numpy's ``einsum`` (no ``optimize``): every term is
``(S[u, q]·B[m, q, r])·T[r, v]`` in the component formula of numpy's einsum kernel
(``re = a.re·b.re − a.im·b.im``, ``im = a.re·b.im + a.im·b.re``, no fused multiply-add),
accumulated from ``+0`` in the order ``q`` outer, ``r`` inner; the terms einsum adds for the
zeros of ``S`` and ``T`` are ``±0`` and change no sum, so they are left out (checked on
random block-sparse systems: ``tests/test_phase_unit_block.py``). A ``B`` with a non-finite
entry goes to the einsum itself (``0·inf`` is NaN there and must stay so).
"""

from __future__ import annotations

import numpy as np

__all__ = ["unit_conductors", "unit_matrix"]


def unit_conductors(s: np.ndarray, t: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each unit's conductors (ascending) and weights, padded to the widest unit.

    Parameters
    ----------
    s : numpy.ndarray
        ``(u, q)`` the units' law voltages of the conductor voltages.
    t : numpy.ndarray
        ``(q, u)`` the conductor currents of the units' currents.

    Returns
    -------
    rows, s_w, cols, t_w : numpy.ndarray
        ``(u, w)`` the conductors ``S[u]`` reads and their weights (0 on the padding, which
        points at conductor 0); the same of ``T[:, v]``.
    """
    def padded(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nz = [np.flatnonzero(r) for r in mat]
        w = max((len(n) for n in nz), default=0)
        idx = np.zeros((len(nz), w), np.int64)
        wt = np.zeros((len(nz), w), complex)
        for k, n in enumerate(nz):
            idx[k, :len(n)] = n
            wt[k, :len(n)] = mat[k, n]
        return idx, wt

    rows, s_w = padded(np.asarray(s, complex))
    cols, t_w = padded(np.asarray(t, complex).T)
    return rows, s_w, cols, t_w


def unit_matrix(b: np.ndarray, s: np.ndarray, t: np.ndarray,
                conductors: tuple | None = None) -> np.ndarray:
    """``M[m] = S·B[m]·T`` ``(m, u, u)``, bit-identical to ``einsum("uq,mqr,rv->muv")``.

    Parameters
    ----------
    b : numpy.ndarray
        ``(m, q, q)`` complex.
    s, t : numpy.ndarray
        ``(u, q)`` and ``(q, u)``.
    conductors : tuple, optional
        :func:`unit_conductors` of ``s, t`` (computed when not given).

    Returns
    -------
    numpy.ndarray
        ``(m, u, u)`` complex, C-contiguous.
    """
    m, u = b.shape[0], s.shape[0]
    if not m or not u or not np.isfinite(b).all():
        return np.ascontiguousarray(np.einsum("uq,mqr,rv->muv", s, b, t))
    rows, s_w, cols, t_w = conductors if conductors is not None else unit_conductors(s, t)
    q = b.shape[1]
    b_re = np.ascontiguousarray(b.real).reshape(m, q * q)
    b_im = np.ascontiguousarray(b.imag).reshape(m, q * q)
    acc_re = np.zeros((m, u, u))
    acc_im = np.zeros((m, u, u))
    for i in range(rows.shape[1]):
        ui = np.flatnonzero(s_w[:, i])      # the units with an i-th conductor (others: ±0)
        sr, si = s_w[ui, i].real[:, None], s_w[ui, i].imag[:, None]
        for j in range(cols.shape[1]):
            vj = np.flatnonzero(t_w[:, j])
            if not len(ui) or not len(vj):
                continue
            flat = rows[ui, i][:, None] * q + cols[vj, j][None, :]          # (ui, vj)
            gr, gi = np.take(b_re, flat, axis=1), np.take(b_im, flat, axis=1)
            pr = sr * gr - si * gi
            pi = sr * gi + si * gr
            tr, ti = t_w[vj, j].real, t_w[vj, j].imag
            if len(ui) == u and len(vj) == u:
                acc_re += pr * tr - pi * ti
                acc_im += pr * ti + pi * tr
            else:
                sub = np.ix_(np.arange(m), ui, vj)
                acc_re[sub] += pr * tr - pi * ti
                acc_im[sub] += pr * ti + pi * tr
    out = np.empty((m, u, u), complex)
    out.real, out.imag = acc_re, acc_im
    return out
