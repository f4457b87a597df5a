"""Impedance-type sequence directional elements (SEL 32Q and 32V), pure and vectorised.

Both compute a scalar impedance ``z = Re[V·(I·1∠θ)*]/|I|²`` (Ω primary) and compare it with a
forward and a reverse threshold (:func:`sel_thresholds_ohm`), supervised by forward/reverse
current detectors and a positive-sequence restraint (``a2``, ``a0``):

* :func:`negative_sequence_32q` — ``Z2 = Re[V2·(I2·1∠Z1ANG)*]/|I2|²``, 50QF/50QR on ``3I2``;
* :func:`zero_sequence_32v` — ``Z0 = Re[3V0·(3I0·1∠Z0ANG)*]/|3I0|²``, 50GF/50GR on ``3I0``.

A forward fault (source behind the relay, ``V = −I·Z_behind``) gives ``z < 0``; a reverse fault
(``V = +I·Z_ahead``) ``z > 0``.

References
----------
SEL-351 instruction manual §4 (Figures 4.11 and 4.20: zero- and negative-sequence
voltage-polarised directional elements, thresholds and ``E32 = AUTO`` settings); SEL-421
reference manual, "Ground directional element" (Eq. 1.2–1.10); K. Zimmerman, D. Costello,
"Fundamentals and improvements for directional relays", 2010.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.directional.elements import FWD, NONE, REV

__all__ = ["ImpedanceElement", "sequence_impedance_ohm", "sel_thresholds_ohm",
           "negative_sequence_32q", "zero_sequence_32v"]


def _c(x: object) -> np.ndarray:
    return np.asarray(x, dtype=complex)


@dataclass(frozen=True)
class ImpedanceElement:
    """An impedance-type sequence element (32Q, 32V) evaluated on arrays.

    Attributes
    ----------
    direction : numpy.ndarray of str
    z_ohm : numpy.ndarray
        Measured ``Re[V·(I·1∠θ)*]/|I|²``, Ω (``nan`` without current).
    forward_threshold_ohm, reverse_threshold_ohm : numpy.ndarray
        Thresholds after the ``|V|/|I|`` compensation, Ω.
    i_op : numpy.ndarray of complex
        ``3I2`` or ``3I0``, A.
    v_pol : numpy.ndarray of complex
        ``V2`` or ``3V0``, V.
    forward_supervision, reverse_supervision, ratio_ok : numpy.ndarray of bool
        50QF/50GF and 50QR/50GR picked up; ``|I2| > a2·|I1|`` (``|I0| > a0·|I1|``).
    operating : numpy.ndarray of bool
        The element decided (enabled and beyond a threshold).
    """

    direction: np.ndarray
    z_ohm: np.ndarray
    forward_threshold_ohm: np.ndarray
    reverse_threshold_ohm: np.ndarray
    i_op: np.ndarray
    v_pol: np.ndarray
    forward_supervision: np.ndarray
    reverse_supervision: np.ndarray
    ratio_ok: np.ndarray
    operating: np.ndarray


def sequence_impedance_ohm(v_v: np.ndarray, i_a: np.ndarray, angle_degree: float | np.ndarray
                           ) -> np.ndarray:
    """``Re[V·(I·1∠θ)*] / |I|²`` in Ω (``nan`` where ``I = 0``).

    Example
    -------
    >>> round(float(sequence_impedance_ohm(-2.0 * np.exp(1j * np.radians(80)), 1.0, 80.0)), 9)
    -2.0
    """
    v, i = _c(v_v), _c(i_a)
    rot = i * np.exp(1j * np.radians(np.asarray(angle_degree, float)))
    num = np.real(v * np.conj(rot))
    den = np.abs(i) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def sel_thresholds_ohm(z_forward_ohm: float, z_reverse_ohm: float, v_over_i_ohm: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Forward and reverse thresholds of the SEL 32Q/32V elements, Ω.

    ``FT = 0.75·ZF − 0.25·|V/I|`` for ``ZF ≤ 0``, ``1.25·ZF − 0.25·|V/I|`` for ``ZF > 0``;
    ``RT = 0.75·ZR + 0.25·|V/I|`` for ``ZR ≥ 0``, ``1.25·ZR + 0.25·|V/I|`` for ``ZR < 0``
    (SEL-351 instruction manual, Figures 4.11 and 4.20; SEL-421 reference manual Eq. 1.2–1.10).
    """
    r = np.asarray(v_over_i_ohm, float)
    ft = (0.75 if z_forward_ohm <= 0 else 1.25) * z_forward_ohm - 0.25 * r
    rt = (0.75 if z_reverse_ohm >= 0 else 1.25) * z_reverse_ohm + 0.25 * r
    return ft, rt


