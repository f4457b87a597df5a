"""Protective-device models: overcurrent relay, recloser, fuse.

Settings are frozen dataclasses whose field names are the study file's device schema
(units in the names; currents are primary amperes).  Device classes only resolve curve
names and call the pure functions of :mod:`protv2g.devices.curves`; every method takes
an array of currents and returns an array of times in seconds (``inf``: no operation).

References
----------
IEEE Std C37.112 (inverse-time relays); IEEE Std C37.60 and Cooper/Eaton recloser
control documentation (fast/delayed shots, reclose intervals, curve modifiers).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from protv2g.devices.curves import (
    em_reset_time_s,
    instantaneous_reset_time_s,
    instantaneous_time_s,
    point_table_time_s,
    trip_time_s,
)
from protv2g.devices.library import Curve, CurveLibrary, UnknownCurveError, default_library
from protv2g.errors import InputError, Issue
from protv2g.units import DeviceKind

__all__ = [
    "RelaySettings", "OvercurrentRelay", "RecloserSettings", "Recloser",
    "FuseSettings", "Fuse", "Device", "build_device",
]

FloatArray = NDArray[np.float64]
Reset = Literal["instantaneous", "electromechanical"]


# ------------------------------------------------------------------ validation helpers
class _Checker:
    def __init__(self, where: str):
        self.where, self.issues = where, []  # type: list[Issue]

    def num(self, fld: str, value: Any, *, lo: float = 0.0, strict: bool = True,
            optional: bool = False) -> None:
        if value is None and optional:
            return
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and math.isfinite(value) and (value > lo if strict else value >= lo):
            return
        rel = ">" if strict else ">="
        self.issues.append(Issue(self.where, fld, f"must be a finite number {rel} {lo:g}, got "
                                 f"{value!r}", f"set {fld} to a number {rel} {lo:g}"))

    def curve(self, fld: str, name: Any, lib: CurveLibrary, kinds: tuple[DeviceKind, ...],
              optional: bool = False) -> Curve | None:
        if name is None and optional:
            return None
        try:
            c = lib.get(str(name))
        except UnknownCurveError as exc:
            self.issues.append(dataclasses.replace(exc.issues[0], file=self.where, field=fld))
            return None
        if c.kind not in kinds:
            self.issues.append(Issue(self.where, fld, f"curve {c.name!r} is a {c.kind.value} "
                                     f"curve", f"use a {'/'.join(k.value for k in kinds)} curve"))
            return None
        return c

    def raise_if_any(self) -> None:
        if self.issues:
            raise InputError(self.issues)


def _arr(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


# ------------------------------------------------------------------ relay
@dataclass(frozen=True)
class RelaySettings:
    """Overcurrent relay 50P/51P/50G/51G settings (primary A, s).

    The ground time element uses ``curve``/``time_dial`` when ``ground_curve`` /
    ``ground_time_dial`` are ``None``.  ``time_adder_s``, ``time_multiplier`` and
    ``min_response_s`` modify the 51 (time) elements, not the 50 elements.
    """

    name: str
    pickup_a: float
    curve: str
    time_dial: float = 1.0
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

    def __post_init__(self) -> None:
        ck = _Checker(f"relay {self.name!r}")
        ck.num("pickup_a", self.pickup_a)
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


class _Device:
    kind: DeviceKind

    def __init__(self, settings: Any, settings_cls: type, kwargs: dict[str, Any]):
        if settings is None:
            settings = settings_cls(**kwargs)
        elif kwargs:
            settings = dataclasses.replace(settings, **kwargs)
        self.settings = settings

    @property
    def name(self) -> str:
        """Device name."""
        return str(self.settings.name)

    @property
    def interrupting_rating_ka(self) -> float | None:
        """Interrupting rating (kA), if given."""
        return self.settings.interrupting_rating_ka

    def operate_time_s(self, i_a: ArrayLike, i_ground_a: ArrayLike | None = None) -> FloatArray:
        raise NotImplementedError  # pragma: no cover

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings!r})"


class OvercurrentRelay(_Device):
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
        ck = _Checker(f"relay {s.name!r}")
        kinds = (DeviceKind.RELAY, DeviceKind.RECLOSER)
        self.curve = ck.curve("curve", s.curve, lib, kinds)
        self.ground_curve = ck.curve("ground_curve", s.ground_curve, lib, kinds, optional=True)
        ck.raise_if_any()
        if self.ground_curve is None:
            self.ground_curve = self.curve
        if s.reset == "electromechanical":
            for fld, c in (("curve", self.curve), ("ground_curve", self.ground_curve)):
                if c is not None and c.tr_s is None:
                    ck.issues.append(Issue(ck.where, "reset", f"{fld} {c.name!r} has no reset "
                                           "constant tr_s", "use reset: instantaneous"))
        ck.raise_if_any()
        self.library = lib

    def _toc(self, i_a: ArrayLike, pickup_a: float, curve: Curve, td: float) -> FloatArray:
        s: RelaySettings = self.settings
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
        m = _arr(i_a) / s.pickup_a
        if s.reset == "instantaneous":
            return instantaneous_reset_time_s(m)
        c = self.curve
        return em_reset_time_s(m, s.time_dial, float(c.tr_s), c.reset_exponent)


# ------------------------------------------------------------------ recloser
@dataclass(frozen=True)
class RecloserSettings:
    """Recloser settings: minimum trips (primary A), curves, shot sequence (s).

    ``reclose_intervals_s[k]`` is the open (dead) time after trip ``k+1``; its length
    is ``n_fast + n_delayed − 1`` (the last trip locks out).  Ground curves default to
    the phase curves when ``ground_min_trip_a`` is set and they are ``None``.
    """

    name: str
    phase_min_trip_a: float
    fast_curve: str
    delayed_curve: str
    ground_min_trip_a: float | None = None
    ground_fast_curve: str | None = None
    ground_delayed_curve: str | None = None
    n_fast: int = 2
    n_delayed: int = 2
    reclose_intervals_s: tuple[float, ...] = (0.5, 2.0, 2.0)
    reset_time_s: float = 15.0
    fast_multiplier: float = 1.0
    fast_adder_s: float = 0.0
    delayed_multiplier: float = 1.0
    delayed_adder_s: float = 0.0
    min_response_s: float = 0.0
    interrupting_rating_ka: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reclose_intervals_s", tuple(self.reclose_intervals_s))
        ck = _Checker(f"recloser {self.name!r}")
        ck.num("phase_min_trip_a", self.phase_min_trip_a)
        ck.num("ground_min_trip_a", self.ground_min_trip_a, optional=True)
        for fld in ("n_fast", "n_delayed"):
            v = getattr(self, fld)
            if not (isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 4):
                ck.issues.append(Issue(ck.where, fld, f"must be an integer 0..4, got {v!r}",
                                       f"set {fld} to 0, 1, 2, 3 or 4"))
        if not ck.issues and self.n_fast + self.n_delayed < 1:
            ck.issues.append(Issue(ck.where, "n_fast", "the sequence has no trip",
                                   "set n_fast + n_delayed >= 1"))
        if not ck.issues:
            n = self.n_fast + self.n_delayed - 1
            if len(self.reclose_intervals_s) != n:
                ck.issues.append(Issue(
                    ck.where, "reclose_intervals_s", f"has {len(self.reclose_intervals_s)} "
                    f"values but {self.n_fast} fast + {self.n_delayed} delayed trips need {n}",
                    f"give {n} reclose intervals (one per reclose)"))
        for k, v in enumerate(self.reclose_intervals_s):
            ck.num(f"reclose_intervals_s[{k}]", v)
        ck.num("reset_time_s", self.reset_time_s)
        ck.num("fast_multiplier", self.fast_multiplier)
        ck.num("delayed_multiplier", self.delayed_multiplier)
        ck.num("fast_adder_s", self.fast_adder_s, strict=False)
        ck.num("delayed_adder_s", self.delayed_adder_s, strict=False)
        ck.num("min_response_s", self.min_response_s, strict=False)
        ck.num("interrupting_rating_ka", self.interrupting_rating_ka, optional=True)
        ck.raise_if_any()


class Recloser(_Device):
    """Recloser with phase/ground fast and delayed curves and a shot sequence.

    Examples
    --------
    >>> rc = Recloser(name="RC1", phase_min_trip_a=200.0, fast_curve="A", delayed_curve="B")
    >>> rc.shot_times_s([400.0]).ravel().round(3).tolist()
    [0.022, 0.022, 1.5, 1.5]
    """

    kind = DeviceKind.RECLOSER

    def __init__(self, settings: RecloserSettings | None = None,
                 library: CurveLibrary | None = None, **kwargs: Any):
        super().__init__(settings, RecloserSettings, kwargs)
        s: RecloserSettings = self.settings
        lib = library or default_library()
        ck = _Checker(f"recloser {s.name!r}")
        kinds = (DeviceKind.RECLOSER, DeviceKind.RELAY)
        self.fast_curve = ck.curve("fast_curve", s.fast_curve, lib, kinds)
        self.delayed_curve = ck.curve("delayed_curve", s.delayed_curve, lib, kinds)
        gf = ck.curve("ground_fast_curve", s.ground_fast_curve, lib, kinds, optional=True)
        gd = ck.curve("ground_delayed_curve", s.ground_delayed_curve, lib, kinds, optional=True)
        ck.raise_if_any()
        self.ground_fast_curve = gf or self.fast_curve
        self.ground_delayed_curve = gd or self.delayed_curve
        self.library = lib

    @property
    def shot_kinds(self) -> tuple[str, ...]:
        """``"fast"``/``"delayed"`` for each trip of the sequence, in order."""
        s: RecloserSettings = self.settings
        return ("fast",) * s.n_fast + ("delayed",) * s.n_delayed

    def _t(self, i_a: ArrayLike, pickup: float | None, curve: Curve, fast: bool) -> FloatArray:
        s: RecloserSettings = self.settings
        if pickup is None:
            i = _arr(i_a)
            return np.where(np.isnan(i), np.nan, np.inf)
        mult, add = ((s.fast_multiplier, s.fast_adder_s) if fast
                     else (s.delayed_multiplier, s.delayed_adder_s))
        return trip_time_s(i_a, pickup, curve, 1.0, multiplier=mult, adder_s=add,
                           min_response_s=s.min_response_s)

    def fast_time_s(self, i_a: ArrayLike) -> FloatArray:
        """Phase fast-curve trip time (s) for phase currents (A)."""
        return self._t(i_a, self.settings.phase_min_trip_a, self.fast_curve, True)

    def delayed_time_s(self, i_a: ArrayLike) -> FloatArray:
        """Phase delayed-curve trip time (s) for phase currents (A)."""
        return self._t(i_a, self.settings.phase_min_trip_a, self.delayed_curve, False)

    def ground_fast_time_s(self, i3i0_a: ArrayLike) -> FloatArray:
        """Ground fast-curve trip time (s) for residual currents 3I0 (A)."""
        return self._t(i3i0_a, self.settings.ground_min_trip_a, self.ground_fast_curve, True)

    def ground_delayed_time_s(self, i3i0_a: ArrayLike) -> FloatArray:
        """Ground delayed-curve trip time (s) for residual currents 3I0 (A)."""
        return self._t(i3i0_a, self.settings.ground_min_trip_a, self.ground_delayed_curve,
                       False)

    def shot_times_s(self, i_a: ArrayLike, i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Trip time (s) of every shot: array of shape ``(n_shots, *np.shape(i_a))``."""
        fast, delayed = self.fast_time_s(i_a), self.delayed_time_s(i_a)
        if i_ground_a is not None:
            fast = np.fmin(fast, self.ground_fast_time_s(i_ground_a))
            delayed = np.fmin(delayed, self.ground_delayed_time_s(i_ground_a))
        rows = [fast if k == "fast" else delayed for k in self.shot_kinds]
        return np.stack(rows)

    def operate_time_s(self, i_a: ArrayLike, i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Time (s) of the first trip of the sequence."""
        return self.shot_times_s(i_a, i_ground_a)[0]

    def trip_instants_s(self, i_a: ArrayLike, i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Time (s) from fault inception to each trip for a permanent fault.

        ``T_k = Σ_{j≤k} t_j + Σ_{j<k} reclose_interval_j``; the last row is lockout.
        """
        t = self.shot_times_s(i_a, i_ground_a)
        gaps = np.array((0.0, *self.settings.reclose_intervals_s))
        gaps = gaps.reshape((-1,) + (1,) * (t.ndim - 1))
        return np.cumsum(t + gaps, axis=0)

    def lockout_time_s(self, i_a: ArrayLike, i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Time (s) from fault inception to lockout for a permanent fault."""
        return self.trip_instants_s(i_a, i_ground_a)[-1]

    def fast_heating_time_s(self, i_a: ArrayLike,
                            i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Total time (s) fault current flows during the fast shots.

        For fuse saving, a downstream fuse's minimum-melt time must exceed this (cooling
        during the open intervals neglected — conservative).
        """
        t = self.shot_times_s(i_a, i_ground_a)
        n = self.settings.n_fast
        return t[:n].sum(axis=0) if n else np.zeros_like(t[0])

    def total_heating_time_s(self, i_a: ArrayLike,
                             i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Total time (s) fault current flows over the whole sequence to lockout."""
        return self.shot_times_s(i_a, i_ground_a).sum(axis=0)


# ------------------------------------------------------------------ fuse
@dataclass(frozen=True)
class FuseSettings:
    """Fuse settings.

    ``preload_factor`` and ``ambient_factor`` multiply the minimum-melt *time* (< 1 for
    a pre-loaded or hot link, as manufacturers' pre-loading / ambient adjustment curves);
    the arcing part of the clearing time (TC − MM) is unchanged.
    """

    name: str
    link: str
    preload_factor: float = 1.0
    ambient_factor: float = 1.0
    interrupting_rating_ka: float | None = None

    def __post_init__(self) -> None:
        ck = _Checker(f"fuse {self.name!r}")
        ck.num("preload_factor", self.preload_factor)
        ck.num("ambient_factor", self.ambient_factor)
        ck.num("interrupting_rating_ka", self.interrupting_rating_ka, optional=True)
        ck.raise_if_any()


class Fuse(_Device):
    """Fuse link with minimum-melt and total-clearing curves (log–log point tables).

    Examples
    --------
    >>> f = Fuse(name="F1", link="65K")
    >>> f.rating_a, round(float(f.total_clear_time_s(390.0)), 2)
    (65.0, 0.41)
    """

    kind = DeviceKind.FUSE

    def __init__(self, settings: FuseSettings | None = None,
                 library: CurveLibrary | None = None, **kwargs: Any):
        super().__init__(settings, FuseSettings, kwargs)
        s: FuseSettings = self.settings
        lib = library or default_library()
        ck = _Checker(f"fuse {s.name!r}")
        self.curve = ck.curve("link", s.link, lib, (DeviceKind.FUSE,))
        ck.raise_if_any()
        self.library = lib

    @property
    def rating_a(self) -> float:
        """Continuous current rating of the link (A)."""
        return float(self.curve.rating_a)

    @property
    def melt_factor(self) -> float:
        """Combined pre-load × ambient multiplier on minimum-melt time (–)."""
        return float(self.settings.preload_factor * self.settings.ambient_factor)

    def _mm_raw(self, i_a: ArrayLike) -> FloatArray:
        c = self.curve
        return point_table_time_s(_arr(i_a) / self.rating_a, c.mm_m_points, c.mm_t_points)

    def min_melt_time_s(self, i_a: ArrayLike) -> FloatArray:
        """Minimum-melt time (s) for currents (A), adjusted by the melt factor."""
        return self._mm_raw(i_a) * self.melt_factor

    def total_clear_time_s(self, i_a: ArrayLike) -> FloatArray:
        """Total-clearing time (s): ``TC − (1 − f)·MM`` with ``f`` the melt factor."""
        c = self.curve
        tc = point_table_time_s(_arr(i_a) / self.rating_a, c.m_points, c.t_points)
        with np.errstate(invalid="ignore"):
            adj = tc - (1.0 - self.melt_factor) * self._mm_raw(i_a)
        return np.where(np.isinf(tc), tc, adj)

    def operate_time_s(self, i_a: ArrayLike, i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Total-clearing time (s); ``i_ground_a`` is ignored (a fuse sees phase current)."""
        return self.total_clear_time_s(i_a)


Device = OvercurrentRelay | Recloser | Fuse
_SETTINGS = {DeviceKind.RELAY: (RelaySettings, OvercurrentRelay),
             DeviceKind.RECLOSER: (RecloserSettings, Recloser),
             DeviceKind.FUSE: (FuseSettings, Fuse)}


def build_device(kind: DeviceKind | str, fields: Mapping[str, Any],
                 library: CurveLibrary | None = None, where: str = "") -> Device:
    """Build a device from a mapping of settings (e.g. one study-file entry).

    Raises
    ------
    InputError
        For an unknown field (listing the allowed ones), a missing or bad value.
    """
    settings_cls, device_cls = _SETTINGS[DeviceKind(kind)]
    allowed = [f.name for f in dataclasses.fields(settings_cls)]
    where = where or f"{DeviceKind(kind).value} {fields.get('name', '?')!r}"
    bad = [Issue(where, k, "unknown field", f"allowed fields: {', '.join(allowed)}")
           for k in fields if k not in allowed]
    required = [f.name for f in dataclasses.fields(settings_cls)
                if f.default is dataclasses.MISSING]
    bad += [Issue(where, k, "is required", f"add {k}") for k in required if k not in fields]
    if bad:
        raise InputError(bad)
    return device_cls(settings_cls(**fields), library)
