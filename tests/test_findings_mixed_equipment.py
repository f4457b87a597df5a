"""A finding that mixes rows of the project's equipment with a row the chargers tip leads with
the chargers' row (mix38; v2der37 J1 F01 on EPRI J1's full-export study: C1 head-temp_sub /
F-DEPOT, five ``equipment`` rows at f-depot close-in failing with every charger idle and one
LLG-bc row the chargers tip, ``new``; the finding is "caused by V2G" but its gate line,
Findings headline and Summary quoted the worst row, an equipment one, "the pair fails without
the chargers").

The stand-in: six rows of one C1 pair at f-depot close-in, min case, one scenario — five
equipment rows (SLG-a the worst at −1.18 s) and the LLG-bc row (−0.728 s, new). F-DEPOT has
no base twin (it comes with the project): ``base_margin`` NaN on every row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.findings import build_findings
from protv2g.gate_reasons import export_kw_by_scenario, grouped_reasons

_SCEN = pd.DataFrame({
    "scenario": ["base/light", "firm/light/100%"], "participation": ["", "firm"],
    "load_level": ["light"] * 2, "export_level": ["0", "100%"], "is_base": [True, False],
    "p_s_kw": [0.0, 1072.0]})

_TYPES = ["SLG-a", "SLG-b", "SLG-c", "LL-ab", "LLG-ab", "LLG-bc"]


def _rows() -> pd.DataFrame:
    return pd.DataFrame({
        "criterion": "C1", "device": "head-temp_sub", "other_device": "F-DEPOT",
        "rule": "coordination_interval", "status": "fail",
        "attribution": ["equipment"] * 5 + ["new"], "scenario": "firm/light/100%",
        "fault_bus": "f-depot", "fault_type": _TYPES, "case": "min",
        "margin": [-1.18, -1.1, -1.05, -0.95, -0.9, -0.728], "base_margin": np.nan,
        "idle_margin": [-1.0, -0.9, -0.9, -0.8, -0.8, 0.037],
        "tolerance": 0.05, "margin_unit": "s", "limit": 0.12, "bracket": "high",
        "message": [f"equipment row {t}: the pair fails without the chargers"
                    for t in _TYPES[:5]] + ["the chargers' row LLG-bc: passes idle"]})


def test_findings_lead_with_the_chargers_row():
    (row,) = build_findings(_rows(), _SCEN).findings.to_dict("records")
    assert row["attribution"] == "caused by V2G"
    assert row["worst_margin"] == pytest.approx(-0.728)
    assert row["worst_fault"] == "LLG-bc f-depot min"
    assert row["message"] == (
        "the chargers' row LLG-bc: passes idle; 5 more row(s) fail with the chargers idle: "
        "the project's equipment (the worst −1.18 s at SLG-a f-depot min (firm/light/100%))")
    assert "is pre-existing" not in row["message"]


def test_gate_line_leads_with_the_chargers_row():
    (line,) = grouped_reasons("fail", _rows(), export_kw=export_kw_by_scenario(_SCEN))
    assert line.startswith("fail: C1 head-temp_sub / F-DEPOT: the chargers' row LLG-bc: "
                           "passes idle (fail; caused by V2G; firm/light/100%, LLG-bc at "
                           "f-depot (min)")
    assert "margin −0.728 s; 6 fail rows in 1 scenario" in line
    # the leading row's own figure with every charger idle: the chargers tip it
    assert ("with every charger idle (the project's equipment in) at the same fault and "
            "case: passes by 0.037 s; the chargers lower the margin by 0.765 s") in line
    assert line.endswith("; 5 more row(s) fail with the chargers idle: the project's "
                         "equipment (the worst −1.18 s at firm/light/100%, SLG-a at f-depot "
                         "(min)))")
    assert "the pair fails without the chargers" not in line


def test_an_equipment_only_finding_leads_with_its_worst_row():
    rows = _rows().iloc[:5]
    (row,) = build_findings(rows, _SCEN).findings.to_dict("records")
    assert row["attribution"] == "caused by the project's equipment"
    assert row["worst_margin"] == pytest.approx(-1.18)
    assert "more row(s) fail with the chargers idle" not in row["message"]
    (line,) = grouped_reasons("fail", rows)
    assert line.startswith("fail: C1 head-temp_sub / F-DEPOT: equipment row SLG-a")
    assert "more row(s) fail with the chargers idle" not in line


def test_stage_sheet_leads_with_the_chargers_row():
    from types import SimpleNamespace

    from protv2g.stage_report_findings import time_findings

    (tf,) = time_findings(_rows(), [SimpleNamespace(name=s) for s in _SCEN["scenario"]])
    assert (tf.fault_type, tf.fault_bus) == ("LLG-bc", "f-depot")