def _impedance_element(v: np.ndarray, i_z: np.ndarray, i_sup: np.ndarray, i_seq: np.ndarray,
                       i1: np.ndarray, angle_degree: float, z_forward_ohm: float,
                       z_reverse_ohm: float, forward_pickup_a: float, reverse_pickup_a: float,
                       ratio: float, i_min: float) -> ImpedanceElement:
    """``z`` from ``v`` and ``i_z``; 50F/50R on ``|i_sup|``; ratio check ``|i_seq| > r·|I1|``;
    ``|i_z| ≤ i_min`` is a numerical zero (``z`` nan, no decision)."""
    v, i_z, i_sup, i_seq, i1 = np.broadcast_arrays(_c(v), _c(i_z), _c(i_sup), _c(i_seq),
                                                   _c(i1))
    i_z = np.where(np.abs(i_z) > i_min, i_z, 0j)
    z = sequence_impedance_ohm(v, i_z, angle_degree)
    mag = np.abs(i_z)
    with np.errstate(divide="ignore", invalid="ignore"):
        v_over_i = np.where(mag > 0, np.abs(v) / np.where(mag > 0, mag, 1.0), np.inf)
    ft, rt = sel_thresholds_ohm(z_forward_ohm, z_reverse_ohm, v_over_i)
    ratio_ok = np.abs(i_seq) > ratio * np.abs(i1)
    f_sup = (np.abs(i_sup) >= forward_pickup_a) & ratio_ok & (mag > 0)
    r_sup = (np.abs(i_sup) >= reverse_pickup_a) & ratio_ok & (mag > 0)
    with np.errstate(invalid="ignore"):
        fwd = f_sup & (z < ft)
        rev = r_sup & (z > rt) & ~fwd
    direction = np.where(fwd, FWD, np.where(rev, REV, NONE)).astype(object)
    return ImpedanceElement(direction, z, np.broadcast_to(ft, z.shape).copy(),
                            np.broadcast_to(rt, z.shape).copy(), i_sup, v, f_sup, r_sup,
                            ratio_ok, fwd | rev)


def negative_sequence_32q(v2_v: np.ndarray, i2_a: np.ndarray, i1_a: np.ndarray, *,
                          z1_angle_degree: float, z2_forward_ohm: float, z2_reverse_ohm: float,
                          forward_pickup_a: float, reverse_pickup_a: float,
                          a2: float = 0.1, i_min: float = 0.0) -> ImpedanceElement:
    """32Q: negative-sequence voltage-polarised directional element (SEL).

    ``Z2 = Re[V2·(I2·1∠Z1ANG)*]/|I2|²``; forward when ``Z2`` is below the forward threshold and
    50QF (``|3I2| ≥ forward_pickup_a``) and ``|I2| > a2·|I1|``; reverse when above the reverse
    threshold with 50QR. A forward fault gives ``Z2 = −|Z2s|·cos(∠Z2s − Z1ANG)`` (the source
    behind the relay), a reverse fault ``+|Z2 ahead|·cos(…)``.

    Parameters
    ----------
    v2_v : array_like of complex
        Negative-sequence voltage at the device bus, V (phase-to-neutral).
    i2_a, i1_a : array_like of complex
        Negative- and positive-sequence currents into the protected element, A.
    z1_angle_degree : float
        Positive-sequence line angle Z1ANG, degrees.
    z2_forward_ohm, z2_reverse_ohm : float
        Z2F and Z2R, Ω primary (Z2R > Z2F).
    forward_pickup_a, reverse_pickup_a : float
        50QF and 50QR on ``3I2``, A primary.
    a2 : float
        Positive-sequence restraint ``|I2|/|I1|``.
    i_min : float
        ``|I2|`` at or below it is a numerical zero (no decision), A.

    Returns
    -------
    ImpedanceElement
        ``i_op`` is ``3I2``.
    """
    i2 = _c(i2_a)
    return _impedance_element(v2_v, i2, 3.0 * i2, i2, i1_a, z1_angle_degree, z2_forward_ohm,
                              z2_reverse_ohm, forward_pickup_a, reverse_pickup_a, a2, i_min)


def zero_sequence_32v(v0_v: np.ndarray, i3i0_a: np.ndarray, i1_a: np.ndarray, *,
                      z0_angle_degree: float, z0_forward_ohm: float, z0_reverse_ohm: float,
                      forward_pickup_a: float, reverse_pickup_a: float,
                      a0: float = 0.1, i_min: float = 0.0) -> ImpedanceElement:
    """32V: zero-sequence voltage-polarised element in impedance form (SEL).

    ``Z0 = Re[3V0·(3I0·1∠Z0ANG)*]/|3I0|²`` with Z0F/Z0R thresholds as :func:`sel_thresholds_ohm`,
    50GF/50GR on ``3I0`` and ``|I0| > a0·|I1|``.

    Parameters
    ----------
    v0_v : array_like of complex
        Zero-sequence voltage ``V0`` at the device bus, V (``3V0`` is formed inside).
    i3i0_a, i1_a : array_like of complex
        Residual and positive-sequence currents into the protected element, A.
    z0_angle_degree, z0_forward_ohm, z0_reverse_ohm, forward_pickup_a, reverse_pickup_a, a0, i_min
        As :func:`negative_sequence_32q` for the zero sequence (``i_min`` on ``|3I0|``).

    Returns
    -------
    ImpedanceElement
        ``i_op`` is ``3I0`` and ``v_pol`` is ``3V0``.
    """
    i3 = _c(i3i0_a)
    return _impedance_element(3.0 * _c(v0_v), i3, i3, i3 / 3.0, i1_a, z0_angle_degree,
                              z0_forward_ohm, z0_reverse_ohm, forward_pickup_a,
                              reverse_pickup_a, a0, i_min)
