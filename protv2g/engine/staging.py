"""The chargers' behaviour in time during one fault, solved stage by stage at every fault bus.

Stages (per fault bus; ``docs/charger-fault-model.md`` §4):

0. ``first_cycle`` ``[0, t_fc)``: every non-charging grid-following site holds its first-cycle
   limit (:mod:`.chargers`); also the high bracket when held for the whole fault;
1. ``sustained`` ``[t_fc, T1)``: each site's control law at its sustained limit; a site whose
   applicable voltage is below its momentary-cessation threshold injects nothing (found by
   repeated solves, each ceasing the sites below the threshold with the others injecting,
   until no more cease — a site that ceases lowers the voltages, so the set only grows);
   its voltage trip elements pick up from fault inception;
2. ``after_trip_j`` ``[T_j, T_j+1)``: after the j-th distinct trip instant of that fault bus,
   without the tripped sites; elements still picked up keep timing, new pickups start at
   ``T_j``, elements whose condition ended reset.

Fault buses where nothing more happens end their last stage at ``inf``; their further stages are
copies with ``t_start = t_end = inf`` (zero duration).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from protv2g.engine.chargers import SiteArrays
from protv2g.engine.newton import ColumnSolution, ColumnSystem, solve_columns
from protv2g.engine.newton_setup import rows_any
from protv2g.engine.ride_through import applicable_voltages
from protv2g.engine.stage_kernel import stage_trips

__all__ = ["StagedChargers", "StageTimes", "run_stages", "solve_stages", "stage_names",
           "restrict"]


@dataclass
class StagedChargers:
    """Charger currents of every stage at every fault bus.

    ``t_start_s``, ``t_end_s``: ``(n_stage, m)``; ``stages``: one :class:`ColumnSolution`
    per stage (``i1, i2, v1, v2`` ``(m, k)``); ``on``, ``ceased`` ``(n_stage, m, k)``;
    per site and fault bus ``(m, k)``: ``trip_s`` (instant the site trips, ``inf`` never),
    ``ceased_sustained`` and ``v_min_sustained_pu`` (momentary cessation and lowest applicable
    voltage in the sustained stage); ``limit_bound`` ``(m,)`` bool: whether any solve of the
    stages after the first cycle read a site's limit at that fault bus
    (:attr:`~protv2g.engine.newton.ColumnSolution.limit_bound`), ``None`` where not recorded.
    """

    t_start_s: np.ndarray
    t_end_s: np.ndarray
    stages: list[ColumnSolution]
    on: np.ndarray
    ceased: np.ndarray
    trip_s: np.ndarray
    ceased_sustained: np.ndarray
    v_min_sustained_pu: np.ndarray
    limit_bound: np.ndarray | None = None
    #: the group solve these stages were restricted from and their scenario's position in it
    #: (:func:`~protv2g.engine.charger_solve.solve_group`: the other bracket reuses it)
    group: tuple | None = None

    @property
    def n_stages(self) -> int:
        return len(self.stages)


def stage_names(n: int) -> tuple[str, ...]:
    """Labels of ``n`` stages: ``first_cycle``, ``sustained``, ``after_trip_1`` …"""
    base = ["first_cycle", "sustained"]
    return tuple(base[:n] + [f"after_trip_{j}" for j in range(1, n - 1)])


def _rows(x: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Per-column ``(m, k)`` parameters of the columns ``cols``; ``(k,)`` ones as they are."""
    return x[cols] if np.ndim(x) == 2 else x


def _x(sol: ColumnSolution, neg: bool) -> np.ndarray:
    return np.concatenate([sol.i1, sol.i2], axis=1) if neg else sol.i1.copy()


#: the per-column fields of a :class:`ColumnSolution`, in its constructor's order
_COLUMN_FIELDS = ("i1", "i2", "v1", "v2", "pll_frozen", "unconverged", "residual",
                  "tracking_residual")


def _take(sol: ColumnSolution, cols: np.ndarray | slice) -> ColumnSolution:
    """The columns ``cols`` of ``sol`` (a column may repeat; a ``slice`` gives views)."""
    return ColumnSolution(*(getattr(sol, f)[cols] for f in _COLUMN_FIELDS),
                          iterations=sol.iterations)


def _put(out: ColumnSolution, new: ColumnSolution, cols: np.ndarray) -> ColumnSolution:
    """The columns ``cols`` of ``out`` replaced by ``new``, in place (``out`` returned)."""
    for f in _COLUMN_FIELDS:
        getattr(out, f)[cols] = getattr(new, f)
    out.iterations = max(out.iterations, new.iterations)
    return out


