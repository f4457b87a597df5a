"""Pre-fault node voltages of a phase-domain fault calculation, by method and case.

``classical``: OpenDSS's open-circuit state (:attr:`.system.FaultSystem.v_open`). ``iec60909``:
the equivalent voltage source ``c·Un/√3`` (IEC 60909-0:2016 §4.3.1.1, ``c`` from Table 1) on
every phase node at the angles of the IEC network's own no-load state
(:func:`no_load_voltage`), balanced at three-phase buses (:func:`prefault_voltage`) — the
phase path's form of the sequence path's ``c·u_nl`` (:mod:`protv2g.engine.sequence`).

The chargers' control law reads the same state at ``c = 1`` (``prefault_voltage(...,
law=True)``): ``c`` brackets the network's part of the fault current, it is not a voltage a
converter measures (IEC 60909-0:2016 §6.2 treats full converters as current sources, not
scaled by ``c``; review ver43 N-b1 / elem43, session 44: on a 480 V bus ``c_min = 0.95`` in
``P/|V1|`` gave 5 % more sustained current than OpenDSS iterating the same law,
``tests/test_charger_law_measured_voltage.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from protv2g.errors import InputError, Issue
from protv2g.network.dss_voltage_bases import voltage_base_fix, without_base_text
from protv2g.units import (
    C_MAX_LV_6PCT,
    C_MAX_LV_10PCT,
    C_MAX_MV,
    C_MIN_LV,
    C_MIN_MV,
    Case,
    Method,
)

if TYPE_CHECKING:
    from protv2g.engine.phase.system import FaultSystem

__all__ = ["c_factor", "prefault_voltage", "source_units", "balanced_units",
           "MIN_POSITIVE_SEQUENCE"]


def c_factor(kv_ll: np.ndarray, case: Case, lv_tolerance_percent: int = 10) -> np.ndarray:
    """IEC 60909-0:2016 Table 1 voltage factor per bus (LV ≤ 1 kV, MV/HV above).

    Raises
    ------
    ValueError
        ``lv_tolerance_percent`` not 6 or 10, or an unknown case.
    """
    if lv_tolerance_percent not in (6, 10):
        raise ValueError("lv_tolerance_percent must be 6 or 10")
    lv = np.asarray(kv_ll) <= 1.0
    if case is Case.MAX:
        return np.where(lv, C_MAX_LV_6PCT if lv_tolerance_percent == 6 else C_MAX_LV_10PCT,
                        C_MAX_MV)
    if case is Case.MIN:
        return np.where(lv, C_MIN_LV, C_MIN_MV)
    raise ValueError(f"unknown case {case!r}")  # pragma: no cover - closed set


def no_load_voltage(system: FaultSystem) -> np.ndarray:
    """The method's network at no load, driven by its sources alone, ``(s,)`` complex V.

    ``Y·V = J`` with ``J`` the sources' own injections, ``(Y_s·V_oc)`` at their terminals
    (``model.sources``; OpenDSS's fault study solves ``Y_s·V_oc = J_sources + J_inv``, loads
    inside ``Y_s``, so at a source terminal ``Y_s·V_oc`` is that source's Norton current) and
    ``Y`` the method's (IEC 60909: loads and shunts out). Its angles are the ones this network
    gives its buses — the source's angle and the transformers' phase shifts —, the angles of
    the pre-fault state the fault's change is superposed on; ``v_open``'s carry the load
    flow's angle on top (EPRI J1, V1: −10.8° at b18911 against −0.1° here, −36.2° at the
    depot's 480 V bus behind its Δ-Y transformer against −30.0°).
    """
    if system.v_no_load is None:
        model = system.model
        src = np.asarray(model.sources, dtype=np.int64)
        loc = system.local[src]
        keep = loc >= 0
        j = np.zeros(len(system.nodes), dtype=complex)
        np.add.at(j, loc[keep], (model.y_s @ model.v_oc_v)[src[keep]])
        system.v_no_load = np.asarray(system.lu.solve(j), complex)
    return system.v_no_load


def prefault_voltage(system: FaultSystem, method: Method, case: Case, lv_tol: int,
                     law: bool = False) -> np.ndarray:
    """Pre-fault node voltages of the method and case, ``(s,)`` complex V.

    ``classical``: :attr:`FaultSystem.v_open`. ``iec60909``: ``c·Un/√3`` on every phase node,
    at the angle of :func:`no_load_voltage`; at a bus with three energised phases, at the
    angles of a balanced set (:func:`balanced_units`): the equivalent voltage source is "the
    only active voltage of the system" and acts in the positive-sequence system alone (IEC
    60909-0:2016 §4.3.1.1, §6: no zero- or negative-sequence source), so the pre-fault state
    has no ``V0`` or ``V2`` (an unbalanced network's no-load angles would otherwise give the
    device voltages a zero- and negative-sequence part without the matching currents).
    Until session 44 the angles were ``v_open``'s, OpenDSS's *loaded* fault-study state: the
    load flow's angle differences between buses, which the IEC network (loads out) does not
    have, then sat between a charger's pre-fault voltage and the fault's drive (EPRI J1: the
    depot 25.4° from b18911 against 29.9° at no load), turning the chargers' current against
    the network's (review ver43 N-b1).

    ``law``: ``c = 1`` — the state the chargers' control law reads (module docstring).

    Raises
    ------
    InputError
        ``iec60909``: a phase node's bus has no voltage base.
    """
    if method is Method.CLASSICAL:
        return system.v_open
    model = system.model
    nodes = system.nodes
    bus = model.node_bus[nodes]
    kv_ln = model.buses.kv_ln.to_numpy()[bus]
    if np.any(kv_ln[(model.node_num[nodes] <= 3)] <= 0):
        raise InputError(Issue(model.source, "voltagebases",
                               without_base_text(model.buses.index[bus[kv_ln <= 0]].tolist()),
                               voltage_base_fix(model.redirects)))
    c = 1.0 if law else c_factor(np.sqrt(3.0) * kv_ln, case, lv_tol)
    unit = source_units(bus, model.node_num[nodes], no_load_voltage(system))
    phase = (model.node_num[nodes] >= 1) & (model.node_num[nodes] <= 3)
    return np.where(phase, c * kv_ln * 1e3 * unit, 0.0)


def source_units(node_bus: np.ndarray, node_num: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angles of the IEC equivalent source per node: ``(n,)`` complex unit phasors.

    ``v/|v|`` (1 where ``v`` is 0), and at a bus whose phase nodes 1, 2, 3 all have a voltage
    the :func:`balanced_units` of the three. The one rule of :func:`prefault_voltage` — for a
    caller that reads the source's angle beside the fault currents (an X/R from the current's
    angle, :mod:`protv2g.study_draft.candidates`).

    Parameters
    ----------
    node_bus, node_num : numpy.ndarray
        ``(n,)`` bus position and OpenDSS node number (1, 2, 3 = a, b, c) of each node.
    v : numpy.ndarray
        ``(n,)`` complex open-circuit voltages (OpenDSS's fault-study ``Voc``), V.
    """
    v = np.asarray(v, dtype=complex)
    mag = np.abs(v)
    unit = np.where(mag > 0, v / np.where(mag > 0, mag, 1.0), 1.0)
    idx = np.flatnonzero((node_num >= 1) & (node_num <= 3) & (mag > 0))
    _, row = np.unique(np.asarray(node_bus)[idx], return_inverse=True)
    tab = np.full((row.max() + 1 if len(idx) else 0, 3), -1, dtype=np.int64)
    tab[row, np.asarray(node_num)[idx] - 1] = idx
    three = tab[np.all(tab >= 0, axis=1)]
    unit[three] = balanced_units(unit[three])
    return unit


