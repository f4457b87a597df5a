"""The loads that come with a V2G site's own transformer in an OpenDSS model (review rev35a M1).

A depot's redirect adds its own transformer (``v2g_sites[].model_transformer``,
:mod:`protv2g.study.dss_site_transformers`) and, behind it, the depot's auxiliary load
(lighting, compressors, the building: every real depot has one; EPRI ckt5's
``Load.depot_aux``, 40 kW on ``depot_lv``). Such a load is the project's, as the transformer
is: it leaves the base case (no V2G: the feeder as it is today) with the transformer — its
bus has no source there, OpenDSS isolates it — and is in every V2G scenario: in their flows
(the transformer's loading and its fuse's load current carry it with the chargers, charging
and exporting) and not in their fault currents (IEC 60909-0:2016 §5.1 neglects non-rotating
loads). Before, ``validate`` refused the transformer ("also supplies load.depot_aux … remove
model_transformer if the transformer is the utility's") and ``init`` did not propose it, so
the project's transformer and any fuse on it silently stayed in the base case.

A load of the model itself (the master's, not the redirects') behind the transformer is a load
of today's feeder: refused (:func:`model_load_issue`), the fix naming both choices — the load
comes with the project (define it in the redirect) or the transformer is the utility's (no
``model_transformer``). Generators, PV systems and storage behind it stay refused as before
(:func:`protv2g.study.dss_site_transformers.site_transformer_issues`), with their own issue
(:func:`der_behind_issue`): one kept the site's bus live in the model (a generator: an
island with the machine) and hid itself, the site's loads and anything else behind the
transformer (review aux35), now found on the buses cut off from the grid
(:func:`protv2g.network.dss_site_transformers.grid_dead_buses`).
"""

from __future__ import annotations

from collections.abc import Sequence

from protv2g.errors import Issue
from protv2g.network.dss_model import DssModel
from protv2g.network.dss_site_transformers import dead_buses
from protv2g.significant import kw_text

__all__ = ["der_behind_issue", "injections_behind", "model_load_issue", "project_loads",
           "study_project_loads", "loads_text", "project_load_warnings", "site_transformer_names",
           "transformer_element"]


def transformer_element(name: str) -> str:
    """``"depot_xf"`` or ``"Transformer.DEPOT_XF"`` → ``"transformer.depot_xf"``."""
    n = str(name).strip().lower()
    return n if n.startswith("transformer.") else f"transformer.{n}"


def site_transformer_names(document: object) -> tuple[str, ...]:
    """Element names (``"transformer.depot_xf"``, lower case) of the sites' own model
    transformers, in study order, each once (re-exported by
    :mod:`protv2g.study.dss_site_transformers`)."""
    out: dict[str, None] = {}
    for s in getattr(document, "v2g_sites", None) or []:
        name = getattr(s, "model_transformer", None)
        if name:
            out[transformer_element(name)] = None
    return tuple(out)


def injections_behind(model: DssModel, dead_names: set[str]
                       ) -> tuple[list[str], list[str], list[str]]:
    """The enabled injections on the buses ``dead_names`` (those a transformer alone
    energises): ``(loads the redirects add, loads of the model itself, the rest)``, element
    names as the model has them (``load.depot_aux``)."""
    inj = model.injections
    on = inj.enabled.astype(bool) & inj.bus.astype(str).str.lower().isin(dead_names)
    added_set = model.redirect_elements
    added, kept, others = [], [], []
    for name, cls in zip(inj.name[on], inj.cls[on], strict=True):
        if str(cls) != "load":
            others.append(str(name))
        elif str(name).lower() in added_set:
            added.append(str(name))
        else:
            kept.append(str(name))
    return added, kept, others


