"""Which element of a recloser set the time a C2 row quotes (review rev28 §2 and §7).

A recloser with a ground element trips on the faster of its phase curve (on the phase
current, from its phase minimum trip) and its ground curve (on 3I0, from its ground minimum
trip): :func:`protv2g.devices.kinds.operating_times`. In a ground fault near the phase minimum
trip the element that sets the time changes with a small change of current, and the quoted
time jumps. EPRI J1 (``study_lv.yaml``, R-MID 200 A phase / 100 A ground, fast curves 101 /
104, 0.042 s mechanism time; SLG-b min at b52572, fuse F-END 25K):

* without V2G the phase current is 200.5 A = 1.003 × the 200 A minimum trip: the phase curve
  101 gives 0.139 s + 0.042 s = 0.181 s, faster than the ground curve 104 at 3I0 200.7 A =
  2.007 × 100 A (0.159 s + 0.042 s = 0.201 s); K × t_fast = 1.8 × 0.181 = 0.325 s;
* with V2G the phase current is 199.2 A, under the minimum trip: the phase element does not
  run, the ground curve 104 at 1.993 × 100 A gives 0.161 s + 0.042 s = 0.203 s; K × t_fast =
  1.8 × 0.203 = 0.365 s (+12 % for −0.67 % of current).

The message quoted "0.325 s at 201 A, 3I0 201 A" and "0.365 s at 199 A, 3I0 199 A": a reader
checking the 104 curve at 2 × could reproduce neither. :func:`element_text` names the curve,
the multiple of its minimum trip and the recloser's own time, and says when the element that
set it runs within the minimum trip's ±5 % accuracy
(:data:`protv2g.checks.sensitivity.PICKUP_ACCURACY`), where the other element may set the time
instead. A display text: it changes no figure and no verdict.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from protv2g.checks.fuse_melt_text import DEPARTURE_REL
from protv2g.checks.fuse_saving_range import GROUND_FAULT_PREFIXES, is_ground_fault
from protv2g.checks.sensitivity import PICKUP_ACCURACY
from protv2g.devices.kinds import kind_of

__all__ = ["element_text", "prime_element_times", "sure_fast_rows", "sure_fast_times_s"]

Shot = Literal["fast", "delayed"]


def _shot_times(dev: Any, shot: Shot, i_a: np.ndarray, i3i0_a: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(phase, ground) element times (s, clearing: adders and mechanism time included) of a
    recloser's ``shot`` curve at the phase currents ``i_a`` and 3I0 ``i3i0_a`` (A)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if shot == "fast":
            t_p, t_g = dev.fast_time_s(i_a), dev.ground_fast_time_s(i3i0_a)
        else:
            t_p, t_g = dev.delayed_time_s(i_a), dev.ground_delayed_time_s(i3i0_a)
    return np.asarray(t_p, float), np.asarray(t_g, float)


def sure_fast_times_s(dev: Any, i_a: np.ndarray, i3i0_a: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A recloser's fast time for fuse saving at the conservative element (review rev29 §6).

    The model trips on the faster of the phase and ground elements. Where that element's
    current is within its minimum trip's accuracy (±:data:`~protv2g.checks.sensitivity.
    PICKUP_ACCURACY`, IEC 60255-151) it may not start; if the other element surely operates
    (its current more than that accuracy above its own minimum trip), fuse saving can count
    only on the other, slower, element's time (EPRI J1 lv b52572: phase 101 at 1.003 × 200 A,
    0.181 s; ground 104 at 1.993 × 100 A, 0.203 s: K × t_fast 0.365 s, not 0.325 s). Where no
    other element surely operates the faster element's time is kept (a current that close to
    a minimum trip is C5's reach finding). For the recloser's fuse backup (lockout) the faster
    time is the conservative one: not used there.

    Parameters
    ----------
    dev : Recloser
        With a ground element (``ground_min_trip_a``).
    i_a, i3i0_a : ndarray
        ``(n,)`` first-cycle phase current and 3I0 (A) of ground faults.

    Returns
    -------
    t_sure_s : ndarray
        ``(n,)`` fast clearing time (s) of the element fuse saving counts on.
    t_fast_s : ndarray
        ``(n,)`` the model's fast clearing time (s): the faster element's.
    swapped : ndarray of bool
        ``(n,)`` where that is the slower element (the faster one near its minimum trip).
    """
    t_p, t_g = _shot_times(dev, "fast", np.asarray(i_a, float), np.asarray(i3i0_a, float))
    ground = t_g < t_p
    t_el, t_other = np.where(ground, t_g, t_p), np.where(ground, t_p, t_g)
    swapped = _unsure(dev, ground, t_p, t_g, i_a, i3i0_a)
    return np.where(swapped, t_other, t_el), t_el, swapped


