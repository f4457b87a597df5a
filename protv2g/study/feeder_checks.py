"""A study's places checked against its feeder: device locations and V2G site buses resolved
to feeder elements (one element each, with the closest names on a typo), and buses, devices
and sites cut off from every source.

Works on a pandapower net or on the tables validation reads without pandapower
(:class:`protv2g.network.json_tables.FeederTables`). Every problem is an
:class:`~protv2g.errors.Issue` naming the study file and the field; all are collected.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from protv2g.devices.library import Curve, CurveLibrary
from protv2g.errors import Issue
from protv2g.network.json_tables import FeederTables, unsupplied_buses
from protv2g.study.places import DeviceSite, library_and_document_issues
from protv2g.study.schema import Location, StudyDocument
from protv2g.study.site_equipment import pp_transformer_name

if TYPE_CHECKING:  # pragma: no cover - annotations only
    import pandapower as pp

__all__ = ["check_semantics", "dead_bus_warnings", "element_index", "find_one",
           "isolation_issues", "resolve_location"]


def element_index(table: Any, name: str) -> list[int]:
    """Indices of rows called ``name`` (or the row with that integer index)."""
    hits = [int(i) for i in table.index[table["name"].astype(str) == name]]
    if not hits and name.isdigit() and int(name) in table.index:
        hits = [int(name)]
    return hits


def find_one(table: Any, name: str, what: str, file: str, field_path: str
              ) -> tuple[int | None, list[Issue]]:
    """The one row of ``table`` called ``name``, or an issue saying how many were found."""
    hits = element_index(table, name)
    if len(hits) == 1:
        return hits[0], []
    fix = f"use a {what} name from the feeder"
    if not hits:  # a typo: the nearest names, as for an unknown curve
        names = table["name"].astype(str).unique().tolist()
        by_lower = {n.lower(): n for n in reversed(names)}
        # the close names, or failing those the loosely close ones (rev43b M4: 'B9' among
        # B1–B4 was offered none), compared regardless of case as OpenDSS names are
        close = [by_lower[c] for c in difflib.get_close_matches(
            name.lower(), list(by_lower), n=5, cutoff=0.6) or difflib.get_close_matches(
            name.lower(), list(by_lower), n=5, cutoff=0.3)]
        if close:
            fix += f"; closest names: {', '.join(close)}"
    # review s15/s16: "(0 found)" read as a count the user had asked for
    why = "none in the feeder" if not hits else f"{len(hits)} {what}s share the name"
    if hits:
        fix = f"rename the {what}s in the feeder so that the name is unique, or {fix}"
    return None, [Issue(file, field_path, f"no single {what} named {name!r} ({why})", fix)]


def resolve_location(net: pp.pandapowerNet, loc: Location, file: str, key: str
                     ) -> tuple[DeviceSite | None, list[Issue]]:
    """Map a study-file location onto a pandapower element and measuring bus."""
    if loc.switch is not None:
        index, issues = find_one(net.switch, loc.switch, "switch", file, f"{key}.switch")
        if index is None:
            return None, issues
        sw = net.switch.loc[index]
        if sw.et == "l":
            line = net.line.loc[int(sw.element)]
            end = "from" if int(line.from_bus) == int(sw.bus) else "to"
            return resolve_location(net, Location(line=str(int(sw.element)), end=end), file, key)
        if sw.et == "t":
            trafo = net.trafo.loc[int(sw.element)]
            side = "hv" if int(trafo.hv_bus) == int(sw.bus) else "lv"
            return resolve_location(net, Location(trafo=str(int(sw.element)), side=side), file,
                                    key)
        return None, [Issue(file, f"{key}.switch", "devices on bus-bus switches are not supported",
                            "place the device on the line next to the switch (line + end)")]
    if loc.line is not None:
        index, issues = find_one(net.line, loc.line, "line", file, f"{key}.line")
        if index is None:
            return None, issues
        line = net.line.loc[index]
        a, b = (line.from_bus, line.to_bus) if loc.end == "from" else (line.to_bus, line.from_bus)
        return DeviceSite("line", index, int(a), int(b)), []
    index, issues = find_one(net.trafo, str(loc.trafo), "transformer", file, f"{key}.trafo")
    if index is None:
        return None, issues
    trafo = net.trafo.loc[index]
    a, b = (trafo.hv_bus, trafo.lv_bus) if loc.side == "hv" else (trafo.lv_bus, trafo.hv_bus)
    return DeviceSite("trafo", index, int(a), int(b)), []


def check_semantics(document: StudyDocument, net: pp.pandapowerNet, path: Path,
                     extra_curves: list[Curve] | tuple[Curve, ...] = ()
                     ) -> tuple[list[Issue], dict[str, DeviceSite], dict[str, int],
                                CurveLibrary | None]:
    file = str(path)
    library, issues = library_and_document_issues(document, path, extra_curves)
    device_sites: dict[str, DeviceSite] = {}
    own = {pp_transformer_name(s.name).lower() for s in document.v2g_sites
           if s.interconnection_transformer is not None}
    on_own = []  # devices on a site's interconnection transformer: placed below
    for i, device in enumerate(document.devices):
        tr = device.location.trafo
        if tr is not None and str(tr).lower() in own and not element_index(net.trafo, str(tr)):
            on_own.append(device)
            continue
        site, found = resolve_location(net, device.location, file, f"devices[{i}].location")
        issues.extend(found)
        if site is not None:
            device_sites[device.name] = site
    site_buses: dict[str, int] = {}
    for i, site in enumerate(document.v2g_sites):
        bus, found = find_one(net.bus, site.bus, "bus", file, f"v2g_sites[{i}].bus")
        issues.extend(found)
        if site.model_transformer is not None:
            issues.append(Issue(file, f"v2g_sites[{i}].model_transformer",
                                "model_transformer names a transformer of an OpenDSS model; "
                                "this feeder is a pandapower net",
                                "give the site's transformer as interconnection_transformer "
                                "(sn_kva, connection …): the study adds it, out of the base "
                                "case"))
        if site.line_to_line:
            issues.append(Issue(file, f"v2g_sites[{i}].phase",
                                f"phase {site.phase!r} (one single-phase unit between two "
                                "conductors) is modelled on the OpenDSS phase-domain path "
                                "only; this feeder is a pandapower net, whose sequence "
                                "engine and flows have no line-to-line single-phase source",
                                "give the feeder as an OpenDSS model (feeder.opendss, "
                                "opendss_via: phase), or here 'phase: a', 'b' or 'c' (line to "
                                "neutral) or a three-phase site"))
        if bus is not None:
            site_buses[site.name] = bus
    issues.extend(_line_to_neutral_issues(document, net, file, site_buses))
    if on_own and len(site_buses) == len(document.v2g_sites):
        device_sites.update(_on_site_transformers(net, document, on_own, site_buses))
    if len(net.bus) == 0:
        issues.append(Issue(file, "feeder", "the feeder has no buses", "check the feeder file"))
    if len(net.ext_grid) == 0 or not net.ext_grid.in_service.any():
        issues.append(Issue(file, "feeder", "the feeder has no external grid (substation source)",
                            "add an ext_grid with short-circuit data (s_sc_max_mva, rx_max)"))
    else:
        issues.extend(isolation_issues(net, file, document, {
            n: d for n, d in device_sites.items() if d.element != "trafo"
            or d.element_index in net.trafo.index}, site_buses))
    return issues, device_sites, site_buses, library


def _on_site_transformers(net: Any, document: StudyDocument, devices: list[Any],
                          site_buses: dict[str, int]) -> dict[str, DeviceSite]:
    """Places of ``devices`` on a site's ``interconnection_transformer`` (``location: {trafo:
    <site>-XFMR, side: hv|lv}``: its own fuse or breaker, out of the base case with it), on
    the net the pipeline builds: the transformer and its LV bus are added after the feeder's
    last row, site by site in study order
    (:func:`protv2g.network.site_transformer.add_site_transformers`, which checks the
    indices it gives against these)."""
    bus0 = int(max(net.bus.index)) + 1 if len(net.bus) else 0
    t0 = int(max(net.trafo.index)) + 1 if len(net.trafo) else 0
    at = {}
    for k, s in enumerate(x for x in document.v2g_sites
                          if x.interconnection_transformer is not None):
        at[pp_transformer_name(s.name).lower()] = (t0 + k, site_buses[s.name], bus0 + k)
    out = {}
    for d in devices:
        t, hv, lv = at[str(d.location.trafo).lower()]
        a, b = (hv, lv) if d.location.side == "hv" else (lv, hv)
        out[d.name] = DeviceSite("trafo", t, int(a), int(b))
    return out


def _line_to_neutral_issues(document: StudyDocument, net: Any, file: str,
                            site_buses: dict[str, int]) -> list[Issue]:
    """A single-phase site (line to neutral, in the fault engine and the flows) on a bus of
    the net with no path to ground (:func:`~protv2g.network.pp_ground.ungrounded_bus_mask`:
    a 3-wire bus behind a delta or ungrounded-wye winding), which has no neutral for it."""
    one = [(i, s) for i, s in enumerate(document.v2g_sites)
           if s.phases == 1 and not s.line_to_line and s.name in site_buses]
    if not one:
        return []
    from protv2g.network.pp_ground import ungrounded_bus_mask

    mask = pd.Series(ungrounded_bus_mask(net), index=net.bus.index)
    return [Issue(file, f"v2g_sites[{i}].phases",
                  f"bus {s.bus!r} has no path to ground (behind a delta or ungrounded-wye "
                  "winding, no grounded winding or source on it): a single-phase site is line "
                  "to neutral (in the fault engine and the flows), and this 3-wire bus has no "
                  "neutral", "make the site three-phase (a 3-wire converter), or connect it to "
                  "a bus with a ground path")
            for i, s in one if bool(mask.get(site_buses[s.name], False))]


def isolation_issues(net: pp.pandapowerNet, file: str, document: StudyDocument,
                      device_sites: dict[str, DeviceSite], site_buses: dict[str, int]
                      ) -> list[Issue]:
    """Buses, devices and sites cut off from every source by open switches or outages.

    On a pandapower net, by ``pandapower.topology``; on the tables validation reads, by
    :func:`protv2g.network.json_tables.unsupplied_buses` (the same rules, tested against it).
    """
    if isinstance(net, FeederTables):
        dead = unsupplied_buses(net)
    else:
        import pandapower.topology as top

        dead = {int(b) for b in top.unsupplied_buses(net)}
    dead &= {int(b) for b in net.bus.index[net.bus.in_service.astype(bool)]}
    if not dead:
        return []
    issues = []
    names = {d.name: i for i, d in enumerate(document.devices)}
    for name, site in device_sites.items():
        if site.bus in dead or site.far_bus in dead:
            issues.append(Issue(file, f"devices[{names[name]}].location",
                                f"device {name!r} is isolated from every source (open switch "
                                "or out-of-service element)",
                                "close the switch or move the device to an energised element"))
    for i, site in enumerate(document.v2g_sites):
        if site_buses.get(site.name) in dead:
            issues.append(Issue(file, f"v2g_sites[{i}].bus", f"bus {site.bus!r} is isolated "
                                "from every source", "connect the bus or move the site"))
    # de-energised buses with nothing of the study on them are not an error (#20 item 5):
    # the engine reports them at 0 A with ``energized = False``, the flows leave them out, and
    # the study lists them (:func:`dead_bus_warnings`, the "Feeder warnings" sheet)
    return issues


def dead_bus_warnings(net: pp.pandapowerNet) -> pd.DataFrame | None:
    """In-service buses cut off from every source (open switch or outage), one warning row
    each (columns ``element, name, what, action`` as the importers' warnings); None if none."""
    if len(net.ext_grid) == 0:
        return None
    import pandapower.topology as top

    dead = {int(b) for b in top.unsupplied_buses(net)}
    dead &= {int(b) for b in net.bus.index[net.bus.in_service.astype(bool)]}
    if not dead:
        return None
    return pd.DataFrame([("bus", str(net.bus.at[b, "name"]),
                          "de-energised: no path to a source (open switch or out-of-service "
                          "element)", "reported at 0 A (energized = False); not checked")
                         for b in sorted(dead)], columns=["element", "name", "what", "action"])
