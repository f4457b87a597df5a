"""recommend keeps fuse saving (review s17 §3.8, brief recommend_fs §1).

On EPRI's DG-protection feeder (``../shared/feeders/opendss/DG_Protection``) with the reviewer's
800 kW depot at b1, recloser A (phase 200 A, no ground element) no longer sees a 20 Ω
SLG fault on f1's lateral: 173 A of phase current (224 A without V2G), but 3I0 226 A,
unchanged. The search proposed ``a n_fast 1 → 0, n_delayed 3 → 4`` (fuse blowing) and, in
the homes study, the same change for a pre-existing "f2 not seen by recloser" warning.
Now the moves that keep fuse saving (a ground element with the recloser's own curves, a lower
phase minimum trip) are searched first, fuse blowing last and never for a pre-existing
finding, a fault the recloser never saw, or a narrowed fuse-saving range.
"""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from protv2g.recommend.candidates import FUSE_BLOWING_RANK, Family, candidates
from protv2g.recommend.saving import FindingReach, RecloserLimits
from protv2g.units import DeviceKind

STUDY = """\
name: dg-depot
description: Drafted from dgprotfdr by protv2g init
feeder:
  opendss: DG_Protection/DG_Prot_Fdr.dss
  adopt_devices: false
library: [model_curves]
devices:
  - name: a
    kind: recloser
    location: {line: l1, end: from}
    phase_min_trip_a: 200
    fast_curve: '101'
    delayed_curve: dss-133
    n_fast: 1
    n_delayed: 3
    reclose_intervals_s: [2.0, 2.0, 5.0]
    fast_multiplier: 1
    delayed_multiplier: 1
    delayed_adder_s: 0.042
    ground_fast_multiplier: 1
    ground_delayed_multiplier: 1
    inst_delay_s: 0.052
    interrupting_rating_ka: 12.5
  - name: d
    kind: recloser
    location: {line: l5, end: from}
    phase_min_trip_a: 200
    fast_curve: '101'
    delayed_curve: dss-133
    n_fast: 1
    n_delayed: 3
    reclose_intervals_s: [2.0, 2.0, 5.0]
    fast_multiplier: 1
    delayed_multiplier: 1
    ground_fast_multiplier: 1
    ground_delayed_multiplier: 1
    inst_delay_s: 0.01
    interrupting_rating_ka: 12.5
  - name: b
    kind: recloser
    location: {line: l4, end: from}
    phase_min_trip_a: 150
    ground_min_trip_a: 150
    fast_curve: '104'
    delayed_curve: '117'
    ground_fast_curve: '106'
    ground_delayed_curve: '135'
    n_fast: 2
    n_delayed: 2
    reclose_intervals_s: [2.0, 2.0, 5.0]
    fast_multiplier: 1
    delayed_multiplier: 1
    ground_fast_multiplier: 1
    ground_delayed_multiplier: 1
    phase_inst_a: 1000
    inst_delay_s: 0.052
    interrupting_rating_ka: 12.5
  - name: f1
    kind: fuse
    location: {line: la, end: from}
    link: 40K
    interrupting_rating_ka: 8
    interrupting_rating_basis: asym
  - name: f2
    kind: fuse
    location: {line: lb, end: from}
    link: 40K
    interrupting_rating_ka: 8
    interrupting_rating_basis: asym
  - name: head-l1
    kind: relay
    location: {line: l1, end: from}
    pickup_a: 10
    curve: IEEE-VI
    time_dial: 15
    ground_pickup_a: 10
    ground_curve: IEEE-VI
    ground_time_dial: 15
    reclose_intervals_s: [0.5, 15.0, 30.0]
    interrupting_rating_ka: 12.5
v2g_sites:
  - {name: depot, bus: b1, n_chargers: 10, p_charger_kw: 100}
scenarios:
  export_levels_fraction: [0.0, 0.5, 1.0]
  participation: [expected]
  load_levels: [light, peak]
faults:
  method: iec60909
  r_fault_min_ohm: 20
"""

CURVES = """\
curves:
- name: dss-133
  kind: recloser
  family: points
  points:
    m: [1.0, 10.0, 15.0, 25.0, 35.0, 50.0, 100.0]
    t_s: [14.0, 0.16, 0.09, 0.052, 0.042, 0.039, 0.039]
  clearing_adder_s: 0.0
  clearing_adder_source: 'OpenDSS model: the element''s Delay is the device''s adder'
  source: DG_Prot_Fdr.dss (OpenDSS TCC_Curve)
"""


