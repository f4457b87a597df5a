"""A large feeder's plot readable by the engineer who signs it (review rev40a M10: on EPRI J1
and IEEE 8500 the title was overprinted by device labels, the head's label cut at the left
edge, the legend covered the lower left of the tree, and the names at laterals overprinted
one another)."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from protv2g.report.feeder_plot import LABEL_ALL_BUSES, plot_feeder


def _large_feeder() -> tuple[nx.Graph, pd.DataFrame, list[dict], pd.DataFrame]:
    """A 50-bus trunk from ``src``, a 4-bus lateral at each trunk bus (250 buses), a relay
    with a long name at the head, a fuse at the head of each lateral, a V2G site two buses
    from the head, violations at every lateral's end bus."""
    g = nx.Graph()
    trunk = ["src", *(f"t{i:02d}" for i in range(1, 50))]
    nx.add_path(g, trunk)
    for i, t in enumerate(trunk):
        nx.add_path(g, [t, *(f"l{i:02d}_{k}" for k in range(4))])
    g.nodes["src"]["is_source"] = True
    index = {}
    for k, (u, v) in enumerate(g.edges):
        g.edges[u, v].update(element="line", element_index=k)
        index[frozenset((u, v))] = k
    rows = [("head-very-long-relay-name_sub", "relay", index[frozenset(("src", "t01"))],
             "src")]
    rows += [(f"FU-LAT-{i:02d}", "fuse", index[frozenset((t, f"l{i:02d}_0"))], t)
             for i, t in enumerate(trunk)]
    settings = pd.DataFrame(rows, columns=["device", "kind", "element_index", "bus"])
    settings["element"] = "line"
    sites = [{"name": "depot", "bus": "t02", "n_chargers": 20, "p_charger_kw": 100.0}]
    violations = pd.DataFrame({"fault_bus": [f"l{i:02d}_3" for i in range(50)],
                               "status": "fail", "device": "FU-LAT-01"})
    assert g.number_of_nodes() > LABEL_ALL_BUSES
    return g, settings, sites, violations


def test_a_large_feeder_keeps_labels_inside_off_the_title_and_the_legend_off_the_tree():
    fig = plot_feeder(*_large_feeder(), title="big feeder")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    axes_box = ax.get_window_extent(renderer)
    title_box = ax.title.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    names = [t.get_text() for t in ax.texts]
    assert "head-very-long-relay-name_sub" in names
    assert any(n.startswith("depot V2G") for n in names)
    for name, b in zip(names, boxes, strict=True):
        # inside the axes (so inside the canvas), below the title
        assert b.x0 >= axes_box.x0 - 0.5 and b.x1 <= axes_box.x1 + 0.5, name
        assert b.y0 >= axes_box.y0 - 0.5 and b.y1 <= axes_box.y1 + 0.5, name
        assert not b.overlaps(title_box), name
    # the legend outside the axes, where the tree is
    legend = fig.legends[0].get_window_extent(renderer)
    assert not legend.overlaps(axes_box)
    # no two names overprint one another (1 px of anti-aliasing allowed)
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert overlap_x <= 1.0 or overlap_y <= 1.0, (names[i], names[j])
