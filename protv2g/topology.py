"""Feeder graph, device zones and primary/backup chains (pure functions, nothing cached).

The feeder is an undirected :mod:`networkx` graph over in-service buses: one edge per in-service
line and transformer whose switches are closed, one per closed bus-bus switch. A protective
device sits on the edge of its element and measures at ``bus``; *forward* is from ``bus`` into
the element (as :class:`protv2g.study.loader.DeviceSite`).

For every source (each external grid, i.e. the substation, and each V2G site) the current
reaches a fault along the shortest path (by line length) of that graph; on a radial feeder this
is the only path. The devices on that path, ordered from the fault towards the source, are the
*chain* of the fault for that source; a device is crossed ``forward`` when the path runs from
its ``bus`` to its ``far_bus`` and ``reverse`` otherwise. Consecutive forward devices of the
substation chain are the primary/backup pairs; devices crossed in reverse on a charger's path
carry current *fed back* towards the fault (sympathetic-tripping candidates, C6).

Normally-open ties (open switches) are simply absent from the graph; closing one (an alternate
feed) changes every path and therefore every chain, zone and pair.

References
----------
IEEE Std C37.230-2020, *Guide for Protective Relay Applications to Distribution Lines*,
§5 (zones of protection, primary and backup devices).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd

from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses
from protv2g.network.dss_model import DssModel
from protv2g.topology_tree import (
    FeederEdges,
    SourceTree,
    feeder_edges,
    networkx_tree,
    source_tree,
)
from protv2g.units import Direction

if TYPE_CHECKING:
    import pandapower as pp

__all__ = [
    "fuse_saving_pairs",
    "SUBSTATION",
    "source_trees",
    "DeviceEdge",
    "feeder_graph",
    "device_edges",
    "source_buses",
    "device_chains",
    "primary_backup_pairs",
    "device_zones",
    "downstream_bus_sets",
    "downstream_buses",
    "substation_rows",
    "CHAIN_COLUMNS",
    "PAIR_COLUMNS",
    "ZONE_COLUMNS",
]

#: Prefix of the source name of an external grid (the substation) in chain tables.
SUBSTATION = "substation"

#: Columns of :func:`device_chains` (``order`` 0 = the device nearest the fault).
CHAIN_COLUMNS = ["source", "source_bus", "fault_bus", "device", "order", "direction",
                 "distance_km"]
#: Columns of :func:`primary_backup_pairs`.
PAIR_COLUMNS = ["fault_bus", "primary", "backup", "source"]
#: Columns of :func:`device_zones`.
ZONE_COLUMNS = ["device", "bus", "zone"]


@dataclass(frozen=True)
class DeviceEdge:
    """A protective device on the feeder graph.

    Attributes
    ----------
    name : str
    element : {"line", "trafo"}
    element_index : int
    bus : int
        Measuring bus (pandapower index); forward is from ``bus`` into the element.
    far_bus : int
        Other end of the element.
    """

    name: str
    element: str
    element_index: int
    bus: int
    far_bus: int


def feeder_graph(net: pp.pandapowerNet | DssModel) -> nx.Graph:
    """Undirected graph of the feeder as switched.

    Parameters
    ----------
    net : pandapowerNet or DssModel
        Not modified. An OpenDSS model gives the same graph shape
        (:func:`protv2g.network.dss_graph.dss_feeder_graph`: nodes are positions in
        ``model.buses``, edges the enabled, closed series elements).

    Returns
    -------
    networkx.Graph
        Nodes: in-service bus indices (attribute ``name``). Edges carry ``elements`` (a list of
        ``(element, index)`` tuples, several for parallel branches) and ``length_km`` (0 for
        transformers and switches).

    Examples
    --------
    >>> g = feeder_graph(net)  # doctest: +SKIP
    >>> nx.shortest_path(g, 1, 7)  # doctest: +SKIP
    """
    if isinstance(net, DssModel):
        return dss_feeder_graph(net)
    g = nx.Graph()
    live = net.bus.index[net.bus.in_service.values.astype(bool)]
    names = net.bus.loc[live, "name"].to_numpy()
    g.add_nodes_from((int(b), {"name": str(n)}) for b, n in zip(live, names, strict=True))

    def add(a: int, b: int, key: tuple[str, int], length_km: float) -> None:
        if a not in g or b not in g:
            return
        if g.has_edge(a, b):
            g[a][b]["elements"].append(key)
            g[a][b]["length_km"] = min(g[a][b]["length_km"], length_km)
        else:
            g.add_edge(a, b, elements=[key], length_km=length_km)

    # the open switches once, not a filter of the switch table per element (#21: O(elements ×
    # switches), 3.7 s CPU at 3,000 buses); rows walked as arrays in table order, as before
    sw = net.switch
    opened = (set() if len(sw) == 0 else set(zip(
        sw.et.to_numpy()[~sw.closed.to_numpy().astype(bool)].tolist(),
        sw.element.to_numpy()[~sw.closed.to_numpy().astype(bool)].tolist(), strict=True)))
    ln = net.line
    for i, on, a, b, km in zip(ln.index.tolist(), ln.in_service.to_numpy().tolist(),
                               ln.from_bus.to_numpy().tolist(), ln.to_bus.to_numpy().tolist(),
                               ln.length_km.to_numpy().tolist(), strict=True):
        if bool(on) and ("l", int(i)) not in opened:
            add(int(a), int(b), ("line", int(i)), float(km))
    tr = net.trafo
    for i, on, a, b in zip(tr.index.tolist(), tr.in_service.to_numpy().tolist(),
                           tr.hv_bus.to_numpy().tolist(), tr.lv_bus.to_numpy().tolist(),
                           strict=True):
        if bool(on) and ("t", int(i)) not in opened:
            add(int(a), int(b), ("trafo", int(i)), 0.0)
    if len(sw):
        bb = sw[sw.et == "b"]
        for i, closed, a, b in zip(bb.index.tolist(), bb.closed.to_numpy().tolist(),
                                   bb.bus.to_numpy().tolist(), bb.element.to_numpy().tolist(),
                                   strict=True):
            if bool(closed):
                add(int(a), int(b), ("switch", int(i)), 0.0)
    return g


def device_edges(device_sites: Mapping[str, object]) -> list[DeviceEdge]:
    """Devices as graph edges from ``study.device_sites`` (name → ``DeviceSite``)."""
    return [DeviceEdge(str(n), str(s.element), int(s.element_index), int(s.bus),
                       int(s.far_bus)) for n, s in device_sites.items()]


def source_buses(net: pp.pandapowerNet | DssModel) -> dict[str, int]:
    """In-service external grids as sources: ``{"substation": bus}`` (or ``substation:<name>``
    when there are several); an OpenDSS model's enabled Vsources the same way."""
    if isinstance(net, DssModel):
        return dss_source_buses(net)
    eg = net.ext_grid[net.ext_grid.in_service.values.astype(bool)]
    if len(eg) == 1:
        return {SUBSTATION: int(eg.bus.iloc[0])}
    return {f"{SUBSTATION}:{eg.at[i, 'name'] or i}": int(eg.at[i, "bus"]) for i in eg.index}


