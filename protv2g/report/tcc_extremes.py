"""Each device's largest and smallest fault current in its own zone, base case and with V2G,
for the markers of the TCC plots (:mod:`protv2g.report.tcc_sheets`).

A device's zone is the buses from its far bus to the next devices downstream, on the feeder
tree of the result (:func:`protv2g.report.feeder_graph.device_edges`), and the device's own
close-in bus (:mod:`protv2g.network.fault_positions`: a fault just past it, the largest
current through it and the fault where the C1–C4 intervals of its pairs are drawn; review
rev39b M2: the ▲ left it out, FU-F1-LAT2's at 1,339 A against its close-in 1,736 A). The
device table is read through its coded key columns
(:func:`protv2g.report.elements.fault_key_codes`), not as text (#21: 1.8 M rows at 10,000
buses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd

from protv2g.devices.models import Fuse
from protv2g.network.close_in_distance import close_in_bus_name
from protv2g.report.elements import ColumnCoding, cell_codes, fault_key_codes
from protv2g.report.fault_keys import coded_rows
from protv2g.report.feeder_graph import device_edges
from protv2g.report.feeder_tree import FeederTree, feeder_tree
from protv2g.report.tcc_intervals import GROUND_TYPES, PHASE_TYPES, fault_kind
from protv2g.result_rows import DeviceRows, device_rows

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.report.tcc_sheets import TccPlan
    from protv2g.result import StudyResult

__all__ = ["device_extremes"]


def _zones(graph: nx.Graph, settings: pd.DataFrame, tree: FeederTree | None = None,
           edges: dict[str, tuple[str, str]] | None = None) -> dict[str, set[str]]:
    """Device → the buses of its own zone (from its far bus to the next devices).

    ``tree`` (:func:`~protv2g.report.feeder_tree.feeder_tree` of ``graph``) and ``edges``
    (:func:`~protv2g.report.feeder_graph.device_edges`): the caller's, else made here.
    """
    tree = feeder_tree(graph) if tree is None else tree
    edges = device_edges(graph, settings) if edges is None else edges
    # each device's buses below as a slice of the tree's pre-order (start, stop), or a lone
    # bus off the tree; a device's far bus is mostly below its near bus (#21: a breadth-first
    # walk of the 10,000-bus tree per device, and set comparisons of their buses, before)
    below: dict[str, tuple[int, int] | str] = {}
    for name, (near, far) in edges.items():
        start = far if far in tree and near in tree and tree.is_below(near, far) else near
        below[name] = ((tree.first[start], tree.first[start] + tree.size[start])
                       if start in tree else start)
    preorder = np.array(tree.preorder, dtype=object)
    zones = {}
    for name, span in below.items():
        if isinstance(span, str):  # off the tree: no other device's buses lie inside it
            zones[name] = {span}
            continue
        lo, hi = span
        keep = np.ones(hi - lo, dtype=bool)
        for other, o in below.items():
            # another device's buses strictly inside these: a nested, smaller slice (subtrees
            # are nested or apart)
            if other != name and not isinstance(o, str) and lo <= o[0] and o[1] <= hi \
                    and o != span:
                keep[o[0] - lo: o[1] - lo] = False
        zones[name] = set(preorder[lo:hi][keep].tolist())
    return zones


def close_in_devices(bus_names: list[str], devices: list[str]) -> dict[str, set[str]]:
    """Device → its close-in buses among ``bus_names``: the buses named by
    :func:`~protv2g.network.close_in_distance.close_in_bus_name` after devices of ``devices``
    (``"R1 close-in"``, ``"F1 + F1b close-in"``; an OpenDSS model's in lower case, so
    matched without case).

    Examples
    --------
    >>> close_in_devices(["B1", "F1 + F1b close-in", "r1 close-in"], ["R1", "F1", "F1b"])
    {'F1': {'F1 + F1b close-in'}, 'F1b': {'F1 + F1b close-in'}, 'R1': {'r1 close-in'}}
    """
    suffix = close_in_bus_name([])  # " close-in"
    joint = close_in_bus_name(["", ""])[: -len(suffix)]  # " + ", between the devices' names
    by_lower = {d.lower(): d for d in devices}
    out: dict[str, set[str]] = {}
    for bus in bus_names:
        if not bus.lower().endswith(suffix.lower()):
            continue
        named = [by_lower.get(n.lower()) for n in bus[: -len(suffix)].split(joint)]
        if all(named):
            for d in named:
                out.setdefault(str(d), set()).add(bus)
    return dict(sorted(out.items()))


def device_extremes(result: StudyResult, plan: TccPlan,
                    coded: dict[str, ColumnCoding] | None = None
                    ) -> dict[tuple[str, str], dict[str, float]]:
    """(device, family) → ``max_base``, ``max_v2g``, ``min_base``, ``min_v2g`` (A).

    Phase family: the device's largest phase current for 3ph/LL faults in its zone, its
    close-in fault included (:func:`close_in_devices`; max case) and the smallest for such
    faults (min case); ground family: 3I0 for SLG/LLG faults (a
    fuse: its phase current). A fuse's phase family counts its SLG/LLG faults too: it has
    one curve, which any fault's phase current melts (review rev40a: IEEE 8500's
    ln5683833-1, on a lateral with SLG faults only, had no marker on its phase TCC; its
    775 A SLG fault only on the ground one). Base = the base-case scenarios; V2G = the
    largest (max) or smallest (min) over the scenarios with V2G. ``coded``: the device
    table's key columns coded (:func:`protv2g.report.elements.fault_key_codes`), when the
    caller made them.
    """
    held = device_rows(result)  # the held rows while the result holds them (held36, #21)
    f = held.faults
    if plan.graph is None or f is None or f.empty:
        return {}
    zones = _zones(plan.graph, result.settings, plan.tree, plan.edges)
    s = result.scenarios
    base = set(s.loc[s["is_base"].astype(bool), "scenario"].astype(str)) if "is_base" in s \
        else set()
    # the device table's text columns as codes of their distinct texts (#21: each written
    # as text for all 1.8 M rows of the 10,000-bus study, and the zones matched by a
    # MultiIndex of (device, bus) texts: ≈ 5 s of the workbook's critical path, before the
    # first TCC can be queued), the fault index's codes (coded once, mostly by runs: #21,
    # text_codes of these five columns again cost ≈ 0.3 s CPU at 10,000 buses)
    if coded is None or coded_rows(coded) != len(f):
        coded = fault_key_codes(result)
    # per-cell codes in the smallest integer type and per-cell masks made from each
    # distinct text's (#21, 10,000 buses: four int64 columns and two float columns of all
    # 1.8 M rows were +76 MiB RSS, the workbook's peak; now only the rows kept are read)
    dev, dev_t = _cells(coded["device"])
    bus, bus_t = cell_codes(coded["fault_bus_name"])
    case, case_t = _cells(coded["case"])
    type_t, scen_t = coded["fault_type"][1], coded["scenario"][1]
    # each row on the base side and/or the V2G side: a held row is the row of each of its
    # scenarios (its twins may be base cases and scenarios with V2G; max/min over repeated
    # rows are the same), a row of every scenario's table the row of its own
    shown = held.shown_as(scen_t.tolist())
    on_base = _mask(coded["scenario"], [any(t in base for t in ts) for ts in shown])
    on_v2g = _mask(coded["scenario"], [any(t not in base for t in ts) for ts in shown])
    bus_code = {t: k for k, t in enumerate(bus_t.tolist())}
    for name, buses in close_in_devices(list(bus_code), dev_t.tolist()).items():
        zones[name] = zones.get(name, set()) | buses
    zone = np.zeros((len(dev_t), len(bus_t)), dtype=bool)
    for d, name in enumerate(dev_t.tolist()):
        zone[d, [bus_code[b] for b in zones.get(name, ()) if b in bus_code]] = True
    in_zone = zone[dev, bus]
    in_zone &= np.array([t in ("max", "min") for t in case_t.tolist()], dtype=bool)[case]
    fuses = {n for n, m in plan.models.items() if isinstance(m, Fuse)}
    is_fuse = np.array([t in fuses for t in dev_t.tolist()], dtype=bool)
    found: dict[tuple[str, str, str, bool], tuple[float, float]] = {}
    # matched on the bare kind: the OpenDSS path names the faulted phases (``LL-ab``,
    # ``SLG-a``, :func:`protv2g.pipeline_dss.fold_fault_type`); review s21 (EPRI J1): matched
    # on the label, only its 3ph rows counted — the phase TCC's minimum-fault marker was the
    # smallest 3ph fault, not the smallest LL one, and the ground TCC had no markers
    kinds = [fault_kind(t) for t in type_t.tolist()]
    # a ground fault at a bus with no path to ground draws no fault current: what a device
    # "sees" there is the chargers' own current, no zone fault to mark (review rev36a M2: the
    # F-DEPOT TCC's 54 A "minimum zone fault" on a depot's delta 480 V bus; C5 judges no
    # ground fault there either, :mod:`protv2g.checks.reach_ungrounded`)
    ungrounded = set(result.meta.get("ungrounded_buses") or ())
    grounded = np.array([t not in ungrounded for t in bus_t.tolist()], dtype=bool)
    for fam, types in (("phase", PHASE_TYPES), ("ground", GROUND_TYPES)):
        chosen = in_zone & _mask(coded["fault_type"], [k in types for k in kinds]) \
            & (grounded[bus] if fam == "ground" else True)
        if fam == "phase":  # a fuse's ground faults, at grounded buses, on its phase TCC
            # (the masks or-ed, not ``np.union1d`` of their rows: the same sorted rows, #21,
            # 10,000 buses: NumPy 2.4's hashed ``unique`` 0.05 s of this function's 0.09 s)
            chosen |= in_zone & is_fuse[dev] & grounded[bus] & _mask(
                coded["fault_type"], [k in GROUND_TYPES for k in kinds])
        rows = np.flatnonzero(chosen)
        # the largest phase current, column by column, at the rows (not a 3-column copy)
        i_phase = np.maximum(f["ia_ka"].to_numpy(float)[rows], f["ib_ka"].to_numpy(float)[rows])
        np.maximum(i_phase, f["ic_ka"].to_numpy(float)[rows], out=i_phase)
        i_phase *= 1000.0
        value = i_phase if fam == "phase" else np.where(
            is_fuse[dev[rows]], i_phase, 1000.0 * f["i3i0_ka"].to_numpy(float)[rows])
        keep = value > 1e-6
        rows, value = rows[keep], value[keep]
        side_b, side_v = on_base[rows], on_v2g[rows]
        rows = np.concatenate([rows[side_b], rows[side_v]])
        value = np.concatenate([value[side_b], value[side_v]])
        is_base = np.repeat([1, 0], [int(side_b.sum()), int(side_v.sum())])
        key = (dev[rows].astype(np.int64) * len(case_t) + case[rows]) * 2 + is_base
        seen = pd.Series(value).groupby(key, sort=False)
        for k, hi, lo in zip(seen.max().index.to_numpy(), seen.max().to_numpy(float),
                             seen.min().to_numpy(float), strict=True):
            d, rest = divmod(int(k), 2 * len(case_t))
            found[(str(dev_t[d]), fam, str(case_t[rest // 2]), bool(rest % 2))] = (hi, lo)
    out: dict[tuple[str, str], dict[str, float]] = {}
    for name in _first_seen(dev, dev_t, coded["scenario"], held).tolist():
        if not zones.get(name):
            continue
        for fam in ("phase", "ground"):
            vals: dict[str, float] = {}
            for case_name, pick in (("max", 0), ("min", 1)):
                for base_row, who in ((True, "base"), (False, "v2g")):
                    hit = found.get((name, fam, case_name, base_row))
                    if hit is not None:
                        vals[f"{case_name}_{who}"] = float(hit[pick])
            out[(str(name), fam)] = vals
    return out


def _first_seen(dev: np.ndarray, dev_t: np.ndarray, scenario: ColumnCoding,
                held: DeviceRows) -> np.ndarray:
    """The devices (texts) in the order they first appear in the table of every scenario:
    ``dev`` the codes of the rows read (held or every scenario's), ``scenario`` their
    scenario column coded. The table of every scenario is the held blocks in the map's
    order (a repeated block shows no new device), so the held rows are read block by block
    in the order their scenarios are first used."""
    if held.twin_of is None or not len(dev):
        order = dev
    else:
        codes, texts = cell_codes(scenario)
        rank = {}
        for name in held.twin_of.values():
            rank.setdefault(name, len(rank))
        block = np.array([rank.get(t, len(rank)) for t in texts.tolist()], dtype=np.int64)
        at = block[codes]
        order = dev if bool(np.all(at[1:] >= at[:-1])) else dev[np.argsort(at, kind="stable")]
    return dev_t[pd.unique(order)]


def _cells(coded: ColumnCoding) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~protv2g.report.elements.cell_codes` in the smallest integer type that holds
    the codes (runs expanded: a quarter or an eighth of int64's bytes)."""
    codes, texts, lengths = coded
    if lengths is None:
        return codes, texts
    return np.repeat(codes.astype(np.min_scalar_type(max(len(texts) - 1, 0))), lengths), texts


def _mask(coded: ColumnCoding, per_text: list[bool]) -> np.ndarray:
    """Per cell of a coded column, ``per_text`` of its text (bool, runs expanded)."""
    codes, _, lengths = coded
    hit = np.array(per_text, dtype=bool)[codes]
    return hit if lengths is None else np.repeat(hit, lengths)
