"""A TCC's interval arrows and their numbers, each readable (review rev43a M3).

IEEE 34's ground TCC head-l1 > R-816 > F-campus_xf drew its failing C2 interval (idle
−0.0759 s: the fuse 1.68 s, R-816 1.60 s at 136 A) as a few-pixel slanted tick, its number ③
under ①'s (C4 R-816→head-l1 at about the same current and time), and the finding's −0.818 s
was legend text only. Here:

* an arrow shorter than :data:`MIN_SPAN_PT` is drawn as a drafting dimension too small for
  its arrowheads: a bar at each end (its true times) and the two arrowheads outside,
  pointing in (ISO 129-1 / ASME Y14.5, a dimension between close extension lines);
* each number is put beside its arrow where it covers no other number, written value and
  arrow (:func:`place_badges`: the first free of a few places, right of the arrow, then
  above and below it), joined to its arrow by a thin leader line where it had to move;
* a failing interval's value (:attr:`~protv2g.report.tcc_intervals.Interval.value`) is
  written beside its number, in red for a V2G row's own arrow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from protv2g.report.plot_marks import add_line
from protv2g.report.tcc_intervals import Interval
from protv2g.report.tcc_legend import badge_box

__all__ = ["MIN_SPAN_PT", "V2G_ARROW_COLOUR", "draw_intervals", "place_badges"]

#: Colour of a V2G row's own interval arrow (:attr:`~protv2g.report.tcc_intervals.Interval.case`
#: ``"v2g"``): a failing interval the reference's arrow does not show, or shows materially
#: smaller; its value beside its number too.
V2G_ARROW_COLOUR = "#b2182b"

#: An arrow shorter than this (points) is drawn as a small dimension (module docstring): two
#: 4 pt arrowheads of a "<->" arrow need about this much to read as an arrow.
MIN_SPAN_PT = 10.0
#: The outside arrowheads' length (points) of a small dimension.
_OUTSIDE_PT = 11.0
#: A number's box (points: a circled digit at 8 pt bold) and a value's width per character.
_BADGE_PT = 12.0
_CHAR_PT = 4.3
#: Where a number may go, from its arrow's right end (points, dx, dy), in order of preference.
_PLACES = [(5.0, 0.0), (5.0, 13.0), (5.0, -13.0), (5.0, 26.0), (5.0, -26.0), (18.0, 0.0),
           (5.0, 39.0), (5.0, -39.0), (31.0, 13.0), (31.0, -13.0)]


def _overlaps(box: tuple[float, float, float, float], boxes: Sequence[tuple]) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)


def place_badges(ends_pt: np.ndarray, widths_pt: Sequence[float]
                 ) -> list[tuple[float, float]]:
    """Where each arrow's number goes (points, its left-middle), given each arrow's ends
    (``ends_pt``: (n, 2, 2), points) and the width of its number and value text: the first of
    :data:`_PLACES` from the arrow's right end whose box covers no number placed before it
    and no arrow (a 2 pt margin), else the first place.

    Examples
    --------
    Two short arrows at the same place: the second number goes above the first.

    >>> ends = np.array([[[100, 100], [100, 110]], [[101, 101], [101, 108]]], float)
    >>> place_badges(ends, [12.0, 12.0])
    [(105.0, 105.0), (106.0, 117.5)]
    """
    arrows = [(min(a[0], b[0]) - 2.0, min(a[1], b[1]) - 2.0, max(a[0], b[0]) + 2.0,
               max(a[1], b[1]) + 2.0) for a, b in ends_pt]
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for (a, b), width in zip(ends_pt, widths_pt, strict=True):
        x, y = max(a[0], b[0]), 0.5 * (a[1] + b[1])
        for dx, dy in _PLACES:
            box = (x + dx, y + dy - _BADGE_PT / 2, x + dx + width, y + dy + _BADGE_PT / 2)
            if not _overlaps(box, placed + arrows):
                break
        else:
            dx, dy = _PLACES[0]
            box = (x + dx, y + dy - _BADGE_PT / 2, x + dx + width, y + dy + _BADGE_PT / 2)
        placed.append(box)
        out.append((float(x + dx), float(y + dy)))
    return out


def draw_intervals(ax: Any, notes: Sequence[Interval], ends: Sequence[tuple], colours:
                   Sequence[str]) -> None:
    """Draw each interval's arrow (``ends``: ((i primary A, t s), (i backup A, t s)), as
    clipped to the time axis) in its colour, its number and its failing value (module
    docstring). The axes' limits must be set (positions are worked out in points)."""
    to_pt = 72.0 / ax.figure.dpi
    ends_pt = np.array([[ax.transData.transform(p) * to_pt for p in e] for e in ends]
                       ).reshape(-1, 2, 2)
    for n, (start, end), pts, colour in zip(notes, ends, ends_pt, colours, strict=True):
        # a failing interval's arrow heavier: among four curves it was lost (rev43a M3)
        style = {"color": colour, "lw": 1.6 if n.value else 1.0, "ls": "--" if n.info else "-"}
        if np.hypot(*(pts[1] - pts[0])) >= MIN_SPAN_PT:
            ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "<->", **style})
            continue
        # too short for its arrowheads: bars at its true ends, the heads outside, pointing in
        for xy in (start, end):
            add_line(ax, xy[0], xy[1], marker="_", ms=9, mew=1.3, color=colour, ls="")
        low, high = sorted((start, end), key=lambda p: p[1])
        for xy, off in ((high, _OUTSIDE_PT), (low, -_OUTSIDE_PT)):
            ax.annotate("", xy=xy, xytext=(0.0, off), textcoords="offset points",
                        arrowprops={"arrowstyle": "->", "shrinkA": 0, "shrinkB": 0, **style})
    labels = [str(k) + (f"  {n.value}" if n.value else "")
              for k, n in enumerate(notes, start=1)]
    spots = place_badges(ends_pt, [_BADGE_PT + (len(t) - 1) * _CHAR_PT for t in labels])
    to_data = ax.transData.inverted()
    for k, (n, pts, spot) in enumerate(zip(notes, ends_pt, spots, strict=True), start=1):
        at = to_data.transform(np.array(spot) / to_pt)
        ax.text(*at, str(k), fontsize=8, fontweight="bold", color="0.1", va="center",
                ha="left", bbox=badge_box(n.info), zorder=6)
        if n.value:
            ax.text(*to_data.transform((np.array(spot) + (_BADGE_PT + 1.0, 0.0)) / to_pt),
                    n.value, fontsize=7.5, fontweight="bold", va="center", ha="left",
                    color=V2G_ARROW_COLOUR if n.case == "v2g" else "0.1", zorder=6,
                    bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.85})
        right = (max(pts[0][0], pts[1][0]), 0.5 * (pts[0][1] + pts[1][1]))
        if abs(spot[1] - right[1]) > 1.0 or spot[0] - right[0] > 6.0:  # moved: a leader
            leader = to_data.transform(np.array([right, (spot[0], spot[1])]) / to_pt)
            add_line(ax, list(leader[:, 0]), list(leader[:, 1]), color="0.45", lw=0.6,
                     zorder=5)
