"""Directional elements as pure vectorised functions: phasors in, decisions out.

Every function takes arrays of any broadcastable shape and returns arrays of that shape (the
per-phase element adds a trailing axis of 3). Nothing here knows a study, a net or a table;
:mod:`protv2g.directional.evaluate` feeds the engine's phasors through them.

Conventions
-----------
* A device measures at its bus; operating currents are positive from that bus into the
  protected element (forward). Directions are :class:`protv2g.units.Direction` values.
* Characteristic (maximum-torque) angle ``θ`` of a torque-type element: the angle by which the
  operating quantity leads the polarising quantity at maximum torque; it declares ``forward``
  when ``δ = ∠I_op − ∠V_pol − θ`` lies within ``±half_width`` and ``reverse`` when
  ``|δ| > 180° − half_width`` (90° = the cosine characteristic ``T = |I||V|cos δ``).

Elements (equations in ``docs/directional-elements.md``)
--------------------------------------------------------
* :func:`phase_67p` — 67P, one element per phase, quadrature (90°) connection ``Ia``–``Vbc``,
  ``Ib``–``Vca``, ``Ic``–``Vab``; where the polarising voltage collapses it polarises from the
  positive-sequence memory (pre-fault ``V1``) when given.
* :func:`ground_67n` — 67N torque form, ``3I0`` polarised by ``−3V0``;
  :func:`current_polarised_32i` — ``3I0`` against a source neutral current.
* the impedance-type 32Q and 32V (67N impedance form) are in :mod:`.impedance`.
* :func:`reverse_power_32` — 32 reverse active power with a definite-time delay.

References
----------
IEEE C37.2-2008 (device numbers 32, 67, 67N); IEEE C37.113-2015 §5.4 and IEEE C37.230-2020 §6
(directional overcurrent, polarising quantities); Blackburn & Domin, *Protective Relaying*,
4th ed., §3.6 (90° connection, −3V0 polarisation); J. Roberts, A. Guzmán, "Directional element
design and evaluation", SEL, 1994; K. Zimmerman, D. Costello, "Fundamentals and improvements for
directional relays", 63rd Texas A&M Protective Relay Conference, 2010; SEL-351 instruction
manual §4 (32Q/32V thresholds and their automatic settings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.units import A_OP, SQRT3, Direction

__all__ = [
    "angle_to_mta_degree", "direction_from_angle", "quadrature_phasors", "memory_quadrature",
    "PhaseElements", "phase_67p", "TorqueElement", "ground_67n", "current_polarised_32i",
    "three_phase_power_mw", "reverse_power_32",
]

FWD, REV, NONE = Direction.FORWARD.value, Direction.REVERSE.value, Direction.NONE.value


def _c(x: object) -> np.ndarray:
    return np.asarray(x, dtype=complex)


def angle_to_mta_degree(i_op: np.ndarray, v_pol: np.ndarray, mta_degree: float | np.ndarray
                        ) -> np.ndarray:
    """Angle ``δ = ∠I_op − ∠V_pol − θ`` wrapped to (−180°, 180°], degrees.

    Example
    -------
    >>> float(angle_to_mta_degree(1j, 1.0, 45.0))
    45.0
    """
    d = np.degrees(np.angle(_c(i_op)) - np.angle(_c(v_pol))) - np.asarray(mta_degree, float)
    return 180.0 - np.mod(180.0 - d, 360.0)


def direction_from_angle(delta_degree: np.ndarray, half_width_degree: float = 90.0
                         ) -> np.ndarray:
    """``forward`` inside ``±half_width`` of the MTA line, ``reverse`` opposite, else ``none``.

    On the exact boundary ``|δ| = 90°`` of the cosine characteristic the torque is zero: none.
    """
    d = np.abs(np.asarray(delta_degree, float))
    out = np.full(d.shape, NONE, dtype=object)
    out[d < half_width_degree] = FWD
    out[d > 180.0 - half_width_degree] = REV
    out[np.isclose(d, 90.0, atol=1e-9) | ~np.isfinite(d)] = NONE
    return out


def quadrature_phasors(v_abc: np.ndarray) -> np.ndarray:
    """Quadrature polarising voltages ``(Vbc, Vca, Vab)`` of phases a, b, c, shape ``(..., 3)``."""
    v = _c(v_abc)
    return np.stack([v[..., 1] - v[..., 2], v[..., 2] - v[..., 0], v[..., 0] - v[..., 1]],
                    axis=-1)


def memory_quadrature(v1_memory: np.ndarray) -> np.ndarray:
    """Quadrature voltages of a balanced memory ``V1`` (``Vbc = −j√3·V1`` …), ``(..., 3)``."""
    v1 = _c(v1_memory)[..., None]
    return quadrature_phasors(v1 * np.array([1.0, A_OP**2, A_OP]))


@dataclass(frozen=True)
class PhaseElements:
    """67P evaluated per phase (every array ``(..., 3)``, phases a, b, c).

    Attributes
    ----------
    direction : numpy.ndarray of str
        Each phase element's decision (``none`` without polarising voltage or current).
    delta_degree : numpy.ndarray
        Angle of the operating current to the MTA line, degrees.
    i_op, v_pol : numpy.ndarray of complex
        Operating current (input unit) and polarising voltage used (pu; memory where used).
    low_polarising, memory_used, operating : numpy.ndarray of bool
        Own quadrature voltage below the minimum; memory polarised the element; the phase's
        own current is at or above ``pickup`` and the element decided.
    """

    direction: np.ndarray
    delta_degree: np.ndarray
    i_op: np.ndarray
    v_pol: np.ndarray
    low_polarising: np.ndarray
    memory_used: np.ndarray
    operating: np.ndarray


def phase_67p(i_abc: np.ndarray, v_abc: np.ndarray, mta_degree: float = 45.0, *,
              min_pol_pu: float = 0.05, pickup: float = 0.0,
              v1_memory: np.ndarray | None = None,
              half_width_degree: float = 90.0, i_min: float = 0.0) -> PhaseElements:
    """67P: three phase elements, each with its own quadrature polarising voltage.

    Parameters
    ----------
    i_abc : array_like of complex, shape ``(..., 3)``
        Phase currents at the device, positive into the protected element (any unit).
    v_abc : array_like of complex, shape ``(..., 3)``
        Phase-to-neutral voltages at the device bus, pu of the phase-to-neutral base.
    mta_degree : float
        Characteristic angle, current leading its quadrature voltage (30° or 45° usual).
    min_pol_pu : float
        Minimum ``|V_pol|`` (a line-to-line quantity in pu of the phase-to-neutral base, healthy
        √3); below it the phase uses the memory or declares ``none``.
    pickup : float
        Phase pickup of the supervised overcurrent element (unit of ``i_abc``): a phase element
        operates only where its own current reaches it.
    v1_memory : array_like of complex, shape ``(...)``, optional
        Pre-fault positive-sequence voltage at the device bus (pu, same angle reference).
    half_width_degree : float
        Half width of the forward zone, degrees.
    i_min : float
        Currents at or below it are numerically zero: no decision (unit of ``i_abc``).

    Returns
    -------
    PhaseElements

    Example
    -------
    >>> v = np.array([1, A_OP**2, A_OP]); i = 2 * np.exp(-1j * np.radians(75)) * v
    >>> phase_67p(i, v).direction.tolist()
    ['forward', 'forward', 'forward']
    """
    i = _c(i_abc)
    v_pol = quadrature_phasors(v_abc)
    i, v_pol = np.broadcast_arrays(i, v_pol)
    low = np.abs(v_pol) < min_pol_pu
    memory_used = np.zeros(low.shape, bool)
    pol = v_pol.copy()
    if v1_memory is not None:
        mem = np.broadcast_to(memory_quadrature(v1_memory), low.shape)
        memory_used = low & (np.abs(mem) >= min_pol_pu)
        pol[memory_used] = mem[memory_used]
    delta = angle_to_mta_degree(i, pol, mta_degree)
    direction = direction_from_angle(delta, half_width_degree)
    direction[(low & ~memory_used) | (np.abs(i) <= i_min)] = NONE
    operating = (np.abs(i) >= pickup) & (direction != NONE)
    return PhaseElements(direction, delta, i, pol, low, memory_used, operating)


@dataclass(frozen=True)
class TorqueElement:
    """A torque-type element evaluated on arrays (67N, 32I).

    Attributes
    ----------
    direction : numpy.ndarray of str
    delta_degree : numpy.ndarray
        Angle to the MTA line, degrees.
    i_op, v_pol : numpy.ndarray of complex
        Operating and polarising quantities as used.
    low_polarising, operating : numpy.ndarray of bool
        Polarising quantity below its minimum; operating current at or above ``pickup`` and a
        decision made.
    """

    direction: np.ndarray
    delta_degree: np.ndarray
    i_op: np.ndarray
    v_pol: np.ndarray
    low_polarising: np.ndarray
    operating: np.ndarray


def _torque(i_op: np.ndarray, pol: np.ndarray, mta_degree: float, min_pol: float,
            pickup: float, half_width_degree: float, i_min: float = 0.0) -> TorqueElement:
    i_op, pol = np.broadcast_arrays(_c(i_op), _c(pol))
    low = np.abs(pol) < min_pol
    delta = angle_to_mta_degree(i_op, pol, mta_degree)
    direction = direction_from_angle(delta, half_width_degree)
    direction[low | (np.abs(i_op) <= i_min)] = NONE
    operating = (np.abs(i_op) >= pickup) & (direction != NONE)
    return TorqueElement(direction, delta, i_op, pol, low, operating)


def ground_67n(i3i0: np.ndarray, v0: np.ndarray, *, mta_degree: float = -60.0,
               min_pol_pu: float = 0.02, pickup: float = 0.0,
               half_width_degree: float = 90.0, i_min: float = 0.0) -> TorqueElement:
    """67N torque form: operating ``3I0``, polarising ``−3V0``.

    For a forward ground fault ``−3V0 = 3I0·Z0s`` (the zero-sequence source impedance behind
    the relay), so ``3I0`` lags ``−3V0`` by ``∠Z0s`` (60–85°): MTA −60° by default.

    Parameters
    ----------
    i3i0 : array_like of complex
        Residual current ``3I0`` into the protected element (any unit).
    v0 : array_like of complex
        Zero-sequence voltage at the device bus, pu.
    mta_degree : float
        Operating leads ``−3V0`` by it at maximum torque (negative = lags), degrees.
    min_pol_pu : float
        Minimum ``|V0|``, pu (GE UR: 0.02 pu).
    pickup : float
        Ground pickup (unit of ``i3i0``).
    half_width_degree : float
    i_min : float
        ``|3I0|`` at or below it is numerically zero: no decision.

    Returns
    -------
    TorqueElement
    """
    return _torque(i3i0, -3.0 * _c(v0), mta_degree, 3.0 * min_pol_pu, pickup,
                   half_width_degree, i_min)


def current_polarised_32i(i3i0_a: np.ndarray, i_pol_a: np.ndarray, *, min_pol_a: float,
                          pickup_a: float = 0.0) -> TorqueElement:
    """32I: ``3I0`` against the neutral current of a local ground source.

    ``i_pol_a`` is the neutral current of the source transformer's grounded-wye winding,
    positive flowing from ground into the neutral (in phase with the ``3I0`` a forward fault
    draws through the relay): forward when ``Re[3I0·I_pol*] > 0`` (MTA 0°).

    Parameters
    ----------
    i3i0_a, i_pol_a : array_like of complex
        Operating and polarising currents, A.
    min_pol_a : float
        Minimum polarising current, A.
    pickup_a : float
        Ground pickup, A.
    """
    return _torque(i3i0_a, i_pol_a, 0.0, min_pol_a, pickup_a, 90.0)


def three_phase_power_mw(v_abc_pu: np.ndarray, i_abc_ka: np.ndarray,
                         vn_kv: float | np.ndarray) -> np.ndarray:
    """Complex power ``Σ V_k·I_k*`` into the element, MW + j Mvar.

    ``v_abc_pu`` phase-to-neutral in pu of ``vn_kv/√3``, ``i_abc_ka`` in kA, shape ``(..., 3)``.
    """
    v_kv = _c(v_abc_pu) * (np.asarray(vn_kv, float)[..., None] / SQRT3)
    return np.sum(v_kv * np.conj(_c(i_abc_ka)), axis=-1)


def reverse_power_32(p_mw: np.ndarray, pickup_mw: float | np.ndarray,
                     delay_s: float | np.ndarray = 0.0,
                     duration_s: float | np.ndarray = np.inf
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """32 reverse power: picked up when ``−P ≥ pickup``, operates when that lasts ``delay``.

    Returns ``(picked_up, operates, t_operate_s)`` (``inf`` where it does not operate).

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
    return picked, operates, np.where(operates, delay, np.inf)
