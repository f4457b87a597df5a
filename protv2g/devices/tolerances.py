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

__all__ = ["time_band_s", "tolerance_s", "accuracy"]

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
