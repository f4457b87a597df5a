"""``recommend`` does not verify a change that slows a relay's clearing of its zone's
minimum fault beyond utility practice (review rev35a W1, EPRI ckt5: the drafted head relay's
51G dial 2.4 → 2.8 "(verified) … side effects: none", while init's own rule said the 51G
already clears its zone's minimum fault, SLG-c at 39766, 295 A, in 48.1 s, beyond 10 s).

Hand figures (IEEE C37.112 EI: t = TD·(28.2/(M² − 1) + 0.1217), breaker 5 cycles at 60 Hz
= 0.0833 s, as init): M = 295/190 = 1.55263, M² − 1 = 1.41066, 28.2/1.41066 = 19.9906,
+ 0.1217 = 20.1123; TD 2.4: 48.270 + 0.083 = 48.35 s; TD 2.8: 56.314 + 0.083 = 56.40 s;
TD 0.3: 6.034 + 0.083 = 6.12 s; TD 0.4: 8.128 s; TD 0.5: 10.14 s.
"""

from __future__ import annotations

import pandas as pd
import pytest

from protv2g.devices import build_device
from protv2g.devices.library import default_library
from protv2g.recommend.change import Change, Family
from protv2g.recommend.zone_clearing import (
    ZoneMinimum,
    clearing_s,
    clearing_side_effects,
    zone_minima,
)

HEAD = {"name": "H", "pickup_a": 770, "curve": "IEEE-EI", "time_dial": 0.5,
        "ground_pickup_a": 190, "ground_curve": "IEEE-EI", "ground_time_dial": 2.4}
ZONE_MIN = {"ground": ZoneMinimum("ground", 295.0, "SLG-c at 39766")}


def _hand_ei_s(td: float, i_a: float = 295.0, pickup_a: float = 190.0) -> float:
    m = i_a / pickup_a
    return td * (28.2 / (m * m - 1.0) + 0.1217) + 5.0 / 60.0


def _relay(**kw):
    return build_device("relay", {**HEAD, **kw}, default_library())


def test_the_ckt5_dial_raise_is_a_side_effect_with_the_hand_figures():
    assert _hand_ei_s(2.4) == pytest.approx(48.35, abs=0.01)
    assert _hand_ei_s(2.8) == pytest.approx(56.40, abs=0.01)
    assert clearing_s(_relay(ground_time_dial=2.8), "ground", 295.0) == pytest.approx(
        _hand_ei_s(2.8), rel=1e-3)
    (side,) = clearing_side_effects("H", _relay(), _relay(ground_time_dial=2.8), ZONE_MIN)
    assert side.startswith("practice: H's 51G clears its zone's minimum fault (SLG-c at "
                           "39766, 295 A, min case, no V2G) in 48.4 s → 56.4 s, beyond 10 s")
    assert "utility practice for the slowest end-of-zone clearing, 2–10 s" in side


def test_only_slower_and_beyond_the_bound_is_a_side_effect():
    slow, fast = _relay(ground_time_dial=2.8), _relay()
    assert clearing_side_effects("H", slow, fast, ZONE_MIN) == []          # faster
    assert clearing_side_effects("H", fast, fast, ZONE_MIN) == []          # unchanged
    # slower but within practice: 6.12 → 8.13 s
    assert clearing_side_effects("H", _relay(ground_time_dial=0.3),
                                 _relay(ground_time_dial=0.4), ZONE_MIN) == []
    # slower and taken beyond it: 8.13 → 10.14 s
    (side,) = clearing_side_effects("H", _relay(ground_time_dial=0.4),
                                    _relay(ground_time_dial=0.5), ZONE_MIN)
    assert "in 8.13 s → 10.1 s, beyond 10 s" in side
    # a pickup raised above the zone's minimum: the element no longer clears it at all
    (gone,) = clearing_side_effects("H", fast, _relay(ground_pickup_a=300), ZONE_MIN)
    assert "in 48.4 s → not at all (below its pickup) — not an ordinary fix" in gone
    # the phase element by its own zone minimum (51P 770 A, EI TD 0.5 at 1528 A: 4.95 s)
    phase = {"phase": ZoneMinimum("phase", 1528.0, "LL-ca at 107782")}
    assert clearing_s(fast, "phase", 1528.0) == pytest.approx(
        _hand_ei_s(0.5, 1528.0, 770.0), rel=1e-3)
    assert clearing_side_effects("H", fast, _relay(time_dial=1.0), phase) == []   # 9.8 s
    (p,) = clearing_side_effects("H", fast, _relay(time_dial=1.1), phase)          # 10.8 s
    assert p.startswith("practice: H's 51P clears its zone's minimum fault (LL-ca at 107782")


