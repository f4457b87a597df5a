"""Tolerances and data boundaries of the curve lookups behind a margin (#17).

A coordination margin is made of two devices' times, each read from curve data at that
device's own current. Two things about those lookups travel with every row:

* **tolerance** (s) — how far each time can lie from the value used, from the data
  (:func:`protv2g.devices.tolerances.tolerance_s`: a fuse's published melting range or arcing
  bracket, a relay's or recloser control's timing accuracy) — of the element whose time is
  used: a relay's or recloser's ground element where it is faster than the phase element
  (a minimum SLG fault is often cleared on the ground curve while the phase current is
  below the phase pickup), as :func:`device_boundary` reads it. A fuse's **minimum melt** is
  the low end of its melting band (ANSI C37.43, EEI-NEMA K/T links: the link melts no
  earlier), and every rule reads it as the time a fuse must not undercut (C2 fuse saving and
  source side, C3's backup link): the band lies wholly on the passing side of such a margin,
  so the minimum melt's tolerance is 0 — the link melting later only helps the rule (review
  rev29 §2: the whole band, up to 245 s on EPRI J1's 80K link, called a V2G loss of fuse
  saving "within the devices' scatter"). The margin's tolerance is the
  root-sum-square of its terms' tolerances, each scaled by its factor in the rule (e.g.
  ``K × t_fast``): the two devices' errors are independent. A margin that moves by less
  than this against the base case is inside the devices' own scatter: not a change V2G can be
  said to cause (attribution, :func:`protv2g.checks.attribute`).
* **data boundary** — where each lookup falls in the data behind the curve
  (:class:`protv2g.devices.boundary.DataBoundary`): a verdict resting on a table end, an
  interpolated stretch between sparse points or an asymptote says so (``inside`` otherwise).
* **fuse curve band** — a rule that reads a fuse's total clearing (TC) as the *downstream*
  device's time (C1 relay over fuse, C2 fuse TC < recloser delayed, C3 fuse–fuse 75 % rule,
  C6 a fed-back device against the fuse clearing the fault) takes the high end of the link's
  EEI-NEMA band (maximum melt + arcing, the conservative end, as the makers' TC curves do);
  :func:`fuse_tc_band_low_s` gives the band's low end (minimum melt, no arcing) and
  :func:`with_curve_band` flags a failing row that holds there (``<fuse> tc: curve_band``,
  :attr:`DataBoundary.CURVE_BAND`): its verdict flips inside the band and rests on the real
  link's curve (:meth:`protv2g.devices.fuse.Fuse.total_clear_band_s`). A link given by its
  TC table has no band.

Example
-------
>>> tol = device_tolerance_s(ctx, names, i_a, "mm")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from protv2g.checks._rows import distinct_rows, labels_by_key, per_distinct, rows_by_value
from protv2g.devices.boundary import DataBoundary
from protv2g.devices.kinds import kind_of
from protv2g.devices.tolerances import accuracy, tolerance_s

__all__ = ["device_tolerance_s", "slower_element_tolerance_s", "with_sure_tolerance",
           "timing_technology", "DEFAULT_TIMING_TECHNOLOGY",
           "device_boundary",
           "combine_boundaries", "rss", "fuse_tc_band_low_s", "with_curve_band", "INSIDE",
           "PRIMARY_TIME", "DeviceRows", "device_rows", "phase_time_s"]

INSIDE = DataBoundary.INSIDE.value
#: Flags that are not a data boundary of a verdict (the element simply does not operate).
_QUIET = {DataBoundary.INSIDE.value, DataBoundary.NOT_OPERATING.value, "nan", ""}


#: The time kind that reads, for every device, the time a pair rule uses when the device is
#: the primary: a relay's operate time, a recloser's longest shot (delayed curve), a fuse's
#: total clearing (:func:`_which` maps it per kind). One look-up for the rows of every kind
#: (#21: the pair table's tolerances and boundaries were computed for all rows once per
#: primary kind, each row keeping its kind's: the same values, three times the work).
PRIMARY_TIME = "op"


#: The relay technology whose timing accuracy is a time margin's tolerance when the study
#: does not say ``checks.timing_accuracy_technology``: numerical, whatever its relays are
#: (:func:`timing_technology`).
DEFAULT_TIMING_TECHNOLOGY = "numerical"


def timing_technology(thresholds: Any) -> str:
    """The relay technology whose timing accuracy a relay's time tolerance reads: the study's
    ``checks.timing_accuracy_technology``, else :data:`DEFAULT_TIMING_TECHNOLOGY` — **not**
    ``relay_technology``.

    The tolerance is the materiality of V2G's change of a margin in attribution
    (:mod:`protv2g.checks.attribution`): a change inside it is "the devices' own scatter" and
    the row is ``pre-existing``, out of the hosting limits (:mod:`protv2g.hosting.limits`).
    A relay's curve scatter is common to the cases with and without V2G — the same relay, at
    nearly the same current, runs early or late the same way — so it says whether a *margin*
    is real, not whether V2G's deterministic *change* of the computed time is; a wider scatter
    there only loosens. Following ``relay_technology`` made declaring an electromechanical
    relay **raise** EPRI ckt5's campus hosting figure from 68 to 115 kW (review rev40b W2: the
    limiting C1 row head / f-105409fuse passes by 2.66 s without V2G, inside 10 % of the
    head's ≈ 44 s but not 5 %, so V2G's change read as scatter); a less accurate device may
    only lower the figure (its larger coordination interval, ``relay_technology``). The
    numerical class (5 % / 30 ms, ``rules.yaml`` ``timing_accuracy``) is the smallest the
    rule table knows — the materiality every study had by default; the hosting band's ends
    already kept it apart from the intervals (:mod:`protv2g.hosting.band`, ver37 §5e).
    """
    return (getattr(thresholds, "timing_accuracy_technology", None)
            or DEFAULT_TIMING_TECHNOLOGY)


def _which(role: str, which: str) -> str:
    """The :func:`tolerance_s` time of a device role for a check's time ``which``."""
    if role == "relay":
        return "op"
    if role == "recloser":
        return which if which in ("fast", "delayed") else "delayed"
    return which if which in ("mm", "tc") else "tc"


