"""A fail or warn finding's attribution is read from its judged (fail, warn) rows: an info row
the check did not judge does not vote (review rev37b F7, EPRI DG feeder: F05 C12 at lat2 held
40 ``new`` fail rows and one ``pre-existing`` info row "voltage not judged … a source bus"; the
Findings, Summary and recommend said "made worse by V2G" while the gate line, reading its
fail rows, said "caused by V2G" — OpenDSS: 1.05022 pu without V2G, 1.07604 with it)."""

from __future__ import annotations

import pandas as pd

from protv2g.findings import build_findings

_SCEN = pd.DataFrame({"scenario": ["firm/light/100%", "base/light"],
                      "participation": ["firm", "base"], "load_level": ["light", "light"],
                      "export_level": ["100%", "0%"], "is_base": [False, True],
                      "p_s_kw": [1500.0, 0.0]})


def _rows(statuses, attributions, buses) -> pd.DataFrame:
    n = len(statuses)
    return pd.DataFrame({
        "criterion": ["C12"] * n, "status": statuses, "attribution": attributions,
        "scenario": ["firm/light/100%"] * n, "fault_bus": [""] * n, "fault_type": [""] * n,
        "case": [""] * n, "device": ["lat2"] * n, "other_device": [""] * n,
        "margin": [-0.026, -0.02, float("nan")][:n], "margin_unit": ["pu"] * n,
        "limit": [1.05] * n, "message": ["m"] * n, "location": buses})


def test_an_info_row_does_not_vote_in_a_fail_finding():
    f = build_findings(_rows(["fail", "fail", "info"], ["new", "new", "pre-existing"],
                             ["lat2", "lat2", "bx"]), _SCEN)
    (row,) = f.findings.itertuples()
    assert row.status == "fail"
    assert row.attribution == "caused by V2G"


def test_a_fail_finding_reads_its_fail_rows_only():
    """Review rev49b #6 (IEEE 8500 F09, C5 head: seven pre-existing fail rows, 740 V2G warn
    rows): the finding's attribution is its own status's rows', as the gate reads its fail
    rows; a warn row of another attribution does not vote."""
    f = build_findings(_rows(["fail", "warn", "info"], ["new", "pre-existing", "new"],
                             ["lat2", "lat2", "bx"]), _SCEN)
    assert f.findings["attribution"].tolist() == ["caused by V2G"]


def test_pre_existing_fails_with_v2g_warns_say_the_warns_in_a_tail():
    f = build_findings(_rows(["fail", "warn", "info"], ["pre-existing", "worse", "new"],
                             ["lat2", "lat2", "bx"]), _SCEN)
    (row,) = f.findings.itertuples()
    assert (row.status, row.attribution) == ("fail", "pre-existing")
    assert "V2G moves 1 of its warn rows (made worse by V2G there; not failing)" in row.message
    # a warn finding still reads its warn rows
    f = build_findings(_rows(["warn", "warn"], ["pre-existing", "worse"], ["lat2", "lat2"]),
                       _SCEN)
    assert f.findings["attribution"].tolist() == ["made worse by V2G"]


def test_an_info_finding_reads_its_own_rows():
    f = build_findings(_rows(["info", "info"], ["pre-existing", "pre-existing"],
                             ["bx", "bx"]), _SCEN)
    assert f.findings["attribution"].tolist() == ["pre-existing"]
