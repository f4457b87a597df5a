"""Shortest-path trees on arrays (``protv2g.topology_tree``, #21): the same trees as
networkx's Dijkstra wherever they are unique, ``None`` (networkx's tie-breaking kept) where
two paths tie; ``device_chains`` the same by either walk."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandas as pd
import pytest

from protv2g import topology
from protv2g.topology_tree import feeder_edges, networkx_tree, source_tree


def _same_tree(a, b) -> None:
    for k in ("nodes", "parent", "depth", "tin", "tout"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
    assert np.array_equal(a.dist_km, b.dist_km)  # bit for bit: the same sums


@pytest.mark.parametrize("seed", range(6))
def test_random_trees_and_meshes_as_networkx(seed) -> None:
    rng = np.random.default_rng(seed)
    net = pp.create_empty_network()
    n = 60
    for k in range(n):
        pp.create_bus(net, 20, name=f"B{k}", in_service=bool(k != 7))
    for k in range(1, n):  # a random tree, then a few chords (meshes)
        pp.create_line_from_parameters(net, int(rng.integers(0, k)), k,
                                       float(rng.uniform(0.01, 2.0)), 0.1, 0.1, 10, 0.4)
    for _ in range(seed):
        a, b = rng.choice(n, 2, replace=False)
        pp.create_line_from_parameters(net, int(a), int(b), float(rng.uniform(0.01, 2.0)),
                                       0.1, 0.1, 10, 0.4)
    pp.create_switch(net, 3, 2, et="l", closed=False)
    edges, g = feeder_edges(net), topology.feeder_graph(net)
    assert np.array_equal(edges.nodes, np.array(sorted(g.nodes)))
    for src in (0, 5, 11):
        tree = source_tree(edges, src)
        assert tree is not None  # random float lengths: no ties
        _same_tree(tree, networkx_tree(g, src))


def test_ties_are_declined() -> None:
    """A square of equal lengths: two shortest paths to the far corner."""
    g_net = pp.create_empty_network()
    for k in range(4):
        pp.create_bus(g_net, 20, name=f"B{k}")
    for a, b in ((0, 1), (1, 2), (0, 3), (3, 2)):
        pp.create_line_from_parameters(g_net, a, b, 1.0, 0.1, 0.1, 10, 0.4)
    assert source_tree(feeder_edges(g_net), 0) is None
    g_net.line.loc[3, "length_km"] = 1.5
    _same_tree(source_tree(feeder_edges(g_net), 0),
               networkx_tree(topology.feeder_graph(g_net), 0))


def test_nan_length_declined_and_lone_source() -> None:
    net = pp.create_empty_network()
    pp.create_bus(net, 20)
    pp.create_bus(net, 20)
    pp.create_line_from_parameters(net, 0, 1, float("nan"), 0.1, 0.1, 10, 0.4)
    assert source_tree(feeder_edges(net), 0) is None
    net.line["in_service"] = False
    tree = source_tree(feeder_edges(net), 1)
    assert tree.nodes.tolist() == [1] and tree.parent.tolist() == [-1]
    assert tree.depth.tolist() == [0] and tree.dist_km.tolist() == [0.0]
    with pytest.raises(KeyError):
        source_tree(feeder_edges(net), 5)


class _Site:
    def __init__(self, element, index, bus, far_bus):
        self.element, self.element_index, self.bus, self.far_bus = element, index, bus, far_bus


@pytest.mark.parametrize("equal_lengths", [False, True])
def test_device_chains_same_by_networkx(monkeypatch, equal_lengths) -> None:
    """Closed rings (ties with equal lengths): the chains by arrays and by networkx alone."""
    net = pn.create_cigre_network_mv()
    net.switch["closed"] = True
    if equal_lengths:
        net.line["length_km"] = 1.0
    sites = {f"D{i}": _Site("line", int(i), int(net.line.at[i, "from_bus"]),
                            int(net.line.at[i, "to_bus"])) for i in net.line.index[::2]}
    chargers = {"S": int(net.bus.index[-1])}
    fast = topology.device_chains(net, sites, chargers)
    monkeypatch.setattr(topology, "source_tree", lambda edges, source: None)
    slow = topology.device_chains(net, sites, chargers)
    assert len(fast)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)


def test_graph_edges_as_feeder_graph() -> None:
    """The same node set and edges (parallel lines merged to the shortest) as networkx's."""
    net = pn.mv_oberrhein()
    net.switch["closed"] = True
    edges, g = feeder_edges(net), topology.feeder_graph(net)
    coo = edges.graph.tocoo()
    got = {(int(edges.nodes[a]), int(edges.nodes[b])): w
           for a, b, w in zip(coo.row, coo.col, coo.data, strict=True)}
    want = {}
    for a, b, d in g.edges(data=True):
        if a != b:
            want[(a, b)] = want[(b, a)] = float(d["length_km"]) + 1e-6
    assert got == want
    assert isinstance(g, nx.Graph)


def test_substation_rows_as_text_test() -> None:
    """#21: the text tested once per distinct source, the same rows as per row."""
    from protv2g.topology import substation_rows

    src = pd.Series(["substation", "site", None, float("nan"), "substation:B", 3, "x"] * 5,
                    dtype=object)
    chains = pd.DataFrame({"source": src})
    want = src.astype(str).str.startswith(topology.SUBSTATION).to_numpy()
    assert np.array_equal(substation_rows(chains), want)
    assert substation_rows(chains.iloc[:0]).shape == (0,)
