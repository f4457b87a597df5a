"""recommend tries the failing element's pickup for C5, bounded by C8 (review s20 F01), and
words a capacitor bank's C12 reverse-flow row by its control type (review s20 F16).

EPRI ckt5 as the reviewer drafted it (``init`` with her two sites): the drafted head relay's
51G at 190 A sees 273 A of 3I0 for an SLG fault through 20 Ω (1.43 × pickup < 1.5 ×);
180 A clears it, as she found by hand, with the largest standing residual (41 A in the
flow, single-phase homes included) far below 180 / 1.5 = 120 A.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g.recommend.notes import _no_candidate_note, device_controls
from protv2g.recommend.reach import ReachFacts, reach_limits, reach_moves
from protv2g.units import DeviceKind

from .conftest import REAL_FEEDERS_DIR, need_dss_master

REAL = REAL_FEEDERS_DIR
CKT5 = REAL / "EPRI_ckt5" / "Master_ckt5.dss"


def _relay(pickup_a=760.0, ground_pickup_a=190.0):
    return SimpleNamespace(name="R1", kind=DeviceKind.RELAY, pickup_a=pickup_a,
                           ground_pickup_a=ground_pickup_a)


def _evidence(rows):
    """C5 evidence rows ``(fault_type, i_op_a, pickup_a, factor)`` of finding F01."""
    return pd.DataFrame([{"finding": "F01", "status": "fail", "fault_type": ft,
                          "i_device_a": i, "i_other_a": p, "limit": k, "margin_unit": "× pickup"}
                         for ft, i, p, k in rows])


def _flow(i_a=379.0, i_res_a=41.0):
    return pd.DataFrame({"device": ["R1", "R1"], "scenario": ["a", "b"],
                         "i_a": [i_a, -0.5 * i_a], "i_residual_a": [0.5 * i_res_a, -i_res_a]})


FINDING = {"finding": "F01", "criterion": "C5", "device": "R1", "margin_unit": "× pickup"}


def test_ground_pickup_searched_down_to_c8s_floor():
    """A ground row (3I0 273 A against the ground pickup 190 A): the ground element only;
    ceiling 273 / 1.5 = 182 A, floor 1.5 × 41 = 61.5 A; the moves 170 … 70 A, nearest
    first, on the 10 A grid (the devices declare no setting steps): 5 % inside both edges
    (≤ 182 / 1.05 = 173.3 A, ≥ 61.5 × 1.05 = 64.6 A; session 33, protv2g.recommend.window);
    180 A, 1.1 % inside C5's ceiling, is tagged and comes last."""
    ev = _evidence([("SLG-c", 273.0, 190.0, 1.5), ("SLG-c", 280.0, 190.0, 1.5)])
    (lim,) = reach_limits(FINDING, ev, _relay(), _flow(), 1.5)
    assert (lim.element, lim.field) == ("ground", "ground_pickup_a")
    assert lim.ceiling_a == pytest.approx(182.0) and lim.floor_a == pytest.approx(61.5)
    moves = reach_moves([lim])
    assert [m.new for m in moves] == [170.0, 160.0, 150.0, 140.0, 130.0, 120.0, 110.0,
                                      100.0, 90.0, 80.0, 70.0, 180.0]
    assert [bool(m.edge) for m in moves] == [False] * 11 + [True]  # 180 A: tried last
    assert all(m.field == "ground_pickup_a" and m.old == 190.0 for m in moves)
    assert "C8 margin: largest standing residual 3I0 41 A < 180 A / 1.5 = 120 A" in \
        lim.margin_text(180.0)


def test_no_pickup_satisfies_both_says_both_limits():
    """A residual of 150 A (floor 225 A) above the C5 ceiling (182 A): no move, and the note
    gives both limits."""
    ev = _evidence([("SLG-a", 273.0, 190.0, 1.5)])
    facts = ReachFacts(ev, _flow(i_res_a=150.0), 1.5)
    assert facts.moves(FINDING, [_relay()]) == []
    note = facts.note(FINDING, [_relay()])
    assert "no pickup satisfies both C5 and C8" in note
    assert "≤ 182 A for C5" in note and "> 225 A for C8" in note


