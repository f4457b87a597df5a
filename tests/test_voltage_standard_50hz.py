"""C12's voltage limits on a 50 Hz feeder: protv2g's ANSI default said, and rested on.

Review rev51 #4: a 20/0.4 kV 50 Hz pandapower net's gate failed on "0.907 pu … below 0.95 pu
(ANSI C84.1 Range A minimum)", `validate` said nothing and the finding "rested on given
data", where EN 50160 (Un ± 10 %, §4.2.2) passes 0.907 pu. Now: a warning (validate and the
Feeder warnings sheet) and the rows whose limit is the default rest on a tool default, with
the value at which they pass. The depot example's net at 50 Hz stands in for such a feeder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from protv2g.input_basis import input_basis_columns
from protv2g.input_stand_ins import InputBases, study_input_bases
from protv2g.input_todo import DEFAULT_THRESHOLD_WORDS, threshold_limits
from protv2g.study.loader import load_study, validated_study
from protv2g.study.voltage_standard import feeder_voltage_standard_issues

DEPOT = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder"


def _study_at(tmp_path: Path, f_hz: float, checks: str = "") -> Path:
    for name in ("feeder.json", "study.yaml"):
        shutil.copy(DEPOT / name, tmp_path / name)
    doc = json.loads((tmp_path / "feeder.json").read_text())
    doc["_object"]["f_hz"] = f_hz
    (tmp_path / "feeder.json").write_text(json.dumps(doc))
    if checks:
        text = (tmp_path / "study.yaml").read_text()
        text = text.replace("  relay_technology: numerical\n",
                            f"  relay_technology: numerical\n{checks}")
        (tmp_path / "study.yaml").write_text(text)
    return tmp_path / "study.yaml"


def test_a_50_hz_feeder_on_the_ansi_defaults_is_warned_and_rests_on_them(tmp_path):
    path = _study_at(tmp_path, 50.0)
    issues, light = validated_study(path)
    assert not issues and light is not None
    warned = feeder_voltage_standard_issues(light.path, light.document, light.feeder)
    assert [w.field for w in warned] == [
        "checks.v_min_pu, checks.v_max_pu, checks.unbalance_max_percent"]
    assert "EN 50160" in warned[0].message and "v_min_pu 0.9" in warned[0].fix
    study = load_study(path)
    assert (study.feeder_warnings["element"] == "checks").sum() == 1
    assert dict(study_input_bases(study).default_checks) == pytest.approx(
        {"v_min_pu": 0.95, "v_max_pu": 1.05, "unbalance_max_percent": 3.0})


def test_a_given_limit_or_60_hz_is_not(tmp_path):
    assert not dict(study_input_bases(load_study(_study_at(tmp_path, 60.0))).default_checks)
    sub = tmp_path / "given"
    sub.mkdir()
    study = load_study(_study_at(sub, 50.0, "  v_min_pu: 0.90\n"))
    assert dict(study_input_bases(study).default_checks) == pytest.approx(
        {"v_max_pu": 1.05, "unbalance_max_percent": 3.0})


def test_rows_on_the_default_limit_are_tool_default_and_say_where_they_pass():
    v = pd.DataFrame({"criterion": ["C12"] * 4, "status": ["fail"] * 4,
                      "margin_unit": ["pu", "pu", "%", "% VUF"],
                      "limit": [0.95, 1.05, 100.0, 3.0], "margin": [-0.04296, 0.01, -3.0, -0.2],
                      "device": ["", "", "line.a", ""], "other_device": [""] * 4})
    bases = InputBases(default_checks={"v_min_pu": 0.95, "v_max_pu": 1.05,
                                       "unbalance_max_percent": 3.0})
    basis, todo = input_basis_columns(v, bases)
    assert basis.tolist() == ["default", "default", "given", "default"]
    assert "EN 50160 allows 2 %" in todo[3]  # EN 50160 §4.2.5
    assert DEFAULT_THRESHOLD_WORDS in todo[0] and "checks.v_min_pu = 0.95 pu" in todo[0]
    ev = v.assign(evidence=["E1", "E2", "E3", "E4"], input_todo=todo)
    # hand: 0.95 − 0.04296 = 0.90704 → passes at v_min_pu ≤ 0.907 (4 significant figures)
    assert threshold_limits(ev)["E1"].endswith("passing at checks.v_min_pu ≤ 0.907 pu")
