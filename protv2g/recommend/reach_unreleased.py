"""C5 reach rows no pickup clears: the device sees 0 A — a forward-directional relay whose
directional control releases none of its overcurrent elements at the fault (C9: no forward
decision), or no current at all (review rev50a #2).

IEEE 123, relay R-L58 (51P 400 A, 51G 120 A, 67P/67N at their defaults), SLG-a at 100 through
20 Ω with the depot exporting: phase a through the relay reverses (67P blocks) and its 67N has
no polarising voltage (|V0| 0.0184 pu < 0.02 pu), so C5 reads 0 A. :mod:`.reach` took that row
into its C5 ceiling and wrote "R-L58 phase pickup ≤ 0 A for C5 (smallest phase current of the
finding's faults 0 A / 1.5)". Such rows now bound no pickup (:func:`protv2g.recommend.reach.
reach_limits` leaves them out) and the note says so and points at the polarising/ground
element, with the 51G pickup the faults' 3I0 allows (3I0 / the zone factor, first cycle, from
the fault table).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_saving_range import is_ground_fault
from protv2g.criteria import MarginUnit

__all__ = ["unreleased", "unreleased_text"]

#: The margin unit of C5's reach rows (I_op / pickup − factor).
_PICKUP_MULTIPLE = MarginUnit.PICKUP_MULTIPLE.value


def unreleased(finding: Mapping[str, Any], evidence: pd.DataFrame) -> pd.DataFrame:
    """The C5 ``finding``'s failing or warning reach rows (its evidence) at which the device
    sees 0 A: no overcurrent element released (a forward-directional relay's control holds
    them back, C9) or no current at all — no pickup clears them (review rev50a #2, IEEE 123
    R-L58: "phase pickup ≤ 0 A for C5 (smallest phase current … 0 A / 1.5)")."""
    if str(finding.get("criterion")) != "C5" or evidence is None or not len(evidence):
        return evidence.iloc[:0] if evidence is not None else pd.DataFrame()
    ev = evidence[(evidence["finding"].astype(str) == str(finding["finding"]))
                  & evidence["status"].astype(str).isin(("fail", "warn"))
                  & (evidence["margin_unit"].astype(str) == _PICKUP_MULTIPLE)]
    i_op = pd.to_numeric(ev["i_device_a"], errors="coerce").to_numpy(float)
    return ev[np.isfinite(i_op) & (i_op <= 0)]


def _i3i0_a(faults: Any, rows: pd.DataFrame) -> float:
    """The smallest first-cycle 3I0 (A) of ``rows``' device at their faults in the fault
    table ``faults`` (``FaultTables`` or its device table; NaN where not found)."""
    table = faults if isinstance(faults, pd.DataFrame) else getattr(faults, "device", None)
    if table is None or not len(rows) or "i3i0_ka" not in table.columns:
        return float("nan")
    bus = "fault_bus_name" if "fault_bus_name" in table.columns else "fault_bus"
    key = ["scenario", "device", "fault_type", "case"]
    want = rows[[*key, "fault_bus"]].astype(str).drop_duplicates()
    t = table[table["device"].astype(str).isin(set(want["device"]))]
    t = pd.DataFrame({**{k: t[k].astype(str) for k in key},
                      "fault_bus": t[bus].astype(str), "i_a": 1000.0 * t["i3i0_ka"]})
    j = want.merge(t, on=[*key, "fault_bus"])
    return float(j["i_a"].min()) if len(j) else float("nan")


def unreleased_text(rows: pd.DataFrame, dev: Any, faults: Any = None) -> str:
    """The note of :func:`unreleased` ``rows`` of ``dev``: no pickup clears them; the
    element to look at (module docstring of :mod:`protv2g.checks.reach_blind`)."""
    first = rows.iloc[0]
    where = (f"{first['fault_type']} at {first['fault_bus']} ({first['case']})"
             + (f" and {len(rows) - 1} more" if len(rows) > 1 else ""))
    directional = getattr(dev, "directional", None) not in (None, "none")
    head = (f"no pickup clears {len(rows)} of the finding's rows ({where}): {dev.name} sees "
            "0 A there")
    if not directional:
        return head + " — the fault gives it no current"
    ground = is_ground_fault(rows["fault_type"].astype(str).to_numpy())
    i_g = _i3i0_a(faults, rows[ground]) if ground.any() else float("nan")
    k = float(pd.to_numeric(rows["limit"], errors="coerce").max())
    g51 = (f", or a 51G at ≤ 3I0 / {k:g} = {i_g / k:.0f} A (smallest 3I0 of those faults "
           f"{i_g:.0f} A, first cycle) with its directional control releasing it"
           if np.isfinite(i_g) and k > 0 else "")
    return (f"{head} — its directional control releases none of its overcurrent elements "
            "(C9: no forward decision), so a lower pickup changes nothing: look at the "
            "polarising/ground element — the 67N's minimum |V0| "
            "(directional.ground_min_polarising_pu), 32V or 32Q polarising "
            "(directional.ground_method: impedance, or ground_elements: [32Q]), the 67P's "
            f"polarising (directional.memory, phase_min_polarising_pu){g51}")
