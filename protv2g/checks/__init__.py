"""Protection checks C1–C12 (domain.md §4) over the feeder graph.

:func:`run_checks` is the one entry point: it takes the study, the fault engine's result and
the power-flow result and returns the violation table (:data:`protv2g.result.VIOLATION_COLUMNS`)
and the coordination table (:data:`COORDINATION_COLUMNS`, every primary/backup pair evaluated).

Which criteria exist, which family function evaluates each, the unit of its margin and what
it needs is the criterion catalogue :data:`protv2g.criteria.CATALOGUE`; :func:`run_checks`
dispatches from it (adding a criterion: ``docs/adding-a-criterion.md``). Family modules:
:mod:`.coordination` (C1, C3, C4, on the pair table of :mod:`.pairs`), :mod:`.recloser_fuse`
(C2), :mod:`.sensitivity` (C5), :mod:`.sympathetic` (C6), :mod:`.duty` (C7), :mod:`.load`
(C8), :mod:`.directional` (C9), :mod:`.reclosing` (C10), :mod:`.islanding` (C11),
:mod:`.flow` (C12).

Violation columns
-----------------
:data:`protv2g.violations.VIOLATION_COLUMNS`: ``criterion`` C1…C12; ``status`` (typed,
:class:`~protv2g.violations.CheckStatus`: fail / warn / info / not_evaluated /
not_applicable); ``attribution`` new/worse/pre-existing (against the base case of the same
load level, :mod:`protv2g.checks.attribution`: a row whose key — criterion, fault bus, fault
type, case, device, other device, margin unit, rule — also fails in the base case is
``pre-existing``, or ``worse`` when its margin is smaller by more than the row's
``tolerance``, derived from the device data; a row the base case passes (C1–C4 and C5 give
the passing margin, :func:`base_margins`) is ``new`` only when V2G lowers the margin by more
than the tolerance, else ``pre-existing`` — the base is marginal; ``base_margin`` holds the
base case's margin); ``scenario``; ``fault_bus`` (bus name); ``fault_type``; ``case``;
``device`` (the device that misoperates or is checked) and ``other_device`` (the device it must
coordinate with, the clearing device, or the V2G site); ``i_device_a``/``i_other_a`` (A; where
there is no other device ``i_other_a`` is the reference current: pickup for C5, base-case
current for reach/duty changes, limit for C7/C8); ``t_device_s``/``t_other_s`` (s);
``margin`` (negative = violated) and ``limit`` in ``margin_unit`` (s for C1–C4/C6/C10,
multiples of pickup for C5, kA for C7 duty, A for C8, s for C9's wrong trips, A (51P) and MW
(32) for C9's reverse power, pu for C12 voltage, MW for C11 and C12's reverse power, % for C12
loading and unbalance, a fraction for V2G changes of current);
``message`` (for people; nothing reads it back). The text columns that repeat their values
(:data:`protv2g.checks._compact.CATEGORY_COLUMNS`: all but ``message``) are categoricals whose
categories are sorted as ``str`` sorts: they sort as text does; group them with
``observed=True`` (#21: 1 byte a row, not 8 of pointers). ``message`` is a
:class:`protv2g.messages.MessageArray` (dtype ``message``): each row's text is written when
it is read (``iloc``, ``tolist()``, ``astype(str)``, Parquet, Excel give the texts), C5's
and C12's from compact recipes (#21: 164 MiB of strings at 10,000 buses).

After these, three columns say what a row stands for (#21, :mod:`.row_groups`): C5's zone
rows (:mod:`.reach_groups`: scenario, device, element, zone, status, fault type, case,
attribution) and C12's voltage and unbalance rows (:mod:`.flow_groups`: scenario, device,
status, attribution, unit, mechanism), attributed one by one, are kept one per group, the
worst: ``n_buses`` the rows (buses) it stands for (1 for every other row), ``buses`` their
buses in words, ``bus_group`` its number in the per-bus table
(``CheckOutcome.context.cache["C5 buses"]`` / ``["C12 buses"]``, :data:`GROUP_TABLES`, the
runner's ``tables``).

A check that cannot be evaluated (no fault result, a device whose curve data are missing, no
engine result for a device, no flow result) yields a ``not_evaluated`` row; a criterion with
nothing to apply to in the study (no pair of its kind, no reclosing device with V2G behind it)
one ``not_applicable`` row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    build_context,
    concat_owned,
    could_not,
    without_bracket_times,
)
from protv2g.checks._compact import CATEGORY_COLUMNS, compact_violations, text_category
from protv2g.checks._row_frames import _ranks as _ranks  # noqa: F401 (tests read it here)
from protv2g.checks._row_frames import (
    concat_taken,
    gathered,
    gathered_codes,
    small_code_type,
    sort_coded,
    sort_rows,
    take_columns,
)
from protv2g.checks._rows import distinct_values
from protv2g.checks.attribution import attribute, base_scenarios
from protv2g.checks.attribution_inputs import (
    base_margins,
    fuse_explained,
    setting_current,
    staged_change,
    study_fuses,
)
from protv2g.checks.base_crossing import base_crossing_notes
from protv2g.checks.brackets import last_bracket_reader, pairs_in_brackets
from protv2g.checks.close_in_twins import attributed
from protv2g.checks.coordination import COORDINATION_COLUMNS, evaluate_pairs
from protv2g.checks.directional import directional_table
from protv2g.checks.dispatch import (
    EVALUATED_FIRST,
    FamilyFunction,
    criterion_rows,
    evaluation_rank,
    family_function,
    missing_needs,
)
from protv2g.checks.distinct_blocks import (
    FaultTwins,
    NotTwins,
    expand,
    expansion,
    fault_twins,
)
from protv2g.checks.duty_known import expand_to_twins
from protv2g.checks.equipment import IDLE_PAIRS, idle_coordination
from protv2g.checks.flow_groups import FLOW_GROUPS
from protv2g.checks.no_primary import no_primary_notes
from protv2g.checks.operating_element import uniform_columns
from protv2g.checks.reach_groups import REACH_GROUPS
from protv2g.checks.row_groups import GROUP_COLUMNS, GROUP_PART, group_rows
from protv2g.checks.rule_fill import fill_threshold_rules
from protv2g.checks.rule_values import rules_used_table
from protv2g.checks.study_context import check_context
from protv2g.checks.twin_rows import held_restricted, held_twins
from protv2g.criteria import CATALOGUE
from protv2g.engine.collect import release_freed_memory
from protv2g.scenarios import Scenario, build_scenarios
from protv2g.study.loader import Study
from protv2g.violations import VIOLATION_COLUMNS

__all__ = ["COORDINATION_COLUMNS", "CheckContext", "CheckOutcome", "FamilyFunction",
           "build_context", "check_study", "family_function", "run_checks", "attribute",
           "base_scenarios", "base_margins", "check_context", "rules_used_table", "GROUP_TABLES"]

def run_checks(study: Study, fault_result: Any, flow_result: Any = None,
               scenarios: Sequence[Scenario] | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run C1–C12 on a study's results.

    Parameters
    ----------
    study : Study
        From :func:`protv2g.load_study` (thresholds from its ``checks`` section).
    fault_result : FaultStudyResult or DataFrame or None
        The engine's result (its ``.device`` table is used) or that table itself: columns
        ``scenario, device, fault_bus, fault_type, case, ia_ka, ib_ka, ic_ka, i3i0_ka`` and,
        for C9, the angle and voltage columns. Scenario names must match ``scenarios``.
    flow_result : mapping or object, optional
        Power-flow tables: ``device`` (scenario, step, device, i_a, p_mw, q_mvar, direction),
        ``bus`` (scenario, step, bus, vm_pu[, unbalance_percent]) and ``branch`` (scenario,
        step, element, element_index, loading_percent[, p_from_mw]); as a mapping or as
        attributes. Without it C8 and C12 are could-not-evaluate rows.
    scenarios : sequence of Scenario, optional
        Default :func:`protv2g.scenarios.build_scenarios` of the study (base case first).

    Returns
    -------
    violations : DataFrame
        ``VIOLATION_COLUMNS`` (see the module docstring), sorted by criterion (catalogue
        order), status, scenario.
    coordination : DataFrame
        ``COORDINATION_COLUMNS``: every primary/backup pair at every fault it is a pair for.

    Examples
    --------
    >>> from protv2g.pipeline import fault_tables
    >>> study = load_study("feeders/depot_two_feeder/study.yaml")  # doctest: +SKIP
    >>> scenarios = build_scenarios(study.document)  # doctest: +SKIP
    >>> faults = fault_tables(study, scenarios)  # doctest: +SKIP
    >>> violations, coordination = run_checks(study, faults, None, scenarios)  # doctest: +SKIP
    """
    outcome = check_study(study, fault_result, flow_result, scenarios)
    return outcome.violations, outcome.coordination


