"""Protection hosting capacity: the largest export of each V2G site before the first violation.

For every V2G site, participation case (low / expected / firm) and load level (light / peak),
the hosting capacity is the largest site export (kW) at which no *gate-failing* violation
(criterion in ``gate.criteria``, severity in ``gate.fail_severities``, attributed to V2G: new or
worse than the base case) appears, scanning upwards from zero export; with the limiting
criterion, device and fault named. It is also given per criterion.

How it is computed (no brute-force re-runs of the study)
-------------------------------------------------------
The admittance matrices do not depend on the export, and a site exporting ``p`` kW injects
fault current linearly in ``p`` until its current limit binds (``scenarios.py``). So:

1. **Grid** — every site × candidate export level (``n_grid`` steps from 0 to the site's
   nameplate) is one charger scenario of ONE :func:`protv2g.engine.fault_study` call (one
   factorisation per case, all scenarios by triangular solves); participation cases and load
   levels share those charger sets. Then only the checks run on the scenarios.
2. **Bisection** — each bracket (last passing level, first failing level) of each criterion is
   cut into ``n_refine + 1`` parts, all brackets at once in one further small engine call, until
   it is narrower than ``tol_kw``. The hosting capacity is the last *passing* level evaluated
   (conservative by at most ``tol_kw``).

Conventions (stated in every ``note``)
--------------------------------------
* The site under study exports; every other V2G site is idle (no export, no fault current).
* The export cannot exceed what the participating chargers can give:
  ``participation fraction × n_chargers × p_charger_kw`` (``site_max_kw``). When no criterion
  fails up to it, ``hosting_kw = site_max_kw`` and ``limited`` is False.
* Violations present in the base case (attribution ``pre-existing``) do not limit the export.
* A failure that appears and disappears again between two evaluated levels can be missed; the
  grid step (``site nameplate / n_grid``) bounds the window.
"""

from __future__ import annotations

import math
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from protv2g.scenarios import Scenario, SiteState
from protv2g.study.loader import Study
from protv2g.study.schema import Gate, V2GSite
from protv2g.units import ChargerMode, LoadLevel, Participation

__all__ = [
    "BY_CRITERION_COLUMNS",
    "HOSTING_COLUMNS",
    "MARGIN_COLUMNS",
    "ChecksFunction",
    "crit_order",
    "describe_fault",
    "Evaluation",
    "HostingAnalysis",
    "evaluate_scenarios",
    "failing_mask",
    "hosting_analysis",
    "hosting_capacity",
    "plot_hosting_margins",
    "unevaluated_mask",
]

#: Columns of the hosting-capacity table (one row per site × participation × load level).
HOSTING_COLUMNS = [
    "site", "participation", "load_level", "hosting_kw", "hosting_chargers",
    "limiting_criterion", "limiting_device", "limiting_fault", "site_max_kw", "limited", "note",
]

#: Columns of the per-criterion table (one row per site × participation × load × criterion).
BY_CRITERION_COLUMNS = [
    "site", "participation", "load_level", "criterion", "hosting_kw", "hosting_chargers",
    "limiting_device", "limiting_fault", "site_max_kw", "limited", "note",
]

#: Columns of the margin-vs-export table (one row per evaluated level × criterion).
MARGIN_COLUMNS = [
    "site", "participation", "load_level", "p_export_kw", "criterion", "margin", "n_failing",
]

#: ``checks(study, fault_result, flow_result, scenarios) -> (violations, coordination)``, the
#: signature of :func:`protv2g.checks.run_checks`.
ChecksFunction = Callable[[Study, Any, Any, list[Scenario]], tuple[pd.DataFrame, pd.DataFrame]]

#: Attribution of violations already present without V2G.
PRE_EXISTING = "pre-existing"

#: How a check marks a row it could not evaluate (``protv2g.checks._common.could_not``).
COULD_NOT_PREFIX = "could not evaluate"


# --- which rows fail the gate ------------------------------------------------------------------


