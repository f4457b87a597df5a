"""What an OpenDSS model holds that the engineer must know before trusting the base case,
said once for both ``protv2g init`` (the draft's comments and TODOs,
:mod:`protv2g.study_draft.notes`) and ``protv2g run`` (the Feeder warnings sheet, through the
loader): review s17 §3.10 found init saying them and the run not.

The rows (``element, name, what, action``, as :attr:`DssModel.warnings`), in this order:

* the feeder graph (:func:`protv2g.network.dss_graph.graph_warnings`): a terminal the model
  opens, a further ``Vsource`` (a second substation, or an existing source on the feeder);
* no enabled ``Load`` in the model: light and peak load are then the same (none), and the
  load-based checks (C8 pickup vs load, C11 island load) judge on 0 MW;
* the device import (:func:`protv2g.network.dss_devices.model_device_dicts`): a device the
  model disables that the study has in service, a device without ground curves, a relay
  the study cannot model (a voltage relay) dropped. A row about a model device the study
  does not have (neither adopted nor placed where the model has it) is left out. A row about
  a model setting that a device of the study file, placed where the model's is, replaces
  says so (:func:`superseded_rows`; review rev35b M3: IEEE 123's "Recloser rc67: no ground
  curves set → ground element off" stayed after the study gave rc67 a ground element).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from protv2g.network.dss_graph import graph_warnings
from protv2g.network.dss_model import DssModel
from protv2g.network.opendss_devices import DEFINITE_GROUND_WHAT, NO_GROUND_WHAT

__all__ = ["NO_LOAD_WHAT", "NO_LOAD_FIX", "DISABLED_FIX", "VSOURCE_FIX", "OPEN_SOURCE_FIX",
           "WARNING_COLUMNS",
           "no_load_rows", "model_warning_rows", "model_device_names", "placed_model_devices",
           "study_devices_at", "superseded_rows"]

WARNING_COLUMNS = ["element", "name", "what", "action"]
NO_LOAD_WHAT = "no enabled Load in the model"
NO_LOAD_ACTION = ("light and peak load are the same (no load, line charging only): C8 "
                  "compares pickups with no load current and C11 judges islanding against "
                  "0 MW of load")
#: What the engineer should do about each kind of note (the draft's TODO fixes).
NO_LOAD_FIX = ("add the feeder's loads to the model (a --redirect script) or confirm it has "
               "none")
DISABLED_FIX = ("confirm the device is in service (a model may disable its devices for a "
                "study run), or delete this entry")
VSOURCE_FIX = ("confirm what it is: a machine as a Generator (X'd, X''d), an inverter as a "
               "PVSystem or Storage element (current-limited), a supply point as a Vsource at "
               "the supply voltage")
#: The fix of an open terminal that keeps a source off the feeder
#: (:func:`protv2g.network.dss_graph.opened_sources`, review rev39a M5), ``{element}`` its
#: name and ``{terminal}`` the open terminal.
OPEN_SOURCE_FIX = ("if the source runs while V2G exports, close it in a script listed in "
                   "feeder.redirects (run after the master: 'close {element} {terminal}'), "
                   "or confirm the study is meant without it")
_DEVICE_CLASSES = {"recloser", "fuse", "relay"}


def no_load_rows(model: DssModel) -> pd.DataFrame:
    """One row when the model has no enabled ``Load`` (else none)."""
    inj = model.injections
    loads = inj[(inj.cls == "load") & inj.enabled.astype(bool)]
    rows = [] if len(loads) else [("model", "model", NO_LOAD_WHAT, NO_LOAD_ACTION)]
    return pd.DataFrame(rows, columns=WARNING_COLUMNS)


def model_device_names(name: str) -> str:
    """The study name of a model device (``Recloser.A`` → ``a``; "" for another element)."""
    cls, _, dev = str(name).partition(".")
    return dev.lower() if cls.lower() in _DEVICE_CLASSES else ""


def placed_model_devices(model: DssModel, places: Iterable[tuple[str, int]]) -> set[str]:
    """The model devices (study names) sitting where a study device sits: the same element
    and terminal (``places``: ``(element, terminal)`` of the study's devices)."""
    return set(study_devices_at(model, [(p, None) for p in places]))


def study_devices_at(model: DssModel, placed: Iterable[tuple[tuple[str, int], Any]]
                     ) -> dict[str, Any]:
    """Model device (study name, ``a``) → the study device sitting where it sits (the same
    element and terminal; ``placed``: ``((element, terminal), study device)`` of the study
    file's devices; the first one at a place)."""
    where: dict[tuple[str, int], Any] = {}
    for (e, t), dev in placed:
        where.setdefault((str(e).lower(), int(t)), dev)
    d = model.devices
    if d is None or not len(d) or not where:
        return {}
    out = {}
    for n, e, t in zip(d.name, d.element, d.terminal, strict=True):
        key = (str(e).lower(), int(t))
        if key in where and (name := model_device_names(n)):
            out.setdefault(name, where[key])
    return out


def _a(value: Any) -> str:
    return f"{float(value):g} A"


def _ground_text(dev: Any) -> str:
    """The study device's ground element in a few words ("" where it has none)."""
    if getattr(dev, "ground_min_trip_a", None) is not None:  # a recloser
        curves = [c for c in (dev.ground_fast_curve, dev.ground_delayed_curve) if c]
        return (f"ground_min_trip_a {_a(dev.ground_min_trip_a)}"
                + (f", curves {' / '.join(curves)}" if curves else ""))
    if getattr(dev, "ground_pickup_a", None) is not None:  # a relay
        how = (f"curve {dev.ground_curve}" if getattr(dev, "ground_curve", None)
               else f"definite time {dev.definite_time_s:g} s"
               if getattr(dev, "definite_time_s", None) is not None else "")
        return f"ground_pickup_a {_a(dev.ground_pickup_a)}" + (f", {how}" if how else "")
    return ""


def superseded_rows(rows: pd.DataFrame, study_at: Mapping[str, Any]) -> pd.DataFrame:
    """``rows`` (``element, name, what, action``) with the action of a model device's ground
    note rewritten where the study file's device at its place (``study_at``,
    :func:`study_devices_at`) sets a ground element of its own: the note is the model's, the
    study runs with its own device (review rev35b M3). A note whose study device agrees (no
    ground element either, or the same 1 A definite-time pickup) is left as it is: then it
    is what the study runs (init's draft writes the model's settings, and its notes)."""
    if not len(rows) or not study_at:
        return rows
    action = rows["action"].astype(str).tolist()
    changed = False
    for i, (name, what) in enumerate(zip(rows["name"].tolist(), rows["what"].astype(str)
                                         .tolist(), strict=True)):
        dev = study_at.get(model_device_names(str(name)))
        if dev is None:
            continue
        ground = _ground_text(dev)
        if what == NO_GROUND_WHAT and ground:
            action[i] = (f"not what the study runs: the study file's {dev.name} at this place "
                         f"sets a ground element ({ground})")
        elif what.startswith(DEFINITE_GROUND_WHAT):
            mine = getattr(dev, "ground_pickup_a", None)
            if mine is not None and f"GroundTrip = {float(mine):g} A" in what \
                    and getattr(dev, "ground_curve", None) is None:
                continue  # the study runs the model's element
            action[i] = (f"not what the study runs: the study file's {dev.name} at this place "
                         + (f"sets its own ({ground})" if ground else "has no ground element"))
        else:
            continue
        changed = True
    if not changed:
        return rows
    return rows.assign(action=action)


def model_warning_rows(model: DssModel, import_warnings: pd.DataFrame | None,
                       study_devices: Iterable[str],
                       study_at: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The graph, load and device-import rows of the module docstring.

    Parameters
    ----------
    import_warnings : DataFrame or None
        The third return of :func:`~protv2g.network.dss_devices.model_device_dicts`.
    study_devices : iterable of str
        The model devices (study names, ``a``) the study has: adopted, or placed where the
        model has them (:func:`placed_model_devices`). Import rows about the model's other
        overcurrent devices are left out; a dropped relay is kept (the study has none).
    study_at : mapping, optional
        Model device → the study file's device placed where it sits
        (:func:`study_devices_at`): a ground note the study's device replaces says so
        (:func:`superseded_rows`).
    """
    keep = {str(n).lower() for n in study_devices}
    parts = [graph_warnings(model), no_load_rows(model)]
    if import_warnings is not None and len(import_warnings):
        w = import_warnings[WARNING_COLUMNS]
        dev = w["name"].map(model_device_names)
        dropped = w["action"].astype(str).str.startswith("dropped")
        parts.append(superseded_rows(w[dev.eq("") | dev.isin(keep) | dropped],
                                     study_at or {}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    return pd.concat(parts, ignore_index=True)

