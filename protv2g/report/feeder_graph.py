"""Feeder graph for the report: tables from a pandapower net, tree layout, device chains.

The report reads the feeder only from ``StudyResult.tables["Feeder buses"]`` and
``tables["Feeder branches"]`` (made by :func:`feeder_tables`), so it stays a function of the
result. Bus references in the branch table are bus *names*.

Examples
--------
>>> import pandapower.networks as pn  # doctest: +SKIP
>>> tables = feeder_tables(pn.example_simple())  # doctest: +SKIP
>>> sorted(tables)  # doctest: +SKIP
['Feeder branches', 'Feeder buses']
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from protv2g.network.dss_graph import SERIES_CLASSES, dss_source_buses
from protv2g.network.dss_model import DssModel
from protv2g.report.feeder_tree import FeederTree, feeder_tree

__all__ = ["feeder_tables", "feeder_graph", "tree_layout", "device_edges", "device_chains"]


def feeder_tables(net: Any) -> dict[str, pd.DataFrame]:
    """Bus and branch tables of a pandapower net, for ``StudyResult.tables``.

    Parameters
    ----------
    net : pandapowerNet or DssModel
        The feeder (not modified). An OpenDSS model gives its buses (``vn_kv`` = line-to-line
        base) and its series elements (``element`` = OpenDSS class, ``element_index`` = row of
        ``model.elements``, ``name`` = ``class.name``; ``in_service`` = enabled and closed).

    Returns
    -------
    dict
        ``"Feeder buses"``: bus, name, vn_kv, is_source (external grid bus), phases (its
        phase conductors, ``"abc"`` on a pandapower net), x, y (the OpenDSS model's bus
        coordinates, ``BusCoords``; NaN where it gives none and on a pandapower net).
        ``"Feeder branches"``: element (line/trafo/switch), element_index, name, from_bus,
        to_bus (bus names), length_km, in_service, regulator (the tap controls acting on a
        transformer: an OpenDSS RegControl's name, a pandapower trafo controller's index;
        "" for any other branch).
    """
    if isinstance(net, DssModel):
        return _dss_tables(net)
    names = net.bus["name"].astype(str)
    sources = set(net.ext_grid.loc[net.ext_grid["in_service"], "bus"]) if len(net.ext_grid) \
        else set()
    buses = pd.DataFrame({"bus": net.bus.index.astype(int), "name": names.values,
                          "vn_kv": net.bus["vn_kv"].astype(float).values,
                          "is_source": [b in sources for b in net.bus.index],
                          "phases": "abc", "x": np.nan, "y": np.nan})
    # column by column, then one list of rows as before (#21: ``iterrows`` over the lines,
    # 1.2 s CPU at 10,000 buses); the rows' DataFrame keeps pandas' own dtype inference
    parts = [_branch_rows("line", net.line, "from_bus", "to_bus", names, length=True),
             _branch_rows("trafo", net.trafo, "hv_bus", "lv_bus", names)]
    if "switch" in net and len(net.switch):
        bb = net.switch[(net.switch["et"] == "b") & net.switch["closed"].astype(bool)]
        parts.append(_branch_rows("switch", bb, "bus", "element", names, closed=True))
    rows = [row for part in parts for row in part]
    branches = pd.DataFrame(rows, columns=["element", "element_index", "name", "from_bus",
                                           "to_bus", "length_km", "in_service"])
    tap = _pp_tap_controllers(net)
    branches["regulator"] = pd.Series(
        [tap.get(int(i), "") if e == "trafo" else ""
         for e, i in zip(branches["element"], branches["element_index"], strict=True)],
        index=branches.index, dtype=object)
    return {"Feeder buses": buses, "Feeder branches": branches}


def _pp_tap_controllers(net: Any) -> dict[int, str]:
    """Trafo index → its tap controllers in a pandapower net's ``controller`` table
    (``"controller 0"``; joined by ", " where several act on one trafo): the feeder plot's
    regulators (review rev43a M4)."""
    table = getattr(net, "controller", None)
    out: dict[int, list[str]] = {}
    for idx, obj in (table["object"].items() if table is not None and len(table) else ()):
        if getattr(obj, "element", "trafo") == "trafo" and hasattr(obj, "element_index"):
            for t in np.atleast_1d(obj.element_index):
                out.setdefault(int(t), []).append(f"controller {idx}")
    return {t: ", ".join(v) for t, v in out.items()}


def _branch_rows(element: str, table: pd.DataFrame, a: str, b: str, names: pd.Series, *,
                 length: bool = False, closed: bool = False) -> list[tuple]:
    """One ``(element, element_index, name, from_bus, to_bus, length_km, in_service)`` tuple
    per row of ``table`` (lines, transformers or closed bus-bus switches), in table order;
    bus names looked up in ``names`` (bus index → name); transformers and switches have
    length 0, a switch given here is in service."""
    n = len(table)
    if n == 0:
        return []
    index = [int(i) for i in table.index]
    label = [str(x) for x in table["name"].to_numpy(object)]
    from_name, to_name = (names.loc[table[c].to_numpy()].tolist() for c in (a, b))
    km = ([float(x) for x in table["length_km"].to_numpy(object)] if length
          else [0.0] * n)
    on = [True] * n if closed else [bool(x) for x in table["in_service"].to_numpy(object)]
    return list(zip([element] * n, index, label, from_name, to_name, km, on, strict=True))


def _dss_tables(model: DssModel) -> dict[str, pd.DataFrame]:
    tab = model.buses
    src = set(dss_source_buses(model).values())
    buses = pd.DataFrame({"bus": np.arange(len(tab)), "name": tab.index.astype(str),
                          "vn_kv": tab.kv_ll.to_numpy(float),
                          "is_source": [i in src for i in range(len(tab))],
                          "phases": tab.phases.to_numpy(object).astype(str),
                          "x": tab.get("x", pd.Series(np.nan, index=tab.index)).to_numpy(float),
                          "y": tab.get("y", pd.Series(np.nan, index=tab.index)).to_numpy(float)})
    e = model.elements
    # series elements between two different buses, column by column (a pass over 29,000
    # cells with .iat took 1.1 s of the IEEE 8500 run)
    rows = np.flatnonzero(e.cls.isin(SERIES_CLASSES).to_numpy())
    ends = e.buses.to_numpy(object)[rows]
    two = np.array([len(b) >= 2 and b[0] != b[1] for b in ends], dtype=bool)
    rows, ends = rows[two], ends[two]
    # the RegControls acting on each transformer (the feeder plot draws them as regulators:
    # review rev43a M4, IEEE 34's reg1/reg2 were plain lines beside gate fails about them)
    regs: dict[str, list[str]] = {}
    ctl = model.controls
    for name, kind, target in zip(ctl.get("name", []), ctl.get("kind", []),
                                  ctl.get("target", []), strict=True):
        if kind == "regcontrol":
            regs.setdefault(str(target), []).append(str(name).split(".", 1)[-1])
    names = e.name.to_numpy(object)[rows].astype(str)
    branches = pd.DataFrame({
        "element": e.cls.to_numpy(object)[rows].astype(str),
        "element_index": rows.astype(int),
        "name": names,
        "from_bus": [b[0] for b in ends], "to_bus": [b[1] for b in ends],
        "length_km": np.nan_to_num(e.length_km.to_numpy(float)[rows]),
        "in_service": (e.enabled.to_numpy(bool) & e.closed.to_numpy(bool))[rows],
        "regulator": [", ".join(regs.get(n.lower(), ())) for n in names]})
    return {"Feeder buses": buses, "Feeder branches": branches}


def feeder_graph(tables: dict[str, pd.DataFrame]) -> nx.Graph | None:
    """Undirected graph of in-service branches (nodes: bus names), or ``None`` if absent.

    Node attributes ``is_source``, ``vn_kv``, ``phases`` (``"abc"`` where the table has no
    such column) and ``xy`` (the model's bus coordinates, ``None`` where it gives none); edge
    attributes ``element``,
    ``element_index``, ``name``, ``length_km``, ``from_bus`` (the branch's from side),
    ``regulator`` (its tap controls, "" for none or a table without the column),
    ``names`` (every in-service branch between the two buses: IEEE 34's reg1a, reg1b, reg1c
    are one edge, ``name`` the last) and ``branches`` (their ``(element, element_index)``,
    in the same order: EPRI J1's single-phase regulators share their edge with jumper lines
    on the other phases, ``line.temp1`` after ``transformer.regxfmr_b18865``, so the edge's
    own ``element`` is the last one's, ``line``: review ver44 M3).
    """
    buses, branches = tables.get("Feeder buses"), tables.get("Feeder branches")
    if buses is None or branches is None or buses.empty:
        return None
    g = nx.Graph()
    for bus in buses.itertuples(index=False):
        x, y = float(getattr(bus, "x", np.nan)), float(getattr(bus, "y", np.nan))
        phases = getattr(bus, "phases", "abc")
        g.add_node(str(bus.name), is_source=bool(bus.is_source),
                   vn_kv=float(getattr(bus, "vn_kv", np.nan)),
                   phases=phases if isinstance(phases, str) else "abc",
                   xy=(x, y) if np.isfinite(x) and np.isfinite(y) else None)
    for br in branches.itertuples(index=False):
        if bool(br.in_service):
            u, v = str(br.from_bus), str(br.to_bus)
            old = g.edges[u, v] if g.has_edge(u, v) else {}
            reg = getattr(br, "regulator", "")
            regs = [r for r in (old.get("regulator", ""), reg) if isinstance(r, str) and r]
            g.add_edge(u, v, element=str(br.element),
                       element_index=int(br.element_index), name=str(br.name),
                       length_km=float(br.length_km), from_bus=u,
                       names=[*old.get("names", ()), str(br.name)], regulator=", ".join(regs),
                       branches=[*old.get("branches", ()),
                                 (str(br.element), int(br.element_index))])
    return g


def tree_layout(g: nx.Graph, tree: FeederTree | None = None) -> dict[str, tuple[float, float]]:
    """Left-to-right tree layout from the substation: x = hops, one row per branch-off.

    The longest path from each node stays on that node's row (the main line runs straight
    across); laterals drop to new rows below. Deterministic: ties broken by bus name.
    ``tree``: ``g``'s :func:`~protv2g.report.feeder_tree.feeder_tree` when the caller has it
    (built here when not given).
    """
    tree = feeder_tree(g) if tree is None else tree
    pos: dict[str, tuple[float, float]] = {}
    next_y = [0.0]
    # buses at and beyond each bus (one pass, not a descendants search per bus: 2.0 s of the
    # IEEE 8500 feeder plot's 3.5 s, 2026-12-02), from the tree's own count
    size = tree.size
    kids = tree.children

    def place(root: str) -> None:
        # Depth first, main line first (the child with the largest subtree) and straight,
        # laterals after; a bus takes its first child's row, a leaf the next free row. On an
        # explicit stack, not by recursion: a feeder is thousands of hops deep (the 10,000-bus
        # synthetic feeder passed Python's recursion limit).
        row: dict[str, float] = {}
        stack = [(root, 0, sorted(kids[root], key=lambda c: (-size[c], c)), [0])]
        while stack:
            node, depth, children, nxt = stack[-1]
            if nxt[0] < len(children):
                child = children[nxt[0]]
                nxt[0] += 1
                stack.append((child, depth + 1,
                              sorted(kids[child], key=lambda c: (-size[c], c)), [0]))
                continue
            stack.pop()
            if children:
                y = row[children[0]]
            else:
                y = next_y[0]
                next_y[0] += 1.0
            row[node] = y
            pos[node] = (float(depth), -y)

    for root in sorted(tree.roots):
        place(root)
        next_y[0] += 0.5
    return pos


def device_edges(g: nx.Graph, settings: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Device name → (near bus, far bus) of the branch it sits on.

    ``settings`` needs ``device``, ``element`` (``line``/``trafo``/``switch``, or on an OpenDSS
    feeder ``class.name``, matched by its class), ``element_index`` and ``bus`` (the device's
    own bus name); devices whose branch is not in the graph are left out.
    """
    # every parallel branch of an edge (a device on J1's regulator jumper ``line.temp1`` or
    # on the regulator itself)
    by_branch = {b: (u, v) for u, v, d in g.edges(data=True)
                 for b in d.get("branches") or [(d["element"], d["element_index"])]}
    out: dict[str, tuple[str, str]] = {}
    needed = {"device", "element", "element_index", "bus"}
    if not needed <= set(settings.columns):
        return out
    for row in settings.itertuples(index=False):
        try:
            # an OpenDSS device's element is ``class.name`` (``line.l1``); the graph's is the class
            key = (str(row.element).split(".", 1)[0], int(row.element_index))
        except (TypeError, ValueError):
            continue
        if key in by_branch:
            u, v = by_branch[key]
            near = str(row.bus)
            out[str(row.device)] = (near, v if near == u else u)
    return out


def device_chains(g: nx.Graph, settings: pd.DataFrame, tree: FeederTree | None = None,
                  edges: dict[str, tuple[str, str]] | None = None) -> list[list[str]]:
    """Chains of devices from the substation outwards (each maximal, in path order).

    A chain ends at a device with no other device beyond it, e.g.
    ``[["R-F1", "RC-F1", "FU-F1-LAT2"], ["R-F1", "FU-F1-LAT1"], …]``. Only the first
    connected part's devices (the substation's). ``tree`` (``g``'s
    :func:`~protv2g.report.feeder_tree.feeder_tree`) and ``edges`` (:func:`device_edges` of
    ``g`` and ``settings``): when the caller has them (made here when not given).
    """
    tree = feeder_tree(g) if tree is None else tree
    root = tree.roots[0]
    edges = device_edges(g, settings) if edges is None else edges
    # hops from the root, of its own part's buses only (as ``nx.shortest_path_length`` of
    # the tree from the root)
    top = tree.size[root]  # the root's part is the first in pre-order
    depth = {n: d for n, d in tree.depth.items() if tree.first[n] < top}
    at_edge: dict[tuple[str, str], list[str]] = {}
    for name, (u, v) in edges.items():
        if u not in depth or v not in depth:
            continue
        child = v if depth.get(v, -1) > depth.get(u, -1) else u
        at_edge.setdefault((tree.parent[child], child), []).append(name)

    pred = tree.parent  # node -> its parent

    def devices_to(bus: str) -> list[str]:
        # the tree's one path from the root: up the parents (#21: nx.shortest_path searched
        # it, ≈ 3 ms a device at 10,000 buses)
        path = [bus]
        while path[-1] != root and pred[path[-1]] is not None:
            path.append(pred[path[-1]])
        path.reverse()
        out: list[str] = []
        for a, b in zip(path, path[1:], strict=False):
            # At one branch, the device at the near end comes first (sorted for determinism).
            out += sorted(at_edge.get((a, b), []))
        return out

    ends = {}
    for (_, child), names in at_edge.items():
        for name in names:
            ends[name] = child
    chains = {name: devices_to(bus) for name, bus in ends.items()}
    maximal = [c for name, c in chains.items()
               if not any(len(o) > len(c) and o[: len(c)] == c for o in chains.values())]
    unique = sorted({tuple(c) for c in maximal})
    return [list(c) for c in unique]
