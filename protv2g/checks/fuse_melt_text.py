"""A fuse's clearing time quoted at a current where its curve says it need not melt (review s27 §3).

The checks time a fuse on the staged currents of the fault (the chargers' first cycle, their
sustained limit, what is left after some cease to energise: :mod:`protv2g.checks._times`) and
quote the fault's current beside the time. Where that current is at or below the link's
**guaranteed melting current** — the current below which its maximum-melt (or, for a link given
by its TC table, its total-clearing) curve never reaches (the curve's asymptote, EEI-NEMA
links: ANSI C37.43's 300 s / 600 s melting currents) — the link's curve gives no time at that
current, and the quoted time comes from a later stage's higher current (EPRI J1: "F-LAT clears
(256 s at 188 A)" for an 80K link whose maximum-melt curve ends at 192 A; the time came from
194 A after the home chargers ceased on UV1 at 10 s). A reviewer reading the TCC would take the
figure for an error; :func:`clearing_text` says where it comes from.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from protv2g.devices.fuse_table import current_at_time_a
from protv2g.devices.kinds import kind_of

__all__ = ["DEPARTURE_REL", "guaranteed_melt_a", "below_melt_note", "clearing_text",
           "with_later_stage",
           "first_cycle_fuse_time", "prime_curve_times", "setting_current_a",
           "staged_current_change"]


def guaranteed_melt_a(device: Any) -> float:
    """The current (A) at and below which a fuse's clearing curve gives no time: the
    asymptote of its maximum-melt curve (EEI-NEMA links) or of its total-clearing table;
    NaN for a device that is not a fuse."""
    if device is None or kind_of(device).role != "fuse":
        return math.nan
    c = device.curve
    m = c.mx_asymptote_m if device.has_max_melt else c.tc_asymptote_m
    return float(m) * float(device.rating_a)


#: Relative departure of a quoted time from the link's curve time at the quoted current above
#: which the message says where the time comes from (review s28 §4: "192 s at 190.4 A" where
#: the 80K curve gives 542 s). A display threshold, not a criterion.
DEPARTURE_REL = 0.10


def below_melt_note(ctx: Any, device: str, t_s: float, i_a: float,
                    say_current: bool = True) -> str:
    """Where a fuse's quoted clearing time ``t_s`` is not its curve's time at the quoted
    current ``i_a``, a note saying so; ``""`` otherwise (a relay or recloser, a time within
    :data:`DEPARTURE_REL` of the curve's, no time).

    * at or below the guaranteed melting current: ``" — at or below F-LAT's guaranteed melting
      current 190 A at 188 A (its curve gives no time there); the time is from a later charger
      stage's higher current (Charger stages sheet)"``;
    * above it: ``" — F-LAT's curve gives 542 s at 190 A; the time is from the fault's later
      stages' currents (the chargers' sustained limit or ceasing; Charger stages sheet)"``.

    Parameters
    ----------
    ctx : CheckContext
        For the device models (``ctx.devices``) and a per-device cache (``ctx.cache``).
    device : str
        The device.
    t_s : float
        The time the rule used (s; ``inf``: does not operate).
    i_a : float
        The quoted phase current (A).
    say_current : bool
        Name ``i_a`` in the note (False where the message quotes it just before).
    """
    if not (math.isfinite(t_s) and math.isfinite(i_a)):
        return ""
    i_melt = _melt_a(ctx, device)
    if not (i_melt == i_melt):  # not a fuse
        return ""
    at = f" at {i_a:.0f} A" if say_current else ""
    if i_a <= i_melt:
        return (f" — at or below {device}'s guaranteed melting current {i_melt:.0f} A{at} "
                "(its curve gives no time there); the time is from a later charger stage's "
                "higher current (Charger stages sheet)")
    t_curve = _curve_tc_s(ctx, device, i_a)
    if not (math.isfinite(t_curve) and _departs(t_s, t_curve)):
        return ""
    return (f" — {device}'s curve gives {t_curve:.3g} s at {i_a:.0f} A; the time is from the "
            "fault's later stages' currents (the chargers' sustained limit or ceasing; Charger "
            "stages sheet)")


def clearing_text(ctx: Any, device: str, t_s: float, amps: str, i_a: float) -> str:
    """``"2.47 s at 423 A"``, with :func:`below_melt_note` where it applies (``amps``: the
    current as the message quotes it; the other parameters as there)."""
    time = "does not operate" if not math.isfinite(t_s) else f"{t_s:.3g} s"
    return f"{time} at {amps}{below_melt_note(ctx, device, t_s, i_a, say_current=False)}"


def _melt_a(ctx: Any, device: str) -> float:
    """:func:`guaranteed_melt_a` of ``device``, once per device (``ctx.cache``)."""
    known = ctx.cache.setdefault("guaranteed melt", {})
    if device not in known:
        known[device] = guaranteed_melt_a(ctx.devices.get(device))
    return known[device]


def _departs(t_s: float, t_curve_s: float) -> bool:
    """Whether a quoted time departs from the curve's by more than :data:`DEPARTURE_REL`."""
    return abs(t_s - t_curve_s) > DEPARTURE_REL * t_curve_s