#: A bus whose phase angles have a positive-sequence part below this (of unit phasors, pu) is
#: not wired a–b–c in the positive sequence; its angles are kept as they are.
MIN_POSITIVE_SEQUENCE = 0.5


def balanced_units(u_abc: np.ndarray) -> np.ndarray:
    """Balanced unit phasors at the angle of the positive-sequence part of ``u_abc``.

    ``u1 = (u_a + a·u_b + a²·u_c)/3`` (Fortescue, ``a = 1∠120°``); the result is
    ``u1/|u1|·(1, a², a)``: no zero- or negative-sequence part. Rows with ``|u1|`` below
    :data:`MIN_POSITIVE_SEQUENCE` are returned unchanged.

    Parameters
    ----------
    u_abc : numpy.ndarray
        ``(m, 3)`` complex phasors of phases a, b, c (unit magnitude, pu).

    Returns
    -------
    numpy.ndarray
        ``(m, 3)`` complex unit phasors.

    Examples
    --------
    >>> a = np.exp(2j * np.pi / 3)
    >>> u = np.exp(1j * np.radians([[-1.0, -121.5, 119.0]]))
    >>> w = balanced_units(u)
    >>> bool(np.allclose(w[0] * [1, a, a * a], w[0, 0]))
    True
    """
    u = np.asarray(u_abc, dtype=complex)
    a = np.exp(2j * np.pi / 3)
    u1 = (u[:, 0] + a * u[:, 1] + a * a * u[:, 2]) / 3.0
    ok = np.abs(u1) >= MIN_POSITIVE_SEQUENCE
    out = u.copy()
    d = u1[ok] / np.abs(u1[ok])
    out[ok] = d[:, None] * np.array([1.0, a * a, a])
    return out
