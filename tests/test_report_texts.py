"""Numbers in the report's texts, the Inputs sheet's basis, the Summary's confirm lines and the
stand-in inputs of hosting rows and transformers (review follow-ups of trust_defaults and
trust_report)."""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook

from protv2g.gate_reasons import grouped_reasons
from protv2g.input_basis import InputBases, input_to_confirm, tag_input_basis
from protv2g.network.dss_ratings import transformer_rating_sources
from protv2g.report.sheets import DEFAULT_NONE, inputs_frame, with_finding_ids
from protv2g.report.summary import hosting_headline
from protv2g.report.summary_conditions import write_conditions
from protv2g.report.summary_memo import Memo, margin_text
from protv2g.significant import MINUS, number_text
from protv2g.stage_report_findings import FINDING_KEYS, time_findings

MARGIN = -0.11554702871234  # a margin with more digits than the cells show


def _row(**kw):
    row = {"criterion": "C2", "device": "RC-F1", "other_device": "FU-F1-LAT2",
           "rule": "fuse_saving_k", "margin": MARGIN, "margin_unit": "s",
           "scenario": "firm/peak/100%", "status": "fail", "attribution": "new",
           "message": "saving lost", "fault_bus": "B2", "fault_type": "SLG", "case": "max",
           "bracket": "low", "t_device_s": 0.2, "rule_value": 1.0}
    return {**row, **kw}


def test_one_number_rule_in_gate_reasons_stage_labels_and_the_memo():
    text = f"{MINUS}0.1155470287 s"  # 10 significant digits as the cells, U+2212 minus
    prose = f"{MINUS}0.1155 s"  # prose: 4 significant digits (review s15; was the 10 above)
    assert number_text(MARGIN, "s") == prose
    # the gate's reasons keep the cells' 10 (its --json unchanged); the memo and the terminal
    # quote them at 4 (short_numbers)
    line = grouped_reasons("condition", pd.DataFrame([_row()]))[0]
    assert f"margin {text}" in line and "-0.1" not in line  # before: "margin -0.1155"
    assert margin_text(MARGIN, "s") == prose  # was the 10-digit text (and "−0.116 s" before)
    # a fraction as a percentage, as the trend texts (before: "−6.7%", then 10 digits)
    assert margin_text(-0.06652666332, "fraction") == f"{MINUS}6.653 %"

    class Sc:  # a scenario by name is all time_findings reads
        name = "firm/peak/100%"

    found = time_findings(pd.DataFrame([_row()]), [Sc()])
    assert found[0].label == f"C2 fail (low bracket, margin {prose})"  # prose (review s15)
    assert found[0].keys == {"criterion": "C2", "other_device": "FU-F1-LAT2",
                             "rule": "fuse_saving_k"}
    ws = Workbook().active
    assert Memo(ws).pair("x", 1 / 3).value == 0.3333333333  # before: 0.333333 (6 digits)
    # a text is prose: its numbers at 4 digits, a quoted gate reason included
    assert Memo(ws).pair("  gate", line).value == line.replace(text, prose)


def test_charger_stages_labels_carry_the_findings_sheet_id():
    evidence = pd.DataFrame([{**_row(), "finding": "F03"}, {**_row(rule="other"),
                                                            "finding": "F04"}])
    stages = pd.DataFrame([{"finding": "C2 fail (low bracket, margin x)",
                            **{k: _row()[k] for k in (*FINDING_KEYS, "device", "scenario",
                                                      "fault_bus", "fault_type", "case")}},
                           {"finding": "C9 fail", "criterion": "C9", "other_device": "",
                            "rule": "", "device": "R", "scenario": "s", "fault_bus": "B",
                            "fault_type": "3ph", "case": "max"}])
    out = with_finding_ids(stages, evidence)
    assert out["finding"].tolist() == ["F03: C2 fail (low bracket, margin x)", "C9 fail"]


def test_inputs_sheet_tells_a_tool_default_from_a_value_given_empty():
    doc = {"devices": [{"name": "R", "rating_x_r": None, "reset": "instantaneous",
                        "directional": None}]}
    given = {"devices": [{"name": "R", "directional": None}]}
    frame = inputs_frame(doc, given).set_index("key")
    assert frame.loc["devices[0].rating_x_r"].tolist() == [DEFAULT_NONE, "tool default"]
    assert frame.loc["devices[0].reset"].tolist() == ["instantaneous", "tool default"]
    assert frame.loc["devices[0].directional"].tolist() == [None, "given"]  # given empty
    assert frame.loc["devices[0].name"].tolist() == ["R", "given"]


