"""The topology tables of a pandapower JSON file, read without importing pandapower.

``protv2g validate`` checks device locations, V2G site buses and supply against the feeder.
Those checks need only the names and connections of buses, lines, transformers, switches and
sources, not a pandapower net (whose import costs seconds: pandapower, numba, matplotlib).
:func:`feeder_tables_from_document` reads exactly those tables from the decoded file
(:func:`protv2g.network.sources.checked_json`: the same safety checks as a full load), and
:func:`unsupplied_buses` finds the in-service buses with no path to a source, by the same
rules as ``pandapower.topology.unsupplied_buses`` (``respect_switches=True``; tested against
it in ``tests/test_validate_light.py``).

A file whose tables this reader does not understand (another JSON layout, or elements that
connect buses in ways it does not model: DC lines, TCSCs, VSCs, DC buses) gives None, and the
caller loads the full net with pandapower instead.

Examples
--------
>>> _, document = checked_json(Path("feeders/depot_two_feeder/feeder.json"))  # doctest: +SKIP
>>> tables = feeder_tables_from_document(document)  # doctest: +SKIP
>>> sorted(unsupplied_buses(tables))  # doctest: +SKIP
[]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FeederTables", "element_frames", "feeder_tables_from_document", "unsupplied_buses"]

#: Tables read and the columns each must have (pandapower's element tables).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "bus": ("name", "in_service"),
    "line": ("name", "from_bus", "to_bus", "in_service"),
    "trafo": ("name", "hv_bus", "lv_bus", "in_service"),
    "trafo3w": ("hv_bus", "mv_bus", "lv_bus", "in_service"),
    "impedance": ("from_bus", "to_bus", "in_service"),
    "switch": ("name", "bus", "element", "et", "closed"),
    "ext_grid": ("bus", "in_service"),
    "gen": ("bus", "in_service", "slack"),
}
#: Elements that connect buses but are not modelled here: a net using any → None.
_UNMODELLED = ("dcline", "tcsc", "vsc", "line_dc", "bus_dc")


@dataclass(frozen=True)
class FeederTables:
    """The element tables of a pandapower net that validation reads (same index and columns
    as ``net.bus``, ``net.line``, …), standing in for the net (attribute access)."""

    bus: pd.DataFrame
    line: pd.DataFrame
    trafo: pd.DataFrame
    trafo3w: pd.DataFrame
    impedance: pd.DataFrame
    switch: pd.DataFrame
    ext_grid: pd.DataFrame
    gen: pd.DataFrame
    #: the loads as the file holds them (all its columns), None when it has no readable
    #: ``load`` table; read by the plausibility warnings of ``protv2g validate``
    #: (:mod:`protv2g.study.plausibility`), not by the topology checks
    load: pd.DataFrame | None = None
    #: the net's frequency, Hz (``net.f_hz``; pandapower's default 50 when the file has none)
    f_hz: float = 50.0


def _frame(entry: Any) -> pd.DataFrame | None:
    """A DataFrame as pandapower's JSON stores it (``orient="split"``), or None."""
    if not isinstance(entry, dict) or entry.get("_class") != "DataFrame":
        return None
    if entry.get("orient", "split") != "split" or entry.get("is_multiindex") \
            or entry.get("is_multicolumn"):
        return None
    body = entry.get("_object")
    try:
        split = json.loads(body) if isinstance(body, str) else body
        return pd.DataFrame(split["data"], index=split["index"], columns=split["columns"])
    except (ValueError, KeyError, TypeError):
        return None


def feeder_tables_from_document(document: Any) -> FeederTables | None:
    """The tables from a decoded pandapower JSON document, or None when not understood."""
    if not isinstance(document, dict) or document.get("_class") != "pandapowerNet":
        return None
    body = document.get("_object")
    if not isinstance(body, dict):
        return None
    for name in _UNMODELLED:
        if name in body:
            frame = _frame(body[name])
            if frame is None or len(frame):
                return None
    tables = {}
    for name, columns in _COLUMNS.items():
        frame = _frame(body[name]) if name in body else pd.DataFrame(columns=list(columns))
        if frame is None or not set(columns) <= set(frame.columns):
            return None
        tables[name] = frame
    load = _frame(body["load"]) if "load" in body else None
    try:
        f_hz = float(body.get("f_hz", 50.0))
    except (TypeError, ValueError):
        f_hz = 50.0
    return FeederTables(**tables, load=load, f_hz=f_hz)


