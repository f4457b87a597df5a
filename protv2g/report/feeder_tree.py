"""The feeder's breadth-first tree from the substation, built once per workbook as plain
arrays (#21).

The report's paths (:func:`protv2g.report.feeder_graph.device_chains`), the devices' zones
(:mod:`protv2g.report.tcc_extremes`) and the feeder plot's layout
(:func:`protv2g.report.feeder_graph.tree_layout`) read the same tree. Each built it as a
networkx ``DiGraph`` of its own (three times a workbook; at 10,000 buses ``add_edges_from``
was most of each build) and asked it for descendants by a walk per device (``nx.descendants``,
60 walks of the 10,000-bus tree for the zones). Here the tree is built once from the feeder
graph's adjacency as parent and children dicts, with each node's place in a pre-order walk
(:attr:`FeederTree.first`) and its subtree's size (:attr:`FeederTree.size`): a node's
descendants are the pre-order slice after it, ``b`` lies below ``a`` when its pre-order
index falls in ``a``'s slice.

The tree is the one the networkx code built: each connected part from its source (the first
by name), else from its first bus by name; the parts in the order of their first bus; from
each node its neighbours in sorted order, breadth first (``nx.bfs_edges(...,
sort_neighbors=sorted)``); ``tests/test_feeder_tree.py`` holds the two to the same parents,
depths, descendants and roots on random graphs.

Examples
--------
>>> import networkx as nx
>>> g = nx.Graph([("s", "a"), ("a", "b"), ("a", "c"), ("x", "y")])
>>> g.nodes["s"]["is_source"] = True
>>> t = feeder_tree(g)
>>> t.roots, t.children["a"], sorted(t.descendants("a")), t.is_below("s", "c")
(['s', 'x'], ['b', 'c'], ['b', 'c'], True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FeederTree", "feeder_tree"]


@dataclass(frozen=True)
class FeederTree:
    """A forest of bus names: one breadth-first tree per connected part of the feeder.

    Attributes
    ----------
    roots : list of str
        One per connected part, in the parts' order (by their first bus name); ``roots[0]``
        is the first part's (the substation's on a connected feeder).
    parent : dict
        Bus → its parent bus; a root → None.
    children : dict
        Bus → its children in breadth-first order (sorted by name).
    order : list of str
        Every bus, breadth first, part after part (a parent before its children).
    depth : dict
        Bus → hops from its part's root.
    size : dict
        Bus → buses in its subtree, itself included.
    first : dict
        Bus → its index in :attr:`preorder`; its subtree is ``preorder[first : first + size]``.
    preorder : list of str
        Every bus in a depth-first pre-order (children in :attr:`children` order).
    """

    roots: list[str]
    parent: dict[str, str | None]
    children: dict[str, list[str]]
    order: list[str]
    depth: dict[str, int]
    size: dict[str, int]
    first: dict[str, int]
    preorder: list[str]

    def __contains__(self, node: object) -> bool:
        return node in self.parent

    def subtree(self, node: str) -> list[str]:
        """``node`` and every bus below it (pre-order)."""
        k = self.first[node]
        return self.preorder[k: k + self.size[node]]

    def descendants(self, node: str) -> set[str]:
        """The buses below ``node`` (``nx.descendants`` of the tree)."""
        k = self.first[node]
        return set(self.preorder[k + 1: k + self.size[node]])

    def is_below(self, above: str, below: str) -> bool:
        """Whether ``below`` is a descendant of ``above`` (both in the tree; not itself)."""
        k = self.first[above]
        return k < self.first[below] < k + self.size[above]


def feeder_tree(g: Any) -> FeederTree:
    """The breadth-first tree of the feeder graph ``g`` (a networkx ``Graph`` of bus names,
    node attribute ``is_source``; :func:`protv2g.report.feeder_graph.feeder_graph`).

    Read from ``g``'s adjacency dicts, no networkx call: the same tree as
    ``nx.bfs_edges(g.subgraph(part), root, sort_neighbors=sorted)`` per connected part (see
    the module docstring). Costs O(buses × log(degree)).
    """
    adj = g._adj  # networkx's adjacency dict (node -> neighbour -> edge data)
    nodes = g._node  # node -> its attributes
    parent: dict[str, str | None] = {}
    children: dict[str, list[str]] = {}
    depth: dict[str, int] = {}
    order: list[str] = []
    roots: list[str] = []
    for start in sorted(adj):  # each part first met at its first bus by name
        if start in parent:
            continue
        part = _part(adj, start)
        sources = sorted(n for n in part if nodes[n].get("is_source"))
        root = sources[0] if sources else start
        roots.append(root)
        parent[root], depth[root] = None, 0
        level = [root]
        order.append(root)
        while level:  # level by level, each node's neighbours in sorted order
            below = []
            for node in level:
                kids = [c for c in sorted(adj[node]) if c not in parent]
                for c in kids:
                    parent[c] = node
                    depth[c] = depth[node] + 1
                children[node] = kids
                below += kids
            order += below
            level = below
    size = dict.fromkeys(order, 1)
    for node in reversed(order):  # children before parents
        up = parent[node]
        if up is not None:
            size[up] += size[node]
    # pre-order indices: a root after the previous part's buses, a child after its parent and
    # its elder siblings' subtrees (the parents come first in ``order``)
    first: dict[str, int] = {}
    at = 0
    for root in roots:
        first[root] = at
        at += size[root]
    for node in order:
        k = first[node] + 1
        for c in children[node]:
            first[c] = k
            k += size[c]
    preorder: list[str] = [""] * len(order)
    for node, k in first.items():
        preorder[k] = node
    return FeederTree(roots, parent, children, order, depth, size, first, preorder)


def _part(adj: dict, start: str) -> set[str]:
    """The buses connected to ``start`` (itself included)."""
    seen = {start}
    stack = [start]
    while stack:
        for n in adj[stack.pop()]:
            if n not in seen:
                seen.add(n)
                stack.append(n)
    return seen
