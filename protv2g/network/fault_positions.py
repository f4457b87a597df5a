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

The caller's net is never modified. Existing buses and lines keep their indices and names;
new buses and line segments are appended (indices after the last), so results at existing
buses, site buses and the flow tables of the original net still line up. Devices on
transformers get no close-in bus (a transformer cannot be split; their terminal fault is the
fault at their bus plus what flows back through them, and is reported as not created).

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
        """Device name → its close-in bus (devices on transformers are absent)."""
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
    notes = []
    for name, site in device_sites.items():
        if site.element != "line":
            notes.append({"bus": np.nan, "bus_name": "", "position": "not_created",
                          "devices": name, "line": "", "line_index": np.nan,
                          "near_bus": int(site.bus),
                          "near_bus_name": str(net.bus.at[site.bus, "name"]),
                          "distance_km": np.nan,
                          "note": f"device on a {site.element}: a transformer cannot be split; "
                                  "its terminal fault is not computed"})
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
    add.flush()
    table = pd.DataFrame(rows + notes, columns=POSITION_COLUMNS)
    return FaultPositions(work, sites, table)


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
            # stub's row (a terminal-2 stub of a line split at both ends is a new row)
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
    of one per consumer, ≈ 0.25 s each at 3,000 buses)."""
    given, done = solved or (None, None)
    if (given is not None and getattr(study, "net", None) is given.net
            and getattr(study, "model", None) is getattr(given, "model", None)
            and study.device_sites is given.device_sites):
        if getattr(given, "net", None) is None and getattr(given, "model", None) is not None:
            return dataclasses.replace(study, model=done.model, device_sites=done.device_sites)
        return dataclasses.replace(study, net=done.net, device_sites=done.device_sites)
    return with_close_in_positions(study)
