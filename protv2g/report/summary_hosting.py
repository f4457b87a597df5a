"""The Summary's hosting-capacity lines: per site its figure, what limits it, and on what.

Reads the gate's per-site figures (``meta["gate"]["hosting_capacity_kw"]``,
``hosting_limit``, ``hosting_chargers``: :mod:`protv2g.gate_hosting`) and the hosting table's
limiting rows; decides nothing itself. Used by :mod:`protv2g.report.summary` (section 6).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.findings_attribution import Attribution, is_charging_snapshot
from protv2g.gate_hosting import (
    NOT_DETERMINED,
    chargers_words,
    hosting_row_per_site,
    limit_words,
)
from protv2g.hosting.limits import STAND_IN
from protv2g.input_basis import InputBasis, rests_on
from protv2g.scenarios import DAY_SCENARIO_PREFIX
from protv2g.significant import number_text

__all__ = ["count_cell", "hosting_headline", "resolution_note", "sites_together_note", "whole_kw"]

#: Per-criterion statuses (the Hosting by criterion sheet) under which a site alone passes a
#: criterion up to its ``hosting_kw``.
_ALONE_PASSES = ("not_limited", "limited")


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
            # where a criterion warns below that figure (review rev40a M5: J1's depot)
            top = rows[pd.to_numeric(rows["site_max_kw"]) >= float(
                pd.to_numeric(rows["site_max_kw"]).max()) - 1e-9]
            warns = next((w for w in top.get("warns", []) if isinstance(w, str) and w), "")
            text = (f"{per_site[str(site)]:,.0f} kW{count}: no criterion "
                    f"{'evaluated ' if gone else ''}limits it up to the site's maximum"
                    + (f" ({gone} not evaluated)" if gone else "")
                    + (f"; {warns}" if warns else ""))
        out.append((f"  {site}", text + _not_limiting(why)))
    return out


def _not_limiting(why: str) -> str:
    """The ``; not limiting …`` clauses of a site's hosting text (settings to change, rows set
    aside: :mod:`protv2g.hosting.limits`)."""
    at = why.find("; not limiting")
    return why[at:] if at >= 0 else ""


def sites_together_note(per_site: dict[str, float] | None, findings: pd.DataFrame | None,
                        evidence: pd.DataFrame | None, sites: pd.DataFrame | None,
                        by_criterion: pd.DataFrame | None) -> str:
    """Section 7's note on what the per-site figures are (review rev39b M4): each is that site
    alone, the other sites idle and not built (:mod:`protv2g.hosting`, conventions), so the
    figures do not add up; a figure for the sites exporting together is not computed. Where
    the study itself fails a criterion with two or more sites exporting together, each
    within its own figure and each passing that criterion alone up to its export (the
    Hosting by criterion sheet), the note names the finding, the scenario and each site's
    export — the sum of the figures fails (depot: F03 C8 R-F1 −60.8 A at depot 6,000 kW +
    campus 1,800 kW, each figure "no criterion limits it"; pandapower runpp 327.5 A against
    the 266.7 A limit, depot alone 246.5 A). "" with fewer than two sites.

    Parameters
    ----------
    per_site : dict
        The gate's figure per site, kW (``meta["gate"]["hosting_capacity_kw"]``).
    findings, evidence : DataFrame
        The result's findings and their evidence rows (:func:`protv2g.findings.build_findings`).
    sites : DataFrame
        The flow's site table (``scenario``, ``site``, ``p_kw``: export positive).
    by_criterion : DataFrame
        The Hosting by criterion table (``site``, ``criterion``, ``status``, ``hosting_kw``).
    """
    if not isinstance(per_site, dict) or len(per_site) < 2:
        return ""
    head = ("each site's figure is that site alone, the other sites idle and not built (no "
            "export, no fault current, their transformers out): the figures do not add up, "
            "and a figure for the sites exporting together is not computed")
    found = _together_failure(per_site, findings, evidence, sites, by_criterion)
    if found is None:
        return head
    row, exports = found
    each = " + ".join(f"{site} {exports[site]:,.0f} kW" for site in per_site if site in exports)
    margin = number_text(float(row["margin"]), str(row.get("margin_unit", "") or ""))
    return (f"{head}. Together they fail: {row['finding']} {row['criterion']} "
            f"{row['device']} fails (margin {margin}) with {each} exporting at once (scenario "
            f"{row['scenario']}), each within its own figure and each passing "
            f"{row['criterion']} alone up to its export — do not approve the sum of these "
            "figures; the study's findings (§3) judge the sites as declared")


def _together_failure(per_site: dict[str, float], findings: pd.DataFrame | None,
                      evidence: pd.DataFrame | None, sites: pd.DataFrame | None,
                      by_criterion: pd.DataFrame | None
                      ) -> tuple[pd.Series, dict[str, float]] | None:
    """The worst failing evidence row of a V2G finding in an export snapshot where two or more
    sites export, each at most its figure and passing the row's criterion alone up to its
    export; with those exports (site → kW). None when there is none."""
    need_f = {"finding", "attribution", "status"}
    need_e = {"finding", "scenario", "status", "attribution", "criterion", "margin", "device"}
    if (findings is None or evidence is None or sites is None or by_criterion is None
            or not need_f <= set(findings.columns) or not need_e <= set(evidence.columns)
            or not {"scenario", "site", "p_kw"} <= set(sites.columns)
            or not {"site", "criterion", "status", "hosting_kw"} <= set(by_criterion.columns)):
        return None
    v2g = findings.loc[findings["attribution"].isin([Attribution.CAUSED, Attribution.WORSE])
                       & (findings["status"].astype(str) == "fail"), "finding"]
    rows = evidence[evidence["finding"].isin(set(v2g.astype(str)))
                    & (evidence["status"].astype(str) == "fail")
                    & evidence["attribution"].astype(str).isin(["new", "worse"])]
    scen = rows["scenario"].astype(str)
    rows = rows[~scen.map(is_charging_snapshot) & ~scen.str.startswith(DAY_SCENARIO_PREFIX)]
    if rows.empty:
        return None
    export = sites.assign(p_kw=pd.to_numeric(sites["p_kw"], errors="coerce"))
    export = export[export["p_kw"] > 0].groupby(
        [export["scenario"].astype(str), export["site"].astype(str)], observed=True)["p_kw"].max()
    alone = {(str(r.site), str(r.criterion)): float(r.hosting_kw)
             for r in by_criterion.itertuples(index=False)
             if str(r.status) in _ALONE_PASSES and pd.notna(r.hosting_kw)}
    best = None
    for _, row in rows.iterrows():
        s = str(row["scenario"])
        if s not in export.index.get_level_values(0):
            continue
        kw = export.loc[s]
        tol = 1e-6 * max(1.0, float(kw.max()))
        if len(kw) < 2 or not all(
                site in per_site and p <= float(per_site[site]) + tol
                and p <= alone.get((site, str(row["criterion"])), -1.0) + tol
                for site, p in kw.items()):
            continue
        if best is None or float(row["margin"]) < float(best[0]["margin"]):
            best = (row, {str(k): float(v) for k, v in kw.items()})
    return best


def whole_kw(kw: Any) -> Any:
    """A hosting figure as the Summary's cell holds it: whole kW, as the gate says it
    (``:,.0f``), not the search's last passing export to the bit (review rev39b M7: IEEE 13's
    "490.234375" kW); a text or a missing value as is."""
    try:
        x = float(kw)
    except (TypeError, ValueError):
        return kw
    return float(round(x)) if x == x else kw


def resolution_note(table: pd.DataFrame | None) -> str:
    """What a limited site's figure resolves (review rev39b M7): the export the search last
    passed and the one it first failed, between which the limit lies; the cells are whole kW.
    "" without a limited site."""
    if table is None or table.empty or not {"site", "hosting_kw", "limited",
                                            "site_max_kw", "first_fail_kw"} <= set(table.columns):
        return ""
    parts = []
    for site, row in hosting_row_per_site(table).items():
        ff = pd.to_numeric(pd.Series([row.get("first_fail_kw")]), errors="coerce").iloc[0]
        if bool(row["limited"]) and pd.notna(ff):
            parts.append(f"{site}: passes at {float(row['hosting_kw']):,.1f} kW, first fails at "
                         f"{float(ff):,.1f} kW ({row['participation']}, {row['load_level']} load)")
    if not parts:
        return ""
    return ("hosting kW in whole kW, as the gate says them; the search resolves the limit "
            "between the last export it passed and the first it failed — " + "; ".join(parts))


def count_cell(n: int | float) -> int | str:
    """The Summary's hosting ``chargers`` cell: a whole count as a number; a fractional one
    in words (:func:`~protv2g.charger_counts.chargers_words`: "12.8 chargers' output", "< 1
    charger (0.8 × one charger's export)") — as a number in the cell's ``#,##0`` format 0.8
    read "1" and 12.8 "13" (review rev36b X8)."""
    return int(n) if float(n).is_integer() else chargers_words(n)
