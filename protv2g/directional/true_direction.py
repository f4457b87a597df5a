"""The true direction of a fault as a device sees it: one definition, from the feeder graph.

Rule (radial and meshed feeders), on :func:`protv2g.topology.feeder_graph` (switches as set):

* Take the device's element out of the graph.
* If that separates the device's ``bus`` from its ``far_bus`` (the element is a *bridge*, as on
  every radial feeder): faults on ``far_bus``'s side are ``forward``, faults on ``bus``'s side
  ``reverse`` — a fault *at* ``bus`` is behind the CT, hence reverse.
* If not (the element closes a loop, or has a parallel twin): a fault at ``far_bus`` is
  ``forward`` and at ``bus`` ``reverse``; elsewhere the split of current around the loop sets
  the direction, so the graph says ``none`` (not judged).
* A fault bus not connected to the device (isolated, out of service) → ``none``.

The topology's source paths (:func:`protv2g.topology.device_chains`) give the same answer on a
radial feeder: a fault is forward of a device exactly when the substation's path to it crosses
the device from ``bus`` to ``far_bus``; this rule also covers faults upstream of the device and
buses fed from several sources.

References
----------
IEEE Std C37.230-2020 §5 (zones of protection; forward = into the protected line).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx
import numpy as np
import pandapower as pp
import pandas as pd

from protv2g.network.dss_model import DssModel
from protv2g.topology import feeder_graph
from protv2g.units import Direction

__all__ = ["true_direction", "true_direction_table"]

_FWD, _REV, _NONE = Direction.FORWARD.value, Direction.REVERSE.value, Direction.NONE.value


#: A device site's element kind → the graph's element classes it stands for (an OpenDSS
#: model's transformers, autotransformers and series reactors/capacitors are ``trafo`` sites).
_KINDS = {"line": ("line",), "trafo": ("trafo", "transformer", "autotrans", "reactor",
                                       "capacitor")}


def _is_own(elements: list[tuple[str, int]], element: str, index: int) -> bool:
    """The edge is the device's element alone (no parallel twin) — for a device on a
    transformer on a study with close-in positions, its stub to its close-in bus (a line of
    its own between its bus and far bus, :mod:`protv2g.network.fault_positions`; never
    otherwise: a transformer's ends are at different voltages)."""
    if len(elements) != 1:
        return False
    kind, at = elements[0][0], int(elements[0][1])
    return ((at == index and kind in _KINDS.get(element, (element,)))
            or (element == "trafo" and kind == "line"))


def true_direction(graph: nx.Graph, element: str, element_index: int, bus: int, far_bus: int,
                   fault_buses: Iterable[int]) -> np.ndarray:
    """True direction of faults at ``fault_buses`` seen by a device (see the module rule).

    Parameters
    ----------
    graph : networkx.Graph
        :func:`protv2g.topology.feeder_graph` of the net (not modified).
    element, element_index, bus, far_bus
        The device's :class:`~protv2g.study.loader.DeviceSite`.
    fault_buses : iterable of int
        pandapower bus indices.

    Returns
    -------
    numpy.ndarray of str
        ``forward``, ``reverse`` or ``none`` per fault bus.

    Example
    -------
    >>> true_direction(feeder_graph(net), "line", 0, 0, 1, [0, 1, 2])  # doctest: +SKIP
    array(['reverse', 'forward', 'forward'], dtype=object)
    """
    faults = np.asarray(list(fault_buses), dtype=np.int64)
    out = np.full(faults.shape, _NONE, dtype=object)
    if bus not in graph or far_bus not in graph:
        return out
    own = graph.has_edge(bus, far_bus) and _is_own(graph[bus][far_bus]["elements"],
                                                   element, int(element_index))
    view = nx.restricted_view(graph, [], [(bus, far_bus)]) if own else graph
    near = nx.node_connected_component(view, bus)
    if far_bus in near:  # a loop or a parallel element: only the element's own ends
        out[faults == far_bus] = _FWD
        out[faults == bus] = _REV
        return out
    far = nx.node_connected_component(view, far_bus)
    out[np.isin(faults, np.fromiter(far, np.int64))] = _FWD
    out[np.isin(faults, np.fromiter(near, np.int64))] = _REV
    return out


def true_direction_table(net: pp.pandapowerNet | DssModel, device_sites: Mapping[str, object],
                         fault_buses: Iterable[int]) -> pd.DataFrame:
    """True direction of every (device, fault bus): columns ``device, fault_bus,
    true_direction``. ``net`` is not modified."""
    graph = feeder_graph(net)
    buses = np.asarray(list(fault_buses), dtype=np.int64)
    frames = [pd.DataFrame({"device": name, "fault_bus": buses,
                            "true_direction": true_direction(
                                graph, s.element, s.element_index, s.bus,  # type: ignore[attr-defined]
                                s.far_bus, buses)})  # type: ignore[attr-defined]
              for name, s in device_sites.items()]
    if not frames:
        return pd.DataFrame(columns=["device", "fault_bus", "true_direction"])
    return pd.concat(frames, ignore_index=True)
