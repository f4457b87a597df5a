"""Timing tolerances derived from the device data, for "worse than base" attribution.

A margin that changes by less than the tolerance of the times it is made of is not a change
the study can attribute to V2G: it is inside the scatter of the devices themselves. These
pure functions give, for a device at currents ``i_a``, the band its time can lie in:

* **fuse** — the published melting range: minimum melt to maximum melt (EEI-NEMA links; for
  point-table links minimum melt to total clearing); total clearing with the arcing time at
  the low and high ends of its bracket;
* **relay** — the accuracy class of IEC 60255-151 / the relay's declaration: the larger of a
  relative error and an absolute minimum (``rules.yaml`` ``timing_accuracy``);
* **recloser** — the control's published accuracy on the curve time (the mechanism time is a
  fixed adder).

Examples
--------
>>> from protv2g.devices.models import Fuse
>>> lo, hi = time_band_s(Fuse(name="F", link="65K"), [500.0], "mm")
>>> round(float(lo[0]), 3), round(float(hi[0]), 3)   # minimum to maximum melt at 500 A
(0.349, 0.558)
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from protv2g.devices.fuse import Fuse
from protv2g.devices.recloser import Recloser
from protv2g.devices.relay import OvercurrentRelay
from protv2g.devices.rules import RelayTechnology, load_rules

__all__ = ["time_band_s", "tolerance_s", "accuracy", "mm_tolerance_at_time_s", "mm_inverse_grid"]

FloatArray = NDArray[np.float64]
Which = Literal["op", "mm", "tc", "fast", "delayed"]


def accuracy(kind: str) -> tuple[float, float, str]:
    """``(relative, absolute_s, source)`` of ``numerical_relay``, ``electromechanical_relay``
    or ``recloser_control`` from ``rules.yaml``.

    Raises
    ------
    KeyError
        For another name (listing the known ones).
    """
    table = load_rules()["timing_accuracy"]
    if kind not in table or kind == "description":
        known = ", ".join(k for k in table if k != "description")
        raise KeyError(f"unknown accuracy {kind!r}; known: {known}")
    row = table[kind]
    return float(row["relative"]), float(row["absolute_s"]), " ".join(str(row["source"]).split())


def _scatter(t: FloatArray, relative: float, absolute_s: float) -> tuple[FloatArray, FloatArray]:
    dt = np.maximum(relative * t, absolute_s)
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isfinite(t), np.maximum(t - dt, 0.0), t)
        hi = np.where(np.isfinite(t), t + dt, t)
    return lo, hi


def time_band_s(device: Fuse | OvercurrentRelay | Recloser, i_a: ArrayLike, which: Which = "op",
                *, relay_technology: RelayTechnology | str = RelayTechnology.NUMERICAL
                ) -> tuple[FloatArray, FloatArray]:
    """Band ``(t_low, t_high)`` (s) the device's time can lie in at currents ``i_a``.

    Parameters
    ----------
    device : Fuse, OvercurrentRelay or Recloser
    i_a : array_like
        Currents (A): phase current (fuse, relay phase element, recloser phase curves).
    which : {"op", "mm", "tc", "fast", "delayed"}
        Fuse: ``"mm"`` melting band, ``"tc"`` or ``"op"`` total clearing; recloser:
        ``"fast"``/``"delayed"`` (``"op"`` = first shot); relay: ``"op"``.
    relay_technology : str
        Accuracy class of an overcurrent relay.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper times (s); ``inf`` where the device does not operate.

    Raises
    ------
    ValueError
        For a ``which`` the device does not have.
    """
    i = np.asarray(i_a, dtype=float)
    if isinstance(device, Fuse):
        if which == "mm":
            return device.min_melt_time_s(i), device.max_melt_time_s(i)
        if which in ("tc", "op"):
            if device.has_max_melt:
                lo, hi = device.curve.arcing_time_range_s or (device.curve.arcing_time_s,) * 2
                return (device.total_clear_time_s(i, arcing_time_s=lo),
                        device.total_clear_time_s(i, arcing_time_s=hi))
            t = device.total_clear_time_s(i)
            return t, t
        raise ValueError(f"a fuse has 'mm' and 'tc' times, not {which!r}")
    if isinstance(device, Recloser):
        rel, absolute, _ = accuracy("recloser_control")
        if which == "fast" and not device.settings.n_fast:  # no fast shot: never operates
            never = np.full(i.shape, np.inf)
            return never, never.copy()
        if which in ("fast", "op") and device.settings.n_fast:
            t, curve = device.fast_time_s(i), device.fast_curve
        elif which in ("delayed", "op"):
            t, curve = device.delayed_time_s(i), device.delayed_curve
        else:
            raise ValueError(f"a recloser has 'fast', 'delayed' and 'op' times, not {which!r}")
        mech = device.mechanism_s(curve)
        lo, hi = _scatter(t - mech, rel, absolute)
        return lo + mech, hi + mech
    if isinstance(device, OvercurrentRelay):
        if which != "op":
            raise ValueError(f"a relay has an 'op' time, not {which!r}")
        kind = f"{RelayTechnology(relay_technology).value}_relay"
        rel, absolute, _ = accuracy(kind)
        return _scatter(device.phase_time_s(i), rel, absolute)
    raise TypeError(f"no tolerance model for {type(device).__name__}")


def tolerance_s(device: Fuse | OvercurrentRelay | Recloser, i_a: ArrayLike, which: Which = "op",
                *, relay_technology: RelayTechnology | str = RelayTechnology.NUMERICAL
                ) -> FloatArray:
    """Largest deviation (s) of the time the checks use from the ends of its band.

    The time the checks use is the nominal one (fuse: minimum melt for ``"mm"``, total
    clearing with the nominal arcing time for ``"tc"``); the tolerance is
    ``max(t − t_low, t_high − t)``, ``nan`` where the device does not operate (``t`` not
    finite) and ``inf`` where it operates but its band has no upper end: a fuse's minimum-melt
    time at a current under its maximum-melt curve's asymptote (EEI-NEMA links: ANSI C37.43's
    300 s / 600 s maximum melting current), where the link need not melt at all (review rev28
    §7, EPRI J1: an 80K link at 190.3 A, 2.379 × its rating, melts from 15.3 s on its
    minimum-melt curve and never on its maximum-melt curve, asymptote 2.380 ×; at 196.2 A the
    band is 13.6 … 195.0 s, a tolerance of 181.4 s).

    Examples
    --------
    >>> from protv2g.devices.models import OvercurrentRelay
    >>> r = OvercurrentRelay(name="R", pickup_a=100.0, curve="IEEE-VI")
    >>> round(float(tolerance_s(r, [1000.0])[0]), 4)   # 5 % of 0.689 s > 30 ms
    0.0345
    """
    i = np.asarray(i_a, dtype=float)
    lo, hi = time_band_s(device, i, which, relay_technology=relay_technology)
    if isinstance(device, Fuse):
        t = device.min_melt_time_s(i) if which == "mm" else device.total_clear_time_s(i)
    elif isinstance(device, Recloser):
        t = device.fast_time_s(i) if which in ("fast", "op") and device.settings.n_fast \
            else device.delayed_time_s(i)
    else:
        t = device.phase_time_s(i)
    with np.errstate(invalid="ignore"):
        tol = np.maximum(t - lo, hi - t)
    t = np.broadcast_to(t, tol.shape)
    return np.where(np.isfinite(tol), tol, np.where(np.isfinite(t), np.inf, np.nan))


#: Points per decade of current of the grid :func:`mm_tolerance_at_time_s` inverts the
#: minimum-melt curve on (0.12 % steps: the interpolation error of a time is far below the
#: melting band it looks up).
_GRID_PER_DECADE = 2000
#: Decades of current above the minimum-melt asymptote that grid spans.
_GRID_DECADES = 3.0
#: Step in log current of the slope of the Newton refinement.
_STEP = 1e-6


def mm_inverse_grid(fuse: Fuse) -> tuple[FloatArray, FloatArray]:
    """``(log t_mm, log i)`` of a fuse's minimum-melt curve on a grid of currents from its
    minimum-melt asymptote up :data:`_GRID_DECADES` decades, ``log t_mm`` increasing: what
    :func:`mm_tolerance_at_time_s` inverts (kept by a caller that looks up one link often)."""
    i0 = fuse.min_melt_current_a
    grid = i0 * np.logspace(1e-6, _GRID_DECADES, int(_GRID_DECADES * _GRID_PER_DECADE))
    with np.errstate(divide="ignore", invalid="ignore"):
        mm = fuse.min_melt_time_s(grid)
    ok = np.isfinite(mm) & (mm > 0)
    grid, mm = grid[ok], mm[ok]
    order = np.argsort(mm, kind="stable")  # minimum melt falls with current
    return np.log(mm[order]), np.log(grid[order])


def mm_tolerance_at_time_s(fuse: Fuse, t_mm_s: ArrayLike,
                           grid: tuple[FloatArray, FloatArray] | None = None) -> FloatArray:
    """The melting band's tolerance (s) of a fuse whose minimum-melt time is ``t_mm_s``.

    A row's minimum-melt time comes from the fault's staged currents (the chargers' first
    cycle, their sustained limit, what is left after some cease: :mod:`protv2g.checks._times`)
    while its quoted current is the first cycle's. Read at the quoted current, the band
    belongs to another time, and under the maximum-melt asymptote it has no value at all
    (review rev28 §7, EPRI J1 b56685 SLG-b min, F-LAT 80K: 190.29 A quoted, 2.379 × its rating,
    under the 2.380 × asymptote; the staged minimum melt 15.26 s is the curve's at 193.38 A).
    This reads the band at the current whose minimum melt is ``t_mm_s`` — the current that
    set the time: ``max_melt(I) − t_mm`` with ``min_melt(I) = t_mm`` (the largest deviation
    of :func:`tolerance_s`, the minimum melt being the band's low end).

    Parameters
    ----------
    fuse : Fuse
    t_mm_s : array_like
        Minimum-melt times (s), as the checks use them (melt factor included).
    grid : tuple of numpy.ndarray, optional
        :func:`mm_inverse_grid` of ``fuse`` when the caller keeps it.

    Returns
    -------
    numpy.ndarray
        Tolerance (s): ``nan`` where ``t_mm_s`` is not finite (the link does not melt),
        ``inf`` where the band has no upper end at that current (its maximum-melt curve does
        not reach it); for a time beyond the grid's ends the band at that end.

    Examples
    --------
    >>> f = Fuse(name="F", link="80K")
    >>> [round(float(x), 1) for x in mm_tolerance_at_time_s(f, [13.5829, 15.262782])]
    [181.4, 245.2]
    """
    t = np.asarray(t_mm_s, dtype=float)
    log_t, log_i = mm_inverse_grid(fuse) if grid is None else grid
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_i_eq = np.interp(np.log(t), log_t, log_i)
        # one Newton step in log-log on the curve itself (the grid's chords cut its corners
        # at the EEI-NEMA anchors: 3e-4 of the band at 80K's 10 s anchor without it)
        mm0 = np.log(fuse.min_melt_time_s(np.exp(log_i_eq)))
        mm1 = np.log(fuse.min_melt_time_s(np.exp(log_i_eq + _STEP)))
        slope = (mm1 - mm0) / _STEP
        step = np.where(np.isfinite(slope) & (slope < 0), (np.log(t) - mm0) / slope, 0.0)
        i_eq = np.exp(log_i_eq + np.where(np.isfinite(step), step, 0.0))
        band = fuse.max_melt_time_s(i_eq) - t
    out = np.where(np.isfinite(band), np.maximum(band, 0.0), np.inf)
    return np.where(np.isfinite(t), out, np.nan)
