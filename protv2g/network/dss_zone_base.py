"""The voltage base C12 judges a low-voltage bus on: the rated voltage of the winding feeding it.

OpenDSS gives every bus a base (``kVBase``) at ``CalcVoltageBases``: the entry of ``Set
VoltageBases`` nearest to its solved voltage. A winding voltage the list lacks is rounded to
another one: EPRI ckt5's and ckt24's 0.24 kV single-phase secondaries get 0.415/√3 = 0.2396 kV
(their lists lack 0.24), EPRI J1's 0.416/√3 = 0.2402 kV, the IEEE 8500's 120/240 V legs
0.208/√3 = 0.12009 kV. A pu voltage on that base is off by the ratio: ckt5's homes bus at
252.0 V read 1.0518 pu on 239.6 V, 1.0500 pu on the 240 V winding (review rev50a #5).

ANSI C84.1 gives the service-voltage ranges on the system's nominal voltage — the transformer
winding's rating (120/240 V, 277/480 V, …), not a modelling list. So the base of every bus in a
transformer's secondary zone (the buses reached from the winding over lines, switches and
reactors, down to the next transformer) is that winding's rated voltage line to neutral
(:func:`winding_ln_kv`: a winding of two or three phases or a
delta one ``kV/√3``; a single-phase winding line to neutral ``kV``, so each 0.12 kV half of a
center-tapped 120/240 V transformer gives 120 V per leg).

Only low-voltage zones (winding ``kV`` ≤ :data:`LV_KV_MAX`) take the winding's base; a
medium-voltage zone keeps OpenDSS's (a regulator's 2.4 kV winding on IEEE 13's 4.16 kV feeder,
4.16/√3 = 2.4017 kV, is no nominal to rebase on). A zone keeps OpenDSS's base where the
windings feeding it disagree (beyond :data:`MISMATCH_PU`), or where it has none.

The feeding winding: the zones form a tree from the grid sources' zone over the transformers
(breadth first); a zone's feeding windings are those of the transformer(s) that link it to the
zone it is reached from.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["LV_KV_MAX", "MISMATCH_PU", "ZoneBase", "winding_ln_kv", "winding_rows", "zone_base",
           "zone_base_kv_ln", "zone_base_notes"]

#: Low voltage: ANSI C84.1-2020 §3 "a class of nominal system voltages 1000 volts or less"
#: (recalled); a winding of ``kV`` ≤ this feeds a low-voltage zone.
LV_KV_MAX = 1.0
#: Relative base difference worth saying: C12's default tolerance on its 1.05 pu limit is
#: 0.001 pu (``checks.voltage_limit_tolerance_pu``, IEC 61000-4-30 Class A's ±0.1 %), so a base
#: off by more can move a verdict.
MISMATCH_PU = 1e-3
#: Element classes that are no zone boundary's link: a transformer's windings are.
_CUT = frozenset({"transformer", "autotrans"})


@dataclass(frozen=True)
class ZoneBase:
    """Per bus (rows of ``model.buses``): ``kv_ln`` the base C12 reads (kV line to neutral),
    ``kvbase_ln`` OpenDSS's, ``winding_kv`` the feeding winding's ``kV`` (NaN outside a
    low-voltage zone), ``transformer`` its name (``""`` there)."""

    kv_ln: np.ndarray
    kvbase_ln: np.ndarray
    winding_kv: np.ndarray
    transformer: np.ndarray


def _nodes(spec: str) -> list[int]:
    parts = str(spec).split(".")[1:]
    return [int(p) for p in parts if p.isdigit()]


def winding_ln_kv(kv: float, n_phases: int, nodes: list[int], delta: bool) -> float:
    """A winding's ``kV`` (OpenDSS) as line-to-neutral kV: ``kV/√3`` for two or three phases,
    delta, or one phase between two phase conductors; else ``kV`` (OpenDSS Reference Guide,
    Transformer ``kV``: "for 2- and 3-phase windings, the line-to-line voltage; for 1-phase,
    the actual winding voltage")."""
    two_phase = len([k for k in nodes[:2] if 1 <= k <= 3]) == 2 and len(set(nodes[:2])) == 2
    line_to_line = n_phases >= 2 or delta or (n_phases == 1 and two_phase)
    return kv / math.sqrt(3.0) if line_to_line else kv


def winding_rows(model: Any) -> list[tuple[str, int, str, float, float]]:
    """``[(transformer, winding (1..), bus, winding kV, winding kV line to neutral)]`` of the
    enabled transformers' windings, read from the model's OpenDSS context once (none without
    one)."""
    def build(m: Any) -> list[tuple[str, int, str, float, float]]:
        dss = m.engine
        out: list[tuple[str, int, str, float, float]] = []
        if dss is None:
            return out
        e = m.elements
        names = e.name[(e.cls == "transformer").to_numpy() & e.enabled.to_numpy(bool)]
        for name in names.tolist():
            try:
                dss.Circuit.SetActiveElement(name)
                if dss.CktElement.Name().lower() != name.lower():
                    continue
                n = int(dss.CktElement.NumPhases())
                specs = list(dss.CktElement.BusNames())
                dss.Transformers.Name(name.split(".", 1)[1])
                for w in range(1, int(dss.Transformers.NumWindings()) + 1):
                    dss.Transformers.Wdg(w)
                    kv = float(dss.Transformers.kV())
                    nodes = _nodes(specs[w - 1]) or [1, 2, 3][:n]
                    kv_ln = winding_ln_kv(kv, n, nodes, bool(dss.Transformers.IsDelta()))
                    bus = str(specs[w - 1]).split(".", 1)[0].lower()
                    out.append((name.lower(), w, bus, kv, kv_ln))
            except Exception:  # noqa: BLE001, S112 - an element OpenDSS cannot show: none
                continue
        return out

    return model.derived("transformer windings", build)


def _zones(model: Any) -> tuple[int, np.ndarray]:
    """Connected components of the buses over every enabled element but transformers."""
    nb = len(model.buses)
    e = model.elements
    rows, cols = [], []
    idx = model.buses.index
    for cls, on, buses in zip(e.cls.tolist(), e.enabled.tolist(), e.buses.tolist(),
                              strict=True):
        if not on or cls in _CUT or len(buses) < 2:
            continue
        pos = idx.get_indexer([str(b).lower() for b in buses])
        pos = pos[pos >= 0]
        rows += [int(pos[0])] * (len(pos) - 1)
        cols += pos[1:].tolist()
    g = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(nb, nb))
    return connected_components(g, directed=False)


