"""The pre-pilot gate (issue #9): verdict rules, screening items, the command and its exit codes.

End-to-end tests build study variants of the shipped depot example in tmp dirs (one export
level, one participation case, one load level) and use the hand-made "C12" criterion of
``test_hosting`` (reverse active power through R-F1 from the power flow, monotonic in the
depot's export) as the checks (a stand-in for ``protv2g.checks.run_checks``), then the real
checks.
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import pandas as pd
import pytest

import protv2g
import protv2g.hosting.calls as hosting_calls
from protv2g.gate import classify, error_verdict, gate_json, gate_verdict, screening_status
from protv2g.hosting import evaluate_scenarios, hosting_capacity
from protv2g.result import VIOLATION_COLUMNS, StudyResult
from protv2g.scenarios import build_scenarios
from protv2g.study.schema import CRITERIA

from .test_hosting import DEVICE, depot_variant, held_faults, reverse_power_check

ALL_RAN = {"criteria": list(CRITERIA), "errors": []}
_RUN_STUDY = protv2g.run_study


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.fixture(scope="module")
def study(depot_study):
    return depot_study


def _result(violations: list[dict] | None = None, checks: dict | None = ALL_RAN,
            **meta) -> StudyResult:
    v = pd.DataFrame(violations or [], columns=VIOLATION_COLUMNS)
    m = dict(meta)
    if checks is not None:
        m["checks"] = checks
    return StudyResult("t", pd.DataFrame(), v, pd.DataFrame(), pd.DataFrame(), {}, m)


def _row(criterion="C7", status="fail", attribution="new", **kw) -> dict:
    row = {"criterion": criterion, "status": status, "attribution": attribution,
           "scenario": "firm/peak/5000 kW", "fault_bus": "F1-B01", "fault_type": "3ph",
           "case": "max", "device": "R-F1", "margin": -0.1, "message": "26 kA > 25 kA"}
    row.update(kw)
    return row


# --- the rules -----------------------------------------------------------------------------------


def test_pass_when_checks_ran_and_nothing_fails(study):
    out = gate_verdict(study, _result())
    assert out["verdict"] == "PASS" and out["exit_code"] == 0
    # trust_defaults: counts gained to_confirm / unconfirmed (conditions and failing rows
    # resting on a tool default or a drafted value)
    assert out["counts"] == {"failing": 0, "pre_existing": 0, "errors": 0, "conditions": 0,
                             "to_confirm": 0, "unconfirmed": 0}
    assert out["conditions"] == [] and out["pre_existing_policy"] == "condition"


def test_never_pass_without_evidence_that_the_checks_ran(study):
    out = gate_verdict(study, _result(checks=None))
    assert out["verdict"] == "ERROR" and out["exit_code"] == 2
    assert "did not run" in out["reasons"][0]


def test_check_error_or_unevaluated_criterion_is_error_even_with_failures(study):
    out = gate_verdict(study, _result([_row()], checks={"criteria": list(CRITERIA),
                                                        "errors": ["C9: no polarising data"]}))
    assert out["verdict"] == "ERROR" and out["reasons"][0] == "error: C9: no polarising data"
    assert any(r.startswith("fail: C7") for r in out["reasons"])  # still listed
    out = gate_verdict(study, _result(checks={"criteria": ["C1", "C2"], "errors": []}))
    assert out["verdict"] == "ERROR" and "C3, C4" in out["reasons"][0]
    not_computed = _result(not_computed={"Violations": "flow did not converge"})
    assert gate_verdict(study, not_computed)["verdict"] == "ERROR"


def test_fail_names_criterion_device_and_fault(study):
    rows = [_row(), _row(margin=-0.3, scenario="firm/peak/2500 kW"),
            _row(criterion="C1", device="RC-F1", other_device="R-F1", margin=-0.05,
                 message="CTI 0.1 s < 0.3 s")]
    out = gate_verdict(study, _result(rows))
    assert out["verdict"] == "FAIL" and out["exit_code"] == 1
    fails = [r for r in out["reasons"] if r.startswith("fail:")]
    assert fails[0].startswith("fail: C1 RC-F1 / R-F1: CTI 0.1 s < 0.3 s")
    assert fails[1].startswith("fail: C7 R-F1: 26 kA > 25 kA")
    # the margin as the report writes numbers in text: U+2212 minus, its unit (#polish)
    assert "firm/peak/2500 kW, 3ph at F1-B01 (max)" in fails[1] and "margin \u22120.3" in fails[1]
    assert "2 fail rows in 2 scenarios" in fails[1]
    assert out["counts"]["failing"] == 3
    assert all("\n" not in r for r in out["reasons"])


def test_pre_existing_is_a_condition_by_default_and_does_not_fail(study):
    """``gate.pre_existing: condition`` (the default): a failing row already present without
    V2G passes the gate with a condition, "fix before the pilot"."""
    out = gate_verdict(study, _result([_row(attribution="pre-existing")]))
    assert out["verdict"] == "PASS" and out["exit_code"] == 0
    assert out["reasons"][0].startswith("condition: C7 R-F1")
    assert "present without V2G: fix before the pilot" in out["reasons"][0]
    assert out["conditions"] == [out["reasons"][0]]
    # trust_defaults: to_confirm / unconfirmed added (this row carries no input_basis)
    assert out["counts"] == {"failing": 0, "pre_existing": 1, "errors": 0, "conditions": 1,
                             "to_confirm": 0, "unconfirmed": 0}


def test_a_marginal_base_is_not_said_present_without_v2g(study):
    """Review rev35a T4 (EPRI ckt5): a pre-existing row whose base case PASSES (by less than
    the check's tolerance: the rule for a marginal base) read "(present without V2G: …)"; it
    says "marginal without V2G". A row failing without V2G keeps "present without V2G"."""
    out = gate_verdict(study, _result([_row(attribution="pre-existing", base_margin=0.0181)]))
    line = out["reasons"][0]
    assert line.startswith("condition: C7 R-F1")
    assert "marginal without V2G (it passes there by less than the check's tolerance): fix " \
           "before the pilot" in line and "present without V2G" not in line
    out = gate_verdict(study, _result([_row(attribution="pre-existing", base_margin=-0.02)]))
    assert "present without V2G: fix before the pilot" in out["reasons"][0]


@pytest.mark.parametrize(("policy", "verdict", "kind", "note"), [
    ("condition", "PASS", "condition", "present without V2G: fix before the pilot"),
    ("fail", "FAIL", "fail", "present without V2G (gate.pre_existing: fail)"),
    ("info", "PASS", "info", "not attributable to V2G"),
])
def test_pre_existing_policy(study, policy, verdict, kind, note):
    """Each ``gate.pre_existing`` policy, on one pre-existing failing row and, beside it, a
    V2G-caused one of another criterion (which fails whatever the policy)."""
    s = study.with_updates(gate={"pre_existing": policy})
    out = gate_verdict(s, _result([_row(attribution="pre-existing")]))
    assert out["verdict"] == verdict and out["pre_existing_policy"] == policy
    line = next(r for r in out["reasons"] if r.startswith(f"{kind}: C7 R-F1"))
    assert note in line
    assert out["counts"]["pre_existing"] == 1 and out["counts"]["failing"] == 0
    assert out["counts"]["conditions"] == (1 if policy == "condition" else 0)
    assert out["conditions"] == ([line] if policy == "condition" else [])
    both = gate_verdict(s, _result([_row(attribution="pre-existing"),
                                    _row(criterion="C1", attribution="new")]))
    assert both["verdict"] == "FAIL" and both["reasons"][0].startswith("fail: C1 R-F1")
    assert both["counts"]["failing"] == 1


def test_severity_and_criteria_come_from_the_study(study):
    warn = _result([_row(status="warn")])
    assert gate_verdict(study, warn)["verdict"] == "PASS"
    strict = study.with_updates(gate={"fail_severities": ["fail", "warn"]})
    assert gate_verdict(strict, warn)["verdict"] == "FAIL"
    only_c1 = study.with_updates(gate={"criteria": ["C1"]})
    ran = {"criteria": ["C1"], "errors": []}
    assert gate_verdict(only_c1, _result([_row()], checks=ran))["verdict"] == "PASS"


def test_screening_items(study):
    assert set(screening_status(study).values()) == {"not declared"}
    declared = study.with_updates(pilot_screening={
        "evening_peak_narrow_window": True, "predictable_plug_in_times": False})
    status = screening_status(declared)
    assert status["evening_peak_narrow_window"] == "met"
    assert status["predictable_plug_in_times"] == "not met"
    assert status["telemetry_phase_power_status"] == "not declared"
    out = gate_verdict(declared, _result())
    assert out["verdict"] == "PASS" and out["screening"] == status
    assert any("predictable_plug_in_times not met" in r and r.startswith("info:")
               for r in out["reasons"])
    failing = declared.with_updates(gate={"unmet_screening_fails": True})
    out = gate_verdict(failing, _result())
    assert out["verdict"] == "FAIL"
    assert "fail: pilot screening item predictable_plug_in_times not met" in out["reasons"][0]


def test_json_has_versions_digest_and_hosting_per_site(study):
    table = pd.DataFrame({"site": ["depot", "depot", "depot", "campus"],
                          "hosting_kw": [3000.0, 2500.0, 2000.0, 900.0],
                          "site_max_kw": [6000.0, 4800.0, 2000.0, 900.0],
                          "limited": [True, True, False, False]})
    out = gate_json(gate_verdict(study, _result(), hosting=table), study, "s.yaml")
    # the smallest limit found (2500 kW), not the participation cap of an unlimited row
    assert out["hosting_capacity_kw"] == {"depot": 2500.0, "campus": 900.0}
    assert out["hosting_limited"] == {"depot": True, "campus": False}
    # s16 S2: what limits each site (this table names no criterion)
    assert out["hosting_limit"] == {"depot": "limited by a criterion",
                                    "campus": "site maximum: no criterion limits it"}
    # review s17 §5: the number of chargers, None where the table gives no count
    assert out["hosting_chargers"] == {"depot": None, "campus": None}
    assert out["input_digest"] == protv2g.runner.input_digest(study)
    assert out["versions"]["protv2g"] == protv2g.__version__
    json.dumps(out)  # serialisable
    err = error_verdict(None, ["bad input: x"])
    assert err["verdict"] == "ERROR" and err["reasons"] == ["error: bad input: x"]


def test_policy_row_by_row_and_not_applicable_is_info(study):
    rows = [_row(), _row(attribution="pre-existing"), _row(status="warn"),
            _row(criterion="C5", status="not_evaluated"),
            _row(criterion="C2", status="not_applicable", device="", scenario="",
                 message="C2 not applicable: no fuse backed up by a recloser")]
    result = _result(rows)
    assert classify(result.violations, study.document.gate).tolist() == [
        "fail", "condition", "none", "error", "info"]
    for policy in ("fail", "info"):  # the pre-existing row follows gate.pre_existing
        gate = study.with_updates(gate={"pre_existing": policy}).document.gate
        assert classify(result.violations, gate).tolist() == [
            "fail", policy, "none", "error", "info"]
    out = gate_verdict(study, _result([rows[-1]]))
    assert out["verdict"] == "PASS"
    assert "info: C2 not applicable: no fuse backed up by a recloser" in out["reasons"]


# --- the depot, end to end -----------------------------------------------------------------


def _checked(study, checks):
    """run_study plus the stand-in checks, as the runner will record them."""
    result = _RUN_STUDY(study)
    ev = evaluate_scenarios(study, build_scenarios(study.document), checks)
    return dataclasses.replace(result, violations=ev.violations,
                               meta={**result.meta, "checks": ALL_RAN})


@pytest.fixture
def stand_in_checks(monkeypatch):
    """``protv2g gate`` with the hand-made C7 instead of the real checks."""
    checks = reverse_power_check()
    monkeypatch.setattr(protv2g, "run_study", lambda s: _checked(s, checks))
    monkeypatch.setattr(hosting_calls, "run_checks", checks)


def _gate(path, capsys, *extra) -> tuple[int, str]:
    from protv2g.cli import main

    code = main(["gate", str(path), *extra])
    captured = capsys.readouterr()
    if "--json" in extra:  # stdout is the JSON document; notes go to stderr
        return code, captured.out
    return code, captured.out + captured.err


def test_depot_pass_fail_error_and_hosting_between(study, tmp_path, capsys, stand_in_checks):
    p_max_kw = study.document.v2g_sites[0].p_max_kw  # the limit is crossed near p_max / 2
    passing = depot_variant(tmp_path, 0.2 * p_max_kw)
    failing = depot_variant(tmp_path, 0.8 * p_max_kw)
    code, text = _gate(passing, capsys)
    assert code == 0 and text.startswith("PASS depot_two_feeder")
    code, text = _gate(failing, capsys, "--json")
    out = json.loads(text)
    assert code == 1 and out["verdict"] == "FAIL"
    assert out["reasons"][0].startswith(f"fail: C12 {DEVICE}")
    hosting_kw = out["hosting_capacity_kw"]["depot"]
    assert 0.2 * p_max_kw < hosting_kw < 0.8 * p_max_kw
    assert out["hosting"][0]["limiting_criterion"] == "C12"
    assert len(out["input_digest"]) == 16 and "pandapower" in out["versions"]
    broken = depot_variant(tmp_path, 2500.0, devices=[{"name": "X", "kind": "relay"}])
    code, text = _gate(broken, capsys)
    assert code == 2 and text.startswith("ERROR") and "bad input" in text


def test_depot_verdict_flips_around_the_hosting_capacity(tmp_path):
    """The hosting search and run_study agree at the same export: the last level the search
    found passing passes as a one-level study, 5 % above it fails."""
    checks = reverse_power_check()
    axis = protv2g.load_study(depot_variant(tmp_path, 1000.0))
    kw = hosting_capacity(axis, checks=checks, participations=["firm"],
                          load_levels=["peak"]).iloc[0].hosting_kw
    for factor, verdict in ((0.95, "PASS"), (1.0, "PASS"), (1.05, "FAIL")):
        s = protv2g.load_study(depot_variant(tmp_path, kw * factor))
        assert gate_verdict(s, _checked(s, checks))["verdict"] == verdict, factor


def test_engine_error_is_exit_2_never_pass(tmp_path, capsys, monkeypatch):
    def boom(study):
        raise FloatingPointError("singular matrix")

    monkeypatch.setattr(protv2g, "run_study", boom)
    code, text = _gate(depot_variant(tmp_path, 2500.0), capsys, "--json")
    out = json.loads(text)
    assert code == 2 and out["verdict"] == "ERROR"
    assert "FloatingPointError: singular matrix" in out["reasons"][0]


def test_without_checks_the_gate_is_error(tmp_path, capsys, monkeypatch):
    # The runner without a checks stage (or a result without meta['checks']): never PASS.
    def unchecked(study):
        result = _RUN_STUDY(study)
        meta = {k: v for k, v in result.meta.items() if k != "checks"}
        return dataclasses.replace(result, meta=meta)

    monkeypatch.setattr(protv2g, "run_study", unchecked)
    code, text = _gate(depot_variant(tmp_path, 2500.0), capsys, "--no-hosting")
    assert code == 2 and "checks did not run" in text


def test_could_not_evaluate_rows_are_errors_not_failures(study):
    row = _row(criterion="C9", device="R-F1", scenario="", attribution="",
               status="not_evaluated",
               message="could not evaluate C9: no polarising voltage for R-F1")
    out = gate_verdict(study, _result([row, row]))
    assert out["verdict"] == "ERROR"
    assert out["reasons"] == ["error: could not evaluate C9: no polarising voltage for R-F1",
                              *out["reasons"][1:]]
    assert out["counts"]["failing"] == 0
    outside = study.with_updates(gate={"criteria": ["C1"]})
    assert gate_verdict(outside, _result([row], checks={"criteria": ["C1"], "errors": []})
                        )["verdict"] == "PASS"


# --- with the real checks (protv2g.checks.run_checks) and flow -----------------------------------


#: The depot's 48 online inverters (firm participation), 125 kVA each, at their first-cycle
#: limit 2.0 pu on the 12.47 kV feeder: 2 × 48 × 125 kVA / (√3 × 12.47 kV) = 555.8 A — what
#: R-F1 carries back for a fault on F2 whatever the depot exports (hand calculation).
I_DEPOT_FIRST_CYCLE_A = 2.0 * 48 * 125e3 / (3**0.5 * 12.47e3)


def _limited_at_chargers_online(row, p_max_kw: float) -> None:
    """What the hosting row of the depot (firm, peak, real checks) must say since #16."""
    assert row.limited and row.hosting_kw == 0.0 and row.hosting_chargers == 0, row.note
    assert row.limiting_criterion and row.limiting_device and row.limiting_fault
    assert ("fails from the smallest export evaluated (5 kW, the search's first export step, "
            "with all 48 chargers of the participation online)") in row.note
    assert ("the fault current comes from the chargers' connected kVA (the fleet online), not "
            "from their export: the 48 chargers online give up to their first-cycle limit "
            "(48 × 125 kVA at 2 pu)") in row.note
    assert "NOT ESTABLISHED" not in row.note  # every criterion ran (flow included)
    assert row.site_max_kw == pytest.approx(p_max_kw)


def _export_only(tmp_path, export_kw: float):
    """The depot at one export level, no 96-step day, the site exporting only (no charging
    snapshot, s16) and its first cycle held."""
    return depot_variant(tmp_path, export_kw, day=False, charging=False, faults=held_faults())


def test_depot_real_checks_hosting_and_verdict_flip(tmp_path):
    """With the real checks and the first-cycle limit held (``faults.high_bracket:
    first_cycle_held``, the hosting band's pessimistic end) the depot's hosting capacity is
    0 kW, and run_study agrees.

    Physics (#16): 48 online inverters give their first-cycle limit (2 pu of 6 MVA, 556 A)
    in every fault whatever they export, and every time-based criterion is judged on the
    worse bracket (first cycle held). At the smallest export evaluated (5 kW) R-F1 then
    miscoordinates with RC-F1 for a LL fault on lateral 2 (C4, min case) and trips on the
    556 A fed back for a fault on F2 (C6): a step at p → 0⁺, not a crossing at some export.
    So there is no positive figure to go 5 % above or below: the verdict goes from no export
    (ERROR: the export was not judged; nothing fails, the feeder's own pre-existing C2
    failures are conditions) to the smallest export (FAIL, on the limiting criterion the
    search named, same pair and fault).

    The one-level studies have their 96-step day switched off and the depot exports only: the
    hosting search judges export levels (snapshots), and the day — or, without it, C8's
    charging snapshot (s16) — adds the fleet's *charging* (C8: 8 MW imported at step 80), a
    finding no export limit removes (see the CLI test below).
    """
    pytest.importorskip("protv2g.checks", reason="the checks C1–C12 are not installed")
    from protv2g.checks import run_checks

    axis = protv2g.load_study(_export_only(tmp_path, 1000.0))
    p_max_kw = axis.document.v2g_sites[0].p_max_kw
    row = hosting_capacity(axis, participations=["firm"], load_levels=["peak"]).iloc[0]
    _limited_at_chargers_online(row, p_max_kw)
    limiting = [c.strip() for c in row.limiting_criterion.split(",")]
    verdicts = {}
    for p_kw in (0.0, 5.0):
        s = protv2g.load_study(_export_only(tmp_path, p_kw))
        verdicts[p_kw] = gate_verdict(s, _checked(s, run_checks))
    none = verdicts[0.0]
    # no export at all: the V2G question was not asked, so the gate cannot pass (#20 item 4);
    # nothing fails, and the feeder's own C2 failures are its conditions
    assert none["verdict"] == "ERROR", none["reasons"]
    errors = [r for r in none["reasons"] if r.startswith("error:")]
    assert len(errors) == 1 and "exports in no scenario" in errors[0]
    assert none["counts"]["failing"] == 0 and none["counts"]["conditions"] >= 1
    assert all(c.startswith("condition: C2 ") for c in none["conditions"])
    some = verdicts[5.0]
    assert some["verdict"] == "FAIL"
    fails = [r for r in some["reasons"] if r.startswith("fail:")]
    # the same criterion, pair and fault as the search's limiting row
    assert fails[0].startswith(f"fail: {limiting[0]} {row.limiting_device}: ")
    assert row.limiting_fault in fails[0]
    assert {f.split()[1] for f in fails} >= set(limiting)  # every limiting criterion fails
    c6 = [f for f in fails if f.startswith("fail: C6 R-F1")]
    if "C6" in limiting:  # R-F1 sees the depot's first-cycle current for a fault on F2
        assert f"{I_DEPOT_FIRST_CYCLE_A:.0f} A fed back by V2G" in c6[0]


def test_cli_gate_on_the_real_pipeline_flips_around_the_hosting_capacity(tmp_path, capsys):
    """The command end to end (run_study runs the checks itself, meta['checks']).

    First cycle held, the hosting capacity is 0 kW (see the test above): the verdict flips
    between no export
    and the smallest export. With the depot's 96-step day on (as shipped), the study fails
    even without export: C8 on R-F1 while the fleet charges (import at step 80 above pickup
    / 1.5) — a load finding of the depot's day, outside the export search."""
    probe = protv2g.load_study(_export_only(tmp_path, 1000.0))
    if "checks" not in _RUN_STUDY(probe).meta:
        pytest.skip("run_study does not run the checks yet (result.meta['checks'] absent)")
    kw = hosting_capacity(probe, participations=["firm"], load_levels=["peak"]).iloc[0]
    _limited_at_chargers_online(kw, probe.document.v2g_sites[0].p_max_kw)
    code, text = _gate(_export_only(tmp_path, 0.0), capsys,
                       "--no-hosting")
    assert code == 2 and text.startswith("ERROR depot_two_feeder"), text  # export not judged
    assert "exports in no scenario" in text and "fail:" not in text
    assert "condition: C2 " in text
    code, text = _gate(_export_only(tmp_path, 5.0), capsys,
                       "--no-hosting")
    assert code == 1 and f"fail: {kw.limiting_criterion.split(',')[0]} " in text, text
    code, text = _gate(depot_variant(tmp_path, 0.0), capsys, "--no-hosting")  # with the day
    assert code == 2 and "fail: C8 R-F1" in text and "day/" in text, text  # ERROR ranks first


def test_two_rules_failing_on_one_pair_are_two_conditions():
    """C2 has two rules (fuse saving; fuse clears before the delayed curve): both failing on
    one recloser/fuse pair give two condition lines, each naming its rule."""
    from protv2g.gate_reasons import grouped_reasons

    rows = pd.DataFrame({
        "criterion": ["C2", "C2", "C2"], "device": ["RC-F1"] * 3,
        "other_device": ["FU-F1-LAT2"] * 3,
        "rule": ["fuse_saving_k", "fuse_saving_k", "fuse_before_delayed"],
        "margin": [-0.093, -0.05, -0.116], "scenario": ["base/peak"] * 3,
        "status": ["fail"] * 3, "attribution": ["pre-existing"] * 3,
        "message": ["saving lost", "saving lost", "fuse clears after the delayed trip"],
        "fault_bus": ["F1-LAT2-B2"] * 3, "fault_type": ["SLG"] * 3, "case": ["max"] * 3})
    lines = grouped_reasons("condition", rows)
    assert len(lines) == 2
    # margins written with U+2212 as the report's numbers in text (#polish)
    assert any("rule fuse_saving_k" in x and "\u22120.093" in x for x in lines)
    assert any("rule fuse_before_delayed" in x and "\u22120.116" in x for x in lines)


@pytest.mark.parametrize("index", [None, [5, 3, 9, 1, 7, 0, 2], [0, 0, 1, 1, 2, 2, 3]])
def test_grouped_reasons_are_reason_line_per_group(index):
    """#21: grouped_reasons reads each group's worst row and counts from the columns' arrays;
    its lines are those of :func:`reason_line` on each group's frame (ties, and margins all
    NaN or non-numeric: by scenario, fault bus, type and case as text, as the Findings break
    them — review s15; it was the first row; scenarios counted without NaN), also when the
    index is shuffled or repeats."""
    from protv2g.criteria import order
    from protv2g.gate_reasons import _GROUP, grouped_reasons, reason_line

    rows = pd.DataFrame({
        "criterion": ["C3", "C1", "C3", "C1", "C3", "C1", "C2"],
        "device": ["A", "B", "A", "B", "A", "B", None],
        "other_device": [None, "X", None, "X", None, "X", "Y"],
        "margin": [-0.2, float("nan"), -0.5, "n/a", -0.5, float("nan"), float("nan")],
        "scenario": ["s1", "s2", "s2", None, "s1", "s3", "s1"],
        "status": ["fail"] * 7, "attribution": ["new"] * 7,
        "message": ["m1", "m2", "m3", "m4", "m5", "m6", "m7"],
        "fault_bus": ["b1"] * 7, "fault_type": ["SLG"] * 7, "case": ["max"] * 7},
        index=index)
    groups = rows[_GROUP].astype(str).groupby(_GROUP, sort=True).indices
    want = [reason_line("fail", rows.iloc[at].reset_index(drop=True), "n")
            for _, at in sorted(groups.items(), key=lambda kv: (order(kv[0][0]), kv[0]))]
    assert grouped_reasons("fail", rows, "n") == want
    assert len(want) == 3


def test_one_line_per_device_when_v2g_makes_a_base_failure_worse(study):
    """s16 A3: ckt5's service transformer had a ``fail: … worse`` line and a ``confirm:``
    line for its base row. The base rows of a group that fails with V2G are said on its fail
    line; the pre-existing count still counts them."""
    rows = [_row("C12", attribution="worse", device="transformer.t1", margin=-9.0,
                 margin_unit="%", scenario="expected/peak/100%"),
            _row("C12", attribution="pre-existing", device="transformer.t1", margin=-7.5,
                 margin_unit="%", scenario="base/peak"),
            _row("C12", attribution="pre-existing", device="transformer.t2", margin=-4.0,
                 margin_unit="%", scenario="base/peak")]
    out = gate_verdict(study, _result(rows))
    t1 = [r for r in out["reasons"] if "transformer.t1" in r]
    assert len(t1) == 1 and t1[0].startswith("fail: C12 transformer.t1")
    # review s20: the line says the finding's attribution and names what the folded row is
    assert "; made worse by V2G; " in t1[0]
    assert ("pre-existing on 1 more row(s) of this finding (failing without V2G), the worst "
            "\u22127.5 % at base/peak, 3ph at F1-B01 (max)") in t1[0]
    assert "2 fail rows in 2 scenarios" in t1[0]
    assert [r.split(":")[0] for r in out["reasons"] if "transformer.t2" in r] == ["condition"]
    assert out["counts"]["pre_existing"] == 2 and out["counts"]["conditions"] == 1


def test_hosting_lines_name_what_limits_each_site():
    """s16 S2: ``gate``/``run`` printed "hosting capacity depot: 0 kW" and not why; each site
    now names the criterion, device and fault of the row its capacity is taken from, and
    (review s17 §5) how many chargers the figure is."""
    from protv2g.gate_hosting import (
        hosting_chargers_per_site,
        hosting_kw_per_site,
        hosting_limit_per_site,
        hosting_lines,
    )

    table = pd.DataFrame({
        "site": ["depot", "depot", "homes"], "participation": ["expected", "firm", "firm"],
        "load_level": ["light", "light", "peak"], "hosting_kw": [0.0, 400.0, 144.0],
        "limiting_criterion": ["C10", "C5", ""], "limiting_device": ["head-1", "head-1", ""],
        "limiting_fault": ["at n283602", "SLG-a at b7 (min)", ""],
        "site_max_kw": [2000.0, 2000.0, 144.0], "limited": [True, True, False],
        "hosting_chargers": [0, 6, 20]})
    verdict = {"hosting_capacity_kw": hosting_kw_per_site(table),
               "hosting_limited": {"depot": True, "homes": False},
               "hosting_limit": hosting_limit_per_site(table),
               "hosting_chargers": hosting_chargers_per_site(table)}
    assert hosting_lines(verdict) == [
        "hosting capacity depot: 0 kW, 0 chargers (limited by C10 (head-1, at n283602), "
        "expected/light)",
        "hosting capacity homes: 144 kW, 20 chargers (site maximum: no criterion limits it)"]