def failing_mask(violations: pd.DataFrame, gate: Gate, *, attributable: bool = True
                 ) -> pd.Series:
    """Rows of ``violations`` that fail the gate.

    Parameters
    ----------
    violations : DataFrame
        ``VIOLATION_COLUMNS`` rows.
    gate : Gate
        The study's gate section (criteria and failing severities).
    attributable : bool
        True: only rows attributed to V2G (anything but ``pre-existing``; a missing attribution
        counts as attributable, never the other way round). False: only ``pre-existing`` rows.

    Returns
    -------
    Series of bool
        Aligned with ``violations``.
    """
    if violations.empty:
        return pd.Series(False, index=violations.index, dtype=bool)
    severities = {str(getattr(s, "value", s)) for s in gate.fail_severities}
    crit = violations["criterion"].astype(str).isin(set(gate.criteria))
    sev = violations["severity"].astype(str).isin(severities)
    pre = violations["attribution"].astype(str) == PRE_EXISTING
    return crit & sev & ~unevaluated_mask(violations) & (~pre if attributable else pre)


def unevaluated_mask(violations: pd.DataFrame) -> pd.Series:
    """Rows by which a check says it could not evaluate something (not violations)."""
    if violations.empty or "message" not in violations:
        return pd.Series(False, index=violations.index, dtype=bool)
    return violations["message"].astype(str).str.lower().str.startswith(COULD_NOT_PREFIX)


def describe_fault(row: pd.Series | dict) -> str:
    """``"SLG at F1-B03 (min)"`` from a violation row; empty parts are left out."""
    get = row.get
    ftype, bus, case = get("fault_type"), get("fault_bus"), get("case")
    parts = [str(ftype)] if is_given(ftype) else []
    if is_given(bus):
        parts.append(f"at {bus}")
    if is_given(case):
        parts.append(f"({case})")
    return " ".join(parts)


def is_given(value: Any) -> bool:
    """False for None, NaN and empty or "nan"/"None" text (a blank table cell)."""
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value) not in ("", "nan", "None", "<NA>")


# --- evaluating scenarios: faults (one engine call), flow, checks -------------------------------


@dataclass(frozen=True)
class FaultTables:
    """Bus and device fault tables of every scenario (``scenario`` column = scenario name)."""

    bus: pd.DataFrame
    device: pd.DataFrame


@dataclass(frozen=True)
class Evaluation:
    """Checks run on a list of scenarios.

    Attributes
    ----------
    violations : DataFrame
        ``VIOLATION_COLUMNS`` rows of every scenario.
    coordination : DataFrame
        Every evaluated pair/element with its margin (may be empty).
    seconds : float
        Wall time of the evaluation, s.
    """

    violations: pd.DataFrame
    coordination: pd.DataFrame
    seconds: float


def evaluate_scenarios(study: Study, scenarios: Sequence[Scenario],
                       checks: ChecksFunction | None = None) -> Evaluation:
    """Fault study (ONE engine call for all scenarios), flow, then the checks.

    Parameters
    ----------
    study : Study
    scenarios : sequence of Scenario
        Must include the base case of every load level used (attribution needs it).
    checks : callable, optional
        ``checks(study, fault_result, flow_result, scenarios) -> (violations, coordination)``;
        default :func:`protv2g.checks.run_checks`.

    Returns
    -------
    Evaluation

    Raises
    ------
    InputError
        From the engine (bad short-circuit data, islanded buses).
    RuntimeError
        When the checks are not available.
    """
    checks = checks or _default_checks()
    t0 = time.perf_counter()
    scenarios = list(scenarios)
    fault_result, flow_result = _stage_inputs(study, scenarios)
    violations, coordination = checks(study, fault_result, flow_result, scenarios)
    return Evaluation(violations, coordination, time.perf_counter() - t0)