def _recloser(**kw):
    """The fields :func:`candidates` reads of a study file's recloser entry."""
    base = dict(name="a", kind=DeviceKind.RECLOSER, phase_min_trip_a=200.0, fast_curve="101",
                delayed_curve="dss-133", n_fast=1, n_delayed=3,
                reclose_intervals_s=[2.0, 2.0, 5.0], delayed_multiplier=1.0,
                fast_multiplier=1.0, ground_min_trip_a=None, ground_fast_curve=None,
                ground_delayed_curve=None, ground_fast_multiplier=1.0,
                ground_delayed_multiplier=1.0, phase_inst_a=None)
    base.update(kw)
    return SimpleNamespace(**base)


LIMITS = RecloserLimits("a", 200.0, 36.0, 1.0, 265.0, 54.0, 50.0, 176.7)


def _finding(mechanism, attribution):
    return {"criterion": "C2", "device": "a", "other_device": "f1", "mechanism": mechanism,
            "attribution": attribution}


def test_lost_saving_not_seen_tries_the_moves_that_see_it_and_fuse_blowing_last():
    out = candidates(_finding("lost saving: saved without V2G, not with it", "caused by V2G"),
                     [_recloser()], [], None, True, FindingReach(True, True), LIMITS)
    fams = [c.family for c in out]
    # ceiling 176.7 A, 5 % inside it 168.3 A (recommend.window, s33; was 170 A, 3.9 % inside)
    assert fams[0] is Family.GROUND_ELEMENT and out[0].new == 160.0
    assert {c.field for c in out} == {"ground_min_trip_a", "phase_min_trip_a", "n_fast"}
    assert min(c.new for c in out if c.field == "phase_min_trip_a") >= 54.0  # C8 floor
    assert min(c.new for c in out if c.field == "ground_min_trip_a") >= 50.0
    blow = [c for c in out if c.field == "n_fast"]
    assert [c.new for c in blow] == [0] and blow[0].size >= FUSE_BLOWING_RANK
    assert out[-1] is blow[0]  # last
    ground = out[0]
    assert ("ground_fast_curve", None, "101") in ground.fields
    assert ("ground_delayed_curve", None, "dss-133") in ground.fields


def test_no_ground_element_when_3i0_changed_with_v2g():
    out = candidates(_finding("lost saving: saved without V2G, not with it", "caused by V2G"),
                     [_recloser()], [], None, True, FindingReach(True, False), LIMITS)
    assert Family.GROUND_ELEMENT not in {c.family for c in out}


@pytest.mark.parametrize("mechanism, attribution", [
    ("not seen by recloser", "pre-existing"),  # homes R12 before: a n_fast 1 → 0
    ("range shrunk by V2G", "caused by V2G"),  # examples: fuse blowing for a warning
    ("not saved without V2G", "pre-existing"),
])
def test_fuse_blowing_is_not_proposed(mechanism, attribution):
    reach = FindingReach(mechanism == "not seen by recloser", True)
    out = candidates(_finding(mechanism, attribution), [_recloser(n_fast=2, n_delayed=2)], [],
                     None, True, reach, LIMITS)
    assert 0 not in [c.new for c in out if c.field == "n_fast"]
    if reach.unseen:  # no fast-shot, instantaneous, delayed-curve or fuse-link change
        assert {c.field for c in out} <= {"ground_min_trip_a", "phase_min_trip_a"}


@pytest.fixture(scope="module")
def dg_depot(tmp_path_factory, shared_dir):
    src = shared_dir / "feeders" / "opendss" / "DG_Protection"
    if not src.is_dir():
        pytest.skip("DG_Protection feeder not in ../shared")
    d = tmp_path_factory.mktemp("dg")
    shutil.copytree(src, d / "DG_Protection")
    (d / "model_curves").mkdir()
    (d / "model_curves" / "model_curves.yaml").write_text(CURVES, encoding="utf-8")
    (d / "depot.yaml").write_text(STUDY, encoding="utf-8")
    from protv2g import load_study
    from protv2g.pipeline import fault_tables, study_flow
    from protv2g.recommend import recommend
    from protv2g.scenarios import build_scenarios

    study = load_study(d / "depot.yaml")
    scen = build_scenarios(study.document)
    return recommend(study, fault_tables(study, scen), study_flow(study), scenarios=scen)


