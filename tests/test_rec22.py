"""Review s22 (EPRI DG-protection feeder): a lower pickup is verified only beyond the pickup
tolerance (:mod:`protv2g.recommend.pickup_margin`); a C2 row's backup time is not quoted at
a current below pickup (:func:`protv2g.checks.recloser_fuse_text._time_at`); a recloser's C5
notes speak of a recloser, not of a fuse (:mod:`protv2g.recommend.notes`)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from protv2g.checks.recloser_fuse_text import _time_at
from protv2g.checks.sensitivity import PICKUP_ACCURACY
from protv2g.devices.models import Fuse, Recloser
from protv2g.recommend.change import Change, Family
from protv2g.recommend.notes import _no_candidate_note
from protv2g.recommend.pickup_margin import pickup_margins, tolerance_note, within_tolerance

RC = Recloser(name="a", phase_min_trip_a=200.0, fast_curve="101", delayed_curve="133")
RC_G = Recloser(name="a", phase_min_trip_a=200.0, ground_min_trip_a=100.0, fast_curve="101",
                delayed_curve="133")
ROWS = pd.DataFrame({"scenario": ["firm", "expected"], "fault_bus": ["lat1", "lat1"],
                     "fault_type": ["SLG-a", "SLG-a"], "case": ["min", "min"]})


def _device_table(i_a: list[float], i3i0_a: list[float]) -> pd.DataFrame:
    """A bare device table (first cycle, kA) of recloser ``a`` at the two ROWS faults."""
    return pd.DataFrame({"scenario": ["firm", "expected"], "device": ["a", "a"],
                         "fault_bus_name": ["lat1", "lat1"], "fault_type": ["SLG-a", "SLG-a"],
                         "case": ["min", "min"], "ia_ka": np.array(i_a) / 1e3,
                         "ib_ka": [0.0, 0.0], "ic_ka": [0.0, 0.0],
                         "i3i0_ka": np.array(i3i0_a) / 1e3})


class _Staged:
    """The accessors of :class:`protv2g.engine.staged_tables.StagedCurrents` the check reads:
    stage 0 first cycle, stage 1 sustained (from 1 cycle), stage 2 padded (t_start inf)."""

    def __init__(self, phase: np.ndarray) -> None:
        self.phase = np.asarray(phase, float)  # (n_stage, n_rows)

    def phase_a(self, rows):
        return self.phase[:, rows]

    def ground_a(self, rows):
        return self.phase[:, rows]

    def times_s(self, rows):
        t0 = np.array([[0.0], [1 / 60], [np.inf]]) * np.ones((1, len(rows)))
        return t0, t0


def _lower(new: float) -> Change:
    return Change("devices", "a", "phase_min_trip_a", 200.0, new, Family.PICKUP, 0.05)


def test_pickup_within_tolerance_is_not_verified() -> None:
    """The review's figures: 178.8 A first cycle, 192.7 A sustained; 190 A is 1.4 % below it
    (inside ±5 %), 180 A is 7.1 % below it; a padded stage's current is not read."""
    faults = SimpleNamespace(device=_device_table([178.8, 187.7], [218.2, 219.3]),
                             staged=_Staged([[178.8, 187.7], [192.7, 206.8], [999.0, 999.0]]),
                             staged_high=None)
    note = within_tolerance(_lower(190.0), faults, ROWS)
    assert "a phase_min_trip_a 200 → 190" in note
    assert "192.7 A at firm, SLG-a lat1 min: 1.4 % above 190 A" in note
    assert within_tolerance(_lower(180.0), faults, ROWS) == ""
    assert "±5 % pickup accuracy" in tolerance_note([note])
    assert PICKUP_ACCURACY == 0.05


def test_pickup_margin_ignores_faults_below_the_new_pickup() -> None:
    """A fault still below the new pickup is not one the change rests on (it clears the
    finding without seeing it); a bare first-cycle table is read alone."""
    faults = _device_table([150.0, 300.0], [0.0, 0.0])
    (m,) = pickup_margins(_lower(190.0), faults, ROWS)
    assert m.i_a == 300.0 and not m.within
    assert pickup_margins(_lower(190.0), _device_table([150.0, 160.0], [0, 0]), ROWS) == []
    ground = Change("devices", "a", "ground_min_trip_a", None, 210.0, Family.GROUND_ELEMENT, 0)
    assert "3I0 218.2 A" in within_tolerance(ground, _device_table([1, 1], [218.2, 400]), ROWS)


