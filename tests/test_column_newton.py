"""The shared numpy Newton loop (:mod:`protv2g.engine.column_newton`) on problems with known
solutions: a linear fixed point (exact in one step: reference ``numpy.linalg.solve``), a
non-holomorphic one (``F(x) = c + 0.3·x·|x|``, Wirtinger derivatives by hand, the solution
checked by its residual), the stop rules, the law image and the singular-matrix policies.
Tolerances: 1e-12 (one LU solve of well-conditioned 2 × 2 … 6 × 6 systems)."""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.engine.column_newton import LineSearch, column_newton, real_newton_matrix

SEARCHES = [LineSearch(8, "l2", "best"), LineSearch(8, "l2", "last"),
            LineSearch(8, "max", "last")]


def _linear(m: int, n: int, seed: int):
    """``F(x) = c + A·x`` per row, ``‖A‖`` < 1: ``R = x − F``, ``∂R/∂x = 1 − A``."""
    rng = np.random.default_rng(seed)
    a = 0.2 * (rng.normal(size=(m, n, n)) + 1j * rng.normal(size=(m, n, n))) / n
    c = rng.normal(size=(m, n)) + 1j * rng.normal(size=(m, n))

    def evaluate(rows, x, jac):
        r = x - c[rows] - np.einsum("mij,mj->mi", a[rows], x)
        return r, (real_newton_matrix(a[rows], np.zeros_like(a[rows])) if jac else None)

    exact = np.linalg.solve(np.eye(n)[None] - a, c[..., None])[..., 0]
    return evaluate, exact


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize("n", [1, 3])
def test_linear_fixed_point_in_one_step(search, n):
    evaluate, exact = _linear(40, n, 1)
    x = np.zeros_like(exact)
    ok, res, its = column_newton(evaluate, x, tol=1e-12, relative=False, max_iter=5,
                                 search=search)
    assert ok.all() and (its == 1).all()
    assert np.abs(x - exact).max() <= 1e-12 * np.abs(exact).max()
    assert (res <= 1e-12).all()


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize("trial_jacobian", [False, True])
def test_non_holomorphic_fixed_point(search, trial_jacobian):
    """``F(x) = c + 0.3·x·|x|``: ``∂F/∂x = 0.45·|x|``, ``∂F/∂x̄ = 0.15·x²/|x|``."""
    rng = np.random.default_rng(2)
    # |c| ≤ 0.6 < 1/1.2: a fixed point near c exists (on the real axis 0.3·x² − x + c = 0)
    c = rng.uniform(0.0, 0.6, (60, 1)) * np.exp(1j * rng.uniform(-np.pi, np.pi, (60, 1)))

    def evaluate(rows, x, jac):
        r = x - c[rows] - 0.3 * x * np.abs(x)
        if not jac:
            return r, None
        ax = np.where(np.abs(x) > 0, np.abs(x), 1.0)
        return r, real_newton_matrix((0.45 * np.abs(x))[:, :, None],
                                     (0.15 * x * x / ax)[:, :, None])

    x = c.copy()
    ok, res, its = column_newton(evaluate, x, tol=1e-13, relative=False, max_iter=30,
                                 search=search, trial_jacobian=trial_jacobian)
    assert ok.all()
    r, _ = evaluate(np.flatnonzero(ok), x[ok], False)
    assert np.abs(r).max() <= 1e-13
    assert its[ok].max() <= 8  # quadratic convergence


def test_relative_stop_and_law_image():
    """Relative stop ``max|R| ≤ tol·max(1, max|x|)``; ``image`` returns ``x − R(x)``."""
    x = np.array([[100.0 + 0j], [0.5 + 0j]])
    r0 = np.array([[5e-5 + 0j], [5e-5 + 0j]])

    def evaluate(rows, xr, jac):
        return r0[rows], (np.eye(2)[None].repeat(len(rows), 0) if jac else None)

    xa = x.copy()
    ok, res, its = column_newton(evaluate, xa, tol=1e-6, relative=True, max_iter=0,
                                 search=SEARCHES[0], image=True)
    np.testing.assert_array_equal(ok, [True, False])  # 5e-5 ≤ 1e-4; 5e-5 > 1e-6
    assert xa[0, 0] == 100.0 - 5e-5 and xa[1, 0] == 0.5  # image only where converged
    np.testing.assert_array_equal(res, [5e-5, 5e-5])
    np.testing.assert_array_equal(its, [0, 0])


@pytest.mark.parametrize("n", [1, 3])
def test_singular_matrix_policies(n):
    """Row 0 has a singular Newton matrix: ``drop`` gives it up after the first evaluation,
    ``lstsq`` takes the least-squares step; row 1 (regular) converges either way."""
    evaluate_lin, exact = _linear(2, n, 3)

    def evaluate(rows, x, jac):
        r, j = evaluate_lin(rows, x, jac)
        if j is not None:
            j = np.where((rows == 0)[:, None, None], 0.0, j)
        return r, j

    for singular in ("drop", "lstsq"):
        x = np.zeros_like(exact)
        ok, _, its = column_newton(evaluate, x, tol=1e-12, relative=False, max_iter=4,
                                   search=SEARCHES[1], singular=singular)
        assert ok[1] and not ok[0]
        assert np.abs(x[1] - exact[1]).max() <= 1e-12 * np.abs(exact).max()
        assert its[0] == (0 if singular == "drop" else 4)
    with pytest.raises(ValueError, match="singular"):
        column_newton(evaluate, x, tol=1e-12, relative=False, max_iter=1, search=SEARCHES[0],
                      singular="pinv")
    with pytest.raises(ValueError, match="merit"):
        LineSearch(8, "l1", "last")
