"""A study with protective devices but no fuse or recloser has checked no fuse or recloser
coordination (C1–C4 "not applicable"): the gate says "not evaluated" (ERROR) unless the study
states the feeder has none (``no_fuses_or_reclosers: true``), and the Summary says so (review
s21, EPRI J1: a drafted head relay only, laterals fused in reality; the Summary looked
clean)."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from protv2g.errors import InputError
from protv2g.gate import gate_verdict
from protv2g.gate_rows import NO_FUSES_OR_RECLOSERS
from protv2g.report.summary import _unmodelled_notes
from protv2g.result import VIOLATION_COLUMNS, StudyResult
from protv2g.study.schema import CRITERIA

ALL_RAN = {"criteria": list(CRITERIA), "errors": []}


def _na(crit: str) -> dict:
    return {"criterion": crit, "status": "not_applicable", "attribution": "", "scenario": "",
            "device": "", "message": f"{crit} not applicable: no primary/backup pair"}


def _result() -> StudyResult:
    v = pd.DataFrame([_na(c) for c in ("C1", "C2", "C3", "C4")], columns=VIOLATION_COLUMNS)
    return StudyResult("t", pd.DataFrame(), v, pd.DataFrame(), pd.DataFrame(), {},
                       {"checks": ALL_RAN})


@pytest.fixture(scope="module")
def relays_only(depot_study):
    relays = [d for d in depot_study.raw["devices"] if d["kind"] == "relay"]
    assert relays and len(relays) < len(depot_study.raw["devices"])
    return depot_study.with_updates(devices=relays)


def test_relays_only_is_not_evaluated(relays_only, depot_study):
    out = gate_verdict(relays_only, _result())
    assert out["verdict"] == "ERROR" and out["exit_code"] == 2
    errors = [r for r in out["reasons"] if r.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {NO_FUSES_OR_RECLOSERS} — ")
    assert "no_fuses_or_reclosers: true" in errors[0] and "R-F1" in errors[0]
    # its C1–C4 "not applicable" infos are not listed beside the error
    assert not any(r.startswith("info: C1 not applicable") for r in out["reasons"])
    # the shipped depot (fuses and reclosers modelled) is unchanged
    assert not any(NO_FUSES_OR_RECLOSERS in r for r in
                   gate_verdict(depot_study, _result())["reasons"])


def test_stating_none_exist_is_the_way_out(relays_only):
    stated = relays_only.with_updates(no_fuses_or_reclosers=True)
    out = gate_verdict(stated, _result())
    assert out["verdict"] == "PASS", out["reasons"]
    assert "info: C2 not applicable: no primary/backup pair" in out["reasons"]
    # gating none of C1–C4 needs no statement either
    ungated = relays_only.with_updates(gate={"criteria": [c for c in CRITERIA
                                                          if c not in ("C1", "C2", "C3",
                                                                       "C4")]})
    assert gate_verdict(ungated, _result())["verdict"] == "PASS"


def test_stating_none_with_fuses_modelled_is_invalid(depot_study):
    with pytest.raises(InputError, match="no_fuses_or_reclosers"):
        depot_study.with_updates(no_fuses_or_reclosers=True)


def test_summary_counts_read_not_evaluated():
    counts = [["C2", "recloser–fuse", 0, 0, 0, 0, "not applicable"],
              ["C5", "sensitivity", 0, 0, 0, 0, "passed: evaluated"]]
    reason = f"error: {NO_FUSES_OR_RECLOSERS} — C1, C2"
    got = _unmodelled_notes(counts, [reason])
    assert got[0][-1] == NO_FUSES_OR_RECLOSERS and got[1] == counts[1]
    assert _unmodelled_notes(counts, []) == counts


def test_summary_sheet_shows_the_error(relays_only, tmp_path):
    from protv2g.findings import build_findings
    from protv2g.report.summary import write_summary

    result = _result()
    result.meta["gate"] = gate_verdict(relays_only, result)
    wb = openpyxl.Workbook()
    derived = {"_findings": build_findings(result.violations, pd.DataFrame()),
               "fault_levels": None}
    ws = write_summary(wb, result, derived, {})
    text = [" ".join(str(c.value) for c in row if c.value) for row in ws.iter_rows()]
    assert any(t.startswith("Gate verdict ERROR") for t in text)
    assert any(f"error: {NO_FUSES_OR_RECLOSERS}" in t for t in text)
    # the note names the gap and its fix (gate41: the gate's ``unjudged``, rev41b W1–W2)
    c2 = [t for t in text if t.startswith("C2 ")][0]
    assert c2.endswith(f"{NO_FUSES_OR_RECLOSERS} (the study's devices are relays only; add the "
                       "feeder's fuses and reclosers or state no_fuses_or_reclosers: true)")
