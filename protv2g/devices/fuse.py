"""Fuse model: minimum melt, maximum melt and total clearing of a link.

The link's curves come from the library (:mod:`protv2g.devices.library`): EEI-NEMA K and T
links built from the published melting-current ranges, or a manufacturer's MM/TC point
tables (user data). All evaluation is done by the pure functions of
:mod:`protv2g.devices.fuse_curves` (log–log between nodes, constant I²t above the data, a
thermal tail to the minimum melting current below it); :meth:`Fuse.boundary` says where a
lookup fell.

``time_adder_s`` is a fixed time added to the total-clearing time only
(:func:`fuse_clearing_time_s`): OpenDSS's ``Fuse`` ``Delay`` ("Fixed delay time (sec) added to
Fuse blowing time determined from the TCC curve … Used to represent fuse clearing time or any
other delay"; ``TFuseObj.Sample`` schedules the opening at TCC time + ``Delay``). Melting times
are not delayed by it, so a fuse's minimum melt stays what the link data say (the conservative
side for fuse saving and for a fuse protected by another).

**Total-clearing band** (:meth:`Fuse.total_clear_band_s`, :class:`TcBasis`). An EEI-NEMA link is
specified by melting-current *ranges* (ANSI C37.43): a conforming link melts no sooner than the
minimum-melting curve and no later than the maximum-melting curve, and clears one arcing time
after it melts (ANSI C37.40 definitions: clearing time = melting time + arcing time). Its total
clearing therefore lies in the band ``[MM, max melt + arcing]`` (arcing 0 to 1 cycle, ½ cycle
nominal; the low end: melting at a current zero, review rev30 §3). The checks use the high end,
the conservative one for a fuse downstream of the device judged, as a maker's
published total-clearing curve is an upper bound over its links' construction tolerance
(S&C TCC 153-2-3-4 notes: the interval between the minimum-melting and the total-clearing
curve holds that tolerance; S&C Information Bulletin 766-211: maximum-clear curves "plotted
inclusive of all tolerances"), and say where a verdict flips inside the band. The low end is
the earliest a conforming link can clear, not a typical one: the band brackets the real link,
whose place in it only its maker's curve gives. A link given by its maker's total-clearing
table has no band: that table is its TC.

An **IEC 60269 gG** link (``relay_library/fuse_gg.yaml``) has the same kind of band, from the
standard's gates instead of melting ranges: minimum melt through the minimum pre-arcing gates,
maximum melt through the maximum gates, log–log between them (protv2g's interpolation), total
clearing = maximum melt + arcing (IEC 60269-1: operating time = pre-arcing + arcing time). The
checks take the same ends: the minimum melt where the fuse must NOT melt first (C2: fast curve
× K below the fuse's MM; C3: the protected fuse's MM), the total clearing where it must clear
in time (C1 relay over fuse and C3 protecting fuse: the fuse's TC; C2: TC below the delayed
curve); C7 reads no time (its basis: :mod:`protv2g.study.fuse_standard`).

References
----------
ANSI C37.43 (EEI-NEMA K/T link melting-current ranges); IEC 60269-1/-2 (gG gates, operating
time = pre-arcing + arcing time); manufacturers' pre-loading and
ambient adjustment curves for ``preload_factor``/``ambient_factor``; EPRI OpenDSS ``Fuse``
(SVN 3723 / DSS C-API 0.14.5) for ``time_adder_s``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from protv2g.devices._base import Checker, DeviceBase, FloatArray, arr
from protv2g.devices.curves import sparse_segments
from protv2g.devices.fuse_curves import fuse_boundary, fuse_melt_time_s
from protv2g.devices.library import CurveLibrary, default_library
from protv2g.units import DeviceKind

__all__ = ["FuseSettings", "Fuse", "TcBasis", "fuse_clearing_time_s"]

Which = Literal["mm", "max_melt", "tc"]


class TcBasis(StrEnum):
    """Where a fuse's total-clearing (TC) time comes from."""

    #: The high end of the standard band (EEI-NEMA melting ranges, IEC 60269 gG gates):
    #: maximum melt + arcing time; the band's low end is
    #: minimum melt + the low end of the arcing bracket, 0: melting at a current zero
    #: (a real link clears somewhere in between; review rev30 §3).
    STANDARD_BAND = "standard_band"
    #: The link's own total-clearing table (a maker's published TC curve): no band.
    TC_TABLE = "tc_table"


