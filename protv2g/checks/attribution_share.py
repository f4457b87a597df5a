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
  V2G moves a device's **operating current** — the current of the element whose time the
  row reads: ``|3I0|`` for a relay or recloser tripping on its ground element, the largest
  phase current otherwise (review ver31, EPRI ckt5 with drafted fuses: a relay on 51G,
  |3I0| +2.8 % with V2G, judged on its phase current's −33 % read "made worse by V2G";
  :func:`operating_changes`, :mod:`protv2g.checks.operating_element`) — by more than
  :data:`CURRENT_SCATTER` (±5 %, the start-value
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
  :func:`protv2g.checks.fuse_melt_text.first_cycle_fuse_time`), or a fuse's time the later
  stages set (the chargers' sustained limit, or ceasing): that one is judged on **the current
  that sets it** — the constant current at which the fuse's curve gives the time
  (:func:`protv2g.checks.fuse_melt_text.setting_current_a`), against the base twin's taken the
  same way (its first-cycle current where its time is a first-cycle time) — with the other
  device's operating current (review rev32a W1, EPRI J1: F-2PH's first cycle 235.6 A under
  its 238 A melting current, 595 s from a later stage; the test had been skipped and the row
  judged on its share alone). A relay's or recloser's long time (its phase or ground
  element) is judged on time alone. And on **both branches**: a base that
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
from protv2g.checks.operating_element import ELEMENT_DTYPE, OperatingElement
from protv2g.checks.sensitivity import PICKUP_ACCURACY

