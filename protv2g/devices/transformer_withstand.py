"""A transformer fuse's withstand points: the inrush and cold-load currents its link must
carry without melting, and the links of a family's series (one rule for ``validate``'s
plausibility warning, C8's row on the fuse, :mod:`protv2g.checks.load_withstand`, and the
recommendation's fuse window, :mod:`protv2g.checks.fuse_window`; review rev42a M5: only
``recommend`` said a 100K on a 2 MVA 12.47 kV transformer, FLA 92.6 A, melts in 7.56 s at
3 × FLA, and the study was judged on it silently).

A link passes a point when its minimum melt at ``multiple × FLA`` is no shorter than the
point's time (:data:`TRANSFORMER_POINTS`, sources in :data:`POINTS_SOURCE`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from protv2g.devices.fuse import Fuse
from protv2g.devices.fuse_series import SERIES_SOURCE, series_of
from protv2g.units import DeviceKind

__all__ = ["POINTS_SOURCE", "TRANSFORMER_POINTS", "WithstandPoint", "link_family",
           "link_series", "melt_s", "points_text", "shortfalls", "smallest_withstanding",
           "withstand_fix_text", "withstanding_links"]


@dataclass(frozen=True)
class WithstandPoint:
    """A current the transformer's fuse must carry for a time without melting: ``multiple`` ×
    the transformer's full-load current for ``t_s`` seconds (``kind``: inrush or cold-load)."""

    multiple: float
    t_s: float
    kind: str


#: The transformer fuse's withstand points (minimum melt above each), see POINTS_SOURCE.
TRANSFORMER_POINTS = (WithstandPoint(12.0, 0.1, "inrush"), WithstandPoint(25.0, 0.01, "inrush"),
                      WithstandPoint(6.0, 1.0, "cold-load"), WithstandPoint(3.0, 10.0, "cold-load"))
#: Where the points come from.
POINTS_SOURCE = (
    "magnetizing inrush 12 × FLA for 0.1 s and 25 × FLA for 0.01 s: 'Overcurrent Protection of "
    "Transformers — Traditional and New Fusing Philosophies for Small and Large "
    "Transformers', Unit 2 (webzine, 20 Jan 2003, omnion.com/webzine/2003/012003_1.asp: "
    "'12 times the primary full-load current … for 0.1 second, and 25 times for 0.01 "
    "second'; the usual transformer-fuse practice of IEEE Std C37.48.1 and makers' fuse "
    "application guides, recalled); cold-load pickup 6 × FLA for 1 s and 3 × FLA for 10 s: "
    "recalled from the same practice (not confirmed: the article's cold-load part and "
    "C37.48.1 were not at hand)")

_LINK_RE = re.compile(r"(\d+(?:\.\d+)?)([A-Za-z]+)")
FloatArray = NDArray[np.float64]


def points_text(points: Sequence[WithstandPoint] = TRANSFORMER_POINTS) -> str:
    """The points in words: ``"12 × FLA for 0.1 s, 25 × FLA for 0.01 s, …"``."""
    return ", ".join(f"{p.multiple:g} × FLA for {p.t_s:g} s" for p in points)


def link_series(library: Any, link: str) -> tuple[str, ...]:
    """The links of ``link``'s family (its letters: ``K``, ``T``, ``gG``) in ``library``,
    by rating, smallest first; ``()`` for a link name without a rating.

    >>> from protv2g.devices.library import default_library
    >>> link_series(default_library(), "65K")[:4]
    ('6K', '8K', '10K', '12K')
    """
    m = _LINK_RE.fullmatch(str(link))
    if m is None or library is None:
        return ()
    kind = m.group(2).lower()
    found = []
    for name in library.names(DeviceKind.FUSE):
        n = _LINK_RE.fullmatch(name)
        if n is not None and n.group(2).lower() == kind:
            found.append((float(n.group(1)), name))
    return tuple(name for _, name in sorted(found))


def link_family(link: str) -> str:
    """The letters of a link's name (``"K"`` of ``"65K"``), ``""`` without a rating."""
    m = _LINK_RE.fullmatch(str(link))
    return m.group(2) if m is not None else ""


def melt_s(fuse: Fuse, i_a: FloatArray) -> FloatArray:
    """Minimum melt (s) at ``i_a``; ``inf`` (not judged) for a link with no minimum-melt
    curve (an OpenDSS import has one: 0.8 × its total clearing,
    :mod:`protv2g.study.opendss_devices`)."""
    if fuse.curve.mm_m_points:
        return fuse.min_melt_time_s(i_a)
    return np.full(np.shape(i_a), np.inf)


