"""A C1/C3/C4 row whose two devices both take longer than the practice bound for end-of-zone
clearing says the pair does not clear that fault in useful time (review rev35a M2, EPRI ckt5:
C1 head / f-mdv201_105409fuse at 44.0 s and 49.7 s on a 295 A fault read only "caused by V2G,
−6.44 s"; the 100K link's and the drafted 51G's reach is the problem, C5)."""

from __future__ import annotations

import pandas as pd

from protv2g.checks.pair_rows import slow_pair_clauses
from protv2g.criteria import ZONE_END_CLEARING_BRACKET_S
from protv2g.study_draft.curve_choice import CLEAR_BOUND_S


def test_both_devices_beyond_the_bound_say_so():
    bad = pd.DataFrame({"criterion": ["C1", "C1", "C4", "C2", "C3"],
                        "t_backup_s": [44.0, 44.0, 12.0, 44.0, float("inf")],
                        "t_primary_s": [49.7, 0.3, 11.0, 49.7, 20.0]})
    out = slow_pair_clauses(bad)
    assert out[0].startswith("; both devices take over 10 s here (44 s and 49.7 s): the pair "
                             "does not clear this fault in useful time")
    assert out[1] == ""                # the primary clears in 0.3 s
    assert "(12 s and 11 s)" in out[2]
    assert out[3] == ""                # C2 (fuse saving) is not a time-interval row
    assert out[4] == ""                # a device that never operates is C5's, not this


def test_init_and_the_checks_read_one_bound():
    assert CLEAR_BOUND_S == ZONE_END_CLEARING_BRACKET_S[1] == 10.0
