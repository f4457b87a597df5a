"""Reach zones: which buses of a device's zones it must reach, and at which level.

One rule for C5 (:mod:`protv2g.checks.sensitivity`, through :mod:`protv2g.checks.reach_zone`)
and for init's drafted head relay (:func:`protv2g.study_draft.head_relay.propose_relay`: its
"minimum fault in the primary zone"), so that the check and the draft judge the same buses.

The rule (IEEE Std C37.230-2020 §6.2: a feeder device's reach runs to the end of its line
section; a transformer's secondary is the transformer protection's zone):

* A **step transformer** is an in-service transformer (autotransformer) between buses of
  different voltage bases — an MV/MV step-down, a service transformer, whatever its LV
  voltage; a regulator (equal bases) is not one. It is *guarded* when a device of the study
  sits on it (:attr:`DeviceSite.element` ``trafo``): the topology already makes that device
  the primary device behind it (:func:`protv2g.topology.device_zones`).
* An **unguarded** step transformer stands for its own protection, which the model does not
  hold (a primary fuse or breaker: ckt24's 34.5/13.2 kV steps, every service transformer):
  behind it the topology's zone ranks move down by one — the device's *primary* zone ends
  at the transformer, the buses behind it are its **backup** zone (C5: ``warn`` below 1.2 ×
  pickup), and a device's backup zone ends there (a second-level backup is nobody's
  requirement). A backup row behind a step transformer is judged by the device's more
  sensitive element (``either_element``): a ground fault behind a delta or ungrounded
  winding sends no ``3I0`` to the device (the engine gives ≈ 0 A there), its phase element
  is what can see it — S&C Electric (C. J. Cook, J. K. Niemira), "Overcurrent protection of
  transformers: traditional and new fusing philosophies", Part 2, Table 1: primary line
  currents for secondary faults by connection (phase-to-ground on a Δ-Y unit: 0.58 pu on
  two lines, no residual).
* **Low voltage** (at or below :data:`LOW_VOLTAGE_KV`) is never a requirement of a device on a
  medium-voltage bus, not even as backup: a secondary is the transformer fuse's and the
  customer main breaker's (as before this rule; IEEE 8500: 3,224 of 6,562 zone rows) — except
  the transformer fuse's own: the far bus of a device on a transformer (its secondary
  terminals, a fault bus of every study since review rev32a W2) is in its primary zone, where
  a transformer fuse must melt for a bolted secondary fault (the through-fault it protects the
  transformer against: IEEE Std C57.109-2018, IEEE Std C37.48.1; recalled); the buses past
  the terminals (service drops, an LV network) stay nobody's requirement.
* A bus of unknown voltage keeps its rank: never a silent pass.

A transformer's own device (a fuse on it) keeps the transformer's secondary in its primary
zone: the transformer is its protected element, not one below it. On a study with close-in
positions its far bus is its close-in bus (the fault at its own terminal, review rev33a W1,
:mod:`protv2g.network.fault_positions`): the transformer's other terminals stay its
requirement, and so does the close-in bus — the fault between the device and the winding is in
its zone and nobody else's (review rev37a F8, EPRI ckt5: F-DEPOT 140K saw 284–357 A for a 20 Ω
SLG fault at its own terminal, under its 372 A maximum-melt asymptote: the feeder head's 51G
tripped the whole feeder for a fault in the project's transformer, and no check said so; before
this rule the close-in bus was no requirement, "a 20 Ω fault at its bushing is for the upstream
devices to see" — seeing it is not clearing it selectively). Its maximum-case bolted fault there
is also its duty (C7) and the top of its coordination ranges.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandapower as pp

from protv2g.network.dss_model import DssModel
from protv2g.topology import source_buses, source_trees
from protv2g.topology_tree import SourceTree, feeder_edges

__all__ = ["LOW_VOLTAGE_KV", "PRIMARY", "BACKUP", "StepPaths", "bus_kv", "first_step_behind",
           "reach_zones", "step_counts", "step_paths", "transformer_names"]

#: Upper limit of low voltage, kV (a.c., IEC 60038:2009 / IEC 60050-601: up to 1 kV).
LOW_VOLTAGE_KV = 1.0
#: Relative difference of two voltage bases above which a transformer between them steps
#: the voltage (bases are discrete: a regulator's are equal).
STEP_RTOL = 1e-3
PRIMARY, BACKUP = "primary", "backup"
_RANKS = np.array([PRIMARY, BACKUP, ""], dtype=object)


def _vn_kv(feeder: pp.pandapowerNet | DssModel) -> tuple[np.ndarray, np.ndarray]:
    """``(bus ids, kV)``: every bus's line-to-line voltage base."""
    if isinstance(feeder, DssModel):
        kv = feeder.buses.kv_ll.to_numpy(dtype=float)
        return np.arange(len(kv), dtype=np.int64), kv
    return feeder.bus.index.to_numpy(np.int64), feeder.bus.vn_kv.to_numpy(dtype=float)


