"""Study devices on a V2G site's own transformer, on either engine's input.

A depot's or campus's step-up transformer comes with the V2G project, and so does a study
device on it (its high-voltage fuse F-DEPOT, ``location: {trafo: NAME, side: hv}``): both are
out of the base case. The transformer is

* on an OpenDSS feeder, the model's transformer a site names in ``model_transformer``
  (``depot_xf``; :mod:`protv2g.study.dss_site_transformers`);
* on a pandapower feeder, the one the study adds for a site's ``interconnection_transformer``
  (:mod:`protv2g.network.site_transformer`), named ``<site>-XFMR`` (``depot-XFMR``).

:func:`site_transformer_devices` is the one rule both paths read (the pipeline leaving the
device out of the parts without its transformer, C7's "caused by the project's equipment",
:mod:`protv2g.checks.equipment`, and :func:`devices_never_built`, the checks' "no rows by
design").
"""

from __future__ import annotations

from typing import Any

__all__ = ["site_transformer_of", "site_transformer_devices", "pp_transformer_name",
           "devices_never_built", "own_transformer"]


def pp_transformer_name(site: str) -> str:
    """Name of the transformer the study adds for ``site``'s ``interconnection_transformer``
    on a pandapower feeder (:func:`protv2g.network.site_transformer.add_site_transformers`)."""
    return f"{site}-XFMR"


def _short(name: str) -> str:
    """An OpenDSS transformer's name without its class (``Transformer.depot_xf`` → ``depot_xf``)."""
    n = str(name).strip()
    return n.split(".", 1)[1] if n.lower().startswith("transformer.") else n


def own_transformer(site: Any) -> str | None:
    """The name of a ``v2g_sites[]`` entry's own transformer as the study gives it
    (``model_transformer`` ``"depot_xf"``, or ``"depot-XFMR"`` for an
    ``interconnection_transformer``), None without one."""
    el = getattr(site, "model_transformer", None)
    if el:
        return _short(el)
    if getattr(site, "interconnection_transformer", None) is not None:
        return pp_transformer_name(str(site.name))
    return None


def _own_key(site: Any) -> str | None:
    """Lower-case name of ``site``'s own transformer, or None."""
    name = own_transformer(site)
    return None if name is None else name.lower()


def site_transformer_of(document: Any) -> dict[str, tuple[str, str]]:
    """The sites' own transformers: lower-case name → ``(site, name as the study gives it)``
    (``"depot_xf" → ("depot", "depot_xf")``, ``"depot-xfmr" → ("depot", "depot-XFMR")``);
    empty without one."""
    out: dict[str, tuple[str, str]] = {}
    for s in getattr(document, "v2g_sites", None) or []:
        name = own_transformer(s)
        if name is not None:
            out[name.lower()] = (str(s.name), name)
    return out


def site_transformer_devices(study: Any) -> dict[str, tuple[str, str]]:
    """Study device (placed: in ``study.device_sites``) → ``(site, transformer)`` for the
    devices on a site's own transformer (:func:`site_transformer_of`); empty without one.
    On an OpenDSS model the device's element (``DeviceSite.element_name``
    ``"transformer.depot_xf"``: a device of the study or one adopted from the model); on a
    pandapower net, where the transformer is added after the devices are placed, the
    study's ``location: {trafo: <site>-XFMR}``.

    >>> site_transformer_devices(object())
    {}
    """
    doc = getattr(study, "document", None)
    placed = getattr(study, "device_sites", None) or {}
    names = site_transformer_of(doc) if doc is not None and placed else {}
    if not names:
        return {}
    given = {d.name: getattr(d.location, "trafo", None)
             for d in getattr(doc, "devices", None) or []}
    out = {}
    for n, place in placed.items():
        el = str(getattr(place, "element_name", "") or "")
        if el:  # an OpenDSS element
            key = _short(el).lower() if el.lower().startswith("transformer.") else None
        else:
            key = _short(given[n]).lower() if given.get(n) is not None else None
        if key in names:
            out[n] = names[key]
    return out


def devices_never_built(study: Any, scenarios: Any) -> set[str]:
    """Study devices on a site's own transformer (:func:`site_transformer_devices`) that is
    out of every one of ``scenarios``: they have no engine rows by design, not by error.
    A site's transformer is out of the base case and of a scenario that builds other sites
    only (``Scenario.built_sites``: the hosting search's one-site scenarios), in a scenario
    that builds a site naming it (every site: ``built_sites`` None). Review ver33 (EPRI
    ckt24): the depot transformer's fuse made every other site's one-site hosting search
    "NOT ESTABLISHED … no engine result for device F-DEPOT"."""
    scenarios = list(scenarios)
    on = site_transformer_devices(study) if scenarios else {}
    if not on:
        return set()
    sites = list(study.document.v2g_sites)
    ever: set[str] = set()
    for sc in scenarios:
        if sc.is_base:
            continue
        built = sc.built_sites
        ever |= {k for x in sites if built is None or x.name in built
                 if (k := _own_key(x)) is not None}
    return {d for d, (_, name) in on.items() if name.lower() not in ever}
