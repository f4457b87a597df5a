"""A hosting figure a C12 unbalance row limits, in words (review rev49b #4, inv49b): V2G's
change against the materiality ``checks.unbalance_change_min_percent``, said *knife-edge*
where the figure turns on less than :data:`KNIFE_EDGE_PERCENT` either side of it, and the
row's own words of where in their band the regulators rest
(:func:`~protv2g.checks.flow_tap_path.tap_words`: the three band starts' changes).

IEEE 8500, the homes (3 × 7.2 kW at sx3312692a) at firm/peak: 14.85 kW, C12 unbalance at
m1026950, 2.887 % without V2G; V2G's change +0.1506 to +0.1519 points from the base case's
taps (OpenDSS with the taps held: +0.1526) against the 0.15-point materiality — 0.0006 to
0.0019 points over it — and −0.062 / −0.059 points at the band's top and bottom (inv49b §4).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from protv2g.significant import kw_text

__all__ = ["KNIFE_EDGE_PERCENT", "KNIFE_EDGE_TEXT", "note_words", "unbalance_limit_text"]

#: A figure turning on V2G's change within this of the materiality (points of u2) is a
#: knife-edge: a tenth of IEC 61000-4-30 Class A's ±0.15 points, below what a meter tells.
KNIFE_EDGE_PERCENT = 0.01
#: How the knife-edge clause begins in :func:`unbalance_limit_text`'s words.
KNIFE_EDGE_TEXT = "knife-edge: "


def _num(row: Mapping[str, Any], key: str) -> float:
    v = pd.to_numeric(row.get(key), errors="coerce")
    return float(v) if pd.notna(v) else math.nan


def unbalance_limit_text(row: Mapping[str, Any], p_kw: float) -> str:
    """A C12 unbalance row (``margin_unit`` "% VUF", margin = limit − u) at export ``p_kw``;
    "" without its base margin.

    >>> unbalance_limit_text({"limit": 3.0, "margin": -0.0376, "base_margin": 0.113,
    ...                       "tolerance": 0.15, "message": "voltage unbalance"}, 16.2)
    ... # doctest: +NORMALIZE_WHITESPACE
    "V2G's change of the unbalance (+0.1506 % at 16.2 kW) against the materiality 0.15 % on
    a bus at 2.887 % without V2G; knife-edge: +0.0006 points from the materiality, less than
    0.01 — the figure turns on it"
    """
    from protv2g.checks.flow_tap_path import tap_words

    limit, m, mb, tol = (_num(row, k) for k in ("limit", "margin", "base_margin", "tolerance"))
    if not all(math.isfinite(x) for x in (limit, m, mb)):
        return ""
    change = mb - m
    text = (f"V2G's change of the unbalance ({change:+.4f} % at {kw_text(p_kw)} kW)"
            + (f" against the materiality {tol:g} %" if math.isfinite(tol) else "")
            + f" on a bus at {limit - mb:.3f} % without V2G")
    if math.isfinite(tol) and abs(change - tol) < KNIFE_EDGE_PERCENT:
        text += (f"; {KNIFE_EDGE_TEXT}{change - tol:+.4f} points from the materiality, less than "
                 f"{KNIFE_EDGE_PERCENT:g} — the figure turns on it")
    words = tap_words(str(row.get("message", "") or ""))
    return "; ".join(t for t in (text, words) if t)


def note_words(limiting_fault: str) -> str:
    """The knife-edge clause of a figure's limiting words (:func:`unbalance_limit_text`) and
    the row's "from the base case's taps only" clause
    (:data:`~protv2g.checks.flow_unbalance.ONLY_OWN_TEXT`), for the figure's note; "" where
    neither is said.

    >>> note_words("at m; V2G's change …; knife-edge: +0.0003 points from the materiality, "
    ...            "less than 0.01 — the figure turns on it; where …")
    'knife-edge: +0.0003 points from the materiality, less than 0.01 — the figure turns on it'
    """
    from protv2g.checks.flow_unbalance import ONLY_OWN_TEXT

    said = []
    for head in (KNIFE_EDGE_TEXT, ONLY_OWN_TEXT):
        at = limiting_fault.find(head)
        if at >= 0:
            end = limiting_fault.find(";", at)
            said.append(limiting_fault[at:end if end >= 0 else None])
    return "; ".join(said)