def model_load_issue(file: str, field: str, short: str, kept: list[str],
                      added: list[str]) -> Issue:
    """The refusal of a load of the model itself behind a named site transformer (module
    docstring): both choices in the fix."""
    listed = ", ".join(kept[:6]) + (f" and {len(kept) - 6} more" if len(kept) > 6 else "")
    also = (f" (as {', '.join(added[:3])}{' …' if len(added) > 3 else ''}, which the "
            "redirects add, already does)" if added else "")
    return Issue(file, field,
                 f"transformer {short!r} also supplies {listed}, which the OpenDSS model "
                 "itself has (not feeder.redirects): a load of today's feeder, which the "
                 "base case (no V2G, the feeder without the site's transformer) would cut "
                 "off",
                 "if the load comes with the V2G project (the site's auxiliary load: "
                 "lighting, compressors, the building), define it in the feeder.redirects "
                 f"script with the transformer{also}: it then leaves the base case with "
                 "the transformer and is in every V2G scenario; if the transformer and the "
                 "load are the utility's (today's feeder), remove model_transformer "
                 "(docs/study-file.md, \"A site's own transformer on an OpenDSS feeder\")")


def project_loads(model: DssModel, element: str) -> tuple[tuple[str, float], ...]:
    """The loads that come with a site's own transformer ``element``
    (``"transformer.depot_xf"``): the enabled loads the ``feeder.redirects`` add on the
    buses it alone energises (module docstring) — ``(name, kW)`` as the model defines them
    (before ``LoadMult``), in the model's order. They leave the base case with the
    transformer (its buses have no source there: OpenDSS isolates them) and are in every
    V2G scenario. Empty when there are none or the model cannot be read."""
    el = transformer_element(element)
    try:
        dead = dead_buses(model, [el])
    except Exception:  # noqa: BLE001 - a text only: none rather than no study
        return ()
    names = set(model.buses.index[sorted(int(b) for b in dead)])
    added, _kept, _others = injections_behind(model, names)
    inj = model.injections
    kw = dict(zip(inj.name.astype(str), inj.kw.astype(float), strict=True))
    return tuple((n, float(kw.get(n, float("nan")))) for n in added)


def study_project_loads(study: object) -> dict[str, tuple[tuple[str, float], ...]]:
    """:func:`project_loads` of every site transformer of ``study`` (element name →
    loads), those with none left out; empty without an OpenDSS model."""
    model = getattr(study, "model", None)
    if model is None:
        return {}
    out = {}
    for el in site_transformer_names(study.document):  # type: ignore[attr-defined]
        loads = project_loads(model, el)
        if loads:
            out[el] = loads
    return out


def loads_text(loads: Sequence[tuple[str, float]]) -> str:
    """``"load.depot_aux (40 kW)"``; several joined with commas, the total after them.

    >>> loads_text([("load.depot_aux", 40.0)])
    'load.depot_aux (40 kW)'
    >>> loads_text([("load.a", 40.0), ("load.b", 10.0)])
    'load.a (40 kW), load.b (10 kW): 50 kW'
    >>> loads_text([("load.a", 12500.0), ("load.b", 250.5)])  # not "1.25e+04 kW"
    'load.a (12,500 kW), load.b (250.5 kW): 12,750 kW'
    """
    parts = [f"{n} ({kw_text(kw, 4)} kW)" for n, kw in loads]
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts)}: {kw_text(sum(kw for _n, kw in loads), 4)} kW"


def project_load_warnings(study: object) -> list[Issue]:
    """``validate``'s and the Feeder warnings' line for a named site transformer with loads
    the redirects add behind it (:func:`project_loads`, review rev35a M1): they leave the
    base case with it and are in every V2G scenario — said, since it changes what the base
    case is. Empty without such a load."""
    found = study_project_loads(study)
    if not found:
        return []
    doc = study.document  # type: ignore[attr-defined]
    out = []
    for el, loads in found.items():
        short = el.split(".", 1)[1]
        i, users = None, []
        for j, s in enumerate(doc.v2g_sites):
            name = getattr(s, "model_transformer", None)
            if name and transformer_element(name) == el:
                i = j if i is None else i
                users.append(s.name)
        out.append(Issue(
            str(study.path), f"v2g_sites[{i}].model_transformer",  # type: ignore[attr-defined]
            f"transformer {short!r}, the own transformer of site(s) {', '.join(users)}, also "
            f"supplies {loads_text(loads)}, which feeder.redirects adds with it: the "
            "project's own load, taken out of the base case (no V2G) with the transformer "
            "and in every V2G scenario — in their flows (the transformer's loading and its "
            "fuse's load current carry it with the chargers, charging and exporting) and "
            "not in their fault currents (IEC 60909-0:2016 §5.1: 'parallel admittances of "
            "non-rotating loads … are neglected')",
            "nothing if the load comes with the V2G project; if it is on today's feeder, "
            "move it into the OpenDSS model itself (the study then refuses model_transformer "
            f"{short}: the transformer is the utility's) (docs/study-file.md, \"A site's "
            "own transformer on an OpenDSS feeder\")"))
    return out


