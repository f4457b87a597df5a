"""A hosting limit that holds over a window of exports only: where it passes again, in words.

The hosting figure is the export before the first failing level; above it a criterion's rows
need not keep failing. A C12 overvoltage at a bus past a regulator falls away where the
export makes the regulator tap (review rev37b F4, IEEE 123 campus at peak load: C12 at bus 83
fails from 208.1 kW — 1.0510 pu — to 225 kW, and passes from 247.5 kW up to the site's
288 kW in the search's own levels; OpenDSS: reg4b taps 2 → 1 between 225 and 235 kW,
V83 b 1.0512 → 1.0444 pu). Such a figure is set by where the control sits inside its band,
not by an export limit, and the hosting texts say so (:func:`window_text`), from the search's
levels only (:func:`passes_again`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from protv2g.significant import number_text

__all__ = ["passes_again", "window_text"]


def passes_again(failing: Mapping[tuple[Any, float], Mapping[str, Any]], key: Any,
                 levels: list[float], first_fail_kw: float, criteria: Sequence[str]
                 ) -> tuple[float | None, float]:
    """(the lowest evaluated export above which none of ``criteria`` fails at any evaluated
    level, the last evaluated export where one fails) on the axis ``key``
    (``failing[(key, p_kw)]``: criterion → its worst failing row there,
    :data:`protv2g.hosting.tables.Failing`; ``levels`` its evaluated exports, ascending);
    (None, last) when one fails at the highest level evaluated. From the search's own
    points only: the grid and the bisection's levels (the bisection refines the first
    failure, so the window's upper edge is known to the grid's step)."""
    last = first_fail_kw
    for p in levels:
        if p > first_fail_kw and any(c in failing[(key, p)] for c in criteria):
            last = p
    above = [p for p in levels if p > last]
    return (above[0] if above else None), last


def window_text(first_kw: float, last_kw: float, again_kw: float, levels: list[float],
                cap_kw: float, criteria: Sequence[str] = ("C12",)) -> str:
    """Words for a limit that holds over a window of exports only (:func:`passes_again`):
    where it fails, where it passes again, and what makes a limit fall away as the export
    grows (review rev37b F4, IEEE 123 campus: C12 at 83 over 1.051 pu from 208.1 kW, under
    it again from 247.5 kW in the search's levels; OpenDSS: reg4b taps 2 → 1 between 225 and
    235 kW).

    A limit of C12 (flows) alone is a control's: its rows fall away where a regulator taps
    or a capacitor switches. Of other criteria the text says only that the limit does not
    grow with the export.

    >>> window_text(208.125, 225.0, 247.5, [202.5, 208.125, 225.0, 247.5, 270.0, 288.0], 288)
    ... # doctest: +NORMALIZE_WHITESPACE
    'fails from 208.1 kW (to 225 kW at least); passes again from 247.5 kW (every level the
    search evaluated from there, 3 up to 288 kW, passes): a limit that falls away as the
    export grows — a regulator tapping (or a capacitor switching) in the flow between 225 and
    247.5 kW, so set by where that control sits inside its band, not an export limit'
    """
    n = len([p for p in levels if p >= again_kw])
    upto = max(p for p in levels if p >= again_kw) if n else cap_kw
    until = (f" (to {number_text(last_kw, 'kW')} at least)" if last_kw > first_kw else "")
    head = (f"fails from {number_text(first_kw, 'kW')}{until}; passes again from "
            f"{number_text(again_kw, 'kW')} (every level the search evaluated from there, "
            f"{n} up to {number_text(upto, 'kW')}, passes): a limit that falls away as the "
            "export grows")
    if set(criteria) == {"C12"}:
        return (head + " — a regulator tapping (or a capacitor switching) in the flow "
                f"between {number_text(last_kw, '')} and {number_text(again_kw, 'kW')}, so "
                "set by where that control sits inside its band, not an export limit")
    return head + " (the criterion's rows are not monotonic in the export)"
