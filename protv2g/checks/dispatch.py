"""Which function evaluates a criterion, in what order, and whether it can be evaluated.

:func:`protv2g.checks.check_study` walks the criterion catalogue
(:data:`protv2g.criteria.CATALOGUE`) with these: :func:`family_function` finds the function
a criterion names (``protv2g.checks.<family>.<function>``), :func:`missing_needs` says what a
study lacks for it, :func:`evaluation_rank` orders the evaluation (the rows keep catalogue
order) and :func:`criterion_rows` evaluates it in both brackets of the chargers'
contribution where it is judged in both (:func:`protv2g.checks.brackets.run_family`).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

import pandas as pd

from protv2g.checks._common import CheckContext, concat
from protv2g.checks.brackets import BRACKETED, run_family
from protv2g.checks.distinct_blocks import FaultTwins, twin_able
from protv2g.criteria import Criterion, Need

__all__ = ["EVALUATED_FIRST", "FamilyFunction", "criterion_rows", "evaluation_rank",
           "family_function", "missing_needs"]

#: ``function(ctx) -> DataFrame`` of violation rows: what a criterion's family exposes.
FamilyFunction = Callable[[CheckContext], pd.DataFrame]

#: Families evaluated before the others (their rows still placed in catalogue order): C7's
#: X/R builds the maximum case's sequence network and its LU (≈ 180 MB at 10,000 buses),
#: the checks' peak when it ran beside C5's 409,682 rows (#21); it reads the context alone.
EVALUATED_FIRST = frozenset({"duty"})


def evaluation_rank(criterion: Criterion) -> int:
    """When :func:`~protv2g.checks.check_study` evaluates a criterion: :data:`EVALUATED_FIRST`
    families (0), then the criteria judged in both brackets (1; after the last that runs in
    each bracket the per-bracket time columns are let go), then the others (2); catalogue
    order within each (#21: C5's rows and messages, ≈ 240 MB at 10,000 buses, were made while the
    low bracket's times were still held)."""
    if criterion.family in EVALUATED_FIRST:
        return 0
    return 1 if criterion.id in BRACKETED else 2


def criterion_rows(ctx: CheckContext, crit: Criterion, twins: FaultTwins | None
                   ) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """The rows of ``crit``'s family (:func:`protv2g.checks.brackets.run_family`) as
    ``(fault-based rows on the distinct blocks, the others)``: with ``twins`` a fault-based
    family's rows are the first (its ``flow_function``'s, evaluated on every scenario, the
    second), without all are the second."""
    rows = run_family(ctx, crit, family_function(crit))
    flow = (run_family(ctx, crit, family_function(crit, crit.flow_function))
            if crit.flow_function else None)
    if twins is not None and twin_able(crit):
        return rows, concat([flow])
    return None, rows if flow is None else concat([rows, flow])


def family_function(criterion: Criterion, name: str = "") -> FamilyFunction:
    """The function that evaluates ``criterion`` (``protv2g.checks.<family>.<function>``;
    ``name``: another function of its family, e.g. its ``flow_function``).

    Raises
    ------
    LookupError
        When the catalogue names a module or function that does not exist.
    """
    module = import_module(f"{__package__}.{criterion.family}")
    name = name or criterion.function
    try:
        return getattr(module, name)
    except AttributeError:
        raise LookupError(f"criterion {criterion.id}: {module.__name__} has no function "
                          f"{name!r} (protv2g.criteria.CATALOGUE)") from None


def missing_needs(ctx: CheckContext, criterion: Criterion) -> str:
    """Why ``criterion`` cannot be evaluated on ``ctx`` ("" when it can)."""
    for need in criterion.needs:
        if need is Need.FAULTS and ctx.faults is None:
            return "no fault result (engine device table)"
        if need is Need.FLOW and not ctx.flow:
            return "no power-flow result"
    return ""
