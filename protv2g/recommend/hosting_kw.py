"""The hosting figure per site the recommendation search reports before and after its changes
(``protv2g recommend --hosting``: :func:`site_hosting_kw`, the ``hosting`` callable of
:func:`protv2g.recommend.search.recommend`). Split from :mod:`.search`.
"""

from __future__ import annotations

from protv2g.gate_hosting import hosting_kw_per_site
from protv2g.hosting import hosting_capacity
from protv2g.study.loader import Study

__all__ = ["site_hosting_kw"]


def site_hosting_kw(study: Study) -> dict[str, float]:
    """Hosting capacity per site (kW) of ``study``: the search ``run`` and ``protv2g hosting``
    make (their grid and bisection tolerance), over the study's participation cases and load
    levels — the figure of :func:`protv2g.gate_hosting.hosting_kw_per_site`.

    Review rev50a #1: a coarser search here (8 levels, brackets refined to 25 kW) printed
    "hosting capacity homes before: 11 kW" for IEEE 123's homes, the last passing level of its
    10.8 kW grid, where ``run`` said 13.5 kW (a quarter charger's resolution) — two figures
    for one study, neither naming the other."""
    if not study.document.v2g_sites:
        return {}
    doc = study.document
    table = hosting_capacity(study, participations=doc.scenarios.participation,
                             load_levels=doc.scenarios.load_levels)
    return hosting_kw_per_site(table)
