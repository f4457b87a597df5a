"""What each EEI-NEMA K link carries and whether two links coordinate: the figures of the
load and series parts (rules 1 and 2) of the link rule :mod:`.fuse_draft` states with its
sources.

* the preferred series :data:`K_LINKS` and a link's continuous capability
  (:data:`CONTINUOUS_PU`, :func:`link_continuous_a`; rule 1b with :data:`COLD_LOAD_MARGIN`:
  :func:`carries_cold_load`, :func:`continuous_link`);
* C8's load limit of a link (:func:`c8_limit_a`, C8's own function at
  :data:`LOAD_PICKUP_FACTOR`; rule 1a: :func:`c8_link`) and both load parts together
  (:func:`load_link`);
* C3's 75 % rule between two links up to a fault current (:func:`coordinates`,
  :func:`coordinated_up_to_a`; rule 2).

Pure functions of a link rating, a peak load and the curve library; :mod:`.fuse_draft`
chooses each line's link with them (and re-exports them).
"""

from __future__ import annotations

import numpy as np

from protv2g.devices.library import CurveLibrary, default_library
from protv2g.devices.load_limit import load_limit_a
from protv2g.devices.models import build_device
from protv2g.devices.rules import fuse_fuse_ratio
from protv2g.study.schema import Checks

__all__ = ["carries_cold_load", "link_continuous_a", "K_LINKS", "CONTINUOUS_PU",
           "COLD_LOAD_MARGIN", "LOAD_PICKUP_FACTOR", "load_link", "c8_link", "continuous_link",
           "c8_limit_a", "coordinates", "coordinated_up_to_a"]

#: EEI-NEMA preferred K link ratings, A (ANSI C37.43; the intermediate 8, 12, 20, 30, 50, 80 A
#: sizes are left out, as utilities stock the preferred series).
K_LINKS = (6, 10, 15, 25, 40, 65, 100, 140, 200)
#: Continuous capability of a tin-element K link, pu of its rating (:mod:`.fuse_draft`).
CONTINUOUS_PU = {6: 1.5, 10: 1.5, 15: 1.5, 25: 1.5, 40: 1.5, 65: 1.5, 100: 1.5, 140: 1.0,
                 200: 1.0}
#: Peak load × this must be within the link's continuous capability (:mod:`.fuse_draft`).
COLD_LOAD_MARGIN = 1.5
#: C8's ``load_pickup_factor`` the draft sizes links with: the study schema's default (a
#: drafted study does not set it).
LOAD_PICKUP_FACTOR = float(Checks.model_fields["load_pickup_factor"].default)
#: Currents the series rule checks between the upstream link's melting and the fault, points.
_GRID_POINTS = 96


def link_continuous_a(rating: float) -> float:
    """A K link's continuous capability (A): its rating × :data:`CONTINUOUS_PU` of the
    preferred link at or above it (an intermediate link, 80K, takes its series neighbours':
    tin K ≤ 100K 150 %, 120 A), 100 % above 200K.

    >>> link_continuous_a(65), link_continuous_a(80), link_continuous_a(140)
    (97.5, 120.0, 140.0)
    """
    pu = next((CONTINUOUS_PU[r] for r in K_LINKS if r >= float(rating) - 1e-9), 1.0)
    return pu * float(rating)


def carries_cold_load(rating: float, peak_load_a: float) -> bool:
    """Rule 1b: the link's continuous capability (:func:`link_continuous_a`) carries
    :data:`COLD_LOAD_MARGIN` × ``peak_load_a``.

    >>> carries_cold_load(100, 94.8), carries_cold_load(80, 94.8)  # 142.2 A: 150 / 120 A
    (True, False)
    """
    need = COLD_LOAD_MARGIN * max(float(peak_load_a), 0.0) if np.isfinite(peak_load_a) else 0.0
    return link_continuous_a(rating) >= need * (1 - 1e-9)


def continuous_link(peak_load_a: float) -> int | None:
    """The smallest K link (A) whose continuous capability carries
    :data:`COLD_LOAD_MARGIN` × ``peak_load_a`` (rule 1b); None above the largest.

    >>> continuous_link(33.0), continuous_link(19.7), continuous_link(0.0), continuous_link(94.2)
    (40, 25, 6, 100)
    >>> continuous_link(210.0) is None
    True
    """
    return next((r for r in K_LINKS if carries_cold_load(r, peak_load_a)), None)


