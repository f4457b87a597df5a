"""C6's ``info`` rows: what it tried — per V2G scenario, candidate device and element, the
worst current fed back through it over the faults C6 tried, against its pickup and time
(review rev50a #7b).

C6 (:mod:`.sympathetic`) writes a ``fail``/``warn`` row only where a device fed back by V2G
trips before the fault's clearing device: a study where none does showed "C6 passed" and no
row at all, so a signer could not see which faults were tried nor how close the fed-back
current came to a pickup (IEEE 123 with the depot and homes: head-sw1 and R-L58 see 303.8 A
phase and 54.0 A 3I0 for a three-phase fault at the substation bus 150, against 1,270 / 270 A
and 400 / 120 A — rev50a's OpenDSS hand check).

**Rows.** For each scenario that is not a base case (C6's candidates are the devices a V2G
site's path crosses in reverse: without V2G nothing is fed back by it), each candidate device
C6 judges (not forward-directional: C9 judges those) and each of its elements — phase, and
ground where it has one — one row: the largest phase current (3I0) through it over the
candidate faults of that scenario (off its substation path, a V2G site feeding back through
it: :func:`.sympathetic._candidate_rows` and the substation bus and upstream,
:func:`.sympathetic._substation_rows`), the first cycle of the chargers' contribution (the
engine's fault table). Equal currents: the first fault in (bus, type, case) order. ``info``;
``margin`` ``pickup − I`` (A), ``limit`` and ``rule_value`` the pickup, ``i_device_a`` the
current, ``t_device_s`` the device's operating time at that fault (its fastest element, in
the bracket the row was judged in: both brackets share the first-cycle current, so the high
bracket's row is kept, ``bracket`` ``both``), ``t_other_s`` the clearing time (the clearing
device's, or the substation protection's C6 assumes), the number of faults tried in the text.
The text also gives the same device's current at the same fault without V2G (the scenario's
base case): what is fed back is every source behind the device, existing DER included
(workplace_pv_midday: R-HEAD 226.9 A with the office park firm, 101.9 A of it without V2G —
the feeder's PV; the chargers' 0.9 × 40 × 50 kVA × 1.5 / (√3 × 12.47 kV) = 125.0 A). A
fuse's limit is its minimum melting current.
Whether a current at or above pickup trips first is C6's own rows' question; this row says
what was tried.

**One row per scenario, not one over all scenarios.** A row depends on its scenario's fault
rows alone, so on a twin scenario (the same engine block, light and peak load:
:mod:`.distinct_blocks`) the expansion's copy is the row the full evaluation writes — the
restricted and the full evaluations agree (session 50's one row over every scenario was copied
to the twins of its worst scenario only: 2 rows more on the restricted evaluation of the
depot). The Findings collapse the load-level twins into one evidence row; the mechanism names
the element, so each device and element is one ``info`` finding, said apart from the problems
in the Summary (:func:`protv2g.report.summary_counts.findings_count_text`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    fmt_s,
    ground_pickup_a,
    phase_pickup_a,
    violation_rows,
)
from protv2g.criteria import MarginUnit
from protv2g.devices.kinds import kind_of
from protv2g.violations import CheckStatus

__all__ = ["SEEN", "fed_back_seen"]

#: ``mechanism`` of C6's info rows, by element.
SEEN = {"phase": "fed-back phase current tried", "ground": "fed-back 3I0 tried"}
_ELEMENTS = (("phase", "i_phase_a", "phase current"), ("ground", "i_ground_a", "3I0"))
_FAULT = ["fault_bus_name", "fault_type", "case"]
#: The columns read of the candidate rows.
TRIED_COLUMNS = ["scenario", "device", *_FAULT, "i_phase_a", "i_ground_a", "t_op_s",
                 "clearing_device", "t_clear_s"]


def fed_back_seen(ctx: CheckContext, tried: list[pd.DataFrame]) -> pd.DataFrame:
    """C6's info rows (module docstring) of the candidate rows ``tried``
    (:data:`TRIED_COLUMNS`), in (scenario, device, element) order.

    Examples
    --------
    The worst row of a device in a scenario, with ties broken by the fault's order:

    >>> m = pd.DataFrame({"scenario": ["v", "v", "v"], "device": ["R", "R", "R"],
    ...                   "fault_bus_name": ["B2", "B1", "B3"], "fault_type": ["3ph"] * 3,
    ...                   "case": ["max"] * 3, "i_phase_a": [5.0, 5.0, 2.0]})
    >>> _worst(m, "i_phase_a").fault_bus_name.tolist()
    ['B1']
    """
    parts = [t[TRIED_COLUMNS] for t in tried if t is not None and len(t)]
    if not parts:
        return concat([])
    m = pd.concat(parts, ignore_index=True)
    scen = m["scenario"].astype(str).to_numpy()
    names = pd.unique(scen)
    v2g = {s for s in names.tolist() if ctx.base_of.get(s, "") != s}
    base = m[~np.isin(scen, list(v2g))].assign(scenario=scen[~np.isin(scen, list(v2g))])
    m = m[np.isin(scen, list(v2g))].assign(scenario=scen[np.isin(scen, list(v2g))])
    if m.empty:
        return concat([])
    n_tried = m.drop_duplicates(["scenario", "device", *_FAULT]).groupby(
        ["scenario", "device"], sort=False).size()
    out = []
    for element, col, what in _ELEMENTS:
        pickup = {}
        for dev in pd.unique(m.device).tolist():
            model = ctx.devices.get(str(dev))
            p = None if model is None else (phase_pickup_a(model) if element == "phase"
                                            else ground_pickup_a(model))
            if p is not None and np.isfinite(p):
                pickup[dev] = float(p)
        w = _worst(m[m.device.isin(list(pickup))], col)
        if w.empty:
            continue
        p_a = w.device.map(pickup).to_numpy(float)
        i_a = w[col].to_numpy(float)
        n = n_tried.loc[list(zip(w.scenario, w.device, strict=True))].to_numpy()
        i_base = _base_currents(ctx, w, base, col)
        fuse = w.device.map(lambda d: kind_of(ctx.devices[d]).role == "fuse").to_numpy(bool)
        text = [_text(ctx, r, element, what, i, p, k, b, f) for r, i, p, k, b, f in zip(
            w.itertuples(index=False), i_a, p_a, n, i_base, fuse, strict=True)]
        out.append(pd.DataFrame({
            "scenario": w.scenario.to_numpy(), "fault_bus": w.fault_bus_name.to_numpy(),
            "fault_type": w.fault_type.to_numpy(), "case": w.case.to_numpy(),
            "device": w.device.to_numpy(), "i_device_a": i_a,
            "t_device_s": w.t_op_s.to_numpy(float), "t_other_s": w.t_clear_s.to_numpy(float),
            "margin": p_a - i_a, "limit": p_a, "rule_value": p_a,
            "mechanism": SEEN[element], "message": text, "_e": len(out)}))
    if not out:
        return concat([])
    t = pd.concat(out, ignore_index=True).sort_values(["scenario", "device", "_e"],
                                                      kind="stable", ignore_index=True)
    t = t.drop(columns="_e")
    return violation_rows("C6", CheckStatus.INFO, frame=t, margin_unit=MarginUnit.AMPERE.value,
                          **{c: t[c].to_numpy() for c in t.columns})


def _worst(m: pd.DataFrame, col: str) -> pd.DataFrame:
    """Per (scenario, device), the row of ``m`` with the largest finite ``col``; equal
    currents: the first in (fault bus, fault type, case) order — what the row is does not
    depend on the order of ``m``'s rows (nor on the other scenarios')."""
    i = pd.to_numeric(m[col], errors="coerce").to_numpy(float)
    t = m[np.isfinite(i)].assign(**{col: i[np.isfinite(i)]})
    t = t.assign(_neg=-t[col].to_numpy())
    t = t.sort_values(["scenario", "device", "_neg", *_FAULT], kind="stable")
    return t.drop_duplicates(["scenario", "device"]).drop(columns="_neg").reset_index(
        drop=True)


def _base_currents(ctx: CheckContext, w: pd.DataFrame, base: pd.DataFrame,
                   col: str) -> np.ndarray:
    """``col`` of each worst row's device at the same fault in its scenario's base case
    (``base``: the base cases' candidate rows); NaN where the base case has no such row (the
    engine keeps a device's row from 1 A: :data:`protv2g.engine.row_rule.DEVICE_ROW_MIN_A`).
    A twin's base case repeats its source's (:mod:`.distinct_blocks`): the copy holds."""
    key = ["scenario", "device", *_FAULT]
    at = w[key[1:]].assign(scenario=[ctx.base_of.get(s, "") for s in w.scenario])
    b = base[[*key, col]].drop_duplicates(key)
    return at.merge(b, how="left", on=key)[col].to_numpy(float)


def _text(ctx: CheckContext, r: Any, element: str, what: str, i_a: float,
          pickup_a: float, n: int, i_base_a: float, fuse: bool) -> str:
    """The message of one info row (module docstring)."""
    side = "at or above" if i_a >= pickup_a else "below"
    t_op = float(r.t_op_s)
    op = (f"the device operates in {fmt_s(t_op)} there" if np.isfinite(t_op)
          else "the device does not operate there")
    bracket = f", {ctx.bracket} bracket" if ctx.bracket else ""
    limit = "minimum melting current" if fuse else f"{element} pickup"
    base = f"{i_base_a:,.1f} A" if np.isfinite(i_base_a) else "under 1 A, no engine row"
    return (f"{r.device} {element}: the largest {what} fed back through it "
            f"{ctx.export_text(str(r.scenario))} over the {n} fault(s) C6 tried off its "
            f"substation path is {i_a:,.1f} A in the first cycle (without V2G: {base}), "
            f"{i_a / pickup_a:.2f} × its {pickup_a:g} A {limit} ({side} it), for "
            f"{ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)}: {op} (its fastest "
            f"element, timed on the chargers' stages{bracket}) and {r.clearing_device} "
            f"clears in {fmt_s(float(r.t_clear_s))}; C6 fails a device that trips before "
            f"the clearing and its coordination interval")
