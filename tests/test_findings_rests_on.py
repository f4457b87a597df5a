"""The Findings sheet's "Rests on": the weakest input of any row (the gate's rule), said as
some rows' beside the worst row's where they differ (review rev30 §8, EPRI ckt5: R-MID / F-END
read "drafted value (TODO)" from min-case rows on the drafted fault resistance while its worst
row rests on given data; F-TAP's, all given, read "given data")."""

from __future__ import annotations

import pandas as pd

from protv2g.report.derived import _rests_on_texts


def test_rests_on_names_some_rows_and_the_worst():
    findings = pd.DataFrame({"input_basis": ["todo", "given", "todo", ""],
                             "evidence_first": ["E1", "E3", "E4", "E6"]})
    evidence = pd.DataFrame({"evidence": ["E1", "E2", "E3", "E4", "E5", "E6"],
                             "input_basis": ["given", "todo", "given", "todo", "given", ""]})
    assert _rests_on_texts(findings, evidence) == [
        "some rows: drafted value (TODO); its worst row: given data", "given data",
        "drafted value (TODO)", ""]
    assert _rests_on_texts(findings, evidence.drop(columns="input_basis")) == [
        "drafted value (TODO)", "given data", "drafted value (TODO)", ""]
