"""The setting steps of a device: the values its control can take, for recommended settings.

A relay sets its pickups in secondary amperes, in steps of its own (0.01 A on a numerical
relay such as the SEL-351 or GE Multilin 750 — recalled from their instruction manuals),
through its CT: the primary step is ``ct_ratio × pickup_step_secondary_a`` (a 600:5 CT and
0.01 A steps: 1.2 A). A recloser control sets its minimum trips in primary amperes (1 A on
an Eaton Form 6 or SEL-651R, recalled). Time dials are set in 0.01 or 0.05 steps (IEEE
C37.112 dials, IEC 60255-151 TMS), recloser curve multipliers alike. The study file may
declare them per device (``pickup_step_a``, or ``ct_ratio`` with ``pickup_step_secondary_a``;
``time_dial_step``; a recloser's ``multiplier_step``; ``docs/study-file.md``): a recommended
value is then a multiple of the step. Without them the settings grid of
:mod:`.candidates` is **assumed** (pickups in 10 A steps up to 200 A, 50 A above, and 10, 5,
1 A inside a narrow window; dials in 0.05 steps) and the recommendation says so. Fuses move
along their library's rating series (:func:`.candidates._fuse_moves`), which is a fuse's step.
"""

from __future__ import annotations

import math
from typing import Any

from protv2g.study.setting_steps import SettingSteps, on_step, settings_steps

__all__ = ["ASSUMED_GRID_TEXT", "SettingSteps", "dial_steps_up", "on_step", "pickup_steps_up",
           "settings_steps", "snap_down", "snap_up", "step_basis"]

#: Study-file fields set on a pickup step (A) and on a dial / multiplier step.
_PICKUPS = ("pickup_a", "phase_min_trip_a", "ground_pickup_a", "ground_min_trip_a")
_DIALS = ("time_dial", "ground_time_dial", "delayed_multiplier", "ground_delayed_multiplier")

#: How the assumed grid is named in a recommendation's text.
ASSUMED_GRID_TEXT = ("the settings grid is assumed (10 A steps up to 200 A, 50 A above; "
                     "10/5/1 A inside a narrow window): give the device's pickup_step_a, or "
                     "ct_ratio and pickup_step_secondary_a, for its own steps")

_EPS = 1e-9


def snap_down(value: float, step: float) -> float:
    """The largest multiple of ``step`` at or below ``value`` (rounded to 1e-6).

    >>> snap_down(359.9, 1.2)
    358.8
    """
    return round(math.floor(value / step + _EPS) * step, 6)


def snap_up(value: float, step: float) -> float:
    """The smallest multiple of ``step`` at or above ``value`` (rounded to 1e-6)."""
    return round(math.ceil(value / step - _EPS) * step, 6)


def pickup_steps_up(value: float, steps: SettingSteps, n: int = 16) -> list[float]:
    """Pickups above ``value`` for a raise: the ordinary grid (10 A below 200 A, 50 A from
    200 A up), each snapped up to the device's step when it declares one, ``n`` at most.

    >>> pickup_steps_up(400.0, SettingSteps(), 3)
    [450.0, 500.0, 550.0]
    >>> pickup_steps_up(400.0, SettingSteps(pickup_a=1.2), 3)
    [450.0, 500.4, 550.8]
    """
    grid = 10.0 if value < 200 else 50.0
    start = math.floor(value / grid + _EPS) * grid
    out: list[float] = []
    for k in range(1, n + 1):
        v = start + k * grid
        if v <= value:
            continue
        if steps.pickup_a is not None:
            v = snap_up(v, steps.pickup_a)
        v = round(v, 6)
        if v > value + _EPS and v not in out:
            out.append(v)
    return out


def dial_steps_up(value: float, ordinary: float, step: float | None, n: int) -> list[float]:
    """Dials (multipliers) above ``value`` for a slower curve: ``n`` moves of the ordinary
    increment ``ordinary`` (0.05 for a time dial, 0.1 for a multiplier), or of the smallest
    multiple of the device's ``step`` at least that large; values on the step's multiples.

    >>> dial_steps_up(0.5, 0.05, None, 3)
    [0.55, 0.6, 0.65]
    >>> dial_steps_up(0.5, 0.05, 0.5, 2)
    [1.0, 1.5]
    >>> dial_steps_up(0.52, 0.05, 0.01, 2)
    [0.57, 0.62]
    """
    if step is None:
        start = math.floor(value / ordinary + _EPS) * ordinary
        return [round(start + k * ordinary, 6) for k in range(1, n + 1)
                if start + k * ordinary > value]
    inc = step * max(1, math.ceil(ordinary / step - _EPS))
    base = snap_down(value, step)
    out = []
    for k in range(1, n + 1):
        v = round(base + k * inc, 6)
        if v > value + _EPS:
            out.append(v)
    return out


def step_basis(change: Any, devices: Any) -> str:
    """Which steps a change's new pickups and dials are on: the device's declared ones, or
    the assumed grid, said so (e.g. ``"R1's values on its own steps (ct_ratio 120 × 0.03 A
    secondary = 3.6 A; dial 0.01)"``, ``"time_dial on the assumed 0.05 grid (no
    time_dial_step declared)"``); empty when the change sets neither."""
    dev = next((d for d in devices if getattr(d, "name", None) == change.name), None)
    fields = [f for f, _o, n in change.fields if isinstance(n, (int, float))]
    pick = [f for f in fields if f in _PICKUPS]
    dial = [f for f in fields if f in _DIALS]
    if dev is None or not (pick or dial):
        return ""
    steps = settings_steps(dev)
    parts = []
    if pick:
        parts.append(f"{', '.join(pick)} on {change.name}'s own {steps.pickup_a:.6g} A step "
                     f"({steps.source})" if steps.pickup_a is not None else
                     f"{', '.join(pick)}: {ASSUMED_GRID_TEXT}")
    if dial:
        key = "multiplier_step" if "multiplier" in dial[0] else "time_dial_step"
        grid = 0.05 if dial[0] == "time_dial" else 0.1  # :mod:`.candidates`' ordinary moves
        names = ", ".join(dial)
        parts.append(f"{names} on {change.name}'s own {steps.dial:g} step ({key})"
                     if steps.dial is not None else
                     f"{names} on the assumed {grid:g} grid (no {key} declared)")
    return "; ".join(parts)
