"""The hosting-capacity search: grid, then bisection of every bracket, all by the pipeline.

See :mod:`protv2g.hosting` for what is computed and the conventions. The fault and flow
tables of every evaluated scenario come from :mod:`protv2g.pipeline` (one engine call per
round); the checks from :func:`protv2g.checks.run_checks`; which rows fail from
:mod:`protv2g.gate` — hosting asks the gate, it does not decide. How a round is evaluated
(one engine call, or calls of bounded size) is :mod:`.calls` (its size limits are read, so
set, there: not re-exported here); the levels and scenarios of an axis, and a site's
tolerance, :mod:`.points`; where an axis's search stops, :mod:`.early`; the chargers-online
search, :mod:`.online`; the result, :mod:`.analysis`; the axes and points, :mod:`.axis`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from protv2g.checks.flow_limit import limit_tolerance_pu
from protv2g.checks.load_withstand import withstand_links
from protv2g.devices.recloser import SubCycleClearingWarning
from protv2g.engine.collect import release_freed_memory
from protv2g.errors import InputError, Issue
from protv2g.gate import not_applicable_criteria, unevaluated_mask
from protv2g.hosting.analysis import HostingAnalysis
from protv2g.hosting.axis import Found, Key, Point
from protv2g.hosting.calls import (  # noqa: F401  (re-exported: read from here)
    ChecksFunction,
    Evaluation,
    _chunks,
    evaluate_scenarios,
    exports_per_call,
)
from protv2g.hosting.early import decided, first_then_levels, mark_not_searched
from protv2g.hosting.limits import (
    given_bracket,
    over_limit_bracket,
    unmodelled_as_unevaluated,
    worst_by_scenario,
)
from protv2g.hosting.margins import MARGIN_COLUMNS, margin_table
from protv2g.hosting.online import search_online, with_online
from protv2g.hosting.partial import partial_table
from protv2g.hosting.points import (  # noqa: F401  (re-exported: read from here)
    DEFAULT_TOL_KW,
    TOL_CHARGER_FRACTION,
    base_scenario,
    export_scenario,
    grid_kw,
    light_bases,
    online_scenario,
    site_tol_kw,
)
from protv2g.hosting.tables import (
    Aside,
    Axis,
    Failing,
    bracket,
    fails,
    hosting_tables,
    levels,
)
from protv2g.hosting.tolerance_end import (
    LOW_TOLERANCE_PU,
    bus_label,
    flow_excess,
    with_at_v_max,
)
from protv2g.hosting.warning_text import grouped_warnings, warning_key
from protv2g.hosting.warns import warns_from
from protv2g.input_basis import confirm_texts, study_input_bases, tag_input_basis
from protv2g.pipeline import study_with_sites
from protv2g.slice_note import PllNote
from protv2g.study.loader import Study
from protv2g.study.site_equipment import own_transformer, site_transformer_devices
from protv2g.units import LoadLevel, Participation

__all__ = ["ChecksFunction", "Evaluation", "HostingAnalysis", "evaluate_scenarios",
           "exports_per_call", "hosting_analysis", "hosting_capacity", "site_tol_kw",
           "DEFAULT_TOL_KW", "TOL_CHARGER_FRACTION"]



def _selected(items: Sequence[Any] | None, enum: type, default: Sequence[Any]) -> list[Any]:
    return [enum(x) for x in (default if items is None else items)]


def hosting_analysis(study: Study, *, checks: ChecksFunction | None = None,
                     sites: Sequence[str] | None = None,
                     participations: Sequence[Participation | str] | None = None,
                     load_levels: Sequence[LoadLevel | str] | None = None,
                     n_grid: int = 16, n_refine: int = 7, tol_kw: float | None = None,
                     max_rounds: int = 12,
                     progress: Callable[[str], None] | None = None,
                     extra_kw: Mapping[str, Sequence[float]] | None = None,
                     on_round: Callable[[pd.DataFrame], None] | None = None
                     ) -> HostingAnalysis:
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
        Candidate levels from 0 to the site nameplate in the first engine call (plus the
        smallest export, ``tol_kw``).
    n_refine : int
        Levels added inside each bracket per bisection round.
    tol_kw : float, optional
        Stop refining when a bracket is narrower than this, kW. Default: per site,
        :func:`site_tol_kw` — ``min(5 kW, ¼ of one charger's kW)``, so a home-scale site is
        searched to a fraction of its chargers' output (review rev34b F1: 8 × 7.4 kW, grid
        step 3.7 kW under the flat 5 kW tolerance, no bisection: 11 kW reported, 14.24 kW
        by OpenDSS).
    max_rounds : int
        Upper bound on bisection rounds.
    progress : callable, optional
        Called before each engine call with what it is (``"bisection round 2: engine call
        3, 24 export levels"``): a search on a utility feeder takes minutes (review25 §9).
    extra_kw : mapping, optional
        Site name → export levels (kW) added to its grid (those within 0 … its axis's
        maximum): the hosting band's coarse searches evaluate the figure and the export where
        the figure's search first fails, so that they do not step over a limit that holds
        only over a window of exports (review rev37b F4).
    on_round : callable, optional
        Called after every engine call with what the search has settled so far
        (:func:`protv2g.hosting.partial.partial_table`): what a stopped search can still give
        (review rev42a F2).

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
    >>> ha.table[["site", "participation", "load_level", "hosting_kw",  # doctest: +SKIP
    ...           "limiting_criterion"]]
    """
    t0 = time.perf_counter()
    # the sites' interconnection transformers in the study's net, as run_study does before
    # its search: the checks name branches on it (was KeyError: 1 in C12's branch names on a
    # pandapower study with one, `protv2g hosting`; idempotent, no-op without one)
    study = study_with_sites(study)
    doc = study.document
    all_sites = doc.v2g_sites
    names = [s.name for s in all_sites]
    if sites is not None:
        unknown = [s for s in sites if s not in names]
        if unknown:
            raise InputError(Issue(str(study.path), "v2g_sites",
                                   f"unknown site(s) {unknown}; sites: {names}",
                                   "name a site of the study"))
    if n_grid < 1 or n_refine < 1 or (tol_kw is not None and not tol_kw > 0):
        raise InputError(Issue("options", "n_grid/n_refine/tol_kw",
                               "n_grid and n_refine must be ≥ 1 and tol_kw > 0"))
    chosen = [s for s in all_sites if sites is None or s.name in sites]
    parts = _selected(participations, Participation, list(Participation))
    loads = _selected(load_levels, LoadLevel, list(LoadLevel))
    axes = [Axis(s, p, ld) for s in chosen for p in parts for ld in loads]
    tol_of = {a.key: site_tol_kw(a.site, tol_kw) for a in axes}
    gate = doc.gate
    criteria = list(gate.criteria)
    change_min_pu = float(doc.checks.voltage_change_min_pu)
    v_max_pu, limit_tol_pu = float(doc.checks.v_max_pu), limit_tolerance_pu(doc.checks)
    # (axis key, p_kw) → the tolerance bracket's low end, per bus (.tolerance_end, rev41a M7)
    excess: dict[tuple[Key, float], pd.Series] = {}

    # what each row rests on (given data, an OpenDSS default, a drafted value), as in
    # run_study: the limiting rows carry it into the tables (``limiting_basis``)
    bases = study_input_bases(study)
    # failing[(axis key, p_kw)] = {criterion: worst gate-failing row} of that scenario
    failing: Failing = {}
    # aside[(axis key, p_kw)] = failing rows that do not limit the export (.limits)
    aside: Aside = {}
    margin_rows: list[pd.DataFrame] = []
    unevaluated: dict[str, list[str]] = {}
    not_applicable: dict[str, str] = {}
    engine_warnings: dict[str, int] = {}
    pll_notes: list[PllNote] = []
    n_calls = 0
    per_call = exports_per_call(study)
    phase = "grid"

    def run(points: list[Point], done: int = 0, total: int | None = None) -> Found:
        """Evaluate ``points`` in calls of at most ``per_call`` exports
        (:func:`exports_per_call`), each with its load level's base case, keeping only
        what the search reads of each: the worst failing row per scenario and criterion, the
        margins, what could not be evaluated. Export points (``k`` None) also go to the
        export search's record; ``done`` / ``total``: this step's calls before / in all."""
        chunks = _chunks(points, per_call)
        total = len(chunks) + done if total is None else total
        found: Found = {}
        for k, chunk in enumerate(chunks, start=done + 1):
            if progress is not None:  # where the step stands: "call 2 of 5" (review s31)
                of = f" ({k} of {total} in this step)" if total > 1 else ""
                progress(f"{phase}: engine call {n_calls + 1}{of}, {len(chunk)} export levels")
            found.update(evaluate(chunk))
            release_freed_memory()  # the call's tables are gone: give their pages back (#21)
            if on_round is not None:
                on_round(partial_table(failing, axes, tol_of, stop))
        return found

    def evaluate(points: list[Point]) -> Found:
        nonlocal n_calls
        scen = [base_scenario(ld, all_sites) for ld in sorted({a.load_level for a, *_ in points},
                                                      key=lambda x: x.value)]
        meta: dict[str, Point] = {}
        for axis, p_kw, k in points:
            sc = (export_scenario(axis, p_kw, all_sites) if k is None
                  else online_scenario(axis, k, p_kw, all_sites))
            meta[sc.name] = (axis, p_kw, k)
            scen.append(sc)
        base_names = {ld: base_scenario(ld, all_sites).name for ld in LoadLevel}
        exported = {n: base_names[a.load_level] for n, (a, _p, k) in meta.items() if k is None}
        keep = (flow_excess(study, exported, set(exported), v_max_pu)
                if limit_tol_pu > LOW_TOLERANCE_PU and exported else None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ev = evaluate_scenarios(study, scen, checks, keep=keep)
        for w in caught:
            # a sub-cycle recloser curve is the study's, said by validate and run's Feeder
            # warnings (:mod:`protv2g.study.sub_cycle`), not a search warning (rev39a F5)
            if isinstance(w.message, PllNote):  # said as run says it (review rev41c F)
                pll_notes.append(w.message)
            elif not issubclass(w.category, (DeprecationWarning, FutureWarning,
                                             SubCycleClearingWarning)):
                key = warning_key(w.category.__name__, w.message)
                engine_warnings[key] = engine_warnings.get(key, 0) + 1
        n_calls += 1
        # the search's light-load scenarios rest on a drafted light load as the study's do
        on = light_bases(bases, scen)
        ev.violations["input_basis"] = tag_input_basis(ev.violations, on)
        ev.violations["input_todo"] = confirm_texts(ev.violations, on)
        worst, off = worst_by_scenario(ev.violations, gate, set(meta), change_min_pu)
        # the chargers-online search's probe with none online (its sites built, idle: no
        # export, so no flow of their own) says nothing of what the search could evaluate
        # (a call of probes only: nothing of it, its "no power-flow result" rows name no
        # scenario; a call with others: the probes' own rows left out)
        probe_names = [name for name, (_a, _p, k) in meta.items() if k == 0]
        judged = (ev.violations.iloc[:0] if len(probe_names) == len(meta) else
                  ev.violations[~ev.violations["scenario"].astype(str).isin(probe_names)]
                  if probe_names and not ev.violations.empty else ev.violations)
        bad = judged[unevaluated_mask(judged)]
        for crit, msg in zip(bad["criterion"].astype(str), bad["message"].astype(str),
                             strict=True):
            if msg not in unevaluated.setdefault(crit, []):
                unevaluated[crit].append(msg)
        for crit, why in not_applicable_criteria(judged).items():
            not_applicable.setdefault(crit, why)
        out: Found = {}
        exports: dict[str, tuple[Axis, float]] = {}
        for name, (axis, p_kw, k) in meta.items():
            out[(axis.key, k, p_kw)] = worst.get(name, {})
            if k is None:
                failing[(axis.key, p_kw)] = out[(axis.key, k, p_kw)]
                if ev.kept is not None:
                    excess[(axis.key, p_kw)] = ev.kept.get(name, pd.Series(dtype=float))
                aside[(axis.key, p_kw)] = off.get(name, [])
                exports[name] = (axis, p_kw)
        if exports:  # the margin plot is of the export axis
            margin_rows.append(margin_table(ev.violations, ev.coordination, exports,
                                            criteria, gate))
        return out

    # 1. the grid: every axis × candidate level, in the calls it takes anyway (.early): the
    # smallest export of every axis first, then the levels in order; an axis that fails
    # there on given data has its figure decided (0 kW) and its levels not yet evaluated
    # are left out. A grid of one call is evaluated whole (only the bisection is left out)
    grid = {a.key: grid_kw(a, n_grid, tol_of[a.key]) for a in axes}
    for a in axes:  # the caller's levels, above the smallest export (.early reads it first)
        more = [float(p) for p in (extra_kw or {}).get(a.site.name, ())
                if grid[a.key] and grid[a.key][0] < float(p) <= a.cap_kw * (1 + 1e-9)]
        grid[a.key] = sorted({*grid[a.key], *more})
    todo: list[Point] = list(first_then_levels(axes, grid))
    chunks = _chunks(todo, per_call)
    stop: set[Key] = set()
    probes: dict[Key, tuple[dict[str, Any], ...]] = {}
    done = 0
    while chunks:
        found = run(chunks[0], done=done, total=done + len(chunks))
        done += 1
        asked = {id(pt) for pt in chunks[0]}
        probes.update({key: tuple(fails(rows, None)) for (key, k, _p), rows in found.items()
                       if k == 0})
        new_stop = {a.key for a in axes if a.key not in stop and grid[a.key]
                    and (a.key, grid[a.key][0]) in failing and decided(failing, a)}
        stop |= new_stop
        todo = [pt for pt in todo if id(pt) not in asked and pt[0].key not in stop]
        # a decided site with its own transformer: its probe with none online rides along
        # the rest of the grid where it takes no call of its own (.online asks it when even
        # one charger online fails, else with its first round)
        ride = [(a, tol_of[a.key], 0) for a in axes if a.key in new_stop
                and own_transformer(a.site)]
        if any(pt[2] != 0 for pt in todo) and ride and len(_chunks(todo + ride, per_call)) == len(
                _chunks(todo, per_call)):
            todo += ride
        chunks = _chunks(todo, per_call) if any(pt[2] != 0 for pt in todo) else []
    # the decided axes: the highest level evaluated, where the grid was left out (.early)
    cut = {a.key: max(levels(failing, a)) for a in axes if a.key in stop
           and len(levels(failing, a)) < len(grid[a.key])}

    # 2. bisection of every (axis, criterion) bracket, all brackets per engine call; not of
    # an axis whose figure is decided at its smallest export (.early)
    for round_no in range(1, max_rounds + 1):
        phase = f"bisection round {round_no} (at most {max_rounds})"
        new: set[tuple[Axis, float]] = set()
        for axis in axes:
            if axis.key in stop:
                continue
            evaluated = levels(failing, axis)
            for crit in criteria:
                if crit in not_applicable:
                    continue
                # its own bracket, and its bracket on given data alone (.limits: the figure
                # beside a not-determined one), the same when no stand-in row fails first
                # and with the at-limit buses counted as over it (.voltage_text, rev40a W1)
                for lo, hi in {bracket(failing, axis, evaluated, crit),
                               given_bracket(failing, axis.key, evaluated, crit),
                               over_limit_bracket(failing, axis.key, evaluated, crit)}:
                    if hi is None or hi - lo <= tol_of[axis.key]:
                        continue
                    for k in range(1, n_refine + 1):
                        new.add((axis, lo + (hi - lo) * k / (n_refine + 1)))
        new_points = [(a, p) for a, p in new if (a.key, p) not in failing]
        if not new_points:
            break
        run([(a, p, None) for a, p in sorted(new_points, key=lambda ap: (ap[0].key, ap[1]))])

    # 3. axes limited from the smallest export: the chargers online instead (.online)
    phase = "chargers online"
    online = search_online(axes, failing, run, n_grid,
                           min(tol_of.values(), default=DEFAULT_TOL_KW), probes)
    # criteria the study's make-up left unjudged (no fuse or recloser, no device, a site
    # behind no device, no SLG): not evaluated, as the gate says
    unevaluated, not_applicable = unmodelled_as_unevaluated(study, criteria, unevaluated,
                                                            not_applicable)
    margin_rows = [m for m in margin_rows if not m.empty]
    margins = (pd.concat(margin_rows, ignore_index=True) if margin_rows
               else pd.DataFrame(columns=MARGIN_COLUMNS))
    table, by_crit = hosting_tables(failing, axes, criteria, unevaluated, not_applicable,
                                    aside, change_min_pu=change_min_pu,
                                    warns=warns_from(margins),
                                    fuse_links=withstand_links(study))
    # the site's own devices' rows are that equipment's (ver36 V1: no winding lifts them)
    table = with_online(table, axes, online, site_transformer_devices(study))
    by_crit = mark_not_searched(by_crit, table, {a.key: (levels(failing, a)[0],
                                                         cut.get(a.key))
                                                 for a in axes if a.key in stop})
    # a figure resting on C12's tolerance: the bracket's low end beside it (.tolerance_end)
    levels_kw = {a.key: levels(failing, a) for a in axes}
    table = with_at_v_max(table, excess, levels_kw, lambda b: bus_label(study, b),
                          limit_tol_pu, v_max_pu)
    margins = margins.sort_values(["site", "participation", "load_level", "criterion",
                                   "p_export_kw"], ignore_index=True)
    return HostingAnalysis(table, by_crit, margins, n_scenarios=len(failing),
                           n_engine_calls=n_calls, seconds=time.perf_counter() - t0,
                           levels_kw=levels_kw, unevaluated=unevaluated,
                           not_applicable=not_applicable,
                           warnings=grouped_warnings(engine_warnings), pll_notes=pll_notes)


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
        limiting_device, limiting_fault, limiting_basis (what the limiting rows rest on:
        :class:`protv2g.input_basis.InputBasis` value), site_max_kw, limited (bool), note.

    Example
    -------
    >>> hosting_capacity(study, participations=["firm"], load_levels=["peak"])  # doctest: +SKIP
    """
    return hosting_analysis(study, **options).table