def source_trees(net: pp.pandapowerNet | DssModel, edges: FeederEdges, sources: Mapping[str, int]
                 ) -> list[tuple[str, int, SourceTree]]:
    """``(name, bus, tree)`` of each source of ``sources`` on the feeder's edges (``edges``:
    :func:`~protv2g.topology_tree.feeder_edges` of ``net``): the array tree, or networkx's
    where shortest paths tie (the graph built once, only then); a source off the edges is
    skipped."""
    graph, out = None, []
    for name, sbus in sources.items():
        if edges.positions(np.array([sbus]))[0] < 0:
            continue
        tree = source_tree(edges, sbus)
        if tree is None:
            graph = feeder_graph(net) if graph is None else graph
            tree = networkx_tree(graph, sbus)
        out.append((name, sbus, tree))
    return out


def device_chains(net: pp.pandapowerNet | DssModel, device_sites: Mapping[str, object],
                  chargers: Mapping[str, int] | None = None,
                  fault_buses: list[int] | None = None) -> pd.DataFrame:
    """Devices between every source and every fault bus, ordered from the fault.

    Parameters
    ----------
    net : pandapowerNet or DssModel
        The feeder (``study.feeder``).
    device_sites : mapping
        Device name → ``DeviceSite`` (``study.device_sites``).
    chargers : mapping, optional
        V2G site name → bus index (``study.site_buses``); each is a source.
    fault_buses : list of int, optional
        Default: every bus of the graph.

    Returns
    -------
    DataFrame
        ``CHAIN_COLUMNS``: ``source`` (``substation`` or the site name), ``source_bus``,
        ``fault_bus``, ``device``, ``order`` (0 = nearest the fault along that source's path),
        ``direction`` (``forward``/``reverse`` as the path crosses the device) and
        ``distance_km`` (from the source to the device's measuring bus).

    Notes
    -----
    Cost is O(N log N) per source plus one row per (source, device, bus behind it): the path
    from a source to every bus is the shortest-path tree, and a device lies on the path to
    every bus of the subtree behind its edge. The trees come from SciPy on the graph's arrays
    (:mod:`protv2g.topology_tree`); where two paths to a bus tie, from networkx on
    :func:`feeder_graph` (its tie-breaking, as before #21).
    """
    edges = feeder_edges(net)
    sources = dict(source_buses(net))
    for name, b in (chargers or {}).items():
        sources[str(name)] = int(b)
    devices = device_edges(device_sites)
    wanted = None if fault_buses is None else np.array(sorted({int(b) for b in fault_buses}),
                                                       dtype=np.int64)
    frames = []
    for src, sbus, tree in source_trees(net, edges, sources):
        frames += _source_rows(tree, devices, src, sbus, wanted)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CHAIN_COLUMNS})
    # one table from the pieces' arrays (#21: a DataFrame per device and source, then a
    # concat, was half the function's time on the IEEE 8500)
    lens = [len(f[2]) for f in frames]

    def rep(k: int, dtype: object) -> np.ndarray:
        return np.repeat(np.array([f[k] for f in frames], dtype=dtype), lens)

    out = pd.DataFrame({
        "source": rep(0, object), "source_bus": rep(1, np.int64),
        "fault_bus": np.concatenate([f[2] for f in frames]), "device": rep(3, object),
        "direction": rep(4, object), "distance_km": rep(5, np.float64),
        "_depth": rep(6, np.int64)})
    out = out.sort_values(["source", "fault_bus", "distance_km", "_depth"],
                          ascending=[True, True, False, False], kind="stable")
    out["order"] = out.groupby(["source", "fault_bus"]).cumcount()
    return out[CHAIN_COLUMNS].reset_index(drop=True)


