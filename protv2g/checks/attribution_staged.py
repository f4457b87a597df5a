"""Attribution rows judged on a later charger stage's current (review rev32a W1): where the
moving fuse's long time is set by a later stage's current, not the first cycle's,
:func:`_staged_scatter` applies the current-scatter test to that stage's current and
:func:`_stage_named` says so in the rows' current names. Used by
:func:`protv2g.checks.attribution.attribute`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from protv2g.checks.attribution_share import CURRENT_SCATTER, in_scatter, side_change

__all__: list[str] = []


def _staged_scatter(v: pd.DataFrame, scatter: np.ndarray, staged: Callable[..., np.ndarray],
                    explained: Callable[..., np.ndarray], rows: tuple, i_change: np.ndarray,
                    i_largest: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Set ``scatter`` (in place) on the long-time rows whose moving fuse time a later charger
    stage sets (``explained`` False) by the current test on that stage's current: the fuse's
    staged current (``staged``) and the other device's operating current
    (:func:`~protv2g.checks.attribution_share.side_change`) both within
    :data:`~protv2g.checks.attribution_share.CURRENT_SCATTER` (review rev32a W1). Returns
    ``i_change`` and ``i_largest`` with those rows' figure the larger of the two and whose
    it is (the ones the messages quote), and the rows so judged."""
    t_now, margin, is_time, base_iv, side = rows
    long_rows = in_scatter(t_now, margin, is_time, np.zeros(len(v)), base_iv, side) & ~scatter
    at = np.flatnonzero(long_rows)
    none = np.zeros(0, dtype=np.intp)
    if not len(at):
        return i_change, i_largest, none
    at = at[~explained(v, at, side[at])]
    if not len(at):
        return i_change, i_largest, none
    s = side[at]
    t_b = np.where(s == 0, base_iv.t_device_s[at], base_iv.t_other_s[at])
    i_b = np.where(s == 0, base_iv.i_device_a[at], base_iv.i_other_a[at])
    rel = staged(v, at, s, t_b, i_b)
    other = np.where(s == 0, side_change(v, base_iv, at, 1), side_change(v, base_iv, at, 0))
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(rel) & (rel <= CURRENT_SCATTER) & ~(other > CURRENT_SCATTER)
    scatter[at] = ok
    i_change, i_largest = i_change.copy(), i_largest.copy()
    i_change[at[ok]] = np.fmax(rel[ok], other[ok])
    with np.errstate(invalid="ignore"):
        i_largest[at[ok]] = np.where(other[ok] > rel[ok], 1 - s[ok], s[ok])
    return i_change, i_largest, at[ok]


def _stage_named(named: list[str], rows: np.ndarray, staged_at: np.ndarray) -> list[str]:
    """The current names of rows ``rows`` (:func:`current_names`), those judged on a later
    charger stage's current (``staged_at``) saying so."""
    if not len(staged_at):
        return named
    later = np.isin(rows, staged_at).tolist()
    return [f"{n}; the fuse's current at the later charger stage that sets its time"
            if x else n for n, x in zip(named, later, strict=True)]
