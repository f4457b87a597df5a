"""A candidate :class:`~.change.Change` with its size (how far it moves the setting, relative,
plus its family's rank: :data:`~.change.FAMILY_RANK`), and the pickups below a value on the
settings grid, snapped to the device's own step (:func:`_lower`): the pieces every device's
moves are made of (:mod:`.candidates`, :mod:`.recloser_moves`, :mod:`.reach`). Split from
:mod:`.candidates`, which re-exports them.
"""

from __future__ import annotations

import math
from typing import Any

from protv2g.recommend.change import FAMILY_RANK, Change, Family
from protv2g.recommend.steps import SettingSteps, snap_down

__all__ = ["_change", "_lower", "_rel", "_steps_down"]


def _steps_down(value: float, floor: float, n: int = 20) -> list[float]:
    """Pickups below ``value`` on the settings grid (10 A below 200 A, 50 A from 200 A up),
    from the nearest down to the lowest at or above ``floor``, ``n`` at most."""
    out: list[float] = []
    v = float(value)
    while len(out) < n:
        step = 10.0 if v <= 200.0 + 1e-9 else 50.0
        v = math.ceil(v / step - 1e-9) * step - step
        if v < floor - 1e-9 or v <= 0.0:
            break
        out.append(round(v, 6))
    return out


def _change(section: str, name: str, field: str, old: Any, new: Any, family: Family,
            rel: float, extra: tuple[tuple[str, Any, Any], ...] = (), edge: str = "") -> Change:
    return Change(section, name, field, old, new, family, round(rel + FAMILY_RANK[family], 6),
                  extra, edge)


def _rel(old: float, new: float) -> float:
    return abs(new - old) / max(abs(old), 1e-9)


def _lower(value: float, floor: float, steps: SettingSteps, n: int = 20) -> list[float]:
    """:func:`_steps_down` of ``value`` to ``floor``, each snapped down to the device's
    pickup step when it declares one (above ``floor``, below ``value``, no repeats)."""
    out: list[float] = []
    for v in _steps_down(value, floor, n):
        if steps.pickup_a is not None:
            v = snap_down(v, steps.pickup_a)
        if floor - 1e-9 <= v < value - 1e-9 and v > 0 and v not in out:
            out.append(v)
    return out
