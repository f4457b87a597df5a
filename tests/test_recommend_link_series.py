"""``recommend`` tries a fuse's preferred-series links before its intermediate ones and says
the series (review rev42a M9: "40K → 80K (verified)" where ``init`` drafts the preferred
series only: a utility stocking 6/10/15/25/40/65/100/140/200 cannot fit an 80K).

The series are ANSI C37.42/C37.43's (EEI-NEMA K and T links): preferred 6, 10, 15, 25, 40, 65,
100, 140, 200 A; intermediate 8, 12, 20, 30, 50, 80 A. The search is run on a stand-in
evaluator whose findings say which links clear the finding (the checks' own re-runs are
tests/test_recommend_c3_links.py's)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from protv2g.devices.library import default_library
from protv2g.recommend import finding_search as fs
from protv2g.recommend.candidates import _fuse_moves


def _search(monkeypatch, clears: set[str]):
    def findings(changes):
        link = changes[-1].new if changes else "40K"
        idx = [] if link in clears else ["F1"]
        return pd.DataFrame({"status": ["fail"] * len(idx), "worst_margin": [-1.0] * len(idx)},
                            index=idx)

    ev = SimpleNamespace(key=lambda cs: tuple(c.new for c in cs), _cache={},
                         findings=findings)
    monkeypatch.setattr(fs, "_active", lambda f: f)
    monkeypatch.setattr(fs, "_effects", lambda cur, new, target: (target not in new.index,
                                                                  [], []))
    monkeypatch.setattr(fs, "clean", lambda cur, new, target: True)
    dev = SimpleNamespace(name="F", link="40K")
    options = sorted(_fuse_moves(dev, default_library(), up=True, n=8), key=lambda c: c.size)
    assert [c.new for c in options] == ["50K", "65K", "80K", "100K", "140K", "200K"]
    best, _, why = fs._search(ev, [], findings([]), "F1", options, 40)
    return best, why


def test_series_of() -> None:
    from protv2g.devices.fuse_series import series_of

    assert [series_of(x) for x in ("6K", "8K", "80K", "100T", "63gG")] == [
        "preferred", "intermediate", "intermediate", "preferred", ""]


def test_preferred_link_first_the_intermediate_one_an_alternative(monkeypatch) -> None:
    """80K and 100K both clear it: 100K (preferred) is proposed, 80K named as the verified
    alternative. On the old code one bisection over 50K…200K proposed 80K."""
    best, why = _search(monkeypatch, {"80K", "100K", "140K", "200K"})
    assert best[0].new == "100K"
    assert "100K is of the preferred series (ANSI C37.42" in why
    assert "alternative: the intermediate-series 80K also clears it (verified" in why


def test_intermediate_link_only_when_no_preferred_one_clears(monkeypatch) -> None:
    best, why = _search(monkeypatch, {"80K"})
    assert best[0].new == "80K"
    assert "80K is of the intermediate series" in why
    assert "no preferred-series link clears it cleanly" in why
