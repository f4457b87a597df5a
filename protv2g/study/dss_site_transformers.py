"""A V2G site's own transformer in an OpenDSS model (``v2g_sites[].model_transformer``).

A depot or campus connects to the feeder through its own transformer, which comes with the
V2G project. On a pandapower feeder the study adds it (``interconnection_transformer``); on an
OpenDSS feeder it is modelled in the ``.dss`` (e.g. a ``feeder.redirects`` script) with the
site on its low-voltage bus, and ``model_transformer`` names it. The study's base case (no
V2G: its faults, flows, the stale-draft check) is then the feeder **without** it
(:func:`protv2g.network.dss_site_transformers.without_elements`), the V2G scenarios with it —
the pandapower path's rule (:mod:`protv2g.pipeline`), so a grounded-wye / delta transformer's
``3I0`` is the project's (``new``/``worse``), not ``pre-existing``.

:func:`site_transformer_issues` checks each named transformer (all problems at once, file +
field + fix): it is a transformer of the model, enabled and energised; one of its windings is
at the site's bus, or the site's bus is reachable only through it; and taking it out
de-energises nothing but what belongs to the sites that name it (no other site, study
device, load of the model, generator, PV system or storage behind it, and not the feeder's
own path). A load the ``feeder.redirects`` add behind it (a depot's auxiliary load) comes
with the project as the transformer does: out of the base case with it, in every V2G scenario
(:mod:`protv2g.study.dss_site_loads`, review rev35a M1); a load of the model itself there is
refused, the fix naming both choices.
A study device *on* the transformer (``location: {trafo: NAME, side: hv|lv}``: its own fuse or
breaker) belongs to it: it leaves the base case with it
(:func:`protv2g.pipeline_dss.dss_fault_frames`) and is judged in the V2G scenarios.

:func:`redirect_site_transformers` finds the transformer a site *could* name (review rev33a
F1: ``init --redirect depot_xf.dss --site depot:depot_lv:…`` wrote no ``model_transformer``
and ``validate`` said nothing): the site's bus is fed only through it, a ``feeder.redirects``
script adds it (the model without the redirects has no such element,
:attr:`~protv2g.network.dss_model.DssModel.redirect_elements`) and it feeds nothing but V2G
sites and the loads the redirects add with it — ``protv2g init`` writes it (several: a
TODO naming them; its comment names the loads it takes out of the base case), ``validate``
warns (:func:`unnamed_site_transformer_warnings`). A transformer of the master (a utility's
service transformer with homes on its LV bus) or one that also supplies a load of the
master, a generator, PV system, storage or protective device is the utility's: never
proposed.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

import numpy as np

from protv2g.errors import Issue
from protv2g.network.dss_model import DssModel
from protv2g.network.dss_site_transformers import (
    dead_buses,
    grid_dead_buses,
    sole_feeding_transformers,
    without_elements,
)
from protv2g.study.dss_site_loads import (  # noqa: F401 (site_transformer_names re-exported)
    der_behind_issue,
    injections_behind,
    loads_text,
    model_load_issue,
    project_load_warnings,
    project_loads,
    site_transformer_names,
    study_project_loads,
)
from protv2g.study.dss_site_loads import transformer_element as _element
from protv2g.study.places import DeviceSite
from protv2g.study.schema import StudyDocument
from protv2g.study.site_equipment import devices_never_built as never_built

__all__ = ["site_transformer_names", "site_transformer_issues", "base_case_model", "on_element",
           "grounded_site_transformers", "transformer_3i0_note", "redirect_site_transformers",
           "unnamed_site_transformer_warnings", "transformers_out", "devices_never_built",
           "project_loads", "study_project_loads", "loads_text", "project_load_warnings",
           "winding_codes"]


def transformers_out(document: StudyDocument, scenario: object) -> tuple[str, ...]:
    """The sites' own model transformers out of ``scenario``'s model (element names as
    :func:`site_transformer_names`, study order).

    Every one in the base case (the feeder as it is today); in a scenario that builds only
    some sites (``Scenario.built_sites``: the hosting search's one-site scenarios) those no
    built site names — a site's hosting is that site added to today's feeder, the other
    sites not built (review rev33b W1: IEEE 123, the depot's YNd transformer kept in the
    campus's and the homes' searches raised F-3's close-in ground fault 9.89 → 11.77 kA,
    OpenDSS, and made both 0 kW); none in the study's own scenarios (every site built).
    """
    names = site_transformer_names(document)
    if not names or scenario.is_base:  # type: ignore[attr-defined]
        return names
    built = scenario.built_sites  # type: ignore[attr-defined]
    if built is None:
        return ()
    kept = {_element(s.model_transformer) for s in document.v2g_sites
            if s.name in built and getattr(s, "model_transformer", None)}
    return tuple(n for n in names if n not in kept)


def devices_never_built(study: object, scenarios: Sequence[object]) -> set[str]:
    """:func:`protv2g.study.site_equipment.devices_never_built` (either path's site
    transformers; kept here for its callers)."""
    return never_built(study, scenarios)


def site_transformer_issues(document: StudyDocument, model: DssModel, file: str,
                            device_sites: Mapping[str, DeviceSite],
                            site_buses: Mapping[str, int]) -> list[Issue]:
    """Problems with the sites' ``model_transformer`` (module docstring); empty when none."""
    issues: list[Issue] = []
    tab = model.elements
    names = tab.name.str.lower()
    valid: dict[str, list[int]] = {}  # element → indices of the sites naming it
    for i, site in enumerate(document.v2g_sites):
        given = getattr(site, "model_transformer", None)
        if not given:
            continue
        key = f"v2g_sites[{i}].model_transformer"
        el = _element(given)
        hit = tab[names == el]
        if not len(hit):
            known = sorted(n.split(".", 1)[1] for n in names[tab.cls == "transformer"])
            close = difflib.get_close_matches(el.split(".", 1)[1], known, n=5, cutoff=0.3)
            issues.append(Issue(file, key, f"the OpenDSS model has no transformer {given!r}",
                                "name the site's transformer as the model has it (New "
                                "Transformer.<name> …)" + (f", e.g. {', '.join(close)}"
                                                           if close else "")))
            continue
        row = hit.iloc[0]
        if not bool(row.enabled) or not bool(row.closed) or not bool(row.energized):
            issues.append(Issue(file, key, f"transformer {given!r} is disabled, open or "
                                "de-energised in the model",
                                "enable it and close its terminals in the model (the study "
                                "takes it out of the base case itself)"))
            continue
        valid.setdefault(el, []).append(i)
    for el, idx in valid.items():
        issues += _placement_issues(document, model, file, el, idx, device_sites, site_buses)
    return issues


def _placement_issues(document: StudyDocument, model: DssModel, file: str, el: str,
                      idx: list[int], device_sites: Mapping[str, DeviceSite],
                      site_buses: Mapping[str, int]) -> list[Issue]:
    """The transformer ``el`` against the sites ``idx`` naming it and the rest of the study."""
    issues = []
    tab = model.elements
    windings = {str(b).lower() for b in tab.buses[tab.name.str.lower() == el].iat[0]}
    # behind = cut off from the grid: a generator there keeps its bus live in the model
    # (an island with the machine), not on the feeder (grid_dead_buses; review aux35)
    dead = {int(b) for b in grid_dead_buses(model, [el])}
    dead_names = set(model.buses.index[sorted(dead)])
    short = el.split(".", 1)[1]
    mine = {document.v2g_sites[i].name for i in idx}
    for i in idx:
        site = document.v2g_sites[i]
        b = site_buses.get(site.name)
        if b is None:
            continue  # the bus itself is wrong: reported already
        if str(site.bus).lower() not in windings and b not in dead:
            issues.append(Issue(file, f"v2g_sites[{i}].model_transformer",
                                f"site {site.name!r} on bus {site.bus!r} is not behind "
                                f"transformer {short!r} (its windings are at "
                                f"{', '.join(sorted(windings))})",
                                "put the site on the transformer's low-voltage bus, or name "
                                "the transformer the site connects through"))
    behind = []
    for j, s in enumerate(document.v2g_sites):
        if s.name not in mine and site_buses.get(s.name) in dead:
            behind.append(f"site {s.name!r} (v2g_sites[{j}])")
    # a device on the transformer itself (its fuse on the high-voltage side, a breaker on the
    # low-voltage side) is the transformer's own protection: it comes with the project and
    # leaves the base case with it (review rev32a W4)
    behind += [f"device {n!r}" for n, d in device_sites.items()
               if not on_element(d, el)
               and (d.bus in dead or (d.far_bus is not None and int(d.far_bus) in dead))]
    added, kept, others = injections_behind(model, dead_names)
    if others:
        issues.append(der_behind_issue(model, file, idx[0], document.v2g_sites[idx[0]],
                                       short, others))
    if kept:
        issues.append(model_load_issue(file, f"v2g_sites[{idx[0]}].model_transformer",
                                        short, kept, added))
    if behind:
        listed = ", ".join(behind[:6]) + (f" and {len(behind) - 6} more" if len(behind) > 6
                                          else "")
        issues.append(Issue(file, f"v2g_sites[{idx[0]}].model_transformer",
                            f"transformer {short!r} also supplies {listed}: the study takes "
                            "it out of the base case (it comes with the V2G project), which "
                            "would cut those off",
                            "name only a transformer that feeds nothing but the sites that "
                            f"name it (another site behind it names it too: model_transformer: "
                            f"{short}; the transformer's own fuse or breaker may stay: a "
                            f"device with location {{trafo: {short}, side: hv}} or "
                            "{side: lv} leaves the base case with it), or remove "
                            "model_transformer if the transformer is the utility's"))
    return issues


def on_element(site: DeviceSite, element: str) -> bool:
    """The device at ``site`` sits on OpenDSS element ``element`` (``"transformer.x"``)."""
    return str(site.element_name).lower() == str(element).lower()


def base_case_model(study: object) -> DssModel | None:
    """The study's OpenDSS model as its base case sees it: without the sites' own model
    transformers (:func:`~protv2g.network.dss_site_transformers.without_elements`); the
    model itself when no site names one; None without an OpenDSS model."""
    model = getattr(study, "model", None)
    if model is None:
        return None
    return without_elements(model, site_transformer_names(study.document))  # type: ignore


def grounded_site_transformers(study: object) -> dict[str, str]:
    """Sites whose own transformer is a zero-sequence source to the feeder, and how texts
    name it: site name → ``"depot's transformer depot_xf (YNd)"``.

    A site's ``model_transformer`` (OpenDSS) with a grounded-wye winding on the feeder side
    (wye, its neutral conductor at node 0) and a delta winding (``YNd``), or its
    ``interconnection_transformer`` (pandapower) with such a connection. Such a transformer
    feeds ``3I0`` into every ground fault on the feeder, with the chargers idle too (IEEE
    1547.2-2008 §8.3; docs/study-file.md): the delta closes the zero-sequence loop. A ``YNyn``
    (or ``YNy``) is no source: its feeder-side zero-sequence current needs a zero-sequence
    path on the site side, and a site transformer supplies nothing but the site, whose
    chargers are three-wire converters (no zero sequence) — review rev35b M4 (IEEE 13: a
    500 kVA YNyn depot transformer carried 0.0 A for an SLG at 633 in OpenDSS, the head's
    3I0 3,135.6 A with and without it, while the texts called it "a zero-sequence source").
    Empty when no site has one (or the model cannot be read).
    """
    doc = study.document  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    model = getattr(study, "model", None)
    for s in doc.v2g_sites:
        tr = getattr(s, "interconnection_transformer", None)
        if model is None and tr is not None and _zero_sequence_source(str(tr.connection)):
            out[s.name] = f"{s.name}'s transformer {s.name}-XFMR ({tr.connection})"
        name = getattr(s, "model_transformer", None)
        if model is not None and name:
            code = _connection(model, _element(name))
            if code is not None and _zero_sequence_source(code):
                out[s.name] = f"{s.name}'s transformer {name} ({code})"
    return out


def _zero_sequence_source(code: str) -> bool:
    """A connection code (feeder-side winding first) that feeds ``3I0`` into feeder ground
    faults: a grounded-wye feeder winding with a delta winding (``YNd``, ``YNyn0d``…)
    (:func:`grounded_site_transformers`)."""
    return code.startswith("YN") and "d" in code[2:].lower()


def winding_codes(model: DssModel, el: str) -> list[tuple[str, str]] | None:
    """``[(bus, "YN" | "Y" | "D"), …]`` per winding of transformer ``el`` (its bus as the
    element gives it, lower case, nodes included where given): delta by OpenDSS's
    ``IsDelta``, ``YN`` where the winding's neutral conductor lands on node 0; None when it
    cannot be read."""
    try:
        e = model.element_y(el)
        dss = model.engine
        dss.Transformers.Name(el.split(".", 1)[1])
        n_w = int(dss.Transformers.NumWindings())
        delta = []
        for w in range(1, n_w + 1):
            dss.Transformers.Wdg(w)
            delta.append(bool(dss.Transformers.IsDelta()))
    except Exception:  # noqa: BLE001 - a text only: no name rather than no study
        return None
    out = []
    for w in range(1, n_w + 1):
        conductors = np.flatnonzero(e.terminal == w)
        grounded = len(conductors) > 3 and int(e.node[conductors[3]]) < 0
        out.append((str(e.buses[w - 1]).lower(),
                    "D" if delta[w - 1] else ("YN" if grounded else "Y")))
    return out


def _connection(model: DssModel, el: str) -> str | None:
    """The transformer's connection code, the feeder-side winding first (``YNd``): ``YN`` /
    ``Y`` / ``D`` by OpenDSS's ``IsDelta`` and the neutral conductor's node, the others in
    lower case; None when it cannot be read."""
    windings = winding_codes(model, el)
    if windings is None:
        return None
    n_w = len(windings)
    codes = [c for _, c in windings]
    dead = {str(b).lower() for b in model.buses.index[dead_buses(model, [el])]}
    feeder = [w for w in range(n_w) if windings[w][0] not in dead]
    first = feeder[0] if feeder else 0
    order = [first] + [w for w in range(n_w) if w != first]
    return codes[order[0]] + "".join(codes[w].lower() for w in order[1:])


def transformer_3i0_note(labels: list[str]) -> str:
    """The clause texts add where a row's ``3I0`` comes from sites' grounded transformer
    windings (:func:`grounded_site_transformers`): ``"depot's transformer depot_xf (YNd)
    feeds 3I0 into ground faults, with the chargers idle too"``; empty for none."""
    if not labels:
        return ""
    verb = "feeds" if len(labels) == 1 else "feed"
    return f"{' and '.join(labels)} {verb} 3I0 into ground faults, with the chargers idle too"


def redirect_site_transformers(model: DssModel, sites: Sequence[tuple[str, str]],
                               device_sites: Mapping[str, DeviceSite] | None = None
                               ) -> dict[str, tuple[str, ...]]:
    """The transformers each site could name in ``model_transformer`` (module docstring).

    Parameters
    ----------
    model : DssModel
        The model with the study's redirects (:attr:`DssModel.redirect_elements`).
    sites : sequence of (str, str)
        ``(site name, bus name)`` of the sites that name no ``model_transformer``.
    device_sites : mapping, optional
        The study's devices: one behind a transformer (not on it) rules the transformer out,
        as :func:`site_transformer_issues` would refuse it.

    Returns
    -------
    dict
        Site name → the transformers' names as the model has them (``("depot_xf",)``), each
        one alone feeding the site's bus, added by the redirects, supplying nothing but
        sites and loads the redirects add (:func:`project_loads`); sorted; sites with none
        left out.
    """
    added = sorted(n for n in model.redirect_elements if n.startswith("transformer."))
    if not added or not sites:
        return {}
    inj = model.injections
    # the loads the redirects add come with the transformer (the site's auxiliary load,
    # review rev35a M1); a load of the master, a generator, PV system or storage does not
    mine = inj.name.astype(str).str.lower().isin(model.redirect_elements) & (
        inj.cls.astype(str) == "load")
    live_inj = inj.bus[inj.enabled.astype(bool) & ~mine].astype(str).str.lower()
    dev_elements = [str(e).lower() for e in model.devices.element] if len(model.devices) else []
    clean: dict[str, bool] = {}

    def supplies_only_sites(el: str) -> bool:
        if el not in clean:
            dead = {int(b) for b in dead_buses(model, [el])}
            names = set(model.buses.index[sorted(dead)])
            tab = model.elements
            row = dict(zip(tab.name.str.lower(), tab.buses, strict=True))
            devices = [e for e in dev_elements if e != el and e in row
                       and any(str(b) in names for b in row[e])]
            devices += [n for n, d in (device_sites or {}).items() if not on_element(d, el)
                        and (d.bus in dead or (d.far_bus is not None
                                               and int(d.far_bus) in dead))]
            clean[el] = not live_inj.isin(names).any() and not devices
        return clean[el]

    out = {}
    for name, bus in sites:
        b = model.bus_index([bus])[0]
        if b < 0:
            continue
        found = [el for el in sole_feeding_transformers(model, int(b), added)
                 if supplies_only_sites(el)]
        if found:
            out[name] = tuple(_model_name(model, el) for el in found)
    return out


def _model_name(model: DssModel, el: str) -> str:
    """The element's name after its class, as the model spells it (``depot_xf``)."""
    tab = model.elements
    hit = tab.name[tab.name.str.lower() == el]
    return str(hit.iat[0]).split(".", 1)[1] if len(hit) else el.split(".", 1)[1]


def unnamed_site_transformer_warnings(study: object) -> list[Issue]:
    """``validate``'s warning for a site fed only through a transformer the redirects add
    that no site names (:func:`redirect_site_transformers`); empty without an OpenDSS model."""
    model = getattr(study, "model", None)
    doc = study.document  # type: ignore[attr-defined]
    if model is None or not model.redirect_elements:
        return []
    named = set(site_transformer_names(doc))
    index = {s.name: i for i, s in enumerate(doc.v2g_sites)}
    bare = [(s.name, str(s.bus)) for s in doc.v2g_sites
            if not getattr(s, "model_transformer", None)]
    found = redirect_site_transformers(model, bare, getattr(study, "device_sites", None))
    out = []
    file = str(study.path)  # type: ignore[attr-defined]
    for name, trs in found.items():
        trs = tuple(t for t in trs if _element(t) not in named)
        if not trs:
            continue
        i = index[name]
        bus = doc.v2g_sites[i].bus
        if len(trs) == 1:
            loads = project_loads(model, trs[0])
            what = (f"transformer {trs[0]!r}, which feeder.redirects adds (the model without "
                    "the redirects has no such element) and no site names in "
                    "model_transformer")
            with_loads = (f" with the loads the redirects add behind it ({loads_text(loads)}"
                          ": the site's own, they leave the base case with it and are in "
                          "every V2G scenario)" if loads else "")
            fix = (f"if it is the site's own transformer (it comes with the V2G project), "
                   f"name it: model_transformer: {trs[0]}{with_loads}; if it is the "
                   "utility's, leave it")
        else:
            what = (f"transformers {', '.join(repr(t) for t in trs)} (in series), which "
                    "feeder.redirects adds and no site names in model_transformer")
            fix = ("if one is the site's own transformer (it comes with the V2G project), "
                   f"name it: model_transformer: <{' or '.join(trs)}>")
        out.append(Issue(
            file, f"v2g_sites[{i}].model_transformer",
            f"the bus {bus!r} of site {name!r} is fed only through {what}: the base case (no "
            "V2G) keeps it, so what it does to the feeder (a grounded-wye winding feeds 3I0 "
            "into ground faults) counts as pre-existing, not the project's, and a fuse on it "
            "gets base-case rows",
            fix + " (docs/study-file.md, \"A site's own transformer on an OpenDSS feeder\")"))
    return out