def _unsure(dev: Any, ground: Any, t_p: Any, t_g: Any, i_a: Any, i3i0_a: Any) -> np.ndarray:
    """Where the faster element (``ground``: the ground one) runs within its minimum trip's
    accuracy and the other surely operates (arrays or scalars: the condition of
    :func:`sure_fast_times_s`, also read by :func:`element_text` on its cached times)."""
    s = dev.settings
    with np.errstate(invalid="ignore", divide="ignore"):
        m_p = np.asarray(i_a, float) / float(s.phase_min_trip_a)
        m_g = np.asarray(i3i0_a, float) / float(s.ground_min_trip_a)
        t_el, t_other = np.where(ground, t_g, t_p), np.where(ground, t_p, t_g)
        m_el, m_other = np.where(ground, m_g, m_p), np.where(ground, m_p, m_g)
        return (np.isfinite(t_el) & np.isfinite(t_other)
                & (np.abs(m_el - 1.0) <= PICKUP_ACCURACY) & (m_other - 1.0 > PICKUP_ACCURACY))


def _unsure_one(dev: Any, ground: bool, t_p: float, t_g: float, i_a: float, i3i0_a: float
                ) -> bool:
    """:func:`_unsure` of one row in plain floats (#21: the scalar call from each C2 message
    went through ten NumPy calls, 4,263 messages on the IEEE 8500 study); a zero minimum trip
    goes to :func:`_unsure` (its division by zero)."""
    s = dev.settings
    p_a, g_a = float(s.phase_min_trip_a), float(s.ground_min_trip_a)
    if p_a == 0.0 or g_a == 0.0:
        return bool(_unsure(dev, ground, t_p, t_g, i_a, i3i0_a))
    m_p, m_g = float(i_a) / p_a, float(i3i0_a) / g_a
    t_el, t_other = (t_g, t_p) if ground else (t_p, t_g)
    m_el, m_other = (m_g, m_p) if ground else (m_p, m_g)
    return (math.isfinite(t_el) and math.isfinite(t_other)
            and abs(m_el - 1.0) <= PICKUP_ACCURACY and m_other - 1.0 > PICKUP_ACCURACY)


