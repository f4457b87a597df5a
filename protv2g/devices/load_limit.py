"""C8's load limit of a device: the largest load current it carries with the check's margin.

One definition, read by C8 (:mod:`protv2g.checks.load`, its remedy window
:mod:`protv2g.checks.fuse_window`) and by ``protv2g init``'s drafted fuse links
(:mod:`protv2g.study_draft.fuse_draft`) and its note on the model's fuses
(:mod:`protv2g.study_draft.fuse_load`), so that a drafted link and the check that judges it
use the same rule (session 40: the draft sized links on a continuous capability of its own).
Kept here, below both (review s17: the draft need not import the checks).

* a relay's or a recloser's phase pickup / ``load_pickup_factor`` (IEEE Std C37.230-2020
  §6.1: pickup above the maximum load with margin);
* a fuse's lowest operating current (its minimum-melt curve's first point,
  :func:`~protv2g.devices.kinds.phase_pickup_a`; EEI-NEMA K/T links: the minimum melting
  current at 300 s, 600 s above 100 A, ANSI C37.43) / ``load_pickup_factor``;
* an IEC 60269 gG link given as a band: its rated current In, no factor (the link carries it
  continuously and does not melt below its conventional non-fusing current 1.25 In;
  :mod:`protv2g.checks.fuse_gg_limits` says why).
"""

from __future__ import annotations

from typing import Any

from protv2g.devices.kinds import phase_pickup_a
from protv2g.units import IEC_GG_STANDARD

__all__ = ["gg_band", "gg_load_limit_a", "load_limit_a"]


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


def load_limit_a(device: Any, fac: float) -> float:
    """C8's phase load limit (A) of ``device``: its pickup / ``fac`` (a fuse's minimum-melt
    current, :func:`~protv2g.devices.kinds.phase_pickup_a`), except a gG band link's rated
    current In, no factor (:func:`gg_load_limit_a`).

    >>> from protv2g.devices.models import Fuse
    >>> round(load_limit_a(Fuse(name="K", link="25K"), 1.5), 2)  # 300 s melt 49.6 A / 1.5
    33.33
    """
    gg = gg_load_limit_a(device)
    return phase_pickup_a(device) / fac if gg is None else gg