def _ground_time_tolerance_s(dev: Any, role: str, i_g: np.ndarray, which: str, tech: str
                             ) -> tuple[np.ndarray, np.ndarray]:
    """(time, tolerance) of a relay's or recloser's ground element at 3I0 currents ``i_g``
    (``inf``/``nan`` where it has none or does not operate), with the accuracy
    :func:`protv2g.devices.tolerances.time_band_s` gives the phase element: the larger of the
    relative and absolute error of the curve time (a recloser's mechanism time is an adder)."""
    if role == "relay":
        t = dev.ground_time_s(i_g)
        rel, absolute, _ = accuracy(f"{tech}_relay")
        mech = 0.0
    elif role == "recloser":
        if which == "fast" and not dev.settings.n_fast:  # no fast shot: never operates
            return np.full(i_g.shape, np.inf), np.full(i_g.shape, np.nan)
        fast = which == "fast"
        t = dev.ground_fast_time_s(i_g) if fast else dev.ground_delayed_time_s(i_g)
        curve = dev.ground_fast_curve if fast else dev.ground_delayed_curve
        mech = dev.mechanism_s(curve) if curve is not None else 0.0
        rel, absolute, _ = accuracy("recloser_control")
    else:  # a fuse has no ground element
        nan = np.full(i_g.shape, np.nan)
        return np.full(i_g.shape, np.inf), nan
    with np.errstate(invalid="ignore"):
        tol = np.where(np.isfinite(t), np.maximum(rel * (t - mech), absolute), np.nan)
    return t, tol


def phase_time_s(dev: Any, role: str, i_p: np.ndarray, which: str) -> np.ndarray:
    """A relay's phase elements' time or a recloser's phase ``which`` curve (its delayed
    curve where it has no fast shot) at phase currents ``i_p`` (A)."""
    if role == "relay":
        return dev.phase_time_s(i_p)
    if which == "fast" and dev.settings.n_fast:
        return dev.fast_time_s(i_p)
    return dev.delayed_time_s(i_p)


class DeviceRows(NamedTuple):
    """One device's rows of a table and their distinct (phase, ground) current pairs
    (:func:`device_rows`): ``first`` the positions in ``rows`` of each distinct pair's first
    row and ``inverse`` each row's pair (:func:`~protv2g.checks._rows.distinct_rows`), both
    None where more than 90 % of the pairs are distinct (evaluated row by row, as
    :func:`~protv2g.checks._rows.per_distinct`)."""

    name: Any
    rows: np.ndarray
    first: np.ndarray | None
    inverse: np.ndarray | None

    def once(self, fn: Callable[..., Any], *arrays: np.ndarray) -> np.ndarray:
        """``fn(*arrays)`` (arrays of this device's rows, a function treating each row on
        its own) evaluated once per distinct pair: the same output bits."""
        if self.first is None:
            return fn(*arrays)
        return np.asarray(fn(*(a[self.first] for a in arrays)))[self.inverse]


