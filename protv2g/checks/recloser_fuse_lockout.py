"""C2 where the fuse never melts and the recloser locks out: the fuse's selectivity lost.

The pair table (:func:`protv2g.checks.pairs.merged`) holds the faults where the primary
operates, so a lateral fault whose current through the fuse stays below the link's melting
current while the recloser does see it had no C2 row: the recloser runs its sequence and locks
out on its delayed curve, and the lateral fault takes out the recloser's whole zone. At 10,000
buses (the synthetic study) 664 (pair, fault) rows per bracket are such (40K links carrying
42–80 A, RC-1 seeing 3I0 100–145 A over its 100 A ground minimum trip).

:func:`lockout_pairs` keeps, of :func:`protv2g.checks.recloser_fuse_uncleared.fuse_not_clearing`'s
rows (the fuse does not clear, no device nearer the fault than the recloser does):

* the recloser clears (a finite clearing time: its sequence runs to lockout);
* in a V2G scenario whose base case *coordinates* the same fault and pair
  (:func:`coordinated_keys`): the fuse clears there, and before the recloser's delayed shot
  where the recloser trips at all (the backup rule ``TC < t_delayed`` holds, or the recloser
  does not trip) — V2G turns a fault the fuse cleared into one that locks the recloser out.

Not repeated (pre-existing, reported elsewhere):

* the fuse never melts **without V2G either** (all 664 rows per bracket at 10,000 buses):
  that is the fuse's reach, C5's rows (:mod:`protv2g.checks.sensitivity`, the fuse below its
  minimum melting current at that fault) — a C2 row too repeated them row by row; where V2G
  lifts the fuse's current over its melting current and the fuse then clears after the
  recloser's delayed shot, that V2G backup row has no base twin and is ``pre-existing``
  against this base state (:mod:`protv2g.checks.recloser_fuse_base_state`, review rev32a W1b);
* the base case's fuse clears but **after** the recloser's delayed shot (EPRI J1 with 60 home
  chargers, ``study_big60``: F-LAT 80K at 178 A with V2G, its base twin clearing ≈ 76 s after
  R-MID's 1.7 s lockout): the base case's own backup row fails already (``fuse TC < recloser
  delayed``, a pre-existing finding of the pair) and V2G leaves the outcome, the lockout, as
  it was;
* a base case whose pair does not race (a device nearer the fault clears it there) or that
  has no row: no twin to compare with, nothing V2G can be said to cause.

Each row (:func:`protv2g.checks.recloser_fuse.fuse_recloser_rows`) fails with margin −∞ (the
fuse has no clearing time, so no margin in seconds exists; never a pass), its recloser time
the lockout shot (the delayed shot; the fast one for a sequence with none), keyed as the backup
rule (rule ``""``): its twin without V2G is the pair's backup row, which passes, so the
attribution says ``new``. Where a link at the low end of its melting band would melt
(a finite staged minimum melt) before that shot, the row is flagged ``<fuse> tc: curve_band``
(:func:`protv2g.checks.tolerance.with_curve_band`): its verdict rests on the link's curve.

References
----------
IEEE Std C37.230-2020 §6.4 (recloser–fuse coordination: the fuse clears a permanent lateral
fault before the recloser's delayed operation, so the recloser does not lock out); ANSI C37.43
/ EEI-NEMA K and T links (the current below which a link need not melt,
:func:`protv2g.checks.fuse_melt_text.guaranteed_melt_a`).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks.pairs import coordination_rows
from protv2g.checks.tolerance import fuse_tc_band_low_s, with_curve_band

__all__ = ["LOCKOUT_MECHANISM", "coordinated_keys", "lockout_pairs", "lockout_rows",
           "lockout_time_s"]

#: The violation row's ``mechanism``: its own finding, apart from the backup rule's rows
#: (a fuse clearing too late) and the faults neither device clears.
LOCKOUT_MECHANISM: Final = "fuse never melts: recloser locks out"

#: The pair and fault a base-case row is found by (the pair table's and
#: :func:`~protv2g.checks.recloser_fuse_uncleared.fuse_not_clearing`'s columns).
_TWIN = ["fault_bus", "fault_type", "case", "primary", "backup"]


def coordinated_keys(ctx: CheckContext, m: pd.DataFrame, sel: np.ndarray,
                     backup_fails: np.ndarray) -> pd.MultiIndex:
    """``(scenario, fault_bus, fault_type, case, primary, backup)`` of the base-case rows of
    the pair table ``m`` (:func:`protv2g.checks.pairs.merged`) where the pair coordinates:
    the fuse clears (``sel``: the fuse → recloser rows with a finite total clearing) and the
    backup rule does not fail (``backup_fails``, aligned with ``m``)."""
    scen = m.scenario.astype(str).to_numpy()
    base = np.array([ctx.base_of.get(s, "") == s for s in pd.unique(scen).tolist()])
    is_base = pd.Series(base, index=pd.unique(scen)).reindex(scen).to_numpy(dtype=bool)
    at = np.flatnonzero(sel & is_base & ~backup_fails)
    return pd.MultiIndex.from_arrays(
        [scen[at], *(m[c].to_numpy()[at].astype(str) for c in _TWIN)])


def lockout_pairs(ctx: CheckContext, rows: pd.DataFrame, coordinated: pd.MultiIndex
                  ) -> pd.DataFrame:
    """The rows of ``rows`` (:func:`~protv2g.checks.recloser_fuse_uncleared.fuse_not_clearing`
    of the bracket) where the recloser locks out and the base case coordinates the same fault
    and pair (``coordinated``, :func:`coordinated_keys`): the module docstring's rows, with
    its columns."""
    if rows.empty:
        return rows
    # the rows where the recloser clears first (#21: at 10,000 buses 664 of ≈ 14,200)
    rows = rows[np.isfinite(rows.b_t_clear_s.to_numpy(dtype=float))]
    scen = rows.scenario.astype(str).to_numpy()
    base_of = {s: str(ctx.base_of.get(s, "")) for s in pd.unique(scen).tolist()}
    base = np.array([base_of[s] for s in scen.tolist()], dtype=object)
    twin = pd.MultiIndex.from_arrays(
        [base, *(rows[c].to_numpy().astype(str) for c in _TWIN)])
    keep = (base != scen) & (base != "") & twin.isin(coordinated)
    return rows[keep].reset_index(drop=True)


def lockout_time_s(rows: pd.DataFrame) -> np.ndarray:
    """``(len(rows),)`` the recloser's lockout shot on each row (s): its delayed shot, its
    longest (fast) shot for a sequence with no delayed shot."""
    t_del = rows.b_t_delayed_s.to_numpy(dtype=float)
    return np.where(np.isfinite(t_del), t_del, rows.b_t_clear_s.to_numpy(dtype=float))


def lockout_rows(ctx: CheckContext, nm: pd.DataFrame, coordinated: pd.MultiIndex,
                 check: str) -> list[pd.DataFrame]:
    """``fail`` rows of the faults the fuse never melts for while the recloser locks out,
    where the pair coordinates them without V2G (:func:`lockout_pairs` of ``nm``,
    :func:`~protv2g.checks.recloser_fuse_uncleared.fuse_not_clearing`; ``check`` the
    coordination table's name of the rule):
    the fuse's time ``inf``, the recloser's its lockout shot, margin −∞; keyed as the backup
    rule (``""``, its twin the base case's passing backup row); ``<fuse> tc: curve_band`` where
    the link's minimum melt (its band's low end) comes before that shot."""
    u = lockout_pairs(ctx, nm, coordinated)
    if u.empty:
        return []
    t_b = lockout_time_s(u)
    names = u.primary.to_numpy()
    low = fuse_tc_band_low_s(ctx, names, u.p_t_mm_s.to_numpy(float), np.full(len(u), np.inf))
    inf = np.full(len(u), np.inf)
    with np.errstate(invalid="ignore"):
        bnd = with_curve_band("inside", names, -inf, t_b - low)
    return [coordination_rows(u, np.ones(len(u), dtype=bool), "C2", check, inf, t_b,
                              -inf, 0.0, boundary=bnd, t_primary_low=low)]
