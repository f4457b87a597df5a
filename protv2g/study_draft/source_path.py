"""The transformers between a model's source and its feeder heads whose impedance is close to
ideal: with the source, what makes a head's fault level implausible (review rev34b L3, IEEE 34:
the TODO named only the Vsource, while ``Transformer.SubXF`` has ``Xhl=0.01`` % — the model's
own comment says "normally 8" —; a 1500 MVA source alone still left ≈ 35 kA at the head).

A distribution substation transformer's %X is of the order of 6–12 % on its own rating (IEEE
C57.12.10 practice, recalled, not checked); below :data:`XHL_IDEAL_PERCENT` the draft names the
transformer in the fault-level TODO, with its %X and rating, so that the fix covers it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx

from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses
from protv2g.network.dss_model import DssModel

__all__ = ["XHL_IDEAL_PERCENT", "near_ideal_transformers", "transformer_text"]

#: %X (Xhl, on the transformer's own kVA) below which a transformer between the source and a
#: feeder head is called close to ideal: a third of the low end of the 6–12 % above.
XHL_IDEAL_PERCENT = 2.0


def near_ideal_transformers(model: DssModel, head_buses: Sequence[int]
                            ) -> list[tuple[str, float, float]]:
    """``(name, Xhl %, kVA)`` of each enabled transformer on a path from the model's
    substation source to a bus of ``head_buses`` with ``Xhl`` below :data:`XHL_IDEAL_PERCENT`
    (read from the model's OpenDSS context, :attr:`DssModel.engine`), a regulator's
    transformer (a RegControl's) left out; empty when it cannot be read."""
    try:
        g = dss_feeder_graph(model)
        src = next(iter(dss_source_buses(model).values()))
        rows: list[int] = []
        for bus in dict.fromkeys(int(b) for b in head_buses):
            path = nx.shortest_path(g, src, bus)
            for a, b in zip(path[:-1], path[1:], strict=True):
                rows += [r for cls, r in g.edges[a, b]["elements"] if cls == "transformer"]
        dss: Any = model.engine
        regulated = set()   # a voltage regulator's small Xhl is its own (IEEE 13's reg1–3)
        k = dss.RegControls.First()
        while k:
            regulated.add(str(dss.RegControls.Transformer()).lower())
            k = dss.RegControls.Next()
        out = []
        for r in dict.fromkeys(rows):
            name = str(model.elements.name.iat[r])
            if name.split(".", 1)[1].lower() in regulated:
                continue
            dss.Transformers.Name(name.split(".", 1)[1])
            xhl = float(dss.Transformers.Xhl())
            if xhl < XHL_IDEAL_PERCENT:
                out.append((name, xhl, float(dss.Transformers.kVA())))
        return out
    except (nx.NetworkXException, StopIteration, KeyError, AttributeError, ValueError):
        return []


def transformer_text(found: Sequence[tuple[str, float, float]]) -> str:
    """The TODO's words for :func:`near_ideal_transformers`' result ("" for none)."""
    if not found:
        return ""
    names = ", ".join(f"{n} (Xhl {x:g} % on {kva:,.0f} kVA)" for n, x, kva in found)
    return (f"; between the source and the head: {names}, near ideal (a substation "
            "transformer's %X is of the order of 6–12 %, recalled): give its nameplate "
            "impedance too (e.g. 'Edit Transformer.<name> Xhl=<%>' in the same script)")
