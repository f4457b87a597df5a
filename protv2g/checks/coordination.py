"""C1 relay–relay, C3 fuse–fuse, C4 relay–recloser coordination, and the pair table.

Every primary/backup pair of the feeder graph (:func:`protv2g.topology.primary_backup_pairs`)
is evaluated at every fault bus where it is a pair, for every scenario, fault type and case,
each device at *its own* current (with V2G between two devices they see different currents).
:func:`evaluate_pairs` returns one row per (pair, fault, check) — the report's "Coordination"
sheet — and the criterion modules turn the failing rows into violations.

Rules (thresholds from the study file's ``checks``; defaults domain.md §4):

==========  =====================  ===================================================
criterion   pair (primary→backup)  margin (s), violation when < 0
==========  =====================  ===================================================
C1          relay→relay            ``t_backup − t_primary − CTI``
C1          fuse→relay             ``t_relay − TC_fuse − CTI``
C2          fuse→recloser          see :mod:`protv2g.checks.recloser_fuse`
C3          fuse→fuse              ``ratio·MM_backup − TC_primary`` (ratio 0.75)
C3          relay/recloser→fuse    ``ratio·MM_fuse − t_clear_primary``
C4          recloser→relay         ``t_relay − t_longest_shot − CTI`` (every shot; with
                                   electromechanical reset the relay's travel accumulates
                                   over the sequence and must stay below 1)
C4          relay/recloser→        ``t_delayed_backup − t_clear_primary − CTI``
            recloser
==========  =====================  ===================================================

References
----------
IEEE Std 242-2001 (Buff Book) §15.3 (coordination time intervals 0.2–0.4 s);
IEEE Std C37.230-2020 §6 (feeder relay, recloser and fuse coordination);
Cooper Power Systems, *Electrical Distribution-System Protection* (1990), §4 (fuse–fuse 75 %
rule; relay–recloser coordination with reset).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    empty,
    fmt_s,
    unevaluable,
    violation_rows,
)
from protv2g.devices.models import OvercurrentRelay, Recloser
from protv2g.units import DeviceKind, Severity

__all__ = ["COORDINATION_COLUMNS", "evaluate_pairs", "check_coordination"]

#: Columns of the coordination table (one row per pair, fault and check).
COORDINATION_COLUMNS = [
    "criterion", "check", "scenario", "fault_bus", "fault_type", "case", "primary", "backup",
    "i_primary_a", "i_backup_a", "t_primary_s", "t_backup_s", "margin_s", "required_s", "ok",
]

_KEYS = ["scenario", "fault_bus", "fault_type", "case"]
_TIME_COLS = ["fault_bus_name", "i_phase_a", "i_ground_a", "t_op_s", "t_fast_s", "t_delayed_s",
              "t_mm_s", "t_tc_s", "t_clear_s"]
_TOL_S = 1e-9


def _merged(ctx: CheckContext) -> pd.DataFrame:
    """Pairs × faults with both devices' currents and times (``p_*`` primary, ``b_*`` backup)."""
    f = ctx.faults
    if f is None or ctx.pairs.empty:
        return pd.DataFrame()
    have = set(ctx.devices)
    pairs = ctx.pairs[ctx.pairs.primary.isin(have) & ctx.pairs.backup.isin(have)]
    cols = [*_KEYS, "device", *_TIME_COLS]
    p = f[cols].rename(columns={c: f"p_{c}" for c in _TIME_COLS} | {"device": "primary"})
    b = f[cols].drop(columns="fault_bus_name").rename(
        columns={c: f"b_{c}" for c in _TIME_COLS} | {"device": "backup"})
    m = pairs[["fault_bus", "primary", "backup"]].merge(p, on=["fault_bus", "primary"])
    m = m.merge(b, on=[*_KEYS, "backup"])
    m["p_kind"] = m.primary.map(lambda n: ctx.kind(n).value)
    m["b_kind"] = m.backup.map(lambda n: ctx.kind(n).value)
    return m


def _rows(m: pd.DataFrame, mask: np.ndarray, criterion: str, check: str, t_p: np.ndarray,
          t_b: np.ndarray, margin: np.ndarray, required: float) -> pd.DataFrame:
    sel = m[mask]
    return pd.DataFrame({
        "criterion": criterion, "check": check, "scenario": sel.scenario.to_numpy(),
        "fault_bus": sel.p_fault_bus_name.to_numpy(), "fault_type": sel.fault_type.to_numpy(),
        "case": sel.case.to_numpy(), "primary": sel.primary.to_numpy(),
        "backup": sel.backup.to_numpy(), "i_primary_a": sel.p_i_phase_a.to_numpy(),
        "i_backup_a": sel.b_i_phase_a.to_numpy(), "t_primary_s": t_p[mask],
        "t_backup_s": t_b[mask], "margin_s": margin[mask], "required_s": required,
        "ok": margin[mask] >= -_TOL_S,
    })