__all__ = ["MATERIAL_SHARE", "CURRENT_SCATTER", "LONG_TIME_S", "TIME_UNIT", "smallest_with_row",
           "TwinValues", "twin_values", "CurrentChange", "operating_changes", "current_change",
           "row_times", "moving_side", "in_scatter", "side_change", "small_share"]

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
    (NaN where the twin has none): ``i_device_a``, ``i_other_a`` (largest phase),
    ``t_device_s``, ``t_other_s``; ``i_device_3i0_a``, ``i_other_3i0_a`` (``|3I0|``,
    float32) and ``element_device``, ``element_other`` (int8
    :class:`~protv2g.checks.operating_element.OperatingElement` codes, -1 not known) where
    the twin is a pair row (review ver31)."""

    i_device_a: np.ndarray
    i_other_a: np.ndarray
    t_device_s: np.ndarray
    t_other_s: np.ndarray
    i_device_3i0_a: np.ndarray | None = None
    i_other_3i0_a: np.ndarray | None = None
    element_device: np.ndarray | None = None
    element_other: np.ndarray | None = None


_TWIN_COLUMNS = ("i_device_a", "i_other_a", "t_device_s", "t_other_s")
#: Each side's (phase current, |3I0|, element code) columns: ``device``, ``other_device``.
_SIDES = (("i_device_a", "i_device_3i0_a", "element_device"),
          ("i_other_a", "i_other_3i0_a", "element_other"))


def numbers_at(frame: pd.DataFrame, col: str, at: np.ndarray) -> np.ndarray:
    if col not in frame.columns or not len(at):
        return np.full(len(at), np.nan)
    return pd.to_numeric(pd.Series(column_at(frame[col], at)), errors="coerce").to_numpy(float)


def _codes(frame: pd.DataFrame, col: str, at: np.ndarray | None = None) -> np.ndarray:
    """Element codes of ``frame[col]`` (at ``at``, all rows without), int8, -1 where
    missing."""
    n = len(frame) if at is None else len(at)
    if col not in frame.columns or not n:
        return np.full(n, OperatingElement.UNKNOWN, dtype=ELEMENT_DTYPE)
    x = frame[col].to_numpy() if at is None else column_at(frame[col], at)
    if x.dtype == ELEMENT_DTYPE:
        return x
    x = pd.to_numeric(pd.Series(x), errors="coerce").to_numpy(float)
    return np.where(np.isfinite(x), x, OperatingElement.UNKNOWN).astype(ELEMENT_DTYPE)


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
    out: dict[str, np.ndarray] = {c: np.full(n, np.nan) for c in _TWIN_COLUMNS}
    ground = {c: np.full(n, np.nan, dtype=np.float32) for _, c, _ in _SIDES}
    codes = {c: np.full(n, OperatingElement.UNKNOWN, dtype=ELEMENT_DTYPE) for *_, c in _SIDES}
    for frame, rows, at in sources:
        for c in _TWIN_COLUMNS:
            out[c][rows] = numbers_at(frame, c, at)
        for _, g, e in _SIDES:
            if e in frame.columns:  # the pair rows' (review ver31)
                ground[g][rows] = numbers_at(frame, g, at)
                codes[e][rows] = _codes(frame, e, at)
    return TwinValues(**out, **ground, **codes)


class CurrentChange(NamedTuple):
    """:func:`current_change`'s result: ``rel`` (n,) the largest relative change of a
    device's operating current, ``which`` (n,) int8 whose (0 ``device``, 1
    ``other_device``, -1 none) and ``element`` (2, n) int8 each side's element whose current
    was compared (:class:`~protv2g.checks.operating_element.OperatingElement`: 1 ``|3I0|``,
    0 the phase current)."""

    rel: np.ndarray
    which: np.ndarray
    element: np.ndarray


def _relative(i: np.ndarray, i_base: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(i - i_base) / np.abs(i_base)
    return np.where(np.isfinite(rel), rel, np.nan)


def operating_changes(v: pd.DataFrame, base: TwinValues) -> CurrentChange:
    """Relative change of each device's **operating** current against its base twin, and
    the largest of the two devices' (review ver31).

    The operating current is the current of the element whose time the row reads
    (``element_device``/``element_other``, :mod:`protv2g.checks.operating_element`): a
    ground element's ``|3I0|`` (``i_device_3i0_a``/``i_other_3i0_a``), the largest phase
    current otherwise (every fuse; rows without element codes). Where the element differs
    between the row and its twin (one trips on 51G, the other on 51P, or one is not known)
    the **larger** of the two currents' relative changes is taken: the time answers to one
    current in one case and to the other in the other, so both are the time's, and the
    current test (:func:`in_scatter`) excuses a time change as the devices' scatter only
    when neither moves by more than :data:`CURRENT_SCATTER` — never on the element that
    happens to move least.

    Parameters
    ----------
    v : DataFrame
        Violation rows with ``i_device_a`` and/or ``i_other_a`` (A), optionally the element
        columns (:data:`~protv2g.checks.operating_element.ELEMENT_COLUMNS`).
    base : TwinValues
        Each row's base twin (:func:`twin_values`).

    Returns
    -------
    CurrentChange
        ``rel``: NaN where neither current is known in both rows (or the base current is
        0); ``which``; ``element``.
    """
    n = len(v)
    out = np.full(n, np.nan)
    which = np.full(n, -1, dtype=np.int8)
    element = np.full((2, n), OperatingElement.PHASE, dtype=ELEMENT_DTYPE)
    twins = ((base.i_device_a, base.i_device_3i0_a, base.element_device),
             (base.i_other_a, base.i_other_3i0_a, base.element_other))
    for j, ((col, g_col, e_col), (i_base, g_base, e_base)) in enumerate(
            zip(_SIDES, twins, strict=True)):
        if col not in v and g_col not in v:
            continue
        rel = (_relative(pd.to_numeric(v[col], errors="coerce").to_numpy(float), i_base)
               if col in v else np.full(n, np.nan))
        e_now = _codes(v, e_col)
        e_base = (np.full(n, OperatingElement.UNKNOWN, dtype=ELEMENT_DTYPE) if e_base is None
                  else e_base)
        # the rows where a ground element operates in the row or its twin, read there only
        # (#21: the other rows, most of them, keep their phase current's change)
        at = np.flatnonzero((e_now == OperatingElement.GROUND)
                            | (e_base == OperatingElement.GROUND))
        if len(at) and g_col in v and g_base is not None:
            rel_g = _relative(numbers_at(v, g_col, at), g_base[at].astype(float))
            both = ((e_now[at] == OperatingElement.GROUND)
                    & (e_base[at] == OperatingElement.GROUND))
            rel_p = rel[at]
            with np.errstate(invalid="ignore"):
                # both ground: |3I0|'s; the element differs: the larger change of the two
                use_g = both | (rel_g > rel_p) | (np.isnan(rel_p) & ~np.isnan(rel_g))
            use_g &= ~np.isnan(rel_g) | both
            rel[at] = np.where(use_g, rel_g, rel_p)
            element[j, at] = np.where(use_g, OperatingElement.GROUND, OperatingElement.PHASE)
        with np.errstate(invalid="ignore"):
            larger = np.isfinite(rel) & ~(rel <= out)
        which = np.where(larger, j, which).astype(np.int8)
        out = np.where(larger, rel, out)
    return CurrentChange(out, which, element)


def current_change(v: pd.DataFrame, base: TwinValues) -> tuple[np.ndarray, np.ndarray]:
    """Largest relative change of a row's device currents against its base twin: the
    ``(rel, which)`` of :func:`operating_changes` (each device's operating element's
    current).

    Parameters
    ----------
    v : DataFrame
        Violation rows with ``i_device_a`` and/or ``i_other_a`` (A).
    base : TwinValues
        Each row's base twin (:func:`twin_values`).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``|I − I_base| / |I_base|`` of the device (``device`` or ``other_device``) whose
        operating current moves most (NaN where neither current is known in both rows, or
        the base current is 0), and which: 0 ``device``, 1 ``other_device``, -1 none.
    """
    c = operating_changes(v, base)
    return c.rel, c.which


def side_change(v: pd.DataFrame, base: TwinValues, at: np.ndarray, j: int) -> np.ndarray:
    """Relative change of side ``j``'s (0 ``device``, 1 ``other_device``) operating current
    alone at rows ``at`` (:func:`operating_changes` with the other side's twin unknown);
    NaN where not known."""
    at = np.asarray(at, dtype=np.intp)
    sub = v.iloc[at]
    b = TwinValues(*(None if x is None else x[at] for x in base))
    nan = np.full(len(at), np.nan)
    gone = (("i_other_a", "i_other_3i0_a") if j == 0 else ("i_device_a", "i_device_3i0_a"))
    b = b._replace(**{gone[0]: nan, gone[1]: nan.astype(np.float32)})
    return operating_changes(sub, b).rel


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