def c8_limit_a(rating: int, library: CurveLibrary | None = None,
               factor: float = LOAD_PICKUP_FACTOR) -> float:
    """C8's load limit (A) of a ``rating`` A K link: C8's own function
    (:func:`protv2g.devices.load_limit.load_limit_a`) on the link as the study builds it.

    >>> round(c8_limit_a(25), 2), round(c8_limit_a(80), 2)  # 49.6 A / 1.5, 158.6 A / 1.5
    (33.33, 106.67)
    """
    lib = default_library() if library is None else library
    return load_limit_a(build_device("fuse", {"name": "draft", "link": f"{rating}K"}, lib),
                        factor)


def c8_link(peak_load_a: float, library: CurveLibrary | None = None,
            factor: float = LOAD_PICKUP_FACTOR) -> int | None:
    """The smallest K link (A) whose C8 load limit (:func:`c8_limit_a`) the peak stays below
    (rule 1a: C8's "largest load current below the limit"); None above the largest.

    >>> c8_link(33.0), c8_link(19.7), c8_link(108.0), c8_link(0.0)
    (25, 15, 100, 6)
    """
    peak = max(float(peak_load_a), 0.0) if np.isfinite(peak_load_a) else 0.0
    return next((r for r in K_LINKS if c8_limit_a(r, library, factor) > peak), None)


def load_link(peak_load_a: float, library: CurveLibrary | None = None,
              factor: float = LOAD_PICKUP_FACTOR) -> int | None:
    """The smallest K link (A) that meets both load parts of the rule (module docstring):
    C8's (:func:`c8_link`) and the cold-load margin's (:func:`continuous_link`); None when
    no preferred link does.

    >>> load_link(33.0), load_link(19.7), load_link(0.0), load_link(94.2), load_link(210.0)
    (40, 25, 6, 100, None)
    """
    c8, cold = c8_link(peak_load_a, library, factor), continuous_link(peak_load_a)
    return None if c8 is None or cold is None else max(c8, cold)


def coordinates(below: str, above: str, i_max_a: float, library: CurveLibrary,
                ratio: float | None = None) -> bool:
    """C3's criterion between two links: ``below``'s total clearing ≤ ``ratio`` × ``above``'s
    minimum melt at every current up to ``i_max_a`` (A) at which both operate.

    ``ratio`` defaults to the project's :func:`~protv2g.devices.rules.fuse_fuse_ratio` (0.75).

    >>> from protv2g.devices.library import default_library
    >>> lib = default_library()
    >>> coordinates("25K", "65K", 1409.0, lib), coordinates("25K", "40K", 1409.0, lib)
    (True, False)
    """
    return coordinated_up_to_a(below, above, i_max_a, library, ratio) >= i_max_a


def coordinated_up_to_a(below: str, above: str, i_max_a: float, library: CurveLibrary,
                        ratio: float | None = None) -> float:
    """The current (A) up to which ``below`` and ``above`` meet C3's criterion
    (:func:`coordinates`), checked up to ``i_max_a``: ``i_max_a`` when they meet it all the
    way, else the last checked current before the first that fails (``above``'s minimum
    melting current when the first already fails).

    >>> from protv2g.devices.library import default_library
    >>> lib = default_library()
    >>> coordinated_up_to_a("25K", "65K", 1409.0, lib)
    1409.0
    >>> 500.0 < coordinated_up_to_a("25K", "40K", 1409.0, lib) < 1409.0
    True
    """
    ratio = fuse_fuse_ratio().value if ratio is None else ratio
    lo = build_device("fuse", {"name": "below", "link": below}, library)
    hi = build_device("fuse", {"name": "above", "link": above}, library)
    if not i_max_a > hi.min_melt_current_a:
        return float(i_max_a)
    grid = np.geomspace(hi.min_melt_current_a * 1.001, i_max_a, _GRID_POINTS)
    tc = np.asarray(lo.total_clear_time_s(grid), float)
    mm = np.asarray(hi.min_melt_time_s(grid), float)
    both = np.isfinite(tc) & np.isfinite(mm)
    bad = np.flatnonzero(both & ~(tc <= ratio * mm * (1 + 1e-9)))
    if not len(bad):
        return float(i_max_a)
    return float(grid[bad[0] - 1]) if bad[0] else float(hi.min_melt_current_a)
