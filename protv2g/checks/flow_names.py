"""Names of the buses and branches C12's rows are about (:mod:`protv2g.checks.flow`), each
distinct one looked up once (#21)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks._rows import factorize_all

__all__ = ["bus_names", "branch_names"]


def bus_names(ctx: CheckContext, buses: pd.Series) -> list[str]:
    """``[ctx.bus_name(b) for b in buses]``, each distinct bus looked up once (#21: 54,799
    over-voltage rows of the 10,000-bus study, 4.8 s in pandapower's ``.at``)."""
    codes, distinct = factorize_all(buses.to_numpy())
    if not len(codes):
        return []
    ctx.bus_name(distinct[0])  # the net's names read into ``ctx.cache`` (once per context)
    known = ctx.cache.get("bus names") or {}
    # an integer bus the net names: its text from the names read once, the same ``str`` as
    # ``ctx.bus_name`` gives (#21: 19,555 method calls at 10,000 buses); any other asked
    names = np.array([known[b] if type(b) is int and b in known else ctx.bus_name(distinct[k])
                      for k, b in enumerate(distinct.tolist())], dtype=object)
    return names[codes].tolist()


#: :func:`_branch_name`'s "look the name up" (a name cell may be None).
_LOOK_UP = object()


def _branch_name(ctx: CheckContext, element: str, index: int, name: object = _LOOK_UP
                 ) -> str:
    """A branch's label: its name (OpenDSS: the element's), else ``"<element> <index>"``;
    ``name``: its ``name`` cell when already looked up (None: the table has no names)."""
    if ctx.study.model is not None:
        return str(ctx.study.model.elements.name.iat[int(index)])
    if name is _LOOK_UP:
        table = ctx.study.net[element]
        name = table.at[int(index), "name"] if "name" in table else None
    return str(name) if name not in (None, "") else f"{element} {index}"


def branch_names(ctx: CheckContext, element: Any, index: Any) -> list[str]:
    """:func:`_branch_name` of every ``(element, index)`` pair: each distinct pair once, the
    name cells of each element's table gathered by position in one look-up (#21: a ``.at``
    per row, 29,997 at 10,000 buses, 0.3 s); the same texts. Pairs that cannot be gathered
    so (a label missing, a table index with repeats) go through :func:`_branch_name`."""
    pairs = list(zip(list(element), list(index), strict=True))
    label: dict[Any, str] = {}
    by_element: dict[Any, list[Any]] = {}
    for e, i in dict.fromkeys(pairs):
        by_element.setdefault(e, []).append(i)
    for e, indices in by_element.items():
        names = _name_cells(ctx, e, indices)
        for k, i in enumerate(indices):
            label[(e, i)] = (_branch_name(ctx, e, i) if names is None
                             else _branch_name(ctx, e, i, names[k]))
    return [label[p] for p in pairs]


def _name_cells(ctx: CheckContext, element: Any, indices: list[Any]) -> list[Any] | None:
    """The ``name`` cells of ``element``'s table at the labels ``int(i)`` (None in every
    place when it has no ``name`` column); None when not found by one look-up (an OpenDSS
    feeder, a missing label, repeated labels, an index that is not a whole number)."""
    if ctx.study.model is not None:
        return None
    table = ctx.study.net[element]
    if "name" not in table:
        return [None] * len(indices)
    try:
        labels = [int(i) for i in indices]
        if not table.index.is_unique:
            return None
        at = table.index.get_indexer(labels)
    except (TypeError, ValueError, OverflowError):
        return None
    if len(at) and at.min() < 0:
        return None
    return table["name"].to_numpy()[at].tolist()
