"""Fuse melting and clearing characteristics as pure vectorised functions.

A fuse curve is a table of nodes ``(m_k, t_k)`` (``m`` = current / link rating, ``t`` in s),
interpolated linearly in ``(log m, log t)`` between the nodes, with the two physical
asymptotes outside them — never a flat floor and never a flat extrapolation:

* **short-time end** (currents above the last node): adiabatic melting, constant ``I²t``::

      t = t_n · (m_n / m)²                       slope −2 on log–log

* **long-time end** (currents below the first node): the element's first-order heat balance
  ``C·dθ/dt = I²R − θ/R_th`` gives ``t = τ·ln(M²/(M² − 1))`` with ``M = I / I_min``; the curve
  rises to infinity at the minimum melting current ``I_min`` (``m_asymptote``).  ``τ`` is
  fixed by continuity at the first node; ``I_min`` by continuity of the log–log slope there
  (:func:`thermal_asymptote_m`).

Curves of the EEI-NEMA K and T links are built from the published melting-current ranges
(:func:`standard_melting_nodes`): the minimum-melting curve through the lower ends of the
ranges at 300 s (600 s above 100 A), 10 s and 0.1 s, the maximum-melting curve through the
upper ends, with the log–log shape between the anchors taken from a published normalised
curve (OpenDSS's ``Klink``/``Tlink``) and made smooth by a shape-preserving (convex,
monotone) quadratic spline (Schumaker), so that no stretch between anchors is a straight line.
Total clearing = maximum melting + arcing time (:func:`total_clear_time_s`).

Where a lookup leaves the data, :func:`fuse_boundary` says so (:class:`DataBoundary`).

References
----------
ANSI C37.43 (EEI-NEMA K and T fuse-link melting-current ranges), as tabulated in
``protv2g/relay_library/fuse_links.yaml`` with their source.
A. Wright, P. G. Newbery, *Electric Fuses*, 3rd ed., IET 2004, ch. 3 (pre-arcing: adiabatic
``I²t`` at short times, steady-state heat balance and the minimum fusing current at long times).
F. N. Fritsch, R. E. Carlson, "Monotone piecewise cubic interpolation", SIAM J. Numer. Anal.
17 (1980) 238–246 (node slopes).
L. L. Schumaker, "On shape preserving quadratic spline interpolation", SIAM J. Numer. Anal.
20 (1983) 854–864 (convex, monotone C¹ quadratic spline with one knot per interval).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from protv2g.devices.boundary import DataBoundary

FloatArray = NDArray[np.float64]

__all__ = [
    "fuse_melt_time_s",
    "fuse_boundary",
    "total_clear_time_s",
    "thermal_asymptote_m",
    "standard_melting_nodes",
    "SHORT_TIME_SLOPE",
]

#: Log–log slope of the adiabatic (constant I²t) short-time asymptote.
SHORT_TIME_SLOPE = -2.0
#: The steepest first-segment slope accepted as is for the long-time tail; shallower user
#: tables get this slope (the tail must rise faster than I²t to reach an asymptote).
_MIN_TAIL_SLOPE = -2.5


def _arr(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def thermal_asymptote_m(m0: float, slope: float) -> float:
    """Minimum melting current (multiple) of the long-time tail through a node.

    The tail ``t = τ·ln(M²/(M² − 1))``, ``M = m / m_asym``, has log–log slope
    ``s = −2 / (u·ln(1 + 1/u))`` at ``M² = 1 + u``; this solves ``s`` for ``u`` (bisection on
    ``log u``; ``s`` is monotone in ``u``, from −∞ at ``u → 0`` to −2 at ``u → ∞``).

    Parameters
    ----------
    m0 : float
        Current multiple of the first node (–).
    slope : float
        ``d ln t / d ln m`` wanted at the node (–); values above −2.5 are taken as −2.5.

    Returns
    -------
    float
        ``m_asym < m0`` (–).

    Examples
    --------
    >>> round(thermal_asymptote_m(2.0, -28.0), 4)
    1.9826
    """
    s = min(float(slope), _MIN_TAIL_SLOPE)
    lo, hi = -40.0, 20.0  # log u
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        u = math.exp(mid)
        g = -2.0 / (u * math.log1p(1.0 / u))
        if g < s:   # too steep: u too small
            lo = mid
        else:
            hi = mid
    u = math.exp(0.5 * (lo + hi))
    return m0 / math.sqrt(1.0 + u)


def fuse_melt_time_s(m: ArrayLike, m_nodes: Sequence[float], t_nodes: Sequence[float],
                     m_asymptote: float) -> FloatArray:
    """Melting (or clearing) time of a fuse curve given by nodes, with physical tails.

    Parameters
    ----------
    m : array_like
        Current as a multiple of the link rating (–).
    m_nodes, t_nodes : sequence of float
        Nodes, strictly increasing ``m`` and strictly decreasing ``t`` (s), ≥ 2 of them.
    m_asymptote : float
        Minimum melting current (multiple), ``0 < m_asymptote < m_nodes[0]``.

    Returns
    -------
    numpy.ndarray
        Time (s), same shape as ``m``: log–log linear between nodes; ``t_n·(m_n/m)²`` above
        the last node; ``τ·ln(M²/(M² − 1))`` between the asymptote and the first node;
        ``inf`` at or below the asymptote; ``nan`` for ``nan``.

    Examples
    --------
    >>> t = fuse_melt_time_s([1.0, 2.0, 10.0, 100.0], [2.0, 10.0], [300.0, 0.1], 1.98)
    >>> [round(float(x), 5) for x in t]
    [inf, 300.0, 0.1, 0.001]
    """
    m = _arr(m)
    x_n, y_n = np.log(_arr(m_nodes)), np.log(_arr(t_nodes))
    m0, t0, mn, tn = math.exp(x_n[0]), math.exp(y_n[0]), math.exp(x_n[-1]), math.exp(y_n[-1])
    safe = np.where(np.isfinite(m) & (m > 0), m, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inside = np.exp(np.interp(np.log(safe), x_n, y_n))
        short = tn * (mn / safe) ** 2
        big_m0 = m0 / m_asymptote
        tau = t0 / math.log(big_m0**2 / (big_m0**2 - 1.0))
        big_m = safe / m_asymptote
        tail = tau * np.log(big_m**2 / (big_m**2 - 1.0))
    t = np.where(safe > mn, short, np.where(safe >= m0, inside, tail))
    t = np.where(safe <= m_asymptote, np.inf, t)
    return np.where(np.isnan(m), np.nan, np.where(m > 0, t, np.inf))


def fuse_boundary(m: ArrayLike, m_nodes: Sequence[float], m_asymptote: float,
                  sparse_segments: Sequence[tuple[float, float]] = ()) -> NDArray[np.str_]:
    """Where a fuse lookup falls relative to its data (:class:`DataBoundary` values).

    Parameters
    ----------
    m : array_like
        Current multiples (–).
    m_nodes : sequence of float
        The curve's nodes (–).
    m_asymptote : float
        Minimum melting current (multiple).
    sparse_segments : sequence of (float, float)
        ``(m_lo, m_hi)`` stretches between points too far apart to trust the interpolation.

    Returns
    -------
    numpy.ndarray of str
        ``inside``, ``interpolated``, ``i2t_asymptote`` (above the last node),
        ``long_time_asymptote`` (between the minimum melting current and the first node),
        ``not_operating`` (at or below the minimum melting current) or ``nan``.
    """
    m = _arr(m)
    out = np.full(m.shape, DataBoundary.INSIDE.value, dtype=object)
    for lo, hi in sparse_segments:
        out[(m > lo) & (m < hi)] = DataBoundary.INTERPOLATED.value
    out[m > m_nodes[-1]] = DataBoundary.I2T_ASYMPTOTE.value
    out[m < m_nodes[0]] = DataBoundary.LONG_TIME_ASYMPTOTE.value
    out[m <= m_asymptote] = DataBoundary.NOT_OPERATING.value
    out[np.isnan(m)] = "nan"
    return out.astype(str)


def total_clear_time_s(m: ArrayLike, mx_m_nodes: Sequence[float],
                       mx_t_nodes: Sequence[float], mx_asymptote: float,
                       arcing_time_s: float) -> FloatArray:
    """Total clearing = maximum melting time + arcing time (s).

    The arcing time (melting to final interruption at a current zero) is taken constant;
    it dominates at high currents, where the clearing time tends to it from above and the
    melting part keeps falling as ``1/I²`` (it is not a clipped floor).

    Parameters
    ----------
    m : array_like
        Current multiples of the rating (–).
    mx_m_nodes, mx_t_nodes, mx_asymptote
        Maximum-melting curve (see :func:`fuse_melt_time_s`).
    arcing_time_s : float
        Arcing time (s), ≥ 0.

    Returns
    -------
    numpy.ndarray
        Clearing time (s); ``inf`` where the link does not melt.
    """
    return fuse_melt_time_s(m, mx_m_nodes, mx_t_nodes, mx_asymptote) + arcing_time_s


# ----------------------------------------------------------------- standard-link builder
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
    t_a, i_a = _arr(anchor_t_s), _arr(anchor_i_a)
    if not (np.all(np.diff(t_a) < 0) and np.all(np.diff(i_a) > 0)):
        raise ValueError("anchors must have decreasing times and increasing currents")
    sm, st = _arr(shape_m), _arr(shape_t_s)
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
    d[0] = min(slopes[0], 1.2 * delta[0], _MIN_TAIL_SLOPE)
    d[-1] = max(SHORT_TIME_SLOPE, delta[-1])
    grid = np.unique(np.concatenate([np.linspace(x[0], x[-1], n_dense), x]))
    y_grid = _quadratic_spline(grid, x, y, d)
    m_nodes = np.exp(grid - ln_r)
    m_asym = thermal_asymptote_m(float(m_nodes[0]), float(d[0]))
    return tuple(m_nodes.tolist()), tuple(np.exp(y_grid).tolist()), m_asym
