"""The chargers' stages in time on the phase-domain engine (``docs/charger-fault-model.md`` §4).

For one group of fault rows the fault is already eliminated: the site voltages are affine in
the site currents, ``V_C = a + B·I_C``, and the fault currents ``I_P = M·(E_P + Z_PC·I_C)``
(:mod:`.study`). The stages after the first cycle only change the site currents, so they reuse
``a, B, M, Z_PC`` — the factorisation and the transfer impedances of stage 0 — and solve the
sites' law again with each stage's limits (:meth:`.sites.SiteLaw.solve` with ``lim``).

The schedule is the sequence engine's own, :func:`protv2g.engine.staging.run_stages`:
sustained stage at each unit's sustained limit, momentary cessation below its threshold found
by repeated solves, voltage trip elements timing from fault inception, a stage after each
distinct trip instant without the tripped units. The units are the site law's
(:attr:`.sites.SiteLaw.unit_of`): a three-phase fleet judges its phase voltages without
``V0`` relative to ``|V1_pre|`` — the sequence engine's applicable voltage, so both paths
agree on a balanced feeder — and a single-phase inverter its own line-to-neutral voltage
(IEEE 1547-2018 §6.4.1 trips on "any applicable voltage"; a unit between one phase and
neutral measures that one), so a one- or two-phase site's inverters cease and trip each on
its own phase.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from protv2g.engine.phase.sites import SiteLaw
from protv2g.engine.staged_result import pad_stages
from protv2g.engine.staging import run_stages

__all__ = ["FaultGroup", "GroupStages", "PhaseStaged", "RowStages", "assemble_staged",
           "bracket_stages", "group_stages", "magnitudes_a", "row_stages", "site_frame"]


@dataclass(frozen=True)
class GroupStages:
    """The stages of ``m`` fault rows of one group.

    ``t_start_s``, ``t_end_s`` ``(n, m)``; ``i_c`` ``(n, m, q)`` site conductor currents (A,
    stage 0 = the first cycle); per unit and row ``(m, k)``: ``trip_s`` (``inf`` never),
    ``ceased`` (momentary cessation in the sustained stage), ``v_min_pu`` (lowest applicable
    voltage, sustained stage; stage 0 when the sites never change).
    """

    t_start_s: np.ndarray
    t_end_s: np.ndarray
    i_c: np.ndarray
    trip_s: np.ndarray
    ceased: np.ndarray
    v_min_pu: np.ndarray

    @property
    def n_stages(self) -> int:
        return int(self.t_start_s.shape[0])


def group_stages(law: SiteLaw, a: np.ndarray, b: np.ndarray, v_pre: np.ndarray,
                 i_c0: np.ndarray, charger_model: str, first_cycle_s: float,
                 i_sus: np.ndarray | None = None, held: np.ndarray | None = None
                 ) -> GroupStages:
    """Every stage of the sites' currents for one group of fault rows.

    Parameters
    ----------
    law : SiteLaw
        The sites (their sustained limits are the bracket's).
    a, b : numpy.ndarray
        ``(m, q)`` V and ``(m, q, q)`` Ω: ``V_C = a + B·I_C`` with the fault in place.
    v_pre : numpy.ndarray
        ``(q,)`` pre-fault site voltages, V.
    i_c0 : numpy.ndarray
        ``(m, q)`` first-cycle site currents, A (stage 0, already solved).
    charger_model : {"iterate", "frozen_pll"}
    first_cycle_s : float
        Duration of the first-cycle stage, s (one cycle).
    i_sus : numpy.ndarray, optional
        ``(m, k)`` each row's sustained unit limits (the law's per unit); default the law's
        own ``unit_i_sus`` in every row. Rows are independent (:func:`run_stages` schedules
        each row alone), so rows of several brackets whose laws differ only in these limits
        are solved as one group (:func:`row_stages`).
    held : numpy.ndarray, optional
        ``(m, k)`` bool: units with the PLL held at the pre-fault angle in every stage
        (cut off from every source, :mod:`.cut_off`).

    Returns
    -------
    GroupStages
    """
    m, k = a.shape[0], law.n_units
    v_min0, _ = law.unit_voltages(a + np.einsum("mqr,mr->mq", b, np.nan_to_num(i_c0)), v_pre)
    if not law.dynamic or not m:
        return GroupStages(np.zeros((1, m)), np.full((1, m), np.inf), i_c0[None].copy(),
                           np.full((m, k), np.inf), np.zeros((m, k), bool), v_min0)
    stages = [i_c0]
    warm = i_c0.copy()
    cur: dict = {"i": None}
    # the units' S·B·T of every row, formed once for all the stages' solves (#21, session 22:
    # formed per solve it was most of EPRI J1's run, with its existing PV as units)
    mb = law.unit_matrix(b) if law.unit_first else None

    def solve(cols: np.ndarray, redo: np.ndarray, lim: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        if cur["i"] is None:  # a new stage at these rows
            cur["i"] = np.zeros((len(cols), law.n_cond), dtype=complex)
        rows = cols[redo]
        ic, _, _, _ = law.solve(a[rows], b[rows], v_pre, charger_model, lim=lim,
                                x0=warm[rows], mb=None if mb is None else mb[rows],
                                held=None if held is None else held[rows])
        cur["i"][redo] = ic
        v = a[cols] + np.einsum("mqr,mr->mq", b[cols], cur["i"])
        return law.unit_voltages(v, v_pre)

    def record(cols: np.ndarray) -> None:
        full = stages[-1].copy()
        full[cols] = cur["i"]
        warm[cols] = np.where(np.isfinite(cur["i"]), cur["i"], warm[cols])
        stages.append(full)
        cur["i"] = None

    base_on = np.broadcast_to(law.unit_i_fc > 0, (m, k))
    t = run_stages(base_on, law.unit_i_sus if i_sus is None else i_sus, law.unit_mc_pu,
                   law.unit_trip_uv, law.unit_trip_pickup, law.unit_trip_clearing_s,
                   first_cycle_s, solve, record)
    return GroupStages(t.t_start_s, t.t_end_s, np.array(stages), t.trip_s,
                       t.ceased_sustained, t.v_min_sustained_pu)


@dataclass(frozen=True)
class FaultGroup:
    """One group of fault rows as :func:`protv2g.engine.phase.study._solve` eliminated it.

    ``sel`` ``(m,)`` row positions; ``ph`` ``(m, k)`` faulted phases; ``m_op`` ``(m, k, k)``
    the fault operator; ``e_p`` ``(m, k)`` pre-fault voltages of the faulted phases, V;
    ``z_pc`` ``(m, k, q)``; ``a`` ``(m, q)``, ``b`` ``(m, q, q)`` (module docstring);
    ``v_pre`` ``(q,)``; ``i_c0`` ``(m, q)`` the first-cycle site currents, A; ``held``
    ``(m, n_units)`` the units cut off from every source, PLL held in every stage
    (:mod:`.cut_off`; ``None``: none).
    """

    sel: np.ndarray
    ph: np.ndarray
    m_op: np.ndarray
    e_p: np.ndarray
    z_pc: np.ndarray
    a: np.ndarray
    b: np.ndarray
    v_pre: np.ndarray
    i_c0: np.ndarray
    held: np.ndarray | None = None


@dataclass(frozen=True)
class RowStages:
    """The stages of every fault row of one (scenario, case, bracket).

    ``t_start_s``, ``t_end_s`` ``(n, r)``; ``i_p`` ``(n, r, 3)`` fault currents and ``i_c``
    ``(n, r, q)`` site currents, A (stage 0 = the first cycle; a row with fewer stages
    repeats its last one with ``t_start_s = t_end_s = inf``, zero duration); per row and unit
    ``(r, k)``: ``trip_s``, ``ceased``, ``v_min_pu`` (:class:`GroupStages`).
    """

    t_start_s: np.ndarray
    t_end_s: np.ndarray
    i_p: np.ndarray
    i_c: np.ndarray
    trip_s: np.ndarray
    ceased: np.ndarray
    v_min_pu: np.ndarray

    @property
    def n_stages(self) -> int:
        return int(self.t_start_s.shape[0])


def row_stages(laws: Mapping[str, SiteLaw | None], groups: list[FaultGroup],
               i_p0: np.ndarray, i_c0: np.ndarray, charger_model: str, first_cycle_s: float
               ) -> dict[str, RowStages]:
    """:func:`group_stages` of every group, with each stage's fault currents
    ``I_P = M·(E_P + Z_PC·I_C)``, as arrays over all ``r`` rows, for each bracket's law.

    Every group's rows go to ONE :func:`group_stages` call (the site voltages are
    ``a + B·I_C`` whatever the fault type, and each row's schedule is its own), and so do
    the brackets whose laws differ only in their sustained limits (:func:`same_but_sustained`)
    — a few solves per stage instead of one per group and bracket. Each bracket keeps its
    own stage count (the stages some row of it reaches).

    Rows in no group (no live faulted phase) and studies without sites have one stage.
    Rows whose first cycle did not converge (NaN fault current) stay NaN in every stage.
    """
    out: dict[str, RowStages] = {}
    for names in _batches(laws):
        law = laws[names[0]]
        if law is None or not groups:
            for n in names:
                out[n] = _rows_of(law, groups, i_p0, i_c0, None, 0)
            continue
        sel = np.concatenate([g.sel for g in groups])
        m, nb = len(sel), len(names)
        a = np.concatenate([g.a for g in groups])
        b = np.concatenate([g.b for g in groups])
        ic0 = np.concatenate([g.i_c0 for g in groups])
        held = None
        if any(g.held is not None for g in groups):
            held = np.concatenate([np.zeros((len(g.sel), law.n_units), bool)
                                   if g.held is None else g.held for g in groups])
        i_sus = None
        if nb > 1:
            a, b, ic0 = (np.concatenate([x] * nb) for x in (a, b, ic0))
            held = None if held is None else np.concatenate([held] * nb)
            i_sus = np.concatenate([np.broadcast_to(laws[n].unit_i_sus, (m, law.n_units))
                                    for n in names])
        p = group_stages(law, a, b, groups[0].v_pre, ic0, charger_model, first_cycle_s,
                         i_sus=i_sus, held=held)
        for j, n in enumerate(names):
            out[n] = _rows_of(law, groups, i_p0, i_c0, p, j * m)
    return out


def same_but_sustained(x: SiteLaw | None, y: SiteLaw | None) -> bool:
    """Whether two site laws are the same sites, differing at most in their sustained limits
    (the high bracket of :func:`protv2g.study.engine_inputs.high_bracket_sets`)."""
    if x is None or y is None:
        return x is y
    if len(x.sites) != len(y.sites) or x.dynamic != y.dynamic or not np.array_equal(
            x.v_base, y.v_base):
        return False
    return all((s.bus, s.phases, replace(s.source, sustained_limit_pu=None))
               == (t.bus, t.phases, replace(t.source, sustained_limit_pu=None))
               for s, t in zip(x.sites, y.sites, strict=True))


def _batches(laws: Mapping[str, SiteLaw | None]) -> list[list[str]]:
    """Bracket names in batches of laws the same but for their sustained limits."""
    out: list[list[str]] = []
    for name, law in laws.items():
        for batch in out:
            if same_but_sustained(laws[batch[0]], law):
                batch.append(name)
                break
        else:
            out.append([name])
    return out


def _rows_of(law: SiteLaw | None, groups: list[FaultGroup], i_p0: np.ndarray,
             i_c0: np.ndarray, p: GroupStages | None, start: int) -> RowStages:
    """:class:`RowStages` of the batched :func:`group_stages` ``p`` (the groups' rows in
    order, this bracket's from ``start``); ``None``: one stage."""
    r = i_c0.shape[0]
    k = law.n_units if law is not None else 0
    m = sum(len(g.sel) for g in groups)
    if p is not None:
        # this bracket's stages: those some of its rows reach (stage 0 and 1 always)
        t_st = p.t_start_s[:, start:start + m]
        n = 1 + max((j for j in range(1, p.n_stages) if np.isfinite(t_st[j]).any()),
                    default=0)
    else:
        n = 1
    t0 = np.full((n, r), np.inf)
    t1 = np.full((n, r), np.inf)
    t0[0], t1[0] = 0.0, np.inf
    i_p = np.repeat(i_p0[None], n, axis=0)
    i_c = np.repeat(i_c0[None], n, axis=0)
    trip = np.full((r, k), np.inf)
    ceased = np.zeros((r, k), bool)
    v_min = np.full((r, k), np.nan)
    at = start
    for g in groups if p is not None else ():
        s, rows = g.sel, slice(at, at + len(g.sel))
        at += len(s)
        t0[:, s] = p.t_start_s[:n, rows]
        t1[:, s] = p.t_end_s[:n, rows]
        ic = p.i_c[:n, rows]
        i_c[:, s] = ic
        e = g.e_p[None] + np.einsum("mkq,nmq->nmk", g.z_pc, ic)
        cur = np.einsum("mkj,nmj->nmk", g.m_op, e)
        out = np.zeros((n, len(s), 3), dtype=complex)
        np.put_along_axis(out, np.broadcast_to(g.ph[None], cur.shape), cur, axis=2)
        i_p[:, s] = out
        trip[s], ceased[s], v_min[s] = p.trip_s[rows], p.ceased[rows], p.v_min_pu[rows]
    bad = np.isnan(i_p0).any(axis=1)
    i_p[:, bad] = np.nan
    return RowStages(t0, t1, i_p, i_c, trip, ceased, v_min)


def magnitudes_a(i_abc: np.ndarray) -> np.ndarray:
    """``(..., 3)`` complex phase currents → ``(..., 4)`` float32 ``|Ia|, |Ib|, |Ic|,
    |3·I0|`` (A), the layout of :class:`protv2g.engine.staged_tables.StagedCurrents`."""
    out = np.empty(i_abc.shape[:-1] + (4,), np.float32)
    out[..., :3] = np.abs(i_abc)
    # a + b + c: the same sums as ``sum(axis=-1)`` (sequential below 8 terms), without a
    # reduction over a 3-wide strided axis (4× slower)
    out[..., 3] = np.abs(i_abc[..., 0] + i_abc[..., 1] + i_abc[..., 2])
    return out


@dataclass(frozen=True)
class PhaseStaged:
    """The stages of a phase-domain fault study, one bracket (``PhaseFaultResult.staged``).

    ``t_start_s``, ``t_end_s`` ``(S, C, n, r)`` float32; ``device_kept`` ``(K,)`` the flat
    ``(S, C, D, r)`` positions of the device rows whose stages were solved (ascending) and
    ``device_kept_a`` ``(n, K, 4)`` float32 their :func:`magnitudes_a` per stage (stage 0 =
    the device table's; a row with fewer stages repeats its last); ``sites``: per (scenario,
    case, site unit, fault row) ``v_min_pu``, ``ceased``, ``trip_s``, ``i_first_cycle_ka``,
    ``i_sustained_ka``. ``device_min_a``: the stored rows are those the first cycle keeps at
    this threshold, A (``phase_fault_study(..., staged_device_min_a=)``; 0: every row).
    """

    t_start_s: np.ndarray
    t_end_s: np.ndarray
    device_kept: np.ndarray | None
    device_kept_a: np.ndarray | None
    sites: pd.DataFrame
    device_min_a: float = 0.0
    n_devices: int = 0

    @property
    def device_a(self) -> np.ndarray | None:
        """``(S, C, n, D, r, 4)`` float32: :attr:`device_kept_a` on the full layout, NaN on
        the rows not stored (a copy, formed on each call)."""
        if self.device_kept is None or self.device_kept_a is None:
            return None
        s_n, c_n, n, r = self.t_start_s.shape
        out = np.full((n, s_n * c_n * self.n_devices * r, 4), np.nan, np.float32)
        out[:, self.device_kept] = self.device_kept_a
        out = out.reshape(n, s_n, c_n, self.n_devices, r, 4)
        return np.ascontiguousarray(np.moveaxis(out, 0, 2))


def site_frame(law: SiteLaw, rs: RowStages, scenario: str, case: str, fault_type: np.ndarray,
               phase: np.ndarray, fault_bus: np.ndarray, fault_bus_name: np.ndarray
               ) -> pd.DataFrame:
    """Per (site unit, fault row): the columns of ``StagedResult.sites`` plus ``phase`` (the
    faulted phases) and ``site_phases`` (the unit's: ``abc`` or one phase)."""
    r, k = rs.trip_s.shape
    mag = np.abs(rs.i_c)                                              # (n, r, q)
    per_unit = np.zeros((min(rs.n_stages, 2), r, k))
    for j in range(per_unit.shape[0]):
        np.maximum.at(per_unit[j].T, law.unit_of, mag[j].T)
    names = np.array([s.name for s in law.sites], dtype=object)[law.unit_site]
    return pd.DataFrame({
        "scenario": scenario, "case": case,
        "fault_type": np.tile(fault_type, k), "phase": np.tile(phase, k),
        "site": np.repeat(names, r),
        "site_phases": np.repeat(np.array(law.unit_phases, dtype=object), r),
        "fault_bus": np.tile(fault_bus, k), "fault_bus_name": np.tile(fault_bus_name, k),
        "v_min_pu": rs.v_min_pu.T.ravel(), "ceased": rs.ceased.T.ravel(),
        "trip_s": rs.trip_s.T.ravel(),
        "i_first_cycle_ka": per_unit[0].T.ravel() / 1e3,
        "i_sustained_ka": per_unit[-1].T.ravel() / 1e3})


#: ``fill(i_p, i_c) -> (P, 4)`` float32 :func:`magnitudes_a` of the device currents of one
#: stage's fault and site currents, on the stored (device, row) pairs.
DeviceFill = Callable[[np.ndarray, np.ndarray], np.ndarray]


def bracket_stages(laws: Mapping[str, SiteLaw | None], groups: list[FaultGroup],
                   i_p0: np.ndarray, i_c0: np.ndarray, dev_a0: np.ndarray | None,
                   fill: DeviceFill | None, *, charger_model: str, first_cycle_s: float,
                   frame: dict) -> dict[str, tuple]:
    """One (scenario, case), each bracket of ``laws`` (name → its sites' law): stage times
    ``(n, r)`` twice, the device current magnitudes ``(n, P, 4)`` float32 of the stored
    (device, row) pairs (stage 0 ``dev_a0`` ``(P, 4)``, the others from ``fill``) and the
    site units' table (:func:`site_frame` with ``frame``'s columns). The brackets' stages are
    solved together (:func:`row_stages`)."""
    out = {}
    for br, rs in row_stages(laws, groups, i_p0, i_c0, charger_model, first_cycle_s).items():
        law = laws[br]
        dev_a = None
        if dev_a0 is not None and fill is not None:
            dev_a = np.empty((rs.n_stages,) + dev_a0.shape, np.float32)
            dev_a[0] = dev_a0
            for j in range(1, rs.n_stages):
                dev_a[j] = fill(rs.i_p[j], rs.i_c[j])
        sites = (site_frame(law, rs, **frame) if law is not None and law.n_units
                 else pd.DataFrame())
        out[br] = (rs.t_start_s, rs.t_end_s, dev_a, sites)
    return out


def assemble_staged(parts: dict[tuple[int, int], tuple], s_n: int, c_n: int,
                    kept: np.ndarray | None, n_devices: int, device_min_a: float = 0.0
                    ) -> PhaseStaged:
    """:class:`PhaseStaged` of the :func:`bracket_stages` of every (scenario, case) (keys in
    row-major order), padded to the largest stage count; ``kept`` ``(K,)`` the flat ``(S, C,
    D, r)`` positions of their device pairs, in the same order (``device_min_a``:
    :attr:`PhaseStaged.device_min_a`)."""
    if len(parts) != s_n * c_n:
        raise ValueError(f"stages of {len(parts)} (scenario, case) pairs, expected {s_n * c_n}")
    n = max(p[0].shape[0] for p in parts.values())
    r = next(iter(parts.values()))[0].shape[1]
    t0 = np.full((s_n, c_n, n, r), np.inf, np.float32)
    t1 = np.full((s_n, c_n, n, r), np.inf, np.float32)
    dev = None
    at = 0
    for (si, ci), (a, b, d, _) in sorted(parts.items()):
        t0[si, ci], t1[si, ci] = pad_stages(a, n, True), pad_stages(b, n, True)
        if d is not None:
            if dev is None:
                dev = np.empty((n, len(kept), 4), np.float32)
            # pad_stages's padding (the last stage repeated) written in place
            k = d.shape[1]
            dev[:len(d), at:at + k] = d
            dev[len(d):, at:at + k] = d[-1]
            at += k
    frames = [p[3] for p in parts.values() if len(p[3])]  # the site table in call order
    sites = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["scenario", "case", "fault_type", "phase", "site", "site_phases", "fault_bus",
                 "fault_bus_name", "v_min_pu", "ceased", "trip_s", "i_first_cycle_ka",
                 "i_sustained_ka"])
    return PhaseStaged(t0, t1, kept if dev is not None else None, dev, sites, device_min_a,
                       n_devices)
