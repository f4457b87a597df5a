"""The margin of each coordination rule as a function of the two devices' curves, for
:mod:`.base_crossing` (review rev48a item 1, extended to C2–C4: the base case's pair margin
re-evaluated at scaled fault currents).

Each rule's margin is written as :mod:`.coordination` and :mod:`.recloser_fuse` write it,
from the devices' operating times (:func:`protv2g.devices.kinds.operating_times`) at one
current; a rule whose margin is not such a difference of curve times (the gG I²t rule, the
fast-shot order whose margin is the curves' scatter, the rows with no margin) has none here,
and :mod:`.base_crossing` says so on the row.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from protv2g.checks.recloser_fuse_text import BACKUP, SAVING, SOURCE_SIDE

__all__ = ["C1_CHECK", "Margin", "clear_s", "rule_margin", "rule_text"]

#: C1's relay-over-relay/fuse check (:func:`protv2g.checks.coordination.evaluate_pairs`).
C1_CHECK = "backup relay after primary + CTI"
#: C4's checks with a time interval (the fast-shot order is a scatter test, not here).
C4_AFTER_SHOTS = "relay after recloser's longest shot + CTI"
C4_DELAYED = "backup recloser delayed curve after primary + CTI"
#: C3's ratio check starts with this (its text carries the ratio).
C3_PREFIX = "primary clears before "

Times = dict[str, np.ndarray]
#: (primary's times, backup's times) → the row's margin, s.
Margin = Callable[[Times, Times], np.ndarray]


def clear_s(t: Times) -> np.ndarray:
    """The primary's clearing time as the pair rows take it (``checks._times``: the longest
    shot where the device has shots, else its operating time), s."""
    op = np.asarray(t["t_op_s"], float)
    shot = t.get("t_longest_shot_s")
    if shot is None:
        return op
    shot = np.asarray(shot, float)
    return np.where(np.isnan(shot), op, shot)


def _t(t: Times, key: str) -> np.ndarray:
    return np.asarray(t.get(key, np.full(np.shape(t["t_op_s"]), np.nan)), float)


def rule_margin(check: str, rule_value: float, required_s: float) -> Margin | None:
    """The margin of coordination ``check`` (the pair row's ``check``) from the two devices'
    times; None for a rule that is no difference of curve times (module docstring).

    >>> m = rule_margin("primary clears before 75% of backup fuse MM", 0.75, 0.0)
    >>> float(m({"t_op_s": np.array([1.0])}, {"t_op_s": np.array([2.0]),
    ...                                       "t_mm_s": np.array([2.0])})[0])
    0.5
    """
    f = float(rule_value)
    if check in (C1_CHECK, C4_AFTER_SHOTS, C4_DELAYED):
        key = "t_delayed_s" if check == C4_DELAYED else "t_op_s"
        return lambda p, b: _t(b, key) - clear_s(p) - required_s
    if check.startswith(C3_PREFIX) and np.isfinite(f):
        return lambda p, b: f * _t(b, "t_mm_s") - clear_s(p)
    if check == BACKUP:
        return lambda p, b: _t(b, "t_delayed_s") - _t(p, "t_tc_s")
    if check == SOURCE_SIDE and np.isfinite(f):
        return lambda p, b: _t(b, "t_mm_s") - f * clear_s(p)
    if check == SAVING and np.isfinite(f):
        return lambda p, b: _t(p, "t_mm_s") - f * _t(b, "t_fast_s")
    return None


def rule_text(check: str, rule_value: float, required_s: float) -> str:
    """What the pair falls short of, in :func:`.base_crossing.crossing_text`'s sentence.

    >>> rule_text(C1_CHECK, 0.12, 0.12), rule_text(SAVING, 1.35, 0.0)
    ('the 0.12 s interval', 'fuse saving (K = 1.35)')
    """
    f = float(rule_value)
    if check.startswith(C3_PREFIX):
        return f"the {f:.0%} melting-time ratio"
    if check == BACKUP:
        return "fuse clearing before the recloser's delayed curve"
    if check == SOURCE_SIDE:
        return f"the source-side factor {f:g}"
    if check == SAVING:
        return f"fuse saving (K = {f:g})"
    return f"the {required_s:g} s interval"
