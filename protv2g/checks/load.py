"""C8 load pickup margin: the largest load current in either direction stays below pickup / k.

From the power-flow device table (``scenario, step, device, i_a, …``): for every device and
scenario the largest ``|i_a|`` over all steps (export peaks flow back through the feeder head,
charging peaks add to the load) must stay below ``pickup / load_pickup_factor`` (default 1.5).
A fuse's "pickup" is its minimum-melt current. Without a flow result the check cannot be
evaluated (a failing row).

Each row says which peak it is (``mechanism``: :data:`IMPORT_PEAK` where the device imports
at its worst step, :data:`EXPORT_PEAK` where it exports) and, from the flow's site table when
there is one, the V2G sites' charging at that step (``p_charging_kw``), with the step's
time and load (``time_h``, ``load_fraction``, for the 96-step day): a charging peak is then
reported against the charging that causes it (:mod:`protv2g.findings`).

References
----------
IEEE Std C37.230-2020 §6.1 (pickup above maximum load with margin, cold-load pickup).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    could_not,
    not_applicable,
    phase_pickup_a,
    violation_rows,
)
from protv2g.violations import CheckStatus

__all__ = ["check_load", "IMPORT_PEAK", "EXPORT_PEAK"]

#: ``mechanism`` of a C8 row: the largest current is load (import) or export (reverse flow).
IMPORT_PEAK = "import peak: load and charging"
EXPORT_PEAK = "export peak: reverse flow"


def _charging_kw(ctx: CheckContext, bad: pd.DataFrame) -> np.ndarray:
    """Charging (kW, ≥ 0) of all V2G sites at each row's scenario and step (``p_kw < 0`` of
    the flow's site table; nan without it)."""
    sites = ctx.flow.get("sites")
    if sites is None or sites.empty or not {"scenario", "step", "p_kw"} <= set(
            sites.columns) or "step" not in bad.columns:
        return np.full(len(bad), np.nan)
    p = pd.to_numeric(sites["p_kw"], errors="coerce")
    by = sites.assign(charging=(-p).clip(lower=0.0)).groupby(["scenario", "step"])[
        "charging"].sum()
    return by.reindex(pd.MultiIndex.from_arrays([bad["scenario"], bad["step"]])).to_numpy(
        float)


def check_load(ctx: CheckContext) -> pd.DataFrame:
    """C8 violation rows (see the module docstring)."""
    if not ctx.study.document.devices:
        return not_applicable("C8", "no protective device in this study")
    flow = ctx.flow.get("device")
    if flow is None or not {"scenario", "device", "i_a"} <= set(flow.columns):
        return could_not("C8", "no power-flow result with device load currents "
                         "(scenario, device, i_a)")
    rows = []
    fac = ctx.thresholds.load_pickup_factor
    for name in ctx.build_errors:
        rows.append(could_not("C8", f"device {name} could not be built "
                              f"({ctx.build_errors[name]})", device=name))
    f = flow[flow.device.isin(list(ctx.devices))].copy()
    missing = sorted(set(ctx.devices) - set(f.device))
    rows += [could_not("C8", f"no power-flow result for device {n}", device=n) for n in missing]
    if f.empty:
        return concat(rows)
    f["i_abs_a"] = f.i_a.abs()
    worst = f.loc[f.groupby(["scenario", "device"]).i_abs_a.idxmax()]
    lim = worst.device.map({n: phase_pickup_a(d) / fac for n, d in ctx.devices.items()})
    lim = lim.to_numpy(float)
    i = worst.i_abs_a.to_numpy(float)
    bad_mask = i >= lim
    bad, lim_bad = worst[bad_mask], lim[bad_mask]
    if bad.empty:
        return concat(rows)
    step = bad.step.to_numpy() if "step" in bad else np.full(len(bad), "")
    p = bad.p_mw.to_numpy(float) if "p_mw" in bad else np.full(len(bad), np.nan)
    msgs = [f"{r.device} carries {r.i_abs_a:.0f} A of load ({'export' if pm < 0 else 'import'} "
            f"{abs(pm):.2f} MW, step {st}) {ctx.export_text(r.scenario)}: above pickup / "
            f"{fac:g} = {lm:.0f} A" for r, lm, st, pm in
            zip(bad.itertuples(index=False), lim_bad, step, p, strict=True)]
    extra = {c: bad[c].to_numpy(float) for c in ("time_h", "load_fraction") if c in bad}
    rows.append(violation_rows(
        "C8", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(),
        device=bad.device.to_numpy(), i_device_a=bad.i_abs_a.to_numpy(), i_other_a=lim_bad,
        margin=lim_bad - bad.i_abs_a.to_numpy(), limit=lim_bad, message=msgs,
        mechanism=np.where(p < 0, EXPORT_PEAK, IMPORT_PEAK),
        p_charging_kw=_charging_kw(ctx, bad), **extra))
    return concat(rows)
