"""The charging a C8 charging peak allows behind its device: the cap, from the finding's figures.

A C8 charging-peak finding (:mod:`protv2g.checks.load`: every participating vehicle charging
at peak load) has no ordinary setting change — a minimum trip raised for a schedulable load
spends reach — so ``protv2g recommend`` says to schedule or cap the sites' charging. Review
rev40b M3 (IEEE 37, R-708): the note gave no number, though the finding's own figures give it:
R-708 131 A without the charging, 209 A with 778 kW of it, limit 186.7 A (minimum trip / 1.5)
→ ≈ 555 kW of simultaneous charging behind R-708.

The cap is the linear interpolation between the two flows the finding holds (the device's
current without the charging, ``limit − base_margin``, and with it, ``i_device_a``, at
``p_charging_kw``):

    P_cap = P_charging × (I_limit − I_without) / (I_with − I_without)

a first-order estimate (the charging adds a current nearly proportional to its kW at a
constant power factor and voltage; the voltage drop it causes and the regulators' answer to it
bend that line a little either way), rounded down to a whole kW, and the note says it is an
estimate to confirm with a flow at the cap. Checked by an OpenDSS flow (IEEE 37 at peak, the
two sites' charging as constant-P loads down to 0.5 pu as protv2g's site generators are, the
regulators solved): R-708 (line L17) 131.1 A without, 209.1 A with 778 kW, 185.6 A at the
555 kW cap, the 186.7 A limit reached at ≈ 559 kW — the estimate is 0.7 % on the safe side
there. With the load alone at or above the limit (``I_without ≥ I_limit``) no charging fits:
the cap is 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["cap_with_changes", "charging_cap_kw", "charging_cap_text"]


def _num(row: Any, key: str) -> float:
    v = pd.to_numeric(pd.Series([row.get(key) if hasattr(row, "get") else None]),
                      errors="coerce").iat[0]
    return float(v) if pd.notna(v) else math.nan


def charging_cap_kw(i_with_a: float, i_without_a: float, limit_a: float,
                    p_charging_kw: float) -> float:
    """The charging (kW, ≥ 0, rounded down to a whole kW) at which the device's load current
    reaches ``limit_a`` (module docstring); NaN where the figures do not give it.

    >>> charging_cap_kw(209.0, 131.0, 186.7, 778.0)
    555.0
    >>> charging_cap_kw(209.0, 190.0, 186.7, 778.0)
    0.0
    """
    figures = (i_with_a, i_without_a, limit_a, p_charging_kw)
    if not all(math.isfinite(x) for x in figures) or p_charging_kw <= 0:
        return math.nan
    if i_without_a >= limit_a:
        return 0.0
    if i_with_a <= i_without_a:
        return math.nan
    return float(math.floor(p_charging_kw * (limit_a - i_without_a)
                            / (i_with_a - i_without_a)))


def charging_cap_text(device: str, evidence: pd.DataFrame) -> str:
    """``"cap the simultaneous charging behind R-708 at ≈ 555 kW …"`` from the worst evidence
    row of a C8 charging-peak finding (``i_device_a``, ``limit``, ``base_margin``,
    ``p_charging_kw``); ``""`` where its figures do not give a cap."""
    if evidence is None or evidence.empty or "margin" not in evidence.columns:
        return ""
    margins = pd.to_numeric(evidence["margin"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(margins).any():
        return ""
    r = evidence.iloc[int(np.nanargmin(margins))]
    i_with, lim, mb, kw = (_num(r, k) for k in ("i_device_a", "limit", "base_margin",
                                                  "p_charging_kw"))
    i_without = lim - mb
    cap = charging_cap_kw(i_with, i_without, lim, kw)
    if not math.isfinite(cap):
        return ""
    if cap == 0:
        return (f"no charging fits behind {device}: without it the load current is already "
                f"{i_without:.0f} A against the limit {lim:.1f} A")
    return (f"cap the simultaneous charging behind {device} at ≈ {cap:,.0f} kW (a linear "
            f"estimate from the finding's flows: {i_without:.0f} A without the charging, "
            f"{i_with:.0f} A with {kw:,.0f} kW of it, limit {lim:.1f} A; confirm with a flow "
            "at the cap)")


def cap_with_changes(device: str, identity: str, after: Any, changes: Sequence[Any],
                     before_text: str) -> str:
    """The cap note of a charging peak on the study with every accepted change applied.

    Review rev42c M1 (depot): R01 raised R-F1's pickup 400 → 550 A ("verified") while R03,
    the charging peak on the same relay, capped the charging at ≈ 3,329 kW on the old limit
    400 / 1.5 = 266.7 A; with R01 the limit is 366.7 A and the cap ≈ 5,391 kW (OpenDSS on the
    depot model: 363.0 A at 5,391 kW). Where an accepted change moves ``device``, the cap is
    read from the same finding (``identity``, :func:`protv2g.recommend.evaluator._identity`)
    in ``after`` (the findings with every change, :meth:`.evaluator.Evaluator.findings`) and
    the note names the change it assumes and the cap without it; where the changes clear the
    finding, it says so. ``before_text`` (:func:`charging_cap_text` of the study as given)
    stands where no change moves the device.
    """
    from protv2g.recommend.change import describe
    from protv2g.recommend.evaluator import _identity

    own = [c for c in changes if c.name == device]
    if not own:
        return before_text
    moved = "; ".join(describe(c) for c in own)
    found = after.findings
    hit = found[_identity(found).to_numpy() == identity] if len(found) else found
    if not len(hit) or str(hit["status"].iat[0]) not in ("fail", "warn"):
        return (f"with {moved} (accepted above) the charging peak no longer fails"
                + (f"; without it: {before_text}" if before_text else ""))
    ev = after.evidence
    text = charging_cap_text(device, ev[ev["finding"] == hit["finding"].iat[0]])
    if not text or text == before_text:
        return before_text
    return (f"{text}, with {moved} (accepted above)"
            + (f"; without that change: {before_text}" if before_text else ""))
