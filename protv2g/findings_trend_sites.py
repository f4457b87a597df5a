"""Which site's export a V2G finding is said against, where one site drives it (review rev48a
#3, rev48b P9).

The Site drivers table (:mod:`protv2g.findings_sites`, read only here) solves a multi-site
finding's worst fault with each site alone; where one site alone fails the rule
(:attr:`~protv2g.findings_sites_kinds.Driver.ONE_SITE`) that site's export is what moves the
margin. EPRI ckt5's F03 (C1 head / f-106259, driven by the homes' 72–144 kW) read "worsens
with export … at 2,115 kW; … at 2,644 kW (kW: all sites' export together)", and its gate line
"… with depot exporting 1.5 …", cut after a site that holds alone: a signer read a ~2 MW
total-export limit where the limit is ~100 kW of home chargers on one lateral. Here:

* :class:`SiteAxis` — the driving site of each such finding and every scenario's export per
  site: the export trend's x-axis is then that site's export, all sites' total beside it
  (:func:`protv2g.findings_trend.columns_trend`);
* :func:`export_clause` / :func:`driver_clause` — the checks' "with depot exporting 1.5 MW and
  campus exporting 1 MW and homes exporting 0.144 MW" (:meth:`protv2g.checks._common.
  CheckContext.export_text`, rebuilt from the scenario table's kW and found as that exact
  text, never parsed) and the driver-led words that replace it: "with homes exporting
  0.144 MW, with the other sites at depot 1.5 MW and campus 1 MW" (:func:`lead_with_driver`).

Where no single site drives the finding (each site on its own, the sites together, not
judged) nothing changes: the trend and the words say all sites together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from protv2g.findings_attribution import Attribution
from protv2g.findings_sites_kinds import KEY_COLUMNS, Driver

__all__ = ["SiteAxis", "driver_clause", "export_clause", "lead_with_driver", "site_kw_table"]

#: The attributions a driver is said for (the Site drivers table's findings: V2G's export).
_V2G = (Attribution.CAUSED.value, Attribution.WORSE.value)


def site_kw_table(scenarios: pd.DataFrame | None) -> dict[str, dict[str, float]]:
    """Scenario → {site: export kW} from ``StudyResult.scenarios``' ``p_<site>_kw`` columns
    (the study's site order; a scenario's charging is negative), {} without them.

    >>> s = pd.DataFrame({"scenario": ["a"], "p_depot_kw": [1500.0], "p_homes_kw": [144.0]})
    >>> site_kw_table(s)
    {'a': {'depot': 1500.0, 'homes': 144.0}}
    """
    if not isinstance(scenarios, pd.DataFrame) or "scenario" not in scenarios.columns:
        return {}
    cols = [str(c) for c in scenarios.columns
            if str(c).startswith("p_") and str(c).endswith("_kw")]
    if not cols:
        return {}
    kw = scenarios[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    names = [c[2:-3] for c in cols]
    return {str(s): dict(zip(names, row.tolist(), strict=True))
            for s, row in zip(scenarios["scenario"].astype(str), kw, strict=True)}


def _mw(p_kw: float) -> str:
    """The checks' MW figure (``CheckContext._export_text``: 3 significant digits)."""
    return f"{p_kw / 1000:.3g} MW"


def export_clause(site_kw: Mapping[str, float]) -> str:
    """The checks' words for a scenario's export, ``"with depot exporting 1.5 MW and homes
    exporting 0.144 MW"`` (without the load level that follows), "" where no site exports.

    >>> export_clause({"depot": 1500.0, "campus": 0.0, "homes": 144.0})
    'with depot exporting 1.5 MW and homes exporting 0.144 MW'
    """
    parts = [f"{s} exporting {_mw(p)}" for s, p in site_kw.items() if p > 0]
    return "with " + " and ".join(parts) if parts else ""


def driver_clause(site_kw: Mapping[str, float], site: str) -> str:
    """:func:`export_clause` led by ``site``'s export, the other exporting sites after it;
    "" where ``site`` does not export or exports alone (the checks' words say it already).

    >>> driver_clause({"depot": 1500.0, "campus": 1000.0, "homes": 144.0}, "homes")
    'with homes exporting 0.144 MW, with the other sites at depot 1.5 MW and campus 1 MW'
    """
    p = site_kw.get(site, np.nan)
    others = [f"{s} {_mw(q)}" for s, q in site_kw.items() if s != site and q > 0]
    if not p > 0 or not others:
        return ""
    return (f"with {site} exporting {_mw(p)}, with the other sites at "
            + " and ".join(others))


def lead_with_driver(message: str, kw: Mapping[str, Mapping[str, float]], site: str
                     ) -> str:
    """``message`` with each scenario's all-sites :func:`export_clause` (two or more sites
    exporting, ``kw`` as :func:`site_kw_table`) that it holds replaced by its
    :func:`driver_clause` for ``site``; unchanged where it holds none.

    >>> kw = {"s": {"depot": 1500.0, "homes": 144.0}}
    >>> lead_with_driver("R trips with depot exporting 1.5 MW and homes exporting 0.144 MW "
    ...                  "(light load)", kw, "homes")
    'R trips with homes exporting 0.144 MW, with the other sites at depot 1.5 MW (light load)'
    """
    if not message or not site:
        return message
    out = message
    for site_kw in kw.values():
        old = export_clause(site_kw)
        if old and old in out and (new := driver_clause(site_kw, site)):
            out = out.replace(old, new)
    return out


