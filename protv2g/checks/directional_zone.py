"""C9's *fails to trip* rows at faults behind a step transformer without a device: graded as C5
grades the same buses (review rev31b M1).

A directional relay that never trips for a forward fault it picks up is a C9 ``fail`` when the
fault is in its zone (:mod:`protv2g.checks.directional`). Behind an in-service step
transformer on which the study has no device (an MV/MV step, a service transformer) the
transformer's own primary fuse, which the model does not hold, is the primary device: the
relay's primary zone ends at the transformer and the buses behind it are its *backup* zone,
its backup zone ends there (:mod:`protv2g.topology_reach`, IEEE Std C37.230-2020 §6.2). C5
ranks those buses so (``warn`` below its backup factor) and C1–C4 leave them out
(:mod:`protv2g.checks.beyond_transformer`). C9 uses the same rule
(:func:`~protv2g.topology_reach.reach_zones`, :func:`~protv2g.topology_reach.first_step_behind`):

* a row whose reach level drops to ``backup`` behind such a transformer is a ``warn``, said
  "in its backup zone, behind transformer X whose own fuse is not modelled";
* a row with no reach level left (behind such a transformer in the relay's backup zone, a
  second-level backup) is an ``info``: C5 does not require the relay to reach there;
* every other row keeps its status (wrong trips, and fails to trip in the relay's own zones).

EPRI ckt24 with the head relay ``directional: forward``: all 308 C9 ``fail`` rows were faults
on 13.2 kV / 7.62 kV buses behind 34.5 kV 1-phase step transformers, worded "in its zone", while
C5 called the same buses the head's backup zone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, step_paths_of
from protv2g.directional import Verdict
from protv2g.topology_reach import (
    BACKUP,
    PRIMARY,
    first_step_behind,
    reach_zones,
    transformer_names,
)
from protv2g.violations import CheckStatus

__all__ = ["step_zone_grades"]


def _topology_zone(ctx: CheckContext, devices: np.ndarray, buses: np.ndarray) -> np.ndarray:
    """``(n,)`` object: each (device, bus)'s topology zone (``ctx.zones``; primary first where
    both), ``"primary"`` where the table has none (a fault C9 judged in the zone)."""
    z = ctx.zones
    if z is None or z.empty:
        return np.full(len(devices), PRIMARY, dtype=object)
    z = z.assign(_r=(z.zone.astype(str) != PRIMARY).astype(int)).sort_values(
        "_r", kind="stable").drop_duplicates(["device", "bus"])
    key = pd.MultiIndex.from_arrays([z.device.astype(str), z.bus.astype(np.int64)])
    zone = pd.Series(z.zone.astype(str).to_numpy(), index=key)
    got = zone.reindex(pd.MultiIndex.from_arrays([devices.astype(str), buses]))
    return got.fillna(PRIMARY).to_numpy(dtype=object)


def step_zone_grades(ctx: CheckContext, rows: pd.DataFrame
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The status and zone words of C9 rows (module docstring).

    Parameters
    ----------
    ctx : CheckContext
        The study (``feeder``, ``device_sites``) and its topology zones.
    rows : DataFrame
        Directional-table rows whose decision matters (``device``, ``fault_bus`` bus id,
        ``verdict``).

    Returns
    -------
    (status, zone_text) : numpy.ndarray
        ``(n,)`` object each: ``fail``/``warn``/``info``, and the words that follow the fault
        in a *fails to trip* message (``"in its zone"`` where the rule changes nothing).
    """
    n = len(rows)
    status = np.full(n, CheckStatus.FAIL.value, dtype=object)
    words = np.full(n, "in its zone", dtype=object)
    fails = np.flatnonzero((rows.verdict == Verdict.FAILS_TO_TRIP.value).to_numpy())
    if not len(fails):
        return status, words
    sub = rows.iloc[fails]
    devices = sub.device.astype(str).to_numpy()
    buses = sub.fault_bus.astype(np.int64).to_numpy()
    feeder, sites = ctx.study.feeder, ctx.study.device_sites
    steps = step_paths_of(ctx)
    element = first_step_behind(feeder, sites, devices, buses, steps)
    level, _ = reach_zones(feeder, sites, devices, buses, _topology_zone(ctx, devices, buses),
                           steps)
    names = transformer_names(feeder, element)
    for k, (e, lv, t) in enumerate(zip(element.tolist(), level.tolist(), names.tolist(),
                                       strict=True)):
        if e < 0:
            continue
        at = fails[k]
        # an OpenDSS element's name says its class (review ver31: "transformer transformer.")
        t = t if str(t).lower().startswith("transformer.") else f"transformer {t}"
        if lv == BACKUP:
            status[at] = CheckStatus.WARN.value
            words[at] = (f"in its backup zone, behind {t} whose own fuse is not "
                         "modelled (C5 ranks it so; C1–C4 leave it out)")
        elif lv == "":
            status[at] = CheckStatus.INFO.value
            words[at] = (f"beyond its backup zone, behind {t} whose own fuse is "
                         "not modelled (no reach requirement of the relay, as C5 leaves it "
                         "out)")
    return status, words