def test_phase_rows_move_the_phase_pickup_and_both_move_together():
    """A phase row (3ph, the phase pickup 760 A) moves ``pickup_a`` on the 50 A grid above
    the floor 1.5 × 379 = 568.5 A; a finding failing on both elements moves both together.
    650 A comes last (s33): 2.5 % inside C5's ceiling 1000 / 1.5 = 666.7 A, less than the 5 %
    margin (≤ 634.9 A): tagged and last; 750 and 700 A lie above the ceiling (they ease a
    finding with warnings; here none)."""
    ev = _evidence([("3ph", 1000.0, 760.0, 1.5)])
    (lim,) = reach_limits(FINDING, ev, _relay(), _flow(), 1.5)
    assert lim.field == "pickup_a"
    assert [(m.new, bool(m.edge)) for m in reach_moves([lim])] == [
        (750.0, False), (700.0, False), (600.0, False), (650.0, True)]
    both = _evidence([("3ph", 1000.0, 760.0, 1.5), ("SLG-b", 273.0, 190.0, 1.5)])
    lims = reach_limits(FINDING, both, _relay(), _flow(), 1.5)
    moves = reach_moves(lims)
    both = [m for m in moves if m.extra]  # each element alone too (rev32a W7)
    assert both[0].fields == [("pickup_a", 760.0, 750.0), ("ground_pickup_a", 190.0, 170.0)]
    assert both[-1].fields[0][2] == 600.0 and len(both) == 11  # the phase held at its last
    assert [m.new for m in moves if m.field == "pickup_a" and not m.extra] == [
        750.0, 700.0, 600.0, 650.0]  # 650 A tagged (above)
    assert not any(m.edge for m in both)  # both elements have values with margin
    assert [m.new for m in moves if m.field == "ground_pickup_a"][0] == 170.0


def test_not_c5_or_a_fuse_gets_no_reach_move():
    ev = _evidence([("SLG-a", 273.0, 190.0, 1.5)])
    assert reach_limits({**FINDING, "criterion": "C8"}, ev, _relay(), _flow(), 1.5) == []
    # C5's reach-drop warning (V2G lowering the device's current): no pickup clears it
    assert reach_limits({**FINDING, "margin_unit": "fraction"}, ev, _relay(), _flow(), 1.5) \
        == []
    fuse = SimpleNamespace(name="R1", kind=DeviceKind.FUSE)
    assert reach_limits(FINDING, ev, fuse, _flow(), 1.5) == []


def test_capacitor_note_by_its_control_type():
    """F16: a capacitor bank was told "reverse power through a regulator". The note follows
    the bank's CapControl type (OpenDSS CapControl Type/ONsetting help); a regulator keeps
    its own."""
    def note(device, mode=None):
        f = {"margin_unit": "MW", "device": device, "attribution": "caused by V2G"}
        if mode:
            f.update(kind="capacitor", control_mode=mode)
        return _no_candidate_note("C12", "warn", f)

    cur = note("CAP:c1", "current")
    assert "regulator" not in cur and "cannot tell export from load" in cur
    assert "directional" in note("CAP:c1", "kvar")
    assert "power factor" in note("CAP:c1", "pf")
    assert "review its control type" in note("CAP:c1")
    reg = note("REG:r1")  # j1light23: cogeneration, not bidirectional (runs to a tap limit)
    assert "cogeneration mode" in reg and "not bidirectional" in reg
    tables = {"device": pd.DataFrame({"device": ["CAP:c1", "CAP:c1", "REG:r1", "R1"],
                                      "kind": ["capacitor", "capacitor", "regulator", "relay"],
                                      "control_mode": ["current", "current", "cogen", None]})}
    assert device_controls(tables) == {
        "CAP:c1": {"kind": "capacitor", "control_mode": "current"},
        "REG:r1": {"kind": "regulator", "control_mode": "cogen"}}


@pytest.fixture(scope="module")
def ckt5_review(tmp_path_factory) -> Path:
    """ckt5 drafted as the reviewer did: ``init --site depot:796:20:100 --site
    homes:74436.c:10:7.2``."""
    need_dss_master(CKT5)
    from protv2g.cli import main

    folder = tmp_path_factory.mktemp("ckt5") / "EPRI_ckt5"
    shutil.copytree(CKT5.parent, folder)
    for f in folder.iterdir():
        f.chmod(0o644)
    study = folder / "study.yaml"
    assert main(["init", str(folder / CKT5.name), "-o", str(study), "--site",
                 "depot:796:20:100", "--site", "homes:74436.c:10:7.2"]) == 0
    # the study as the reviewer had it: init now drafts a fuse on each fuse-named line
    # (fuse31); without them the head's primary zone is the whole feeder, as here
    _drop_drafted_fuses(study)
    assert main(["init", "--redraft", str(study)]) == 0
    return study