def test_inputs_sheet_zero_after_a_false_reads_back_as_zero(tmp_path):
    """Review s23 §6: ``faults.r_fault_ohm`` read back ``False`` (pandas ``read_excel`` shares
    equal values, ``False == 0``); true/false fields are written as the YAML text."""
    doc = {"feeder": {"adopt_devices": False}, "faults": {"r_fault_ohm": 0.0,
                                                          "x_fault_ohm": 0}}
    frame = inputs_frame(doc, doc)
    path = tmp_path / "inputs.xlsx"
    frame.to_excel(path, index=False)
    back = pd.read_excel(path).set_index("key")["value"]
    assert back["feeder.adopt_devices"] == "false"
    assert back["faults.r_fault_ohm"] == 0 and back["faults.r_fault_ohm"] is not False
    assert back["faults.x_fault_ohm"] is not False


def test_summary_section_2_lists_what_to_confirm():
    """A pre-existing failing row on a stand-in input is a ``confirm`` condition naming the
    input (here a line's OpenDSS default normamps); a given one a ``condition``."""
    from protv2g.findings import build_findings

    def row(crit, device, other, unit, basis):
        return {"criterion": crit, "status": "fail", "attribution": "pre-existing",
                "scenario": "base/peak", "fault_bus": "", "fault_type": "", "case": "",
                "device": device, "other_device": other, "margin": -0.1, "margin_unit": unit,
                "limit": 1.0, "mechanism": "", "message": "x", "input_basis": basis}

    f = build_findings(pd.DataFrame([row("C1", "A", "B", "s", "given"),
                                     row("C8", "line.l1", "", "A", "default")]))
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {"reasons": ["info: y"]})
    pairs = [(ws.cell(r, 1).value, str(ws.cell(r, 2).value)) for r in range(1, w.row)
             if ws.cell(r, 1).value]
    assert pairs[0][0] == "  condition 1" and pairs[0][1].startswith("condition: F")
    assert "C1" in pairs[0][1]
    assert pairs[1][1].startswith("confirm: F") and "line.l1's normamps" in pairs[1][1]
    assert not any("y" == v or v.startswith("info") for _, v in pairs)


def test_transformer_normhkva_default_is_read_and_tagged(tmp_path):
    (tmp_path / "m.dss").write_text(
        "New Circuit.c\nNew XfmrCode.big kvas=(500 500) normhkva=550\n"
        "New Transformer.T1 windings=2 kvas=(1000 1000)\n"
        "New Transformer.T2 windings=2 kvas=(1000 1000) normhkva=1200\n"
        "New Transformer.T3 xfmrcode=big\n", encoding="utf-8")
    t = transformer_rating_sources(tmp_path / "m.dss")
    assert t["source"].to_dict() == {"transformer.t1": "default",
                                     "transformer.t2": "transformer",
                                     "transformer.t3": "xfmrcode"}
    v = pd.DataFrame({"criterion": ["C12", "C12", "C12"], "status": ["fail"] * 3,
                      "device": ["transformer.t1", "transformer.t1", "transformer.t2"],
                      "margin_unit": ["%", "MW", "%"], "other_device": [""] * 3})
    bases = InputBases(default_transformers=frozenset({"transformer.t1"}))
    # loading rests on the default rating; reverse power through it (MW) does not
    assert tag_input_basis(v, bases).tolist() == ["default", "given", "given"]
    assert "normhkva (OpenDSS default 110 %" in input_to_confirm("C12", "transformer.t1",
                                                                 basis="default")


def test_hosting_headline_says_when_the_limit_rests_on_a_stand_in():
    table = pd.DataFrame({"site": ["s"], "hosting_kw": [500.0], "limited": [True],
                          "site_max_kw": [2000.0], "limiting_criterion": ["C12"],
                          "limiting_device": ["line.l1"], "limiting_basis": ["default"]})
    (_, text), = hosting_headline(table, {"hosting_capacity_kw": {"s": 500.0}})
    assert text == "500 kW (limited by C12 at line.l1; the limit rests on a tool default: " \
        "confirm it)"
