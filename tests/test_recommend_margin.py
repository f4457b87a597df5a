"""recommend keeps a margin to both edges of a pickup window, and sets values on the device's
own setting steps (session 33).

Session 32 (rec32, EPRI J1) accepted "R-MID phase_min_trip_a 400 → 360 A, verified" on
239 A of load: C8's limit 1.5 × 239 = 358.5 A, so 1.5 A (0.4 %) of margin on a load that was
a drafted snapshot. The rule now (:mod:`protv2g.recommend.window`): a value keeps 5 % (the
pickup accuracy) beyond each criterion's own factor; a window too narrow for that gets its
maximin value as a warning, not a verified fix. Values sit on the device's declared steps
(``pickup_step_a``, ``ct_ratio`` × ``pickup_step_secondary_a``, ``time_dial_step``,
``multiplier_step``), else on the assumed grid, said so.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from protv2g.recommend.candidates import candidates
from protv2g.recommend.change import Change, Family
from protv2g.recommend.reach import ReachFacts, ReachLimits, element_values, window_pick
from protv2g.recommend.steps import SettingSteps, on_step, settings_steps, step_basis
from protv2g.recommend.window import DeviceLoads, choose_lower, load_edge, tag_load_edges
from protv2g.study import validate_study
from protv2g.units import DeviceKind

from .conftest import FEEDERS_DIR, R1_GROUND_FAST_WINDOW, opendss_example_on_edge

DEPOT_DIR = FEEDERS_DIR / "depot_two_feeder"


def _lim(floor_a: float, ceiling_a: float, pickup_a: float = 400.0,
         steps: SettingSteps | None = None) -> ReachLimits:
    """A recloser's phase window: C8 floor ``floor_a`` = 1.5 × load, C5 ceiling
    ``ceiling_a`` = I_fault / 1.2 (backup reach)."""
    return ReachLimits("R-MID", "phase", "phase_min_trip_a", pickup_a, ceiling_a,
                       1.2 * ceiling_a, 1.2, floor_a, floor_a / 1.5, 1.5,
                       steps=steps or SettingSteps())


def test_a_window_one_amp_over_c8_is_a_warning():
    """Window 355–362 A (C8: 1.5 × 236.7 A; C5: 434.4 A / 1.2). The s32 rule took the
    highest 10 A value inside, 360 A (1.4 % over C8, "verified"). No value keeps 5 % to both
    edges (362 / 1.05 = 344.8 A < 355 × 1.05 = 372.8 A), so the value is the maximin one near
    √(355 × 362) = 358.5 A on the 1 A grid: 358 A (C8 +0.85 %, C5 +1.12 %; 359 A: +1.13 %,
    +0.84 %), tagged, and the texts say there is no margin for load growth."""
    lim = _lim(355.0, 362.0)
    pick = window_pick(lim)
    assert pick.edge and pick.value_a == pytest.approx(358.0)
    assert pick.margin_floor == pytest.approx(358.0 / 355.0 - 1.0)
    assert pick.margin_ceiling == pytest.approx(362.0 / 358.0 - 1.0)
    ((value, edge),) = element_values(lim)
    assert value == pytest.approx(358.0)
    assert edge.startswith("window 355–362 A: no margin for load growth (C8: 0.8 % above its "
                           "limit 355.0 A) or the minimum fault (C5: 1.1 % below its limit "
                           "362.0 A)")
    assert "keeps less than 5 %" in edge


def test_a_wide_window_keeps_five_percent_to_each_edge_and_says_which_edge_set_it():
    """Window 358.5–420 A (J1's load, a wider reach): the highest value 5 % inside C5's
    ceiling, 420 / 1.05 = 400 A — below the present 400 A, so 390 A on the 10 A grid —
    is also 8.8 % above C8's floor (≥ 5 %): C5's edge set it, not C8's (s32: 360 A, 0.4 %
    over C8, would have been tried as well and was then the highest in the window on the
    50 A grid's fallback)."""
    lim = _lim(358.5, 420.0)
    pick = window_pick(lim)
    assert not pick.edge and pick.value_a == pytest.approx(390.0)
    assert pick.margin_floor >= 0.05 and pick.margin_ceiling >= 0.05
    values = element_values(lim)
    assert values == [(390.0, "")]  # 350 A is below C8's floor; 360–380 A not on the grid
    change = Change("devices", "R-MID", "phase_min_trip_a", 400.0, 390.0, Family.PICKUP, 0.025)
    ev = pd.DataFrame([{"finding": "F1", "status": "fail", "fault_type": "LL-ab",
                        "i_device_a": 504.0, "i_other_a": 400.0, "limit": 1.2,
                        "margin_unit": "× pickup"}])
    flow = pd.DataFrame({"device": ["R-MID"], "i_a": [239.0], "i_residual_a": [0.0]})
    dev = SimpleNamespace(name="R-MID", kind=DeviceKind.RECLOSER, phase_min_trip_a=400.0,
                          ground_min_trip_a=None)
    finding = {"finding": "F1", "criterion": "C5", "device": "R-MID",
               "margin_unit": "× pickup"}
    text = ReachFacts(ev, flow, 1.5).basis(change, finding, [dev])
    assert "C5's edge set it — the highest value at least 5 % inside it" in text  # 504/1.2
    assert "9 % above C8's floor 358 A" in text
    assert "on the assumed settings grid" in text


def test_window_values_snap_to_the_devices_steps():
    """Declared steps: a recloser's 1 A step gives the maximin 364 A in J1's window (on the
    1 A grid as assumed); a 3 A step (a 0.025 A secondary step through a 120:1 CT) gives 363
    A (C8 +1.26 %, C5 +1.7 %; 366 A keeps C5 0.87 %); a relay's ground window 61.5–182 A on
    a 1.2 A step (600:5 CT, 0.01 A secondary) gives 172.8 A ≤ 182 / 1.05 = 173.3 A."""
    j1 = dict(floor_a=358.5, ceiling_a=443.0 / 1.2)
    assert window_pick(_lim(**j1, steps=SettingSteps(pickup_a=1.0))).value_a == 364.0
    three = window_pick(_lim(**j1, steps=SettingSteps(pickup_a=3.0, source="ct")))
    assert three.value_a == pytest.approx(363.0) and three.declared and three.edge
    relay = SimpleNamespace(ct_ratio=120.0, pickup_step_secondary_a=0.01, pickup_step_a=None,
                            time_dial_step=None)
    steps = settings_steps(relay)
    assert steps.pickup_a == pytest.approx(1.2)
    assert steps.source == "ct_ratio 120 × 0.01 A secondary = 1.2 A"
    assert choose_lower(61.5, 182.0, 190.0, steps).value_a == pytest.approx(172.8)
    assert on_step(172.8, 1.2)


def _relay(**steps):
    base = dict(name="R1", kind=DeviceKind.RELAY, pickup_a=400.0, time_dial=0.6,
                ground_pickup_a=120.0, ground_time_dial=2.0, directional="forward",
                pickup_step_a=None, ct_ratio=None, pickup_step_secondary_a=None,
                time_dial_step=None)
    return SimpleNamespace(**{**base, **steps})


def test_relay_moves_snap_to_its_ct_step_and_dial_step():
    """A relay behind a 600:5 CT set in 0.03 A secondary steps (3.6 A primary) raises its
    pickup on multiples of 3.6 A (450 → 450.0, 500 → 500.4, 550 → 550.8 A); a time dial set
    in 0.25 steps moves 0.6 → 0.75, 1.0 … (not the assumed 0.65); without steps the grid is
    the old one (450, 500 …; 0.65, 0.7 …)."""
    finding = {"criterion": "C1", "device": "R1", "other_device": ""}
    stepped = _relay(ct_ratio=120.0, pickup_step_secondary_a=0.03, time_dial_step=0.25)
    moves = candidates(finding, [stepped], [])
    pickups = [c.new for c in moves if c.field == "pickup_a"]
    assert pickups[:3] == pytest.approx([450.0, 500.4, 550.8])
    assert all(on_step(p, 3.6) for p in pickups)
    dials = [c.new for c in moves if c.field == "time_dial"]
    assert dials[:3] == pytest.approx([0.75, 1.0, 1.25])
    plain = candidates(finding, [_relay()], [])
    assert [c.new for c in plain if c.field == "pickup_a"][:2] == [450.0, 500.0]
    assert [c.new for c in plain if c.field == "time_dial"][:2] == pytest.approx([0.65, 0.7])


def test_a_raise_within_five_percent_of_c8s_floor_is_tagged():
    """R1 carries 332.7 A at its export peak: C8's floor 1.5 × 332.7 = 499 A. A raise to
    500 A (0.2 % above it) is tagged as an edge value, tried after every other; 550 A
    (10.2 %) is not."""
    flow = pd.DataFrame({"device": ["R1", "R1"], "i_a": [-332.67, 120.0],
                         "i_residual_a": [5.0, 2.0]})
    opts = [Change("devices", "R1", "pickup_a", 400.0, v, Family.PICKUP, v / 400 - 1)
            for v in (500.0, 550.0)]
    loads = DeviceLoads.of(flow)
    tagged = tag_load_edges(opts, loads, 1.5)
    assert tagged[0].edge.startswith("C8 floor 499 A: no margin for load growth (C8: 0.2 %")
    assert tagged[1].edge == ""
    assert load_edge("ground_pickup_a", 7.8, "R1", loads, 1.5).startswith("C8 floor 8 A")  # 4 %
    assert load_edge("time_dial", 0.5, "R1", loads, 1.5) == ""


# --- the study file -----------------------------------------------------------------------


def _issues(tmp_path: Path, edit) -> list:
    shutil.copy(DEPOT_DIR / "feeder.json", tmp_path / "feeder.json")
    doc = yaml.safe_load((DEPOT_DIR / "study.yaml").read_text())
    edit(doc["devices"])
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return validate_study(tmp_path / "study.yaml")


def test_bad_setting_steps_are_validate_errors_with_file_and_field(tmp_path):
    """≤ 0, a unit in the value, a dial step above 1, a CT ratio without the secondary step
    and both forms at once: each an issue naming the file, the field path and a fix (the old
    schema refused the keys as unknown)."""
    def edit(devices):
        devices[0].update(pickup_step_a=0, time_dial_step="0.05 s")  # R-F1 (relay)
        devices[1].update(ct_ratio=120)  # R-F2: no pickup_step_secondary_a
        devices[2].update(pickup_step_a=-1, multiplier_step=2)  # RC-F1 (recloser)
    issues = _issues(tmp_path, edit)
    by_field = {i.field: i for i in issues}
    study = str(tmp_path / "study.yaml")
    assert all(i.file == study for i in issues)
    hit = by_field["devices[0].pickup_step_a"]
    assert "Input should be greater than 0" in hit.message and hit.message.startswith(
        "device 'R-F1'")
    assert hit.fix
    assert "unable to parse string as a number (got '0.05 s')" in by_field[
        "devices[0].time_dial_step"].message
    assert "greater than 0" in by_field["devices[2].pickup_step_a"].message
    assert "less than or equal to 1" in by_field["devices[2].multiplier_step"].message
    assert "ct_ratio needs pickup_step_secondary_a" in by_field["devices[1]"].message
    assert "add pickup_step_secondary_a" in by_field["devices[1]"].fix
    both = _issues(tmp_path, lambda d: d[1].update(pickup_step_a=1, ct_ratio=120,
                                                    pickup_step_secondary_a=0.01))
    assert [(i.field, "not both" in i.message) for i in both] == [("devices[1]", True)]


def test_steps_load_and_stay_out_of_the_device_models(tmp_path):
    """Valid steps load; they are not device-model settings: the checks build the devices
    from the entry's dump without them (``checks._common._NOT_MODEL_FIELDS``), while the
    document's dump — the report's Inputs sheet — lists them as given (rc33 had them
    ``exclude=True``, out of the Inputs sheet)."""
    from protv2g.checks._common import build_devices
    from protv2g.report.inputs_sheet import inputs_frame
    from protv2g.study import load_study

    def edit(devices):
        devices[0].update(ct_ratio=120, pickup_step_secondary_a=0.01, time_dial_step=0.01)
        devices[2].update(pickup_step_a=1, multiplier_step=0.05)
    assert _issues(tmp_path, edit) == []
    study = load_study(tmp_path / "study.yaml")
    relay, recloser = study.document.devices[0], study.document.devices[2]
    assert settings_steps(relay) == SettingSteps(1.2, 0.01, "ct_ratio 120 × 0.01 A secondary "
                                                            "= 1.2 A")
    assert settings_steps(recloser).pickup_a == 1.0 and settings_steps(recloser).dial == 0.05
    assert math.isclose(relay.pickup_a, 400.0)
    models, errors = build_devices(study)
    assert errors == {} and {"R-F1", "RC-F1"} <= set(models)
    doc = study.document
    sheet = inputs_frame(doc.model_dump(mode="json"), doc.model_dump(mode="json",
                                                                     exclude_unset=True))
    rows = {k: (v, b) for k, v, b in sheet.itertuples(index=False)}
    assert rows["devices[0].ct_ratio"] == (120.0, "given")
    assert rows["devices[0].pickup_step_secondary_a"] == (0.01, "given")
    assert rows["devices[0].time_dial_step"] == (0.01, "given")
    assert rows["devices[2].pickup_step_a"] == (1.0, "given")
    assert rows["devices[2].multiplier_step"] == (0.05, "given")
    assert rows["devices[1].ct_ratio"][1] == "tool default"  # R-F2 declares none


def test_a_setting_off_its_declared_step_is_a_plausibility_warning(tmp_path):
    """R-F1's 400 A pickup behind a 600:5 CT set in 0.03 A secondary steps (3.6 A): 400 /
    3.6 = 111.1 steps — the relay cannot be set to it (399.6 or 403.2 A); its 120 A ground
    pickup is off it too (120 / 3.6 = 33.3), and its time dial 0.6 on a 0.25 step. RC-F1's
    280 A and 100 A on a 1 A step are fine."""
    from protv2g.study.loader import validate_study_warnings

    def edit(devices):
        devices[0].update(ct_ratio=120, pickup_step_secondary_a=0.03, time_dial_step=0.25)
        devices[2].update(pickup_step_a=1)  # RC-F1: 280 A and 100 A, on the step
    _issues(tmp_path, edit)
    problems, warnings_ = validate_study_warnings(tmp_path / "study.yaml")
    assert problems == []
    by_field = {w.field: w for w in warnings_ if "setting step" in w.message}
    assert set(by_field) == {"devices[0].pickup_a", "devices[0].ground_pickup_a",
                             "devices[0].time_dial"}
    assert by_field["devices[0].pickup_a"].message == (
        "device 'R-F1': pickup_a 400 is not on its setting step 3.6 (ct_ratio 120 × 0.03 A "
        "secondary = 3.6 A): the nearest settings are 399.6 and 403.2")
    assert "check the step (the CT ratio above all)" in by_field["devices[0].pickup_a"].fix


def test_step_basis_says_the_grid_is_assumed_without_steps():
    plain = _relay()
    change = Change("devices", "R1", "time_dial", 0.6, 0.65, Family.TIME_DIAL, 0.08)
    assert step_basis(change, [plain]) == "time_dial on the assumed 0.05 grid (no " \
        "time_dial_step declared)"
    raise_ = Change("devices", "R1", "pickup_a", 400.0, 450.0, Family.PICKUP, 0.125)
    assert step_basis(raise_, [plain]).startswith("pickup_a: the settings grid is assumed")
    stepped = _relay(pickup_step_a=2.5)
    assert step_basis(raise_, [stepped]) == ("pickup_a on R1's own 2.5 A step "
                                             "(pickup_step_a 2.5 A)")


# --- end to end: the shipped depot study ----------------------------------------------------


@pytest.fixture(scope="module")
def depot_rec(tmp_path_factory):
    """The depot study with declared steps: R-F1 behind a 600:5 CT set in 0.03 A secondary
    steps (3.6 A primary), dials in 0.01; RC-F1's minimum trips in 1 A, multipliers in 0.25."""
    import warnings

    from protv2g import load_study
    from protv2g.pipeline import fault_tables, study_flow
    from protv2g.recommend import recommend
    from protv2g.scenarios import build_scenarios

    d = tmp_path_factory.mktemp("depot_steps")
    shutil.copy(DEPOT_DIR / "feeder.json", d / "feeder.json")
    doc = yaml.safe_load((DEPOT_DIR / "study.yaml").read_text())
    for dev in doc["devices"]:
        if dev["name"] == "R-F1":
            dev.update(ct_ratio=120, pickup_step_secondary_a=0.03, time_dial_step=0.01)
        if dev["name"] == "RC-F1":
            dev.update(pickup_step_a=1, multiplier_step=0.25)
    (d / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(d / "study.yaml")
        scenarios = build_scenarios(study.document)
        flow = study_flow(study)
        rec = recommend(study, fault_tables(study, scenarios), flow, scenarios=scenarios)
    return rec, flow


def test_depot_raise_keeps_load_margin_on_the_relays_step(depot_rec):
    """The depot's C8 export-peak finding on R-F1 (pickup 400 A). By hand from the flow:
    R-F1's largest export current is 327.5 A (firm/light/100 %), C8's floor 1.5 × 327.5 =
    491.2 A. The s32 search accepted 400 → 500 A, 1.8 % above it ("verified"); now 500 A
    (500.4 A on the 3.6 A step) is an edge value tried last, and the smallest raise with 5 %
    is the grid's 550 A snapped up to the step: 153 × 3.6 = 550.8 A (12.1 % above the
    floor). The charging snapshots (up to 483 A) are a finding of their own, with no pickup
    raise (a schedulable load)."""
    rec, flow = depot_rec
    dev = flow.devices
    export = dev[(dev.device == "R-F1") & (dev.p_mw < 0)]
    i_export_a = float(export.i_a.abs().max())
    assert i_export_a == pytest.approx(327.5, abs=0.5)
    floor_a = 1.5 * i_export_a
    assert 500.0 / floor_a - 1.0 < 0.05  # the old value: inside the pickup accuracy
    table = rec.table()
    row = table[table.title == "C8 load pickup margin: R-F1 (export peak: reverse flow)"].iloc[0]
    assert row.status == "verified", row.note
    (change,) = [c for c in rec.changes if c.name == "R-F1" and c.field == "pickup_a"]
    assert change.new == pytest.approx(550.8) and on_step(change.new, 3.6)
    assert change.new / floor_a - 1.0 >= 0.05
    assert "C8's edge set it" in row.note
    assert "on R-F1's own 3.6 A step (ct_ratio 120 × 0.03 A secondary = 3.6 A)" in row.note


def test_depot_multiplier_on_the_reclosers_step(depot_rec):
    """RC-F1's fuse-TC finding (C2, FU-F1-LAT2): the s32 search slowed the delayed curve
    1 → 1.2 (0.1 steps assumed); with ``multiplier_step: 0.25`` the moves are 1.25, 1.5 …,
    and the first that clears is on the step, said so."""
    rec, _ = depot_rec
    (change,) = [c for c in rec.changes if c.name == "RC-F1" and c.field == "delayed_multiplier"]
    assert on_step(change.new, 0.25) and change.new > 1.0
    row = rec.table().set_index("finding").loc[
        next(r.finding for r in rec.recommendations if r.change == change)]
    assert "on RC-F1's own 0.25 step (multiplier_step)" in row.note


# --- end to end: the shipped OpenDSS example, its ground window narrowed -------------------


def _narrowed(flow, floor_a: float):
    """``flow`` with r1's residual 3I0 scaled so that C8's floor of its ground pickup is
    ``floor_a`` (1.5 × the largest residual)."""
    import dataclasses

    dev = flow.devices.copy()
    mine = dev.device == "r1"
    res = dev.loc[mine, "i_residual_a"].abs()
    dev.loc[mine, "i_residual_a"] = res * (floor_a / 1.5) / float(res.max())
    return dataclasses.replace(flow, devices=dev)


def test_a_window_whose_edge_sits_one_amp_over_c8_is_not_verified():
    """J1's case on the shipped OpenDSS example. Since session 41 (eng41's corrected classical
    currents) on the tests' copy with r1's ground minimum trip at 283 A and its ground fast
    curve at 0.9 × (``conftest.R1_GROUND_EDGE_A``, ``R1_GROUND_FAST_WINDOW``: without them the
    150 A move costs fuse saving at lat2's maximum fault by 0.4–1 ms, another edge). r1's C5
    finding (ground faults in its zone) is cleared by ground_min_trip_a 283 → 150 A: C5's
    ceiling is the smallest 3I0 of the failing rows / 1.5 (LLG-bc at b4, min case, base:
    241.1 A / 1.5 = 160.7 A; was 238 / 1.5 = 158.7 A), C8's floor 1.5 × the standing residual
    3I0 (35.8 A → 53.7 A); the highest 10 A value 5 % inside C5 (≤ 160.7 / 1.05 = 153.1 A) is
    150 A — verified, and C5's edge set it.

    (a) r1's residual raised in the flow to 99.33 A: C8's floor 149 A, and the s32 rule's
    150 A sits 1 A (0.7 %) over it — "verified" by the old code. Now no value keeps 5 % to
    both edges (160.7 / 1.05 = 153.1 A < 149 × 1.05 = 156.5 A); the tagged values are the
    highest 10 A value inside C5's ceiling by less than 5 %, 160 A (0.5 % below 160.7 A; on
    the old currents no 10 A value lay in 151.1–158.7 A, so only the maximin 154 A was tried,
    and it cost fuse saving: "not cleared"), then the maximin near √(149 × 160.7) = 154.7 A.
    160 A clears on re-check: a warning, not a verified fix, no change accepted — 150 A is not
    proposed.

    (b) floor 146 A and r1 declared on a 5 A step (``pickup_step_a: 5``): still no value
    with 5 % to both edges (≥ 153.3 A, ≤ 153.1 A); the highest 5 A step inside C5 by less
    than 5 % is 160 A, which clears the finding: a warning, not a verified fix, on r1's own
    step, and no change accepted (nothing for ``--apply`` to write)."""
    import warnings

    from protv2g.pipeline import fault_tables, study_flow
    from protv2g.recommend import recommend
    from protv2g.recommend.result import EDGE_STATUS
    from protv2g.scenarios import build_scenarios

    title = "C5 sensitivity / reach: r1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = opendss_example_on_edge(ground_fast_multiplier=R1_GROUND_FAST_WINDOW)
        scenarios = build_scenarios(study.document)
        faults = fault_tables(study, scenarios)
        flow = study_flow(study)
        plain = recommend(study, faults, flow, scenarios=scenarios)
        one_amp = recommend(study, faults, _narrowed(flow, 149.0), scenarios=scenarios)
        devices = [dict(d, pickup_step_a=5) if d.get("name") == "r1" else d
                   for d in study.raw["devices"]]
        stepped = study.with_updates(devices=devices)
        edge = recommend(stepped, faults, _narrowed(flow, 146.0), scenarios=scenarios)
    before = plain.table().set_index("title").loc[title]
    assert before.status == "verified" and before.change == "r1 ground_min_trip_a 283 → 150"
    assert "C5's edge set it" in before.note

    row = one_amp.table().set_index("title").loc[title]
    assert row.status == EDGE_STATUS, row.note
    assert row.change == ""
    assert not [c for c in one_amp.changes if c.field == "ground_min_trip_a" and c.new < 250]
    assert "not a verified fix: r1 ground_min_trip_a 283 → 160 clears it on re-check" in row.note
    assert "window 149–161 A: no margin for the minimum fault (C5: 0.5 % below its limit " \
        "160.7 A)" in row.note
    assert "→ 150" not in row.note

    row = edge.table().set_index("title").loc[title]
    assert row.status == EDGE_STATUS, row.note
    assert row.change == ""
    assert not [c for c in edge.changes if c.field == "ground_min_trip_a" and c.new < 250]
    assert "not a verified fix: r1 ground_min_trip_a 283 → 160 clears it on re-check" in row.note
    assert "window 146–161 A: no margin for the minimum fault (C5: 0.5 % below its limit " \
        "160.7 A)" in row.note
    assert "on r1's own 5 A step (pickup_step_a 5 A)" in row.note
    after = edge.after.findings  # 160 A not applied (a C2 finding's own 250 A is)
    assert list(after.loc[after.title == title, "status"]) == ["fail"]
