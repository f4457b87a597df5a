"""Where a finding's site driver (:mod:`protv2g.findings_sites`) is said: the Findings
sheet's ``site_driver`` column (:func:`site_driver_texts`) and the gate's ``fail:`` line and
record (:func:`with_driver_lines`). Only findings caused or made worse by V2G say it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_saving_range import SavingMechanism
from protv2g.criteria import CATALOGUE, Need
from protv2g.findings import PAIR_CRITERIA
from protv2g.findings_attribution import Attribution
from protv2g.findings_rows import finding_mechanism
from protv2g.findings_sites import KEY_COLUMNS, MAX_FINDINGS, Driver, NotJudged
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX
from protv2g.violations import is_given

__all__ = ["UNJUDGED_WORDS", "driver_words", "multi_site_scenarios", "site_columns",
           "not_judged_reason", "short_driver_texts", "site_driver_texts", "with_driver_lines",
           "with_together_hosting"]


#: A C8 charging peak's attributions: the table judges it where ≥ 2 sites charge
#: (:func:`protv2g.findings_sites._flow_driver_rows`).
_CHARGING = frozenset({Attribution.CAUSED_CHARGING.value, Attribution.WORSE_CHARGING.value})
#: The flow criterion judged per site (C8's device loads, :mod:`protv2g.findings_sites_flow`).
_LOAD_CRITERION = "C8"


def site_columns(scenarios: pd.DataFrame | None) -> dict[str, str]:
    """Site → its ``p_<site>_kw`` column of ``StudyResult.scenarios``."""
    if scenarios is None:
        return {}
    return {str(c)[2:-3]: str(c) for c in scenarios.columns
            if str(c).startswith("p_") and str(c).endswith("_kw")}


def multi_site_scenarios(scenarios: pd.DataFrame | None) -> set[str]:
    """The scenarios of ``StudyResult.scenarios`` where two or more V2G sites export (its
    ``p_<site>_kw`` columns above 0)."""
    cols = list(site_columns(scenarios).values())
    if len(cols) < 2 or "scenario" not in scenarios.columns:
        return set()
    p_kw = scenarios[cols].apply(pd.to_numeric, errors="coerce").fillna(0.0).to_numpy()
    return set(scenarios["scenario"].astype(str)[(p_kw > 0).sum(axis=1) >= 2])


def _keys(findings: pd.DataFrame) -> list[tuple[str, ...]]:
    """Each finding's key in the table (:data:`KEY_COLUMNS`)."""
    out = []
    for f in findings.itertuples(index=False):
        crit = str(f.criterion)
        partner = str(f.other_device) if crit in PAIR_CRITERIA and is_given(
            f.other_device) else ""
        out.append((crit, str(f.device), partner, str(f.mechanism), str(f.margin_unit)))
    return out


def _table_by_key(table: pd.DataFrame | None, column: str) -> dict[tuple[str, ...], Any]:
    if table is None or not len(table):
        return {}
    return {tuple(str(v) for v in k): t for k, t in zip(
        table[list(KEY_COLUMNS)].itertuples(index=False, name=None), table[column],
        strict=True)}


def not_judged_reason(criterion: str, mechanism: str, *, n_judged: int) -> NotJudged:
    """Why a multi-site V2G finding of ``criterion`` and ``mechanism`` has no row in the
    table of ``n_judged`` findings (:class:`NotJudged`); an OpenDSS feeder's findings are
    solved per site as a pandapower feeder's (:mod:`protv2g.findings_sites_dss`)."""
    needs = CATALOGUE[criterion].needs if criterion in CATALOGUE else (Need.FAULTS,)
    if Need.FLOW in needs and criterion != _LOAD_CRITERION:
        return NotJudged.FLOW
    if not needs:
        return NotJudged.SCREEN
    if mechanism == SavingMechanism.RANGE_SHRUNK.value:
        return NotJudged.RANGE
    if n_judged >= MAX_FINDINGS:
        return NotJudged.BEYOND_CAP
    return NotJudged.NO_LOAD_ROW if criterion == _LOAD_CRITERION else NotJudged.NO_FAULT_ROW


