"""Driving-point impedances and rows of ``Z = Y⁻¹`` without forming a dense inverse.

* :func:`driving_point_z_pu` — ``diag(Z)`` for all buses. On a tree (radial feeder; the
  sparsity graph of ``Y`` is a forest) two O(N) passes: a leaf-to-root elimination
  ``D_i = Y_ii − Σ_children Y_ic·Y_ci/D_c`` (the admittance looking into each subtree condensed
  onto its root) and a root-to-leaf recursion ``Z_ii = 1/D_i + Y_ip·Y_pi·Z_pp/D_i²``
  (Takahashi's selected-inverse recursion for a tree-structured LDU factorisation). Values may be
  non-symmetric (phase shifters): ``Y_ip`` and ``Y_pi`` are used as they are. Any other
  network: blocked sparse solves on the LU factorisation, in chunks (O(N·chunk) memory).
* :func:`z_rows_pu` — rows of ``Z`` at given buses: one transposed solve each
  (row ``k`` of ``Z`` is column ``k`` of ``Zᵀ = (Yᵀ)⁻¹``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

__all__ = ["driving_point_z_pu", "z_rows_pu", "z_cols_pu", "tree_structure"]

#: columns per blocked solve in the meshed fallback (memory = n_bus × chunk complex numbers)
CHUNK = 256


def tree_structure(y: sp.spmatrix) -> tuple[np.ndarray, np.ndarray] | None:
    """BFS order and parent array if the graph of ``y`` is a forest, else ``None``.

    Returns
    -------
    (order, parent) : tuple of numpy.ndarray
        ``order`` lists the buses root-first; ``parent[i]`` is ``-1`` at roots.
    """
    n = y.shape[0]
    a = sp.csr_matrix(y, copy=True)
    a.setdiag(0)
    a.eliminate_zeros()
    pattern = sp.csr_matrix((np.ones(a.nnz), a.indices, a.indptr), shape=a.shape)
    pattern = ((pattern + pattern.T) > 0).astype(np.int8)
    n_edges = (pattern.nnz) // 2
    n_comp, labels = connected_components(pattern, directed=False)
    if n_edges != n - n_comp:
        return None
    order_parts = []
    parent = np.full(n, -1, dtype=np.int64)
    roots = np.unique(labels, return_index=True)[1]
    for r in roots:
        order, pred = breadth_first_order(pattern, r, directed=False, return_predecessors=True)
        order_parts.append(order)
        p = pred[order]
        p[p < 0] = -1
        parent[order] = p
    return np.concatenate(order_parts), parent


def _offdiag_fast(y: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Vectorised lookup of ``y[rows, cols]`` (pairs) via a keyed search."""
    coo = y.tocoo()
    n = y.shape[1]
    keys = coo.row.astype(np.int64) * n + coo.col
    order = np.argsort(keys)
    keys = keys[order]
    vals = coo.data[order]
    q = rows.astype(np.int64) * n + cols
    pos = np.searchsorted(keys, q)
    pos = np.minimum(pos, len(keys) - 1)
    hit = keys[pos] == q
    return np.where(hit, vals[pos], 0.0)


def _tree_diag(y: sp.spmatrix, order: np.ndarray, parent: np.ndarray) -> np.ndarray:
    y = sp.csr_matrix(y)
    y.sum_duplicates()
    n = y.shape[0]
    d = y.diagonal().astype(complex).copy()
    child = order[parent[order] >= 0]
    par = parent[child]
    y_cp = _offdiag_fast(y, child, par)  # Y[child, parent]
    y_pc = _offdiag_fast(y, par, child)  # Y[parent, child]
    prod = np.zeros(n, dtype=complex)
    prod[child] = y_cp * y_pc
    # depth of each bus to process by levels (vectorised over a level)
    depth = np.zeros(n, dtype=np.int64)
    for v in order:  # BFS order: parent before child
        p = parent[v]
        if p >= 0:
            depth[v] = depth[p] + 1
    levels = [np.flatnonzero(depth == k) for k in range(int(depth.max()) + 1)]
    # upward (leaf → root) elimination
    for lev in reversed(levels[1:]):
        np.add.at(d, parent[lev], -prod[lev] / d[lev])
    z = np.zeros(n, dtype=complex)
    z[levels[0]] = 1.0 / d[levels[0]]
    for lev in levels[1:]:
        z[lev] = 1.0 / d[lev] + prod[lev] * z[parent[lev]] / d[lev] ** 2
    return z


def driving_point_z_pu(y: sp.spmatrix, lu: object, *, tree: tuple | None = None,
                       buses: np.ndarray | None = None) -> np.ndarray:
    """Driving-point (Thevenin) impedances ``Z_kk`` of ``Y`` (per unit).

    Parameters
    ----------
    y : scipy.sparse matrix
        Bus admittance matrix (per unit).
    lu : scipy.sparse.linalg.SuperLU
        Its factorisation (used by the meshed fallback).
    tree : tuple, optional
        Result of :func:`tree_structure` if already known.
    buses : numpy.ndarray, optional
        Restrict the meshed fallback to these buses (the tree path always returns all).

    Returns
    -------
    numpy.ndarray
        ``Z_kk`` for every bus (tree) or for ``buses`` (fallback, in that order).
    """
    if tree is None:
        tree = tree_structure(y)
    if tree is not None:
        z = _tree_diag(y, *tree)
        return z if buses is None else z[buses]
    n = y.shape[0]
    idx = np.arange(n) if buses is None else np.asarray(buses)
    out = np.empty(len(idx), dtype=complex)
    for start in range(0, len(idx), CHUNK):
        cols = idx[start:start + CHUNK]
        rhs = np.zeros((n, len(cols)), dtype=complex)
        rhs[cols, np.arange(len(cols))] = 1.0
        sol = lu.solve(rhs)
        out[start:start + CHUNK] = sol[cols, np.arange(len(cols))]
    return out


def z_rows_pu(lu: object, n: int, buses: np.ndarray) -> np.ndarray:
    """Rows ``Z[buses, :]`` (shape ``(len(buses), n)``) by transposed solves."""
    buses = np.asarray(buses, dtype=np.int64)
    rhs = np.zeros((n, len(buses)), dtype=complex)
    rhs[buses, np.arange(len(buses))] = 1.0
    if len(buses) == 0:
        return np.zeros((0, n), dtype=complex)
    return np.ascontiguousarray(lu.solve(rhs, trans="T").T)


def z_cols_pu(lu: object, n: int, buses: np.ndarray) -> np.ndarray:
    """Columns ``Z[:, buses]`` (shape ``(n, len(buses))``) by direct solves."""
    buses = np.asarray(buses, dtype=np.int64)
    if len(buses) == 0:
        return np.zeros((n, 0), dtype=complex)
    rhs = np.zeros((n, len(buses)), dtype=complex)
    rhs[buses, np.arange(len(buses))] = 1.0
    return lu.solve(rhs)
