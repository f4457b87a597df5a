"""Asymmetric fault current for interrupting duty: X/R, peak and first-cycle rms (#17).

Pure, vectorised functions plus one leaf function that reads the network's driving-point
impedance. A fault current is a symmetrical ac wave plus a dc offset that decays with the
time constant ``τ = X/(ωR)`` of the network between source and fault. Charger (inverter)
contributions are current-controlled: they carry no dc offset (IEC 60909-0:2016 §9.1 for
full-converter units: ``i_p = √2·I_k``), so only the network part of the current is offset.

* **peak** (IEC 60909-0:2016 eq. (54)–(55)): ``i_p = κ·√2·I″_k``,
  ``κ = 1.02 + 0.98·e^(−3R/X)``; with inverter infeed ``i_p = κ·√2·I_net + √2·I_conv``.
  ``R/X`` at the fault from its driving-point impedance (method b of §8.1.3.2, ×1.15 in a
  meshed network, ``κ ≤ 2``); the same ``κ`` for unbalanced faults (§8.2–8.4 permit it).
* **asymmetrical rms** at time ``t`` after inception (IEEE C37.010-1999 §5.3 / C37.5: total
  rms of ac plus fully offset dc): ``I_asym = √(I_sym² + 2·I_net²·e^(−2t/τ))``; the ratio
  ``I_asym/I_sym`` of a fully offset wave is :func:`asym_rms_factor`. ``t`` is half a cycle
  for the first-cycle (momentary) duty.

The physics of C7 (:mod:`protv2g.checks.duty`) and of the drafting step's interrupting
ratings (:mod:`protv2g.study_draft.ratings`): it lives in the engine so that drafting does not
reach into the checks (review s17); :mod:`protv2g.checks.asymmetry` re-exports it.

Examples
--------
>>> round(float(kappa_iec60909(0.1)), 4)   # X/R 10: 1.02 + 0.98·e^(−0.3) = 1.746002
1.746
>>> round(float(asym_rms_factor(25.0, 0.5 / 60, 60.0)), 3)  # the familiar 1.6 at X/R 25
1.599
"""

from __future__ import annotations

import math

import numpy as np
import pandapower as pp
from numpy.typing import ArrayLike, NDArray

from protv2g.engine.sequence import positive_sequence_network
from protv2g.engine.zbus import tree_structure
from protv2g.units import Case, Method

__all__ = ["dss_driving_point_x_r",
           "kappa_iec60909", "peak_current_ka", "asym_rms_factor", "asym_rms_ka",
           "driving_point_x_r", "METHOD_B_MESHED_FACTOR", "KAPPA_MAX", "RATING_X_R_DEFAULT",
           "RATING_DC_TIME_CONSTANT_S", "rating_x_r_default"]

FloatArray = NDArray[np.float64]

#: IEC 60909-0:2016 §8.1.3.2 method b: κ from R/X at the fault, × 1.15 in meshed networks.
METHOD_B_MESHED_FACTOR = 1.15
#: Upper limit of κ_b in high-voltage networks (IEC 60909-0:2016 §8.1.3.2).
KAPPA_MAX = 2.0
#: X/R up to which a symmetrical rating holds when the device does not state its own, at
#: 60 Hz: IEEE C37.04/C37.06 standard dc time constant 45 ms → X/R = 2π·60·0.045 ≈ 17
#: (recalled). The frequency's own figure: :func:`rating_x_r_default`.
RATING_X_R_DEFAULT = 17.0
#: The standard dc time constant of a breaker's rated short-circuit breaking current, s:
#: IEEE C37.04 / IEC 62271-100 §4.101.2 (45 ms at 50 and 60 Hz alike).
RATING_DC_TIME_CONSTANT_S = 0.045