def _stage_inputs(study: Study, scenarios: list[Scenario]) -> tuple[Any, Any]:
    """What the checks read: the fault tables of every scenario (one engine call) and flow."""
    from protv2g.runner import _run_faults

    bus, device = _run_faults(study, scenarios)
    return FaultTables(bus, device), _flow_inputs(study, scenarios)


#: Flow tables by the names :func:`protv2g.checks.run_checks` reads.
_FLOW_TABLES = {"device": "devices", "bus": "buses", "branch": "branches"}


def _flow_inputs(study: Study, scenarios: list[Scenario]) -> dict[str, pd.DataFrame] | None:
    """Power-flow tables of ``scenarios`` (None without the flow stage: C8/C12 then report
    that they could not be evaluated).

    ``flow_study`` runs a study's own scenario axes, so each exporting site gets one variant
    study (that site only, its levels as ``export_levels_kw``) whose scenarios are renamed to
    ours by (participation, load level, export kW). Scenarios with several exporting sites
    need ``flow_study(study, scenarios=...)``, used when it exists.
    """
    import inspect

    try:
        from protv2g.flow.study import flow_study
    except ImportError:
        return None
    from protv2g.scenarios import build_scenarios

    if "scenarios" in inspect.signature(flow_study).parameters:
        res = flow_study(study, scenarios=scenarios, day=False)
        return {k: getattr(res, v) for k, v in _FLOW_TABLES.items()}
    if set(scenarios) <= set(build_scenarios(study.document)):  # the study's own axes
        res = flow_study(study, day=False)
        return {k: getattr(res, v) for k, v in _FLOW_TABLES.items()}

    by_site: dict[str, list[Scenario]] = {}
    for sc in scenarios:
        exporting = [st.site for st in sc.sites if st.p_export_kw > 0]
        if len(exporting) > 1:
            raise NotImplementedError("flow for scenarios with several exporting sites needs "
                                      "flow_study(study, scenarios=...)")
        if exporting:
            by_site.setdefault(exporting[0], []).append(sc)
    axes = study.document.scenarios.model_dump(mode="json")
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in _FLOW_TABLES}
    have_base = False
    for site, wanted in by_site.items():
        key = {(sc.participation, sc.load_level, round(_export(sc), 6)): sc.name
               for sc in wanted}
        variant = study.with_updates(
            v2g_sites=[s.model_dump(mode="json") for s in study.document.v2g_sites
                       if s.name == site],
            scenarios={**axes, "export_levels_fraction": None, "day": False,
                       "export_levels_kw": sorted({_export(sc) for sc in wanted}),
                       "participation": sorted({sc.participation.value for sc in wanted}),
                       "load_levels": sorted({sc.load_level.value for sc in wanted})})
        rename = {}
        for vs in build_scenarios(variant.document):
            if vs.is_base:
                rename[vs.name] = vs.name if not have_base else None
            else:
                rename[vs.name] = key.get((vs.participation, vs.load_level,
                                           round(_export(vs), 6)))
        have_base = True
        res = flow_study(variant, day=False)
        for k, attr in _FLOW_TABLES.items():
            t = getattr(res, attr)
            t = t.assign(scenario=t["scenario"].map(rename))
            parts[k].append(t[t["scenario"].notna()])
    if not have_base:
        return None
    return {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}


def _export(sc: Scenario) -> float:
    return float(sum(st.p_export_kw for st in sc.sites))


def _default_checks() -> ChecksFunction:
    try:
        from protv2g.checks import run_checks
    except ImportError as exc:
        raise RuntimeError("the coordination checks (protv2g.checks.run_checks) are not "
                           "available in this installation") from exc
    return run_checks


# --- hosting capacity ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Axis:
    site: V2GSite
    participation: Participation
    load_level: LoadLevel

    @property
    def cap_kw(self) -> float:
        return self.site.participation.fraction(self.participation) * self.site.p_max_kw

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.site.name, self.participation.value, self.load_level.value)


