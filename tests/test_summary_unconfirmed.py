"""The Summary's "Unconfirmed inputs" example is each TODO's first clause, not its whole text
(review rev42a M3, EPRI ckt5: the drafted head relay's TODO — every curve family's trial, the
dial's reason and the fixes, 1,200+ characters — quoted whole as the "e.g." of a decision
memo). The whole text stays on the Inputs sheet and in ``protv2g validate``."""

from __future__ import annotations

from protv2g.report import summary

# init's TODO on the drafted head relay of the reviewer's ckt5 study (/tmp/rev42a/ckt5,
# study.yaml line 23), as ``runner`` quotes it: "<field>: <message>"
CKT5_TODO = ("devices[1] (line 23): "
             + 'min-fault clearing: 51P 4.78 s at LL-ca at 107782, 1528 A, 51G 48.1 s at SLG-c '
               'at 39766, 295 A (relay + breaker 0.0833 s; IEC 60909 min) with IEEE-EI — the '
               'family (IEEE C37.112 MI/VI/EI) whose slower element clears there soonest with '
               'the interval over the devices right below, max and min case (ties within 10%: EI'
               ' > VI > MI); tried (51P/51G dials): EI TD 0.5/2.4: 51P 4.78 s, 51G 48.1 s; VI TD'
               ' 0.5/3.3: 51P 3.55 s, 51G 47.3 s; MI TD 0.5/7.8: 51P 1.97 s, 51G 46.3 s; 51G '
               "clears its zone's minimum fault (SLG-c at 39766, 295 A) in 48.1 s, beyond 10 s "
               '(utility practice for the slowest end-of-zone clearing, 2–10 s, recalled: '
               "sustained arcing at the zone's end, burndown); no IEEE family with the interval "
               'over the devices right below clears it more than 10% sooner; its dial is set by '
               'f-mdv201_1012406fuse at SLG-c at 1145434 (min case), which clears in 43.9 s: the'
               ' head must be slower there | fix: where a device below sets the dial, make it '
               'faster at its own minimum faults (a smaller link, a recloser instead of a fuse '
               'in series); shorten the zone (a mid-feeder recloser where the minimum fault is);'
               " lower the ground pickup where the residual load allows; or give the utility's "
               'settings and its practice for end-of-zone clearing')


def test_the_example_is_the_first_clause():
    gist = summary.todo_gist(CKT5_TODO)
    assert len(CKT5_TODO) > 1000
    assert gist.startswith("devices[1] (line 23): min-fault clearing: 51P 4.78 s at LL-ca at "
                           "107782, 1528 A")
    assert len(gist) <= summary.TODO_GIST_CHARS + 2
    assert gist.endswith(" …")
    assert "tried" not in gist and "fix:" not in gist and "MI TD" not in gist


def test_a_short_todo_is_quoted_whole():
    item = "scenarios.light_load_fraction (line 290): light load 0.3 × peak"
    assert summary.todo_gist(item) == item
