"""The per-site criterion table (:func:`by_site_criterion`, :data:`SITE_CRITERION_COLUMNS`):
the per-axis criterion table reduced to one row per site × criterion, where that criterion
first fails at the lowest export. Split from :mod:`.tables`, which re-exports these names.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from protv2g.criteria import order
from protv2g.hosting.axis import HostingStatus

__all__ = ["SITE_CRITERION_COLUMNS", "by_site_criterion"]


#: Columns of the per-site criterion table (one row per site × criterion, on the participation
#: case and load level where the criterion first fails at the lowest export).
SITE_CRITERION_COLUMNS = [
    "site", "criterion", "status", "hosting_kw", "first_fail_kw", "warns_from_kw",
    "hosting_chargers",
    "participation", "load_level", "limiting_device", "limiting_fault", "limiting_basis",
    "site_max_kw", "limited", "per_axis", "note",
]


def by_site_criterion(by_criterion: pd.DataFrame) -> pd.DataFrame:
    """One row per site × criterion: where that criterion first fails at the lowest export.

    Reduces the per-axis table (:data:`BY_CRITERION_COLUMNS`, one row per site ×
    participation × load level × criterion) as :func:`protv2g.gate_hosting.hosting_kw_per_site`
    reduces the hosting table: a criterion's figure at a site is its smallest ``hosting_kw``
    over the axes where it is limited (the export at which it first fails does not depend on
    how many chargers could take part); ``participation`` / ``load_level`` name that axis and
    ``first_fail_kw`` is the first failing export evaluated there. A criterion limited on no
    axis keeps the largest ``site_max_kw`` (status ``not_limited``); ``not_applicable`` and
    ``not_evaluated`` are the criterion's own (the same on every axis) and have no figure.
    ``per_axis`` lists every axis's figure, so nothing of the per-axis table is lost.

    The smallest ``hosting_kw`` over the criteria of a site is therefore the site's figure on
    the Hosting capacity table, and the criterion that reaches it is its limiting criterion.

    Parameters
    ----------
    by_criterion : DataFrame
        :data:`BY_CRITERION_COLUMNS` (``HostingAnalysis.by_criterion``).

    Returns
    -------
    DataFrame
        :data:`SITE_CRITERION_COLUMNS`, sites in their order, criteria by number.
    """
    rows: list[dict[str, Any]] = []
    if by_criterion is None or by_criterion.empty:
        return pd.DataFrame(rows, columns=SITE_CRITERION_COLUMNS)
    for (site, crit), grp in by_criterion.groupby(["site", "criterion"], sort=False):
        # an axis not searched above its decided smallest export (.early) says nothing of
        # the criterion where another axis was searched
        searched = grp[grp["status"] != HostingStatus.NOT_SEARCHED.value]
        status = str((searched if len(searched) else grp)["status"].iloc[0])
        limited = grp[grp["limited"].astype(bool)]
        kw = pd.to_numeric(grp["hosting_kw"], errors="coerce")
        if len(limited):
            pick = limited.loc[pd.to_numeric(limited["hosting_kw"]).idxmin()]
        elif status in (HostingStatus.NOT_LIMITED.value, HostingStatus.SETTING.value):
            # a setting to change limits no export (.limits): the site maximum, as unlimited
            pick = searched.loc[pd.to_numeric(searched["site_max_kw"]).idxmax()]
        else:
            pick = grp.iloc[0]
        parts = []
        for r, v in zip(grp.itertuples(index=False), kw, strict=True):
            axis = f"{r.participation}/{r.load_level}"
            warn_kw = getattr(r, "warns_from_kw", math.nan)
            parts.append(f"{axis}: first fails at {r.first_fail_kw:,.0f} kW" if r.limited
                         else f"{axis}: {r.status.replace('_', ' ')}"
                         + (f" up to {v:,.0f} kW" if r.status in (
                            HostingStatus.NOT_LIMITED.value, HostingStatus.SETTING.value)
                            else "")
                         + (f", warns from {warn_kw:,.0f} kW" if warn_kw == warn_kw
                            and not r.limited else ""))
        rows.append({
            "site": site, "criterion": crit,
            "status": HostingStatus.LIMITED.value if len(limited) else status,
            "hosting_kw": float(pick["hosting_kw"]), "first_fail_kw": float(
                pick["first_fail_kw"]) if len(limited) else math.nan,
            "warns_from_kw": (math.nan if len(limited) else float(pd.to_numeric(
                grp.get("warns_from_kw", pd.Series(dtype=float))).min())),
            "hosting_chargers": pick["hosting_chargers"],
            "participation": pick["participation"] if len(limited) else "",
            "load_level": pick["load_level"] if len(limited) else "",
            "limiting_device": pick["limiting_device"], "limiting_fault": pick["limiting_fault"],
            "limiting_basis": pick.get("limiting_basis", ""),
            "site_max_kw": float(pd.to_numeric(grp["site_max_kw"]).max()),
            "limited": bool(len(limited)), "per_axis": "; ".join(parts),
            "note": str(pick["note"]),
        })
    sites = list(dict.fromkeys(by_criterion["site"]))
    rows.sort(key=lambda r: (sites.index(r["site"]), order(str(r["criterion"]))))
    out = pd.DataFrame(rows, columns=SITE_CRITERION_COLUMNS)
    out["hosting_chargers"] = out["hosting_chargers"].astype("Int64")
    return out
