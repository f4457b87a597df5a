"""Protective devices and TCC curves of an imported OpenDSS model, as study devices.

Rules (each deviation becomes a row of the feeder warning table, never silence):

* A study device with the same name as an imported one replaces it; otherwise the imported
  devices come first, then the study's own.
* Curve names the library knows (``101``, ``133``, …) use the library curve when the model has
  no table of that name or its table agrees within 2 % in time; otherwise the model's points are
  used (as ``dss-<name>``, reported). Unknown relay and recloser curves come from the model's
  points the same way.
* OpenDSS fuses (``klink``/``tlink`` with ``RatedCurrent``) map to the library's K/T link of
  that rating (the library's K/T curves are OpenDSS's, scaled by the rating); any other fuse
  curve becomes a total-clearing point table with minimum melt 0.8 × TC, as in the library.
* Every key the importer emits is a study-schema key with OpenDSS's meaning (relay
  ``definite_time_s`` = ``Delay``, fuse ``time_adder_s`` = ``Delay``, recloser ground
  multipliers and first-shot instantaneous trips, …); only the fuse's ``rating_a`` is consumed
  here (it names the link). Validation errors are located inside the device.
* An OpenDSS current relay with neither ``PhaseCurve`` nor ``Delay`` has no time-overcurrent
  element (OpenDSS then checks none of its elements): it is not imported, and reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from protv2g.devices.curves import CurveFamily
from protv2g.devices.library import Curve, CurveLibrary
from protv2g.errors import Issue
from protv2g.study.issues import DEVICE_ROOT, issues_from_validation_error
from protv2g.study.schema import Device
from protv2g.units import DeviceKind

_DEVICE = TypeAdapter(Device)
#: Keys of the importer's device dicts consumed while adopting them (not schema keys).
CONSUMED_KEYS = {DeviceKind.FUSE: frozenset({"rating_a"}),
                 DeviceKind.RECLOSER: frozenset({"like"})}
_CURVE_KEYS = ("curve", "ground_curve", "fast_curve", "delayed_curve", "ground_fast_curve",
               "ground_delayed_curve")
_MM_FACTOR = 0.8
#: Start of the warning on a recloser whose model ``Delay`` is under the library curve's
#: mechanism time, and of the one on a swapped fuse model: what ``protv2g init`` asks the
#: engineer to confirm (:data:`CONFIRM_WHATS`).
MODEL_DELAY_WHAT = "model Delay under the library's mechanism time"
FUSE_SWAP_WHAT = "OpenDSS's generic TCC_Curve"
CONFIRM_WHATS = (FUSE_SWAP_WHAT, MODEL_DELAY_WHAT)


def _warn(rows: list[dict[str, str]], name: str, what: str, action: str) -> None:
    rows.append({"element": "device", "name": name, "what": what, "action": action})


def _points_differ(curve: Curve, m: Sequence[float], t: Sequence[float]) -> bool:
    if curve.family is not CurveFamily.POINTS or not curve.m_points:
        return False
    ours = np.interp(np.log(m), np.log(curve.m_points), np.log(curve.t_points))
    return bool(np.max(np.abs(np.exp(ours) / np.asarray(t) - 1.0)) > 0.02)


def _model_curve(name: str, spec: dict[str, Any], kind: DeviceKind, file: str,
                 rating_a: float | None = None) -> Curve:
    m = tuple(float(x) for x in spec["c_array"])
    t = tuple(float(x) for x in spec["t_array_s"])
    if kind is DeviceKind.FUSE:
        return Curve(name=name, kind=kind, family=CurveFamily.POINTS,
                     source=f"{spec.get('source', file)} (OpenDSS TCC_Curve, total clearing)",
                     m_points=m, t_points=t, rating_a=rating_a, mm_m_points=m,
                     mm_t_points=tuple(_MM_FACTOR * x for x in t),
                     mm_derivation="minimum melt = 0.8 × total clearing (approximation)",
                     file=file)
    # OpenDSS trips at the table time plus the element's Delay, which the import sets as the
    # device's adder: the table itself assumes no mechanism time (#17).
    return Curve(name=name, kind=kind, family=CurveFamily.POINTS,
                 source=f"{spec.get('source', file)} (OpenDSS TCC_Curve)", m_points=m,
                 t_points=t, clearing_adder_s=0.0,
                 clearing_adder_source="OpenDSS model: the element's Delay is the device's "
                                       "adder", file=file)


def adopt_model_devices(imported: Sequence[dict[str, Any]], curves: Sequence[dict[str, Any]],
                        library: CurveLibrary, study_names: set[str], file: str
                        ) -> tuple[list[Any], list[Curve], list[Issue], pd.DataFrame]:
    """Validated study devices from an OpenDSS import, the curves they add, and warnings.

    Returns
    -------
    devices : list
        Study device models (``RelayDevice``/``RecloserDevice``/``FuseDevice``).
    extra_curves : list of Curve
        Curves to add to the study's library.
    issues : list of Issue
        Imported devices that could not be used, addressed ``feeder.opendss: <device>``.
    warnings : DataFrame
        element, name, what, action.
    """
    by_name = {str(c["name"]).casefold(): c for c in curves}
    delays = {str(d["name"]).casefold(): d.get("fast_adder_s") for d in imported
              if d.get("kind") == DeviceKind.RECLOSER.value}
    extra: dict[str, Curve] = {}
    rows: list[dict[str, str]] = []
    devices, issues = [], []
    for raw in imported:
        name = str(raw["name"])
        if name in study_names:
            _warn(rows, name, "also defined in the study file", "the study's settings are used")
            continue
        entry = dict(raw)
        kind = DeviceKind(entry["kind"])
        if kind is DeviceKind.RELAY and entry.get("curve") is None \
                and entry.get("definite_time_s") is None:
            _warn(rows, name, "OpenDSS relay with neither PhaseCurve nor Delay: no "
                  "time-overcurrent element, so OpenDSS checks none of its elements",
                  "not imported (give it a PhaseCurve or Delay in the model, or define it in "
                  "the study file under the same name)")
            continue
        if kind is DeviceKind.FUSE:
            _adopt_fuse(entry, by_name, library, extra, rows, file)
        else:
            for key in _CURVE_KEYS:
                curve = entry.get(key)
                if curve is None:
                    continue
                spec = by_name.get(str(curve).casefold())
                if spec is None or (curve in library and not _points_differ(
                        library.get(curve), spec["c_array"], spec["t_array_s"])):
                    continue  # the library curve of that name (same points, or no model table)
                new = f"dss-{curve}"
                if new not in extra and curve in library:
                    _warn(rows, name, f"model curve {curve!r} differs from the library's "
                          f"{library.get(curve).name!r} by more than 2 %",
                          f"the model's points are used, as {new!r}")
                extra.setdefault(new, _model_curve(new, spec, kind, file))
                entry[key] = new
            if kind is DeviceKind.RECLOSER:
                like = _like_text(name, entry.pop("like", None), delays)
                _no_double_mechanism(entry, library, by_name, extra, rows, file, like)
        try:
            devices.append(_DEVICE.validate_python(entry))
        except ValidationError as exc:
            for issue in issues_from_validation_error(exc, file, DEVICE_ROOT):
                issues.append(Issue(file, f"feeder.opendss: {kind.value} {name!r}: "
                                    f"{issue.field}".rstrip(": "), issue.message, issue.fix))
    return devices, list(extra.values()), issues, pd.DataFrame(
        rows, columns=["element", "name", "what", "action"])


def _like_text(name: str, like: str | None, delays: dict[str, Any]) -> str:
    """Why a recloser made ``like=`` another has OpenDSS's default ``Delay`` (review rev32b
    M6: EPRI DG_Prot_Fdr's ``Recloser.D like=A``, A's Delay 0.042 s, D's 0): OpenDSS's
    ``like=`` does not copy ``Delay`` nor the TD multipliers
    (:data:`protv2g.network.dss_like.RECLOSER_NOT_COPIED`); "" when not made ``like=``."""
    if not like:
        return ""
    other = delays.get(like.casefold())
    theirs = f" {like}'s Delay {float(other):g} s" if other is not None else " the Delay"
    return (f": {name} is defined like={like} in the script, and OpenDSS's like= does not "
            f"copy{theirs} (nor the TD multipliers)")


def _no_double_mechanism(entry: dict[str, Any], library: CurveLibrary,
                         by_name: dict[str, dict[str, Any]], extra: dict[str, Curve],
                         rows: list[dict[str, str]], file: str, like: str = "") -> None:
    """OpenDSS clears a recloser shot at the curve's table time plus the element's ``Delay``
    (OpenDSS Recloser property help: "Fixed delay time (sec) added to Recloser trip time.
    Default is 0.0. Used to represent breaker time or any other delay."), so the model always
    gives that time, stated or by default. A library curve already carries the mechanism time
    its points assume (``clearing_adder_s``): where the model's ``Delay`` covers it (every
    library curve of the shot with the same time ``m`` ≤ ``Delay``), the library curve is kept
    and the adder is ``Delay − m``; otherwise (``Delay`` < ``m``: EPRI DG_Prot_Fdr's
    ``Recloser.D like=A``, whose ``Delay`` is OpenDSS's 0, review s17 §3.5) the curve's own
    points are used without a mechanism time (``dss-<curve>``: the model's table of that name,
    else the library's points) and the adder is the model's ``Delay`` — the model's clearing
    time either way, the difference from the library curve stated. ``like``: why the model's
    ``Delay`` is OpenDSS's default where the recloser is made ``like=`` another
    (:func:`_like_text`), put into the note."""
    for adder, keys in (("fast_adder_s", ("fast_curve", "ground_fast_curve")),
                        ("delayed_adder_s", ("delayed_curve", "ground_delayed_curve"))):
        used = [k for k in keys if entry.get(k) is not None]
        mechs = {k: float(library.get(entry[k]).clearing_adder_s or 0.0)
                 if entry[k] in library else 0.0 for k in used}
        mech = max(mechs.values(), default=0.0)
        if mech <= 0.0:
            continue
        delay = float(entry.get(adder) or 0.0)
        if delay >= mech and all(abs(m - mech) < 1e-12 for m in mechs.values()):
            entry[adder] = delay - mech
            _warn(rows, str(entry["name"]), f"model Delay {delay:g} s and the library curve's "
                  f"mechanism time {mech:g} s are the same time",
                  f"{adder} = {delay - mech:g} s (clearing time = curve + {delay:g} s)")
            continue
        swapped = []
        for k in used:
            if mechs[k] <= 0.0:
                continue
            name = str(entry[k])
            new = f"dss-{name}"
            spec = by_name.get(name.casefold())
            if spec is not None:
                extra.setdefault(new, _model_curve(new, spec, DeviceKind.RECLOSER, file))
            else:
                extra.setdefault(new, dataclasses.replace(
                    library.get(name), name=new, aliases=(), clearing_adder_s=0.0,
                    clearing_adder_source="OpenDSS model: the element's Delay is the device's "
                                          "adder", file=file))
            entry[k] = new
            swapped.append(name)
        shots = "fast" if adder.startswith("fast") else "delayed"
        _warn(rows, str(entry["name"]), f"{MODEL_DELAY_WHAT}: Delay {delay:g} s on the "
              f"{shots} shots (OpenDSS's default is 0{like}) is less than the {mech:g} s "
              f"mechanism time the library's curve {', '.join(dict.fromkeys(swapped))} assumes",
              "the model's time is used, as OpenDSS clears: the curve's points without "
              f"mechanism time ({', '.join(f'dss-{c}' for c in dict.fromkeys(swapped))}) "
              f"+ {delay:g} s, {mech - delay:.3g} s faster than the library curve")


def link_provenance(library: CurveLibrary, link: str) -> str:
    """What the library says of a link's melting ranges, in a few words (review s22: the draft
    called them "published" where ``relay_library/fuse_links.yaml`` says "recalled, NOT
    verified value by value against C37.43").

    >>> from protv2g.devices.library import default_library
    >>> link_provenance(default_library(), "40K")[:58]
    'melting ranges as recalled from catalogue reproductions, N'
    """
    source = link_source(library, link)
    if "NOT verified" in source:
        return ("melting ranges as recalled from catalogue reproductions, NOT verified value "
                "by value against ANSI C37.43: relay_library/fuse_links.yaml")
    return f"melting ranges from {source or 'the curve library'}"


def link_source(library: CurveLibrary, link: str) -> str:
    """The ``source`` text the library gives for ``link`` ("" when it has none)."""
    try:
        return str(library.get(link).source or "")
    except Exception:  # noqa: BLE001 - an unknown link: no source to quote
        return ""


def _adopt_fuse(entry: dict[str, Any], by_name: dict[str, dict[str, Any]],
                library: CurveLibrary, extra: dict[str, Curve], rows: list[dict[str, str]],
                file: str) -> None:
    link = str(entry.get("link", ""))
    rating_a = entry.pop("rating_a", None)
    family = {"klink": "K", "tlink": "T"}.get(link.casefold())
    if family and rating_a and f"{rating_a:g}{family}" in library:
        entry["link"] = f"{rating_a:g}{family}"
        _warn(rows, entry["name"], f"{FUSE_SWAP_WHAT}.{link} at {rating_a:g} A",
              f"the EEI-NEMA {entry['link']} link is used ("
              f"{link_provenance(library, entry['link'])}), not OpenDSS's normalised curve "
              "(#17)")
        return
    spec = by_name.get(link.casefold())
    if spec is not None and rating_a:
        new = f"dss-{link}-{rating_a:g}A"
        extra.setdefault(new, _model_curve(new, spec, DeviceKind.FUSE, file, float(rating_a)))
        entry["link"] = new
        _warn(rows, entry["name"], f"fuse curve {link!r} at {rating_a:g} A is not a library "
              "link", "model points used as total clearing; minimum melt = 0.8 × TC")
