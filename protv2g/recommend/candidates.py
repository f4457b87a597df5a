"""Candidate setting changes for a finding: the ordinary moves a protection engineer makes.

A :class:`Change` is one field of one device (or V2G site) of the study file set to a new
value. :func:`candidates` lists, for one finding, the changes that could clear it, each with a
*size* (how far it moves the setting, relative) so that the search can try the smallest first:

=====================  ==================================================  ==================
family                 moves                                               findings
=====================  ==================================================  ==================
``pickup``             relay 51P / 51G pickup up (load, backfeed, CTI)     C1 C4 C6 C8 (not
                                                                           a charging peak)
``time_dial``          relay 51P / 51G time dial up; recloser delayed      C1 C2 C4 C6
                       curve multiplier up (its ground delayed curve
                       pinned, or moved with it on ground-fault evidence)
``directional``        relay tripping forward only (67/67N)                C6
``instantaneous``      recloser phase instantaneous (fast clearing)        C2 fuse saving
``fast_shots``         recloser fast shots 2 → 1 → 0 (0 = fuse blowing)    C2 fuse saving
``reclose_interval``   first reclose interval up to a standard value       C10
                       (recloser, or relay with reclosing)
``fuse_link``          fuse link one or two sizes up or down (same type)   C1 C2 C3 C4
``ride_through``       site cease-to-energise time down (DER setting)      C10
=====================  ==================================================  ==================

Export caps (which need new fault runs) are not candidates here: see
:mod:`protv2g.recommend.search`. A C8 **charging peak** (:data:`protv2g.checks.load.
CHARGING_PEAK`) has no candidate: vehicle charging is a load the site can schedule or cap,
and a pickup raised for it spends the relay's reach (IEEE Std C37.230-2020 §6.1).

Step sizes are those of ordinary settings practice: pickups in 10 A (≤ 200 A) or 50 A steps,
time dials in 0.05 steps (IEEE C37.112 dials are set in 0.01–0.1 steps), reclose intervals
among 3, 5, 10, 15 s (common recloser control menus), fuse links along the library's series
of the same type (ANSI C37.42 preferred and intermediate K/T ratings).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from protv2g.checks.load import CHARGING_PEAK
from protv2g.units import DeviceKind

__all__ = ["Change", "Family", "FAMILY_RANK", "candidates", "describe"]


class Family(StrEnum):
    """Kinds of setting change, in the order a protection engineer would reach for them."""

    PICKUP = "pickup"
    TIME_DIAL = "time_dial"
    DIRECTIONAL = "directional"
    INSTANTANEOUS = "instantaneous"
    RECLOSE_INTERVAL = "reclose_interval"
    FAST_SHOTS = "fast_shots"
    FUSE_LINK = "fuse_link"
    RIDE_THROUGH = "ride_through"


#: Preference between families (added to the relative size): setting changes on the
#: protective devices first, then hardware (fuse links), then the DER's own settings.
FAMILY_RANK: dict[Family, float] = {
    Family.PICKUP: 0.0, Family.TIME_DIAL: 0.0, Family.DIRECTIONAL: 0.5,
    Family.INSTANTANEOUS: 0.3, Family.RECLOSE_INTERVAL: 0.0, Family.FAST_SHOTS: 1.0,
    Family.FUSE_LINK: 0.6, Family.RIDE_THROUGH: 1.5,
}


@dataclass(frozen=True)
class Change:
    """One field of one study-file entry set to a new value.

    Attributes
    ----------
    section : {"devices", "v2g_sites"}
        Study-file list holding the entry.
    name : str
        The entry's ``name``.
    field : str
        Study-file key (``pickup_a``, ``reclose_intervals_s`` …).
    old, new : Any
        Values before and after (JSON-like: numbers, strings, lists).
    family : Family
    size : float
        Relative size of the move (|new − old| / |old|, or steps/10 for discrete series),
        plus :data:`FAMILY_RANK`; smaller is tried first.
    """

    section: str
    name: str
    field: str
    old: Any
    new: Any
    family: Family
    size: float
    #: Further ``(field, old, new)`` of the same entry changed together (e.g. the delayed
    #: shots that keep the number of operations to lockout when fast shots are removed).
    extra: tuple[tuple[str, Any, Any], ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.section, self.name, self.field)

    @property
    def fields(self) -> list[tuple[str, Any, Any]]:
        """Every ``(field, old, new)`` this change sets."""
        return [(self.field, self.old, self.new), *self.extra]


def describe(change: Change) -> str:
    """``"R-F1 pickup_a 400 → 600"`` (fields changed together joined by ", ")."""
    def show(v: Any) -> str:
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(show(x) for x in v) + "]"
        if isinstance(v, float):
            return f"{v:g}"
        return "unset" if v is None else str(v)
    return f"{change.name} " + ", ".join(f"{f} {show(o)} → {show(n)}"
                                         for f, o, n in change.fields)


def _steps_up(value: float, step: float, n: int) -> list[float]:
    start = math.floor(value / step + 1e-9) * step
    return [round(start + k * step, 6) for k in range(1, n + 1) if start + k * step > value]


def _pickup_steps(value: float, n: int = 16) -> list[float]:
    return _steps_up(value, 10.0 if value < 200 else 50.0, n)


def _change(section: str, name: str, field: str, old: Any, new: Any, family: Family,
            rel: float, extra: tuple[tuple[str, Any, Any], ...] = ()) -> Change:
    return Change(section, name, field, old, new, family, round(rel + FAMILY_RANK[family], 6),
                  extra)


def _rel(old: float, new: float) -> float:
    return abs(new - old) / max(abs(old), 1e-9)


def _relay_moves(dev: Any, criterion: str, ground: bool) -> Iterator[Change]:
    n = dev.name
    yield from (_change("devices", n, "pickup_a", dev.pickup_a, p, Family.PICKUP,
                        _rel(dev.pickup_a, p)) for p in _pickup_steps(dev.pickup_a))
    if criterion == "C8":
        return
    if dev.time_dial is not None:
        yield from (_change("devices", n, "time_dial", dev.time_dial, td, Family.TIME_DIAL,
                            _rel(dev.time_dial, td))
                    for td in _steps_up(dev.time_dial, 0.05, 20))
    if ground and dev.ground_pickup_a is not None:
        yield from (_change("devices", n, "ground_pickup_a", dev.ground_pickup_a, p,
                            Family.PICKUP, _rel(dev.ground_pickup_a, p))
                    for p in _pickup_steps(dev.ground_pickup_a, 10))
        if dev.ground_time_dial is not None:
            yield from (_change("devices", n, "ground_time_dial", dev.ground_time_dial, td,
                                Family.TIME_DIAL, _rel(dev.ground_time_dial, td))
                        for td in _steps_up(dev.ground_time_dial, 0.1, 15))
    if criterion == "C6" and getattr(dev, "directional", "none") == "none":
        yield _change("devices", n, "directional", "none", "forward", Family.DIRECTIONAL, 0.0)


def _fuse_moves(dev: Any, library: Any, up: bool) -> Iterator[Change]:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]+)", str(dev.link))
    if m is None or library is None:
        return
    kind = m.group(2).upper()
    series = sorted((float(re.match(r"\d+(?:\.\d+)?", x).group()), x) for x in
                    library.names(DeviceKind.FUSE) if re.fullmatch(rf"\d+(?:\.\d+)?{kind}", x))
    names = [x for _, x in series]
    if dev.link not in names:
        return
    i = names.index(dev.link)
    chosen = names[i + 1:i + 3] if up else list(reversed(names[max(0, i - 2):i]))
    for k, link in enumerate(chosen, start=1):
        yield _change("devices", dev.name, "link", dev.link, link, Family.FUSE_LINK, k / 10)


def _recloser_moves(dev: Any, criterion: str, ground: bool = True) -> Iterator[Change]:
    n = dev.name
    if criterion == "C10":
        first = dev.reclose_intervals_s[0] if dev.reclose_intervals_s else 0.0
        for t in (3.0, 5.0, 10.0, 15.0):
            if t > first:
                new = [t, *dev.reclose_intervals_s[1:]]
                yield _change("devices", n, "reclose_intervals_s",
                              list(dev.reclose_intervals_s), new, Family.RECLOSE_INTERVAL,
                              _rel(first, t) / 10)
        return
    if criterion == "C2":  # fuse saving: clear faster; or give up fuse saving
        if dev.phase_inst_a is None:
            for mult in (3.0, 4.0, 5.0):
                yield _change("devices", n, "phase_inst_a", None,
                              round(mult * dev.phase_min_trip_a, -1), Family.INSTANTANEOUS,
                              mult / 10)
        total = dev.n_fast + dev.n_delayed  # operations to lockout are kept
        for k in range(dev.n_fast - 1, -1, -1):
            if total - k <= 4:
                yield _change("devices", n, "n_fast", dev.n_fast, k, Family.FAST_SHOTS,
                              (dev.n_fast - k) / 10,
                              (("n_delayed", dev.n_delayed, total - k),))
    if criterion in ("C2", "C4"):  # fuse or primary backup: slower delayed curve
        yield from (_change("devices", n, "delayed_multiplier", dev.delayed_multiplier, x,
                            Family.TIME_DIAL, _rel(dev.delayed_multiplier, x),
                            _ground_delayed(dev, x, ground))
                    for x in _steps_up(dev.delayed_multiplier, 0.1, 10))


def _ground_delayed(dev: Any, x: float, ground: bool) -> tuple[tuple[str, Any, Any], ...]:
    """What a phase delayed-multiplier move does to the ground delayed curve, stated as a
    field of the change (review s17: ``ground_delayed_multiplier: null`` means "the phase
    multiplier", :class:`protv2g.devices.recloser.RecloserSettings`, so the move shifted the
    ground curve unsaid).

    The 51G element sees 3I0 only, so a finding seen on 3ph/LL faults alone is a phase
    problem: the ground curve is pinned at its old multiplier (ground clearing and its
    margin to the head relay's 51G stay as set). A finding with SLG/LLG evidence may be
    cleared by the ground element, which then has to move with the phase one: the ground
    multiplier is set to the new value explicitly. Either way the search re-checks every
    fault type (:mod:`protv2g.recommend.search`), so the ground coordination the change
    implies is verified, and the recommendation's text names both fields.
    """
    if dev.ground_min_trip_a is None or dev.ground_delayed_multiplier is not None:
        return ()  # no 51G, or its multiplier is set on its own and stays
    return (("ground_delayed_multiplier", None, x if ground else dev.delayed_multiplier),)


def candidates(finding: dict[str, Any], devices: Sequence[Any], sites: Sequence[Any],
               library: Any = None, ground: bool = True) -> list[Change]:
    """Changes that could clear one finding, smallest first.

    Parameters
    ----------
    finding : dict
        A row of :func:`protv2g.findings.build_findings` (``criterion``, ``device``,
        ``other_device``).
    devices, sites : sequence
        The study file's device and V2G-site entries (pydantic models).
    library : CurveLibrary, optional
        For fuse-link series.
    ground : bool
        Whether the finding's evidence includes ground faults (then 51G moves are tried).

    Returns
    -------
    list of Change
        Sorted by ``size``; empty when no ordinary setting change applies (C5, C7, C9, C11,
        C12: the search says so).
    """
    crit = str(finding["criterion"])
    if crit == "C8" and str(finding.get("mechanism") or "") == CHARGING_PEAK:
        return []  # manage the charging; no pickup raise for a schedulable load
    by_name = {d.name: d for d in devices}
    dev = by_name.get(str(finding.get("device") or ""))
    other = by_name.get(str(finding.get("other_device") or ""))
    out: list[Change] = []
    if crit in ("C1", "C4", "C6", "C8") and dev is not None and dev.kind is DeviceKind.RELAY:
        out += _relay_moves(dev, crit, ground)
    if crit in ("C2", "C4", "C10") and dev is not None and dev.kind is DeviceKind.RECLOSER:
        out += _recloser_moves(dev, crit, ground)
    if (crit == "C10" and dev is not None and dev.kind is DeviceKind.RELAY
            and dev.reclose_intervals_s):
        # a breaker with reclosing (79) has the same move: every head relay `protv2g init`
        # drafts recloses, and without it C10 had only the sites' cessation to try
        out += _recloser_moves(dev, crit)
    if crit in ("C1", "C2", "C4") and other is not None and other.kind is DeviceKind.FUSE:
        # a larger link melts later (fuse saving, backup relay); a smaller one clears sooner
        # (fuse before the recloser's delayed curve): both directions, the search decides
        out += _fuse_moves(other, library, up=True)
        if crit == "C2":
            out += _fuse_moves(other, library, up=False)
    if crit == "C10":
        site = next((s for s in sites if s.name == str(finding.get("other_device"))), None)
        if site is not None:
            for t in (1.5, 1.0):
                if t < site.cease_to_energize_s:
                    out.append(_change("v2g_sites", site.name, "cease_to_energize_s",
                                       site.cease_to_energize_s, t, Family.RIDE_THROUGH,
                                       _rel(site.cease_to_energize_s, t)))
    return sorted(out, key=lambda c: c.size)
