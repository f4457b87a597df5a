"""Zero-sequence islands without a path to ground (issue #4): Z0 = ∞, never a singular matrix.

Physics (Anderson, *Analysis of Faulted Power Systems*, 1995, ch. 3): in an ungrounded
(delta-fed) section the SLG fault current is 0 (no capacitance modelled), an LLG fault is an LL
fault, and the neutral is displaced: ``V0 = −E1`` on every bus of the island for a bolted SLG.
References: OpenDSS fault study on EPRI's DG-protection feeder (``bg`` behind an open
transformer: SLG ≈ 1e-9 A), and the Z0 → ∞ limit of the same synthetic net with a vanishing
line capacitance.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandapower as pp
import pytest

from protv2g.engine import DeviceTerminal, fault_study
from protv2g.units import Case, FaultType, Method

LL, SLG, LLG, PH3 = (FaultType.LINE_LINE, FaultType.SINGLE_LINE_GROUND,
                     FaultType.DOUBLE_LINE_GROUND, FaultType.THREE_PHASE)


def _delta_fed_net(c0_nf_per_km: float = 0.0) -> pp.pandapowerNet:
    """115 kV grounded source → 115/12.47 kV YNd transformer → ungrounded 12.47 kV lines."""
    net = pp.create_empty_network(f_hz=60.0, sn_mva=1.0)
    src = pp.create_bus(net, 115.0, name="src")
    b = [pp.create_bus(net, 12.47, name=f"b{i}") for i in range(1, 5)]
    pp.create_ext_grid(net, src, s_sc_max_mva=1500.0, rx_max=0.1, x0x_max=1.0, r0x0_max=0.1,
                       s_sc_min_mva=1000.0, rx_min=0.12, x0x_min=1.2, r0x0_min=0.12)
    pp.create_transformer_from_parameters(
        net, src, b[0], sn_mva=20.0, vn_hv_kv=115.0, vn_lv_kv=12.47, vk_percent=8.0,
        vkr_percent=0.6, pfe_kw=0.0, i0_percent=0.0, shift_degree=30.0, vector_group="YNd",
        vk0_percent=8.0, vkr0_percent=0.6, mag0_percent=100.0, mag0_rx=0.0, si0_hv_partial=0.9)
    for f, t, km in ((0, 1, 2.0), (1, 2, 3.0), (1, 3, 1.5)):
        pp.create_line_from_parameters(net, b[f], b[t], km, 0.19, 0.381, 0.0, 0.53,
                                       r0_ohm_per_km=0.44, x0_ohm_per_km=1.44,
                                       c0_nf_per_km=c0_nf_per_km, endtemp_degree=80.0)
    return net


def _run(net, types=(PH3, LL, SLG, LLG), devices=()):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fault_study(net, fault_types=types, cases=[Case.MAX, Case.MIN],
                           devices=devices, r_fault_ohm=0.5)


def test_delta_fed_section_slg_is_zero_and_llg_is_ll() -> None:
    net = _delta_fed_net()
    dev = [DeviceTerminal("L0", "line", 0, int(net.line.at[0, "from_bus"]))]
    res = _run(net, devices=dev)
    ik = res.bus.set_index(["case", "fault_type", "bus_name"])["ikss_ka"]
    lv = [f"b{i}" for i in range(1, 5)]
    for case in ("max", "min"):
        assert np.all(ik.loc[(case, "SLG", lv)].to_numpy() == 0.0)
        # LLG with Z0 = ∞ is LL (same fault impedance per phase); exact up to rounding
        np.testing.assert_allclose(ik.loc[(case, "LLG", lv)].to_numpy(),
                                   ik.loc[(case, "LL", lv)].to_numpy(), rtol=1e-12)
        assert ik.loc[(case, "SLG", "src")] > 1.0  # grounded 115 kV side unaffected
    # neutral displacement: |V0| = |E1| = c_max = 1.1 (IEC 60909 equivalent source, LV feeder
    # bus at > 1 kV) on every bus of the island for an SLG fault at a remote LV bus
    d = res.device.set_index(["case", "fault_type", "fault_bus_name"])
    row = d.loc[("max", "SLG", "b3")]
    np.testing.assert_allclose(row["v0_pu"], 1.1, rtol=1e-12)
    np.testing.assert_allclose(row["va_pu"], 0.0, atol=1e-12)  # no current: bus at ground
    assert row["i3i0_ka"] == 0.0


def test_floating_limit_of_vanishing_capacitance() -> None:
    """Results with Z0 = ∞ equal the limit of a small physical capacitance (1e-3 nF/km).

    Its Z0 ≈ 2.6e6 pu (on 1 MVA) makes the capacitive SLG current ≈ 2e-8 kA and shifts V0 by a
    relative ≈ (Z1 + Z2)/Z0 ≈ 1e-7: the tolerances below.
    """
    dev = [DeviceTerminal("L0", "line", 0, 1), DeviceTerminal("L1", "line", 1, 2)]
    exact = _run(_delta_fed_net(), devices=dev)
    tiny = _run(_delta_fed_net(c0_nf_per_km=1e-3), devices=dev)
    np.testing.assert_allclose(exact.bus_i_012_ka, tiny.bus_i_012_ka, rtol=0, atol=1e-7)
    np.testing.assert_allclose(exact.device_v_012_pu, tiny.device_v_012_pu, rtol=0, atol=1e-6)
    np.testing.assert_allclose(exact.device_i_012_ka, tiny.device_i_012_ka, rtol=0, atol=1e-7)


def test_dg_feeder_ground_faults_match_opendss(shared_dir) -> None:
    """EPRI DG feeder: ``bg`` (windgen behind an open Dyn transformer) has no ground path.

    Was "singular admittance matrix". Tolerances as tests/test_opendss_feeders.py (issue #5):
    SLG within 5 % of OpenDSS's fault study where it has a ground path, < 1 A where it has none.
    """
    pytest.importorskip("opendssdirect")
    from protv2g.network.opendss import import_opendss
    from protv2g.network.opendss_reference import opendss_fault_currents

    path = shared_dir / "feeders" / "opendss" / "DG_Protection" / "DG_Prot_Fdr.dss"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = import_opendss(path).net
        res = fault_study(net, fault_types=[LL, SLG, LLG], cases=[Case.MAX],
                          method=Method.CLASSICAL)
        ref = opendss_fault_currents(path)
    eng = res.bus.set_index(["bus_name", "fault_type"])["ikss_ka"].unstack()
    ref = ref.join(eng)
    islg_a = ref["SLG"] * 1e3  # unscaled: the engine's own open-circuit voltage (#20 item 6)
    grounded = ref.islg_a > 1.0
    assert grounded.sum() >= 8 and not grounded["bg"]
    assert np.all(np.abs(islg_a[grounded] / ref.islg_a[grounded] - 1.0) < 0.05)
    assert np.all(islg_a[~grounded] < 1.0)
    assert ref.loc["bg", "LLG"] == pytest.approx(ref.loc["bg", "LL"], rel=1e-12)