def _transformer_ends(feeder: pp.pandapowerNet | DssModel
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(a, b, element index)`` of every in-service transformer's winding pairs (the first
    winding's bus to each other one, as the feeder graph joins them)."""
    if isinstance(feeder, DssModel):
        e = feeder.elements
        pick = (e.enabled.to_numpy(bool) & e.closed.to_numpy(bool)
                & e.cls.isin(("transformer", "autotrans")).to_numpy())
        where = {str(n): i for i, n in enumerate(feeder.buses.index)}
        a, b, row = [], [], []
        for k in np.flatnonzero(pick).tolist():
            ends = [where.get(str(x), -1) for x in e.buses.iat[k]]
            for other in ends[1:]:
                if ends[0] >= 0 and other >= 0 and other != ends[0]:
                    a.append(ends[0])
                    b.append(other)
                    row.append(k)
        return (np.array(a, dtype=np.int64), np.array(b, dtype=np.int64),
                np.array(row, dtype=np.int64))
    tr = feeder.trafo
    on = tr.in_service.to_numpy().astype(bool)
    return (tr.hv_bus.to_numpy(np.int64)[on], tr.lv_bus.to_numpy(np.int64)[on],
            tr.index.to_numpy(np.int64)[on])


def _trees(feeder: pp.pandapowerNet | DssModel) -> list[SourceTree]:
    sources = dict(sorted(source_buses(feeder).items()))
    return [tree for _, _, tree in source_trees(feeder, feeder_edges(feeder), sources)]


def step_counts(feeder: pp.pandapowerNet | DssModel, device_sites: Mapping[str, Any],
                steps: StepPaths | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Unguarded step transformers between the substation and every bus.

    Returns
    -------
    (buses, count) : numpy.ndarray
        Ascending bus ids (pandapower indices or OpenDSS bus positions) reached from a
        substation source, and ``(n,)`` int: the unguarded step transformers on the path from
        the source (the first source, by name, that reaches the bus). ``steps``: the
        feeder's :func:`step_paths` when the caller has them (not walked again).
    """
    steps = steps if steps is not None else _step_paths(feeder, device_sites)
    return steps.buses, steps.count


class _StepPaths(NamedTuple):
    """The unguarded step transformers on every bus's substation path (:func:`_step_paths`).

    ``buses`` ascending ids; per bus ``count`` (how many) and ``nearest`` (the transformer
    element nearest the bus on the path, ``-1`` for none); per transformer element (keys of
    ``count_at``/``above``): the count at its far end (itself included) and the next one
    up its path (``-1``)."""

    buses: np.ndarray
    count: np.ndarray
    nearest: np.ndarray
    count_at: dict[int, int]
    above: dict[int, int]


#: The public name of :class:`_StepPaths` (what :func:`step_paths` returns).
StepPaths = _StepPaths


def step_paths(feeder: pp.pandapowerNet | DssModel, device_sites: Mapping[str, Any]
               ) -> _StepPaths:
    """The unguarded step transformers on every bus's substation path, walked once: what
    :func:`first_step_behind`, :func:`reach_zones` and :func:`step_counts` read (their
    ``steps``; #21: the checks walked the source trees twice, for C5's zones and for the
    pairs behind a transformer)."""
    return _step_paths(feeder, device_sites)


def _step_paths(feeder: pp.pandapowerNet | DssModel, device_sites: Mapping[str, Any]
                ) -> _StepPaths:
    """:class:`_StepPaths` of ``feeder`` (module docstring: step, unguarded)."""
    ids, kv = _vn_kv(feeder)
    kv_of = dict(zip(ids.tolist(), kv.tolist(), strict=True))
    a, b, element = _transformer_ends(feeder)
    guarded = {int(s.element_index) for s in device_sites.values()
               if str(s.element) == "trafo"}
    ka = np.array([kv_of.get(x, np.nan) for x in a.tolist()], dtype=float)
    kb = np.array([kv_of.get(x, np.nan) for x in b.tolist()], dtype=float)
    step = ((ka > 0) & (kb > 0) & (np.abs(ka - kb) > STEP_RTOL * np.fmax(ka, kb))
            & ~np.isin(element, np.array(sorted(guarded), dtype=np.int64)))
    a, b, element = a[step], b[step], element[step]
    counts: dict[int, int] = {}
    nearest: dict[int, int] = {}
    count_at: dict[int, int] = {}
    above: dict[int, int] = {}
    for tree in _trees(feeder):
        nodes = tree.nodes
        pa = np.searchsorted(nodes, a).clip(0, max(len(nodes) - 1, 0))
        pb = np.searchsorted(nodes, b).clip(0, max(len(nodes) - 1, 0))
        ok = (nodes[pa] == a) & (nodes[pb] == b) if len(nodes) else np.zeros(len(a), bool)
        mark = np.zeros(len(nodes), dtype=np.int64)
        own = np.full(len(nodes), -1, dtype=np.int64)
        # the transformer's far end from the source is the tree child of the other end
        down = ok & (tree.parent[pb] == pa)
        up_ = ok & (tree.parent[pa] == pb)
        mark[pb[down]] = 1
        mark[pa[up_]] = 1
        own[pb[down]] = element[down]
        own[pa[up_]] = element[up_]
        order = np.argsort(tree.tin, kind="stable")  # pre-order: parents first
        up, cum, near = tree.parent.tolist(), mark.tolist(), own.tolist()
        mine = own.tolist()
        for x in order.tolist():
            p = up[x]
            if p >= 0:
                cum[x] += cum[p]
                if mine[x] >= 0:
                    above.setdefault(mine[x], near[p])
                else:
                    near[x] = near[p]
            elif mine[x] >= 0:
                above.setdefault(mine[x], -1)
            if mine[x] >= 0:
                count_at.setdefault(mine[x], cum[x])
        for bus, c, t in zip(nodes.tolist(), cum, near, strict=True):
            if int(bus) not in counts:
                counts[int(bus)] = int(c)
                nearest[int(bus)] = int(t)
    buses = np.array(sorted(counts), dtype=np.int64)
    return _StepPaths(buses, np.array([counts[x] for x in buses.tolist()], dtype=np.int64),
                      np.array([nearest[x] for x in buses.tolist()], dtype=np.int64),
                      count_at, above)


def _at(table_ids: np.ndarray, values: np.ndarray, wanted: np.ndarray, missing: Any
        ) -> np.ndarray:
    """``values`` of ``wanted`` ids in the ascending ``table_ids`` (``missing`` where absent)."""
    wanted = np.asarray(wanted, dtype=np.int64)
    if not len(table_ids):
        return np.full(len(wanted), missing)
    p = np.searchsorted(table_ids, wanted).clip(0, len(table_ids) - 1)
    return np.where(table_ids[p] == wanted, values[p], missing)


def first_step_behind(feeder: pp.pandapowerNet | DssModel, device_sites: Mapping[str, Any],
                      devices: np.ndarray, buses: np.ndarray,
                      steps: StepPaths | None = None) -> np.ndarray:
    """The first unguarded step transformer between each device and a bus behind it.

    The rule of :func:`reach_zones` for the coordination criteria: a bus behind such a
    transformer (below the device's far bus) is in the transformer's own protection's zone —
    its unmodelled primary fuse or breaker is the primary device there, the device one of
    its backups (IEEE Std C37.230-2020 §6.2; IEEE Std C37.48, IEEE Std C57.109).

    Parameters
    ----------
    feeder : pandapowerNet or DssModel
        ``study.feeder``.
    device_sites : mapping
        Device name → ``DeviceSite``: every device of the study (a device on a transformer
        guards it).
    devices, buses : numpy.ndarray
        ``(n,)`` device names and bus ids (a device's zone or pair rows).
    steps : StepPaths, optional
        :func:`step_paths` of ``feeder`` and ``device_sites`` (walked here without it).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int64: the transformer's element index (``net.trafo`` row, OpenDSS element
        position; :func:`transformer_names`), ``-1`` where the bus is not behind one (or the
        device is unknown).
    """
    n = len(buses)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    names, code = np.unique(np.asarray(devices).astype(str), return_inverse=True)
    far = np.array([int(device_sites[x].far_bus) if x in device_sites else -1
                    for x in names.tolist()], dtype=np.int64)
    steps = steps if steps is not None else _step_paths(feeder, device_sites)
    c_dev = _at(steps.buses, steps.count, far, 0)[code]
    c_bus = _at(steps.buses, steps.count, np.asarray(buses, np.int64), 0)
    out = _at(steps.buses, steps.nearest, np.asarray(buses, np.int64), -1)
    behind = (c_bus > c_dev) & (far[code] >= 0) & (out >= 0)
    out = np.where(behind, out, -1)
    keys = np.array(sorted(steps.count_at), dtype=np.int64)
    count_at = np.array([steps.count_at[k] for k in keys.tolist()], dtype=np.int64)
    above = np.array([steps.above.get(k, -1) for k in keys.tolist()], dtype=np.int64)
    for _ in range(int(steps.count.max(initial=0))):  # up the path to the device's level + 1
        c = _at(keys, count_at, out, 0)
        climb = (out >= 0) & (c > c_dev + 1)
        if not climb.any():
            break
        out = np.where(climb, _at(keys, above, out, -1), out)
    return out


def bus_kv(feeder: pp.pandapowerNet | DssModel, buses: np.ndarray) -> np.ndarray:
    """``(n,)`` float: each bus's line-to-line voltage base, kV (NaN for an unknown bus)."""
    ids, kv = _vn_kv(feeder)
    order = np.argsort(ids, kind="stable")
    return _at(ids[order], kv[order], np.asarray(buses, dtype=np.int64), np.nan)


def transformer_names(feeder: pp.pandapowerNet | DssModel, elements: np.ndarray
                      ) -> np.ndarray:
    """``(n,)`` object: the name of each transformer element index (``-1`` → ``""``), as a
    device's ``location: {trafo: NAME}`` names it (a pandapower transformer without a name:
    its index)."""
    elements = np.asarray(elements, dtype=np.int64)
    out = np.full(len(elements), "", dtype=object)
    for k in np.unique(elements[elements >= 0]).tolist():
        if isinstance(feeder, DssModel):
            name = str(feeder.elements.name.iat[k])
        else:
            raw = feeder.trafo.name.get(k) if "name" in feeder.trafo else None
            name = str(raw) if isinstance(raw, str) and raw else str(k)
        out[elements == k] = name
    return out


def reach_zones(feeder: pp.pandapowerNet | DssModel, device_sites: Mapping[str, Any],
                devices: np.ndarray, buses: np.ndarray, zones: np.ndarray,
                steps: StepPaths | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The reach level of each zone row (module docstring).

    Parameters
    ----------
    feeder : pandapowerNet or DssModel
        ``study.feeder``.
    device_sites : mapping
        Device name → ``DeviceSite`` (``element``, ``element_index``, ``bus``, ``far_bus``):
        every device of the study (a device on a transformer guards it).
    devices, buses, zones : numpy.ndarray
        ``(n,)`` zone rows: device name, bus, ``"primary"``/``"backup"``
        (:func:`protv2g.topology.device_zones`).
    steps : StepPaths, optional
        :func:`step_paths` of ``feeder`` and ``device_sites`` (walked here without it).

    Returns
    -------
    (zone, either_element) : numpy.ndarray
        ``(n,)`` object: ``"primary"``, ``"backup"`` or ``""`` (not a requirement); ``(n,)``
        bool: the row lies behind a step transformer (judge it by the device's more sensitive
        element).

    Examples
    --------
    >>> zone, either = reach_zones(study.feeder, study.device_sites, z.device.to_numpy(),
    ...                            z.bus.to_numpy(), z.zone.to_numpy())  # doctest: +SKIP
    """
    n = len(buses)
    if n == 0:
        return np.zeros(0, dtype=object), np.zeros(0, dtype=bool)
    buses = np.asarray(buses, dtype=np.int64)
    names, code = np.unique(np.asarray(devices).astype(str), return_inverse=True)
    known = np.array([x in device_sites for x in names.tolist()], dtype=bool)
    near = np.array([device_sites[x].bus if k else -1 for x, k in zip(names.tolist(), known,
                                                                      strict=True)], np.int64)
    far = np.array([device_sites[x].far_bus if k else -1
                    for x, k in zip(names.tolist(), known, strict=True)], dtype=np.int64)
    ids, kv = _vn_kv(feeder)
    order = np.argsort(ids, kind="stable")
    ids, kv = ids[order], kv[order]
    own_kv = _at(ids, kv, near, np.nan)[code]
    row_kv = _at(ids, kv, buses, np.nan)
    step_buses, count = step_counts(feeder, device_sites, steps)
    behind = np.maximum(_at(step_buses, count, buses, 0)
                        - _at(step_buses, count, far, 0)[code], 0)
    rank = np.where(np.asarray(zones).astype(str) == PRIMARY, 0, 1) + behind
    out = _RANKS[np.minimum(rank, 2)]
    # unknown voltages (NaN) keep the requirement: never a silent pass; a device's own far
    # bus (its close-in bus, the fault at its own terminal, rev37a F8) and a transformer
    # fuse's secondary terminals stay its requirement
    own_far = (buses == far[code]) | _own_transformer_buses(feeder, device_sites, names, code,
                                                            buses)
    out[(own_kv > LOW_VOLTAGE_KV) & (row_kv <= LOW_VOLTAGE_KV) & ~own_far] = ""
    return out, behind > 0


def _own_transformer_buses(feeder: pp.pandapowerNet | DssModel,
                           device_sites: Mapping[str, Any], names: np.ndarray,
                           code: np.ndarray, buses: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: for rows of a device on a transformer on a study with close-in positions
    (:mod:`protv2g.network.fault_positions`: its far bus is its close-in bus, the transformer
    runs from there, review rev33a W1), the row's bus is one of the transformer's other
    terminals (its secondary: the through-fault the fuse must melt for, IEEE Std C37.48.1,
    C57.109, recalled). The device's close-in bus — the fault between it and the winding — is
    its far bus, a requirement as every device's (review rev37a F8). Without close-in
    positions (the device's bus a terminal of the transformer) all False."""
    secondary = np.zeros(len(buses), dtype=bool)
    on = {k: device_sites[x] for k, x in enumerate(names.tolist())
          if x in device_sites and str(device_sites[x].element) == "trafo"}
    if not on:
        return secondary
    a, b, element = _transformer_ends(feeder)
    for k, s in on.items():
        mine = element == int(s.element_index)
        ends = set(a[mine].tolist()) | set(b[mine].tolist())
        if int(s.bus) in ends or not ends:  # no close-in stub: the far bus is a terminal
            continue
        rows = code == k
        other = ends - {int(s.bus), int(s.far_bus)}
        # a device on the other side of the same transformer has its own close-in bus there:
        # that device's bus is the secondary's terminal bus
        other |= {int(t.bus) for t in device_sites.values()
                  if str(t.element) == "trafo" and int(t.element_index) == int(s.element_index)
                  and int(t.far_bus) in other}
        if other:
            secondary |= rows & np.isin(buses, np.array(sorted(other), dtype=np.int64))
    return secondary
