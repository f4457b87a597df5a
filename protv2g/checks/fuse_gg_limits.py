"""What C8 and C5 read of an IEC 60269 gG link in place of a relay's pickup (session 37).

A gG link given by the standard's gates (``relay_library/fuse_gg.yaml``) has, unlike a relay,
three currents near its "pickup", all from IEC 60269-1 (Table 2, conventional times 1 h for
In ≤ 63 A, 2 h for 63 < In ≤ 160 A, 3 h for 160 < In ≤ 400 A, confirmed; 4 h for
400 < In ≤ 1000 A, recalled; see the file's header):

* the rated current In — the link carries it continuously (IEC 60269-1 §5.3.1 "rated
  current", clause number recalled; IEC 60364-4-43 §433.1 sizes a circuit by Ib ≤ In ≤ Iz,
  recalled): **C8's load limit** (:func:`gg_load_limit_a`), with no 1.5 factor: a relay's
  pickup / 1.5 keeps the load clear of where it starts to time out, a gG link does not
  start to melt below its conventional non-fusing current;
* the conventional non-fusing current Inf = 1.25 In — no conforming link melts within the
  conventional time; it is the lowest current of the band's minimum-melt curve, what
  :func:`protv2g.devices.kinds.phase_pickup_a` returns for a fuse (so C8 read 1.25 In / 1.5
  = 0.83 In before);
* the conventional fusing current If = 1.6 In — every conforming link melts within the
  conventional time (1–3 h); the lowest current of the band's maximum-melt curve.

**C5's pickup** of a gG band link (:func:`gg_reach_pickup_a`) is none of these: it is the
current that melts every conforming link of the rating within the disconnection time of
IEC 60364-4-41:2005 §411.3.2.3 (TN systems: 5 s for distribution circuits, and for final
circuits above 32 A; clause recalled) — the band's maximum-melt current at 5 s, the gate
Imax(5 s) of IEC 60269-1 Table 3 (250 A: 1,650 A). The standard's own sizing of an LV
circuit's protection against indirect contact is ``Zs × Ia ≤ U0``, i.e. the minimum fault
current at the circuit's end at least ``Ia``, with no further factor (the minimum fault
already has c_min and the conductors' end temperature, IEC 60909-0): the row's factor is
:data:`GG_REACH_FACTOR` = 1 in both zones. If (1.6 In) said only that the link melts within
2–3 h: review rev38b W2, the European LV feeder's 250gG head fuse "reached" its zone's end fault
of 888 A (1.5 × 400 A = 600 A) where it may take 144 s. The 0.4 s of final circuits ≤ 32 A
(Table 41.1) is the customer installation's, not the distribution feeder's, and is not applied.
The row's tolerance stays the band's width (If / Inf − 1 = 0.28,
:func:`protv2g.checks.sensitivity._pickup_scatter`).

A K/T link (EEI-NEMA) or a gG given by a maker's tables (no band) keeps the minimum-melt
current for both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from protv2g.checks._rows import factorize_runs
from protv2g.criteria import MarginUnit
from protv2g.devices.kinds import phase_pickup_a
from protv2g.devices.load_limit import (  # C8's load limit, with the devices (session 40)
    gg_band,
    gg_load_limit_a,
    load_limit_a,
)

__all__ = ["GG_DISCONNECTION_TIME_S", "GG_REACH_FACTOR", "REACH_UNITS", "gg_band",
           "gg_load_limit_a", "gg_reach_factor", "gg_reach_pickup_a", "load_limit_a",
           "reach_pickup_a", "reach_units"]

#: Disconnection time (s) a gG link's C5 pickup melts it within: IEC 60364-4-41:2005
#: §411.3.2.3, TN distribution circuits (clause recalled; module docstring).
GG_DISCONNECTION_TIME_S = 5.0
#: C5's factor on that current, primary and backup zone alike (``Zs × Ia ≤ U0``: no margin
#: beyond the minimum fault's own c_min and hot conductors).
GG_REACH_FACTOR = 1.0
#: The margin units of C5's reach rows: multiples of a device's pickup (a fuse's minimum
#: melting current), or of a gG band link's Imax(5 s) (:func:`reach_units`).
REACH_UNITS = (MarginUnit.PICKUP_MULTIPLE.value, MarginUnit.IMAX_5S_MULTIPLE.value)


def gg_reach_pickup_a(device: Any) -> float | None:
    """C5's pickup (A) of a gG band link: the current its maximum-melt curve melts it at in
    :data:`GG_DISCONNECTION_TIME_S` (the band's Imax(5 s) gate); None for other devices.

    >>> from protv2g.devices.models import Fuse
    >>> round(gg_reach_pickup_a(Fuse(name="F", link="100gG")), 6)
    580.0
    """
    if not gg_band(device):
        return None
    c = device.curve
    m = np.asarray(c.mx_m_points, dtype=float)
    t = np.asarray(c.mx_t_points, dtype=float)
    at = np.flatnonzero(np.isclose(t, GG_DISCONNECTION_TIME_S, rtol=1e-9))
    if len(at):  # the gate itself
        return float(m[at[0]]) * float(device.rating_a)
    # else the maximum-melt curve inverted by bisection on log current (a monotone curve)
    lo, hi = np.log(float(m.min()) * device.rating_a), np.log(float(m.max()) * device.rating_a)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        slow = float(device.max_melt_time_s([np.exp(mid)])[0]) > GG_DISCONNECTION_TIME_S
        lo, hi = (mid, hi) if slow else (lo, mid)
    return float(np.exp(hi))


def gg_reach_factor(device: Any) -> float:
    """C5's factor of ``device``: :data:`GG_REACH_FACTOR` for a gG band link, else NaN (the
    study's zone factors)."""
    return GG_REACH_FACTOR if gg_band(device) else float("nan")


def reach_units(devices: Any, names: Any) -> np.ndarray:
    """Per row of the device ``names`` (``(n,)``), the margin unit of its C5 reach row:
    :attr:`~protv2g.criteria.MarginUnit.IMAX_5S_MULTIPLE` for a gG band link of ``devices``
    (name → model), else :attr:`~protv2g.criteria.MarginUnit.PICKUP_MULTIPLE`; decided once
    per distinct name, and not at all without a gG band link (#21: C5's zone rows, 472,765
    at 10,000 buses).

    >>> from protv2g.devices.models import Fuse
    >>> reach_units({"F": Fuse(name="F", link="100gG")}, ["F", "R"]).tolist()
    ['× Imax(5 s)', '× pickup']
    """
    gg = {str(n) for n, d in (devices or {}).items() if gg_band(d)}
    if not gg:  # the names not read (#21: a text array of 472,765 names made objects first)
        return np.full(len(names), REACH_UNITS[0], dtype=object)
    names = np.asarray(names, dtype=object)
    codes, uniq = factorize_runs(names)  # missing: -1, a relay's unit
    unit = np.array([REACH_UNITS[1] if str(n) in gg else REACH_UNITS[0]
                     for n in list(uniq)] + [REACH_UNITS[0]], dtype=object)
    return unit[codes]


def reach_pickup_a(device: Any) -> float:
    """C5's phase pickup (A): :func:`gg_reach_pickup_a` for a gG band link, else
    :func:`~protv2g.devices.kinds.phase_pickup_a`."""
    gg = gg_reach_pickup_a(device)
    return phase_pickup_a(device) if gg is None else gg


