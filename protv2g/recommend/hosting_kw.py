"""The hosting figure per site the recommendation search reports before and after its changes
(``protv2g recommend --hosting``: :func:`site_hosting_kw`, the ``hosting`` callable of
:func:`protv2g.recommend.search.recommend`). Split from :mod:`.search`.
"""

from __future__ import annotations

from protv2g.gate_hosting import hosting_kw_per_site
from protv2g.hosting import hosting_capacity
from protv2g.study.loader import Study

__all__ = ["site_hosting_kw"]


def site_hosting_kw(study: Study, *, n_grid: int = 8, tol_kw: float = 25.0) -> dict[str, float]:
    """Hosting capacity per site (kW) of ``study``, by a coarse search (grid of ``n_grid``
    levels, brackets refined to ``tol_kw``) over the study's participation cases and load
    levels: the figure of :func:`protv2g.gate_hosting.hosting_kw_per_site`."""
    if not study.document.v2g_sites:
        return {}
    doc = study.document
    table = hosting_capacity(study, participations=doc.scenarios.participation,
                             load_levels=doc.scenarios.load_levels, n_grid=n_grid,
                             tol_kw=tol_kw)
    return hosting_kw_per_site(table)
