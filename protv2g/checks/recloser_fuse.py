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

from protv2g.checks._common import CheckContext, concat, unevaluable, violation_rows
from protv2g.units import Severity

__all__ = ["fuse_recloser_rows", "check_recloser_fuse"]


def fuse_recloser_rows(ctx: CheckContext, m: pd.DataFrame, sel: np.ndarray) -> pd.DataFrame:
    """Coordination rows (``COORDINATION_COLUMNS``) of fuse→recloser pairs in ``m[sel]``."""
    from protv2g.checks.coordination import _rows

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
        frames.append(_rows(m, save, "C2", f"fuse saving: K={k:g} × fast < fuse MM",
                            p_mm, k * b_fast, p_mm - k * b_fast, 0.0))
        unseen = sel & (n_fast > 0) & ~seen
        frames.append(_rows(m, unseen, "C2", "fuse saving: fault not seen by recloser",
                            p_mm, b_fast, np.full(len(m), -np.inf), 0.0))
        backup = sel & np.isfinite(b_del)
        frames.append(_rows(m, backup, "C2", "fuse TC < recloser delayed", p_tc, b_del,
                            b_del - p_tc, 0.0))
    return concat_coord(frames)


def concat_coord(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def check_recloser_fuse(ctx: CheckContext, coord: pd.DataFrame) -> pd.DataFrame:
    """C2 violations from the coordination table (``fail``; ``warn`` where fuse saving is
    impossible because the recloser does not see the fault)."""
    from protv2g.checks.coordination import pair_criteria, pair_violations

    names = sorted(pair_criteria(ctx).get("C2", set()))
    rows = [pair_violations(ctx, coord, ("C2",)), unevaluable(ctx, "C2", names)]
    if ctx.faults is None and names:
        rows.append(violation_rows("C2", Severity.FAIL, message="could not evaluate C2: no "
                                   "fault result (engine device table)"))
    return concat(rows)
