"""The protective devices and TCC curves of a :class:`DssModel` as study-file entries.

The same reading as the pandapower importer (:func:`protv2g.network.opendss_devices.
read_device_dicts`: OpenDSS Recloser, Fuse and Relay properties → study device fields, and the
TCC_Curve tables they use), with each device located on the OpenDSS element it monitors:
``MonitoredObj=Line.x`` + ``MonitoredTerm`` 1/2 → ``{line: x, end: from/to}``;
``Transformer.t`` → ``{trafo: t, side: hv/lv}`` (the terminal's winding is the higher/lower
voltage one; equal windings: terminal 1 = ``hv``) — the inverse of
:func:`protv2g.network.dss_graph.locate`. A device monitoring any other element is dropped and
listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.network.dss_engine import new_engine
from protv2g.network.dss_like import like_sources
from protv2g.network.dss_model import DssModel
from protv2g.network.opendss_devices import builtin_curves, read_curves, read_device_dicts
from protv2g.network.opendss_elements import WarningLog, prop

__all__ = ["model_device_dicts"]


def model_device_dicts(model: DssModel) -> tuple[list[dict], list[dict], pd.DataFrame]:
    """Study device dicts, the TCC curve tables they use, and what was dropped.

    Returns
    -------
    devices : list of dict
        As :func:`~protv2g.network.opendss_devices.read_device_dicts` (primary A, s).
    curves : list of dict
        ``{"name", "kind": "point_table", "c_array", "t_array_s", "source"}``.
    warnings : pandas.DataFrame
        ``element, name, what, action``.
    """
    dss = model.engine
    log = WarningLog()

    def location_of(full: str) -> dict | None:
        obj = prop(dss, full, "MonitoredObj").strip().lower()
        term = int(float(prop(dss, full, "MonitoredTerm") or 1))
        cls, _, name = obj.partition(".")
        e = model.elements
        hit = e[e.name == obj]
        if cls == "line" and len(hit):
            return {"line": name, "end": "from" if term == 1 else "to"}
        if cls == "transformer" and len(hit):
            kv = model.buses.kv_ll.to_numpy()[model.bus_index(list(hit.buses.iat[0]))]
            if np.allclose(kv, kv[0], rtol=1e-3):
                side = "hv" if term == 1 else "lv"
            else:
                side = "hv" if term - 1 == int(np.argmax(kv)) else "lv"
            return {"trafo": name, "side": side}
        log.add(full.split(".")[0], full, f"monitored object {obj!r} is not a line or "
                "transformer of the model", "device dropped")
        return None

    devices = read_device_dicts(dss, location_of, log)
    # a recloser made ``like=`` another without its own Delay: OpenDSS did not copy the other's
    # (:mod:`protv2g.network.dss_like`); said in the import's note (review rev32b M6)
    likes = like_sources(model.source, model.redirects)
    for d in devices:
        src, own = likes.get(str(d["name"]).lower(), ("", frozenset({"delay"})))
        if d["kind"] == "recloser" and "delay" not in own:
            d["like"] = src
    used = {str(d.get(k)).lower() for d in devices for k in (
        "curve", "ground_curve", "fast_curve", "delayed_curve", "ground_fast_curve",
        "ground_delayed_curve", "link") if d.get(k)}
    curves = read_curves(dss, used, builtin_curves(new_engine()), model.source)
    return devices, curves, log.frame()
