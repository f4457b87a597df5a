"""A site's interconnection transformer: net transformation, zero-sequence source, C6 and C9.

Feeder (12.47 kV from a 69 kV source through a Dyn1 substation transformer)::

    SUB-69kV ─T-SUB (Dyn1)─ SUB-12kV ─F1-L1 2 km (R-F1)─ F1-B1 ─site-XFMR─ site-LV (chargers)
                                     └─F2-L1 3 km (R-F2)─ F2-B1  ← SLG fault

Hand calculation (ohms at 12.47 kV; the classical method uses ``Z_Q = Un²/S''k`` and 1.0 pu,
IEC 60909 max ``c = 1.1`` on both and ``K_T = 0.95·c_max/(1 + 0.6·x_T)`` on every transformer
impedance, zero sequence included, IEC 60909-0:2016 eq. 12a): for a bolted SLG fault at F2-B1

    Z1 = Z2 = Z_Q + Z_T + Z1_F2,     Z0 = Z0_F2 + Z_T0 ∥ (Z0_F1 + Z_S0),
    I0 = c·E/(Z1 + Z2 + Z0),         Ia(R-F2) = 3·I0,
    3I0(R-F1) = 3·I0 · Z_T0 / (Z_T0 + Z0_F1 + Z_S0)    (flowing out of F1: reverse for R-F1)

with ``Z_S0`` the site transformer's zero-sequence impedance seen from its grounded-wye HV side
(``YNd``: its short-circuit impedance; ``YNyn`` with nothing grounded on the LV side:
``0.9·Z0k + Z0m``, the HV leakage share plus the zero-sequence magnetising impedance of
pandapower's T model; ``Dyn`` and ``Yd``: no path, ``Z_S0 = ∞``).
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest

from protv2g.checks import run_checks
from protv2g.checks._common import build_context
from protv2g.checks.directional import directional_table
from protv2g.checks.sympathetic_seen import SEEN
from protv2g.engine import DeviceTerminal, fault_study
from protv2g.errors import InputError
from protv2g.flow import flow_study
from protv2g.network.site_transformer import (
    SiteTransformer,
    add_site_transformers,
    with_site_transformers,
)
from protv2g.pipeline import fault_tables
from protv2g.scenarios import build_scenarios
from protv2g.units import Case, FaultType, Method
from tests.test_checks_common import ieee_vi_s, make_study

V = 12.47
E = V * 1e3 / np.sqrt(3)
LINE = dict(r_ohm_per_km=0.19, x_ohm_per_km=0.39, c_nf_per_km=0.0, r0_ohm_per_km=0.47,
            x0_ohm_per_km=1.4, c0_nf_per_km=0.0, max_i_ka=0.53)
S_SITE_KVA, VK_SITE, XR_SITE = 2500.0, 5.75, 5.0


def _net() -> pp.pandapowerNet:
    net = pp.create_empty_network(f_hz=60.0)
    b69 = pp.create_bus(net, 69.0, name="SUB-69kV")
    b12 = pp.create_bus(net, V, name="SUB-12kV")
    f1 = pp.create_bus(net, V, name="F1-B1")
    f2 = pp.create_bus(net, V, name="F2-B1")
    pp.create_ext_grid(net, b69, s_sc_max_mva=1000.0, rx_max=0.1, x0x_max=1.0, r0x0_max=0.1,
                       s_sc_min_mva=1000.0, rx_min=0.1, x0x_min=1.0, r0x0_min=0.1)
    pp.create_transformer_from_parameters(
        net, b69, b12, 20.0, 69.0, V, 0.5, 8.0, 0.0, 0.0, shift_degree=30, vector_group="Dyn",
        vk0_percent=8.0, vkr0_percent=0.5, mag0_percent=100, mag0_rx=0, si0_hv_partial=0.9,
        name="T-SUB")
    pp.create_line_from_parameters(net, b12, f1, 2.0, name="F1-L1", **LINE)
    pp.create_line_from_parameters(net, b12, f2, 3.0, name="F2-L1", **LINE)
    return net


def _hand(method: Method, z_site0: tuple[complex, complex] | None, km: float = 3.0
          ) -> tuple[float, float, complex]:
    """(|Ia| at R-F2, |3I0| at R-F1) in A, and 3I0(R-F1)/3I0(R-F2) as a phasor ratio; the
    fault ``km`` along F2 (3 km: F2-B1; 0: the substation bus SUB-12kV)."""
    c = 1.0 if method is Method.CLASSICAL else 1.1

    def k_t(vk: float, vkr: float) -> float:
        x = np.sqrt(vk**2 - vkr**2) / 100
        return 1.0 if method is Method.CLASSICAL else 0.95 * 1.1 / (1 + 0.6 * x)

    x_q = c * V**2 / 1000.0 / np.hypot(1, 0.1)
    z_q = complex(0.1 * x_q, x_q)
    z_t = k_t(8.0, 0.5) * complex(0.005, np.sqrt(0.08**2 - 0.005**2)) * V**2 / 20
    z1 = z_q + z_t + complex(0.19, 0.39) * km
    z0_f1, z0_f2 = complex(0.47, 1.4) * 2, complex(0.47, 1.4) * km
    if z_site0 is None:
        z0, share = z0_f2 + z_t, 0j
    else:
        z_leak, z_mag = z_site0       # K_T scales the leakage, not the magnetising branch
        z_s0 = z_leak * k_t(VK_SITE, VK_SITE / np.hypot(1, XR_SITE)) + z_mag
        z0 = z0_f2 + 1 / (1 / z_t + 1 / (z0_f1 + z_s0))
        share = -z_t / (z_t + z0_f1 + z_s0)    # into F1 at its head = −(current out of F1)
    i0 = c * E / (2 * z1 + z0)
    return abs(3 * i0), abs(3 * i0 * share), share


def _z_site0(connection: str) -> tuple[complex, complex] | None:
    """(leakage part, magnetising part) of the site transformer's Z0 seen from the MV side."""
    vkr = VK_SITE / np.hypot(1, XR_SITE)
    z_base = V**2 / (S_SITE_KVA / 1000)
    z0k = complex(vkr, np.sqrt(VK_SITE**2 - vkr**2)) / 100 * z_base
    if connection == "YNd":
        return z0k, 0j
    if connection == "YNyn":
        return 0.9 * z0k, 1j * VK_SITE / 100 * z_base   # si0 0.9; mag0 100 %, mag0_rx 0
    return None


