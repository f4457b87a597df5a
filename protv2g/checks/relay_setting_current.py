"""The current that sets a relay's staged operating time: the constant current at which its
operating element's curve gives that time (review rev46a #2, EPRI ckt5 C1: "first-cycle
|3I0| 303.3 → 312.5 A" beside a head-relay time of 39.597 s read at the sustained stage's
309.3 A; the signer could not tell which current the time belongs to). The fuses' own is
:func:`protv2g.checks.fuse_melt_text.setting_current_a`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from protv2g.checks.operating_element import OperatingElement
from protv2g.devices.fuse_table import current_at_time_a
from protv2g.devices.relay import OvercurrentRelay

__all__ = ["element_curve", "relay_setting_currents_a"]

#: a curve time at the found current within this relative distance of the row's time: the
#: inversion holds (elsewhere — a flat stretch, a time no current gives — NaN)
TIME_REL_TOL = 1e-6
#: the bracket's top, in multiples of the element's pickup (the curves' tables end there)
TOP_M = 1e3


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


def relay_setting_currents_a(devices: Mapping[str, Any], names: Sequence[Any],
                             elements: Sequence[int], t_s: Sequence[float],
                             i_a: Sequence[float]) -> np.ndarray:
    """The current (A) that sets each row's relay time ``t_s``, quoted beside its
    first-cycle current ``i_a``.

    ``i_a`` where the element's curve gives ``t_s`` there (within :data:`TIME_REL_TOL`: a
    first-cycle time); otherwise the constant current at which it does, bisected between
    the element's pickup and :data:`TOP_M` × pickup (:func:`~protv2g.devices.fuse_table.
    current_at_time_a`, vectorised per device) — the later charger stages' current as one
    current (equal to a stage's current where that stage carries the whole time, e.g.
    IEEE C37.112 EI, TD 2.3, pickup 190 A: t = TD·(28.2/(M²−1) + 0.1217) = 39.596 s at
    309.28 A).

    Parameters
    ----------
    devices : mapping
        Device name → model (``CheckContext.devices``).
    names, elements, t_s, i_a : sequences, shape (n,)
        Each row's device, operating element (:class:`~protv2g.checks.operating_element.
        OperatingElement` code), time (s) and first-cycle current of that element (A).

    Returns
    -------
    numpy.ndarray, shape (n,)
        Currents (A); NaN for a device that is not a relay, a time that is not finite and
        positive, or one its element's curve does not give.
    """
    t = np.asarray(t_s, dtype=float)
    i = np.asarray(i_a, dtype=float)
    el = np.asarray(elements)
    out = np.full(len(t), np.nan)
    ok = np.isfinite(t) & (t > 0.0)
    keys: dict[tuple[str, int], list[int]] = {}
    for k, (name, e) in enumerate(zip(names, el.tolist(), strict=True)):
        if ok[k]:
            keys.setdefault((str(name), int(e)), []).append(k)
    for (name, e), rows in keys.items():
        curve = element_curve(devices.get(name), e)
        if curve is None:
            continue
        time_s, pickup_a = curve
        at = np.asarray(rows)
        with np.errstate(all="ignore"):
            t_first = np.asarray(time_s(i[at]), dtype=float)
        first = np.isfinite(i[at]) & (np.abs(t_first - t[at]) <= TIME_REL_TOL * t[at])
        out[at[first]] = i[at[first]]
        rest = at[~first]
        if not len(rest):
            continue
        with np.errstate(all="ignore"):
            found = current_at_time_a(time_s, t[rest], np.full(len(rest), pickup_a),
                                      np.full(len(rest), pickup_a * TOP_M))
            back = np.asarray(time_s(found), dtype=float)
        held = np.isfinite(found) & (np.abs(back - t[rest]) <= TIME_REL_TOL * t[rest])
        out[rest] = np.where(held, found, np.nan)
    return out
