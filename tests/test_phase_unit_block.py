"""``unit_matrix``: the units' ``S·B·T`` from their few conductors, bit-identical to the dense
einsum it replaces (the phase engine's outputs must not move; session 22, EPRI J1)."""

import numpy as np
import pytest

from protv2g.engine.phase.unit_block import unit_conductors, unit_matrix


def _system(rng: np.random.Generator, widths: list[int]) -> tuple[np.ndarray, np.ndarray]:
    q = sum(widths)
    s = np.zeros((len(widths), q), complex)
    t = np.zeros((q, len(widths)), complex)
    pos = 0
    for u, w in enumerate(widths):
        c = np.arange(pos, pos + w)
        s[u, c] = rng.normal(size=w) + 1j * rng.normal(size=w)
        t[c, u] = rng.normal(size=w) + 1j * rng.normal(size=w)
        pos += w
    return s, t


@pytest.mark.parametrize("m", [1, 2, 7, 300])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bit_identical_to_einsum(m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    widths = [3, 3, 3, 3] + [1] * 9 + [3, 1]
    rng.shuffle(widths)
    s, t = _system(rng, widths)
    q = s.shape[1]
    scale = 10 ** rng.uniform(-3, 3, size=(m, q, q))
    b = (rng.normal(size=(m, q, q)) + 1j * rng.normal(size=(m, q, q))) * scale
    ref = np.einsum("uq,mqr,rv->muv", s, b, t)
    got = unit_matrix(b, s, t, unit_conductors(s, t))
    assert got.shape == ref.shape and got.flags.c_contiguous
    # every bit, signs of zeros included
    assert np.array_equal(got.view(np.uint64), ref.view(np.uint64))


def test_single_unit_and_non_finite_b() -> None:
    rng = np.random.default_rng(5)
    s, t = _system(rng, [1])
    b = rng.normal(size=(4, 1, 1)) + 0j
    assert np.array_equal(unit_matrix(b, s, t), np.einsum("uq,mqr,rv->muv", s, b, t))
    s, t = _system(rng, [3, 1])
    b = rng.normal(size=(3, 4, 4)) + 0j
    b[1, 0, 3] = np.inf
    ref = np.einsum("uq,mqr,rv->muv", s, b, t)
    assert np.array_equal(np.isnan(unit_matrix(b, s, t)), np.isnan(ref))