def site_driver_texts(findings: pd.DataFrame, table: pd.DataFrame | None,
                      multi: set[str] | None = None, sites: Sequence[str] = ()
                      ) -> list[str]:
    """Each finding's ``site_driver`` cell (review ver46 #4: a blank cell read as "one site"
    whatever it meant).

    Parameters
    ----------
    findings : DataFrame
        :class:`protv2g.findings.Findings`' findings table.
    table : DataFrame or None
        The "Site drivers" table (:func:`protv2g.findings_sites.site_drivers`).
    multi : set of str, optional
        The scenarios where two or more sites export (:func:`multi_site_scenarios`); empty:
        a single-site study.
    sites : sequence of str
        The study's V2G sites: a finding whose partner is one of them is that site's own
        (C10's reclosing against each site's anti-islanding time).

    Returns
    -------
    list of str
        A V2G finding (caused or made worse by V2G, or by charging: a C8 charging peak) the
        table judged: its ``driver_text``;
        one of a site: "one site: <site> (a check of this site alone)"; another V2G (or
        charging's) finding of a multi-site study: "not judged (<why>)"
        (:attr:`Driver.UNJUDGED`, :class:`NotJudged`); else "" (a single-site study, or not
        V2G's).
    """
    if not len(findings):
        return []
    text = (_table_by_key(table, "driver_text") if table is not None
            and "driver_text" in table.columns else {})
    n_judged = len(table.drop_duplicates(list(KEY_COLUMNS))) if text else 0
    v2g = {Attribution.CAUSED.value, Attribution.WORSE.value}
    out = []
    for f, key in zip(findings.itertuples(index=False), _keys(findings), strict=True):
        if str(f.attribution) in _CHARGING and key not in text and len(sites) >= 2:
            # charging's (C8 charging peaks, C12) in a multi-site study, not judged: why
            # (review chg47: the residential homes' cells were blank)
            why = not_judged_reason(key[0], key[3], n_judged=n_judged)
            out.append(f"{Driver.UNJUDGED.value} ({why.value})")
        elif str(f.attribution) in _CHARGING:  # judged; or a single-site study's: blank
            out.append(text.get(key, ""))
        elif str(f.attribution) not in v2g:
            out.append("")
        elif key in text:
            out.append(text[key])
        elif not multi:
            out.append("")
        elif is_given(f.other_device) and str(f.other_device) in sites:
            out.append(f"{Driver.ONE_SITE.value}: {f.other_device} (a check of this site alone)")
        else:
            why = not_judged_reason(key[0], key[3], n_judged=n_judged)
            out.append(f"{Driver.UNJUDGED.value} ({why.value})")
    return out


def short_driver_texts(findings: pd.DataFrame, table: pd.DataFrame | None) -> dict[str, str]:
    """Finding id → its driver's short words ("driven by depot", :func:`_short_driver`) for
    the V2G findings the table judged (the Summary's conditions; review ver46 #6)."""
    driver, sites = _table_by_key(table, "driver"), _table_by_key(table, "driver_sites")
    text = (_table_by_key(table, "driver_text") if table is not None
            and "driver_text" in table.columns else {})
    v2g = {Attribution.CAUSED.value, Attribution.WORSE.value, *_CHARGING}
    out = {}
    for f, key in zip(findings.itertuples(index=False), _keys(findings), strict=True):
        if str(f.attribution) in v2g and key in driver:
            if words := _short_driver(str(driver[key]), str(sites[key]), text.get(key, "")):
                out[str(f.finding)] = words
    return out


#: The gate line's words for a finding the table has whose margin was not recomputed per
#: site (:attr:`Driver.UNJUDGED`: the all-sites solve did not reproduce the row, or its
#: margin is −∞).
UNJUDGED_WORDS = "its margin not recomputed per site; each site's currents: Site drivers sheet"


def _given(value: Any) -> str:
    """A cell as text, "" for a blank one (:func:`~protv2g.violations.is_given`)."""
    return str(value) if is_given(value) else ""


