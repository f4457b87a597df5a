"""The fault engine with chargers by their control law, in stages (issue #16).

References and tolerances:

* depot, 48 buses online (48 × 125 kVA) exporting 1.5 MW in total, 3ph fault at F2-B03: the
  first-cycle current at R-F1 is the site's held limit, by hand
  ``48 × 125 kVA × 2.0 / (√3 × 12.47 kV) = 555.6 A`` (IEC 60909: no loads, so R-F1 carries the
  site current); today's model sized the source by the export, ``1.5 MVA × 2.0`` → 138.9 A;
  the sustained stage is ``P/|V| = 1.5 MW / (√3 × 12.47 kV × |V|)`` at the engine's terminal
  voltage (hand formula, 1e-9);
* weak 20 km radial (1/0 ACSR, 80 MVA minimum source), 6 MW site at its end, minimum case,
  bolted LL at mid-feeder: every stage converges without ``pll_frozen`` and the residual of the
  control-law equations, evaluated on the terminal voltage the engine reports through its
  device-voltage path (not the solver's), is within the solver's stated accuracy
  ``NEWTON_TOL·max(1, |I|)`` (:mod:`protv2g.engine.newton`: 1e-6 of the ≈ 9 pu current; it was
  1e-8 pu at the former 1e-12 stop);
* where ``pll_frozen`` is flagged, a scan of the site current's angle (20,001 points) shows no
  tracking solution (residual > 1e-3 pu everywhere), so no state with one is flagged.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandapower as pp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protv2g.engine import ChargerSource, DeviceTerminal, fault_study
from protv2g.engine.chargers import charger_arrays
from protv2g.engine.control_law import injection
from protv2g.engine.newton import NEWTON_TOL
from protv2g.engine.ride_through import trip_elements
from protv2g.network.synthetic import synthetic_radial_feeder
from protv2g.scenarios import Scenario, SiteState, build_scenarios
from protv2g.study.engine_inputs import charger_sources, device_terminals, fault_scenarios
from protv2g.units import (
    Case,
    ChargerLaw,
    ChargerMode,
    FaultType,
    LoadLevel,
    Participation,
)

from .conftest import REPO_DIR

DEPOT = REPO_DIR / "feeders" / "depot_two_feeder" / "study.yaml"
PROPS = settings(max_examples=12, deadline=None, derandomize=True)
SQRT3 = np.sqrt(3.0)


def _quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **kw)


@pytest.fixture(scope="module")
def depot():
    from protv2g import load_study
    return load_study(DEPOT)


def test_48_online_inverters_are_the_fault_source(depot):
    states = (SiteState("depot", ChargerMode.EXPORTING, 1500.0, 1500.0, 6000.0, 48.0),
              SiteState("campus", ChargerMode.IDLE, 0.0, 0.0, 0.0))
    sc = Scenario("48 online, 1.5 MW", Participation.FIRM, LoadLevel.PEAK, "1500 kW", states)
    src = charger_sources(depot, sc)
    assert len(src) == 1 and src[0].s_rated_mva == pytest.approx(6.0)
    assert src[0].p_pre_mw == pytest.approx(1.5)
    today = ChargerSource("depot", depot.site_buses["depot"], 1.5, limit_pu=2.0, p_pre_mw=1.5)
    f = int(depot.net.bus.index[depot.net.bus.name == "F2-B03"][0])
    res = _quiet(fault_study, depot.net, fault_types=[FaultType.THREE_PHASE], cases=[Case.MAX],
                 scenarios={"new": src, "today": [today]}, devices=device_terminals(depot),
                 buses=[f])
    d = list(res.devices).index("R-F1")
    i_rf1 = np.abs(res.device_i_abc_ka[:, 0, 0, d, 0, 0]) * 1e3  # first cycle, phase a, A
    hand_new = 48 * 125.0 * 2.0 / (SQRT3 * 12.47)
    hand_today = 1500.0 * 2.0 / (SQRT3 * 12.47)
    assert hand_new == pytest.approx(555.6, abs=0.05)
    assert i_rf1[0] == pytest.approx(hand_new, rel=2e-3)
    assert i_rf1[1] == pytest.approx(hand_today, rel=2e-3)
    # sustained stage: active-power priority, P/|V| below the 1.1 pu limit (6.6 MVA)
    st_ = res.staged
    v_rel = st_.site_v_min_pu["new"][0, 0, 0, 0]
    # the law reads the voltage the converters measure, the network at c = 1 (pre-fault
    # 1.0 pu; not IEC 60909's c_max·Un, session 44: tests/test_charger_law_measured_voltage.py
    # checks it against OpenDSS); ``site_v_min_pu`` is relative to that pre-fault voltage
    v_abs = v_rel * 1.0
    chg = st_.charger_i_12_ka["new"][0, 0, 1, 0, 0, 0]
    assert abs(chg) * 1e3 == pytest.approx(1500.0 / (SQRT3 * 12.47 * v_abs), rel=1e-6)
    i_sus = np.abs(st_.device_i_012_ka[0, 0, 0, 1, d, 0, 1]) * 1e3
    assert i_sus == pytest.approx(abs(chg) * 1e3, rel=2e-3)
    assert i_sus < 400.0  # below R-F1's pickup after the first cycle


def _weak_radial(n_km: int = 20) -> tuple[pp.pandapowerNet, np.ndarray]:
    net = pp.create_empty_network(f_hz=60.0, sn_mva=1.0)
    b = pp.create_buses(net, n_km + 1, 12.47, name=[f"B{i:02d}" for i in range(n_km + 1)])
    pp.create_ext_grid(net, b[0], s_sc_max_mva=150.0, s_sc_min_mva=80.0, rx_max=0.2,
                       rx_min=0.25, x0x_max=1.0, r0x0_max=0.2, x0x_min=1.2, r0x0_min=0.25)
    pp.create_lines_from_parameters(net, b[:-1], b[1:], 1.0, r_ohm_per_km=0.556,
                                    x_ohm_per_km=0.476, c_nf_per_km=9.2, max_i_ka=0.23,
                                    r0_ohm_per_km=0.81, x0_ohm_per_km=1.56, c0_nf_per_km=5.5)
    net.line["endtemp_degree"] = 80.0
    return net, b


@pytest.mark.parametrize("law", [ChargerLaw.ACTIVE_PRIORITY, ChargerLaw.CONSTANT_CURRENT])
def test_weak_radial_ll_converges_with_a_tracking_solution(law):
    """The default law and the constant-current model of today (on which issue #16 measured
    a 17 % error where the old iteration gave up). With reactive priority the held
    first-cycle current (9 pu lagging) has no tracking equilibrium here: see the next test."""
    net, b = _weak_radial()
    site = ChargerSource("farm", int(b[-1]), 6.0, limit_pu=1.5, sustained_limit_pu=1.1,
                         law=law, p_pre_mw=6.0, trip=trip_elements("II"))
    mid = int(b[10])
    dev = DeviceTerminal("at_site", "line", len(net.line) - 1, int(b[-1]))
    res = _quiet(fault_study, net, fault_types=[FaultType.LINE_LINE], cases=[Case.MIN],
                 scenarios={"v2g": [site]}, devices=[dev], buses=[mid])
    assert not res.pll_frozen.any() and not res.unconverged.any()
    st_ = res.staged
    i_base_ka = 1.0 / (SQRT3 * 12.47)
    sites = charger_arrays([site], 1.0)
    pre = np.ones((1, 1), complex)  # minimum case: c = 1.0, flat 1.0 pu source
    for j in range(st_.n_stages):
        if not np.isfinite(st_.t_start_s[0, 0, 0, j, 0]):
            continue
        v = st_.device_v_012_pu[0, 0, 0, j, 0, 0]  # at the site bus, via the device path
        i = st_.charger_i_12_ka["v2g"][0, 0, j, 0, 0] / i_base_ka
        on = np.isinf(st_.site_trip_s["v2g"][0, 0, 0, 0]) or st_.t_start_s[0, 0, 0, j, 0] < \
            st_.site_trip_s["v2g"][0, 0, 0, 0]
        lim = (sites.i_fc if j == 0 else sites.i_sus) * on
        inj = injection(np.array([[v[1]]]), np.array([[v[2]]]), lim[:, None], sites.law, pre,
                        hold=sites.hold[:, None] if j == 0 else None)
        tol = NEWTON_TOL * max(1.0, abs(i[0]), abs(i[1]))  # the stated accuracy
        assert abs(inj.i1[0, 0] - i[0]) <= tol
        assert abs(inj.i2[0, 0] - i[1]) <= tol


@pytest.mark.parametrize("law", [ChargerLaw.CONSTANT_CURRENT, ChargerLaw.REACTIVE_PRIORITY])
def test_flagged_fault_buses_have_no_tracking_solution(law):
    """Near the source a bolted LL fault leaves the held first-cycle current of a 6 MW site
    at the end of 20 km no PLL-tracking equilibrium: checked by scanning the current angle."""
    import protv2g.engine.newton as nw
    import protv2g.engine.staging as stg

    net, b = _weak_radial()
    site = ChargerSource("farm", int(b[-1]), 6.0, limit_pu=1.5, p_pre_mw=6.0, law=law)
    captured = []

    def spy(sys, law, lim, pre, **kw):
        sol = nw.solve_columns(sys, law, lim, pre, **kw)
        captured.append((sys, law, lim, pre, kw, sol))
        return sol

    orig = stg.solve_columns
    stg.solve_columns = spy
    try:
        res = _quiet(fault_study, net, fault_types=[FaultType.LINE_LINE], cases=[Case.MIN],
                     scenarios={"v2g": [site]})
    finally:
        stg.solve_columns = orig
    assert res.pll_frozen.any()  # the case exists on this feeder
    theta = np.linspace(0.0, 2 * np.pi, 20001)
    n_checked = 0
    for sys, law, lim, pre, kw, sol in captured:
        for c in np.flatnonzero(sol.pll_frozen):
            s = sys.take(np.array([c]))
            i1 = lim[c, 0] * np.exp(1j * theta)
            v1 = s.v10[0, 0] + s.m11[0, 0, 0] * i1
            v2 = s.v20[0, 0] + s.m21[0, 0, 0] * i1
            inj = injection(v1[None], v2[None], np.full((1, len(theta)), lim[c, 0]), law,
                            np.full((1, len(theta)), pre[c, 0]), hold=kw.get("hold"))
            assert np.abs(inj.i1[0] - i1).min() > 1e-3
            assert sol.tracking_residual[c] > 1e-3
            n_checked += 1
    assert n_checked == int(res.pll_frozen.sum())


def test_a_charging_only_site_never_injects(depot, tmp_path):
    doc = depot.document
    sites = tuple(s.model_copy(update={"modes": (ChargerMode.CHARGING, ChargerMode.IDLE)})
                  if s.name == "depot" else s for s in doc.v2g_sites)
    study = replace(depot, document=doc.model_copy(update={"v2g_sites": sites}))
    scenarios = build_scenarios(study.document)
    for sc in scenarios:
        st_ = {s.site: s for s in sc.sites}["depot"]
        assert st_.p_export_kw == 0.0 and st_.mode is ChargerMode.IDLE
        assert "depot" not in [c.name for c in charger_sources(study, sc)]
    sets, _ = fault_scenarios(study, scenarios)
    assert all("depot" not in [c.name for c in chs] for chs in sets.values())
    res = _quiet(fault_study, study.net, fault_types=[FaultType.THREE_PHASE], cases=[Case.MAX],
                 scenarios=sets, devices=device_terminals(study))
    assert all("depot" not in names for names in res.chargers.values())


def test_stage_view_and_tables(depot):
    sets, _ = fault_scenarios(depot, build_scenarios(depot.document))
    name = next(n for n in sets if n.startswith("firm") and n.endswith("100%"))
    res = _quiet(fault_study, depot.net, fault_types=[FaultType.THREE_PHASE, FaultType.LINE_LINE],
                 cases=[Case.MAX], scenarios={name: sets[name]},
                 devices=device_terminals(depot))
    st_ = res.staged
    assert st_.stage_names[:2] == ("first_cycle", "sustained")
    np.testing.assert_array_equal(res.stage_view(0).device_i_012_ka, res.device_i_012_ka)
    v1 = res.stage_view(1)
    assert v1.device.shape == res.device.shape
    assert not np.allclose(v1.device_i_012_ka, res.device_i_012_ka)
    with pytest.raises(ValueError, match="stage"):
        res.stage_view(st_.n_stages)
    stages = st_.stages
    assert (stages.t_end_s > stages.t_start_s).all()
    first = stages[stages.stage == 0]
    assert np.allclose(first.t_end_s, 1 / 60)
    # after a trip the site's current is gone
    sites = st_.sites
    tripped = sites[np.isfinite(sites.trip_s)]
    assert len(tripped)
    assert set(st_.device.stage_name) >= {"first_cycle", "sustained", "after_trip_1"}


NET = synthetic_radial_feeder(60, seed=3)
MV = [int(x) for x in NET.bus.index if NET.bus.at[x, "vn_kv"] < 20][2:]


@PROPS
@given(st.sampled_from(MV), st.floats(0.3, 0.95), st.sampled_from(list(ChargerLaw)))
def test_cessation_means_zero_site_current(bus, threshold, law):
    site = ChargerSource("s", bus, 2.0, limit_pu=1.5, sustained_limit_pu=1.1, law=law,
                         p_pre_mw=1.0, trip=trip_elements("III"), cessation_below_pu=threshold)
    res = _quiet(fault_study, NET, cases=[Case.MAX], scenarios={"v": [site]},
                 buses=MV[::5] + [bus])
    st_ = res.staged
    ceased = st_.site_ceased["v"][0, :, 0, :]          # (type, bus)
    i_sus = np.abs(st_.charger_i_12_ka["v"][0, :, 1, 0, :, :]).max(axis=-1)
    assert (i_sus[ceased] == 0.0).all()
    v_min = st_.site_v_min_pu["v"][0, :, 0, :]
    assert (v_min[~ceased] >= threshold - 1e-12).all()


@PROPS
@given(st.sampled_from(MV), st.sampled_from(MV), st.sampled_from(list(ChargerLaw)),
       st.sampled_from([FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND]))
def test_fault_current_non_decreasing_in_connected_kva(site_bus, fault_bus, law, ft):
    """The same export from more online inverters: a site's current and the current into a
    fault at its own bus never decrease, in every stage."""
    scen = {f"{s:g}": [ChargerSource("s", site_bus, s, limit_pu=1.5, sustained_limit_pu=1.1,
                                     law=law, p_pre_mw=0.5)] for s in (0.5, 1.0, 2.0, 4.0)}
    res = _quiet(fault_study, NET, cases=[Case.MAX], fault_types=[ft], scenarios=scen,
                 buses=sorted({site_bus, fault_bus}), staged=True)
    st_ = res.staged
    for j in range(2):
        site_i = np.array([np.abs(st_.charger_i_12_ka[k][0, 0, j, 0, :, 0]) for k in scen])
        assert (np.diff(site_i, axis=0) >= -1e-9 * site_i[1:]).all()
    f = list(res.fault_buses).index(site_bus)
    ikss = np.abs(st_.bus_i_012_ka[:, 0, 0, :2, f, 1])  # (scenario, stage)
    assert (np.diff(ikss, axis=0) >= -1e-9 * ikss[1:]).all()


def test_depot_staged_table_for_r_f1(depot):
    """Issue #16 must-show: R-F1 for 3ph and SLG faults at F2-B03, firm participation, full
    export. First cycle by hand: depot 48 × 125 kVA × 2.0 = 12 MVA → 555.6 A plus campus
    0.9 × 40 × 50 kVA × 1.5 = 2.7 MVA → 125.0 A, nearly in phase (unity power factor both):
    ≈ 680.6 A (0.5 %). At firm/full export the online kVA equals the export kVA, so today's
    single-stage time equals the first-cycle-held time; the high bracket (sustained limit at its
    high end, 1.2 pu, after the first cycle) operates no sooner than that, the low bracket
    (1.1 pu) no sooner than the high one."""
    from protv2g.stage_report import STAGED_TABLE_COLUMNS, staged_device_table, staged_times

    t = _quiet(staged_device_table, depot, "R-F1", "F2-B03")
    assert list(t.columns[:len(STAGED_TABLE_COLUMNS)]) == list(STAGED_TABLE_COLUMNS)
    hand = (48 * 125 * 2.0 + 36 * 50 * 1.5) / (SQRT3 * 12.47)
    first = t[t.stage == 0]
    assert np.allclose(first.i_phase_a, hand, rtol=5e-3)
    assert np.allclose(first.i_depot_a, 48 * 125 * 2.0 / (SQRT3 * 12.47), rtol=1e-6)
    assert np.allclose(t.t_op_today_s, t.t_op_first_cycle_held_s, rtol=1e-3)
    assert (t.t_op_high_s >= t.t_op_first_cycle_held_s * (1 - 1e-9)).all()
    assert (t.t_op_staged_s >= t.t_op_high_s * (1 - 1e-9)).all()
    three = t[t.fault_type == "3ph"]
    assert list(three.stage_name) == ["first_cycle", "sustained", "after_trip_1"]
    # Category II: the 3ph dip (≈ 0.65 pu) picks up UV1 (0.70 pu) → trip at its 10 s clearing
    assert np.allclose(three.trip_depot_s, 10.0)
    assert three.i_depot_a.iloc[-1] == 0.0
    with pytest.raises(KeyError, match="unknown device"):
        staged_device_table(depot, "R-F9", "F2-B03")
    sets, _ = fault_scenarios(depot, build_scenarios(depot.document))
    name = next(n for n in sets if n.startswith("firm") and n.endswith("100%"))
    res = _quiet(fault_study, depot.net, fault_types=[FaultType.THREE_PHASE], cases=[Case.MAX],
                 scenarios={name: sets[name]}, devices=device_terminals(depot))
    times = staged_times(depot, res)
    f = int(depot.net.bus.index[depot.net.bus.name == "F2-B03"][0])
    row = times[(times.device == "R-F1") & (times.fault_bus == f)]
    assert row.t_op_first_cycle_held_s.iloc[0] == pytest.approx(
        three.t_op_first_cycle_held_s.iloc[0], rel=1e-6)
    assert row.t_op_staged_s.iloc[0] == three.t_op_staged_s.iloc[0]


def test_summary_equals_the_maxima_of_every_stage():
    """``keep="summary"`` (the fused kernel with fault-dependent charger terms) gives, stage by
    stage, the maxima of the full staged arrays over the fault buses where the stage occurs."""
    net = NET
    devs = [DeviceTerminal(f"D{i}", "line", int(i), int(net.line.at[i, "from_bus"]))
            for i in net.line.index.values[::7]]
    sites = [ChargerSource(f"s{b}", b, 0.8, limit_pu=1.5, sustained_limit_pu=1.1,
                           law=ChargerLaw.ACTIVE_PRIORITY, p_pre_mw=0.4,
                           trip=trip_elements("II")) for b in (MV[3], MV[20])]
    scen = {"a": sites, "b": [replace(s, p_pre_mw=0.7) for s in sites]}
    full = _quiet(fault_study, net, devices=devs, scenarios=scen, cases=[Case.MAX])
    summ = _quiet(fault_study, net, devices=devs, scenarios=scen, cases=[Case.MAX],
                  keep="summary")
    st_f, st_s = full.staged, summ.staged
    assert st_f.n_stages == st_s.n_stages >= 3
    from protv2g.engine.faults import seq_to_abc
    phase = np.abs(seq_to_abc(st_f.device_i_012_ka)).max(axis=-1)  # (S, C, T, n, D, m)
    occurs = np.isfinite(st_f.t_start_s)[:, :, :, :, None, :]
    want = np.where(occurs, phase, -np.inf).max(axis=-1)
    have = st_s.device_max_ka[..., 0]
    ok = np.isfinite(want)
    np.testing.assert_allclose(have[ok], want[ok], rtol=1e-9)
    ground = np.where(occurs, 3 * np.abs(st_f.device_i_012_ka[..., 0]), -np.inf).max(axis=-1)
    np.testing.assert_allclose(st_s.device_max_ka[..., 1][ok], ground[ok], rtol=1e-9,
                               atol=1e-12)
