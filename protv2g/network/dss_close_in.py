"""Close-in fault positions on an OpenDSS model: each device's line split just past it.

The phase-domain counterpart of :func:`protv2g.network.fault_positions.close_in_positions`
(option (a) of review s22: split the line in protv2g's own phase model). A device on a line
gets a *close-in bus* :data:`~protv2g.network.close_in_distance.CLOSE_IN_KM` (1 m; at most
:data:`~protv2g.network.close_in_distance.MAX_FRACTION_OF_LINE` of the line) past its terminal,
into the line (a device's forward direction is from its bus into its element,
:class:`protv2g.study.places.DeviceSite`, as on the pandapower path); a fault there is its
terminal fault. The split is at the device's own end: a device at terminal 2 gets a stub at
terminal 2, and a line with devices at both ends gets two stubs and a middle section (``~rest``),
each end's devices their own close-in bus. The bus is named after the devices
(:func:`~protv2g.network.close_in_distance.close_in_bus_name`, the pandapower path's name, in
lower case as every bus of an OpenDSS model: ``"f1 close-in"``).

How the line is split (OpenDSS's own line model, taken from its primitive admittance): an
OpenDSS line is a pi section (R. C. Dugan, *OpenDSS Reference Guide*, Line object: series
``Z·L``, half the shunt ``Y·L`` at each end), so its ``Yprim`` with conductor blocks
``[[Y11, Y12], [Y21, Y22]]`` gives the series admittance ``Ys = −Y12`` and the end shunts
``Y11 − Ys``, ``Y22 − Ys``. A section of fraction ``f`` of the line has series admittance
``Ys/f`` and end shunts ``f·(Y11 − Ys)`` and ``f·(Y22 − Ys)``; the stub (``f = d/L``) and the
rest (``1 − d/L``) in series are the original line's series impedance exactly, with its shunt
split in proportion. The model's ``y_s`` loses the line's ``Yprim`` and gains the sections'.

A device on a transformer (review rev33a W1: a transformer fuse must interrupt the fault at its
own terminal, not only the through-fault) gets a close-in bus too: the transformer cannot be
split, so its conductors at the device's terminal move to new nodes of a close-in bus, joined
to the bus's nodes by a stub ``"transformer.x~stub<t>"`` of
:func:`~protv2g.network.close_in_distance.transformer_stub_x_ohm` per conductor (purely
reactive, 1e-7 pu on the bus's voltage and 1 MVA: a fault there is the bus's fault to
< 0.1 %, at the bus's X/R). The stub is the device's section (``terminal_sections``; it carries
the transformer's current for every other fault), a ``line``-class row of the element table
(length 0) for the graph; the transformer's own entry (``element_overrides``, its table row's
buses) moves to the close-in bus, so the IEC 60909 corrections of its admittance
(:func:`protv2g.engine.phase.iec_transformers.transformer_changes`) and a base case without it
(:func:`protv2g.network.dss_site_transformers.without_elements`) follow it there.

Indices: the close-in buses and their nodes are appended after the model's own (node and bus
indices of the original model stay), so results at existing buses are unchanged up to the
rounding of the split. The pre-fault voltages at the new nodes (``v_oc_v``, ``v_pf_v``) are the
exact solution of Kirchhoff's current law there (no injection at a close-in node):
``V_new = −Y_nn⁻¹·Y_no·V_old``. The split line's ``element_y`` is its device-side section (the
device measures the stub), so device currents are the stub's: the line's own name answers for
its terminal-1 stub (or its only stub), and a terminal-2 stub of a line split at both ends is
``"line.x~stub2"``, which ``DssModel.element_y(name, terminal)`` returns for a device at
terminal 2 (``DssModel.terminal_sections``). Every section is also in the element table (the
line's row is its named stub, the others appended), so the feeder graph runs through it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from protv2g.network.close_in_distance import (
    CLOSE_IN_KM,
    MAX_FRACTION_OF_LINE,
    close_in_bus_name,
    transformer_stub_x_ohm,
)
from protv2g.network.dss_elements import ElementY

__all__ = ["CloseInModel", "TRANSFORMER_CLASSES", "close_in_model"]

#: OpenDSS element classes a device may sit on as a transformer (``location: {trafo: …}``).
TRANSFORMER_CLASSES = ("transformer", "autotrans")


@dataclasses.dataclass(frozen=True)
class CloseInModel:
    """A model with close-in buses and the table of them.

    Attributes
    ----------
    model : DssModel
        The new model (the original is untouched).
    table : DataFrame
        One row per close-in bus: ``bus`` (index in ``model.buses``), ``bus_name``,
        ``devices`` (``", "``-joined names given), ``line``, ``terminal``, ``section`` (the
        line section a device at that terminal measures: the line's own name, or
        ``"line.x~stub2"`` for the terminal-2 stub of a line split at both ends),
        ``near_bus`` (index), ``near_bus_name``, ``distance_km``.
    """

    model: Any
    table: pd.DataFrame


def _section(e: ElementY, f: float, nodes1: np.ndarray, nodes2: np.ndarray,
             name: str, buses: tuple[str, str]) -> ElementY:
    """Fraction ``f`` of line ``e`` between conductor nodes ``nodes1`` and ``nodes2``."""
    t1 = e.terminal == 1
    t2 = ~t1
    y11 = e.yprim_s[np.ix_(t1, t1)]
    y22 = e.yprim_s[np.ix_(t2, t2)]
    ys = -e.yprim_s[np.ix_(t1, t2)]
    y = np.block([[ys / f + f * (y11 - ys), -ys / f], [-ys / f, ys / f + f * (y22 - ys)]])
    return ElementY(name=name, buses=buses, node=np.concatenate([nodes1, nodes2]),
                    node_num=e.node_num.copy(), terminal=e.terminal.copy(), yprim_s=y)


def _scatter(e: ElementY, sign: float, rows: list, cols: list, vals: list) -> None:
    keep = e.node >= 0
    n = e.node[keep]
    y = e.yprim_s[np.ix_(keep, keep)] * sign
    r, c = np.meshgrid(n, n, indexing="ij")
    rows.append(r.ravel())
    cols.append(c.ravel())
    vals.append(y.ravel())


def close_in_model(model: Any, places: Iterable[tuple], distance_km: float = CLOSE_IN_KM
                   ) -> CloseInModel:
    """``model`` with a close-in bus past each (line, terminal) of ``places``.

    Parameters
    ----------
    model : DssModel
        From :func:`protv2g.network.dss_model.load_dss_model` (not modified).
    places : iterable of tuple
        ``(element, terminal)`` or ``(element, terminal, device name)`` of each device
        (``("line.la", 1, "f1")``); elements other than lines and transformers are skipped.
        Devices at one end of a line share one close-in bus; a line with devices at both ends
        gets a stub at each end (and a middle section). A transformer's terminal that carries
        a device moves to a close-in bus joined to its bus by a stub (module docstring).
    distance_km : float
        Device to close-in fault, km (at most ``MAX_FRACTION_OF_LINE`` of the line).

    Returns
    -------
    CloseInModel
    """
    if not distance_km > 0:
        raise ValueError(f"distance_km must be > 0, got {distance_km!r}")
    el = model.elements.set_index("name")
    ends: dict[str, dict[int, list[str]]] = {}
    xf_ends: dict[str, dict[int, list[str]]] = {}
    for place in places:
        name, term = str(place[0]).lower(), int(place[1])
        if name not in el.index or not bool(el.at[name, "enabled"]):
            continue
        into = ends if name.startswith("line.") else xf_ends if str(
            el.at[name, "cls"]) in TRANSFORMER_CLASSES else None
        if into is not None:
            names = into.setdefault(name, {}).setdefault(term, [])
            if len(place) > 2 and str(place[2]) not in names:
                names.append(str(place[2]))
    n0 = model.n_nodes
    node_names = list(model.node_names)
    node_bus = list(model.node_bus)
    node_num = list(model.node_num)
    new_bus_rows = []
    rows_tab = []
    rows: list = []
    cols: list = []
    vals: list = []
    overrides: dict[str, ElementY] = {}
    sections_at: dict[tuple[str, int], str] = {}
    extra: list[ElementY] = []
    nb = len(model.buses)
    elements = model.elements.copy()
    new_elements: list[dict] = []
    for line in sorted(ends):
        e = model.element_y(line)
        length = float(el.at[line, "length_km"])
        d = min(distance_km, MAX_FRACTION_OF_LINE * length) if length > 0 else distance_km
        f = d / length if length > 0 else MAX_FRACTION_OF_LINE
        t1 = e.terminal == 1
        ends_nodes = {1: e.node[t1], 2: e.node[~t1]}
        nums = {1: e.node_num[t1], 2: e.node_num[~t1]}
        new_nodes: dict[int, np.ndarray] = {}
        bus_name: dict[int, str] = {}
        for t in sorted(ends[line]):
            near = model.buses.index.get_loc(e.buses[t - 1])
            # lower case: every bus name of an OpenDSS model is (DssModel.bus_index)
            bname = bus_name[t] = close_in_bus_name(
                ends[line][t] or [f"{line.split('.', 1)[-1]} end {t}"]).lower()
            nodes = []
            for nd, num in zip(ends_nodes[t], nums[t], strict=True):
                if nd < 0:
                    nodes.append(-1)
                    continue
                nodes.append(len(node_names))
                node_names.append(f"{bname}.{int(num)}")
                node_bus.append(nb)
                node_num.append(int(num))
            new_nodes[t] = np.array(nodes, dtype=np.int64)
            row = model.buses.iloc[near].copy()
            row.name = bname
            on = [int(k) for k, nd in zip(nums[t], nodes, strict=True) if nd >= 0]
            row["phases"] = "".join(p for k, p in enumerate("abc", 1) if k in on)
            row["n_nodes"] = len(on)
            new_bus_rows.append(row)
            rows_tab.append({"bus": nb, "bus_name": bname, "devices": ", ".join(ends[line][t]),
                             "line": line, "terminal": t, "near_bus": int(near),
                             "near_bus_name": e.buses[t - 1], "distance_km": d})
            nb += 1
        _scatter(e, -1.0, rows, cols, vals)
        # sections from terminal 1 to 2: [stub at 1], rest, [stub at 2]; the line's own name
        # goes to its terminal-1 stub, else to its terminal-2 stub (the device's section)
        a_nodes = new_nodes.get(1, ends_nodes[1])
        b_nodes = new_nodes.get(2, ends_nodes[2])
        a_bus = bus_name.get(1, e.buses[0])
        b_bus = bus_name.get(2, e.buses[1])
        mid = 1.0 - f * len(new_nodes)
        stub2_name = f"{line}~stub2" if 1 in new_nodes else line
        chain = []
        if 1 in new_nodes:
            chain.append((_section(e, f, ends_nodes[1], a_nodes, line, (e.buses[0], a_bus)),
                          d, 1))
        chain.append((_section(e, mid, a_nodes, b_nodes, f"{line}~rest", (a_bus, b_bus)),
                      mid * length, 0))
        if 2 in new_nodes:
            chain.append((_section(e, f, b_nodes, ends_nodes[2], stub2_name,
                                   (b_bus, e.buses[1])), d, 2))
        row = int(np.flatnonzero(elements.name.to_numpy() == line)[0])
        base = elements.iloc[row].to_dict()
        for sec, sec_km, t in chain:
            _scatter(sec, 1.0, rows, cols, vals)
            overrides[sec.name] = sec
            if t:
                sections_at[(line, t)] = sec.name
            else:  # an end without a stub is the rest's (a device there measures the rest)
                for end in {1, 2} - set(new_nodes):
                    sections_at[(line, end)] = sec.name
            if sec.name == line:  # the element table follows (graph, zones): the line's row
                elements.at[elements.index[row], "buses"] = sec.buses  # becomes its section,
                elements.at[elements.index[row], "length_km"] = sec_km  # the others appended
            else:
                new_elements.append({**base, "name": sec.name, "buses": sec.buses,
                                     "length_km": sec_km})
            if sec.name != line:
                extra.append(sec)
        for r in rows_tab[len(rows_tab) - len(new_nodes):]:
            r["section"] = sections_at[(line, r["terminal"])]
    for xf in sorted(xf_ends):
        e = model.element_y(xf)
        node = e.node.copy()
        moved_buses = list(e.buses)
        row = int(np.flatnonzero(elements.name.to_numpy() == xf)[0])
        base = elements.iloc[row].to_dict()
        for t in sorted(xf_ends[xf]):
            near = model.buses.index.get_loc(e.buses[t - 1])
            bname = close_in_bus_name(
                xf_ends[xf][t] or [f"{xf.split('.', 1)[-1]} end {t}"]).lower()
            sel = np.flatnonzero((e.terminal == t) & (e.node >= 0))
            old_nodes = e.node[sel]
            nums = e.node_num[sel]
            new_nodes_t = np.arange(len(node_names), len(node_names) + len(sel))
            for num in nums:
                node_names.append(f"{bname}.{int(num)}")
                node_bus.append(nb)
                node_num.append(int(num))
            node[sel] = new_nodes_t
            moved_buses[t - 1] = bname
            bus_row = model.buses.iloc[near].copy()
            bus_row.name = bname
            on = [int(k) for k in nums if 1 <= int(k) <= 3]
            bus_row["phases"] = "".join(p for k, p in enumerate("abc", 1) if k in on)
            bus_row["n_nodes"] = len(sel)
            new_bus_rows.append(bus_row)
            stub = _transformer_stub(model, xf, t, near, old_nodes, new_nodes_t, nums,
                                     (e.buses[t - 1], bname))
            _scatter(stub, 1.0, rows, cols, vals)
            overrides[stub.name] = stub
            sections_at[(xf, t)] = stub.name
            new_elements.append({**base, "name": stub.name, "cls": "line", "buses": stub.buses,
                                 "length_km": 0.0})
            rows_tab.append({"bus": nb, "bus_name": bname, "devices": ", ".join(xf_ends[xf][t]),
                             "line": xf, "terminal": t, "near_bus": int(near),
                             "near_bus_name": e.buses[t - 1], "distance_km": 0.0,
                             "section": stub.name})
            nb += 1
        # the transformer itself, its device-side terminals on the close-in buses
        moved = dataclasses.replace(e, node=node, buses=tuple(moved_buses))
        _scatter(e, -1.0, rows, cols, vals)
        _scatter(moved, 1.0, rows, cols, vals)
        overrides[xf] = moved
        elements.at[elements.index[row], "buses"] = moved.buses
    columns = ["bus", "bus_name", "devices", "line", "terminal", "section", "near_bus",
               "near_bus_name", "distance_km"]
    n = len(node_names)
    if n == n0:
        return CloseInModel(model, pd.DataFrame(rows_tab, columns=columns))
    y = sp.block_diag([model.y_s, sp.csc_matrix((n - n0, n - n0), dtype=complex)],
                      format="csc")
    if rows:
        dy = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(n, n))
        y = (y + dy).tocsc()
    y.eliminate_zeros()
    old, new = np.arange(n0), np.arange(n0, n)
    y_nn = y[new][:, new].toarray()
    y_no = y[new][:, old]

    def _extend(v: np.ndarray) -> np.ndarray:
        return np.concatenate([v, -np.linalg.solve(y_nn, y_no @ v)])

    node_bus_a = np.asarray(node_bus, dtype=np.int64)
    near_node = np.array([_near(model, node_names[k], rows_tab) for k in range(n0, n)])
    energized = np.concatenate([model.energized, model.energized[near_node]])
    buses = pd.concat([model.buses, pd.DataFrame(new_bus_rows)])
    buses.index.name = model.buses.index.name
    lines = tuple(overrides.get(x.name, x) for x in model.lines()) + tuple(extra)
    elements = pd.concat([elements, pd.DataFrame(new_elements, columns=elements.columns)],
                         ignore_index=True)
    new_model = dataclasses.replace(
        model, node_names=np.array(node_names, dtype=object), node_bus=node_bus_a,
        node_num=np.asarray(node_num, dtype=np.int64), buses=buses, y_s=y,
        v_oc_v=_extend(model.v_oc_v), v_pf_v=_extend(model.v_pf_v), energized=energized,
        inverter_j_a=None if model.inverter_j_a is None else tuple(  # no unit on a new node
            np.concatenate([j, np.zeros(n - n0, dtype=complex)]) for j in model.inverter_j_a),
        elements=elements, _lines=lines, element_overrides=overrides,
        terminal_sections={k: v for k, v in sections_at.items() if v != k[0]})
    return CloseInModel(new_model, pd.DataFrame(rows_tab, columns=columns))


def _transformer_stub(model: Any, xf: str, terminal: int, near: int, old_nodes: np.ndarray,
                      new_nodes: np.ndarray, nums: np.ndarray, buses: tuple[str, str]
                      ) -> ElementY:
    """The stub between transformer ``xf``'s bus at ``terminal`` (conductor nodes
    ``old_nodes``) and its close-in bus (``new_nodes``): each conductor a reactance of
    :func:`~protv2g.network.close_in_distance.transformer_stub_x_ohm` at the bus's voltage, no
    coupling, no shunt (so ``Z0 = Z1``). Its terminal ``terminal`` is at the bus, as the
    transformer's was (a device there measures it from its bus), named ``"<xf>~stub<t>"``."""
    kv = float(model.buses.kv_ll.iat[near])
    if not kv > 0:  # no voltage base in the model: the pre-fault voltage's
        v = np.abs(model.v_oc_v[old_nodes]) if len(old_nodes) else np.zeros(0)
        kv = float(np.sqrt(3.0) * v.max() / 1e3) if len(v) and v.max() > 0 else 1.0
    y = np.eye(len(old_nodes)) / (1j * transformer_stub_x_ohm(kv))
    ends = [old_nodes, new_nodes] if terminal == 1 else [new_nodes, old_nodes]
    k = len(old_nodes)
    return ElementY(name=f"{xf}~stub{terminal}",
                    buses=buses if terminal == 1 else (buses[1], buses[0]),
                    node=np.concatenate(ends).astype(np.int64),
                    node_num=np.concatenate([nums, nums]).astype(np.int64),
                    terminal=np.repeat(np.array([1, 2], dtype=np.int64), k),
                    yprim_s=np.block([[y, -y], [-y, y]]))


def _near(model: Any, node_name: str, tab: list[dict]) -> int:
    """The original node a close-in node sits next to (same conductor number)."""
    bus, num = node_name.rsplit(".", 1)
    near_bus = next(r["near_bus_name"] for r in tab if r["bus_name"] == bus)
    hit = np.flatnonzero(model.node_names == f"{near_bus}.{num}")
    return int(hit[0]) if len(hit) else 0