#: A gate line's place: (criterion, line device ``device / partner``, a charging snapshot's).
_Line = tuple[str, str, bool]
#: A finding's rest of its key on that line: (mechanism, margin unit).
_Rule = tuple[str, str]


def _own(entries: dict[_Rule, Any], rec: dict[str, Any], exact: bool = True
         ) -> dict[_Rule, Any]:
    """The entries (a line's findings, by :data:`_Rule`) of the finding of the gate line of
    record ``rec``: those of its ``mechanism`` and ``margin_unit`` where the
    record has them (:func:`protv2g.gate_reason_record.reason_record`; the gate groups a
    line's rows by the findings' key, so a line is one finding's: review ver49 #5, DG's C5
    ``a`` fail line F03 "each of campus, homes on its own" and its warn F11 "needs campus
    and homes together" fell on one (criterion, device) and the line said neither), every
    one without them. ``exact=False``: a blank mechanism of a pair criterion's line matches
    any (its finding's may be the coordination table's rule, which the line's rows do not
    carry, :func:`~protv2g.findings_rows.finding_mechanism`)."""
    want = [(k, _given(rec[f])) for k, f in enumerate(("mechanism", "margin_unit")) if f in rec]
    if not exact and str(rec.get("criterion")) in PAIR_CRITERIA:
        want = [(k, w) for k, w in want if k or w]
    return {rule: v for rule, v in entries.items() if all(rule[k] == w for k, w in want)}


def _unjudged_lines(violations: pd.DataFrame | None, multi: set[str], sites: Sequence[str],
                    n_judged: int) -> dict[_Line, dict[_Rule, str]]:
    """(criterion, line device, a charging snapshot's) → (mechanism, margin unit) → why the
    driver of the V2G fail/warn rows of that finding's line in a multi-site scenario (or,
    two or more sites in the study, in a charging snapshot) is not judged
    (:func:`not_judged_reason`); a line whose partner is one V2G site is that site's own and
    gets nothing."""
    need = {"criterion", "device", "other_device", "status", "attribution", "scenario"}
    if violations is None or not (multi or len(sites) >= 2) or not need <= set(
            violations.columns):
        return {}
    scen = violations["scenario"].astype(str)
    charging = scen.str.startswith(CHARGING_SNAPSHOT_PREFIX).to_numpy() & (len(sites) >= 2)
    mask = ((scen.isin(multi).to_numpy() | charging)
            & violations["status"].astype(object).isin(("fail", "warn")).to_numpy()
            & violations["attribution"].astype(object).isin(("new", "worse")).to_numpy())
    rows = violations.iloc[np.flatnonzero(mask)]
    blank = pd.Series([""] * len(rows))
    mech, rule_, unit = (rows[c] if c in rows.columns else blank
                         for c in ("mechanism", "rule", "margin_unit"))
    out: dict[_Line, dict[_Rule, str]] = {}
    for crit, dev, other, m, r, u, ch in zip(rows["criterion"], rows["device"],
                                             rows["other_device"], mech, rule_, unit,
                                             charging[mask], strict=True):
        partner = str(other) if is_given(other) and str(other) else ""
        if partner in sites:
            continue
        key = (str(crit), f"{dev} / {partner}" if partner else str(dev), bool(ch))
        rules = out.setdefault(key, {})
        # the line's record's key (reason_record): the mechanism as the findings take it
        rule = (finding_mechanism({"mechanism": m, "rule": r}), _given(u))
        if rule not in rules:
            rules[rule] = not_judged_reason(str(crit), _given(m), n_judged=n_judged).value
    return out


