"""Recommendations the tool verifies: the smallest ordinary setting changes that clear findings.

For each finding (:mod:`protv2g.findings`) the search tries the ordinary moves of a
protection engineer — pickup, time dial, instantaneous, recloser fast shots and delayed
curve, first reclose interval, fuse link size, directional element, the DER's
cease-to-energise time — smallest first, and keeps one only when a re-run of the checks on the
study's own fault tables shows that it clears the finding without creating or worsening
another (:mod:`.search`). The accepted changes can be written back into the study file,
keeping the user's comments (:mod:`.apply`).

Modules: :mod:`.candidates` (what to try), :mod:`.search` (the finding-by-finding driver),
:mod:`.finding_search` (verify and choose for one finding), :mod:`.apply` (YAML round trip),
:mod:`.conductor` (the protected conductor's rating a raised phase pickup is stated against),
:mod:`.reach` (C5: the failing element's pickup lowered, bounded by C8's load margin).

Example
-------
>>> study = load_study("feeders/depot_two_feeder/study.yaml")  # doctest: +SKIP
>>> result = run_study(study)  # doctest: +SKIP
>>> rec = recommend(study, result.device_faults, result.flow)  # doctest: +SKIP
>>> write_study(study, rec.changes, "depot_fixed.yaml")  # doctest: +SKIP
"""

from protv2g.recommend.apply import write_study
from protv2g.recommend.candidates import Change, Family, candidates, describe
from protv2g.recommend.search import (
    RECOMMENDATION_COLUMNS,
    Recommendation,
    RecommendationResult,
    apply_to_study,
    recommend,
)

__all__ = ["Change", "Family", "RECOMMENDATION_COLUMNS", "Recommendation",
           "RecommendationResult", "apply_to_study", "candidates", "describe", "recommend",
           "write_study"]
