"""Directional elements 67 (phase), 67N (ground) and 32 (reverse power), and the true direction.

Pure vectorised functions on phasors (any array shape, broadcasting), with thin wrappers that
evaluate every row of the fault engine's device table or of a power-flow table.

Conventions
-----------
* A device measures at its bus; **forward** is from that bus into the protected element
  (:class:`protv2g.study.loader.DeviceSite`). Directions are :class:`protv2g.units.Direction`
  values: ``forward``, ``reverse`` or ``none`` (no decision).
* **Characteristic angle** (maximum-torque angle, MTA / RCA) ``θ``: the angle by which the
  operating quantity *leads* the polarising quantity at maximum torque. The element declares
  ``forward`` when ``δ = ∠I_op − ∠V_pol − θ`` (wrapped to ±180°) lies within ``±half_width``
  (90° = the classic cosine characteristic ``T = |I||V|cos δ > 0``), ``reverse`` when
  ``|δ| ≥ 180° − half_width``; between the two (only when ``half_width < 90°``) it gives ``none``.
* **67 phase**, quadrature (90°) connection: ``Ia`` polarised by ``Vbc``, ``Ib`` by ``Vca``,
  ``Ic`` by ``Vab`` (Mason, *The Art and Science of Protective Relaying*, 1956, ch. 8;
  Blackburn & Domin, *Protective Relaying*, 4th ed., §3.6). ``Vbc`` lags ``Va`` by 90°, so a
  forward fault current lagging ``Va`` by the line angle ``φ`` leads ``Vbc`` by ``90° − φ``;
  typical ``θ`` = 30° or 45° (default 45°, ``RelayDevice.characteristic_angle_degree``).
  The element's decision is that of the phase carrying the largest current.
* **67N ground**, zero-sequence voltage polarised: operating ``3I0``, polarising ``−3V0``;
  for a forward ground fault ``−V0 = I0·Z0_source``, so ``3I0`` lags ``−3V0`` by the source
  zero-sequence impedance angle: ``θ`` = −60° by default (IEC/ANSI practice: −45° … −75° on
  solidly earthed systems). Negative-sequence polarised: operating ``3I2``, polarising ``−3V2``,
  same sign rule (``θ`` default −60° too).
* **Close-in faults** (polarising voltage below ``min_pol_pu``): with a memory voltage
  (the pre-fault voltage at the device bus) the phase element polarises from memory, as
  numerical relays do for a few cycles; without one it declares ``none`` and sets the
  ``low_polarising`` flag. Ground elements have no memory (``−3V0`` / ``−3V2`` do not exist
  before the fault): ``none``.
* **32 reverse power** (IEEE C37.2 device 32): three-phase active power measured at the device,
  positive forward. It picks up when ``−P ≥ pickup`` and operates when that lasts ``delay``.
* Voltages are phase-to-neutral in per unit of the bus nominal phase-to-neutral voltage
  (so a healthy ``|Vbc|`` is √3 pu); currents in kA in the phasor inputs, amperes in outputs.

References
----------
IEEE C37.2-2008, *Standard Electrical Power System Device Function Numbers* (32, 67, 67N).
IEEE C37.113 / Blackburn & Domin, *Protective Relaying: Principles and Applications*, §3.6.
J. Roberts, A. Guzmán, "Directional element design and evaluation", SEL, 1994 (32Q/32V, memory).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandapower as pp
import pandapower.topology as top
import pandas as pd

from protv2g.units import A_OP, SQRT3, Direction

__all__ = [
    "DirectionalSettings",
    "angle_to_mta_degree",
    "direction_from_angle",
    "directional_decision",
    "quadrature_phasors",
    "phase_67",
    "ground_67n",
    "reverse_power_32",
    "three_phase_power_mw",
    "true_direction",
    "true_direction_table",
    "evaluate_fault_directional",
    "DIRECTIONAL_COLUMNS",
]

_FWD = Direction.FORWARD.value
_REV = Direction.REVERSE.value
_NONE = Direction.NONE.value


# ---------------------------------------------------------------------------------------------
# pure vectorised physics
# ---------------------------------------------------------------------------------------------


def angle_to_mta_degree(i_op: np.ndarray, v_pol: np.ndarray, mta_degree: float | np.ndarray
                        ) -> np.ndarray:
    """Angle ``δ = ∠I_op − ∠V_pol − θ`` wrapped to (−180°, 180°], degrees.

    Parameters
    ----------
    i_op, v_pol : array_like of complex
        Operating and polarising phasors (any units; only angles matter).
    mta_degree : float or array_like
        Characteristic (maximum-torque) angle θ: operating leads polarising by θ at maximum
        torque, degrees.

    Returns
    -------
    numpy.ndarray
        ``δ`` in degrees; ``δ = 0`` is maximum forward torque, ``±180°`` maximum reverse torque.

    Example
    -------
    >>> float(angle_to_mta_degree(1j, 1.0, 45.0))
    45.0
    """
    d = np.angle(np.asarray(i_op, complex)) - np.angle(np.asarray(v_pol, complex))
    d = np.degrees(d) - np.asarray(mta_degree, float)
    return 180.0 - np.mod(180.0 - d, 360.0)


def direction_from_angle(delta_degree: np.ndarray, half_width_degree: float = 90.0
                         ) -> np.ndarray:
    """Direction from the angle to the MTA: forward inside ``±half_width``, reverse opposite.

    Parameters
    ----------
    delta_degree : array_like
        From :func:`angle_to_mta_degree`, degrees.
    half_width_degree : float
        Half width of the forward zone, degrees (90 = cosine characteristic, no dead band).

    Returns
    -------
    numpy.ndarray of str
        ``"forward"``, ``"reverse"`` or ``"none"``.
    """
    d = np.abs(np.asarray(delta_degree, float))
    out = np.full(d.shape, _NONE, dtype=object)
    out[d < half_width_degree] = _FWD
    out[d > 180.0 - half_width_degree] = _REV
    if half_width_degree >= 90.0:
        # on the exact boundary (|δ| = 90°) the torque is zero: no decision
        out[np.isclose(d, 90.0, atol=1e-9)] = _NONE
    out[~np.isfinite(d)] = _NONE
    return out


@dataclass(frozen=True)
class DirectionalDecision:
    """Result of :func:`directional_decision` (arrays of the broadcast input shape).

    Attributes
    ----------
    direction : numpy.ndarray of str
        Declared direction.
    delta_degree : numpy.ndarray
        Angle of the operating quantity to the MTA line, degrees.
    low_polarising : numpy.ndarray of bool
        Polarising voltage below its minimum (before any memory).
    below_pickup : numpy.ndarray of bool
        Operating current below its pickup.
    memory_used : numpy.ndarray of bool
        The memory voltage polarised the element.
    """

    direction: np.ndarray
    delta_degree: np.ndarray
    low_polarising: np.ndarray
    below_pickup: np.ndarray
    memory_used: np.ndarray


def directional_decision(i_op: np.ndarray, v_pol: np.ndarray, mta_degree: float | np.ndarray, *,
                         min_pol: float | np.ndarray = 0.0,
                         pickup: float | np.ndarray = 0.0,
                         v_memory: np.ndarray | None = None,
                         half_width_degree: float = 90.0) -> DirectionalDecision:
    """Declared direction of a torque-type directional element, vectorised.

    Parameters
    ----------
    i_op : array_like of complex
        Operating quantity (same unit as ``pickup``).
    v_pol : array_like of complex
        Polarising quantity (same unit as ``min_pol``).
    mta_degree : float or array_like
        Characteristic angle θ (operating leads polarising), degrees.
    min_pol : float or array_like
        Minimum polarising magnitude; below it the element uses ``v_memory`` or declares none.
    pickup : float or array_like
        Operating-current pickup. Below it the decision is still computed (so studies can see
        what the element *would* declare) and ``below_pickup`` is set.
    v_memory : array_like of complex, optional
        Memory polarising phasor (pre-fault), used where ``|v_pol| < min_pol``.
    half_width_degree : float
        Half width of the forward zone, degrees.

    Returns
    -------
    DirectionalDecision
    """
    i_op = np.asarray(i_op, complex)
    v_pol = np.asarray(v_pol, complex)
    low = np.abs(v_pol) < np.asarray(min_pol, float)
    memory_used = np.zeros(np.broadcast(i_op, v_pol).shape, bool)
    pol = np.broadcast_to(v_pol, memory_used.shape).copy()
    if v_memory is not None:
        v_memory = np.broadcast_to(np.asarray(v_memory, complex), memory_used.shape)
        use = np.broadcast_to(low, memory_used.shape) & (np.abs(v_memory) > 0)
        pol[use] = v_memory[use]
        memory_used = use
    delta = angle_to_mta_degree(i_op, pol, mta_degree)
    direction = direction_from_angle(delta, half_width_degree)
    no_pol = np.broadcast_to(low, memory_used.shape) & ~memory_used
    no_current = np.broadcast_to(np.abs(i_op) == 0, memory_used.shape)
    direction = np.where(no_pol | no_current, _NONE, direction)
    below = np.broadcast_to(np.abs(i_op) < np.asarray(pickup, float), memory_used.shape)
    return DirectionalDecision(direction, delta, np.broadcast_to(low, memory_used.shape).copy(),
                               below.copy(), memory_used)


def quadrature_phasors(i_abc: np.ndarray, v_abc: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Operating and polarising phasors of the quadrature (90°) connection.

    Parameters
    ----------
    i_abc, v_abc : array_like of complex, shape ``(..., 3)``
        Phase currents and phase-to-neutral voltages, order a, b, c.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``i_op[..., k]`` = ``I_k`` and ``v_pol[..., k]`` = ``(Vbc, Vca, Vab)[k]``.
    """
    i_abc = np.asarray(i_abc, complex)
    v = np.asarray(v_abc, complex)
    v_pol = np.stack([v[..., 1] - v[..., 2], v[..., 2] - v[..., 0], v[..., 0] - v[..., 1]],
                     axis=-1)
    return i_abc, v_pol


