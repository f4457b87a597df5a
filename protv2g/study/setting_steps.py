"""A device's declared setting steps in the study file (``pickup_step_a``, ``ct_ratio`` with
``pickup_step_secondary_a``, ``time_dial_step``, ``multiplier_step``; ``docs/study-file.md``):
read by ``protv2g validate``'s plausibility warnings (a setting off its step) and by
``protv2g recommend`` (:mod:`protv2g.recommend.steps`: recommended values on the step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["SettingSteps", "on_step", "settings_steps"]


@dataclass(frozen=True)
class SettingSteps:
    """A device's declared setting steps (None: not declared, the assumed grid is used).

    Attributes
    ----------
    pickup_a : float or None
        Primary-ampere step of its phase and ground pickups (minimum trips).
    dial : float or None
        Step of its time dials (relay) or curve multipliers (recloser).
    source : str
        Where ``pickup_a`` comes from, e.g. ``"ct_ratio 120 × 0.01 A secondary = 1.2 A"``.
    """

    pickup_a: float | None = None
    dial: float | None = None
    source: str = ""


def settings_steps(dev: Any) -> SettingSteps:
    """The declared steps of a study-file device entry (any object with the fields; absent
    fields are not declared)."""
    step = getattr(dev, "pickup_step_a", None)
    source = f"pickup_step_a {step:g} A" if step is not None else ""
    ct, sec = getattr(dev, "ct_ratio", None), getattr(dev, "pickup_step_secondary_a", None)
    if step is None and ct is not None and sec is not None:
        step = float(ct) * float(sec)
        source = f"ct_ratio {ct:g} × {sec:g} A secondary = {step:.6g} A"
    dial = getattr(dev, "time_dial_step", None) or getattr(dev, "multiplier_step", None)
    return SettingSteps(None if step is None else float(step),
                        None if dial is None else float(dial), source)


def on_step(value: float, step: float | None) -> bool:
    """Whether ``value`` is a multiple of ``step`` (any value when no step is declared)."""
    return step is None or abs(value / step - round(value / step)) < 1e-6
