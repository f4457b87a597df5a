"""When V2G's worsening of a failure already there without V2G is material (review s27 §2).

A row the base case fails too (``m_base < 0``) is ``worse`` only when V2G lowers its margin by
more than the row's tolerance (:mod:`protv2g.checks.attribution`) **and** V2G's part is
material:

* **share of the deficit** — V2G's worsening ``m_base − m_v2g`` is at least
  :data:`MATERIAL_SHARE` (10 %) of the deficit without V2G, ``|m_base|``. Whatever fixes the
  deficit without V2G (a setting, a device) is sized by it; a change of a few percent of it
  does not move that fix;
* **and, for a time margin** (``margin_unit`` ``s``: C1–C4, C6) whose device currents are
  known in both cases (``i_device_a``, ``i_other_a``) and whose moving time (the device's
  time that changes most from its twin, review rev29 §3) is **read in a curve's long-time
  region** (with or without V2G, at least :data:`LONG_TIME_S`):
  V2G moves a device's current by more than :data:`CURRENT_SCATTER` (±5 %, the start-value
  accuracy of a relay or recloser control, :data:`protv2g.checks.sensitivity.
  PICKUP_ACCURACY`, IEC 60255-151; less than an EEI-NEMA link's melting-current band, so the
  conservative one for a fuse). Near a curve's asymptote a time moves by seconds for a
  fraction of a percent of current (EPRI J1: an 80K link's total clearing at 188 A, 2.35 ×
  rating; the deficit 249.7 s moved by 4.7 s for ≈ 0.3 % of current, and 34.8 → 39.7 s, 14 %
  of the deficit, for 2.4 %), so a time change whose current change is inside the devices'
  own accuracy of response is that scatter magnified by the curve's slope (|dt/dI| × ΔI), not
  something V2G can be said to cause. The same feeder with 48 homes (F-LAT's current
  220.6 → 179.5 A, −19 %, the deficit 73.3 → 421.5 s) passes both tests.

  **Where the current test applies** (review s28 §1, §2). Only in the long-time region: on
  the steep but ordinary part of a curve (an IEEE very-inverse relay at 1.5 × pickup moves
  its time by ≈ 3.6 × the current's relative change, 4 % of current ≈ 0.29 s of a 2 s time)
  a time change of a coordination interval is judged on time alone (tolerance and share),
  and a time that the charger stages move while the first-cycle current stays (EPRI J1 with
  3 homes on the LV bus: 200.5 → 199.2 A, K × fast 0.325 → 0.365 s) is not called scatter.
  In the checks the long time must also be **a fuse's clearing time at the fault's
  first-cycle current** (within 10 % of its curve there,
  :func:`protv2g.checks.fuse_melt_text.first_cycle_fuse_time`): a time the later stages set
  (the chargers' sustained limit, or ceasing) is judged on time alone, and so is a relay's or
  recloser's long time (its phase or ground element). And on **both branches**: a base that
  passes by less than the row's tolerance (marginal, ``worse`` when V2G moves it by more than
  that tolerance, :mod:`protv2g.checks.attribution`) is ``pre-existing`` on the same current
  test, so a base failing by 10 ms and one passing by 10 ms get the same verdict for the same
  V2G change.

Otherwise the row is ``pre-existing``, and its message says by how much V2G moves it and why
that is not V2G's ("… the fix the deficit needs without V2G is the fix (size it with V2G's
part)"); the gate lists it as a condition. The hosting search sets ``worse`` rows aside by the
same share of the deficit (:mod:`protv2g.hosting.limits`), so the gate and the hosting figures
agree: a ``worse`` row passed that share here.

Source of :data:`LONG_TIME_S` (10 s): the long-time end of the curves' published data.
ANSI C37.43 specifies an expulsion link's melting current at 300 s (600 s above 100 A), 10 s
and 0.1 s; above 10 s the melting curve rises to its minimum melting current, the region where
the times above move by seconds for a percent of current. IEEE C37.112's inverse curves reach
10 s only within ≈ 1.3 × pickup at time dial 1–2 (very and extremely inverse), where the start
value's own ±5 % accuracy decides whether the relay operates at all.

Source of :data:`MATERIAL_SHARE` (10 %): the significance domain.md §4 gives a V2G-caused
change of a device's fault current (C5 reduction of reach, C7 duty increase), the same share as
the FERC pro forma SGIP Fast Track screen (a generating facility with the circuit's other
generation contributes no more than 10 % of the circuit's maximum fault current; SGIP §2.2.1,
FERC Order 2006, 2005; kept in Order 792, 2013). A screening share, not a protection
standard's value: bracket it with :func:`protv2g.hosting.limits.worsening`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

from protv2g.checks._rows import column_at
from protv2g.checks.attribution_codes import smallest_with_row
from protv2g.checks.sensitivity import PICKUP_ACCURACY
from protv2g.significant import number_text, percent_text

__all__ = ["MATERIAL_SHARE", "CURRENT_SCATTER", "LONG_TIME_S", "TIME_UNIT", "smallest_with_row",
           "TwinValues", "twin_values", "current_change", "row_times", "moving_side",
           "in_scatter", "small_share", "share_text", "marginal_scatter_text", "current_text",
           "current_texts"]

#: Share of the deficit without V2G that V2G's worsening must reach for ``worse`` on a failing
#: base (module docstring).
MATERIAL_SHARE = 0.10
#: Relative change of a device's current within which a time margin's change is the devices'
#: own scatter (module docstring): a relay's or recloser control's ±5 % start accuracy.
CURRENT_SCATTER = PICKUP_ACCURACY

#: Device time (s) from which a curve is in its long-time region, where the current test
#: applies (module docstring, source).
LONG_TIME_S = 10.0

#: The margin unit of the time margins judged by current.
TIME_UNIT = "s"


class TwinValues(NamedTuple):
    """The device currents (A) and times (s) of each row's base twin, aligned with the rows
    (NaN where the twin has none): ``i_device_a``, ``i_other_a``, ``t_device_s``,
    ``t_other_s``."""

    i_device_a: np.ndarray
    i_other_a: np.ndarray
    t_device_s: np.ndarray
    t_other_s: np.ndarray


_TWIN_COLUMNS = ("i_device_a", "i_other_a", "t_device_s", "t_other_s")


def _numbers(frame: pd.DataFrame, col: str, at: np.ndarray) -> np.ndarray:
    if col not in frame.columns or not len(at):
        return np.full(len(at), np.nan)
    return pd.to_numeric(pd.Series(column_at(frame[col], at)), errors="coerce").to_numpy(float)


def twin_values(n: int, sources: Iterable[tuple[pd.DataFrame, np.ndarray, np.ndarray]]
                ) -> TwinValues:
    """:class:`TwinValues` of ``n`` rows gathered from frames holding their twins.

    Parameters
    ----------
    n : int
        Number of rows.
    sources : iterable of (DataFrame, numpy.ndarray, numpy.ndarray)
        ``(frame, rows, at)``: the twins of rows ``rows`` are ``frame``'s rows ``at`` (the
        violation rows of a failing base, the ``base_margins`` rows of a passing one). A
        missing column stays NaN.
    """
    out = {c: np.full(n, np.nan) for c in _TWIN_COLUMNS}
    for frame, rows, at in sources:
        for c in _TWIN_COLUMNS:
            out[c][rows] = _numbers(frame, c, at)
    return TwinValues(**out)


def current_change(v: pd.DataFrame, base: TwinValues) -> tuple[np.ndarray, np.ndarray]:
    """Largest relative change of a row's device currents against its base twin.

    Parameters
    ----------
    v : DataFrame
        Violation rows with ``i_device_a`` and/or ``i_other_a`` (A).
    base : TwinValues
        Each row's base twin (:func:`twin_values`).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``|I − I_base| / |I_base|`` of the device (``device`` or ``other_device``) that moves
        most (NaN where neither current is known in both rows, or the base current is 0),
        and which: 0 ``device``, 1 ``other_device``, -1 none.
    """
    out = np.full(len(v), np.nan)
    which = np.full(len(v), -1, dtype=np.int8)
    for j, (col, i_base) in enumerate((("i_device_a", base.i_device_a),
                                       ("i_other_a", base.i_other_a))):
        if col not in v:
            continue
        i = pd.to_numeric(v[col], errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.abs(i - i_base) / np.abs(i_base)
        rel = np.where(np.isfinite(rel), rel, np.nan)
        with np.errstate(invalid="ignore"):
            larger = np.isfinite(rel) & ~(rel <= out)
        which = np.where(larger, j, which).astype(np.int8)
        out = np.where(larger, rel, out)
    return out, which


def row_times(v: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The rows' own ``t_device_s`` and ``t_other_s`` (s; NaN where a column is missing),
    read once for :func:`moving_side` and :func:`in_scatter`."""
    return tuple(pd.to_numeric(v[c], errors="coerce").to_numpy(float) if c in v
                 else np.full(len(v), np.nan) for c in ("t_device_s", "t_other_s"))


