"""A pre-existing finding leads with its base case, V2G's change in a tail (review rev42a M2).

EPRI ckt5 (the reviewer's /tmp/rev42a/ckt5 study, depot 1.5 MW + two 21.6 kW home sites): F03
"transformer.mdv201_hn_2_672_c62308-1c loaded 144 % with depot exporting 1.5 MW and homes1
exporting 0.0216 MW and homes2 exporting 0.0216 MW (peak load)" — attribution pre-existing,
trend "does not move with export"; OpenDSS (the reviewer's pf_ckt5.py) has 143.6 % already at
base/peak. The finding named its worst row's scenario, a V2G one by 0.016 %: a signer reads an
export overload. The rows below are F03's Evidence rows (margin in %, limit 100 %).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from protv2g.findings import build_findings
from protv2g.findings_headline import v2g_change_tail
from protv2g.gate_reasons import export_kw_by_scenario, grouped_reasons

_T = "transformer.mdv201_hn_2_672_c62308-1c"
_SCEN = ["firm/peak/100%", "expected/peak/100%", "expected/peak/50%", "base/peak"]
_KW = [1543.2, 1234.56, 771.6, 0.0]
_M = [-44.488332, -44.485801, -44.481140, -44.472816]
SCENARIOS = pd.DataFrame({
    "scenario": _SCEN, "participation": ["firm", "expected", "expected", ""],
    "load_level": "peak", "export_level": ["100%", "100%", "50%", "0"],
    "is_base": [False, False, False, True], "p_depot_kw": _KW})


def _rows() -> pd.DataFrame:
    msg = [f"{_T} loaded {100 - m:.0f} % with depot exporting 1.5 MW (peak load) (limit 100 %)"
           for m in _M[:3]] + [f"{_T} loaded 144 % without V2G (base case, peak load) "
                               "(limit 100 %)"]
    return pd.DataFrame({
        "criterion": "C12", "status": "fail", "attribution": "pre-existing",
        "scenario": _SCEN, "fault_bus": "", "fault_type": "", "case": "", "device": _T,
        "other_device": "", "margin": _M, "margin_unit": "%", "limit": 100.0,
        "tolerance": 1.2, "base_margin": [_M[3]] * 3 + [float("nan")], "message": msg,
        "rule": ""})


def test_the_finding_leads_with_the_base_case():
    f = build_findings(_rows(), SCENARIOS).findings.iloc[0]
    assert f["attribution"] == "pre-existing"
    assert f["message"].startswith(f"{_T} loaded 144 % without V2G (base case, peak load)")
    head, _, v2g = f["message"].partition(" — with V2G: ")
    assert "exporting 1.5 MW" not in head and "exporting 1.5 MW" in v2g
    assert head.endswith("; V2G changes it by −0.01552 % (−44.49 % at firm/peak/100%, "
                         "the worst with V2G): pre-existing")
    # its worst margin and scenario stay the worst row's (the Worst margin column)
    assert f["worst_scenario"] == "firm/peak/100%"
    assert f["worst_margin"] == _M[0]


def test_the_gate_line_leads_with_the_base_case_too():
    (line,) = grouped_reasons("confirm", _rows(), export_kw=export_kw_by_scenario(SCENARIOS))
    assert f"{_T}: {_T} loaded 144 % without V2G (base case, peak load)" in line
    assert "exporting 1.5 MW" not in line.partition(" — with V2G: ")[0]
    assert "V2G changes it by −0.015516 % (−44.488332 % at firm/peak/100%" in line


def test_a_finding_v2g_makes_worse_still_leads_with_v2gs_row():
    rows = _rows().assign(attribution=["worse", "worse", "worse", "pre-existing"])
    f = build_findings(rows, SCENARIOS).findings.iloc[0]
    assert "exporting 1.5 MW" in f["message"] and "V2G changes it by" not in f["message"]


@pytest.mark.parametrize(("margin", "base", "want"), [
    # rev43a M12 (IEEE 34, head made directional): F03 C4 −∞ both (head-l1 never operates),
    # F07 C9 "never" both
    (-math.inf, -math.inf, "V2G changes nothing: it never operates, with or without V2G "
                           "(SLG-a 832 min (firm/light/100%), the worst with V2G): pre-existing"),
    (math.inf, math.inf, "V2G changes nothing: it never operates, with or without V2G "),
    (-math.inf, -0.5, "without V2G margin −0.5 s, with V2G it never operates (SLG-a 832"),
    (math.nan, math.nan, "V2G changes nothing: no margin, with or without V2G"),
])
def test_a_margin_that_is_not_finite_has_no_empty_change(margin, base, want):
    """Review rev43a M12: "V2G changes it by  (−inf s at SLG-a 832 min …)" — an empty number.
    Fails on the old code."""
    text = v2g_change_tail(margin, base, "s", "SLG-a 832 min (firm/light/100%)")
    assert want in text and text.endswith("pre-existing"), text
    assert "by  " not in text and "inf" not in text
