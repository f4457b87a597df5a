"""What C8 and C5 read of an IEC 60269 gG link in place of a relay's pickup (session 37).

A gG link given by the standard's gates (``relay_library/fuse_gg.yaml``) has, unlike a relay,
three currents near its "pickup", all from IEC 60269-1 (Table 2, conventional times 1 h for
In ≤ 63 A, 2 h for 63 < In ≤ 160 A, 3 h for 160 < In ≤ 400 A; confirmed, see the file's
header):

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
  conventional time; the lowest current of the band's maximum-melt curve: **C5's pickup**
  (:func:`gg_reach_pickup_a`). C5 asks whether the device operates for the zone's minimum
  fault; for a band only If says that every link of the rating does (at Inf ≤ I < If a link
  may never melt within the conventional time); the row's tolerance stays the band's width
  (If / Inf − 1 = 0.28, :func:`protv2g.checks.sensitivity._pickup_scatter`). C5 has no time
  of its own: If is the current that melts the link within 1–3 h, the longest time the
  standard bounds; a disconnection-time rule (IEC 60364-4-41: 0.4 s / 5 s) would read the
  band's high end at that time instead, and is no criterion here.

A K/T link (EEI-NEMA) or a gG given by a maker's tables (no band) keeps the minimum-melt
current for both.
"""

from __future__ import annotations

from typing import Any

from protv2g.devices.kinds import phase_pickup_a
from protv2g.study.fuse_standard import IEC_GG_STANDARD

__all__ = ["gg_band", "gg_load_limit_a", "gg_reach_pickup_a", "load_limit_a", "reach_pickup_a"]


def gg_band(device: Any) -> bool:
    """Whether ``device`` is an IEC 60269 gG link given as a band (a maximum-melt curve)."""
    curve = getattr(device, "curve", None)
    return (curve is not None and str(getattr(curve, "standard", "")) == IEC_GG_STANDARD
            and bool(getattr(curve, "mx_m_points", None)))


def gg_load_limit_a(device: Any) -> float | None:
    """C8's load limit (A) of a gG band link: its rated current In; None for other devices.

    >>> from protv2g.devices.models import Fuse
    >>> gg_load_limit_a(Fuse(name="F", link="100gG")), gg_load_limit_a(Fuse(name="K", link="65K"))
    (100.0, None)
    """
    return float(device.rating_a) if gg_band(device) else None


def gg_reach_pickup_a(device: Any) -> float | None:
    """C5's pickup (A) of a gG band link: its conventional fusing current If = 1.6 In, the
    lowest current of the maximum-melt curve; None for other devices.

    >>> from protv2g.devices.models import Fuse
    >>> round(gg_reach_pickup_a(Fuse(name="F", link="100gG")), 6)
    160.0
    """
    if not gg_band(device):
        return None
    return float(min(device.curve.mx_m_points)) * float(device.rating_a)


def reach_pickup_a(device: Any) -> float:
    """C5's phase pickup (A): :func:`gg_reach_pickup_a` for a gG band link, else
    :func:`~protv2g.devices.kinds.phase_pickup_a`."""
    gg = gg_reach_pickup_a(device)
    return phase_pickup_a(device) if gg is None else gg


def load_limit_a(device: Any, fac: float) -> float:
    """C8's phase load limit (A) of ``device``: its pickup / ``fac`` (a fuse's minimum-melt
    current, :func:`~protv2g.devices.kinds.phase_pickup_a`), except a gG band link's rated
    current In, no factor (:func:`gg_load_limit_a`)."""
    gg = gg_load_limit_a(device)
    return phase_pickup_a(device) / fac if gg is None else gg
