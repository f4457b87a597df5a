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
(:func:`protv2g.devices.fuse_melting_nodes.standard_melting_nodes`): the minimum-melting
curve through the lower ends of the ranges at 300 s (600 s above 100 A), 10 s and 0.1 s,
the maximum-melting curve through the upper ends, with the log–log shape between the anchors
taken from a published normalised curve (OpenDSS's ``Klink``/``Tlink``) and made smooth by
a shape-preserving (convex, monotone) quadratic spline (Schumaker), so that no stretch
between anchors is a straight line.
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
    "table_asymptote_m",
    "SHORT_TIME_SLOPE",
]

#: Log–log slope of the adiabatic (constant I²t) short-time asymptote.
SHORT_TIME_SLOPE = -2.0
#: The steepest first-segment slope accepted as is for the long-time tail; shallower user
#: tables get this slope (the tail must rise faster than I²t to reach an asymptote).
MIN_TAIL_SLOPE = -2.5


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
    s = min(float(slope), MIN_TAIL_SLOPE)
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


def table_asymptote_m(m: Sequence[float], t: Sequence[float]) -> float:
    """Minimum melting current (multiple) of a table's long-time tail, slope-continuous at its
    first node: :func:`thermal_asymptote_m` with the first segment's log–log slope.

    Examples
    --------
    >>> round(table_asymptote_m([2.0, 3.0], [300.0, 10.0]), 4) < 2.0
    True
    """
    slope = (math.log(t[1]) - math.log(t[0])) / (math.log(m[1]) - math.log(m[0]))
    return thermal_asymptote_m(float(m[0]), slope)


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
