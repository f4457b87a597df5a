"""Reverse-flow engine: fleet day, batched power flow vs runpp, flow study, R-F1 hand check."""

from __future__ import annotations

import argparse
import cmath
import copy
import math

import numpy as np
import pandas as pd
import pytest

from protv2g.directional import evaluate_fault_directional
from protv2g.flow import CommLossFallback, FlowSolver, fleet_day, flow_study
from protv2g.flow.result import DEVICE_COLUMNS, step_ranges
from protv2g.study import load_study
from protv2g.units import Case, FaultType, Method

from .conftest import FEEDERS_DIR

STUDY = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"
#: Overnight depot day proposed for study.yaml: back after the afternoon run, export in the
#: evening peak, recharge overnight.
DEPOT_DAY = {"arrival_h": 15.5, "departure_h": 6.0, "export_window_h": [16.5, 20.0],
             "soc_reserve_fraction": 0.4, "battery_kwh": 150, "efficiency": 0.92}


@pytest.fixture(scope="module")
def study():
    return load_study(STUDY)


@pytest.fixture(scope="module")
def day_study(study):
    sites = [dict(s) for s in study.raw["v2g_sites"]]
    sites[0]["day"] = DEPOT_DAY
    return study.with_updates(v2g_sites=sites)


@pytest.fixture(scope="module")
def day_result(day_study):
    return flow_study(day_study, comm_loss_step=66, comm_loss_fallback="hold_last")


# --------------------------------------------------------------------------- fleet day
def test_fleet_day_swings_from_charging_to_export_and_keeps_reserve() -> None:
    d = fleet_day(32, 125.0, 150.0, 0.92, 15.5, 6.0, (16.5, 20.0), 0.4)
    assert len(d.p_kw) == 96
    t = d.time_h
    in_window = (t >= 16.5) & (t < 20.0)
    assert d.p_kw[in_window].max() > 0 and d.p_kw[(t >= 15.5) & (t < 16.5)].min() < 0
    assert (d.p_kw[~in_window] <= 1e-9).all()           # export only in the window
    assert np.nanmin(d.soc_mean_fraction) >= 0.4 - 1e-9  # driver reserve
    assert np.abs(d.p_kw).max() <= 32 * 125.0 + 1e-6
    assert (d.n_plugged[(t >= 7) & (t < 15)] == 0).all()  # away during the day
    # energy balance over the periodic day: charged·η = exported/η + driven (0.5 → 1.0 SOC)
    e_in = -d.p_kw[d.p_kw < 0].sum() * 0.25 * 0.92
    e_out = d.p_kw[d.p_kw > 0].sum() * 0.25 / 0.92
    assert e_in == pytest.approx(e_out + 32 * 0.5 * 150.0, rel=1e-9)


def test_comm_loss_fallbacks() -> None:
    args = (32, 125.0, 150.0, 0.92, 15.5, 6.0, (16.5, 20.0), 0.2)
    normal = fleet_day(*args)
    k = 67
    cease = fleet_day(*args, comm_loss_step=k, fallback="cease_export")
    hold = fleet_day(*args, comm_loss_step=k, fallback=CommLossFallback.HOLD_LAST)
    charge = fleet_day(*args, comm_loss_step=k, fallback="revert_to_charging")
    np.testing.assert_allclose(cease.p_kw[:k], normal.p_kw[:k])
    assert (cease.p_kw[k:] == 0).all() and (cease.mode[k:] == "ceased").all()
    assert hold.p_kw[k] == pytest.approx(min(hold.p_kw[k - 1], hold.p_kw[k - 1]), rel=0.5)
    assert hold.p_kw[k] > 0 and (hold.p_kw[k:] >= 0).all()      # export held, never charges
    assert charge.p_kw[k] < 0 and (charge.p_kw[k:] <= 0).all()  # back to charging
    with pytest.raises(ValueError, match="needs a fallback"):
        fleet_day(*args, comm_loss_step=3)
    with pytest.raises(ValueError, match="allowed"):
        fleet_day(*args, comm_loss_step=3, fallback="panic")


def test_step_ranges() -> None:
    assert step_ranges(np.array([3, 4, 5, 9, 11, 12])) == "3-5, 9, 11-12"
    assert step_ranges(np.array([], dtype=int)) == ""


