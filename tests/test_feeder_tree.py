"""The feeder's tree built once as arrays (:mod:`protv2g.report.feeder_tree`, #21) is the tree
the networkx code built three times a workbook: the same parents, children order, depths,
descendants and roots, and the same device chains, zones and feeder layout, on random
feeders (several parts, loops, sources or none, devices on branches off the tree).

The old code (main at 064870a: ``feeder_graph._bfs_tree``, ``tree_layout``,
``device_chains``, ``tcc_extremes._zones``) is copied here as the reference, its tree's edges
from networkx's own ``bfs_edges(g.subgraph(part), root, sort_neighbors=sorted)`` (which
064870a's ``_bfs_edges`` read from the adjacency, the same edges in the same order).
"""

from __future__ import annotations

import random

import networkx as nx
import pandas as pd
import pytest

from protv2g.report.feeder_graph import device_chains, device_edges, tree_layout
from protv2g.report.feeder_tree import feeder_tree
from protv2g.report.tcc_extremes import _zones


# --- the old formulation (064870a), verbatim but for names ---------------------------------
def _old_bfs_tree(g):
    tree = nx.DiGraph()
    roots = []
    for comp in sorted(nx.connected_components(g), key=min):
        sources = sorted(n for n in comp if g.nodes[n].get("is_source"))
        root = sources[0] if sources else min(comp)
        roots.append(root)
        tree.add_node(root)
        tree.add_edges_from(nx.bfs_edges(g.subgraph(comp), root, sort_neighbors=sorted))
    return roots[0], tree


def _old_tree_layout(g):
    _, tree = _old_bfs_tree(g)
    pos = {}
    next_y = [0.0]
    size = {}
    for node in reversed(list(nx.topological_sort(tree))):
        size[node] = 1 + sum(size[c] for c in tree.successors(node))

    def place(root):
        row = {}
        stack = [(root, 0, sorted(tree.successors(root), key=lambda c: (-size[c], c)), [0])]
        while stack:
            node, depth, children, nxt = stack[-1]
            if nxt[0] < len(children):
                child = children[nxt[0]]
                nxt[0] += 1
                stack.append((child, depth + 1,
                              sorted(tree.successors(child), key=lambda c: (-size[c], c)), [0]))
                continue
            stack.pop()
            if children:
                y = row[children[0]]
            else:
                y = next_y[0]
                next_y[0] += 1.0
            row[node] = y
            pos[node] = (float(depth), -y)

    for root in sorted(n for n in tree.nodes if tree.in_degree(n) == 0):
        place(root)
        next_y[0] += 0.5
    return pos


def _old_device_chains(g, settings):
    root, tree = _old_bfs_tree(g)
    edges = device_edges(g, settings)
    depth = nx.shortest_path_length(tree, root)
    at_edge = {}
    for name, (u, v) in edges.items():
        if u not in depth or v not in depth:
            continue
        child = v if depth.get(v, -1) > depth.get(u, -1) else u
        parent = next(iter(tree.predecessors(child)), None)
        at_edge.setdefault((parent, child), []).append(name)

    pred = tree._pred

    def devices_to(bus):
        path = [bus]
        while path[-1] != root and pred[path[-1]]:
            path.append(next(iter(pred[path[-1]])))
        path.reverse()
        out = []
        for a, b in zip(path, path[1:], strict=False):
            out += sorted(at_edge.get((a, b), []))
        return out

    ends = {}
    for (_, child), names in at_edge.items():
        for name in names:
            ends[name] = child
    chains = {name: devices_to(bus) for name, bus in ends.items()}
    maximal = [c for name, c in chains.items()
               if not any(len(o) > len(c) and o[: len(c)] == c for o in chains.values())]
    return [list(c) for c in sorted({tuple(c) for c in maximal})]


def _old_zones(graph, settings):
    _, tree = _old_bfs_tree(graph)
    edges = device_edges(graph, settings)
    below = {}
    for name, (near, far) in edges.items():
        start = far if far in tree and near in tree and (
            tree.has_edge(near, far) or far in nx.descendants(tree, near)) else near
        below[name] = {start} | (nx.descendants(tree, start) if start in tree else set())
    zones = {}
    for name, buses in below.items():
        inner = [o for o, b in below.items() if o != name and b < buses]
        zones[name] = buses - set().union(*(below[o] for o in inner)) if inner else buses
    return zones
# --------------------------------------------------------------------------------------------


