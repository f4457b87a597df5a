"""A pass/fail a drafted (``# TODO``) ``checks`` threshold decides names that threshold and
the value at which the row passes (review rev49a #5, LVTestCase F03: C12's 1.076 pu at 899
failed on init's drafted ``checks.v_max_pu: 1.05  # TODO`` — ANSI Range A on a 50 Hz
feeder — and its inputs named only the peak load; at EN 50160's 1.10 it passes. The row's
1.07648 pu is the tool's; OpenDSS gives 1.0765 pu at 899.a, the reviewer's
/tmp/rev49a/chk, sites as generators, LoadMult 0.051)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from protv2g import load_study
from protv2g.gate_reason_record import rests_on
from protv2g.input_basis import InputBases, confirm_texts, input_to_confirm, tag_input_basis
from protv2g.input_rows import inputs_of_rows
from protv2g.input_stand_ins import study_input_bases

_V_PU = 1.0764755  # LVTestCase F03's worst row (899, firm/light/100 %)
_ITEM = "checks.v_max_pu = 1.05 pu (drafted: TODO, the limit the row is judged against)"


def _rows() -> pd.DataFrame:
    """An over-voltage row (limit v_max_pu), an under-voltage row (limit v_min_pu), a
    loading row (%) and a C8 row (A)."""
    return pd.DataFrame({
        "criterion": ["C12", "C12", "C12", "C8"], "status": ["fail"] * 4,
        "device": ["", "", "line.a", "R"], "other_device": [""] * 4,
        "margin_unit": ["pu", "pu", "%", "A"], "limit": [1.05, 0.95, 100.0, 200.0],
        "margin": [1.05 - _V_PU, -0.01, -5.0, -3.0]})


def test_the_drafted_voltage_limit_carries_its_rows_only():
    b = InputBases(todo_checks={"v_max_pu": 1.05})
    assert confirm_texts(_rows(), b).tolist() == [_ITEM, "", "", ""]
    assert tag_input_basis(_rows(), b).tolist() == ["todo", "given", "given", "given"]
    # a lower limit: the under-voltage row, rounded down where it passes
    b = InputBases(todo_checks={"v_min_pu": 0.95})
    text = confirm_texts(_rows(), b).tolist()[1]
    assert text == "checks.v_min_pu = 0.95 pu (drafted: TODO, the limit the row is judged against)"
    assert input_to_confirm("C12", "", "", "todo", text, margin=-0.01, limit=0.95).endswith(
        ", passing at checks.v_min_pu ≤ 0.94 pu")


def test_the_gate_line_and_the_summary_say_where_it_passes():
    row = {**_rows().iloc[0].to_dict(), "input_basis": "todo", "input_todo": _ITEM}
    # 1.0764755 rounded up to four figures: at 1.077 the row's margin is +0.0005 pu
    assert rests_on(row) == ("todo", f"{_ITEM}, passing at checks.v_max_pu ≥ 1.077 pu")
    ev = pd.DataFrame([row, {**row, "margin": -0.01}])
    assert inputs_of_rows(ev, "todo") == f"{_ITEM}, passing at checks.v_max_pu ≥ 1.077 pu"


def test_a_checks_todo_in_the_study_file_is_read():
    study = load_study(Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder"
                       / "study.yaml")
    b = study_input_bases(study, ["checks.v_max_pu (line 77)", "checks.relay_technology"])
    assert b.todo_checks == {"v_max_pu": float(study.document.checks.v_max_pu)}


def test_the_findings_rests_on_names_the_drafted_limit():
    """Review ver49 (rev49a #5, LVTestCase F03, C12 1.076 pu against a drafted v_max_pu of
    1.05 pu; OpenDSS 1.0765 pu): the Findings' "Rests on" said only "drafted value (TODO)";
    it names the threshold and where the worst row passes, as the gate line does."""
    import pandas as pd

    from protv2g.input_todo import _threshold_item
    from protv2g.report.derived import _rests_on_texts

    item = _threshold_item("v_max_pu", 1.05)
    ev = pd.DataFrame({"evidence": ["E0001", "E0002"], "input_basis": ["todo", "given"],
                       "input_todo": [f"the peak load level (drafted); {item}", ""],
                       "margin": [-0.026475, 0.1], "limit": [1.05, 1.05]})
    f = pd.DataFrame({"input_basis": ["todo", "given"], "evidence_first": ["E0001", "E0002"]})
    first, second = _rests_on_texts(f, ev)
    assert first.startswith("drafted value (TODO): checks.v_max_pu = 1.05 pu")
    assert first.endswith("passing at checks.v_max_pu ≥ 1.077 pu")
    assert "peak load" not in first  # the limit only; the other inputs stay in the gate's list
    assert second == "given data"  # a row on given data: nothing added
