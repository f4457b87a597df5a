"""The feeder plot's lines: the three-phase primary heavy, the one- and two-phase laterals
thin and grey, the secondaries (below 1 kV) thinner and lighter (review rev43a M10: ckt24's
1,300 primary lines and 4,700 secondaries were one weight, with a dot at every bus, and the
backbone could not be told from the laterals).

A branch's phases are those its two buses share (the "Feeder buses" table's ``phases``), its
voltage the lower of theirs (a service transformer's edge is a secondary's). A feeder whose
primary is three-phase throughout (a pandapower net: no phase data) is drawn as before, one
weight for its lines and a heavier one for its transformers, with no legend entry.

Examples
--------
>>> import networkx as nx
>>> g = nx.Graph()
>>> g.add_nodes_from([("s", {"phases": "abc", "vn_kv": 12.47}),
...                   ("a", {"phases": "abc", "vn_kv": 12.47}),
...                   ("b", {"phases": "b", "vn_kv": 12.47}), ("c", {"vn_kv": 0.24})])
>>> g.add_edges_from([("s", "a"), ("a", "b"), ("b", "c")], element="line")
>>> sorted(branch_classes(g).items())
[('lateral', [('a', 'b')]), ('secondary', [('b', 'c')]), ('three-phase', [('s', 'a')])]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

__all__ = ["branch_classes", "draw_lines", "LINE_STYLES"]

#: Class → (colour, width pt, legend words). "line" and "trafo": a feeder without phase
#: distinctions (as drawn before session 44).
LINE_STYLES = {
    "three-phase": ("0.15", 2.4, "three-phase primary line"),
    "lateral": ("0.55", 1.0, "one- or two-phase primary line"),
    "secondary": ("0.75", 0.6, "below 1 kV (secondary, service)"),
    "trafo": ("0.2", 3.0, ""),
    "line": ("0.45", 1.6, ""),
}
#: Below this (kV line to line) a bus is a secondary's.
PRIMARY_KV = 1.0


def branch_classes(g: Any) -> dict[str, list[tuple[str, str]]]:
    """Class (:data:`LINE_STYLES`) → the edges ``(u, v)`` of ``g`` in it, in ``g``'s order."""
    nodes = g.nodes
    out: dict[str, list[tuple[str, str]]] = {}
    for u, v, d in g.edges(data=True):
        kv = min(float(nodes[u].get("vn_kv", np.nan)), float(nodes[v].get("vn_kv", np.nan)))
        shared = set(str(nodes[u].get("phases", "abc"))) & set(str(nodes[v].get("phases",
                                                                              "abc")))
        if kv < PRIMARY_KV:
            key = "secondary"
        elif d.get("element") in ("trafo", "transformer"):
            key = "trafo"
        else:
            key = "three-phase" if {"a", "b", "c"} <= shared else "lateral"
        out.setdefault(key, []).append((u, v))
    return out


def draw_lines(ax: Any, g: Any, pos: dict[str, tuple[float, float]]) -> list[Line2D]:
    """Every branch of ``g`` at ``pos``, one collection per class; the legend handles of the
    classes drawn (none on a feeder without laterals or secondaries: as before)."""
    classes = branch_classes(g)
    plain = not ({"lateral", "secondary"} & set(classes))
    if plain:  # one weight for the lines, the transformers heavier
        classes = {"line": classes.get("three-phase", []), "trafo": classes.get("trafo", [])}
    handles = []
    # one collection per class: a utility feeder has thousands of buses (IEEE 8500: 4,876),
    # and an artist each took 50 s to draw on the shared VM (2026-12-01); the light ones first
    for key in ("secondary", "lateral", "line", "three-phase", "trafo"):
        edges = classes.get(key, [])
        if not edges:
            continue
        color, width, words = LINE_STYLES[key]
        ax.add_collection(LineCollection([(pos[u], pos[v]) for u, v in edges], colors=color,
                                         linewidths=width, zorder=1, capstyle="round"))
        if words and not plain:
            handles.append(Line2D([], [], color=color, lw=width, label=words))
    return handles
