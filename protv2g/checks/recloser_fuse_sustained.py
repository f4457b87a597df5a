"""The chargers' sustained-stage current a C2 "fuse saving not possible" row quotes.

The row's current (``i_backup_a``) is the first cycle's: the chargers at their first-cycle
limit (1.5 pu by default) for one cycle. A recloser that does not see the fault then may see
more, or less, once they are at their sustained stage (review rev32b M3: EPRI DG feeder, "a
sees 133 A" at 1.5 pu; 161 A sustained, which only the Charger stages sheet gave). The stage's
currents are the pipeline's (:class:`~protv2g.engine.staged_tables.StagedCurrents`, both
brackets of the sustained limit as :mod:`protv2g.checks.reach_stage` reads them), looked up
once for the failing rows (:func:`prime_sustained`) and read by the message
(:func:`sustained_amps`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks._keys import FAULT_KEY_COLUMNS, keys_of
from protv2g.checks.reach_stage import SUSTAINED

__all__ = ["SUSTAINED_AMPS", "prime_sustained", "sustained_amps"]


#: ``ctx.cache`` key of the sustained-stage currents the "not seen" rows quote:
#: ``(scenario, fault_bus, fault_type, case, backup) → ((phase low, high), (3I0 low, high))``
#: (A; low/high: the brackets of the chargers' sustained limit), filled by
#: :func:`prime_sustained`.
SUSTAINED_AMPS = "C2 sustained currents"


def prime_sustained(ctx: CheckContext, bad: pd.DataFrame) -> None:
    """The recloser's current in the chargers' sustained stage on each row of ``bad`` (C2's
    failing "fault not seen by recloser" rows of the coordination table), both brackets of
    the sustained limit (``ctx.staged``, ``ctx.staged_high``, as
    :mod:`protv2g.checks.reach_stage` reads them), into ``ctx.cache``
    (:data:`SUSTAINED_AMPS`), by key. A row whose sustained stage is the first cycle's (no
    charger contribution, a one-stage fault) gets none."""
    if bad is None or bad.empty:
        return
    k = keys_of(ctx)
    stages = [st for st in (getattr(ctx, "staged", None), getattr(ctx, "staged_high", None))
              if st is not None and SUSTAINED in st.stage_names]
    if k is None or not stages:
        return
    keys = [bad[c].to_numpy() for c in FAULT_KEY_COLUMNS]
    # the coordination rows name their fault bus; the fault table keys it by index
    # (a name two buses share names neither: no current is quoted rather than another bus's)
    index_of: dict[str, int] = {}
    for b in k.levels[1].tolist():
        name = ctx.bus_name(b)
        index_of[name] = -1 if name in index_of else b
    buses = np.array([index_of.get(b, -1) for b in keys[1].tolist()], dtype=np.int64)
    at = k.rows_of(k.fault_codes([keys[0], buses, *keys[2:]]),
                   k.device_codes(bad.backup.to_numpy()))
    rows = np.maximum(at, 0)
    per = []
    for st in (stages[0], *stages):  # the first cycle (stage 0), then each bracket's stage
        s = st.stage_i_a[0 if not per else st.stage_names.index(SUSTAINED), st.stage_rows(rows)]
        per.append(np.stack([s[:, :3].max(axis=1), s[:, 3]], 1).astype(float))  # (n, 2)
    first, lo, hi = per[0], np.minimum.reduce(per[1:]), np.maximum.reduce(per[1:])
    # no stage changes what the recloser sees (a base case): the first cycle is all there is
    moved = (at >= 0) & (np.maximum(np.abs(hi - first), np.abs(lo - first)).max(axis=1) >= 0.5)
    out = ctx.cache.setdefault(SUSTAINED_AMPS, {})
    names = bad.backup.to_numpy()
    for j in np.flatnonzero(moved):
        out[(*(x[j] for x in keys), names[j])] = ((lo[j, 0], hi[j, 0]), (lo[j, 1], hi[j, 1]))


def sustained_amps(ctx: CheckContext, r: object
                   ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """``((phase low, high), (3I0 low, high))`` A of a coordination row's recloser
    (``r.backup``) in the sustained stage (:func:`prime_sustained`); None where the stage
    changes nothing or was not looked up."""
    return (getattr(ctx, "cache", None) or {}).get(SUSTAINED_AMPS, {}).get(
        (r.scenario, r.fault_bus, r.fault_type, r.case, r.backup))
