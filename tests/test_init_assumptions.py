"""The charger assumptions a drafted site carries, each a TODO naming its source on its own
field (review s23 §5: kVA = kW, 1.5 pu first cycle, 1.1/1.2 pu sustained, Category II and 2 s
cease-to-energise were stated in the workbook only)."""

from __future__ import annotations

from protv2g.study.schema_sites import V2GSite
from protv2g.study_draft.draft_text import SITE_ASSUMPTIONS, _site_entry


def test_each_assumption_on_its_field_with_its_source():
    entry, todos = _site_entry({"name": "lot", "bus": "b2", "n_chargers": 4,
                                "p_charger_kw": 60.0})
    assert set(todos) == set(SITE_ASSUMPTIONS)
    assert entry["s_charger_kva"] == 60.0
    sources = {"s_charger_kva": "kVA rating = the kW rating",
               "limit_pu": "inverter_fault_current_and_reclosing.csv",
               "sustained_limit_pu": "1.0–1.2 pu of grid-following inverters",
               "sustained_limit_high_pu": "charger-fault-model.md §3",
               "ride_through_category": "IEEE 1547-2018",
               "cease_to_energize_s": "IEEE 1547-2018 §8.1"}
    for key, text in sources.items():
        assert todos[key].startswith("# TODO: assumed") and text in todos[key], key
        assert "| fix: give" in todos[key]


def test_the_written_values_are_the_schemas_defaults_and_a_given_one_is_kept():
    site = {"name": "lot", "bus": "b2", "n_chargers": 4, "p_charger_kw": 60.0,
            "limit_pu": 2.0}
    entry, todos = _site_entry(site)
    assert entry["limit_pu"] == 2.0 and "limit_pu" not in todos
    drafted = V2GSite.model_validate(entry)
    default = V2GSite.model_validate({**site})
    for attr in ("charger_kva", "limit_pu", "sustained_limit", "sustained_limit_high",
                 "ride_through_category", "cease_to_energize_s"):
        assert getattr(drafted, attr) == getattr(default, attr), attr