@dataclass
class HostingAnalysis:
    """Result of :func:`hosting_analysis`.

    Attributes
    ----------
    table : DataFrame
        ``HOSTING_COLUMNS``: one row per site × participation × load level.
    by_criterion : DataFrame
        ``BY_CRITERION_COLUMNS``: the same per gate criterion.
    margins : DataFrame
        ``MARGIN_COLUMNS``: smallest margin of each criterion at each evaluated export level
        (violation rows attributable to V2G, coordination pairs that still coordinate;
        negative = violated), for the margin-vs-export plot.
    n_scenarios : int
        Export scenarios evaluated (base cases not counted).
    n_engine_calls : int
        Fault-engine calls (one per round).
    seconds : float
        Wall time, s.
    levels_kw : dict
        (site, participation, load level) → export levels evaluated, kW.
    unevaluated : dict
        Criterion → what the checks could not evaluate (one line each). The hosting capacity
        ignores those criteria where they could not run: treat it as not established.
    warnings : list of str
        Distinct warnings of the engine, flow and checks during the search, scenario names
        left out, each with its count (recorded here instead of printed per scenario).
    """

    table: pd.DataFrame
    by_criterion: pd.DataFrame
    margins: pd.DataFrame
    n_scenarios: int = 0
    n_engine_calls: int = 0
    seconds: float = 0.0
    levels_kw: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    unevaluated: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _scenario(axis: _Axis, p_kw: float, sites: Sequence[V2GSite]) -> Scenario:
    states = []
    for s in sites:
        if s.name == axis.site.name:
            states.append(SiteState(s.name, ChargerMode.EXPORTING, p_kw, p_kw, axis.cap_kw))
        else:
            states.append(SiteState(s.name, ChargerMode.IDLE, 0.0, 0.0, 0.0))
    name = (f"hosting/{axis.site.name}/{axis.participation.value}/{axis.load_level.value}/"
            f"{p_kw:.6g} kW")
    return Scenario(name, axis.participation, axis.load_level, f"{p_kw:.6g} kW", tuple(states))


def _base(load: LoadLevel, sites: Sequence[V2GSite]) -> Scenario:
    states = tuple(SiteState(s.name, ChargerMode.IDLE, 0.0, 0.0, 0.0) for s in sites)
    return Scenario(f"base/{load.value}", Participation.EXPECTED, load, "0", states,
                    is_base=True)


def _grid_kw(axis: _Axis, n_grid: int) -> list[float]:
    step = axis.site.p_max_kw / n_grid
    cap = axis.cap_kw
    levels = [k * step for k in range(1, n_grid + 1) if k * step < cap * (1 - 1e-9)]
    if cap > 0:
        levels.append(cap)
    return levels


def _selected(items: Sequence[Any] | None, enum: type, default: Sequence[Any]) -> list[Any]:
    return [enum(x) for x in (default if items is None else items)]