class CheckOutcome(NamedTuple):
    """What :func:`check_study` returns: the two tables of :func:`run_checks` and the context
    they were evaluated on (its ``cache`` holds the directional table; its fault table the
    plain time columns — the high bracket — without the per-bracket ``<time>_low_s`` /
    ``<time>_high_s``, let go once used: :func:`protv2g.checks._common.
    without_bracket_times`)."""

    violations: pd.DataFrame
    coordination: pd.DataFrame
    context: CheckContext


def check_study(study: Study, fault_result: Any, flow_result: Any = None,
                scenarios: Sequence[Scenario] | None = None) -> CheckOutcome:
    """:func:`run_checks`, also returning the evaluation context (for tables built once and
    shown in the report, e.g. the directional table).

    The fault-based criteria are evaluated once per distinct fault block: on a context
    built on the scenario blocks that repeat none (with their base cases), their rows then
    copied to the twin scenarios (:mod:`protv2g.checks.distinct_blocks`; #21: six scenarios,
    two distinct blocks at 10,000 buses). The returned context is then that restricted one
    (its fault table the evaluated blocks' rows), with the coordination table, the
    directional table and C7's duty frame of every scenario. Where a row cannot be copied,
    every block is evaluated."""
    if scenarios is None:
        scenarios = build_scenarios(study.document)
    twin_of = getattr(fault_result, "twin_of", None)
    if twin_of:  # each charger set's rows held once (#21): the held blocks evaluated, their
        # rows copied to the twins named by the map, as on the tables of every scenario
        twins = held_twins(fault_result, base_scenarios(list(scenarios), list(twin_of)))
        if twins is not None:
            try:
                return _check_study(study, held_restricted(fault_result, twins), flow_result,
                                    scenarios, twins)
            except NotTwins:
                pass
        fault_result = fault_result.expanded()  # every block, as the pipeline made them
    table = fault_result if isinstance(fault_result, pd.DataFrame) else getattr(
        fault_result, "device", None)
    names = (distinct_values(table["scenario"])
             if isinstance(table, pd.DataFrame) and "scenario" in table.columns else [])
    twins = fault_twins(fault_result, base_scenarios(list(scenarios), [str(n) for n in names]))
    if twins is not None:
        try:
            return _check_study(study, twins.restrict(fault_result), flow_result, scenarios,
                                twins)
        except NotTwins:
            pass  # every block evaluated
    return _check_study(study, fault_result, flow_result, scenarios, None)


