"""The Newton kernel's shortcuts (#21, session 31) take the same decisions and give the same
bits as the code they replace: the stop test without most current magnitudes
(:func:`~protv2g.engine.newton_parts._converged` against ``rn <= _tol_at(...)``) and the
elimination with rows swapped from the pivot column on (against the former full-row swap,
written here in plain Python floats: IEEE double operations in the same order).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from protv2g.engine.newton_parts import _converged, _solve_real, _tol_at

PROPS = settings(max_examples=300, deadline=None, derandomize=True)

_PART = st.one_of(st.floats(-1e3, 1e3), st.sampled_from([0.0, -0.0, 1e-300, 1.0, -1.0,
                                                         math.inf, math.nan]))


@PROPS
@given(st.lists(st.tuples(_PART, _PART), min_size=1, max_size=4),
       st.sampled_from([1e-6, 1e-12, 0.0]), st.booleans(),
       st.one_of(st.floats(0.0, 1e4), st.sampled_from([math.nan, math.inf])),
       st.integers(-3, 3))
def test_stop_test_is_the_former_one(parts, tol, rel, rn_free, ulps):
    xc = np.array([complex(a, b) for a, b in parts])
    # rn at the former threshold (± a few ulps: the exact path) or anywhere
    s = _tol_at(xc, tol, rel)
    rn_edge = s
    for _ in range(abs(ulps)):
        rn_edge = np.nextafter(rn_edge, np.inf if ulps > 0 else -np.inf)
    for rn in (rn_free, float(rn_edge), tol):
        assert _converged(rn, xc, tol, rel) == (rn <= _tol_at(xc, tol, rel))


def _solve_reference(a, b):
    """The elimination before session 31 (full-row swaps), in Python floats."""
    n = len(b)
    for col in range(n):
        piv, best = col, abs(a[col][col])
        for r in range(col + 1, n):
            if abs(a[r][col]) > best:
                best, piv = abs(a[r][col]), r
        if best < 1e-300:
            return False
        if piv != col:
            a[col], a[piv] = a[piv], a[col]
            b[col], b[piv] = b[piv], b[col]
        for r in range(col + 1, n):
            f = a[r][col] / a[col][col]
            if f != 0.0:
                for c in range(col + 1, n):
                    a[r][c] -= f * a[col][c]
                b[r] -= f * b[col]
    for r in range(n - 1, -1, -1):
        s = b[r]
        for c in range(r + 1, n):
            s -= a[r][c] * b[c]
        b[r] = s / a[r][r]
    return True


def test_elimination_gives_the_former_bits():
    rng = np.random.default_rng(31)
    for trial in range(400):
        n = (2, 4, 6, 8)[trial % 4]
        a = rng.normal(size=(n, n)) * 10.0 ** rng.integers(-3, 4, size=(n, n))
        a[rng.random((n, n)) < 0.2] = 0.0  # zero multipliers and pivots
        if trial % 50 == 0:
            a[:, 0] = 0.0  # singular
        b = rng.normal(size=n)
        a_ref, b_ref = a.tolist(), b.tolist()
        ok_ref = _solve_reference(a_ref, b_ref)
        a_k, b_k = a.copy(), b.copy()
        ok = _solve_real(a_k, b_k)
        assert ok == ok_ref
        if ok:
            assert b_k.tobytes() == np.array(b_ref).tobytes()
