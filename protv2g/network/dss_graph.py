"""The feeder graph of an OpenDSS model, and where devices sit on it.

:func:`dss_feeder_graph` gives the same graph that :func:`protv2g.topology.feeder_graph` builds
from a pandapower net, so the topology functions (chains, zones, primary/backup pairs) and the
checks see one shape whichever kind of feeder a study has:

* nodes: bus positions in :attr:`DssModel.buses` (``int``), with the attributes ``name``
  (OpenDSS bus name), ``kv_ll``, ``phases`` and ``energized``;
* one edge per pair of buses joined by enabled, closed series elements (lines and switches,
  transformers — a three-winding unit joins its first winding's bus to each other one —,
  autotransformers, series reactors and capacitors), with ``elements`` (a list of
  ``(class, element row)`` tuples, row = position in :attr:`DssModel.elements`) and
  ``length_km`` (the line's length; 0 for the other classes).

An opened element (``Open line.sw7 2``, a switch control's open state) or a disabled one is not
an edge; a normally-open tie is therefore absent, as in the pandapower graph.

Devices are located by OpenDSS element name and terminal (:func:`locate`), from the study
file's ``location`` keys: ``line`` + ``end`` (``from`` = terminal 1, ``to`` = terminal 2),
``trafo`` + ``side`` (``hv`` = the winding with the highest rated voltage, ``lv`` the lowest;
equal windings, as in a regulator: ``hv`` = winding 1) or ``switch`` (a line with
``switch=yes``, terminal 1).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from protv2g.errors import Issue
from protv2g.network.dss_cap_switched import cap_switched_warning
from protv2g.network.dss_model import DssModel

__all__ = ["SERIES_CLASSES", "SUPPLY_KV_FRACTION", "DssDeviceSite", "SourceRole",
           "dss_feeder_graph", "dss_source_buses", "dss_sources",
           "device_site", "locate", "source_side_terminal", "hops_from_sources",
           "graph_warnings", "opened_sources", "substation_fed_buses"]

#: Element classes that carry current between buses (graph edges).
SERIES_CLASSES = ("line", "transformer", "autotrans", "reactor", "capacitor")
#: Name of the substation source in chain tables (as :data:`protv2g.topology.SUBSTATION`).
SUBSTATION = "substation"


@dataclass(frozen=True)
class DssDeviceSite:
    """Where a device measures on an OpenDSS model (forward = from ``bus`` into the element).

    Attributes
    ----------
    element : str
        ``class.name`` (``"line.l1"``).
    terminal : int
        1-based terminal of ``element``.
    element_class : str
        OpenDSS class (``line``, ``transformer`` …).
    element_index : int
        Row of the element in :attr:`DssModel.elements`.
    bus : int
        Position of the terminal's bus in :attr:`DssModel.buses`.
    far_bus : int
        The element's other end (terminal 2, or terminal 1 for a device on terminal ≥ 2).
    """

    element: str
    terminal: int
    element_class: str
    element_index: int
    bus: int
    far_bus: int


def dss_feeder_graph(model: DssModel) -> nx.Graph:
    """Undirected feeder graph of ``model`` as switched (see the module docstring).

    Built once per model (:meth:`DssModel.derived`) and frozen (``networkx.freeze``: adding
    or removing a node or edge raises): every caller receives the same graph and must not
    change its attributes (copy it to edit).

    Examples
    --------
    >>> g = dss_feeder_graph(load_dss_model("feeders/opendss_example/Master.dss"))  # doctest: +SKIP
    >>> [g.nodes[b]["name"] for b in nx.shortest_path(g, 0, 5)]  # doctest: +SKIP
    """
    return model.derived("feeder_graph", _build_graph)


def _build_graph(model: DssModel) -> nx.Graph:
    g = nx.Graph()
    tab = model.buses
    g.add_nodes_from(
        (i, {"name": str(name), "kv_ll": float(kv), "phases": str(ph), "energized": bool(en)})
        for i, (name, kv, ph, en) in enumerate(zip(tab.index, tab.kv_ll, tab.phases,
                                                   tab.energized, strict=True)))
    e = model.elements
    pick = e.enabled.to_numpy(bool) & e.closed.to_numpy(bool) & e.cls.isin(SERIES_CLASSES)
    where = {str(n): i for i, n in enumerate(tab.index)}
    all_buses, classes, lengths = e.buses.to_numpy(), e.cls.to_numpy(), e.length_km.to_numpy()
    # edges gathered in plain dicts, in first-seen order, then added at once (#21: a NumPy
    # array and two graph look-ups per element took 0.24 s of the IEEE 8500 checks)
    edges: dict[tuple[int, int], dict] = {}
    for row in np.flatnonzero(pick).tolist():
        buses = [where.get(b, -1) for b in all_buses[row]]
        if len(buses) < 2 or min(buses) < 0:
            continue
        length = float(lengths[row]) if classes[row] == "line" else 0.0
        length = length if math.isfinite(length) else 0.0
        key = (str(classes[row]), row)
        a = buses[0]
        for b in buses[1:]:
            if a == b:
                continue  # a shunt written with two terminals on one bus
            data = edges.get((a, b)) or edges.get((b, a))
            if data is not None:
                data["elements"].append(key)
                data["length_km"] = min(data["length_km"], length)
            else:
                edges[(a, b)] = {"elements": [key], "length_km": length}
    g.add_edges_from((a, b, d) for (a, b), d in edges.items())
    return nx.freeze(g)


#: A further Vsource whose bus voltage is at least this fraction of the circuit source's is
#: a second substation (a supply point at the supply voltage); below it, an existing source
#: on the feeder (:func:`dss_sources`).
SUPPLY_KV_FRACTION = 0.99
#: The roles a Vsource takes (:func:`dss_sources`).
SourceRole = Literal["substation", "existing source"]


def dss_sources(model: DssModel) -> pd.DataFrame:
    """Every enabled Vsource and what it is to a protection engineer.

    The circuit's own Vsource (OpenDSS's ``New Circuit`` creates ``Vsource.source``, the
    system equivalent at the feeder's supply point; the first enabled Vsource when that one is
    disabled) is the substation. A further Vsource at the supply voltage (bus kV ≥
    :data:`SUPPLY_KV_FRACTION` × the circuit source's) is a second substation — another
    supply point, as in a two-substation model. One below it — behind a transformer on the
    feeder side, as EPRI DG_Prot_Fdr's ``Vsource.WindGen1`` (0.6 kV behind Tg, a 1,650 kVA
    wind generator written as a voltage source behind X''d; the model's own commented-out
    ``Generator.WindGen1`` lines say so, review s17 §3.10) — is an **existing source on the
    feeder** (DG), not a substation: the fault runs and flows keep it as OpenDSS solves it
    (a voltage source behind its impedance, the machine model of IEEE Std 242 / IEC
    60909-0 §3.6 for a synchronous generator's subtransient infeed), but it starts no
    protection path as a substation and is not drawn as one — as a pandapower ``gen`` is an
    existing source and only the ``ext_grid`` is the substation.

    Returns
    -------
    pandas.DataFrame
        ``name`` (``vsource.windgen1``), ``bus`` (position in :attr:`DssModel.buses`),
        ``kv_ll``, ``role`` (:data:`SourceRole`), in the model's element order.
    """
    e = model.elements
    src = e[(e.cls == "vsource") & e.enabled.astype(bool)]
    names = [str(n) for n in src.name]
    buses = [int(model.bus_index([b[0]])[0]) for b in src.buses]
    kv = [float(model.buses.kv_ll.iat[b]) if b >= 0 else float("nan") for b in buses]
    head = names.index("vsource.source") if "vsource.source" in names else 0
    roles = ["substation" if i == head or kv[i] >= SUPPLY_KV_FRACTION * kv[head]
             else "existing source" for i in range(len(names))]
    return pd.DataFrame({"name": names, "bus": buses, "kv_ll": kv, "role": roles})


def dss_source_buses(model: DssModel) -> dict[str, int]:
    """The substations (:func:`dss_sources`) as sources: ``{"substation": bus}``
    (``substation:<name>`` when there are several), as :func:`protv2g.topology.source_buses`.
    An existing source on the feeder (a Vsource below the supply voltage) is not one."""
    src = dss_sources(model)
    sub = src[src.role == "substation"]
    out = {n.split(".", 1)[1]: int(b) for n, b in zip(sub.name, sub.bus, strict=True)}
    if len(out) == 1:
        return {SUBSTATION: next(iter(out.values()))}
    return {f"{SUBSTATION}:{k}": v for k, v in out.items()}


def device_site(model: DssModel, element: str, terminal: int = 1) -> DssDeviceSite:
    """A device on ``element``'s ``terminal`` as a graph edge.

    Raises
    ------
    KeyError
        No such element, or no such terminal (use :func:`locate` for user input).
    """
    e = model.elements
    rows = np.flatnonzero(e.name.to_numpy() == element.lower())
    if not len(rows):
        raise KeyError(f"no element {element!r} in the model")
    row = int(rows[0])
    buses = list(e.buses.iat[row])
    if not 1 <= terminal <= len(buses):
        raise KeyError(f"{element} has no terminal {terminal}")
    pos = model.bus_index(buses)
    far = pos[1] if terminal == 1 and len(pos) > 1 else pos[0]
    return DssDeviceSite(element.lower(), int(terminal), str(e.cls.iat[row]), row,
                         int(pos[terminal - 1]), int(far))


def locate(model: DssModel, location: object, file: str, key: str
           ) -> tuple[tuple[str, int] | None, list[Issue]]:
    """``(element, terminal)`` of a study-file ``location`` on ``model`` (module docstring).

    Parameters
    ----------
    model : DssModel
    location : Location
        The study file's ``location`` (``line``/``end``, ``trafo``/``side`` or ``switch``).
    file, key : str
        Study file and field path for the issues.

    Returns
    -------
    (element, terminal) or None, and the issues (an unknown or disabled element names the
    similar elements of the model's class).
    """
    e = model.elements
    if getattr(location, "switch", None) is not None:
        cls, name, terminal = "line", str(location.switch).lower(), 1  # type: ignore[attr-defined]
        what = "switch (a line with switch=yes)"
    elif getattr(location, "line", None) is not None:
        cls, name = "line", str(location.line).lower()  # type: ignore[attr-defined]
        terminal = 1 if location.end == "from" else 2  # type: ignore[attr-defined]
        what = "line"
    else:
        cls, name, terminal = "transformer", str(location.trafo).lower(), 0  # type: ignore
        what = "transformer"
    full = name if name.startswith(f"{cls}.") else f"{cls}.{name}"
    hit = e[(e.name == full)]
    field = f"{key}.{'switch' if what.startswith('switch') else cls if cls == 'line' else 'trafo'}"
    if hit.empty:
        names = [n.split(".", 1)[1] for n in e.name[e.cls == cls]]
        near = difflib.get_close_matches(full.split(".", 1)[1], names, n=5, cutoff=0.3)
        return None, [Issue(file, field, f"the OpenDSS model has no {what} named {name!r}",
                            f"use an OpenDSS {cls} name of the model"
                            + (f" (e.g. {', '.join(near)})" if near else ""))]
    if not bool(hit.enabled.iat[0]):
        return None, [Issue(file, field, f"{full} is disabled in the OpenDSS model",
                            "place the device on an enabled element")]
    if terminal == 0:
        terminal = _trafo_terminal(model, full, str(location.side))  # type: ignore[attr-defined]
    return (full, terminal), []


def _trafo_terminal(model: DssModel, element: str, side: str) -> int:
    """Terminal of a transformer's ``hv``/``lv`` side by the windings' voltage bases."""
    buses = list(model.elements.buses[model.elements.name == element].iat[0])
    kv = model.buses.kv_ll.to_numpy()[model.bus_index(buses)]
    if np.allclose(kv, kv[0], rtol=1e-3):
        return 1 if side == "hv" else len(kv)
    return int(np.argmax(kv) if side == "hv" else np.argmin(kv)) + 1


def hops_from_sources(model: DssModel, graph: nx.Graph | None = None) -> dict[int, int]:
    """Number of edges from the nearest source bus to every bus it reaches."""
    g = graph if graph is not None else dss_feeder_graph(model)
    src = set(dss_source_buses(model).values()) & set(g.nodes)
    if not src:
        return {}
    return {int(k): int(v) for k, v in nx.multi_source_dijkstra_path_length(
        g, src, weight=lambda _a, _b, _d: 1).items()}


def source_side_terminal(model: DssModel, element: str, hops: dict[int, int]) -> int:
    """The terminal of ``element`` nearest a source (fewest edges; terminal 1 on a tie or when
    no terminal is reached)."""
    buses = list(model.elements.buses[model.elements.name == element.lower()].iat[0])
    pos = model.bus_index(buses)
    dist = [hops.get(int(p), np.iinfo(np.int64).max) for p in pos]
    return int(np.argmin(dist)) + 1


def graph_warnings(model: DssModel) -> pd.DataFrame:
    """What the graph takes from the model as it is switched that an engineer must know.

    * a series element enabled but with a terminal opened (``open transformer.tg 2``): it is
      no edge of the graph, so nothing beyond it is fed through it;
    * every enabled ``Vsource`` beside the circuit's: a second substation at the supply
      voltage, else an existing source on the feeder (:func:`dss_sources`; EPRI
      DG_Prot_Fdr's ``Vsource.WindGen1``, review s17 §3.10) — a voltage source behind its
      impedance in every fault run and flow either way, not an inverter-based source — and
      whether it reaches the feeder as switched.

    Returns
    -------
    pandas.DataFrame
        ``element, name, what, action`` (:attr:`DssModel.warnings`' columns).
    """
    rows = []
    e = model.elements
    dss = model.engine
    opened = e[e.enabled.to_numpy(bool) & ~e.closed.to_numpy(bool) & e.cls.isin(SERIES_CLASSES)]
    cut = opened_sources(model)
    for name, buses in zip(opened.name, opened.buses, strict=True):
        terms = _open_terminals(dss, name, len(buses))
        where = (f"terminal {', '.join(str(t) for t in terms)} "
                 f"({', '.join(buses[t - 1] for t in terms)})" if terms else "a terminal")
        off = f", taking {', '.join(cut[name])} off the feeder" if cut.get(name) else ""
        seen = "; no fault run, flow or check sees that source" if off else ""
        # a bank its CapControl switched off in the snapshot flow (review rev48a item 5)
        switched = None if off else cap_switched_warning(model, name, where)
        if switched is not None:
            rows.append((name.split(".", 1)[0], name, *switched))
            continue
        rows.append((name.split(".", 1)[0], name, f"{where} open in the model{off}",
                     "kept open: no current flows through it in any fault run or flow" + seen))
    src = dss_sources(model)
    if len(src) > 1:
        g = dss_feeder_graph(model)
        head = src[src.role == "substation"].iloc[0]
        for r in src.itertuples(index=False):
            if r.name == head["name"]:
                continue
            where = (f"a further Vsource at {model.buses.index[r.bus]} ({r.kv_ll:g} kV), "
                     f"beside {head['name'].split('.', 1)[1]} ({head.kv_ll:g} kV)")
            joined = nx.has_path(g, int(head.bus), int(r.bus))
            feeds = ("it is connected to the feeder: it feeds its faults" if joined
                     else "not connected to the feeder as switched (an element between is "
                          "open or disabled): it feeds none of its faults")
            if r.role == "substation":
                rows.append(("vsource", r.name, f"{where}, at the supply voltage: a second "
                             "substation (an ideal source behind its impedance in every fault "
                             "run and flow, drawn as a substation)", f"a substation; {feeds}"))
            else:
                rows.append(("vsource", r.name, f"{where}, below the supply voltage: an "
                             "existing source on the feeder (a generator or DER written as a "
                             "voltage source behind its impedance), not a substation and not "
                             "an inverter-based DER",
                             "kept as OpenDSS solves it (a voltage source behind its "
                             "impedance, no current limit) in every fault run and flow; no "
                             "protection path starts at it and it is not drawn as a "
                             f"substation; {feeds}"))
    return pd.DataFrame(rows, columns=["element", "name", "what", "action"])


#: Element classes of a source on the feeder besides a Vsource (:func:`opened_sources`).
_SOURCE_CLASSES = ("vsource", "generator", "pvsystem", "storage", "indmach012")


def substation_fed_buses(graph: nx.Graph, substation: dict[str, int]) -> set[int]:
    """Bus positions a path of closed, enabled series elements joins to a substation bus
    (``graph``: :func:`dss_feeder_graph`; ``substation``: :func:`dss_source_buses`); empty
    when no substation bus is in the graph."""
    heads = {int(b) for b in substation.values() if int(b) in graph}
    return set().union(*(nx.node_connected_component(graph, b) for b in heads))


def opened_sources(model: DssModel) -> dict[str, list[str]]:
    """Opened series element → the enabled sources it alone keeps off the feeder: sources no
    path reaches from the substation, that closing the element would join to it (EPRI
    DG_Prot_Fdr's trailing ``open transformer.tg 2`` takes ``Vsource.WindGen1``, the feeder's
    only generator, out of every check: review rev39a M5). ``{}`` when none."""
    e = model.elements
    opened = e[e.enabled.to_numpy(bool) & ~e.closed.to_numpy(bool) & e.cls.isin(SERIES_CLASSES)]
    src = e[e.enabled.to_numpy(bool) & e.cls.isin(_SOURCE_CLASSES)]
    sub = dss_source_buses(model)
    if opened.empty or src.empty or not sub:
        return {}
    g = dss_feeder_graph(model)
    fed = substation_fed_buses(g, sub)
    out: dict[str, list[str]] = {}
    for name, buses in zip(opened.name, opened.buses, strict=True):
        pos = [int(p) for p in model.bus_index([str(b).split(".", 1)[0] for b in buses])
               if p >= 0]
        if not any(p in fed for p in pos):
            continue
        far = set().union(*(nx.node_connected_component(g, p) if p in g else {p}
                            for p in pos if p not in fed))
        for sname, sbuses in zip(src.name, src.buses, strict=True):
            b = int(model.bus_index([str(sbuses[0]).split(".", 1)[0]])[0])
            if b in far and b not in fed:
                out.setdefault(str(name), []).append(str(sname))
    return out


def _open_terminals(dss, name: str, n_terminals: int) -> list[int]:  # noqa: ANN001
    """The element's terminals that have every conductor open (OpenDSS ``IsOpen``)."""
    try:
        dss.Circuit.SetActiveElement(name)
        return [t for t in range(1, n_terminals + 1) if dss.CktElement.IsOpen(t, 0)]
    except Exception:  # noqa: BLE001 - no engine (a model rebuilt from tables): say "a terminal"
        return []