@dataclass(frozen=True)
class ElementResult:
    """One directional element evaluated on arrays (see :func:`phase_67`, :func:`ground_67n`).

    Attributes
    ----------
    direction : numpy.ndarray of str
    i_op : numpy.ndarray of complex
        Operating quantity, unit of the input current.
    v_pol : numpy.ndarray of complex
        Polarising quantity actually used (memory where used), unit of the input voltage.
    delta_degree : numpy.ndarray
    low_polarising, below_pickup, memory_used : numpy.ndarray of bool
    phase : numpy.ndarray of str
        Deciding phase (``a``/``b``/``c``) for 67; ``3I0``/``3I2`` for 67N.
    """

    direction: np.ndarray
    i_op: np.ndarray
    v_pol: np.ndarray
    delta_degree: np.ndarray
    low_polarising: np.ndarray
    below_pickup: np.ndarray
    memory_used: np.ndarray
    phase: np.ndarray


def phase_67(i_abc: np.ndarray, v_abc: np.ndarray, mta_degree: float = 45.0, *,
             min_pol_pu: float = 0.05, pickup: float = 0.0,
             v1_memory: np.ndarray | None = None,
             half_width_degree: float = 90.0) -> ElementResult:
    """67 phase directional element, quadrature connection, decided by the largest phase.

    Parameters
    ----------
    i_abc : array_like of complex, shape ``(..., 3)``
        Phase currents measured at the device, positive from its bus into the element (any
        current unit; ``pickup`` in the same unit).
    v_abc : array_like of complex, shape ``(..., 3)``
        Phase-to-neutral voltages at the device bus, pu.
    mta_degree : float
        Characteristic angle (current leads the quadrature voltage), degrees; 30° or 45°.
    min_pol_pu : float
        Minimum line-to-line polarising voltage, pu of the phase-to-neutral base.
    pickup : float
        Phase current pickup of the supervising overcurrent element.
    v1_memory : array_like of complex, shape ``(...)``, optional
        Pre-fault positive-sequence voltage (pu) at the device bus; the memory quadrature
        voltages are ``V1·(a² − a)``, ``V1·(a − 1)·a``… i.e. the healthy ``Vbc, Vca, Vab``.
    half_width_degree : float
        Half width of the forward zone, degrees.

    Returns
    -------
    ElementResult
        Shape ``(...)`` (the deciding phase's values).

    Example
    -------
    >>> import numpy as np
    >>> v = np.array([1, A_OP**2, A_OP]); i = 2 * np.exp(-1j * np.radians(75)) * v
    >>> str(phase_67(i, v).direction)
    'forward'
    """
    i_op, v_pol = quadrature_phasors(i_abc, v_abc)
    mem = None
    if v1_memory is not None:
        v1 = np.asarray(v1_memory, complex)[..., None]
        healthy = v1 * np.array([1.0, A_OP**2, A_OP])
        mem = quadrature_phasors(i_op, healthy)[1]
    dec = directional_decision(i_op, v_pol, mta_degree, min_pol=min_pol_pu, pickup=pickup,
                               v_memory=mem, half_width_degree=half_width_degree)
    k = np.argmax(np.abs(i_op), axis=-1)[..., None]
    pol_used = np.where(dec.memory_used, np.broadcast_to(mem, v_pol.shape) if mem is not None
                        else v_pol, v_pol)

    def pick(x: np.ndarray) -> np.ndarray:
        return np.take_along_axis(np.asarray(x), k, axis=-1)[..., 0]

    phase = np.array(["a", "b", "c"], dtype=object)[k[..., 0]]
    return ElementResult(pick(dec.direction), pick(i_op), pick(pol_used), pick(dec.delta_degree),
                         pick(dec.low_polarising), pick(dec.below_pickup),
                         pick(dec.memory_used), phase)


