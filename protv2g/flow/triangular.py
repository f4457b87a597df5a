"""Multi-column triangular solves with SuperLU's factors, by numba kernels.

The scenario power flows (:mod:`protv2g.flow.powerflow`) solve ``Y_pp V = b`` for 96 and more
right-hand sides at once; SuperLU's own multi-column ``solve`` is several times slower there, so
above ``NUMBA_MIN_BUSES`` buses the factors ``Pr·A·Pc = L·U`` (SuperLU, scipy) are applied by the
forward and back substitutions below (any numerical linear algebra text, e.g. Golub & Van Loan,
*Matrix Computations*, 4th ed., §3.1).
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse.linalg as spla

__all__ = ["NUMBA_MIN_BUSES", "TriangularLU"]


#: Above this many buses the LU factors are applied by the numba kernels below (SuperLU's own
#: multi-column solve is several times slower for 96 right-hand sides).
NUMBA_MIN_BUSES = 500


@numba.njit(cache=True)
def _unit_lower_solve(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                      b: np.ndarray) -> None:  # pragma: no cover - compiled
    """In place ``b ← L⁻¹ b`` for a CSR unit lower-triangular ``L``, ``b`` of shape (n, m)."""
    n, m = b.shape
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if j < i:
                v = data[k]
                for c in range(m):
                    b[i, c] -= v * b[j, c]


@numba.njit(cache=True)
def _upper_solve(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                 b: np.ndarray) -> None:  # pragma: no cover - compiled
    """In place ``b ← U⁻¹ b`` for a CSR upper-triangular ``U``, ``b`` of shape (n, m)."""
    n, m = b.shape
    for i in range(n - 1, -1, -1):
        d = 1.0 + 0.0j
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if j > i:
                v = data[k]
                for c in range(m):
                    b[i, c] -= v * b[j, c]
            elif j == i:
                d = data[k]
        for c in range(m):
            b[i, c] /= d


class TriangularLU:
    """``A⁻¹ b`` from SuperLU's factors (``Pr·A·Pc = L·U``) with the numba kernels."""

    def __init__(self, lu: spla.SuperLU) -> None:
        self.l_csr = lu.L.tocsr()
        self.u_csr = lu.U.tocsr()
        self.perm_r = lu.perm_r
        self.perm_c = lu.perm_c

    def solve(self, b: np.ndarray) -> np.ndarray:
        pb = np.empty((b.shape[0], b.shape[1]), dtype=complex)
        pb[self.perm_r] = b
        _unit_lower_solve(self.l_csr.indptr, self.l_csr.indices, self.l_csr.data, pb)
        _upper_solve(self.u_csr.indptr, self.u_csr.indices, self.u_csr.data, pb)
        return pb[self.perm_c]
