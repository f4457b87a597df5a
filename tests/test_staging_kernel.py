"""The compiled trip timing of a stage (:func:`protv2g.engine.stage_kernel.stage_trips`) equals
the numpy expressions of the schedule (:func:`protv2g.engine.staging.run_stages` before it was
compiled, written out below with :func:`~protv2g.engine.ride_through.element_picked_up`):
bit for bit (the same comparisons, minima and one addition per element), on random stages
with absent elements (NaN pickup), NaN voltages (unconverged positions), sites off, elements
already picked up, ties of trip instants and NaN / infinite clearing times."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from protv2g.engine.ride_through import element_picked_up
from protv2g.engine.stage_kernel import stage_trips


def _numpy_stage(cols, on, v_min, v_max, uv, pickup, clearing, from_zero, picked, t_start,
                 tripped, trip_s):
    """The former numpy code of one stage (in place, as the kernel), returns ``t_next``."""
    cond = element_picked_up(v_min.T, v_max.T, uv, pickup)
    cond = cond.transpose(2, 0, 1) & on[:, :, None]
    origin = 0.0 if from_zero else t_start[cols][:, None, None]
    pc = picked[cols]
    ps = np.where(cond, np.where(np.isfinite(pc), pc, origin), np.inf)
    picked[cols] = ps
    trip_at = (ps + clearing[None]).min(axis=2, initial=np.inf)
    trip_at = np.where(on, trip_at, np.inf)
    first = trip_at.min(axis=1, initial=np.inf)
    t_next = np.where(np.isfinite(first), np.maximum(first, t_start[cols]), np.inf)
    now = np.isfinite(t_next)[:, None] & (trip_at <= t_next[:, None] * (1 + 1e-12) + 1e-12)
    tripped[cols] |= now
    trip_s[cols] = np.where(now, t_next[:, None], trip_s[cols])
    keep = np.isfinite(t_next)
    t_start[cols[keep]] = t_next[keep]
    return t_next


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(0, 5), st.booleans(),
       st.booleans())
def test_stage_trips_equals_the_numpy_schedule(seed, k, n_e, from_zero, odd_clearing):
    rng = np.random.default_rng(seed)
    m = 40
    cols = np.sort(rng.choice(m, 25, replace=False)).astype(np.int64)
    c = len(cols)
    on = rng.random((c, k)) < 0.8
    v_min = rng.uniform(0.0, 1.2, (c, k))
    v_max = v_min + rng.uniform(0.0, 0.3, (c, k))
    v_min[rng.random((c, k)) < 0.05] = np.nan
    uv = rng.random((k, n_e)) < 0.5
    pickup = rng.choice([0.45, 0.5, 0.7, 0.88, 1.1, 1.2, np.nan], (k, n_e))
    clearing = rng.choice([0.16, 2.0, 10.0, 0.16 + 1e-14], (k, n_e))
    if odd_clearing and n_e:
        clearing[rng.random((k, n_e)) < 0.2] = np.inf
        clearing[rng.random((k, n_e)) < 0.1] = np.nan
    picked = np.where(rng.random((m, k, n_e)) < 0.3, rng.choice([0.0, 0.16, 2.0], (m, k, n_e)),
                      np.inf)
    t_start = rng.choice([1 / 60, 0.16, 2.0], m)
    tripped = rng.random((m, k)) < 0.1
    trip_s = np.where(tripped, 0.16, np.inf)
    want = [x.copy() for x in (picked, t_start, tripped, trip_s)]
    t_want = _numpy_stage(cols, on, v_min, v_max, uv, pickup, clearing, from_zero, *want)
    got = [x.copy() for x in (picked, t_start, tripped, trip_s)]
    t_got = np.empty(c)
    stage_trips(cols, on, v_min, v_max, uv, pickup, clearing, from_zero, *got, t_got)
    np.testing.assert_array_equal(t_got, t_want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
