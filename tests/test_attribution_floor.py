"""Findings blamed on V2G that V2G did not cause (review s23, IEEE 123).

* F02 (C7 interrupting duty, ideal source): "made worse by V2G" on a change of 7.3e−12 kA of
  a 21,810 kA deficit, its tolerance 0 kA — every row's tolerance now has a floor, 0.1 % of
  the quantities its margin is made of (:func:`protv2g.checks.attribution.tolerance_floor`).
* Line overloads (L115 177 % at ``charging/firm``, 158 % without): "made worse by V2G" while
  C8 called the same scenario "caused by charging" — one rule for every criterion
  (:func:`protv2g.findings_attribution.by_charging`).
* "V2G lowers the margin by  (material…" on a −∞ margin; "no candidate clears it (0 tried)".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import attribute
from protv2g.checks.attribution import NUMERICAL_ABS, QUANTITY_REL, tolerance_floor
from protv2g.findings import Attribution, build_findings
from protv2g.findings_attribution import by_charging
from protv2g.gate_reasons import grouped_reasons
from protv2g.recommend.search import _none_clears

BASE, V2G = "base/light", "firm/light/100%"
BASE_OF = {BASE: BASE, V2G: BASE, "charging/firm": "base/der_off",
           "base/der_off": "base/der_off", "base/peak": "base/peak",
           "firm/peak/100%": "base/peak"}


def _c7(scenario: str, margin: float, tolerance: float = 0.0) -> dict:
    """A C7 duty row as :mod:`protv2g.checks.duty` writes it (tolerance 0 kA)."""
    return {"criterion": "C7", "status": "fail", "scenario": scenario,
            "fault_bus": "sw1~close-in1", "fault_type": "3ph", "case": "max",
            "device": "head-sw1", "other_device": None, "margin": margin, "margin_unit": "kA",
            "rule": "interrupting rating (sym)", "limit": 63.0, "tolerance": tolerance,
            "attribution": "", "message": "duty", "mechanism": ""}


def _c7_pair(change_ka: float) -> pd.DataFrame:
    rows = pd.DataFrame([_c7(BASE, -21813.2655), _c7(V2G, -21813.2655 - change_ka)])
    return attribute(rows, BASE_OF)


def test_floor_rule_values():
    """0.1 % of |limit| + |m_base|; never 0; ±inf and NaN give no size."""
    assert QUANTITY_REL == pytest.approx(1e-3)
    fl = tolerance_floor(np.array([63.0, 0.0, 1.5, np.nan]),
                         np.array([-21810.0, 0.0, -np.inf, np.nan]))
    np.testing.assert_allclose(fl, [21.873, NUMERICAL_ABS, 1.5e-3, NUMERICAL_ABS], rtol=1e-12)
    assert (fl > 0).all()


def test_c7_change_of_solver_noise_is_pre_existing():
    """IEEE 123 F02: 7.276e−12 kA on −21,813 kA is not V2G's; its tolerance says the floor."""
    v = _c7_pair(7.276e-12)
    assert v.attribution.tolist() == ["pre-existing", "pre-existing"]
    assert v.tolerance.iloc[1] == pytest.approx(QUANTITY_REL * (63.0 + 21813.2655))


def test_c7_material_change_is_still_worse():
    """A change beyond 0.1 % of the duty and 10 % of the deficit (3,000 kA of 21,813 kA) is
    V2G's."""
    assert _c7_pair(3000.0).attribution.iloc[1] == "worse"


def test_c7_change_under_the_share_of_the_deficit_is_pre_existing():
    """Beyond the 0.1 % floor (50 kA > 21.9 kA) but 0.23 % of the 21,813 kA deficit: under
    MATERIAL_SHARE (review s27 §2), pre-existing, and the message says why."""
    v = _c7_pair(50.0)
    assert v.attribution.iloc[1] == "pre-existing"
    assert "0.23 % of that deficit, under the 10 % material share" in str(v.message.iloc[1])


