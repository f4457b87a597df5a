"""Fault positions protection needs: a fault just past each device (close-in).

Faults placed only at buses miss the largest current a device sees: for a device at the
sending end of a line, a fault at its own bus is *behind* it (it sees only what flows back
from the line) and the next bus is a whole section away. :func:`close_in_positions` returns a
NEW net in which every line that carries a device is split a short, stated distance
(:data:`CLOSE_IN_KM`, 1 m; at most a tenth of the line) past the device: the device's end of
the line becomes a stub to a new *close-in bus*, the rest of the line continues from there
with the same per-km data (series impedances add up to the original line, so faults at the
existing buses are unchanged; the pi-model shunt capacitance is split in proportion). A fault
at the close-in bus is the device's terminal fault: the largest current it must interrupt
(duty, C7) and the top of every coordination range it takes part in (C1–C4).

A device on a transformer (``location: {trafo: …, side: hv|lv}``) gets one too (review rev33a
W1: a 65K cutout on a depot transformer's 34.5 kV side was judged only at the 480 V
through-fault, 0.71 kA, when the feeder's 7.3 kA at its terminal is what it must interrupt:
a fuse's interrupting rating is held against the maximum fault current available at its point
of application — IEEE Std C37.41/C37.48, recalled; NFPA 70 §110.9 words it for low voltage as
"the fault current available at the line terminals of the equipment"). A transformer cannot be
split, so its terminal at the device's bus moves to a new close-in bus joined to the bus by a
stub line of :func:`~protv2g.network.close_in_distance.transformer_stub_x_ohm` (purely
reactive, 1e-7 pu: a fault there is the bus's fault to < 0.1 %, at the bus's X/R); the device
measures the stub
(:attr:`~protv2g.study.places.DeviceSite.stub_line`), which carries the transformer's current
for every other fault, and keeps ``element`` ``"trafo"`` and the transformer's index (the
element it guards, :mod:`protv2g.topology_reach`).

The caller's net is never modified. Existing buses and lines keep their indices and names;
new buses and line segments are appended (indices after the last), so results at existing
buses, site buses and the flow tables of the original net still line up.

On an OpenDSS model (a study with ``model`` and no net) :func:`with_close_in_positions` splits
each device's line in the phase model instead (:mod:`protv2g.network.dss_close_in`; same
distance, close-in buses appended after the model's buses).

Example
-------
>>> pos = close_in_positions(study.net, study.device_sites)  # doctest: +SKIP
>>> pos.table[["bus_name", "devices", "line", "distance_km"]]  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandapower as pp
import pandas as pd

from protv2g.network.close_in_distance import (
    CLOSE_IN_KM,
    MAX_FRACTION_OF_LINE,
    close_in_bus_name,
    transformer_stub_x_ohm,
)

__all__ = ["CLOSE_IN_KM", "MAX_FRACTION_OF_LINE", "POSITION_COLUMNS", "FaultPositions",
           "close_in_bus_name", "close_in_positions", "close_in_study", "has_unknown_buses",
           "with_close_in_positions"]


#: Columns of :attr:`FaultPositions.table`.
POSITION_COLUMNS = ["bus", "bus_name", "position", "devices", "line", "line_index",
                    "near_bus", "near_bus_name", "distance_km", "note"]


@dataclass(frozen=True)
class FaultPositions:
    """A net with close-in fault buses, and the mapping back to devices and lines.

    Attributes
    ----------
    net : pandapowerNet
        The new net (a copy; the original is untouched).
    device_sites : dict
        Device name → its site in the new net (same class as given; a device on a split
        line measures on its stub, ``far_bus`` = its close-in bus).
    table : DataFrame
        :data:`POSITION_COLUMNS`: one row per close-in bus (``position`` ``close_in``) and
        one per device that got none (``position`` ``not_created``, ``note`` says why).
    """

    net: pp.pandapowerNet
    device_sites: dict[str, Any]
    table: pd.DataFrame

    @property
    def close_in_buses(self) -> dict[str, int]:
        """Device name → its close-in bus."""
        out: dict[str, int] = {}
        rows = self.table[self.table.position == "close_in"]
        for bus, names in zip(rows.bus, rows.devices, strict=True):
            for n in str(names).split(", "):
                out[n] = int(bus)
        return out


def _copy_geo(net: pp.pandapowerNet, src: int, dst: int) -> None:
    if "geo" in net.bus.columns:
        net.bus.at[dst, "geo"] = net.bus.at[src, "geo"]
    geo = getattr(net, "bus_geodata", None)
    if isinstance(geo, pd.DataFrame) and src in geo.index:
        net.bus_geodata.loc[dst] = geo.loc[src]


class _Appender:
    """New buses and line segments of :func:`close_in_positions`, numbered as they are asked
    for (after the last index, as ``pp.create_bus`` and a row appended per segment would) and
    appended to the net at once by :meth:`flush` (#21: one ``create_bus`` and one
    concatenation of the whole line table per device cost O(buses × devices))."""

    def __init__(self, net: pp.pandapowerNet) -> None:
        self.net = net
        self.next_bus = int(net.bus.index.max()) + 1 if len(net.bus) else 0
        self.next_line = int(net.line.index.max()) + 1 if len(net.line) else 0
        self.buses: list[tuple[int, int, str]] = []  # (index, near bus, name)
        self.lines: list[tuple[int, int, int, int, float, str]] = []
        self.moves: list[tuple[int, int, int, float]] = []  # (line, from, to, length)

    def bus(self, near: int, name: str) -> int:
        idx = self.next_bus
        self.next_bus += 1
        self.buses.append((idx, near, name))
        return idx

    def segment(self, template: int, from_bus: int, to_bus: int, length_km: float,
                name: str) -> int:
        idx = self.next_line
        self.next_line += 1
        self.lines.append((idx, template, from_bus, to_bus, length_km, name))
        return idx

    def move(self, line: int, from_bus: int, to_bus: int, length_km: float) -> None:
        """Line ``line`` shortened to the segment ``from_bus``–``to_bus`` (written by
        :meth:`flush`, one column at a time: #21, a ``.loc`` row write per device cost
        0.1 s at 10,000 buses; the same values and dtypes)."""
        self.moves.append((line, from_bus, to_bus, length_km))

    def flush(self) -> None:
        net = self.net
        if self.moves:  # before the new segments copy their template rows, as they were
            idx, *values = (list(x) for x in zip(*self.moves, strict=True))
            at = net.line.index.get_indexer(idx)
            for col, v in zip(("from_bus", "to_bus", "length_km"), values, strict=True):
                x = net.line[col].to_numpy(copy=True)
                x[at] = v
                net.line[col] = x
        if self.buses:
            idx, near, names = (list(x) for x in zip(*self.buses, strict=True))
            rows = net.bus.loc[near]
            zone = rows["zone"].tolist() if "zone" in rows else None
            pp.create_buses(net, len(idx), vn_kv=rows.vn_kv.astype(float).tolist(),
                            name=names, zone=zone,
                            in_service=rows.in_service.astype(bool).tolist(), index=idx)
            if zone is not None:  # as create_bus stores them (create_buses: None → NaN)
                net.bus.loc[idx, "zone"] = np.array(zone, dtype=object)
            for src, dst in zip(near, idx, strict=True):
                _copy_geo(net, src, dst)
        if self.lines:
            idx, template, fb, tb, length, names = (list(x) for x in zip(*self.lines,
                                                                          strict=True))
            new = net.line.loc[template].copy()
            new.index = idx
            new["from_bus"] = fb
            new["to_bus"] = tb
            new["length_km"] = length
            new["name"] = names
            if "geo" in new.columns:
                new["geo"] = None
            net.line = pd.concat([net.line, new])
        self.buses, self.lines, self.moves = [], [], []


def close_in_positions(net: pp.pandapowerNet, device_sites: Mapping[str, Any],
                       distance_km: float = CLOSE_IN_KM) -> FaultPositions:
    """A new net with a close-in fault bus ``distance_km`` past every device on a line.

    Parameters
    ----------
    net : pandapowerNet
        The feeder (not modified).
    device_sites : mapping
        Device name → site with ``element`` (``"line"``/``"trafo"``), ``element_index``,
        ``bus`` (where it measures) and ``far_bus`` (a dataclass such as
        :class:`protv2g.study.loader.DeviceSite`).
    distance_km : float
        Distance from the device to its close-in fault (km), default :data:`CLOSE_IN_KM`;
        at most :data:`MAX_FRACTION_OF_LINE` of the line.

    Returns
    -------
    FaultPositions

    Raises
    ------
    ValueError
        For a non-positive ``distance_km``.

    Notes
    -----
    Devices at the same end of the same line share one close-in bus (they measure the same
    current). A line with devices at both ends gets two stubs and a middle section.
    """
    if not distance_km > 0:
        raise ValueError(f"distance_km must be > 0, got {distance_km!r}")
    work = copy.deepcopy(net)
    ends: dict[int, dict[int, list[str]]] = {}
    at_trafo: dict[tuple[int, int], list[str]] = {}
    notes = []
    for name, site in device_sites.items():
        if site.element == "trafo":
            at_trafo.setdefault((int(site.element_index), int(site.bus)), []).append(name)
            continue
        if site.element != "line":
            notes.append({"bus": np.nan, "bus_name": "", "position": "not_created",
                          "devices": name, "line": "", "line_index": np.nan,
                          "near_bus": int(site.bus),
                          "near_bus_name": str(net.bus.at[site.bus, "name"]),
                          "distance_km": np.nan,
                          "note": f"device on a {site.element}: its terminal fault is not "
                                  "computed"})
            continue
        ends.setdefault(int(site.element_index), {}).setdefault(int(site.bus), []).append(name)
    sites = dict(device_sites)
    rows = []
    add = _Appender(work)
    for li in sorted(ends):
        line = work.line.loc[li]
        fb, tb = int(line.from_bus), int(line.to_bus)
        length = float(line.length_km)
        d = min(distance_km, MAX_FRACTION_OF_LINE * length)
        at = ends[li]
        bus_name = {b: close_in_bus_name(at[b]) for b in (fb, tb) if b in at}
        new_bus = {b: add.bus(b, name) for b, name in bus_name.items()}
        # chain of nodes from the from-bus to the to-bus and the segment lengths
        nodes = [fb] + ([new_bus[fb]] if fb in new_bus else []) \
            + ([new_bus[tb]] if tb in new_bus else []) + [tb]
        stubs = [(a == fb and b == new_bus.get(fb)) or (b == tb and a == new_bus.get(tb))
                 for a, b in zip(nodes[:-1], nodes[1:], strict=True)]
        rest = length - d * sum(stubs)
        lengths = [d if stub else rest for stub in stubs]
        keep = 0 if fb in new_bus else len(lengths) - 1  # the device's stub keeps the index
        seg_index = []
        base_name = str(line["name"])
        for k, (a, b) in enumerate(zip(nodes[:-1], nodes[1:], strict=True)):
            if k == keep:
                add.move(li, a, b, lengths[k])
                seg_index.append(li)
            else:
                label = "close-in stub" if stubs[k] else "rest"
                seg_index.append(add.segment(li, a, b, lengths[k], f"{base_name} [{label}]"))
        first, last = seg_index[0], seg_index[-1]
        sw = work.switch
        if len(sw):
            mask = (sw.et == "l") & (sw.element == li)
            for s in sw.index[mask]:
                work.switch.at[s, "element"] = first if int(sw.at[s, "bus"]) == fb else last
        for b, names in at.items():
            seg = first if b == fb else last
            for n in names:
                sites[n] = dataclasses.replace(sites[n], element_index=seg, far_bus=new_bus[b])
            rows.append({"bus": new_bus[b], "bus_name": bus_name[b],
                         "position": "close_in", "devices": ", ".join(names),
                         "line": base_name, "line_index": li, "near_bus": b,
                         "near_bus_name": str(work.bus.at[b, "name"]), "distance_km": d,
                         "note": ""})
    stubs_at = {key: add.bus(key[1], close_in_bus_name(names))
                for key, names in sorted(at_trafo.items())}
    add.flush()
    for (ti, b), c in stubs_at.items():
        stub = _transformer_stub(work, ti, b, c)
        for n in at_trafo[(ti, b)]:
            sites[n] = dataclasses.replace(sites[n], far_bus=c, stub_line=stub)
        rows.append({"bus": c, "bus_name": str(work.bus.at[c, "name"]),
                     "position": "close_in", "devices": ", ".join(at_trafo[(ti, b)]),
                     "line": str(work.line.at[stub, "name"]), "line_index": stub,
                     "near_bus": b, "near_bus_name": str(work.bus.at[b, "name"]),
                     "distance_km": CLOSE_IN_KM,
                     "note": f"stub to transformer {_trafo_name(work, ti)}'s terminal"})
    table = pd.DataFrame(rows + notes, columns=POSITION_COLUMNS)
    return FaultPositions(work, sites, table)


def _trafo_name(net: pp.pandapowerNet, index: int) -> str:
    raw = net.trafo.at[index, "name"] if "name" in net.trafo else None
    return str(raw) if isinstance(raw, str) and raw else str(index)


def _transformer_stub(work: pp.pandapowerNet, trafo: int, bus: int, close_in: int) -> int:
    """The stub line from ``bus`` to the new bus ``close_in``, with transformer ``trafo``'s
    terminal at ``bus`` (and a switch on that terminal) moved to ``close_in``; returns the
    stub's ``net.line`` row. Purely reactive,
    :func:`~protv2g.network.close_in_distance.transformer_stub_x_ohm` in every sequence (no
    shunt), :data:`CLOSE_IN_KM` long; end temperature 20 °C where the net states end
    temperatures (its resistance of 0 stays 0 either way)."""
    x_ohm = transformer_stub_x_ohm(float(work.bus.at[bus, "vn_kv"]))
    per_km = x_ohm / CLOSE_IN_KM
    # zero-sequence data and end temperature where the net's lines have them (a net without
    # lines: always, so that its ground faults and minimum case still run)
    extra = {k: v for k, v in (("r0_ohm_per_km", 0.0), ("x0_ohm_per_km", per_km),
                               ("c0_nf_per_km", 0.0), ("endtemp_degree", 20.0))
             if k in work.line.columns or not len(work.line)}
    side = "hv_bus" if int(work.trafo.at[trafo, "hv_bus"]) == bus else "lv_bus"
    stub = int(pp.create_line_from_parameters(
        work, bus, close_in, CLOSE_IN_KM, r_ohm_per_km=0.0, x_ohm_per_km=per_km,
        c_nf_per_km=0.0, max_i_ka=1e3,
        name=f"{_trafo_name(work, trafo)} [close-in stub {side[:2]}]", **extra))
    work.trafo.at[trafo, side] = close_in
    sw = work.switch
    if len(sw):
        hit = ((sw.et == "t") & (sw.element == trafo) & (sw.bus == bus)).to_numpy()
        work.switch.loc[hit, "bus"] = close_in
    return stub


def has_unknown_buses(net: Any, fault_buses: Sequence[int] | np.ndarray) -> bool:
    """True when some fault bus is not a bus of ``net`` (a table computed on a net with
    close-in positions). ``net`` may be an OpenDSS model (buses are positions in
    ``model.buses``: close-in buses are past its last); False for ``None``."""
    if net is None:
        return False
    buses = np.unique(np.asarray(fault_buses, dtype=np.int64))
    if not isinstance(net, pp.pandapowerNet) and hasattr(net, "node_names"):
        return bool(len(buses)) and bool((buses >= len(net.buses)).any())
    return bool(len(buses)) and not np.isin(buses, net.bus.index.to_numpy()).all()


def with_close_in_positions(study: Any, distance_km: float = CLOSE_IN_KM) -> Any:
    """A copy of a study-like dataclass (``net``, ``device_sites``) on the net with
    close-in positions (:func:`close_in_positions`); the study itself is untouched. A study
    on an OpenDSS model (``model``, no net) gets the model with close-in buses
    (:func:`protv2g.network.dss_close_in.close_in_model`: the device's line split in the
    phase model at the device's end), each line device's ``far_bus`` its close-in bus and
    ``element_index`` its stub's row in the model's element table."""
    if getattr(study, "net", None) is None:
        model = getattr(study, "model", None)
        if model is None or not study.device_sites:
            return study
        from protv2g.network.dss_close_in import close_in_model

        ci = close_in_model(model, [(s.element_name, s.terminal, n)
                                    for n, s in study.device_sites.items()], distance_km)
        if not len(ci.table):
            return study
        row_of = {name: k for k, name in enumerate(ci.model.elements.name.to_numpy())}
        at = {(r.line, int(r.terminal)): (int(r.bus), row_of[r.section])
              for r in ci.table.itertuples()}
        sites = {}
        for n, s in study.device_sites.items():
            hit = at.get((s.element_name.lower(), int(s.terminal)))
            # the device measures its stub: far_bus its close-in bus, element_index the
            # stub's row (a terminal-2 stub of a line split at both ends is a new row); a
            # device on a transformer keeps the transformer's row (the element it guards)
            if hit is not None and s.element == "trafo":
                hit = (hit[0], s.element_index)
            sites[n] = s if hit is None else dataclasses.replace(
                s, far_bus=hit[0], element_index=hit[1])
        return dataclasses.replace(study, model=ci.model, device_sites=sites)
    pos = close_in_positions(study.net, study.device_sites, distance_km)
    return dataclasses.replace(study, net=pos.net, device_sites=pos.device_sites)


def close_in_study(study: Any, solved: tuple[Any, Any] | None) -> Any:
    """:func:`with_close_in_positions` of ``study``, taken from ``solved = (given, close_in)``
    (``FaultTables.close_in``: the study the fault tables were given and the close-in study
    they were solved on) when ``given`` has the same net and device places, else built. The
    close-in net is deterministic, so both give the same net (#21: one build per run instead
    of one per consumer, ≈ 0.25 s each at 3,000 buses). The device places are compared by
    value: a study with other settings on the same net (``recommend``'s candidates,
    :meth:`protv2g.study.loader.Study.with_updates`) has places of its own, equal — its
    close-in model and what is derived from it (the model without the sites' transformers,
    rec37: 51 OpenDSS compiles, ≈ 20 % of ``recommend``'s check time on EPRI J1) are then
    the fault tables' own, not built again."""
    given, done = solved or (None, None)
    if (given is not None and getattr(study, "net", None) is given.net
            and getattr(study, "model", None) is getattr(given, "model", None)
            and (study.device_sites is given.device_sites
                 or study.device_sites == given.device_sites)):
        if getattr(given, "net", None) is None and getattr(given, "model", None) is not None:
            return dataclasses.replace(study, model=done.model, device_sites=done.device_sites)
        return dataclasses.replace(study, net=done.net, device_sites=done.device_sites)
    return with_close_in_positions(study)