def test_trip_time_not_quoted_below_pickup() -> None:
    """'fast trip × K (12.7 s at 188 A, 3I0 219 A)' under a 200 A minimum trip without a
    ground element: below pickup (200 A), its time from a later stage's current."""
    ctx = SimpleNamespace(devices={"a": RC, "f1": Fuse(name="f1", link="65K")}, cache={})
    text = _time_at(ctx, "a", 12.7, 188.0, 219.0, "SLG-a")
    assert text.startswith("188 A, 3I0 219 A: below pickup (200 A)")
    assert "12.7 s at" not in text and "12.7 s only as a later charger stage" in text
    assert _time_at(ctx, "a", 0.11, 240.0, 281.0, "SLG-c") == "0.11 s at 240 A, 3I0 281 A"
    assert _time_at(ctx, "a", np.inf, 150.0, np.nan, "3ph") == "150 A: below pickup (200 A)"
    # a ground element that sees the 3I0: not below pickup
    ctx_g = SimpleNamespace(devices={"a": RC_G}, cache={})
    assert _time_at(ctx_g, "a", 1.2, 188.0, 219.0, "SLG-a") == "1.2 s at 188 A, 3I0 219 A"


def test_recloser_c5_notes_do_not_speak_of_a_fuse() -> None:
    """R08 of the review: a recloser's C5 (reach reduced by V2G, warn; pickup rule, fail)
    gave a fuse's 'link's minimum melt' advice."""
    for status in ("warn", "fail"):
        note = _no_candidate_note("C5", status, {"device": "a", "device_kind": "recloser"})
        assert "melt" not in note and "link" not in note, note
        assert "minimum trip" in note
    fuse = _no_candidate_note("C5", "fail", {"device": "f2", "device_kind": "fuse"})
    assert "minimum melt" in fuse


def test_ground_element_note_names_what_was_not_searched() -> None:
    """The review expected a ground element on A with a delayed curve slower than F2's; the
    search tried the recloser's own curves only and must say so."""
    from protv2g.recommend.notes import ground_element_note

    extra = (("ground_fast_curve", None, "101"), ("ground_delayed_curve", None, "dss-133"))
    ge = [Change("devices", "a", "ground_min_trip_a", None, g, Family.GROUND_ELEMENT, 0.0,
                 extra) for g in (170.0, 130.0)]
    note = ground_element_note([*ge, _lower(180.0)], "f2")
    assert "fast 101, delayed dss-133" in note and "130–170 A" in note
    assert "delayed curve slower than f2's total clearing" in note and "not searched" in note
    assert ground_element_note([_lower(180.0)], "f2") == ""


def test_a_backup_zone_warn_is_not_a_v2g_reach_reduction() -> None:
    """Review rev39a M2 (EPRI ckt24 F30): F-LAT1 sees 115 A (reviewer's OpenDSS 116.8 A),
    0.89 × its minimum melt, for SLG-a (min) at n284244 behind a step transformer — its backup
    zone, under 1.2 × pickup whatever the export (−0.294 → −0.305 × pickup). The note said
    "reach reduced by V2G by more than checks.v2g_change_fraction"; the rule is read from the
    finding's margin unit (× pickup: the zone factor; fraction: the V2G change)."""
    backup = _no_candidate_note("C5", "warn", {"device": "f-lat1", "device_kind": "fuse",
                                               "margin_unit": "× pickup"})
    assert "reduced by V2G" not in backup and "v2g_change_fraction" not in backup
    assert backup.startswith("backup-zone reach short of checks.sensitivity_backup_factor")
    assert "a smaller link" in backup
    drop = _no_candidate_note("C5", "warn", {"device": "f-lat1", "device_kind": "fuse",
                                             "margin_unit": "fraction"})
    assert drop.startswith("reach reduced by V2G by more than checks.v2g_change_fraction")
