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
  does not have (neither adopted nor placed where the model has it) is left out.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from protv2g.network.dss_graph import graph_warnings
from protv2g.network.dss_model import DssModel

__all__ = ["NO_LOAD_WHAT", "NO_LOAD_FIX", "DISABLED_FIX", "VSOURCE_FIX", "WARNING_COLUMNS",
           "no_load_rows", "model_warning_rows", "model_device_names", "placed_model_devices"]

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
    where = {(str(e).lower(), int(t)) for e, t in places}
    d = model.devices
    if d is None or not len(d) or not where:
        return set()
    hit = [(str(e).lower(), int(t)) in where for e, t in zip(d.element, d.terminal,
                                                             strict=True)]
    return {model_device_names(n) for n in d.name[np.asarray(hit, dtype=bool)]} - {""}


def model_warning_rows(model: DssModel, import_warnings: pd.DataFrame | None,
                       study_devices: Iterable[str]) -> pd.DataFrame:
    """The graph, load and device-import rows of the module docstring.

    Parameters
    ----------
    import_warnings : DataFrame or None
        The third return of :func:`~protv2g.network.dss_devices.model_device_dicts`.
    study_devices : iterable of str
        The model devices (study names, ``a``) the study has: adopted, or placed where the
        model has them (:func:`placed_model_devices`). Import rows about the model's other
        overcurrent devices are left out; a dropped relay is kept (the study has none).
    """
    keep = {str(n).lower() for n in study_devices}
    parts = [graph_warnings(model), no_load_rows(model)]
    if import_warnings is not None and len(import_warnings):
        w = import_warnings[WARNING_COLUMNS]
        dev = w["name"].map(model_device_names)
        dropped = w["action"].astype(str).str.startswith("dropped")
        parts.append(w[dev.eq("") | dev.isin(keep) | dropped])
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    return pd.concat(parts, ignore_index=True)