def _merge(old: ColumnSolution, new: ColumnSolution, cols: np.ndarray,
           zero_i2: bool = False) -> ColumnSolution:
    """``old`` with the columns ``cols`` replaced by ``new`` (a new solution; ``old`` kept).
    ``zero_i2``: both solutions' ``i2`` are all +0 (no negative-sequence injection): the new
    one shares ``old``'s array instead of a copy with zeros written into it (#21: a quarter
    of each after-trip stage's full-width copy; stage solutions are read only downstream,
    as :func:`restrict`'s views of them)."""
    fields = [f for f in _COLUMN_FIELDS if not (zero_i2 and f == "i2")]
    out = replace(old, **{f: getattr(old, f).copy() for f in fields})
    for f in fields:
        getattr(out, f)[cols] = getattr(new, f)
    out.iterations = max(out.iterations, new.iterations)
    return out


def _view(sys: ColumnSystem, cols: np.ndarray) -> ColumnSystem:
    """The columns ``cols`` of ``sys`` as a view of its blocks (``src``), not materialised:
    the compiled kernels read each column's block through ``src``
    (:func:`~protv2g.engine.newton.solve_columns`; the numpy paths materialise what they
    use, :meth:`ColumnSystem.take`)."""
    src = np.arange(len(sys.v10)) if sys.src is None else sys.src
    return ColumnSystem(sys.v10, sys.v20, sys.m11, sys.m21, sys.m12, sys.m22, src[cols])


