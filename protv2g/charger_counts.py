"""How many chargers a hosting figure (kW) is, as a number and in words.

The hosting search (:mod:`protv2g.hosting`), the gate's hosting lines
(:mod:`protv2g.gate_hosting`), ``protv2g hosting`` and the report all say it alike, so this
module sits below all of them and imports nothing of protv2g (it was
:mod:`protv2g.gate_hosting`'s, which the hosting tables imported upward).

A figure is the chargers' **output** it is, not the whole chargers below it: 1,280 kW of
100 kW chargers is 12.8 chargers' output (review s31: "1,280 kW, 12 chargers"), and a figure
below one charger's export is less than one charger — never "0 chargers" beside 5.92 kW (review
rev36b X8, the IEEE European LV feeder: expected participation 0.8 × 1 × 7.4 kW).
"""

from __future__ import annotations

import math

__all__ = ["NOT_ROUNDED", "charger_count", "chargers_words"]

#: Said after a fractional count: the hosting figure is the kW the search found, not rounded
#: to whole chargers (review rev40b F: "68 kW = 4.5 chargers' output" read against a note
#: that figures are rounded to whole chargers; the band's ``rounding`` column says the same).
NOT_ROUNDED = ", not rounded to whole chargers"


def charger_count(kw: float, p_charger_kw: float) -> int | float:
    """How many chargers' full output ``kw`` is: an ``int`` when whole (within 1e-6), else the
    count rounded **down** to a tenth (never more chargers than the figure).

    >>> charger_count(86.4, 7.2), charger_count(1280.0, 100.0), charger_count(5.92, 7.4)
    (12, 12.8, 0.8)
    """
    n = float(kw) / float(p_charger_kw)
    if abs(n - round(n)) < 1e-6:
        return int(round(n))
    return math.floor(n * 10 + 1e-9) / 10


def chargers_words(n: int | float) -> str:
    """``"12 chargers"``, ``"1 charger"``; ``"12.8 chargers' output, not rounded to whole
    chargers"`` for a fractional count
    (:func:`charger_count`): a figure of 1,280 kW with 100 kW chargers is not 12 chargers
    (review s31: "1,280 kW, 12 chargers" where 12.8 chargers' export was online); below one
    charger, ``"< 1 charger (0.8 × one charger's export)"`` (review rev36b X8: "5.92 kW = 0
    chargers").

    >>> chargers_words(12), chargers_words(1), chargers_words(12.8)[:21]
    ('12 chargers', '1 charger', "12.8 chargers' output")
    >>> chargers_words(0.8)
    "< 1 charger (0.8 × one charger's export)"
    """
    if isinstance(n, int) or float(n).is_integer():
        k = int(n)
        return f"{k} charger{'' if k == 1 else 's'}"
    if 0.0 < float(n) < 1.0:
        return f"< 1 charger ({float(n):g} × one charger's export)"
    return f"{n:g} chargers' output{NOT_ROUNDED}"