def _em_travel(ctx: CheckContext, m: pd.DataFrame, sel: np.ndarray) -> np.ndarray:
    """Largest travel (fraction of a trip) of an electromechanical-reset relay backing up a
    recloser over the recloser's whole sequence (nan where not applicable)."""
    out = np.full(len(m), np.nan)
    for (rc_name, relay_name), idx in m[sel].groupby(["primary", "backup"]).groups.items():
        relay, rc = ctx.devices[relay_name], ctx.devices[rc_name]
        if not (isinstance(relay, OvercurrentRelay) and isinstance(rc, Recloser)
                and relay.settings.reset == "electromechanical"):
            continue
        rows = m.loc[idx]
        shots = rc.shot_times_s(rows.p_i_phase_a.to_numpy(), rows.p_i_ground_a.to_numpy())
        t_relay = rows.b_t_op_s.to_numpy()
        t_reset_full = float(relay.reset_time_s(0.0))
        travel = np.zeros(len(rows))
        peak = np.zeros(len(rows))
        intervals = rc.settings.reclose_intervals_s
        for k in range(shots.shape[0]):
            with np.errstate(divide="ignore", invalid="ignore"):
                travel = travel + np.where(np.isfinite(shots[k]), shots[k] / t_relay, 0.0)
            peak = np.maximum(peak, travel)
            if k < len(intervals):
                travel = np.maximum(travel - intervals[k] / t_reset_full, 0.0)
        out[m.index.get_indexer(idx)] = peak
    return out


def evaluate_pairs(ctx: CheckContext) -> pd.DataFrame:
    """Every primary/backup pair at every fault where the primary operates.

    Returns
    -------
    DataFrame
        ``COORDINATION_COLUMNS``; ``margin_s`` in seconds (negative = miscoordination),
        ``required_s`` the CTI or 0 for rules whose margin already contains the limit.
    """
    m = _merged(ctx)
    if m.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COORDINATION_COLUMNS})
    th = ctx.thresholds
    cti = th.cti_s
    pk, bk = m.p_kind.to_numpy(), m.b_kind.to_numpy()
    relay, rc, fuse = DeviceKind.RELAY.value, DeviceKind.RECLOSER.value, DeviceKind.FUSE.value
    p_clear = m.p_t_clear_s.to_numpy(dtype=float)
    p_tc = m.p_t_tc_s.to_numpy(dtype=float)
    b_op = m.b_t_op_s.to_numpy(dtype=float)
    operates = np.isfinite(p_clear)
    with np.errstate(invalid="ignore"):
        frames = []
        # C1 relay→relay and fuse→relay
        sel = operates & (bk == relay) & ((pk == relay) | (pk == fuse))
        margin = b_op - p_clear - cti
        frames.append(_rows(m, sel, "C1", "backup relay after primary + CTI", p_clear, b_op,
                            margin, cti))
        # C3 fuse→fuse (and relay/recloser→fuse): protecting TC ≤ ratio × protected MM
        b_mm = m.b_t_mm_s.to_numpy(dtype=float)
        sel = operates & (bk == fuse)
        margin = th.fuse_fuse_ratio * b_mm - p_clear
        frames.append(_rows(m, sel, "C3", f"primary clears before {th.fuse_fuse_ratio:.0%} "
                            "of backup fuse MM", p_clear, b_mm, margin, 0.0))
        # C4 recloser→relay: relay slower than every shot + CTI
        sel = operates & (pk == rc) & (bk == relay)
        margin = b_op - p_clear - cti
        travel = _em_travel(ctx, m, sel)
        has_em = np.isfinite(travel)
        margin = np.where(has_em, np.minimum(margin, (1.0 - travel) * b_op - cti), margin)
        frames.append(_rows(m, sel, "C4", "relay after recloser's longest shot + CTI", p_clear,
                            b_op, margin, cti))
        # C4 anything→recloser (except fuses, C2): backup delayed curve after primary + CTI
        b_del = m.b_t_delayed_s.to_numpy(dtype=float)
        sel = operates & (bk == rc) & (pk != fuse)
        margin = b_del - p_clear - cti
        frames.append(_rows(m, sel, "C4", "backup recloser delayed curve after primary + CTI",
                            p_clear, b_del, margin, cti))
        # C2 fuse→recloser
        from protv2g.checks.recloser_fuse import fuse_recloser_rows

        frames.append(fuse_recloser_rows(ctx, m, (pk == fuse) & (bk == rc) & np.isfinite(p_tc)))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COORDINATION_COLUMNS})
    return pd.concat(frames, ignore_index=True)[COORDINATION_COLUMNS]


