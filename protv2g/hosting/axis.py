"""The hosting search's axes and record: an :class:`Axis` (site × participation × load
level), the record of its worst gate-failing rows per export level (:data:`Failing`, and the
rows that do not limit the export, :data:`Aside`), how it is read (:func:`levels`,
:func:`fails`, :func:`bracket`), and the per-criterion ``status`` values
(:class:`HostingStatus`); the points of the search and what it finds there (:data:`Point`,
:data:`Found`). Split from :mod:`.tables` (which re-exports its names) and :mod:`.search`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from protv2g.study.schema import V2GSite
from protv2g.units import LoadLevel, Participation

__all__ = ["OTHER_SITES", "Aside", "Axis", "Failing", "Found", "HostingStatus", "Key", "Point",
           "bracket", "fails", "levels"]


class HostingStatus(StrEnum):
    """Values of the per-criterion table's ``status`` column."""

    LIMITED = "limited"
    NOT_LIMITED = "not_limited"
    NOT_APPLICABLE = "not_applicable"
    NOT_EVALUATED = "not_evaluated"
    #: The criterion fails, but on a setting, not on the export (:mod:`.limits`: C10's reclose,
    #: C8's transformer fuse inside its withstand, C12's set-point or site tap).
    SETTING = "setting"
    #: The axis's figure is decided at its smallest export (0 kW, :mod:`.early`) and the
    #: criterion passes there: the search did not evaluate it above.
    NOT_SEARCHED = "not_searched"


#: (axis key, export kW) → criterion → its worst gate-failing row at that level.
Failing = dict[tuple[tuple[str, str, str], float], dict[str, dict[str, Any]]]
#: (axis key, export kW) → gate-failing rows that do not limit the export (:mod:`.limits`).
Aside = dict[tuple[tuple[str, str, str], float], list[dict[str, Any]]]


@dataclass(frozen=True)
class Axis:
    """One hosting axis: a site, a participation case and a load level."""

    site: V2GSite
    participation: Participation
    load_level: LoadLevel

    @property
    def cap_kw(self) -> float:
        """Largest export of the axis: its participating chargers' power (0 for a site whose
        ``modes`` lack ``exporting``)."""
        if not self.site.can_export:
            return 0.0
        return self.site.participation.fraction(self.participation) * self.site.p_max_kw

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.site.name, self.participation.value, self.load_level.value)


#: How a site's hosting note says what the other sites are (:mod:`.points`: not built — a
#: site's hosting is that site added to today's feeder, the other sites' own transformers out
#: of its faults and flows; review rev34a F5: the note said "idle", the docs "not built").
OTHER_SITES = "other sites not built (this site added to today's feeder)"


def levels(failing: Failing, axis: Axis) -> list[float]:
    """Export levels evaluated on ``axis``, kW, ascending."""
    return sorted(p for (key, p) in failing if key == axis.key)


def fails(worst: dict[str, dict[str, Any]], crit: str | None) -> list[dict[str, Any]]:
    """Worst failing rows of one scenario: of ``crit``, or of every criterion (None)."""
    if crit is None:
        return list(worst.values())
    return [worst[crit]] if crit in worst else []


def bracket(failing: Failing, axis: Axis, levels: list[float], crit: str | None
             ) -> tuple[float, float | None]:
    """(last passing level, first failing level) of ``crit`` (None: any criterion)."""
    lo = 0.0
    for p in levels:
        if fails(failing[(axis.key, p)], crit):
            return lo, p
        lo = p
    return lo, None


#: A hosting axis's key: (site, participation, load level).
Key = tuple[str, str, str]
#: A point of the search: (axis, export kW, chargers online — None: the participation's, the
#: export search; an int: the chargers-online search, 0 its probe with none online).
Point = tuple[Axis, float, "int | None"]
#: (axis key, chargers online, export kW) → criterion → the worst failing row there.
Found = dict[tuple[Key, "int | None", float], dict[str, dict[str, Any]]]
