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


def test_c8_charging_peak_line_says_charging_as_the_findings() -> None:
    """Review s21 (EPRI J1): C8 stores its peak's kind in ``mechanism`` (``rule`` is the
    pickup rule); the gate read ``rule`` and said "caused by V2G" where the Findings said
    "caused by charging" for the same rows."""
    from protv2g.checks.load import CHARGING_PEAK, IMPORT_PEAK
    from protv2g.findings_attribution import Attribution

    rows = pd.DataFrame({
        "criterion": "C8", "device": "head", "other_device": "", "rule": "load_pickup",
        "mechanism": CHARGING_PEAK, "status": "fail", "attribution": "new",
        "scenario": ["charging/firm", "charging/expected"], "fault_bus": "", "fault_type": "",
        "case": "", "message": "carries 399 A", "margin": [-86.0, -40.0], "margin_unit": "A"})
    (line,) = grouped_reasons("fail", rows)
    assert f"; {Attribution.CAUSED_CHARGING};" in line and Attribution.CAUSED not in line
    # an import peak outside the charging snapshots (a day step) is V2G's; in a charging
    # snapshot every criterion's rows are the charging's (s23, by_charging)
    (line,) = grouped_reasons("fail", rows.assign(mechanism=IMPORT_PEAK,
                                                  scenario=["day/firm", "day/expected"]))
    assert f"; {Attribution.CAUSED};" in line


def test_one_line_per_margin_unit_and_mechanism_as_the_findings() -> None:
    """Review rev31 §1 (IEEE 8500): C12's voltage rows (pu), its set-point rows and its
    unbalance rows (%) carry no device; grouped by criterion and device alone, the smallest
    margin across units (−0.79 % "beating" −0.0136 pu) was the only C12 line and the
    overvoltage finding had none. The Findings key on mechanism and margin unit too."""
    rows = pd.DataFrame({
        "criterion": "C12", "device": "", "other_device": "", "rule": "",
        "mechanism": ["", "", "regulator set-point"], "status": "fail", "attribution": "new",
        "scenario": "expected/light/100%", "fault_bus": ["m1", "r190", "sub"],
        "fault_type": "", "case": "",
        "message": ["voltage unbalance 3.79 %", "voltage 1.064 pu", "voltage 1.054 pu"],
        "margin": [-0.7878, -0.0136, -0.0036], "margin_unit": ["%", "pu", "pu"]})
    lines = grouped_reasons("fail", rows)
    assert len(lines) == 3
    assert sum("voltage 1.064 pu" in x for x in lines) == 1
    assert sum("voltage 1.054 pu" in x for x in lines) == 1
