"""A feeder plot with more fault locations of violations than
:data:`~protv2g.report.feeder_plot.VIOLATION_BUSES_DRAWN` rings every location in one
collection per status and names and counts only the worst (#21: the 10,000-bus study drew
19,000 overprinting texts); below it each location is drawn as before."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D

from protv2g.report import feeder_plot
from protv2g.report.feeder_plot import _worst_first, plot_feeder

N_BUS = 40


def _feeder() -> tuple[nx.Graph, pd.DataFrame, pd.DataFrame]:
    g = nx.path_graph([f"b{i:02d}" for i in range(N_BUS)])
    g.nodes["b00"]["is_source"] = True
    for k, (u, v) in enumerate(g.edges):
        g.edges[u, v].update(element="line", element_index=k)
    settings = pd.DataFrame({"device": ["R1"], "kind": ["relay"], "element": ["line"],
                             "element_index": [0], "bus": ["b00"]})
    rows = [{"fault_bus": f"b{i:02d}", "status": "fail" if i % 5 == 0 else "warn",
             "device": "R1"} for i in range(1, N_BUS) for _ in range(1 + i % 3)]
    return g, settings, pd.DataFrame(rows)


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def test_worst_first_ranks_status_then_count_then_order():
    buses = {"a": (3, "warn"), "b": (1, "fail"), "c": (5, "warn"), "d": (1, "fail"),
             "e": (9, "info")}
    assert _worst_first(buses, 4) == ["b", "d", "c", "a"]
    assert _worst_first({}, 3) == []


def test_below_the_threshold_every_location_is_drawn_and_named():
    g, settings, violations = _feeder()
    fig = plot_feeder(g, settings, [], violations, title="t")
    rings = [a for a in fig.axes[0].lines if a.get_marker() == "o" and a.get_mfc() == "none"]
    assert len(rings) == N_BUS - 1
    assert fig.axes[0].get_title() == "t"
    assert not [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]


@pytest.mark.parametrize("title", ["t", ""])
def test_above_the_threshold_every_location_is_ringed_and_the_worst_named(monkeypatch,
                                                                          title):
    monkeypatch.setattr(feeder_plot, "VIOLATION_BUSES_DRAWN", 10)
    monkeypatch.setattr(feeder_plot, "VIOLATION_LABELS", 4)
    g, settings, violations = _feeder()
    fig = plot_feeder(g, settings, [], violations, title=title)
    ax = fig.axes[0]
    rings = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in rings) == N_BUS - 1  # every location
    assert len(rings) == 2  # fail and warn
    assert not [a for a in ax.lines if isinstance(a, Line2D) and a.get_mfc() == "none"
                and a.get_marker() == "o"]
    # the worst four: the fail buses with the most rows (b05, b20, b35: 3 each; b10, b25: 2)
    counts = violations.groupby("fault_bus").size()
    named = ["b05", "b20", "b35", "b10"]
    texts = _texts(fig)
    for bus in named:
        assert bus in texts and str(counts[bus]) in texts
    assert "b01" not in texts and "b00" in texts  # a warn bus unnamed; the source named
    # the source's and the device's labels, four names and four counts
    assert len(texts) == 1 + 1 + 2 * len(named)
    assert ax.get_title().endswith(f"{N_BUS - 1} fault locations of violations ringed, "
                                   "the 4 worst named and counted")
    assert ax.get_title().startswith(title or "Feeder (tree layout")
    sizes = np.sqrt(np.concatenate([c.get_sizes() for c in rings]))
    assert sizes.min() == 14.5 and sizes.max() == 15.5  # as the single markers: 14 + n/2


def test_a_large_feeder_names_its_devices_and_sites_not_their_buses(monkeypatch):
    """#21, the lead's decision of session 43: a large feeder's names are where an engineer
    reads them — the source bus, each device and site by its own name, the worst locations —
    not each device's and site's bus beside them (the 10,000-bus plot made 58 such names)."""
    monkeypatch.setattr(feeder_plot, "LABEL_ALL_BUSES", 10)
    g, settings, _ = _feeder()
    settings = pd.concat([settings, pd.DataFrame(
        {"device": ["F7"], "kind": ["fuse"], "element": ["line"], "element_index": [6],
         "bus": ["b07"]})], ignore_index=True)
    site = {"name": "lot", "bus": "b12", "n_chargers": 4, "p_charger_kw": 50}
    texts = _texts(plot_feeder(g, settings, [site], pd.DataFrame(), title="t"))
    assert sorted(texts) == sorted(["b00", "R1", "F7", "lot V2G 0.2 MW installed"])
    # a small feeder still names every bus
    monkeypatch.setattr(feeder_plot, "LABEL_ALL_BUSES", 200)
    texts = _texts(plot_feeder(g, settings, [site], pd.DataFrame(), title="t"))
    assert {f"b{i:02d}" for i in range(N_BUS)} <= set(texts)