def with_driver_lines(reasons: list[str], data: list[dict[str, Any] | None],
                      table: pd.DataFrame | None, violations: pd.DataFrame | None = None,
                      scenarios: pd.DataFrame | None = None
                      ) -> tuple[list[str], list[dict[str, Any] | None]]:
    """The gate's ``reasons`` and ``reason_data`` with each V2G ``fail:`` line (and C8 charging
    peak's, matched to the table's charging-snapshot rows) of a finding in
    ``table`` (:func:`site_drivers`) saying its driver: ``site_driver`` (:class:`Driver`) and
    ``driver_sites`` in its record, "; driven by depot" (:func:`_short_driver`) before the
    line's closing parenthesis, in the full and the short line. The line is matched to its
    finding by its record's criterion, device (``device / partner``), mechanism and margin
    unit, the findings' key (:func:`_own`); where that leaves two findings of different
    drivers (a record without the last two; a pair line whose rows carry no mechanism),
    each one's is said after its mechanism (:func:`_each_driver`).

    A V2G ``fail:`` line whose driver is not judged says so (review: the gate said nothing
    of them): "; driver not judged (<why>)" — a finding of the table whose margin was not
    recomputed (:data:`UNJUDGED_WORDS`), or, with ``violations`` and ``scenarios`` (the
    result's), a line of rows in a scenario where two or more sites export that the table
    lacks (:func:`not_judged_reason`); ``site_driver`` is then ``not judged`` and
    ``driver_not_judged`` the why."""
    multi = multi_site_scenarios(scenarios)
    has_table = table is not None and len(table)
    if not has_table and not multi and len(site_columns(scenarios)) < 2:
        return reasons, data
    # (criterion, device, a charging snapshot's): a C8 charging peak's line apart from the
    # export peak's of the same device
    by_line: dict[_Line, dict[_Rule, tuple[str, str, str]]] = {}
    for r in (table.drop_duplicates(list(KEY_COLUMNS)).itertuples(index=False) if has_table
              else ()):
        device = f"{r.device} / {r.partner}" if r.partner else str(r.device)
        charging = str(getattr(r, "scenario", "")).startswith(CHARGING_SNAPSHOT_PREFIX)
        by_line.setdefault((str(r.criterion), device, charging), {})[
            (_given(r.mechanism), _given(r.margin_unit))] = (
            r.driver, r.driver_sites, driver_words(str(getattr(r, "driver_text", ""))))
    n_judged = len(table.drop_duplicates(list(KEY_COLUMNS))) if has_table else 0
    lacking = _unjudged_lines(violations, multi, list(site_columns(scenarios)), n_judged)
    v2g = {Attribution.CAUSED.value, Attribution.WORSE.value}
    out_r, out_d = list(reasons), list(data)
    for k, rec in enumerate(out_d):
        if not isinstance(rec, dict) or rec.get("kind") != "fail" or rec.get(
                "attribution") not in v2g | _CHARGING:
            continue
        charging = rec.get("attribution") in _CHARGING
        line = (str(rec.get("criterion")), str(rec.get("device")), charging)
        own = _own(by_line.get(line, {}), rec, exact=False)
        found = set(own.values())
        unjudged = list(_own(lacking.get(line, {}), rec).values())
        why = (UNJUDGED_WORDS if found and {d for d, *_ in found} == {Driver.UNJUDGED.value}
               else unjudged[0] if not found and unjudged else None)
        if why:
            words = f"driver not judged ({why})"
            rec = {**rec, "site_driver": Driver.UNJUDGED.value, "driver_sites": "",
                   "driver_not_judged": why}
            if rec.get("short"):
                rec["short"] = _before_close(str(rec["short"]), words)
            out_r[k] = _before_close(out_r[k], words)
            out_d[k] = rec
            continue
        if not found:
            continue
        if len(found) > 1:  # findings of one line the record cannot tell apart: each said
            words = _each_driver(own)
            if words:
                if rec.get("short"):
                    rec = {**rec, "short": _before_close(str(rec["short"]), words)}
                out_r[k] = _before_close(out_r[k], words)
                out_d[k] = rec
            continue
        driver, sites, head = next(iter(found))
        words = _short_driver(driver, sites, head)
        if not words:
            continue
        rec = {**rec, "site_driver": driver, "driver_sites": sites}
        if rec.get("short"):
            rec["short"] = _before_close(str(rec["short"]), words)
        out_r[k] = _before_close(out_r[k], words)
        out_d[k] = rec
    return out_r, out_d


