"""What a finding rests on, named per drafted field (review s22, EPRI DG-protection feeder).

Before: init wrote "disabled in the model → in service" above recloser A's item, so every row
naming A read "rests on … the settings of a (drafted: TODO)" and C10 "a's reclose_intervals_s
(drafted: TODO)", though A's pickup, curves and 2-2-5 reclosing are the model's; the 20 Ω
minimum-case fault resistance and "no ground element" deciding the failures were plain
comments. Now each drafted value is a TODO on its own field and carries only the rows it
decides.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from protv2g.gate_reasons import reason_line
from protv2g.input_basis import InputBases, confirm_texts, tag_input_basis


def _rows() -> pd.DataFrame:
    return pd.DataFrame({
        "criterion": ["C10", "C2", "C5", "C5", "C7"],
        "status": ["fail"] * 5,
        "device": ["a", "a", "a", "a", "a"],
        "other_device": ["", "f1", "", "", ""],
        "fault_type": ["", "SLG-a", "SLG-a", "3ph", ""],
        "case": ["", "min", "min", "min", "max"],
    })


def test_in_service_names_no_setting():
    b = InputBases(todo_fields={"location": frozenset({"a"})})
    texts = confirm_texts(_rows(), b).tolist()
    assert all(t == "that a is in service (drafted: TODO, its settings from the model)"
               for t in texts)
    assert not any("reclose_intervals_s" in t or "settings of a" in t for t in texts)
    assert tag_input_basis(_rows(), b).tolist() == ["todo"] * 5


def test_fault_resistance_and_ground_carry_ground_rows_only():
    b = InputBases(todo_fields={"ground_min_trip_a": frozenset({"a"})}, r_fault_min_ohm=20.0)
    texts = confirm_texts(_rows(), b).tolist()
    assert texts[0] == texts[3] == texts[4] == ""             # C10, 3ph, max case: given
    for t in texts[1:3]:
        assert t.startswith("the minimum-case fault resistance r_fault_min_ohm = 20 Ω")
        assert "that a has no ground element" in t
    assert tag_input_basis(_rows(), b).tolist() == ["given", "todo", "todo", "given", "given"]


def test_an_llg_row_says_where_the_fault_resistance_sits():
    """Review rev46b M3: the min-case LLG puts r_fault_min_ohm in each faulted phase (no
    phase-to-phase contact, so LLG min ≈ SLG min: OpenDSS at IEEE 13's 650632, 3I0 95.2 A so,
    against 261.1 A with a–b bolted and 20 Ω to ground); its row's text says so, the SLG's
    does not need to."""
    rows = _rows().assign(fault_type=["", "LLG-ab", "SLG-a", "3ph", ""])
    texts = confirm_texts(rows, InputBases(r_fault_min_ohm=20.0)).tolist()
    assert texts[1] == ("the minimum-case fault resistance r_fault_min_ohm = 20 Ω in each "
                        "faulted phase of the LLG, its phases not bonded to each other "
                        "(drafted: TODO)")
    assert texts[2] == "the minimum-case fault resistance r_fault_min_ohm = 20 Ω (drafted: TODO)"
    assert texts[0] == texts[3] == texts[4] == ""


def test_gate_line_says_which_input():
    rows = _rows().iloc[[1]].assign(scenario="s", margin=-1.0, attribution="new",
                                    message="m", input_basis="todo")
    rows["input_todo"] = confirm_texts(rows, InputBases(r_fault_min_ohm=20.0))
    line = reason_line("fail", rows.reset_index(drop=True))
    assert ("rests on drafted value (TODO): confirm the minimum-case fault resistance "
            "r_fault_min_ohm = 20 Ω (drafted: TODO)") in line
    assert "settings of a" not in line


@pytest.fixture(scope="module")
def dg_study(shared_dir: Path, tmp_path_factory) -> Path:
    pytest.importorskip("opendssdirect")
    src = shared_dir / "feeders" / "opendss" / "DG_Protection" / "DG_Prot_Fdr.dss"
    if not src.is_file():
        pytest.skip(f"EPRI DG-protection feeder {src} not found")
    out = tmp_path_factory.mktemp("dg22")
    shutil.copy(src, out / "DG_Prot_Fdr.dss")
    from protv2g.cli import main
    assert main(["init", str(out / "DG_Prot_Fdr.dss"), "-o", str(out / "study.yaml"),
                 "--force"]) == 0
    return out / "study.yaml"


def test_dg_draft_marks_fields_not_devices(dg_study):
    from protv2g.input_basis import study_input_bases
    from protv2g.study import load_study, validate_study
    from protv2g.study.todos import todo_items

    assert validate_study(dg_study) == []
    text = dg_study.read_text(encoding="utf-8")
    assert "r_fault_min_ohm: 20   # TODO:" in text
    assert "    reclose_intervals_s: [2.0, 2.0, 5.0]\n" in text   # the model's: no TODO
    assert "ground_min_trip_a: null  # TODO: no ground element" in text
    fields = [t.field.split(" ")[0] for t in todo_items(dg_study)]
    assert "faults.r_fault_min_ohm" in fields
    bases = study_input_bases(load_study(dg_study))
    assert bases.todo_devices == frozenset()
    assert bases.todo_fields["location"] == frozenset({"a", "b", "d", "f1", "f2"})
    assert bases.todo_fields["ground_min_trip_a"] == frozenset({"a", "d"})
    assert bases.r_fault_min_ohm == pytest.approx(20.0)
    assert "reclose_intervals_s" not in bases.todo_fields


def test_reclose_setting_drafted_only_when_its_intervals_are():
    from protv2g.hosting.limits import settings_text
    row = {"criterion": "C10", "device": "a", "other_device": "homes", "t_device_s": 2.0,
           "limit": 2.5, "input_basis": "todo"}
    in_service = settings_text([{**row, "input_todo": "that a is in service (drafted: TODO, "
                                 "its settings from the model)"}])
    assert in_service.startswith("C10 a: first reclose 2 s must exceed 2.5 s for homes")
    drafted = settings_text([{**row, "input_todo": "a's reclose_intervals_s (drafted: TODO)"}])
    assert "first reclose 2 s (drafted: TODO)" in drafted


def test_voltage_limit_says_the_rise_not_the_limit():
    # DG feeder homes at lat1 (s22): 1.0484 pu without V2G, the gate's test is the change
    from protv2g.hosting.voltage_text import voltage_limit_text
    row = {"criterion": "C12", "margin_unit": "pu", "limit": 1.05, "margin": -0.00726,
           "base_margin": 0.0016, "tolerance": 0.008333}
    text = voltage_limit_text(row, 57.6)
    assert text.startswith("the rise V2G causes (0.00886 pu at 57.6 kW) exceeds the tolerance "
                           "0.00833 pu on a bus at 1.048 pu without V2G")
    assert text.endswith("1.05 pu is passed at ≈ 10 kW")   # OpenDSS: ≈ 10.4 kW
    assert "exceeds 1.05" not in text
    assert voltage_limit_text({**row, "base_margin": -0.001}, 57.6).endswith(
        "already above 1.05 pu")
    assert voltage_limit_text({**row, "margin_unit": "%"}, 57.6) == ""


def test_passed_criteria_name_the_drafted_field():
    from types import SimpleNamespace as D

    from protv2g.criteria_basis import criterion_stand_ins
    b = InputBases(todo_fields={"location": frozenset({"a"})})
    got = criterion_stand_ins(b, [D(name="a", reclose_intervals_s=(2.0,))])
    assert got["C8"]["inputs"] == ["that a is in service (drafted: TODO, its settings from "
                                   "the model)"]
    assert got["C10"]["inputs"] == got["C8"]["inputs"]        # not a's reclose_intervals_s


def test_a_drafted_cease_to_energise_carries_the_sites_c10_rows():
    """Review rev40a M3 (EPRI J1): F03 C10 RC-MID / homes failed on init's drafted
    ``cease_to_energize_s: 2  # TODO`` (RC-MID's 0.5 s reclose against 2 s + 0.5 s) and read
    "Rests on: given data". The site field carries the C10 rows naming that site only; the
    study file's TODO paths (``v2g_sites[1].cease_to_energize_s (line 91)``, as
    :func:`protv2g.study.todos.todo_items` gives them) name the site by its index."""
    from types import SimpleNamespace

    from protv2g.input_stand_ins import drafted_site_fields

    study = SimpleNamespace(document=SimpleNamespace(
        v2g_sites=[SimpleNamespace(name="depot"), SimpleNamespace(name="homes")]))
    fields = drafted_site_fields(study, ["devices[0].reclose_intervals_s (line 31)",
                                         "v2g_sites[1].cease_to_energize_s (line 91)",
                                         "v2g_sites[0].limit_pu (line 75)"])
    assert fields == {"cease_to_energize_s": {"homes"}, "limit_pu": {"depot"}}
    rows = pd.DataFrame({"criterion": ["C10", "C10", "C2"], "status": ["fail"] * 3,
                         "device": ["RC-MID", "RC-MID", "RC-MID"],
                         "other_device": ["homes", "depot", "homes"]})
    b = InputBases(todo_sites={k: frozenset(v) for k, v in fields.items()})
    assert tag_input_basis(rows, b).tolist() == ["todo", "given", "given"]
    texts = confirm_texts(rows, b).tolist()
    assert texts == ["cease_to_energize_s of site homes (drafted: TODO)", "", ""]
    line = reason_line("fail", rows.iloc[[0]].assign(
        scenario="s", margin=-2.0, attribution="new", message="m", input_basis="todo",
        input_todo=texts[0]).reset_index(drop=True))
    assert "rests on drafted value (TODO): confirm cease_to_energize_s of site homes" in line
