"""The settings of a finding's operating element are tried first (review rev36b R01, EPRI J1:
"head-temp_sub ground_time_dial 0.5 → 0.6…2: not tried (the search's limit of 14 re-runs was
reached)" on F01, a finding timed by the head's 51G; :mod:`protv2g.recommend.element_first`).

A synthetic search: a C1 finding of relay H that only H's 51G dial at 0.8 or more clears, and
three groups of candidates — 51P pickup, 51P dial, 51G pickup — each smaller than the 51G
dial's first step and none clearing it. Sorted by size alone (the order before) the three
groups' bisections spend the 14 re-runs and the 51G dial is never tried; with the ground
element's settings first the dial is found.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks.operating_element import OperatingElement
from protv2g.findings import Findings
from protv2g.recommend.change import Change, Family
from protv2g.recommend.element_first import element_rank, finding_element
from protv2g.recommend.evaluator import Evaluator, _active
from protv2g.recommend.finding_search import _search


def _row(fid: str, device: str, other: str, margin: float) -> dict:
    return dict(finding=fid, criterion="C1", device=device, other_device=other,
                margin_unit="s", mechanism="", status="fail", attribution="new",
                title=f"C1 relay backup coordination: {device} / {other}",
                worst_margin=margin, evidence_first=f"E{fid}")


class _FakeEvaluator:
    """The findings of a change set: F01 (H / F1) gone when H's 51G dial is ≥ 0.8; F02
    (H2 / F2) always there, unchanged. Counts the check runs as the evaluator does."""

    key = staticmethod(Evaluator.key)

    def __init__(self) -> None:
        self._cache: dict[tuple, Findings] = {}
        self.asked: list[tuple] = []

    def findings(self, changes=()) -> Findings:
        key = self.key(changes)
        if key not in self._cache:
            self.asked.append(key)
            dial = 0.5
            for c in changes:
                for f, _, new in c.fields:
                    if c.name == "H" and f == "ground_time_dial":
                        dial = float(new)
            rows = [] if dial >= 0.8 - 1e-9 else [_row("F01", "H", "F1", -0.2)]
            rows.append(_row("F02", "H2", "F2", -0.1))
            f = pd.DataFrame(rows)
            ev = pd.DataFrame({"evidence": f["evidence_first"], "finding": f["finding"],
                               "status": f["status"], "tolerance": 0.01})
            self._cache[key] = Findings(f, ev)
        return self._cache[key]


def _options() -> list[Change]:
    def moves(field: str, old: float, news: np.ndarray, family: Family, first: float):
        return [Change("devices", "H", field, old, float(v), family,
                       round(first + 0.001 * k, 6)) for k, v in enumerate(news)]

    return (moves("pickup_a", 400.0, np.arange(410, 610, 10), Family.PICKUP, 0.05)
            + moves("time_dial", 0.5, np.arange(0.55, 1.55, 0.05), Family.TIME_DIAL, 0.06)
            + moves("ground_pickup_a", 160.0, np.arange(170, 370, 10), Family.PICKUP, 0.07)
            + moves("ground_time_dial", 0.5, np.arange(0.55, 2.05, 0.05), Family.TIME_DIAL,
                    0.1))


def _ground_first(c: Change) -> int:
    return element_rank(c, "H", OperatingElement.GROUND)


def test_size_order_spends_the_budget_before_the_ground_dial():
    """The order before (no rank): the 51G dial is not tried — what the fix is for."""
    ev = _FakeEvaluator()
    cur = _active(ev.findings())
    target = "C1|H|F1|s|"
    best, tried, why = _search(ev, [], cur, target, _options(), 14)
    assert best is None
    assert tried == 14
    assert "ground_time_dial 0.5 → 0.55…2: not tried" in why
    assert not any("ground_time_dial" in str(k) for k in ev.asked)


def test_ground_finding_tries_the_ground_settings_first():
    ev = _FakeEvaluator()
    cur = _active(ev.findings())
    target = "C1|H|F1|s|"
    assert target in cur.index
    best, tried, why = _search(ev, [], cur, target, _options(), 14, rank=_ground_first)
    assert best is not None, why
    change = best[0]
    assert change.field == "ground_time_dial" and abs(float(change.new) - 0.8) < 1e-9
    assert tried <= 14
    assert "C1 relay backup coordination: H / F1" in best[2]  # cleared
    assert not best[3]  # no side effect


def test_a_smaller_move_of_the_other_element_is_still_preferred():
    """Ranked first, the 51G dial is found; a 51P move smaller than it that also clears is
    still tried afterwards and kept (the search keeps the smallest clean move it reaches)."""
    class _Either(_FakeEvaluator):
        def findings(self, changes=()):
            key = self.key(changes)
            if key not in self._cache:
                self.asked.append(key)
                gone = any(c.name == "H" and ((c.field == "ground_time_dial"
                                               and float(c.new) >= 0.8 - 1e-9)
                                              or (c.field == "pickup_a" and float(c.new) >= 500))
                           for c in changes)
                rows = [] if gone else [_row("F01", "H", "F1", -0.2)]
                rows.append(_row("F02", "H2", "F2", -0.1))
                f = pd.DataFrame(rows)
                self._cache[key] = Findings(f, pd.DataFrame({
                    "evidence": f["evidence_first"], "finding": f["finding"],
                    "status": f["status"], "tolerance": 0.01}))
            return self._cache[key]

    ev = _Either()
    cur = _active(ev.findings())
    best, _, _ = _search(ev, [], cur, "C1|H|F1|s|", _options(), 30, rank=_ground_first)
    assert best is not None and best[0].field == "pickup_a"
    assert abs(float(best[0].new) - 500.0) < 1e-9


def test_finding_element_reads_the_ground_element_on_a_ground_fault():
    """The element is the checks' own decision (``ground_operates``) at the worst row's
    currents: a 51G at 100 A (IEEE MI, TD 0.5) against 51P at 600 A for 300 A of 3I0 and
    350 A of phase current — 51P does not pick up, 51G times it; at 3,000 A phase and
    300 A 3I0 the phase element is faster."""
    from protv2g.devices.models import OvercurrentRelay

    devices = {"H": OvercurrentRelay(name="H", pickup_a=600.0, curve="IEEE-MI", time_dial=0.5,
                                     ground_pickup_a=100.0, ground_curve="IEEE-MI",
                                     ground_time_dial=0.5)}
    faults = pd.DataFrame({"scenario": ["s", "s"], "device": ["H", "H"],
                           "fault_bus_name": ["b1", "b2"], "fault_type": ["SLG-a", "3ph"],
                           "case": ["min", "max"], "i_phase_a": [350.0, 3000.0],
                           "i_ground_a": [300.0, 300.0]})
    ground = dict(criterion="C1", scenario="s", fault_bus="b1", fault_type="SLG-a", case="min",
                  device="H")
    phase = {**ground, "fault_bus": "b2", "fault_type": "3ph", "case": "max"}
    assert finding_element(ground, devices, faults) is OperatingElement.GROUND
    assert finding_element(phase, devices, faults) is OperatingElement.PHASE
    assert finding_element({**ground, "device": "nope"}, devices,
                           faults) is OperatingElement.UNKNOWN


def test_a_c1_primary_fuse_link_is_tried_with_the_backups_element():
    """Review rev37b F8 / ver37 (IEEE 34, C1 head-l1 / F-DEPOT 65K): the 14 re-runs went to
    head-l1's 51P and F-DEPOT 65K → 50K (1.26 s against the head's 1.86 s at 304 A; the
    study with 50K has no C1 finding) was 'not tried'. The primary fuse's link ranks with
    the element that times the backup."""
    from protv2g.checks.operating_element import OperatingElement
    from protv2g.recommend.change import Change, Family
    from protv2g.recommend.element_first import element_rank

    link = Change("devices", "F-DEPOT", "link", "65K", "50K", Family.FUSE_LINK, 0.1)
    pick = Change("devices", "head-l1", "ground_pickup_a", 40, 50, Family.PICKUP, 0.2)
    phase = OperatingElement.PHASE
    assert element_rank(link, "head-l1", phase, "F-DEPOT") == 0
    assert element_rank(link, "head-l1", phase) == 1
    assert element_rank(pick, "head-l1", phase, "F-DEPOT") == 1
