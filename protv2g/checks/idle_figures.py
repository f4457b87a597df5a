"""Each C5/C6 row's device current and times with **every charger idle** and the project's
equipment in (:mod:`protv2g.checks.equipment_rows`' idle judgements; split from it, which
re-exports :func:`has_idle` and :func:`idle_times`): the idle phasors the fault engine solves
for the parts that build a site's equipment (:data:`~protv2g.checks.converter_sum.NET_COLUMNS`
where the base case has no twin, :data:`~protv2g.checks.equipment.IDLE_COLUMNS` where it has
one) timed as the checks time the rows themselves — a forward-directional relay on the
elements its directional control releases there
(:func:`~protv2g.checks.directional_release.idle_release`, review fix41d).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._times import device_times
from protv2g.checks.converter_sum import (
    IDLE_COLUMNS,
    IDLE_SUSTAINED_COLUMNS,
    IDLE_VOLTAGE_COLUMNS,
    NET_COLUMNS,
    phasors_ka,
)
from protv2g.checks.directional_release import (
    RELEASED_COLUMN,
    RELEASED_CURRENT_COLUMNS,
    idle_release,
)
from protv2g.checks.reach_stage import SUSTAINED
from protv2g.directional.decide import ALL_RELEASED

__all__ = ["has_idle", "idle_times"]

_KEY = ("scenario", "device", "fault_bus", "fault_type", "case")


def has_idle(ctx: Any) -> bool:
    """Whether the checks' fault table holds idle figures (module docstring)."""
    f = getattr(ctx, "faults", None)
    return f is not None and (set(NET_COLUMNS) <= set(f.columns)
                              or set(IDLE_COLUMNS) <= set(f.columns))


def idle_times(ctx: Any, rows: pd.DataFrame) -> pd.DataFrame | None:
    """Each of ``rows`` (``scenario``, ``device``, ``fault_bus``, ``fault_type``, ``case``)
    with its device's current and times with every charger idle (module docstring):
    ``i_phase_a``, ``i_ground_a`` (3I0) in A, ``t_op_s``, ``t_clear_s`` in s
    (:func:`~protv2g.checks._times.device_times`); NaN where the fault table holds no idle
    figure for the row (a base-case row, a part without a site's equipment). ``None`` on a
    study without idle figures. A row with ``stage`` :data:`~protv2g.checks.reach_stage.
    SUSTAINED` (C5's time-delayed elements) whose idle figure is of the existing inverters'
    in end gets that figure's sustained stage as its currents
    (:data:`~protv2g.checks.converter_sum.IDLE_SUSTAINED_COLUMNS`), as C5 reads the row
    itself; the times stay the first cycle's. A forward-directional relay's figure is of
    the elements its directional control releases with every charger idle (C9's decision
    on the idle phasors, :func:`~protv2g.checks.directional_release.idle_release`): the
    currents those see (the largest released phase, ``|3I0|`` where 51G is released, else
    0) and their times — as C5 and C1–C4 take the row itself (review fix41d, "Idle-twin
    times"); such a row keeps its first cycle (its sustained figure is of every
    element)."""
    f = getattr(ctx, "faults", None)
    if f is None or not len(rows):
        return None
    have_net = set(NET_COLUMNS) <= set(f.columns)
    have_idle = set(IDLE_COLUMNS) <= set(f.columns)
    if not (have_net or have_idle):
        return None
    net = f["ia_net_ka"].to_numpy(float) if have_net else np.full(len(f), np.nan)
    idle = f["ia_idle_ka"].to_numpy(float) if have_idle else np.full(len(f), np.nan)
    at = np.flatnonzero(np.isfinite(net) | np.isfinite(idle))
    if not len(at):
        return None
    index = pd.MultiIndex.from_arrays([f[k].astype(str).to_numpy()[at] for k in _KEY])
    first = ~index.duplicated()
    index, at = index[first], at[first]
    pos = index.get_indexer(pd.MultiIndex.from_arrays(
        [rows[k].astype(str).to_numpy() for k in _KEY]))
    hit = np.flatnonzero(pos >= 0)
    out = pd.DataFrame({c: np.full(len(rows), np.nan) for c in (
        "i_phase_a", "i_ground_a", "t_op_s", "t_clear_s")})
    if not len(hit):
        return out
    src = at[pos[hit]]
    use_net = np.isfinite(net[src])
    cols = ["scenario", "device", "fault_bus", "fault_type", "case", "fault_bus_name",
            *(c for c in ("fault_kind", "phase") if c in f.columns)]
    tab: dict[str, Any] = {c: f[c].to_numpy()[src] for c in cols}
    total = np.zeros(len(src), dtype=complex)
    volts = set(IDLE_VOLTAGE_COLUMNS) <= set(f.columns)  # a directional relay's polarisation
    for p in "abc":
        parts = []
        for u in ("ka", "degree"):
            a = f[f"i{p}_net_{u}"].to_numpy(float)[src] if have_net else np.full(len(src), 0.0)
            b = f[f"i{p}_idle_{u}"].to_numpy(float)[src] if have_idle else np.full(len(src), 0.0)
            parts.append(np.nan_to_num(np.where(use_net, a, b)))
        tab[f"i{p}_ka"] = parts[0]
        total += phasors_ka(parts[0], parts[1])
        if volts:
            tab[f"i{p}_degree"] = parts[1]
            for u in ("pu", "degree"):
                tab[f"v{p}_{u}"] = np.nan_to_num(f[f"v{p}_idle_{u}"].to_numpy(float)[src])
    tab["i3i0_ka"] = np.abs(total)
    # a forward-directional relay: the elements its control releases idle (fix41d), and
    # the currents those see (RELEASED_CURRENT_COLUMNS) as the row's
    t = device_times(ctx.devices, idle_release(ctx, pd.DataFrame(tab)))
    seen = dict(zip(("i_phase_a", "i_ground_a"), RELEASED_CURRENT_COLUMNS, strict=True))
    held = (t[RELEASED_COLUMN].to_numpy() != ALL_RELEASED if RELEASED_COLUMN in t.columns
            else np.zeros(len(t), dtype=bool))
    for c in out.columns:
        out.loc[hit, c] = t[seen.get(c, c) if held.any() else c].to_numpy(float)
    if "stage" in rows.columns and set(IDLE_SUSTAINED_COLUMNS) <= set(f.columns):
        # (not on a row whose directional control holds an element back: its sustained
        # figure is of every element; the first cycle's released currents stand)
        sus = (rows["stage"].to_numpy(dtype=object)[hit] == SUSTAINED) & ~held
        for c, col in zip(("i_phase_a", "i_ground_a"), IDLE_SUSTAINED_COLUMNS, strict=True):
            got = f[col].to_numpy(float)[src]
            take = sus & np.isfinite(got)
            out.loc[hit[take], c] = got[take]
    return out