def test_floor_does_not_hide_a_change_a_data_tolerance_calls_material():
    """C5 with its ±5 % pickup tolerance: the floor (0.1 % of 1.5 + 0.05) stays below it."""
    rows = pd.DataFrame([{**_c7(BASE, -0.05, 0.07), "criterion": "C5", "limit": 1.5,
                          "margin_unit": "× pickup", "rule": ""},
                         {**_c7(V2G, -0.2, 0.07), "criterion": "C5", "limit": 1.5,
                          "margin_unit": "× pickup", "rule": ""}])
    v = attribute(rows, BASE_OF)
    assert v.attribution.iloc[1] == "worse" and v.tolerance.iloc[1] == pytest.approx(0.07)


def _c12(scenario: str, margin: float, attribution: str = "") -> dict:
    return {"criterion": "C12", "status": "fail", "scenario": scenario, "fault_bus": None,
            "fault_type": None, "case": None, "device": "line.l115", "other_device": None,
            "margin": margin, "margin_unit": "%", "rule": None, "limit": 100.0,
            "tolerance": 1.2, "attribution": attribution, "mechanism": None,
            "message": f"line.l115 loaded {100 - margin:.0f} % in scenario {scenario}",
            "input_basis": "default"}


@pytest.fixture()
def l115() -> pd.DataFrame:
    """IEEE 123's L115: 158 % without V2G, 177 % charging, 139 % exporting (peak load)."""
    rows = pd.DataFrame([_c12("base/der_off", -57.859), _c12("base/peak", -57.861),
                         _c12("charging/firm", -77.439), _c12("firm/peak/100%", -38.612)])
    return attribute(rows, BASE_OF)


def test_line_overload_from_charging_reads_charging(l115):
    """The charging row is worse against its base (19.6 % > 1.2 %), the export row is not:
    the finding, and the gate line, say "made worse by charging", as C8 would."""
    assert l115.attribution.tolist() == ["pre-existing", "pre-existing", "worse",
                                         "pre-existing"]
    (f,) = build_findings(l115).findings.attribution.tolist()
    assert f == Attribution.WORSE_CHARGING
    (line,) = grouped_reasons("fail", l115)
    assert f"; {Attribution.WORSE_CHARGING};" in line and "by V2G" not in line
    assert "without the sites' charging" in line and "charging lowers the margin by" in line


def test_a_worse_export_row_keeps_the_finding_v2g(l115):
    """One rule: a new or worse row of an export scenario makes the finding V2G's."""
    rows = l115.assign(attribution=["pre-existing", "pre-existing", "worse", "worse"])
    assert build_findings(rows).findings.attribution.iloc[0] == Attribution.WORSE
    assert not by_charging("C12", "", rows.scenario, rows.attribution)


def test_charging_change_inside_its_tolerance_is_pre_existing():
    """Charging adding less than the 1.2 % materiality to a base overload: pre-existing."""
    rows = attribute(pd.DataFrame([_c12("base/der_off", -57.859),
                                   _c12("charging/firm", -58.5)]), BASE_OF)
    assert rows.attribution.tolist() == ["pre-existing", "pre-existing"]
    assert build_findings(rows).findings.attribution.iloc[0] == Attribution.PRE_EXISTING


def test_minus_infinite_margin_said_in_words():
    """Review s23 §6: "V2G lowers the margin by  (material…" without a number."""
    rows = attribute(pd.DataFrame([_c7(BASE, -1.0), _c7(V2G, -np.inf)])
                     .assign(margin_unit="s", limit=0.3), BASE_OF)
    assert rows.attribution.iloc[1] == "worse"
    (line,) = grouped_reasons("fail", rows)
    assert "no margin is left" in line and "margin by  " not in line and "by (" not in line


def test_none_clears_says_why_none_was_tried():
    assert "0 tried" not in _none_clears(3, 3, 14)
    assert _none_clears(3, 1, 14) == ("no candidate clears it (3 re-checked on every "
                                      "scenario, 1 of them already re-run for an earlier "
                                      "finding)")
    assert "limit of 14 re-runs" in _none_clears(0, 0, 14)
