"""Islands of an OpenDSS model: the parts a machine or inverter reaches but no grid source does
(review rev41b M4: a 500 kW Generator behind an open tie).

OpenDSS's own topology counts the circuit's Vsources as the source: its ``Show Isolated``
report lists such a part under "the following buses have no connection to the source" and
"the following sub networks are isolated" (the Generator among them), its snapshot power flow
solves the part at 0 V and its fault study gives 0 A there (``Bus.Isc``, ``Bus.Voc`` = 0;
checked on rev41b's ``d1_gen_island.dss``: b3, b4 behind ``Open Line.sw 1``, Generator.g4 at
b4). A static power flow has no slack for the island, so a machine there sets no voltage.
protv2g takes the same view: a node is energised when it is connected to a **grid source**
(an enabled Vsource, :func:`grid_nodes`); a part reached only by generators, induction
machines, PV systems or storage is de-energised, its buses reported at 0 A, its sources named
(:func:`island_sources`, the model's warnings) and C12 leaves it out
(:mod:`protv2g.checks.flow_buses`). Physically such a part is an unintentional island, which
IEEE Std 1547-2018 §8.1.2 has every DER cease to energise within 2 s; an intended island (a
microgrid) is modelled with its grid-forming unit as a Vsource, and is then energised and
judged as any other part.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["ISLAND_SOURCE_CLASSES", "LINK_MIN_S", "connected_to", "grid_nodes",
           "island_elements", "island_sources"]

#: Off-diagonal admittances below this magnitude (S) do not connect two nodes when finding the
#: energised ones: an open OpenDSS terminal leaves exactly 0, its ``ppm_antifloat`` and
#: open-terminal stubs are on the diagonal (1e-12 S) and a real series element is > 1e-6 S.
LINK_MIN_S = 1e-9
#: OpenDSS classes that inject power but form no grid source: in an island of their own they
#: are named as its sources.
ISLAND_SOURCE_CLASSES = ("generator", "indmach012", "pvsystem", "storage")


def _labels(y: sp.spmatrix) -> np.ndarray:
    """Connected component of each node through off-diagonal admittances ≥ :data:`LINK_MIN_S`."""
    n = y.shape[0]
    coo = y.tocoo()
    keep = (coo.row != coo.col) & (np.abs(coo.data) >= LINK_MIN_S)
    graph = sp.csr_matrix((np.ones(keep.sum()), (coo.row[keep], coo.col[keep])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def connected_to(y: sp.spmatrix, nodes: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: the nodes connected to one of ``nodes`` (node positions) through
    off-diagonal admittances ≥ :data:`LINK_MIN_S`; all False without ``nodes``."""
    nodes = np.asarray(nodes, dtype=np.int64)
    if not len(nodes):
        return np.zeros(y.shape[0], dtype=bool)
    label = _labels(y)
    return np.isin(label, np.unique(label[nodes]))


def grid_nodes(elements: pd.DataFrame) -> np.ndarray:
    """Node positions (0-based, in ``YNodeOrder``) of the enabled Vsources' conductors, from
    the element table with its ``refs`` (OpenDSS's 1-based node references,
    :func:`protv2g.network.dss_elements.element_table`)."""
    at = (elements.cls.astype(str) == "vsource") & elements.enabled.astype(bool)
    refs = [int(r) for rs in elements.refs[at] for r in rs if int(r) > 0]
    return np.unique(np.asarray(refs, dtype=np.int64) - 1)


def island_elements(elements: pd.DataFrame, buses: Iterable[str]) -> list[str]:
    """The enabled elements of :data:`ISLAND_SOURCE_CLASSES` with a terminal on one of
    ``buses`` (bus names, lower case), in the table's order."""
    on = {str(b).lower() for b in buses}
    at = elements.cls.astype(str).isin(ISLAND_SOURCE_CLASSES) & elements.enabled.astype(bool)
    return [str(n) for n, bs in zip(elements.name[at], elements.buses[at], strict=True)
            if any(str(b).split(".", 1)[0].lower() in on for b in bs)]


def island_sources(model: object) -> dict[int, tuple[str, ...]]:
    """Bus position → the sources (``generator.g4``) of the island it is in, for the
    de-energised buses that a machine or inverter of the model reaches
    (:data:`ISLAND_SOURCE_CLASSES`, module docstring); {} when there is none. Built once per
    model (``model.derived``)."""
    def build(m: object) -> dict[int, tuple[str, ...]]:
        e = m.elements  # type: ignore[attr-defined]
        buses = m.buses  # type: ignore[attr-defined]
        dead = ~buses.energized.to_numpy(bool)
        if not dead.any():
            return {}
        names = buses.index.astype(str).str.lower()
        at = e.cls.astype(str).isin(ISLAND_SOURCE_CLASSES) & e.enabled.astype(bool)
        label = _labels(m.y_s)  # type: ignore[attr-defined]
        node_bus = np.asarray(m.node_bus)  # type: ignore[attr-defined]
        first = np.full(len(buses), -1, dtype=np.int64)  # a bus's component (its first node)
        first[node_bus[::-1]] = label[::-1]
        where = {n: k for k, n in enumerate(names)}
        comp_sources: dict[int, list[str]] = {}
        for name, bs in zip(e.name[at], e.buses[at], strict=True):
            for b in bs:
                k = where.get(str(b).split(".", 1)[0].lower())
                if k is not None and dead[k] and first[k] >= 0:
                    comp_sources.setdefault(int(first[k]), []).append(str(name))
                    break
        return {int(k): tuple(dict.fromkeys(comp_sources[int(first[k])]))
                for k in np.flatnonzero(dead) if int(first[k]) in comp_sources}

    return model.derived("islands", build)  # type: ignore[attr-defined]