def shortfalls(fuse: Fuse, full_load_a: float,
               points: Sequence[WithstandPoint] = TRANSFORMER_POINTS
               ) -> list[tuple[WithstandPoint, float, float]]:
    """The points ``fuse`` melts inside: ``(point, its current A, the link's minimum melt
    there s)`` for each point whose minimum melt at ``multiple × full_load_a`` is shorter
    than the point's time; ``[]`` without a full load.

    >>> from protv2g.devices.library import default_library
    >>> f = Fuse(name="f", link="100K", library=default_library())
    >>> [(p.multiple, round(i), round(t, 2)) for p, i, t in shortfalls(f, 92.6)]
    [(6.0, 556, 0.81), (3.0, 278, 7.58)]
    """
    if not (np.isfinite(full_load_a) and full_load_a > 0):
        return []
    i_a = np.array([p.multiple * full_load_a for p in points], dtype=float)
    t_s = melt_s(fuse, i_a)
    return [(p, float(i), float(t)) for p, i, t in zip(points, i_a, t_s, strict=True)
            if t < p.t_s * (1.0 - 1e-9)]


def smallest_withstanding(library: Any, link: str, full_load_a: float,
                          points: Sequence[WithstandPoint] = TRANSFORMER_POINTS) -> str | None:
    """The smallest link of ``link``'s family whose minimum melt clears every point at
    ``full_load_a``; None when none does.

    >>> from protv2g.devices.library import default_library
    >>> smallest_withstanding(default_library(), "100K", 92.6)
    '140K'
    """
    return next(iter(_holding(library, link, full_load_a, points)), None)


def _holding(library: Any, link: str, full_load_a: float,
             points: Sequence[WithstandPoint]) -> list[str]:
    """The links of ``link``'s family that clear every point at ``full_load_a``, smallest
    first."""
    return [name for name in link_series(library, link)
            if not shortfalls(Fuse(name="window", link=name, library=library), full_load_a,
                              points)]


def withstanding_links(library: Any, link: str, full_load_a: float,
                       points: Sequence[WithstandPoint] = TRANSFORMER_POINTS
                       ) -> tuple[str | None, str | None]:
    """``(first, alternative)``: the link to name first for a transformer fuse whose ``link``
    melts inside the points, and a smaller one that also holds (None: none).

    For an EEI-NEMA K or T link the first is the smallest link of the **preferred** series
    that holds and the alternative the smallest **intermediate** one below it that holds —
    the order ``recommend`` tries them in (:mod:`protv2g.recommend.link_series`,
    :mod:`protv2g.devices.fuse_series`: utilities commonly stock the preferred series only;
    review rev43a M7: validate named the intermediate 50K "the smallest K link" where
    recommend proposes 65K). Where no preferred link holds, the smallest intermediate one is
    first; for another family (gG, a maker's curve) the smallest of the family.

    >>> from protv2g.devices.library import default_library
    >>> withstanding_links(default_library(), "25K", 34.78)  # 1.5 MVA at 24.9 kV
    ('65K', '50K')
    >>> withstanding_links(default_library(), "100K", 92.6)
    ('140K', None)
    """
    holds = _holding(library, link, full_load_a, points)
    if not holds:
        return None, None
    preferred = next((n for n in holds if series_of(n) == "preferred"), None)
    if preferred is None:
        return holds[0], None
    smaller = next((n for n in holds if series_of(n) == "intermediate"
                    and _rating(n) < _rating(preferred)), None)
    return preferred, smaller


def _rating(link: str) -> float:
    m = _LINK_RE.fullmatch(str(link))
    return float(m.group(1)) if m is not None else float("inf")


def withstand_fix_text(library: Any, link: str, full_load_a: float) -> str:
    """The link ``validate``'s warning and C8's row name for a transformer fuse below its
    withstand (:func:`withstanding_links`, one text for both): ``"the smallest
    preferred-series K link that carries them is 65K (ANSI C37.42/C37.43 …); the
    intermediate-series 50K carries them too, where the utility stocks that series"``; ``"no
    K link carries them"`` where none does."""
    family = link_family(link) or "its family's"
    first, alt = withstanding_links(library, link, full_load_a)
    if first is None:
        return f"no {family} link carries them"
    kind = series_of(first)
    if kind == "preferred":
        text = (f"the smallest preferred-series {family} link that carries them is {first} "
                f"({SERIES_SOURCE})")
    elif kind == "intermediate":
        text = (f"the smallest {family} link that carries them is {first}, of the intermediate "
                "series (no preferred-series link does; confirm the utility stocks it)")
    else:
        text = f"the smallest {family} link that carries them is {first}"
    if alt is not None:
        text += (f"; the intermediate-series {alt} carries them too, where the utility stocks "
                 "that series")
    return text
