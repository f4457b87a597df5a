"""Shortest-path trees of the feeder graph on arrays (#21), for :func:`protv2g.topology.
device_chains`.

:func:`protv2g.topology.feeder_graph` builds a :mod:`networkx` graph edge by edge and
:func:`networkx.dijkstra_predecessor_and_distance` walks it in Python: 0.4 s per
``device_chains`` call at 10,000 buses (four sources), called twice per study. Here the same
graph is a few arrays (:func:`feeder_edges`, built from the net's tables at once) and each
source's tree comes from :func:`scipy.sparse.csgraph.dijkstra` (:func:`source_tree`).

The trees are networkx's whenever the shortest path to every bus is unique, which
:func:`source_tree` verifies (exactly one tight edge into every reached bus): with a tie
(a meshed feeder with equal path lengths), a NaN or a negative length it returns ``None``
and the caller keeps networkx's tie-breaking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import depth_first_order, dijkstra

from protv2g.network.dss_graph import dss_feeder_graph
from protv2g.network.dss_model import DssModel

if TYPE_CHECKING:
    import pandapower as pp

__all__ = ["FeederEdges", "SourceTree", "feeder_edges", "source_tree", "HOP_KM"]

#: Length added per edge in path searches (km) so that ties go to the path with fewer edges.
HOP_KM = 1e-6


@dataclass(frozen=True)
class FeederEdges:
    """The feeder graph of :func:`protv2g.topology.feeder_graph` as arrays.

    Attributes
    ----------
    nodes : ndarray of int64
        ``(n,)`` node ids (pandapower bus indices, or positions in an OpenDSS model's
        ``buses``), ascending; a node's *position* is its place here.
    graph : scipy.sparse.csr_matrix
        ``(n, n)`` symmetric, the path weight ``length_km + HOP_KM`` of each edge in both
        directions (parallel branches: the shortest; no self-loops).
    valid : bool
        False when a length is NaN or negative (:func:`source_tree` then declines).
    """

    nodes: np.ndarray
    graph: sp.csr_matrix
    valid: bool

    def positions(self, buses: np.ndarray) -> np.ndarray:
        """Position of each bus id in ``nodes``; ``-1`` for a bus not in the graph."""
        buses = np.asarray(buses, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.nodes, buses), max(len(self.nodes) - 1, 0))
        found = (self.nodes[at] == buses) if len(self.nodes) else np.zeros(len(buses), bool)
        return np.where(found, at, -1)


@dataclass(frozen=True)
class SourceTree:
    """Shortest-path tree from one source over the buses it reaches.

    Attributes
    ----------
    nodes : ndarray of int64
        ``(m,)`` bus ids reached, ascending (networkx's ``sorted(dist)``).
    parent : ndarray of int64
        ``(m,)`` position in ``nodes`` of each bus's parent (``-1`` for the source).
    dist_km : ndarray of float64
        ``(m,)`` path weight from the source (lengths plus ``HOP_KM`` per edge).
    depth : ndarray of int64
        ``(m,)`` edges from the source.
    tin, tout : ndarray of int64
        ``(m,)`` pre-order entry number of each bus and the last entry of its subtree: the
        buses behind bus ``k`` are those with ``tin`` in ``[tin[k], tout[k]]``.
    """

    nodes: np.ndarray
    parent: np.ndarray
    dist_km: np.ndarray
    depth: np.ndarray
    tin: np.ndarray
    tout: np.ndarray


def feeder_edges(net: pp.pandapowerNet | DssModel) -> FeederEdges:
    """:func:`protv2g.topology.feeder_graph`'s nodes and edges as arrays (the net is not
    modified).

    pandapower: in-service buses; in-service lines and transformers without an open
    switch on them, closed bus-bus switches (length 0 but lines); edges with an end out of
    service are dropped. OpenDSS: the edges of
    :func:`protv2g.network.dss_graph.dss_feeder_graph`.
    """
    if isinstance(net, DssModel):
        g = dss_feeder_graph(net)
        nodes = np.array(sorted(g.nodes), dtype=np.int64)
        ends = np.array([(a, b) for a, b in g.edges()], dtype=np.int64).reshape(-1, 2)
        km = np.array([float(d) for _, _, d in g.edges(data="length_km")], dtype=np.float64)
        return _edges(nodes, ends[:, 0], ends[:, 1], km)
    live = net.bus.index[net.bus.in_service.to_numpy().astype(bool)].to_numpy(np.int64)
    sw = net.switch
    closed = sw.closed.to_numpy().astype(bool) if len(sw) else np.zeros(0, bool)
    et = sw.et.to_numpy(object) if len(sw) else np.zeros(0, object)

    def opened(kind: str) -> np.ndarray:
        return sw.element.to_numpy()[~closed & (et == kind)].astype(np.int64)

    ln, tr = net.line, net.trafo
    on_l = ln.in_service.to_numpy().astype(bool) & ~np.isin(ln.index.to_numpy(np.int64),
                                                            opened("l"))
    on_t = tr.in_service.to_numpy().astype(bool) & ~np.isin(tr.index.to_numpy(np.int64),
                                                            opened("t"))
    bb = (et == "b") & closed
    a = np.concatenate([ln.from_bus.to_numpy(np.int64)[on_l], tr.hv_bus.to_numpy(np.int64)[on_t],
                        sw.bus.to_numpy(np.int64)[bb] if len(sw) else np.zeros(0, np.int64)])
    b = np.concatenate([ln.to_bus.to_numpy(np.int64)[on_l], tr.lv_bus.to_numpy(np.int64)[on_t],
                        sw.element.to_numpy(np.int64)[bb] if len(sw) else np.zeros(0, np.int64)])
    km = np.concatenate([ln.length_km.to_numpy(np.float64)[on_l],
                         np.zeros(int(on_t.sum()) + int(bb.sum()))])
    return _edges(np.unique(live), a, b, km)


def _edges(nodes: np.ndarray, a: np.ndarray, b: np.ndarray, km: np.ndarray) -> FeederEdges:
    """Symmetric weight matrix of the edges ``a``–``b`` between ``nodes`` (others dropped),
    parallel edges merged to the shortest."""
    n = len(nodes)
    valid = not (np.isnan(km).any() or (km < 0).any())
    pa, pb = _positions(nodes, a), _positions(nodes, b)
    keep = (pa >= 0) & (pb >= 0) & (pa != pb)
    lo, hi = np.minimum(pa, pb)[keep], np.maximum(pa, pb)[keep]
    w = km[keep] + HOP_KM  # zero-length edges still count
    if len(lo):
        key = lo * n + hi
        order = np.lexsort((w, key))  # per pair, the shortest first
        key, w = key[order], w[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        key, w = key[first], w[first]
        lo, hi = key // n, key % n
    graph = sp.csr_matrix((np.concatenate([w, w]), (np.concatenate([lo, hi]),
                                                     np.concatenate([hi, lo]))), shape=(n, n))
    return FeederEdges(nodes=nodes, graph=graph, valid=valid)


def _positions(nodes: np.ndarray, buses: np.ndarray) -> np.ndarray:
    if not len(nodes):
        return np.full(len(buses), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(nodes, buses), len(nodes) - 1)
    return np.where(nodes[at] == buses, at, -1).astype(np.int64)


def source_tree(edges: FeederEdges, source: int) -> SourceTree | None:
    """The shortest-path tree from bus ``source`` (which must be a node).

    Returns
    -------
    SourceTree or None
        ``None`` when the tree is not unique (two paths of equal weight to a bus) or the
        lengths are not usable: the caller then walks the graph with networkx.
    """
    if not edges.valid:
        return None
    root = int(edges.positions(np.array([source]))[0])
    if root < 0:
        raise KeyError(source)
    g = edges.graph
    dist, pred = dijkstra(g, directed=True, indices=root, return_predecessors=True)
    reached = np.flatnonzero(np.isfinite(dist))
    # every reached bus but the source has exactly one edge on a shortest path into it
    coo = g.tocoo()
    u, v, w = coo.row, coo.col, coo.data
    live = np.isfinite(dist[u]) & (v != root)
    tight = live & (dist[u] + w == dist[v])
    count = np.bincount(v[tight], minlength=len(dist))
    others = reached[reached != root]
    if (count[others] != 1).any():
        return None
    # local numbering over the reached buses (ascending bus ids)
    local = np.full(len(dist), -1, dtype=np.int64)
    local[reached] = np.arange(len(reached))
    up = np.full(len(reached), -1, dtype=np.int64)
    kids = local[others]
    up[kids] = local[pred[others]]
    m = len(reached)
    tree = sp.csr_matrix((np.ones(len(kids)), (up[kids], kids)), shape=(m, m))
    order = depth_first_order(tree, int(local[root]), directed=True,
                              return_predecessors=False)
    # depths (parents before children) and subtree sizes (children before parents), as
    # Python lists: element by element
    ups, depth, sizes = up.tolist(), [0] * m, [1] * m
    walk = order.tolist()
    for x in walk[1:]:
        depth[x] = depth[ups[x]] + 1
    for x in walk[:0:-1]:
        sizes[ups[x]] += sizes[x]
    tin = np.empty(m, dtype=np.int64)
    tin[order] = np.arange(m)
    return SourceTree(nodes=edges.nodes[reached], parent=up, dist_km=dist[reached],
                      depth=np.asarray(depth, dtype=np.int64), tin=tin,
                      tout=tin + np.asarray(sizes, dtype=np.int64) - 1)


def networkx_tree(g: nx.Graph, source: int) -> SourceTree:
    """:class:`SourceTree` by networkx's Dijkstra (its tie-breaking: the first predecessor
    found), for a graph :func:`source_tree` declines."""
    def weight(_a: int, _b: int, data: dict) -> float:
        return float(data["length_km"]) + HOP_KM

    pred, dist = nx.dijkstra_predecessor_and_distance(g, source, weight=weight)
    nodes = np.array(sorted(dist), dtype=np.int64)
    local = {int(b): k for k, b in enumerate(nodes.tolist())}
    up = np.array([local[int(pred[b][0])] if pred[b] and int(b) != source else -1
                   for b in nodes.tolist()], dtype=np.int64)
    m = len(nodes)
    kids = np.flatnonzero(up >= 0)
    tree = sp.csr_matrix((np.ones(len(kids)), (up[kids], kids)), shape=(m, m))
    depth, sizes, tin = [0] * m, [1] * m, np.full(m, -1, dtype=np.int64)
    ups, clock = up.tolist(), 0
    for r in np.flatnonzero(up < 0).tolist():
        order = depth_first_order(tree, r, directed=True, return_predecessors=False)
        tin[order] = clock + np.arange(len(order))
        clock += len(order)
        walk = order.tolist()
        for x in walk[1:]:
            depth[x] = depth[ups[x]] + 1
        for x in walk[:0:-1]:
            sizes[ups[x]] += sizes[x]
    return SourceTree(nodes=nodes, parent=up,
                      dist_km=np.array([float(dist[b]) for b in nodes.tolist()]),
                      depth=np.asarray(depth, dtype=np.int64), tin=tin,
                      tout=tin + np.asarray(sizes, dtype=np.int64) - 1)
