"""The feeder plot's labels as plain texts with an offset transform draw the pixels of the
annotations they replaced (#21: 303 labels on the 250-bus study drew in 0.73 s as
annotations)."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from protv2g.report.feeder_plot import _label

_LABELS = [("B12", (0.0, 0.0), (0, -11), {"ha": "center", "va": "top", "fontsize": 7}),
           ("RC-F1", (1.0, 0.5), (0, 9), {"ha": "center", "fontsize": 7.5,
                                          "fontweight": "bold", "color": "tab:blue"}),
           ("site 1.2 MW V2G", (2.0, 1.38), (8, 0), {"va": "center", "fontsize": 7.5}),
           ("17", (3.0, -0.5), (7, 5), {"fontsize": 7, "color": "tab:red"})]


def _rgb(labels_as_text: bool) -> np.ndarray:
    fig = Figure(figsize=(4.0, 2.0), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_xlim(-1.0, 4.5)
    ax.set_ylim(-1.5, 2.0)
    for text, xy, offset, kwargs in _LABELS:
        if labels_as_text:
            _label(ax, text, xy, offset, **kwargs)
        else:
            ax.annotate(text, xy, xytext=offset, textcoords="offset points", **kwargs)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def test_label_draws_where_annotate_drew():
    got = _rgb(True)
    assert (got[..., :3] < 128).any()  # something is drawn
    np.testing.assert_array_equal(got, _rgb(False))


def test_tree_layout_by_hand_and_on_a_feeder_deeper_than_the_recursion_limit():
    """Main line straight (largest subtree first), a lateral on the next row, a second
    component below after half a row; a 5,000-hop feeder laid out without recursion (the
    10,000-bus synthetic study's feeder plot raised RecursionError, 2026-12-02)."""
    import sys

    import networkx as nx

    from protv2g.report.feeder_graph import tree_layout

    g = nx.Graph([("a", "b"), ("b", "c"), ("c", "d"), ("b", "x"), ("p", "q")])
    pos = tree_layout(g)
    # a-b-c-d is the main line on row 0, x branches off b onto row 1; rows 0-1 used, so
    # p-q (another component) on row 2 + 0.5
    assert pos == {"a": (0.0, -0.0), "b": (1.0, -0.0), "c": (2.0, -0.0), "d": (3.0, -0.0),
                   "x": (2.0, -1.0), "p": (0.0, -2.5), "q": (1.0, -2.5)}
    n = sys.getrecursionlimit() + 4000
    chain = nx.path_graph([f"b{i:06d}" for i in range(n)])
    chain.add_edge("b000010", "lateral")
    pos = tree_layout(chain)
    assert len(pos) == n + 1
    assert pos[f"b{n - 1:06d}"] == (float(n - 1), -0.0)
    assert pos["lateral"] == (11.0, -1.0)
