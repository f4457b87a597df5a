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
load level: a row whose key — criterion, fault bus, fault type, case, device, other device —
also appears in the base case is ``pre-existing``, or ``worse`` when its margin is smaller by
more than 1 %/1 ms); ``scenario``; ``fault_bus`` (bus name); ``fault_type``; ``case``;
``device`` (the device that misoperates or is checked) and ``other_device`` (the device it must
coordinate with, the clearing device, or the V2G site); ``i_device_a``/``i_other_a`` (A; where
there is no other device ``i_other_a`` is the reference current: pickup for C5, base-case
current for reach/duty changes, limit for C7/C8); ``t_device_s``/``t_other_s`` (s);
``margin`` (negative = violated) and ``limit`` in ``margin_unit`` (s for C1–C4/C6/C10,
multiples of pickup for C5, kA for C7 duty, A for C8, pu for C9 and C12 voltage, MW for C11
and reverse power, % for C12 loading and unbalance, a fraction for V2G changes of current);
``message`` (for people; nothing reads it back).

A check that cannot be evaluated (no fault result, a device whose curve data are missing, no
engine result for a device, no flow result) yields a ``not_evaluated`` row; a criterion with
nothing to apply to in the study (no pair of its kind, no reclosing device with V2G behind it)
one ``not_applicable`` row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from importlib import import_module
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, build_context, concat, could_not
from protv2g.checks.coordination import COORDINATION_COLUMNS, evaluate_pairs
from protv2g.checks.pairs import empty_coordination
from protv2g.criteria import CATALOGUE, Criterion, Need, order
from protv2g.scenarios import Scenario, build_scenarios
from protv2g.study.loader import Study
from protv2g.violations import STATUS_ORDER, VIOLATION_COLUMNS

__all__ = ["COORDINATION_COLUMNS", "CheckContext", "FamilyFunction", "build_context",
           "family_function", "run_checks", "attribute"]

#: ``function(ctx) -> DataFrame`` of violation rows: what a criterion's family exposes.
FamilyFunction = Callable[[CheckContext], pd.DataFrame]

_KEY = ["criterion", "fault_bus", "fault_type", "case", "device", "other_device"]


def attribute(violations: pd.DataFrame, base_of: dict[str, str]) -> pd.DataFrame:
    """Fill ``attribution`` by comparing every row with the base case (see module docstring).

    Parameters
    ----------
    violations : DataFrame
        ``VIOLATION_COLUMNS``.
    base_of : dict
        Scenario → its base-case scenario ("" when unknown).
    """
    v = violations.copy()
    if v.empty:
        return v
    base = v.scenario.map(lambda s: base_of.get(s, "")).fillna("")
    is_base = (v.scenario == base) | (v.scenario == "") | (base == "")
    ref = v[v.scenario == base][[*_KEY, "scenario", "margin"]].rename(
        columns={"scenario": "_base", "margin": "_bm"})
    ref = ref.groupby([*_KEY, "_base"], dropna=False)._bm.min().reset_index()
    j = v.assign(_base=base).merge(ref, how="left", on=[*_KEY, "_base"])
    had = j._bm.notna().to_numpy() | (j._bm.isna().to_numpy() & j._base.notna().to_numpy()
                                        & _present(j, ref))
    tol = np.maximum(1e-3, 0.01 * np.abs(j._bm.to_numpy(float)))
    with np.errstate(invalid="ignore"):
        worse = j.margin.to_numpy(float) < j._bm.to_numpy(float) - tol
    att = np.where(~had, "new", np.where(worse, "worse", "pre-existing"))
    att = np.where(is_base.to_numpy(), "pre-existing", att)
    v["attribution"] = att
    return v


def _present(j: pd.DataFrame, ref: pd.DataFrame) -> np.ndarray:
    """Rows whose key exists in the base rows even with a NaN margin."""
    keys = set(map(tuple, ref[[*_KEY, "_base"]].astype(str).to_numpy()))
    return np.array([tuple(r) in keys for r in j[[*_KEY, "_base"]].astype(str).to_numpy()],
                    dtype=bool)


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
    if scenarios is None:
        scenarios = build_scenarios(study.document)
    ctx = build_context(study, fault_result, flow_result, scenarios)
    coord = evaluate_pairs(ctx) if ctx.faults is not None else empty_coordination()
    ctx = replace(ctx, coordination=coord)
    parts = []
    done: set[tuple[str, str]] = set()
    for crit in CATALOGUE.values():
        missing = _missing_needs(ctx, crit)
        if missing:
            parts.append(could_not(crit.id, missing))
            continue
        key = (crit.family, crit.function)
        if key not in done:  # several criteria may share one family function
            done.add(key)
            parts.append(family_function(crit)(ctx))
    v = concat(parts)
    v = attribute(v, ctx.base_of)
    if len(v):
        keys = pd.DataFrame({"_o": v.criterion.map(order),
                             "_s": v.status.map(lambda s: STATUS_ORDER.get(str(s), 9))})
        v = v.assign(**keys).sort_values(["_o", "_s", "scenario"], kind="stable")
        v = v.drop(columns=["_o", "_s"])
    return v.reset_index(drop=True)[VIOLATION_COLUMNS], coord


def family_function(criterion: Criterion) -> FamilyFunction:
    """The function that evaluates ``criterion`` (``protv2g.checks.<family>.<function>``).

    Raises
    ------
    LookupError
        When the catalogue names a module or function that does not exist.
    """
    module = import_module(f"{__name__}.{criterion.family}")
    try:
        return getattr(module, criterion.function)
    except AttributeError:
        raise LookupError(f"criterion {criterion.id}: {module.__name__} has no function "
                          f"{criterion.function!r} (protv2g.criteria.CATALOGUE)") from None


def _missing_needs(ctx: CheckContext, criterion: Criterion) -> str:
    """Why ``criterion`` cannot be evaluated on ``ctx`` ("" when it can)."""
    for need in criterion.needs:
        if need is Need.FAULTS and ctx.faults is None:
            return "no fault result (engine device table)"
        if need is Need.FLOW and not ctx.flow:
            return "no power-flow result"
    return ""
