"""What a failing C3 row between two IEC 60269 gG links says (session 37).

A gG link is a band between the standard's gates (``relay_library/fuse_gg.yaml``), and the
bands of any two ratings overlap widely: the protecting link's total clearing (band's high
end) against 75 % of the protected link's minimum melt (band's low end) fails for pairs that
IEC 60269 declares selective — gG links whose rated currents are in the ratio 1:1.6 or more
are selective by their pre-arcing and operating I²t (IEC 60269-1, the I²t limits at 0.01 s;
recalled), which a time band read at the gates cannot show. E.g. 100gG under 160gG fails the
75 % rule on the bands from 500 A up (−0.038 s at 1.6 kA), 63gG under 100gG at 300 A and
from 1 kA up.
Since the I²t rule judges such pairs at currents at or above the protecting link's
Imax(0.1 s) (:mod:`.fuse_gg_i2t`), the rows that still read the bands are those below it.
Such a row says so: the ratio, the pre-arcing I²t at 0.01 s the library holds for both links
(the selectivity criterion of the standard: the protecting link's maximum ≤ the protected
link's minimum), and that the makers' selectivity tables decide it. The verdict is not changed.
"""

from __future__ import annotations

from typing import Any

from protv2g.study.fuse_standard import IEC_GG_STANDARD

__all__ = ["gg_pair_text"]


def _gg(ctx: Any, name: str) -> Any:
    dev = ctx.devices.get(str(name))
    curve = getattr(dev, "curve", None)
    if curve is None or str(curve.standard) != IEC_GG_STANDARD or not curve.mx_m_points:
        return None
    return dev


def gg_pair_text(ctx: Any, r: Any) -> str:
    """``"; both are IEC 60269 gG links …"`` for a failing C3 row ``r`` (``primary``,
    ``backup``, ``margin_s``) between two gG links; ``""`` otherwise."""
    p, b = _gg(ctx, r.primary), _gg(ctx, r.backup)
    if p is None or b is None or not float(r.margin_s) < 0:
        return ""
    ratio = b.rating_a / p.rating_a
    # the 0.01-s nodes are √(I²t / 0.01 s), rounded to 0.1 A: I²t = I² × 0.01 s (to 100 A²s)
    i2t_p = (p.curve.mx_m_points[-1] * p.rating_a) ** 2 * p.curve.mx_t_points[-1]
    i2t_b = (b.curve.mm_m_points[-1] * b.rating_a) ** 2 * b.curve.mm_t_points[-1]
    meets = i2t_p <= i2t_b * (1 + 1e-3)
    return (f"; both are IEC 60269 gG links ({b.rating_a:g}/{p.rating_a:g} A = {ratio:.2f}), "
            f"at a current below {r.primary}'s Imax(0.1 s) gate, where the standard's time "
            "gates (not its I²t limits) bound the links: their gate bands overlap, so the 75 % "
            "rule read on the bands cannot show the selectivity IEC 60269 gives gG links at a "
            "rating ratio of 1.6 or more — pre-arcing I²t at 0.01 s (library, recalled): "
            f"{r.primary} at most {round(i2t_p, -2):,.0f} A²s, {r.backup} at least "
            f"{round(i2t_b, -2):,.0f} A²s"
            + (" (the standard's I²t criterion holds)" if meets else
               " (the standard's I²t criterion does not hold either)")
            + "; the makers' time-current curves or selectivity tables decide it")