def fuse_clearing_time_s(tc_s: ArrayLike, time_adder_s: float = 0.0) -> FloatArray:
    """Total-clearing time with a fixed added delay.

    Parameters
    ----------
    tc_s : array_like
        Total-clearing time of the link (s); ``inf`` where the link does not melt.
    time_adder_s : float
        Fixed time added to the clearing (s), >= 0 (OpenDSS ``Fuse.Delay``).

    Returns
    -------
    numpy.ndarray
        ``tc_s + time_adder_s``, same shape; ``inf`` and ``nan`` are kept.

    Examples
    --------
    >>> fuse_clearing_time_s([0.1, float("inf")], 0.05).tolist()
    [0.15000000000000002, inf]
    """
    if not (time_adder_s >= 0 and np.isfinite(time_adder_s)):
        raise ValueError(f"time_adder_s must be a finite number >= 0, got {time_adder_s!r}")
    return arr(tc_s) + float(time_adder_s)


@dataclass(frozen=True)
class FuseSettings:
    """Fuse settings.

    ``preload_factor`` and ``ambient_factor`` multiply the melting *times* (< 1 for a
    pre-loaded or hot link, as manufacturers' pre-loading / ambient adjustment curves); the
    arcing part of the clearing time is unchanged. ``time_adder_s`` is added to the
    total-clearing time (OpenDSS ``Fuse.Delay``), not to the melting times.
    """

    name: str
    link: str
    preload_factor: float = 1.0
    ambient_factor: float = 1.0
    interrupting_rating_ka: float | None = None
    time_adder_s: float = 0.0

    def __post_init__(self) -> None:
        ck = Checker(f"fuse {self.name!r}")
        ck.num("preload_factor", self.preload_factor)
        ck.num("ambient_factor", self.ambient_factor)
        ck.num("interrupting_rating_ka", self.interrupting_rating_ka, optional=True)
        ck.num("time_adder_s", self.time_adder_s, strict=False)
        ck.raise_if_any()


