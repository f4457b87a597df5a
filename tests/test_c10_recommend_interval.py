"""recommend's C10 moves (review rev40a M4, EPRI J1 F03): RC-MID [0.5, 2, 2] → [3.5, 2, 2]
was offered for three home chargers whose island ends on UV2 within 0.16 s (C10 needs
> 0.16 + 0.5 s margin = 0.66 s: ``protv2g recommend`` on J1 now verifies [1, 2, 2]), and a
first interval longer than the later ones was said "side effects: none"."""

from __future__ import annotations

from types import SimpleNamespace


def _recloser(intervals):
    from protv2g.units import DeviceKind

    return SimpleNamespace(name="RC-MID", kind=DeviceKind.RECLOSER,
                           reclose_intervals_s=intervals)


def test_first_reclose_menu_starts_above_the_need():
    from protv2g.recommend.candidates import FIRST_RECLOSE_S, first_reclose_menu

    assert first_reclose_menu(0.5, 0.66) == [1.0, *FIRST_RECLOSE_S]     # UV2 0.16 + 0.5 s
    assert first_reclose_menu(0.5, 1.0) == [1.5, *FIRST_RECLOSE_S]      # strictly above
    # the 2-s cease bound of §8.1 + margin: init's 3.5 s first, as before (EPRI ckt24)
    assert first_reclose_menu(0.5, 2.5) == list(FIRST_RECLOSE_S)
    assert first_reclose_menu(0.5, float("nan")) == list(FIRST_RECLOSE_S)
    assert first_reclose_menu(4.0, 2.5) == [5.0, 10.0, 15.0]


def test_c10_candidates_read_the_findings_limit():
    """Fails on the old code: the smallest move was [3.5, 2, 2]."""
    from protv2g.recommend.candidates import candidates

    finding = {"criterion": "C10", "device": "RC-MID", "other_device": "homes",
               "limit": 0.66, "mechanism": ""}
    moves = [c for c in candidates(finding, [_recloser([0.5, 2.0, 2.0])], [])
             if c.field == "reclose_intervals_s"]
    assert moves[0].new == [1.0, 2.0, 2.0]


def test_first_interval_longer_than_the_later_is_said():
    from protv2g.recommend.practice import practice_notes, reclose_sequence_note

    longer = SimpleNamespace(field="reclose_intervals_s", name="RC-MID",
                             new=[3.5, 2.0, 2.0], old=[0.5, 2.0, 2.0])
    note = practice_notes(longer)
    assert note and note[0].startswith("practice: RC-MID's first reclose interval 3.5 s "
                                       "becomes longer than the later one(s) (2, 2 s)")
    assert reclose_sequence_note(SimpleNamespace(field="reclose_intervals_s", name="R",
                                                 new=[1.0, 2.0, 2.0])) == ""


def test_longer_first_reclose_states_the_dead_time_and_the_value():
    """Review rev50b #8 (depot R02: RC-F1 0.5 → 3.5 s, "side effects: none"): the customers'
    longer interruption and where 3.5 s comes from (2 s cease + the 1.0 s top of C10's
    margin bracket, rounded up to 0.5 s). Fails on the old code (no note)."""
    from protv2g.recommend.practice import practice_notes

    c = SimpleNamespace(field="reclose_intervals_s", name="RC-F1",
                        old=[0.5, 2.0, 10.0], new=[3.5, 2.0, 10.0])
    notes = practice_notes(c)
    dead = [n for n in notes if "dead time" in n]
    assert dead and dead[0].startswith("practice: RC-F1's first reclose (dead time) 0.5 → 3.5 s")
    assert "2 s cease-to-energise + the 1 s top of C10's 0.2–1 s margin bracket" in dead[0]
    shorter = SimpleNamespace(field="reclose_intervals_s", name="R", old=[5.0], new=[3.5])
    assert not [n for n in practice_notes(shorter) if "dead time" in n]