def der_behind_issue(model: DssModel, file: str, i: int, site: object, short: str,
                     names: Sequence[str]) -> Issue:
    """The refusal of a generator, PV system or storage behind site ``site``'s own
    transformer ``short`` (``v2g_sites[i]``; ``names`` as :func:`injections_behind` gives
    them).

    Such a unit cannot be on today's feeder without the transformer, which the study takes
    out of the base case; what it is decides how it is treated, and the model does not say:
    the site's chargers modelled in OpenDSS as well (counted twice: its fault current and
    power on top of ``v2g_sites``), a battery or PV system that comes with the project (out
    of the base case, in every V2G scenario), a standby generator that never runs in parallel
    with the feeder (in no case), or DER of today's feeder (then the transformer is today's
    too). Refused rather than guessed, the fix naming each reading's study change: the
    project's own inverter is declared as a site of its own on the same bus naming the same
    transformer, so the study solves it by the chargers' fault law in every V2G scenario,
    maximum and minimum case as the chargers, and leaves it out of the base case with the
    transformer.
    """
    inj = model.injections
    kw = dict(zip(inj.name.astype(str), inj.kw.astype(float), strict=True))
    added = [n for n in names if str(n).lower() in model.redirect_elements]
    listed = ", ".join(f"{n} ({kw_text(kw.get(n, float('nan')), 4)} kW)"
                       for n in names[:6])
    listed += f" and {len(names) - 6} more" if len(names) > 6 else ""
    where = ("the feeder.redirects script" if len(added) == len(names)
             else "the OpenDSS model" if not added else "the .dss files")
    bus = getattr(site, "bus", "")
    name = getattr(site, "name", "")
    p_kw = kw.get(names[0], float("nan"))
    p_kw = p_kw if p_kw == p_kw and p_kw > 0 else 100.0
    return Issue(
        file, f"v2g_sites[{i}].model_transformer",
        f"transformer {short!r} (the own transformer of site {name!r}: out of the base case, "
        f"the feeder as it is today) also has {listed} behind it, in {where}: a source of "
        "power and fault "
        "current that cannot be on today's feeder without the transformer; whether it models "
        "the site's chargers, comes with the project or is today's decides how each case "
        "treats it, and the model does not say",
        "say which: if it models the site's chargers, remove it from "
        f"{where} (v2g_sites[{i}] models them: n_chargers × p_charger_kw by their fault law; "
        "with it as well they are counted twice); if it is a battery or PV system that comes "
        f"with the project, remove it from {where} and declare it as a site of its own on "
        f"the same bus naming the same transformer (v2g_sites: - {{name: {name}-bess, bus: "
        f"{bus}, n_chargers: 1, p_charger_kw: {p_kw:.10g}, model_transformer: {short}}}; a "
        "PV system with modes: [exporting]): it then leaves the base case with the "
        "transformer and is in every V2G scenario, maximum and minimum case, by the "
        "chargers' fault law (limit_pu, sustained limits, ride-through); if it is a standby "
        "generator that never runs in parallel with the feeder, disable it in the .dss "
        "(enabled=no); if it is on today's feeder, so is the transformer: remove "
        "model_transformer (it then stays in the base case as the feeder's existing DER) "
        "(docs/study-file.md, \"A site's own transformer on an OpenDSS feeder\")")