def _source_rows(tree: SourceTree, devices: list[DeviceEdge], src: str, sbus: int,
                 wanted: np.ndarray | None) -> list[tuple]:
    """Per device on ``tree``: ``(source, source bus, buses behind it, device, direction,
    distance to its entry bus, depth of that bus)``; devices off the tree or with no wanted
    bus behind them give none."""
    nodes, parent = tree.nodes, tree.parent
    if not len(nodes):
        return []
    ends = np.array([(d.bus, d.far_bus) for d in devices], dtype=np.int64).reshape(-1, 2)
    at = np.minimum(np.searchsorted(nodes, ends), len(nodes) - 1)
    pos = np.where(nodes[at] == ends, at, -1)  # local position of each end, -1 off the tree
    up = np.where(pos >= 0, parent[np.maximum(pos, 0)], -1)
    out = []
    for k, d in enumerate(devices):
        near, far = int(pos[k, 0]), int(pos[k, 1])
        if far >= 0 and near >= 0 and up[k, 1] == near:
            child, entry, direction = far, near, Direction.FORWARD.value
        elif near >= 0 and far >= 0 and up[k, 0] == far:
            child, entry, direction = near, far, Direction.REVERSE.value
        else:  # not on any shortest path from this source (parallel branch or off-tree)
            continue
        inside = nodes[(tree.tin >= tree.tin[child]) & (tree.tin <= tree.tout[child])]
        if wanted is not None:
            inside = inside[np.isin(inside, wanted)]
        if len(inside) == 0:
            continue
        out.append((src, sbus, inside, d.name, direction, float(tree.dist_km[entry]),
                    int(tree.depth[entry])))
    return out


def substation_rows(chains: pd.DataFrame) -> np.ndarray:
    """``(n,)`` bool: the rows of a chains table whose ``source`` text starts with
    :data:`SUBSTATION`, as ``source.astype(str).str.startswith(SUBSTATION)``, the text
    tested once per distinct source (#21: per row, 0.05-0.2 s per call at 10,000 buses)."""
    codes, sources = pd.factorize(chains["source"].to_numpy(object), use_na_sentinel=False)
    starts = np.array([str(x).startswith(SUBSTATION) for x in sources], dtype=bool)
    return starts[codes] if len(codes) else np.zeros(0, dtype=bool)


def primary_backup_pairs(chains: pd.DataFrame) -> pd.DataFrame:
    """Consecutive forward devices on every substation path: (primary, backup) per fault bus.

    Parameters
    ----------
    chains : DataFrame
        From :func:`device_chains`.

    Returns
    -------
    DataFrame
        ``PAIR_COLUMNS``; the primary is the device nearer the fault. Charger paths add no
        forward pair on a radial feeder (their forward devices are the tail of the substation
        chain); with several substations (an alternate feed) each gives its own pairs.
    """
    fwd = chains[(chains.direction == Direction.FORWARD.value)
                 & substation_rows(chains)]
    fwd = fwd.sort_values(["source", "fault_bus", "order"], kind="stable")
    nxt = fwd.groupby(["source", "fault_bus"])["device"].shift(-1)
    out = pd.DataFrame({"fault_bus": fwd.fault_bus, "primary": fwd.device, "backup": nxt,
                        "source": fwd.source})
    out = out.dropna(subset=["backup"]).drop_duplicates(["fault_bus", "primary", "backup"])
    return out[PAIR_COLUMNS].reset_index(drop=True)