@dataclass(frozen=True)
class SiteAxis:
    """The driving site of each one-site V2G finding and each scenario's export per site.

    Attributes
    ----------
    drivers : dict
        Finding key (:data:`~protv2g.findings_sites_kinds.KEY_COLUMNS`: criterion, device,
        partner, mechanism, margin unit) → the site that alone fails it.
    kw : dict
        Scenario → {site: export kW} (:func:`site_kw_table`).
    """

    drivers: dict[tuple[str, ...], str] = field(default_factory=dict)
    kw: dict[str, dict[str, float]] = field(default_factory=dict)
    #: (criterion, device, partner) → the site driving a gate line's export: one driver
    #: over every finding of the line, as :func:`protv2g.findings_sites_text.
    #: with_driver_lines` says it ("driven by homes")
    lines: dict[tuple[str, str, str], str] = field(default_factory=dict)

    @classmethod
    def of(cls, table: pd.DataFrame | None, scenarios: pd.DataFrame | None,
           every: bool = False) -> SiteAxis | None:
        """From the Site drivers table and ``StudyResult.scenarios``; None where no finding
        is driven by one site (or the table lacks the columns) — ``every``: None only
        without two sites in the scenario table (the gate keeps every site's export words
        whole, :func:`protv2g.gate_line_short.headline`)."""
        kw = site_kw_table(scenarios)
        empty = cls({}, kw) if every and len(next(iter(kw.values()), {})) >= 2 else None
        need = {*KEY_COLUMNS, "driver", "driver_sites", "scenario"}
        if table is None or not len(table) or not need <= set(table.columns) or not kw:
            return empty
        rows = table.drop_duplicates(list(KEY_COLUMNS))
        drivers, lines = {}, {}
        for key, d, sites, sc in zip(rows[list(KEY_COLUMNS)].itertuples(index=False,
                                                                        name=None),
                                     rows["driver"], rows["driver_sites"], rows["scenario"],
                                     strict=True):
            key = tuple("" if v is None or v != v else str(v) for v in key)
            names = [s for s in str(sites).split(", ") if s]
            one = names[0] if str(d) == Driver.ONE_SITE.value and len(names) == 1 else ""
            if one:
                drivers[key] = one
            if str(sc) in kw and any(p > 0 for p in kw[str(sc)].values()):  # export's
                lines.setdefault(key[:3], set()).add(one)
        lines = {k: next(iter(v)) for k, v in lines.items() if len(v) == 1 and "" not in v}
        if not drivers and not lines:
            return empty
        return cls(drivers, kw, lines)

    def line_words(self, criterion: str, device: str, partner: str, scenario: str,
                   attribution: str, message: str) -> tuple[str, str]:
        """A gate line's ``message`` with its export led by the site that drives the line
        (:func:`lead_with_driver`; a V2G line of one driver), and the words of it its short
        form keeps whole: that site's export, or every site's where no one site drives it
        (:func:`export_clause`); "" where the message names no such export."""
        site_kw = self.kw.get(str(scenario), {})
        clause = export_clause(site_kw)
        if not clause or sum(p > 0 for p in site_kw.values()) < 2 or clause not in message:
            return message, ""
        site = (self.lines.get((str(criterion), str(device), str(partner)), "")
                if str(attribution) in _V2G else "")
        if not site or not driver_clause(site_kw, site):
            return message, clause
        return (lead_with_driver(message, self.kw, site),
                f"with {site} exporting {_mw(site_kw[site])}")

    def site(self, key: tuple[str, ...], attribution: str, other: str = "") -> str:
        """The site driving the finding of ``key`` with ``attribution``, "" for none: the
        table's one driver, else the site a finding is a check of alone (its ``other``
        device one of the sites: C10's reclosing against the site's anti-islanding time,
        C11's screen behind a device only that site is behind — "one site: homes_a (a check
        of this site alone)", :func:`protv2g.findings_sites_text.site_driver_texts`)."""
        if str(attribution) not in _V2G:
            return ""
        if key in self.drivers:
            return self.drivers[key]
        sites = next(iter(self.kw.values()), {})
        return other if len(sites) >= 2 and other in sites else ""

    def columns(self, trend: dict[str, np.ndarray], scenario: np.ndarray, lo: int, hi: int,
                site: str) -> dict[str, np.ndarray]:
        """``trend`` (:func:`~protv2g.findings_trend.trend_columns`, not modified) with rows
        ``lo:hi``' ``p_export_kw`` ``site``'s export in their ``scenario`` and
        ``p_total_kw`` all sites' (the former ``p_export_kw``)."""
        out = dict(trend)
        total = np.asarray(trend["p_export_kw"], dtype=float)
        p = total.copy()
        p[lo:hi] = [self.kw.get(str(s), {}).get(site, np.nan) for s in scenario[lo:hi]]
        out["p_export_kw"], out["p_total_kw"] = p, total
        return out