def sure_fast_rows(ctx: Any, m: pd.DataFrame, rows: np.ndarray, b_fast: np.ndarray
                   ) -> np.ndarray:
    """The fuse-saving rows' recloser fast times at the element fuse saving can count on.

    Parameters
    ----------
    ctx : CheckContext
        For the device models (``ctx.devices``).
    m : DataFrame
        The pair table (:func:`protv2g.checks.pairs.merged`): ``fault_type``, ``backup``
        (the recloser), ``b_i_phase_a``, ``b_i_ground_a`` (first-cycle, A).
    rows : ndarray of bool
        ``(len(m),)`` the fuse-saving rows.
    b_fast : ndarray
        ``(len(m),)`` the recloser's fast time of each row (s; staged, the bracket's).

    Returns
    -------
    ndarray
        ``b_fast`` (not copied where nothing changes), on the ground-fault rows of ``rows``
        the other element's time where :func:`sure_fast_times_s` takes it — only where the
        row's time is the faster element's at the first-cycle currents (within
        :data:`~protv2g.checks.fuse_melt_text.DEPARTURE_REL`): a time the fault's later
        stages set is kept (its message says so).
    """
    at = np.flatnonzero(rows)
    if not len(at):
        return b_fast
    at = at[is_ground_fault(m.fault_type.to_numpy()[at])]
    names = m.backup.to_numpy()[at]
    out = b_fast
    for name in pd.unique(names):
        dev = ctx.devices[name]
        if getattr(dev.settings, "ground_min_trip_a", None) is None:
            continue
        idx = at[names == name]
        t_sure, t_fc, swapped = sure_fast_times_s(
            dev, m.b_i_phase_a.to_numpy(dtype=float)[idx],
            m.b_i_ground_a.to_numpy(dtype=float)[idx])
        t_row = b_fast[idx]
        use = swapped & (np.abs(t_row - t_fc) <= DEPARTURE_REL * t_fc)
        if use.any():
            out = out.copy() if out is b_fast else out
            out[idx[use]] = t_sure[use]
    return out


def _times(dev: Any, shot: Shot, i_a: float, i3i0_a: float) -> tuple[float, float]:
    """:func:`_shot_times` at one phase current and 3I0 (A)."""
    t_p, t_g = _shot_times(dev, shot, np.array([i_a]), np.array([i3i0_a]))
    return float(t_p[0]), float(t_g[0])


def _recloser_with_ground(ctx: Any, device: str) -> Any:
    """The model of ``device`` when it is a recloser with a ground element, else None."""
    dev = ctx.devices.get(device)
    if dev is None or kind_of(dev).role != "recloser" or dev.settings.ground_min_trip_a is None:
        return None
    return dev


#: ``ctx.cache`` key of the element times: ``{(device, shot, i_a, i3i0_a): (t_p, t_g)}``.
_CACHE = "recloser element"


def prime_element_times(ctx: Any, rows: pd.DataFrame) -> None:
    """Work out the element times :func:`element_text` reads for every ground-fault row of
    ``rows`` (coordination rows: ``backup``, ``fault_type``, ``i_backup_a``,
    ``i_backup_3i0_a``), one vectorised look-up per recloser and shot, into ``ctx.cache``
    (#21: one look-up per message row cost ≈ 0.15–0.6 ms, 3,998 C2 rows at 10,000 buses)."""
    if rows.empty:
        return
    cache = ctx.cache.setdefault(_CACHE, {})
    ground = rows.fault_type.astype(str).str.startswith(GROUND_FAULT_PREFIXES).to_numpy()
    names = rows.backup.to_numpy()
    i_p = pd.to_numeric(rows.i_backup_a, errors="coerce").to_numpy(float)
    i_g = pd.to_numeric(rows.i_backup_3i0_a, errors="coerce").to_numpy(float)
    for name in pd.unique(names[ground]):
        dev = _recloser_with_ground(ctx, str(name))
        if dev is None:
            continue
        at = ground & (names == name)
        p, g = i_p[at], i_g[at]
        keys_p, keys_g = p.tolist(), g.tolist()
        for shot in ("fast", "delayed"):
            t_p, t_g = _shot_times(dev, shot, p, g)
            cache.update(zip(((str(name), shot, a, b) for a, b in zip(keys_p, keys_g,
                                                                       strict=True)),
                             zip(t_p.tolist(), t_g.tolist(), strict=True), strict=True))


#: Relative step above a minimum trip where a curve is read "at" it (a curve gives no time
#: at exactly its minimum trip: the current must exceed it).
_EDGE = 1e-6


def _curve(dev: Any, shot: Shot, ground: bool) -> Any:
    """The recloser's ``shot`` curve of its ground or phase element."""
    if ground:
        return dev.ground_fast_curve if shot == "fast" else dev.ground_delayed_curve
    return dev.fast_curve if shot == "fast" else dev.delayed_curve


