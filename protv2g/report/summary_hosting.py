"""The Summary's hosting-capacity lines: per site its figure, what limits it, and on what.

Reads the gate's per-site figures (``meta["gate"]["hosting_capacity_kw"]``,
``hosting_limit``, ``hosting_chargers``: :mod:`protv2g.gate_hosting`) and the hosting table's
limiting rows; decides nothing itself. Used by :mod:`protv2g.report.summary` (section 6).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.gate_hosting import (
    NOT_DETERMINED,
    chargers_words,
    hosting_row_per_site,
    limit_words,
)
from protv2g.hosting.limits import STAND_IN
from protv2g.input_basis import InputBasis, rests_on

__all__ = ["hosting_headline"]


def hosting_headline(table: pd.DataFrame | None, gate: dict[str, Any] | None = None
                     ) -> list[tuple[str, str]]:
    """Per site: its protection hosting capacity, kW and chargers (the gate's
    ``hosting_chargers``, as its line), and what limits it (one line each); a figure
    whose limiting rows rest on a stand-in input reads "not determined" with that input and
    the figure on given data beside it (the gate's ``hosting_limit``,
    :mod:`protv2g.gate_hosting`), never a bare figure."""
    if table is None:
        return [("Hosting capacity", "not computed in this run")]
    need = {"site", "hosting_kw", "limited", "site_max_kw"}
    if table.empty or not need <= set(table.columns):
        return [("Hosting capacity", "no rows" if table.empty else
                 f"table lacks columns {sorted(need - set(table.columns))}")]
    per_site = (gate or {}).get("hosting_capacity_kw")
    if not isinstance(per_site, dict):
        return [("Hosting capacity", "the gate did not give a hosting capacity per site "
                 "(no meta['gate']['hosting_capacity_kw'])")]
    limits = (gate or {}).get("hosting_limit") or {}
    chargers = (gate or {}).get("hosting_chargers") or {}
    taken = hosting_row_per_site(table)
    out = []
    for site, rows in table.groupby("site", sort=False):
        why = str(limits.get(str(site), ""))
        if why.startswith(NOT_DETERMINED):
            out.append((f"  {site}", why))
            continue
        n = chargers.get(str(site))  # as the gate line (gate_hosting.hosting_lines)
        count = "" if n is None else f", {chargers_words(n)}"
        limited = rows[rows["limited"].astype(bool)]
        if len(limited):
            best = taken[str(site)]  # the gate's row (ties: a determined one)
            parts = [str(best[k]) for k in ("limiting_criterion", "limiting_device")
                     if k in rows.columns and pd.notna(best[k]) and str(best[k])]
            if len(parts) < 2:  # no device (a C12 bus row): the bus and fault in words
                parts = [limit_words(best)]
            basis = rests_on(best.get("limiting_basis", ""))
            # a stand-in beside a row on given data failing at the same export does not
            # move a determined figure (hosting/limits.py); a fuse curve band still may
            held = "determined" in best.index and str(best.get("limiting_basis")) in STAND_IN
            rests = (f"; the limit rests on a {basis}: confirm it" if basis and not held and
                     best.get("limiting_basis") != InputBasis.GIVEN.value else "")
            text = (f"{per_site[str(site)]:,.0f} kW{count} (limited by {' at '.join(parts)}"
                    f"{rests})")
        else:
            # criteria not evaluated named, never an unqualified "no criterion" (reach23)
            gone = ", ".join(dict.fromkeys(str(m) for m in rows.get("not_evaluated", [])
                                           if isinstance(m, str) and m))
            text = (f"{per_site[str(site)]:,.0f} kW{count}: no criterion "
                    f"{'evaluated ' if gone else ''}limits it up to the site's maximum"
                    + (f" ({gone} not evaluated)" if gone else ""))
        out.append((f"  {site}", text + _not_limiting(why)))
    return out


def _not_limiting(why: str) -> str:
    """The ``; not limiting …`` clauses of a site's hosting text (settings to change, rows set
    aside: :mod:`protv2g.hosting.limits`)."""
    at = why.find("; not limiting")
    return why[at:] if at >= 0 else ""
