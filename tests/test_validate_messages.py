"""`protv2g validate` messages a new user can act on (trust_report): the device named in every
device error, one line for a misspelt required key, hints for a percent given as a fraction
and for a fault type in the wrong case."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from protv2g.errors import Issue
from protv2g.study import validate_study
from protv2g.study.issues import with_device_names

from .conftest import FEEDERS_DIR

DEPOT_DIR = FEEDERS_DIR / "depot_two_feeder"


def _issues(tmp_path: Path, edit) -> list:
    shutil.copy(DEPOT_DIR / "feeder.json", tmp_path / "feeder.json")
    doc = yaml.safe_load((DEPOT_DIR / "study.yaml").read_text())
    edit(doc)
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return validate_study(tmp_path / "study.yaml")


def test_device_errors_name_the_device(tmp_path):
    def edit(doc):
        doc["devices"][0]["time_dial"] = -0.6
        doc["devices"][2]["ground_min_trip_a"] = -100
    issues = _issues(tmp_path, edit)
    by_field = {i.field: i for i in issues}
    # the field stays a path; the message names the device
    assert by_field["devices[0].time_dial"].message.startswith("device 'R-F1': ")
    assert by_field["devices[2].ground_min_trip_a"].message.startswith("device 'RC-F1': ")
    assert "devices[0].time_dial: device 'R-F1': Input should be greater than 0" in str(
        by_field["devices[0].time_dial"])


def test_semantic_device_errors_name_the_device(tmp_path):
    issues = _issues(tmp_path, lambda d: d["devices"][4].update(link="65Z"))
    hit = [i for i in issues if i.field == "devices[4].link"]
    assert hit and "FU-F1-LAT1" in hit[0].message


def test_with_device_names_keeps_other_issues():
    issues = [Issue("s.yaml", "devices[1].curve", "unknown curve", "fix"),
              Issue("s.yaml", "devices[0]", "R-F1 is used 2 times", ""),
              Issue("s.yaml", "devices[7].x", "m", ""), Issue("s.yaml", "gate", "m", "")]
    out = with_device_names(issues, ["R-F1", None])
    assert out[0].message == "device without a name: unknown curve"
    assert out[1] == issues[1]  # names the device already
    assert out[2:] == issues[2:]  # beyond the list; not a device


def test_typo_of_required_key_is_one_line(tmp_path):
    issues = _issues(tmp_path, lambda d: d["devices"][0].update(
        pikup_a=d["devices"][0].pop("pickup_a")))
    assert [i.field for i in issues] == ["devices[0].pikup_a"]  # no "Field required" line
    assert "misspelling of the required key 'pickup_a'" in issues[0].message
    assert issues[0].fix == "rename 'pikup_a' to 'pickup_a'"


def test_typo_of_optional_key_suggests(tmp_path):
    issues = _issues(tmp_path, lambda d: d["devices"][4].update(
        interupting_rating_ka=d["devices"][4].pop("interrupting_rating_ka")))
    assert len(issues) == 1 and "did you mean 'interrupting_rating_ka'" in issues[0].fix
    assert "FU-F1-LAT1" in issues[0].message


def test_percent_for_fraction_hint(tmp_path):
    def edit(doc):
        doc["v2g_sites"][0]["participation"] = {"low": 50, "expected": 80, "firm": 100}
        doc["scenarios"]["export_levels_fraction"] = [0, 25, 50]
    issues = _issues(tmp_path, edit)
    fixes = {i.field: i.fix for i in issues}
    assert fixes["v2g_sites[0].participation.low"] == (
        "a fraction is asked (0 to 1), not a percent: write 0.5 for 50 %")
    assert "write 0.25 for 25 %" in fixes["scenarios.export_levels_fraction[1]"]
    # a value above 100 is no percent: the range is said (s45: with its bounds)
    issues = _issues(tmp_path, lambda d: d["scenarios"].update(
        export_levels_fraction=[0, 150]))
    assert [i.fix for i in issues] == [
        "a fraction is asked: allowed 0 ≤ export_levels_fraction ≤ 1 (1 is the whole)"]


def test_fault_type_case_hint(tmp_path):
    issues = _issues(tmp_path, lambda d: d["faults"].update(fault_types=["3ph", "slg"]))
    assert len(issues) == 1 and issues[0].field == "faults.fault_types[1]"
    assert issues[0].fix == "write 'SLG': the names are case-sensitive ('slg' is not allowed)"
    issues = _issues(tmp_path, lambda d: d["faults"].update(fault_types=["LLLG"]))
    assert issues[0].fix == "use one of the allowed values"


def test_case_hint_for_other_names(tmp_path):
    def edit(doc):
        doc["devices"][5]["kind"] = "Fuse"
        doc["v2g_sites"][0]["control"] = "Grid_Following"
        doc["faults"]["cases"] = ["MAX", "min"]
        doc["scenarios"]["light_load_fraction"] = 30
    fixes = {i.field: i.fix for i in _issues(tmp_path, edit)}
    assert fixes["devices[5]"] == ("write 'fuse': the names are case-sensitive ('Fuse' is not "
                                   "allowed)")
    assert fixes["v2g_sites[0].control"].startswith("write 'grid_following'")
    assert fixes["faults.cases[0]"].startswith("write 'max'")
    assert fixes["scenarios.light_load_fraction"].endswith("write 0.3 for 30 %")


def test_a_key_of_a_section_below_says_where_it_belongs(tmp_path):
    """Review rev43a F2: ``reverse_power_pickup_mw: 0.5`` at a relay's level read "unknown key …
    did you mean 'ground_pickup_a'"; it is a key of ``directional:`` (docs/study-file.md).
    Fails on the old code."""
    issues = _issues(tmp_path, lambda d: d["devices"][0].update(reverse_power_pickup_mw=0.5))
    assert [i.field for i in issues] == ["devices[0].reverse_power_pickup_mw"]
    assert issues[0].message.endswith("unknown key")
    assert issues[0].fix == "it belongs under `directional:`: move it there (indented one level)"
    # a misspelt key of the level itself still gets its suggestion
    issues = _issues(tmp_path, lambda d: d["devices"][0].update(ground_pikup_a=50))
    assert "did you mean 'ground_pickup_a'" in issues[0].fix


def test_schema_and_model_reference_errors_in_one_pass(tmp_path):
    """rev43b F4: on an OpenDSS feeder a schema error hid a device on a line the model does not
    have (and a site on a missing bus) until it was fixed; now one ``validate`` lists all."""
    src = FEEDERS_DIR / "opendss_example"
    shutil.copytree(src, tmp_path, dirs_exist_ok=True)
    doc = yaml.safe_load((src / "study.yaml").read_text())
    doc["devices"][0]["reset_time_s"] = "30s"                    # schema: not a number
    doc["devices"].append({"name": "R9", "kind": "relay", "location": {"line": "l9",
                           "end": "from"}, "pickup_a": 400, "curve": "IEEE-VI",
                           "time_dial": 1})
    doc["v2g_sites"][0]["bus"] = "b9"
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    by_field = {i.field: i for i in validate_study(tmp_path / "study.yaml")}
    n = len(doc["devices"]) - 1
    assert "devices[0].reset_time_s" in by_field
    assert "no line named 'l9'" in by_field[f"devices[{n}].location.line"].message
    assert "no bus 'b9'" in by_field["v2g_sites[0].bus"].message
    assert "b1" in by_field["v2g_sites[0].bus"].fix                # the close names


def test_not_a_list_fix_fits_the_field(tmp_path):
    """rev43b M1: ``devices: {}`` was told "e.g. [0.5, 2.0, 2.0]" (a recloser's intervals);
    the example now fits the field: mappings for devices, numbers for intervals."""
    def edit(doc):
        doc["devices"][2]["reclose_intervals_s"] = 2.0
        doc["v2g_sites"] = "depot"
    by_field = {i.field: i for i in _issues(tmp_path, edit)}
    assert "[0.5, 2.0, 2.0]" in by_field["devices[2].reclose_intervals_s"].fix
    sites = by_field["v2g_sites"]
    assert "one mapping per entry" in sites.fix and "bus:" in sites.fix
    assert "[0.5" not in sites.fix and "should be a list" in sites.message
    by_field = {i.field: i for i in _issues(tmp_path, lambda d: d.update(devices={}))}
    assert "kind: relay" in by_field["devices"].fix and "[0.5" not in by_field["devices"].fix


def test_unknown_bus_offers_close_names(tmp_path):
    """rev43b M4: "no single bus named 'B9' (none in the feeder)" offered no names, where
    lines and curves do; a loosely close or differently cased name is offered now."""
    issues = _issues(tmp_path, lambda d: d["v2g_sites"][0].update(bus="b2"))
    hit = next(i for i in issues if i.field == "v2g_sites[0].bus")
    assert "no single bus named 'b2'" in hit.message
    assert "closest names:" in hit.fix and "F1-B02" in hit.fix


def test_missing_redirect_inside_a_redirected_file_names_that_file(tmp_path):
    """rev43b M2: a study's feeder redirects to codes.dss, whose line 2 redirects to a file
    that is not there; ``validate`` put "line 2" on the master's name."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "master.dss").write_text(
        "Clear\nNew Circuit.c basekv=12.47 bus1=s\nRedirect sub/codes.dss\n")
    (tmp_path / "sub" / "codes.dss").write_text("! codes\nRedirect ../missing.dss\n")
    (tmp_path / "study.yaml").write_text("name: s\nfeeder:\n  opendss: master.dss\n")
    hit = next(i for i in validate_study(tmp_path / "study.yaml") if "not found" in i.message)
    assert hit.field == "feeder.opendss (sub/codes.dss, redirected from master.dss): line 2"
    assert "'../missing.dss'" in hit.message
