"""Shunt-fault equations in symmetrical components, vectorised over fault buses.

Convention (Anderson, *Analysis of Faulted Power Systems*, 1995, ch. 3; IEC 60909-0:2016
eqs. 29, 47, 52, 53): the fault impedance ``Z_F`` sits in each faulted phase between the bus and
the fault point; for ground faults the fault point is solidly earthed. Adding ``Z_F`` to each
sequence Thevenin impedance (``Z_s' = Z_s + Z_F``) turns every fault into a bolted fault behind
``Z_s'``. ``E_s`` is the open-circuit (pre-fault, with charger injections) sequence voltage at
the fault bus; with ``E2 = E0 = 0`` the results are the textbook ones:

* 3ph:  ``I1 = E1/Z1'``                         (IEC 60909-0 eq. 29 with ``E1 = c·Un/√3``)
* LL (b–c): ``I1 = −I2 = (E1 − E2)/(Z1' + Z2')`` (eq. 47, ``Z_F`` per phase, ``2·Z_F`` b–c)
* SLG (a):  ``I1 = I2 = I0 = (E1 + E2 + E0)/(Z1' + Z2' + Z0')``  (eq. 52, ``3·Z_F``)
* LLG (b–c–g): ``V = Σ(E_s/Z_s')/Σ(1/Z_s')``, ``I_s = (E_s − V)/Z_s'``  (eq. 53 for ``E2=E0=0``)

Currents are those flowing from the network into the fault (phase ``a`` reference).

A fault bus in a zero-sequence island without a path to ground (ungrounded or delta-fed
section) has ``Z0 = ∞`` (pass ``numpy.inf``): SLG current is 0 and LLG is an LL fault, the limits
of the equations above. The zero-sequence voltage there is then finite although ``I0 = 0``
(neutral displacement, ``V0 = −Z0·I0`` in the limit): see :func:`floating_v0`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from protv2g.units import A_OP, FaultType

__all__ = ["sequence_fault_currents", "floating_v0", "seq_to_abc", "abc_to_seq",
           "abc_phases", "largest_phase", "phase_magnitudes",
           "peak_phase_12", "FAULTED_PHASES", "A_MATRIX"]

#: ``[a, b, c] = A · [0, 1, 2]`` (phase-from-sequence transform).
A_MATRIX = np.array([[1, 1, 1], [1, A_OP**2, A_OP], [1, A_OP, A_OP**2]], dtype=complex)
_A_INV = np.linalg.inv(A_MATRIX)

#: Faulted phases (0 = a, 1 = b, 2 = c) of each fault type.
FAULTED_PHASES = {
    FaultType.THREE_PHASE: (0, 1, 2),
    FaultType.LINE_LINE: (1, 2),
    FaultType.SINGLE_LINE_GROUND: (0,),
    FaultType.DOUBLE_LINE_GROUND: (1, 2),
}


def sequence_fault_currents(fault_type: FaultType, e1: np.ndarray, e2: np.ndarray,
                            z1: np.ndarray, z2: np.ndarray, z0: np.ndarray | None,
                            zf: np.ndarray | complex) -> np.ndarray:
    """Sequence currents into the fault, shape ``(..., 3)`` ordered ``(0, 1, 2)``.

    Parameters
    ----------
    fault_type : FaultType
    e1, e2 : numpy.ndarray
        Open-circuit positive/negative-sequence voltage at the fault bus, per unit.
    z1, z2, z0 : numpy.ndarray
        Driving-point sequence impedances at the fault bus, per unit (``z0`` may be ``None``
        for 3ph and LL faults).
    zf : numpy.ndarray or complex
        Fault impedance per faulted phase, per unit on the fault bus base.

    Returns
    -------
    numpy.ndarray
        ``I_012`` per unit; ``[..., 0]`` zero, ``[..., 1]`` positive, ``[..., 2]`` negative.

    Raises
    ------
    ValueError
        For an unknown fault type.
    """
    e1, e2 = np.asarray(e1, complex), np.asarray(e2, complex)
    z1p = z1 + zf
    z2p = z2 + zf
    out = np.zeros(np.broadcast(e1, z1p).shape + (3,), dtype=complex)
    if fault_type is FaultType.THREE_PHASE:
        out[..., 1] = e1 / z1p
        out[..., 2] = e2 / z2p
    elif fault_type is FaultType.LINE_LINE:
        i1 = (e1 - e2) / (z1p + z2p)
        out[..., 1] = i1
        out[..., 2] = -i1
    elif fault_type is FaultType.SINGLE_LINE_GROUND:
        den = z1p + z2p + z0 + zf
        finite = np.isfinite(den)
        i = np.where(finite, (e1 + e2) / np.where(finite, den, 1.0), 0.0)
        out[..., 0] = i
        out[..., 1] = i
        out[..., 2] = i
    elif fault_type is FaultType.DOUBLE_LINE_GROUND:
        z0p = z0 + zf
        finite = np.isfinite(z0p)
        y1, y2 = 1 / z1p, 1 / z2p
        y0 = np.where(finite, 1 / np.where(finite, z0p, 1.0), 0.0)
        v = (e1 * y1 + e2 * y2) / (y1 + y2 + y0)
        out[..., 1] = (e1 - v) * y1
        out[..., 2] = (e2 - v) * y2
        out[..., 0] = -v * y0
    else:  # pragma: no cover - closed set
        raise ValueError(f"unknown fault type {fault_type!r}")
    return out


def floating_v0(fault_type: FaultType, e1: np.ndarray, e2: np.ndarray, z1: np.ndarray,
                z2: np.ndarray, zf: np.ndarray | complex) -> np.ndarray:
    """Zero-sequence bus voltage at a fault bus with ``Z0 = ∞`` (per unit).

    The limit ``Z0 → ∞`` of ``V0 = −Z0·I0``: SLG ``V0 = −(E1 + E2)`` (the faulted phase at
    ground potential, the neutral displaced by the phase voltage); LLG ``V0 = V_F``, the common
    sequence voltage of the (LL) fault point ``(E1/Z1' + E2/Z2')/(1/Z1' + 1/Z2')``; 3ph and LL
    ``V0 = 0``. Every bus of the same zero-sequence island carries the same ``V0`` (no
    zero-sequence current flows in it). Reference: Anderson (1995), ch. 3, ungrounded systems.

    Raises
    ------
    ValueError
        For an unknown fault type.
    """
    e1, e2 = np.asarray(e1, complex), np.asarray(e2, complex)
    if fault_type is FaultType.SINGLE_LINE_GROUND:
        return -(e1 + e2)
    if fault_type is FaultType.DOUBLE_LINE_GROUND:
        y1, y2 = 1 / (z1 + zf), 1 / (z2 + zf)
        return (e1 * y1 + e2 * y2) / (y1 + y2)
    if fault_type in (FaultType.THREE_PHASE, FaultType.LINE_LINE):
        return np.zeros(np.broadcast(e1, z1).shape, dtype=complex)
    raise ValueError(f"unknown fault type {fault_type!r}")  # pragma: no cover - closed set


def seq_to_abc(x012: np.ndarray) -> np.ndarray:
    """Phase quantities from sequence quantities along the last axis ``(0, 1, 2) → (a, b, c)``.

    ``xa = x0 + x1 + x2``, ``xb = x0 + a²·x1 + a·x2``, ``xc = x0 + a·x1 + a²·x2`` (the rows of
    :data:`A_MATRIX`; Fortescue), written out element-wise instead of ``x012 @ A_MATRIX.T``:
    a ``(n, 3) @ (3, 3)`` product goes to OpenBLAS, whose threads spin-wait between calls —
    on a loaded 2-core machine that doubled the CPU time of the fault tables' device rows
    (#21, ``benchmarks/bench_memory.py``). Same values to rounding (≤ 1 ulp per term).
    """
    x = np.asarray(x012)
    dtype = np.result_type(x.dtype, A_MATRIX.dtype)
    x0, x1, x2 = (x[..., p].astype(dtype, copy=False) for p in range(3))
    out = np.empty(x.shape, dtype=dtype)
    a, a2 = A_MATRIX[2, 1], A_MATRIX[1, 1]
    np.add(x0, x1, out=out[..., 0])
    out[..., 0] += x2
    out[..., 1] = x0 + a2 * x1 + a * x2
    out[..., 2] = x0 + a * x1 + a2 * x2
    return out


def abc_phases(x012: np.ndarray, reuse: bool = False) -> Iterator[np.ndarray]:
    """:func:`seq_to_abc`'s phases ``a``, ``b``, ``c`` one at a time, each ``(...)`` complex.

    The same NumPy operations on the same operands in the same order as :func:`seq_to_abc`
    (the same values, bit for bit), one phase written into a buffer at a time: no
    ``(..., 3)`` phase array and no per-phase temporaries (#21: the staged rows' magnitudes
    and the device table's phase columns made both). Each phase yielded is a fresh array
    (the caller may keep it); with ``reuse`` every phase is written into one buffer, valid
    until the next phase is asked for (#21: memory new to the process costs system time in
    page faults, ≈ 2–4 ms per MB on the benchmark VM; the device table's six phases were
    15 MB each at 10,000 buses).
    """
    x = np.asarray(x012)
    dtype = np.result_type(x.dtype, A_MATRIX.dtype)
    x0, x1, x2 = (x[..., p].astype(dtype, copy=False) for p in range(3))
    a, a2 = A_MATRIX[2, 1], A_MATRIX[1, 1]
    tmp = np.empty(x.shape[:-1], dtype=dtype)
    buf = np.empty(x.shape[:-1], dtype=dtype) if reuse else None
    out = np.add(x0, x1, out=buf)
    out += x2
    yield out
    for c1, c2 in ((a2, a), (a, a2)):  # x0 + c1·x1 + c2·x2, summed left to right
        out = np.multiply(c1, x1, out=buf)
        np.add(x0, out, out=out)
        np.multiply(c2, x2, out=tmp)
        out += tmp
        yield out


def phase_magnitudes(x012: np.ndarray, scale: float, out: np.ndarray) -> None:
    """``out[..., p] = scale·|seq_to_abc(x012)[..., p]|`` for the three phases, written in
    place (``out`` of any real dtype, e.g. float32: the magnitude is scaled in float64 and
    then cast, as ``out[..., :3] = scale * np.abs(seq_to_abc(x012))``; the same values)
    without the phase array (:func:`abc_phases`)."""
    mag = np.empty(np.shape(x012)[:-1])
    for p, phase in enumerate(abc_phases(x012, reuse=True)):
        np.abs(phase, out=mag)
        del phase
        mag *= scale
        out[..., p] = mag


def peak_phase_12(x12: np.ndarray) -> np.ndarray:
    """Largest phase magnitude of a quantity without zero sequence, from ``(x1, x2)`` along
    the last axis (a charger's injection: ``max(|xa|, |xb|, |xc|)`` of ``(0, x1, x2)``).

    ``x12`` is ``(..., 2)`` complex; returns ``(...)`` in its unit.

    :func:`seq_to_abc`'s sums with ``x0 = 0`` left out (adding an exact zero changes no
    magnitude) and the largest of the three taken element-wise: the same values as
    ``np.abs(seq_to_abc(x012)).max(axis=-1)`` (NaN kept), without the zero column's copy and
    the reduction over a 3-wide axis (#21).
    """
    x = np.asarray(x12)
    dtype = np.result_type(x.dtype, A_MATRIX.dtype)  # as seq_to_abc: complex64 → complex128
    x1, x2 = (x[..., p].astype(dtype, copy=False) for p in range(2))
    a, a2 = A_MATRIX[2, 1], A_MATRIX[1, 1]
    return np.maximum(np.maximum(np.abs(x1 + x2), np.abs(a2 * x1 + a * x2)),
                      np.abs(a * x1 + a2 * x2))


#: Relative tolerance within which two phase magnitudes count as equal (a balanced 3ph fault's
#: phases differ only by round-off).
PHASE_TIE_RTOL = 1e-9


def largest_phase(mag: np.ndarray, faulted: np.ndarray) -> np.ndarray:
    """Index (0, 1, 2 = a, b, c) of the largest faulted-phase magnitude along the last axis.

    Magnitudes within :data:`PHASE_TIE_RTOL` of the largest are a tie, resolved to the first
    phase in a, b, c order, so a balanced 3ph fault reports phase a's current and angle
    whatever its round-off.

    Parameters
    ----------
    mag : numpy.ndarray
        ``(..., 3)`` phase magnitudes (any unit).
    faulted : numpy.ndarray
        Boolean, broadcastable to ``mag``: the phases that may be picked.

    Returns
    -------
    numpy.ndarray
        ``(...)`` int64 indices.
    """
    faulted = np.broadcast_to(faulted, mag.shape)
    top = np.where(faulted, mag, -np.inf).max(axis=-1, keepdims=True)
    near = faulted & (mag >= top - PHASE_TIE_RTOL * np.abs(top))
    return np.argmax(near, axis=-1)


def abc_to_seq(xabc: np.ndarray) -> np.ndarray:
    """Sequence quantities from phase quantities along the last axis."""
    return xabc @ _A_INV.T
