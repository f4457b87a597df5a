"""Where a curve lookup falls relative to the data behind the curve.

A verdict that rests on a table end, an interpolated stretch between sparse points or an
asymptote must say so; these flags (:class:`DataBoundary`) are returned next to the times
by the device models (``Fuse.boundary``, ``Recloser.boundary``,
``OvercurrentRelay.phase_boundary``) for the checks to carry.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["DataBoundary", "SPARSE_T_RATIO", "SPARSE_M_RATIO", "sparse_segments",
           "point_table_boundary"]

FloatArray = NDArray[np.float64]


def _arr(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


class DataBoundary(StrEnum):
    """Where a curve lookup falls relative to the data behind the curve.

    Carried by the checks next to a margin, so that a verdict decided by a table end, an
    interpolated stretch or an asymptote says so.
    """

    #: Inside the published data (equations, dense tables, fuse curves between anchors).
    INSIDE = "inside"
    #: Between two table points too far apart to trust the interpolation
    #: (:func:`sparse_segments`), e.g. curve 133 between 1 and 10 × minimum trip.
    INTERPOLATED = "interpolated"
    #: Fuse above its last (shortest-time) point: constant-I²t asymptote.
    I2T_ASYMPTOTE = "i2t_asymptote"
    #: Fuse below its first (longest-time) point: rising to the minimum melting current.
    LONG_TIME_ASYMPTOTE = "long_time_asymptote"
    #: Relay/recloser table beyond its last point: the last time is held (definite-time
    #: tail of the control).
    BEYOND_TABLE = "beyond_table"
    #: The element does not operate (at or below pickup / minimum melting current).
    NOT_OPERATING = "not_operating"
    #: A failing verdict on a fuse's total clearing that holds at the low end of the link's
    #: EEI-NEMA band (minimum melt, no arcing): it rests on where the real link's curve lies
    #: inside the band (:meth:`protv2g.devices.fuse.Fuse.total_clear_band_s`).
    CURVE_BAND = "curve_band"

    @classmethod
    def _missing_(cls, value: object) -> None:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"{value!r} is not a valid data boundary; allowed: {allowed}")


#: A point-table segment is "sparse" when its end times differ by more than this factor or
#: its end currents by more than ``SPARSE_M_RATIO``: a verdict between such points rests
#: on the interpolation rule, not on data.
SPARSE_T_RATIO = 5.0
SPARSE_M_RATIO = 2.5


def sparse_segments(m_points: ArrayLike, t_points: ArrayLike) -> list[tuple[float, float]]:
    """``(m_lo, m_hi)`` of the table segments that are too sparse to trust.

    A segment is sparse when ``t_lo/t_hi > SPARSE_T_RATIO`` or ``m_hi/m_lo > SPARSE_M_RATIO``
    (a flat segment, equal times, is data and never sparse).

    Examples
    --------
    >>> sparse_segments([1.0, 10.0, 15.0], [14.0, 0.16, 0.09])
    [(1.0, 10.0)]
    """
    m, t = _arr(m_points), _arr(t_points)
    # every segment at once (#21: a loop of scalar np.isclose, ≈ 7 % of building the
    # 10,000-bus study's TCCs); a ratio of a flat segment (0/0 included) is not read
    flat = np.isclose(t[:-1], t[1:], rtol=1e-9, atol=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sparse = ~flat & ((t[:-1] / t[1:] > SPARSE_T_RATIO) | (m[1:] / m[:-1] > SPARSE_M_RATIO))
    return [(float(lo), float(hi)) for lo, hi in zip(m[:-1][sparse], m[1:][sparse], strict=True)]


def point_table_boundary(m: ArrayLike, m_points: ArrayLike, t_points: ArrayLike,
                         pickup_m: float = 1.0) -> NDArray[np.str_]:
    """Where lookups in a relay/recloser point table fall (:class:`DataBoundary` values).

    Parameters
    ----------
    m : array_like
        Current multiples of pickup (–).
    m_points, t_points : array_like
        The table.
    pickup_m : float
        The element does not operate at or below this multiple (1 for a pickup setting).

    Returns
    -------
    numpy.ndarray of str
        ``inside``, ``interpolated``, ``beyond_table``, ``not_operating`` or ``nan``.
    """
    m = _arr(m)
    mp = _arr(m_points)
    out = np.full(m.shape, DataBoundary.INSIDE.value, dtype=object)
    for lo, hi in sparse_segments(mp, t_points):
        out[(m > lo) & (m < hi)] = DataBoundary.INTERPOLATED.value
    out[m > mp[-1]] = DataBoundary.BEYOND_TABLE.value
    out[(m <= pickup_m) | (m < mp[0])] = DataBoundary.NOT_OPERATING.value
    out[np.isnan(m)] = "nan"
    return out.astype(str)
