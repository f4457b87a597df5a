"""A drafted head relay's pickup on its setting steps, from three figures: the pickup the
rule wants, the floor (1.5 × the load it must carry) and the ceiling (the zone's minimum
fault ÷ 1.5) — :mod:`.head_relay`'s rule for 51P and 51G (its module docstring).

* :func:`round_up` — up to a whole setting step (10 A);
* :func:`_fit_pickup` — the pickup: the wanted one on 10 A steps, lowered towards the ceiling
  but not below the floor, on :data:`FINE_STEPS_A` (5 A, then 1 A) where no 10 A step lies
  between them; and whether the zone's minimum fault is reached with the 1.5 margin;
* :func:`pickup_steps` — the same steps in words, for the draft's comment.
"""

from __future__ import annotations

import math

__all__ = ["FINE_STEPS_A", "pickup_steps", "round_up"]


def round_up(x: float, step: float = 10.0) -> float:
    """``x`` rounded up to a whole ``step`` (A): a drafted pickup's setting step."""
    return float(math.ceil(x / step - 1e-9) * step)


#: Finer pickup steps (A) tried, in turn, where no 10 A step lies in the window
#: (1.5 × load, min zone fault / 1.5] (review rev41a M2, IEEE 34: floor 110.8 A, ceiling
#: 118 A; the floor rounded up to 120 A was drafted, a reach conflict, while 115 A fits).
FINE_STEPS_A = (5.0, 1.0)


def _fit_pickup(wanted_a: float, floor_a: float, ceiling_a: float) -> tuple[float, bool]:
    """A pickup (A): ``wanted_a`` rounded up to 10 A; where that exceeds ``ceiling_a`` (the
    smallest fault in the zone ÷ 1.5), the highest 10 A step at or below the ceiling, but not
    below ``floor_a`` rounded up (1.5 × the load it must carry) nor 10 A; where no 10 A step
    lies in the window (``floor_a``, ``ceiling_a``], the highest step of
    :data:`FINE_STEPS_A` (5 A, then 1 A) that does. Returns it and whether it is at or below
    the ceiling (False: the zone's smallest fault is not reached with the 1.5 margin)."""
    pickup = round_up(wanted_a)
    if pickup > ceiling_a:
        pickup = max(round_up(floor_a), math.floor(ceiling_a / 10.0) * 10.0, 10.0)
    if pickup > ceiling_a:  # a NaN ceiling is never exceeded: no finer step
        fine = [math.floor(ceiling_a / step) * step for step in FINE_STEPS_A]
        pickup = next((float(p) for p, step in zip(fine, FINE_STEPS_A, strict=True)
                       if p > floor_a and p >= step), pickup)
    return pickup, not pickup > ceiling_a  # a NaN ceiling (no fault value) is no conflict


def pickup_steps(wanted_a: float, floor_a: float, ceiling_a: float, fault: str = "fault") -> str:
    """How :func:`_fit_pickup` reaches its pickup from the same three figures, for the draft's
    comment (review s21, EPRI J1: the comment's rule "51G = max(2 × residual, 0.25 × 51P)"
    read 117.5 A while the value written, lowered to the zone's reach, was 110 A).

    >>> pickup_steps(117.5, 52.5, 173.0 / 1.5)
    '117.5 A → 120 A (10 A steps) > min zone fault / 1.5 = 115.3 A → 110 A'
    >>> pickup_steps(110.8, 110.8, 177.0 / 1.5)  # doctest: +NORMALIZE_WHITESPACE
    '110.8 A → 120 A (10 A steps) > min zone fault / 1.5 = 118 A → 115 A (5 A steps: no 10 A
    step lies between the floor 1.5 × load 110.8 A and the ceiling)'

    ``fault``: the zone's minimum fault named in the text (``ground fault |3I0|`` for 51G).
    """
    pickup, _ = _fit_pickup(wanted_a, floor_a, ceiling_a)
    up = round_up(wanted_a)
    text = f"{wanted_a:.4g} A" + (f" → {up:g} A (10 A steps)" if up != wanted_a else "")
    if pickup == up:
        return text
    text += f" > min zone {fault} / 1.5 = {ceiling_a:.4g} A"
    if pickup > ceiling_a:
        return text + (f" → {pickup:g} A, the floor 1.5 × load {floor_a:.4g} A rounded up "
                       "(the zone's minimum fault is not reached with the 1.5 margin)")
    if pickup % 10.0:
        step = next(s for s in FINE_STEPS_A if not pickup % s)
        return text + (f" → {pickup:g} A ({step:g} A steps: no 10 A step lies between the "
                       f"floor 1.5 × load {floor_a:.4g} A and the ceiling)")
    return text + f" → {pickup:g} A"