def _curve_tc_s(ctx: Any, device: str, i_a: float) -> float:
    curve = ctx.cache.setdefault("curve tc", {})
    key = (device, float(i_a))
    if key not in curve:
        curve[key] = float(ctx.devices[device].total_clear_time_s([i_a])[0])
    return curve[key]


def prime_curve_times(ctx: Any, names: Any, i_a: Any) -> None:
    """:func:`_curve_tc_s` of every fuse of ``names`` at its row's finite current ``i_a``
    (A) put in ``ctx.cache`` ahead of the row-by-row texts that read it, one vectorised
    total-clearing call per fuse (the curve is evaluated elementwise: each current's time is
    the one a call with that current alone gives; #21, perf42: a call per row, C2's
    messages at 3,000 buses). Devices that are not fuses are left out."""
    curve = ctx.cache.setdefault("curve tc", {})
    wanted: dict[str, set[float]] = {}
    for name, i in zip(np.asarray(names, dtype=object).tolist(),
                       np.asarray(i_a, dtype=float).tolist(), strict=True):
        if math.isfinite(i) and (str(name), i) not in curve:
            wanted.setdefault(str(name), set()).add(i)
    for name, currents in wanted.items():
        if not _melt_a(ctx, name) == _melt_a(ctx, name):  # not a fuse
            continue
        i_sorted = sorted(currents)
        t_s = ctx.devices[name].total_clear_time_s(i_sorted)
        curve.update({(name, i): float(t) for i, t in zip(i_sorted, t_s.tolist(),
                                                          strict=True)})


