"""The numba triangular solves against SuperLU's own multi-column solve."""

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from protv2g.flow.triangular import TriangularLU


def test_triangular_lu_solves_like_superlu():
    rng = np.random.default_rng(3)
    n = 300
    a = sp.random(n, n, density=0.01, random_state=4, format="csc") * (1 + 0.5j)
    a = (a + sp.eye(n, format="csc") * (4 - 2j)).tocsc()  # diagonally dominant, non-symmetric
    b = rng.normal(size=(n, 7)) + 1j * rng.normal(size=(n, 7))
    lu = spla.splu(a)
    x = TriangularLU(lu).solve(b)
    np.testing.assert_allclose(x, lu.solve(b), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a @ x, b, rtol=1e-10, atol=1e-10)
