"""The Newton kernel's column-local pieces (:mod:`.newton_kernel`): the stop test of a column,
the law-image step and the real Gaussian elimination, as inlined scalar numba code. Split from
:mod:`.newton_kernel` to keep it readable (#21, session 31: the stop test without most current
magnitudes, the elimination inlined — both the same operations on the same values,
``tests/test_newton_kernel_bits.py``); numba's cache of the kernel is keyed on this file too
(:mod:`.kernel_cache`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["_converged", "_law_image", "_solve_real", "_tol_at"]


@njit(cache=True, inline="always")
def _tol_at(xc, tol, rel):  # pragma: no cover - numba
    """The stop of a column at the currents ``xc``: ``tol``, or ``tol·max(1, max|xc|)``."""
    if not rel:
        return tol
    s = 1.0
    for i in range(len(xc)):
        s = max(s, abs(xc[i]))
    return tol * s


@njit(cache=True, inline="always")
def _converged(rn, xc, tol, rel):  # pragma: no cover - numba
    """``rn <= _tol_at(xc, tol, rel)``, the same decision bit for bit, mostly without the
    ``k`` complex magnitudes (``hypot``) of the currents (#21). With every current finite
    and ``tol ≥ 0``: ``rn ≤ tol`` is enough (``tol·s ≥ tol`` for ``s ≥ 1``, rounding is
    monotonic), and ``rn`` above ``tol·s'`` with ``s' = max(1, max(|re| + |im|))·(1 + 10⁻⁶)``
    is not converged (``|z| ≤ |re| + |im|``; ``hypot`` within an ulp, a few ulps of rounding
    against the margin's 10⁻⁶); only in between, or otherwise, are the magnitudes computed
    (``tests/test_newton_kernel_bits.py``)."""
    if not rel:
        return rn <= tol
    u = 1.0
    for i in range(len(xc)):
        a = abs(xc[i].real) + abs(xc[i].imag)
        if not np.isfinite(a):  # e.g. hypot(±inf, nan) is inf: the magnitudes decide
            return rn <= _tol_at(xc, tol, rel)
        u = max(u, a)
    if tol >= 0.0:
        if rn <= tol:
            return True
        if rn > tol * u * (1.0 + 1e-6):
            return False
    return rn <= _tol_at(xc, tol, rel)


@njit(cache=True, inline="always")
def _law_image(xc, r):  # pragma: no cover - numba
    """The final fixed-point step ``xc ← F(V(xc)) = xc − R(xc)`` (in place)."""
    for i in range(len(xc)):
        xc[i] -= r[i]


@njit(cache=True, inline="always")
def _solve_real(a, b):  # pragma: no cover - numba
    """Solve ``a·x = b`` in place (Gaussian elimination, partial pivoting); False if singular.
    Inlined where called, rows swapped from the pivot column on (the entries left of it are
    never read again): the same operations on the same values, ≈ 20 % faster (#21)."""
    n = len(b)
    for col in range(n):
        piv = col
        best = abs(a[col, col])
        for r in range(col + 1, n):
            if abs(a[r, col]) > best:
                best, piv = abs(a[r, col]), r
        if best < 1e-300:
            return False
        if piv != col:
            for c in range(col, n):
                a[col, c], a[piv, c] = a[piv, c], a[col, c]
            b[col], b[piv] = b[piv], b[col]
        pv = a[col, col]
        for r in range(col + 1, n):
            f = a[r, col] / pv
            if f != 0.0:  # a[r, col] (→ 0) is never read again: from col + 1 on
                for c in range(col + 1, n):
                    a[r, c] -= f * a[col, c]
                b[r] -= f * b[col]
    for r in range(n - 1, -1, -1):
        s = b[r]
        for c in range(r + 1, n):
            s -= a[r, c] * b[c]
        b[r] = s / a[r, r]
    return True
