"""``StudyResult.derived``: the findings built once per result and shared by the findings stage
and the workbook (#21), never stale when a table is replaced, not carried by a pickle or copy."""

import copy
import dataclasses
import pickle

import pandas as pd

from protv2g.findings import build_findings
from protv2g.report.derived import result_findings
from protv2g.result import StudyResult


def _result() -> StudyResult:
    rows = pd.DataFrame({
        "criterion": ["C4", "C4"], "status": ["fail", "fail"], "attribution": ["new", "new"],
        "scenario": ["firm/light/100%", "firm/peak/100%"], "fault_bus": ["B2", "B2"],
        "fault_type": ["LL", "LL"], "case": ["min", "min"], "device": ["R1", "R1"],
        "other_device": ["RC", "RC"], "margin": [-0.2, -0.2], "margin_unit": ["s", "s"],
        "limit": [0.3, 0.3], "message": ["m", "m"]})
    scen = pd.DataFrame({
        "scenario": ["firm/light/100%", "firm/peak/100%"], "participation": ["firm", "firm"],
        "load_level": ["light", "peak"], "export_level": ["100%", "100%"],
        "is_base": [False, False], "p_s_kw": [900.0, 900.0]})
    return StudyResult("t", pd.DataFrame(), rows, scen, pd.DataFrame(), {}, {})


def test_findings_built_once_per_result():
    result = _result()
    first = result_findings(result)
    assert result_findings(result) is first
    want = build_findings(result.violations, result.scenarios)
    pd.testing.assert_frame_equal(first.findings, want.findings)
    pd.testing.assert_frame_equal(first.evidence, want.evidence)


def test_a_replaced_table_builds_again():
    result = _result()
    first = result_findings(result)
    result.tables["Coordination"] = pd.DataFrame()  # a table replaced: not the old build
    assert result_findings(result) is not first


def test_replace_pickle_and_copy_build_their_own():
    result = _result()
    first = result_findings(result)
    for other in (dataclasses.replace(result), pickle.loads(pickle.dumps(result)),
                  copy.copy(result)):
        assert result_findings(other) is not first
        assert result_findings(other).findings.equals(first.findings)
