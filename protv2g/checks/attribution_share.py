"""When V2G's worsening of a failure already there without V2G is material (review s27 §2).

A row the base case fails too (``m_base < 0``) is ``worse`` only when V2G lowers its margin by
more than the row's tolerance (:mod:`protv2g.checks.attribution`) **and** V2G's part is
material:

* **share of the deficit** — V2G's worsening ``m_base − m_v2g`` is at least
  :data:`MATERIAL_SHARE` (10 %) of the deficit without V2G, ``|m_base|``. Whatever fixes the
  deficit without V2G (a setting, a device) is sized by it; a change of a few percent of it
  does not move that fix;
* **and, for a time margin** (``margin_unit`` ``s``: C1–C4, C6) whose device currents are
  known in both cases (``i_device_a``, ``i_other_a``): V2G moves a device's current by more
  than :data:`CURRENT_SCATTER` (±5 %, the start-value accuracy of a relay or recloser control,
  :data:`protv2g.checks.sensitivity.PICKUP_ACCURACY`, IEC 60255-151; less than an EEI-NEMA
  link's melting-current band, so the conservative one for a fuse). Near a curve's asymptote a
  time moves by seconds for a fraction of a percent of current (EPRI J1: an 80K link's total
  clearing at 188 A, 2.35 × rating; the deficit 249.7 s moved by 4.7 s for ≈ 0.3 % of current,
  and 34.8 → 39.7 s, 14 % of the deficit, for 2.4 %), so a time change whose current change is
  inside the devices' own accuracy of response is that scatter magnified by the curve's slope
  (|dt/dI| × ΔI), not something V2G can be said to cause. The same feeder with 48 homes (F-LAT's
  current 220.6 → 179.5 A, −19 %, the deficit 73.3 → 421.5 s) passes both tests.

Otherwise the row is ``pre-existing``, and its message says by how much V2G moves it and why
that is not V2G's ("… the fix the deficit needs without V2G is the fix (size it with V2G's
part)"); the gate lists it as a condition. The hosting search sets ``worse`` rows aside by the
same share of the deficit (:mod:`protv2g.hosting.limits`), so the gate and the hosting figures
agree: a ``worse`` row passed that share here.

Source of :data:`MATERIAL_SHARE` (10 %): the significance domain.md §4 gives a V2G-caused
change of a device's fault current (C5 reduction of reach, C7 duty increase), the same share as
the FERC pro forma SGIP Fast Track screen (a generating facility with the circuit's other
generation contributes no more than 10 % of the circuit's maximum fault current; SGIP §2.2.1,
FERC Order 2006, 2005; kept in Order 792, 2013). A screening share, not a protection
standard's value: bracket it with :func:`protv2g.hosting.limits.worsening`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from protv2g.checks._rows import column_at, key_codes
from protv2g.checks.sensitivity import PICKUP_ACCURACY
from protv2g.significant import number_text, percent_text

__all__ = ["MATERIAL_SHARE", "CURRENT_SCATTER", "TIME_UNIT", "smallest_with_row", "current_change",
           "small_share", "share_text", "current_text", "current_texts"]

#: Share of the deficit without V2G that V2G's worsening must reach for ``worse`` on a failing
#: base (module docstring).
MATERIAL_SHARE = 0.10
#: Relative change of a device's current within which a time margin's change is the devices'
#: own scatter (module docstring): a relay's or recloser control's ±5 % start accuracy.
CURRENT_SCATTER = PICKUP_ACCURACY

#: The margin unit of the time margins judged by current.
TIME_UNIT = "s"


def smallest_with_row(n: int, pairs: Iterable[tuple[np.ndarray, np.ndarray]],
                      margin: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`protv2g.checks.attribution_codes.smallest_by_key` with the row it comes from.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Per left row: the smallest ``margin`` of the right rows with its key (NaN skipped;
        NaN when all are), their count (0: none), and the position among the right rows of
        the row holding that smallest margin (the first in order on a tie; ``-1`` where none).
    """
    code = key_codes(np.concatenate([a, b]) for a, b in pairs)
    at, of = code[:n], code[n:]
    k = int(code.max()) + 1 if len(code) else 0
    count = np.bincount(of, minlength=k)
    best = np.full(k, np.nan)
    row = np.full(k, -1, dtype=np.intp)
    if len(of):
        m = np.asarray(margin, dtype=float)
        order = np.lexsort((np.where(np.isnan(m), np.inf, m), of))  # NaN after every number
        g = of[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        best[g[starts]] = m[order[starts]]
        row[g[starts]] = order[starts]
    return best[at], count[at], row[at]


def current_change(v: pd.DataFrame, base_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest relative change of a row's device currents against its base twin.

    Parameters
    ----------
    v : DataFrame
        Violation rows with ``i_device_a`` and/or ``i_other_a`` (A).
    base_row : numpy.ndarray of int, shape (n,)
        Position in ``v`` of each row's base twin, ``-1`` where it has none.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``|I − I_base| / |I_base|`` of the device (``device`` or ``other_device``) that moves
        most (NaN where neither current is known in both rows, or the base current is 0),
        and which: 0 ``device``, 1 ``other_device``, -1 none.
    """
    out = np.full(len(v), np.nan)
    which = np.full(len(v), -1, dtype=np.int8)
    ok = base_row >= 0
    take = np.maximum(base_row, 0)
    for j, col in enumerate(("i_device_a", "i_other_a")):
        if col not in v:
            continue
        i = pd.to_numeric(v[col], errors="coerce").to_numpy(float)
        i_base = np.where(ok, i[take], np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.abs(i - i_base) / np.abs(i_base)
        rel = np.where(np.isfinite(rel), rel, np.nan)
        with np.errstate(invalid="ignore"):
            larger = np.isfinite(rel) & ~(rel <= out)
        which = np.where(larger, j, which).astype(np.int8)
        out = np.where(larger, rel, out)
    return out, which


def small_share(m_base: np.ndarray, margin: np.ndarray, is_time: np.ndarray,
                i_change: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose worsening of a failing base is immaterial (module docstring), and which of
    them are so on the current alone.

    Parameters
    ----------
    m_base, margin : numpy.ndarray, shape (n,)
        Base-case and V2G margins (the margin's unit).
    is_time : numpy.ndarray of bool, shape (n,)
        Time margins (``margin_unit`` :data:`TIME_UNIT`).
    i_change : numpy.ndarray, shape (n,)
        :func:`current_change` (NaN: no currents).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``small`` (only where the base fails, ``m_base < 0`` finite, and V2G lowers the
        margin: under :data:`MATERIAL_SHARE` of the deficit, or a time margin whose currents
        move by no more than :data:`CURRENT_SCATTER`) and ``by_current`` (the rows of
        ``small`` whose deficit share reaches the share: immaterial on the current alone).
    """
    with np.errstate(invalid="ignore"):
        fails = np.isfinite(m_base) & (m_base < 0) & (margin < m_base)
        under_share = m_base - margin < MATERIAL_SHARE * np.abs(m_base)
        # a device that stops operating with V2G (margin −∞) is always material (review s28)
        in_scatter = (is_time & np.isfinite(i_change) & (i_change <= CURRENT_SCATTER)
                      & np.isfinite(margin))
    return fails & (under_share | in_scatter), fails & ~under_share & in_scatter


def share_text(m_base: float, change: float, unit: str, i_change: float | None) -> str:
    """The message suffix of a row made ``pre-existing`` by :func:`small_share`;
    ``i_change`` given where it is so on the current alone."""
    head = (f"; pre-existing: without V2G it fails by {number_text(-m_base, unit)} and V2G "
            f"lowers the margin by {number_text(change, unit)}")
    tail = ": the fix the deficit needs without V2G is the fix (size it with V2G's part)"
    if i_change is not None:
        return (f"{head} ({percent_text(change / -m_base)} of that deficit) but moves the "
                f"devices' currents by {percent_text(i_change)} at most, within the "
                f"±{100.0 * CURRENT_SCATTER:g} % accuracy with which they respond to current "
                "(IEC 60255-151 start value; near a curve's asymptote a fraction of a percent "
                f"of current moves the time by seconds){tail}")
    return (f"{head}, {percent_text(change / -m_base)} of that deficit, under the "
            f"{100.0 * MATERIAL_SHARE:g} % material share{tail}")


def current_text(device: str, i_base_a: float, i_a: float) -> str:
    """The message suffix of a time row judged ``worse`` on its current: ``"; V2G moves
    F-LAT's current 220.6 → 179.5 A (−19 %)"``."""
    return (f"; V2G moves {device}'s current {number_text(i_base_a)} → {number_text(i_a, 'A')} "
            f"({percent_text((i_a - i_base_a) / i_base_a)})")


def current_texts(v: pd.DataFrame, at: np.ndarray, twin: np.ndarray, which: np.ndarray
                   ) -> list[str]:
    """:func:`~protv2g.checks.attribution_share.current_text` of rows ``at``: the device
    whose current moved most (``which``), its base twin's current and its own (columns read
    at those rows only, #21)."""
    if not len(at):
        return []
    other = which[at] == 1
    base = twin[at]
    names = np.where(other, column_at(v["other_device"], at).astype(object),
                     column_at(v["device"], at).astype(object))
    i_now, i_base = (np.where(other, pd.to_numeric(column_at(v[c2], rows), errors="coerce"),
                              pd.to_numeric(column_at(v[c1], rows), errors="coerce"))
                     for rows in (at, base) for c1, c2 in [("i_device_a", "i_other_a")])
    return [current_text(str(n), b, x) for n, b, x in
            zip(names.tolist(), np.asarray(i_base, float).tolist(),
                np.asarray(i_now, float).tolist(), strict=True)]
