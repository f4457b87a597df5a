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
:mod:`protv2g.checks.equipment`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["site_transformer_of", "site_transformer_devices", "pp_transformer_name"]


def pp_transformer_name(site: str) -> str:
    """Name of the transformer the study adds for ``site``'s ``interconnection_transformer``
    on a pandapower feeder (:func:`protv2g.network.site_transformer.add_site_transformers`)."""
    return f"{site}-XFMR"


def _short(name: str) -> str:
    """An OpenDSS transformer's name without its class (``Transformer.depot_xf`` → ``depot_xf``)."""
    n = str(name).strip()
    return n.split(".", 1)[1] if n.lower().startswith("transformer.") else n


def site_transformer_of(document: Any) -> dict[str, tuple[str, str]]:
    """The sites' own transformers: lower-case name → ``(site, name as the study gives it)``
    (``"depot_xf" → ("depot", "depot_xf")``, ``"depot-xfmr" → ("depot", "depot-XFMR")``);
    empty without one."""
    out: dict[str, tuple[str, str]] = {}
    for s in getattr(document, "v2g_sites", None) or []:
        el = getattr(s, "model_transformer", None)
        if el:
            out[_short(el).lower()] = (str(s.name), _short(el))
        elif getattr(s, "interconnection_transformer", None) is not None:
            name = pp_transformer_name(str(s.name))
            out[name.lower()] = (str(s.name), name)
    return out


def site_transformer_devices(study: Any) -> dict[str, tuple[str, str]]:
    """Study device (placed: in ``study.device_sites``) → ``(site, transformer)`` for the
    devices whose ``location`` is on a site's own transformer (:func:`site_transformer_of`);
    empty without such a device.

    >>> site_transformer_devices(object())
    {}
    """
    doc = getattr(study, "document", None)
    placed = getattr(study, "device_sites", None) or {}
    names = site_transformer_of(doc) if doc is not None and placed else {}
    if not names:
        return {}
    out = {}
    for d in doc.devices:
        trafo = getattr(d.location, "trafo", None)
        if trafo is not None and d.name in placed and _short(trafo).lower() in names:
            out[d.name] = names[_short(trafo).lower()]
    return out