def rating_x_r_default(f_hz: float) -> float:
    """X/R up to which a symmetrical interrupting rating holds when the device states none:
    the standard dc time constant :data:`RATING_DC_TIME_CONSTANT_S` (45 ms, IEEE C37.04 /
    IEC 62271-100 §4.101.2) as ``X/R = 2π·f·τ``, to one decimal — 17.0 at 60 Hz (IEEE's
    figure, :data:`RATING_X_R_DEFAULT`), 14.1 at 50 Hz (review rev51 #7a: a 50 Hz study was
    rated on the 60 Hz 17).

    >>> rating_x_r_default(60.0), rating_x_r_default(50.0)
    (17.0, 14.1)
    """
    return round(2.0 * np.pi * float(f_hz) * RATING_DC_TIME_CONSTANT_S, 1)


def kappa_iec60909(r_over_x: ArrayLike) -> FloatArray:
    """Peak factor ``κ = 1.02 + 0.98·e^(−3R/X)`` (IEC 60909-0:2016 eq. (55)).

    Parameters
    ----------
    r_over_x : array_like
        R/X of the short-circuit impedance at the fault (–), ≥ 0.

    Returns
    -------
    numpy.ndarray
        κ (–), between 1.02 (R/X → ∞) and 2.0 (R/X = 0).
    """
    rx = np.asarray(r_over_x, dtype=float)
    return 1.02 + 0.98 * np.exp(-3.0 * rx)


def peak_current_ka(i_network_ka: ArrayLike, i_converter_ka: ArrayLike, kappa: ArrayLike
                    ) -> FloatArray:
    """Peak short-circuit current ``i_p = κ·√2·I_net + √2·I_conv`` (kA).

    IEC 60909-0:2016 eq. (54) for the network part; inverter (full-converter) infeed adds its
    crest without a dc offset (§9.1). Magnitudes are added (upper bound: the two parts are
    taken in phase).
    """
    return (np.asarray(kappa, float) * math.sqrt(2.0) * np.asarray(i_network_ka, float)
            + math.sqrt(2.0) * np.asarray(i_converter_ka, float))


def asym_rms_factor(x_over_r: ArrayLike, t_s: float, f_hz: float) -> FloatArray:
    """``I_asym/I_sym = √(1 + 2·e^(−2t/τ))``, ``τ = (X/R)/(2πf)``, of a fully offset wave.

    IEEE C37.010-1999 §5.3 (and C37.5): total rms of the symmetrical ac current and the dc
    component ``√2·I_sym·e^(−t/τ)`` at time ``t`` after fault inception.
    """
    xr = np.asarray(x_over_r, dtype=float)
    with np.errstate(divide="ignore"):
        decay = np.exp(-2.0 * t_s * 2.0 * math.pi * f_hz / xr)
    return np.sqrt(1.0 + 2.0 * decay)


def asym_rms_ka(i_sym_ka: ArrayLike, i_network_ka: ArrayLike, x_over_r: ArrayLike,
                t_s: float, f_hz: float) -> FloatArray:
    """Total asymmetrical rms current (kA) when only the network part ``I_net`` is offset:
    ``√(I_sym² + 2·I_net²·e^(−2t/τ))`` (IEEE C37.010 §5.3 with inverter infeed undisplaced)."""
    f = asym_rms_factor(x_over_r, t_s, f_hz)
    i_sym = np.asarray(i_sym_ka, float)
    i_net = np.asarray(i_network_ka, float)
    return np.sqrt(i_sym**2 + (f**2 - 1.0) * i_net**2)