# --------------------------------------------------------------------------- power flow
def test_batched_fixed_point_equals_runpp(study) -> None:
    lf = np.array([1.0, 0.3, 0.6, 0.3])
    p = np.array([[0.0, 5.0, -3.0, 4.0], [0.0, 1.0, 0.5, -1.0]])
    fast = FlowSolver(study.net, study.site_buses)
    ref = FlowSolver(study.net, study.site_buses, force_runpp=True)
    assert fast.fast and not ref.fast
    a, b = fast.solve(lf, p), ref.solve(lf, p)
    assert a.solver == "fixed_point" and b.solver == "runpp"
    for name in ("v_pu", "line_s_from_mva", "line_s_to_mva", "line_i_from_ka", "line_i_to_ka",
                 "trafo_s_hv_mva", "trafo_s_lv_mva", "trafo_i_hv_ka"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), atol=1e-7)
    np.testing.assert_allclose(a.line_loading_percent, b.line_loading_percent, atol=1e-5)
    np.testing.assert_allclose(a.trafo_loading_percent, b.trafo_loading_percent, atol=1e-5)
    assert "sgen" in study.net and len(study.net.sgen) == 0   # the study's net is untouched


# --------------------------------------------------------------------------- flow study
def test_flow_study_tables(day_result) -> None:
    r = day_result
    assert list(r.devices.columns) == DEVICE_COLUMNS
    day = r.devices[r.devices.scenario == "day/expected"]
    assert sorted(day.step.unique()) == list(range(96))
    assert set(r.devices.direction) <= {"forward", "reverse", "none"}
    # voltage rise is zero in the base cases, positive at the depot bus when exporting
    base = r.buses[r.buses.scenario.str.startswith("base/")]
    assert np.abs(base.dv_pu_vs_base).max() < 1e-12
    exp = r.buses[(r.buses.scenario == "firm/light/100%") & (r.buses.bus_name == "F1-B02")]
    assert float(exp.dv_pu_vs_base.iloc[0]) > 0.005
    assert {"Flow", "Flow reverse", "Flow buses", "Flow branches"} <= set(r.tables())


def test_depot_day_reverse_flow_through_breaker(day_result) -> None:
    """The site goes from charging to export; R-F1 sees reverse flow in export steps only."""
    r = day_result
    site = r.sites[(r.sites.scenario == "day/firm") & (r.sites.site == "depot")]
    assert site.p_kw.min() < 0 < site.p_kw.max()
    dev = r.devices[(r.devices.scenario == "day/firm") & (r.devices.device == "R-F1")]
    rev_steps = set(dev.step[dev.reverse_flow])
    assert rev_steps and rev_steps <= set(site.step[site.p_kw > 0])
    summary = r.reverse.set_index(["scenario", "device"])
    assert summary.loc[("day/firm", "R-F1"), "n_reverse_steps"] == len(rev_steps)
    # the 67 element on load current agrees with the power direction in every step
    d67 = r.directional[(r.directional.element == "67P") & (r.directional.device == "R-F1")
                        & (r.directional.scenario == "day/firm")]
    assert not d67.wrong_direction.any()
    assert set(d67.step[d67.declared_direction == "reverse"]) == rev_steps
    # comm-loss scenario exists and is flagged from its step on
    lost = r.sites[(r.sites.scenario == "day/firm/comm_loss") & (r.sites.site == "depot")]
    assert lost.comm_lost.to_numpy()[66:].all() and not lost.comm_lost.to_numpy()[:66].any()


def test_regulator_watch_point_sees_reverse_flow(day_result) -> None:
    reg = day_result.devices[(day_result.devices.kind == "regulator")
                             & (day_result.devices.scenario == "firm/light/100%")]
    assert len(reg) == 1 and reg.direction.iloc[0] == "reverse"


def test_no_day_block_is_reported(study) -> None:
    r = flow_study(study, day=False)
    assert not r.devices.scenario.str.startswith("day").any()