def element_frames(document: Any, names: Any) -> dict[str, pd.DataFrame]:
    """The tables ``names`` of a decoded pandapower JSON document that it holds and this reader
    understands (others left out): for checks beyond the topology (a dangling ``sgen`` bus,
    :mod:`protv2g.network.net_references`)."""
    body = document.get("_object") if isinstance(document, dict) else None
    if not isinstance(body, dict):
        return {}
    frames = {name: _frame(body[name]) for name in names if name in body}
    return {name: f for name, f in frames.items() if f is not None}


def _in_service(frame: pd.DataFrame) -> np.ndarray:
    return frame["in_service"].fillna(False).to_numpy(dtype=bool)


def unsupplied_buses(net: Any) -> set[int]:
    """In-service buses with no path to an in-service external grid or slack generator.

    Parameters
    ----------
    net : pandapowerNet or FeederTables
        Reads ``bus``, ``line``, ``trafo``, ``trafo3w``, ``impedance``, ``switch``,
        ``ext_grid`` and ``gen``.

    Returns
    -------
    set of int
        Bus indices.

    Notes
    -----
    The rules of ``pandapower.topology.unsupplied_buses(net)`` (``create_nxgraph`` with
    ``respect_switches=True``): in-service lines, impedances, transformers and three-winding
    transformers connect their buses unless an open switch sits on them (a three-winding
    transformer loses only the open switch's winding); closed bus–bus switches connect their
    buses; out-of-service buses are removed. Components are found by union–find.
    """
    bus_index = [int(b) for b in net.bus.index]
    parent = {b: b for b in bus_index}

    def find(b: int) -> int:
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        return b

    live = {b for b, on in zip(bus_index, _in_service(net.bus), strict=True) if on}

    def join(a: int, b: int) -> None:
        if a in live and b in live:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb

    sw = net.switch
    open_sw = ~sw["closed"].fillna(False).to_numpy(dtype=bool)
    et = sw["et"].astype(str).to_numpy()
    element = sw["element"].to_numpy()
    open_lines = {int(e) for e in element[(et == "l") & open_sw]}
    open_trafos = {int(e) for e in element[(et == "t") & open_sw]}
    open_t3 = {(int(e), int(b)) for e, b in zip(element[(et == "t3") & open_sw],
                                                sw["bus"].to_numpy()[(et == "t3") & open_sw],
                                                strict=True)}
    for name, a_col, b_col, opened in (("line", "from_bus", "to_bus", open_lines),
                                       ("impedance", "from_bus", "to_bus", set()),
                                       ("trafo", "hv_bus", "lv_bus", open_trafos)):
        table = getattr(net, name)
        if not len(table):
            continue
        for idx, a, b, on in zip(table.index, table[a_col], table[b_col], _in_service(table),
                                 strict=True):
            if on and int(idx) not in opened:
                join(int(a), int(b))
    t3 = net.trafo3w
    if len(t3):
        for idx, hv, mv, lv, on in zip(t3.index, t3["hv_bus"], t3["mv_bus"], t3["lv_bus"],
                                       _in_service(t3), strict=True):
            if not on:
                continue
            hv, mv, lv = int(hv), int(mv), int(lv)
            kept = [b for b in (hv, mv, lv) if (int(idx), b) not in open_t3]
            # pandapower's edges: hv–mv, hv–lv, mv–lv, each dropped when either end is opened
            for x, y in ((hv, mv), (hv, lv), (mv, lv)):
                if x in kept and y in kept:
                    join(x, y)
    for a, b, kind, is_open in zip(sw["bus"], element, et, open_sw, strict=True):
        if kind == "b" and not is_open:
            join(int(a), int(b))
    slacks = {int(b) for b in net.ext_grid["bus"][_in_service(net.ext_grid)]}
    gen = net.gen
    if len(gen):
        slack_gen = _in_service(gen) & gen["slack"].fillna(False).to_numpy(dtype=bool)
        slacks |= {int(b) for b in gen["bus"][slack_gen]}
    fed = {find(b) for b in slacks if b in live}
    return {b for b in live if find(b) not in fed}