def device_rows(names: Sequence[str] | np.ndarray, i_phase_a: np.ndarray,
                i_ground_a: np.ndarray) -> list[DeviceRows]:
    """Every device's rows (:func:`~protv2g.checks._rows.rows_by_value`, in sorted order of
    the names) with their distinct current pairs, found once for all the look-ups of a table
    (#21: the pair table's names factorised and its currents hashed again for each of up to
    ten tolerances and ten data boundaries)."""
    i_p = np.asarray(i_phase_a, dtype=float)
    i_g = np.asarray(i_ground_a, dtype=float)
    out = []
    for name, idx in rows_by_value(np.asarray(names, dtype=object)):
        first, inverse = distinct_rows(i_p[idx], i_g[idx])
        if len(first) > 0.9 * len(inverse):  # per_distinct's share
            first = inverse = None
        out.append(DeviceRows(name, idx, first, inverse))
    return out


def device_tolerance_s(ctx: Any, names: Sequence[str] | np.ndarray, i_a: np.ndarray,
                       which: str, i_ground_a: np.ndarray | None = None,
                       rows: list[DeviceRows] | None = None) -> np.ndarray:
    """Tolerance (s) of each row's device time at its current (0 where it does not operate).

    Parameters
    ----------
    ctx : CheckContext
        For the device models and the relay technology.
    names : array of str
        Device of each row.
    i_a : numpy.ndarray
        Phase current of each row (A).
    which : {"op", "mm", "tc", "fast", "delayed"}
        The time the check uses (mapped to what each kind has: a relay's operate time, a
        recloser's ``fast``/``delayed`` curve, a fuse's ``mm``/``tc``).
    i_ground_a : numpy.ndarray, optional
        Residual current 3I0 of each row (A). Given, a relay's or recloser's tolerance is
        that of its ground element where the ground element is the faster (its time is the
        one the check uses); without it, the phase element's.
    rows : list of DeviceRows, optional
        :func:`device_rows` of ``names``, ``i_a`` and ``i_ground_a`` when the caller has it
        (found once for several look-ups of one table); needs ``i_ground_a``.
    """
    names = np.asarray(names, dtype=object)
    i_a = np.asarray(i_a, dtype=float)
    i_g = None if i_ground_a is None else np.asarray(i_ground_a, dtype=float)
    out = np.zeros(len(names))
    tech = timing_technology(ctx.thresholds)
    if i_g is not None:
        for g in device_rows(names, i_a, i_g) if rows is None else rows:
            dev = ctx.devices.get(str(g.name))
            if dev is not None:  # once per distinct current pair (#21)
                out[g.rows] = g.once(lambda p, q, d=dev: _tolerance_s(d, p, q, which, tech),
                                     i_a[g.rows], i_g[g.rows])
        return out
    for name, idx in rows_by_value(names):
        dev = ctx.devices.get(str(name))
        if dev is None:
            continue
        # once per distinct current (pair) of the device (#21: rows repeat across the
        # scenarios sharing a charger set and the pairs sharing a device)
        out[idx] = per_distinct(lambda p, d=dev: _tolerance_s(d, p, None, which, tech),
                                i_a[idx])
    return out


def slower_element_tolerance_s(ctx: Any, names: Sequence[str] | np.ndarray, i_a: np.ndarray,
                               i_ground_a: np.ndarray, which: str) -> np.ndarray:
    """Tolerance (s) of the **slower** of a relay's or recloser's phase and ground elements
    at each row's currents: that of the element whose time a row takes where the faster one
    runs within its minimum trip's accuracy and may not start (C2 fuse saving,
    :func:`protv2g.checks.recloser_element_text.sure_fast_rows`, review rev29 §6) — not the
    faster element's, which :func:`device_tolerance_s` gives (brief trust31 §2c).

    Parameters
    ----------
    ctx : CheckContext
        For the device models and the relay technology.
    names : array of str
        ``(n,)`` device of each row.
    i_a, i_ground_a : numpy.ndarray
        ``(n,)`` phase current and 3I0 of each row (A).
    which : {"op", "fast", "delayed"}
        The time the check uses.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` the slower element's tolerance (s); 0 where it does not operate or the
        device is not a relay or recloser.
    """
    names = np.asarray(names, dtype=object)
    i_a, i_g = np.asarray(i_a, dtype=float), np.asarray(i_ground_a, dtype=float)
    out = np.zeros(len(names))
    tech = timing_technology(ctx.thresholds)
    for name, idx in rows_by_value(names):
        dev = ctx.devices.get(str(name))
        role = None if dev is None else kind_of(dev).role
        if role not in ("relay", "recloser"):
            continue
        w = _which(role, which)
        with np.errstate(invalid="ignore", divide="ignore"):
            tol_p = tolerance_s(dev, i_a[idx], w, relay_technology=tech)  # type: ignore[arg-type]
            t_g, tol_g = _ground_time_tolerance_s(dev, role, i_g[idx], w, tech)
            t_p = phase_time_s(dev, role, i_a[idx], w)
            tol = np.where(np.fmin(t_g, np.inf) < t_p, tol_p, tol_g)
        out[idx] = np.where(np.isfinite(tol), tol, 0.0)
    return out


