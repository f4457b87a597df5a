"""C8's margins in the base cases, passing or not: what the attribution compares a V2G row
with when its base case passes (review ver34 N3).

C8 wrote failing rows only, so a V2G row whose base case passed by a hair was ``new`` whatever
V2G changed: on the IEEE 8500 at a true 30 % light load, fuse ln5985355-3 carries 12.981 A
without V2G against its 13.0 A limit (minimum melt / 1.5) and 13.008 A with the campus
exporting — a 0.027 A change, a sixth of the row's own tolerance (a metering CT's error,
``loading_change_min_percent`` × the current) — and the gate said "made worse by V2G". With
the base margins here, :func:`protv2g.checks.attribution.attribute` applies its rule for a
base that passes: ``new`` only when the base passes clear of the tolerance; a marginal base
whose change is within the tolerance is ``pre-existing``, one whose change exceeds it
``worse``.

The margin of a device in a base scenario is its limit minus the largest current of that
scenario's steps: the phase current against phase pickup / ``load_pickup_factor``, the
residual current against ground pickup / the factor (``rule`` :data:`~protv2g.checks.load.
GROUND_RULE`), as :func:`protv2g.checks.load.check_load` judges them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, ground_pickup_a, phase_pickup_a
from protv2g.checks.fuse_gg_limits import gg_load_limit_a
from protv2g.checks.load import GROUND_RULE

__all__ = ["load_margins"]

_COLUMNS = ["scenario", "criterion", "fault_bus", "fault_type", "case", "device",
            "other_device", "margin_unit", "rule", "margin"]


def _worst(f: pd.DataFrame, col: str, limit: dict[str, float], rule: str) -> pd.DataFrame:
    g = f[f.device.isin(list(limit))].copy()
    g["_x"] = pd.to_numeric(g[col], errors="coerce").abs()
    g = g[g["_x"].notna()]
    if g.empty:
        return pd.DataFrame(columns=_COLUMNS)
    w = g.loc[g.groupby(["scenario", "device"], sort=True)["_x"].idxmax()]
    lim = w.device.map(limit).to_numpy(float)
    return pd.DataFrame({"scenario": w.scenario.to_numpy(), "criterion": "C8",
                         "fault_bus": "", "fault_type": "", "case": "",
                         "device": w.device.to_numpy(), "other_device": "",
                         "margin_unit": "A", "rule": rule,
                         "margin": lim - w["_x"].to_numpy(float)})


def load_margins(ctx: CheckContext) -> pd.DataFrame:
    """C8's phase and ground margins of every device in the base cases (``ctx.base_of``'s
    values), A, keyed as its violation rows (module docstring); empty without a device
    flow table."""
    flow = ctx.flow.get("device") if ctx.flow else None
    if flow is None or not {"scenario", "device", "i_a"} <= set(flow.columns):
        return pd.DataFrame(columns=_COLUMNS)
    bases = {b for b in ctx.base_of.values() if b}
    f = flow[flow.scenario.astype(str).isin(bases).to_numpy()
             & flow.device.isin(list(ctx.devices)).to_numpy()]
    if f.empty:
        return pd.DataFrame(columns=_COLUMNS)
    fac = float(ctx.thresholds.load_pickup_factor)
    # as check_load: a gG band link's limit is its rated current (fuse_gg_limits.load_limit_a)
    phase = {n: phase_pickup_a(d) / fac if (gg := gg_load_limit_a(d)) is None else gg
             for n, d in ctx.devices.items()}
    ground = {n: float(p) / fac for n, d in ctx.devices.items()
              if (p := ground_pickup_a(d)) is not None and p > 0}
    parts = [_worst(f, "i_a", phase, "")]
    if ground and "i_residual_a" in f.columns:
        parts.append(_worst(f, "i_residual_a", ground, GROUND_RULE))
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_COLUMNS)
    return out[np.isfinite(out.margin.to_numpy(float))] if len(out) else out