def hosting_analysis(study: Study, *, checks: ChecksFunction | None = None,
                     sites: Sequence[str] | None = None,
                     participations: Sequence[Participation | str] | None = None,
                     load_levels: Sequence[LoadLevel | str] | None = None,
                     n_grid: int = 16, n_refine: int = 7, tol_kw: float = 5.0,
                     max_rounds: int = 12) -> HostingAnalysis:
    """Protection hosting capacity of every V2G site, overall and per criterion.

    Parameters
    ----------
    study : Study
        From :func:`protv2g.load_study`; its ``gate`` section says what fails.
    checks : callable, optional
        ``checks(study, fault_result, flow_result, scenarios) -> (violations, coordination)``;
        default :func:`protv2g.checks.run_checks`.
    sites : sequence of str, optional
        Site names; default every V2G site.
    participations : sequence, optional
        Default all three (low, expected, firm).
    load_levels : sequence, optional
        Default both (light, peak).
    n_grid : int
        Candidate levels from 0 to the site nameplate in the first engine call.
    n_refine : int
        Levels added inside each bracket per bisection round.
    tol_kw : float
        Stop refining when a bracket is narrower than this, kW.
    max_rounds : int
        Upper bound on bisection rounds.

    Returns
    -------
    HostingAnalysis

    Raises
    ------
    InputError
        Unknown site names, or bad input found by the engine.

    Example
    -------
    >>> ha = hosting_analysis(load_study("feeders/depot_two_feeder/study.yaml"))  # doctest: +SKIP
    >>> ha.table[["site", "participation", "load_level", "hosting_kw", "limiting_criterion"]]
    """
    from protv2g.errors import InputError, Issue

    t0 = time.perf_counter()
    doc = study.document
    all_sites = doc.v2g_sites
    names = [s.name for s in all_sites]
    if sites is not None:
        unknown = [s for s in sites if s not in names]
        if unknown:
            raise InputError(Issue(str(study.path), "v2g_sites",
                                   f"unknown site(s) {unknown}; sites: {names}",
                                   "name a site of the study"))
    if n_grid < 1 or n_refine < 1 or not tol_kw > 0:
        raise InputError(Issue("options", "n_grid/n_refine/tol_kw",
                               "n_grid and n_refine must be ≥ 1 and tol_kw > 0"))
    chosen = [s for s in all_sites if sites is None or s.name in sites]
    parts = _selected(participations, Participation, list(Participation))
    loads = _selected(load_levels, LoadLevel, list(LoadLevel))
    axes = [_Axis(s, p, ld) for s in chosen for p in parts for ld in loads]
    gate = doc.gate
    criteria = list(gate.criteria)

    # failing[(axis key, p_kw)] = {criterion: worst gate-failing row} of that scenario
    failing: dict[tuple[tuple[str, str, str], float], dict[str, dict[str, Any]]] = {}
    margin_rows: list[pd.DataFrame] = []
    unevaluated: dict[str, list[str]] = {}
    engine_warnings: dict[str, int] = {}
    n_calls = 0

    def run(points: list[tuple[_Axis, float]]) -> None:
        nonlocal n_calls
        if not points:
            return
        scen = [_base(ld, all_sites) for ld in sorted({a.load_level for a, _ in points},
                                                      key=lambda x: x.value)]
        meta: dict[str, tuple[_Axis, float]] = {}
        for axis, p_kw in points:
            sc = _scenario(axis, p_kw, all_sites)
            meta[sc.name] = (axis, p_kw)
            scen.append(sc)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ev = evaluate_scenarios(study, scen, checks)
        for w in caught:
            if not issubclass(w.category, (DeprecationWarning, FutureWarning)):
                text = re.sub(r"scenario [^,)]*", "scenario …", str(w.message))
                key = f"{w.category.__name__}: {text}"
                engine_warnings[key] = engine_warnings.get(key, 0) + 1
        n_calls += 1
        worst = _worst_by_scenario(ev.violations, gate, set(meta))
        bad = ev.violations[unevaluated_mask(ev.violations)]
        for crit, msg in zip(bad["criterion"].astype(str), bad["message"].astype(str),
                             strict=True):
            if msg not in unevaluated.setdefault(crit, []):
                unevaluated[crit].append(msg)
        for name, (axis, p_kw) in meta.items():
            failing[(axis.key, p_kw)] = worst.get(name, {})
        margin_rows.append(_margins(ev, meta, criteria, gate))

    # 1. the grid: every axis × candidate level, one engine call
    run([(a, p) for a in axes for p in _grid_kw(a, n_grid)])

    # 2. bisection of every (axis, criterion) bracket, all brackets per engine call
    for _ in range(max_rounds):
        new: set[tuple[_Axis, float]] = set()
        for axis in axes:
            levels = _levels(failing, axis)
            for crit in criteria:
                lo, hi = _bracket(failing, axis, levels, crit)
                if hi is None or hi - lo <= tol_kw:
                    continue
                for k in range(1, n_refine + 1):
                    new.add((axis, lo + (hi - lo) * k / (n_refine + 1)))
        new_points = [(a, p) for a, p in new if (a.key, p) not in failing]
        if not new_points:
            break
        run(sorted(new_points, key=lambda ap: (ap[0].key, ap[1])))

    table, by_crit = _tables(failing, axes, criteria, unevaluated)
    margin_rows = [m for m in margin_rows if not m.empty]
    margins = (pd.concat(margin_rows, ignore_index=True) if margin_rows
               else pd.DataFrame(columns=MARGIN_COLUMNS))
    margins = margins.sort_values(["site", "participation", "load_level", "criterion",
                                   "p_export_kw"], ignore_index=True)
    levels = {a.key: _levels(failing, a) for a in axes}
    return HostingAnalysis(table, by_crit, margins, n_scenarios=len(failing),
                           n_engine_calls=n_calls, seconds=time.perf_counter() - t0,
                           levels_kw=levels, unevaluated=unevaluated,
                           warnings=[f"{k} ({n}×)" for k, n in engine_warnings.items()])


