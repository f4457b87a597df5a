"""The Summary names a verified change's side effect where it names the change (review rev42c
M3: the depot's §2 "R01: R-F1 pickup_a 400 → 550 (verified)" read as clean; the change leaves
conductor F1-L01 (530 A) without overload protection, said in §6 / Recommendations only)."""

from __future__ import annotations

import pandas as pd

from protv2g.report.summary_grids import recommendation_map as _recommendation_map

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


#: The depot's R01 side effects as `recommend` wrote them at d0d11031 (review rev50b #3): the
#: conductor's, the one that should make a signer hesitate, third.
CLEARING = ("practice: R-F1's 51P clears the slowest fault of its zone, its minimum phase fault "
            "(LL at F1-B04, 2104 A, min case, no V2G), in 1.07 s → 1.29 s (+0.221 s), within "
            "10 s (init's yardstick for the slowest end-of-zone clearing, 2–10 s practice, "
            "recalled; the study's checks set no clearing-time limit)")
REACH = ("reach: R-F1's 51P pickup 400 → 550 A: its zone's minimum phase fault (LL at F1-B04, "
         "2104 A, min case, no V2G) is 5.26 → 3.82 × pickup, still at or above C5's 1.5 × "
         "(primary zone)")


def test_every_side_effect_is_said_not_the_first_only():
    recs = pd.DataFrame([{"recommendation": "R01", "finding": "F01",
                          "change": "R-F1 pickup_a 400 → 550", "status": "verified", "note": "",
                          "side_effects": "; ".join((CLEARING, REACH, SIDE))}])
    got = _recommendation_map(recs)["F01"]
    assert got.startswith(f"R01: R-F1 pickup_a 400 → 550 (verified; side effects: {CLEARING}; "
                          f"{REACH}; practice: R-F1's phase pickup 550 A")
    assert got.endswith("the conductor loses its overload protection)")
    assert "accept only where" not in got  # the advice: the Recommendations sheet's


def test_module_doctests():
    import doctest

    import protv2g.report.summary_memo as mod

    assert doctest.testmod(mod).failed == 0