def test_zone_minima_are_the_fault_tables_base_min_case_rows_in_the_zone():
    f = pd.DataFrame({
        "scenario": ["base", "base", "base", "base", "v2g", "base", "base"],
        "device": ["H", "H", "H", "H", "H", "H", "G"],
        "fault_bus": [1, 2, 2, 3, 2, 2, 2],
        "fault_bus_name": ["b1", "b2", "b2", "b3", "b2", "b2", "b2"],
        "fault_type": ["LL", "SLG-c", "SLG-a", "SLG-a", "SLG-c", "SLG-b", "SLG-a"],
        "case": ["min", "min", "min", "min", "min", "max", "min"],
        "energized": [True, True, True, True, True, True, True],
        "i_phase_a": [1528.0, 310.0, 320.0, 100.0, 280.0, 900.0, 10.0],
        "i_ground_a": [0.0, 295.0, 301.0, 90.0, 250.0, 800.0, 5.0]})
    m = zone_minima(f, "H", [1, 2], ["base"])
    # bus 3 (outside the zone), the V2G scenario, the max case and device G left out
    assert m["ground"] == ZoneMinimum("ground", 295.0, "SLG-c at b2")
    assert m["phase"] == ZoneMinimum("phase", 1528.0, "LL at b1")


class _Found:
    def __init__(self, rows: list[dict]) -> None:
        cols = ["finding", "title", "status", "attribution", "criterion", "device",
                "other_device", "margin_unit", "mechanism", "worst_margin", "evidence_first"]
        self.findings = pd.DataFrame(rows, columns=cols)
        self.evidence = pd.DataFrame(columns=["finding", "status", "tolerance", "evidence"])


class _Ev:
    """C1 head / F: cleared by the 51G dial ≥ 2.8, or by F's link 80K (a larger move)."""

    def __init__(self) -> None:
        self._cache: dict = {}

    @staticmethod
    def key(changes):
        return tuple(sorted((c.key, repr(c.fields)) for c in changes))

    def findings(self, changes=()):
        v = {"ground_time_dial": 2.4, "link": "100K"}
        for c in changes:
            v[c.field] = c.new
        self._cache[self.key(changes)] = None
        rows = []
        if not (v["ground_time_dial"] >= 2.8 - 1e-9 or v["link"] == "80K"):
            rows.append({"finding": "F01", "title": "C1 head / F", "status": "fail",
                         "attribution": "caused by V2G", "criterion": "C1", "device": "H",
                         "other_device": "F", "margin_unit": "s", "mechanism": "",
                         "worst_margin": -6.4, "evidence_first": ""})
        return _Found(rows)


def _dials() -> list[Change]:
    return [Change("devices", "H", "ground_time_dial", 2.4, round(td / 10, 1),
                   Family.TIME_DIAL, (td / 10 - 2.4) / 2.4) for td in range(25, 40)]


def _slower_beyond(c: Change) -> list[str]:
    """The practice side effect of a dial raise (EI at 295 A, hand figures)."""
    if c.field != "ground_time_dial":
        return []
    return [f"practice: 51G {_hand_ei_s(2.4):.3g} s → {_hand_ei_s(c.new):.3g} s, beyond 10 s"]