def moving_side(t_now: tuple[np.ndarray, np.ndarray], base: TwinValues) -> np.ndarray:
    """Which device's time moves the margin most from its base twin: 0 ``device``
    (``t_device_s``), 1 ``other_device`` (``t_other_s``), -1 where neither time is known
    (finite) in both rows (review rev29 §3: a relay's time that moves beside a fuse's that
    stays). ``t_now``: :func:`row_times`."""
    moved = []
    for t, b in zip(t_now, (base.t_device_s, base.t_other_s), strict=True):
        with np.errstate(invalid="ignore"):
            d = np.abs(t - b)
        moved.append(np.where(np.isfinite(d), d, -1.0))
    out = np.where(moved[1] > moved[0], 1, 0).astype(np.int8)
    return np.where((moved[0] < 0) & (moved[1] < 0), -1, out).astype(np.int8)


def in_scatter(t_now: tuple[np.ndarray, np.ndarray], margin: np.ndarray, is_time: np.ndarray,
               i_change: np.ndarray, base: TwinValues, side: np.ndarray) -> np.ndarray:
    """Time rows whose change is the devices' response scatter (module docstring): no
    device's current moves by more than :data:`CURRENT_SCATTER` (``i_change``, the largest,
    :func:`current_change`), the time that moves the margin (``side``, :func:`moving_side`)
    is, with or without V2G, at least :data:`LONG_TIME_S` (the curve read in its long-time
    region, where that time's slope makes seconds of a percent of current), and the V2G
    margin is finite (a device that starts or stops operating with V2G is always material,
    review s28). ``t_now``: :func:`row_times`."""
    long_time = np.zeros(len(margin), dtype=bool)
    for j, (t, b) in enumerate(zip(t_now, (base.t_device_s, base.t_other_s), strict=True)):
        with np.errstate(invalid="ignore"):
            long_time |= (side == j) & ((np.isfinite(t) & (t >= LONG_TIME_S)) | (
                np.isfinite(b) & (b >= LONG_TIME_S)))
    with np.errstate(invalid="ignore"):
        return (is_time & np.isfinite(i_change) & (i_change <= CURRENT_SCATTER)
                & np.isfinite(margin) & long_time)


