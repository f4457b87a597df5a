"""A zero-sequence source beyond a device takes a ground fault's current away from the
device's ground element (review rev51 #2).

rev51's feeder A: a 1 MVA 4.16 kV Yg / 2.4 kV Δ transformer (``transformer.dxf``) at b4, beyond
recloser rc1. Its grounded-wye winding is a zero-sequence source: for SLG-a at b4 through 20 Ω
(minimum case) OpenDSS gives 113.8 A at the fault and 10.75 A of 3I0 through rc1 — ≈ 90 % of
the ground current returns through the bank's neutral. C5's rows, init's 51G note and
``recommend``'s ground window sent the signer to the fault resistance or to a sectionaliser;
the cause is the bank.

The share a device loses, per fault row::

    share = 1 − |3I0 at the device| / |3I0 at the fault|

both from the engine (the device table's ``i3i0_ka``, the bus fault table's ``i3i0_ka``). It
is the current divider of the zero-sequence network at the fault (the fault resistance is in
series with both paths and does not change it): feeder A, by hand, ``Z0`` towards the
substation 2.836 + j7.721 Ω (Dyn 7.5 MVA 7 % and 6 km of trunk at 0.47 + j1.26 Ω/km), the
bank's 0.173 + j0.865 Ω (1 %/5 % on 17.31 Ω): ``1 − |Z0_bank| / |Z0_sub + Z0_bank|`` = 0.903;
OpenDSS 0.9030 (max and min case alike).

The sources named are the model's transformers with a grounded-wye winding (its neutral
conductor on node 0) on a bus behind the device and a delta winding (``YNd``: the delta
closes the zero-sequence loop, IEEE Std C37.230-2020 §6.2 and IEEE 1547.2-2008 §8.3 on
grounding-source transformers, recalled). The V2G sites' own transformers are the project's
and named by :func:`~protv2g.checks.reach_text.transformer_note`; they are left out here. A
share of at least :data:`MATERIAL_SHARE` with a source named adds the note; a share with no
source found adds nothing (a grounding reactor on a neutral node or a grounded generator is
not read here). A pandapower net's are its ``YNd`` transformers, their high-voltage side
(:func:`net_zero_sequence_sources`). A source counts for a fault on its own voltage level
only (a fault behind another step's delta draws no 3I0 through the device at all).

Remedies said (the bank's, not the feeder device's): protect the bank itself, a neutral CT /
51N on its neutral, a winding connection that is no zero-sequence source, or accept the reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from protv2g.study.dss_site_transformers import winding_codes

__all__ = ["MATERIAL_SHARE", "REMEDIES", "diverted_note", "diverted_rows", "diverted_share",
           "net_zero_sequence_sources", "sources_behind", "zero_sequence_sources"]

#: The share of a fault's ground current taken by a source beyond the device from which the
#: texts name it: a quarter (the device's 3I0 below 3/4 of the fault's — a 51G set for the
#: fault's current then reaches ≈ 3/4 of the resistance it was set for, a material loss).
MATERIAL_SHARE = 0.25

#: What fixes it, said after the share (the brief: rev51 #2).
REMEDIES = ("give the bank its own protection, a neutral CT with a 51N on its neutral, or a "
            "winding connection that is no zero-sequence source — or accept the reach")


def diverted_share(i_device_3i0_a: np.ndarray, i_fault_3i0_a: np.ndarray) -> np.ndarray:
    """``1 − |3I0 at the device| / |3I0 at the fault|`` (module docstring), NaN where the
    fault draws no ground current."""
    dev = np.abs(np.asarray(i_device_3i0_a, float))
    flt = np.abs(np.asarray(i_fault_3i0_a, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(flt > 0.0, 1.0 - dev / flt, np.nan)


def _mixed(model: Any) -> set[str] | None:
    """The transformers with a delta and a wye winding (``transformer.x``), one pass over
    OpenDSS's transformers (#21: reading each by name cost 0.29 s on the IEEE 8500's 1,190);
    None when the engine cannot be read (every transformer is then looked at)."""
    try:
        dss = model.engine
        out = set()
        k = dss.Transformers.First()
        while k > 0:
            deltas = set()
            for w in range(1, int(dss.Transformers.NumWindings()) + 1):
                dss.Transformers.Wdg(w)
                deltas.add(bool(dss.Transformers.IsDelta()))
            if len(deltas) == 2:
                out.add(f"transformer.{str(dss.Transformers.Name()).lower()}")
            k = dss.Transformers.Next()
    except Exception:  # noqa: BLE001 - a text only: look at every one instead
        return None
    return out


def zero_sequence_sources(model: Any, leave_out: Sequence[str] = ()) -> list[tuple[str, str]]:
    """``[(element, bus), …]``: the enabled transformers of an OpenDSS ``model`` with a
    grounded-wye winding on ``bus``, the side nearer the grid's source than its delta side
    (:func:`_hops`), and a delta
    winding (module docstring), but those in ``leave_out`` (lower-case element names: the
    sites' own); empty without a model."""
    el = getattr(model, "elements", None)
    if el is None:
        return []
    skip = {str(n).lower() for n in leave_out}
    pick = el.enabled.to_numpy(bool) & (el.cls == "transformer").to_numpy()
    out = []
    mixed = _mixed(model)
    for name in el.name[pick].astype(str).tolist():
        if name.lower() in skip or (mixed is not None and name.lower() not in mixed):
            continue
        codes = [(b.split(".", 1)[0], c) for b, c in winding_codes(model, name) or []]
        if not codes or not any(c == "D" for _, c in codes) or not any(
                c == "YN" for _, c in codes):
            continue
        # its grounded-wye side faces the grid: nearer the source than its delta side (a
        # depot's Dyn has its YN on the site side: no source to the feeder's faults)
        hops = _hops(model)
        far = max(hops.get(b, -1) for b, c in codes if c == "D")
        out += [(name.lower(), bus) for bus, c in codes
                if c == "YN" and hops.get(bus, far) < far]
    return out


def _hops(model: Any) -> dict[str, int]:
    """Bus name (lower case) → branches from the nearest Vsource's bus on the feeder graph
    (:func:`~protv2g.network.dss_graph.dss_feeder_graph`); energised buses only."""
    import networkx as nx

    from protv2g.network.dss_graph import dss_feeder_graph
    g = dss_feeder_graph(model)
    el = model.elements
    vs = el[(el.cls == "vsource").to_numpy() & el.enabled.to_numpy(bool)]
    starts = [int(i) for b in vs.buses.tolist() for i in model.bus_index([b[0].split(".")[0]])
              if i >= 0 and i in g]
    if not starts:
        return {}
    d = nx.multi_source_dijkstra_path_length(g, starts, weight=lambda u, v, e: 1)
    return {str(g.nodes[i]["name"]).lower(): int(k) for i, k in d.items()}


def net_zero_sequence_sources(net: Any) -> list[tuple[str, str]]:
    """``[("trafo T1", bus name), …]``: a pandapower ``net``'s in-service two-winding
    transformers whose vector group has a grounded-wye high-voltage winding and a delta
    (``YNd…``): the high-voltage side is the one facing the grid (a ``Dyn`` step-down's
    ``yn`` faces its own low-voltage system, whose ground source it is). A V2G site's
    interconnection transformer is added per scenario, not in the study's net."""
    t = getattr(net, "trafo", None)
    if t is None or not len(t) or "vector_group" not in t.columns:
        return []
    names = net.bus["name"].astype(str)
    out = []
    for _, r in t[t.in_service.astype(bool)].iterrows():
        vg = str(r.get("vector_group") or "")
        if vg.upper().startswith("YN") and "d" in vg[2:].lower():
            bus = str(names.get(r.hv_bus, r.hv_bus)).lower()
            out.append((f"trafo {r['name']}", bus))
    return out


def sources_behind(ctx: Any, device: str) -> list[tuple[str, str]]:
    """The :func:`zero_sequence_sources` of the study's model (its sites' own transformers
    left out) on a bus behind ``device`` (``ctx.downstream``); kept in ``ctx.cache``."""
    cache = getattr(ctx, "cache", None)
    key = "zero-sequence sources"
    if cache is None or key not in cache:
        study = getattr(ctx, "study", None)
        model = getattr(study, "model", None)
        found: list[tuple[str, str]] = []
        if model is not None:
            from protv2g.study.dss_site_loads import site_transformer_names
            left_out = site_transformer_names(study.document)
            found = model.derived(f"zero-sequence sources:{','.join(left_out)}",
                                  lambda m: zero_sequence_sources(m, left_out))
        elif getattr(study, "net", None) is not None:
            found = net_zero_sequence_sources(study.net)
        if cache is None:
            return found
        cache[key] = found
    found = cache[key]
    if not found:
        return []
    try:
        behind = {str(ctx.bus_name(b)).lower() for b in ctx.downstream(device)}
    except (AttributeError, KeyError):
        return []
    return [(n, b) for n, b in found if b in behind]


def diverted_note(device: str, share: float, i_device_a: float, i_fault_a: float, bus: str,
                  sources: Sequence[tuple[str, str]]) -> str:
    """The words (module docstring): ``"; 91 % of the fault's ground current (114 A at b4)
    does not pass rc1 (3I0 10.7 A there): transformer.dxf (YNd at b4), a zero-sequence
    source between rc1 and the fault, takes it — the bank, not the fault resistance, limits
    rc1's ground reach: …"``; empty below :data:`MATERIAL_SHARE` or with no source. In a
    V2G scenario the share is the row's own: single-phase chargers on a grounded-wye
    transformer inject zero sequence of their own and can move it (feeder A with V2G: up
    to 96 %; the mechanism not checked apart)."""
    if not sources or not np.isfinite(share) or share < MATERIAL_SHARE:
        return ""
    named = ", ".join(f"{n} (YNd at {b})" for n, b in sources[:3])
    more = f" and {len(sources) - 3} more" if len(sources) > 3 else ""
    what = "a zero-sequence source" if len(sources) == 1 else "zero-sequence sources"
    verb = "takes" if len(sources) == 1 else "take"
    return (f"; {share * 100:.0f} % of the fault's ground current ({i_fault_a:.0f} A at {bus}) "
            f"does not pass {device} (3I0 {i_device_a:.1f} A there): {named}{more}, {what} "
            f"between {device} and the fault, {verb} it — the bank, not the fault resistance, "
            f"limits {device}'s ground reach: {REMEDIES}")


_KEY = ("scenario", "fault_bus_name", "fault_type", "case")


def _bus_kv(ctx: Any) -> dict[str, float]:
    """Bus name (lower case) → nominal line-to-line kV of the study's OpenDSS model, kept in
    ``ctx.cache``; empty where unknown (every source then counts)."""
    cache = getattr(ctx, "cache", None)
    if cache is not None and "bus kV" in cache:
        return cache["bus kV"]
    study = getattr(ctx, "study", None)
    buses = getattr(getattr(study, "model", None), "buses", None)
    net = getattr(study, "net", None) if buses is None else None
    out: dict[str, float] = {}
    if buses is not None and "kv_ll" in getattr(buses, "columns", ()):
        out = dict(zip(buses.index.astype(str).str.lower().tolist(),
                       buses.kv_ll.to_numpy(float).tolist(), strict=True))
    elif net is not None and "vn_kv" in getattr(getattr(net, "bus", None), "columns", ()):
        out = dict(zip(net.bus["name"].astype(str).str.lower().tolist(),
                       net.bus.vn_kv.to_numpy(float).tolist(), strict=True))
    if cache is not None:
        cache["bus kV"] = out
    return out


def _same_level(sources: Sequence[tuple[str, str]], fault_bus: str, kv: dict[str, float]
                ) -> list[tuple[str, str]]:
    """The ``sources`` on the fault's voltage level: a fault behind a delta winding of
    another step (a depot's Dyn, fault on its LV bus) draws no 3I0 through the device, and
    no bank on the feeder's level takes it (the device's "share" is then the step's, not the
    bank's). Unknown levels count."""
    f = kv.get(str(fault_bus).lower())
    if f is None or not np.isfinite(f):
        return list(sources)
    return [(n, b) for n, b in sources
            if not np.isfinite(kv.get(b, np.nan)) or abs(kv[b] - f) <= 0.01 * f]


def _ground(fault_type: np.ndarray) -> np.ndarray:
    """Whether each fault type is a ground fault (SLG, LLG)."""
    ft = np.char.upper(np.asarray(fault_type).astype(str))
    return np.char.startswith(ft, "SLG") | np.char.startswith(ft, "LLG")


def diverted_rows(ctx: Any, bad: dict[str, np.ndarray]) -> np.ndarray | None:
    """:func:`diverted_note` per C5 row of ``bad`` (``scenario``, ``device``,
    ``fault_bus_name``, ``fault_type``, ``case``) on a ground fault whose device has a
    :func:`sources_behind` it, from the device's and the fault bus's 3I0 in the same
    scenario and case; None where no row gets one (the rows of devices without a source
    are not looked up: a feeder without such a bank pays one pass over its transformers)."""
    n = len(bad["scenario"])
    faults, buses = getattr(ctx, "faults", None), getattr(ctx, "bus_faults", None)
    if not n or faults is None or buses is None or "i3i0_ka" not in buses.columns:
        return None
    dev = np.asarray(bad["device"]).astype(str)
    src = {d: sources_behind(ctx, d) for d in dict.fromkeys(dev.tolist())}
    at = np.flatnonzero(np.isin(dev, [d for d, s in src.items() if s])
                        & _ground(np.asarray(bad["fault_type"])))
    if not len(at):
        return None
    keys = [tuple(str(np.asarray(bad[k])[j]) for k in _KEY) for j in at.tolist()]
    b = buses[buses.bus_name.astype(str).isin({k[1] for k in keys})]
    i_f = dict(zip(zip(*(b[k if k != "fault_bus_name" else "bus_name"].astype(str).tolist()
                        for k in _KEY), strict=True),
                   (1000.0 * b.i3i0_ka.to_numpy(float)).tolist(), strict=True))
    f = faults[faults.device.astype(str).isin({dev[j] for j in at.tolist()})]
    i_d = dict(zip(zip(f.device.astype(str).tolist(),
                       *(f[k].astype(str).tolist() for k in _KEY), strict=True),
                   f.i_ground_a.to_numpy(float).tolist(), strict=True))
    out = np.full(n, "", dtype=object)
    kv = _bus_kv(ctx)
    for j, k in zip(at.tolist(), keys, strict=True):
        i_dev, i_flt = i_d.get((dev[j], *k), np.nan), i_f.get(k, np.nan)
        share = float(diverted_share(np.array([i_dev]), np.array([i_flt]))[0])
        out[j] = diverted_note(dev[j], share, i_dev, i_flt, k[1],
                               _same_level(src[dev[j]], k[1], kv))
    return out if any(out.tolist()) else None
