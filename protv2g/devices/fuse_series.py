"""The two rating series of EEI-NEMA K and T fuse links (ANSI C37.42/C37.43): the
**preferred** 6, 10, 15, 25, 40, 65, 100, 140, 200 A and the **intermediate** 8, 12, 20,
30, 50, 80 A. Utilities commonly stock the preferred series only (``protv2g init`` drafts
preferred links only, :mod:`protv2g.study_draft.fuse_draft`), and a link of one series
coordinates with the next link of the same series (the makers' K-link coordination tables
are given per series); ``recommend`` tries the preferred series first and says the series
of a link it proposes (review rev42a M9: "40K → 80K (verified)" where init drafts 100K).
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["INTERMEDIATE_KT_A", "PREFERRED_KT_A", "SERIES_SOURCE", "LinkSeries", "series_of"]

#: Preferred K/T link ratings, A (ANSI C37.42/C37.43).
PREFERRED_KT_A = (6, 10, 15, 25, 40, 65, 100, 140, 200)
#: Intermediate K/T link ratings, A (ANSI C37.42/C37.43).
INTERMEDIATE_KT_A = (8, 12, 20, 30, 50, 80)
SERIES_SOURCE = ("ANSI C37.42/C37.43 EEI-NEMA K and T links: preferred 6, 10, 15, 25, 40, 65, "
                 "100, 140, 200 A; intermediate 8, 12, 20, 30, 50, 80 A")

LinkSeries = Literal["preferred", "intermediate", ""]


def series_of(link: object) -> LinkSeries:
    """The series of a K or T link's name (``"80K"`` → ``"intermediate"``); ``""`` for any
    other link (an IEC gG link, a maker's curve).

    >>> series_of("100K"), series_of("80T"), series_of("63gG")
    ('preferred', 'intermediate', '')
    """
    m = re.fullmatch(r"(\d+)([KkTt])", str(link))
    if m is None:
        return ""
    a = int(m.group(1))
    return "preferred" if a in PREFERRED_KT_A else "intermediate" if a in \
        INTERMEDIATE_KT_A else ""