def small_share(m_base: np.ndarray, margin: np.ndarray, scatter: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose worsening of a failing base is immaterial (module docstring), and which of
    them are so on the current alone.

    Parameters
    ----------
    m_base, margin : numpy.ndarray, shape (n,)
        Base-case and V2G margins (the margin's unit).
    scatter : numpy.ndarray of bool, shape (n,)
        :func:`in_scatter`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``small`` (only where the base fails, ``m_base < 0`` finite, and V2G lowers the
        margin: under :data:`MATERIAL_SHARE` of the deficit, or ``scatter``) and
        ``by_current`` (the rows of ``small`` whose deficit share reaches the share:
        immaterial on the current alone).
    """
    with np.errstate(invalid="ignore"):
        fails = np.isfinite(m_base) & (m_base < 0) & (margin < m_base)
        under_share = m_base - margin < MATERIAL_SHARE * np.abs(m_base)
    return fails & (under_share | scatter), fails & ~under_share & scatter


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
                "(a relay's or recloser's start value, IEC 60255-151; an EEI-NEMA link's "
                "melting current spans more, ANSI C37.43; in a fuse curve's long-time region "
                f"a few percent of current move the time by seconds){tail}")
    return (f"{head}, {percent_text(change / -m_base)} of that deficit, under the "
            f"{100.0 * MATERIAL_SHARE:g} % material share{tail}")


def marginal_scatter_text(m_base: float, tol: float, change: float, unit: str,
                          i_change: float) -> str:
    """The message suffix of a row whose base passes by less than its tolerance and whose
    V2G change is the devices' response scatter (:func:`in_scatter`)."""
    return (f"; pre-existing: without V2G it passes by {number_text(m_base, unit)}, within the "
            f"tolerance {number_text(tol, unit)}, and V2G lowers the margin by "
            f"{number_text(change, unit)} but moves the devices' first-cycle currents by "
            f"{percent_text(i_change)} at most, within the ±{100.0 * CURRENT_SCATTER:g} % "
            "accuracy with which they respond to current in the curve's long-time region "
            "(a relay's or recloser's start value, IEC 60255-151; an EEI-NEMA link's melting "
            "current spans more, ANSI C37.43): the limit is not met with the devices' own "
            "scatter even without V2G")


def current_text(device: str, i_base_a: float, i_a: float) -> str:
    """The message suffix of a time row judged ``worse`` on its current: ``"; V2G moves
    F-LAT's first-cycle current 220.6 → 179.5 A (−19 %)"``."""
    return (f"; V2G moves {device}'s first-cycle current {number_text(i_base_a)} → "
            f"{number_text(i_a, 'A')} ({percent_text((i_a - i_base_a) / i_base_a)})")


def current_texts(v: pd.DataFrame, at: np.ndarray, base: TwinValues, which: np.ndarray
                  ) -> list[str]:
    """:func:`~protv2g.checks.attribution_share.current_text` of rows ``at``: the device
    whose current moved most (``which``), its base twin's current (``base``) and its own
    (columns read at those rows only, #21)."""
    if not len(at):
        return []
    other = which[at] == 1
    names = np.where(other, column_at(v["other_device"], at).astype(object),
                     column_at(v["device"], at).astype(object))
    i_now = np.where(other, _numbers(v, "i_other_a", at), _numbers(v, "i_device_a", at))
    i_base = np.where(other, base.i_other_a[at], base.i_device_a[at])
    return [current_text(str(n), b, x) for n, b, x in
            zip(names.tolist(), i_base.tolist(), i_now.tolist(), strict=True)]