def ground_67n(i0x3: np.ndarray, v0: np.ndarray, i2: np.ndarray | None = None,
               v2: np.ndarray | None = None, *, polarisation: str = "zero",
               mta_degree: float = -60.0, min_pol_pu: float = 0.02, pickup: float = 0.0,
               half_width_degree: float = 90.0) -> ElementResult:
    """67N ground directional element: ``3I0`` by ``−3V0``, or ``3I2`` by ``−3V2``.

    Parameters
    ----------
    i0x3 : array_like of complex
        Residual current ``3I0`` at the device, positive into the element.
    v0 : array_like of complex
        Zero-sequence voltage ``V0`` at the device bus, pu.
    i2, v2 : array_like of complex, optional
        Negative-sequence current ``I2`` (same unit as ``i0x3``) and voltage ``V2`` (pu), for
        ``polarisation="negative"``.
    polarisation : {"zero", "negative"}
        ``zero``: −3V0 polarised, operating ``3I0``. ``negative``: −3V2 polarised, operating
        ``3I2``.
    mta_degree : float
        Characteristic angle, operating leads ``−3V0`` (``−3V2``) by it; negative = lags.
    min_pol_pu : float
        Minimum ``|3V0|`` (``|3V2|``), pu.
    pickup : float
        Pickup of the operating quantity (ground pickup), unit of the current inputs.
    half_width_degree : float
        Half width of the forward zone, degrees.

    Returns
    -------
    ElementResult

    Raises
    ------
    ValueError
        For an unknown polarisation, or ``negative`` without ``i2``/``v2``.
    """
    if polarisation == "zero":
        i_op = np.asarray(i0x3, complex)
        v_pol = -3.0 * np.asarray(v0, complex)
        label = "3I0"
    elif polarisation == "negative":
        if i2 is None or v2 is None:
            raise ValueError("negative-sequence polarisation needs i2 and v2")
        i_op = 3.0 * np.asarray(i2, complex)
        v_pol = -3.0 * np.asarray(v2, complex)
        label = "3I2"
    else:
        raise ValueError(f"unknown polarisation {polarisation!r}; allowed: 'zero', 'negative'")
    dec = directional_decision(i_op, v_pol, mta_degree, min_pol=min_pol_pu, pickup=pickup,
                               half_width_degree=half_width_degree)
    shape = dec.direction.shape
    return ElementResult(dec.direction, np.broadcast_to(i_op, shape),
                         np.broadcast_to(v_pol, shape), dec.delta_degree, dec.low_polarising,
                         dec.below_pickup, dec.memory_used, np.full(shape, label, dtype=object))


