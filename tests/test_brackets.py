"""Both brackets of the chargers' contribution in the checks (issue #16 wired into studies).

References (nothing here is checked against protv2g's own numbers alone):

* IEEE C37.112-2018 eq. (1) and the moderately inverse constants (A = 0.0515, B = 0.114,
  p = 0.02), written out below; ``Σ Δt_k / t_op(I_k) = 1`` evaluated by hand;
* the depot's stage currents against their definitions: first cycle = ``limit_pu`` × the kVA
  online (48 × 125 kVA × 2.0 pu at 12.47 kV = 555.6 A), sustained = ``min(1.1, limit)`` pu
  (305.6 A); tolerance 0.1 % (the small voltage-angle spread of a radial 12.47 kV feeder);
* the engine's pre-fault ``V1`` at device buses against the reconstruction of
  ``directional/memory.py`` (``c·u_nl``, IEC 60909-0 Table 1): 1e-12.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import protv2g
from protv2g.checks import check_context, check_study
from protv2g.checks._common import device_times, in_bracket
from protv2g.checks.brackets import merge_rows
from protv2g.checks.sympathetic import check_sympathetic
from protv2g.devices.kinds import operating_times, staged_operating_times
from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser
from protv2g.directional.memory import prefault_v1_pu
from protv2g.engine.staged_tables import StagedCurrents
from protv2g.pipeline import fault_tables
from protv2g.scenarios import build_scenarios
from protv2g.violations import VIOLATION_COLUMNS

from .test_hosting import depot_variant, held_faults

RELAY = OvercurrentRelay(name="R", pickup_a=400.0, curve="IEEE-MI", time_dial=0.6,
                         inst_pickup_a=4000.0, ground_pickup_a=120.0, ground_curve="IEEE-VI",
                         ground_time_dial=2.0)
RECLOSER = Recloser(name="RC", phase_min_trip_a=280.0, fast_curve="101", delayed_curve="133",
                    ground_min_trip_a=100.0, n_fast=2, n_delayed=2, phase_inst_a=3000.0,
                    reclose_intervals_s=(0.5, 2.0, 2.0))
FUSE = Fuse(name="F", link="65K")
T_FC = 1 / 60


def ieee_mi_s(i_a: float, pickup_a: float, td: float) -> float:
    """IEEE C37.112 moderately inverse: ``TD·(0.0515/(M^0.02 − 1) + 0.114)``."""
    m = i_a / pickup_a
    return td * (0.0515 / (m**0.02 - 1) + 0.114) if m > 1 else np.inf


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# --- operate times through the stages ----------------------------------------------------------


@pytest.mark.parametrize("device", [RELAY, RECLOSER, FUSE], ids=["relay", "recloser", "fuse"])
@pytest.mark.parametrize("i_a", [150.0, 450.0, 900.0, 2500.0, 3500.0, 9000.0])
def test_staged_columns_equal_single_stage_for_a_constant_current(device, i_a):
    ip = np.full((3, 1), i_a)
    ig = ip / 3
    t0 = np.array([[0.0], [T_FC], [0.16]])
    t1 = np.array([[T_FC], [0.16], [np.inf]])
    one = operating_times(device, ip[0], ig[0])
    staged = staged_operating_times(device, ip, ig, t0, t1)
    assert set(staged) == set(one)
    for k, v in one.items():
        assert staged[k][0] == pytest.approx(float(v[0]), rel=1e-12), k


def test_relay_reverse_current_that_drops_below_pickup_never_operates():
    # first cycle 555.6 A (travel 0.0167/t(555.6)), then 305.6 A < 400 A pickup: reset
    t_fc = ieee_mi_s(555.6, 400.0, 0.6)
    assert t_fc == pytest.approx(4.755, abs=0.01)  # the depot's R-F1 in the high bracket
    ip = np.array([[555.6], [305.6], [0.0]])
    t0, t1 = np.array([[0.0], [T_FC], [10.0]]), np.array([[T_FC], [10.0], [np.inf]])
    low = staged_operating_times(RELAY, ip, np.zeros_like(ip), t0, t1)["t_op_s"][0]
    assert np.isinf(low)
    # above pickup all along: 0.0167 s at 1200 A, then 800 A until it operates (hand)
    ip = np.array([[1200.0], [800.0], [800.0]])
    t0, t1 = np.array([[0.0], [T_FC], [0.16]]), np.array([[T_FC], [0.16], [np.inf]])
    hand = T_FC + (1 - T_FC / ieee_mi_s(1200, 400, 0.6)) * ieee_mi_s(800, 400, 0.6)
    low = staged_operating_times(RELAY, ip, np.zeros_like(ip), t0, t1)["t_op_s"][0]
    assert low == pytest.approx(hand, rel=1e-9)


def test_device_times_write_both_brackets():
    table = pd.DataFrame({"scenario": "s", "device": ["R", "R"], "fault_bus": [1, 2],
                          "fault_type": "3ph", "case": "max", "ia_ka": [0.5556, 1.2],
                          "ib_ka": [0.5556, 1.2], "ic_ka": [0.5556, 1.2], "i3i0_ka": 0.0})
    i_a = np.zeros((3, 2, 4), np.float32)
    i_a[:, 0, :3] = np.array([555.6, 305.6, 0.0])[:, None]
    i_a[:, 1, :3] = np.array([1200.0, 800.0, 800.0])[:, None]
    t0 = np.array([[0.0, 0.0], [T_FC, T_FC], [10.0, 0.16]], np.float32)
    t1 = np.array([[T_FC, T_FC], [10.0, 0.16], [np.inf, np.inf]], np.float32)
    st = StagedCurrents(i_a, t0, t1, ("first_cycle", "sustained", "after_trip_1"),
                        pd.DataFrame())
    out = device_times({"R": RELAY}, table, st)
    assert out.t_op_high_s.to_numpy() == pytest.approx(
        [ieee_mi_s(555.6, 400, 0.6), ieee_mi_s(1200, 400, 0.6)], rel=1e-9)
    assert np.isinf(out.t_op_low_s.iloc[0])
    assert out.t_op_low_s.iloc[1] == pytest.approx(
        T_FC + (1 - T_FC / ieee_mi_s(1200, 400, 0.6)) * ieee_mi_s(800, 400, 0.6), rel=1e-6)
    assert (out.t_op_s == out.t_op_high_s).all()  # the default bracket is the high one
    with pytest.raises(ValueError, match="aligned"):
        device_times({"R": RELAY}, table.iloc[:1], st)


def test_device_times_of_repeated_scenarios_equal_each_scenario_alone():
    # light and peak load share a charger set: the second block repeats the first bit for
    # bit and its times are copied (#21); a third block differs and is evaluated itself
    ip = np.array([[555.6, 1200.0], [305.6, 800.0], [0.0, 800.0]])
    blocks = [ip, ip, ip * 1.5]
    table = pd.concat([pd.DataFrame({
        "scenario": name, "device": ["R", "R"], "fault_bus": [1, 2], "fault_type": "3ph",
        "case": "max", "ia_ka": b[0] / 1000, "ib_ka": b[0] / 1000, "ic_ka": b[0] / 1000,
        "i3i0_ka": 0.0}) for name, b in zip(("base/light", "base/peak", "v2g"), blocks,
                                             strict=True)], ignore_index=True)
    i_a = np.zeros((3, 6, 4), np.float32)
    for k, b in enumerate(blocks):
        i_a[:, 2 * k:2 * k + 2, :3] = b[:, :, None]
    t0 = np.tile(np.array([[0.0], [T_FC], [0.16]], np.float32), (1, 6))
    t1 = np.tile(np.array([[T_FC], [0.16], [np.inf]], np.float32), (1, 6))
    st = StagedCurrents(i_a, t0, t1, ("first_cycle", "sustained", "after_trip_1"),
                        pd.DataFrame())
    out = device_times({"R": RELAY}, table, st)
    for k in range(3):
        rows = np.arange(2 * k, 2 * k + 2)
        alone = device_times({"R": RELAY}, table.iloc[rows].reset_index(drop=True),
                             st.take(rows))
        pd.testing.assert_frame_equal(out.iloc[rows].reset_index(drop=True), alone,
                                      check_exact=True)
    assert out.t_op_low_s.iloc[2] == out.t_op_low_s.iloc[0]
    assert out.t_op_low_s.iloc[5] < out.t_op_low_s.iloc[1]  # more current, sooner


# --- which bracket a finding keeps ---------------------------------------------------------------


def _rows(*rows: dict) -> pd.DataFrame:
    base = {"criterion": "C6", "status": "fail", "attribution": "", "scenario": "s",
            "fault_bus": "B", "fault_type": "3ph", "case": "max", "other_device": "R2",
            "margin_unit": "s", "message": "m"}
    return pd.DataFrame([{**base, **r} for r in rows], columns=VIOLATION_COLUMNS)


def test_merge_keeps_the_worse_row_and_says_which_bracket():
    high = _rows({"device": "A", "margin": -0.2, "t_device_s": 1.0},
                 {"device": "B", "margin": -0.1}, {"device": "C", "margin": -0.3},
                 {"device": "D", "status": "warn", "margin": -0.1},
                 {"device": "", "status": "not_applicable", "message": "n/a"})
    low = _rows({"device": "A", "margin": -0.5, "t_device_s": 0.7},
                {"device": "B", "margin": -0.1}, {"device": "E", "margin": -0.05},
                {"device": "D", "status": "fail", "margin": 0.3})
    out = merge_rows(high, low).set_index("device")
    assert out.loc["A", "bracket"] == "low" and out.loc["A", "t_device_s"] == 0.7
    assert out.loc["B", "bracket"] == "both"
    assert out.loc["C", "bracket"] == "high" and out.loc["E", "bracket"] == "low"
    assert out.loc["D", "status"] == "fail" and out.loc["D", "bracket"] == "low"
    assert out.loc["", "bracket"] == "" and len(out) == 6


# --- the depot: both brackets end to end -------------------------------------------------------


@pytest.fixture(scope="module")
def depot(tmp_path_factory):
    """The depot alone, firm participation, full export (6 MW from 48 online chargers)."""
    return _depot(tmp_path_factory)


@pytest.fixture(scope="module")
def depot_held(tmp_path_factory):
    """The same with ``faults.high_bracket: first_cycle_held``."""
    return _depot(tmp_path_factory, faults=held_faults())


def _timed(d):
    """The checks' context of a ``_depot`` tuple with both brackets' time columns: the one
    ``check_study`` returns lets them go once its criteria have read them (#21)."""
    study, scenarios, faults, _ = d
    return check_context(study, faults, None, scenarios)


def _depot(tmp_path_factory, **sections):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        study = protv2g.load_study(depot_variant(tmp_path_factory.mktemp("d"), 6000.0,
                                                 **sections))
        scenarios = build_scenarios(study.document)
        faults = fault_tables(study, scenarios)
        outcome = check_study(study, faults, None, scenarios)
    return study, scenarios, faults, outcome


def test_staged_currents_are_aligned_and_sized_by_the_chargers_online(depot):
    study, _, faults, _ = depot
    st, dev = faults.staged, faults.device
    assert st.n_rows == len(dev) and st.stage_names[:2] == ("first_cycle", "sustained")
    ip = 1e3 * dev[["ia_ka", "ib_ka", "ic_ka"]].max(axis=1).to_numpy()
    assert st.phase_a()[0] == pytest.approx(ip, rel=1e-6, abs=1e-6)  # float32 storage
    # R-F1 for a 3ph fault on the other feeder: the depot's current alone flows through it
    row = np.flatnonzero(((dev.device == "R-F1") & (dev.fault_bus_name == "F2-B03")
                          & (dev.fault_type == "3ph") & (dev.case == "max")
                          & (dev.scenario != "base/peak")).to_numpy())[0]
    s_on_va = 48 * 125e3
    i_fc = 2.0 * s_on_va / (np.sqrt(3) * 12.47e3)      # 555.6 A
    i_sus = 1.1 * s_on_va / (np.sqrt(3) * 12.47e3)     # 305.6 A
    assert st.phase_a(np.array([row]))[:2, 0] == pytest.approx([i_fc, i_sus], rel=1e-3)
    # 24 B per stage and row (4 float32 currents, 2 float32 times), a quarter of the complex
    # current and voltage phasors (2 × 3 × 16 B) that StagedResult holds
    # (the dense form: the pipeline holds the brackets' stages once, under row maps, #21)
    assert st.dense().nbytes == 24 * len(dev) * st.n_stages


def test_default_high_bracket_is_the_sustained_limit_at_its_high_end(depot):
    """Default brackets (docs/charger-fault-model.md §3): both start with the first-cycle
    2.0 pu (555.6 A); after it the low bracket holds 1.1 pu (305.6 A) and the high one 1.2 pu,
    the top of the published 1.0–1.2 pu: 48 × 125 kVA × 1.2 / (√3 · 12.47 kV) = 333.4 A, still
    below R-F1's 400 A pickup. So R-F1 does not operate for F2 faults in either bracket and
    C6 does not fire: the 556 A lasts one cycle, not the 3–5 s R-F1 needs."""
    study, _, faults, outcome = depot
    hi, dev = faults.staged_high, faults.device
    assert hi is not None and hi.n_rows == len(dev) and hi.stage_names[:2] == (
        "first_cycle", "sustained")
    assert study.document.v2g_sites[0].sustained_limit_high == pytest.approx(1.2)
    row = np.flatnonzero(((dev.device == "R-F1") & (dev.fault_bus_name == "F2-B03")
                          & (dev.fault_type == "3ph") & (dev.case == "max")
                          & (dev.scenario != "base/peak")).to_numpy())[0]
    s_on_va = 48 * 125e3
    i_fc = 2.0 * s_on_va / (np.sqrt(3) * 12.47e3)
    i_hi = 1.2 * s_on_va / (np.sqrt(3) * 12.47e3)      # 333.4 A
    assert hi.phase_a(np.array([row]))[:2, 0] == pytest.approx([i_fc, i_hi], rel=1e-3)
    v, ctx = outcome.violations, _timed(depot)
    assert v[(v.criterion == "C6") & (v.status == "fail")].empty
    f = ctx.faults
    r = f[(f.device == "R-F1") & (f.fault_bus_name == "F2-B03") & (f.fault_type == "SLG")
          & (f.case == "min") & (f.scenario != "base/peak")].iloc[0]
    assert np.isinf(r.t_op_low_s) and np.isinf(r.t_op_high_s)


def test_c6_fires_when_the_first_cycle_is_held_and_says_so(depot_held):
    """``first_cycle_held``: the sustained 1.1 pu (305.6 A) is below R-F1's 400 A pickup, so
    through the stages the relay resets after the first cycle; held at 2.0 pu (555.6 A) it
    trips in 4.76 s, before R-F2 clears a 20 Ω ground fault on F2 (6.6 s at F2-B03)."""
    _, _, faults, outcome = depot_held
    assert faults.staged_high is None
    v, ctx = outcome.violations, _timed(depot_held)
    c6 = v[(v.criterion == "C6") & (v.status == "fail")]
    assert len(c6) and set(c6.bracket) == {"high"}
    assert check_sympathetic(in_bracket(ctx, "low")).query("status == 'fail'").empty
    f = ctx.faults
    r = f[(f.device == "R-F1") & (f.fault_bus_name == "F2-B03") & (f.fault_type == "SLG")
          & (f.case == "min") & (f.scenario != "base/peak")].iloc[0]
    assert np.isinf(r.t_op_low_s)
    assert r.t_op_high_s == pytest.approx(ieee_mi_s(r.i_phase_a, 400.0, 0.6), rel=1e-9)
    row = c6[(c6.device == "R-F1") & (c6.fault_bus == "F2-B03") & (c6.fault_type == "SLG")
             & (c6.case == "min")].iloc[0]
    assert row.t_device_s == pytest.approx(r.t_op_high_s, rel=1e-9)


def test_pair_rows_carry_their_bracket(depot):
    _, _, _, outcome = depot
    coord, v = outcome.coordination, outcome.violations
    assert set(coord.bracket) <= {"low", "high", "both"} and len(coord)
    timed = v[v.criterion.isin(["C1", "C2", "C3", "C4"]) & (v.status == "fail")]
    assert len(timed) and set(timed.bracket) <= {"low", "high", "both"}
    untimed = v[v.criterion.isin(["C5", "C7", "C8", "C10", "C11", "C12"])]
    assert (untimed.bracket == "").all()
    # every pair row is the worse of the two brackets' own evaluations
    from protv2g.checks.coordination import evaluate_pairs

    key = ["criterion", "check", "scenario", "fault_bus", "fault_type", "case", "primary",
           "backup"]
    hi = evaluate_pairs(in_bracket(_timed(depot), "high")).set_index(key).margin_s
    lo = evaluate_pairs(in_bracket(_timed(depot), "low")).set_index(key).margin_s
    both = pd.concat([hi.rename("hi"), lo.rename("lo")], axis=1)
    kept = coord.set_index(key).margin_s
    common = both.dropna().index
    assert kept.loc[common].to_numpy() == pytest.approx(
        both.loc[common].min(axis=1).to_numpy(), abs=1e-12)


def test_engine_prefault_v1_is_the_memory_voltage(depot):
    study, _, faults, _ = depot
    buses = [study.device_sites[n].bus for n in ("R-F1", "R-F2", "RC-F1")]
    ref = prefault_v1_pu(study.net, buses, cases=("max", "min"))
    assert set(ref) <= set(faults.v1_pre_pu)
    for k, v in ref.items():
        assert abs(faults.v1_pre_pu[k] - v) < 1e-9  # the same solve, round-off only


def test_without_staged_results_the_brackets_coincide(depot):
    study, scenarios, _, _ = depot
    faults = fault_tables(study, scenarios, staged=False)
    assert faults.staged is None
    v = check_study(study, faults, None, scenarios).violations
    timed = v[v.bracket.isin(["low", "high", "both"])]
    assert len(timed) and (timed.bracket == "both").all()


def test_shared_pair_join_equals_each_brackets_own(depot):
    """#21: pairs_in_brackets joins pairs × faults once and computes the tolerances and data
    boundaries once for both brackets; each bracket's evaluation on that shared join equals
    evaluate_pairs on the bracket's own context, row for row."""
    from protv2g.checks.coordination import PairTerms, evaluate_pairs
    from protv2g.checks.pairs import in_pair_bracket, merged

    ctx = _timed(depot)
    m = merged(ctx, brackets=("high", "low"))
    terms = PairTerms(ctx, m)
    for bracket in ("high", "low"):
        b_ctx = in_bracket(ctx, bracket)
        shared = evaluate_pairs(b_ctx, in_pair_bracket(m, bracket), terms)
        own = evaluate_pairs(b_ctx)
        assert len(own)
        pd.testing.assert_frame_equal(shared, own, rtol=1e-12, atol=1e-12)


def test_check_study_lets_the_bracket_columns_go_once_read(depot):
    """#21: the returned context keeps the plain (high-bracket) time columns, equal to the
    full context's, without the per-bracket ones; C6 is the last criterion run in each
    bracket; C9's directional table is cached before they go."""
    from protv2g.checks._common import without_bracket_times
    from protv2g.checks._times import BRACKET_TIME_COLUMNS, bracket_column
    from protv2g.checks.brackets import last_bracket_reader
    from protv2g.criteria import CATALOGUE

    assert last_bracket_reader(CATALOGUE.values()) == "C6"
    assert last_bracket_reader([]) == ""
    got, full = depot[3].context, _timed(depot)
    per_bracket = {bracket_column(k, b) for k in BRACKET_TIME_COLUMNS for b in ("low", "high")}
    assert per_bracket <= set(full.faults.columns)
    assert not per_bracket & set(got.faults.columns)
    assert "directional" in got.cache
    kept = [c for c in full.faults.columns if c not in per_bracket]
    assert list(got.faults.columns) == kept
    pd.testing.assert_frame_equal(got.faults, full.faults[kept], check_exact=True)
    slim = without_bracket_times(full)
    assert slim.faults.index is full.faults.index and slim.cache is full.cache
    assert list(slim.faults.columns) == kept and without_bracket_times(slim) is slim


def test_in_bracket_shares_the_bracket_arrays(depot):
    """#21: the low bracket's context holds the low columns' arrays under the plain names (no
    copy), the other columns as they are, the same index object."""
    ctx = _timed(depot)
    low = in_bracket(ctx, "low")
    assert low.faults.index is ctx.faults.index
    assert list(low.faults.columns) == list(ctx.faults.columns)
    for k in ("t_op_s", "t_clear_s"):
        assert np.shares_memory(low.faults[k].to_numpy(), ctx.faults[f"{k[:-2]}_low_s"].to_numpy())
        assert low.faults[k].to_numpy() == pytest.approx(
            ctx.faults[f"{k[:-2]}_low_s"].to_numpy(), nan_ok=True)
    assert np.shares_memory(low.faults["i_phase_a"].to_numpy(),
                            ctx.faults["i_phase_a"].to_numpy())


def test_low_bracket_only_where_a_time_differs_equals_both_whole_tables(depot_study, depot,
                                                                        depot_held):
    """#21 (perf42b): pairs_in_brackets evaluates the low bracket only at the faults where a
    device's time differs from the high bracket's (:mod:`protv2g.checks.bracket_rows`), the
    high rows standing for it elsewhere; the table equals the worse-of-both of the two whole
    brackets' tables (the evaluation before the cut), exactly, rows in the same order."""
    from protv2g.checks.bracket_rows import differing_faults, low_rows
    from protv2g.checks.brackets import _COORD_KEY, _worse, pairs_in_brackets
    from protv2g.checks.coordination import PairTerms, evaluate_pairs
    from protv2g.checks.pairs import in_pair_bracket, merged

    order = {"fail": 0, "warn": 1, "info": 2, "ok": 3}
    scenarios = build_scenarios(depot_study.document)  # with its base case: chargers idle
    cut = []
    for d in ((depot_study, scenarios, fault_tables(depot_study, scenarios), None), depot,
              depot_held):
        ctx = _timed(d)
        m = merged(ctx, brackets=("high", "low"))
        terms = PairTerms(ctx, m)
        rows = low_rows(m, differing_faults(ctx.faults))
        cut.append(0 < len(rows) < len(m))  # some faults alike in both brackets, some not
        whole = {b: evaluate_pairs(in_bracket(ctx, b), in_pair_bracket(m, b), terms)
                 for b in ("high", "low")}
        for t in whole.values():
            t["_r"] = t["status"].astype(str).map(order).fillna(4).to_numpy()
        expected = _worse(whole["high"], whole["low"], _COORD_KEY, "_r", "margin_s")
        got = pairs_in_brackets(ctx)
        assert set(got.bracket) >= {"low", "high", "both"}
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert cut[0]  # the cut is exercised on the depot study (720 of its 1,521 pair rows)


def test_differing_faults_lists_each_fault_once_nan_equal():
    """A fault is listed where any device's time differs between the brackets (NaN equal to
    NaN: a device that operates in neither), once however many devices differ there."""
    from protv2g.checks.bracket_rows import differing_faults

    f = pd.DataFrame({"fault_bus_name": ["a", "a", "b", "c"], "fault_type": ["3ph"] * 4,
                      "case": ["max"] * 4,
                      "t_op_low_s": [0.5, 0.7, np.nan, 1.0], "t_op_high_s": [0.4, 0.6, np.nan, 1.0],
                      "t_clear_low_s": [1.0, 1.0, np.nan, 2.0],
                      "t_clear_high_s": [1.0, 1.0, np.nan, np.inf]})
    got = differing_faults(f)
    assert got.fault_bus_name.tolist() == ["a", "c"]
