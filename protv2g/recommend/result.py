"""What the recommendation search returns (:func:`protv2g.recommend.search.recommend`): one
:class:`Recommendation` per finding examined and the :class:`RecommendationResult` with the
Recommendations table (:data:`RECOMMENDATION_COLUMNS`) and the accepted changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from protv2g.findings import Findings
from protv2g.recommend.change import Change, describe

__all__ = ["EDGE_STATUS", "RECOMMENDATION_COLUMNS", "Recommendation", "RecommendationResult",
           "SERIES_STATUS"]

#: Status of a finding whose only clearing change keeps less than the window margin to an
#: edge (:mod:`.window`): a warning, not a verified fix — the change is in the note, not in
#: :attr:`RecommendationResult.changes` (not applied, not written by ``--apply``).
EDGE_STATUS = "warn: no margin in its window"
#: Status of a finding whose only clearing change lowers a pickup below a downstream relay's
#: or recloser's of the same element (:func:`.practice.tag_below_downstream`): a warning, not
#: applied — a miscoordination for the faults between the two pickups that no check judges.
SERIES_STATUS = "warn: below a downstream device's pickup"

#: Columns of the Recommendations table.
RECOMMENDATION_COLUMNS = [
    "recommendation", "finding", "title", "attribution", "status", "change", "family",
    "margin_before", "margin_after", "margin_unit", "clears", "side_effects",
    "hosting_after_kw", "candidates_tried", "note",
]


@dataclass(frozen=True)
class Recommendation:
    """One accepted change (or why none was found) for one finding."""

    finding: str
    title: str
    attribution: str
    status: str
    change: Change | None
    margin_before: float
    margin_after: float
    margin_unit: str
    clears: tuple[str, ...] = ()
    side_effects: tuple[str, ...] = ()
    candidates_tried: int = 0
    note: str = ""
    hosting_after_kw: dict[str, float] | None = None


@dataclass
class RecommendationResult:
    """What :func:`recommend` found.

    Attributes
    ----------
    recommendations : list of Recommendation
    changes : list of Change
        The accepted changes, in the order found.
    before, after : Findings
        Findings of the study as it is and with every change applied (the verification run).
    n_check_runs : int
    seconds : float
    """

    recommendations: list[Recommendation]
    changes: list[Change]
    before: Findings
    after: Findings
    n_check_runs: int
    seconds: float
    hosting_before_kw: dict[str, float] | None = None
    hosting_after_kw: dict[str, float] | None = None

    def table(self) -> pd.DataFrame:
        """:data:`RECOMMENDATION_COLUMNS`, one row per finding examined."""
        rows = []
        for k, r in enumerate(self.recommendations, start=1):
            hosting = r.hosting_after_kw
            rows.append({
                "recommendation": f"R{k:02d}", "finding": r.finding, "title": r.title,
                "attribution": r.attribution, "status": r.status,
                "change": describe(r.change) if r.change else "",
                "family": r.change.family.value if r.change else "",
                "margin_before": r.margin_before, "margin_after": r.margin_after,
                "margin_unit": r.margin_unit, "clears": "; ".join(r.clears),
                "side_effects": "; ".join(r.side_effects) or ("none" if r.change else ""),
                "hosting_after_kw": ", ".join(f"{s} {kw:,.0f}" for s, kw in hosting.items())
                if hosting else "",
                "candidates_tried": r.candidates_tried, "note": r.note})
        return pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)

    def changes_table(self) -> pd.DataFrame:
        """The accepted changes: section, name, field, old, new, family."""
        return pd.DataFrame([{"section": c.section, "name": c.name, "field": c.field,
                              "old": str(c.old), "new": str(c.new), "family": c.family.value,
                              "change": describe(c)} for c in self.changes],
                            columns=["section", "name", "field", "old", "new", "family",
                                     "change"])