def _levels(failing: dict, axis: _Axis) -> list[float]:
    return sorted(p for (key, p) in failing if key == axis.key)


def _worst_by_scenario(violations: pd.DataFrame, gate: Gate, names: set[str]
                       ) -> dict[str, dict[str, dict[str, Any]]]:
    """scenario → criterion → its gate-failing row with the smallest margin."""
    if violations.empty:
        return {}
    fail = violations[failing_mask(violations, gate) & violations["scenario"].isin(names)]
    if fail.empty:
        return {}
    fail = fail.assign(_m=pd.to_numeric(fail["margin"], errors="coerce"))
    fail = fail.sort_values("_m", na_position="last", kind="stable")
    first = fail.drop_duplicates(["scenario", "criterion"]).drop(columns="_m")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in first.to_dict(orient="records"):
        out.setdefault(str(row["scenario"]), {})[str(row["criterion"])] = row
    return out


def _fails(worst: dict[str, dict[str, Any]], crit: str | None) -> list[dict[str, Any]]:
    """Worst failing rows of one scenario: of ``crit``, or of every criterion (None)."""
    if crit is None:
        return list(worst.values())
    return [worst[crit]] if crit in worst else []


def _bracket(failing: dict, axis: _Axis, levels: list[float], crit: str | None
             ) -> tuple[float, float | None]:
    """(last passing level, first failing level) of ``crit`` (None: any criterion)."""
    lo = 0.0
    for p in levels:
        if _fails(failing[(axis.key, p)], crit):
            return lo, p
        lo = p
    return lo, None


def crit_order(criterion: str) -> tuple[int, str]:
    """C2 before C10."""
    digits = criterion[1:]
    return (int(digits) if digits.isdigit() else 99, criterion)


def _limiting(failing: dict, axis: _Axis, levels: list[float], crit: str | None
              ) -> dict[str, Any]:
    lo, hi = _bracket(failing, axis, levels, crit)
    p_charger = axis.site.p_charger_kw
    out: dict[str, Any] = {
        "hosting_kw": lo if hi is not None else axis.cap_kw,
        "site_max_kw": axis.cap_kw, "limited": hi is not None,
        "limiting_criterion": "", "limiting_device": "", "limiting_fault": "", "first_fail_kw": hi,
    }
    out["hosting_chargers"] = int(math.floor(out["hosting_kw"] / p_charger + 1e-9))
    if hi is not None:
        rows = sorted(_fails(failing[(axis.key, hi)], crit), key=lambda r: crit_order(
            str(r["criterion"])))
        worst = rows[0]
        out["limiting_criterion"] = ", ".join(str(r["criterion"]) for r in rows)
        device = str(worst["device"]) if is_given(worst.get("device")) else ""
        other = worst.get("other_device")
        out["limiting_device"] = device + (f" / {other}" if is_given(other) else "")
        out["limiting_fault"] = describe_fault(worst)
    return out


