"""The classical method on pandapower nets takes the network at its actual state (issue #20 item 6).

Right values and their sources:

* OpenDSS's fault study (``solve mode=faultstudy`` through opendssdirect,
  :func:`protv2g.network.opendss_reference.opendss_fault_study`) on the same network written as a
  ``.dss`` here: a 115 kV source, a 115/13.2 kV Δ-Yg substation transformer (winding rated
  13.2 kV on a 12.47 kV bus) off its neutral tap, a 12.47 kV line and a 12.47/0.49 kV Δ-Yg
  transformer (0.49 kV winding on a 0.48 kV bus) off its neutral tap. Three-phase and SLG at
  every bus, unscaled, within 0.5 %. Measured: ≤ 0.0034 % (taps on either side, source EMF
  1.04 pu, a constant-impedance load, a 3 Mvar capacitor bank; the rest is the line charging
  the engine neglects in Y1/Y2 — 0.0005 % with it); with a flat 1.0 pu and nominal ratios
  (before #20 item 6) the same buses were −9.4 % to −11.0 % off.
* A hand calculation for a synchronous generator (no ``K_G`` in the classical method): at the
  bus of an external grid and a generator, ``I = |y_Q·E_Q + y_G·E_G|·I_base`` with
  ``Z_Q = Un²/S''_kQ`` and ``Z_G = R_G + jX″d·U_rG²/S_rG``, ``E = vm_pu`` (no load: the EMFs
  are the set points).
* The power-flow pre-fault state against pandapower ``calc_sc(..., use_pre_fault_voltage=True)``
  ("type C" superposition, pandapower 3.5.6): it uses the power flow's voltages only for
  three-phase faults (``_calc_ikss``; its ``1ph`` and ``2ph`` paths use the c factor), and its
  external grid impedance is ``c·Un²/S''_kQ``, so it is run with ``case="min"`` (c = 1.00 at MV)
  on the same short-circuit power. SLG with the power-flow state against the hand Thevenin
  superposition ``I = 3·|V_pf|/|2·Z1 + Z0|`` with pandapower's own ``Z1``, ``Z0`` at the bus.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandapower as pp
import pytest

from protv2g.engine import fault_study
from protv2g.errors import InputError
from protv2g.units import Case, FaultType, Method

REL = 0.005  # issue #20: within 0.5 % of the reference
TYPES = [FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND]

#: the network of both models; taps in OpenDSS are pu of the winding's rated kV
DSS = """clear
new circuit.prefault basekv=115 pu={pu} phases=3 bus1=src MVAsc3=2000 MVAsc1=2000 x1r1=10 x0r0=10
new transformer.t1 phases=3 windings=2 buses=[src sub] conns=[delta wye] kvs=[115 13.2]
~ kvas=[20000 20000] xhl=10 %rs=[0.35 0.35] taps=[{t1_hv} {t1_lv}] %noloadloss=0 %imag=0
new line.l1 bus1=sub bus2=b1 length=5 units=km r1=0.3 x1=0.4 r0=0.6 x0=1.2 c1=10 c0=5
new transformer.t2 phases=3 windings=2 buses=[b1 lv] conns=[delta wye] kvs=[12.47 0.49]
~ kvas=[1000 1000] xhl=5.66 %rs=[0.5 0.5] taps=[{t2_hv} 1] %noloadloss=0 %imag=0
{extra}
set voltagebases=[115 12.47 0.48]
calcv
"""
TAP_STEP_PERCENT = 2.5


def _pp_net(vm_pu: float = 1.0, t1_side: str = "hv", t1_pos: int = -2, t2_pos: int = 1,
            load_mva: complex | None = None, cap_mvar: float = 0.0) -> pp.pandapowerNet:
    """The pandapower twin of :data:`DSS`."""
    net = pp.create_empty_network(sn_mva=1.0)
    src = pp.create_bus(net, 115.0, name="src")
    sub = pp.create_bus(net, 12.47, name="sub")
    b1 = pp.create_bus(net, 12.47, name="b1")
    lv = pp.create_bus(net, 0.48, name="lv")
    pp.create_ext_grid(net, src, vm_pu=vm_pu, s_sc_max_mva=2000.0, rx_max=0.1, x0x_max=1.0,
                       r0x0_max=0.1, s_sc_min_mva=2000.0, rx_min=0.1, x0x_min=1.0,
                       r0x0_min=0.1)
    common = dict(pfe_kw=0.0, i0_percent=0.0, shift_degree=30.0, vector_group="Dyn",
                  tap_neutral=0, tap_min=-16, tap_max=16, tap_step_percent=TAP_STEP_PERCENT,
                  tap_changer_type="Ratio", mag0_percent=100.0, mag0_rx=0.0,
                  si0_hv_partial=0.9)
    z1 = abs(0.7 + 10j)  # %R = 0.35 + 0.35, XHL = 10 %
    pp.create_transformer_from_parameters(
        net, src, sub, sn_mva=20.0, vn_hv_kv=115.0, vn_lv_kv=13.2, vk_percent=z1,
        vkr_percent=0.7, vk0_percent=z1, vkr0_percent=0.7, tap_side=t1_side, tap_pos=t1_pos,
        **common)
    pp.create_line_from_parameters(net, sub, b1, 5.0, r_ohm_per_km=0.3, x_ohm_per_km=0.4,
                                   c_nf_per_km=10.0, r0_ohm_per_km=0.6, x0_ohm_per_km=1.2,
                                   c0_nf_per_km=5.0, max_i_ka=1.0, endtemp_degree=80.0)
    z2 = abs(1.0 + 5.66j)
    pp.create_transformer_from_parameters(
        net, b1, lv, sn_mva=1.0, vn_hv_kv=12.47, vn_lv_kv=0.49, vk_percent=z2,
        vkr_percent=1.0, vk0_percent=z2, vkr0_percent=1.0, tap_side="hv", tap_pos=t2_pos,
        **common)
    if load_mva is not None:
        pp.create_load(net, b1, p_mw=load_mva.real, q_mvar=load_mva.imag)
    if cap_mvar:
        pp.create_shunt(net, b1, q_mvar=-cap_mvar, p_mw=0.0, vn_kv=12.47)
    return net


def _dss_file(tmp_path, vm_pu=1.0, t1_side="hv", t1_pos=-2, t2_pos=1, load_mva=None,
              cap_mvar=0.0):
    tap1 = 1.0 + t1_pos * TAP_STEP_PERCENT / 100.0
    extra = ""
    if load_mva is not None:  # constant impedance: OpenDSS's fault-study admittance is exact
        extra = (f"new load.ld bus1=b1 phases=3 conn=delta kv=12.47 model=2 "
                 f"kw={load_mva.real * 1e3} kvar={load_mva.imag * 1e3}")
    if cap_mvar:  # Δ: no zero-sequence path (pandapower's zero-sequence builder has no shunts)
        extra += (f"\nnew capacitor.c1 bus1=b1 phases=3 conn=delta kv=12.47 "
                  f"kvar={cap_mvar * 1e3}")
    text = DSS.format(pu=vm_pu, t1_hv=tap1 if t1_side == "hv" else 1.0,
                      t1_lv=tap1 if t1_side == "lv" else 1.0,
                      t2_hv=1.0 + t2_pos * TAP_STEP_PERCENT / 100.0, extra=extra)
    path = tmp_path / "prefault.dss"
    path.write_text(text)
    return path


def _engine(net, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fault_study(net, fault_types=kw.pop("fault_types", TYPES),
                          cases=kw.pop("cases", [Case.MAX]), **kw)
    return res.bus.set_index(["bus_name", "fault_type"])["ikss_ka"].unstack() * 1e3


VARIANTS = {
    "hv_tap_minus2": {},
    "lv_tap_plus2": {"t1_side": "lv", "t1_pos": 2},
    "source_1.04pu": {"vm_pu": 1.04},
    "constant_z_load": {"load_mva": 3.0 + 1.0j},
    "capacitor_bank": {"cap_mvar": 3.0},  # without it in Y: −4.4 % at lv
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_classical_matches_opendss_fault_study(tmp_path, variant) -> None:
    """Off-nominal taps and winding ratings: unscaled 3ph and SLG at every bus within 0.5 %."""
    pytest.importorskip("opendssdirect")
    from protv2g.network.opendss_reference import opendss_fault_study

    kw = VARIANTS[variant]
    ref, _ = opendss_fault_study(_dss_file(tmp_path, **kw))
    ours = _engine(_pp_net(**kw), method=Method.CLASSICAL)
    per_bus = ref.groupby("bus").agg(isc_a=("isc_a", "mean"), slg_a=("slg_a", "max"),
                                     voc_v=("voc_v", "mean"), kv_ln=("kv_ln", "first"))
    assert set(per_bus.index) == {"src", "sub", "b1", "lv"}
    voc_pu = per_bus.voc_v / (per_bus.kv_ln * 1e3)
    assert voc_pu["sub"] > 1.05  # the case is off nominal: 13.2/12.47/0.95 = 1.114 pu
    rel3 = ours.loc[per_bus.index, "3ph"] / per_bus.isc_a - 1.0
    rel1 = ours.loc[per_bus.index, "SLG"] / per_bus.slg_a - 1.0
    assert rel3.abs().max() <= REL, rel3
    assert rel1.abs().max() <= REL, rel1


def test_classical_is_not_flat_nominal(tmp_path) -> None:
    """The taps and winding ratios reach the currents: 13.2 kV on a 12.47 kV bus behind a
    −5 % tap is 1.114 pu open circuit, so the current is ≈ 11 % above a flat 1.0 pu."""
    ours = _engine(_pp_net(), method=Method.CLASSICAL, fault_types=[FaultType.THREE_PHASE])
    neutral = _engine(_pp_net(t1_pos=0, t2_pos=0), method=Method.CLASSICAL,
                      fault_types=[FaultType.THREE_PHASE])
    # hand: V_oc(sub) = 13.2 / 12.47 / (1 − 0.05) = 1.1143 pu against 1.0585 at neutral tap
    assert ours.at["sub", "3ph"] / neutral.at["sub", "3ph"] > 1.03


def _gen_net(with_gen: bool = True, vm_gen: float = 1.0) -> pp.pandapowerNet:
    net = pp.create_empty_network(sn_mva=1.0)
    b = pp.create_bus(net, 12.47, name="b")
    pp.create_ext_grid(net, b, vm_pu=1.0, s_sc_max_mva=200.0, rx_max=0.1, s_sc_min_mva=200.0,
                       rx_min=0.1, x0x_max=1.0, r0x0_max=0.1, x0x_min=1.0, r0x0_min=0.1)
    if with_gen:
        pp.create_gen(net, b, p_mw=0.0, vm_pu=vm_gen, sn_mva=5.0, vn_kv=12.47, xdss_pu=0.2,
                      rdss_ohm=0.3, cos_phi=0.8)
    return net


def test_classical_generator_without_k_g() -> None:
    """A synchronous generator is ``Z″`` behind its EMF, without the IEC correction ``K_G``
    (IEC 60909-0:2016 eq. 18 would scale ``Z_G`` by ``c_max/(1 + x″d·sin φ) = 0.982``)."""
    vn, base_mva = 12.47, 1.0
    z_base = vn**2 / base_mva
    zq = vn**2 / 200.0
    z_q = zq * (0.1 + 1j) / np.sqrt(1.01)
    z_g = 0.3 + 1j * 0.2 * 12.47**2 / 5.0
    for vm_gen in (1.0, 1.03):
        i_pu = abs(z_base / z_q * 1.0 + z_base / z_g * vm_gen)
        hand_a = i_pu * base_mva / (np.sqrt(3) * vn) * 1e3
        ours = _engine(_gen_net(vm_gen=vm_gen), method=Method.CLASSICAL,
                       fault_types=[FaultType.THREE_PHASE])
        assert abs(ours.at["b", "3ph"] / hand_a - 1.0) <= 1e-6


def test_power_flow_prefault_matches_calc_sc_type_c() -> None:
    """3ph with the power-flow state against pandapower's superposition method (type C)."""
    net = _pp_net(load_mva=3.0 + 1.0j)
    ours = _engine(net, method=Method.CLASSICAL, prefault="power_flow")
    ref_net = _pp_net(load_mva=3.0 + 1.0j)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp.runpp(ref_net, trafo_model="pi")
        pp.shortcircuit.calc_sc(ref_net, case="min", fault="3ph", use_pre_fault_voltage=True)
    ref = ref_net.res_bus_sc.ikss_ka.rename(ref_net.bus.name) * 1e3
    rel = ours.loc[ref.index, "3ph"] / ref - 1.0
    assert rel.abs().max() <= REL, rel