class Fuse(DeviceBase):
    """Fuse link with minimum-melt, maximum-melt and total-clearing curves.

    Examples
    --------
    >>> f = Fuse(name="F1", link="65K")
    >>> f.rating_a, [round(float(x), 3) for x in f.min_melt_time_s([159.0, 918.0, 2000.0])]
    (65.0, [10.0, 0.1, 0.021])
    >>> f.boundary([100.0, 128.0, 500.0, 2000.0]).tolist()
    ['not_operating', 'inside', 'inside', 'i2t_asymptote']
    """

    kind = DeviceKind.FUSE

    def __init__(self, settings: FuseSettings | None = None,
                 library: CurveLibrary | None = None, **kwargs: Any):
        super().__init__(settings, FuseSettings, kwargs)
        s: FuseSettings = self.settings
        lib = library or default_library()
        ck = Checker(f"fuse {s.name!r}")
        self.curve = ck.curve("link", s.link, lib, (DeviceKind.FUSE,))
        ck.raise_if_any()
        self.library = lib

    @property
    def rating_a(self) -> float:
        """Continuous current rating of the link (A)."""
        return float(self.curve.rating_a)

    @property
    def melt_factor(self) -> float:
        """Combined pre-load × ambient multiplier on melting times (–)."""
        return float(self.settings.preload_factor * self.settings.ambient_factor)

    @property
    def min_melt_current_a(self) -> float:
        """Minimum melting current (A): the asymptote of the minimum-melt curve."""
        return float(self.curve.mm_asymptote_m) * self.rating_a

    @property
    def has_max_melt(self) -> bool:
        """True when the link has a maximum-melting curve (EEI-NEMA links, IEC 60269 gG
        gates)."""
        return bool(self.curve.mx_m_points)

    @property
    def tc_basis(self) -> TcBasis:
        """Where the total clearing comes from (:class:`TcBasis`): the standard band's high
        end for a link given by its melting ranges or gates, its TC table otherwise."""
        return TcBasis.STANDARD_BAND if self.has_max_melt else TcBasis.TC_TABLE

    @property
    def clearing_after_melt_s(self) -> float:
        """Time from melting to clearing (s): the nominal arcing time plus the settings'
        ``time_adder_s`` for a link with a TC band; ``nan`` for a TC-table link (its table
        is its clearing time, :attr:`tc_basis`)."""
        if not self.has_max_melt:
            return float("nan")
        return float(self.curve.arcing_time_s) + float(self.settings.time_adder_s)

    def tc_band_low_s(self, t_mm_s: ArrayLike) -> FloatArray:
        """Low end of the total-clearing band (s) from minimum-melt times ``t_mm_s`` (s; e.g.
        the staged minimum melt of the fault table): ``t_mm + arcing + time_adder_s`` for a
        link with a band, the arcing at the low end of its bracket (``Curve.arcing_time_range_s``:
        0, melting at a current zero, ANSI C37.40; review rev30 §3: at high currents the arcing
        is half the TC or more, and a verdict that flips within it rests on the link's curve),
        ``nan`` for a TC-table link (no band: its TC is the TC)."""
        if not self.has_max_melt:
            return arr(t_mm_s) + float("nan")
        low = (self.curve.arcing_time_range_s or (self.curve.arcing_time_s,))[0]
        return arr(t_mm_s) + float(low) + float(self.settings.time_adder_s)

    def total_clear_band_s(self, i_a: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """``(low, high)`` total-clearing band (s) at currents ``i_a`` (A).

        High: :meth:`total_clear_time_s` (what the checks use). Low: minimum melt + the low
        end of the arcing bracket (+ ``time_adder_s``) for an EEI-NEMA link
        (:meth:`tc_band_low_s`), the same TC for a TC-table link.

        Examples
        --------
        >>> lo, hi = Fuse(name="F", link="40K").total_clear_band_s([192.4])
        >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
        (0.989, 3.122)
        """
        hi = self.total_clear_time_s(i_a)
        if not self.has_max_melt:
            return hi, hi.copy()
        return self.tc_band_low_s(self.min_melt_time_s(i_a)), hi

    def _m(self, i_a: ArrayLike) -> FloatArray:
        return arr(i_a) / self.rating_a

    def _mm_raw(self, i_a: ArrayLike) -> FloatArray:
        c = self.curve
        return fuse_melt_time_s(self._m(i_a), c.mm_m_points, c.mm_t_points,
                                float(c.mm_asymptote_m))

    def min_melt_time_s(self, i_a: ArrayLike) -> FloatArray:
        """Minimum-melt time (s) for currents (A), adjusted by the melt factor."""
        return self._mm_raw(i_a) * self.melt_factor

    def max_melt_time_s(self, i_a: ArrayLike) -> FloatArray:
        """Maximum-melt time (s): the upper end of the published melting range.

        Links given by point tables have no maximum-melting curve; their total-clearing
        curve is returned (an upper bound of the melting time).
        """
        c = self.curve
        if not self.has_max_melt:
            return self.total_clear_time_s(i_a)
        return fuse_melt_time_s(self._m(i_a), c.mx_m_points, c.mx_t_points,
                                float(c.mx_asymptote_m)) * self.melt_factor

    def total_clear_time_s(self, i_a: ArrayLike, arcing_time_s: float | None = None
                           ) -> FloatArray:
        """Total-clearing time (s) for currents (A).

        EEI-NEMA links: maximum melt (× melt factor) + arcing time (``arcing_time_s``, default
        the library's nominal value; ``Curve.arcing_time_range_s`` is the bracket).
        Point-table links: ``TC − (1 − f)·MM`` with ``f`` the melt factor. Both plus the
        settings' ``time_adder_s`` (:func:`fuse_clearing_time_s`).
        """
        c = self.curve
        adder = self.settings.time_adder_s
        if self.has_max_melt:
            arc = float(c.arcing_time_s if arcing_time_s is None else arcing_time_s)
            mx = fuse_melt_time_s(self._m(i_a), c.mx_m_points, c.mx_t_points,
                                  float(c.mx_asymptote_m))
            return fuse_clearing_time_s(mx * self.melt_factor + arc, adder)
        tc = fuse_melt_time_s(self._m(i_a), c.m_points, c.t_points, float(c.tc_asymptote_m))
        with np.errstate(invalid="ignore"):
            adj = tc - (1.0 - self.melt_factor) * self._mm_raw(i_a)
        return fuse_clearing_time_s(np.where(np.isinf(tc), tc, adj), adder)

    def operate_time_s(self, i_a: ArrayLike, i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Total-clearing time (s); ``i_ground_a`` is ignored (a fuse sees phase current)."""
        return self.total_clear_time_s(i_a)

    def boundary(self, i_a: ArrayLike, which: Which = "mm") -> np.ndarray:
        """Where a lookup of one curve falls in the data (:class:`DataBoundary` values).

        Parameters
        ----------
        i_a : array_like
            Currents (A).
        which : {"mm", "max_melt", "tc"}
            Minimum melt, maximum melt or total clearing.
        """
        c = self.curve
        if which == "mm":
            nodes, asym, sparse = c.mm_m_points, c.mm_asymptote_m, _sparse(c.mm_m_points,
                                                                          c.mm_t_points)
        elif which in ("max_melt", "tc"):
            if self.has_max_melt:
                nodes, asym, sparse = c.mx_m_points, c.mx_asymptote_m, []
            else:
                nodes, asym, sparse = c.m_points, c.tc_asymptote_m, c.sparse_segments
        else:
            raise ValueError(f"which must be 'mm', 'max_melt' or 'tc', got {which!r}")
        return fuse_boundary(self._m(i_a), nodes, float(asym), sparse)


def _sparse(m: tuple[float, ...], t: tuple[float, ...]) -> list[tuple[float, float]]:
    return sparse_segments(m, t) if len(m) < 20 else []
