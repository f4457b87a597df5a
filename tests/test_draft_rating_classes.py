"""init's drafted breaker rating above the 15 kV class (review rev43a M6: IEEE 34's head relay
at 24.9 kV drafted "8 kA … the next R10 value at or above the 7.92 kA duty … no class table at
24.9 kV"; 8 kA is no rating of a 27 kV breaker).

Reference (not protv2g's): IEEE Std C37.06-2009, preferred ratings of outdoor circuit breakers
rated 72.5 kV and below — 27 kV class 12.5, 16, 20, 25 kA symmetrical (the values the review
quotes); 38 kV class 16, 20, 25, 31.5, 40 kA (recalled). The smallest at or above the duty.
"""

from __future__ import annotations

import pytest

from protv2g.study_draft.ratings import device_rating, rating_class

C37_06_27KV = (12.5, 16.0, 20.0, 25.0)
C37_06_38KV = (16.0, 20.0, 25.0, 31.5, 40.0)


@pytest.mark.parametrize(("kv", "duty_ka", "want"), [
    (24.9, 7.92, 12.5),   # IEEE 34's head, X/R 8 (no asymmetry correction): fails on old code
    (24.9, 13.0, 16.0),
    (22.9, 24.0, 25.0),
    (34.5, 8.13, 16.0),   # ckt24's head duty 7.65 kA × 1.063
    (34.5, 33.0, 40.0),
])
def test_a_feeder_breaker_above_15_kv_gets_its_c37_06_class(kv, duty_ka, want):
    table = C37_06_27KV if kv <= 27.0 else C37_06_38KV
    assert want == min(r for r in table if r >= duty_ka)  # the reference's pick
    got, note = device_rating("relay", kv, duty_ka, 8.0)
    assert got == {"interrupting_rating_ka": want}
    assert "IEEE C37.06-2009" in note and "no class table" not in note
    assert rating_class("relay", kv).preferred_ka == table


def test_above_the_38_kv_class_and_other_devices_keep_r10():
    # the recloser and the cutout of these classes are not tabled: R10 as before
    for kind in ("recloser", "fuse"):
        got, note = device_rating(kind, 24.9, 0.6, 1.0)
        assert got == {"interrupting_rating_ka": 0.63} and "no class table at 24.9 kV" in note
    got, note = device_rating("relay", 69.0, 7.9, 8.0)
    assert got == {"interrupting_rating_ka": 8.0} and "no class table at 69 kV" in note