def with_sure_tolerance(ctx: Any, m: pd.DataFrame, tol_fast_s: np.ndarray,
                        swapped: np.ndarray) -> np.ndarray:
    """``(len(m),)`` the recloser's fast-time tolerance (s) on every row of the pair table
    ``m`` (``backup``, ``b_i_phase_a``, ``b_i_ground_a``): ``tol_fast_s`` (the faster
    element's, :func:`device_tolerance_s`; not written into), the slower element's
    (:func:`slower_element_tolerance_s`) on the rows whose time fuse saving took from it
    (``swapped``, :func:`protv2g.checks.recloser_element_text.sure_fast_rows`)."""
    at = np.flatnonzero(swapped)
    if not len(at):
        return tol_fast_s
    out = np.array(tol_fast_s, dtype=float, copy=True)
    out[at] = slower_element_tolerance_s(ctx, m.backup.to_numpy()[at],
                                         m.b_i_phase_a.to_numpy(dtype=float)[at],
                                         m.b_i_ground_a.to_numpy(dtype=float)[at], "fast")
    return out


def _tolerance_s(dev: Any, i_p: np.ndarray, i_g: np.ndarray | None, which: str, tech: str
                 ) -> np.ndarray:
    """:func:`device_tolerance_s` of one device's rows."""
    role = kind_of(dev).role
    w = _which(role, which)
    if role == "fuse" and w == "mm":  # the band's low end: nothing on the failing side
        return np.zeros(np.shape(i_p))
    with np.errstate(invalid="ignore", divide="ignore"):
        tol = tolerance_s(dev, i_p, w, relay_technology=tech)  # type: ignore[arg-type]
        if i_g is not None and role in ("relay", "recloser"):
            t_g, tol_g = _ground_time_tolerance_s(dev, role, i_g, w, tech)
            t_p = phase_time_s(dev, role, i_p, w)
            tol = np.where(np.fmin(t_g, np.inf) < t_p, tol_g, tol)
    return np.where(np.isfinite(tol), tol, 0.0)


def _one_boundary(dev: Any, role: str, i_p: np.ndarray, i_g: np.ndarray, which: str
                  ) -> np.ndarray:
    if role == "fuse":
        return dev.boundary(i_p, "mm" if which == "mm" else "tc")
    if role == "recloser":
        shot = which if which in ("fast", "delayed") else "delayed"
        phase = dev.boundary(i_p, shot)
        if dev.settings.ground_min_trip_a is None:
            return phase
        t_p = dev.fast_time_s(i_p) if shot == "fast" else dev.delayed_time_s(i_p)
        t_g = dev.ground_fast_time_s(i_g) if shot == "fast" else dev.ground_delayed_time_s(i_g)
        ground = dev.boundary(i_g, shot, ground=True)
        return np.where(t_g < t_p, ground, phase)
    return dev.phase_boundary(i_p)


