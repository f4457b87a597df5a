"""Each device a finding names gets its best candidate tried (review s38, EPRI J1 / IEEE 8500:
a C1 finding's primary fuse had its link candidates "not tried (limit reached)" behind the
relay's many pickup and dial values; :mod:`protv2g.recommend.finding_search`).

Synthetic findings (a fake evaluator: which change clears what is set by hand), no feeder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.findings import Findings
from protv2g.recommend.change import Change, Family
from protv2g.recommend.evaluator import Evaluator, _active
from protv2g.recommend.finding_search import _search


def _row(fid: str, device: str, other: str, margin: float, criterion: str = "C1") -> dict:
    return dict(finding=fid, criterion=criterion, device=device, other_device=other,
                margin_unit="s", mechanism="", status="fail", attribution="new",
                title=f"{criterion}: {device} / {other}", worst_margin=margin,
                evidence_first=f"E{fid}")


class _Fake:
    """F01 (C1 H / F1) is gone with F1's link at 40K or below, whatever H does; F02 (C5 F1)
    is gone at 40K too. Counts and records the runs as the evaluator does."""

    key = staticmethod(Evaluator.key)

    def __init__(self) -> None:
        self._cache: dict[tuple, Findings] = {}
        self.ran: dict[tuple, tuple[Change, ...]] = {}

    def findings(self, changes=()) -> Findings:
        key = self.key(changes)
        if key not in self._cache:
            link = next((str(c.new) for c in changes if c.name == "F1" and c.field == "link"),
                        "65K")
            small = int(link[:-1]) <= 40
            rows = [] if small else [_row("F01", "H", "F1", -0.2),
                                     _row("F02", "F1", "", -0.5, "C5")]
            rows.append(_row("F03", "H2", "F2", -0.1))
            f = pd.DataFrame(rows)
            ev = pd.DataFrame({"evidence": f["evidence_first"], "finding": f["finding"],
                               "status": f["status"], "tolerance": 0.01})
            self._cache[key] = Findings(f, ev)
            self.ran[key] = tuple(changes)
        return self._cache[key]


def _options() -> list[Change]:
    def moves(field: str, old: float, news: np.ndarray, family: Family, first: float):
        return [Change("devices", "H", field, old, float(v), family,
                       round(first + 0.001 * k, 6)) for k, v in enumerate(news)]

    links = [Change("devices", "F1", "link", "65K", x, Family.FUSE_LINK, 0.6 + k / 10)
             for k, x in enumerate(("50K", "40K"), start=1)]
    return (moves("pickup_a", 400.0, np.arange(410, 610, 10), Family.PICKUP, 0.05)
            + moves("time_dial", 0.5, np.arange(0.55, 1.55, 0.05), Family.TIME_DIAL, 0.06)
            + moves("ground_pickup_a", 160.0, np.arange(170, 370, 10), Family.PICKUP, 0.07)
            + moves("ground_time_dial", 0.5, np.arange(0.55, 2.05, 0.05), Family.TIME_DIAL,
                    0.1) + links)


def test_the_primary_fuse_gets_its_best_link_tried_past_the_limit():
    """The relay's four groups spend the 14 re-runs; the old search left F1's links "not
    tried" and cleared nothing. Now F1 (named by the finding) gets its largest move inside
    its window (40K) tried, which clears it, then the bisection finds 50K does not: 40K."""
    ev = _Fake()
    cur = _active(ev.findings())
    best, tried, why = _search(ev, [], cur, "C1|H|F1|s|", _options(), 14)
    assert best is not None, why
    assert (best[0].name, best[0].new) == ("F1", "40K")
    assert 14 < tried <= 14 + 1 + 3
    assert "F1 link 65K → 50K…40K: not tried" not in why


def test_a_named_device_whose_best_move_does_not_clear_says_so():
    """F1's largest move (40K) left out: 50K does not clear; the note says it was tried past
    the limit and why, and the relay groups left at the limit stay said."""
    ev = _Fake()
    cur = _active(ev.findings())
    opts = [c for c in _options() if c.new != "40K"]
    best, tried, why = _search(ev, [], cur, "C1|H|F1|s|", opts, 14)
    assert best is None
    assert tried == 15
    assert ("F1 link 65K → 50K: none clears it (F1 link 65K → 50K, its largest move, tried "
            "past the search's limit of 14 re-runs: each device the finding names gets its "
            "best candidate)") in why
    assert "not tried (the search's limit of 14 re-runs was reached)" in why


def test_within_the_limit_nothing_changes():
    """With a budget that reaches every group the search is the old one (no run past it)."""
    ev = _Fake()
    cur = _active(ev.findings())
    best, tried, _ = _search(ev, [], cur, "C1|H|F1|s|", _options(), 60)
    assert (best[0].name, best[0].new) == ("F1", "40K") and tried <= 60
