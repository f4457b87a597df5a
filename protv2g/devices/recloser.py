"""Recloser model: fast and delayed curves, shot sequence, clearing times.

Every time returned is a clearing time (s): the curve time with the control's modifiers plus
the mechanism/interrupting time the curve data assume, so that recloser and fuse times
compare on the same footing (fuse total clearing). A clearing time under one cycle is
accepted with a :class:`SubCycleClearingWarning` (``Recloser.warnings``).

Ground curves have their own time multipliers (``ground_fast_multiplier``,
``ground_delayed_multiplier``; OpenDSS ``TDGrFast``/``TDGrDelayed``), by default the phase ones.
``phase_inst_a``/``ground_inst_a`` are instantaneous trips on the first operation only (OpenDSS
``PhaseInst``/``GroundInst``: "instantaneous phase trip which is assumed to happen in 0.01 sec +
Delay Time", checked in ``TRecloserObj.Sample`` only while ``OperationCount = 1``): the first
shot clears at ``min(curve clearing time, inst_delay_s + adder + mechanism time)`` above them.
The trip outputs of the elements are OR-ed, so the faster one acts; OpenDSS instead takes the
instantaneous time in place of the curve above ``PhaseInst``/``GroundInst`` (its code
overwrites the curve time), which differs only where the curve + ``Delay`` is faster than
0.01 s + 2 × ``Delay``.

References
----------
IEEE Std C37.60; Cooper/Eaton recloser control documentation (fast/delayed shots, reclose
intervals, time multiplier, time adder, minimum response time); EPRI OpenDSS ``Recloser``
(SVN 3723 / DSS C-API 0.14.5: ``Delay`` = fixed time added to the trip time, e.g. breaker time;
``TDPhFast``/``TDGrFast``/``TDPhDelayed``/``TDGrDelayed`` time dials; ``PhaseInst``/``GroundInst``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from protv2g.devices._base import Checker, DeviceBase, FloatArray, arr
from protv2g.devices.curves import (
    CurveFamily,
    curve_time_s,
    instantaneous_time_s,
    modify_time_s,
    trip_time_s,
)
from protv2g.devices.library import Curve, CurveLibrary, default_library
from protv2g.devices.relay import curve_boundary
from protv2g.errors import Issue
from protv2g.units import DeviceKind

__all__ = ["RecloserSettings", "Recloser", "SubCycleClearingWarning", "CYCLE_S",
           "NOMINAL_FREQUENCY_HZ"]

#: System frequency the recloser and fuse curves shipped are published for (North America).
NOMINAL_FREQUENCY_HZ = 60.0
#: One cycle (s): the least time in which any recloser interrupts.
CYCLE_S = 1.0 / NOMINAL_FREQUENCY_HZ


class SubCycleClearingWarning(UserWarning):
    """A recloser curve gives a clearing time under one cycle."""


def _fastest_s(curve: Curve) -> float:
    """Least time (s) of a curve over its operating range (table end or M = 1000)."""
    if CurveFamily(curve.family) is CurveFamily.POINTS:
        return float(min(curve.t_points))
    return float(curve_time_s(np.array([1000.0]), curve)[0])


@dataclass(frozen=True)
class RecloserSettings:
    """Recloser settings: minimum trips (primary A), curves, shot sequence (s).

    ``reclose_intervals_s[k]`` is the open (dead) time after trip ``k+1``; its length
    is ``n_fast + n_delayed − 1`` (the last trip locks out).  Ground curves default to
    the phase curves when ``ground_min_trip_a`` is set and they are ``None``.

    ``fast_adder_s``/``delayed_adder_s`` are the control's time adders. The clearing time of
    a shot is ``max(multiplier·t_curve + adder_s, min_response_s) + clearing_adder_s`` where
    ``clearing_adder_s`` is the mechanism/interrupting time the curve data assume (from the
    library, e.g. 0.042 s for the EPRI DG_Prot_Fdr points). A curve whose source does not
    state it needs an adder > 0 that includes it.

    ``ground_fast_multiplier``/``ground_delayed_multiplier`` (``None``: the phase multiplier)
    multiply the ground curves. ``phase_inst_a``/``ground_inst_a`` (A, ``None`` = off) trip the
    first shot in ``inst_delay_s`` plus that shot's adder and mechanism time.
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
    ground_fast_multiplier: float | None = None
    ground_delayed_multiplier: float | None = None
    phase_inst_a: float | None = None
    ground_inst_a: float | None = None
    inst_delay_s: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "reclose_intervals_s", tuple(self.reclose_intervals_s))
        ck = Checker(f"recloser {self.name!r}")
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
        ck.num("ground_fast_multiplier", self.ground_fast_multiplier, optional=True)
        ck.num("ground_delayed_multiplier", self.ground_delayed_multiplier, optional=True)
        ck.num("phase_inst_a", self.phase_inst_a, optional=True)
        ck.num("ground_inst_a", self.ground_inst_a, optional=True)
        ck.num("inst_delay_s", self.inst_delay_s, strict=False)
        ck.raise_if_any()


