"""Operate times through the stages of a fault (the chargers' current changes with time).

During a fault with V2G the current a device sees changes in steps: first cycle, sustained,
after each charger site ceases or trips (:mod:`protv2g.engine.staging`). A time element
integrates what it sees: it operates when its accumulated travel reaches 1,

``Σ_k Δt_k / t_op(I_k) = 1``                                                           (1)

where ``t_op(I)`` is its operate time at a constant current ``I`` and ``Δt_k`` the time spent
in stage ``k``. Within the stage in which (1) is reached the operate time is
``t = t_start,k + (1 − travel_before_k)·t_op(I_k)``. With the same current in every stage (1)
gives back ``t_op(I)`` exactly.

* **Inverse-time relays** (IEEE C37.112 §4; IEC 60255-151 §6.6): (1) is the integral of the
  disk (or its numerical emulation) ``∫ dt/t_op(I(t)) = 1`` — exact for a piecewise-constant
  current. In a stage below pickup (``t_op = inf``) the travel resets: to 0 at once for
  ``reset: instantaneous`` (numerical relays, recloser controls), or at the electromechanical
  reset rate ``Δtravel = −Δt/t_reset(I)`` (IEEE C37.112 eq. 2) for ``reset: electromechanical``.
* **Definite-time elements** (delay ``d`` while above pickup): ``t_op = d``; (1) is the timer.
* **Instantaneous (50) elements and interrupting duty use the first-cycle stage only**: a 50
  element operates at its delay if the first-cycle current exceeds its pickup.
* **Fuses** (approximation): melting is treated as accumulated damage, (1) on the minimum-melt
  curve, with no cooling between stages (the fault current never stops flowing, so this is
  conservative: it melts no later than a link that cools). Where the minimum-melt curve is an
  ``I²t = const`` line (its high-current end) (1) is exactly the ``I²t`` energy balance; on the
  curved low-current part it is the usual Miner-rule approximation. Total clearing is the
  same accumulation on the maximum-melt curve (the upper end of the published melting range;
  the total-clearing curve itself for point-table links without one), plus the arcing time
  (total clearing − maximum melt) at the current of the stage in which it completes — so a
  constant current gives exactly the single-stage total-clearing time.

Public API (for the checks): :func:`staged_operate_time_s` (any element, from its
per-stage constant-current times), :func:`staged_device_times` (relay, recloser first shot,
fuse, from per-stage currents), :func:`staged_time_columns` (the checks' operating-time
columns, :data:`protv2g.devices.kinds.TIME_COLUMNS`, through the stages) and
:func:`staged_phase_element_times` (a relay's per-phase and ground elements, for the
directional control logic).

**Recloser shots after the first** (approximation, conservative for C4 and C6): every shot is
taken to see the same sequence of stages from its own start, i.e. the chargers as at fault
inception. Physically the chargers have ceased or tripped by the first reclose (IEEE 1547-2018
enter-service delay ≥ 5 min), so a later shot sees the feeder's own current; with infeed
downstream of the recloser that current is larger and the shot faster, so the longest shot
taken here is not shorter than the real one.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from protv2g.devices.curves import instantaneous_time_s, trip_time_s
from protv2g.devices.models import Device, Fuse, OvercurrentRelay, Recloser

__all__ = ["staged_operate_time_s", "staged_device_times", "staged_time_columns",
           "staged_phase_element_times", "Reset"]

FloatArray = NDArray[np.float64]
Reset = Literal["hold", "instantaneous", "electromechanical"]


def staged_operate_time_s(t_op_s: ArrayLike, t_start_s: ArrayLike, t_end_s: ArrayLike, *,
                          reset: Reset = "instantaneous",
                          t_reset_s: ArrayLike | None = None) -> FloatArray:
    """Operate time from fault inception of an element whose current changes by stages.

    Parameters
    ----------
    t_op_s : array_like
        ``(n_stage, ...)``: the element's operate time (s) if stage ``k``'s current were held
        from the start; ``inf`` where it does not operate at that current.
    t_start_s, t_end_s : array_like
        ``(n_stage, ...)`` (broadcastable): when each stage begins and ends (s from fault
        inception, ``t_end_s`` of the last stage ``inf``). A stage with ``t_start_s = inf``
        (or ``t_end_s <= t_start_s``) lasts no time.
    reset : {"instantaneous", "hold", "electromechanical"}
        What the travel does in a stage below pickup: back to 0; kept (fuse melting with no
        cooling); or decreasing by ``Δt / t_reset_s``.
    t_reset_s : array_like, optional
        ``(n_stage, ...)`` full reset time at each stage's current (``electromechanical``).

    Returns
    -------
    numpy.ndarray
        Shape ``t_op_s.shape[1:]`` (broadcast with the times); ``inf`` = does not operate.

    Raises
    ------
    ValueError
        For an unknown ``reset`` or a missing ``t_reset_s``.

    Examples
    --------
    >>> # 0.5 s at a current that would take 1 s, then a current that would take 2 s:
    >>> float(staged_operate_time_s([1.0, 2.0], [0.0, 0.5], [0.5, np.inf]))
    1.5
    """
    if reset not in ("hold", "instantaneous", "electromechanical"):
        raise ValueError(f"unknown reset {reset!r}; allowed: 'instantaneous', 'hold', "
                         "'electromechanical'")
    if reset == "electromechanical" and t_reset_s is None:
        raise ValueError("reset='electromechanical' needs t_reset_s")
    # one compiled pass per element, the same operations as the stage-by-stage NumPy form
    # (#21: ≈ 25 array passes per stage, the largest part of the device models' time)
    from protv2g.devices._staged_kernel import RESET_CODES, staged_travel

    t_op = np.asarray(t_op_s, dtype=float)
    t0, t1 = np.broadcast_arrays(np.asarray(t_start_s, float), np.asarray(t_end_s, float))
    shape = np.broadcast_shapes(t_op.shape, t0.shape)
    flat = (shape[0], int(np.prod(shape[1:], dtype=np.int64)))

    def as_2d(x: np.ndarray) -> FloatArray:
        # C-contiguous and writable (a broadcast view is copied): one compiled signature,
        # not one per read-only flag
        x = x if x.shape == shape else np.broadcast_to(x, shape)
        return np.require(x.reshape(flat), float, ["C", "W"])

    t_op2, t02, t12 = as_2d(t_op), as_2d(t0), as_2d(t1)
    tr = t_op2 if t_reset_s is None else as_2d(np.asarray(t_reset_s, float))
    out = np.empty(flat[1])
    staged_travel(t_op2, t02, t12, tr, RESET_CODES[reset], out)
    return out.reshape(shape[1:])


def staged_device_times(device: Device, i_phase_a: ArrayLike, i_ground_a: ArrayLike | None,
                        t_start_s: ArrayLike, t_end_s: ArrayLike) -> dict[str, FloatArray]:
    """Operate times of a device through the stages of a fault.

    Parameters
    ----------
    device : OvercurrentRelay, Recloser or Fuse
    i_phase_a, i_ground_a : array_like
        ``(n_stage, ...)``: largest phase current and ``|3·I0|`` (primary A) the device sees in
        each stage; stage 0 is the first cycle.
    t_start_s, t_end_s : array_like
        ``(n_stage, ...)`` stage start and end (e.g. ``FaultStudyResult.staged.t_start_s``).

    Returns
    -------
    dict
        Relay: ``t_op_s`` (fastest element), ``t_51p_s``, ``t_51g_s`` (staged), ``t_50_s``
        (instantaneous elements on the first-cycle current). Recloser: ``t_fast_s``,
        ``t_delayed_s`` (each curve staged, instantaneous reset) and ``t_op_s`` (first shot).
        Fuse: ``t_mm_s`` (staged minimum melt), ``t_tc_s`` (maximum-melt accumulation + arcing
        time at the melting stage's current) and ``t_op_s`` = ``t_tc_s``.
        Arrays of shape ``i_phase_a.shape[1:]``.

    Raises
    ------
    TypeError
        For an unknown device type.
    """
    ip = np.asarray(i_phase_a, dtype=float)
    ig = None if i_ground_a is None else np.asarray(i_ground_a, dtype=float)
    if isinstance(device, OvercurrentRelay):
        return _relay(device, ip, ig, t_start_s, t_end_s)
    if isinstance(device, Recloser):
        def staged(fn, i):
            if i is None:
                return np.full(ip.shape[1:], np.inf)
            return staged_operate_time_s(fn(i), t_start_s, t_end_s, reset="instantaneous")
        fast = np.fmin(staged(device.fast_time_s, ip), staged(device.ground_fast_time_s, ig))
        delayed = np.fmin(staged(device.delayed_time_s, ip),
                          staged(device.ground_delayed_time_s, ig))
        first = device.shot_kinds[0] if device.shot_kinds else "fast"
        return {"t_fast_s": fast, "t_delayed_s": delayed,
                "t_op_s": fast if first == "fast" else delayed}
    if isinstance(device, Fuse):
        mm_k = device.min_melt_time_s(ip)
        t_mm = staged_operate_time_s(mm_k, t_start_s, t_end_s, reset="hold")
        # total clearing: melting accumulated on the maximum-melt curve (the upper end of the
        # published melting range), then the arcing time at the stage where it completes
        mx_k = device.max_melt_time_s(ip)
        t_mx = staged_operate_time_s(mx_k, t_start_s, t_end_s, reset="hold")
        with np.errstate(invalid="ignore"):  # inf − inf where the link does not melt
            arc_k = device.total_clear_time_s(ip) - mx_k
        t0 = np.broadcast_to(np.asarray(t_start_s, float), ip.shape)
        stage = np.sum(np.isfinite(t_mx)[None] & (t0 <= t_mx[None]), axis=0) - 1
        arc = np.take_along_axis(arc_k, np.clip(stage, 0, len(ip) - 1)[None], axis=0)[0]
        # arc inf: the stage's current is below the total-clearing data (single-stage: inf)
        t_tc = np.where(np.isfinite(t_mx), t_mx + np.where(np.isnan(arc), 0.0, arc), t_mx)
        return {"t_mm_s": t_mm, "t_tc_s": t_tc, "t_op_s": t_tc}
    raise TypeError(f"unknown device type {type(device).__name__}")


def _relay(dev: OvercurrentRelay, ip, ig, t_start_s, t_end_s) -> dict[str, FloatArray]:
    s = dev.settings
    kw = dict(multiplier=s.time_multiplier, adder_s=s.time_adder_s,
              min_response_s=s.min_response_s)
    reset: Reset = "electromechanical" if s.reset == "electromechanical" else "instantaneous"

    def staged(i, pickup, curve, td):
        t_k = trip_time_s(i, pickup, curve, td, **kw)
        tr = None
        if reset == "electromechanical":
            tr = dev.reset_time_s(i) if curve is dev.curve else np.zeros_like(i)
        return staged_operate_time_s(t_k, t_start_s, t_end_s, reset=reset, t_reset_s=tr)

    t51p = staged(ip, s.pickup_a, dev.curve, s.time_dial)
    t50 = instantaneous_time_s(ip[0], s.inst_pickup_a, s.inst_delay_s)
    t51g = np.full(ip.shape[1:], np.inf)
    if ig is not None:
        if s.ground_pickup_a is not None:
            td = s.time_dial if s.ground_time_dial is None else s.ground_time_dial
            t51g = staged(ig, s.ground_pickup_a, dev.ground_curve, td)
        t50 = np.fmin(t50, instantaneous_time_s(ig[0], s.ground_inst_pickup_a,
                                                s.ground_inst_delay_s))
    return {"t_op_s": np.fmin(np.fmin(t51p, t51g), t50), "t_51p_s": t51p, "t_51g_s": t51g,
            "t_50_s": t50}


def staged_time_columns(device: Device, i_phase_a: ArrayLike, i_ground_a: ArrayLike,
                        t_start_s: ArrayLike, t_end_s: ArrayLike) -> dict[str, FloatArray]:
    """The checks' operating-time columns of a device through the stages of a fault.

    The same columns, with the same meaning, as the single-stage
    :func:`protv2g.devices.kinds.operating_times` (``t_op_s``; recloser ``t_fast_s``,
    ``t_delayed_s``, ``t_longest_shot_s``; fuse ``t_mm_s``, ``t_tc_s``), each element
    integrated through the stages by (1) — the low bracket of the chargers' contribution.
    Instantaneous elements (relay 50P/50G, recloser first-shot instantaneous trip) act on the
    first-cycle stage. With one stage (or the same current in every stage) the values equal
    the single-stage ones.

    Parameters
    ----------
    device : OvercurrentRelay, Recloser or Fuse
    i_phase_a, i_ground_a : array_like
        ``(n_stage, n)``: largest phase current and ``|3·I0|`` (primary A) in each stage.
    t_start_s, t_end_s : array_like
        ``(n_stage, n)`` stage start and end (s from fault inception).

    Returns
    -------
    dict
        Arrays of shape ``(n,)``, s (``inf`` = does not operate).

    Raises
    ------
    TypeError
        For an unknown device type.

    Examples
    --------
    >>> ip = np.array([[2000.0], [2000.0]]); ig = np.zeros_like(ip)
    >>> t0, t1 = np.array([[0.0], [0.0167]]), np.array([[0.0167], [np.inf]])
    >>> bool(np.allclose(staged_time_columns(RELAY, ip, ig, t0, t1)["t_op_s"],
    ...                  RELAY.operate_time_s(ip[0], ig[0])))  # doctest: +SKIP
    True
    """
    ip = np.asarray(i_phase_a, dtype=float)
    ig = np.asarray(i_ground_a, dtype=float)
    if isinstance(device, OvercurrentRelay):
        return {"t_op_s": _relay(device, ip, ig, t_start_s, t_end_s)["t_op_s"]}
    if isinstance(device, Recloser):
        t = staged_device_times(device, ip, ig, t_start_s, t_end_s)
        s = device.settings
        fast = t["t_fast_s"] if s.n_fast else np.full(ip.shape[1:], np.inf)
        delayed = t["t_delayed_s"] if s.n_delayed else np.full(ip.shape[1:], np.inf)
        shots = [t["t_fast_s"] if k == "fast" else t["t_delayed_s"] for k in device.shot_kinds]
        shots[0] = np.fmin(shots[0], device.first_shot_inst_time_s(ip[0], ig[0]))
        shots_a = np.stack(shots)
        with np.errstate(invalid="ignore"):
            longest = np.where(np.isfinite(shots_a), shots_a, -np.inf).max(axis=0)
        return {"t_op_s": shots_a[0], "t_fast_s": fast, "t_delayed_s": delayed,
                "t_longest_shot_s": np.where(np.isfinite(longest), longest, np.inf)}
    if isinstance(device, Fuse):
        t = staged_device_times(device, ip, None, t_start_s, t_end_s)
        return {"t_mm_s": t["t_mm_s"], "t_tc_s": t["t_tc_s"], "t_op_s": t["t_tc_s"]}
    raise TypeError(f"unknown device type {type(device).__name__}")


def staged_phase_element_times(relay: OvercurrentRelay, i_abc_a: ArrayLike,
                               i_ground_a: ArrayLike, t_start_s: ArrayLike,
                               t_end_s: ArrayLike) -> dict[str, FloatArray]:
    """Operate time of each overcurrent element of a relay through the stages.

    What :meth:`OvercurrentRelay.phase_time_s` (per phase) and ``ground_time_s`` give for a
    constant current, integrated through the stages: 51P of each phase on its own phase
    current, 51G on ``|3·I0|`` (each by (1), the relay's reset), 50P/50G on the first-cycle
    stage. The directional control logic needs them per element (each phase element decides
    on its own current).

    Parameters
    ----------
    relay : OvercurrentRelay
    i_abc_a : array_like
        ``(n_stage, n, 3)`` phase current magnitudes (A).
    i_ground_a : array_like
        ``(n_stage, n)`` ``|3·I0|`` (A).
    t_start_s, t_end_s : array_like
        ``(n_stage, n)``.

    Returns
    -------
    dict
        ``"a"``, ``"b"``, ``"c"``, ``"G"`` → ``(n,)`` operate times (s).
    """
    i_abc = np.asarray(i_abc_a, dtype=float)
    ig = np.asarray(i_ground_a, dtype=float)
    out = {}
    for k, ph in enumerate("abc"):
        ip = i_abc[..., k]
        t = _relay(relay, ip, None, t_start_s, t_end_s)
        out[ph] = np.fmin(t["t_51p_s"], instantaneous_time_s(
            ip[0], relay.settings.inst_pickup_a, relay.settings.inst_delay_s))
    s = relay.settings
    t50g = instantaneous_time_s(ig[0], s.ground_inst_pickup_a, s.ground_inst_delay_s)
    if s.ground_pickup_a is None:
        out["G"] = np.broadcast_to(t50g, ig.shape[1:]).astype(float)
    else:
        out["G"] = np.fmin(_relay(relay, ig, ig, t_start_s, t_end_s)["t_51g_s"], t50g)
    return out
