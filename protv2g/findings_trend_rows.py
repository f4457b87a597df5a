"""A finding's rows as the trend reads them (:mod:`protv2g.findings_trend`): their columns
converted once (:func:`trend_columns`), and the rows telling one row's story across export
levels — its :data:`ROW_KEY` and load level(s) (:func:`worst_row_story`; review s17 §3.11).
Split out of :mod:`protv2g.findings_trend` (490 lines, review rev41a M4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks.equipment import IDLE_MARGIN
from protv2g.violations import is_given

__all__ = ["PASSING_ROW", "ROW_KEY", "TREND_COLUMNS", "followed_rows", "level_totals",
           "row_where", "rows_of", "same_key", "trend_columns", "with_rows", "worst_row_story"]

#: The ``attribution`` of a row the trend reads beside a finding's own: the coordination
#: table's row of the same pair and fault at an export level where it passes
#: (:mod:`protv2g.findings_trend_pass`, review rev48a #3).
PASSING_ROW = "passes (Coordination sheet)"
#: What makes a finding's rows one row's story across export levels (review s17 §3.11).
ROW_KEY = ("device", "other_device", "fault_bus", "fault_type", "case")
#: Every column :func:`export_trend` reads from a finding's rows (the ones it lacks it does
#: without): the margin and what it trends against, the participation case, the check's
#: tolerance, the worst row's key and the rows' attribution against the base case.
TREND_COLUMNS = ("margin", "p_export_kw", "p_charging_kw", "participation", "tolerance",
                 *ROW_KEY, "attribution", "base_margin", "load_levels", IDLE_MARGIN)


def _given(v: object) -> str:
    """A key cell as text, a missing value (None, NaN, "") as ""."""
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


#: The columns :func:`export_trend` reads as numbers (``pd.to_numeric``, NaN where not one)
#: and as text (``astype(str)``); the fault's cells are read as they are (:func:`row_where`).
_NUMERIC = ("margin", "p_export_kw", "p_charging_kw", "tolerance", "base_margin", IDLE_MARGIN)
_TEXT = ("participation", "attribution")
_WHERE = ("fault_type", "fault_bus", "case")


def trend_columns(rows: pd.DataFrame,
                  texts: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
                  keys: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
                  ) -> dict[str, np.ndarray]:
    """The columns of ``rows`` :func:`export_trend` reads, each converted once for all of
    them (#21: converted again for every finding, its rows copied into the worst row's story
    first, 0.17 s of the 10,000-bus study's findings): :data:`_NUMERIC` as float (NaN where
    not a number), :data:`_TEXT` as ``astype(str)`` text, :data:`_WHERE` as the cells, and
    for each :data:`ROW_KEY` column ``"<col>:code"`` (equal codes for equal cells, -1
    missing) and ``"<col>:blank"`` (missing or ``""``). A column ``rows`` lacks is absent.

    ``texts``: column → (codes (n,), texts) of a :data:`_TEXT` column whose ``texts[codes]``
    is its ``astype(str)`` (:func:`protv2g.text_codes.text_codes`), already made; ``keys``
    the same of a :data:`ROW_KEY` column of plain ``str`` cells (none missing), whose codes
    then tell equal cells (canonical codes: equal exactly for equal texts)."""
    out: dict[str, np.ndarray] = {}
    for c in _NUMERIC:
        if c in rows.columns:
            out[c] = pd.to_numeric(rows[c], errors="coerce").to_numpy(dtype=float,
                                                                       na_value=np.nan)
    for c in _TEXT:
        if texts is not None and c in texts:
            codes, values = texts[c]
            out[c] = values[codes]
        elif c in rows.columns:
            out[c] = rows[c].astype(str).to_numpy()
    for c in _WHERE:
        if c in rows.columns:
            out[c] = rows[c].to_numpy()
    if "load_levels" in rows.columns or (texts is not None and "load_levels" in texts):
        codes, values = (texts["load_levels"] if texts is not None and "load_levels" in texts
                         else pd.factorize(rows["load_levels"].to_numpy(dtype=object)))
        out["load_levels"], out["load_levels:mask"] = _level_masks(codes, values)
    if set(ROW_KEY) <= set(rows.columns):
        for c in ROW_KEY:
            # equal codes exactly for cells that compare equal (hashing by ``==``), missing
            # cells (None, NaN) -1: a row's key against another's without a Python call a cell
            codes, uniques = (keys[c] if keys is not None and c in keys
                              else pd.factorize(rows[c].to_numpy()))
            empty = np.asarray(uniques, dtype=object) == ""
            out[f"{c}:code"] = codes
            out[f"{c}:blank"] = (codes < 0) | (empty[codes] if len(empty) else False)
    return out


def _level_masks(codes: np.ndarray, values: np.ndarray | pd.Index
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Each row's load levels (an Evidence row's ``load_levels``, ``"light, peak"`` where rows
    differing only in load level collapsed) as text and as a bit mask of the levels it holds
    (one bit per distinct level; 0 for none), from the column's codes (-1 missing) and
    distinct texts."""
    texts = [str(v) if is_given(v) else "" for v in np.asarray(values, dtype=object)]
    names = sorted({t for v in texts for t in v.split(", ") if t})
    bit = {n: 1 << k for k, n in enumerate(names[:62])}  # int64 bits; more levels: unmasked
    masks = np.array([sum(bit.get(t, 0) for t in v.split(", ") if t) for v in texts] + [0],
                     dtype=np.int64)
    text = np.array([*texts, ""], dtype=object)
    codes = np.asarray(codes)
    return text[codes], masks[codes]  # code -1: the appended "" / 0


