"""The Summary's "Findings" count counts problems only (review ver49 #5: EPRI LVTestCase's
"6 problem(s): 5 caused by V2G" counted F06, an info row "at the limit within its
tolerance"); the info findings are said apart, by id."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

import protv2g.findings_rows
import protv2g.gate_reason_record
import protv2g.report.summary_counts
from protv2g.report.summary_counts import findings_count_text

#: LVTestCase's findings as the ver49 run had them (F01 the charging peak, F04/F05 warnings,
#: F06 the info row at the limit within its tolerance).
_LV = pd.DataFrame({
    "finding": ["F01", "F02", "F03", "F04", "F05", "F06"],
    "status": ["fail", "fail", "fail", "warn", "warn", "info"],
    "attribution": ["caused by charging", "caused by V2G", "caused by V2G", "caused by V2G",
                    "caused by V2G", "caused by V2G"]})


def test_info_finding_is_not_counted_among_the_problems():
    rows = pd.DataFrame({"status": ["fail"] * 4 + ["warn"] * 2 + ["info"]})
    text = findings_count_text(_LV, rows)
    assert text == ("5 problem(s): 4 caused by V2G, 0 made worse by V2G, 0 pre-existing, 1 "
                    "from the sites' charging; 1 info finding apart, not a problem: F06; from "
                    "7 violation rows (4 failing, 2 warnings, 1 info)")


def test_no_info_finding_says_nothing_of_it():
    text = findings_count_text(_LV.iloc[:5], pd.DataFrame({"status": ["fail"]}))
    assert text.startswith("5 problem(s): 4 caused by V2G,")
    assert "info finding" not in text
    assert findings_count_text(_LV.iloc[:0], pd.DataFrame({"status": []})).startswith(
        "0 problem(s): 0 caused by V2G")


def test_an_unknown_attribution_of_a_problem_raises():
    bad = pd.DataFrame({"finding": ["F01"], "status": ["fail"], "attribution": ["odd"]})
    with pytest.raises(ValueError):
        findings_count_text(bad, pd.DataFrame({"status": ["fail"]}))


@pytest.mark.parametrize("mod", [protv2g.report.summary_counts, protv2g.gate_reason_record,
                                 protv2g.findings_rows])
def test_module_doctests(mod):
    assert doctest.testmod(mod).failed == 0
