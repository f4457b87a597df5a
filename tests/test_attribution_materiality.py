"""One finding, one attribution; when V2G's change of a margin is material (review s20).

EPRI ckt5, C5 on the drafted head relay (ground pickup 190 A, factor 1.5, tolerance = 5 % of
the ratio, the relay's pickup accuracy): without V2G the SLG-c fault at 1008222 gives a ratio
of 1.5088 (+0.0088 × pickup: it passes by less than the 0.072 tolerance — marginal); firm
participation lowers it to 1.4347 (−0.0653, a change of 0.0741 > 0.0717: material), expected
participation to 1.4496 (−0.0504, a change of 0.0592 < 0.0725: immaterial). The row rule
made the firm row ``new`` and the expected one ``pre-existing`` (2.8 A apart), the Findings
said "made worse by V2G", the gate "new" and its "also failing without V2G" figure was the
expected row's margin. Now: the firm row is ``worse`` (the twin is marginal), the finding
and the gate line say "made worse by V2G", and the line names the twin and the folded rows.
The cases below are the knife edges by hand: a twin that passes by a hair, one that fails by
a hair, each with a V2G change just inside and just beyond the tolerance.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import attribute
from protv2g.findings import Attribution, build_findings, finding_attribution
from protv2g.gate import gate_verdict
from protv2g.result import StudyResult
from protv2g.violations import VIOLATION_COLUMNS

BASE, FIRM, EXP = "base/light", "firm/light/100%", "expected/light/100%"
BASE_OF = {BASE: BASE, FIRM: BASE, EXP: BASE}
TOL = 0.072  # ≈ 1.44 × 5 %: the pickup accuracy in multiples of pickup at the failing ratio


def _c5(scenario: str, margin: float, tolerance: float = TOL, bus: str = "1008222",
        attribution: str = "") -> dict:
    return {"criterion": "C5", "status": "fail", "scenario": scenario, "fault_bus": bus,
            "fault_type": "SLG-c", "case": "min", "device": "head", "other_device": None,
            "margin": margin, "margin_unit": "× pickup", "rule": "", "limit": 1.5,
            "tolerance": tolerance, "attribution": attribution, "message": "m"}


def _base(margin: float, bus: str = "1008222") -> pd.DataFrame:
    """The base case's (passing or failing) margin of the same key."""
    return pd.DataFrame([{"scenario": BASE, "criterion": "C5", "fault_bus": bus,
                          "fault_type": "SLG-c", "case": "min", "device": "head",
                          "other_device": None, "margin_unit": "× pickup", "rule": "",
                          "margin": margin}])


def _attr(base_m: float, v2g_m: float) -> str:
    rows = pd.DataFrame([_c5(FIRM, v2g_m)])
    if base_m < 0:  # a failing base is a violation row of its own
        rows = pd.concat([pd.DataFrame([_c5(BASE, base_m)]), rows], ignore_index=True)
        return str(attribute(rows, BASE_OF).attribution.iloc[-1])
    return str(attribute(rows, BASE_OF, _base(base_m)).attribution.iloc[0])


@pytest.mark.parametrize(("base_m", "v2g_m", "want"), [
    # the twin passes by a hair (+0.001): a change inside the tolerance is immaterial …
    (0.001, 0.001 - TOL + 0.0005, "pre-existing"),
    # … beyond it, material: made worse (the base is marginal), never "new"
    (0.001, 0.001 - TOL - 0.0005, "worse"),
    # the twin fails by a hair (−0.001): the same band, the same words
    (-0.001, -0.001 - TOL + 0.0005, "pre-existing"),
    (-0.001, -0.001 - TOL - 0.0005, "worse"),
    # the twin passes clear of the tolerance: V2G makes it fail, caused by V2G
    (TOL, -0.0005, "new"),
    (TOL + 0.05, -0.001, "new"),
])
def test_knife_edges_of_the_twin(base_m, v2g_m, want):
    assert _attr(base_m, v2g_m) == want


def test_ckt5_figures_are_worse_and_pre_existing():
    """The review's two rows of one fault: firm (0.0741 > 0.0717) and expected (0.0592)."""
    rows = pd.DataFrame([_c5(FIRM, -0.065274, 0.071736), _c5(EXP, -0.050364, 0.072482)])
    v = attribute(rows, BASE_OF, _base(0.008823))
    assert v.attribution.tolist() == ["worse", "pre-existing"]
    assert finding_attribution(v.attribution) == Attribution.WORSE