def three_phase_power_mw(v_abc_pu: np.ndarray, i_abc_ka: np.ndarray,
                         vn_kv: float | np.ndarray) -> np.ndarray:
    """Complex three-phase power ``Σ V_k·conj(I_k)`` in MVA (P + jQ, MW/Mvar).

    Parameters
    ----------
    v_abc_pu : array_like of complex, shape ``(..., 3)``
        Phase-to-neutral voltages, pu of ``vn_kv/√3``.
    i_abc_ka : array_like of complex, shape ``(..., 3)``
        Phase currents, kA, positive into the element.
    vn_kv : float or array_like
        Nominal line-to-line voltage of the bus, kV.

    Returns
    -------
    numpy.ndarray of complex
        ``P + jQ`` in MW + j Mvar, positive = forward (into the element).
    """
    v_kv = np.asarray(v_abc_pu, complex) * (np.asarray(vn_kv, float)[..., None] / SQRT3)
    return np.sum(v_kv * np.conj(np.asarray(i_abc_ka, complex)), axis=-1)


def reverse_power_32(p_mw: np.ndarray, pickup_mw: float | np.ndarray,
                     delay_s: float | np.ndarray = 0.0,
                     duration_s: float | np.ndarray = np.inf
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """32 reverse-power element: pickup, operation and operate time.

    Parameters
    ----------
    p_mw : array_like
        Three-phase active power at the device, MW, positive forward (into the element).
    pickup_mw : float or array_like
        Reverse-power pickup, MW (> 0).
    delay_s : float or array_like
        Definite-time delay, s.
    duration_s : float or array_like
        How long the condition lasts, s (a 15-min flow step: 900 s; a fault: its clearing time;
        ``inf`` = sustained).

    Returns
    -------
    picked_up : numpy.ndarray of bool
        ``−P ≥ pickup``.
    operates : numpy.ndarray of bool
        Picked up for at least ``delay_s`` within ``duration_s``.
    t_operate_s : numpy.ndarray
        ``delay_s`` where it operates, ``inf`` elsewhere.

    Example
    -------
    >>> pu, op, t = reverse_power_32([-1.0, 0.5], pickup_mw=0.2, delay_s=2.0)
    >>> pu.tolist(), op.tolist(), t.tolist()
    ([True, False], [True, False], [2.0, inf])
    """
    p = np.asarray(p_mw, float)
    picked = -p >= np.asarray(pickup_mw, float)
    delay = np.broadcast_to(np.asarray(delay_s, float), p.shape)
    operates = picked & (np.asarray(duration_s, float) >= delay)
    t = np.where(operates, delay, np.inf)
    return picked, operates, t


# ---------------------------------------------------------------------------------------------
# true direction from the feeder graph
# ---------------------------------------------------------------------------------------------


def _graph(net: pp.pandapowerNet) -> nx.MultiGraph:
    """Feeder graph: in-service buses, closed switches, lines and transformers as keyed edges."""
    return top.create_nxgraph(net, respect_switches=True, include_out_of_service=False,
                              multi=True, calc_branch_impedances=False)


def _element_key(element: str) -> str:
    return {"line": "line", "trafo": "trafo", "trafo3w": "trafo3w"}[element]


def true_direction(graph: nx.MultiGraph, element: str, element_index: int, bus: int,
                   far_bus: int, fault_buses: Iterable[int]) -> np.ndarray:
    """True direction of faults at ``fault_buses`` as seen by a device (graph rule).

    Rule (documented for radial and meshed feeders):

    * Remove the device's element (one edge) from the graph.
    * If that separates ``bus`` from ``far_bus`` (the element is a *bridge*, always on a radial
      feeder): a fault in ``far_bus``'s part is ``forward`` (downstream), a fault in ``bus``'s
      part ``reverse`` — a fault *at* ``bus`` is behind the CT, hence reverse.
    * If not (the element closes a loop of a meshed net): a fault at ``far_bus`` is ``forward``,
      at ``bus`` ``reverse``; elsewhere the current through the element depends on the
      impedance split around the loop, so the graph gives ``none`` (not judged).
    * A fault bus not connected to the device at all (isolated, out of service) → ``none``.

    Parameters
    ----------
    graph : networkx.MultiGraph
        From ``pandapower.topology.create_nxgraph(net, multi=True)`` (edge keys
        ``(element, index)``).
    element, element_index, bus, far_bus
        The device's :class:`~protv2g.study.loader.DeviceSite`.
    fault_buses : iterable of int
        pandapower bus indices.

    Returns
    -------
    numpy.ndarray of str
    """
    faults = np.asarray(list(fault_buses), dtype=np.int64)
    out = np.full(faults.shape, _NONE, dtype=object)
    key = (_element_key(element), int(element_index))
    g = graph
    removed = []
    if g.has_edge(bus, far_bus, key):
        removed.append((bus, far_bus, key, g.get_edge_data(bus, far_bus, key)))
        g.remove_edge(bus, far_bus, key)
    try:
        if bus not in g or far_bus not in g:
            return out
        near = nx.node_connected_component(g, bus)
        if far_bus in near:  # meshed: only the element's own ends are decided
            out[faults == far_bus] = _FWD
            out[faults == bus] = _REV
            return out
        far = nx.node_connected_component(g, far_bus)
        out[np.isin(faults, list(far))] = _FWD
        out[np.isin(faults, list(near))] = _REV
        return out
    finally:
        for u, v, k, data in removed:
            g.add_edge(u, v, key=k, **data)


def true_direction_table(net: pp.pandapowerNet, device_sites: Mapping[str, object],
                         fault_buses: Iterable[int]) -> pd.DataFrame:
    """True direction of every (device, fault bus), from the feeder graph.

    Parameters
    ----------
    net : pandapowerNet
        Not modified.
    device_sites : mapping name → DeviceSite
        ``study.device_sites``.
    fault_buses : iterable of int

    Returns
    -------
    pandas.DataFrame
        Columns ``device, fault_bus, true_direction``.
    """
    graph = _graph(net)
    buses = np.asarray(list(fault_buses), dtype=np.int64)
    frames = []
    for name, site in device_sites.items():
        d = true_direction(graph, site.element, site.element_index, site.bus,  # type: ignore[attr-defined]
                           site.far_bus, buses)  # type: ignore[attr-defined]
        frames.append(pd.DataFrame({"device": name, "fault_bus": buses, "true_direction": d}))
    if not frames:
        return pd.DataFrame(columns=["device", "fault_bus", "true_direction"])
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# settings and the table wrapper
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectionalSettings:
    """Settings of a device's directional elements (defaults documented in the module).

    Attributes
    ----------
    mta_phase_degree : float
        67 characteristic angle (quadrature connection), degrees.
    mta_ground_degree : float
        67N characteristic angle (operating leads ``−3V0``/``−3V2``), degrees.
    ground_polarisation : {"zero", "negative"}
    min_pol_phase_pu, min_pol_ground_pu : float
        Minimum polarising voltages, pu (phase-to-neutral base).
    pickup_a, ground_pickup_a : float
        Operating-current pickups, primary A (0 = none).
    reverse_power_pickup_mw : float
        32 pickup, MW.
    reverse_power_delay_s : float
        32 definite-time delay, s.
    half_width_degree : float
        Forward-zone half width, degrees.
    use_memory : bool
        Polarise 67 from the pre-fault voltage when the quadrature voltage collapses.
    enabled : str
        ``"forward"`` when the device is set directional, else ``"none"`` (evaluated anyway).
    """

    mta_phase_degree: float = 45.0
    mta_ground_degree: float = -60.0
    ground_polarisation: str = "zero"
    min_pol_phase_pu: float = 0.05
    min_pol_ground_pu: float = 0.02
    pickup_a: float = 0.0
    ground_pickup_a: float = 0.0
    reverse_power_pickup_mw: float = 0.5
    reverse_power_delay_s: float = 2.0
    half_width_degree: float = 90.0
    use_memory: bool = True
    enabled: str = field(default=_NONE)


def settings_from_study(study: object, overrides: Mapping[str, Mapping[str, object]] | None = None
                        ) -> dict[str, DirectionalSettings]:
    """Directional settings of every relay and recloser of a study (fuses have none).

    Phase pickup: the relay's ``pickup_a`` (recloser ``phase_min_trip_a``); ground pickup:
    ``ground_pickup_a`` (``ground_min_trip_a``); 67 MTA: ``characteristic_angle_degree``
    (45° for reclosers). 32 pickup default: 5 % of the three-phase power at the phase pickup
    current and nominal voltage, delay 2 s. ``overrides[device]`` replaces any field.
    """
    out: dict[str, DirectionalSettings] = {}
    net = study.net  # type: ignore[attr-defined]
    for device in study.document.devices:  # type: ignore[attr-defined]
        kind = getattr(device.kind, "value", device.kind)
        if kind == "fuse":
            continue
        site = study.device_sites[device.name]  # type: ignore[attr-defined]
        vn_kv = float(net.bus.at[site.bus, "vn_kv"])
        if kind == "relay":
            pickup = float(device.pickup_a)
            ground = float(device.ground_pickup_a or 0.0)
            mta = float(device.characteristic_angle_degree)
            enabled = str(device.directional)
        else:
            pickup = float(device.phase_min_trip_a)
            ground = float(device.ground_min_trip_a or 0.0)
            mta, enabled = 45.0, _NONE
        values: dict[str, object] = dict(
            mta_phase_degree=mta, pickup_a=pickup, ground_pickup_a=ground,
            reverse_power_pickup_mw=0.05 * SQRT3 * vn_kv * pickup / 1000.0, enabled=enabled)
        values.update((overrides or {}).get(device.name, {}))
        out[device.name] = DirectionalSettings(**values)  # type: ignore[arg-type]
    return out


#: Columns of the directional table (one row per device × case × element).
DIRECTIONAL_COLUMNS = [
    "scenario", "step", "device", "fault_bus", "fault_type", "case", "element", "enabled",
    "declared_direction", "true_direction", "phase", "i_operating_a", "i_operating_degree",
    "v_polarising_pu", "v_polarising_degree", "angle_degree", "mta_degree", "pickup_a",
    "min_pol_pu", "p_mw", "pickup_mw", "t_operate_s", "memory_used", "low_polarising",
    "below_pickup",
    "wrong_direction",
]


def _phasor(df: pd.DataFrame, mag: str, ang: str) -> np.ndarray:
    return df[mag].to_numpy(float) * np.exp(1j * np.radians(df[ang].to_numpy(float)))


def _element_frame(base: pd.DataFrame, element: str, enabled: str, res: ElementResult,
                   mta: float, pickup_a: float, min_pol: float, i_scale: float,
                   true_dir: np.ndarray) -> pd.DataFrame:
    declared = res.direction.astype(object)
    wrong = (declared != _NONE) & (true_dir != _NONE) & (declared != true_dir)
    out = base.copy()
    out["element"] = element
    out["enabled"] = enabled
    out["declared_direction"] = declared
    out["true_direction"] = true_dir
    out["phase"] = res.phase
    out["i_operating_a"] = np.abs(res.i_op) * i_scale
    out["i_operating_degree"] = np.degrees(np.angle(res.i_op))
    out["v_polarising_pu"] = np.abs(res.v_pol)
    out["v_polarising_degree"] = np.degrees(np.angle(res.v_pol))
    out["angle_degree"] = res.delta_degree
    out["mta_degree"] = mta
    out["pickup_a"] = pickup_a
    out["min_pol_pu"] = min_pol
    out["memory_used"] = res.memory_used
    out["low_polarising"] = res.low_polarising
    out["below_pickup"] = res.below_pickup
    out["wrong_direction"] = wrong
    return out


def evaluate_fault_directional(device_table: pd.DataFrame, study: object,
                               settings: Mapping[str, DirectionalSettings] | None = None,
                               v1_memory_pu: Mapping[tuple[str, str], complex] | None = None,
                               fault_duration_s: float = np.inf) -> pd.DataFrame:
    """67, 67N and 32 on every row of the fault engine's device table.

    Parameters
    ----------
    device_table : pandas.DataFrame
        ``FaultStudyResult.device``: ``scenario, device, fault_bus, fault_type, case,
        ia_ka, ia_degree, …, i3i0_ka, i3i0_degree, i2_ka, i2_degree, va_pu, va_degree, …,
        v0_pu, v0_degree, v2_pu, v2_degree``.
    study : Study
        For the net (graph, nominal voltages) and device settings.
    settings : mapping device → DirectionalSettings, optional
        Default :func:`settings_from_study`. Devices without settings (fuses) are skipped.
    v1_memory_pu : mapping (scenario, device) → complex, optional
        Pre-fault positive-sequence voltage at the device bus (pu, same angle reference as the
        fault engine); default ``1∠angle`` of the no-load voltage is not assumed — without it a
        collapsed polarising voltage gives ``none``.
    fault_duration_s : float
        How long the fault lasts for the 32 element, s (default: sustained).

    Returns
    -------
    pandas.DataFrame
        :data:`DIRECTIONAL_COLUMNS`, elements ``67``, ``67N`` and ``32``; ``step`` is -1.
    """
    settings = dict(settings) if settings is not None else settings_from_study(study)
    net = study.net  # type: ignore[attr-defined]
    sites = study.device_sites  # type: ignore[attr-defined]
    frames = []
    graph = _graph(net)
    for device, rows in device_table.groupby("device", sort=False):
        s = settings.get(str(device))
        if s is None:
            continue
        site = sites[str(device)]
        rows = rows.reset_index(drop=True)
        vn_kv = float(net.bus.at[site.bus, "vn_kv"])
        true_dir = true_direction(graph, site.element, site.element_index, site.bus,
                                  site.far_bus, rows["fault_bus"].to_numpy())
        i_abc = np.stack([_phasor(rows, f"i{p}_ka", f"i{p}_degree") for p in "abc"], axis=-1)
        v_abc = np.stack([_phasor(rows, f"v{p}_pu", f"v{p}_degree") for p in "abc"], axis=-1)
        mem = None
        if s.use_memory and v1_memory_pu is not None:
            mem = np.array([v1_memory_pu.get((str(sc), str(device)), 0j)
                            for sc in rows["scenario"]], dtype=complex)
        base = rows[["scenario", "device", "fault_bus", "fault_type", "case"]].copy()
        base.insert(1, "step", -1)
        r67 = phase_67(i_abc, v_abc, s.mta_phase_degree, min_pol_pu=s.min_pol_phase_pu,
                       pickup=s.pickup_a / 1000.0, v1_memory=mem,
                       half_width_degree=s.half_width_degree)
        frames.append(_element_frame(base, "67", s.enabled, r67, s.mta_phase_degree,
                                     s.pickup_a, s.min_pol_phase_pu, 1000.0, true_dir))
        r67n = ground_67n(_phasor(rows, "i3i0_ka", "i3i0_degree"),
                          _phasor(rows, "v0_pu", "v0_degree"),
                          _phasor(rows, "i2_ka", "i2_degree"),
                          _phasor(rows, "v2_pu", "v2_degree"),
                          polarisation=s.ground_polarisation, mta_degree=s.mta_ground_degree,
                          min_pol_pu=s.min_pol_ground_pu, pickup=s.ground_pickup_a / 1000.0,
                          half_width_degree=s.half_width_degree)
        frames.append(_element_frame(base, "67N", s.enabled, r67n, s.mta_ground_degree,
                                     s.ground_pickup_a, s.min_pol_ground_pu, 1000.0, true_dir))
        p = three_phase_power_mw(v_abc, i_abc, vn_kv).real
        picked, _op, t = reverse_power_32(p, s.reverse_power_pickup_mw, s.reverse_power_delay_s,
                                          fault_duration_s)
        f32 = base.copy()
        f32["element"] = "32"
        f32["enabled"] = s.enabled
        declared = np.where(picked, _REV, np.where(p >= s.reverse_power_pickup_mw, _FWD, _NONE))
        f32["declared_direction"] = declared
        f32["true_direction"] = true_dir
        f32["p_mw"] = p
        f32["pickup_mw"] = s.reverse_power_pickup_mw
        f32["t_operate_s"] = t
        f32["below_pickup"] = ~picked
        f32["wrong_direction"] = (declared != _NONE) & (true_dir != _NONE) & (declared != true_dir)
        frames.append(f32)
    if not frames:
        return pd.DataFrame(columns=DIRECTIONAL_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out.reindex(columns=DIRECTIONAL_COLUMNS)
