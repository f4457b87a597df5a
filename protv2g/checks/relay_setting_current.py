"""The current that sets a relay's or recloser's staged operating time: the constant current
at which its operating element's curve gives that time (review rev46a #2, EPRI ckt5 C1:
"first-cycle |3I0| 303.3 → 312.5 A" beside a head-relay time of 39.597 s read at the
sustained stage's 309.3 A; the signer could not tell which current the time belongs to).
A recloser's row carries its fast or its delayed curve's time (the longest shot, C4; × K for
fuse saving and × f for a source-side fuse, C2: :data:`SCALED_RULES`); its curve is the one
of its element's shots whose constant current lies nearest the first cycle's (the stages
move the current by percents, the two curves' times differ by a factor of several at one
current). The fuses' own is :func:`protv2g.checks.fuse_melt_text.setting_current_a`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from protv2g.checks.operating_element import OperatingElement
from protv2g.devices.curve_family import CurveFamily
from protv2g.devices.fuse_table import current_at_time_a
from protv2g.devices.recloser import Recloser
from protv2g.devices.relay import OvercurrentRelay

__all__ = ["SCALED_RULES", "SettingCurrents", "element_curve", "element_curves",
           "own_times_s", "relay_setting_currents_a", "setting_currents"]

#: a curve time at the found current within this relative distance of the row's time: the
#: inversion holds (elsewhere — a flat stretch, a time no current gives — NaN)
TIME_REL_TOL = 1e-6
#: the bracket's top, in multiples of the element's pickup (the curves' tables end there)
TOP_M = 1e3
#: the distance (in ``ln I``) given a found current where the first cycle's is not known
_FAR = 1e300


def element_curve(device: Any, element: int
                  ) -> tuple[Callable[[np.ndarray], np.ndarray], float] | None:
    """The time function (A → s) and pickup (A) of ``device``'s operating element
    (:class:`~protv2g.checks.operating_element.OperatingElement` code): a relay's
    :meth:`~protv2g.devices.relay.OvercurrentRelay.ground_time_s` with its ground pickup for
    ``GROUND``, :meth:`~protv2g.devices.relay.OvercurrentRelay.phase_time_s` with its
    pickup otherwise. ``None`` for a device that is not a relay (a recloser's row may carry
    its fast or its delayed curve's time; a fuse's is :mod:`.fuse_melt_text`'s)."""
    if not isinstance(device, OvercurrentRelay):
        return None
    s = device.settings
    if element == OperatingElement.GROUND:
        pickup = s.ground_pickup_a if s.ground_pickup_a is not None else s.ground_inst_pickup_a
        return (None if pickup is None
                else (device.ground_time_s, float(pickup)))
    return device.phase_time_s, float(s.pickup_a)


#: The pair rules whose row quotes a recloser's time times the rule's factor
#: (``rule_value``), and the side that carries it (0 ``device`` = backup, 1 ``other_device`` =
#: primary): fuse saving's K × the backup recloser's fast time, a source-side fuse's f × the
#: primary recloser's longest shot (:mod:`protv2g.checks.recloser_fuse`).
SCALED_RULES: dict[str, int] = {"fuse_saving_k": 0, "source_side_fuse_factor": 1}


class Candidate(NamedTuple):
    """One curve a row's time may be read on: its time function (A → s, clearing), the
    element's pickup (A), the top of its range (A) and how a message names it (``""`` for a
    relay's single curve)."""

    time_s: Callable[[np.ndarray], np.ndarray]
    pickup_a: float
    top_a: float
    label: str


class SettingCurrents(NamedTuple):
    """:func:`setting_currents`' answer: the current (A, NaN where not known) and the curve
    it is read on (``"ground delayed curve 117"``; ``""`` for a relay or where not known)."""

    i_a: np.ndarray
    curve: list[str]


def _top_a(curve: Any, pickup_a: float) -> float:
    """The top of a curve's range (A): a point table's last multiple (held flat beyond it,
    :func:`~protv2g.devices.curves.point_table_time_s`), else :data:`TOP_M` × pickup."""
    if CurveFamily(curve.family) is CurveFamily.POINTS and len(curve.m_points):
        return pickup_a * float(curve.m_points[-1])
    return pickup_a * TOP_M


def element_curves(device: Any, element: int) -> list[Candidate]:
    """The curves of ``device``'s operating element a row's time may be read on: a relay's
    :func:`element_curve`; a recloser's fast and delayed curves of the sequence's shots
    (:meth:`~protv2g.devices.recloser.Recloser.ground_fast_time_s` … on the ground minimum
    trip for ``GROUND``, the phase ones otherwise); none for anything else or an element the
    device does not have."""
    if isinstance(device, Recloser):
        s = device.settings
        ground = element == OperatingElement.GROUND
        pickup = s.ground_min_trip_a if ground else s.phase_min_trip_a
        if pickup is None:
            return []
        shots = (("fast", s.n_fast, device.ground_fast_time_s if ground else device.fast_time_s,
                  device.ground_fast_curve if ground else device.fast_curve),
                 ("delayed", s.n_delayed,
                  device.ground_delayed_time_s if ground else device.delayed_time_s,
                  device.ground_delayed_curve if ground else device.delayed_curve))
        kind = "ground" if ground else "phase"
        return [Candidate(fn, float(pickup), _top_a(curve, float(pickup)),
                          f"{kind} {shot} curve {curve.name}")
                for shot, n, fn, curve in shots if n]
    one = element_curve(device, element)
    return [] if one is None else [Candidate(one[0], one[1], one[1] * TOP_M, "")]


def own_times_s(t_s: np.ndarray, rules: np.ndarray, factors: np.ndarray,
                side: np.ndarray) -> np.ndarray:
    """The devices' own times (s) of rows quoting ``t_s`` on the side ``side`` (0
    ``device``, 1 ``other_device``): divided by the rule's factor where the rule scales
    that side's time (:data:`SCALED_RULES`), as they are elsewhere."""
    t = np.asarray(t_s, dtype=float).copy()
    r = np.asarray(rules, dtype=object)
    f = np.asarray(factors, dtype=float)
    for rule, scaled_side in SCALED_RULES.items():
        at = (r == rule) & (np.asarray(side) == scaled_side) & np.isfinite(f) & (f > 0)
        t[at] = t[at] / f[at]
    return t


def relay_setting_currents_a(devices: Mapping[str, Any], names: Sequence[Any],
                             elements: Sequence[int], t_s: Sequence[float],
                             i_a: Sequence[float]) -> np.ndarray:
    """The currents of :func:`setting_currents` alone."""
    return setting_currents(devices, names, elements, t_s, i_a).i_a


def setting_currents(devices: Mapping[str, Any], names: Sequence[Any],
                     elements: Sequence[int], t_s: Sequence[float],
                     i_a: Sequence[float],
                     i_other_a: Sequence[float] | None = None) -> SettingCurrents:
    """The current (A) that sets each row's relay or recloser time ``t_s`` (the device's
    own: :func:`own_times_s`), quoted beside its first-cycle current ``i_a``.

    ``i_a`` where the element's curve gives ``t_s`` there (within :data:`TIME_REL_TOL`: a
    first-cycle time); otherwise the constant current at which it does, bisected between
    the element's pickup and :data:`TOP_M` × pickup (:func:`~protv2g.devices.fuse_table.
    current_at_time_a`, vectorised per device) — the later charger stages' current as one
    current (equal to a stage's current where that stage carries the whole time, e.g.
    IEEE C37.112 EI, TD 2.3, pickup 190 A: t = TD·(28.2/(M²−1) + 0.1217) = 39.596 s at
    309.28 A). A recloser's time is read on the first of its element's curves
    (:func:`element_curves`) that gives it at ``i_a``; else, bisected up to the top of each
    curve's range, on the one whose current lies nearest ``i_a`` (in ``ln I``). With
    ``i_other_a`` a recloser's other element's curves compete too, each at its own current
    (its fast and delayed times are each the faster element's): where one of them gives the
    time the row's element does not set it and the answer is NaN (synthetic 3,000 buses, fix47:
    RC-1's fast shot 0.1815 s is its phase curve 101's at 280.75 A, 1.003 × its 280 A minimum
    trip, while the row names its ground element's |3I0| 118.1 A; read on the ground curve
    104 it gave 213.9 A, a current no stage carries).

    Parameters
    ----------
    devices : mapping
        Device name → model (``CheckContext.devices``).
    names, elements, t_s, i_a : sequences, shape (n,)
        Each row's device, operating element (:class:`~protv2g.checks.operating_element.
        OperatingElement` code), time (s) and first-cycle current of that element (A).
    i_other_a : sequence, shape (n,), optional
        The first-cycle current of the device's other element (``|3I0|`` for a phase row,
        the phase current for a ground row), A; NaN where not known.

    Returns
    -------
    SettingCurrents
        Currents (A), shape (n,): NaN for a device that is neither relay nor recloser, a
        time that is not finite and positive, one its element's curves do not give, or one
        its other element's give; and the curve each is read on (a recloser's, ``""``
        otherwise).
    """
    t = np.asarray(t_s, dtype=float)
    i = np.asarray(i_a, dtype=float)
    alt = (np.full(len(t), np.nan) if i_other_a is None
           else np.asarray(i_other_a, dtype=float))
    el = np.asarray(elements)
    out = np.full(len(t), np.nan)
    label = np.full(len(t), "", dtype=object)
    ok = np.isfinite(t) & (t > 0.0)
    keys: dict[tuple[str, int], list[int]] = {}
    for k, (name, e) in enumerate(zip(names, el.tolist(), strict=True)):
        if ok[k]:
            keys.setdefault((str(name), int(e)), []).append(k)
    for (name, e), rows in keys.items():
        dev = devices.get(name)
        at = np.asarray(rows)
        # (curve, its element's first-cycle current at the rows, the row's own element)
        curves = [(c, i[at], True) for c in element_curves(dev, e)]
        if isinstance(dev, Recloser) and np.isfinite(alt[at]).any():
            other = (OperatingElement.PHASE if e == OperatingElement.GROUND
                     else OperatingElement.GROUND)
            curves += [(c, alt[at], False) for c in element_curves(dev, other)]
        decided = np.zeros(len(at), dtype=bool)
        for c, cur, own in curves:  # a first-cycle time: the first curve that gives it
            with np.errstate(all="ignore"):
                t_first = np.asarray(c.time_s(cur), dtype=float)
            first = (np.isfinite(cur) & ~decided
                     & (np.abs(t_first - t[at]) <= TIME_REL_TOL * t[at]))
            if own:
                out[at[first]], label[at[first]] = cur[first], c.label
            decided |= first
        rest = np.flatnonzero(~decided)
        best = np.full(len(rest), np.inf)  # |ln(I / its first-cycle current)| kept
        for c, cur, own in curves if len(rest) else ():
            rows_t = t[at[rest]]
            with np.errstate(all="ignore"):
                found = current_at_time_a(c.time_s, rows_t, np.full(len(rest), c.pickup_a),
                                          np.full(len(rest), c.top_a))
                back = np.asarray(c.time_s(found), dtype=float)
                dist = np.abs(np.log(found / cur[rest]))
            held = np.isfinite(found) & (np.abs(back - rows_t) <= TIME_REL_TOL * rows_t)
            dist = np.where(np.isnan(dist), _FAR, dist)  # current not known: the first held
            nearer = held & (dist < best)
            out[at[rest[nearer]]] = found[nearer] if own else np.nan
            label[at[rest[nearer]]] = c.label if own else ""
            best = np.where(nearer, dist, best)
    return SettingCurrents(out, label.tolist())
