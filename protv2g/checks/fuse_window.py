"""A fuse's feasible links: the links of its family that carry its load and its transformer's
inrush and cold-load pickup, and still reach the faults it must clear.

A smaller link clears sooner and reaches further; a larger one carries more. Between the two
lies the fuse's window, a range of the family's rating series (:func:`link_window`):

* **lower bound, load** (C8): the link's load limit — C8's own, the rule the gate applies
  (:func:`~protv2g.checks.fuse_gg_limits.load_limit_a`: its minimum-melt current / the
  study's ``load_pickup_factor``, 1.5 by default, ``domain.md`` §4 C8; an IEC 60269 gG band
  link's rated current In) — above the largest load current through the fuse in the study's
  flows and, for a transformer's fuse, the transformer's full-load current (FLA);
* **lower bound, inrush and cold-load pickup** (a transformer's fuse): the link's minimum
  melt at each point of :data:`TRANSFORMER_POINTS` no shorter than the point's time — the
  magnetizing inrush 12 × FLA for 0.1 s and 25 × FLA for 0.01 s, the cold-load pickup
  6 × FLA for 1 s and 3 × FLA for 10 s (:data:`POINTS_SOURCE`);
* **upper bound, reach** (C5): ``factor × the link's C5 pickup`` at or below the least
  fault current the fuse must clear, with C5's own pickup and factor
  (:mod:`protv2g.checks.fuse_gg_limits`, as :func:`protv2g.checks.sensitivity` reads them): a
  K/T link's minimum melt at 300/600 s with the zone's factor (``domain.md`` §4, C5: 1.5 in
  its primary zone); an IEC 60269 gG band link's 5-s melting current with factor
  :data:`~protv2g.checks.fuse_gg_limits.GG_REACH_FACTOR` = 1 (IEC 60364-4-41 §411.3.2.3).

The coordination limits (C1–C4 with the neighbours) are not in the window: they need the
fault tables, and the recommendation search re-checks every candidate against them.

An empty window is a finding of its own: no link of the family both carries the site and
clears its own zone's least fault (review ver37 §6, IEEE 123: the depot's 200K at a 20 Ω
ground fault at its 4.16 kV terminal, 119 A, needs ≤ 30K, whose C8 load limit 63 / 1.5 = 42 A
is below the depot's 110 A) — the remedy is not a smaller link (the texts:
:mod:`protv2g.checks.fuse_window_text`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from protv2g.checks.fuse_gg_limits import gg_reach_factor, load_limit_a, reach_pickup_a
from protv2g.devices.fuse import Fuse
from protv2g.devices.transformer_withstand import (
    POINTS_SOURCE,
    TRANSFORMER_POINTS,
    WithstandPoint,
    link_family,
    link_series,
    melt_s,
)
from protv2g.study.transformer_fuse import transformer_full_load_a

__all__ = ["LINK_CONTINUOUS_FRACTION", "POINTS_SOURCE", "TRANSFORMER_POINTS", "LinkWindow",
           "WithstandPoint", "largest_load_a", "link_family", "link_series", "link_window",
           "transformer_full_load_a"]

#: Continuous current of an expulsion fuse link, as a fraction of its ampere rating, by its
#: element: a tin-element EEI-NEMA K or T link carries ≈ 150 % of its rating (maker's data:
#: Morstar K/T fuse links, "designed to carry 150% of their rated current without damage to
#: the fuse link … or the cutout", stated for short-time overloads and cold-load pickup;
#: a continuous 150 % is recalled from Cooper/Eaton and S&C tin-link notes), a
#: silver-element link (S&C's) 100 % — recalled, not checked. ANSI C37.42's ratings fix
#: the minimum melt (≥ 200 % of rating at 300 s, S&C TCC 165-6 "Basis"), not the
#: continuous current. Not the window's load bound (that is C8's limit, module docstring:
#: one definition where the gate and the window judge the same load, review s38):
#: :func:`protv2g.recommend.practice.link_continuous_note` warns between the two ends.
LINK_CONTINUOUS_FRACTION = {"tin": 1.5, "silver": 1.0}


FloatArray = NDArray[np.float64]


def _t_text(t_s: float) -> str:
    if t_s < 0.1:
        return f"{t_s:.2g}"
    return f"{t_s:.2f}" if t_s < 1.0 else (f"{t_s:.1f}" if t_s < 10.0 else f"{t_s:.0f}")


@dataclass(frozen=True)
class LinkWindow:
    """The links of a fuse's family against its window (:func:`link_window`).

    ``links``, ``rating_a``, ``load_limit_a`` (C8's load limit, A:
    :func:`~protv2g.checks.fuse_gg_limits.load_limit_a`), ``reach_pickup_a`` (C5's pickup, A)
    and ``reach_factor_pu`` (C5's factor on it: the zone's, a gG band link's own), ``gg_band``
    (an IEC 60269 gG link given as a band) are ``(n,)`` over the series; ``point_i_a`` and
    ``point_t_s`` ``(k,)`` the withstand points' currents (A) and times (s) (``k = 0``
    without the transformer's full load); ``melt_t_s`` ``(n, k)`` each link's minimum melt
    at each point (s). ``i_load_a``, ``full_load_a``, ``i_fault_min_a``: the bounds' inputs
    (NaN when not given: that bound holds for every link); ``reach_factor`` the zone's C5
    factor and ``load_factor`` C8's ``load_pickup_factor`` they were made with."""

    links: tuple[str, ...]
    rating_a: FloatArray
    load_limit_a: FloatArray
    reach_pickup_a: FloatArray
    reach_factor_pu: FloatArray
    gg_band: NDArray[np.bool_]
    points: tuple[WithstandPoint, ...]
    point_i_a: FloatArray
    point_t_s: FloatArray
    melt_t_s: FloatArray
    i_load_a: float
    full_load_a: float
    i_fault_min_a: float
    reach_factor: float
    load_factor: float

    @property
    def carries(self) -> NDArray[np.bool_]:
        """``(n,)``: the load and the transformer's full load below C8's load limit (C8
        fails a load at or above it, :func:`protv2g.checks.load.check_load`)."""
        return self.load_limit_a > self._need_a()

    def _need_a(self) -> float:
        return float(np.nanmax([self.i_load_a, self.full_load_a, 0.0]))

    @property
    def withstands(self) -> NDArray[np.bool_]:
        """``(n,)``: minimum melt at or above every withstand point's time."""
        return np.all(self.melt_t_s >= self.point_t_s[None, :] * (1.0 - 1e-9), axis=1)

    @property
    def reaches(self) -> NDArray[np.bool_]:
        """``(n,)``: C5's factor × C5's pickup ≤ the least fault it must clear."""
        if not math.isfinite(self.i_fault_min_a):
            return np.ones(len(self.links), dtype=bool)
        return self.reach_factor_pu * self.reach_pickup_a <= self.i_fault_min_a * (1.0 + 1e-9)

    @property
    def feasible(self) -> NDArray[np.bool_]:
        """``(n,)``: inside the window (all three bounds)."""
        return self.carries & self.withstands & self.reaches

    def feasible_links(self) -> tuple[str, ...]:
        return tuple(x for x, ok in zip(self.links, self.feasible, strict=True) if ok)

    def _at(self, link: str) -> int:
        try:
            return self.links.index(link)
        except ValueError:
            raise ValueError(f"link {link!r} is not in the series {', '.join(self.links)}"
                             ) from None

    def lower_violations(self, link: str) -> list[str]:
        """What ``link`` lacks of the lower bound, one text per violated point or current,
        e.g. ``"80K: minimum melt 0.90 s at 6 × FLA (417 A; cold-load point 1 s)"``."""
        i = self._at(link)
        out = []
        need_load = self.i_load_a if math.isfinite(self.i_load_a) else 0.0
        need_fla = self.full_load_a if math.isfinite(self.full_load_a) else 0.0
        if not self.carries[i]:
            short = [t for t, need in ((f"the largest load current through it in the flows "
                                        f"{need_load:.0f} A", need_load),
                                       (f"the transformer's full load {need_fla:.0f} A",
                                        need_fla)) if need >= self.load_limit_a[i]]
            out.append(f"{link}: C8's load limit {self.load_limit_a[i]:.0f} A "
                       f"({self._limit_basis(i)}) not above {' and '.join(short)}")
        for p, i_a, t_req, t in zip(self.points, self.point_i_a, self.point_t_s,
                                    self.melt_t_s[i], strict=True):
            if t < t_req * (1.0 - 1e-9):
                out.append(f"{link}: minimum melt {_t_text(float(t))} s at {p.multiple:g} × FLA "
                           f"({i_a:.0f} A; {p.kind} point {p.t_s:g} s)")
        return out

    def _limit_basis(self, i: int) -> str:
        """How link ``i``'s C8 load limit is made, in words."""
        if self.gg_band[i]:
            return "a gG link's rated current In, IEC 60269-1"
        return (f"minimum melt {self.load_limit_a[i] * self.load_factor:.0f} A / "
                f"{self.load_factor:g}")

    def pickup_word(self, i: int) -> str:
        """What link ``i``'s C5 pickup is: ``"minimum melt"``, a gG band link's ``"5-s melting
        current"``."""
        return "5-s melting current" if self.gg_band[i] else "minimum melt"

    def factor_text(self) -> str:
        """C5's factor of the series' links (``"1.5"``; ``"1"`` for gG band links)."""
        got = sorted({float(x) for x in self.reach_factor_pu})
        return "/".join(f"{x:g}" for x in got) or f"{self.reach_factor:g}"

    def reach_violation(self, link: str) -> str:
        """Why ``link`` does not reach (``""`` when it does)."""
        i = self._at(link)
        if self.reaches[i]:
            return ""
        k = float(self.reach_factor_pu[i])
        return (f"{link}: {k:g} × {self.pickup_word(i)} {self.reach_pickup_a[i]:.0f} A "
                f"= {k * self.reach_pickup_a[i]:.0f} A above the "
                f"{self.i_fault_min_a:.0f} A it must clear")


def largest_load_a(flow_device: Any, device: str) -> float:
    """The load bound of ``device``'s window (:func:`link_window`'s ``i_load_a``): its largest
    ``|i_a|`` in the flows' device table (``scenario, device, i_a``; every scenario, charging
    snapshots included), A; NaN without one. One lookup for a K/T link's remedy
    (:func:`protv2g.checks.fuse_window_text.own_fuse_remedy`) and a gG link's
    (:mod:`protv2g.checks.fuse_gg_remedy`).

    >>> import pandas as pd
    >>> f = pd.DataFrame({"device": ["F1", "F1", "F2"], "i_a": [-42.0, 30.0, 99.0]})
    >>> largest_load_a(f, "F1"), largest_load_a(None, "F1")
    (42.0, nan)
    """
    if flow_device is None or not {"device", "i_a"} <= set(flow_device.columns):
        return math.nan
    got = np.abs(flow_device.loc[flow_device["device"].astype(str) == device, "i_a"]
                 .to_numpy(float))
    return float(np.nanmax(got)) if np.isfinite(got).any() else math.nan


def link_window(library: Any, link: str, *, i_load_a: float = math.nan,
                full_load_a: float = math.nan, i_fault_min_a: float = math.nan,
                reach_factor: float = 1.5, load_factor: float = 1.5,
                points: Sequence[WithstandPoint] = TRANSFORMER_POINTS) -> LinkWindow:
    """The window of a fuse with ``link`` (module docstring), over its family's series.

    Parameters
    ----------
    library : CurveLibrary
        Where the series' curves come from.
    link : str
        The fuse's present link (``"100K"``); its letters name the family.
    i_load_a : float
        The largest load current through the fuse in the study's flows (A); NaN: none.
    full_load_a : float
        The protected transformer's full-load current on the fuse's side (A); NaN for a
        lateral fuse (then no withstand point applies).
    i_fault_min_a : float
        The least fault current the fuse must clear (A); NaN: reach not judged.
    reach_factor : float
        C5's zone factor (the study's ``sensitivity_primary_factor``, 1.5, or backup 1.2,
        ``domain.md`` §4); an IEC 60269 gG band link takes C5's own factor instead
        (:func:`~protv2g.checks.fuse_gg_limits.gg_reach_factor`, 1), as C5 does.
    load_factor : float
        C8's ``load_pickup_factor`` (1.5, ``domain.md`` §4): a K/T link's load limit is its
        minimum-melt current / it (:func:`~protv2g.checks.fuse_gg_limits.load_limit_a`).
    points : sequence of WithstandPoint
        The transformer's withstand points (:data:`TRANSFORMER_POINTS`).

    Returns
    -------
    LinkWindow
        Empty series (``n = 0``) for a link with no rating in its name.

    Examples
    --------
    EPRI ckt5's depot transformer (1.5 MVA, 12.47 kV: FLA 69.4 A), 46 A of load:

    >>> from protv2g.devices.library import default_library
    >>> w = link_window(default_library(), "100K", i_load_a=46.1, full_load_a=69.45)
    >>> w.feasible_links()[:2]
    ('100K', '140K')
    >>> w.lower_violations("80K")[0]
    '80K: minimum melt 0.90 s at 6 × FLA (417 A; cold-load point 1 s)'
    """
    names = link_series(library, link)
    fuses = [Fuse(name="window", link=x, library=library) for x in names]
    fla = float(full_load_a)
    pts = tuple(points) if math.isfinite(fla) and fla > 0 else ()
    p_i = np.array([p.multiple * fla for p in pts], dtype=float)
    p_t = np.array([p.t_s for p in pts], dtype=float)
    melt = (np.array([melt_s(f, p_i) for f in fuses], dtype=float).reshape(len(fuses), len(pts))
            if fuses else np.zeros((0, len(pts))))
    gg = np.array([gg_reach_factor(f) for f in fuses], dtype=float)
    return LinkWindow(
        links=names, rating_a=np.array([f.rating_a for f in fuses], dtype=float),
        load_limit_a=np.array([load_limit_a(f, load_factor) for f in fuses], dtype=float),
        reach_pickup_a=np.array([reach_pickup_a(f) for f in fuses], dtype=float),
        reach_factor_pu=np.where(np.isfinite(gg), gg, float(reach_factor)),
        gg_band=np.isfinite(gg), points=pts, point_i_a=p_i, point_t_s=p_t, melt_t_s=melt,
        i_load_a=float(i_load_a), full_load_a=fla, i_fault_min_a=float(i_fault_min_a),
        reach_factor=float(reach_factor), load_factor=float(load_factor))
