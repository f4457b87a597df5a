"""Where the feeder plot puts each bus, and the figure's and axes' extent (the layout half of
:mod:`protv2g.report.feeder_plot`, split from it in session 44: it had grown to 410 lines).

Two layouts (:func:`feeder_layout`):

* **The model's bus coordinates** (an OpenDSS ``BusCoords`` file: the "Feeder buses" table's
  ``x``, ``y``, :func:`protv2g.report.feeder_graph.feeder_tables`) where the model gives them
  for at least :data:`COORDINATE_SHARE` of its primary buses: the feeder as its owner draws
  it, x and y to one scale (review rev43a M10: EPRI ckt24's 1,347 coordinates were not read;
  its hop-count tree drew the depot, 270 m from the substation, at the far lower left). A bus
  the file does not place — a site's tap and transformer that a study's redirect adds, the
  secondaries — is drawn from its nearest upstream bus that has a position, one step per
  branch: the branch's length at the file's own scale (the median ratio of drawn distance to
  line length over the lines with both ends placed), within :data:`STEP_RANGE` of the
  feeder's span; the first step off a placed bus square to the branch into it, the next
  ones straight on, siblings fanned :data:`FAN_DEG` apart.
* **The tree layout** otherwise (:func:`protv2g.report.feeder_graph.tree_layout`: hops from the
  substation, one row per branch-off; not to scale).

Examples
--------
>>> import networkx as nx
>>> g = nx.path_graph(["s", "a", "b"])
>>> for n, xy in zip("sab", [(0.0, 0.0), (100.0, 0.0), None]):
...     g.nodes[n].update(is_source=n == "s", vn_kv=12.47, xy=xy)
>>> for u, v in g.edges:
...     g.edges[u, v]["length_km"] = 0.1
>>> lay = feeder_layout(g)
>>> lay.to_scale, lay.pos["a"], tuple(round(c, 9) for c in lay.pos["b"])
(True, (12.0, 0.0), (12.0, 0.36))
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np

from protv2g.report.feeder_graph import tree_layout
from protv2g.report.feeder_tree import FeederTree, feeder_tree

__all__ = ["FeederLayout", "feeder_layout", "coordinate_layout", "figure_size_in",
           "axis_limits", "same_scale", "wrap_title", "COORDINATE_SHARE", "SPAN_UNITS",
           "TREE_TITLE", "COORDINATE_TITLE"]

#: Share of the primary buses (≥ 1 kV, or of unknown voltage) the model's coordinates must
#: place for the plot to use them: ckt24's file places 1,347 of its 1,351 primary buses (none
#: of its 4,709 secondaries); a file of a few buses is no drawing of the feeder.
COORDINATE_SHARE = 0.5
#: The longer side of a to-scale layout, in data units: the plot's offsets in data units
#: (a site's stem 0.38, :data:`~protv2g.report.der_marks.DER_OFFSET`) were sized for the tree
#: layout's one unit per hop (≈ 0.4 in on IEEE 13's tree); at 12 units over a 9–16 in
#: figure they are 0.3–0.5 in (at 60, and at 25, IEEE 13's site triangle sat on its bus's
#: ring).
SPAN_UNITS = 12.0
#: A step of a bus the coordinates do not place, as a share of the span: at least 0.5 % (a
#: transformer or switch has no length; ≈ 0.08 in on a 16 in figure), at most 3 %.
STEP_RANGE = (0.005, 0.03)
#: Angle between siblings drawn from one bus the coordinates do not place, degrees.
FAN_DEG = 30.0
TREE_TITLE = "Feeder (tree layout from the substation; not to scale)"
COORDINATE_TITLE = ("Feeder (the model's bus coordinates, to scale; a bus without "
                    "them beside its upstream bus)")
#: Characters of the 11 pt title per inch of figure (DejaVu Sans averages ≈ 0.55 em a
#: character: ≈ 11.9 an inch; 11 leaves room).
TITLE_CHARS_PER_IN = 11.0
#: Points kept around the buses for markers (a ring is at most 24 pt across).
PAD_PT = 13.0


@dataclass(frozen=True)
class FeederLayout:
    """Bus → (x, y) in data units, whether x and y are to one scale (the coordinates), and
    the plot's title for it."""

    pos: dict[str, tuple[float, float]]
    to_scale: bool
    title: str


def feeder_layout(g: Any, tree: FeederTree | None = None) -> FeederLayout:
    """The model's bus coordinates where it has them (:func:`coordinate_layout`), else the
    tree layout (see the module docstring)."""
    tree = feeder_tree(g) if tree is None else tree
    pos = coordinate_layout(g, tree)
    if pos is not None:
        return FeederLayout(pos, True, COORDINATE_TITLE)
    return FeederLayout(tree_layout(g, tree), False, TREE_TITLE)


