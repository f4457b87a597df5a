"""The voltage relays of an OpenDSS model (``Relay`` with ``type=voltage``), as read.

protv2g's study devices are overcurrent devices: ``init`` and the importer drop a voltage
relay and say so (:mod:`protv2g.network.opendss_devices`). What such a relay does is still
part of the model a check may have to speak of: C10 assumes an existing DER ceases to energise
an island within IEEE 1547-2018 §8.1's 2 s, and EPRI's DG-protection feeder has a voltage
relay ``LV`` on its generator's transformer (``overvoltcurve=ov1547 undervoltcurve=uv1547``,
disabled like the model's other devices; review rev32b M8: the C10 text said "its own setting
is not in the model"). :func:`voltage_relays` reads them from the model's OpenDSS context
(never solved or edited here), once per model.

An OpenDSS voltage relay trips on the undervoltage curve below the curve's highest voltage and
on the overvoltage curve above the curve's lowest one, at the curve's time for the voltage
(``C_array`` in pu of ``kvbase``, ``T_array`` in s): between those two voltages it does not
trip (OpenDSS Reference Guide, Relay: ``OverVoltCurve``, ``UnderVoltCurve``, ``kvbase``;
TCC_Curve).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.network.opendss_elements import prop

__all__ = ["VOLTAGE_RELAY_COLUMNS", "voltage_relays"]

#: Columns of :func:`voltage_relays`.
VOLTAGE_RELAY_COLUMNS = ["name", "element", "terminal", "bus", "enabled", "ov_curve",
                         "ov_v_pu", "ov_t_s", "uv_curve", "uv_v_pu", "uv_t_s"]


def _floats(text: str) -> tuple[float, ...]:
    out = []
    for t in text.replace("[", " ").replace("]", " ").replace(",", " ").split():
        try:
            out.append(float(t))
        except ValueError:
            return ()
    return tuple(out)


def _curve(dss: Any, relay: str, key: str) -> tuple[str, tuple[float, ...], tuple[float, ...]]:
    name = prop(dss, relay, key).strip().lower()
    if not name:
        return "", (), ()
    return (name, _floats(prop(dss, f"tcc_curve.{name}", "c_array")),
            _floats(prop(dss, f"tcc_curve.{name}", "t_array")))


def _read(model: Any) -> pd.DataFrame:
    dss = model.engine
    rows = []
    if dss is None or not dss.Relays.Count():
        return pd.DataFrame(columns=VOLTAGE_RELAY_COLUMNS)
    e = model.elements
    buses_of = dict(zip(e.name.str.lower().tolist(), e.buses.tolist(), strict=True))
    for name in list(dss.Relays.AllNames()):
        full = f"relay.{name.lower()}"
        if prop(dss, full, "type").strip().lower() != "voltage":
            continue
        dss.Relays.Name(name)  # activates a disabled relay too
        element, term = dss.Relays.MonitoredObj().lower(), int(dss.Relays.MonitoredTerm())
        dss.Circuit.SetActiveElement(full)
        enabled = bool(dss.CktElement.Enabled())
        buses = buses_of.get(element, ())
        bus = str(buses[term - 1]).split(".", 1)[0].lower() if 0 < term <= len(buses) else ""
        rows.append((full, element, term, bus, enabled, *_curve(dss, full, "overvoltcurve"),
                     *_curve(dss, full, "undervoltcurve")))
    return pd.DataFrame(rows, columns=VOLTAGE_RELAY_COLUMNS)


def voltage_relays(model: Any) -> pd.DataFrame:
    """Every ``Relay`` of ``type=voltage`` in an OpenDSS model, enabled or not.

    Parameters
    ----------
    model : DssModel
        A model with its OpenDSS context (``engine``); anything else (a pandapower net) has
        none: an empty table.

    Returns
    -------
    DataFrame
        :data:`VOLTAGE_RELAY_COLUMNS`: ``name`` (``relay.lv``), the monitored ``element`` and
        ``terminal``, that terminal's ``bus`` (name, lower case), ``enabled``, and per curve
        (``ov_`` overvoltage, ``uv_`` undervoltage) its ``curve`` name (``""`` without one),
        ``v_pu`` (its ``C_array``, pu of ``kvbase``) and ``t_s`` (its ``T_array``, s).

    Examples
    --------
    >>> voltage_relays(load_dss_model("DG_Prot_Fdr.dss")).uv_t_s.iat[0]  # doctest: +SKIP
    (0.166, 2.0)
    """
    if getattr(model, "engine", None) is None or not hasattr(model, "derived"):
        return pd.DataFrame(columns=VOLTAGE_RELAY_COLUMNS)
    return model.derived("voltage relays", _read)
