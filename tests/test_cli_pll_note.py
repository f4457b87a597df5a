"""The CLI's PLL note: one line, one count that says what it counts, the buses, where the rows
are marked, and which findings' worst rows sit at them (trust_report; review rev41c M3, F).

Before rev41c: two lines on the depot, "8 fault bus(es)" and "9 fault bus(es)" (the slices
without and with a tracking residual), each listing "F1-B01, … SUB-12kV … (+1)" and asking
"nothing to do unless a finding's worst row is at one of these buses" — F09's was."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import pandas as pd

from protv2g.cli import _pll_detail, _print_notes
from protv2g.pll_findings import pll_findings
from protv2g.slice_note import PllNote, SliceNote


def _caught(message: object) -> warnings.WarningMessage:
    return warnings.WarningMessage(message, RuntimeWarning, "/site/protv2g/engine/slices.py", 1)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"scenario": "s1", "case": "max", "fault_type": "3ph",
                         "bus": [3, 7, 7, 9],
                         "bus_name": ["F1-B05", "F1-LAT2-B2", "F1-LAT2-B2", "F1-B02"],
                         "pll_frozen": [True, True, True, False]})


def test_detail_counts_names_buses_sheet_and_side_file(tmp_path):
    book = tmp_path / "depot.xlsx"
    got = _pll_detail(_frame(), book)
    assert got["n_buses"] == 2
    assert got["tail"] == ("they are F1-B05, F1-LAT2-B2; that column is on the Fault currents "
                           "sheet of depot.xlsx")
    (tmp_path / "depot.Fault_currents.parquet").write_bytes(b"")
    assert str(_pll_detail(_frame(), book)["tail"]).endswith(
        "sheet of depot.xlsx (every row in depot.Fault_currents.parquet)")


def test_detail_empty_without_frozen_rows(tmp_path):
    frame = _frame().assign(pll_frozen=False)
    assert _pll_detail(frame, tmp_path / "a.xlsx") == {}
    assert _pll_detail(frame.drop(columns="pll_frozen"), tmp_path / "a.xlsx") == {}
    assert _pll_detail(None, tmp_path / "a.xlsx") == {}


def test_slices_with_and_without_a_residual_are_one_line_with_one_count(capsys):
    """rev41c F: the depot's run printed two PLL lines (8 and 9 buses); one line now, its
    count the buses over every slice (9), the per-slice figures said as such."""
    notes = [_caught(PllNote(f"scenario s{k}, max, 3ph", n, r))
             for k, (n, r) in enumerate(((8, None), (9, 3.71), (9, 5.54)))]
    notes.append(_caught(SliceNote("charger control law has no solution at 2 fault bus(es): "
                                   "their results are NaN", "scenario a, max, SLG")))
    _print_notes(notes, {"n_buses": 9, "tail": "they are A, B"})
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    # what the counts count, in words (c10c42: "per slice" said nothing to an engineer)
    assert lines[0].startswith("note: 9 fault bus(es) in all (8–9 in each of the 3 fault "
                               "studies where it happens, a fault study being one scenario, "
                               "the maximum or minimum case, one fault type) where the "
                               "chargers' control")
    assert "smallest tracking residual 3.71e+00–5.54e+00 pu" in lines[0]
    assert lines[0].endswith("flagged in the `pll_frozen` column — they are A, B")
    assert lines[1] == ("note: charger control law has no solution at 2 fault bus(es): their "
                        "results are NaN")
    _print_notes(notes[:3])  # a command that knows no total (faults, gate): says its count
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("note: up to 9 fault bus(es) in any one fault study (one "
                           "scenario, the maximum or minimum case, one fault type; 8–9 in "
                           "each of the 3 studies where it happens, a bus counted once in "
                           "each) where")
    assert line.endswith("nothing to do unless a finding's worst row is at one of these buses, "
                         "then confirm the charger's loss-of-lock behaviour with its maker")


def _findings() -> SimpleNamespace:
    """The depot's F07 (C7 at a fault with no PLL-held row), F09 (C7 on the IEC sum at a
    PLL-held close-in fault) and a C2 row at a PLL-held fault (rests on the phasor)."""
    findings = pd.DataFrame({"finding": ["F07", "F09", "F11"],
                             "criterion": ["C7", "C7", "C2"],
                             "worst_scenario": ["s1", "s1", "s1"]})
    evidence = pd.DataFrame({"finding": ["F07", "F09", "F09", "F11"],
                             "scenario": ["s1", "s1", "s1", "s1"],
                             "case": "max", "fault_type": "3ph",
                             "fault_bus": ["F1-B02", "F1-B05", "F1-B02", "F1-LAT2-B2"],
                             "device": ["FU-F1-LAT2", "RC-F1", "RC-F1", "RC-F1"]})
    return SimpleNamespace(findings=findings, evidence=evidence)


def test_findings_at_pll_held_rows_are_named_with_whether_it_matters(tmp_path):
    f = _findings()
    duty = pd.DataFrame({"device": ["RC-F1"], "scenario": ["s1"], "fault_bus": ["F1-B05"],
                         "fault_type": ["3ph"], "case": ["max"], "current_basis": ["iec_sum"]})
    hits = pll_findings(f.findings, f.evidence, _frame(), duty)
    assert [(h.finding, h.matters) for h in hits] == [("F09", False), ("F11", True)]
    assert hits[0].where == "3ph F1-B05 max, s1"
    tail = str(_pll_detail(_frame(), tmp_path / "a.xlsx", f, duty)["tail"])
    assert "F09 (3ph F1-B05 max, s1: on the IEC 60909 sum" in tail
    assert "does not matter)" in tail
    assert "F11 (3ph F1-LAT2-B2 max, s1: the row reads the chargers' held-angle current" in tail
    assert "F07" not in tail
    # the same C7 row on the phasor (minimum case, no base row) rests on the held angle
    hits = pll_findings(f.findings, f.evidence, _frame(),
                        duty.assign(current_basis="phasor_no_base"))
    assert hits[0].matters
    none = SimpleNamespace(findings=f.findings.iloc[:1], evidence=f.evidence.iloc[:1])
    assert str(_pll_detail(_frame(), tmp_path / "a.xlsx", none)["tail"]).endswith(
        "no finding's worst row is at one of them: nothing to do")


def test_the_findings_messages_say_it_without_expanding_a_held_table():
    """rev41c M3: the workbook's finding says it too (its message), from the fault table held
    once per charger set (``HeldRows``: scenario s2 has s1's rows) without expanding it."""
    from protv2g.pll_findings import pll_said
    from protv2g.result_rows import HeldRows

    f = _findings()
    f.findings["message"] = ["a", "b", "c"]
    f.evidence["scenario"] = "s2"
    f.findings["worst_scenario"] = "s2"
    held = HeldRows(_frame(), {"s1": "s1", "s2": "s1"})
    out = pll_said(f, SimpleNamespace(fault_currents=held, tables={}))
    msg = out.findings.set_index("finding")["message"]
    assert msg["F07"] == "a"
    assert msg["F09"] == ("b [worst row at a fault where the chargers were solved with the PLL "
                          "held at the pre-fault angle (pll_frozen): the row reads the "
                          "chargers' held-angle current: confirm the charger's loss-of-lock "
                          "behaviour with its maker — it matters]")  # no duty row: phasor
    assert msg["F11"].startswith("c [worst row at a fault where")