def _check_study(study: Study, fault_result: Any, flow_result: Any,
                 scenarios: Sequence[Scenario], twins: FaultTwins | None) -> CheckOutcome:
    """:func:`check_study` on ``fault_result``, the fault-based rows copied to ``twins``."""
    ctx = check_context(study, fault_result, flow_result, scenarios)
    coord = pairs_in_brackets(ctx)  # both brackets of the chargers' contribution, the worse
    ctx = replace(ctx, coordination=coord)
    # the pairs the base case has not, with every charger idle (C1–C4's EQUIPMENT rows)
    ctx.cache[IDLE_PAIRS] = idle_coordination(ctx, evaluate_pairs)
    # C9's table, judged in both brackets, made now and kept in ``ctx.cache``: after the last
    # criterion run in each bracket (C6) the per-bracket time columns are let go (#21: the
    # low bracket's ≈ 100 MiB at 10,000 buses were held through C7's peak and to the end)
    if ctx.faults is not None:  # C9 needs the fault table; without it nothing is cached
        directional_table(ctx)
    crits = list(CATALOGUE.values())
    # the rows of each criterion kept at its place in the catalogue, whatever the order of
    # evaluation (:data:`EVALUATED_FIRST`)
    # fault-based rows on the distinct blocks (``fault``) apart from the others, each at its
    # criterion's place
    fault: list[pd.DataFrame | None] = [None] * len(crits)
    parts: list[pd.DataFrame | None] = [None] * len(crits)
    evaluation = sorted(range(len(crits)), key=lambda k: evaluation_rank(crits[k]))
    last = last_bracket_reader(crits[k] for k in evaluation)
    done: set[tuple[str, str]] = set()
    for k in evaluation:
        crit = crits[k]
        missing = missing_needs(ctx, crit)
        key = (crit.family, crit.function)
        if missing:
            parts[k] = could_not(crit.id, missing)
        elif key not in done:  # several criteria may share one family function
            done.add(key)
            fault[k], parts[k] = criterion_rows(ctx, crit, twins)
        if crit.id == last:
            ctx = without_bracket_times(ctx)
        # the freed transients handed back after C7 (its blocks of the device table) and
        # after the per-bracket times are let go, the two that hold the checks' peak down
        # (#21); not after every criterion nor after the attribution below (#21, perf37: the
        # pages handed back were faulted in again by the next step, ≈ 0.3 s of the stage's
        # 3.6 s CPU at 10,000 buses, for the same peak)
        if crit.family in EVALUATED_FIRST or crit.id == last:
            release_freed_memory()
    if twins is not None:
        # attributed on the distinct blocks (a twin's base case repeats its source's), then
        # copied; the pairs' and tables' rows of every scenario (the report reads them)
        fault = _reach_keyed([p for p in fault if p is not None])
        rows = attributed(attribute, ctx, concat_owned(uniform_columns(fault)), ctx.base_of,
                         base_margins(ctx, flow=False), explained=fuse_explained(ctx),
                         fuses=study_fuses(ctx), staged=staged_change(ctx),
                         setting=setting_current(ctx))
        fault.clear()
        # C5's zone rows cut to each group's worst, attributed per zone row first (#21)
        rows, per_bus = group_rows(rows, _GROUPED, scenario_parts=_scenario_parts(ctx))
        # the twins' rows described, taken with the sort below (#21: not made apart, 150 MB)
        plan = expansion(rows, twins, ctx.export_text)
        coord = expand(coord, twins, outer=_COORD_RUNS)
        if "directional" in ctx.cache:
            ctx.cache["directional"] = expand(ctx.cache["directional"], twins,
                                              outer=_DIRECTIONAL_RUNS)
        expand_to_twins(ctx.cache, twins)
        ctx = replace(ctx, coordination=coord)
        parts = [p for p in parts if p is not None]
        # C12's per-bus rows cut to each group's worst, attributed per bus first (#21)
        others, more = group_rows(attributed(
            attribute, ctx, concat_owned(uniform_columns(_reach_keyed(parts))), ctx.base_of,
            base_margins(ctx, faults=False), explained=fuse_explained(ctx),
            fuses=study_fuses(ctx),
            staged=staged_change(ctx), setting=setting_current(ctx)), _GROUPED,
            _n_groups(per_bus), _scenario_parts(ctx))
        per_bus.update(more)
        frames = [rows, others]
        del rows, others, more
        gathers = [plan, None]
        # concatenated and sorted in one pass where the columns allow (#21)
        # on each frame's codes where the keys are texts (#21), else on the gathered values
        sort_keys = ("criterion", "status", "scenario")
        keys = [gathered_codes(frames, gathers, c) for c in sort_keys]
        rows = (sort_coded(*keys) if all(k is not None for k in keys) else  # type: ignore[arg-type]
                sort_rows(*(pd.Series(np.concatenate([gathered(f, g, c) for f, g in zip(
                    frames, gathers, strict=True)])) for c in sort_keys)))
        # the keys' codes placed as their columns (#21: coded again there), held meanwhile
        # in a byte or two a row
        known = {c: (k[0].astype(small_code_type(len(k[1]))), k[1])
                 for c, k in zip(sort_keys, keys, strict=True) if k is not None}
        del keys
        v = concat_taken(frames, rows, gathers, finish=_compact_column,
                         categorical=CATEGORY_COLUMNS, known=known)
        del known
        if v is None:  # no rows, or columns of pandas dtypes: concatenated, then taken
            if plan is not None:
                frames[0] = expand(frames[0], twins, ctx.export_text)
            v = concat_owned(frames)
            v = take_columns(v, rows) if len(v) else v
        frames.clear()
        sorted_ = True
    else:
        parts = [p if p is not None else f for p, f in zip(parts, fault, strict=True)]
        parts = [p for p in parts if p is not None]
        # column by column, each family's column let go once copied; the pair rows' element
        # columns given to every frame (one path), read and dropped by the attribution
        v = concat_owned(uniform_columns(_reach_keyed(parts)))
        # a row at a project device's close-in position keyed on its terminal bus: its base
        # twin is the base case's fault there (review rev38a W2, :mod:`.close_in_twins`)
        v = attributed(attribute, ctx, v, ctx.base_of, base_margins(ctx),
                       explained=fuse_explained(ctx), fuses=study_fuses(ctx),
                       staged=staged_change(ctx), setting=setting_current(ctx))
        # C5's zone rows and C12's per-bus rows, each group's worst (#21)
        v, per_bus = group_rows(v, _GROUPED, scenario_parts=_scenario_parts(ctx))
        release_freed_memory()
        sorted_ = False
    parts.clear()  # the families' frames, emptied by the concatenation (#21)
    if len(v) and not sorted_:
        v = take_columns(v, sort_rows(v.criterion, v.status, v["scenario"]))
    v.index = pd.RangeIndex(len(v))
    if list(v.columns) != VIOLATION_COLUMNS + GROUP_COLUMNS:
        v = v[VIOLATION_COLUMNS + GROUP_COLUMNS]
    for name, table in per_bus.items():  # the grouped rows of every group (#21)
        ctx.cache[name] = compact_violations(table)
    # a V2G-caused C1 row whose pair falls short without V2G at higher fault resistance:
    # said on the row (review rev48a item 1, :mod:`.base_crossing`)
    v = base_crossing_notes(v, ctx)
    # C5 rows at buses no device has in its primary zone (review rev48a item 6)
    v = no_primary_notes(v, ctx)
    # the threshold C5, C11 and C12 rows are judged by, named on the row (review rev39a F2)
    v = fill_threshold_rules(v, ctx.thresholds)
    # the repetitive text columns as categoricals (#21: already so when taken above)
    return CheckOutcome(compact_violations(v), coord, ctx)


