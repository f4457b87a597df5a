"""Compiled trip timing of one stage of the chargers' schedule (:func:`.staging.run_stages`).

After a stage is solved at the fault positions ``cols``, every voltage trip element of every
site that injects (``on``) picks up while its condition holds (IEEE 1547-2018 §6.4.1: an
undervoltage element while the lowest applicable voltage is below its pickup, an overvoltage
element while the highest is above; :func:`.ride_through.element_picked_up`), keeps the
instant it picked up while it stays picked up (or starts timing at the stage's start, at
fault inception for the sustained stage) and resets when its condition ends; the site trips
at the earliest pickup + maximum clearing time of its elements (``docs/charger-fault-model.md``
§4). The next stage starts at the earliest trip of the position (not before the current
stage's start), and every site whose trip falls on that instant (relative tolerance 1e-12)
trips then.

The same arithmetic as the numpy expressions it replaces (one pass over ``(cols, k, E)``
instead of about twenty numpy passes over those arrays per stage; ``tests/test_staging_kernel.py``
checks it against them): comparisons and ``min`` as numpy's, NaN propagating through the
minima (a NaN clearing time makes the site's trip instant NaN, so no trip, as in numpy).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["stage_trips"]


@njit(cache=True)
def stage_trips(cols, on, v_min, v_max, trip_uv, trip_pickup, trip_clearing_s, from_zero,
                picked, t_start, tripped, trip_s, t_next):  # pragma: no cover - numba
    """Trip timing of one stage at the fault positions ``cols`` ``(c,)`` (in place).

    Parameters
    ----------
    cols : numpy.ndarray
        ``(c,)`` int64 positions (rows of the full-width state arrays).
    on : numpy.ndarray
        ``(c, k)`` bool: the site injects in this stage (not tripped; ceased sites are on:
        their elements keep timing).
    v_min, v_max : numpy.ndarray
        ``(c, k)`` applicable voltages of the stage (relative to pre-fault).
    trip_uv, trip_pickup, trip_clearing_s : numpy.ndarray
        ``(k, E)`` elements: undervoltage kind, pickup (pu; NaN: none), clearing time (s).
    from_zero : bool
        Elements newly picked up time from 0 (fault inception: the sustained stage) instead
        of the stage's start ``t_start[col]``.
    picked : numpy.ndarray
        ``(m, k, E)`` instant each element picked up (``inf``: not picked up); updated.
    t_start : numpy.ndarray
        ``(m,)`` start of the current stage; set to ``t_next`` where that is finite.
    tripped, trip_s : numpy.ndarray
        ``(m, k)`` tripped sites and their trip instants; updated with the sites tripping at
        ``t_next``.
    t_next : numpy.ndarray
        ``(c,)`` out: end of the stage (the next stage's start; ``inf``: nothing more).
    """
    n_c, k = on.shape
    n_e = trip_pickup.shape[1]
    trip_at = np.empty(k)
    for c in range(n_c):
        col = cols[c]
        origin = 0.0 if from_zero else t_start[col]
        first = np.inf
        for i in range(k):
            ta = np.inf
            for e in range(n_e):
                pu = trip_pickup[i, e]
                if on[c, i] and np.isfinite(pu):
                    cond = v_min[c, i] < pu if trip_uv[i, e] else v_max[c, i] > pu
                else:
                    cond = False
                pc = picked[col, i, e]
                ps = (pc if np.isfinite(pc) else origin) if cond else np.inf
                picked[col, i, e] = ps
                x = ps + trip_clearing_s[i, e]
                if x < ta or x != x:
                    ta = x
            if not on[c, i]:
                ta = np.inf
            trip_at[i] = ta
            if ta < first or ta != ta:
                first = ta
        tn = max(first, t_start[col]) if np.isfinite(first) else np.inf
        t_next[c] = tn
        if not np.isfinite(tn):
            continue
        bound = tn * (1 + 1e-12) + 1e-12
        for i in range(k):
            if trip_at[i] <= bound:
                tripped[col, i] = True
                trip_s[col, i] = tn
        t_start[col] = tn
