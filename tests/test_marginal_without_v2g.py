"""A row that passes without V2G and fails with it, V2G's change inside the check's tolerance:
"marginal without V2G", in its figures — the gate's whole and short line, the Findings'
message, the export trend and a Summary heading of its own (review rev44a M1).

EPRI ckt5 (study in /tmp/rev44a/ckt5, session 44): F15, C5 at the head's 51G (190 A), SLG-c
20 Ω at 39766 (min case), firm/light/100 %: 0.05498 × pickup without V2G, −0.006965 × pickup
with 1,586 kW exported, the check's tolerance 0.07465 × pickup. rev44a checked the head's
3I0 against OpenDSS (296.2 A without the project, 284.5 A sustained with it; tool 283.68 A).
F01, C1 head / f-105409 100K, SLG-b at 1103250: 0.925 s without V2G, −0.4634 s at 1,269 kW
and −0.8248 s at 1,586 kW, tolerance 1.998 s (rev44a: the 51G EI TD 2.3 times by hand from
IEEE C37.112). The figures below are those rows; V2G's change is their hand difference
(−0.006965 − 0.05498 = −0.06195 × pickup; −0.8248 − 0.925 = −1.7498 s). All said
"pre-existing" with "present without V2G" / "does not move with export" before.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from protv2g.checks.attribution_materiality import marginal_text
from protv2g.findings import build_findings
from protv2g.gate import gate_verdict
from protv2g.result import VIOLATION_COLUMNS, StudyResult
from protv2g.study.schema import CRITERIA

_P = "× pickup"
F15 = {"criterion": "C5", "status": "fail", "attribution": "pre-existing",
       "scenario": "firm/light/100%", "fault_bus": "39766", "fault_type": "SLG-c",
       "case": "min", "device": "head", "margin": -0.006965, "margin_unit": _P,
       "base_margin": 0.05498, "tolerance": 0.074652, "limit": 1.5,
       "message": "head sees 284 A for a SLG-c fault at 39766"}
WORDS = ("marginal without V2G (passes by 0.055 × pickup, inside the check's tolerance "
         "0.0747 × pickup); V2G's change (−0.0619 × pickup) is inside the tolerance and takes "
         "it below 0 — confirm the input data")


def _result(rows: list[dict]) -> StudyResult:
    extra = [c for c in ("base_margin", "tolerance") if c not in VIOLATION_COLUMNS]
    v = pd.DataFrame(rows, columns=[*VIOLATION_COLUMNS, *extra])
    meta = {"checks": {"criteria": list(CRITERIA), "errors": []}}
    return StudyResult("t", pd.DataFrame(), v, pd.DataFrame(), pd.DataFrame(), {}, meta)


@pytest.mark.parametrize("basis", ["given", "todo"])
def test_the_gate_line_says_marginal_in_its_figures(depot_study, basis):
    """The whole line (``--json``) and the short one (the terminal, the Summary) say it;
    before, the short line said "pre-existing" alone and the whole one a fixed phrase."""
    out = gate_verdict(depot_study, _result([{**F15, "input_basis": basis}]))
    line = out["reasons"][0]
    assert line.startswith("confirm: C5 head" if basis == "todo" else "condition: C5 head")
    short = out["reason_data"][0]["short"]
    for text in (line, short):
        assert WORDS in text and "present without V2G" not in text
    assert f"pre-existing: {WORDS}" in short
    # a row failing without V2G keeps "present without V2G", and no marginal words
    fails = gate_verdict(depot_study, _result([{**F15, "base_margin": -0.02}]))
    assert "present without V2G" in fails["reasons"][0]
    assert "marginal" not in fails["reason_data"][0]["short"]


def test_the_whole_line_says_the_figures_once(depot_study):
    """The pipeline's message already carries them (:func:`marginal_text`, the Findings'
    suffix): the whole line (``--json``) said them twice, in the message and in the note
    (txt44's left item); the short line (no message) keeps them."""
    row = {**F15, "message": F15["message"] + marginal_text(
        "C5", _P, 0.05498, 0.05498 - (-0.006965), 0.074652)}
    out = gate_verdict(depot_study, _result([row]))
    line, short = out["reasons"][0], out["reason_data"][0]["short"]
    assert line.count("marginal without V2G") == 1 and line.count(WORDS) == 1, line
    assert f"head sees 284 A for a SLG-c fault at 39766; pre-existing: {WORDS} (" in line
    assert "present without V2G" not in line
    assert f"pre-existing: {WORDS}" in short


def test_the_findings_message_says_marginal():
    """The Findings' message suffix (:func:`marginal_text`): it said "the limit is not met
    with the devices' own scatter even without V2G" of a row that passes without V2G."""
    text = marginal_text("C5", _P, 0.05498, 0.05498 - (-0.006965), 0.074652)
    assert text == f"; pre-existing: {WORDS}"
    # a base under its tolerance that V2G leaves passing keeps the old words (not failing)
    assert "even without V2G" in marginal_text("C5", _P, 0.05, 0.01, 0.07465)


def _scen() -> pd.DataFrame:
    levels = [("base/light", 0.0, "base"), ("expected/light/100%", 1269.0, "expected"),
              ("firm/light/100%", 1586.0, "firm")]
    return pd.DataFrame({"scenario": [s for s, _, _ in levels],
                         "participation": [p for _, _, p in levels], "load_level": "light",
                         "export_level": ["", "100%", "100%"],
                         "is_base": [k == 0 for _, k, _ in levels],
                         "p_depot_kw": [k for _, k, _ in levels]})


def test_the_trend_says_it_moves_inside_the_tolerance():
    """F01: the margin crosses 0 and moves by 1.75 s, inside the check's 1.998 s — not
    "does not move with export"."""
    rows = pd.DataFrame([{**F15, "criterion": "C1", "other_device": "fuse", "fault_bus":
                          "1103250", "fault_type": "SLG-b", "margin_unit": "s", "limit": 0.12,
                          "scenario": s, "margin": m, "base_margin": 0.925, "tolerance": t}
                         for s, m, t in (("expected/light/100%", -0.4634, 1.997676),
                                         ("firm/light/100%", -0.8248, 1.998))])
    trend = build_findings(rows, _scen()).findings["export_trend"].iloc[0]
    assert trend.startswith("moves with export by −1.75 s, inside the check's tolerance "
                            "±1.998 s: 0.925 s without V2G; −0.4634 s at 1,269 kW; −0.8248 s "
                            "at 1,586 kW"), trend


def test_the_summary_files_it_apart_from_present_without_v2g(depot_study):
    """Section 5 ("present without V2G") keeps the finding failing without V2G; the marginal
    one sits under a heading of its own."""
    from protv2g.report.summary import write_summary

    result = _result([F15, {**F15, "criterion": "C7", "device": "R-F1", "margin_unit": "kA",
                            "margin": -0.2, "base_margin": -0.1, "tolerance": 0.01,
                            "message": "26 kA > 25 kA"}])
    result.meta["gate"] = gate_verdict(depot_study, result)
    derived = {"_findings": build_findings(result.violations, pd.DataFrame()),
               "fault_levels": None}
    ws = write_summary(openpyxl.Workbook(), result, derived, {})
    text = [" ".join(str(c.value) for c in row if c.value) for row in ws.iter_rows()]
    at = {t.split(".")[0]: k for k, t in enumerate(text) if t[:2] in ("5.", "5b", "6.")}
    assert set(at) == {"5", "5b", "6"}, at
    present = " ".join(text[at["5"] + 1:at["5b"]])
    marginal = " ".join(text[at["5b"] + 1:at["6"]])
    assert "C7" in present and "C5" not in present
    assert "C5" in marginal and "C7" not in marginal
    assert "present without V2G" not in text[at["5b"]]
