"""C6 sympathetic tripping: a healthy device trips on current fed back through it.

For a fault, the *clearing device* is the first device on the substation's path to the fault
(nearest the fault) that operates; it clears after ``t_clear`` — its operating time, or for a
recloser its longest single shot (with instantaneous reset a relay that is fed back restarts
timing on every shot, so the longest shot is what it must ride through).

A *candidate* is a device that a V2G site's path to the fault crosses in reverse (current fed
back through it, :func:`protv2g.topology.device_chains`), that is not on the substation's path
to the fault and that stays in service after the clearing device opens (it is not behind it).
The candidate trips sympathetically when its own operating time
``t ≤ t_clear + sympathetic_margin_s`` (default 0.1 s). A relay with ``directional: forward``
is blocked (whether its direction is right is C9). Faults with no modelled clearing device
(the substation bus and upstream) are not evaluated here.

References
----------
IEEE Std 1547.2-2023 §8.3 (sympathetic tripping of adjacent feeders by DER infeed);
IEEE Std C37.230-2020 §7 (distributed generation on distribution lines).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    could_not,
    fmt_s,
    not_applicable,
    unevaluable,
    violation_rows,
)
from protv2g.directional import is_forward_directional
from protv2g.topology import SUBSTATION
from protv2g.units import Direction
from protv2g.violations import CheckStatus

__all__ = ["check_sympathetic", "clearing_devices"]

_KEYS = ["scenario", "fault_bus", "fault_type", "case"]


def clearing_devices(ctx: CheckContext) -> pd.DataFrame:
    """The device that clears each fault: ``_KEYS`` + ``clearing_device``, ``t_clear_s``,
    ``i_clear_a``."""
    ch = ctx.chains
    sub = ch[ch.source.astype(str).str.startswith(SUBSTATION)
             & (ch.direction == Direction.FORWARD.value)][["fault_bus", "device", "order"]]
    m = sub.merge(ctx.faults[[*_KEYS, "device", "t_clear_s", "i_phase_a"]],
                  on=["fault_bus", "device"])
    m = m[np.isfinite(m.t_clear_s.to_numpy(dtype=float))]
    m = m.sort_values([*_KEYS, "order"], kind="stable").drop_duplicates(_KEYS)
    return m.rename(columns={"device": "clearing_device", "t_clear_s": "t_clear_s",
                             "i_phase_a": "i_clear_a"})[[*_KEYS, "clearing_device",
                                                         "t_clear_s", "i_clear_a"]]


def _candidates(ctx: CheckContext) -> pd.DataFrame:
    """(fault_bus, device) fed back from a V2G site, not on the substation path."""
    ch = ctx.chains
    is_sub = ch.source.astype(str).str.startswith(SUBSTATION)
    back = ch[~is_sub & (ch.direction == Direction.REVERSE.value)][["fault_bus", "device"]]
    on_sub = ch[is_sub][["fault_bus", "device"]].assign(_sub=True)
    back = back.drop_duplicates().merge(on_sub, how="left", on=["fault_bus", "device"])
    return back[back._sub.isna()][["fault_bus", "device"]]


def check_sympathetic(ctx: CheckContext) -> pd.DataFrame:
    """C6 violation rows (see the module docstring)."""
    cand = _candidates(ctx)
    if cand.empty:
        return not_applicable("C6", "no device carries current fed back by a V2G site for a "
                              "fault off the substation's path through it")
    if ctx.faults is None:
        return could_not("C6", "no fault result (engine device table)")
    rows = [unevaluable(ctx, "C6", sorted(set(cand.device)))]
    directional = {d.name for d in ctx.study.document.devices if is_forward_directional(d)}
    cand = cand[cand.device.isin(list(ctx.devices)) & ~cand.device.isin(list(directional))]
    if cand.empty:
        return concat(rows)
    f = ctx.faults
    m = cand.merge(f[[*_KEYS, "device", "fault_bus_name", "i_phase_a", "i_ground_a", "t_op_s"]],
                   on=["fault_bus", "device"])
    m = m.merge(clearing_devices(ctx), on=_KEYS)
    # a candidate behind the clearing device is de-energised by it anyway
    ch = ctx.chains
    behind = ch[ch.source.astype(str).str.startswith(SUBSTATION)
                & (ch.direction == Direction.FORWARD.value)][["device", "fault_bus"]]
    behind = behind.rename(columns={"device": "clearing_device", "fault_bus": "_bus"})
    behind["_behind"] = True
    m["_bus"] = m.device.map({n: s.bus for n, s in ctx.study.device_sites.items()})
    m = m.merge(behind, how="left", on=["clearing_device", "_bus"])
    m = m[m._behind.isna()]
    margin_s = ctx.thresholds.sympathetic_margin_s
    t = m.t_op_s.to_numpy(dtype=float)
    bad = m[np.isfinite(t) & (t <= m.t_clear_s.to_numpy(dtype=float) + margin_s)]
    if bad.empty:
        return concat(rows)
    msgs = [
        f"{r.device} trips in {fmt_s(r.t_op_s)} on {r.i_phase_a:.0f} A fed back by V2G "
        f"(3I0 {r.i_ground_a:.0f} A) for {ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)}"
        f" in the zone of {r.clearing_device} {ctx.export_text(r.scenario)}; {r.clearing_device} "
        f"clears in {fmt_s(r.t_clear_s)}" for r in bad.itertuples(index=False)]
    rows.append(violation_rows(
        "C6", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(),
        fault_bus=bad.fault_bus_name.to_numpy(), fault_type=bad.fault_type.to_numpy(),
        case=bad.case.to_numpy(), device=bad.device.to_numpy(),
        other_device=bad.clearing_device.to_numpy(), i_device_a=bad.i_phase_a.to_numpy(),
        i_other_a=bad.i_clear_a.to_numpy(), t_device_s=bad.t_op_s.to_numpy(),
        t_other_s=bad.t_clear_s.to_numpy(),
        margin=(bad.t_op_s - bad.t_clear_s - margin_s).to_numpy(), limit=margin_s,
        message=msgs))
    return concat(rows)
