"""Selected inversion (``engine/phase/selinv.py``) against a dense inverse.

Reference: ``numpy.linalg.inv`` of the same matrix (exact up to rounding); tolerance 1e-9
relative to the largest entry of the block. Matrices: a radial tree of 3-node buses with
1- and 2-node laterals (the distribution-feeder shape), a meshed network (fill-in), a
non-symmetric matrix (no symmetry is assumed), and wanted/unwanted blocks.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from protv2g.engine.phase.selinv import block_diagonal_inverse

REL = 1e-9


def _network(n_bus: int, extra_edges: int, seed: int, symmetric: bool = True):
    """A random nodal admittance matrix of ``n_bus`` buses with 1–3 nodes each."""
    rng = np.random.default_rng(seed)
    size = rng.choice([1, 2, 3], size=n_bus, p=[0.3, 0.2, 0.5])
    size[0] = 3
    first = np.concatenate([[0], np.cumsum(size)[:-1]])
    n = int(size.sum())
    y = np.zeros((n, n), dtype=complex)
    parent = [rng.integers(0, i) for i in range(1, n_bus)]
    edges = list(zip(range(1, n_bus), parent, strict=True))
    edges += [tuple(rng.choice(n_bus, 2, replace=False)) for _ in range(extra_edges)]
    for i, j in edges:
        k = min(size[i], size[j])
        z = rng.normal(size=(k, k)) + 1j * rng.normal(size=(k, k))
        ys = (z @ z.conj().T + k * np.eye(k)) * (0.5 + rng.random())   # series admittance
        if not symmetric:
            ys = ys + 0.1 * (rng.normal(size=(k, k)) + 1j * rng.normal(size=(k, k)))
        a = first[i] + np.arange(k)
        b = first[j] + np.arange(k)
        y[np.ix_(a, a)] += ys
        y[np.ix_(b, b)] += ys
        y[np.ix_(a, b)] -= ys
        y[np.ix_(b, a)] -= ys
    y[np.arange(3), np.arange(3)] += 50.0  # the source: a path to ground
    y += np.diag(1e-3 * (1 + rng.random(n)))  # shunts
    block = np.repeat(np.arange(n_bus), size)
    pos = np.concatenate([np.arange(s) for s in size])
    return y, block, pos, size


def _check(y, block, pos, wanted):
    res = block_diagonal_inverse(sp.csc_matrix(y), block, pos, wanted)
    z = np.linalg.inv(y)
    for k in np.flatnonzero(wanted):
        rows = np.flatnonzero(block == k)
        ref = z[np.ix_(rows, rows)]
        got = res.z_diag[k][np.ix_(pos[rows], pos[rows])]
        assert np.abs(got - ref).max() <= REL * np.abs(ref).max()
    assert np.all(np.isnan(res.z_diag[~wanted]))
    return res


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_radial_feeder_all_blocks(seed):
    y, block, pos, size = _network(300, 0, seed)
    res = _check(y, block, pos, np.ones(len(size), dtype=bool))
    assert res.n_waves <= 40  # rake and compress: O(log n) waves, not O(depth)


@pytest.mark.parametrize("seed", [3, 4])
def test_meshed_network_with_fill(seed):
    y, block, pos, size = _network(200, 25, seed)
    res = _check(y, block, pos, np.ones(len(size), dtype=bool))
    assert res.n_fill > 0


def test_non_symmetric_matrix():
    y, block, pos, size = _network(120, 10, 5, symmetric=False)
    assert np.abs(y - y.T).max() > 0.01
    _check(y, block, pos, np.ones(len(size), dtype=bool))


def test_only_wanted_blocks_are_computed():
    y, block, pos, size = _network(250, 5, 6)
    wanted = np.random.default_rng(7).random(len(size)) < 0.4
    _check(y, block, pos, wanted)


def test_scalar_example():
    y = sp.csc_matrix(np.array([[2.0, -1.0], [-1.0, 2.0]], dtype=complex))
    z = block_diagonal_inverse(y, np.array([0, 1]), np.array([0, 0])).z_diag
    assert np.allclose(z[:, 0, 0], [2 / 3, 2 / 3])


def test_plan_of_the_same_pattern_is_reused_and_gives_the_same_blocks():
    """A plan from a matrix of the same pattern (the network at another temperature) is
    reused — blocks identical to ordering again — and one of another pattern is ignored."""
    y, block, pos, size = _network(200, 5, seed=3)
    wanted = size == 3
    first = block_diagonal_inverse(sp.csc_matrix(y), block, pos, wanted)
    hot = y * (1.0 + 0.1j)                                     # same pattern, other values
    fresh = block_diagonal_inverse(sp.csc_matrix(hot), block, pos, wanted)
    reused = block_diagonal_inverse(sp.csc_matrix(hot), block, pos, wanted, plan=first.plan)
    assert reused.plan is first.plan
    np.testing.assert_array_equal(reused.z_diag, fresh.z_diag)
    y2, block2, pos2, size2 = _network(200, 5, seed=4)          # another graph
    other = block_diagonal_inverse(sp.csc_matrix(y2), block2, pos2, size2 == 3,
                                   plan=first.plan)
    assert other.plan is not first.plan
    _check(y2, block2, pos2, size2 == 3)
