"""What a recommendation changes: one field of one study-file entry (:class:`Change`), the
kind of setting it is (:class:`Family`) and the order a protection engineer reaches for them
(:data:`FAMILY_RANK`). The candidate moves are :mod:`protv2g.recommend.candidates`'.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Change", "FAMILY_RANK", "Family", "describe"]


class Family(StrEnum):
    """Kinds of setting change, in the order a protection engineer would reach for them."""

    PICKUP = "pickup"
    GROUND_ELEMENT = "ground_element"
    TIME_DIAL = "time_dial"
    DIRECTIONAL = "directional"
    INSTANTANEOUS = "instantaneous"
    RECLOSE_INTERVAL = "reclose_interval"
    FAST_SHOTS = "fast_shots"
    FUSE_LINK = "fuse_link"
    RIDE_THROUGH = "ride_through"


#: Preference between families (added to the relative size): setting changes on the
#: protective devices first, then hardware (fuse links), then the DER's own settings.
FAMILY_RANK: dict[Family, float] = {
    Family.PICKUP: 0.0, Family.GROUND_ELEMENT: 0.0, Family.TIME_DIAL: 0.0,
    Family.DIRECTIONAL: 0.5,
    Family.INSTANTANEOUS: 0.3, Family.RECLOSE_INTERVAL: 0.0, Family.FAST_SHOTS: 1.0,
    Family.FUSE_LINK: 0.6, Family.RIDE_THROUGH: 1.5,
}

@dataclass(frozen=True)
class Change:
    """One field of one study-file entry set to a new value.

    Attributes
    ----------
    section : {"devices", "v2g_sites"}
        Study-file list holding the entry.
    name : str
        The entry's ``name``.
    field : str
        Study-file key (``pickup_a``, ``reclose_intervals_s`` …).
    old, new : Any
        Values before and after (JSON-like: numbers, strings, lists).
    family : Family
    size : float
        Relative size of the move (|new − old| / |old|, or steps/10 for discrete series),
        plus :data:`FAMILY_RANK`; smaller is tried first.
    """

    section: str
    name: str
    field: str
    old: Any
    new: Any
    family: Family
    size: float
    #: Further ``(field, old, new)`` of the same entry changed together (e.g. the delayed
    #: shots that keep the number of operations to lockout when fast shots are removed).
    extra: tuple[tuple[str, Any, Any], ...] = ()
    #: Why the new value keeps less than the margin to an edge of its window
    #: (:mod:`.window`), or ``""``: such a change is tried after every other and, if it is the
    #: one that clears the finding, proposed as a warning, not as a verified fix.
    edge: str = ""
    #: Why the new pickup sits below a downstream device's pickup of the same element
    #: (:func:`.practice.tag_below_downstream`), or ``""``: also in :attr:`edge` (tried last);
    #: if it is the one that clears the finding, a warning (:data:`.result.SERIES_STATUS`).
    below: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.section, self.name, self.field)

    @property
    def fields(self) -> list[tuple[str, Any, Any]]:
        """Every ``(field, old, new)`` this change sets."""
        return [(self.field, self.old, self.new), *self.extra]


def describe(change: Change) -> str:
    """``"R-F1 pickup_a 400 → 600"`` (fields changed together joined by ", ")."""
    def show(v: Any) -> str:
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(show(x) for x in v) + "]"
        if isinstance(v, float):
            return f"{v:g}"
        return "unset" if v is None else str(v)
    return f"{change.name} " + ", ".join(f"{f} {show(o)} → {show(n)}"
                                         for f, o, n in change.fields)