#: The criteria whose per-bus rows are kept one per group (#21, :mod:`.row_groups`): C5's
#: zone rows, C12's voltage and unbalance rows; their per-bus tables by name.
_GROUPED = (REACH_GROUPS, FLOW_GROUPS)
#: The names of the per-bus tables (``CheckOutcome.context.cache``, the runner's ``tables``).
GROUP_TABLES = tuple(spec.table for spec in _GROUPED)


def _n_groups(tables: dict[str, pd.DataFrame]) -> int:
    """The groups numbered in ``tables`` (the next group's number: one numbering over
    every per-bus table of a study)."""
    return max((int(t["bus_group"].max()) + 1 for t in tables.values() if len(t)), default=0)


def _scenario_parts(ctx: CheckContext) -> dict[str, tuple[str, str, str]]:
    """Scenario → (participation, export level, load level) texts, as the result's
    scenario table writes them (:func:`protv2g.scenarios.scenario_table`): which rows the
    Findings could collapse (:func:`.row_groups.collapsing_rows`)."""
    return {name: (str(sc.participation.value), str(sc.export_level),
                   str(sc.load_level.value)) for name, sc in ctx.scenarios.items()}


def _reach_keyed(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """``frames`` (violation-row frames the caller owns, changed in place) each with
    :data:`~protv2g.checks.row_groups.GROUP_PART` (-1, no group, where a frame lacks it:
    one set of columns for :func:`~protv2g.checks._row_frames.concat_owned`)."""
    for f in frames:
        if f is not None and len(f) and GROUP_PART not in f.columns:
            f[GROUP_PART] = np.full(len(f), -1, dtype=np.int8)
    return frames


def _compact_column(column: str, values: np.ndarray) -> object:
    """A violation column as :func:`check_study` keeps it: a categorical for the
    :data:`~protv2g.checks._compact.CATEGORY_COLUMNS` (:func:`~protv2g.checks._compact.
    text_category`), any other as it is."""
    return text_category(values) if column in CATEGORY_COLUMNS else values


#: Runs of the coordination table within which rows follow the fault table (scenario
#: blocks): one rule (criterion, check) of one pair at one fault bus
#: (:func:`protv2g.checks.pairs.merged`: pair order, then row order).
_COORD_RUNS = ("criterion", "check", "fault_bus", "primary", "backup")
#: The same for the directional table: one element of one relay
#: (:func:`protv2g.directional.decide.judge`).
_DIRECTIONAL_RUNS = ("device", "element", "phase")
