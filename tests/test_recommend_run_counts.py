"""`recommend`'s counts read as one story (review rev48b P4, IEEE 34 F01): the header's "25
check runs", the row's "24 re-checked" and "the search's limit of 14 re-runs" read as three
contradicting counts; the row now says how 24 exceeds the limit of 14."""

from __future__ import annotations

from protv2g.recommend.finding_search import _none_clears


def test_more_re_checked_than_the_limit_says_why():
    text = _none_clears(24, 0, 14)
    assert text.startswith("no candidate clears it (24 re-checked on every scenario")
    assert "the search's 14 and 10 past its limit" in text
    assert "devices the finding names" in text


def test_within_the_limit_the_text_is_unchanged():
    assert _none_clears(4, 0, 14) == "no candidate clears it (4 re-checked on every scenario)"
    assert _none_clears(4, 4, 14).endswith("all 4 already re-run for an earlier finding)")
