"""Overcurrent relay model (50/51 phase and ground elements).

Settings are a frozen dataclass whose field names are the study file's device schema
(units in the names; currents are primary amperes). The relay only resolves curve names and
calls the pure functions of :mod:`protv2g.devices.curves` and :func:`definite_time_element_s`;
every method takes an array of currents and returns an array of times in seconds (``inf``: no
operation). Operate times are relay times: the breaker's interrupting time is part of the
coordination interval (:mod:`protv2g.devices.rules`), not of the curve.

The time-overcurrent elements (51P, 51G) are inverse-time (``curve`` × ``time_dial``) or, when
``definite_time_s`` is set, definite-time: OpenDSS's current ``Relay`` with ``Delay`` > 0 uses
that time *instead of* the phase and ground curves (``TDPhase``/``TDGround`` are ignored), at the
pickups ``PhaseTrip`` and ``GroundTrip``, and adds ``BreakerTime`` (``time_adder_s``) to it.
The 50 and 51 trip outputs are OR-ed (the faster acts); OpenDSS takes its instantaneous time
(0.01 s + 2 × ``BreakerTime``) in place of the 51 time above ``PhaseInst``, which differs only
where the 51 time is the shorter.

References
----------
IEEE Std C37.112 (inverse-time relays); IEC 60255-151:2009 §3 (definite-time characteristic).
OpenDSS ``Relay`` (EPRI OpenDSS SVN 3723 / DSS C-API 0.14.5, ``TRelayObj.OvercurrentLogic``):
property help "Delay: Trip time delay (sec) for DEFINITE TIME relays … If >0 then this value is
used instead of curves"; checked by time-domain runs of OpenDSS in
``tests/test_device_delay_import.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from protv2g.devices._base import Checker, DeviceBase, FloatArray, arr
from protv2g.devices.curves import (
    CurveFamily,
    definite_time_s,
    em_reset_time_s,
    instantaneous_reset_time_s,
    instantaneous_time_s,
    modify_time_s,
    point_table_boundary,
    trip_time_s,
)
from protv2g.devices.library import Curve, CurveLibrary, default_library
from protv2g.errors import Issue
from protv2g.units import DeviceKind

__all__ = ["RelaySettings", "OvercurrentRelay", "Reset", "definite_time_element_s",
           "definite_time_curve"]

Reset = Literal["instantaneous", "electromechanical"]


def definite_time_element_s(i_a: ArrayLike, pickup_a: float, delay_s: float,
                            adder_s: float = 0.0, min_response_s: float = 0.0) -> FloatArray:
    """Operate time of a definite-time overcurrent element (51 with a fixed delay).

    Parameters
    ----------
    i_a : array_like
        Current magnitude (primary A): phase current for 51P, 3I0 for 51G.
    pickup_a : float
        Pickup (primary A), > 0 (OpenDSS ``PhaseTrip`` / ``GroundTrip``).
    delay_s : float
        Definite time (s), > 0 (OpenDSS ``Delay``).
    adder_s : float
        Fixed time added after the trip decision (s), >= 0 (OpenDSS ``BreakerTime``).
    min_response_s : float
        Floor on the result (s).

    Returns
    -------
    numpy.ndarray
        ``max(delay_s + adder_s, min_response_s)`` where ``i_a > pickup_a``, ``inf`` at or
        below pickup, ``nan`` for ``nan`` current; same shape as ``i_a``.

    Notes
    -----
    IEC 60255-151 definite-time characteristic. OpenDSS (``TRelayObj.OvercurrentLogic``)
    trips at ``Delay`` for ``|I| >= PhaseTrip`` and schedules the opening ``BreakerTime``
    later; it operates at exactly the pickup, protv2g (every element) only above it.

    Examples
    --------
    >>> definite_time_element_s([300.0, 500.0, 5000.0], 400.0, 0.3).tolist()
    [inf, 0.3, 0.3]
    """
    if not (pickup_a > 0 and np.isfinite(pickup_a)):
        raise ValueError(f"pickup_a must be a finite number > 0, got {pickup_a!r}")
    if not (delay_s > 0 and np.isfinite(delay_s)):
        raise ValueError(f"delay_s must be a finite number > 0, got {delay_s!r}")
    t = definite_time_s(arr(i_a) / pickup_a, delay_s)
    return modify_time_s(t, 1.0, adder_s, min_response_s)


def definite_time_curve(delay_s: float) -> Curve:
    """The library form of a definite-time 51 element (for plots and data boundaries)."""
    return Curve(name=f"definite {delay_s:g} s", kind=DeviceKind.RELAY,
                 family=CurveFamily.DEFINITE, delay_s=float(delay_s),
                 source="definite_time_s (OpenDSS Relay Delay; IEC 60255-151 definite time)")


@dataclass(frozen=True)
class RelaySettings:
    """Overcurrent relay 50P/51P/50G/51G settings (primary A, s).

    The ground time element uses ``curve``/``time_dial`` when ``ground_curve`` /
    ``ground_time_dial`` are ``None``.  ``time_adder_s``, ``time_multiplier`` and
    ``min_response_s`` modify the 51 (time) elements, not the 50 elements.

    ``definite_time_s`` makes both 51 elements definite-time (OpenDSS ``Delay``): they operate
    at ``definite_time_s + time_adder_s`` above ``pickup_a`` / ``ground_pickup_a``; ``curve``,
    ``time_dial``, the ground curve and ``time_multiplier`` are then not used (``curve`` may be
    omitted).
    """

    name: str
    pickup_a: float
    curve: str | None = None
    time_dial: float | None = 1.0
    inst_pickup_a: float | None = None
    inst_delay_s: float = 0.0
    ground_pickup_a: float | None = None
    ground_curve: str | None = None
    ground_time_dial: float | None = None
    ground_inst_pickup_a: float | None = None
    ground_inst_delay_s: float = 0.0
    time_adder_s: float = 0.0
    time_multiplier: float = 1.0
    min_response_s: float = 0.0
    reset: Reset = "instantaneous"
    interrupting_rating_ka: float | None = None
    definite_time_s: float | None = None

    def __post_init__(self) -> None:
        if self.time_dial is None and self.definite_time_s is not None:
            object.__setattr__(self, "time_dial", 1.0)  # not used by a definite-time 51
        ck = Checker(f"relay {self.name!r}")
        ck.num("pickup_a", self.pickup_a)
        ck.num("definite_time_s", self.definite_time_s, optional=True)
        if self.curve is None and self.definite_time_s is None:
            ck.issues.append(Issue(ck.where, "curve", "a relay needs a time-overcurrent "
                                   "element", "give curve (with time_dial) for an inverse-time "
                                   "51, or definite_time_s for a definite-time 51"))
        ck.num("time_dial", self.time_dial)
        ck.num("inst_pickup_a", self.inst_pickup_a, optional=True)
        ck.num("inst_delay_s", self.inst_delay_s, strict=False)
        ck.num("ground_pickup_a", self.ground_pickup_a, optional=True)
        ck.num("ground_time_dial", self.ground_time_dial, optional=True)
        ck.num("ground_inst_pickup_a", self.ground_inst_pickup_a, optional=True)
        ck.num("ground_inst_delay_s", self.ground_inst_delay_s, strict=False)
        ck.num("time_adder_s", self.time_adder_s, strict=False)
        ck.num("time_multiplier", self.time_multiplier)
        ck.num("min_response_s", self.min_response_s, strict=False)
        ck.num("interrupting_rating_ka", self.interrupting_rating_ka, optional=True)
        if self.reset not in ("instantaneous", "electromechanical"):
            ck.issues.append(Issue(ck.where, "reset", f"unknown reset {self.reset!r}",
                                   "use 'instantaneous' or 'electromechanical'"))
        ck.raise_if_any()


class OvercurrentRelay(DeviceBase):
    """Overcurrent relay with 50P/51P and 50G/51G (50N/51N) elements.

    Parameters
    ----------
    settings : RelaySettings, optional
        Settings; or give the fields as keyword arguments.
    library : CurveLibrary, optional
        Library to resolve curve names (default: built-in library).

    Raises
    ------
    InputError
        For bad settings or unknown curves, naming the field.

    Examples
    --------
    >>> r = OvercurrentRelay(name="R1", pickup_a=400.0, curve="IEEE-VI", time_dial=2.0,
    ...                      inst_pickup_a=4000.0)
    >>> [round(float(t), 3) for t in r.phase_time_s([300.0, 800.0, 5000.0])]
    [inf, 14.055, 0.0]
    """

    kind = DeviceKind.RELAY

    def __init__(self, settings: RelaySettings | None = None,
                 library: CurveLibrary | None = None, **kwargs: Any):
        super().__init__(settings, RelaySettings, kwargs)
        s: RelaySettings = self.settings
        lib = library or default_library()
        ck = Checker(f"relay {s.name!r}")
        kinds = (DeviceKind.RELAY, DeviceKind.RECLOSER)
        if s.definite_time_s is not None:
            # the curves are not used (OpenDSS: Delay > 0 is used instead of the curves)
            self.curve: Curve = definite_time_curve(s.definite_time_s)
            self.ground_curve: Curve = self.curve
        else:
            self.curve = ck.curve("curve", s.curve, lib, kinds)
            ground = ck.curve("ground_curve", s.ground_curve, lib, kinds, optional=True)
            ck.raise_if_any()
            self.ground_curve = ground or self.curve
        if s.reset == "electromechanical":
            for fld, c in (("curve", self.curve), ("ground_curve", self.ground_curve)):
                if c is not None and c.tr_s is None:
                    ck.issues.append(Issue(ck.where, "reset", f"{fld} {c.name!r} has no reset "
                                           "constant tr_s", "use reset: instantaneous"))
        ck.raise_if_any()
        self.library = lib

    def _toc(self, i_a: ArrayLike, pickup_a: float, curve: Curve, td: float) -> FloatArray:
        s: RelaySettings = self.settings
        if s.definite_time_s is not None:
            return definite_time_element_s(i_a, pickup_a, s.definite_time_s, s.time_adder_s,
                                           s.min_response_s)
        return trip_time_s(i_a, pickup_a, curve, td, multiplier=s.time_multiplier,
                           adder_s=s.time_adder_s, min_response_s=s.min_response_s)

    def phase_time_s(self, i_a: ArrayLike) -> FloatArray:
        """Operate time (s) of the phase elements (min of 51P and 50P) for currents (A)."""
        s: RelaySettings = self.settings
        t51 = self._toc(i_a, s.pickup_a, self.curve, s.time_dial)
        return np.fmin(t51, instantaneous_time_s(i_a, s.inst_pickup_a, s.inst_delay_s))

    def ground_time_s(self, i3i0_a: ArrayLike) -> FloatArray:
        """Operate time (s) of the ground elements (51G/50G) for residual currents 3I0 (A)."""
        s: RelaySettings = self.settings
        t50 = instantaneous_time_s(i3i0_a, s.ground_inst_pickup_a, s.ground_inst_delay_s)
        if s.ground_pickup_a is None:
            return t50
        td = s.time_dial if s.ground_time_dial is None else s.ground_time_dial
        return np.fmin(self._toc(i3i0_a, s.ground_pickup_a, self.ground_curve, td), t50)

    def operate_time_s(self, i_a: ArrayLike, i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Fastest element (s) for phase currents ``i_a`` and residual currents ``i_ground_a``."""
        t = self.phase_time_s(i_a)
        return t if i_ground_a is None else np.fmin(t, self.ground_time_s(i_ground_a))

    def reset_time_s(self, i_a: ArrayLike) -> FloatArray:
        """Time (s) for the 51P element to reset fully at current ``i_a`` below pickup.

        0 for instantaneous reset; ``TD·tr/(1 − M^q)`` for electromechanical reset;
        ``inf`` at or above pickup.
        """
        s: RelaySettings = self.settings
        m = arr(i_a) / s.pickup_a
        if s.reset == "instantaneous":
            return instantaneous_reset_time_s(m)
        c = self.curve
        return em_reset_time_s(m, s.time_dial, float(c.tr_s), c.reset_exponent)

    def phase_boundary(self, i_a: ArrayLike) -> np.ndarray:
        """Where the 51P lookups fall in the curve's data (:class:`DataBoundary` values)."""
        return curve_boundary(self.curve, arr(i_a) / self.settings.pickup_a)


def curve_boundary(curve: Curve, m: ArrayLike) -> np.ndarray:
    """Data boundary of a relay/recloser curve at multiples ``m`` of pickup.

    Equation curves (IEEE, IEC, definite) are the standard itself: ``inside`` above pickup.
    """
    m = arr(m)
    if CurveFamily(curve.family) is CurveFamily.POINTS:
        return point_table_boundary(m, curve.m_points, curve.t_points)
    out = np.where(m > 1.0, "inside", "not_operating").astype(object)
    out[np.isnan(m)] = "nan"
    return out.astype(str)

