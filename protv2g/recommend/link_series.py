"""A fuse-link change's rating series in the recommendation (review rev42a M9: "40K → 80K
(verified)" on the depot example, where ``init`` drafts the preferred series only and a
utility stocking 6/10/15/25/40/65/100/140/200 cannot fit an 80K): the search tries a fuse's
preferred-series links before its intermediate ones (:func:`is_intermediate`,
:mod:`.finding_search`), keeps the smallest preferred link that clears the finding, and
names the smallest intermediate link that also clears it cleanly as an alternative
(:func:`series_note`); an intermediate link is proposed only when no preferred one clears it
cleanly, and the note says so. The series: :mod:`protv2g.devices.fuse_series`.
"""

from __future__ import annotations

from protv2g.devices.fuse_series import SERIES_SOURCE, series_of
from protv2g.recommend.change import Change

__all__ = ["is_intermediate", "series_note"]


def _link(c: Change) -> bool:
    return c.section == "devices" and c.field == "link"


def is_intermediate(c: Change) -> bool:
    """A fuse-link change to an intermediate-series K/T link."""
    return _link(c) and series_of(c.new) == "intermediate"


def series_note(c: Change, alternative: Change | None = None) -> str:
    """The note's words on the series of a fuse-link change ``c`` (``""`` for another change
    or a link of neither series), with ``alternative``, the smaller intermediate link that
    also clears the finding cleanly (verified), if any.

    >>> from protv2g.recommend.change import Family
    >>> up = Change("devices", "F", "link", "40K", "100K", Family.FUSE_LINK, 0.8)
    >>> print(series_note(up, Change("devices", "F", "link", "40K", "80K",
    ...                                 Family.FUSE_LINK, 0.7))[:60])
    100K is of the preferred series (ANSI C37.42/C37.43 EEI-NEMA
    """
    if not _link(c):
        return ""
    kind = series_of(c.new)
    if kind == "preferred":
        alt = (f"; alternative: the intermediate-series {alternative.new} also clears it "
               "(verified, no side effect), where the utility stocks that series"
               if alternative is not None else "")
        return f"{c.new} is of the preferred series ({SERIES_SOURCE}), tried first{alt}"
    if kind == "intermediate":
        return (f"{c.new} is of the intermediate series ({SERIES_SOURCE}): no preferred-series "
                "link clears it cleanly; confirm the utility stocks it")
    return ""