def first_cycle_fuse_time(ctx: Any, v: pd.DataFrame, at: np.ndarray, long_time_s: float,
                          side: np.ndarray | None = None) -> np.ndarray:
    """Rows ``at`` of ``v`` whose margin holds a fuse's clearing time read in its long-time
    region at the fault's first-cycle current: a fuse (``device`` or ``other_device``; with
    ``side``, only that one per row: 0 ``device``, 1 ``other_device``) whose
    time (``t_device_s``/``t_other_s``) is at least ``long_time_s`` and within
    :data:`DEPARTURE_REL` of its curve's time at its quoted current (above its guaranteed
    melting current). Where none is, the time was set by the fault's later stages (the
    chargers' sustained limit or ceasing) or by a relay's or recloser's element, and V2G's
    change of it is not judged on the first-cycle current
    (:func:`protv2g.checks.attribution_share.in_scatter`, review s28 §2).

    Returns
    -------
    numpy.ndarray of bool, shape (len(at),)
    """
    out = np.zeros(len(at), dtype=bool)
    if not len(at):
        return out
    for j, (dev_col, t_col, i_col) in enumerate((("device", "t_device_s", "i_device_a"),
                                                 ("other_device", "t_other_s", "i_other_a"))):
        if not {dev_col, t_col, i_col} <= set(v.columns):
            continue
        this = np.ones(len(at), dtype=bool) if side is None else np.asarray(side) == j
        names = v[dev_col].to_numpy()[at]
        t_s = pd.to_numeric(pd.Series(v[t_col].to_numpy()[at]), errors="coerce").to_numpy(float)
        i_a = pd.to_numeric(pd.Series(v[i_col].to_numpy()[at]), errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore"):
            read = this & np.isfinite(t_s) & (t_s >= long_time_s)
        prime_curve_times(ctx, names[read], i_a[read])
        for k, (name, t, i) in enumerate(zip(names.tolist(), t_s.tolist(), i_a.tolist(),
                                             strict=True)):
            if out[k] or not this[k] or not (math.isfinite(t) and math.isfinite(i)
                                             and t >= long_time_s):
                continue
            if not (i > _melt_a(ctx, str(name))):  # not a fuse (NaN), or at/below its melt
                continue
            t_curve = _curve_tc_s(ctx, str(name), i)
            out[k] = math.isfinite(t_curve) and not _departs(t, t_curve)
    return out


def setting_current_a(ctx: Any, device: str, t_s: float, i_a: float) -> float:
    """The current (A) that sets a fuse's clearing time ``t_s`` quoted beside the first-cycle
    current ``i_a``: ``i_a`` where the time is its curve's there (above the guaranteed melting
    current, within :data:`DEPARTURE_REL`: a first-cycle time), otherwise the constant current
    at which the fuse's total-clearing curve gives ``t_s`` — the current of the later charger
    stages that set the time, as one current (the stages' currents weighted as the fuse's
    melting integrates them, Σ Δt/t(I) = 1, :func:`protv2g.devices.kinds.
    staged_operating_times`; equal to a stage's current where that stage carries the whole
    time, between the stages' currents otherwise). NaN for a device that is not a fuse, a
    time that is not finite, or one outside the curve (review rev32a W1)."""
    i_melt = _melt_a(ctx, device)
    if not (i_melt == i_melt and math.isfinite(t_s) and t_s > 0.0):
        return math.nan
    if math.isfinite(i_a) and i_a > i_melt:
        t_curve = _curve_tc_s(ctx, device, i_a)
        if math.isfinite(t_curve) and not _departs(t_s, t_curve):
            return float(i_a)
    known = ctx.cache.setdefault("current at tc", {})
    key = (device, float(t_s))
    if key not in known:
        # bracketed from just above the asymptote (the curve's time → ∞) to 1000 × it
        known[key] = float(current_at_time_a(ctx.devices[device].total_clear_time_s, [t_s],
                                             [i_melt * (1.0 + 1e-9)], [i_melt * 1e3])[0])
    return known[key]


def _times_by_device(names: list, *times: list[float]) -> dict[str, list[float]]:
    """Device name (``str``) → every time of ``times`` (lists aligned with ``names``) on its
    rows."""
    out: dict[str, list[float]] = {}
    for t in times:
        for name, x in zip(names, t, strict=True):
            out.setdefault(str(name), []).append(x)
    return out


def _bisected(ctx: Any, device: str, t_s: list[float]) -> None:
    """:func:`setting_current_a`'s constant currents at which ``device``'s total-clearing
    curve gives each finite positive time of ``t_s`` (s), the ones not yet in ``ctx.cache``
    solved in one vectorised bisection (:func:`~protv2g.devices.fuse_table.current_at_time_a`,
    elementwise: each time's current is the one a bisection of that time alone gives; #21,
    perf42: a bisection of one time per call, ≈ 0.3 s of CPU at 3,000 buses). Nothing for a
    device that is not a fuse."""
    i_melt = _melt_a(ctx, device)
    if not i_melt == i_melt:
        return
    known = ctx.cache.setdefault("current at tc", {})
    new = sorted({float(t) for t in t_s
                  if math.isfinite(t) and t > 0.0 and (device, float(t)) not in known})
    if not new:
        return
    n = len(new)
    i_a = current_at_time_a(ctx.devices[device].total_clear_time_s, new,
                            [i_melt * (1.0 + 1e-9)] * n, [i_melt * 1e3] * n)
    known.update({(device, t): float(i) for t, i in zip(new, i_a.tolist(), strict=True)})


def staged_current_change(ctx: Any, v: pd.DataFrame, at: np.ndarray, side: np.ndarray,
                          t_base_s: np.ndarray, i_base_a: np.ndarray) -> np.ndarray:
    """Relative change, against its base twin, of the current that sets the moving fuse's
    clearing time of rows ``at`` (review rev32a W1: a time from a later charger stage judged
    on that stage's current, not skipped).

    Parameters
    ----------
    ctx : CheckContext
        For the device models and a cache.
    v : DataFrame
        Violation rows (``device``/``other_device``, ``t_device_s``/``t_other_s``,
        ``i_device_a``/``i_other_a``).
    at : numpy.ndarray of int
        Rows of ``v``.
    side : numpy.ndarray of int8, shape (len(at),)
        The moving device: 0 ``device``, 1 ``other_device``.
    t_base_s, i_base_a : numpy.ndarray, shape (len(at),)
        That device's time (s) and first-cycle current (A) in the row's base twin.

    Returns
    -------
    numpy.ndarray, shape (len(at),)
        ``|I − I_base| / I_base`` of :func:`setting_current_a` in the row and in its twin
        (each at the stage that sets ITS time: a twin's first-cycle time compares with its
        first-cycle current); NaN where the device is not a fuse or either current is not
        known.
    """
    out = np.full(len(at), np.nan)
    side = np.asarray(side)
    for j, (dev_col, t_col, i_col) in enumerate((("device", "t_device_s", "i_device_a"),
                                                 ("other_device", "t_other_s", "i_other_a"))):
        k = np.flatnonzero(side == j)
        if not len(k) or not {dev_col, t_col, i_col} <= set(v.columns):
            continue
        rows = np.asarray(at)[k]
        names = v[dev_col].to_numpy()[rows].tolist()
        t_s = pd.to_numeric(pd.Series(v[t_col].to_numpy()[rows]), errors="coerce").tolist()
        i_a = pd.to_numeric(pd.Series(v[i_col].to_numpy()[rows]), errors="coerce").tolist()
        t_b = np.asarray(t_base_s, float)[k].tolist()
        for name, times in _times_by_device(names, t_s, t_b).items():
            _bisected(ctx, name, times)
        i_b = np.asarray(i_base_a, float)[k]
        prime_curve_times(ctx, names * 2, np.r_[np.asarray(i_a, dtype=float), i_b])
        for kk, name, t, i, tb, ib in zip(k.tolist(), names, t_s, i_a, t_b, i_b.tolist(),
                                          strict=True):
            now = setting_current_a(ctx, str(name), t, i)
            base = setting_current_a(ctx, str(name), tb, ib)
            if now == now and base == base and base > 0.0:
                out[kk] = abs(now - base) / base
    return out


def with_later_stage(ctx: Any, boundary: np.ndarray | str, names: np.ndarray,
                     i_a: np.ndarray, t_s: np.ndarray) -> np.ndarray | str:
    """``boundary`` with ``"<fuse> tc: long_time_asymptote"`` joined on the rows whose fuse
    (``names``) has a clearing time ``t_s`` at a quoted current ``i_a`` at or below its
    :func:`guaranteed_melt_a`: the time comes from a later charger stage's current, on the
    curve's long-time asymptote, not from the quoted current (review rev40a M8, EPRI J1
    RC-MID / FU-LAT2PH: "563 s at 236 A" led the finding with −561.5 s, a figure no TCC
    shows; :func:`protv2g.findings_rows.worst_order` ranks such rows after those inside the
    data). ``boundary`` as it came where no row is so."""
    i = np.asarray(i_a, dtype=float)
    names = np.asarray(names, dtype=object)
    codes, uniq = pd.factorize(names)  # once per fuse, not per row (#21)
    melt = np.array([_melt_a(ctx, str(n)) for n in uniq.tolist()] + [np.nan],
                    dtype=float)[codes]
    with np.errstate(invalid="ignore"):
        at = np.flatnonzero(np.isfinite(np.asarray(t_s, dtype=float)) & (i <= melt))
    if not len(at):
        return boundary
    out = (np.array(boundary, dtype=object) if isinstance(boundary, np.ndarray)
           else np.full(len(i), boundary, dtype=object))
    flag = "long_time_asymptote"
    out[at] = [f"{n} tc: {flag}" if str(b) in ("", "inside") else
               b if f"{n} tc: {flag}" in str(b) else f"{b}; {n} tc: {flag}"
               for b, n in zip(out[at].tolist(), names[at].tolist(), strict=True)]
    return out
