"""The Findings sheet and the gate's line say what their row counts count — "3 fail, 2 warn
rows" — in the same words (review s38: the Findings' "N rows" counted a finding's fail + warn
rows, the gate's line for the same finding its fail rows, "N row(s)": a reader saw two numbers
and neither said what it counted).

The rows are written out here; the counts are by hand.
"""

from __future__ import annotations

import pandas as pd

from protv2g.findings import build_findings
from protv2g.gate_reasons import grouped_reasons
from protv2g.violations import status_count_text


def _rows() -> pd.DataFrame:
    """One C5 finding of R1: 3 fail rows (primary zone), 2 warn rows (backup zone)."""
    rows = []
    for k, (status, m) in enumerate((("fail", -0.5), ("fail", -0.4), ("fail", -0.3),
                                     ("warn", -0.2), ("warn", -0.1))):
        rows.append({"criterion": "C5", "status": status, "scenario": f"s{k % 2}",
                     "fault_bus": f"b{k}", "fault_type": "3ph", "case": "min", "device": "R1",
                     "other_device": "", "margin": m, "margin_unit": "× pickup",
                     "limit": 1.5, "tolerance": 0.01, "mechanism": "", "attribution": "new",
                     "message": f"m{k}", "input_basis": "given"})
    return pd.DataFrame(rows)


def test_status_count_text():
    assert status_count_text({"fail": 3, "warn": 2}) == "3 fail, 2 warn rows"
    assert status_count_text({"warn": 1}) == "1 warn row"
    assert status_count_text({"info": 2, "fail": 0}) == "2 info rows"


def test_findings_and_gate_line_say_what_they_count():
    """Fails on the old code: the Findings had no count by status, the gate's line said
    "3 row(s) in 2 scenario(s)" beside the Findings' 5."""
    from protv2g.report.derived import _row_count_texts

    v = _rows()
    f = build_findings(v).findings
    assert len(f) == 1
    row = f.iloc[0]
    assert (row.n_rows, row.n_fail, row.n_warn, row.n_info) == (5, 3, 2, 0)
    assert _row_count_texts(f) == ["3 fail, 2 warn rows"]
    # the gate's line of its fail rows (the default gate.fail_severities), and of all five
    # (fail_severities [fail, warn]): each says what it counts
    (fails,) = grouped_reasons("fail", v[v.status == "fail"])
    assert fails.endswith("; 3 fail rows in 2 scenarios)")
    (both,) = grouped_reasons("fail", v)
    assert both.endswith("; 3 fail, 2 warn rows in 2 scenarios)")