def test_the_search_refuses_a_dial_that_slows_the_zone_end_and_takes_another_move():
    """Without the practice judgement the dial 2.4 → 2.8 is chosen (the old result); with it
    the larger move without the side effect is, and with no other move the finding is not
    cleared, the note naming the dial and its cost."""
    from protv2g.recommend.evaluator import _active
    from protv2g.recommend.search import _search

    ev = _Ev()
    cur = _active(ev.findings())
    target = cur.index[0]
    best, _t, _w = _search(ev, [], cur, target, _dials(), 14)
    assert best is not None and best[0].new == pytest.approx(2.8)          # the old result
    link = Change("devices", "F", "link", "100K", "80K", Family.FUSE_LINK, 0.7)
    best, _t, _w = _search(ev, [], cur, target, [*_dials(), link], 14, None, _slower_beyond)
    assert best is not None and best[0] == link and best[3] == []
    best, _t, why = _search(ev, [], cur, target, _dials(), 14, None, _slower_beyond)
    assert best is None
    assert "no candidate clears it without side effects (H ground_time_dial 2.4 → 2.8: " \
           "practice: 51G 48.4 s → 56.4 s, beyond 10 s" in why


def test_a_recloser_is_judged_on_its_delayed_curve():
    """A recloser's delayed curve (a clearing time: no breaker added) at its zone minimum;
    the hand figure of the IEEE-VI curve at 2 × minimum trip: 19.61/3 + 0.491 = 7.028 s ×
    the multiplier, + the recloser's 0.042 s adder (its curve + adder is its clearing time)."""
    lib = default_library()
    base = {"name": "RC", "phase_min_trip_a": 200, "fast_curve": "IEEE-VI",
            "delayed_curve": "IEEE-VI", "fast_multiplier": 0.1, "delayed_multiplier": 1.0,
            "n_fast": 1, "n_delayed": 2, "reclose_intervals_s": [2.0, 10.0],
            "fast_adder_s": 0.042, "delayed_adder_s": 0.042}
    a = build_device("recloser", base, lib)
    b = build_device("recloser", {**base, "delayed_multiplier": 1.5}, lib)
    assert clearing_s(a, "phase", 400.0) == pytest.approx(7.028 + 0.042, rel=2e-3)
    (side,) = clearing_side_effects(
        "RC", a, b, {"phase": ZoneMinimum("phase", 400.0, "LL at x")})
    assert "RC's phase delayed curve clears its zone's minimum fault (LL at x, 400 A" in side
    assert "in 7.07 s → 10.6 s, beyond 10 s" in side          # 1.5 × 7.028 + 0.042


def test_a_new_finding_in_the_side_effects_says_its_status():
    """EPRI ckt24 (rev35a T5): F-LAT 25K → 50K clears its C8 load finding and adds only a
    backup-zone reach warning (C5 warn: 116 A < 1.2 × 101 A); "new: C5 …" read as a new
    failure. The side effect now says "(warn)"."""
    from protv2g.recommend.effects import _effects

    cols = ["title", "status", "worst_margin", "tolerance", "margin_unit", "n_fail"]
    cur = pd.DataFrame([["C8 load pickup margin: F-LAT", "fail", -27.0, 0.0, "A", 4]],
                       columns=cols, index=["C8|F-LAT"])
    new = pd.DataFrame([["C5 sensitivity / reach: F-LAT", "warn", -0.05, 0.2, "x", 0]],
                       columns=cols, index=["C5|F-LAT"])
    cleared_it, cleared, side = _effects(cur, new, "C8|F-LAT")
    assert cleared_it and cleared == ["C8 load pickup margin: F-LAT"]
    assert side == ["new: C5 sensitivity / reach: F-LAT (warn)"]
