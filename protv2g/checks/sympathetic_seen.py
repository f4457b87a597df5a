"""C6's ``info`` rows: per candidate device, the worst current fed back through it for the
faults C6 tried, against its pickup (review rev50a #7b).

C6 (:mod:`.sympathetic`) writes rows only where a device fed back by V2G trips before the
fault's clearing device: a study where none does showed "C6 passed" and no row at all, so a
signer could not see which upstream or adjacent faults were tried, nor how close the fed-back
current came to a pickup (IEEE 123 with the depot and homes: head-sw1 and R-L58 see 303.8 A
phase and 54.0 A 3I0 for a three-phase fault at the substation bus 150, against 1,270 / 270 A
and 400 / 120 A — rev50a's OpenDSS hand check).

One row per candidate device judged by C6 (not forward-directional) and element: its largest
phase current (A, the first cycle of the chargers' contribution: the engine's fault table)
over the candidate faults of every scenario — the faults off its substation path that a V2G
site feeds back through it, C6's candidates (:func:`.sympathetic._candidate_rows`, those at the
substation bus and upstream included) — against its phase pickup, and likewise its 3I0
against its ground pickup where it has a ground element. ``info``; margin ``pickup − I``
(A); ``i_device_a`` the current, ``i_other_a`` the pickup, the fault and scenario of the
worst row in the key and the text, with the number of faults tried. Whether a current at or
above the pickup trips first is C6's own rows' question (its time against the clearing
time); this row only says what was tried.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, concat, violation_rows
from protv2g.checks._common import ground_pickup_a as _ground_pickup_a
from protv2g.checks._common import phase_pickup_a as _phase_pickup_a
from protv2g.criteria import MarginUnit
from protv2g.violations import CheckStatus

__all__ = ["SEEN", "fed_back_seen"]

#: ``mechanism`` of C6's info rows.
SEEN = "fed-back current tried"
_ELEMENTS = (("phase", "i_phase_a", "phase current"), ("ground", "i_ground_a", "3I0"))


def fed_back_seen(ctx: CheckContext, tried: list[pd.DataFrame]) -> pd.DataFrame:
    """C6's info rows (module docstring) of the candidate rows ``tried`` (frames with
    ``scenario``, ``device``, ``fault_bus_name``, ``fault_type``, ``case``, ``i_phase_a``,
    ``i_ground_a``)."""
    m = pd.concat([t for t in tried if t is not None and len(t)], ignore_index=True) \
        if any(t is not None and len(t) for t in tried) else None
    if m is None:
        return concat([])
    out = []
    for dev, rows in m.groupby("device", sort=True):
        model = ctx.devices.get(str(dev))
        if model is None:
            continue
        n = len(rows.drop_duplicates(["fault_bus_name", "fault_type", "case"]))
        for element, col, what in _ELEMENTS:
            pickup = (_phase_pickup_a(model) if element == "phase"
                      else _ground_pickup_a(model))
            i = pd.to_numeric(rows[col], errors="coerce").to_numpy(float)
            if pickup is None or not np.isfinite(i).any():
                continue
            r = rows.iloc[int(np.nanargmax(i))]
            i_a, pickup = float(np.nanmax(i)), float(pickup)
            picks = ("at or above it: it picks up, and whether it trips before the fault's "
                     "clearing device is C6's time check" if i_a >= pickup else "below it")
            text = (f"{dev}: the largest {what} fed back through it over the {n} fault(s) C6 "
                    f"tried off its substation path (a V2G site feeding back through it; "
                    f"first cycle) is {i_a:,.1f} A, {i_a / pickup:.2f} × its {pickup:g} A "
                    f"{element} pickup ({picks}), for "
                    f"{ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)} "
                    f"{ctx.export_text(str(r.scenario))}")
            out.append({"scenario": r.scenario, "fault_bus": r.fault_bus_name,
                        "fault_type": r.fault_type, "case": r.case, "device": dev,
                        "i_device_a": i_a, "i_other_a": pickup, "margin": pickup - i_a,
                        "limit": pickup, "message": text})
    if not out:
        return concat([])
    t = pd.DataFrame(out)
    return violation_rows("C6", CheckStatus.INFO, frame=t, mechanism=SEEN,
                          margin_unit=MarginUnit.AMPERE.value,
                          **{c: t[c].to_numpy() for c in t.columns})