def test_power_flow_prefault_slg_hand_thevenin() -> None:
    """SLG with the power-flow state: ``I = 3·|V_pf|·U_n/√3 / |2·Z1 + Z0|`` with pandapower's
    ``Z1`` (type C: loads at the power-flow voltage) and ``Z0`` at the fault bus."""
    net = _pp_net(load_mva=3.0 + 1.0j)
    ours = _engine(net, method=Method.CLASSICAL, prefault="power_flow")
    ref = _pp_net(load_mva=3.0 + 1.0j)
    # pandapower's case "min" heats the lines' zero-sequence resistance to endtemp_degree (not
    # their positive sequence in type C); the max case is at 20 °C
    ref.line["endtemp_degree"] = 20.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp.runpp(ref, trafo_model="pi")
        vm = ref.res_bus.vm_pu.copy()
        pp.shortcircuit.calc_sc(ref, case="min", fault="1ph", use_pre_fault_voltage=True)
    sc = ref.res_bus_sc
    for b, name in ref.bus.name.items():
        z1 = complex(sc.at[b, "rk_ohm"], sc.at[b, "xk_ohm"])
        z0 = complex(sc.at[b, "rk0_ohm"], sc.at[b, "xk0_ohm"])
        vn = ref.bus.at[b, "vn_kv"]
        hand_a = 3.0 * vm[b] * vn / np.sqrt(3) / abs(2 * z1 + z0) * 1e3
        assert abs(ours.at[name, "SLG"] / hand_a - 1.0) <= REL, name


def test_prefault_option_errors() -> None:
    net = _pp_net()
    with pytest.raises(InputError, match="prefault"):
        _engine(net, method=Method.CLASSICAL, prefault="flat")
    with pytest.raises(InputError, match="classical"):
        _engine(net, method=Method.IEC60909, prefault="power_flow")


def test_iec_unchanged_by_taps() -> None:
    """IEC 60909 stays as it is: the equivalent source at the fault, nominal ratios (pandapower
    ``calc_sc`` neglects taps, §6.3.3), so the tap position does not change the result."""
    a = _engine(_pp_net(), method=Method.IEC60909, fault_types=[FaultType.THREE_PHASE])
    b = _engine(_pp_net(t1_pos=0, t2_pos=0), method=Method.IEC60909,
                fault_types=[FaultType.THREE_PHASE])
    assert np.allclose(a["3ph"], b["3ph"], rtol=1e-9)