def test_returns_a_new_net_with_the_site_on_its_lv_bus() -> None:
    net = _net()
    before = (len(net.bus), len(net.trafo), net.bus.name.tolist())
    f1 = int(net.bus.index[net.bus.name == "F1-B1"][0])
    res = add_site_transformers(net, [SiteTransformer("site", f1, S_SITE_KVA, clock=11)])
    assert (len(net.bus), len(net.trafo), net.bus.name.tolist()) == before   # not mutated
    lv = res.site_buses["site"]
    assert res.net.bus.at[lv, "name"] == "site-LV" and res.net.bus.at[lv, "vn_kv"] == 0.48
    t = res.net.trafo.loc[res.trafos["site"]]
    assert (t.hv_bus, t.lv_bus, t.vector_group, t.shift_degree) == (f1, lv, "YNd", 330.0)
    assert t.vk_percent == VK_SITE and t.vkr_percent == pytest.approx(VK_SITE / np.hypot(1, 5))
    assert t.vk0_percent == VK_SITE and t.sn_mva == pytest.approx(2.5)


def test_input_errors_are_collected() -> None:
    net = _net()
    with pytest.raises(InputError) as err:
        add_site_transformers(net, [SiteTransformer("a", 2, 500.0, vn_lv_kv=13.8),
                                    SiteTransformer("b", 2, 500.0, connection="YNz"),
                                    SiteTransformer("c", 99, 500.0)])
    text = str(err.value)
    assert "vn_lv_kv" in text and "YNz" in text and "not in the net" in text


@pytest.mark.parametrize("method", [Method.CLASSICAL, Method.IEC60909])
@pytest.mark.parametrize("connection", ["YNd", "YNyn", "Dyn", "Yd"])
def test_slg_current_and_healthy_feeder_3i0_against_hand(method: Method, connection: str
                                                          ) -> None:
    net = _net()
    f1 = int(net.bus.index[net.bus.name == "F1-B1"][0])
    f2 = int(net.bus.index[net.bus.name == "F2-B1"][0])
    res = add_site_transformers(net, [SiteTransformer("site", f1, S_SITE_KVA,
                                                      connection=connection)])
    devs = [DeviceTerminal("R-F1", "line", 0, 1), DeviceTerminal("R-F2", "line", 1, 1)]
    out = fault_study(res.net, fault_types=[FaultType.SINGLE_LINE_GROUND], cases=[Case.MAX],
                      method=method, devices=devs, buses=[f2]).device.set_index("device")
    ia_hand, i3i0_hand, share = _hand(method, _z_site0(connection))
    assert 1000 * out.at["R-F2", "ia_ka"] == pytest.approx(ia_hand, rel=5e-3)
    if i3i0_hand == 0:
        assert 1000 * out.at["R-F1", "i3i0_ka"] < 1e-6
    else:
        assert 1000 * out.at["R-F1", "i3i0_ka"] == pytest.approx(i3i0_hand, rel=5e-3)
        # it flows out of F1 towards the substation (reverse for R-F1): the phasor ratio
        ratio = (out.at["R-F1", "i3i0_ka"] / out.at["R-F2", "i3i0_ka"]) * np.exp(1j * np.radians(
            out.at["R-F1", "i3i0_degree"] - out.at["R-F2", "i3i0_degree"]))
        assert abs(ratio - share) < 5e-3 * abs(share)


