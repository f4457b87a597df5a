"""Where a hosting axis's figure is decided at its smallest export: the search stops there.

An axis (site × participation × load level) whose smallest evaluated export already fails
with a row on given data has its figure decided: ``hosting_kw`` is 0 kW whatever the higher
levels give, and every column of its row of the hosting table reads the smallest export only
— the limiting criterion, device and fault and their basis (the first failing level),
``determined`` (whether every row there rests on a stand-in), ``given_hosting_kw`` (the first
level with a row on given data: the smallest), the settings and rows set aside (levels up to
the first failing one) — or the chargers-online search, which starts from it
(:mod:`.online`). Review rev34c F1: EPRI J1's depot, 0 kW "with none of its chargers online:
set by the site's own transformer depot_xf", took 28 min for 62 export levels; rev34a: IEEE
8500's depot 995 s and 18 engine calls to reach "0 kW from the smallest export".

So the search (:mod:`.search`) evaluates the smallest export of every axis first, in the
engine calls the grid takes anyway (:func:`first_then_levels`), and does not evaluate a
decided axis's grid levels left after the call that decided it, nor bisect its brackets.
A figure whose failing rows at the smallest export all rest on a drafted value or a tool
default is *not* decided: its figure on given data (``given_hosting_kw``) needs the search above it.

What the early stop gives up is the per-criterion figure of the decided axis's other
criteria (the By criterion table): a criterion that passes at the smallest export is
``not_searched`` there (:func:`mark_not_searched`), never "not limited". The margins of that
axis are those of its smallest export.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from protv2g.hosting.limits import is_stand_in
from protv2g.hosting.tables import Axis, Failing, HostingStatus, fails, levels
from protv2g.significant import number_text

__all__ = ["decided", "first_then_levels", "mark_not_searched"]


def decided(failing: Failing, axis: Axis) -> bool:
    """Whether ``axis``'s figure is decided at its smallest evaluated export: a limiting row
    fails there and at least one such row rests on given data (module docstring)."""
    evaluated = levels(failing, axis)
    if axis.cap_kw <= 0 or not evaluated:
        return False
    rows = fails(failing[(axis.key, evaluated[0])], None)
    return any(not is_stand_in(r) for r in rows)


def first_then_levels(axes: Sequence[Axis], grid: dict[tuple[str, str, str], list[float]]
                      ) -> list[tuple[Axis, float, None]]:
    """The export grid's points in the order the search evaluates them: the smallest export of
    every axis, then every axis's second level, its third … — the same points as the grid, so
    in as many engine calls (:func:`protv2g.hosting.calls._chunks`): where the grid takes
    several, the first one says which axes are decided and their levels not yet evaluated are
    left out; a study where nothing is decided early makes the same calls."""
    depth = max((len(lv) for lv in grid.values()), default=0)
    return [(a, grid[a.key][i], None) for i in range(depth) for a in axes
            if i < len(grid[a.key])]


def mark_not_searched(by_criterion: pd.DataFrame, table: pd.DataFrame,
                      stopped: dict[tuple[str, str, str], tuple[float, float | None]]
                      ) -> pd.DataFrame:
    """``by_criterion`` (``BY_CRITERION_COLUMNS``) with the rows of the axes where the search
    stopped said so (``stopped``: axis key → (the smallest export evaluated, kW; the highest
    level evaluated where its other grid levels were left out, else None)). Where levels were
    left out, a criterion that passes at every level evaluated is ``not_searched``: no figure,
    ``limited`` False, a note naming the decided figure and its limit. A criterion first
    failing above the smallest export keeps its grid bracket (not bisected), and its note says
    so. Other rows unchanged; a new frame."""
    out = by_criterion.copy()
    if not stopped or out.empty:
        return out
    limit = {(str(r.site), str(r.participation), str(r.load_level)): str(r.limiting_criterion)
             for r in table.itertuples(index=False)}
    keys = list(zip(out["site"].astype(str), out["participation"].astype(str),
                    out["load_level"].astype(str), strict=True))
    first_fail = pd.to_numeric(out["first_fail_kw"], errors="coerce").tolist()
    notes = out["note"].astype(str).tolist()
    mask = []
    for i, (key, status) in enumerate(zip(keys, out["status"].astype(str), strict=True)):
        smallest, upto = stopped.get(key, (math.nan, None))
        at = number_text(smallest, "kW") if key in stopped else ""
        decided_at = (f"the figure of this participation case and load level is decided at "
                      f"the smallest export ({at}): 0 kW, limited by {limit.get(key, '')}")
        hit = upto is not None and status == HostingStatus.NOT_LIMITED.value
        mask.append(hit)
        if hit:
            top = number_text(upto, "kW")
            notes[i] = (f"not searched: {decided_at}; this criterion passes "
                        + (f"at {at}" if upto <= smallest else f"from {at} to {top}")
                        + " and was not evaluated above it")
        elif (key in stopped and status == HostingStatus.LIMITED.value
              and first_fail[i] > smallest * (1 + 1e-9)):
            notes[i] = "; ".join(x for x in (notes[i], f"not bisected below the grid's step: "
                                             f"{decided_at}") if x and x != "nan")
    m = pd.Series(mask, index=out.index, dtype=bool)
    out["note"] = notes
    out.loc[m, "status"] = HostingStatus.NOT_SEARCHED.value
    out.loc[m, "hosting_kw"] = math.nan
    out.loc[m, "first_fail_kw"] = math.nan
    out.loc[m, "hosting_chargers"] = pd.NA
    out.loc[m, "limited"] = False
    return out
