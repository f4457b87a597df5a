"""A one-site finding's limit on its gate line and in the Summary (review c12d50: EPRI ckt24's
C12 over-voltage driven by the homes alone said "homes alone reaches the limit at ≈ 15.7 kW
exporting" in the Findings' ``site_driver`` cell and the Site drivers sheet only; OpenDSS
reaches 1.05 pu at 15.77 kW).

The figure is the Site drivers table's ``limit_kw`` column
(:func:`protv2g.findings_sites_c12.site_limit_kw`, linear between every site idle and the site
alone), never recomputed here nor read back from its text; the driver (one site) is the
table's ``driver`` and ``driver_sites`` columns, data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.findings import PAIR_CRITERIA
from protv2g.findings_attribution import Attribution
from protv2g.findings_sites import Driver
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX
from protv2g.violations import is_given

__all__ = ["finding_site_limits", "limit_words", "with_limits", "with_site_limits"]

_CHARGING = frozenset({Attribution.CAUSED_CHARGING.value, Attribution.WORSE_CHARGING.value})


def limit_words(site: str, limit_kw: float) -> str:
    """The words a gate line and the Summary give a one-site finding's limit: its site and
    the Site drivers' ``limit_kw`` (negative: charging); "" where it has none.

    >>> limit_words("homes", 15.7)
    'homes alone reaches the limit at ≈ 15.7 kW exporting (a linear estimate: confirm with a flow)'
    >>> limit_words("depot", -35.2)[:51], limit_words("homes", float("nan"))
    ('depot alone reaches the limit at ≈ 35.2 kW charging', '')
    """
    try:
        kw = float(limit_kw)
    except (TypeError, ValueError):
        return ""
    if not (site and np.isfinite(kw)):
        return ""
    verb = "exporting" if kw > 0 else "charging"
    return (f"{site} alone reaches the limit at ≈ {abs(kw):,.1f} kW {verb} "
            "(a linear estimate: confirm with a flow)")


def _text(frame: pd.DataFrame, col: str) -> list[str]:
    if col not in frame.columns:
        return [""] * len(frame)
    return [str(v) if is_given(v) else "" for v in frame[col].tolist()]


def _one_site_limits(table: pd.DataFrame | None) -> dict[tuple[str, ...], str]:
    """(criterion, line device, mechanism, margin unit, a charging snapshot's) → the limit
    words of the table's one-site findings (:attr:`Driver.ONE_SITE`) that give one."""
    need = {"criterion", "device", "driver", "driver_sites", "limit_kw"}
    if table is None or not len(table) or not need <= set(table.columns):
        return {}
    out: dict[tuple[str, ...], str] = {}
    kws = pd.to_numeric(table["limit_kw"], errors="coerce").tolist()
    for crit, dev, partner, mech, unit, scen, driver, site, kw in zip(
            *(_text(table, c) for c in ("criterion", "device", "partner", "mechanism",
                                        "margin_unit", "scenario", "driver", "driver_sites")),
            kws, strict=True):
        if driver != Driver.ONE_SITE.value or not (words := limit_words(site, kw)):
            continue
        device = f"{dev} / {partner}" if partner else dev
        out.setdefault((crit, device, mech, unit,
                        str(scen.startswith(CHARGING_SNAPSHOT_PREFIX))), words)
    return out


def _find(limits: dict[tuple[str, ...], str], crit: str, device: str, mech: str, unit: str,
          charging: bool) -> str:
    """The limit words of the one finding that matches; those blank in the line's record
    (mechanism, unit) match any; "" where none or two differ."""
    got = {w for (c, d, m, u, ch), w in limits.items()
           if c == crit and d == device and ch == str(charging)
           and (not mech or m == mech) and (not unit or u == unit)}
    return next(iter(got)) if len(got) == 1 else ""


def _before_close(line: str, words: str) -> str:
    """``line`` with ``; words`` before its closing parenthesis (appended without one)."""
    return f"{line[:-1]}; {words})" if line.endswith(")") else f"{line} ({words})"


def with_site_limits(reasons: list[str], data: list[dict[str, Any] | None],
                     table: pd.DataFrame | None
                     ) -> tuple[list[str], list[dict[str, Any] | None]]:
    """The gate's ``reasons`` and ``reason_data`` with each line whose record says one site
    drives it (``site_driver`` :attr:`Driver.ONE_SITE`, set by
    :func:`protv2g.findings_sites_text.with_driver_lines`) and whose finding's Site drivers
    text gives that site's limit saying it, "; homes alone reaches the limit at ≈ 15.7 kW
    exporting (a linear estimate: confirm with a flow)", in the full and the short line, and
    ``site_limit`` in its record (review c12d50: only the Findings and the Site drivers said
    it)."""
    limits = _one_site_limits(table)
    if not limits:
        return reasons, data
    out_r, out_d = list(reasons), list(data)
    for k, rec in enumerate(out_d):
        if not isinstance(rec, Mapping) or rec.get("site_driver") != Driver.ONE_SITE.value:
            continue
        words = _find(limits, str(rec.get("criterion", "")), str(rec.get("device", "")),
                      str(rec.get("mechanism") or ""), str(rec.get("margin_unit") or ""),
                      rec.get("attribution") in _CHARGING)
        if not words:
            continue
        rec = {**rec, "site_limit": words}
        if rec.get("short"):
            rec["short"] = _before_close(str(rec["short"]), words)
        out_r[k] = _before_close(out_r[k], words)
        out_d[k] = rec
    return out_r, out_d


def finding_site_limits(findings: pd.DataFrame, table: pd.DataFrame | None) -> dict[str, str]:
    """Finding id → its driving site's limit in words (:func:`limit_words`) for the findings
    one site drives whose Site drivers text gives it, matched by the findings' key
    (criterion, device, partner, mechanism, margin unit) and, a charging finding, to the
    table's charging-snapshot rows."""
    limits = _one_site_limits(table)
    if not limits or not len(findings):
        return {}
    out = {}
    for f in findings.itertuples(index=False):
        crit = str(f.criterion)
        partner = (str(f.other_device) if crit in PAIR_CRITERIA and is_given(f.other_device)
                   else "")
        device = f"{f.device} / {partner}" if partner else str(f.device)
        words = _find(limits, crit, device, str(getattr(f, "mechanism", "") or ""),
                      str(getattr(f, "margin_unit", "") or ""),
                      str(f.attribution) in _CHARGING)
        if words:
            out[str(f.finding)] = words
    return out


def with_limits(drivers: dict[str, str], limits: Mapping[str, str]) -> dict[str, str]:
    """The Summary's driver words (finding → "driven by homes") with each one-site
    finding's limit after them: "driven by homes (homes alone reaches the limit at …)".

    >>> with_limits({"F1": "driven by homes", "F2": "needs a and b together"},
    ...             {"F1": "homes alone reaches the limit at ≈ 15.7 kW exporting (…)"})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'F1': 'driven by homes; homes alone reaches the limit at ≈ 15.7 kW exporting (…)',
     'F2': 'needs a and b together'}
    """
    return {f: (f"{w}; {limits[f]}" if f in limits and w.startswith("driven by") else w)
            for f, w in drivers.items()}
