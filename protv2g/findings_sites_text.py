"""Where a finding's site driver (:mod:`protv2g.findings_sites`) is said: the Findings
sheet's ``site_driver`` column (:func:`site_driver_texts`) and the gate's ``fail:`` line and
record (:func:`with_driver_lines`). Only findings caused or made worse by V2G say it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.findings import PAIR_CRITERIA
from protv2g.findings_attribution import Attribution
from protv2g.findings_sites import KEY_COLUMNS, Driver
from protv2g.violations import is_given

__all__ = ["site_driver_texts", "with_driver_lines"]


def site_driver_texts(findings: pd.DataFrame, table: pd.DataFrame | None) -> list[str]:
    """Each finding's ``driver_text`` (:func:`site_drivers`) where it is caused or made worse
    by V2G and the table has its key, else ""."""
    if table is None or not len(table) or not len(findings):
        return [""] * len(findings)
    text = {tuple(str(v) for v in k): t for k, t in zip(
        table[list(KEY_COLUMNS)].itertuples(index=False, name=None), table["driver_text"],
        strict=True)}
    v2g = {Attribution.CAUSED.value, Attribution.WORSE.value}
    out = []
    for f in findings.itertuples(index=False):
        crit = str(f.criterion)
        partner = str(f.other_device) if crit in PAIR_CRITERIA and is_given(
            f.other_device) else ""
        key = (crit, str(f.device), partner, str(f.mechanism), str(f.margin_unit))
        out.append(text.get(key, "") if str(f.attribution) in v2g else "")
    return out


def with_driver_lines(reasons: list[str], data: list[dict[str, Any] | None],
                      table: pd.DataFrame | None) -> tuple[list[str], list[dict[str, Any] | None]]:
    """The gate's ``reasons`` and ``reason_data`` with each V2G ``fail:`` line of a finding in
    ``table`` (:func:`site_drivers`) saying its driver: ``site_driver`` (:class:`Driver`) and
    ``driver_sites`` in its record, "; driven by depot" (:func:`_short_driver`) before the
    line's closing parenthesis, in the full and the short line. The line is matched by its
    record's criterion and device (``device / partner``) — one driver only: a pair with two
    findings of different drivers says none."""
    if table is None or not len(table):
        return reasons, data
    by_line: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for r in table.drop_duplicates(list(KEY_COLUMNS)).itertuples(index=False):
        device = f"{r.device} / {r.partner}" if r.partner else str(r.device)
        by_line.setdefault((str(r.criterion), device), set()).add((r.driver, r.driver_sites))
    v2g = {Attribution.CAUSED.value, Attribution.WORSE.value}
    out_r, out_d = list(reasons), list(data)
    for k, rec in enumerate(out_d):
        if not isinstance(rec, dict) or rec.get("kind") != "fail" or rec.get(
                "attribution") not in v2g:
            continue
        found = by_line.get((str(rec.get("criterion")), str(rec.get("device"))))
        if not found or len(found) != 1:
            continue
        driver, sites = next(iter(found))
        words = _short_driver(driver, sites)
        if not words:
            continue
        rec = {**rec, "site_driver": driver, "driver_sites": sites}
        if rec.get("short"):
            rec["short"] = _before_close(str(rec["short"]), words)
        out_r[k] = _before_close(out_r[k], words)
        out_d[k] = rec
    return out_r, out_d


def _short_driver(driver: str, sites: str) -> str:
    """"driven by depot", "each of depot, campus on its own", "needs depot and campus
    together"; "" when not judged."""
    names = [s for s in sites.split(", ") if s]
    if driver == Driver.ONE_SITE.value:
        return f"driven by {names[0]}"
    if driver == Driver.EACH_SITE.value:
        return f"each of {', '.join(names)} on its own"
    if driver == Driver.TOGETHER.value:
        return f"needs {', '.join(names[:-1])} and {names[-1]} together"
    return ""


def _before_close(line: str, words: str) -> str:
    """``line`` with ``; words`` before its closing parenthesis (appended without one)."""
    return f"{line[:-1]}; {words})" if line.endswith(")") else f"{line} ({words})"