class Recloser(DeviceBase):
    """Recloser with phase/ground fast and delayed curves and a shot sequence.

    Shot times are clearing times: curve time with the control's modifiers plus the
    mechanism/interrupting time the curve data assume (``Curve.clearing_adder_s``).

    Examples
    --------
    >>> rc = Recloser(name="RC1", phase_min_trip_a=200.0, fast_curve="A", delayed_curve="B")
    >>> rc.shot_times_s([400.0]).ravel().round(3).tolist()  # 101/117 at M = 2, + 0.042 s
    [0.064, 0.064, 1.542, 1.542]
    """

    kind = DeviceKind.RECLOSER

    def __init__(self, settings: RecloserSettings | None = None,
                 library: CurveLibrary | None = None, **kwargs: Any):
        super().__init__(settings, RecloserSettings, kwargs)
        s: RecloserSettings = self.settings
        lib = library or default_library()
        ck = Checker(f"recloser {s.name!r}")
        kinds = (DeviceKind.RECLOSER, DeviceKind.RELAY)
        self.fast_curve = ck.curve("fast_curve", s.fast_curve, lib, kinds)
        self.delayed_curve = ck.curve("delayed_curve", s.delayed_curve, lib, kinds)
        gf = ck.curve("ground_fast_curve", s.ground_fast_curve, lib, kinds, optional=True)
        gd = ck.curve("ground_delayed_curve", s.ground_delayed_curve, lib, kinds, optional=True)
        ck.raise_if_any()
        self.ground_fast_curve = gf or self.fast_curve
        self.ground_delayed_curve = gd or self.delayed_curve
        self.library = lib
        used = [("fast", "fast_curve", self.fast_curve), ("delayed", "delayed_curve",
                                                           self.delayed_curve)]
        if s.ground_min_trip_a is not None:
            used += [("fast", "ground_fast_curve", self.ground_fast_curve),
                     ("delayed", "ground_delayed_curve", self.ground_delayed_curve)]
        if s.n_fast == 0:
            used = [u for u in used if u[0] != "fast"]
        if s.n_delayed == 0:
            used = [u for u in used if u[0] != "delayed"]
        for which, fld, c in used:
            adder = s.fast_adder_s if which == "fast" else s.delayed_adder_s
            if c.clearing_adder_s is None and adder <= 0.0:
                ck.issues.append(Issue(
                    ck.where, f"{which}_adder_s",
                    f"{fld} {c.name!r} does not state the mechanism/interrupting time its "
                    "points assume, so its clearing time is unknown",
                    f"set {which}_adder_s (s) to the time the recloser adds to the curve "
                    "(e.g. 0.042 s, as EPRI's DG_Prot_Fdr), or use a curve file that states "
                    "clearing_adder_s"))
        ck.raise_if_any()
        #: Human-readable warnings (sub-cycle clearing), also issued as Python warnings.
        self.warnings: list[str] = []
        #: The same as data, ``(setting, text, fix)`` each (the setting whose curve clears
        #: under one cycle): what ``validate`` and the Feeder warnings sheet say once
        #: (:mod:`protv2g.study.sub_cycle`), where the Python warning came from every build.
        self.sub_cycle: list[tuple[str, str, str]] = []
        for which, fld, c in used:
            t_min = float(self._modify(np.array([_fastest_s(c)]), which == "fast", c,
                                        fld.startswith("ground"))[0])
            if t_min < CYCLE_S:
                what = (f"recloser {s.name!r}: {fld} {c.name!r} clears in {1000 * t_min:.1f} ms "
                        f"at high current, under one cycle ({1000 * CYCLE_S:.1f} ms at "
                        f"{NOMINAL_FREQUENCY_HZ:g} Hz): no recloser interrupts that fast")
                fix = f"check the curve's clearing_adder_s and {which}_adder_s"
                msg = f"{what}; {fix}"
                self.sub_cycle.append((fld, what, fix))
                self.warnings.append(msg)
                warnings.warn(msg, SubCycleClearingWarning, stacklevel=2)

    @staticmethod
    def mechanism_s(curve: Curve) -> float:
        """Mechanism/interrupting time (s) the curve data assume (0 when not stated)."""
        return float(curve.clearing_adder_s or 0.0)

    def modifiers(self, fast: bool, ground: bool = False) -> tuple[float, float]:
        """(multiplier, added time s) the control applies to a fast or delayed, phase or
        ground curve (a ground multiplier, where set, replaces the phase one)."""
        s: RecloserSettings = self.settings
        mult, add = ((s.fast_multiplier, s.fast_adder_s) if fast
                     else (s.delayed_multiplier, s.delayed_adder_s))
        if ground:
            g = s.ground_fast_multiplier if fast else s.ground_delayed_multiplier
            mult = mult if g is None else g
        return float(mult), float(add)

    def _modify(self, t: FloatArray, fast: bool, curve: Curve, ground: bool = False
                ) -> FloatArray:
        mult, add = self.modifiers(fast, ground)
        t = modify_time_s(t, mult, add, self.settings.min_response_s)
        return t + self.mechanism_s(curve)

    @property
    def shot_kinds(self) -> tuple[str, ...]:
        """``"fast"``/``"delayed"`` for each trip of the sequence, in order."""
        s: RecloserSettings = self.settings
        return ("fast",) * s.n_fast + ("delayed",) * s.n_delayed

    def _t(self, i_a: ArrayLike, pickup: float | None, curve: Curve, fast: bool,
           ground: bool = False) -> FloatArray:
        if pickup is None:
            i = arr(i_a)
            return np.where(np.isnan(i), np.nan, np.inf)
        return self._modify(trip_time_s(i_a, pickup, curve, 1.0), fast, curve, ground)

    def boundary(self, i_a: ArrayLike, shot: str = "fast", ground: bool = False) -> np.ndarray:
        """Where the lookups of one curve fall in its data (:class:`DataBoundary` values).

        ``shot`` is ``"fast"`` or ``"delayed"``; ``ground`` selects the ground curve and
        minimum trip (``not_operating`` everywhere when there is no ground element).
        """
        s: RecloserSettings = self.settings
        if shot not in ("fast", "delayed"):
            raise ValueError(f"shot must be 'fast' or 'delayed', got {shot!r}")
        pickup = s.ground_min_trip_a if ground else s.phase_min_trip_a
        if pickup is None:
            return np.full(np.shape(i_a), "not_operating")
        curve = {(False, "fast"): self.fast_curve, (False, "delayed"): self.delayed_curve,
                 (True, "fast"): self.ground_fast_curve,
                 (True, "delayed"): self.ground_delayed_curve}[(ground, shot)]
        return curve_boundary(curve, arr(i_a) / pickup)

    def fast_time_s(self, i_a: ArrayLike) -> FloatArray:
        """Phase fast-curve trip time (s) for phase currents (A)."""
        return self._t(i_a, self.settings.phase_min_trip_a, self.fast_curve, True)

    def delayed_time_s(self, i_a: ArrayLike) -> FloatArray:
        """Phase delayed-curve trip time (s) for phase currents (A)."""
        return self._t(i_a, self.settings.phase_min_trip_a, self.delayed_curve, False)

    def ground_fast_time_s(self, i3i0_a: ArrayLike) -> FloatArray:
        """Ground fast-curve trip time (s) for residual currents 3I0 (A)."""
        return self._t(i3i0_a, self.settings.ground_min_trip_a, self.ground_fast_curve, True,
                       ground=True)

    def ground_delayed_time_s(self, i3i0_a: ArrayLike) -> FloatArray:
        """Ground delayed-curve trip time (s) for residual currents 3I0 (A)."""
        return self._t(i3i0_a, self.settings.ground_min_trip_a, self.ground_delayed_curve,
                       False, ground=True)

    def first_shot_inst_time_s(self, i_a: ArrayLike,
                               i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Clearing time (s) of the instantaneous trips, which act on the first shot only.

        ``inst_delay_s`` + the first shot's adder + its phase curve's mechanism time where
        ``i_a > phase_inst_a`` or ``i_ground_a > ground_inst_a``; ``inf`` elsewhere.
        """
        s: RecloserSettings = self.settings
        fast = s.n_fast > 0
        adder = s.fast_adder_s if fast else s.delayed_adder_s
        curve = self.fast_curve if fast else self.delayed_curve
        delay = s.inst_delay_s + adder + self.mechanism_s(curve)
        t = instantaneous_time_s(i_a, s.phase_inst_a, delay)
        if i_ground_a is not None and s.ground_min_trip_a is not None:
            t = np.fmin(t, instantaneous_time_s(i_ground_a, s.ground_inst_a, delay))
        return t

    def shot_times_s(self, i_a: ArrayLike, i_ground_a: ArrayLike | None = None) -> FloatArray:
        """Trip time (s) of every shot: array of shape ``(n_shots, *np.shape(i_a))``."""
        fast, delayed = self.fast_time_s(i_a), self.delayed_time_s(i_a)
        if i_ground_a is not None:
            fast = np.fmin(fast, self.ground_fast_time_s(i_ground_a))
            delayed = np.fmin(delayed, self.ground_delayed_time_s(i_ground_a))
        rows = [fast if k == "fast" else delayed for k in self.shot_kinds]
        rows[0] = np.fmin(rows[0], self.first_shot_inst_time_s(i_a, i_ground_a))
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
