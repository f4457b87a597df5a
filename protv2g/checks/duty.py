"""C7 element fault current (interrupting duty).

For every device, scenario and case, the largest phase current it carries for any fault must not
exceed its interrupting rating × ``duty_margin`` (default 1.0): ``fail``. A V2G-caused increase
of that largest current by more than ``v2g_change_fraction`` (default 10 %) over the base case
is a ``warn`` row even within the rating. A device without an interrupting rating cannot be
checked: a could-not-evaluate row.

References
----------
IEEE Std C37.04 / C37.60 (breaker and recloser interrupting ratings); IEEE Std C37.41 (fuse
interrupting ratings); IEEE Std 1547.2-2023 §8.2 (DER contribution to fault duty).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    could_not,
    not_applicable,
    unevaluable,
    violation_rows,
)
from protv2g.criteria import MarginUnit
from protv2g.violations import CheckStatus

__all__ = ["check_duty", "device_duty_table"]


def check_duty(ctx: CheckContext) -> pd.DataFrame:
    """C7 violation rows (see the module docstring)."""
    names = [d.name for d in ctx.study.document.devices]
    if not names:
        return not_applicable("C7", "no protective device in this study")
    if ctx.faults is None:
        return could_not("C7", "no fault result (engine device table)")
    rows = [unevaluable(ctx, "C7", names)]
    rating = {}
    for d in ctx.study.document.devices:
        if d.interrupting_rating_ka is None:
            rows.append(could_not("C7", f"device {d.name} has no interrupting_rating_ka",
                                  device=d.name))
        else:
            rating[d.name] = 1000.0 * d.interrupting_rating_ka
    f = ctx.faults[ctx.faults.device.isin(list(rating))]
    if f.empty:
        return concat(rows)
    worst = f.loc[f.groupby(["scenario", "device", "case"]).i_phase_a.idxmax()]
    lim = worst.device.map(rating).to_numpy(float) * ctx.thresholds.duty_margin
    bad = worst[worst.i_phase_a.to_numpy() > lim + 1e-9]
    lim_bad = lim[worst.i_phase_a.to_numpy() > lim + 1e-9]
    if len(bad):
        msgs = [f"{r.device} must interrupt {r.i_phase_a / 1000:.2f} kA for "
                f"{ctx.fault_text(r.fault_bus_name, r.fault_type, r.case)} "
                f"{ctx.export_text(r.scenario)}, above its rating of {lm / 1000:.2f} kA"
                for r, lm in zip(bad.itertuples(index=False), lim_bad, strict=True)]
        rows.append(violation_rows(
            "C7", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(),
            fault_bus=bad.fault_bus_name.to_numpy(), fault_type=bad.fault_type.to_numpy(),
            case=bad.case.to_numpy(), device=bad.device.to_numpy(),
            i_device_a=bad.i_phase_a.to_numpy(), i_other_a=lim_bad,
            margin=(lim_bad - bad.i_phase_a.to_numpy()) / 1000.0, limit=lim_bad / 1000.0,
            message=msgs))
    # V2G increase against the base case
    w = worst.assign(base=worst.scenario.map(ctx.base_of))
    base = w[w.scenario == w.base][["device", "case", "base", "i_phase_a"]].rename(
        columns={"i_phase_a": "i_base_a"})
    j = w[(w.scenario != w.base) & (w.base != "")].merge(base, on=["device", "case", "base"])
    frac = ctx.thresholds.v2g_change_fraction
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = j.i_phase_a / j.i_base_a - 1.0
    up = j[rise > frac + 1e-12]
    rise = rise[up.index]
    if len(up):
        msgs = [f"V2G raises the largest fault current through {r.device} by {x:.0%} to "
                f"{r.i_phase_a / 1000:.2f} kA (from {r.i_base_a / 1000:.2f} kA) "
                f"{ctx.export_text(r.scenario)}" for r, x in zip(up.itertuples(index=False),
                                                                  rise, strict=True)]
        rows.append(violation_rows(
            "C7", CheckStatus.WARN, frame=up, margin_unit=MarginUnit.FRACTION,
            scenario=up.scenario.to_numpy(),
            fault_bus=up.fault_bus_name.to_numpy(), fault_type=up.fault_type.to_numpy(),
            case=up.case.to_numpy(), device=up.device.to_numpy(),
            i_device_a=up.i_phase_a.to_numpy(), i_other_a=up.i_base_a.to_numpy(),
            margin=(frac - rise).to_numpy(), limit=frac, message=msgs))
    return concat(rows)


def device_duty_table(study: Any, device_faults: pd.DataFrame, base_scenarios: set[str]
                      ) -> pd.DataFrame:
    """The Device duty sheet: per device and case, the largest fault current it must
    interrupt (any scenario) against its interrupting rating, and the V2G increase.

    Parameters
    ----------
    study : Study
    device_faults : DataFrame
        The engine's device table (``ia_ka``, ``ib_ka``, ``ic_ka`` …).
    base_scenarios : set of str
        Names of the base-case (no V2G) scenarios.

    Returns
    -------
    DataFrame
        device, kind, scenario, fault_bus, fault_type, case, i_max_ka, interrupting_rating_ka,
        duty_percent, i_base_ka, increase_percent, severity (``fail`` above the rating ×
        ``duty_margin``, ``warn`` for a V2G increase above ``v2g_change_fraction``, else
        ``ok``; ``not rated`` without a rating).
    """
    columns = ["device", "kind", "scenario", "fault_bus", "fault_type", "case", "i_max_ka",
               "interrupting_rating_ka", "duty_percent", "i_base_ka", "increase_percent",
               "severity"]
    if device_faults.empty:
        return pd.DataFrame(columns=columns)
    f = device_faults.assign(i_max_ka=device_faults[["ia_ka", "ib_ka", "ic_ka"]].max(axis=1))
    worst = f.loc[f.groupby(["device", "case"]).i_max_ka.idxmax()]
    base = f[f.scenario.isin(base_scenarios)].groupby(["device", "case"]).i_max_ka.max()
    checks = study.document.checks
    devices = {d.name: d for d in study.document.devices}
    rows = []
    for r in worst.itertuples(index=False):
        d = devices[r.device]
        rating = d.interrupting_rating_ka
        i_base = float(base.get((r.device, r.case), np.nan))
        increase = 100.0 * (r.i_max_ka / i_base - 1.0) if i_base > 0 else np.nan
        if rating is None:
            severity = "not rated"
        elif r.i_max_ka > rating * checks.duty_margin + 1e-12:
            severity = "fail"
        elif increase > 100.0 * checks.v2g_change_fraction:
            severity = "warn"
        else:
            severity = "ok"
        rows.append({
            "device": r.device, "kind": d.kind.value, "scenario": r.scenario,
            "fault_bus": r.fault_bus_name, "fault_type": r.fault_type, "case": r.case,
            "i_max_ka": r.i_max_ka, "interrupting_rating_ka": rating,
            "duty_percent": 100.0 * r.i_max_ka / rating if rating else np.nan,
            "i_base_ka": i_base, "increase_percent": increase, "severity": severity})
    return pd.DataFrame(rows, columns=columns)