def _tables(failing: dict, axes: list[_Axis], criteria: list[str],
            unevaluated: dict[str, list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, crit_rows = [], []
    missing = [c for c in criteria if c in unevaluated]
    caveat = (f"; NOT ESTABLISHED: {', '.join(missing)} could not be evaluated"
              if missing else "")
    for axis in axes:
        levels = _levels(failing, axis)
        base = {"site": axis.site.name, "participation": axis.participation.value,
                "load_level": axis.load_level.value}
        lim = _limiting(failing, axis, levels, None)
        rows.append({**base, **lim, "note": _note(axis, lim) + caveat})
        for crit in criteria:
            c = _limiting(failing, axis, levels, crit)
            why = "; ".join(unevaluated.get(crit, [])[:3])
            crit_rows.append({**base, **c, "criterion": crit, "note": why})
    table = pd.DataFrame(rows, columns=HOSTING_COLUMNS)
    by_crit = pd.DataFrame(crit_rows, columns=BY_CRITERION_COLUMNS)
    for frame in (table, by_crit):
        frame["limited"] = frame["limited"].astype(bool)
        frame["hosting_chargers"] = frame["hosting_chargers"].astype(int)
    return table, by_crit


def _note(axis: _Axis, lim: dict[str, Any]) -> str:
    frac = axis.site.participation.fraction(axis.participation)
    cap = (f"{axis.participation.value} participation: {frac:g} × {axis.site.n_chargers} × "
           f"{axis.site.p_charger_kw:g} kW = {axis.cap_kw:g} kW")
    if axis.cap_kw <= 0:
        return f"no export available ({cap})"
    if not lim["limited"]:
        return f"no criterion limits it up to the site maximum ({cap}); other sites idle"
    hi = lim["first_fail_kw"]
    if lim["hosting_kw"] <= 0:
        return (f"{lim['limiting_criterion']} fails from the smallest export evaluated "
                f"({hi:.6g} kW); other sites idle")
    return (f"{lim['limiting_criterion']} first fails at {hi:.6g} kW "
            f"(passes at {lim['hosting_kw']:.6g} kW); {cap}; other sites idle")


def _margins(ev: Evaluation, meta: dict[str, tuple[_Axis, float]], criteria: list[str],
             gate: Gate) -> pd.DataFrame:
    """Smallest margin per (scenario, criterion) (negative = violated, criterion units).

    Taken over the violation rows attributable to V2G (pre-existing failures, which V2G does
    not make worse, would otherwise flatten every curve at their own margin) and over the
    coordination pairs that still coordinate (``margin_s ≥ 0``), so each curve shows how the
    criterion approaches and crosses zero as the export rises.
    """
    frames = []
    viol = ev.violations
    if not viol.empty:
        keep = (viol["scenario"].isin(meta.keys()) & ~unevaluated_mask(viol)
                & (viol["attribution"].astype(str) != PRE_EXISTING))
        v = viol[keep]
        frames.append(pd.DataFrame({"scenario": v["scenario"], "criterion": v["criterion"],
                                    "margin": pd.to_numeric(v["margin"], errors="coerce")}))
    coord = ev.coordination
    if (coord is not None and not coord.empty
            and {"scenario", "criterion", "margin_s"} <= set(coord.columns)):
        margin = pd.to_numeric(coord["margin_s"], errors="coerce")
        c = coord[coord["scenario"].isin(meta.keys()) & (margin >= 0)]
        frames.append(pd.DataFrame({"scenario": c["scenario"], "criterion": c["criterion"],
                                    "margin": margin[c.index]}))
    frames = [f for f in frames if not f.empty]
    rows: list[dict[str, Any]] = []
    if frames:
        allm = pd.concat(frames, ignore_index=True)
        allm = allm[allm["criterion"].astype(str).isin(criteria)]
        m = allm.groupby(["scenario", "criterion"], sort=False)["margin"].min()
        n_fail = (viol[failing_mask(viol, gate)].groupby(["scenario", "criterion"]).size()
                  if not viol.empty else pd.Series(dtype=int))
        for (name, crit), margin in m.items():
            axis, p_kw = meta[name]
            rows.append({"site": axis.site.name, "participation": axis.participation.value,
                         "load_level": axis.load_level.value, "p_export_kw": p_kw,
                         "criterion": str(crit), "margin": float(margin),
                         "n_failing": int(n_fail.get((name, crit), 0))})
    return pd.DataFrame(rows, columns=MARGIN_COLUMNS)


def hosting_capacity(study: Study, **options: Any) -> pd.DataFrame:
    """The hosting-capacity table (``HOSTING_COLUMNS``) of every V2G site.

    Parameters
    ----------
    study : Study
    **options
        Passed to :func:`hosting_analysis` (``checks``, ``sites``, ``participations``,
        ``load_levels``, ``n_grid``, ``n_refine``, ``tol_kw``).

    Returns
    -------
    DataFrame
        site, participation, load_level, hosting_kw, hosting_chargers, limiting_criterion,
        limiting_device, limiting_fault, site_max_kw, limited (bool), note.

    Example
    -------
    >>> hosting_capacity(study, participations=["firm"], load_levels=["peak"])  # doctest: +SKIP
    """
    return hosting_analysis(study, **options).table


# --- the plot -----------------------------------------------------------------------------------


def plot_hosting_margins(analysis: HostingAnalysis, path: str | Path, *, title: str = ""
                         ) -> Path:
    """Margin vs export per criterion (one panel per criterion), written as a PNG.

    Parameters
    ----------
    analysis : HostingAnalysis
    path : str or Path
        PNG to write.
    title : str
        Figure title.

    Returns
    -------
    Path
        The PNG written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    margins = analysis.margins
    crits = sorted(map(str, margins["criterion"].unique()), key=crit_order)
    n = max(len(crits), 1)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 3.6 * rows), squeeze=False)
    flat = list(np.ravel(axes))
    colors: dict[tuple[str, str], str] = {}
    if not crits:
        flat[0].text(0.5, 0.5, "no margins reported by the checks", ha="center", va="center",
                     transform=flat[0].transAxes)
    for ax, crit in zip(flat, crits, strict=False):
        sub = margins[margins["criterion"] == crit]
        for (site, part, load), g in sub.groupby(["site", "participation", "load_level"]):
            line, = ax.plot(g["p_export_kw"], g["margin"], marker=".", ms=3,
                            ls="-" if load == "peak" else "--",
                            color=colors.setdefault((site, part), f"C{len(colors)}"),
                            label=f"{site} {part}/{load}")
            row = analysis.by_criterion[(analysis.by_criterion["site"] == site)
                                        & (analysis.by_criterion["participation"] == part)
                                        & (analysis.by_criterion["load_level"] == load)
                                        & (analysis.by_criterion["criterion"] == crit)]
            if len(row) and bool(row["limited"].iloc[0]):
                ax.axvline(float(row["hosting_kw"].iloc[0]), color=line.get_color(), ls=":",
                           lw=1)
        ax.axhline(0.0, color="k", lw=0.8)
        ax.set_title(f"{crit}")
        ax.set_xlabel("site export (kW)")
        ax.set_ylabel("smallest margin (criterion units)")
        ax.grid(True, alpha=0.3)
    for ax in flat[len(crits) or 1:]:
        ax.set_visible(False)
    labels: dict[str, Any] = {}
    for ax in flat[:len(crits)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            labels.setdefault(label, handle)
    if labels:
        fig.legend(list(labels.values()), list(labels), loc="lower center", fontsize=7,
                   ncol=min(len(labels), 6), frameon=False)
    fig.suptitle((title + "\n" if title else "") + "smallest margin vs export (below 0: "
                 "violated; dotted: hosting capacity per criterion)", fontsize=10)
    rows_legend = math.ceil(len(labels) / 6) if labels else 0
    fig.tight_layout(rect=(0, 0.03 * rows_legend + 0.01, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