def coordinate_layout(g: Any, tree: FeederTree) -> dict[str, tuple[float, float]] | None:
    """Every bus at its coordinates (node attribute ``xy``), scaled to :data:`SPAN_UNITS` on
    the longer side, those without placed from their neighbours (module docstring); ``None``
    when the coordinates place fewer than :data:`COORDINATE_SHARE` of the primary buses or
    have no extent."""
    nodes = g.nodes
    xy = {n: nodes[n]["xy"] for n in g if nodes[n].get("xy") is not None}
    primary = [n for n in g if not float(nodes[n].get("vn_kv", np.nan)) < 1.0]
    placed = sum(n in xy for n in primary)
    if not xy or placed < COORDINATE_SHARE * max(len(primary), 1):
        return None
    at = np.array(list(xy.values()), dtype=float)
    lo = at.min(axis=0)
    span = float((at.max(axis=0) - lo).max())
    if not span > 0.0:
        return None
    k = SPAN_UNITS / span
    pos = {n: (float((p[0] - lo[0]) * k), float((p[1] - lo[1]) * k)) for n, p in xy.items()}
    per_km = _units_per_km(g, pos)
    lo_step, hi_step = (s * SPAN_UNITS for s in STEP_RANGE)
    _place_roots(tree, pos, lo_step)
    for node in tree.order:  # parents first
        kids = [c for c in tree.children[node] if c not in pos]
        if node not in pos or not kids:
            continue
        up = tree.parent[node]
        heading = (_unit(pos[node], pos[up]) if up is not None and up in pos
                   else (0.0, -1.0))
        if node in xy or up is None:  # off a placed bus: square to the branch into it
            heading = (-heading[1], heading[0])
        for i, c in enumerate(kids):
            turn = math.radians(FAN_DEG * (i - (len(kids) - 1) / 2.0))
            hx = heading[0] * math.cos(turn) - heading[1] * math.sin(turn)
            hy = heading[0] * math.sin(turn) + heading[1] * math.cos(turn)
            km = float(g.edges[node, c].get("length_km", 0.0) or 0.0)
            step = min(max(km * per_km, lo_step), hi_step)
            pos[c] = (pos[node][0] + step * hx, pos[node][1] + step * hy)
    return {n: pos[n] for n in tree.order if n in pos}


def _units_per_km(g: Any, pos: dict[str, tuple[float, float]]) -> float:
    """Drawn distance per km of line: the median over the branches with both ends placed and
    a length (0 when there is none: every step then the smallest)."""
    ratios = [math.dist(pos[u], pos[v]) / d["length_km"] for u, v, d in g.edges(data=True)
              if u in pos and v in pos and float(d.get("length_km", 0.0) or 0.0) > 0.0]
    return float(np.median(ratios)) if ratios else 0.0


def _place_roots(tree: FeederTree, pos: dict[str, tuple[float, float]], step: float) -> None:
    """A bus without coordinates with placed buses below it (the Vsource's bus above the
    substation's, the root of a part): one step above the first of them in its subtree, and
    each bus on the way up from it one step further."""
    for node in reversed(tree.order):  # children first
        if node in pos:
            continue
        below = [c for c in tree.children[node] if c in pos]
        if below:
            x, y = pos[below[0]]
            pos[node] = (x, y + step)


def _unit(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """The unit vector from ``b`` to ``a`` (straight down where they coincide)."""
    d = math.dist(a, b)
    return ((a[0] - b[0]) / d, (a[1] - b[1]) / d) if d > 0 else (0.0, -1.0)


def figure_size_in(pos: dict[str, tuple[float, float]], to_scale: bool
                   ) -> tuple[float, float]:
    """The figure's width and height, in: the tree layout's by its hops and rows; a to-scale
    layout's by its aspect, the longer side 16 in (12 in high at most), legend and title
    room added."""
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    dx, dy = max(xs) - min(xs), max(ys) - min(ys)
    if not to_scale:
        return (min(16.0, max(9.0, 1.1 * (dx + 2))), min(12.0, max(4.5, 0.85 * (dy + 2))))
    aspect = dy / dx if dx > 0 else 1.0
    if aspect <= 10.0 / 16.0:
        return 16.0, min(12.0, max(6.0, 16.0 * aspect + 2.0))
    return min(16.0, max(9.0, 10.0 / aspect)), 12.0


def axis_limits(lo: float, hi: float, anchors: np.ndarray, below_pt: np.ndarray,
                above_pt: np.ndarray, length_pt: float) -> tuple[float, float]:
    """Axis limits around ``lo``…``hi`` (data) that keep each label, reaching ``below_pt``
    and ``above_pt`` points from its anchor, and :data:`PAD_PT` inside ``length_pt`` points
    of axes (the head's label was cut at the left edge, device labels ran into the title:
    review rev40a M10). Fixed point of the scale, from the data's own span."""
    a, b = lo - 0.6, hi + 0.6
    for _ in range(6):
        per_pt = (b - a) / length_pt
        a = min(a, lo - PAD_PT * per_pt, float(np.min(anchors - below_pt * per_pt,
                                                      initial=np.inf)))
        b = max(b, hi + PAD_PT * per_pt, float(np.max(anchors + above_pt * per_pt,
                                                      initial=-np.inf)))
    return a, b


def same_scale(xlim: tuple[float, float], ylim: tuple[float, float], width_pt: float,
               height_pt: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """``xlim`` and ``ylim`` with the one of fewer data units per point widened about its
    middle to the other's: x and y to one scale, everything the limits held still inside.

    >>> same_scale((0.0, 10.0), (0.0, 10.0), 200.0, 100.0)
    ((-5.0, 15.0), (0.0, 10.0))
    """
    per_x, per_y = (xlim[1] - xlim[0]) / width_pt, (ylim[1] - ylim[0]) / height_pt
    if per_x < per_y:
        mid, half = (xlim[0] + xlim[1]) / 2.0, per_y * width_pt / 2.0
        return (mid - half, mid + half), ylim
    mid, half = (ylim[0] + ylim[1]) / 2.0, per_x * height_pt / 2.0
    return xlim, (mid - half, mid + half)


def wrap_title(title: str, width_in: float) -> str:
    """``title`` broken into lines that fit a ``width_in`` figure
    (:data:`TITLE_CHARS_PER_IN`), its own line breaks kept.

    >>> wrap_title("Feeder (tree layout); names that would overprint left out", 3.0)
    'Feeder (tree layout); names that\\nwould overprint left out'
    """
    chars = max(20, int(width_in * TITLE_CHARS_PER_IN))
    return "\n".join(w for line in title.split("\n")
                     for w in (textwrap.wrap(line, chars) or [""]))