def _distinct_twins(twin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(twin, return_inverse=True)``; where every twin is its own twin (as
    :func:`~protv2g.engine.charger_solve.solve_group` gives them) without sorting: the
    columns that are their own twin, and each column's position among them."""
    u = np.flatnonzero(twin == np.arange(len(twin)))
    back = np.searchsorted(u, twin)
    if len(u) and back.max() < len(u) and np.array_equal(u[back], twin):
        return u, back
    return np.unique(twin, return_inverse=True)


def solve_stages(sys: ColumnSystem, sites: SiteArrays, pre: np.ndarray,
                 e_gfm: np.ndarray | None, first_cycle_s: float, *, staged: bool = True,
                 first_cycle_twin: np.ndarray | None = None,
                 first_cycle: ColumnSolution | None = None) -> StagedChargers:
    """Solve the stages of one (scenario, case, fault type) at all fault buses of ``sys``.

    Parameters
    ----------
    sys : ColumnSystem
        ``V = v⁰ + M·I`` at the ``k`` sites for the ``m`` fault buses.
    sites : SiteArrays
    pre, e_gfm : numpy.ndarray
        ``(m, k)`` pre-fault voltage and grid-forming EMF at the sites.
    first_cycle_s : float
        Duration of the first-cycle stage (one cycle of the system frequency).
    staged : bool
        ``False``: the first-cycle stage only, held for the whole fault (the high bracket).
    first_cycle_twin : numpy.ndarray, optional
        ``(m,)``: for every column, a column with the same first-cycle equations (system,
        limit, held angle: :func:`~protv2g.engine.chargers.first_cycle_key`); the first-cycle
        stage is solved at the distinct twins only and copied (default: every column).
    first_cycle : ColumnSolution, optional
        The first-cycle stage already solved at these columns, taken as it is (the chargers'
        other bracket: the same sites with another sustained limit have the same first-cycle
        equations, :func:`~protv2g.engine.chargers.same_first_cycle`).
    """
    m, k = sys.n_cols, sys.v10.shape[1]
    base_on = np.broadcast_to(sites.i_fc > 0, (m, k))
    lim0 = np.broadcast_to(sites.i_fc, (m, k))
    if first_cycle is not None:
        sol0 = first_cycle
    elif first_cycle_twin is None:
        sol0 = solve_columns(sys, sites.law, lim0, pre, hold=sites.hold[:, None], e_gfm=e_gfm)
    else:
        u, back = _distinct_twins(first_cycle_twin)
        sol0 = _take(solve_columns(_view(sys, u), sites.law.take_cols(u), lim0[u], pre[u],
                                   hold=sites.hold[:, None],
                                   e_gfm=None if e_gfm is None else e_gfm[u]), back)
    if not staged or not sites.dynamic:
        v_min, _ = applicable_voltages(sol0.v1, sol0.v2, pre)
        return StagedChargers(np.zeros((1, m)), np.full((1, m), np.inf), [sol0],
                              base_on[None].copy(), np.zeros((1, m, k), bool),
                              np.full((m, k), np.inf), np.zeros((m, k), bool), v_min)
    warm = _x(sol0, sys.neg)
    sols = [sol0]
    # the last stage's i2 all zero (without negative sequence the solves give +0): a merged
    # stage then shares it (:func:`_merge`)
    zero_i2 = [not sys.neg and not sol0.i2.any()]
    cur: dict = {"sol": None}
    bound = np.zeros(m, bool)  # some solve read a limit there (every solve of every stage)

    def solve(cols: np.ndarray, redo: np.ndarray, lim: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        every = len(cols) == m  # cols ⊆ 0…m−1, increasing: all columns (no copies)
        if cur["sol"] is None:  # a new stage at these columns
            cur["sub"], cur["law"] = ((sys, sites.law) if every else
                                      (_view(sys, cols), sites.law.take_cols(cols)))
        pre_c = pre if every else pre[cols]
        whole = len(redo) == len(cols)
        law_r = cur["law"] if whole else cur["law"].take_cols(redo)
        pre_r = pre_c if whole else pre_c[redo]
        e_r = None if e_gfm is None else e_gfm[cols][redo]
        sub = cur["sub"] if whole else _view(cur["sub"], redo)
        # Newton starts one fixed-point step (this stage's law and limits) from the previous
        # stage's currents, or, re-solving after a cessation, from this stage's so far
        # (``warm`` itself at every column: solve_columns reads its start, never writes it)
        prev = ((warm if every and whole else warm[cols][redo]) if cur["sol"] is None
                else _x(cur["sol"], sys.neg)[redo])
        part = solve_columns(sub, law_r, lim, pre_r, e_gfm=e_r, x0=prev, step=True)
        at = cols if whole else cols[redo]
        bound[at] |= True if part.limit_bound is None else part.limit_bound
        # the stage's own arrays (this stage's first solve) take a cessation re-solve in place
        cur["sol"] = part if cur["sol"] is None else _put(cur["sol"], part, redo)
        return applicable_voltages(cur["sol"].v1, cur["sol"].v2, pre_c)

    def record(cols: np.ndarray) -> None:
        # full-width stage arrays: active columns from this solve, others copied (no time)
        sol = cur["sol"]
        warm[cols] = np.concatenate([sol.i1, sol.i2], axis=1) if sys.neg else sol.i1
        zero_i2[0] = zero_i2[0] and not sol.i2.any()
        sols.append(replace(cur["sol"], iterations=max(sols[-1].iterations,
                                                       cur["sol"].iterations))
                    if len(cols) == m else _merge(sols[-1], cur["sol"], cols, zero_i2[0]))
        cur["sol"] = None

    t = run_stages(base_on, sites.i_sus, sites.mc_pu, sites.trip_uv, sites.trip_pickup,
                   sites.trip_clearing_s, first_cycle_s, solve, record)
    return StagedChargers(t.t_start_s, t.t_end_s, sols, t.on, t.ceased, t.trip_s,
                          t.ceased_sustained, t.v_min_sustained_pu, bound)


@dataclass
class StageTimes:
    """The chargers' stage schedule at ``m`` fault positions for ``k`` sites
    (:func:`run_stages`): ``t_start_s``, ``t_end_s`` ``(n_stage, m)``; ``on``, ``ceased``
    ``(n_stage, m, k)``; ``trip_s``, ``ceased_sustained``, ``v_min_sustained_pu`` ``(m, k)``
    (fields as in :class:`StagedChargers`)."""

    t_start_s: np.ndarray
    t_end_s: np.ndarray
    on: np.ndarray
    ceased: np.ndarray
    trip_s: np.ndarray
    ceased_sustained: np.ndarray
    v_min_sustained_pu: np.ndarray


#: ``solve(cols, redo, lim) -> (v_min, v_max)``: see :func:`run_stages`.
StageSolve = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def run_stages(base_on: np.ndarray, i_sus: np.ndarray, mc_pu: np.ndarray,
               trip_uv: np.ndarray, trip_pickup: np.ndarray, trip_clearing_s: np.ndarray,
               first_cycle_s: float, solve: StageSolve,
               record: Callable[[np.ndarray], None]) -> StageTimes:
    """The stages after the first cycle (module docstring), for any network solver.

    The schedule — momentary cessation found by repeated solves, the voltage trip elements
    timing from fault inception, a new stage at each distinct trip instant without the
    tripped sites — is the same whichever engine solves the network: the sequence engine
    (:func:`solve_stages`) and the phase-domain engine (:mod:`protv2g.engine.phase.stages`)
    both call this with their own ``solve``.

    Parameters
    ----------
    base_on : numpy.ndarray
        ``(m, k)`` bool: sites that inject at all (first-cycle limit > 0).
    i_sus, mc_pu : numpy.ndarray
        ``(k,)`` or ``(m, k)``: sustained current limit (the solver's units) and
        momentary-cessation threshold (pu of the pre-fault voltage; 0 = none).
    trip_uv, trip_pickup, trip_clearing_s : numpy.ndarray
        ``(k, E)`` voltage trip elements (:class:`~protv2g.engine.chargers.SiteArrays`).
    first_cycle_s : float
        When the first-cycle stage ends, s.
    solve : callable
        ``solve(cols, redo, lim)`` solves the stage being built at the fault positions
        ``cols[redo]`` with the site limits ``lim`` ``(len(redo), k)`` (0 = no current)
        and returns the applicable ``(v_min, v_max)`` ``(len(cols), k)`` of the stage at
        every position of ``cols`` (:func:`~protv2g.engine.ride_through.applicable_voltages`
        or the phase engine's equivalent). The first call of a stage has ``redo`` = all.
    record : callable
        ``record(cols)``: the stage at ``cols`` is final (the caller keeps its solution;
        positions not in ``cols`` keep the previous stage's).

    Returns
    -------
    StageTimes
        Stage 0 (``[0, first_cycle_s)``) included.
    """
    m, k = base_on.shape
    i_sus = np.broadcast_to(i_sus, (m, k))
    mc_pu = np.broadcast_to(mc_pu, (m, k))
    starts, ends, ons, ceaseds = [np.zeros(m)], [np.full(m, first_cycle_s)], \
        [np.array(base_on)], [np.zeros((m, k), bool)]
    n_e = trip_pickup.shape[1]
    uv = np.ascontiguousarray(trip_uv, bool)
    pickup = np.ascontiguousarray(trip_pickup, float)
    clearing = np.ascontiguousarray(trip_clearing_s, float)
    picked = np.full((m, k, n_e), np.inf)
    tripped = np.zeros((m, k), bool)
    trip_s = np.full((m, k), np.inf)
    t_start = np.full(m, first_cycle_s)
    cols = np.arange(m)
    ceased_sus = np.zeros((m, k), bool)
    v_min_sus = np.full((m, k), np.nan)
    for j in range(1, k + 3):
        every = len(cols) == m  # cols ⊆ 0…m−1, increasing: all positions (no gathers)
        on = base_on & ~tripped if every else base_on[cols] & ~tripped[cols]
        ceased = np.zeros_like(on)
        redo = np.arange(len(cols))
        i_s, mc = (i_sus, mc_pu) if every else (i_sus[cols], mc_pu[cols])
        while len(redo):
            lim = np.where(on & ~ceased, i_s, 0.0)
            v_min, v_max = solve(cols, redo, lim if len(redo) == len(cols) else lim[redo])
            new = on & ~ceased & (v_min < mc)
            ceased |= new
            redo = np.flatnonzero(rows_any(new))
        record(cols)
        st = np.full(m, np.inf)
        st[cols] = t_start[cols]
        # trip elements, the stage's end and the sites tripping then: one compiled pass
        t_next = np.empty(len(cols))
        stage_trips(cols, on, np.ascontiguousarray(v_min, float),
                    np.ascontiguousarray(v_max, float), uv, pickup, clearing, j == 1, picked,
                    t_start, tripped, trip_s, t_next)
        if j == 1:
            ceased_sus[cols], v_min_sus[cols] = ceased, v_min
        en = np.full(m, np.inf)
        en[cols] = t_next
        on_full, ce_full = ons[-1].copy(), ceaseds[-1].copy()
        on_full[cols], ce_full[cols] = on, ceased
        starts.append(st)
        ends.append(en)
        ons.append(on_full)
        ceaseds.append(ce_full)
        # positions with a next stage (some site left, or every site now tripped: an all-off
        # stage ends the schedule there)
        cols = cols[np.isfinite(t_next)]
        if not len(cols):
            break
    return StageTimes(np.array(starts), np.array(ends), np.array(ons), np.array(ceaseds),
                      trip_s, ceased_sus, v_min_sus)


def restrict(stg: StagedChargers, cols: np.ndarray | slice) -> StagedChargers:
    """The fault buses ``cols`` of a staged solution, without the trailing stages that none of
    them reaches (a scenario's own stage count); a ``slice`` gives views, not copies."""
    t0 = stg.t_start_s[:, cols]
    reached = np.flatnonzero(np.isfinite(t0[1:]).any(axis=1))
    n = 2 + int(reached[-1]) if len(reached) else 1
    sols = [_take(sol, cols) for sol in stg.stages[:n]]
    return StagedChargers(t0[:n], stg.t_end_s[:n, cols], sols, stg.on[:n, cols],
                          stg.ceased[:n, cols], stg.trip_s[cols], stg.ceased_sustained[cols],
                          stg.v_min_sustained_pu[cols],
                          None if stg.limit_bound is None else stg.limit_bound[cols])