def test_dg_depot_searches_the_ground_element_before_fuse_blowing(dg_depot):
    """The ground element (160 A, the recloser's 101 / dss-133) clears the lost saving and
    A's C5 reach, but widens A's pre-existing fast-shot lead over B for SLG faults in B's
    zone (C4 "backup recloser fast shot after primary fast shot", −0.138 → −0.157 s, also
    without V2G): the search turns it down, and the fuse-blowing change it falls back to now
    says what keeps fuse saving and why it was not taken, and the saved rows it gives up."""
    t = dg_depot.table().set_index("title")
    row = t.loc["C2 recloser–fuse: a / f1 (lost saving: saved without V2G, not with it)"]
    assert row["status"] == "verified"
    assert row["change"] == "a n_fast 1 → 0, n_delayed 3 → 4"
    # searched first (was never); 160 A: 5 % inside its ceiling 176.7 A (s33; was 170 A)
    assert "a ground_min_trip_a unset → 160" in row["note"]
    assert "C4 relay or recloser over a recloser: a / b (backup recloser fast shot" in row["note"]
    assert "it turns from saving to fuse blowing f1:" in row["side_effects"]
    seen = t.loc["C2 recloser–fuse: a / f2 (not seen by recloser)"]
    # pre-existing, never seen by A: no fast-shot change is proposed for it
    assert seen["status"] in ("cleared by", "not cleared") and seen["change"] == ""


def test_side_effect_worse_only_beyond_the_rows_tolerance():
    """recommend's side-effect rule uses the checks' own "worse" tolerance (the devices'
    scatter on the finding's worst row), with 1 % / 1 ms as a floor: a C1 margin 50 ms
    smaller where the row's scatter is 80 ms is not worse; 100 ms smaller is."""
    from protv2g.recommend.search import _worse

    assert not _worse(-0.20, -0.25, 0.08)
    assert _worse(-0.20, -0.30, 0.08)
    assert _worse(-0.20, -0.25)             # no tolerance: 1 % / 1 ms floor
    assert not _worse(-0.200, -0.2015)      # within 1 %


def test_the_51g_note_names_each_fault_once_with_its_deciding_scenario():
    """ver39b (EPRI DG feeder, rev39a's study, F01): the ground-element note read "SLG-a lat1
    min: phase 143 A (224 A without V2G), 3I0 209 A (223 A); SLG-a lat1 min: phase 159 A
    (…), 3I0 212 A (223 A)" — one fault twice, the scenarios (firm and expected
    participation) not said. One line per fault now, with the scenario whose 3I0 V2G lowers
    most (the one :func:`finding_reach`'s test turns on) and how many it is the least of.
    Figures: the DG run's Evidence (a's SLG-a at lat1, min case; 223 A / 224 A in base/light)."""
    import pandas as pd

    from protv2g.recommend.saving import finding_reach

    cur = [("firm/light/100%", 143.1, 208.6), ("expected/light/100%", 159.1, 211.7),
           ("expected/light/50%", 159.1, 211.7), ("firm/light/50%", 143.1, 208.6),
           ("base/light", 224.0, 223.0)]
    faults = pd.DataFrame({"device": "a", "scenario": [c[0] for c in cur],
                           "fault_bus_name": "lat1", "fault_type": "SLG-a", "case": "min",
                           "i_phase_a": [c[1] for c in cur], "i_ground_a": [c[2] for c in cur]})
    ctx = SimpleNamespace(faults=faults, base_of={c[0]: "base/light" for c in cur[:4]},
                          thresholds=SimpleNamespace(v2g_change_fraction=0.1))
    evidence = pd.DataFrame({"scenario": [c[0] for c in cur[:4]], "fault_bus": "lat1",
                             "fault_type": "SLG-a", "case": "min",
                             "t_device_s": [float("inf"), float("inf"), 12.7, 12.7]})
    got = finding_reach(ctx, evidence, "a")
    assert got.i0_unchanged and not got.unseen  # 208.6 ≥ 0.9 × 223
    assert got.text.count("SLG-a lat1 min") == 1, got.text
    assert got.text == ("SLG-a lat1 min at firm/light/100% (of its 4 scenarios, the least 3I0 "
                        "against no V2G): phase 143 A (224 A without V2G), 3I0 209 A (223 A)")
