"""Plausibility warnings of ``protv2g validate`` (review s15 b4): a 5 A pickup, a time dial
of 60 and 125,000 kW chargers passed as "valid" with nothing said. They are warnings: the
study is valid and the command exits 0."""

from __future__ import annotations

import shutil
from pathlib import Path

from protv2g.cli import main
from protv2g.study import validate_study_warnings

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"


def _depot_with(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    shutil.copy(DEPOT.parent / "feeder.json", tmp_path / "feeder.json")
    text = DEPOT.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    study = tmp_path / "study.yaml"
    study.write_text(text, encoding="utf-8")
    return study


def test_examples_have_no_warning():
    for study in sorted(FEEDERS_DIR.glob("*/study.yaml")):
        problems, warnings = validate_study_warnings(study)
        assert (problems, warnings) == ([], []), study


def test_review_b4_slips_are_warned(tmp_path, capsys):
    study = _depot_with(
        tmp_path,
        ("pickup_a: 400\n", "pickup_a: 5\n"),
        ("time_dial: 0.6", "time_dial: 60"),
        ("ground_curve: IEEE-VI\n    ground_time_dial: 2.0",
         "ground_curve: IEC-VI\n    ground_time_dial: 2.0"),
        ("p_charger_kw: 125", "p_charger_kw: 125000"),
        ("p_charger_kw: 50", "p_charger_kw: 0.05"))
    problems, warnings = validate_study_warnings(study)
    assert problems == []
    by_field = {w.field: w for w in warnings}
    assert set(by_field) == {"devices[0].time_dial", "devices[0].ground_time_dial",
                             "devices[0].pickup_a", "v2g_sites[0].p_charger_kw",
                             "v2g_sites[1].p_charger_kw"}
    assert "0.05–15" in by_field["devices[0].time_dial"].message
    assert "0.05–1" in by_field["devices[0].ground_time_dial"].message
    assert "CT secondary" in by_field["devices[0].pickup_a"].fix
    assert "W / 1000" in by_field["v2g_sites[0].p_charger_kw"].fix
    assert "MW × 1000" in by_field["v2g_sites[1].p_charger_kw"].fix
    assert all(w.file == str(study) for w in warnings)
    assert main(["validate", str(study)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "5 warning(s)" in out


def test_pickup_below_the_feeder_load(tmp_path):
    # R-F1 carries F1's peak load (≈ 102 A) and the depot + campus at rating (≈ 361 A)
    study = _depot_with(tmp_path, ("pickup_a: 400\n", "pickup_a: 300\n"))
    (w,) = validate_study_warnings(study)[1]
    assert w.field == "devices[0].pickup_a"
    assert "at least 361 A" in w.message
    assert "peak load below it, balanced (every phase carries it): 102 A" in w.message
    # the recloser's 280 A minimum trip sits above the campus (≈ 75 A) and its load
    assert not [x for x in validate_study_warnings(study)[1] if "RC-F1" in x.message]


def test_large_site_and_u_curve_dial(tmp_path):
    study = _depot_with(
        tmp_path, ("n_chargers: 48", "n_chargers: 480"),
        ("curve: IEEE-MI             # moderately inverse phase element, TD 0.6 (coordinates "
         "with RC)\n    time_dial: 0.6", "curve: U1\n    time_dial: 0.3"))
    fields = {w.field: w.message for w in validate_study_warnings(study)[1]}
    assert "v2g_sites[0].n_chargers" in fields and "60.0 MVA" in fields[
        "v2g_sites[0].n_chargers"]
    assert "0.5–15" in fields["devices[0].time_dial"]


def test_fuse_outside_the_kt_series(tmp_path):
    lib = tmp_path / "curves"
    lib.mkdir()
    (lib / "smu.yaml").write_text(
        "curves:\n  - name: SMU-45E\n    kind: fuse\n    family: points\n    rating_a: 45\n"
        "    source: test\n    mm_points: {m: [2, 5, 20], t_s: [300, 1.5, 0.04]}\n"
        "    tc_points: {m: [2.4, 6, 24], t_s: [300, 2, 0.05]}\n",
        encoding="utf-8")
    study = _depot_with(tmp_path, ("feeder:\n", "library: [curves]\nfeeder:\n"),
                        ("link: 40K", "link: SMU-45E"))
    problems, warnings = validate_study_warnings(study)
    assert problems == []
    (w,) = warnings
    assert w.field == "devices[5].link" and "K or T" in w.message


def test_device_without_interrupting_rating_is_warned(tmp_path, capsys):
    """Review s19: a fuse added without ``interrupting_rating_ka`` passed validate as "valid";
    ``run``/``gate`` then said ERROR (C7 not evaluated). validate now warns, naming the field
    and both ways out; with C7 out of ``gate.criteria`` nothing is said."""
    text = DEPOT.read_text(encoding="utf-8")
    first = text.rindex("\n", 0, text.index("interrupting_rating_ka:")) + 1
    line_end = text.index("\n", first)
    study = _depot_with(tmp_path, (text[first:line_end + 1], ""))
    problems, warnings = validate_study_warnings(study)
    assert problems == []
    (w,) = [w for w in warnings if w.field.endswith("interrupting_rating_ka")]
    assert w.field == "devices[0].interrupting_rating_ka"
    assert "C7" in w.message and "ERROR" in w.message
    assert "devices[0].interrupting_rating_ka: 20" in w.fix and "gate.criteria" in w.fix
    assert main(["validate", str(study)]) == 0


def test_a_study_with_relays_only_is_warned_that_the_gate_will_say_error(tmp_path):
    """Review s25 §6: ``validate`` said "valid" (exit 0) for a study whose gate is ERROR
    because C1–C4 judge nothing without a fuse or recloser; it now says so, with the fix the
    gate's error gives. Stating ``no_fuses_or_reclosers: true`` silences it."""
    import yaml

    from protv2g.study.loader import validate_study_warnings

    shutil.copy(FEEDERS_DIR / "depot_two_feeder" / "feeder.json", tmp_path / "feeder.json")
    path = tmp_path / "relays_only.yaml"
    doc = {"name": "relays-only", "feeder": {"pandapower_json": "feeder.json"},
           "devices": [{"name": "R1", "kind": "relay",
                        "location": {"line": "F1-L01", "end": "from"}, "pickup_a": 400,
                        "curve": "IEEE-VI", "time_dial": 1, "interrupting_rating_ka": 25}]}
    path.write_text(yaml.safe_dump(doc))
    problems, warnings = validate_study_warnings(path)
    assert problems == []
    hit = [w for w in warnings if w.field == "devices"]
    assert len(hit) == 1 and "the gate will say ERROR" in hit[0].message
    assert "C1, C2, C3, C4" in hit[0].message
    assert "no_fuses_or_reclosers: true" in hit[0].fix
    path.write_text(yaml.safe_dump({**doc, "no_fuses_or_reclosers": True}))
    assert [w for w in validate_study_warnings(path)[1] if w.field == "devices"] == []


def test_unit_slips_are_warned(tmp_path):
    """Review rev41b F1: amperes typed into a kA field (12500 kA), kA into an ampere field
    (a 0.15 A minimum trip), a 20,000 Ω minimum-fault resistance and a 2,000 s cease time
    were all "valid" with nothing said. Bounds (protv2g/study/unit_slips.py): 200 kA above
    every rating class (IEEE C37.06 breakers 63 kA, IEC 60947-2 frames 150 kA); 1 A primary;
    1,000 Ω; IEEE Std 1547-2018 §8.1.2's 2 s. Review rev50b #4: the first three are problems
    (a 0.4 A pickup let `run` write a FAIL of "caused by V2G" findings, the workbook silent on
    it); the cease time, a non-compliant unit one may study, stays a warning."""
    study = _depot_with(
        tmp_path,
        ("interrupting_rating_ka: 25\n", "interrupting_rating_ka: 12500\n"),
        ("phase_min_trip_a: 280\n", "phase_min_trip_a: 0.15\n"),
        ("r_fault_min_ohm: 20.0", "r_fault_min_ohm: 20000.0"),
        ("    limit_pu: 1.5\n", "    limit_pu: 1.5\n    cease_to_energize_s: 2000\n"))
    problems, _ = validate_study_warnings(study)
    by_field = {w.field: w for w in problems}
    assert {"devices[0].interrupting_rating_ka", "devices[2].phase_min_trip_a",
            "faults.r_fault_min_ohm"} <= set(by_field)
    assert "12.5 kA?" in by_field["devices[0].interrupting_rating_ka"].fix
    assert "150 A?" in by_field["devices[2].phase_min_trip_a"].fix
    cease_only = _depot_with(
        tmp_path, ("    limit_pu: 1.5\n", "    limit_pu: 1.5\n    cease_to_energize_s: 2000\n"))
    problems, warnings = validate_study_warnings(cease_only)
    assert problems == []
    by_field = {w.field: w for w in warnings}
    assert "1547" in by_field["v2g_sites[1].cease_to_energize_s"].message
    # the example's own values are not slips
    assert not [w for w in validate_study_warnings(DEPOT)[1]
                if w.field.endswith(("interrupting_rating_ka", "_min_trip_a",
                                     "r_fault_min_ohm", "cease_to_energize_s"))]
