"""The gate's reason names the same worst row as the Findings sheet on a tie (review s15: F04
named firm/1.8 MW, the gate expected/1.2 MW for the same −2 s margin)."""

from __future__ import annotations

import pandas as pd

from protv2g.gate_reasons import export_kw_by_scenario, grouped_reasons


def _rows() -> pd.DataFrame:
    return pd.DataFrame({
        "criterion": "C10", "device": "RC", "other_device": "site", "rule": "reclose_margin_s",
        "status": "fail", "attribution": "new", "scenario": ["expected/100%", "firm/100%"],
        "fault_bus": "B5", "fault_type": "3ph", "case": "max", "message": "recloses early",
        "margin": [-2.0, -2.0 + 1e-15], "margin_unit": "s"})


def test_tie_goes_to_the_larger_export_as_in_the_findings() -> None:
    scenarios = pd.DataFrame({"scenario": ["expected/100%", "firm/100%"],
                              "p_a_kw": [1200.0, 1800.0], "p_b_kw": [0.0, 0.0]})
    kw = export_kw_by_scenario(scenarios)
    assert kw == {"expected/100%": 1200.0, "firm/100%": 1800.0}
    (line,) = grouped_reasons("fail", _rows(), export_kw=kw)
    assert "firm/100%" in line and "expected/100%" not in line


def test_without_exports_the_tie_goes_by_scenario_name() -> None:
    (line,) = grouped_reasons("fail", _rows().iloc[::-1])
    assert "expected/100%" in line  # names ascending, whatever the rows' order
    assert export_kw_by_scenario(None) == {}
