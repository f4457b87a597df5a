"""Input messages of review rev50b #7: a recloser without ``phase_min_trip_a`` got "Fix: add
this key"; export levels above a site's maximum read "site 'depot''s maximum" and never named
``export_levels_fraction``."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from protv2g.study.issues import issues_from_validation_error
from protv2g.study.places import document_issues
from protv2g.study.schema import StudyDocument


def test_recloser_without_minimum_trip_gets_its_meaning_unit_and_an_example():
    raw = {"name": "s", "feeder": {"opendss": "m.dss"},
           "devices": [{"name": "RC-F1", "kind": "recloser", "location": {"line": "l8"},
                        "fast_curve": "101", "delayed_curve": "133"}]}
    with pytest.raises(ValidationError) as err:
        StudyDocument.model_validate(raw)
    fixes = {i.field: i.fix for i in issues_from_validation_error(err.value, "s.yaml")}
    fix = next(f for k, f in fixes.items() if k.endswith(".phase_min_trip_a"))
    assert "primary amperes" in fix and "phase_min_trip_a: 560" in fix
    assert fix != "add this key"


def test_export_levels_above_a_site_name_the_fraction_field():
    raw = {"name": "s", "feeder": {"opendss": "m.dss"},
           "scenarios": {"export_levels_kw": [0, 3000, 7000]},
           "v2g_sites": [{"name": "depot", "bus": "b1", "n_chargers": 100,
                          "p_charger_kw": 60},
                         {"name": "campus", "bus": "b2", "n_chargers": 20,
                          "p_charger_kw": 100}]}
    issues = document_issues(StudyDocument.model_validate(raw), "s.yaml")
    levels = [i for i in issues if i.field == "scenarios.export_levels_kw"]
    assert levels, issues
    text = " ".join(f"{i.message} {i.fix}" for i in levels)
    assert "''s" not in text
    assert "scenarios.export_levels_fraction" in text and "at most 2000 kW" in text