def fuse_saving_pairs(chains: pd.DataFrame, roles: Mapping[str, str]) -> pd.DataFrame:
    """(fuse, recloser) pairs across fuses in series: at every fault bus whose nearest forward
    device is a fuse with only fuses between it and the first recloser toward the source, the
    nearest fuse and that recloser, where they are not already consecutive.

    A recloser's fast shots save every fuse in its zone, and a fuse beyond another fuse is
    the one that melts first for faults behind it (review s27 §1, EPRI J1: recloser R-MID,
    80K fuse F-LAT, 25K fuse F-END in series: R-MID ↔ F-END, the binding fuse-saving pair
    for faults behind F-END, was never judged — by hand 0.358 s minimum melt against
    1.8 × 0.319 s). Eaton Cooper Power Series TD132010EN (recloser–fuse coordination: the
    recloser's fast curve × K below the minimum melt of each fuse it is to save); IEEE Std
    C37.230-2020 §6.4.

    Parameters
    ----------
    chains : DataFrame
        From :func:`device_chains`.
    roles : mapping
        Device name → coordination role (``relay``, ``recloser``, ``fuse``;
        :attr:`protv2g.devices.kinds.KindSpec.role`). Devices absent are no fuse and no
        recloser.

    Returns
    -------
    DataFrame
        ``PAIR_COLUMNS`` (primary: the fuse, backup: the recloser), possibly empty.
    """
    fwd = chains[(chains.direction == Direction.FORWARD.value)
                 & substation_rows(chains)]
    fwd = fwd.sort_values(["source", "fault_bus", "order"], kind="stable")
    # each distinct device's role once, spread by its code (#21: a lambda per chain row,
    # 26,472 at 10,000 buses)
    codes, names = pd.factorize(fwd.device.to_numpy(), use_na_sentinel=False)
    role = np.array([roles.get(str(d), "") for d in names] or [""], dtype=object)[codes]
    group = [fwd.source.to_numpy(), fwd.fault_bus.to_numpy()]
    is_fuse = pd.Series(role == "fuse", index=fwd.index)
    # fuses all the way from the fault to this device's predecessor
    fuses_before = is_fuse.groupby(group).cumprod().groupby(group).shift(1, fill_value=0)
    rank = fwd.groupby(["source", "fault_bus"]).cumcount().to_numpy()
    nearest = fwd.groupby(["source", "fault_bus"]).device.transform("first").to_numpy()
    hit = (fuses_before.to_numpy().astype(bool) & (role == "recloser") & (rank >= 2))
    out = pd.DataFrame({"fault_bus": fwd.fault_bus.to_numpy()[hit], "primary": nearest[hit],
                        "backup": fwd.device.to_numpy()[hit],
                        "source": fwd.source.to_numpy()[hit]})
    out = out.drop_duplicates(["fault_bus", "primary", "backup"])
    return out[PAIR_COLUMNS].reset_index(drop=True)


def device_zones(chains: pd.DataFrame) -> pd.DataFrame:
    """Primary and backup zone of every device.

    A bus is in the *primary* zone of the first forward device on its substation path (the
    device that should clear a fault there) and in the *backup* zone of the second.

    Returns
    -------
    DataFrame
        ``ZONE_COLUMNS`` (``zone`` is ``primary`` or ``backup``).
    """
    fwd = chains[(chains.direction == Direction.FORWARD.value)
                 & substation_rows(chains)]
    fwd = fwd.sort_values(["source", "fault_bus", "order"], kind="stable")
    rank = fwd.groupby(["source", "fault_bus"]).cumcount()
    sel = fwd[rank < 2]
    out = pd.DataFrame({"device": sel.device, "bus": sel.fault_bus,
                        "zone": np.where(rank[rank < 2] == 0, "primary", "backup")})
    return out.drop_duplicates().reset_index(drop=True)[ZONE_COLUMNS]


def downstream_bus_sets(chains: pd.DataFrame) -> dict[str, set[int]]:
    """:func:`downstream_buses` of every device at once (one pass over ``chains``; the checks
    ask for every device, #21). Devices with nothing behind them are absent."""
    sel = chains[(chains.direction == Direction.FORWARD.value)
                 & substation_rows(chains)]
    return {str(d): {int(b) for b in g}
            for d, g in sel.groupby("device", sort=False)["fault_bus"]}


def downstream_buses(chains: pd.DataFrame, device: str) -> set[int]:
    """Buses behind ``device`` seen from the substation (everything it can isolate)."""
    sel = chains[chains.device == device]  # the device's rows first (#21: called per device)
    sel = sel[(sel.direction == Direction.FORWARD.value)
              & substation_rows(sel)]
    return {int(b) for b in sel.fault_bus}
