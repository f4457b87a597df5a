"""Class-typical interrupting ratings that ``protv2g init`` drafts (marked TODO, to confirm).

The model says nothing of its devices' interrupting ratings, yet C7 (duty) needs one per device.
A draft writes a value of the device's class — breaker, recloser, fuse cutout — from the
standard's preferred ratings, never a value fitted to the fault current computed here (which
made C7 judge the computed fault against itself: the IEEE 8500 draft failed two fuses by
0.02 kA of V2G against a "rating" equal to the network's own 1.60 kA). Each value is marked
``# TODO`` with its class, source and bracket; :mod:`protv2g.input_basis` tags the C7 rows that
rest on it ``todo`` and the gate asks to confirm it.

The drafted value is the smallest preferred rating of the class at or above the largest fault
protv2g computes at the device (IEC 60909 max, no V2G) — a device installed today is rated for
today's fault — or the class's largest where none is (C7 then fails on a drafted value, and
says so). The 15 kV class (rated maximum voltage 15.5 kV, applied on 2.4–14.4 kV systems) and
low voltage (≤ 1 kV: :data:`LV_RATING_CLASSES`, IEC 60947-2 / IEC 60269-2, review rev34b M3)
are tabled, each by the voltage at the device's own terminal, and the feeder breaker (a relay's)
of the 27 kV and 38 kV classes (:data:`MV_BREAKER_CLASSES`, review rev43a M6: IEEE 34's head at
24.9 kV was drafted "8 kA … the next R10 value", no breaker rating of that class), and the
recloser of those classes (:data:`MV_RECLOSER_CLASSES`, review ver43 M-t1: IEEE 34's mid-line
recloser at 24.9 kV was drafted "0.5 kA … the next R10 value", no recloser has that rating);
fuse cutouts there and every device above 38 kV keep the IEC 60059 R10 series
(:func:`r10_rating_ka`).

Sources (15 kV class), and how far they were checked
----------------------------------------------------
* Feeder breakers — IEEE Std C37.06-2009, preferred ratings of outdoor circuit breakers rated
  72.5 kV and below (15.5 kV rows): rated short-circuit currents 12.5, 20, 25, 31.5, 40, 63 kA
  symmetrical. The standard's front matter was found with the search tool, not its table: the
  values are recalled and bracketed 12.5–63 kA.
* Feeder breakers of the 27 kV class (rated maximum voltage 27 kV, applied on 22.9–24.9 kV
  systems) and the 38 kV class (38 kV, on 34.5 kV systems) — IEEE Std C37.06-2009, the same
  table of outdoor circuit breakers rated 72.5 kV and below: 27 kV rows 12.5, 16, 20, 25 kA
  symmetrical (as review rev43a M6 quotes them); 38 kV rows 16, 20, 25, 31.5, 40 kA (recalled,
  not checked against the table). Bracketed by each class's first and last row.
* Reclosers — IEEE Std C37.60-2012 / IEC 62271-111:2012 (found) rates reclosers by preferred
  symmetrical interrupting currents; catalogue ratings found for 15.5 kV reclosers: 12 kA and
  16 kA (Cooper/Eaton type VSO, "12000 or 16000 symmetrical amps maximum interrupting
  current"), 12 kA (Eaton PM/VSA vacuum interrupter, 15.5 kV/600 A). The R10 values of the
  2012 edition (12.5, 16, 20 kA) are recalled; the catalogues' 12 kA brackets the low end.
* Reclosers of the 27 kV class (rated maximum voltage 27 kV, on 22.9–24.9 kV systems) and the
  38 kV class (38 kV, on 34.5 kV systems) — the same IEEE Std C37.60-2012 / IEC 62271-111:2012
  (its scope: reclosers "for alternating current systems up to 38 kV"; found, its table not):
  27 kV rows 12.5, 16 kA, 38 kV rows 12.5, 16, 20 kA symmetrical — recalled, not checked
  against the table. Bracketed by each class's first and last row.
* Fuse cutouts — IEEE Std C37.42-2009 / -2016 (found) specifies distribution cutouts; their
  interrupting ratings are asymmetrical rms (ANSI expulsion fuses are rated on the
  asymmetrical current at the test X/R, Eng-Tips thread 515234; rating basis ``asym`` here).
  Found: cutout interrupting tests at "8 kA, 10 kA, 12.5 kA or higher, depending on the
  voltage class" (a cutout maker's product page, "DGG" in the search corpus; tests per
  IEC 60282-2 / ANSI C37.41); Eaton's Type L 15.5 kV/100 A
  cutout comes in "standard" and "high" interrupting ratings (certified test report CP9618,
  values not shown). Drafted: the smallest of 8, 10, 12.5, 16 kA asymmetrical at or above the
  X/R-corrected max fault (10 kA where no fault is computed), bracketed 8–16 kA (16 kA recalled
  as the heavy-duty 15 kV/100 A rating of interchangeable cutouts).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from protv2g.engine.asymmetry import (
    asym_rms_factor,
    dss_driving_point_x_r,
    rating_x_r_default,
)
from protv2g.study_draft.writer import todo
from protv2g.topology_reach import LOW_VOLTAGE_KV
from protv2g.units import Method

__all__ = ["RatingClass", "DraftRating", "RATING_CLASSES", "LV_RATING_CLASSES", "CLASS_KV_MAX",
           "MV_BREAKER_CLASSES", "MV_RECLOSER_CLASSES",
           "draft_rating", "rating_class",
           "device_rating", "device_x_r", "duty_factor", "r10_rating_ka"]

#: Rated maximum voltage of the tabled class, kV line to line (15 kV class: 15.5 kV).
CLASS_KV_MAX = 15.5


@dataclass(frozen=True)
class RatingClass:
    """Preferred interrupting ratings of one device class (see the module docstring)."""

    label: str
    preferred_ka: tuple[float, ...]
    basis: str            # "sym" or "asym" (the study's ``interrupting_rating_basis``)
    typical_ka: float     # drafted where the computed fault is unknown
    bracket_ka: tuple[float, float]
    source: str


#: Device kind → its 15 kV class (``relay`` stands for the feeder breaker it trips).
RATING_CLASSES: dict[str, RatingClass] = {
    "relay": RatingClass(
        "15 kV class outdoor breaker", (12.5, 20.0, 25.0, 31.5, 40.0, 63.0), "sym", 20.0,
        (12.5, 63.0), "IEEE C37.06-2009 outdoor preferred ratings, 15.5 kV (recalled)"),
    "recloser": RatingClass(
        "15 kV class recloser", (12.5, 16.0, 20.0), "sym", 12.5, (12.0, 16.0),
        "IEEE C37.60-2012/IEC 62271-111 preferred ratings (12.5, 16, 20 kA recalled); "
        "15.5 kV catalogue ratings 12 and 16 kA (Cooper/Eaton VSO)"),
    "fuse": RatingClass(
        "15 kV class 100 A fuse cutout", (8.0, 10.0, 12.5, 16.0), "asym", 10.0, (8.0, 16.0),
        "IEEE C37.42 distribution cutouts, asymmetrical rms; 8/10/12.5 kA tests (a cutout "
        "maker's data, IEC 60282-2/ANSI C37.41), 16 kA heavy duty (recalled)"),
}


#: Device kind → its low-voltage class (≤ 1 kV, review rev34b M3: a relay on a 416 V line was
#: drafted a 15 kV-class breaker). A relay or recloser there stands for an LV circuit-breaker
#: (no LV recloser class: the LV feeder does not reclose, :mod:`.low_voltage`), rated by its
#: ultimate short-circuit breaking capacity ``Icu`` (IEC 60947-2:2016 §4.3.5.3) at 400/415 V;
#: the preferred values are makers' frame ratings (moulded-case and air circuit-breakers: 16,
#: 25, 36, 50, 70, 100, 150 kA — recalled, not checked against a catalogue). A fuse there is an
#: IEC 60269-2 gG fuse-link (NH system), rated breaking capacity at least 50 kA a.c. for fuses
#: used by authorised persons, NH links commonly 120 kA at 500 V (recalled).
LV_RATING_CLASSES: dict[str, RatingClass] = {
    "relay": RatingClass(
        "low-voltage circuit-breaker (IEC 60947-2 Icu at 400/415 V)",
        (16.0, 25.0, 36.0, 50.0, 70.0, 100.0, 150.0), "sym", 36.0, (16.0, 150.0),
        "IEC 60947-2 rated ultimate short-circuit breaking capacity, makers' frame ratings "
        "(recalled, not checked)"),
    "fuse": RatingClass(
        "low-voltage fuse-link (IEC 60269-2 gG, NH)", (50.0, 120.0), "sym", 120.0,
        (50.0, 120.0), "IEC 60269-2: ≥ 50 kA for fuses for authorised persons, NH gG links "
        "commonly 120 kA at 500 V a.c. (recalled, not checked)"),
}
LV_RATING_CLASSES["recloser"] = LV_RATING_CLASSES["relay"]

#: Rated maximum voltage (kV line to line) → the feeder breaker's class above the 15 kV one
#: (``relay`` stands for the breaker it trips; IEEE C37.06-2009, module docstring). Reclosers
#: of these classes: :data:`MV_RECLOSER_CLASSES`; fuse cutouts are not tabled (R10).
MV_BREAKER_CLASSES: dict[float, RatingClass] = {
    27.0: RatingClass(
        "27 kV class outdoor breaker", (12.5, 16.0, 20.0, 25.0), "sym", 16.0, (12.5, 25.0),
        "IEEE C37.06-2009 outdoor preferred ratings, 27 kV (12.5, 16, 20, 25 kA)"),
    38.0: RatingClass(
        "38 kV class outdoor breaker", (16.0, 20.0, 25.0, 31.5, 40.0), "sym", 20.0,
        (16.0, 40.0), "IEEE C37.06-2009 outdoor preferred ratings, 38 kV (recalled)"),
}

#: Rated maximum voltage (kV line to line) → the recloser's class above the 15 kV one (IEEE
#: C37.60-2012 / IEC 62271-111:2012 preferred symmetrical interrupting currents, recalled —
#: module docstring; review ver43 M-t1).
MV_RECLOSER_CLASSES: dict[float, RatingClass] = {
    27.0: RatingClass(
        "27 kV class recloser", (12.5, 16.0), "sym", 12.5, (12.5, 16.0),
        "IEEE C37.60-2012/IEC 62271-111 preferred ratings, 27 kV (12.5, 16 kA recalled)"),
    38.0: RatingClass(
        "38 kV class recloser", (12.5, 16.0, 20.0), "sym", 12.5, (12.5, 20.0),
        "IEEE C37.60-2012/IEC 62271-111 preferred ratings, 38 kV (12.5, 16, 20 kA recalled)"),
}

#: Device kind → its classes above the 15 kV one, by rated maximum voltage (kV line to line).
_MV_CLASSES: dict[str, dict[float, RatingClass]] = {
    "relay": MV_BREAKER_CLASSES, "recloser": MV_RECLOSER_CLASSES}


def rating_class(kind: str, kv_ll: float) -> RatingClass | None:
    """The tabled class of a device of ``kind`` at ``kv_ll`` kV (line to line): the
    low-voltage one at or below 1 kV (:data:`LV_RATING_CLASSES`), the 15 kV one up to
    :data:`CLASS_KV_MAX`, a relay's breaker or a recloser of the 27 / 38 kV class up to its
    rated maximum voltage (:data:`MV_BREAKER_CLASSES`, :data:`MV_RECLOSER_CLASSES`), else None.

    >>> rating_class("relay", 0.416).label[:29], rating_class("relay", 12.47).label
    ('low-voltage circuit-breaker (', '15 kV class outdoor breaker')
    >>> rating_class("relay", 24.9).label, rating_class("recloser", 24.9).label
    ('27 kV class outdoor breaker', '27 kV class recloser')
    >>> rating_class("recloser", 34.5).preferred_ka, rating_class("fuse", 24.9)
    ((12.5, 16.0, 20.0), None)
    """
    if not kv_ll > 0:
        return None
    if kv_ll <= LOW_VOLTAGE_KV:
        return LV_RATING_CLASSES.get(kind)
    if kv_ll <= CLASS_KV_MAX:
        return RATING_CLASSES.get(kind)
    classes = _MV_CLASSES.get(kind, {})
    return next((c for kv, c in sorted(classes.items()) if kv_ll <= kv), None)


@dataclass(frozen=True)
class DraftRating:
    """A drafted interrupting rating: the value, its basis and what to say about it."""

    rating_ka: float
    basis: str
    note: str


def draft_rating(kind: str, kv_ll: float, i_max_ka: float) -> DraftRating | None:
    """The class-typical rating drafted for a device, or None outside the tabled class.

    Parameters
    ----------
    kind : str
        ``relay``, ``recloser`` or ``fuse``.
    kv_ll : float
        The system's line-to-line voltage at the device, kV.
    i_max_ka : float
        The largest fault current computed at the device (no V2G), kA; NaN if unknown.

    Examples
    --------
    >>> draft_rating("recloser", 12.47, 6.9).rating_ka
    12.5
    >>> draft_rating("fuse", 12.47, 1.6).basis
    'asym'
    >>> draft_rating("recloser", 34.5, 6.9).rating_ka, draft_rating("fuse", 34.5, 6.9) is None
    (12.5, True)
    """
    cls = rating_class(kind, kv_ll)
    if cls is None:
        return None
    if i_max_ka > 0:
        above = [r for r in cls.preferred_ka if r >= i_max_ka * (1 - 1e-9)]
        value = above[0] if above else cls.preferred_ka[-1]
        why = (f"the smallest {cls.label} rating ≥ the {i_max_ka:.2f} kA max fault computed "
               "here (IEC 60909 max, no V2G)" if above else
               f"the largest {cls.label} rating: below the {i_max_ka:.2f} kA computed here")
    else:
        value, why = cls.typical_ka, f"a typical {cls.label} rating"
    lo, hi = cls.bracket_ka
    note = (f"drafted rating {value:g} kA {cls.basis}: {why}; class range {lo:g}–{hi:g} kA; "
            f"source {cls.source}")
    return DraftRating(value, cls.basis, note)


def r10_rating_ka(i_ka: float) -> float:
    """Next IEC 60059 R10 preferred value at or above ``i_ka`` (kA).

    >>> r10_rating_ka(6.9), r10_rating_ka(10.0), r10_rating_ka(0.4)
    (8.0, 10.0, 0.4)
    """
    if not i_ka > 0 or not math.isfinite(i_ka):
        return 1.0
    series = (1.0, 1.25, 1.6, 2.0, 2.5, 3.15, 4.0, 5.0, 6.3, 8.0, 10.0)
    k = math.floor(math.log10(i_ka))
    for s in series:
        value = round(s * 10.0**k, 6)
        if value >= i_ka * (1 - 1e-9):
            return value
    return round(10.0 ** (k + 1), 6)


def duty_factor(x_r: float, basis: str, f_hz: float) -> float:
    """C7's duty over the symmetrical current at a fault of ``x_r`` (IEEE C37.010-1999 §5.3,
    half a cycle, :mod:`protv2g.checks.duty`): a ``sym`` rating holds up to the standard
    45 ms dc time constant's X/R (17 at 60 Hz, 14.1 at 50 Hz:
    :func:`~protv2g.engine.asymmetry.rating_x_r_default`), above it the current is raised by the
    ratio of the asymmetry factors; an ``asym`` rating meets the total rms current.

    >>> round(duty_factor(37.3, "sym", 60.0), 3), duty_factor(9.8, "sym", 60.0)
    (1.063, 1.0)
    """
    if not x_r > 0 or not math.isfinite(x_r):
        return 1.0
    t_s = 0.5 / f_hz
    s = float(asym_rms_factor(x_r, t_s, f_hz))
    if basis == "asym":
        return s
    return max(1.0, s / float(asym_rms_factor(rating_x_r_default(f_hz), t_s, f_hz)))


def device_rating(kind: str, kv_ll: float, i_ka: float, x_r: float = float("nan"),
            f_hz: float = 60.0) -> tuple[dict, str]:
    """The drafted ``interrupting_rating_ka`` (and its basis where not ``sym``) of a device,
    and its TODO comment: the class-typical value of :mod:`.ratings`, else the next IEC 60059
    R10 value at or above the computed fault's duty — the symmetrical current raised for the
    fault's X/R as C7 raises it (:func:`duty_factor`; s16 A4: ckt24's head breaker drafted
    8 kA on 7.34 kA at X/R 37.3, C7's duty 7.80 kA)."""
    cls = rating_class(kind, kv_ll)
    basis = cls.basis if cls is not None else "sym"
    k = duty_factor(x_r, basis, f_hz)
    duty_ka = i_ka * k
    why = (f" × {k:.3f} for X/R {x_r:.1f} (IEEE C37.010 §5.3, half a cycle, "
           + ("total rms" if basis == "asym" else "rating X/R 17") + f") = {duty_ka:.2f} kA"
           if k > 1.0 else (f" (X/R {x_r:.1f} ≤ the rating's 17: no asymmetry correction)"
                            if math.isfinite(x_r) else ""))
    d = draft_rating(kind, kv_ll, duty_ka)
    fix = "give the device's nameplate interrupting rating (and its basis: sym / asym)"
    if d is None:
        rating = r10_rating_ka(duty_ka)
        return ({"interrupting_rating_ka": rating},
                todo(f"assumed rating {rating:g} kA: the next R10 value at or above the "
                     f"duty of the {i_ka:.2f} kA max fault protv2g computes here (IEC 60909 "
                     f"max, no V2G){why}; no class table at {kv_ll:g} kV", fix))
    out: dict = {"interrupting_rating_ka": d.rating_ka}
    if d.basis != "sym":
        out["interrupting_rating_basis"] = d.basis
    note = d.note if k == 1.0 else f"{d.note}; fault duty {i_ka:.2f} kA{why}"
    return out, todo(note, fix)


def device_x_r(model: Any, devices: Sequence[Any]) -> dict[str, float]:
    """X/R (IEC 60909 network, as C7 takes it) at each device's own terminal bus; a device
    on fewer than three phases takes its first phase's loop impedance there
    (:func:`~protv2g.engine.asymmetry.dss_driving_point_x_r`'s ``phase``: the faults it
    interrupts are on its own phases; review rev37a F11)."""
    el = model.elements
    at, phase = {}, {}
    for d in devices:
        hit = np.flatnonzero(el.name.to_numpy() == d.element)
        if len(hit):
            ends = model.bus_index(list(el.buses.iat[int(hit[0])]))
            term = min(int(d.terminal), len(ends))
            at[d.name] = int(ends[term - 1])
            ey = model.element_y(d.element)
            own = ey.node_num[(ey.terminal == term) & (ey.node_num >= 1) & (ey.node_num <= 3)]
            phase[d.name] = int(own.min()) if 0 < len(own) < 3 else 0
    if not at:
        return {}
    xr = dss_driving_point_x_r(model, list(at.values()), Method.IEC60909,
                               phase=[phase[n] for n in at])
    return {n: float(v) for n, v in zip(at, xr, strict=True)}
