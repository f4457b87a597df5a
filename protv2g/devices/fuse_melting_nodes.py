"""Dense melting-curve nodes of the EEI-NEMA K and T links through their published
melting-current ranges (the standard-link builder of :mod:`protv2g.devices.fuse_curves`).

The minimum-melting curve runs through the lower ends of the ranges at 300 s (600 s above
100 A), 10 s and 0.1 s, the maximum-melting curve through the upper ends; between the anchors
the log–log shape of a published normalised curve (OpenDSS's ``Klink``/``Tlink``), made smooth
by a shape-preserving quadratic spline.

References
----------
ANSI C37.43 (EEI-NEMA K and T fuse-link melting-current ranges), as tabulated in
``protv2g/relay_library/fuse_links.yaml`` with their source.
F. N. Fritsch, R. E. Carlson, "Monotone piecewise cubic interpolation", SIAM J. Numer. Anal.
17 (1980) 238–246 (node slopes).
L. L. Schumaker, "On shape preserving quadratic spline interpolation", SIAM J. Numer. Anal.
20 (1983) 854–864 (convex, monotone C¹ quadratic spline with one knot per interval).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from protv2g.devices.fuse_curves import MIN_TAIL_SLOPE, SHORT_TIME_SLOPE, thermal_asymptote_m

FloatArray = NDArray[np.float64]

__all__ = ["standard_melting_nodes"]


def _pchip_slopes(x: FloatArray, y: FloatArray) -> FloatArray:
    """Fritsch–Carlson (harmonic-mean) node derivatives of monotone data."""
    h, delta = np.diff(x), np.diff(y) / np.diff(x)
    d = np.zeros_like(x)
    for k in range(1, len(x) - 1):
        if delta[k - 1] * delta[k] > 0:
            w1, w2 = 2 * h[k] + h[k - 1], h[k] + 2 * h[k - 1]
            d[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k])
    d[0], d[-1] = delta[0], delta[-1]
    return d


def _shape_at_time(shape_m: FloatArray, shape_t: FloatArray, t_s: float) -> tuple[float, float]:
    """``(ln m, d ln t / d ln m)`` of the smooth shape curve where it reaches ``t_s``."""
    x, y = np.log(shape_m), np.log(shape_t)
    d = _pchip_slopes(x, y)
    yt = math.log(t_s)
    if yt >= y[0]:
        return float(x[0]), float(d[0])
    if yt <= y[-1]:
        return float(x[-1] + (yt - y[-1]) / d[-1]), float(d[-1])
    k = int(np.searchsorted(-y, -yt)) - 1  # y decreasing: y[k] >= yt > y[k+1]
    k = min(max(k, 0), len(x) - 2)
    # Hermite segment k, solve y(x) = yt by bisection (monotone).
    seg = (float(x[k]), float(x[k + 1]), float(y[k]), float(y[k + 1]), float(d[k]),
           float(d[k + 1]))
    lo, hi = seg[0], seg[1]
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if _hermite_scalar(mid, *seg) > yt:
            lo = mid
        else:
            hi = mid
    xm = 0.5 * (lo + hi)
    eps = 1e-6 * (seg[1] - seg[0])
    slope = (_hermite_scalar(xm + eps, *seg) - _hermite_scalar(xm - eps, *seg)) / (2 * eps)
    return float(xm), float(slope)


def _hermite_scalar(x: float, x0: float, x1: float, y0: float, y1: float, d0: float,
                    d1: float) -> float:
    """The cubic Hermite segment through ``(x0, y0)``, ``(x1, y1)`` with end slopes ``d0``,
    ``d1``, at one point ``x``, in Python floats (array arithmetic made the bisection of
    :func:`_shape_at_time` 0.6 s of every library load)."""
    h = x1 - x0
    s = (x - x0) / h
    h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
    h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
    return h00 * y0 + h10 * h * d0 + h01 * y1 + h11 * h * d1


def _convex_nodes(x: FloatArray, y: FloatArray, is_anchor: NDArray[np.bool_]
                  ) -> tuple[FloatArray, FloatArray]:
    """Drop shape nodes that break convexity of the node set (anchors are always kept).

    A melting curve is convex on log–log: its slope rises from steep at the long-time end
    to −2 (constant I²t) at the short-time end. A warped shape point above the lower convex
    hull of the nodes, extended by the −2 tail beyond the last anchor, is dropped.
    """
    keep = np.ones(len(x), dtype=bool)
    changed = True
    while changed:
        changed = False
        xi, yi = x[keep], y[keep]
        # append the tail direction as a virtual point
        xt = np.r_[xi, xi[-1] + 1.0]
        yt = np.r_[yi, yi[-1] + SHORT_TIME_SLOPE]
        sec = np.diff(yt) / np.diff(xt)
        kept = np.flatnonzero(keep)
        for j in range(1, len(xi)):
            if sec[j] >= sec[j - 1] - 1e-12:
                continue
            # the middle point j breaks convexity; drop it, or a neighbouring shape point
            for cand in (j, j - 1, j + 1):
                if cand < len(xi) and not is_anchor[kept[cand]]:
                    keep[kept[cand]] = False
                    changed = True
                    break
            if changed:
                break
    return x[keep], y[keep]


def _quadratic_spline(xq: FloatArray, x: FloatArray, y: FloatArray, d: FloatArray
                      ) -> FloatArray:
    """Schumaker's C¹ quadratic spline through ``(x, y)`` with node slopes ``d``.

    Each interval gets one inner knot; the slope is linear on both pieces and passes from
    ``d_k`` to ``d_{k+1}`` through the knot slope ``s``, so a convex, monotone data set with
    slopes between the adjacent secants gives a convex, monotone curve — no wiggle (a cubic
    Hermite can put an inflection into a convex interval).
    """
    out = np.empty_like(xq)
    seg = np.clip(np.searchsorted(x, xq, side="right") - 1, 0, len(x) - 2)
    for k in range(len(x) - 1):
        sel = seg == k
        if not sel.any():
            continue
        h, dlt, d0, d1 = x[k + 1] - x[k], (y[k + 1] - y[k]) / (x[k + 1] - x[k]), d[k], d[k + 1]
        if (d0 - dlt) * (d1 - dlt) < 0:  # secant strictly between the end slopes
            p = (dlt - d0) / (d1 - d0)
            lam = 0.5 * (max(0.0, 1.0 - 2.0 * p) + min(1.0, 2.0 - 2.0 * p))
        else:
            lam = 0.5
        knot_s = 2.0 * dlt - d1 + lam * (d1 - d0)
        if knot_s >= 0.0:  # would turn upward: straight segment (never met by the data)
            d0 = d1 = knot_s = dlt
        xk, h1 = x[k] + lam * h, lam * h
        yk = y[k] + h1 * (d0 + knot_s) / 2.0
        u = xq[sel]
        first = u <= xk
        du1, du2 = u - x[k], u - xk
        h2 = h - h1
        out[sel] = np.where(
            first,
            y[k] + d0 * du1 + (knot_s - d0) / (2.0 * h1) * du1**2 if h1 > 0 else yk,
            yk + knot_s * du2 + ((d1 - knot_s) / (2.0 * h2) * du2**2 if h2 > 0 else 0.0))
    return out


def standard_melting_nodes(
    anchor_t_s: Sequence[float], anchor_i_a: Sequence[float], rating_a: float,
    shape_m: Sequence[float], shape_t_s: Sequence[float], n_dense: int = 64,
) -> tuple[tuple[float, ...], tuple[float, ...], float]:
    """Dense nodes of a melting curve through published anchor points.

    Parameters
    ----------
    anchor_t_s : sequence of float
        Anchor times, decreasing (s), e.g. ``(300, 10, 0.1)``; the last is the short-time end.
    anchor_i_a : sequence of float
        Melting currents at those times (A), increasing.
    rating_a : float
        Link rating (A).
    shape_m, shape_t_s : sequence of float
        A published normalised curve (multiples of rating, s) whose log–log shape is used
        between the anchors.
    n_dense : int
        Number of log-spaced nodes returned (plus the anchors).

    Returns
    -------
    (m_nodes, t_nodes, m_asymptote)
        Nodes in multiples of the rating and seconds, and the minimum melting current
        (multiple) of the long-time tail.

    Notes
    -----
    Between anchors the curve is a shape-preserving C¹ quadratic spline (Schumaker) in
    ``(ln I, ln t)`` through the anchors and the shape's own points that lie between 10 s
    and the short-time anchor (their currents shifted by a correction linear in ``ln t``
    between the anchors' offsets from the shape). Node slopes: Fritsch–Carlson harmonic
    means at interior nodes (between the adjacent secants); at the long-time anchor the
    shape's slope there (or the first secant if steeper); −2 (constant ``I²t``, the
    short-time asymptote) at the short-time anchor (or the last secant if shallower). The
    curve is C¹ across both anchors (the thermal tail takes the same slope).

    Raises
    ------
    ValueError
        If anchors are not ordered or the warped nodes are not monotone.
    """
    t_a = np.asarray(anchor_t_s, dtype=np.float64)
    i_a = np.asarray(anchor_i_a, dtype=np.float64)
    if not (np.all(np.diff(t_a) < 0) and np.all(np.diff(i_a) > 0)):
        raise ValueError("anchors must have decreasing times and increasing currents")
    sm = np.asarray(shape_m, dtype=np.float64)
    st = np.asarray(shape_t_s, dtype=np.float64)
    ln_r = math.log(rating_a)
    # Offsets of the anchors from the shape (ln current), and the shape's slopes.
    offs, slopes = [], []
    for t, i in zip(t_a, i_a, strict=True):
        xs, d = _shape_at_time(sm, st, float(t))
        offs.append(math.log(i) - ln_r - xs)
        slopes.append(d)
    # Interior shape points strictly between the middle anchors and the short-time anchor.
    ln_t_a = np.log(t_a)
    x_nodes, y_nodes = list(np.log(i_a)), list(ln_t_a)
    for ms, ts in zip(sm, st, strict=True):
        lt = math.log(ts)
        if not (ln_t_a[-1] + 0.2 < lt < ln_t_a[-2] - 0.2):
            continue
        lam = (lt - ln_t_a[-2]) / (ln_t_a[-1] - ln_t_a[-2])
        c = offs[-2] + lam * (offs[-1] - offs[-2])
        x_nodes.append(math.log(ms) + ln_r + c)
        y_nodes.append(lt)
    order = np.argsort(x_nodes)
    x, y = np.array(x_nodes)[order], np.array(y_nodes)[order]
    x, y = _convex_nodes(x, y, is_anchor=np.isin(y, ln_t_a))
    if np.any(np.diff(x) <= 0) or np.any(np.diff(y) >= 0):
        raise ValueError("warped shape nodes are not monotone; check the anchors")
    delta = np.diff(y) / np.diff(x)
    d = _pchip_slopes(x, y)
    d[0] = min(slopes[0], 1.2 * delta[0], MIN_TAIL_SLOPE)
    d[-1] = max(SHORT_TIME_SLOPE, delta[-1])
    grid = np.unique(np.concatenate([np.linspace(x[0], x[-1], n_dense), x]))
    y_grid = _quadratic_spline(grid, x, y, d)
    m_nodes = np.exp(grid - ln_r)
    m_asym = thermal_asymptote_m(float(m_nodes[0]), float(d[0]))
    return tuple(m_nodes.tolist()), tuple(np.exp(y_grid).tolist()), m_asym