def _each_driver(own: dict[_Rule, tuple[str, str, str]]) -> str:
    """The drivers of the findings one gate line stands for, each after its mechanism (or,
    without one, its margin unit): "each finding's driver: fuse TC < recloser delayed:
    driven by homes-lat1; lockout: each of … on its own" — a pair line whose rows carry no
    mechanism, its findings' being the coordination table's rules; "" when one of them is
    not judged (the line then names none rather than some)."""
    parts = []
    for (mech, unit), (driver, sites, head) in sorted(own.items()):
        if not (words := _short_driver(driver, sites, head)):
            return ""
        parts.append(f"{mech or f'in {unit}'}: {words}")
    return "each finding's driver: " + "; ".join(parts)


def driver_words(text: str) -> str:
    """A ``driver_text``'s words before its figures: "needs depot and campus together;
    without homes still fails: margin −2.686 A" of "… (in charging/firm: depot alone: …)"
    (:func:`protv2g.findings_sites_kinds.together_words` puts none of its own in
    parentheses)."""
    return text.split(" (", 1)[0]


def _short_driver(driver: str, sites: str, text: str = "") -> str:
    """"driven by depot", "each of depot, campus on its own", "needs depot and campus
    together" (with ``text``, the table's ``driver_text``: its words, which say a site whose
    removal still reproduces the finding, review rev49a #1); "" when not judged."""
    names = [s for s in sites.split(", ") if s]
    if driver == Driver.ONE_SITE.value:
        return f"driven by {names[0]}"
    if driver == Driver.EACH_SITE.value:
        return f"each of {', '.join(names)} on its own"
    if driver == Driver.TOGETHER.value:
        return (driver_words(text) if text.startswith("needs ")
                else f"needs {', '.join(names[:-1])} and {names[-1]} together")
    return ""


def _before_close(line: str, words: str) -> str:
    """``line`` with ``; words`` before its closing parenthesis (appended without one)."""
    return f"{line[:-1]}; {words})" if line.endswith(")") else f"{line} ({words})"


def with_together_hosting(limits: dict[str, str] | None, data: Sequence[dict[str, Any] | None],
                          table: pd.DataFrame | None, unlimited: str
                          ) -> dict[str, str] | None:
    """The gate's ``hosting_limit`` (site → what limits its figure) with each site whose text
    is ``unlimited`` ("site maximum: no criterion limits it") and that a V2G ``fail:`` line
    needs together with other sites (its record's ``site_driver`` :attr:`Driver.TOGETHER`,
    :func:`with_driver_lines`) saying so: "… limits it alone; with campus it fails C8 r1
    (firm/light/100%: depot 4,500 kW + campus 4,500 kW together)" — the per-site figure is
    that site alone and does not add up (review rev39b M4; fdrv46's depot)."""
    if not limits or table is None or not len(table):
        return limits
    out = dict(limits)
    for rec in data:
        if not isinstance(rec, dict) or rec.get("kind") != "fail" or rec.get(
                "site_driver") != Driver.TOGETHER.value or rec.get("attribution") in _CHARGING:
            continue
        crit, device = str(rec.get("criterion")), str(rec.get("device"))
        names = [n for n in str(rec.get("driver_sites", "")).split(", ") if n]
        # the export's rows of the finding (a C8 charging peak's are not a hosting limit)
        rows = table[(table["criterion"].astype(str) == crit) & (table["device"].astype(str)
                     == device.split(" / ")[0]) & (table["counterfactual"] == "alone")
                     & ~table["scenario"].astype(str).str.startswith(CHARGING_SNAPSHOT_PREFIX)]
        if not len(rows):
            continue
        scenario = str(rows["scenario"].iloc[0])
        kw = {str(r.site): float(r.p_export_kw) for r in rows.itertuples(index=False)}
        both = " + ".join(f"{n} {kw.get(n, float('nan')):,.0f} kW" for n in names)
        for site in names:
            text = out.get(site) or ""
            if not text.startswith(unlimited) or text.startswith(f"{unlimited} alone"):
                continue  # limited, not determined, or said already (one finding each)
            with_ = [n for n in names if n != site]
            out[site] = (f"{unlimited} alone; with {', '.join(with_)} it fails {crit} "
                         f"{device} ({scenario}: {both} together){text[len(unlimited):]}")
    return out