def pair_violations(ctx: CheckContext, coord: pd.DataFrame, criteria: tuple[str, ...]
                    ) -> pd.DataFrame:
    """Violation rows for the failing coordination rows of ``criteria``."""
    bad = coord[coord.criterion.isin(criteria) & ~coord.ok.astype(bool)]
    if bad.empty:
        return empty()
    msgs = []
    for r in bad.itertuples(index=False):
        where = ctx.fault_text(r.fault_bus, r.fault_type, r.case)
        export = ctx.export_text(r.scenario)
        if r.criterion == "C2":
            msgs.append(_c2_message(r, where, export))
        elif r.criterion == "C3":
            msgs.append(
                f"{r.primary} clears in {fmt_s(r.t_primary_s)} but backup fuse {r.backup} "
                f"starts to melt in {fmt_s(r.t_backup_s)} (at most "
                f"{ctx.thresholds.fuse_fuse_ratio:.0%} of that allowed) for {where} {export}: "
                f"{r.backup} may be damaged or blow")
        else:
            msgs.append(
                f"{r.backup} trips in {fmt_s(r.t_backup_s)} for {where} {export}; "
                f"{r.primary} clears in {fmt_s(r.t_primary_s)}: margin "
                f"{r.t_backup_s - r.t_primary_s:.3g} s < {r.required_s:g} s needed "
                f"({r.check})")
    return violation_rows(
        "", Severity.FAIL, frame=bad, scenario=bad.scenario.to_numpy(),
        fault_bus=bad.fault_bus.to_numpy(), fault_type=bad.fault_type.to_numpy(),
        case=bad.case.to_numpy(), device=bad.backup.to_numpy(),
        other_device=bad.primary.to_numpy(), i_device_a=bad.i_backup_a.to_numpy(),
        i_other_a=bad.i_primary_a.to_numpy(), t_device_s=bad.t_backup_s.to_numpy(),
        t_other_s=bad.t_primary_s.to_numpy(), margin=bad.margin_s.to_numpy(),
        limit=bad.required_s.to_numpy(), message=msgs,
    ).assign(criterion=bad.criterion.to_numpy(),
             severity=np.where(bad.check.str.contains("not seen"), Severity.WARN.value,
                               Severity.FAIL.value))


def _c2_message(r: object, where: str, export: str) -> str:
    if "not seen" in r.check:
        return (f"fuse saving not possible: {r.backup} sees {r.i_backup_a:.0f} A, below its "
                f"minimum trip, for {where} {export}; {r.primary} "
                f"({r.i_primary_a:.0f} A) clears alone")
    if "saving" in r.check:
        return (f"fuse saving lost: {r.primary} starts to melt in {fmt_s(r.t_primary_s)} at "
                f"{r.i_primary_a:.0f} A, before {r.backup}'s fast trip × K "
                f"({fmt_s(r.t_backup_s)} at {r.i_backup_a:.0f} A) for {where} {export}")
    return (f"{r.backup} delayed trip ({fmt_s(r.t_backup_s)} at {r.i_backup_a:.0f} A) comes "
            f"before {r.primary} clears ({fmt_s(r.t_primary_s)} at {r.i_primary_a:.0f} A) for "
            f"{where} {export}: the recloser locks out for a lateral fault")


def pair_criterion(primary_kind: str, backup_kind: str) -> str:
    """Criterion that governs a pair of device kinds (``relay``, ``recloser``, ``fuse``)."""
    if backup_kind == DeviceKind.FUSE.value:
        return "C3"
    if backup_kind == DeviceKind.RECLOSER.value:
        return "C2" if primary_kind == DeviceKind.FUSE.value else "C4"
    return "C4" if primary_kind == DeviceKind.RECLOSER.value else "C1"


def pair_criteria(ctx: CheckContext) -> dict[str, set[str]]:
    """Criterion → devices that appear in a pair governed by it."""
    out: dict[str, set[str]] = {}
    for p, b in ctx.pairs[["primary", "backup"]].drop_duplicates().itertuples(index=False):
        c = pair_criterion(ctx.kind(p).value, ctx.kind(b).value)
        out.setdefault(c, set()).update((p, b))
    return out


def check_coordination(ctx: CheckContext, coord: pd.DataFrame) -> pd.DataFrame:
    """C1, C3 and C4 violations (plus could-not-evaluate rows for unusable devices)."""
    rows = [pair_violations(ctx, coord, ("C1", "C3", "C4"))]
    by_criterion = pair_criteria(ctx)
    for c in ("C1", "C3", "C4"):
        names = sorted(by_criterion.get(c, set()))
        if ctx.faults is None and names:
            rows.append(violation_rows(c, Severity.FAIL, message=f"could not evaluate {c}: no "
                                       "fault result (engine device table)"))
        rows.append(unevaluable(ctx, c, names))
    return concat(rows)