def _element(dev: Any, shot: Shot, ground: bool, i_a: float, first_cycle: bool = False
             ) -> str:
    """``"ground fast curve 104 at 1.993 × the 100 A ground minimum trip"``; with
    ``first_cycle``, the current named as the fault's first-cycle one: ``"ground delayed curve
    117 at the first-cycle 164 A, 2.344 × the 70 A ground minimum trip"``."""
    s = dev.settings
    pickup = float(s.ground_min_trip_a if ground else s.phase_min_trip_a)
    curve = _curve(dev, shot, ground)
    kind = "ground" if ground else "phase"
    at = f"the first-cycle {i_a:.0f} A, " if first_cycle else ""
    return (f"{kind} {shot} curve {curve.name} at {at}{i_a / pickup:.3f} × the {pickup:g} A "
            f"{'ground ' if ground else ''}minimum trip")


def element_text(ctx: Any, device: str, shot: Shot, t_s: float, factor: float, i_a: float,
                 i3i0_a: float, fault_type: str) -> str:
    """Which element and curve of a recloser set a C2 row's quoted time, as a clause to put
    after the quoted currents; ``""`` where no element needs naming.

    Parameters
    ----------
    ctx : CheckContext
        For the device models (``ctx.devices``) and a cache (``ctx.cache``).
    device : str
        The recloser.
    shot : {"fast", "delayed"}
        The curve the row reads (fuse saving: fast; fuse backup: delayed).
    t_s : float
        The time the row quotes (s): ``factor`` × the recloser's own clearing time.
    factor : float
        The rule's factor on that time (K for fuse saving, 1 otherwise).
    i_a, i3i0_a : float
        The quoted first-cycle phase current and 3I0 (A).
    fault_type : str
        ``SLG-a`` …: only a ground fault (SLG, LLG) runs both elements.

    Returns
    -------
    str
        ``""`` for a device that is not a recloser with a ground element, a phase fault, a
        time that is not finite, or currents under both minimum trips (the row's own text
        says so). Otherwise ``": 1.8 × 0.181 s on its phase fast curve 101 at 1.003 × the
        200 A minimum trip, 0.042 s mechanism time included"``, with, where it applies,

        * ``"; within that minimum trip's ±5 % accuracy: on its ground fast curve 104 …
          0.362 s"`` — the other element would set the time if the element used did not run;
        * ``"; the phase current is 0.4 % under its 200 A minimum trip, inside its ±5 %
          accuracy: picking up there, its phase fast curve 101 gives 1.8 × 0.182 s = 0.327 s"``
          — where that curve near its minimum trip is faster than the ground element's time;
        * where the quoted time (staged: the fault's first cycle, then the chargers'
          sustained stage, :mod:`protv2g.checks._times`) is not, to its three shown digits,
          the curve's at the quoted first-cycle currents, both are said: ``": 1.26 s staged
          (1.17 s on its ground delayed curve 117 at the first-cycle 164 A, 2.344 × the 70 A
          ground minimum trip, 0.042 s mechanism time included)"`` (review rev43a M2), and
          where they depart by more than :data:`~protv2g.checks.fuse_melt_text.DEPARTURE_REL`
          ``"; the time is from the fault's later stages' currents (Charger stages sheet)"``.
    """
    if not (math.isfinite(t_s) and math.isfinite(i_a) and math.isfinite(i3i0_a)
            and math.isfinite(factor) and factor > 0):
        return ""
    if not str(fault_type).startswith(GROUND_FAULT_PREFIXES):
        return ""
    dev = _recloser_with_ground(ctx, device)
    if dev is None:
        return ""
    key = (device, shot, float(i_a), float(i3i0_a))
    cache = ctx.cache.setdefault(_CACHE, {})
    if key not in cache:
        cache[key] = _times(dev, shot, i_a, i3i0_a)
    t_p, t_g = cache[key]
    if not (math.isfinite(t_p) or math.isfinite(t_g)):
        return ""
    ground = t_g < t_p
    k = f"{factor:g} × " if abs(factor - 1.0) > 1e-9 else ""
    own = t_s / factor
    acc = f"±{100 * PICKUP_ACCURACY:g} %"
    swapped = shot == "fast" and _swapped(dev, ground, t_p, t_g, own, i_a, i3i0_a)
    if swapped:  # fuse saving on the slower element (sure_fast_times_s)
        faster = t_g if ground else t_p
        quick = _element(dev, shot, ground, i3i0_a if ground else i_a)
        ground = not ground
    t_el = t_g if ground else t_p
    mech = dev.mechanism_s(_curve(dev, shot, ground))
    mech_text = f", {mech:g} s mechanism time included" if mech > 0 else ""
    i_el = i3i0_a if ground else i_a
    if f"{own:.3g}" == f"{t_el:.3g}":
        text = f": {k}{own:.3g} s on its {_element(dev, shot, ground, i_el)}{mech_text}"
    else:  # the staged time (the chargers' later stages) is not the curve's at the quoted
        # first-cycle current: both said, each for what it is (review rev43a M2: "1.26 s on
        # its ground delayed curve 117 at 2.344 ×", where that curve gives 1.17 s)
        text = (f": {k}{own:.3g} s staged ({t_el:.3g} s on its "
                f"{_element(dev, shot, ground, i_el, first_cycle=True)}{mech_text})")
    if swapped:
        return (f"{text}; not its {quick} ({k}{faster:.3g} s = {factor * faster:.3g} s): "
                f"that element runs within its minimum trip's {acc} accuracy and may not "
                "start, so fuse saving counts on the slower element, which surely operates")
    if abs(own - t_el) > DEPARTURE_REL * t_el:
        return (f"{text}; the time is from the fault's later stages' currents (Charger "
                "stages sheet)")
    s = dev.settings
    pickup = float(s.ground_min_trip_a if ground else s.phase_min_trip_a)
    near = abs((i3i0_a if ground else i_a) / pickup - 1.0) <= PICKUP_ACCURACY
    if near and math.isfinite(t_g if not ground else t_p):
        other = t_p if ground else t_g
        return (f"{text}; within that minimum trip's {acc} accuracy: on its "
                f"{_element(dev, shot, not ground, i_a if ground else i3i0_a)} it is "
                f"{k}{other:.3g} s = {factor * other:.3g} s")
    p_a = float(s.phase_min_trip_a)
    under = 1.0 - i_a / p_a
    if ground and 0.0 < under <= PICKUP_ACCURACY:
        # the phase curve just above its minimum trip: it sets the time where the phase
        # element picks up inside its accuracy and is faster there (a fast curve; a delayed
        # curve near its minimum trip is far slower than the ground curve: nothing to say)
        edge = ctx.cache.setdefault(_CACHE + " edge", {})
        if (device, shot) not in edge:
            edge[(device, shot)] = _times(dev, shot, p_a * (1.0 + _EDGE), np.nan)[0]
        t_edge = edge[(device, shot)]
        if t_edge < t_g:
            return (f"{text}; the phase current is {100 * under:.1f} % under its {p_a:g} A "
                    f"minimum trip, inside its {acc} accuracy: picking up there, its phase "
                    f"{shot} curve {_curve(dev, shot, False).name} gives {k}"
                    f"{t_edge:.3g} s = {factor * t_edge:.3g} s")
    return text


def _swapped(dev: Any, ground: bool, t_p: float, t_g: float, own_s: float, i_a: float,
             i3i0_a: float) -> bool:
    """Whether a fuse-saving row's own fast time ``own_s`` is the slower element's, taken by
    :func:`sure_fast_times_s` (the faster element, ``ground`` or phase, within its minimum
    trip's accuracy; the other surely operating)."""
    other = t_p if ground else t_g
    return _unsure_one(dev, ground, t_p, t_g, i_a, i3i0_a) and (
        abs(own_s - other) <= 1e-9 * max(1.0, abs(other)))