RELAYS = [dict(name=n, kind="relay", location={"line": line, "end": "from"}, pickup_a=400,
               curve="IEEE-VI", time_dial=2.0, ground_pickup_a=120, ground_curve="IEEE-VI",
               ground_time_dial=2.0) for n, line in (("R-F1", "F1-L1"), ("R-F2", "F2-L1"))]
SITE = {"name": "site", "bus": "F1-B1", "n_chargers": 10, "p_charger_kw": 100,
        "interconnection_transformer": {"sn_kva": S_SITE_KVA, "connection": "YNd"}}
FAULTS = {"method": "iec60909", "cases": ["max"], "fault_types": ["SLG"]}


def _study(tmp, r_f1: dict):
    devices = [dict(RELAYS[0], **r_f1), RELAYS[1]]
    raw = make_study(tmp, devices=devices, net=_net(), v2g_sites=[SITE], faults=FAULTS)
    return with_site_transformers(raw)


def _checks(study):
    scs = build_scenarios(study.document)
    faults = fault_tables(study, scs)
    return scs, faults, run_checks(study, faults.device, None, scs)[0]


def test_c6_ground_sympathetic_trip_by_the_ynd_source(tmp_path) -> None:
    """IEC max: 3I0 = 226.1 A through R-F1 (reverse) for the SLG at F2-B1; R-F2 clears with
    its 51G at 2612 A in 1.065 s. R-F1's 51G (120 A, VI, TD 2) needs 16.4 s: no C6. A 50G at
    200 A on R-F1 trips at once: C6 fails. Set directional (67N): blocked, and C9 is clean."""
    ia, i3i0, _ = _hand(Method.IEC60909, _z_site0("YNd"))
    t_r2 = min(ieee_vi_s(ia, 400, 2.0), ieee_vi_s(ia, 120, 2.0))
    assert (round(ia), round(i3i0, 1), round(t_r2, 3)) == (2612, 226.1, 1.065)
    study = _study(tmp_path / "a", {})
    lv = int(study.net.bus.index[study.net.bus.name == "site-LV"][0])
    assert study.site_buses["site"] == lv
    # idempotent, also after with_updates maps the site back to its MV bus
    assert with_site_transformers(study) is study
    again = with_site_transformers(study.with_updates(scenarios={"export_levels_kw": [0]}))
    assert again.site_buses["site"] == lv and len(again.net.trafo) == len(study.net.trafo)
    scs, faults, v = _checks(study)
    # the base case is the feeder without the V2G project, its transformer included (pipeline
    # docstring): no 3I0 through R-F1 there; every V2G scenario has the YNd source
    base = next(sc.name for sc in scs if not sc.is_base)
    # (no row at all: device rows are kept from 1 A, engine.device_rows.DEVICE_ROW_MIN_A)
    f0 = faults.device[(faults.device.device == "R-F1") & (faults.device.scenario == scs[0].name)
                       & (faults.device.fault_bus_name == "F2-B1")]
    assert scs[0].is_base and f0.empty
    f1 = faults.device[(faults.device.device == "R-F1") & (faults.device.scenario == base)
                       & (faults.device.fault_bus_name == "F2-B1")].iloc[0]
    assert 1000 * f1.i3i0_ka == pytest.approx(i3i0, rel=5e-3)
    c6 = v[v.criterion == "C6"]
    assert set(c6.status) == {"info"}                 # no fail/warn: 16.4 s ≫ 1.065 s + 0.2 s
    # what C6 tried (review rev50a #7b): R-F1's largest 3I0 fed back by the YNd is for the
    # SLG on the substation bus (the same hand formula, 0 km of F2), against its 51G, and
    # the substation's own protection assumed to clear in 1.0 s (the bracket's slow end)
    _, i3i0_bus, _ = _hand(Method.IEC60909, _z_site0("YNd"), km=0.0)
    assert i3i0_bus > i3i0
    g = c6[(c6.mechanism.astype(str) == SEEN["ground"]) & (c6.scenario == base)]
    assert len(g) == 1
    g = g.iloc[0]
    assert (g.device, g.fault_bus, g.fault_type, g.limit) == ("R-F1", "SUB-12kV", "SLG", 120.0)
    assert g.i_device_a == pytest.approx(i3i0_bus, rel=5e-3)
    assert g.margin == pytest.approx(120.0 - g.i_device_a, abs=1e-9)
    assert g.t_device_s == pytest.approx(ieee_vi_s(i3i0_bus, 120, 2.0), rel=1e-2)
    assert g.t_other_s == 1.0 and "substation protection (not modelled) clears in 1 s" in g.message
    assert ieee_vi_s(i3i0, 120, 2.0) == pytest.approx(16.4, abs=0.05)

    fast = _study(tmp_path / "b", {"ground_inst_pickup_a": 200})
    _, _, v = _checks(fast)
    c6 = v[(v.criterion == "C6") & (v.fault_bus == "F2-B1")]
    row = c6[c6.scenario == base].iloc[0]
    assert (row.device, row.other_device) == ("R-F1", "R-F2")
    assert row.t_device_s == 0.0 and row.t_other_s == pytest.approx(t_r2, rel=5e-3)
    # C6 on the pair's coordination interval (#17: relay–relay CTI of the rules, 0.2 s for
    # the default relay technology; IEEE C37.230 / Blackburn & Domin 0.2–0.3 s)
    assert row.limit == pytest.approx(0.2) and row.rule_value == pytest.approx(0.2)
    assert row.margin == pytest.approx(0.0 - t_r2 - 0.2, rel=5e-3)

    blocked = _study(tmp_path / "c", {"ground_inst_pickup_a": 200, "directional": "forward"})
    scs, faults, v = _checks(blocked)
    assert v[v.criterion.isin(["C6", "C9"]) & (v.fault_bus == "F2-B1")].empty
    table = directional_table(build_context(blocked, faults, None, scs))
    g = table[(table.device == "R-F1") & (table.element == "67N")
              & (table.fault_bus_name == "F2-B1")]
    v2g = ~g.scenario.isin([sc.name for sc in scs if sc.is_base])
    assert set(g[v2g].declared_direction) == {"reverse"} and set(g[v2g].verdict) == {"restrains"}
    # base case: no site transformer, no 3I0 at R-F1: the 67N does not decide
    assert set(g[~v2g].declared_direction) <= {"none"}
    # the same relay with SEL's 32V: Z0 = Re[(Z0_F1 + K_T·Z0_site)·1∠−Z0ANG] > Z0R → reverse
    imp = with_site_transformers(blocked.with_updates(devices=[
        dict(d, directional={"ground_method": "impedance"}) if d["name"] == "R-F1" else d
        for d in blocked.raw["devices"]]))
    table = directional_table(build_context(imp, faults, None, scs))
    g = table[(table.device == "R-F1") & (table.element == "67N")
              & (table.fault_bus_name == "F2-B1") & (table.scenario == base)].iloc[0]
    z0_f1 = complex(0.47, 1.4) * 2
    vkr = VK_SITE / np.hypot(1, XR_SITE)
    k_t = 0.95 * 1.1 / (1 + 0.6 * np.sqrt(VK_SITE**2 - vkr**2) / 100)
    z_ahead = z0_f1 + k_t * _z_site0("YNd")[0]
    z0_hand = float(np.real(z_ahead * np.exp(-1j * np.angle(z0_f1))))   # Z0ANG = ∠Z0 of F1
    assert g.z_ohm == pytest.approx(z0_hand, rel=5e-3)
    assert g.z_reverse_threshold_ohm < z0_hand and g.declared_direction == "reverse"


def test_flows_see_the_transformer(tmp_path) -> None:
    study = _study(tmp_path, {})
    res = flow_study(study, day=False)
    assert "site-LV" in set(res.buses.bus_name)
    exp = res.devices[(res.devices.device == "R-F1") & (res.devices.scenario != "base/peak")]
    assert (exp.direction == "reverse").any()
    lv = res.buses[(res.buses.bus_name == "site-LV") & (res.buses.scenario != "base/peak")]
    hv = res.buses[(res.buses.bus_name == "F1-B1") & (res.buses.scenario != "base/peak")]
    assert lv.vm_pu.max() > hv.vm_pu.max()           # export rises the LV side above the MV
