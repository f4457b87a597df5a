"""A finding "made worse by V2G" leads with V2G's worst row, its worst row overall (a
pre-existing one) said in the tail; the Findings sheet, the gate's reason line and the
"Charger stages" sheet lead with the same row (review s28 §3: EPRI J1 with 40 homes, F01
C2 R-MID / F-LAT "made worse by V2G" headlined by b56685, −199.1 s, pre-existing, while
V2G's row, b14325 −60.5 → −124.2 s, was only at the gate line's tail).

The stand-in: three rows of one C2 pair — the pre-existing worst (b1, −199 s, −193.4 s
without V2G), V2G's row (b2, −124.2 s, −60.5 s without V2G) and b2's base row.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.findings import build_findings
from protv2g.findings_headline import headline_offset, lead_positions, overall_worst_tail
from protv2g.gate_reasons import export_kw_by_scenario, grouped_reasons
from protv2g.stage_report_findings import time_findings

_SCEN = pd.DataFrame({
    "scenario": ["base/light", "expected/light/50%", "expected/light/100%"],
    "participation": ["", "expected", "expected"], "load_level": ["light"] * 3,
    "export_level": ["0", "50%", "100%"], "is_base": [True, False, False],
    "p_s_kw": [0.0, 235.0, 470.0]})


def _rows(v2g_worst: bool = False) -> pd.DataFrame:
    m_v2g = -250.0 if v2g_worst else -124.2
    return pd.DataFrame({
        "criterion": "C2", "device": "R-MID", "other_device": "F-LAT", "rule": "lockout",
        "status": "fail", "attribution": ["pre-existing", "worse", "pre-existing"],
        "scenario": ["expected/light/50%", "expected/light/100%", "base/light"],
        "fault_bus": ["b1", "b2", "b2"], "fault_type": "SLG-b", "case": "min",
        "margin": [-199.1, m_v2g, -60.5], "base_margin": [-193.4, -60.5, np.nan],
        "tolerance": 0.0759, "margin_unit": "s", "limit": 0.0, "bracket": "high",
        "message": ["pre-existing row at b1", "V2G's row at b2", "base row at b2"]})


def test_findings_lead_with_v2g_worst_row_and_name_the_overall_worst_in_the_tail():
    f = build_findings(_rows(), _SCEN).findings
    (row,) = f.to_dict("records")
    assert row["attribution"] == "made worse by V2G" and row["status"] == "fail"
    assert row["worst_margin"] == pytest.approx(-124.2)
    assert (row["worst_fault"], row["worst_scenario"]) == ("SLG-b b2 min",
                                                           "expected/light/100%")
    assert row["message"] == (
        "V2G's row at b2; the worst row overall, −199.1 s at SLG-b b1 min "
        "(expected/light/50%), is pre-existing: without V2G it fails there by 193.4 s")
    # the trend follows b2's story: −60.5 s without V2G → −124.2 s at 470 kW
    assert row["export_trend"].startswith("worsens with export: −60.5 s at 0 kW")
    assert row["export_trend"].endswith("at the worst margin's SLG-b b2 min)")


def test_gate_line_leads_with_the_same_row():
    rows = _rows()
    own, folded = rows.iloc[[1]], rows.iloc[[0, 2]]
    (line,) = grouped_reasons("fail", own, export_kw=export_kw_by_scenario(_SCEN),
                              folded=folded)
    assert line.startswith("fail: C2 R-MID / F-LAT: V2G's row at b2 (fail; made worse by "
                           "V2G; expected/light/100%, SLG-b at b2 (min); without V2G at the "
                           "same fault and case: fails by 60.5 s; V2G lowers the margin by "
                           "63.7 s")
    assert "; margin −124.2 s; 3 fail rows in 3 scenarios" in line
    assert line.endswith("; the worst row overall, −199.1 s at expected/light/50%, SLG-b at "
                         "b1 (min), is pre-existing: without V2G it fails there by 193.4 s)")
    # the folded rows are counted; their worst is named once, in the tail
    assert "pre-existing on 2 more row(s) of this finding (failing without V2G);" in line
    assert line.count("−199.1 s") == 1


def test_stage_sheet_leads_with_the_same_row():
    (tf,) = time_findings(_rows(), [SimpleNamespace(name=s) for s in _SCEN["scenario"]])
    assert (tf.fault_bus, tf.scenario) == ("b2", "expected/light/100%")


def test_a_v2g_worst_row_leads_as_before():
    rows = _rows(v2g_worst=True)
    (row,) = build_findings(rows, _SCEN).findings.to_dict("records")
    assert row["message"] == "V2G's row at b2" and row["worst_margin"] == pytest.approx(-250)
    (line,) = grouped_reasons("fail", rows.iloc[[1]], folded=rows.iloc[[0, 2]])
    assert "the worst row overall" not in line
    assert ("pre-existing on 2 more row(s) of this finding (failing without V2G), the worst "
            "−199.1 s at expected/light/50%, SLG-b at b1 (min)") in line


def test_a_pre_existing_finding_leads_with_its_worst_row():
    rows = _rows().assign(attribution="pre-existing")
    (row,) = build_findings(rows, _SCEN).findings.to_dict("records")
    assert row["attribution"] == "pre-existing"
    assert row["message"] == "pre-existing row at b1"
    assert row["worst_margin"] == pytest.approx(-199.1)


def test_findings_keep_their_rank_by_their_worst_row_overall():
    """Two C2 findings: the one led by V2G's −124.2 s row keeps its rank by its −199.1 s row
    (named in its tail) before one at −150 s: the ids do not move."""
    other = _rows(v2g_worst=True).assign(device="R-2", margin=[-10.0, -150.0, -9.0],
                                         base_margin=[-9.0, -100.0, np.nan])
    f = build_findings(pd.concat([_rows(), other], ignore_index=True), _SCEN).findings
    assert f["device"].tolist() == ["R-MID", "R-2"]
    assert f["worst_margin"].tolist() == pytest.approx([-124.2, -150.0])


def test_helpers():
    assert headline_offset(np.array([False, False, True])) == 2
    assert lead_positions(np.array([False, False, False]), np.array([0]),
                          np.array([3])).tolist() == [0]
    assert overall_worst_tail(-1.0, 0.02, "s", "x").endswith(
        "passes there by 0.02 s (the change is within the check's tolerance)")
    assert overall_worst_tail(-1.0, np.nan, "s", "x") == (
        "the worst row overall, −1 s at x, is pre-existing")



def test_a_tie_leads_with_v2g_row_without_a_tail():
    """A V2G row as bad as the pre-existing worst (−∞: a device that does not operate; the
    10,000-bus study's C2 "fuse saving not possible" warns) leads, with no tail."""
    rows = _rows().assign(margin=[-np.inf, -np.inf, -60.5], base_margin=[-np.inf, -1.0, np.nan],
                          scenario=["expected/light/100%", "expected/light/50%", "base/light"])
    # the pre-existing row comes first on the tie (more export; its scenario's name first)
    (row,) = build_findings(rows, _SCEN).findings.to_dict("records")
    assert row["message"] == "V2G's row at b2" and row["worst_fault"] == "SLG-b b2 min"
    (line,) = grouped_reasons("fail", rows.iloc[[1]], folded=rows.iloc[[0, 2]])
    assert line.startswith("fail: C2 R-MID / F-LAT: V2G's row at b2 (")
    assert "the worst row overall" not in line