def _drop_drafted_fuses(study: Path) -> None:
    """Delete init's drafted fuses (``# drafted: line.…`` and the item below it): the
    user's "confirm they are not fuses"."""
    out, skip = [], False
    for line in study.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("  # drafted: line."):
            skip = True
            continue
        if skip and (line.startswith("  - name: f-") or line.startswith("    ")):
            continue
        skip = False
        out.append(line)
    study.write_text("".join(out), encoding="utf-8")


def test_ckt5_recommend_lowers_the_ground_pickup_and_words_the_capacitor(ckt5_review, capsys):
    """F01: 51G 190 → 170 A, verified, with its C8 margin; an independent re-run of the
    checks with 170 A has no C5 row of the relay failing and no C8 row at all (the reviewer's
    180 A keeps 1.1 % to C5's ceiling 273 / 1.5 = 182 A; session 33 keeps 5 %: ≤ 173.3 A). The
    current-controlled bank's row is info with what it senses (rev30 §7)."""
    import warnings

    from protv2g import load_study
    from protv2g.checks import run_checks
    from protv2g.cli import main
    from protv2g.pipeline import fault_tables, study_flow
    from protv2g.recommend import apply_to_study, recommend
    from protv2g.scenarios import build_scenarios

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(ckt5_review)
        scenarios = build_scenarios(study.document)
        faults = fault_tables(study, scenarios)
        flow = study_flow(study)
        rec = recommend(study, faults, flow, scenarios=scenarios)
    table = rec.table()
    c5 = table[table.title.str.startswith("C5")].iloc[0]
    assert c5.status == "verified"
    assert c5.change == "head-mdv201_connector ground_pickup_a 190 → 170"
    assert "C8 margin: largest standing residual 3I0" in c5.note
    assert "170 A / 1.5 = 113 A" in c5.note
    assert "C5's edge set it" in c5.note
    # rev30 §7: the bank's current control senses the same current with and without V2G,
    # far below its ON/OFF settings: an info row, nothing to recommend (F16's wording of a
    # capacitor warning: test_capacitor_note_by_its_control_type)
    assert table[table.title.str.contains("CAP:")].empty
    tables = {"device": flow.devices, "bus": flow.buses, "branch": flow.branches,
              "sites": flow.sites}
    changed = apply_to_study(study, [c for c in rec.changes if c.field == "ground_pickup_a"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v, _ = run_checks(changed, faults, tables, scenarios)
    bad = v[v.status.astype(str).isin(["fail", "warn"])]
    assert not ((bad.criterion == "C5") & (bad.device == "head-mdv201_connector")
                & (bad.status == "fail")).any()
    assert not (bad.criterion == "C8").any()
    assert not (bad.device.astype(str).str.startswith("CAP:")).any()
    info = v[(v.criterion == "C12") & v.device.astype(str).str.startswith("CAP:")]
    assert len(info) and (info.status.astype(str) == "info").all()
    assert info.message.str.contains("current-controlled CapControl senses the current "
                                     r"\(phase 1\) ÷ CT ratio 60").all()
    assert info.message.str.contains("against ON 300 A / OFF 200 A: V2G does not move it").all()
    main(["recommend", str(ckt5_review)])
    out = capsys.readouterr().out
    assert "change: head-mdv201_connector ground_pickup_a 190 → 170  (verified)" in out
    # the relay is init's draft (TODO): the note says first to give its settings (s27 §6);
    # it was just re-drafted, so a re-draft is not offered again (rev32a W3: it looped)
    assert ("note: first give the utility's settings of head-mdv201_connector (drafted by "
            "protv2g init: TODO), and re-run: the finding rests on them; a re-draft (`protv2g "
            "init --redraft") in out and "would not change them" in out
    assert ("; with the drafted values: re-checked on every scenario, fault and case; ground "
            "pickup 170 A") in out


def test_a_renumbered_finding_reads_its_own_evidence():
    """Review rev33a R39 (EPRI ckt24): once accepted changes cleared findings ahead of it,
    the head relay's C5 finding was F31 in the search's current findings and F39 in the
    evidence; its moves were read from F31's rows (another finding's), so no pickup was
    tried and the finding read "no ordinary setting change: reach: window 27–103 A". The
    limits are read by the finding's identity: the same ceiling 273 / 1.5 = 182 A and moves
    as under its own id."""
    ev = pd.concat([
        _evidence([("SLG-c", 273.0, 190.0, 1.5)]).assign(finding="F02"),
        pd.DataFrame([{"finding": "F01", "status": "fail", "fault_type": "3ph",
                       "i_device_a": 900.0, "i_other_a": 760.0, "limit": 0.3,
                       "margin_unit": "s"}])], ignore_index=True)
    before = pd.DataFrame([
        {"finding": "F01", "criterion": "C2", "device": "R1", "other_device": "F9",
         "margin_unit": "s", "mechanism": "fuse TC < recloser delayed"},
        {"finding": "F02", "criterion": "C5", "device": "R1", "other_device": "",
         "margin_unit": "× pickup", "mechanism": ""}])
    now = {**before.iloc[1].to_dict(), "finding": "F01"}  # C2 cleared: C5 renumbered F01
    facts = ReachFacts(ev, _flow(), 1.5, before)
    (lim,) = facts.limits(now, [_relay()])
    assert lim.ceiling_a == pytest.approx(182.0) and lim.field == "ground_pickup_a"
    moves = facts.moves(now, [_relay()])
    assert [m.new for m in moves][:3] == [170.0, 160.0, 150.0]
    assert [m.new for m in moves] == [m.new for m in facts.moves(before.iloc[1], [_relay()])]


def test_a_pickup_lowered_below_a_downstream_devices_says_so():
    """Review rev33a R39 (EPRI ckt24): the head relay's 51G lowered inside its window
    (27–103 A) sits under R-MID's 140 A ground minimum trip downstream: ground faults in
    R-MID's zone with 3I0 between 90 and 140 A trip the head with R-MID not operating. The
    accepted change says so in its practice notes; a downstream pickup below the new value,
    a fuse, another element or a raise say nothing."""
    from protv2g.recommend.candidates import Change, Family
    from protv2g.recommend.practice import practice_notes

    head = SimpleNamespace(name="head", kind=DeviceKind.RELAY, pickup_a=940.0,
                           ground_pickup_a=240.0)
    rmid = SimpleNamespace(name="R-MID", kind=DeviceKind.RECLOSER, phase_min_trip_a=560.0,
                           ground_min_trip_a=140.0)
    fuse = SimpleNamespace(name="F-LAT", kind=DeviceKind.FUSE, link="65K")
    pairs = pd.DataFrame({"fault_bus": [1, 2, 3], "primary": ["R-MID", "R-MID", "F-LAT"],
                          "backup": ["head", "head", "R-MID"], "source": "sub"})
    devices = [head, rmid, fuse]
    lower = Change("devices", "head", "ground_pickup_a", 240.0, 90.0, Family.PICKUP, 0.6)
    (note,) = practice_notes(lower, None, None, None, pairs, devices)
    assert note.startswith("practice: head's ground pickup 90 A is below R-MID's "
                           "ground_min_trip_a 140 A downstream")
    assert "3I0 between 90 and 140 A trip head with R-MID not operating" in note
    assert practice_notes(Change("devices", "head", "ground_pickup_a", 240.0, 150.0,
                                  Family.PICKUP, 0.4), None, None, None, pairs, devices) == []
    assert practice_notes(Change("devices", "head", "pickup_a", 940.0, 600.0,
                                  Family.PICKUP, 0.4), None, None, None, pairs, devices) == []
    assert practice_notes(lower, None, None, None, None, devices) == []
    both = Change("devices", "head", "pickup_a", 940.0, 500.0, Family.PICKUP, 1.0,
                  (("ground_pickup_a", 240.0, 90.0),))
    assert [n.split(" is below")[0] for n in practice_notes(
        both, None, None, None, pairs, devices)] == ["practice: head's phase pickup 500 A",
                                                     "practice: head's ground pickup 90 A"]


def _series_fixture(rmid_ground_a):
    """The head relay's C5 ground finding (ceiling 154.5 / 1.5 = 103 A, C8 floor 27 A) with
    R-MID right downstream at ``rmid_ground_a``; a fake evaluator clears the finding at a
    51G ≤ 103 A and keeps it above (its checks see nothing else)."""
    from protv2g.recommend.evaluator import Evaluator

    head = SimpleNamespace(name="head", kind=DeviceKind.RELAY, pickup_a=940.0,
                           ground_pickup_a=240.0)
    rmid = SimpleNamespace(name="R-MID", kind=DeviceKind.RECLOSER, phase_min_trip_a=560.0,
                           ground_min_trip_a=rmid_ground_a)
    pairs = pd.DataFrame({"primary": ["R-MID"], "backup": ["head"]})
    finding = {"finding": "F01", "criterion": "C5", "device": "head", "other_device": "",
               "margin_unit": "× pickup", "mechanism": "", "status": "fail",
               "title": "C5 sensitivity / reach: head", "worst_margin": -0.05,
               "evidence_first": "E1"}
    evidence = pd.DataFrame([{"finding": "F01", "status": "fail", "fault_type": "SLG-c",
                              "i_device_a": 154.5, "i_other_a": 240.0, "limit": 1.5,
                              "margin_unit": "× pickup", "evidence": "E1",
                              "tolerance": 0.0}])
    flow = pd.DataFrame({"device": ["head"], "i_a": [468.0], "i_residual_a": [18.0]})
    limits = reach_limits(finding, evidence, head, flow, 1.5)

    class _Ev:
        _cache: dict = {}
        key = staticmethod(Evaluator.key)

        def findings(self, changes=()):
            g = {f: n for c in changes for f, _o, n in c.fields}.get("ground_pickup_a", 240.0)
            rows = [] if g <= 154.5 / 1.5 else [finding]
            self._cache[self.key(changes)] = True
            return SimpleNamespace(findings=pd.DataFrame(rows, columns=list(finding)),
                                   evidence=evidence[evidence["finding"].isin(
                                       [r["finding"] for r in rows])])

    return _Ev(), limits, pairs, [head, rmid]


@pytest.mark.parametrize("rmid_ground_a", [140.0, 80.0])
def test_a_head_pickup_below_a_downstream_reclosers_is_not_verified(rmid_ground_a):
    """Review fix33g/ver33 (EPRI ckt24): recommend "verified" the head relay's 51G 240 → 90 A
    under R-MID's 140 A ground minimum trip downstream — a ground fault in R-MID's zone with
    3I0 between 90 and 140 A trips the head with R-MID not operating, which no coordination
    check judges (C1–C4 judge a pair where the primary operates). With R-MID at 140 A no
    value ≥ 140 A clears the head's C5 (ceiling 103 A): the clearing value 90 A is tagged
    ``below`` (a warning, not applied); with R-MID at 80 A the same 90 A keeps the series
    order and is the search's clean answer."""
    from protv2g.recommend.evaluator import _active
    from protv2g.recommend.notes import edge_note
    from protv2g.recommend.practice import tag_below_downstream
    from protv2g.recommend.search import _search

    ev, limits, pairs, devices = _series_fixture(rmid_ground_a)
    options = tag_below_downstream(reach_moves(limits), pairs, devices)
    cur = _active(ev.findings())
    target = cur.index[0]
    best, _tried, _why = _search(ev, [], cur, target, options, 14)
    change = best[0]
    assert change.field == "ground_pickup_a" and change.new == pytest.approx(90.0)
    if rmid_ground_a > 90.0:
        assert change.edge and change.below.startswith(
            "below R-MID's ground_min_trip_a 140 A downstream: ground faults in R-MID's "
            "zone with 3I0 between 90 and 140 A would trip head with R-MID not operating")
        # every value kept at or above R-MID's 140 A was tried first, none tagged
        assert all(not c.below for c in options if c.new >= 140.0)
        assert all(c.below for c in options if c.new < 140.0)
        note = edge_note(change, True, [], "", "")
        assert note.startswith("not a verified fix: head ground_pickup_a 240 → 90 clears it")
        assert "no value at or above the downstream device's pickup cleared it" in note
        assert "IEEE C37.230-2020 §6" in note and "confirm the load" not in note
    else:
        assert not change.edge and not change.below