def driving_point_x_r(net: pp.pandapowerNet, buses: ArrayLike, case: Case = Case.MAX,
                      method: Method = Method.IEC60909) -> tuple[FloatArray, bool]:
    """X/R of the positive-sequence driving-point impedance at ``buses``, and whether the
    network is meshed.

    The sequence network is the fault engine's (pandapower's IEC 60909 element models,
    :func:`protv2g.engine.sequence.build_sequence_networks`, transformer correction ``K_T`` in
    the maximum case; its positive sequence alone is built,
    :func:`~protv2g.engine.sequence.positive_sequence_network`); no charger is in it (they are
    current sources).

    Parameters
    ----------
    net : pandapowerNet
        Not modified.
    buses : array_like of int
        pandapower bus indices.
    case, method
        As the fault study.

    Returns
    -------
    (numpy.ndarray, bool)
        X/R (–; ``nan`` for a bus outside the network) and ``True`` for a meshed network.
    """
    buses = np.asarray(buses, dtype=np.int64)
    pos = positive_sequence_network(net, Case(case), Method(method))
    idx = pos.index(buses)
    z = pos.driving_point_z(np.where(idx >= 0, idx, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        xr = np.where(idx >= 0, z.imag / z.real, np.nan)
    meshed = tree_structure(pos.y_pu) is None
    return xr.astype(float), bool(meshed)


def dss_driving_point_x_r(model: object, buses: ArrayLike,
                          method: Method = Method.CLASSICAL,
                          phase: ArrayLike | None = None) -> FloatArray:
    """X/R of the driving-point impedance at ``buses`` of an OpenDSS model (phase domain).

    The impedance block of each bus is taken from the fault study's system matrix: for
    ``method="classical"`` OpenDSS's own ``model.y_s``
    (:class:`protv2g.network.dss_model.DssModel`; sources behind their impedance, loads as
    constant admittances, as OpenDSS's fault study: its ``Zsc1``); for ``"iec60909"`` that
    matrix without the loads and shunt capacitors/reactors (``model.shunts``) and without the
    PV systems and storage (``model.inverters``: current sources by their control law, no DC
    offset), as the IEC fault currents themselves are computed (IEC 60909-0:2016 §4.3.1.1,
    §5.1: "parallel admittances of non-rotating loads … are neglected";
    :mod:`protv2g.engine.phase.system`; the pandapower path's :func:`driving_point_x_r` likewise).
    Loads in parallel lower the X/R a lot near a substation (EPRI ckt24's 34.5 kV head bus:
    6.6 with loads, 37.3 without), so on the IEC basis the first-cycle asymmetry of C7 would
    be understated. Energised nodes only: ``Z_abc = (Y⁻¹)[bus nodes, bus nodes]`` by sparse LU
    solves. A three-phase bus gives the positive-sequence ``Z1 = (A⁻¹ Z_abc A)[1, 1]``
    (Fortescue); a one- or two-phase bus the self (loop) impedance of its first phase node, and
    so does a bus given a ``phase`` (a one-phase device on a three-phase bus: the fault it
    interrupts is on its own phase; review rev37a F11, EPRI ckt5's one-phase cutout at a
    three-phase tap: Z1's X/R 9.9 where its own phase loop, as ``run``'s Device duty and OpenDSS
    V/I of the SLG fault give, is 7.21). X/R = Im Z / Re Z.

    Parameters
    ----------
    model : DssModel
    buses : array_like of int
        Positions in ``model.buses``.
    method : Method
        The fault study's method (default classical: OpenDSS's ``Zsc1``).
    phase : array_like of int, optional
        Per bus, the phase (1–3) whose self impedance is taken; 0 (or None for all): the
        bus's own rule above. A phase the bus lacks gives ``nan``.

    Returns
    -------
    numpy.ndarray
        X/R (–), ``nan`` for a bus without an energised phase node.
    """
    buses = np.asarray(buses, dtype=np.int64)
    out = np.full(len(buses), np.nan)
    if not len(buses):
        return out
    # the model is frozen: one LU of y_s per model, shared by every later call (#21: C7 and
    # the Device duty sheet each factorised it)
    iec = Method(method) is Method.IEC60909
    lu, phase_node = model.derived(  # type: ignore[attr-defined]
        "energized_y_iec_lu" if iec else "energized_y_s_lu",
        _energized_lu_iec if iec else _energized_lu)
    if lu is None:
        return out
    ph = (np.zeros(len(buses), dtype=np.int64) if phase is None
          else np.broadcast_to(np.asarray(phase, dtype=np.int64), buses.shape))
    uniq, inv = np.unique(np.stack([buses, ph], axis=1), axis=0, return_inverse=True)
    inv = np.asarray(inv).reshape(-1)
    a = np.exp(2j * np.pi / 3)
    a_mat = np.array([[1, 1, 1], [1, a * a, a], [1, a, a * a]])
    x_r = np.full(len(uniq), np.nan)
    for k, (b, p) in enumerate(uniq.tolist()):
        nodes = [int(n) for n in phase_node[b] if n >= 0] if 0 <= b < len(phase_node) else []
        if 1 <= p <= 3:  # the device's own phase: its self (loop) impedance
            nodes = [int(phase_node[b][p - 1])] if nodes and phase_node[b][p - 1] >= 0 else []
        if not nodes:
            continue
        rhs = np.zeros((lu.shape[0], len(nodes)), dtype=complex)
        rhs[nodes, np.arange(len(nodes))] = 1.0
        z = lu.solve(rhs)[nodes]
        z1 = (np.linalg.inv(a_mat) @ z @ a_mat)[1, 1] if len(nodes) == 3 else z[0, 0]
        if abs(z1.real) > 0:
            x_r[k] = z1.imag / z1.real
    out[:] = x_r[inv]
    return out


def _energized_lu_iec(model: object) -> tuple[object | None, NDArray[np.int64]]:
    """:func:`_energized_lu` of ``model.y_s`` without its shunts (loads, capacitors, reactors:
    ``model.shunts``) and inverters (``model.inverters``), the IEC 60909 network."""
    return _energized_lu(model, shunts_out=True)


def _energized_lu(model: object, shunts_out: bool = False
                  ) -> tuple[object | None, NDArray[np.int64]]:
    """Sparse LU of ``model.y_s`` on its energised nodes (``None`` without any) and, per bus
    of ``model.buses``, the local positions of its phase nodes 1, 2, 3 (``-1``: absent or
    de-energised); for :meth:`~protv2g.network.dss_model.DssModel.derived`. ``shunts_out``:
    each element of ``model.shunts`` and ``model.inverters`` taken out (its ``yprim_s``
    subtracted)."""
    import scipy.sparse.linalg as spla

    energized = np.flatnonzero(model.energized)  # type: ignore[attr-defined]
    n_bus = len(model.buses)  # type: ignore[attr-defined]
    phase_node = np.full((n_bus, 3), -1, dtype=np.int64)
    if not len(energized):
        return None, phase_node
    node_bus = np.asarray(model.node_bus)[energized]  # type: ignore[attr-defined]
    node_num = np.asarray(model.node_num)[energized]  # type: ignore[attr-defined]
    ph = (node_num >= 1) & (node_num <= 3)
    phase_node[node_bus[ph], node_num[ph] - 1] = np.flatnonzero(ph)
    y = model.y_s[energized][:, energized].tocsc()  # type: ignore[attr-defined]
    if shunts_out:  # as the IEC fault system takes them out (engine.phase.system)
        from protv2g.engine.phase.system import _scatter

        local = np.full(int(model.n_nodes), -1, dtype=np.int64)  # type: ignore[attr-defined]
        local[energized] = np.arange(len(energized))
        # and the PV systems / storage (``model.inverters``): the IEC fault study runs them as
        # current sources by their control law (engine.phase.system ``inverters_out``); their
        # OpenDSS fault-study admittance is no part of Z_k (EPRI ckt24 n283602: 27.51 with
        # it, 27.34 without — OpenDSS's Zsc1 with loads, capacitors and PV out: 27.34)
        out = [(e, -e.yprim_s) for e in (*model.shunts,  # type: ignore[attr-defined]
                                         *model.inverters)]  # type: ignore[attr-defined]
        y = (y + _scatter(out, local, len(energized))).tocsc()
    return spla.splu(y), phase_node