def same_key(cols: dict[str, np.ndarray], at: int) -> np.ndarray:
    """``(n,)`` bool: the rows with row ``at``'s :data:`ROW_KEY` values (missing = missing:
    None, NaN and "" alike), from :func:`trend_columns`' codes."""
    same = np.ones(len(cols[f"{ROW_KEY[0]}:code"]), dtype=bool)
    for c in ROW_KEY:
        codes, blank = cols[f"{c}:code"], cols[f"{c}:blank"]
        same &= blank if blank[at] else (codes == codes[at])
    return same


def row_where(cols: dict[str, np.ndarray], at: int) -> str:
    """Where row ``at`` is: ``"SLG-a b2 min"`` ("" without a fault position)."""
    return " ".join(t for t in (_given(cols[c][at]) for c in _WHERE) if t)


def rows_of(cols: dict[str, np.ndarray], at: np.ndarray | slice) -> dict[str, np.ndarray]:
    """:func:`trend_columns` at the rows ``at`` (a mask, positions or a slice)."""
    return {k: v[at] for k, v in cols.items()}


def worst_row_story(rows: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows of ``rows`` telling its first (worst) row's story: those with its
    :data:`ROW_KEY` values, and where that row is (:func:`row_where`). All of ``rows`` and ""
    when a key column is missing or ``rows`` is empty."""
    cols = trend_columns(rows)
    same, _ = followed_rows(cols, len(rows))
    if same is None:
        return rows, ""
    return rows[same], row_where(cols, 0)


def followed_rows(cols: dict[str, np.ndarray], n: int, at: int = 0
              ) -> tuple[np.ndarray | None, str]:
    """The ``(n,)`` mask of row ``at``'s story (default the worst, first, row) — its
    :data:`ROW_KEY` and its load level(s) — and ``"light load"`` where rows of the same key at
    other levels were left out ("" else); ``(None, "")`` (all rows) when a key column is
    missing or there is no row."""
    if not n or f"{ROW_KEY[0]}:code" not in cols:
        return None, ""
    key = same_key(cols, at)
    levels = cols.get("load_levels:mask")
    if levels is None or not levels[at]:
        return key, ""
    # the followed row's load level(s) only (a flow margin at light load and one at peak
    # are two stories; trust29: C12's trend took each export level's worst over both)
    same = key & ((levels & levels[at]) != 0)
    if np.array_equal(key, same):
        return same, ""
    level = str(cols["load_levels"][at])
    return same, level if "load" in level else f"{level} load"


def with_rows(story: dict[str, np.ndarray], extra: dict[str, np.ndarray]
              ) -> dict[str, np.ndarray]:
    """``story``'s columns with ``extra``'s rows after its own; a column ``extra`` lacks
    is filled with NaN (numbers), -1 (codes), 0 (masks), False or "" (texts)."""
    n = len(extra["margin"])
    out = {}
    for k, v in story.items():
        if k in extra:
            add = np.asarray(extra[k])
        elif v.dtype.kind == "f":
            add = np.full(n, np.nan)
        elif v.dtype.kind in "iu":
            add = np.full(n, 0 if k.endswith(":mask") else -1, dtype=v.dtype)
        elif v.dtype.kind == "b":
            add = np.zeros(n, dtype=bool)
        else:
            add = np.full(n, "", dtype=object)
        out[k] = (np.concatenate([v.astype(object), add.astype(object)])
                  if v.dtype.kind in "OUS" else
                  np.concatenate([v, add.astype(v.dtype, copy=False)]))
    return out


def level_totals(m: np.ndarray, p: np.ndarray, total: np.ndarray) -> dict[float, float]:
    """Each level of ``p`` (one site's export, kW) → ``total`` (all sites', kW) of its
    worst (smallest ``m``) row: the all-sites figure beside that site's point."""
    out = {}
    for k in np.unique(p[p > 0]).tolist():
        at = np.flatnonzero(p == k)
        out[k] = float(total[at[int(np.argmin(m[at]))]])
    return out