# --------------------------------------------------------------------------- R-F1 hand check
def _hand_rf1_current_ka(study) -> complex:
    """Classical 3ph fault at F2-B03 with the depot (5 MVA, 2.0 pu, unity pf) exporting.

    Positive-sequence circuit at 12.47 kV (IEC 60909 neglects loads, line capacitance and
    transformer magnetising): source E = 1 pu ∠−30° (Dyn1 shift) behind Zq + Zt; F1 trunk to
    the depot (1.8 km, current source I_d = I_lim∠V_d); F2 trunk to the fault (3.0 km, V_f = 0).
    R-F1's current (forward into F1-L01) is −I_d.
    """
    un_kv = 12.47
    zq_ohm = un_kv**2 / 1000.0                                  # Un²/S''kQ (classical: c = 1)
    xq = zq_ohm / math.sqrt(1 + 0.1**2)
    zq = complex(0.1 * xq, xq)
    zt_abs = 0.08 * un_kv**2 / 20.0
    rt = 0.005 * un_kv**2 / 20.0
    zt = complex(rt, math.sqrt(zt_abs**2 - rt**2))
    z1 = complex(0.19, 0.39) * 1.8
    z2 = complex(0.19, 0.39) * 3.0
    zs = zq + zt
    e = un_kv / math.sqrt(3) * cmath.exp(-1j * math.radians(30))    # kV
    i_lim = 2.0 * 5.0 / (math.sqrt(3) * un_kv)                       # kA
    i_d = i_lim * e / abs(e)
    for _ in range(200):
        v_s = (e / zs + i_d) / (1 / zs + 1 / z2)
        v_d = v_s + z1 * i_d
        i_new = i_lim * v_d / abs(v_d)
        if abs(i_new - i_d) < 1e-12:
            break
        i_d = i_new
    return -i_d


def test_rf1_reverse_current_matches_hand_calculation(study) -> None:
    engine = pytest.importorskip("protv2g.engine")
    fb = int(study.net.bus.index[study.net.bus.name == "F2-B03"][0])
    devices = [engine.DeviceTerminal(n, s.element, s.element_index, s.bus)
               for n, s in study.device_sites.items() if n in ("R-F1", "R-F2")]
    depot = engine.ChargerSource("depot", study.site_buses["depot"], 5.0, limit_pu=2.0,
                                 p_pre_mw=5.0)
    # the hand circuit has no loads; the classical network holds them as constant admittances
    # (OpenDSS's fault study, #20 item 6: with them R-F1 carries 401 A instead of 463 A)
    net = copy.deepcopy(study.net)
    net.load["in_service"] = False
    res = engine.fault_study(net, fault_types=[FaultType.THREE_PHASE], cases=[Case.MAX],
                             method=Method.CLASSICAL, scenarios={"export": [depot]},
                             devices=devices, buses=[fb])
    row = res.device[res.device.device == "R-F1"].iloc[0]
    hand = _hand_rf1_current_ka(study)
    assert row.ia_ka == pytest.approx(abs(hand), rel=1e-3)
    diff = (row.ia_degree - math.degrees(cmath.phase(hand)) + 180) % 360 - 180
    assert abs(diff) < 1.0
    fwd = study.with_updates(devices=[dict(d, directional="forward") if d["name"] in (
        "R-F1", "R-F2") else d for d in study.raw["devices"]])
    table = evaluate_fault_directional(res.device, fwd)
    r67 = table[(table.device == "R-F1") & (table.element == "67P")]
    assert (r67.true_direction == "reverse").all() and (r67.declared_direction == "reverse").all()
    assert not r67.wrong_direction.any() and r67.picks_up.all()   # 463 A > 400 A pickup
    assert set(r67.verdict) == {"restrains"}
    r2 = table[(table.device == "R-F2") & (table.element == "67P")]
    assert (r2.true_direction == "forward").all() and (r2.declared_direction == "forward").all()


# --------------------------------------------------------------------------- CLI
def test_cli_flow_csv_and_xlsx(tmp_path, capsys) -> None:
    from protv2g.commands import flow as cmd

    parser = argparse.ArgumentParser()
    cmd.register(parser.add_subparsers())
    args = parser.parse_args(["flow", str(STUDY), "--no-day", "--csv", str(tmp_path / "f.csv")])
    assert args.func(args) == 0
    table = pd.read_csv(tmp_path / "f.csv")
    assert list(table.columns) == DEVICE_COLUMNS
    assert (tmp_path / "f.reverse.csv").is_file()
    args = parser.parse_args(["flow", str(STUDY), "--no-day", "-o", str(tmp_path / "f.xlsx")])
    assert args.func(args) == 0 and (tmp_path / "f.xlsx").stat().st_size > 0
    assert "reverse flow" in capsys.readouterr().out
