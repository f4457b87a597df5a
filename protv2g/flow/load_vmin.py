"""The model's loads that sit below their ``Vminpu`` in an OpenDSS flow (review rev51 #1).

OpenDSS solves a load by its ``model`` (1: constant P and Q) only while its terminal voltage is
at or above ``Vminpu`` × its base (default 0.95); below it the load becomes a **constant
impedance**, its admittance the one it has at ``Vminpu`` (OpenDSS Reference Guide, Load
``Vminpu``: "below this value, the load model reverts to a constant impedance model"; the
same below ``Vlowpu`` for every model). Its current then rises and falls with the voltage,
where a constant-power load's falls as the voltage rises. pandapower's constant-power loads
do not switch. A flow step with such loads therefore has a load model the study did not
choose: rev51's feeder A at peak has its lateral's loads at 0.8866 pu, and the 25K fuse
feeding them carries 38.93 A without V2G, 39.50 A with the depot exporting 421.9 kW (it raises
the lateral's voltage) — at constant power throughout (``vminpu=0``) 44.71 → 43.96 A
(opendssdirect, /tmp/ldv51/chk_vmin.py).

A load's voltage is read as OpenDSS's ``Load`` does (``CalcVTerminalPhase``): per phase, a
wye load between its phase conductor and its last (neutral) conductor, a delta load between
its conductor and the next; its base is ``kV`` for a single-phase or delta load, ``kV/√3``
for a wye load of two or more phases. A load ``model=2`` (constant impedance already) does
not change; a disabled load or one of zero kW is left out.

:func:`below_vmin` gives the steps' table (one row per step and load below its ``Vminpu``),
:func:`vmin_note` the run's one feeder note (how many loads, in how many steps, the lowest
voltage). C8's rows at a device no site's current crosses read the table
(:mod:`protv2g.checks.load_voltage`).

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — Load (``model``, ``Vminpu``, ``Vlowpu``, ``kV``, ``conn``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LOADS_VMIN_COLUMNS", "LoadTerminals", "below_vmin", "read_loads", "vmin_note"]

#: Columns of :func:`below_vmin`'s table (``v_pu``: the load's lowest phase voltage, pu of
#: its own base; ``vminpu`` its ``Vminpu``).
LOADS_VMIN_COLUMNS = ["scenario", "step", "load", "bus", "bus_name", "v_pu", "vminpu"]

#: OpenDSS load model that is a constant impedance already (nothing switches below Vminpu).
CONSTANT_Z_MODEL = 2


@dataclass(frozen=True)
class LoadTerminals:
    """The switching loads of a compiled circuit: ``name``, ``bus`` (the model's bus index),
    ``bus_name``, ``vminpu``, ``base_v`` (V); ``plus``/``minus`` ``(n_loads, 3)`` indices into
    the model's nodes of each phase voltage's two ends (−1: ground; ``plus`` −2: no phase)."""

    name: np.ndarray
    bus: np.ndarray
    bus_name: np.ndarray
    vminpu: np.ndarray
    base_v: np.ndarray
    plus: np.ndarray
    minus: np.ndarray


def read_loads(dss: Any, model: Any) -> LoadTerminals:
    """The enabled loads of ``dss`` (compiled ``model``) OpenDSS switches to constant impedance
    below ``Vminpu``, with their terminal nodes (module docstring)."""
    pos = {str(n).lower(): i for i, n in enumerate(model.node_names)}
    rows: list[tuple] = []
    k = dss.Loads.First()
    while k > 0:
        name = dss.Loads.Name()
        dss.Circuit.SetActiveElement(f"load.{name}")
        if (dss.CktElement.Enabled() and dss.Loads.Model() != CONSTANT_Z_MODEL
                and dss.Loads.kW() > 0):
            bus = str(dss.CktElement.BusNames()[0]).split(".")[0].lower()
            nodes = list(dss.CktElement.NodeOrder())
            ph = int(dss.CktElement.NumPhases())
            delta = bool(dss.Loads.IsDelta())
            base = dss.Loads.kV() * 1000.0 / (np.sqrt(3.0) if ph > 1 and not delta else 1.0)

            def at(j: int, bus: str = bus, nodes: list = nodes) -> int:
                return -1 if j >= len(nodes) or nodes[j] == 0 else pos.get(f"{bus}.{nodes[j]}",
                                                                              -1)

            plus, minus = [-2] * 3, [-1] * 3
            for i in range(min(ph, 3)):
                plus[i] = at(i)
                minus[i] = (at((i + 1) % ph) if delta and ph >= 3 else at(i + 1) if delta
                            else at(ph))
            rows.append((name, bus, dss.Loads.Vminpu(), base, plus, minus))
        k = dss.Loads.Next()
    names = [r[1] for r in rows]
    idx = model.bus_index(names) if names else np.zeros(0, dtype=np.int64)
    return LoadTerminals(
        name=np.array([r[0] for r in rows], dtype=object), bus=np.asarray(idx, dtype=np.int64),
        bus_name=np.array(names, dtype=object),
        vminpu=np.array([r[2] for r in rows], dtype=float),
        base_v=np.array([r[3] for r in rows], dtype=float),
        plus=np.array([r[4] for r in rows], dtype=np.int64).reshape(-1, 3),
        minus=np.array([r[5] for r in rows], dtype=np.int64).reshape(-1, 3))


def _lowest_pu(loads: LoadTerminals, v_v: np.ndarray) -> np.ndarray:
    """``(steps, loads)``: each load's lowest phase voltage, pu of its base (NaN unsolved)."""
    v = np.concatenate([v_v, np.zeros((len(v_v), 1), dtype=complex)], axis=1)  # −1: ground
    has = loads.plus >= -1
    plus = np.where(has, loads.plus, -1)
    d = np.abs(v[:, plus] - v[:, loads.minus])  # (steps, loads, 3)
    with np.errstate(invalid="ignore"):
        low = np.min(np.where(has[None], d, np.inf), axis=2)
    return np.where(np.isfinite(low), low, np.nan) / loads.base_v[None]


def below_vmin(loads: LoadTerminals, v_v: np.ndarray, scenario: np.ndarray,
               step: np.ndarray) -> pd.DataFrame:
    """One row per step and load below its ``Vminpu`` (:data:`LOADS_VMIN_COLUMNS`) of the
    steps' node voltages ``v_v`` ``(steps, model nodes)``, V."""
    if not len(loads.name) or not len(v_v):
        return pd.DataFrame(columns=LOADS_VMIN_COLUMNS)
    pu = _lowest_pu(loads, v_v)
    with np.errstate(invalid="ignore"):
        k, j = np.nonzero(pu < loads.vminpu[None])
    return pd.DataFrame({"scenario": np.asarray(scenario, dtype=object)[k],
                         "step": np.asarray(step)[k], "load": loads.name[j],
                         "bus": loads.bus[j], "bus_name": loads.bus_name[j],
                         "v_pu": pu[k, j], "vminpu": loads.vminpu[j]})


def vmin_note(table: pd.DataFrame, n_loads: int, n_steps: int) -> str | None:
    """The run's feeder note on :func:`below_vmin`'s ``table`` (None when empty): how many of
    the ``n_loads`` switching loads, in how many of the ``n_steps`` steps, and the lowest."""
    if table.empty:
        return None
    w = table.loc[table["v_pu"].idxmin()]
    n = table["load"].nunique()
    steps = len(table[["scenario", "step"]].drop_duplicates())
    return (f"{n} of the model's {n_loads} loads (not counting model=2, constant impedance "
            f"already) are below their Vminpu in {steps} of {n_steps} flow steps (lowest "
            f"{w['v_pu']:.4g} pu: load.{w['load']} at {w['bus_name']}, Vminpu "
            f"{w['vminpu']:g}, {w['scenario']} step {w['step']}): "
            "OpenDSS models a load below its Vminpu as a constant impedance, not by its own "
            "model (constant power for model=1), so its current rises and falls with the "
            "voltage (pandapower's constant-power loads do not switch): the load currents "
            "there (C8) follow that model — an export that raises their voltage raises "
            "them; the voltage itself is C12's")
