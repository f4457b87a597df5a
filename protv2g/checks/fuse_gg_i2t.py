"""C3 between two IEC 60269 gG links judged as IEC 60269 judges it: by I²t (session 37).

IEC 60269 makes gG fuse-links whose rated currents are in the ratio 1:1.6 or more selective
(the "1.6:1 discrimination ratio" of the makers' application guides, e.g. Lawson Fuses,
*Application guidance*: "gG fuse-links discriminate in a ratio of 1.6:1"). The standard
verifies it not by a time margin but by limits that nest: the pre-arcing I²t at 0.01 s
(IEC 60269-1, Table 7, I²t min and max per rating) and the 0.1-s gates (Table 3, Imin(0.1 s)
and Imax(0.1 s)); the I²t max of In equals the I²t min of 1.6 In, and Imax(0.1 s) of In is at
most Imin(0.1 s) of 1.6 In, for every pair 16/25 … 250/400 of ``relay_library/fuse_gg.yaml``
(the selectivity clause — IEC 60269-1 §5.7.2 / IEC 60269-2 §8.7.4 in the editions we recall —
is RECALLED: no stored copy of the standard's text was found; the table values are those of
public reproductions, see the data file's header; the 1.6:1 ratio is confirmed by the maker's
guide above).

Rule (:func:`gg_i2t_terms`), for a C3 row whose primary (protecting, downstream) and backup
(protected, upstream) are both IEC 60269 gG links given by their gates:

* **Where I²t decides**: the current through the protecting link is at or above its
  Imax(0.1 s) gate — every conforming link of that rating melts within 0.1 s. Below 0.1 s the
  standard gives no time gate, only I²t: the link operates in (or close to) its adiabatic,
  current-limiting range, where a time read off the band (constant-I²t extrapolation plus a
  nominal 10 ms arc) is not what either link does. There the pair is selective when the
  protected link's minimum pre-arcing I²t is at least the protecting link's maximum I²t, at
  both short-time points the standard fixes: ``ratio = min(I²t_min,b(0.01 s) /
  I²t_max,p(0.01 s), Imin,b(0.1 s)² / Imax,p(0.1 s)²)`` (I²t = I² × t at a gate, the 0.1 s
  cancelling); the rule is met when ``ratio ≥ 1``; the row's margin is ``ratio − 1`` (a
  fraction, :attr:`~protv2g.criteria.MarginUnit.FRACTION`). The protecting link's maximum is
  the table's pre-arcing I²t max at 0.01 s standing in for its maximum operating I²t (what the
  standard's selectivity rule compares): its arcing I²t is not in the data; a maker's operating
  I²t at the study voltage is the authority, and a larger one drives a pair at exactly 1.6
  (ratio 1.00) to fail.
* **Where the time gates decide**: below that current (melting times beyond 0.1 s, the range
  of the 1–3 h conventional, 10 s, 5 s and 0.1 s gates) the row keeps the band comparison of
  :mod:`.coordination` (protecting TC ≤ 75 % of protected MM, in seconds): the standard's
  gates for those times are time limits, and what a link does inside its band only its maker's
  curve says.

A gG above a K/T link, a gG below or above a relay, or a gG given by a maker's TC/MM tables
(no gates) keeps the curve comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from protv2g.checks.fuse_gg_limits import gg_band

__all__ = ["I2T_RULE", "I2T_RULE_SOURCE", "GgI2t", "gg_i2t", "gg_i2t_terms"]

#: The ``rule`` of a C3 row judged by I²t.
I2T_RULE = "iec60269_gg_i2t_selectivity"
I2T_RULE_SOURCE = (
    "IEC 60269-1/-2 gG selectivity (1:1.6 rated-current ratio): the protected link's minimum "
    "pre-arcing I²t ≥ the protecting link's maximum I²t at 0.01 s (IEC 60269-1 Table 7) and "
    "Imin(0.1 s) ≥ Imax(0.1 s) (Table 3 gates); clause numbers recalled, values from public "
    "reproductions of the tables (relay_library/fuse_gg.yaml); ratio 1.6:1 also Lawson Fuses, "
    "Application guidance")
#: Check text of an I²t row.
I2T_CHECK = "backup gG minimum pre-arcing I²t ≥ primary gG maximum I²t (IEC 60269)"


@dataclass(frozen=True, slots=True)
class GgI2t:
    """A gG link's short-time limits from its gates: ``i2t_min_a2s``/``i2t_max_a2s`` (A²s,
    pre-arcing I²t at 0.01 s = I² × 0.01 s at the 0.01-s nodes) and ``imin_01_a``/
    ``imax_01_a`` (A, the 0.1-s gates)."""

    rating_a: float
    i2t_min_a2s: float
    i2t_max_a2s: float
    imin_01_a: float
    imax_01_a: float


def _node(m_pts: Any, t_pts: Any, t_s: float) -> float | None:
    """The multiple of rating of the node at ``t_s`` (None when the band has none)."""
    for m, t in zip(m_pts, t_pts, strict=True):
        if abs(float(t) - t_s) <= 1e-9 * t_s:
            return float(m)
    return None


def gg_i2t(dev: Any) -> GgI2t | None:
    """The short-time limits of device ``dev`` when it is an IEC 60269 gG link given by gates
    (nodes at 0.01 s and 0.1 s on both band edges); None otherwise (K/T links, relays, a gG
    given by a maker's tables)."""
    if not gg_band(dev):
        return None
    curve, r = dev.curve, float(dev.rating_a)
    nodes = [_node(curve.mm_m_points, curve.mm_t_points, 0.01),
             _node(curve.mx_m_points, curve.mx_t_points, 0.01),
             _node(curve.mm_m_points, curve.mm_t_points, 0.1),
             _node(curve.mx_m_points, curve.mx_t_points, 0.1)]
    if any(n is None for n in nodes):
        return None
    mn01, mx01, mn1, mx1 = (n * r for n in nodes)  # type: ignore[operator]
    return GgI2t(r, mn01 ** 2 * 0.01, mx01 ** 2 * 0.01, mn1, mx1)


def pair_ratio(p: GgI2t, b: GgI2t) -> float:
    """``min(I²t_min,b / I²t_max,p at 0.01 s, (Imin,b / Imax,p at 0.1 s)²)``: ≥ 1 selective.

    >>> small = GgI2t(100, 27_000, 86_000, 950, 1650)
    >>> big = GgI2t(160, 86_000, 250_000, 1650, 2840)
    >>> round(pair_ratio(small, big), 6), round(pair_ratio(big, small), 3)
    (1.0, 0.108)
    """
    return min(b.i2t_min_a2s / p.i2t_max_a2s, (b.imin_01_a / p.imax_01_a) ** 2)


def gg_i2t_terms(ctx: Any, primary: np.ndarray, backup: np.ndarray, i_primary_a: np.ndarray,
                 sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which rows of a pairs × faults join the I²t rule judges, and their I²t ratio.

    Parameters
    ----------
    ctx : CheckContext
        ``ctx.devices`` by name.
    primary, backup : ndarray of str, shape (n,)
        Each row's protecting and protected device.
    i_primary_a : ndarray of float, shape (n,)
        Current through the protecting device (A, first-cycle, largest phase).
    sel : ndarray of bool, shape (n,)
        The C3 rows.

    Returns
    -------
    (in_i2t, ratio) : ndarray of bool, ndarray of float, shape (n,)
        ``in_i2t``: a gG–gG row at a current ≥ the protecting link's Imax(0.1 s);
        ``ratio``: :func:`pair_ratio` on those rows, NaN elsewhere.
    """
    n = len(primary)
    in_i2t, ratio = np.zeros(n, dtype=bool), np.full(n, np.nan)
    at = np.flatnonzero(sel)
    if not len(at):
        return in_i2t, ratio
    cache: dict[str, GgI2t | None] = {}

    def get(name: str) -> GgI2t | None:
        if name not in cache:
            cache[name] = gg_i2t(ctx.devices.get(name))
        return cache[name]

    pa, ba = primary[at], backup[at]
    for p_name, b_name in set(zip(pa.tolist(), ba.tolist(), strict=True)):
        p, b = get(str(p_name)), get(str(b_name))
        if p is None or b is None:
            continue
        rows = at[(pa == p_name) & (ba == b_name)]
        with np.errstate(invalid="ignore"):
            hit = rows[np.asarray(i_primary_a, dtype=float)[rows] >= p.imax_01_a * (1 - 1e-9)]
        in_i2t[hit] = True
        ratio[hit] = pair_ratio(p, b)
    return in_i2t, ratio


def i2t_message(ctx: Any, r: Any, where: str, export: str) -> str:
    """The message of a failing C3 row judged by I²t: both links' I²t and the ratio."""
    p, b = gg_i2t(ctx.devices.get(str(r.primary))), gg_i2t(ctx.devices.get(str(r.backup)))
    if p is None or b is None:  # not reached: the row is an I²t row of two gG links
        return f"{r.primary} and {r.backup} are not selective by I²t for {where} {export}"
    return (f"{r.primary} ({p.rating_a:g} A gG) and backup {r.backup} ({b.rating_a:g} A gG, "
            f"rating ratio {b.rating_a / p.rating_a:.2f}) are not selective by IEC 60269's I²t "
            f"rule for {where} {export} ({float(r.i_primary_a):,.0f} A through {r.primary}, at "
            f"or above its Imax(0.1 s) {p.imax_01_a:,.0f} A: it melts within 0.1 s, where the "
            f"standard bounds gG links by I²t, not time): {r.backup}'s minimum pre-arcing I²t "
            f"{round(b.i2t_min_a2s, -2):,.0f} A²s < {r.primary}'s maximum "
            f"{round(p.i2t_max_a2s, -2):,.0f} A²s at 0.01 s (0.1-s gates: {r.backup} Imin "
            f"{b.imin_01_a:,.0f} A, {r.primary} Imax {p.imax_01_a:,.0f} A); I²t ratio "
            f"{pair_ratio(p, b):.2f} < 1 (gG links are selective at a rating ratio of 1.6 or "
            f"more; IEC 60269-1 Tables 3 and 7): {r.backup} may melt — a larger {r.backup} (≥ "
            f"{1.6 * p.rating_a:g} A) or a maker's selectivity table decides it")
