"""C2's words for a fuse that does not clear a fault (:mod:`protv2g.checks.recloser_fuse_text`
words the rest of the row).

Why the link does not melt — below its minimum melting current (it cannot), below the
current at which it surely melts (its maximum-melt asymptote), or its current not held long
enough through the chargers' later stages — (:func:`_fuse_not_melting` for a fault cleared
by neither device, :func:`_never_melting` for one the recloser locks out for; the case by
:func:`_melt_case` on the link's currents, :func:`_melting_currents`, once per device), and
where the link at its melting band's low end would melt after all (:func:`_low`,
:func:`_band_text`: the verdict then rests on the link's curve).
"""

from __future__ import annotations

import numpy as np

from protv2g.checks._common import CheckContext, fmt_s
from protv2g.checks.fuse_melt_text import guaranteed_melt_a


def _low(r: object) -> float:
    """The row's fuse melting at its band's low end (s, its staged minimum melt; ``inf``
    where it never melts, NaN where not known)."""
    return float(getattr(r, "t_primary_band_low_s", np.nan))


def _fuse_not_melting(ctx: CheckContext, fuse: str, i_a: float, low_s: float = np.nan
                      ) -> str:
    """``"F-73 (65 A) below its minimum melting current 79 A: its 40K link cannot melt"``
    (trust31 §2d: "below 95 A, the current at which it surely melts" of 65 A read as if it
    might melt), ``"F-73 (88 A) below 95 A, the current at which its 40K link surely melts
    (its maximum-melt asymptote)"``, or ``"F-73 (120 A) does not melt"`` above that current
    (its stages too short to melt it). Where the link at its band's low end melts in the
    fault's stages (``low_s`` finite: the later stages' currents exceed the first cycle's;
    IEEE 123 with V2G: 65 A in the first cycle, minimum melt in 13–254 s): ``"F-73 (65 A in
    the first cycle) does not surely melt in the fault's stages"``, the current's threshold
    not being what decides."""
    case, i_melt, link, i_mm = _melt_case(ctx, fuse, i_a, low_s)
    amps = f"{i_a:.0f} A"  # a fuse answers to its phase current (_amps)
    if case == "band":
        return (f"{fuse} ({amps} in the first cycle) does not surely melt in the fault's "
                "stages (at its melting band's high end, the maximum-melt curve, it never does)")
    if case == "below_minimum":
        return (f"{fuse} ({amps}) below its minimum melting current {i_mm:.0f} A: its "
                f"{link}link cannot melt")
    if case == "below_sure":
        return (f"{fuse} ({amps}) below {i_melt:.0f} A, the current at which its "
                f"{link}link surely melts (its maximum-melt asymptote)")
    return f"{fuse} ({amps}) does not melt"


def _melt_case(ctx: CheckContext, fuse: str, i_a: float, low_s: float
               ) -> tuple[str, float, str, float]:
    """Why a fuse does not clear, for :func:`_fuse_not_melting` and :func:`_never_melting`:
    ``"band"`` (its band's low end melts in the fault's stages, ``low_s`` finite),
    ``"below_minimum"`` (``i_a`` at most its minimum melting current), ``"below_sure"`` (at
    most the current at which it surely melts), else ``"stages"``; with those two currents
    (A) and its link's name followed by a space (``""`` without one)."""
    i_melt, link, i_mm = _melting_currents(ctx, fuse)
    link = f"{link} " if link else ""
    if np.isfinite(low_s):
        return "band", i_melt, link, i_mm
    if np.isfinite(i_a) and i_a <= i_mm:
        return "below_minimum", i_melt, link, i_mm
    if np.isfinite(i_a) and i_a <= i_melt:
        return "below_sure", i_melt, link, i_mm
    return "stages", i_melt, link, i_mm


def _melting_currents(ctx: CheckContext, fuse: str) -> tuple[float, str, float]:
    """``(guaranteed melting current A, link, minimum melting current A)`` of a fuse, once
    per device (``ctx.cache``, #21): below the minimum melting current (the 300 s point of
    its minimum-melt curve, C5's pickup of a fuse) no link of the type melts; below the
    guaranteed one (its maximum-melt asymptote) it need not."""
    known = ctx.cache.setdefault("C2 melting currents", {})
    if fuse not in known:
        dev = ctx.devices.get(fuse)
        known[fuse] = (guaranteed_melt_a(dev),
                       getattr(getattr(dev, "settings", None), "link", ""),
                       float(getattr(dev, "min_melt_current_a", np.nan)))
    return known[fuse]


def _never_melting(ctx: CheckContext, fuse: str, i_a: float, low_s: float = np.nan) -> str:
    """``"65 A, below its minimum melting current 79 A: its 40K link cannot melt"``, ``"88 A,
    below the 95 A at which its 40K link surely melts"``, or above that current
    ``"120 A in the first cycle, not held long enough through the chargers' later stages to
    melt it (Charger stages sheet)"``."""
    case, i_melt, link, i_mm = _melt_case(ctx, fuse, i_a, low_s)
    if case == "band":  # the band's low end melts in the stages: not the current's say
        return (f"{i_a:.0f} A in the first cycle; at its melting band's high end, the "
                "maximum-melt curve, it never melts in the fault's stages")
    if case == "below_minimum":
        return (f"{i_a:.0f} A, below its minimum melting current {i_mm:.0f} A: its "
                f"{link}link cannot melt")
    if case == "below_sure":
        return (f"{i_a:.0f} A, below the {i_melt:.0f} A at which its "
                f"{link}link surely melts")
    return (f"{i_a:.0f} A in the first cycle, not held long enough through the chargers' "
            "later stages to melt it (Charger stages sheet)")


def _band_text(r: object, t_shot_s: float) -> str:
    """Where the link's melting band's low end (its staged minimum melt) melts it: when, and
    whether before ``t_shot_s`` (the recloser's lockout shot; ``inf``: the fault goes on) —
    the verdict then rests on the link's curve (``<fuse> tc: curve_band``)."""
    low = _low(r)
    if not np.isfinite(low):
        return ""
    if not np.isfinite(t_shot_s):
        return (f"; a link at its melting band's low end (minimum melt) would melt in "
                f"{fmt_s(low)} as the stages' currents rise, and clear it: the verdict rests "
                "on the link's curve (a maker's TC table decides it)")
    when = "before" if low < t_shot_s else "after"
    note = (": the verdict rests on the link's curve (a maker's TC table decides it)"
            if when == "before" else "")
    return (f"; a link at its melting band's low end (minimum melt) would melt in "
            f"{fmt_s(low)}, {when} that shot{note}")
