"""How a finding's worst margin moves with the V2G export (or, for a charging peak, with the
sites' charging): the ``export_trend`` text of a finding (:mod:`protv2g.findings`).

Rows are one finding's violation rows with ``margin`` and ``p_export_kw`` (or
``p_charging_kw``) and optionally ``participation`` and ``tolerance`` (the check's own
tolerance of each row: the devices' time or pickup scatter it judged the row with,
:mod:`protv2g.checks.attribution`); the verdict ("worsens", "improves", "varies", "does not
move") is judged within each participation case with the larger of the check's tolerance
and :data:`TREND_REL` / :data:`TREND_ABS`: a change the check itself could not tell from the
devices' scatter is not a trend. The kW are all sites' export (or charging) together, which
the text says.

This module picks the rows of the story (the followed worst row, a charging peak's rows, the
row V2G worsens elsewhere in the finding) and the per-finding tolerance
(:func:`finding_tolerance`); the verdict of a story and its text are
:mod:`protv2g.findings_trend_verdict`'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks.equipment import EQUIPMENT, EQUIPMENT_WORSE, IDLE_MARGIN, PROJECT, PROJECT_ROWS
from protv2g.findings_trend_rows import (
    ROW_KEY,
    TREND_COLUMNS,
    followed_rows,
    row_where,
    rows_of,
    trend_columns,
    with_rows,
    worst_row_story,
)
from protv2g.findings_trend_verdict import (
    TREND_ABS,
    TREND_REL,
    _check_tol,
    _fmt,
    _moved_rows,
    _trend,
    _trend_tol,
)
from protv2g.findings_trend_verdict import _series as _series  # tests read it here

__all__ = ["ROW_KEY", "TREND_ABS", "TREND_COLUMNS", "TREND_REL", "columns_trend", "export_trend",
           "finding_tolerance", "rows_of", "trend_columns", "worst_row_story"]

#: Attributions of a row that V2G made worse (:mod:`protv2g.checks.attribution`).
_WORSENED = ("worse", "new", *PROJECT_ROWS)


def export_trend(rows: pd.DataFrame, unit: str, tolerance: float | None = None) -> str:
    """How the finding's worst margin moves with the total export level (kW: all sites'
    export together); for a charging peak (:func:`_charging_rows`) with the sites' charging (kW)
    at the peak instead.

    The margin followed is the worst row's (``rows``' first, :func:`worst_row_story`): the
    trend and the "Worst margin" are one row's story (review s17 §3.11). The check's
    tolerance — the followed rows' largest ``tolerance`` (:func:`_check_tol`), else
    ``tolerance`` (≥ 0) — widens the band inside which the margin "does not move"; when it
    does not move, or improves while the followed row is not itself worsened, but other rows
    of the finding are worsened by V2G (``attribution``), the text names the most worsened one
    (margin against ``base_margin``)."""
    return columns_trend(trend_columns(rows), len(rows), unit, tolerance)


def columns_trend(cols: dict[str, np.ndarray], n: int, unit: str,
                  tolerance: float | None = None, at: int = 0,
                  extra: dict[str, np.ndarray] | None = None, site: str = "") -> str:
    """:func:`export_trend` of the ``n`` rows whose :func:`trend_columns` are ``cols`` (the
    findings convert their Evidence's columns once and pass each finding's slice).

    ``at``: the row whose story is followed (default the first, the worst): the row the
    finding leads with (:func:`protv2g.findings_headline.headline_offset`, review s28 §3: a
    "made worse by V2G" finding follows V2G's worst row, not a pre-existing worse one).
    ``extra``: rows of that story outside the finding — the coordination table's rows of
    its pair and fault where it passes (:mod:`protv2g.findings_trend_pass`, attribution
    :data:`~protv2g.findings_trend_rows.PASSING_ROW`) — read beside its own, so the trend
    shows the levels where it holds (review rev48a #3). ``site``: the one site driving the
    finding (:mod:`protv2g.findings_trend_sites`): ``p_export_kw`` is then that site's
    export and ``p_total_kw`` all sites', which each point gives in brackets."""
    same, level = followed_rows(cols, n, at)
    followed = same is not None
    story = rows_of(cols, same) if followed else cols
    if followed and extra is not None and len(extra.get("margin", ())):
        story = with_rows(story, extra)
    where = row_where(cols, at) if followed else ""
    where = ", ".join(t for t in (where, level) if t)
    pos = int(np.count_nonzero(same[:at])) if followed else 0  # the followed row in story
    charging = _charging_rows(story, pos)
    if charging is not None and not charging.all():  # the charging rows' story alone
        story, pos = rows_of(story, charging), int(np.count_nonzero(charging[:pos]))
    column, what = ("p_charging_kw", "charging") if charging is not None else (
        "p_export_kw", "export")
    if followed and "tolerance" in story:  # the rows the export (charging) moved
        own = _check_tol(story, _moved_rows(story, column))
        tolerance = own if own > 0 else tolerance
    text = _trend(story, unit, column, what, tolerance,
                  f"; at the worst margin's {where}" if where else "",
                  site if column == "p_export_kw" else "")
    if text.startswith(("does not move", "moves with")) and followed:
        text += _worsened_elsewhere(cols, same, unit)
    elif text.startswith("improves") and followed:
        # the worst row itself worsened by V2G: its base; else the row V2G worsens most
        # (review s25 §3: "made worse by V2G" with a pre-existing worst row that improves)
        text += _worse_than_base(story, unit, pos) or _worsened_elsewhere(cols, same, unit)
    return text


def _charging_rows(cols: dict[str, np.ndarray], at: int = 0) -> np.ndarray | None:
    """The ``(n,)`` rows of a charging peak's trend, ``None`` for an export trend: where the
    followed row ``at`` itself charges, the rows carrying a charging figure and no export
    (review rev41a M4: ckt24's substation transformer, worst at charging/firm, 106 %, "made
    worse by the sites' charging", read "improves with export" from the peak's export rows
    beside it); else every row where each carries the sites' charging at its step and some
    charge (``p_charging_kw``, :mod:`protv2g.checks.load`)."""
    if "p_charging_kw" not in cols:
        return None
    p = cols["p_charging_kw"]
    if 0 <= at < len(p) and p[at] > 0:
        keep = ~np.isnan(p)
        if "p_export_kw" in cols:  # an export row is the export's story, not the charging's
            keep &= ~(np.asarray(cols["p_export_kw"], dtype=float) > 0)
        return keep
    if (~np.isnan(p)).all() and (p > 0).any():
        return np.ones(len(p), dtype=bool)
    return None


def _worse_than_base(story: dict[str, np.ndarray], unit: str, at: int = 0) -> str:
    """"; <base> without V2G: …" when the followed (worst) row is worsened by V2G although its
    margin improves with export — the chargers' presence worsens it, export less so (review
    s19: "made worse by V2G" beside "improves with export" read as a contradiction); "" else.
    ``at``: the followed row's position in ``story``."""
    if not {"attribution", "base_margin"} <= set(story):
        return ""
    b = story["base_margin"][at:at + 1]
    if str(story["attribution"][at]) not in _WORSENED or not np.isfinite(b).all():
        return ""
    if IDLE_MARGIN in story and np.isfinite(story[IDLE_MARGIN]).any():
        return ""  # its points say the project's and the chargers-idle figures (mix38)
    # only where the export points are worse than the base by more than the trend's own
    # tolerance (review rev38a M4: IEEE 13 F04, "−48.28 % at 0 kW … −48.29 % without V2G:
    # the chargers' presence worsens it" — the 0 kW point was the better one)
    m = np.asarray(story.get("margin", ()), dtype=float)
    if "p_export_kw" in story:  # the export points only: a charging snapshot or the base
        # row has no export level (NaN; ver38: IEEE 13 F04's −66.4 % while charging)
        m = m[np.isfinite(np.asarray(story["p_export_kw"], dtype=float))]
    m = m[np.isfinite(m)]
    if not len(m) or float(m.min()) >= float(b[0]) - _trend_tol(m):
        return ""
    return (f"; {_fmt(float(b[0]), unit)} without V2G: the chargers' presence worsens it, "
            "more export less so")


def _worsened_elsewhere(cols: dict[str, np.ndarray], followed: np.ndarray, unit: str) -> str:
    """"; V2G worsens another row of the finding: …" — the row outside the ``followed``
    ones ((n,) bool) that V2G worsened most (margin − base margin), or "" when none is (no
    ``attribution`` "worse"/"new")."""
    if not {"attribution", "base_margin"} <= set(cols):
        return ""
    other = ~followed & np.isin(cols["attribution"], _WORSENED)
    if "p_export_kw" in cols:  # export rows only: a charging snapshot's worsening is the
        # charging's (ver38: IEEE 37 F04 "V2G worsens another row: −1.412 % VUF at 740")
        other &= np.isfinite(np.asarray(cols["p_export_kw"], dtype=float))
    other = np.flatnonzero(other)
    if not len(other):
        return ""
    m, b = cols["margin"][other], cols["base_margin"][other]
    drop = m - b
    at = int(np.argmin(np.where(np.isfinite(drop), drop, np.inf))) if np.isfinite(
        drop).any() else 0
    where = row_where(cols, int(other[at]))
    # a row of the project's equipment (failing with every charger idle) is not V2G's
    # (mix38: J1 1 kW F06, "caused by the project's equipment", read "V2G worsens another row")
    att = str(cols["attribution"][other[at]])
    without = "without the project" if att in PROJECT_ROWS else "without V2G"
    who = {EQUIPMENT: "the project's equipment", EQUIPMENT_WORSE: "the project's equipment",
           PROJECT: "the project (equipment + V2G together)"}.get(att, "V2G")
    base = f" ({_fmt(float(b[at]), unit)} {without})" if np.isfinite(b[at]) else ""
    return (f"; {who} worsens another row of the finding: {_fmt(float(m[at]), unit)}"
            + (f" at {where}" if where else "") + base)


def finding_tolerance(evidence: pd.DataFrame, ends: np.ndarray) -> np.ndarray:
    """Per finding (rows ending at ``ends``), the check's tolerance its trend is judged with:
    the largest finite ``tolerance`` of its rows, 0 without one
    (:func:`export_trend`)."""
    if "tolerance" not in evidence.columns or not len(ends):
        return np.zeros(len(ends))
    t = pd.to_numeric(evidence["tolerance"], errors="coerce").to_numpy(dtype=float,
                                                                      na_value=np.nan)
    t = np.where(np.isfinite(t), np.abs(t), 0.0)
    return np.maximum.reduceat(t, np.concatenate([[0], ends[:-1]]).astype(np.int64))
