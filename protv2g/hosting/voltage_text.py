"""What a C12 overvoltage row limiting a hosting figure says: the rise V2G causes, not 1.05 pu.

The gate fails a C12 voltage row that V2G worsens by more than its tolerance (the materiality
test of :mod:`protv2g.checks.attribution`); on a bus already near the limit without V2G the
export passes 1.05 pu long before that. Review s22 (EPRI DG-protection feeder, homes at lat1):
the hosting text said 54 kW was where the voltage "exceeds 1.05 pu", while lat1 is at
1.0484 pu without V2G and OpenDSS passes 1.05 pu at ≈ 10.4 kW; 54 kW is where the *change*
exceeds the 0.00833 pu tolerance. :func:`voltage_limit_text` says that, from the row's own
``limit``, ``margin``, ``base_margin`` and ``tolerance`` (margin = limit − voltage, pu).

The export at which the limit itself is passed is interpolated linearly between the base case
(0 kW, margin ``base_margin``) and the failing level (``p_kw``, margin ``margin``): a bus
voltage rises about linearly with a small injection (the short-line approximation
ΔV ≈ (R·P + X·Q)/V, Kersting, *Distribution System Modeling and Analysis*, approximate voltage
drop); it is marked "≈".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["voltage_limit_text"]


def _num(row: Mapping[str, Any], key: str) -> float:
    v = pd.to_numeric(row.get(key), errors="coerce")
    return float(v) if pd.notna(v) else math.nan


def voltage_limit_text(row: Mapping[str, Any], p_kw: float) -> str:
    """The rise V2G causes at export ``p_kw`` (kW) against the row's tolerance, on a bus at its
    voltage without V2G, and where the limit itself is passed; "" for other rows.

    Only C12 overvoltage rows (``margin_unit`` pu, ``limit`` > 1 pu) with a finite
    ``base_margin`` are described.

    Examples
    --------
    >>> r = {"criterion": "C12", "margin_unit": "pu", "limit": 1.05, "margin": -0.0107,
    ...      "base_margin": 0.0016, "tolerance": 0.008333}
    >>> voltage_limit_text(r, 57.6)  # doctest: +NORMALIZE_WHITESPACE
    'the rise V2G causes (0.0123 pu at 57.6 kW) exceeds the tolerance 0.00833 pu on a bus at
    1.048 pu without V2G; 1.05 pu is passed at ≈ 7.5 kW'
    """
    if str(row.get("criterion")) != "C12" or str(row.get("margin_unit")) != "pu":
        return ""
    limit, m, mb, tol = (_num(row, k) for k in ("limit", "margin", "base_margin", "tolerance"))
    if not all(math.isfinite(x) for x in (limit, m, mb)) or limit <= 1.0:
        return ""
    rise = mb - m
    text = f"the rise V2G causes ({rise:.3g} pu at {p_kw:,.3g} kW)"
    text += (f" exceeds the tolerance {tol:.3g} pu" if math.isfinite(tol) else "")
    text += f" on a bus at {limit - mb:.4g} pu without V2G"
    if mb < 0:
        return text + f", already above {limit:g} pu"
    if rise > 0 and m < 0:
        return text + f"; {limit:g} pu is passed at ≈ {p_kw * mb / rise:,.2g} kW"
    return text
