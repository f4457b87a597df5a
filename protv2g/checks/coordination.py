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

from protv2g.checks._common import CheckContext, concat, fmt_s, not_applicable, unevaluable
from protv2g.checks.pairs import (
    COORDINATION_COLUMNS,
    coordination_rows,
    empty_coordination,
    merged,
    pair_criteria,
    pair_violations,
)
from protv2g.checks.recloser_fuse import fuse_recloser_rows
from protv2g.devices.kinds import kind_of

__all__ = ["COORDINATION_COLUMNS", "evaluate_pairs", "check_coordination", "not_applicable_rows"]

def _em_travel(ctx: CheckContext, m: pd.DataFrame, sel: np.ndarray) -> np.ndarray:
    """Largest travel (fraction of a trip) of an electromechanical-reset relay backing up a
    recloser over the recloser's whole sequence (nan where not applicable)."""
    out = np.full(len(m), np.nan)
    for (rc_name, relay_name), idx in m[sel].groupby(["primary", "backup"]).groups.items():
        relay, rc = ctx.devices[relay_name], ctx.devices[rc_name]
        if not (kind_of(relay).role == "relay" and kind_of(rc).role == "recloser"
                and getattr(relay.settings, "reset", None) == "electromechanical"):
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
    m = merged(ctx)
    if m.empty:
        return empty_coordination()
    th = ctx.thresholds
    cti = th.cti_s
    pk, bk = m.p_kind.to_numpy(), m.b_kind.to_numpy()
    relay, rc, fuse = "relay", "recloser", "fuse"  # coordination roles (devices.kinds)
    p_clear = m.p_t_clear_s.to_numpy(dtype=float)
    p_tc = m.p_t_tc_s.to_numpy(dtype=float)
    b_op = m.b_t_op_s.to_numpy(dtype=float)
    operates = np.isfinite(p_clear)
    with np.errstate(invalid="ignore"):
        frames = []
        # C1 relay→relay and fuse→relay
        sel = operates & (bk == relay) & ((pk == relay) | (pk == fuse))
        margin = b_op - p_clear - cti
        frames.append(coordination_rows(m, sel, "C1", "backup relay after primary + CTI",
                                        p_clear, b_op, margin, cti))
        # C3 fuse→fuse (and relay/recloser→fuse): protecting TC ≤ ratio × protected MM
        b_mm = m.b_t_mm_s.to_numpy(dtype=float)
        sel = operates & (bk == fuse)
        margin = th.fuse_fuse_ratio * b_mm - p_clear
        frames.append(coordination_rows(
            m, sel, "C3", f"primary clears before {th.fuse_fuse_ratio:.0%} of backup fuse MM",
            p_clear, b_mm, margin, 0.0))
        # C4 recloser→relay: relay slower than every shot + CTI
        sel = operates & (pk == rc) & (bk == relay)
        margin = b_op - p_clear - cti
        travel = _em_travel(ctx, m, sel)
        has_em = np.isfinite(travel)
        margin = np.where(has_em, np.minimum(margin, (1.0 - travel) * b_op - cti), margin)
        frames.append(coordination_rows(m, sel, "C4", "relay after recloser's longest shot + CTI",
                                        p_clear, b_op, margin, cti))
        # C4 anything→recloser (except fuses, C2): backup delayed curve after primary + CTI
        b_del = m.b_t_delayed_s.to_numpy(dtype=float)
        sel = operates & (bk == rc) & (pk != fuse)
        margin = b_del - p_clear - cti
        frames.append(coordination_rows(
            m, sel, "C4", "backup recloser delayed curve after primary + CTI", p_clear, b_del,
            margin, cti))
        # C2 fuse→recloser
        frames.append(fuse_recloser_rows(ctx, m, (pk == fuse) & (bk == rc) & np.isfinite(p_tc)))
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_coordination()
    return pd.concat(frames, ignore_index=True)[COORDINATION_COLUMNS]


def _message(ctx: CheckContext, r: object, where: str, export: str) -> str:
    if r.criterion == "C3":
        return (f"{r.primary} clears in {fmt_s(r.t_primary_s)} but backup fuse {r.backup} "
                f"starts to melt in {fmt_s(r.t_backup_s)} (at most "
                f"{ctx.thresholds.fuse_fuse_ratio:.0%} of that allowed) for {where} {export}: "
                f"{r.backup} may be damaged or blow")
    return (f"{r.backup} trips in {fmt_s(r.t_backup_s)} for {where} {export}; "
            f"{r.primary} clears in {fmt_s(r.t_primary_s)}: margin "
            f"{r.t_backup_s - r.t_primary_s:.3g} s < {r.required_s:g} s needed ({r.check})")


#: What each pair criterion applies to (the reason of its ``not_applicable`` row).
PAIR_KINDS = {"C1": "a relay backing up a relay or a fuse",
              "C2": "a fuse backed up by a recloser",
              "C3": "a fuse backing up another device",
              "C4": "a relay backing up a recloser, or a recloser backing up a relay or "
                    "recloser"}


def not_applicable_rows(ctx: CheckContext, criteria: tuple[str, ...]) -> list[pd.DataFrame]:
    """A ``not_applicable`` row for each of ``criteria`` that governs no pair of the study."""
    have = pair_criteria(ctx)
    return [not_applicable(c, f"no primary/backup pair of {PAIR_KINDS[c]} in this study")
            for c in criteria if not have.get(c)]


def check_coordination(ctx: CheckContext) -> pd.DataFrame:
    """C1, C3 and C4 violations, ``not_evaluated`` rows for unusable devices and
    ``not_applicable`` rows for criteria with no pair of their kind."""
    coord = ctx.coordination if ctx.coordination is not None else empty_coordination()
    rows = [pair_violations(ctx, coord, ("C1", "C3", "C4"), _message)]
    by_criterion = pair_criteria(ctx)
    for c in ("C1", "C3", "C4"):
        rows.append(unevaluable(ctx, c, sorted(by_criterion.get(c, set()))))
    rows += not_applicable_rows(ctx, ("C1", "C3", "C4"))
    return concat(rows)
