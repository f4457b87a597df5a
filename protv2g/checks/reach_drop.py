"""C5's reduction of reach (:mod:`protv2g.checks.sensitivity`): where V2G lowers a
primary-zone device's current by more than ``v2g_change_fraction`` against its base case's
(minimum case), a ``warn`` row even when the device still picks up (IEEE Std 1547.2-2023 §8,
"blinding" by DER infeed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    violation_rows,
)
from protv2g.checks._rows import factorize_all, key_codes
from protv2g.checks.equipment_rows import drop_idle, has_idle, mark_rows
from protv2g.checks.ground_limited import GROUND_LIMITED
from protv2g.checks.reach_ground_limited import by_design_rows, limited_reach
from protv2g.checks.reach_text import (
    transformer_note,
    transformers_below,
)
from protv2g.checks.reach_zone_rows import _join_positions
from protv2g.criteria import MarginUnit
from protv2g.violations import CheckStatus

__all__: list[str] = []


def _reach_drop(ctx: CheckContext, m: pd.DataFrame) -> pd.DataFrame:
    """Warn rows where V2G lowers a primary device's current by more than the fraction."""
    prim = np.flatnonzero(m.zone.to_numpy() == "primary")
    j = _base_pairs(ctx, m, prim)
    if j is None:
        return concat([])
    # the pairs' columns only, never every zone-row column (#21: the join on five object
    # keys copied the 161,000 V2G rows' columns at 10,000 buses for 636 warn rows)
    at, base_at = prim[j[0]], prim[j[1]]
    i_op = m.i_op_a.to_numpy()[at]
    i_base = m.i_op_a.to_numpy()[base_at]
    pickup = m.pickup_a.to_numpy()[at]
    frac = ctx.thresholds.v2g_change_fraction
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = 1.0 - i_op / i_base
    keep = np.flatnonzero((drop > frac + 1e-12) & (i_base >= pickup))
    rows, drop, i_op, i_base = at[keep], drop[keep], i_op[keep], i_base[keep]
    scenario, device, bus, fault_type, case, t_op = (
        m[c].to_numpy()[rows] for c in ("scenario", "device", "fault_bus_name", "fault_type",
                                        "case", "t_op_s"))
    msgs = [
        f"reach of {d} reduced: {i:.0f} A instead of {i0:.0f} A without V2G (−{x:.0%}) for "
        f"{ctx.fault_text(b, t, c)} {ctx.export_text(sc)}"
        + (transformer_note(ctx, sc, transformers_below(ctx, d))
           if str(t).startswith(("SLG", "LLG")) else "")
        for d, i, i0, x, b, t, c, sc in zip(
            device.tolist(), i_op.tolist(), i_base.tolist(), drop.tolist(), bus.tolist(),
            fault_type.tolist(), case.tolist(), scenario.tolist(), strict=True)]
    # a fuse's drop at a ground fault the grounding limits, its relay's 51G reaching it with
    # and without V2G: who clears does not change (.reach_ground_limited)
    limited, by_design = limited_reach(ctx, m, rows)
    out = violation_rows(
        "C5", np.where(limited, CheckStatus.INFO.value, CheckStatus.WARN.value)
        if limited.any() else CheckStatus.WARN,
        frame=pd.DataFrame(index=pd.RangeIndex(len(rows))),
        mechanism=np.where(limited, GROUND_LIMITED, "") if limited.any() else "",
        margin_unit=MarginUnit.FRACTION, scenario=scenario, fault_bus=bus,
        fault_type=fault_type, case=case, device=device, other_device="", i_device_a=i_op,
        i_other_a=i_base, t_device_s=t_op, margin=frac - drop, limit=frac, message=msgs)
    if len(rows) and has_idle(ctx):  # the drop with every charger idle already: the
        # project's equipment's (review rev36b M1)
        mark_rows(out, *drop_idle(ctx, pd.DataFrame({
            "scenario": scenario, "device": device, "fault_bus": m.fault_bus.to_numpy()[rows],
            "fault_type": fault_type, "case": case, "element": m.element.to_numpy()[rows],
            "stage": m.stage.to_numpy()[rows]}), i_base, frac))
    if limited.any():
        by_design_rows(out, limited, by_design)
    return out


def _base_pairs(ctx: CheckContext, m: pd.DataFrame, prim: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray] | None:
    """The primary-zone rows ``m.iloc[prim]`` of a V2G scenario each with the row of the same
    device, fault bus, fault type and case in its base scenario (``ctx.base_of``): ``(v2g,
    base)`` positions in ``prim``, in the order of ``v2g.merge(base, on=[device, fault_bus,
    fault_type, case, base])`` (the V2G rows' order, each one's base rows in theirs);
    ``None`` without any such pair. The join on one integer per row — the key columns
    coded (:func:`~protv2g.checks._rows.key_codes`, equal values equal codes, NaN equal to
    NaN as ``merge``), a row's scenario for a base row, its base's for a V2G row (#21: the
    merge on five object columns, a scenario's base found row by row by ``Series.map``)."""
    if not len(prim):
        return None
    scen, names = factorize_all(m.scenario.to_numpy()[prim])
    names = list(names)
    code = {n: k for k, n in enumerate(names)}
    base = [ctx.base_of.get(n) for n in names]
    # a base row: its scenario is its own base; a V2G row: another base, not "" (none), one
    # with rows here (a base without rows pairs with nothing)
    is_base = np.array([b is not None and b == n for b, n in zip(base, names, strict=True)],
                       dtype=bool)
    target = np.array([code.get(b, -1) if b is not None and b != "" and b != n else -1
                       for b, n in zip(base, names, strict=True)], dtype=np.int64)
    side = np.where(is_base[scen], scen, target[scen])
    key = key_codes([m[c].to_numpy()[prim] for c in ("device", "fault_bus", "fault_type",
                                                       "case")] + [side])
    v2g = np.flatnonzero(target[scen] >= 0)
    base_rows = np.flatnonzero(is_base[scen])
    # the merge's pairs on the keys' integer codes (:func:`_join_positions`: a base row's
    # key once, looked up for every V2G row, #21)
    i, r = _join_positions(key[v2g], key[base_rows])
    if not len(i):
        return None
    return v2g[i], base_rows[r]