def device_boundary(ctx: Any, names: Sequence[str] | np.ndarray, i_phase_a: np.ndarray,
                    i_ground_a: np.ndarray, which: str,
                    rows: list[DeviceRows] | None = None) -> np.ndarray:
    """``"<device> <which>: <flag>"`` where a row's lookup is at a data boundary, else ``""``.

    The element whose time is used decides: a recloser's ground curve where it is faster
    than the phase curve. ``rows``: :func:`device_rows` of the same arrays when the caller
    has it.
    """
    names = np.asarray(names, dtype=object)
    i_p = np.asarray(i_phase_a, dtype=float)
    i_g = np.asarray(i_ground_a, dtype=float)
    out = np.full(len(names), "", dtype=object)
    for g in device_rows(names, i_p, i_g) if rows is None else rows:
        name, idx = g.name, g.rows
        dev = ctx.devices.get(str(name))
        if dev is None:
            continue
        role = kind_of(dev).role

        def flags_of(p: np.ndarray, g: np.ndarray, d: Any = dev, r: str = role) -> np.ndarray:
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.asarray(_one_boundary(d, r, p, g, which), dtype=str)

        flags = g.once(flags_of, i_p[idx], i_g[idx])  # once per distinct pair (#21)
        label = _which(role, which)
        # one text per distinct flag, not per row (#21)
        codes, uniq = pd.factorize(flags.astype(object))
        text = np.array([("" if f in _QUIET else f"{name} {label}: {f}") for f in uniq],
                        dtype=object)
        out[idx] = text[codes]
    return out


def combine_boundaries(*parts: np.ndarray) -> np.ndarray:
    """Join per-device boundary labels of a row; ``inside`` when none is at a boundary."""
    if not parts:
        return np.array([], dtype=object)
    n = len(parts[0])
    if n == 0:
        return np.empty(0, dtype=object)
    # one text per distinct combination of labels, not per row (#21)
    first, inverse = labels_by_key(*parts)
    out = np.empty(len(first), dtype=object)
    for j, k in enumerate(first):
        labels = [str(p[k]) for p in parts if str(p[k])]
        out[j] = "; ".join(labels) if labels else INSIDE
    return out[inverse]


def rss(*terms: np.ndarray) -> np.ndarray:
    """Root-sum-square of independent tolerances."""
    return np.sqrt(sum(np.square(np.asarray(t, dtype=float)) for t in terms))


def fuse_tc_band_low_s(ctx: Any, names: Sequence[str] | np.ndarray, t_mm_s: np.ndarray,
                       t_tc_s: np.ndarray) -> np.ndarray:
    """Low end of each row's fuse total-clearing band (s).

    Parameters
    ----------
    ctx : CheckContext
        For the device models.
    names : array of str
        Device of each row.
    t_mm_s, t_tc_s : numpy.ndarray
        Each row's (staged) minimum-melt and total-clearing times (s).

    Returns
    -------
    numpy.ndarray
        ``t_mm + arcing + time_adder_s`` for a link with an EEI-NEMA band
        (:meth:`protv2g.devices.fuse.Fuse.tc_band_low_s`; ``inf`` where it does not melt),
        ``t_tc`` for a link given by its TC table (no band), ``nan`` for a relay or recloser.
    """
    names = np.asarray(names, dtype=object)
    out = np.full(len(names), np.nan)
    t_mm = np.asarray(t_mm_s, dtype=float)
    t_tc = np.asarray(t_tc_s, dtype=float)
    for name, idx in rows_by_value(names):
        dev = ctx.devices.get(str(name))
        if dev is None or kind_of(dev).role != "fuse":
            continue
        out[idx] = dev.tc_band_low_s(t_mm[idx]) if dev.has_max_melt else t_tc[idx]
    return out


def with_curve_band(boundary: np.ndarray | str, names: Sequence[str] | np.ndarray,
                    margin_s: np.ndarray, margin_low_s: np.ndarray, tol_s: float = 1e-9
                    ) -> np.ndarray | str:
    """``boundary`` with ``"<fuse> tc: curve_band"`` joined on the rows whose rule fails at the
    high end of the fuse's TC band (``margin_s``) and holds at its low end (``margin_low_s``):
    their verdict flips inside the band. ``names``: the fuse of each row. ``boundary`` as it
    came (a scalar too) where no row flips."""
    with np.errstate(invalid="ignore"):
        flips = (np.asarray(margin_s) < -tol_s) & (np.asarray(margin_low_s) >= -tol_s)
    if not flips.any():
        return boundary
    out = (np.array(boundary, dtype=object) if isinstance(boundary, np.ndarray)
           else np.full(len(flips), boundary, dtype=object))
    at = np.flatnonzero(flips)
    names = np.asarray(names, dtype=object)
    flag = DataBoundary.CURVE_BAND.value
    out[at] = [f"{n} tc: {flag}" if str(b) in ("", INSIDE) else f"{b}; {n} tc: {flag}"
               for b, n in zip(out[at].tolist(), names[at].tolist(), strict=True)]
    return out
