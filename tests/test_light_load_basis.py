"""C12's light-load rows rest on a drafted ``light_load_fraction`` (review s21, EPRI J1: init's
0.3 default, marked TODO, yet the Summary said C12 passed and its rows read "given data")."""

from __future__ import annotations

from types import SimpleNamespace as D

import pandas as pd

from protv2g.criteria_basis import criterion_stand_ins
from protv2g.input_basis import (
    LIGHT_LOAD_INPUT,
    InputBases,
    study_input_bases,
    tag_input_basis,
)
from protv2g.report.summary_counts import passed_note
from protv2g.study.schema import StudyDocument

LIGHT = frozenset({"base/light", "expected/light/100%"})


def test_light_rows_of_c12_are_drafted():
    v = pd.DataFrame({"criterion": ["C12", "C12", "C5"], "status": ["fail"] * 3,
                      "device": ["b1", "b1", "R1"], "other_device": [""] * 3,
                      "scenario": ["expected/light/100%", "expected/peak/100%",
                                   "expected/light/100%"]})
    assert tag_input_basis(v, InputBases(light_scenarios=LIGHT)).tolist() == [
        "todo", "given", "given"]
    assert tag_input_basis(v, InputBases()).tolist() == ["given"] * 3


def test_c12_passes_on_the_drafted_light_load():
    out = criterion_stand_ins(InputBases(light_scenarios=LIGHT), [D(name="R1")])
    assert out["C12"]["basis"] == "todo" and out["C12"]["inputs"] == [LIGHT_LOAD_INPUT]
    assert passed_note(out["C12"]).startswith(
        "passed on drafted values: confirm light_load_fraction")
    both = criterion_stand_ins(InputBases(default_lines=frozenset({"line.a"}),
                                          light_scenarios=LIGHT), [D(name="R1")])
    assert both["C12"]["n_inputs"] == 2 and both["C12"]["inputs"][0] == LIGHT_LOAD_INPUT
    assert "C12" not in criterion_stand_ins(InputBases(), [D(name="R1")])


def test_study_bases_name_the_light_scenarios():
    doc = StudyDocument.model_validate({
        "name": "s", "feeder": {"pandapower_json": "x.json"},
        "v2g_sites": [{"name": "a", "bus": "b1", "n_chargers": 2, "p_charger_kw": 10}],
        "scenarios": {"export_levels_fraction": [0.0, 1.0], "load_levels": ["light", "peak"]}})
    study = D(document=doc, model=None)
    got = study_input_bases(study, ["scenarios.light_load_fraction (line 40)"]).light_scenarios
    assert got and all("/light" in n for n in got) and "base/light" in got
    assert study_input_bases(study, []).light_scenarios == frozenset()
