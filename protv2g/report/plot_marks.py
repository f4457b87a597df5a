"""A line or markers added to matplotlib axes as ``ax.plot`` adds them, for less (#21).

``ax.plot(xs, ys, **style)`` parses its arguments, takes the next colour of the axes' cycle,
adds the :class:`~matplotlib.lines.Line2D` and updates the axes' data limits from its path
(an inverted log transform on a TCC). Where the caller sets both axis limits itself and gives
every colour that is drawn, :func:`add_line` makes the same Line2D and adds it with
``ax.add_artist``: the same transform (``transData``), clip (the axes' patch) and place in the
draw order (the axes' children in the order added), hence the same pixels. The 10,000-bus
study's pictures (#21, 2026-12-06): ``Axes.plot`` was ≈ 9 % of a TCC's CPU (1,108 fault
markers on 80 TCCs) and ≈ 13 % of the feeder plot's (a marker per device and site).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.lines import Line2D

__all__ = ["add_line"]


def add_line(ax: Any, xs: float | Sequence[float], ys: float | Sequence[float], *,
             label: str = "_line", **style: Any) -> Line2D:
    """``ax.plot(xs, ys, **style)``'s line (a scalar is one point) added to ``ax`` without
    the plot's colour-cycle step and data-limit update (module docstring): for axes whose
    limits are set after it, drawn with the colours ``style`` gives (the line's ``color``
    defaults to ``lines.color``, not the cycle's next: give it where the line is drawn).
    ``label`` starts with ``_`` (not a legend entry) unless given."""
    line = Line2D(xs if isinstance(xs, Sequence) else [xs],
                  ys if isinstance(ys, Sequence) else [ys], label=label, **style)
    ax.add_artist(line)
    return line