def zone_base(model: Any) -> ZoneBase:
    """The :class:`ZoneBase` of ``model`` (module docstring), built once per model."""
    def build(m: Any) -> ZoneBase:
        kvbase = m.buses.kv_ln.to_numpy(float)
        nb = len(kvbase)
        out = ZoneBase(kvbase.copy(), kvbase, np.full(nb, np.nan), np.full(nb, "", object))
        wind = winding_rows(m)
        if not wind or nb == 0:
            return out
        n_z, zone = _zones(m)
        bus_at = m.buses.index.get_indexer([w[2] for w in wind])
        # transformer → [(zone, kV, kV LN)] of its windings
        by_t: dict[str, list[tuple[int, float, float]]] = {}
        for (name, _w, _b, kv, kv_ln), b in zip(wind, bus_at.tolist(), strict=True):
            if b >= 0:
                by_t.setdefault(name, []).append((int(zone[b]), kv, kv_ln))
        links: dict[int, list[str]] = {}
        for name, ws in by_t.items():
            for z in {w[0] for w in ws}:
                links.setdefault(z, []).append(name)
        src = m.grid_sources if m.grid_sources is not None else m.sources
        start = sorted({int(zone[m.node_bus[k]]) for k in np.asarray(src, int).tolist()})
        seen = set(start)
        todo = deque(start)
        z_kv = np.full(n_z, np.nan)
        z_ln = np.full(n_z, np.nan)
        z_t = np.full(n_z, "", object)
        while todo:
            z = todo.popleft()
            fed: dict[int, list[tuple[str, float, float]]] = {}
            for name in links.get(z, []):
                for zz, kv, kv_ln in by_t[name]:
                    if zz not in seen:
                        fed.setdefault(zz, []).append((name, kv, kv_ln))
            for zz, ws in fed.items():
                seen.add(zz)
                todo.append(zz)
                lns = np.array([w[2] for w in ws])
                if lns[0] > 0 and np.all(np.abs(lns / lns[0] - 1.0) <= MISMATCH_PU):
                    z_kv[zz], z_ln[zz], z_t[zz] = ws[0][1], lns[0], ws[0][0]
        lv = (z_kv <= LV_KV_MAX)[zone] & (kvbase > 0)
        kv_ln = np.where(lv, z_ln[zone], kvbase)
        return ZoneBase(kv_ln, kvbase, np.where(lv, z_kv[zone], np.nan),
                        np.where(lv, z_t[zone], ""))

    return model.derived("zone winding base", build)


def zone_base_kv_ln(model: Any) -> np.ndarray:
    """``(buses,)`` the base (kV line to neutral) C12 judges each bus on (module docstring)."""
    return zone_base(model).kv_ln


def zone_base_notes(model: Any) -> list[str]:
    """One text per (winding ``kV``, OpenDSS base) pair where the two bases differ by more
    than :data:`MISMATCH_PU`: the bus count, both bases, a transformer of that winding."""
    zb = zone_base(model)
    off = np.flatnonzero(np.abs(zb.kv_ln / np.where(zb.kvbase_ln > 0, zb.kvbase_ln, np.nan)
                                - 1.0) > MISMATCH_PU)
    groups: dict[tuple[float, float, float], list[int]] = {}
    for b in off.tolist():
        key = (round(float(zb.winding_kv[b]), 6), round(float(zb.kv_ln[b]), 6),
               round(float(zb.kvbase_ln[b]), 6))
        groups.setdefault(key, []).append(b)
    out = []
    for (kv, ln, base), bs in sorted(groups.items()):
        t = str(zb.transformer[bs[0]])
        out.append(
            f"{len(bs)} bus(es) fed by {kv * 1e3:g} V transformer windings (e.g. {t}, bus "
            f"{model.buses.index[bs[0]]}): C12 and the Flow sheets judge their voltage on the "
            f"winding's {ln * 1e3:.4g} V line to neutral, not on OpenDSS's voltage base "
            f"{base * 1e3:.4g} V ({base / ln - 1:+.2%}; 'Set VoltageBases' lacks the "
            "winding's voltage)")
    return out
