"""The device-kind registry: what the checks and the report need to know about each kind.

One :class:`KindSpec` per :class:`~protv2g.units.DeviceKind`, registered here beside the
device models of :mod:`protv2g.devices.models`: the model and settings classes, the study-file
fields that name curves, the smallest current at which the device operates (phase and ground),
its operating times for the checks, its coordination role and its marker on plots. The checks
(:mod:`protv2g.checks`), the report's device rebuild and feeder plot, and the study's curve-name
check read these instead of dispatching on the kind themselves.

Adding a device kind: its settings and model class (``devices/models.py``), its study-file
schema class (``study/schema.py``), one :func:`register` call here, and tests.

Operating times (:func:`operating_times`)
----------------------------------------
Every kind fills the columns of :data:`TIME_COLUMNS` it has (others stay ``nan`` = not
applicable to that kind; ``inf`` = does not operate): ``t_op_s`` (first operation: relay
fastest element, recloser first shot, fuse total clearing), ``t_fast_s``/``t_delayed_s``
(recloser curves), ``t_longest_shot_s`` (recloser's longest single shot), ``t_mm_s``/
``t_tc_s`` (fuse minimum melt / total clearing).

Examples
--------
>>> spec(DeviceKind.FUSE).role
'fuse'
>>> from protv2g.devices.models import Fuse
>>> round(phase_pickup_a(Fuse(name="F1", link="65K")))
130
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from protv2g.devices.models import (
    Fuse,
    FuseSettings,
    OvercurrentRelay,
    Recloser,
    RecloserSettings,
    RelaySettings,
)
from protv2g.units import DeviceKind

__all__ = ["KindSpec", "TIME_COLUMNS", "curve_fields", "ground_pickup_a", "kind_of",
           "operating_times", "phase_pickup_a", "register", "spec"]

FloatArray = NDArray[np.float64]
#: Coordination role: how the coordination rules (C1–C4) treat the device.
Role = Literal["relay", "recloser", "fuse"]

#: Operating-time columns of the checks' fault table (s; see the module docstring).
TIME_COLUMNS = ("t_op_s", "t_fast_s", "t_delayed_s", "t_longest_shot_s", "t_mm_s", "t_tc_s")


@dataclass(frozen=True)
class KindSpec:
    """What the rest of protv2g needs to know about one device kind.

    Attributes
    ----------
    kind : DeviceKind
    model : type
        Device model class (``build_device`` makes one from settings).
    settings : type
        Its settings dataclass (field names = the study file's keys).
    curve_fields : tuple of str
        Study-file fields that name a library curve.
    role : {"relay", "recloser", "fuse"}
        Coordination role in C1–C4.
    phase_pickup_a : callable
        ``(device) -> float``: smallest phase current (A) at which it operates at all.
    ground_pickup_a : callable
        ``(device) -> float or None``: 3I0 pickup (A), None without a ground element.
    times : callable
        ``(device, i_phase_a, i_ground_a) -> dict`` of :data:`TIME_COLUMNS` arrays (s).
    marker : tuple of str
        Matplotlib marker and colour on feeder plots.
    """

    kind: DeviceKind
    model: type
    settings: type
    curve_fields: tuple[str, ...]
    role: Role
    phase_pickup_a: Callable[[Any], float]
    ground_pickup_a: Callable[[Any], float | None]
    times: Callable[[Any, FloatArray, FloatArray], dict[str, FloatArray]]
    marker: tuple[str, str]


_REGISTRY: dict[DeviceKind, KindSpec] = {}


def register(kind_spec: KindSpec) -> KindSpec:
    """Add a device kind to the registry (one call per kind, below)."""
    _REGISTRY[kind_spec.kind] = kind_spec
    return kind_spec


def spec(kind: DeviceKind | str) -> KindSpec:
    """The registered spec of a kind.

    Raises
    ------
    ValueError
        For a kind with no registered spec (names the registered ones).
    """
    try:
        return _REGISTRY[DeviceKind(kind)]
    except KeyError:
        raise ValueError(f"device kind {kind!r} is not registered in protv2g.devices.kinds; "
                         f"registered: {', '.join(k.value for k in _REGISTRY)}") from None


def kind_of(device: Any) -> KindSpec:
    """The spec of a device model instance (by its class).

    Raises
    ------
    TypeError
        For an object whose class is no registered model.
    """
    for s in _REGISTRY.values():
        if isinstance(device, s.model):
            return s
    raise TypeError(f"unknown device type {type(device).__name__}; registered models: "
                    f"{', '.join(s.model.__name__ for s in _REGISTRY.values())}")


def phase_pickup_a(device: Any) -> float:
    """Smallest phase current (A) at which ``device`` operates at all."""
    return float(kind_of(device).phase_pickup_a(device))


def ground_pickup_a(device: Any) -> float | None:
    """Ground (3I0) pickup (A) of ``device``, or None when it has no ground element."""
    return kind_of(device).ground_pickup_a(device)


def operating_times(device: Any, i_phase_a: FloatArray, i_ground_a: FloatArray
                    ) -> dict[str, FloatArray]:
    """The :data:`TIME_COLUMNS` arrays a device has, for phase and 3I0 currents (A)."""
    out = kind_of(device).times(device, np.asarray(i_phase_a, float),
                                np.asarray(i_ground_a, float))
    unknown = set(out) - set(TIME_COLUMNS)
    if unknown:
        raise ValueError(f"operating times {sorted(unknown)} are not in TIME_COLUMNS")
    return out


def curve_fields(kind: DeviceKind | str) -> tuple[str, ...]:
    """Study-file fields of a kind that name library curves."""
    return spec(kind).curve_fields


# --- the three kinds ---------------------------------------------------------------------------


def _relay_ground(d: OvercurrentRelay) -> float | None:
    s = d.settings
    return s.ground_pickup_a if s.ground_pickup_a is not None else s.ground_inst_pickup_a


def _relay_times(d: OvercurrentRelay, ip: FloatArray, ig: FloatArray) -> dict[str, FloatArray]:
    return {"t_op_s": d.operate_time_s(ip, ig)}


def _recloser_times(d: Recloser, ip: FloatArray, ig: FloatArray) -> dict[str, FloatArray]:
    shots = d.shot_times_s(ip, ig)
    fast = np.fmin(d.fast_time_s(ip), d.ground_fast_time_s(ig))
    delayed = np.fmin(d.delayed_time_s(ip), d.ground_delayed_time_s(ig))
    with np.errstate(invalid="ignore"):
        finite = np.where(np.isfinite(shots), shots, -np.inf).max(axis=0)
    return {"t_op_s": shots[0],
            "t_fast_s": fast if d.settings.n_fast else np.full(len(ip), np.inf),
            "t_delayed_s": delayed if d.settings.n_delayed else np.full(len(ip), np.inf),
            "t_longest_shot_s": np.where(np.isfinite(finite), finite, np.inf)}


def _fuse_pickup(d: Fuse) -> float:
    """Minimum-melt current: the lowest current of its MM curve (≈ 2 × rating for K/T links)."""
    m = d.curve.mm_m_points or d.curve.m_points
    return float(min(m)) * d.rating_a


def _fuse_times(d: Fuse, ip: FloatArray, ig: FloatArray) -> dict[str, FloatArray]:
    tc = d.total_clear_time_s(ip)
    return {"t_mm_s": d.min_melt_time_s(ip), "t_tc_s": tc, "t_op_s": tc}


register(KindSpec(
    DeviceKind.RELAY, OvercurrentRelay, RelaySettings, ("curve", "ground_curve"), "relay",
    lambda d: float(d.settings.pickup_a), _relay_ground, _relay_times, ("s", "tab:blue")))
register(KindSpec(
    DeviceKind.RECLOSER, Recloser, RecloserSettings,
    ("fast_curve", "delayed_curve", "ground_fast_curve", "ground_delayed_curve"), "recloser",
    lambda d: float(d.settings.phase_min_trip_a), lambda d: d.settings.ground_min_trip_a,
    _recloser_times, ("D", "tab:purple")))
register(KindSpec(
    DeviceKind.FUSE, Fuse, FuseSettings, ("link",), "fuse", _fuse_pickup, lambda d: None,
    _fuse_times, ("v", "tab:brown")))
