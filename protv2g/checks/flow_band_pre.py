"""C12 rows whose base case already fails at one of the regulators' band starts: a condition
of the regulator settings, not of V2G (review rev49b #2; the lead's rule, session 50).

C12 judges a voltage or unbalance row from three starts — the base case's taps, the top and
the bottom of the regulators' band with and without V2G (:mod:`protv2g.checks.flow_tap_path`)
— each V2G case against the case without V2G at the same start. Where the case without V2G
fails beyond the limit's tolerance at one of those starts, the regulators' settings already
allow the violation without V2G (any tap in the band is a rest point: IEEE Std C57.15-2017,
bandwidth; OpenDSS RegControl ``band``). The row is then ``pre-existing`` — unless V2G worsens
the bus by more than the row's materiality (``checks.voltage_change_min_pu``,
``checks.unbalance_change_min_percent``) at a start where the base case fails, where it stays
V2G's. The same rule judges over-voltage, under-voltage and unbalance rows.

One clause beside the lead's: a material worsening at a start where the base case *passes*
and V2G takes the bus over the limit keeps the row V2G's too (a failure V2G causes like with
like at that start is not the regulator settings'; without it a row failing without V2G only
from the base case's taps, 0.1 point over a 2 % limit, would be pre-existing while V2G adds
0.31 points at the band's top from 1.75 % — OpenDSS, IEEE 8500's m1069376 at light load).

IEEE 8500 with three sites (review rev49b #2, F60 at x2729406c, firm/light): without V2G
1.0510 pu from the base case's taps, 0.00008 pu inside the tolerance, so the +0.0033 pu
there made the row V2G's and failed the gate; from the band's top the bus is at 1.0642 pu
without V2G and V2G lowers it by 0.0035 pu (OpenDSS: +0.0035, −0.0033, +0.0028 pu from the
three starts).
"""

from __future__ import annotations

import numpy as np

__all__ = ["START_WORDS", "band_preexisting", "band_preexisting_text"]

#: The three starts (:data:`~protv2g.checks.flow_tap_path.STARTS`'s order) as the row's
#: text names them.
START_WORDS = ("the base case's taps", "the band's top", "the band's bottom")
#: A base case beyond the limit by more than this (in the row's unit) fails at a start.
_BEYOND = 1e-9


def band_preexisting(excess: np.ndarray, worse: np.ndarray, materiality: float | np.ndarray
                     ) -> np.ndarray:
    """``(n,)`` the start (index into :data:`START_WORDS`) each row is pre-existing by (module
    docstring), −1 where the rule does not make it so.

    ``excess``: ``(n, 3)`` how far the base case is beyond the limit's tolerance at each start
    (positive = failing; NaN where the flow gives none); ``worse``: ``(n, 3)`` how much V2G
    worsens the row at each start (a rise for over-voltage and unbalance, a drop for
    under-voltage); ``materiality``: the row's (a scalar or ``(n,)``). Only a start where
    both are given counts, and only a row with a band
    start (top or bottom) is judged: without one the attribution's own rule on the base
    case's taps is this rule. The start named is the failing start where the base case is
    furthest beyond the limit.

    >>> band_preexisting(np.array([[-8e-5, 0.0132, -0.0012], [-8e-5, 0.0132, np.nan],
    ...                            [0.002, np.nan, np.nan], [0.0987, -0.2453, -0.0853]]),
    ...                  np.array([[0.0033, -0.0035, 0.0029], [0.0033, 0.0091, np.nan],
    ...                            [0.0, np.nan, np.nan], [-0.2217, 0.3089, 0.1495]]),
    ...                  np.array([1 / 120, 1 / 120, 1 / 120, 0.15]))
    array([ 1, -1, -1, -1])
    """
    excess = np.asarray(excess, float)
    worse = np.asarray(worse, float)
    if not len(excess):
        return np.zeros(0, dtype=np.intp)
    m = np.asarray(materiality, float)
    m = m[:, None] if m.ndim else m
    known = np.isfinite(excess) & np.isfinite(worse)  # a start with V2G's change at it
    with np.errstate(invalid="ignore"):
        fails = known & (excess > _BEYOND)
        # V2G's material worsening at a start where the case with V2G fails: a failing base
        # case worsened (the lead's rule), or a passing one taken over the limit
        material = (known & (excess + worse > _BEYOND)
                    & (worse > m + 1e-12)).any(axis=1)
    edges = known[:, 1:].any(axis=1)
    pre = edges & fails.any(axis=1) & ~material
    start = np.argmax(np.where(fails, excess, -np.inf), axis=1)
    return np.where(pre, start, -1).astype(np.intp)


def band_preexisting_text(start: int, base_value: float, change: float, bus_name: str,
                          unit: str = "pu", digits: int = 4, charging: bool = False) -> str:
    """The rule in a row's words: which start's base case fails, at what, and V2G's change
    there (``change``: the row's quantity with V2G less without, signed).

    >>> t = band_preexisting_text(1, 1.0642, -0.0035, "x2729406c")
    >>> t[:53]
    "; without V2G the band's top already gives 1.0642 pu "
    >>> t[53:101]
    'at x2729406c; V2G changes it by −0.0035 pu there'
    """
    cause = "the charging" if charging else "V2G"
    signed = f"{change:+.{digits}f}".replace("-", "−")
    return (f"; without {cause} {START_WORDS[start]} already gives {base_value:.{digits}f} "
            f"{unit} at {bus_name}; {cause} changes it by {signed} {unit} there: a condition "
            f"of the regulator settings, not of {cause} (pre-existing: the base case fails "
            "at a start of the regulators' band and the change is within the materiality "
            "at every start where it fails)")
