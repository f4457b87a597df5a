"""The hosting search's engine calls: scenarios evaluated, in calls of bounded size.

:func:`evaluate_scenarios` runs the fault tables of a list of scenarios in ONE engine call
(:mod:`protv2g.pipeline`), their flow tables when the checks read them, then the checks
(:func:`protv2g.checks.run_checks`). :func:`exports_per_call` bounds how many export scenarios
one call holds on a large study (#21), and :func:`_chunks` cuts a round's export points into
such calls, the same export of every load level together. The search that decides which
points to ask is :mod:`protv2g.hosting.search`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

import protv2g.checks
from protv2g.checks import check_study, run_checks
from protv2g.checks.attribution import base_scenarios
from protv2g.checks.flow_band_judged import BAND_JUDGED
from protv2g.hosting.knife_edge import with_pickup_excess
from protv2g.pipeline import LazyTables, fault_tables, flow_tables
from protv2g.scenarios import Scenario
from protv2g.study.loader import Study

#: Fault rows (bus × fault type × case × (1 + devices)) per fault-engine call of the search.
#: Every table of a call (fault, stages, flow, device and violation rows) grows with its
#: scenarios × these rows, while the search keeps only the worst row per scenario and
#: criterion: a round is evaluated in calls of at most this over a scenario's rows exports
#: (each with its load level's base case), so the peak memory no longer grows with the grid.
#: The checks of a scenario read only it and its base case: no figure depends on the split.
#: SOURCE: measured, ≈ 170 B per row held at the peak (EPRI J1 and the 250-bus synthetic
#: study, ≈ 9 MiB per export scenario); see benchmarks/bench_hosting.py.
FAULT_ROWS_PER_CALL = 2_000_000
#: Fewest exports per call: below, the per-call costs (base case, factorisations, the flow
#: model) outweigh the memory saved.
MIN_EXPORTS_PER_CALL = 16

__all__ = ["ChecksFunction", "Evaluation", "FAULT_ROWS_PER_CALL", "MIN_EXPORTS_PER_CALL",
           "evaluate_scenarios", "exports_per_call"]

#: ``checks(study, fault_result, flow_result, scenarios) -> (violations, coordination)``, the
#: signature of :func:`protv2g.checks.run_checks`.
ChecksFunction = Callable[[Study, Any, Any, list[Scenario]], tuple[pd.DataFrame, pd.DataFrame]]


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
    kept : object
        What ``keep`` took of the flow tables (None: no ``keep``, or no check read them).
    """

    violations: pd.DataFrame
    coordination: pd.DataFrame
    seconds: float
    kept: Any = None


def evaluate_scenarios(study: Study, scenarios: Sequence[Scenario],
                       checks: ChecksFunction | None = None,
                       keep: Callable[[Any], Any] | None = None) -> Evaluation:
    """Fault tables (ONE engine call for all scenarios), flow tables, then the checks.

    Parameters
    ----------
    study : Study
    scenarios : sequence of Scenario
        Must include the base case of every load level used (attribution needs it).
    checks : callable, optional
        ``checks(study, fault_result, flow_result, scenarios) -> (violations, coordination)``;
        default :func:`protv2g.checks.run_checks`.
    keep : callable, optional
        Given the flow tables after the checks, where they read them (no flow is solved for
        it), and C12's record of the buses it judged against the limit
        (:mod:`protv2g.checks.flow_band_judged`; None with another ``checks``): its result
        is :attr:`Evaluation.kept` (:mod:`.tolerance_end`).

    Returns
    -------
    Evaluation

    Raises
    ------
    InputError
        From the pipeline (bad short-circuit data, islanded buses, too large).
    """
    held = checks is None  # the checks read the held rows through the map (#21); another
    checks = checks or run_checks  # function is given the tables of every scenario
    t0 = time.perf_counter()
    scenarios = list(scenarios)
    faults = fault_tables(study, scenarios, held=held)
    flow = LazyTables(lambda: flow_tables(study, scenarios))  # run when the checks read it
    judged = None  # C12's record of the buses it judged against the limit (its own checks)
    if checks is protv2g.checks.run_checks:  # the same checks, with their context kept
        outcome = check_study(study, faults, flow, scenarios)
        violations, coordination = outcome.violations, outcome.coordination
        judged = outcome.context.cache.get(BAND_JUDGED)
        # C9's pickup and polarising margins, for a limit that turns on them (.knife_edge)
        violations = with_pickup_excess(
            violations, outcome.context.devices, outcome.context.cache.get("directional"),
            base_scenarios(scenarios, list(violations["scenario"].astype(str).unique())
                           if "scenario" in violations.columns else []))
        del outcome
    else:
        violations, coordination = checks(study, faults, flow, scenarios)
    kept = keep(flow, judged) if keep is not None and flow.computed else None
    return Evaluation(violations, coordination, time.perf_counter() - t0, kept)


def exports_per_call(study: Study) -> int:
    """Export scenarios per engine call: :data:`FAULT_ROWS_PER_CALL` over one scenario's
    fault rows, at least :data:`MIN_EXPORTS_PER_CALL`."""
    doc = study.document
    n_bus = len(study.model.buses) if study.model is not None else len(study.net.bus)
    rows = (n_bus * len(doc.faults.fault_types) * len(doc.faults.cases)
            * (1 + len(doc.devices)))
    return max(MIN_EXPORTS_PER_CALL, FAULT_ROWS_PER_CALL // max(rows, 1))


def _chunks(points: list[Any], size: int) -> list[list[Any]]:
    """``points`` (``(axis, p_kw)`` or ``(axis, p_kw, k)``) in one call when they fit, else in
    calls of ``size`` at most, in order, the same export of a site and participation (and
    chargers online) on every load level in the same call: the fault
    study solves each charger set once whatever the load level
    (:func:`protv2g.study.engine_inputs.fault_scenarios`), so a call holding both load levels
    of an export solves its set once where one call per load level solved it twice (EPRI J1,
    ``--study-axes``: the grid's 58 exports were two calls of the same 29 sets; session 22).
    A call then holds the base case of each of its load levels."""
    if len(points) <= size:
        return [points] if points else []
    same: dict[tuple, list[Any]] = {}
    for pt in points:
        axis, p_kw, *k = pt
        same.setdefault((axis.site.name, axis.participation.value, p_kw, *k), []).append(pt)
    out: list[list[Any]] = []
    cur: list[Any] = []
    for group in same.values():
        if cur and len(cur) + len(group) > size:
            out.append(cur)
            cur = []
        cur += group
    return out + [cur] if cur else out
