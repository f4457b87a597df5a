"""init's drafted breaker and recloser rating above the 15 kV class (review rev43a M6: IEEE 34's
head relay at 24.9 kV drafted "8 kA … the next R10 value at or above the 7.92 kA duty … no
class table at 24.9 kV"; 8 kA is no rating of a 27 kV breaker; ver43 M-t1: its mid-line
recloser 0.5 kA, no recloser's rating either).

Reference (not protv2g's): IEEE Std C37.06-2009, preferred ratings of outdoor circuit breakers
rated 72.5 kV and below — 27 kV class 12.5, 16, 20, 25 kA symmetrical (the values the review
quotes); 38 kV class 16, 20, 25, 31.5, 40 kA (recalled). The smallest at or above the duty.
"""

from __future__ import annotations

import pytest

from protv2g.study_draft.ratings import device_rating, rating_class

#: Kind → (rated maximum kV → the reference's preferred ratings, the source the note names).
#: Recloser: IEEE Std C37.60-2012 / IEC 62271-111:2012 (recalled, review ver43 M-t1: IEEE 34's
#: mid-line recloser drafted 0.5 kA, "the next R10 value"; no recloser has that rating).
TABLES = {
    "relay": ({27.0: (12.5, 16.0, 20.0, 25.0), 38.0: (16.0, 20.0, 25.0, 31.5, 40.0)},
              "IEEE C37.06-2009"),
    "recloser": ({27.0: (12.5, 16.0), 38.0: (12.5, 16.0, 20.0)}, "IEEE C37.60-2012"),
}


@pytest.mark.parametrize(("kind", "kv", "duty_ka", "want"), [
    ("relay", 24.9, 7.92, 12.5),   # IEEE 34's head, X/R 8: fails on old code (8 kA)
    ("relay", 24.9, 13.0, 16.0),
    ("relay", 22.9, 24.0, 25.0),
    ("relay", 34.5, 8.13, 16.0),   # ckt24's head duty 7.65 kA × 1.063
    ("relay", 34.5, 33.0, 40.0),
    ("recloser", 24.9, 0.41, 12.5),  # IEEE 34's recloser-l27: fails on old code (0.5 kA)
    ("recloser", 24.9, 14.0, 16.0),
    ("recloser", 34.5, 0.6, 12.5),
    ("recloser", 34.5, 17.0, 20.0),
])
def test_a_device_above_15_kv_gets_its_class(kind, kv, duty_ka, want):
    tables, source = TABLES[kind]
    table = tables[27.0] if kv <= 27.0 else tables[38.0]
    assert want == min(r for r in table if r >= duty_ka)  # the reference's pick
    got, note = device_rating(kind, kv, duty_ka, 8.0)
    assert got == {"interrupting_rating_ka": want}
    assert source in note and "no class table" not in note and "R10" not in note
    assert rating_class(kind, kv).preferred_ka == table


def test_above_the_38_kv_class_and_other_devices_keep_r10():
    # the cutout of these classes is not tabled: R10 as before
    got, note = device_rating("fuse", 24.9, 0.6, 1.0)
    assert got == {"interrupting_rating_ka": 0.63} and "no class table at 24.9 kV" in note
    got, note = device_rating("recloser", 69.0, 0.6, 1.0)
    assert got == {"interrupting_rating_ka": 0.63} and "no class table at 69 kV" in note
    got, note = device_rating("relay", 69.0, 7.9, 8.0)
    assert got == {"interrupting_rating_ka": 8.0} and "no class table at 69 kV" in note
