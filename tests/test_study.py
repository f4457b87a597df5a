"""Study loading and validation: every kind of mistake is reported with its field path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from protv2g import InputError, load_study, validate_study
from protv2g.units import DeviceKind

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"


def _write_variant(tmp_path: Path, edit) -> Path:
    """Copy the depot study and its feeder to tmp_path, apply ``edit`` to the YAML document."""
    shutil.copy(DEPOT.parent / "feeder.json", tmp_path / "feeder.json")
    doc = yaml.safe_load(DEPOT.read_text())
    edit(doc)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _fields(issues) -> list[str]:
    return [i.field for i in issues]


def test_depot_study_loads():
    study = load_study(DEPOT)
    assert study.name == "depot_two_feeder"
    assert len(study.document.devices) == 8
    kinds = {d.kind for d in study.document.devices}
    assert kinds == {DeviceKind.RELAY, DeviceKind.RECLOSER, DeviceKind.FUSE}
    assert study.site_buses["depot"] == int(study.net.bus.index[study.net.bus.name == "F1-B02"][0])
    site = study.device_sites["RC-F1"]
    assert (study.net.bus.at[site.bus, "name"], study.net.bus.at[site.far_bus, "name"]) == (
        "F1-B04", "F1-B05")


def test_valid_study_has_no_issues():
    assert validate_study(DEPOT) == []


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (lambda d: d["devices"][0].update(pickup_a=-5), "devices[0].pickup_a", "greater than 0"),
        (lambda d: d["devices"][0].update(pickup_a=float("nan")), "devices[0].pickup_a", "finite"),
        (lambda d: d["devices"][0].update(time_dial=0), "devices[0].time_dial", "greater than 0"),
        (lambda d: d["devices"][0].update(pickup_a="400 A"), "devices[0].pickup_a", "number"),
        (lambda d: d["devices"][0].update(pickup_amps=400), "devices[0].pickup_amps",
         "pickup_a"),
        (lambda d: d["devices"][0].update(curve="IEEE-VX"), "devices[0].curve", "IEEE-VI"),
        (lambda d: d["devices"][2].update(fast_curve="999"), "devices[2].fast_curve",
         "unknown curve"),
        (lambda d: d["devices"][4].update(link="65Q"), "devices[4].link", "unknown curve"),
        (lambda d: d["devices"][0]["location"].update(line="F9-L01"),
         "devices[0].location.line", "no single line"),
        (lambda d: d["devices"][0].update(kind="breaker"), "devices[0]", "kind"),
        (lambda d: d["devices"][1].update(name="R-F1"), "devices", "used 2 times"),
        (lambda d: d["devices"][2].update(reclose_intervals_s=[0.5]), "devices[2]",
         "reclose_intervals_s"),
        (lambda d: d["v2g_sites"][0].update(bus="NOWHERE"), "v2g_sites[0].bus",
         "no single bus"),
        (lambda d: d["v2g_sites"][0].update(limit_pu=0), "v2g_sites[0].limit_pu",
         "greater than 0"),
        (lambda d: d["v2g_sites"][0].update(angle_rule="sideways"), "v2g_sites[0].angle_rule",
         "unity_pf"),
        (lambda d: d["scenarios"].update(export_levels_fraction=None,
                                         export_levels_kw=[0, 9000]),
         "scenarios.export_levels_kw", "maximum"),
        (lambda d: d["faults"].update(fault_types=["3ph", "LLLG"]), "faults.fault_types[1]",
         "SLG"),
        (lambda d: d["gate"].update(criteria=["C13"]), "gate.criteria", "unknown criteria"),
        (lambda d: d.update(feeder={"pandapower_json": "../outside.json"}),
         "feeder.pandapower_json", "leaves the study's folder"),
        (lambda d: d.update(feeder={"pandapower_json": "missing.json"}),
         "feeder.pandapower_json", "not found"),
        (lambda d: d.update(feeder={"builtin": "mv_oberrhine"}), "feeder.builtin",
         "mv_oberrhein"),
        (lambda d: d.pop("name"), "name", "required"),
    ],
)
def test_each_mistake_is_reported_with_its_path(tmp_path, edit, field, words):
    issues = validate_study(_write_variant(tmp_path, edit))
    assert issues, "expected a problem"
    hits = [i for i in issues if i.field == field]
    assert hits, f"no issue at {field}: {[str(i) for i in issues]}"
    text = " ".join(f"{i.message} {i.fix}" for i in hits)
    assert words.lower() in text.lower()
    assert all(i.file.endswith("study.yaml") for i in issues)
    assert all(i.fix for i in issues), "every issue says how to fix it"


def test_three_mistakes_reported_together(tmp_path):
    def edit(doc):
        doc["devices"][0]["pickup_a"] = -400                       # schema
        doc["devices"][3]["location"]["line"] = "F2-L99"           # feeder-dependent
        doc["v2g_sites"][0]["p_charger_kw"] = "lots"               # type
    issues = validate_study(_write_variant(tmp_path, edit))
    assert set(_fields(issues)) >= {"devices[0].pickup_a", "devices[3].location.line",
                                    "v2g_sites[0].p_charger_kw"}


def test_malformed_yaml_names_the_line(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text("name: x\nfeeder: {pandapower_json: a.json\ndevices: [\n")
    (issue,) = validate_study(path)
    assert "line" in issue.field and "YAML" in issue.message


def test_yaml_is_loaded_safely(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo hacked']\n")
    (issue,) = validate_study(path)
    assert "YAML" in issue.message


def test_load_study_raises_with_all_issues(tmp_path):
    path = _write_variant(tmp_path, lambda d: d["devices"][0].update(pickup_a=0, time_dial=-1))
    with pytest.raises(InputError) as info:
        load_study(path)
    assert {"devices[0].pickup_a", "devices[0].time_dial"} <= set(_fields(info.value.issues))


def test_pandapower_json_naming_foreign_code_is_refused(tmp_path):
    study = _write_variant(tmp_path, lambda d: None)
    feeder = tmp_path / "feeder.json"
    text = feeder.read_text()
    feeder.write_text(text.replace('"_module": "pandapower.auxiliary"', '"_module": "os"', 1))
    (issue,) = validate_study(study)
    assert "refused" in issue.message and "os" in issue.message


def test_with_updates_revalidates():
    study = load_study(DEPOT)
    changed = study.with_updates(scenarios={"export_levels_kw": [0, 1000]})
    assert changed.document.scenarios.export_levels_kw == (0, 1000)
    with pytest.raises(InputError):
        study.with_updates(scenarios={"export_levels_kw": [0, 99999]})
