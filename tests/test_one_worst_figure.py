"""One worst figure per finding, each other figure labelled (review ver40b §2 / rev40a M8,
EPRI J1 F01 RC-MID / FU-LAT2PH): the Summary and the gate's ``confirm:`` line gave −386 s, the
gate's ``condition:`` line −6.964 s and the ground TCC "−476 s, V2G −356 s", none saying
what it was. And the gate's not-converged errors (review rev40a F, ver40b §3: J1 at 10 MW)
printed once, with advice that helps.

The figures are J1's (session 41 run, /tmp/fix41b): the Evidence rows' times, and the 100K
link's clearing time checked here by hand from its curve constants.
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks._row_frames import NOT_CONVERGED_FIX
from protv2g.checks.fuse_melt_text import guaranteed_melt_a
from protv2g.devices.models import Fuse
from protv2g.gate import gate_verdict
from protv2g.network.dss_compile import RETRY_ITERATIONS
from protv2g.report.summary_conditions import _given_worst
from protv2g.report.tcc_intervals import intervals
from protv2g.result import VIOLATION_COLUMNS, StudyResult
from protv2g.significant import short_numbers
from protv2g.study.schema import CRITERIA

# J1 F01's two worst rows (Evidence E0001 and the condition line's row): RC-MID's ground
# delayed time minus FU-LAT2PH's total clearing time
T_RC_MIN_S, T_FU_MIN_S = 1.125336734, 387.0779411  # firm/light/50%, SLG-a b19009reg min
T_RC_MAX_S, T_FU_MAX_S = 0.4140, 7.378  # base/light, SLG-b 5962929303 max
WORST_S = T_RC_MIN_S - T_FU_MIN_S  # −385.95 s, the finding's worst (drafted 20 Ω)
GIVEN_S = T_RC_MAX_S - T_FU_MAX_S  # −6.964 s, the worst on given data (bolted)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _result(rows: list[dict], errors: list[str] | None = None) -> StudyResult:
    v = pd.DataFrame(rows, columns=VIOLATION_COLUMNS)
    meta = {"checks": {"criteria": list(CRITERIA), "errors": errors or []}}
    return StudyResult("t", pd.DataFrame(), v, pd.DataFrame(), pd.DataFrame(), {}, meta)


def _c2(margin: float, scenario: str, bus: str, ftype: str, case: str, basis: str) -> dict:
    return {"criterion": "C2", "status": "fail", "attribution": "pre-existing",
            "scenario": scenario, "fault_bus": bus, "fault_type": ftype, "case": case,
            "device": "R-F1", "other_device": "FU-F1-LAT1", "margin": margin,
            "margin_unit": "s", "rule": "", "mechanism": "fuse TC < recloser delayed",
            "message": "the recloser locks out for a lateral fault", "input_basis": basis,
            "input_todo": ("the minimum-case fault resistance r_fault_min_ohm = 20 Ω"
                           if basis == "todo" else "")}


def test_the_gate_lines_of_a_split_finding_say_which_worst_each_margin_is(depot_study):
    assert round(WORST_S, 2) == -385.95 and round(GIVEN_S, 3) == -6.964
    rows = [_c2(WORST_S, "firm/light/50%", "b19009reg", "SLG-a", "min", "todo"),
            _c2(GIVEN_S, "base/light", "5962929303", "SLG-b", "max", "given")]
    out = gate_verdict(depot_study, _result(rows))
    # as the console and the Summary print the gate's lines (4 significant digits)
    (cond,) = [short_numbers(r) for r in out["reasons"] if r.startswith("condition: C2")]
    (conf,) = [short_numbers(r) for r in out["reasons"] if r.startswith("confirm: C2")]
    assert ("margin −6.964 s (the worst on given data; the finding's worst, −386 s at "
            "firm/light/50%, SLG-a at b19009reg (min), rests on an input to confirm: the "
            "confirm: line)") in cond
    assert ("margin −386 s (the finding's worst, resting on that input; on given data "
            "−6.964 s at base/light, SLG-b at 5962929303 (max): the condition: line)") in conf


def test_the_summary_gives_the_worst_on_given_data_beside_the_findings():
    evidence = pd.DataFrame([
        {"finding": "F01", "status": "fail", "margin": WORST_S, "input_basis": "todo",
         "scenario": "firm/light/50%", "fault_type": "SLG-a", "fault_bus": "b19009reg",
         "case": "min"},
        {"finding": "F01", "status": "fail", "margin": GIVEN_S, "input_basis": "given",
         "scenario": "base/light", "fault_type": "SLG-b", "fault_bus": "5962929303",
         "case": "max"}])
    f = SimpleNamespace(finding="F01", status="fail", margin_unit="s")
    assert _given_worst(evidence, f) == "−6.964 s at base/light, SLG-b 5962929303 max"
    # a finding whose worst row is on given data: nothing to add
    assert _given_worst(evidence.iloc[::-1], f) == ""


def test_the_100k_clearing_time_at_the_tccs_min_fault_by_hand():
    """The TCC's −476 s: FU-LAT2PH (100K) at 238.134 A, between its maximum-melt asymptote
    and its first curve point (ANSI C37.43 100K: 240 A melts it in 300 s at most), on the
    thermal tail t = τ·ln(M²/(M² − 1)), M = I / I_asymptote, τ from the 300-s point
    (A. Wright, P. G. Newbery, Electric Fuses, ch. 3), plus the arcing time."""
    fuse = Fuse(name="FU-LAT2PH", link="100K")
    i_asym = guaranteed_melt_a(fuse)
    assert 237.0 < i_asym < 240.0  # below the 300-s maximum melting current
    big_m0 = 240.0 / i_asym
    tau_s = 300.0 / math.log(big_m0**2 / (big_m0**2 - 1.0))
    big_m = 238.134066 / i_asym
    t_hand = tau_s * math.log(big_m**2 / (big_m**2 - 1.0)) + fuse.curve.arcing_time_s
    t_lib = float(fuse.total_clear_time_s(np.array([238.134066]))[0])
    assert t_lib == pytest.approx(t_hand, rel=2e-3)  # 478.06 s
    assert 1.903848784 - t_lib == pytest.approx(-476.16, abs=0.05)


def _pair(case_of: str, interval_min: float, worst: float, worst_fault: str,
          scenario: str, i_min: float) -> pd.Series:
    return pd.Series({
        "criterion": "C2", "case_of": case_of, "required_s": 0.0, "status": "fail",
        "worst_margin_s": worst, "worst_fault": worst_fault, "scenario": scenario,
        "min_fault": "LLG-ab 6000729625 (min)", "interval_min_s": interval_min,
        "interval_worst_s": worst,  # a pair row's interval at its worst fault (need 0 s)
        "i_primary_min_a": i_min, "i_primary_3i0_min_a": 178.0,
        "t_primary_min_s": 1.9 - interval_min, "t_backup_min_s": 1.9,
        "elements_min": "FU-LAT2PH fuse TC, RC-MID delayed G (3I0)"})


def test_the_tcc_says_where_its_interval_is_drawn_and_the_pairs_worst():
    ref = _pair("base", -476.1555, -295.97, "SLG-b fu-lat2ph close-in (min)",
                "base/light, base/peak", 238.134)
    v2g = _pair("worst V2G", -355.657, -385.95, "SLG-a b19009reg (min)", "firm/light/50%",
                238.038)
    (iv,) = intervals([("FU-LAT2PH", "RC-MID", ref, v2g)], ["RC-MID", "FU-LAT2PH"],
                      "ground")
    assert iv.text.startswith("C2 FU-LAT2PH→RC-MID: −476 s, V2G −356 s (need ≥ 0 s); drawn "
                              "at its min fault (238 A); the pair's worst: V2G −386 s "
                              "(SLG-a b19009reg (min), firm/light/50%)")
    assert "rests on FU-LAT2PH's long-time tail" in iv.text
    # a pair whose worst is the interval drawn: no note
    (same,) = intervals([("FU-LAT2PH", "RC-MID", _pair("base", -476.1555, -476.1555, "x",
                                                        "base/light", 238.1), None)],
                        ["RC-MID", "FU-LAT2PH"], "ground")
    assert same.text == "C2 FU-LAT2PH→RC-MID: −476 s (need ≥ 0 s)"


def test_a_flow_that_did_not_converge_is_one_error_line_with_advice_that_helps(depot_study):
    message = ("could not evaluate C12: the power flow of scenario firm/peak/100% did not "
               f"converge (step 0): its voltages and branch loading are not known there. "
               f"{NOT_CONVERGED_FIX}")
    row = {"criterion": "C12", "status": "not_evaluated", "attribution": "",
           "scenario": "firm/peak/100%", "message": message}
    out = gate_verdict(depot_study, _result([row], errors=[message]))
    lines = [r for r in out["reasons"] if "did not converge" in r]
    head, fix = message.split(". Fix: ")
    assert lines == [f"error: {head} in 1 scenario. Fix: {fix}"]
    # protv2g's own iteration floor is 100 already: advising 100 helped no one
    assert "maxiterations=100" not in NOT_CONVERGED_FIX
    assert f"at least {RETRY_ITERATIONS} iterations and {RETRY_ITERATIONS} control" in (
        NOT_CONVERGED_FIX)


# J1's C10 message (session 41 run), 1,358 characters as the gate's line
C10_MESSAGE = (
    "RC-MID recloses after 0.5 s but site homes at x_b56685_cust1-b may energise the island "
    "for up to 0.16 s, with homes exporting 0.0216 MW (light load): out-of-phase reclosing "
    "risk (needs > 0.66 s); with the low end of the margin bracket (0.2 s) it holds: the "
    "choice of margin decides this row; the 0.16 s is its UV2 trip (Category II (drafted: "
    "TODO) UV2 0.45 pu within 0.16 s (IEEE 1547-2018 Tables 11–13 default)): 32.4 kVA at the "
    "1.5 pu current limit (drafted: TODO) of the V2G on its phase against 0.178 MW minimum "
    "load (1/3 of the zone: its share) holds the island at most 0.18 pu (constant-impedance "
    "load, the highest-voltage end; a constant-power load collapses it further); this rests "
    "on the category and the current limit, not on its declared cease-to-energise time 2 s "
    "(drafted: TODO), IEEE 1547-2018 §8.1's upper bound drafted by init (give the chargers' "
    "anti-islanding clearing time); DER behind RC-MID 0.0216 MW against its minimum load "
    "0.534 MW: ratio 0.04, under the island screen (0.33 × minimum load, Sandia "
    "SAND2012-1365): a sustained island is unlikely; the window up to its UV2 trip remains")


def test_the_terminal_and_summary_print_a_short_line_the_json_keeps_the_whole(depot_study):
    from protv2g.gate_reason_record import short_reasons

    row = {"criterion": "C10", "status": "fail", "attribution": "new",
           "scenario": "firm/light/100%", "fault_bus": "x_b56685_cust1-b", "fault_type": "",
           "case": "", "device": "R-F1", "other_device": "homes", "margin": -0.16,
           "margin_unit": "s", "rule": "reclose_margin_s", "message": C10_MESSAGE,
           "input_basis": "given"}
    out = gate_verdict(depot_study, _result([row]))
    (k,) = [i for i, r in enumerate(out["reasons"]) if r.startswith("fail: C10")]
    assert len(out["reasons"][k]) > 1000  # the whole line stays the gate's data (--json)
    (short,) = [s for s in short_reasons(out["reasons"], out["reason_data"])
                if s.startswith("fail: C10")]
    assert len(short) <= 300, (len(short), short)
    assert short.startswith("fail: C10 R-F1 / homes: RC-MID recloses after 0.5 s but site "
                            "homes at x_b56685_cust1-b may energise the island")
    assert "margin −0.16 s" in short and "whole text: Findings sheet" in short


# IEEE 8500's depot hosting row (review vh40/ver40b §5, the Hosting capacity sheet)
C12_FAULT_8500 = (
    "at x2729406c; a rise of 0.0010519 pu at 314 kW, more than the 0.001051 pu V2G may add "
    "there, on a bus at 1.0510 pu without V2G (at the limit 1.05 pu, within its tolerance); "
    "the at-limit end of a bracket: this bus is 0.00097 pu over 1.05 pu without V2G, inside "
    "the tolerance on the limit (checks.voltage_limit_tolerance_pu); counted as over it, V2G "
    "may add 0.00833 pu there and the figure is 369 kW (limited by C12 at sx2897768c from "
    "371 kW; by a linear estimate from its rise per kW at 314 kW, the rise at this bus passes "
    "0.00833 pu at ≈ 2,500 kW)")


def test_a_gate_hosting_line_names_the_figure_limit_and_bracket_end_in_few_words():
    from protv2g.gate_hosting import hosting_limit_per_site

    row = {"site": "depot", "participation": "firm", "load_level": "light",
           "hosting_kw": 312.5, "limited": True, "limiting_criterion": "C12",
           "limiting_device": "", "limiting_fault": C12_FAULT_8500, "site_max_kw": 2000.0,
           "over_limit_kw": 369.140625, "determined": True}
    text = hosting_limit_per_site(pd.DataFrame([row]))["depot"]
    assert text == ("limited by C12 (at x2729406c), firm/light; the at-limit end of a bracket: "
                    "369 kW with that bus counted over the limit; the whole text: Hosting "
                    "capacity sheet")
