"""What a failing C3 row between two IEC 60269 gG links says (session 37).

A gG link is a band between the standard's gates (``relay_library/fuse_gg.yaml``), and the
bands of any two ratings overlap widely: the protecting link's total clearing (band's high
end) against 75 % of the protected link's minimum melt (band's low end) fails for pairs that
IEC 60269 declares selective — gG links whose rated currents are in the ratio 1:1.6 or more
are selective by their pre-arcing and operating I²t (IEC 60269-1, the I²t limits at 0.01 s),
which a time band read at the gates cannot show. E.g. 100gG under 160gG fails the 75 % rule
on the bands below 100gG's Imax(0.1 s) 1,450 A (−0.040 s at 1.4 kA).
Since the I²t rule judges such pairs at currents at or above the protecting link's
Imax(0.1 s) (:mod:`.fuse_gg_i2t`), the rows that still read the bands are those below it.
Such a row says so: the ratio, the pre-arcing I²t at 0.01 s the library holds for both links
(the selectivity criterion of the standard: the protecting link's maximum ≤ the protected
link's minimum), and that the makers' selectivity tables decide it. The verdict is not changed.
"""

from __future__ import annotations

from typing import Any

from protv2g.checks.fuse_gg_i2t import gg_i2t
from protv2g.checks.pair_rows import I2T_RATIO_TOL

__all__ = ["gg_pair_text"]


def gg_pair_text(ctx: Any, r: Any) -> str:
    """``"; both are IEC 60269 gG links …"`` for a failing C3 row ``r`` (``primary``,
    ``backup``, ``margin_s``) between two gG links; ``""`` otherwise."""
    if not float(r.margin_s) < 0:
        return ""
    p, b = gg_i2t(ctx.devices.get(str(r.primary))), gg_i2t(ctx.devices.get(str(r.backup)))
    if p is None or b is None:
        return ""
    ratio = b.rating_a / p.rating_a
    i2t_p, i2t_b = p.i2t_max_a2s, b.i2t_min_a2s
    meets = i2t_p <= i2t_b * (1 + I2T_RATIO_TOL)
    return (f"; both are IEC 60269 gG links ({b.rating_a:g}/{p.rating_a:g} A = {ratio:.2f}), "
            f"at a current below {r.primary}'s Imax(0.1 s) gate, where the standard's time "
            "gates (not its I²t limits) bound the links: their gate bands overlap, so the 75 % "
            "rule read on the bands cannot show the selectivity IEC 60269 gives gG links at a "
            "rating ratio of 1.6 or more — pre-arcing I²t at 0.01 s (IEC 60269-1 Table 7): "
            f"{r.primary} at most {round(i2t_p, -2):,.0f} A²s, {r.backup} at least "
            f"{round(i2t_b, -2):,.0f} A²s"
            + (" (the standard's I²t criterion holds)" if meets else
               " (the standard's I²t criterion does not hold either)")
            + "; the makers' time-current curves or selectivity tables decide it")
