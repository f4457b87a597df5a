"""C2 recloser–fuse coordination (fuse saving) for every fuse whose backup is a recloser.

For every fault where the fuse clears (each device at its own current; with V2G between the
recloser and the fuse the fuse sees the recloser's current *plus* the chargers'):

* **fuse saving**: ``K · t_fast(I_recloser) < MM(I_fuse)`` — the recloser's fast shots open
  before the fuse starts to melt (``K`` from the study, default 1.35 for 2 fast + 2 delayed
  shots with 0.5 s reclosing, Cooper TD132010EN; 1.20 for 1 fast + 3 delayed);
  margin ``MM − K·t_fast`` (s). Where the recloser does not see the fault at all (below its
  minimum trip) fuse saving is impossible: a ``warn`` row.
* **backup**: ``TC(I_fuse) < t_delayed(I_recloser)`` — the fuse clears before the recloser's
  delayed shot, so a permanent lateral fault does not lock the recloser out;
  margin ``t_delayed − TC`` (s).

References
----------
Eaton's Cooper Power Series, *Coordination of fuse links with oil circuit reclosers*,
Technical Data TD132010EN (2017) — multiplying factors for fast curves.
IEEE Std C37.230-2020 §6.4 (recloser–fuse coordination, fuse saving).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, concat, fmt_s, not_applicable, unevaluable
from protv2g.checks.pairs import (
    coordination_rows,
    empty_coordination,
    pair_criteria,
    pair_violations,
)
from protv2g.violations import CheckStatus

__all__ = ["fuse_recloser_rows", "check_recloser_fuse"]


def fuse_recloser_rows(ctx: CheckContext, m: pd.DataFrame, sel: np.ndarray) -> pd.DataFrame:
    """Coordination rows (``COORDINATION_COLUMNS``) of fuse→recloser pairs in ``m[sel]``
    (``m`` from :func:`protv2g.checks.pairs.merged`)."""
    k = ctx.thresholds.recloser_fuse_k
    p_mm = m.p_t_mm_s.to_numpy(dtype=float)
    p_tc = m.p_t_tc_s.to_numpy(dtype=float)
    b_fast = m.b_t_fast_s.to_numpy(dtype=float)
    b_del = m.b_t_delayed_s.to_numpy(dtype=float)
    n_fast = m.backup.map(lambda n: getattr(ctx.devices[n].settings, "n_fast", 0)).to_numpy()
    frames = []
    with np.errstate(invalid="ignore"):
        seen = np.isfinite(b_fast)
        save = sel & (n_fast > 0) & seen
        frames.append(coordination_rows(m, save, "C2", f"{_SAVING}: K={k:g} × fast < fuse MM",
                                        p_mm, k * b_fast, p_mm - k * b_fast, 0.0))
        unseen = sel & (n_fast > 0) & ~seen
        # the recloser cannot save the fuse at all: a warning (the fuse still clears)
        frames.append(coordination_rows(m, unseen, "C2", _NOT_SEEN, p_mm, b_fast,
                                        np.full(len(m), -np.inf), 0.0,
                                        fail_status=CheckStatus.WARN))
        backup = sel & np.isfinite(b_del)
        frames.append(coordination_rows(m, backup, "C2", _BACKUP, p_tc, b_del, b_del - p_tc,
                                        0.0))
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty_coordination()


#: The three C2 rules, as named in the coordination table's ``check`` column.
_SAVING = "fuse saving"
_NOT_SEEN = "fuse saving: fault not seen by recloser"
_BACKUP = "fuse TC < recloser delayed"


def _message(ctx: CheckContext, r: object, where: str, export: str) -> str:
    if r.check == _NOT_SEEN:
        return (f"fuse saving not possible: {r.backup} sees {r.i_backup_a:.0f} A, below its "
                f"minimum trip, for {where} {export}; {r.primary} "
                f"({r.i_primary_a:.0f} A) clears alone")
    if r.check == _BACKUP:
        return (f"{r.backup} delayed trip ({fmt_s(r.t_backup_s)} at {r.i_backup_a:.0f} A) "
                f"comes before {r.primary} clears ({fmt_s(r.t_primary_s)} at "
                f"{r.i_primary_a:.0f} A) for {where} {export}: the recloser locks out for a "
                "lateral fault")
    return (f"fuse saving lost: {r.primary} starts to melt in {fmt_s(r.t_primary_s)} at "
            f"{r.i_primary_a:.0f} A, before {r.backup}'s fast trip × K "
            f"({fmt_s(r.t_backup_s)} at {r.i_backup_a:.0f} A) for {where} {export}")


def check_recloser_fuse(ctx: CheckContext) -> pd.DataFrame:
    """C2 violations from the coordination table (``fail``; ``warn`` where fuse saving is
    impossible because the recloser does not see the fault); ``not_applicable`` when no fuse
    is backed up by a recloser."""
    coord = ctx.coordination if ctx.coordination is not None else empty_coordination()
    names = sorted(pair_criteria(ctx).get("C2", set()))
    if not names:
        return not_applicable("C2", "no primary/backup pair of a fuse backed up by a recloser "
                              "in this study")
    return concat([pair_violations(ctx, coord, ("C2",), _message),
                   unevaluable(ctx, "C2", names)])
