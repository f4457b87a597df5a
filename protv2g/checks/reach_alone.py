"""C5's note on a zone fault its device has no clearing time for: who clears it instead.

The coordination rules (:mod:`protv2g.checks.coordination`) judge a pair only at the faults
where the primary operates: an interval needs two times (domain.md C1, "at every fault both
see"). A primary that does not operate for a fault of its own zone is a reach failure — C5's
row, which fails below 1.5 × pickup and so at every zone fault where the device does not
operate at all. That row says what the missing pair row would have: the device does not clear
the fault, and its backup clears it alone, taking out everything it feeds (review rev37a F8,
EPRI ckt5: F-DEPOT 140K for a 20 Ω SLG fault at its own terminal, ≈ 310 A under its 372 A
maximum-melt asymptote: the head's 51G clears it alone in ≈ 26 s). Faults outside the device's
zone never reach here: C5 judges the zone's faults only (:mod:`protv2g.checks.reach_zone`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, fmt_s

__all__ = ["alone_notes"]

_KEYS = ["scenario", "fault_bus", "fault_type", "case"]
#: What a device without a clearing time for a fault is said to do (a fuse between its minimum
#: and maximum melt may melt, late: it is not sure to).
_NOT_SURE = ("is not sure to operate for it (no clearing time at this current: below its "
             "pickup or its total-clearing curve)")


def alone_notes(ctx: CheckContext, scenario: np.ndarray, device: np.ndarray,
                fault_bus: np.ndarray, fault_type: np.ndarray, case: np.ndarray
                ) -> np.ndarray:
    """``(n,)`` object: for each failing C5 row whose device does not operate for the fault (no
    finite clearing time ``t_clear_s`` in the fault table, or no row there: it sees ≈ 0 A),
    ``"; <device> is not sure to operate for it (…): <backup> clears it alone in <t> s …"``
    (the pair's backup nearest the fault, :attr:`CheckContext.pairs`, with the shortest
    clearing time), or ``"…, and nor is <backup>, the next device toward the source"`` (none
    of them has a time), or ``"…, and no device of the study is between it and the
    source"``; ``""`` for every other row.

    Parameters
    ----------
    ctx : CheckContext
        ``faults`` (``t_clear_s``, s) and ``pairs``.
    scenario, device, fault_bus, fault_type, case : numpy.ndarray
        ``(n,)`` the rows' keys; ``fault_bus`` the fault table's bus id.
    """
    n = len(device)
    out = np.full(n, "", dtype=object)
    f = ctx.faults
    if n == 0 or f is None or "t_clear_s" not in f.columns:
        return out
    rows = pd.DataFrame({"scenario": np.asarray(scenario).astype(str),
                         "fault_bus": np.asarray(fault_bus).astype(np.int64),
                         "fault_type": np.asarray(fault_type).astype(str),
                         "case": np.asarray(case).astype(str),
                         "device": np.asarray(device).astype(str), "_r": np.arange(n)})
    pairs = ctx.pairs
    backups = set() if pairs is None or pairs.empty else set(
        pairs.backup[pairs.primary.isin(set(rows.device))].astype(str))
    pick = f.device.isin(set(rows.device) | backups).to_numpy()
    times = pd.DataFrame({"scenario": f.scenario.to_numpy()[pick].astype(str),
                          "fault_bus": f.fault_bus.to_numpy()[pick].astype(np.int64),
                          "fault_type": f.fault_type.to_numpy()[pick].astype(str),
                          "case": f.case.to_numpy()[pick].astype(str),
                          "device": f.device.to_numpy()[pick].astype(str),
                          "t_s": pd.to_numeric(f.t_clear_s.to_numpy()[pick],
                                               errors="coerce").astype(float)})
    own = rows.merge(times, on=[*_KEYS, "device"], how="left")
    operates = np.zeros(n, dtype=bool)
    operates[own._r.to_numpy()[np.isfinite(own.t_s.to_numpy(float))]] = True
    dead = rows[~operates[rows._r.to_numpy()]]
    if dead.empty:
        return out
    if backups:
        p = pairs[["fault_bus", "primary", "backup"]].astype(
            {"fault_bus": np.int64, "primary": str, "backup": str})
        j = dead.merge(p, left_on=["fault_bus", "device"], right_on=["fault_bus", "primary"])
        named = j.groupby("_r").backup.agg(lambda x: " and ".join(sorted(set(x))))
        backups_of = dict(zip(named.index.tolist(), named.tolist(), strict=True))
        j = j.drop(columns=["device", "primary"]).merge(
            times.rename(columns={"device": "backup"}), on=[*_KEYS, "backup"])
        j = j[np.isfinite(j.t_s.to_numpy(float))].sort_values(["_r", "t_s"], kind="stable")
        j = j.drop_duplicates("_r")
    else:
        j = pd.DataFrame(columns=["_r", "backup", "t_s"])
        backups_of = {}
    first = dict(zip(j._r.tolist(), zip(j.backup.tolist(), j.t_s.tolist(), strict=True),
                     strict=True))
    for r, d in zip(dead._r.tolist(), dead.device.tolist(), strict=True):
        if r in first:
            b, t = first[r]
            out[r] = (f"; {d} {_NOT_SURE}: {b} clears it alone in {fmt_s(t)}, taking out "
                      f"everything behind {b} (no coordination row: no interval without a "
                      "primary time)")
        elif r in backups_of:  # a device further up may still clear it: not said here
            out[r] = (f"; {d} {_NOT_SURE}, and nor is {backups_of[r]}, the next device toward "
                      "the source")
        else:
            out[r] = f"; {d} {_NOT_SURE}, and no device of the study is between it and the source"
    return out
