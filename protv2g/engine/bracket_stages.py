"""The chargers' high bracket solved only where the sustained limit binds (#21).

The two brackets of a scenario (``iter_fault_study(high_scenarios=...)``) are the same sites
with another sustained limit: the same first cycle (taken from the low bracket,
:func:`~protv2g.engine.chargers.same_first_cycle`), then the stages after it
(:func:`~protv2g.engine.staging.solve_stages`) with ``i_sus`` low or high. At a fault bus
where no law evaluation of any of the low bracket's later solves read a site's limit
(:attr:`~protv2g.engine.staging.StagedChargers.limit_bound` False) the high bracket's
stages are the low bracket's, bit for bit, when every high limit equals the low one or is at
least it with the low one above 0 (:func:`reusable`). By induction over the solves of that
fault bus, in their order:

* each solve starts from the same currents (the shared first cycle, then the previous
  stage's or the same cessation re-solve's) with the same limit pattern (the on, ceased and
  tripped sites being the same so far), so the same columns are off, anchorless or tried
  (:func:`~protv2g.engine.newton.solve_columns`);
* the compiled kernel's every step at a column is a function of that column's inputs alone,
  and every law value it read there is the uncapped law's, the same with the larger limit
  (:func:`~protv2g.engine.site_law_kernel._law`: the cap tests are monotonic in the limit);
  a column not solved at the kernel's first attempt counts as bound;
* so the currents, voltages, residuals and flags of that column are the same, hence its
  applicable voltages, cessation, trip elements and stage times
  (:func:`~protv2g.engine.staging.run_stages`, all column-wise).

The high bracket is therefore solved at the bound fault buses only (the same
:func:`~protv2g.engine.staging.solve_stages` on those columns) and the low bracket's stages
are copied at the others (:func:`solve_above`). ``tests/test_bracket_stages.py`` checks the
copy against a solve of every column, bit for bit.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from protv2g.engine.chargers import SiteArrays
from protv2g.engine.control_law import LawArrays
from protv2g.engine.newton import ColumnSolution, ColumnSystem
from protv2g.engine.staging import (
    _COLUMN_FIELDS,
    StagedChargers,
    _take,
    _view,
    solve_stages,
)

__all__ = ["reusable", "solve_above", "stack_staged"]

#: the per-column fields of a :class:`StagedChargers` ``(m, k)`` (stage-less)
_SITE_FIELDS = ("trip_s", "ceased_sustained", "v_min_sustained_pu")


def reusable(low: list[SiteArrays], high: list[SiteArrays],
             staged: list[StagedChargers]) -> bool:
    """Whether the low bracket's solved stages ``staged`` (per scenario, with ``limit_bound``)
    may be copied into the high bracket where no limit bound (module docstring): every field
    of each scenario's sites the same but the sustained limit ``i_sus``, both dynamic, and
    every ``i_sus`` the low one or ``≥`` it with the low one ``> 0``."""
    if any(s.limit_bound is None for s in staged):
        return False
    for a, b in zip(low, high, strict=True):
        if not (a.dynamic and b.dynamic and _same_law(a.law, b.law)):
            return False
        for f in ("i_fc", "hold", "mc_pu", "trip_uv", "trip_pickup", "trip_clearing_s",
                  "s_pre"):
            if not _equal(getattr(a, f), getattr(b, f)):
                return False
        lo, hi = np.broadcast_arrays(np.asarray(a.i_sus, float), np.asarray(b.i_sus, float))
        if not np.all((hi == lo) | ((lo > 0) & (hi >= lo))):
            return False
    return True


def _equal(x, y) -> bool:
    x, y = np.asarray(x), np.asarray(y)
    return x.shape == y.shape and x.dtype == y.dtype and x.tobytes() == y.tobytes()


def _same_law(a: LawArrays, b: LawArrays) -> bool:
    return all(_equal(getattr(a, f.name), getattr(b, f.name)) for f in fields(LawArrays))


def _site_cols(sites: SiteArrays, cols: np.ndarray) -> SiteArrays:
    """The sites' parameters at the columns ``cols`` (per-column ``(M, k)`` fields gathered,
    ``(k,)`` fields shared)."""

    def at(x):
        return x[cols] if np.ndim(x) == 2 else x

    return SiteArrays(law=sites.law.take_cols(cols), i_fc=at(sites.i_fc), i_sus=at(sites.i_sus),
                      hold=sites.hold, mc_pu=sites.mc_pu, trip_uv=sites.trip_uv,
                      trip_pickup=sites.trip_pickup, trip_clearing_s=sites.trip_clearing_s,
                      s_pre=at(sites.s_pre), dynamic=sites.dynamic)


def _padded(stg: StagedChargers, n: int) -> StagedChargers:
    """``stg`` with ``n ≥ stg.n_stages`` stages: the further ones as a solve with more stages
    writes them at the fault buses that do not reach them (:func:`~protv2g.engine.staging.
    run_stages`: ``t_start = t_end = inf``, the previous stage's sites and solution)."""
    extra = n - stg.n_stages
    if extra <= 0:
        return stg
    m = stg.t_start_s.shape[1]
    inf = np.full((extra, m), np.inf)
    rep = np.repeat
    return StagedChargers(np.concatenate([stg.t_start_s, inf]),
                          np.concatenate([stg.t_end_s, inf]),
                          stg.stages + [stg.stages[-1]] * extra,
                          np.concatenate([stg.on, rep(stg.on[-1:], extra, axis=0)]),
                          np.concatenate([stg.ceased, rep(stg.ceased[-1:], extra, axis=0)]),
                          stg.trip_s, stg.ceased_sustained, stg.v_min_sustained_pu,
                          stg.limit_bound)


def stack_staged(stgs: list[StagedChargers]) -> StagedChargers:
    """Per-scenario staged solutions (each of ``m`` fault buses, :func:`~protv2g.engine.
    staging.restrict`'s) as one of ``len(stgs)·m`` columns, scenario ``q`` at columns
    ``q·m … (q+1)·m − 1`` (as :func:`~protv2g.engine.chargers.stack_sites`), each padded
    to the largest stage count (:func:`_padded`)."""
    if len(stgs) == 1:
        return stgs[0]
    n = max(s.n_stages for s in stgs)
    pad = [_padded(s, n) for s in stgs]
    cat = np.concatenate
    sols = [ColumnSolution(*(cat([getattr(p.stages[j], f) for p in pad])
                             for f in _COLUMN_FIELDS),
                           iterations=max(p.stages[j].iterations for p in pad))
            for j in range(n)]
    return StagedChargers(cat([p.t_start_s for p in pad], axis=1),
                          cat([p.t_end_s for p in pad], axis=1), sols,
                          cat([p.on for p in pad], axis=1), cat([p.ceased for p in pad], axis=1),
                          *(cat([getattr(p, f) for p in pad]) for f in _SITE_FIELDS),
                          cat([p.limit_bound for p in pad]))


def solve_above(sys: ColumnSystem, sites: SiteArrays, pre: np.ndarray,
                e_gfm: np.ndarray | None, first_cycle_s: float, low: StagedChargers,
                first_cycle: ColumnSolution) -> StagedChargers:
    """:func:`~protv2g.engine.staging.solve_stages` (``staged=True``) of the high bracket:
    solved at the fault buses where the low bracket's solves read a limit (``low.limit_bound``,
    :func:`reusable` checked by the caller) from the shared ``first_cycle``, the low
    bracket's stages copied at the others (module docstring). The same stages as a solve of
    every column, bit for bit, but ``iterations`` (that of the columns solved here)."""
    m = sys.n_cols
    cols = np.flatnonzero(low.limit_bound)
    if len(cols) == m:
        return solve_stages(sys, sites, pre, e_gfm, first_cycle_s, first_cycle=first_cycle)
    free = np.ones(m, bool)
    free[cols] = False
    reached = np.flatnonzero(np.isfinite(low.t_start_s[:, free]).any(axis=1))
    n = 1 + int(reached[-1])  # the low bracket's stages the copied fault buses reach
    sub = None
    if len(cols):
        sub = solve_stages(_view(sys, cols), _site_cols(sites, cols), pre[cols],
                           None if e_gfm is None else e_gfm[cols], first_cycle_s,
                           first_cycle=_take(first_cycle, cols))
        n = max(n, sub.n_stages)
        sub = _padded(sub, n)
    base = _padded(low, n)

    def put(x: np.ndarray, y: np.ndarray | None, axis: int) -> np.ndarray:
        out = x.copy()
        if y is not None:
            if axis:
                out[:, cols] = y
            else:
                out[cols] = y
        return out

    def field(name: str, axis: int) -> np.ndarray:  # axis 1: a stage field, (n, m, …)
        x = getattr(base, name)
        return put(x[:n] if axis else x, None if sub is None else getattr(sub, name), axis)

    stages = [first_cycle]
    for j in range(1, n):
        src = base.stages[j]
        new = None if sub is None else sub.stages[j]
        stages.append(ColumnSolution(
            *(put(getattr(src, f), None if new is None else getattr(new, f), 0)
              for f in _COLUMN_FIELDS), iterations=0 if new is None else new.iterations))
    bound = np.zeros(m, bool)
    bound[cols] = True if sub is None else sub.limit_bound
    return StagedChargers(field("t_start_s", 1), field("t_end_s", 1), stages, field("on", 1),
                          field("ceased", 1), *(field(f, 0) for f in _SITE_FIELDS), bound)