def _random_feeder(rng: random.Random) -> tuple[nx.Graph, pd.DataFrame]:
    """A random forest of 1-4 parts (trees, some with loops), bus names in shuffled order,
    a source on some parts, 0-12 devices on random branches (some named by their far bus,
    some by a bus off their branch or off the feeder)."""
    g = nx.Graph()
    names = [f"b{k:03d}" for k in range(rng.randint(2, 120))]
    rng.shuffle(names)
    parts = sorted(rng.sample(range(1, len(names)), min(rng.randint(0, 3), len(names) - 1)))
    k = 0
    for lo, hi in zip([0, *parts], [*parts, len(names)], strict=True):
        part = names[lo:hi]
        g.add_node(part[0])
        for i in range(1, len(part)):
            g.add_edge(part[rng.randrange(i)], part[i], element="line", element_index=k)
            k += 1
        for _ in range(rng.randint(0, 2)):  # a loop (a closed tie)
            a, b = rng.sample(part, 2) if len(part) > 1 else (part[0], part[0])
            if a != b and not g.has_edge(a, b):
                g.add_edge(a, b, element="switch", element_index=k)
                k += 1
        for n in part:
            if rng.random() < 0.03:
                g.nodes[n]["is_source"] = True
    edges = list(g.edges(data=True))
    rows = []
    for d in range(rng.randint(0, 12) if edges else 0):
        u, v, data = rng.choice(edges)
        bus = rng.choice([u, v, u, v, rng.choice(names), "off"])
        rows.append({"device": f"D{d}", "element": data["element"],
                     "element_index": data["element_index"], "bus": bus})
    return g, pd.DataFrame(rows, columns=["device", "element", "element_index", "bus"])


@pytest.mark.parametrize("seed", range(300))
def test_the_tree_and_what_is_read_from_it_are_the_old_ones(seed):
    rng = random.Random(seed)
    g, settings = _random_feeder(rng)
    root, old = _old_bfs_tree(g)
    tree = feeder_tree(g)
    assert tree.roots[0] == root
    assert sorted(tree.roots) == sorted(n for n in old if old.in_degree(n) == 0)
    assert set(tree.parent) == set(old.nodes) == set(g.nodes)
    for n in old:
        assert tree.children[n] == list(old.successors(n)), n
        assert tree.parent[n] == next(iter(old.predecessors(n)), None), n
        assert tree.descendants(n) == nx.descendants(old, n), n
        assert tree.size[n] == 1 + len(nx.descendants(old, n))
    for r in tree.roots:
        for n, hops in nx.shortest_path_length(old, r).items():
            assert tree.depth[n] == hops, n
    for a, b in (rng.sample(list(old), 2) for _ in range(20)) if len(old) > 1 else ():
        assert tree.is_below(a, b) == (b in nx.descendants(old, a))
    assert tree_layout(g, tree) == _old_tree_layout(g)
    assert list(tree_layout(g, tree)) == list(_old_tree_layout(g))  # the drawing order too
    edges = device_edges(g, settings)
    assert device_chains(g, settings, tree, edges) == _old_device_chains(g, settings)
    assert device_chains(g, settings) == _old_device_chains(g, settings)
    assert _zones(g, settings, tree, edges) == _old_zones(g, settings)
    assert _zones(g, settings) == _old_zones(g, settings)


def test_a_tree_by_hand():
    """s is the source though not the first name; x-y another part, rooted at its first bus."""
    g = nx.Graph([("s", "a"), ("a", "c"), ("a", "b"), ("b", "d"), ("x", "y")])
    g.nodes["s"]["is_source"] = True
    t = feeder_tree(g)
    assert t.roots == ["s", "x"]
    assert t.parent == {"s": None, "a": "s", "b": "a", "c": "a", "d": "b", "x": None,
                        "y": "x"}
    assert t.children["a"] == ["b", "c"]
    assert t.order == ["s", "a", "b", "c", "d", "x", "y"]
    assert t.preorder == ["s", "a", "b", "d", "c", "x", "y"]
    assert t.depth["d"] == 3 and t.size["a"] == 4 and t.size["x"] == 2
    assert t.subtree("b") == ["b", "d"] and t.descendants("s") == {"a", "b", "c", "d"}
    assert t.is_below("a", "d") and not t.is_below("d", "a") and not t.is_below("a", "a")
    assert not t.is_below("s", "y") and "y" in t and "q" not in t
