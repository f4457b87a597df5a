"""Regulators and in-line transformers on the feeder plot (review rev43a M4: IEEE 34's reg1
814–814r, reg2 852–852r and XFM1 832–888 were drawn as plain lines, though gate fails were
about reg1/reg2 and a C4 warning about XFM1).

A transformer branch of the feeder graph (:func:`protv2g.report.feeder_graph.feeder_graph`)
gets a symbol as one-line diagrams draw it when it is a regulator (tap controls act on it:
its ``regulator`` attribute), when both its buses are primary-voltage buses (``vn_kv`` ≥
:data:`PRIMARY_KV`: an in-line transformer such as XFM1 24.9/4.16 kV, or the substation's),
or when a finding names it. Service transformers to low-voltage secondaries (the IEEE 8500's
≈ 1,200) get none unless named. A regulator is a circle crossed by an arrow (the tap changer:
the usual one-line symbol of a step-voltage regulator, IEEE Std 315 / IEC 60617 "variable"
arrow), a transformer two overlapping circles (IEEE Std 315 / IEC 60617 S00841). A symbol
a finding names is red; a red regulator carries its units' names (``reg1a/b/c``), a red
transformer only where V2G makes the finding (new or worse, not pre-existing: EPRI ckt24's 24
step transformers in pre-existing C12 overloads were 24 red names over the feeder).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.path import Path

from protv2g.report.plot_marks import add_line

__all__ = ["PRIMARY_KV", "STYLES", "branch_marks", "group_name", "named_in",
           "transformer_units"]

#: A bus at this line-to-line voltage (kV) or above is a primary (medium-voltage) bus: a
#: transformer between two of them is in line on the feeder, one to a lower voltage a service
#: transformer (ANSI C84.1: low voltage is 1 kV and below).
PRIMARY_KV = 1.0
#: Where along its branch a symbol sits, from the end nearer the source (a device's marker
#: is at 0.35 from its own bus: the two do not meet on a transformer with a fuse).
_ALONG = 0.65
_COLOR = "0.15"
_NAMED = "tab:red"

#: Two overlapping circles, side by side (a two-winding transformer).
TRANSFORMER = Path.make_compound_path(Path.circle((-0.3, 0.0), 0.45),
                                      Path.circle((0.3, 0.0), 0.45))
#: A circle crossed by a diagonal arrow (a step-voltage regulator).
REGULATOR = Path.make_compound_path(
    Path.circle((0.0, 0.0), 0.42),
    Path([(-0.55, -0.55), (0.45, 0.45)], [Path.MOVETO, Path.LINETO]),
    Path([(0.6, 0.6), (0.2, 0.47), (0.47, 0.2), (0.6, 0.6)],
         [Path.MOVETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]))
#: Marker and legend text of each kind of branch drawn.
STYLES = {"regulator": (REGULATOR, "regulator (its taps controlled; red, named: a finding "
                        "names it)"),
          "transformer": (TRANSFORMER, f"transformer in line (both sides ≥ {PRIMARY_KV:g} kV; "
                          "red: a finding names it)")}


def _bare(name: str) -> str:
    """``transformer.reg1a`` / ``REG:reg1a`` / ``reg1a`` → ``reg1a`` (lower case)."""
    return str(name).split(":", 1)[-1].split(".", 1)[-1].strip().lower()


def named_in(texts: set[str]) -> set[str]:
    """The bare, lower-case element names a finding's columns name (``device``,
    ``other_device`` as "reg1a, reg1b", ``fault_bus`` as "transformer.xfm1").

    >>> sorted(named_in({"REG:reg1a", "reg1b, reg1c", "transformer.XFM1", ""}))
    ['reg1a', 'reg1b', 'reg1c', 'xfm1']
    """
    return {_bare(p) for t in texts for p in str(t).split(",") if p.strip()}


def group_name(names: list[str]) -> str:
    """The names of parallel units as one label: a common stem and short suffixes as
    ``reg1a/b/c``, else joined by ", ".

    >>> group_name(["reg1a", "reg1b", "reg1c"]), group_name(["xfm1"]), group_name(["t1", "x9"])
    ('reg1a/b/c', 'xfm1', 't1, x9')
    """
    bare = [str(n).split(".", 1)[-1] for n in dict.fromkeys(names)]
    stem = os.path.commonprefix(bare)
    if len(bare) > 1 and stem and all(0 < len(b) - len(stem) <= 2 for b in bare):
        return bare[0] + "".join(f"/{b[len(stem):]}" for b in bare[1:])
    return ", ".join(bare)


def transformer_units(d: dict[str, Any]) -> list[str]:
    """The transformers among an edge's parallel branches (``d``: the edge's attributes,
    :func:`~protv2g.report.feeder_graph.feeder_graph`); none on an edge of lines.

    >>> transformer_units({"element": "line", "names": ["transformer.reg1", "line.temp1"],
    ...                    "branches": [("transformer", 3), ("line", 9)]})
    ['transformer.reg1']
    >>> transformer_units({"element": "trafo", "name": "t1"})
    ['t1']
    """
    names = [str(n) for n in d.get("names") or [d.get("name", "")]]
    kinds = [e for e, _ in d.get("branches") or []]
    if len(kinds) != len(names):  # a graph without the branch list: the edge's own class
        kinds = [str(d.get("element"))] * len(names)
    return [n for n, e in zip(names, kinds, strict=True) if e in ("transformer", "trafo")]


def branch_marks(ax: Any, g: nx.Graph, pos: dict[str, tuple[float, float]],
                 named: set[str], label: Callable[..., None], z: float,
                 titled: set[str] | None = None
                 ) -> tuple[list[Line2D], list[tuple[float, float, float]]]:
    """Draw the regulators and in-line transformers of ``g`` (module docstring) and return
    the legend handles of the kinds drawn and each symbol's (x, y, half-size in points) for
    the plot's name placement. ``named``: the bare lower-case names findings name
    (:func:`named_in`); such a symbol is red. A red regulator's units' names, and a red
    transformer's where ``titled`` (the names of the findings V2G makes: not pre-existing;
    ``named`` when not given) has them, are written beside it through ``label(rank, text,
    xy, offset_pt, **style)`` (rank 0, kept as a finding's device's name is)."""
    titled = named if titled is None else titled
    kinds: set[str] = set()
    marks: list[tuple[float, float, float]] = []
    for u, v, d in g.edges(data=True):
        units = transformer_units(d)
        if not units or u not in pos or v not in pos:
            continue
        regulator = bool(d.get("regulator"))
        kv = np.array([g.nodes[b].get("vn_kv", np.nan) for b in (u, v)], dtype=float)
        hit = any(_bare(n) in named for n in units)
        if not (regulator or hit or bool(np.all(kv >= PRIMARY_KV))):
            continue
        # the end nearer the source first; on an edge of no drawn length (EPRI J1's
        # regulators: both buses at one coordinate, review ver44 M3) the symbol sits at its
        # buses' place, drawn as any other
        (x0, y0), (x1, y1) = sorted((pos[u], pos[v]))
        x, y = x0 + _ALONG * (x1 - x0), y0 + _ALONG * (y1 - y0)
        color = _NAMED if hit else _COLOR
        kind = "regulator" if regulator else "transformer"
        add_line(ax, x, y, marker=STYLES[kind][0], ms=16, mfc="white", mec=color, mew=1.6,
                 zorder=z)
        kinds.add(kind)
        marks.append((x, y, 7.5))
        # a transformer's name only where a finding that V2G makes (new or worse) names it:
        # ckt24's 24 step transformers, each in a pre-existing C12 overload, were 24 red
        # names over the feeder (plot44); red, they still show where the findings are
        if hit and (regulator or any(_bare(n) in titled for n in units)):
            # from the symbol rightwards: centred, it ran into the count of the ring at the
            # bus before it (IEEE 34's 814)
            label(0, group_name(units), (x, y), (-5, 9), ha="left", fontsize=7.5,
                  color=color, fontweight="bold")
    handles = [Line2D([], [], marker=marker, ls="", ms=13, mfc="white", mec=_COLOR, mew=1.4,
                      label=text) for kind, (marker, text) in STYLES.items() if kind in kinds]
    return handles, marks
