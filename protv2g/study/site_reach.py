"""A V2G site on a bus of an OpenDSS model that the substation does not reach: refused by name.

A bus behind an opened element can still be energised — by an existing source beyond the
opening (EPRI DG_Prot_Fdr's ``bg``, behind ``open transformer.tg 2``, is held up by
``Vsource.WindGen1``), so the de-energised-bus check lets a site there through. The study then
judges nothing on the site's path (no substation path, so no device between it and the
source: "add the feeder-head device", which is not the cause) and its flows do not converge
(500 kW of chargers against a 0.22 MVA source) — review rev45a M3. The cause is that the
site's bus is not connected to the substation; :func:`cut_off_site_issues` says so, naming
the opened element(s) that would join it and the source(s) that energise it.

Connection is the feeder graph's (:func:`~protv2g.network.dss_graph.dss_feeder_graph`: the
enabled, closed series elements), from the substations of
:func:`~protv2g.network.dss_graph.dss_source_buses` (an existing source on the feeder is no
substation).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from protv2g.errors import Issue
from protv2g.network.dss_graph import (
    SERIES_CLASSES,
    _open_terminals,
    dss_feeder_graph,
    dss_source_buses,
    dss_sources,
    substation_fed_buses,
)

__all__ = ["cut_off_reasons", "cut_off_site_issues"]


def _component(g: nx.Graph, bus: int) -> set[int]:
    return set(nx.node_connected_component(g, bus)) if bus in g else {bus}


def _openings(model: Any, near: set[int], fed: set[int]) -> list[tuple[str, list[int]]]:
    """The opened series elements with a terminal in ``near`` and one in ``fed``: each name
    and its open terminals (``[]`` where the engine cannot tell which)."""
    e = model.elements
    opened = e[e.enabled.to_numpy(bool) & ~e.closed.to_numpy(bool) & e.cls.isin(SERIES_CLASSES)]
    out = []
    for name, buses in zip(opened.name, opened.buses, strict=True):
        pos = {int(p) for p in model.bus_index([str(b).split(".", 1)[0] for b in buses])
               if p >= 0}
        if pos & near and pos & fed:
            out.append((str(name), _open_terminals(model.engine, str(name), len(buses))))
    return out


def cut_off_reasons(model: Any, buses: Mapping[str, int]) -> dict[str, tuple[str, list[str]]]:
    """For each of ``buses`` (a name → bus position in ``model.buses``) that no path of
    closed, enabled series elements joins to a substation: the cause in words (the opened
    element(s) that would join it and the source(s) that energise it) and the OpenDSS
    commands that would close them (``[]`` where none would); the others are left out, and
    all are where the model has no substation (said elsewhere). Shared by ``validate``
    (:func:`cut_off_site_issues`) and ``protv2g init``, which drafts no site there."""
    sub = dss_source_buses(model)
    g = dss_feeder_graph(model)
    fed = substation_fed_buses(g, sub)
    if not fed:
        return {}
    src = dss_sources(model)
    out = {}
    for key, b in buses.items():
        if b is None or int(b) in fed:
            continue
        near = _component(g, int(b))
        held = [str(n) for n, sb in zip(src.name, src.bus, strict=True) if int(sb) in near]
        why = _openings(model, near, fed)
        cause = ("; ".join(f"{name} terminal {', '.join(map(str, terms))} is open" if terms
                           else f"{name} is open" for name, terms in why)
                 if why else "no closed, enabled element joins it to the feeder")
        by = (f" (it is energised only by {', '.join(held)})" if held else "")
        close = [f"close {name} {terms[0]}" if terms else f"close {name}"
                 for name, terms in why]
        out[key] = (cause + by, close)
    return out


def cut_off_site_issues(document: Any, model: Any, site_buses: Mapping[str, int],
                        file: str) -> list[Issue]:
    """An issue per V2G site whose bus no path of closed, enabled series elements joins to a
    substation (module docstring, :func:`cut_off_reasons`); ``site_buses``: site name → bus
    position in ``model.buses``. None when the model has no substation (said elsewhere)."""
    reasons = cut_off_reasons(model, {s.name: site_buses.get(s.name)
                                      for s in document.v2g_sites})
    names = model.buses.index
    out = []
    for i, site in enumerate(document.v2g_sites):
        if site.name not in reasons:
            continue
        cause, close = reasons[site.name]
        fix = ((f"close it in a script listed in feeder.redirects "
                f"({'; '.join(repr(c) for c in close)}) if it is closed while the site "
                "exports, or put the site on a bus the substation feeds")
               if close else "put the site on a bus the substation feeds")
        out.append(Issue(file, f"v2g_sites[{i}].bus",
                         f"bus {names[int(site_buses[site.name])]!r} of site {site.name!r} is "
                         f"not connected to the substation: {cause}; the study judges "
                         "protection on the substation's paths, and none reaches this site",
                         fix))
    return out