def test_finding_attribution_words():
    assert finding_attribution(["new", "new"]) == Attribution.CAUSED
    assert finding_attribution(["pre-existing", ""]) == Attribution.PRE_EXISTING
    assert finding_attribution(["worse", "pre-existing"]) == Attribution.WORSE
    assert finding_attribution(["", np.nan]) == Attribution.UNKNOWN
    assert finding_attribution(["new"], charging=True) == Attribution.CAUSED_CHARGING


@pytest.fixture(scope="module")
def ckt5_like() -> pd.DataFrame:
    """The review's finding in small: one device, two scenarios, two buses."""
    rows = pd.DataFrame([_c5(FIRM, -0.065274, 0.071736), _c5(EXP, -0.050364, 0.072482),
                         _c5(FIRM, -0.019043, 0.074048, bus="39766"),
                         _c5(EXP, -0.004142, 0.074793, bus="39766")])
    base = pd.concat([_base(0.008823), _base(0.054983, "39766")], ignore_index=True)
    v = attribute(rows, BASE_OF, base)
    assert v.attribution.tolist() == ["worse", "pre-existing", "pre-existing", "pre-existing"]
    return v.assign(input_basis="given")


def test_one_attribution_in_findings_and_gate(ckt5_like, depot_study):
    findings = build_findings(ckt5_like).findings
    assert len(findings) == 1
    assert findings["attribution"].iloc[0] == Attribution.WORSE
    result = StudyResult("t", pd.DataFrame(), ckt5_like.reindex(
        columns=list(dict.fromkeys([*VIOLATION_COLUMNS, *ckt5_like.columns]))),
        pd.DataFrame(), pd.DataFrame(), {},
        {"checks": {"criteria": [f"C{k}" for k in range(1, 13)], "errors": []}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = gate_verdict(depot_study, result)
    lines = [r for r in out["reasons"] if " head" in r]
    assert out["verdict"] == "FAIL" and len(lines) == 1  # one line for the one finding
    line = lines[0]
    assert line.startswith("fail: C5 head: ")
    assert "; made worse by V2G; " in line and "; new; " not in line
    # the twin is named for what it is: the same fault and case without V2G
    assert ("without V2G at the same fault and case: passes by 0.008823 × pickup; V2G lowers "
            "the margin by 0.074097 × pickup (material: more than the tolerance 0.071736 × "
            "pickup)") in line
    # the folded rows are counted and named by scenario and fault, not "failing without V2G"
    assert ("pre-existing on 3 more row(s) of this finding (3 pass without V2G by less than "
            "the tolerance, 0 fail without V2G), the worst \u22120.050364 × pickup at "
            f"{EXP}, SLG-c at 1008222 (min)") in line
    assert "also failing without V2G" not in line
    assert "4 fail rows in 2 scenarios" in line


def test_a_failing_base_that_v2g_improves_is_said_to_fail_and_improve() -> None:
    """Review rev38a M7 (IEEE 8500 line.ln5805761-1, a line on OpenDSS's 400 A default): 130.3 %
    loaded without V2G (margin −30.3 %), 124.4 % with V2G at peak (−24.4 %): V2G lowers the
    loading by 5.85 points. The row read "pre-existing: without V2G it passes by -30.3 % and
    V2G changes it by -5.85 %, under the materiality threshold 1.2 %" — a failure called
    "passes" and an improvement weighed against a threshold of worsening."""
    row = {"criterion": "C12", "status": "fail", "scenario": "expected/peak/100%",
           "fault_bus": None, "fault_type": None, "case": None,
           "device": "line.ln5805761-1", "other_device": None, "margin": -24.45,
           "margin_unit": "%", "rule": "", "limit": 100.0, "tolerance": 1.2,
           "attribution": "", "message": "m"}
    base = {k: row[k] for k in ("criterion", "fault_bus", "fault_type", "case", "device",
                                "other_device", "margin_unit", "rule")}
    v = attribute(pd.DataFrame([row]), {"expected/peak/100%": "base/peak", "base/peak":
                                        "base/peak"},
                  pd.DataFrame([{**base, "scenario": "base/peak", "margin": -30.3}]))
    r = v.iloc[0]
    assert r.attribution == "pre-existing"
    assert "passes by" not in r.message and "-30.3" not in r.message
    assert "it fails by 30.3 % without V2G; V2G lowers it by 5.85 points, an improvement" in (
        r.message)
    assert "changes it by" not in r.message
