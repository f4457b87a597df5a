"""Candidate V2G site buses of an OpenDSS feeder with their short-circuit level.

The short-circuit level is the IEC 60909 maximum case without V2G from the phase-domain engine
(:func:`protv2g.engine.phase.phase_fault_study`): the three-phase current (buses with three
phases), the largest single-line-to-ground current over the bus's phases, and ``X/R`` of the
Thevenin impedance the fault sees, ``tan(∠E − ∠I)`` with ``E`` the pre-fault phase voltage —
the positive-sequence X/R for a three-phase fault; for a bus with fewer phases the SLG loop's
``(Z1 + Z2 + Z0)`` X/R (marked ``loop``).

Which buses (a stated choice, to give an engineer a start): the feeder's primary buses
(:func:`.heads.feeder_buses`: the substation's feeder bus and every bus below it, at each
primary voltage — a 34.5 kV trunk and the 12.47 kV section below its step-down both, each bus
with its own kV; draft44's left item: buses at the mode of the primary buses' kV only left out
the 34.5 kV trunk of review rev44b's f1, where a depot sat) — the three-phase buses nearest the
substation (strong: a depot), the three-phase buses farthest from it and the farthest ends of
single- and two-phase laterals (weak: home chargers at a feeder end) — by distance along the
lines from the source. A lateral's end is the last bus on it that serves customers: a load on
the bus or below it through a service transformer (secondary buses), with no such bus farther
down the lateral — not the dead-end pole beyond the last transformer (review s19: all five of
EPRI ckt24's "lateral ends" had no load below them, so home chargers drafted there would have
no customers); a model without loads keeps the leaf buses of the graph.

A candidate is a bus a customer connection can attach to, not a device's own terminal node
(review s20, EPRI ckt5: ``mdv201_hn_2_793_abc1023346_int`` and ``mdv201_796usd_int``, nodes
of two switches, were two of the five "near the substation" buses). :func:`device_nodes`
names them. A closed switch (a line with ``switch=yes``) or regulating transformer (a
RegControl's) joins two buses at one place; a terminal that serves load, has a shunt of its
own (load, generator, PV, storage, capacitor) or is a junction (two or more other series
elements) is kept; a *bare* one (none of these: the device on one side, one line or bus bar
on the other) is dropped — of two bare terminals one is kept, one place listed once: the one
the model does not name internal (:data:`INTERNAL_SUFFIX`, the converters' mark) when only
one carries that name, else the source-side one (EPRI ckt5's 1023346, a line's end at a
switch where s16 put its depot, stays; IEEE 8500's in-line ``D5710794-3_INT`` goes, its
``E192860`` stays). An opened or disabled switch's terminal that hangs on a bus bar or
jumper (shorter than :data:`JUMPER_KM`) with nothing else is a stub to an open point,
dropped; the end of a real line at an open tie stays (a line bus). A bus reached only
through an open or disabled element is not energised from the source and was never a
candidate (``energized``, distance along the closed lines).

Each candidate names the protective device it sits behind: the nearest device upstream, i.e.
the last element holding a device (fuse, recloser, relay — the model's, or a proposed
feeder-head relay) on the shortest path along the lines from the source to the bus
(``device``, ``device_kind``; empty when no device is upstream).
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandas as pd

from protv2g.engine.phase import PhaseFaultResult
from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses, hops_from_sources
from protv2g.network.dss_model import DssModel

__all__ = ["short_circuit_levels", "candidate_buses", "device_nodes", "upstream_devices",
           "CANDIDATE_COLUMNS"]

CANDIDATE_COLUMNS = ["group", "bus", "phases", "kv_ll", "distance_km", "i3ph_ka", "islg_ka",
                     "x_r", "x_r_of", "device", "device_kind"]


def short_circuit_levels(model: DssModel, res: PhaseFaultResult) -> pd.DataFrame:
    """Per fault bus: ``i3ph_ka``, ``islg_ka`` (largest phase), ``x_r`` and ``x_r_of``.

    ``res`` must hold 3ph and SLG faults of the ``max`` case for the base scenario, by the
    ``iec60909`` method: ``x_r`` is ``tan`` of the angle from the equivalent source's phasor
    (``res.source_unit``, the network's no-load angles: :func:`~protv2g.engine.phase.
    prefault.prefault_voltage`) to the fault current. :mod:`.draft` writes C7's X/R of
    ``Z_k`` in the table (``draft._network_x_r``; EPRI ckt24 n283602: 24.9 here against
    27.51 there while the source sat at the loaded state's angle, before session 44; not
    re-measured since).
    """
    b = res.bus
    b = b[(b.case == "max") & b.energized & (b.scenario == res.scenarios[0])]
    v = res.source_unit  # the IEC source's angle at each (bus, phase)
    rows = {}
    for r in b.itertuples(index=False):
        if r.fault_type not in ("3ph", "SLG"):
            continue
        ph = r.phase[0]
        angle_i = getattr(r, f"i{ph}_degree")
        x_r = np.tan(np.angle(v[int(r.bus), "abc".index(ph)]) - np.radians(angle_i))
        d = rows.setdefault(r.bus_name, {"i3ph_ka": np.nan, "islg_ka": np.nan, "x_r": np.nan,
                                         "x_r_of": ""})
        if r.fault_type == "3ph":
            d.update(i3ph_ka=r.ikss_ka, x_r=x_r, x_r_of="3ph")
        elif not d["islg_ka"] >= r.ikss_ka:
            d["islg_ka"] = r.ikss_ka
            if d["x_r_of"] != "3ph":
                d.update(x_r=x_r, x_r_of="loop")
    return pd.DataFrame.from_dict(rows, orient="index")


def upstream_devices(model: DssModel, g: nx.Graph, sources: set[int], buses: list[int],
                     devices: Mapping[str, str]) -> list[list[str]]:
    """Per bus of ``buses``: the devices on the last element holding one on the shortest path
    (``length_km``) from ``sources`` to it — several when they share that element, none when
    no device is upstream.

    Parameters
    ----------
    g : networkx.Graph
        :func:`~protv2g.network.dss_graph.dss_feeder_graph` of ``model``.
    sources : set of int
        Source bus indices.
    buses : list of int
        Bus indices (positions in ``model.buses``).
    devices : mapping
        Device name → its OpenDSS element (``"line.l1"``).

    Examples
    --------
    >>> upstream_devices(model, g, {0}, [5], {"fa": "line.la"})  # doctest: +SKIP
    [['fa']]
    """
    rows = {name: np.flatnonzero(model.elements.name.to_numpy() == el.lower())
            for name, el in devices.items()}
    on_row: dict[int, list[str]] = {}
    for name, hit in rows.items():
        for r in hit:
            on_row.setdefault(int(r), []).append(name)
    out = []
    for bus in buses:
        try:
            _, path = nx.multi_source_dijkstra(g, sources, target=bus, weight="length_km")
        except nx.NetworkXNoPath:
            out.append([])
            continue
        found: list[str] = []
        for a, b in zip(path[-2::-1], path[:0:-1], strict=True):   # edges, bus end first
            found = [n for _, row in g[a][b]["elements"] for n in on_row.get(row, [])]
            if found:
                break
        out.append(found)
    return out


def _customer_ends(model: DssModel, g: nx.Graph, sources: set[int]) -> dict[str, bool]:
    """Primary bus name → whether it serves customers with no customer-serving primary bus
    below it (module docstring); empty when the model has no enabled load."""
    inj = model.injections
    loads = inj[(inj.cls == "load") & inj.enabled.astype(bool)]
    where = {str(n).lower(): i for i, n in enumerate(model.buses.index)}
    at = {where[b] for b in loads.bus.astype(str).str.split(".", n=1).str[0].str.lower()
          if b in where}
    if not at:
        return {}
    tree = nx.bfs_tree(g, min(sources))  # nodes in breadth-first order
    parent = {v: u for u, v in tree.edges()}
    primary = model.buses.primary.to_numpy(bool)
    serves = np.zeros(len(primary), bool)
    for b in at:  # up through secondary buses to the primary bus that serves the load
        while not primary[b] and b in parent:
            b = parent[b]
        serves[b] = primary[b]
    below = np.zeros(len(primary), bool)   # a serving primary bus somewhere below
    for v in reversed(list(tree)):  # leaves first
        u = parent.get(v)
        if u is not None and primary[v]:
            below[u] |= below[v] | serves[v]
    names = model.buses.index
    return {str(names[i]): bool(serves[i] and not below[i]) for i in np.flatnonzero(primary)}


#: A line shorter than this joining an open switch's terminal to the feeder is the switch's
#: bus bar or jumper (ckt5's ``mdv202_osw_796``: 1.5 m), not a line to another place, km.
JUMPER_KM = 0.01
#: The suffix model converters give a device's internal node (CYME/Synergi exports: EPRI ckt5's
#: ``mdv201_796usd_int``, IEEE 8500's ``d5710794-3_int``): which of a switch's two bare
#: terminals is not listed, when only one of them carries it.
INTERNAL_SUFFIX = "_int"


def _switch_lines(model: DssModel) -> set[str]:
    """``line.<name>`` of every line with ``switch=yes`` (enabled or not: ``Lines.Name``
    activates a disabled line too), read from the model's OpenDSS context."""
    dss = model.engine
    out: set[str] = set()
    if dss is None or not dss.Lines.Count():
        return out
    for name in dss.Lines.AllNames():
        dss.Lines.Name(name)
        if dss.Lines.IsSwitch():
            out.add(f"line.{name.lower()}")
    return out


def device_nodes(model: DssModel, g: nx.Graph) -> set[int]:
    """Bus positions that are a device's own terminal node, not a place for a customer
    connection: a closed switch's or regulator's bare terminal (one of two kept), an open
    switch's jaw on a bus bar (module docstring).

    Parameters
    ----------
    model : DssModel
    g : networkx.Graph
        :func:`~protv2g.network.dss_graph.dss_feeder_graph` of ``model`` (closed elements).

    Returns
    -------
    set of int
    """
    e = model.elements
    devices = _switch_lines(model) | set(
        model.controls.target[model.controls.kind == "regcontrol"].astype(str).str.lower())
    rows = np.flatnonzero(e.name.isin(devices).to_numpy())
    if not len(rows):
        return set()
    where = {str(n).lower(): i for i, n in enumerate(model.buses.index)}
    shunt = np.zeros(len(model.buses), bool)
    inj = model.injections
    for b in inj.bus[inj.enabled.astype(bool)].astype(str).str.split(".", n=1).str[0]:
        if b.lower() in where:
            shunt[where[b.lower()]] = True
    one_bus = e[e.enabled.astype(bool) & (e.buses.map(lambda x: len(set(x))) == 1)]
    for buses in one_bus.buses:  # shunt capacitors, reactors (bus2 = bus1's ground)
        if str(buses[0]).lower() in where:
            shunt[where[str(buses[0]).lower()]] = True
    hops = hops_from_sources(model, g)
    device_rows = {int(r) for r in rows}
    names = model.buses.index

    def in_line(b: int) -> list[int]:  # the neighbours b reaches by other elements
        return [n for n in g.neighbors(b)
                if not all(row in device_rows for _, row in g[b][n]["elements"])]

    out = set()
    for r in rows.tolist():
        ends = [where[str(b).lower()] for b in e.buses.iat[r] if str(b).lower() in where]
        ends = [b for b in dict.fromkeys(ends) if b in hops]  # energised, reached
        if bool(e.enabled.iat[r]) and bool(e.closed.iat[r]):
            bare = [b for b in ends if not shunt[b] and len(in_line(b)) <= 1]
            if len(bare) == 2:  # one place: keep one (module docstring)
                named = [b for b in bare if str(names[b]).lower().endswith(INTERNAL_SUFFIX)]
                bare = named if len(named) == 1 else [max(bare, key=lambda b: hops[b])]
            out.update(bare)
            continue
        for b in ends:  # an open switch's jaw on a bus bar or jumper: a stub, not a site
            others = in_line(b)
            if not shunt[b] and len(others) == 1 and g[b][others[0]]["length_km"] < JUMPER_KM:
                out.add(b)
    return out


def candidate_buses(model: DssModel, levels: pd.DataFrame, feeder: np.ndarray, n: int = 5,
                    devices: Mapping[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """Up to ``n`` buses of each group (module docstring): :data:`CANDIDATE_COLUMNS`.

    ``feeder``: a mask of the model's buses on the feeder (:func:`.heads.feeder_buses`); its
    energised primary buses, at any voltage, are the candidates.

    ``devices``: device name → (OpenDSS element, kind shown, e.g. ``"fuse"``) — the devices a
    candidate may sit behind (column ``device``, ``device_kind``).
    """
    g = dss_feeder_graph(model)
    src = set(dss_source_buses(model).values())
    dist = nx.multi_source_dijkstra_path_length(g, src, weight="length_km")
    tab = model.buses
    ok = (tab.primary & tab.energized).to_numpy() & np.asarray(feeder, dtype=bool)
    names = tab.index.to_numpy()
    frame = pd.DataFrame({"bus": names, "phases": tab.phases.to_numpy(),
                          "kv_ll": tab.kv_ll.to_numpy(),
                          "distance_km": [dist.get(i, np.nan) for i in range(len(tab))],
                          "degree": [g.degree(i) for i in range(len(tab))]})[ok]
    frame = frame.join(levels, on="bus").dropna(subset=["islg_ka"])
    frame = frame[frame.distance_km > 0]            # not the substation bus itself
    internal = device_nodes(model, g)               # nor a switch's or regulator's own node
    frame = frame[~frame.index.isin(list(internal))]
    three = frame[frame.phases == "abc"].sort_values("distance_km")
    near = three.head(n)
    three_far = three.drop(near.index)
    serving = _customer_ends(model, g, src)
    lateral = frame[(frame.phases.str.len() < 3)
                    & (frame.bus.map(serving).fillna(False).astype(bool) if serving
                       else frame.degree == 1)]
    groups = [("near the substation (three-phase)", near),
              ("far from the substation (three-phase)", three_far.tail(n).iloc[::-1]),
              ("lateral ends (one or two phases)",
               lateral.sort_values("distance_km").tail(n).iloc[::-1])]
    out = [grp.assign(group=label) for label, grp in groups if len(grp)]
    if not out:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    frame = pd.concat(out, ignore_index=True)
    devices = devices or {}
    where = {str(b): i for i, b in enumerate(tab.index)}
    found = upstream_devices(model, g, src, [where[str(b)] for b in frame.bus],
                             {name: el for name, (el, _kind) in devices.items()})
    frame["device"] = [", ".join(f) for f in found]
    frame["device_kind"] = [", ".join(devices[x][1] for x in f) for f in found]
    out = frame[CANDIDATE_COLUMNS]
    out.attrs["unitless_lines"] = unitless_lines(model)
    return out


def unitless_lines(model: DssModel) -> tuple[int, int, list[str]]:
    """(lines whose length has no unit, on the line nor its line code; enabled lines; the
    names of the former) of ``model``: the distances of the candidate table add those
    lengths as written, in the model's own unit (review rev42b M3b: IEEE 37's 1.85 of kft
    read as km). A switch (``switch_like``: OpenDSS ``Switch=yes`` sets its length to 0.001
    with no unit) adds nothing to a distance and is not counted (review rev51 #7b: a tie
    switch was the one "line" without a unit, unnamed)."""
    e = model.elements
    lines = (e.cls == "line") & e.enabled
    if "switch_like" in e:
        lines &= ~e["switch_like"].fillna(False).astype(bool)
    known = e.get("length_unit_known", pd.Series(True, index=e.index)).fillna(True)
    bare = lines & ~known.astype(bool)
    names = e.index[bare.to_numpy(bool)] if "name" not in e else e["name"][bare]
    return int(bare.sum()), int(lines.sum()), [str(n) for n in names]
