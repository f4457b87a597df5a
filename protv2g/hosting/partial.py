"""What a hosting search has settled so far: the table a stopped search can still give.

Review rev42a F2: ``protv2g hosting`` under ``timeout 1200`` was killed twice with nothing
written — a user with a 20-minute budget got no figure and no idea how far the search had got.
The search (:func:`protv2g.hosting.search.hosting_analysis`) hands this table to its
``on_round`` callback after every engine call; ``protv2g hosting`` keeps the latest and writes
it when it is stopped (SIGTERM, Ctrl-C), marked partial.

One row per axis (site × participation × load level), from the export levels evaluated so far
and their gate-failing rows that limit the export (the search's record, :mod:`.limits`),
judged on any criterion as the final figure is (:func:`protv2g.hosting.tables.bracket`):

* ``passes_up_to_kw`` — the highest level evaluated with no limiting row at it or below it
  (0 when the smallest export already fails); ``first_fail_kw`` the first level that fails
  (NaN: none yet) and ``limiting_criterion`` the criteria failing there;
* ``settled`` — the figure the finished search would give on this axis is known: the bracket
  is narrower than the axis's tolerance (the bisection's stop), the axis was decided at its
  smallest export (:mod:`.early`), or its full export (``site_max_kw``) was evaluated with
  nothing failing. Otherwise the figure lies in ``[passes_up_to_kw, first_fail_kw)``, or at
  or above ``passes_up_to_kw`` where nothing failed yet.

Not given here (the finished search's own columns): what the figure rests on (a stand-in
input: ``determined``), the rows set aside and settings to change, the per-criterion figures,
the chargers-online search. A settled row is the export figure those columns qualify, no more:
the table is never a hosting result and the command never exits 0 with it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

import pandas as pd

from protv2g.hosting.tables import Axis, Failing, bracket, levels
from protv2g.significant import number_text

__all__ = ["PARTIAL_COLUMNS", "partial_table"]

#: Columns of :func:`partial_table` (module docstring).
PARTIAL_COLUMNS = ["site", "participation", "load_level", "site_max_kw", "levels_evaluated",
                   "passes_up_to_kw", "first_fail_kw", "limiting_criterion", "settled",
                   "status"]


def _status(lo: float, hi: float | None, top: float | None, cap: float, settled: bool,
            crit: str) -> str:
    kw = number_text
    if top is None:
        return "not started: no export level evaluated"
    if hi is not None:
        if settled:
            return f"settled: {kw(lo)} kW, limited by {crit} from {kw(hi)} kW"
        return (f"between {kw(lo)} and {kw(hi)} kW (limited by {crit} at {kw(hi)} kW; the "
                "bisection did not finish)")
    if settled:
        return f"settled: not limited up to {kw(cap)} kW"
    return f"at least {kw(lo)} kW: nothing fails up to it, not evaluated above (of {kw(cap)} kW)"


def partial_table(failing: Failing, axes: Sequence[Axis], tol_kw: Mapping[tuple, float],
                  decided: Collection[tuple] = ()) -> pd.DataFrame:
    """The search's state as :data:`PARTIAL_COLUMNS` (module docstring).

    Parameters
    ----------
    failing : dict
        ``(axis key, export kW) → criterion → worst limiting row`` of every export level
        evaluated (:data:`protv2g.hosting.tables.Failing`).
    axes : sequence of Axis
        The axes searched.
    tol_kw : mapping
        Axis key → its bisection tolerance, kW.
    decided : collection
        Keys of the axes whose figure was decided at the smallest export (:mod:`.early`).

    Example
    -------
    >>> from types import SimpleNamespace as NS
    >>> ax = NS(key=("depot", "firm", "light"), cap_kw=1500.0)
    >>> failing = {(ax.key, 5.0): {}, (ax.key, 100.0): {}, (ax.key, 200.0): {"C1": {}}}
    >>> partial_table(failing, [ax], {ax.key: 5.0}).status.item()
    'between 100 and 200 kW (limited by C1 at 200 kW; the bisection did not finish)'
    """
    rows = []
    for axis in axes:
        evaluated = levels(failing, axis)
        lo, hi = bracket(failing, axis, evaluated, None)
        top = evaluated[-1] if evaluated else None
        crit = (", ".join(sorted({str(c) for c in failing[(axis.key, hi)]}))
                if hi is not None else "")
        cap = float(axis.cap_kw)
        settled = (axis.key in decided or (hi is not None and hi - lo <= tol_kw[axis.key])
                   or (hi is None and top is not None and top >= cap * (1 - 1e-9)))
        rows.append({"site": axis.key[0], "participation": axis.key[1],
                     "load_level": axis.key[2], "site_max_kw": cap,
                     "levels_evaluated": len(evaluated), "passes_up_to_kw": lo,
                     "first_fail_kw": math.nan if hi is None else hi,
                     "limiting_criterion": crit, "settled": bool(settled),
                     "status": _status(lo, hi, top, cap, bool(settled), crit)})
    return pd.DataFrame(rows, columns=PARTIAL_COLUMNS)
