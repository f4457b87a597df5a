"""The Summary names a verified change's side effect where it names the change (review rev42c
M3: the depot's §2 "R01: R-F1 pickup_a 400 → 550 (verified)" read as clean; the change leaves
conductor F1-L01 (530 A) without overload protection, said in §6 / Recommendations only)."""

from __future__ import annotations

import pandas as pd

from protv2g.report.summary import _recommendation_map

SIDE = ("practice: R-F1's phase pickup 550 A is above the continuous rating of the conductor it "
        "protects (F1-L01, 530 A): the conductor loses its overload protection — accept only "
        "where the utility leaves overloads to operations, else cap the charging/export or "
        "re-conductor")


def test_a_verified_change_with_a_side_effect_says_it():
    recs = pd.DataFrame([
        {"recommendation": "R01", "finding": "F01", "change": "R-F1 pickup_a 400 → 550",
         "status": "verified", "note": "", "side_effects": SIDE},
        {"recommendation": "R02", "finding": "F04", "change": "RC-F1 reclose_intervals_s "
         "[0.5, 2, 2] → [3.5, 2, 2]", "status": "verified", "note": "", "side_effects": "none"},
    ])
    got = _recommendation_map(recs)
    assert got["F01"] == ("R01: R-F1 pickup_a 400 → 550 (verified; side effect: practice: "
                          "R-F1's phase pickup 550 A is above the continuous rating of the "
                          "conductor it protects (F1-L01, 530 A): the conductor loses its "
                          "overload protection)")
    assert got["F04"] == "R02: RC-F1 reclose_intervals_s [0.5, 2, 2] → [3.5, 2, 2] (verified)"
