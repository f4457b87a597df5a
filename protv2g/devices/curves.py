"""Time-current characteristics as pure vectorised functions.

Every function takes arrays (or scalars) of a current multiple ``m`` (current divided
by pickup, minimum trip or fuse rating) and returns an array of the same shape of
times in seconds.  A device that does not operate gets ``inf``: at or below pickup
(``m <= 1``), below the first point of a point table, and for ``m`` that is ``nan``
the result is ``nan``.  Nothing here keeps state; device classes in
:mod:`protv2g.devices.models` only call these functions.

Equations
---------
IEEE C37.112 (and the SEL "U" curves, same form)::

    t = TD * (A / (M**p - 1) + B)                 operate, M > 1
    t_r = TD * tr / (1 - M**q)                    electromechanical reset, M < 1 (q = 2)

IEC 60255-151::

    t = TMS * k / (M**alpha - 1)                  1 < M ≤ G_D; the time at G_D above it

The IEC dependent-time characteristic is specified up to G_D, the value of the energising
quantity at which it becomes definite time (IEC 60255-151:2009 §3 and §5.5: G_D is the
maker's declared value, commonly 20 × the setting G_S; some relays declare 30–40): above it
the equation's time is not the relay's. :data:`IEC_GD_M` = 20 unless a curve's ``gd_m``
says otherwise (review rev51 #3: an EI TMS 0.1 relay at M 96.7 "cleared in 0.000855 s";
at G_D 20 it is 0.020 s). The low end of that bracket gives the longer times, so a C1–C4
interval that holds at 20 may not at 40 when the backup's M is past 20; a curve's own
``gd_m`` settles it.

Relay and recloser point tables are interpolated linearly in ``(log M, log t)``, as
OpenDSS's ``TCC_Curve`` does; beyond the last point the last time is held (the control's
definite-time tail) and :func:`point_table_boundary` flags it. Fuse curves have their own
evaluation with physical asymptotes (:mod:`protv2g.devices.fuse_curves`).

References
----------
IEEE Std C37.112-1996/2018, *Standard Inverse-Time Characteristic Equations for
Overcurrent Relays*, Table 1.
IEC 60255-151:2009, *Functional requirements for over/under current protection*, Table 1.
SEL-421 Reference Manual (2011), Tables 1.59 and 1.60 (U1-U5, C1-C5 and their reset).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from protv2g.devices.boundary import (
    SPARSE_M_RATIO,
    SPARSE_T_RATIO,
    DataBoundary,
    point_table_boundary,
    sparse_segments,
)
from protv2g.devices.curve_family import CurveFamily

if TYPE_CHECKING:  # pragma: no cover
    from protv2g.devices.library import Curve

FloatArray = NDArray[np.float64]

__all__ = [
    "CurveFamily",
    "DataBoundary",
    "sparse_segments",
    "point_table_boundary",
    "SPARSE_M_RATIO",
    "SPARSE_T_RATIO",
    "ieee_time_s",
    "iec_time_s",
    "IEC_GD_M",
    "definite_time_s",
    "instantaneous_time_s",
    "point_table_time_s",
    "modify_time_s",
    "em_reset_time_s",
    "instantaneous_reset_time_s",
    "curve_time_s",
    "trip_time_s",
]


def _arr(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _finish(m: FloatArray, t: FloatArray, operates: NDArray[np.bool_]) -> FloatArray:
    """Put ``inf`` where the device does not operate and ``nan`` where ``m`` is nan."""
    out = np.where(operates, t, np.inf)
    return np.where(np.isnan(m), np.nan, out)


def ieee_time_s(
    m: ArrayLike, time_dial: float, a_s: float, b_s: float, p: float
) -> FloatArray:
    """Operate time of an IEEE C37.112-form inverse curve.

    Parameters
    ----------
    m : array_like
        Current as a multiple of pickup (–).
    time_dial : float
        Time dial TD (–), > 0.
    a_s, b_s : float
        Constants A and B (s).
    p : float
        Exponent p (–).

    Returns
    -------
    numpy.ndarray
        ``TD·(A/(M^p − 1) + B)`` in s; ``inf`` for ``M <= 1``.

    Examples
    --------
    >>> float(ieee_time_s(2.0, 1.0, 19.61, 0.491, 2.0))  # doctest: +ELLIPSIS
    7.0276...
    """
    m = _arr(m)
    above = m > 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t = time_dial * (a_s / (np.power(np.where(above, m, 2.0), p) - 1.0) + b_s)
    return _finish(m, t, above)


#: IEC 60255-151 G_D (multiple of the setting) where a curve gives none (module docstring).
IEC_GD_M = 20.0


def iec_time_s(m: ArrayLike, tms: float, k_s: float, alpha: float,
               gd_m: float = IEC_GD_M) -> FloatArray:
    """Operate time of an IEC 60255-151 inverse curve, definite above ``gd_m``.

    Parameters
    ----------
    m : array_like
        Current as a multiple of the setting current (–).
    tms : float
        Time multiplier setting (–), > 0.
    k_s : float
        Constant k (s).
    alpha : float
        Exponent α (–).
    gd_m : float
        G_D as a multiple of the setting (–): above it the time at G_D (module docstring).

    Returns
    -------
    numpy.ndarray
        ``TMS·k/(min(M, G_D)^α − 1)`` in s; ``inf`` for ``M <= 1``.

    Examples
    --------
    >>> round(float(iec_time_s(10.0, 0.1, 0.14, 0.02)), 3)  # IEC SI
    0.297
    >>> round(float(iec_time_s(96.7, 0.1, 80.0, 2.0)), 5)  # EI at G_D 20: 0.1·80/399
    0.02005
    """
    m = _arr(m)
    above = m > 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        at = np.minimum(np.where(above, m, 2.0), gd_m)
        t = tms * k_s / (np.power(at, alpha) - 1.0)
    return _finish(m, t, above)


def definite_time_s(m: ArrayLike, delay_s: float) -> FloatArray:
    """Definite-time element: ``delay_s`` above pickup (``M > 1``), ``inf`` otherwise."""
    m = _arr(m)
    return _finish(m, np.full_like(m, float(delay_s)), m > 1.0)


def instantaneous_time_s(
    i_a: ArrayLike, pickup_a: float | None, delay_s: float = 0.0
) -> FloatArray:
    """Instantaneous (50) element with an optional intentional delay.

    Parameters
    ----------
    i_a : array_like
        Current magnitude (A).
    pickup_a : float or None
        Pickup (A); ``None`` means the element is disabled (always ``inf``).
    delay_s : float
        Intentional delay (s), >= 0.

    Returns
    -------
    numpy.ndarray
        ``delay_s`` where ``i_a > pickup_a``, else ``inf``.
    """
    i = _arr(i_a)
    if pickup_a is None:
        return np.where(np.isnan(i), np.nan, np.inf)
    return definite_time_s(i / pickup_a, delay_s)


def point_table_time_s(
    m: ArrayLike, m_points: ArrayLike, t_points: ArrayLike, time_dial: float = 1.0
) -> FloatArray:
    """Log–log interpolation in a time–current point table.

    Parameters
    ----------
    m : array_like
        Current as a multiple of the table's base (pickup, minimum trip or rating) (–).
    m_points : array_like
        Strictly increasing multiples, > 0 (–).
    t_points : array_like
        Times at ``m_points`` (s), > 0 and non-increasing.
    time_dial : float
        Multiplier on the table time (–), as OpenDSS's ``TDPhFast``/``TimeDial``.

    Returns
    -------
    numpy.ndarray
        Interpolated time (s): ``inf`` below ``m_points[0]``; held at ``t_points[-1]``
        beyond the last point (the curve's definite-time tail).
    """
    m = _arr(m)
    mp, tp = np.log(_arr(m_points)), np.log(_arr(t_points))
    inside = m >= np.exp(mp[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        logm = np.log(np.where(inside, m, np.exp(mp[0])))
    t = time_dial * np.exp(np.interp(logm, mp, tp))
    return _finish(m, t, inside)


def modify_time_s(
    t_s: ArrayLike, multiplier: float = 1.0, adder_s: float = 0.0, min_response_s: float = 0.0
) -> FloatArray:
    """Apply curve modifiers: ``max(multiplier·t + adder_s, min_response_s)``.

    ``inf`` (no operation) stays ``inf``.  The order (multiply, add, then floor at the
    minimum response time) is the one used by recloser controls (e.g. Cooper Form 6
    "time multiplier", "time adder", "minimum response time").
    """
    t = _arr(t_s)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(t), t, np.maximum(multiplier * t + adder_s, min_response_s))


def em_reset_time_s(
    m: ArrayLike, time_dial: float, tr_s: float, exponent: float = 2.0
) -> FloatArray:
    """Electromechanical (disc-emulating) reset time ``TD·tr/(1 − M^q)``.

    Parameters
    ----------
    m : array_like
        Current as a multiple of pickup (–).
    time_dial : float
        Time dial (–).
    tr_s : float
        Reset constant tr (s) (C37.112 Table 1; SEL C4 uses exponent 1).
    exponent : float
        Exponent q (–), 2 for every curve except IEC long-time inverse in SEL relays.

    Returns
    -------
    numpy.ndarray
        Time (s) to reset fully from a fully-travelled disc for ``M < 1``; ``inf`` for
        ``M >= 1`` (the element is picked up and does not reset).
    """
    m = _arr(m)
    below = m < 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = time_dial * tr_s / (1.0 - np.power(np.where(below, np.abs(m), 0.0), exponent))
    return _finish(m, t, below)


def instantaneous_reset_time_s(m: ArrayLike) -> FloatArray:
    """Instantaneous reset: 0 s for ``M < 1``, ``inf`` while picked up (``M >= 1``)."""
    m = _arr(m)
    return _finish(m, np.zeros_like(m), m < 1.0)


def _const(curve: Curve, key: str) -> float:
    value = getattr(curve, key)
    if value is None:
        raise ValueError(f"curve {curve.name!r} ({curve.family.value}) has no constant {key!r}")
    return float(value)


def curve_time_s(m: ArrayLike, curve: Curve, time_dial: float = 1.0) -> FloatArray:
    """Unmodified operate time of a library curve at multiples ``m`` of pickup.

    For fuse curves this is the total-clearing time at multiples of the rating.

    Raises
    ------
    ValueError
        If the curve's family is not one of :class:`CurveFamily`.
    """
    family = CurveFamily(curve.family)
    if family is CurveFamily.IEEE:
        return ieee_time_s(m, time_dial, _const(curve, "a_s"), _const(curve, "b_s"),
                           _const(curve, "p"))
    if family is CurveFamily.IEC:
        gd = getattr(curve, "gd_m", None)
        return iec_time_s(m, time_dial, _const(curve, "k_s"), _const(curve, "alpha"),
                          IEC_GD_M if gd is None else float(gd))
    if family is CurveFamily.DEFINITE:
        return definite_time_s(m, time_dial * _const(curve, "delay_s"))
    if family is CurveFamily.POINTS:
        return point_table_time_s(m, curve.m_points, curve.t_points, time_dial)
    raise ValueError(f"unhandled curve family {family!r}")  # pragma: no cover


def trip_time_s(
    i_a: ArrayLike,
    pickup_a: float,
    curve: Curve | str,
    time_dial: float = 1.0,
    *,
    multiplier: float = 1.0,
    adder_s: float = 0.0,
    min_response_s: float = 0.0,
    library: Any = None,
) -> FloatArray:
    """Operate time of a time-overcurrent element for currents ``i_a``.

    Parameters
    ----------
    i_a : array_like
        Current magnitude (primary A).
    pickup_a : float
        Pickup / minimum trip (primary A), > 0.
    curve : Curve or str
        A library curve, or its name (looked up in ``library`` or the default library).
    time_dial : float
        Time dial / TMS (–), > 0.
    multiplier, adder_s, min_response_s : float
        Curve modifiers, see :func:`modify_time_s`.
    library : CurveLibrary, optional
        Library used to resolve a curve name.

    Returns
    -------
    numpy.ndarray
        Operate time (s); ``inf`` at or below pickup.

    Raises
    ------
    ValueError
        For a non-positive pickup or time dial; ``UnknownCurveError`` (a ``KeyError``)
        for an unknown curve name.

    Examples
    --------
    >>> t = trip_time_s([50.0, 200.0, 1000.0], 100.0, "IEEE-VI", time_dial=1.0)
    >>> [round(float(x), 4) for x in t]
    [inf, 7.0277, 0.6891]
    """
    if not (pickup_a > 0 and np.isfinite(pickup_a)):
        raise ValueError(f"pickup_a must be a finite number > 0, got {pickup_a!r}")
    if not (time_dial > 0 and np.isfinite(time_dial)):
        raise ValueError(f"time_dial must be a finite number > 0, got {time_dial!r}")
    if isinstance(curve, str):
        if library is None:
            from protv2g.devices.library import default_library

            library = default_library()
        curve = library.get(curve)
    m = _arr(i_a) / pickup_a
    t = curve_time_s(m, curve, time_dial)
    t = np.where(m > 1.0, t, np.where(np.isnan(m), np.nan, np.inf))
    return modify_time_s(t, multiplier, adder_s, min_response_s)
