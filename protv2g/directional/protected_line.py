"""Impedance of the line a directional relay protects, on a pandapower net.

``Z1MAG∠Z1ANG`` of the 32Q defaults (SEL-351 instruction manual §4, ``E32 = AUTO``) and
``Z0MAG`` of the 67N impedance form are the positive- and zero-sequence impedance from the relay
to the electrically farthest bus ahead of it on its own voltage level
(:func:`protected_line_z_ohm`); :mod:`protv2g.directional.feeder` gives the same rule on an
OpenDSS model and on radial forests without networkx.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandapower as pp
import pandapower.topology as top

from protv2g.directional.feeder import ForestSearch, farthest_path

__all__ = ["line_graph", "line_z_ohm", "protected_line_z_ohm", "feeder_multigraph"]


def line_z_ohm(net: pp.pandapowerNet) -> dict[int, tuple[complex, complex]]:
    """Positive- and zero-sequence series impedance of every line of ``net``, Ω at its
    voltage: ``(r + jx)·length / parallel`` per sequence; a line without zero-sequence data
    (``r0_ohm_per_km``/``x0_ohm_per_km`` absent or NaN) takes ``Z0 = 3·Z1`` (the defaults'
    fallback). One pass over ``net.line`` (#21: a ``.loc`` per line and device cost ≈ 3 s on a
    3,000-bus feeder with four relays); a missing or zero ``parallel`` counts as 1.

    Returns
    -------
    dict
        line index → ``(Z1, Z0)``.
    """
    line = net.line
    n = np.ones(len(line))
    if "parallel" in line:
        par = line["parallel"].to_numpy(float)
        n = np.where(np.isfinite(par) & (par != 0), par, 1.0)
    length = line["length_km"].to_numpy(float)
    z1 = (line["r_ohm_per_km"].to_numpy(float) + 1j * line["x_ohm_per_km"].to_numpy(float)) \
        * length / n
    nan = np.full(len(line), np.nan)
    r0 = line["r0_ohm_per_km"].to_numpy(float) if "r0_ohm_per_km" in line else nan
    x0 = line["x0_ohm_per_km"].to_numpy(float) if "x0_ohm_per_km" in line else nan
    z0 = np.where(np.isfinite(r0 + x0), (r0 + 1j * x0) * length / n, 3.0 * z1)
    return {int(i): (complex(a), complex(b))
            for i, a, b in zip(line.index, z1.tolist(), z0.tolist(), strict=True)}


def _trafo_z_ohm(net: pp.pandapowerNet, index: int, bus: int) -> tuple[complex, complex]:
    """Transformer short-circuit impedance referred to ``bus`` (Ω), positive and zero."""
    t = net.trafo.loc[index]
    vn = float(net.bus.at[bus, "vn_kv"])
    zb = vn**2 / float(t.sn_mva)
    zk = float(t.vk_percent) / 100 * zb
    rk = float(t.vkr_percent) / 100 * zb
    z1 = complex(rk, np.sqrt(max(zk**2 - rk**2, 0.0)))
    vk0 = float(t.get("vk0_percent", 0.0) or 0.0) or float(t.vk_percent)
    vkr0 = float(t.get("vkr0_percent", 0.0) or 0.0) or float(t.vkr_percent)
    z0k, r0k = vk0 / 100 * zb, vkr0 / 100 * zb
    return z1, complex(r0k, np.sqrt(max(z0k**2 - r0k**2, 0.0)))


def feeder_multigraph(net: pp.pandapowerNet) -> nx.MultiGraph:
    """Feeder graph with keyed edges ``(element, index)`` (in service, switches as set)."""
    return top.create_nxgraph(net, respect_switches=True, include_out_of_service=False,
                              multi=True, calc_branch_impedances=False)


def line_graph(graph: nx.MultiGraph, line_z: Mapping[int, tuple[complex, complex]],
               exclude: int | None = None) -> nx.Graph:
    """The lines of a feeder graph as a simple graph, parallel lines merged: each edge's
    ``z1``, ``z0`` (Ω, parallel impedances combined), ``w = |Z1| + 1e-9`` (the path weight) and
    ``lines`` (its line indices); ``graph.graph["edge_of"]`` maps a line index to its edge.

    Parameters
    ----------
    graph : networkx.MultiGraph
        ``pandapower.topology.create_nxgraph(net, multi=True)``; edges keyed
        ``(element, index)``.
    line_z : mapping
        :func:`line_z_ohm` of the net.
    exclude : int, optional
        A line left out (the device's own element).
    """
    lines = nx.Graph()
    edge_of: dict[int, tuple[int, int]] = {}
    for a, b, key in graph.edges(keys=True):
        kind, idx = key[0], int(key[1])
        if kind != "line" or idx == exclude:
            continue
        z1, z0 = line_z[idx]
        keys = [idx]
        if lines.has_edge(a, b):  # parallel lines
            d = lines[a][b]
            z1 = 1 / (1 / d["z1"] + 1 / z1) if z1 and d["z1"] else z1 or d["z1"]
            z0 = 1 / (1 / d["z0"] + 1 / z0) if z0 and d["z0"] else z0 or d["z0"]
            keys = [*d["lines"], idx]
        lines.add_edge(a, b, z1=z1, z0=z0, w=abs(z1) + 1e-9, lines=keys)
        edge_of[idx] = (a, b)
    lines.graph["edge_of"] = edge_of
    return lines


def protected_line_z_ohm(net: pp.pandapowerNet, element: str, element_index: int, bus: int,
                         far_bus: int, graph: nx.MultiGraph | None = None,
                         line_z: Mapping[int, tuple[complex, complex]] | None = None,
                         lines: nx.Graph | None = None, search: ForestSearch | None = None
                         ) -> tuple[complex, complex]:
    """``(Z1, Z0)`` from the device to the electrically farthest bus ahead of it, Ω.

    The device's own element plus the lines beyond it (transformers end the search: the
    protected line stays on the device's voltage level), along the least-``|Z1|`` path to the
    bus whose least-``|Z1|`` distance is largest.
    A device on a transformer gets the transformer's impedance referred to its bus. Where the
    element closes a loop only the element itself is taken.

    Parameters
    ----------
    net : pandapowerNet
        Not modified.
    element, element_index, bus, far_bus
        The device's :class:`~protv2g.study.loader.DeviceSite`.
    graph : networkx.MultiGraph, optional
        ``pandapower.topology.create_nxgraph(net, multi=True)`` (built when not given).
    line_z : mapping, optional
        :func:`line_z_ohm` of ``net`` (computed when not given; shared between the devices
        of one study).
    lines : networkx.Graph, optional
        :func:`line_graph` of ``graph`` and ``line_z`` (built when not given; shared between
        the devices of one study, #21: building it per relay cost ≈ 0.3 s at 10,000 buses).
        Not modified: the own element is left out of the search by its edge weight.
    search : ForestSearch, optional
        :class:`~protv2g.directional.feeder.ForestSearch` of ``lines`` (shared between the
        devices of one study): the same search in scipy where it gives the same path.
    """
    if element == "trafo":
        return _trafo_z_ohm(net, element_index, bus)
    zs = line_z_ohm(net) if line_z is None else line_z
    own = int(element_index)
    z1_own, z0_own = zs[own]
    if lines is None:
        lines = line_graph(feeder_multigraph(net) if graph is None else graph, zs)
    own_edge = lines.graph["edge_of"].get(own)
    hidden = None if own_edge is None else lines.edges[own_edge]
    if hidden is not None and len(hidden["lines"]) > 1:  # parallel to another line
        lines = line_graph(feeder_multigraph(net) if graph is None else graph, zs, exclude=own)
        hidden, search = None, None
    if far_bus not in lines:
        return z1_own, z0_own
    # the farthest bus's path alone, not one per bus (#21: :func:`farthest_path`)
    found = None if search is None else search.farthest_path(
        far_bus, None if hidden is None else own_edge)
    dist, path = found if found is not None else farthest_path(
        lines, far_bus, weight=lambda _a, _b, d: None if d is hidden else d["w"])
    if len(dist) == 1 or bus in dist:  # nothing beyond, or a loop back to the device's bus
        return z1_own, z0_own
    z1 = z1_own + sum(lines[a][b]["z1"] for a, b in zip(path, path[1:], strict=False))
    z0 = z0_own + sum(lines[a][b]["z0"] for a, b in zip(path, path[1:], strict=False))
    return complex(z1), complex(z0)
