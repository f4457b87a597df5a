"""Physical invariants of the fault engine with charger sources."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandapower as pp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protv2g.engine import ChargerSource, DeviceTerminal, fault_study
from protv2g.engine.sequence import build_sequence_networks, copy_net
from protv2g.engine.zbus import z_cols_pu, z_rows_pu
from protv2g.network.synthetic import synthetic_radial_feeder
from protv2g.units import AngleRule, Case, ChargerControl, ChargerMode, FaultType, Method

NET = synthetic_radial_feeder(120, seed=7)


def _study(scenarios, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fault_study(NET, scenarios=scenarios,
                           devices=[DeviceTerminal("head", "line", 0, 1)], **kw)


def _peak_phase(chg: np.ndarray) -> np.ndarray:
    a = np.exp(2j * np.pi / 3)
    i1, i2 = chg[..., 0], chg[..., 1]
    return np.max(np.abs(np.stack([i1 + i2, a * a * i1 + a * i2, a * i1 + a * a * i2])), axis=0)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(2, 119), st.floats(0.05, 3.0), st.floats(1.0, 2.0),
                          st.floats(0.0, 3.0), st.sampled_from(list(AngleRule)),
                          st.sampled_from(list(ChargerMode)), st.booleans()),
                min_size=1, max_size=5, unique_by=lambda x: x[0]))
def test_contribution_never_exceeds_limit(sites):
    chargers = [ChargerSource(f"s{b}", b, s, limit_pu=lim, k2=k2, angle_rule=rule, mode=mode,
                              p_pre_mw=0.5 * s,
                              control=ChargerControl.GRID_FORMING if gfm
                              else ChargerControl.GRID_FOLLOWING)
                for b, s, lim, k2, rule, mode, gfm in sites]
    res = _study({"v2g": chargers}, buses=list(range(0, 120, 7)))
    chg = res.charger_i_12_ka["v2g"]
    lim = res.charger_limit_ka["v2g"]  # (case, charger)
    peak = _peak_phase(chg)            # (case, type, charger, bus)
    assert (peak <= lim[:, None, :, None] * (1 + 1e-9) + 1e-15).all()
    for k, c in enumerate(chargers):
        if c.mode is ChargerMode.CEASED:
            assert np.abs(chg[:, :, k]).max() <= 1e-12  # ceased: zero to round-off (kA)


def test_zero_chargers_is_the_base_case():
    ceased = [ChargerSource("s", 50, 2.0, mode=ChargerMode.CEASED)]
    res = _study({"base": [], "ceased": ceased})
    np.testing.assert_array_equal(res.bus_i_012_ka[0], res.bus_i_012_ka[1])
    np.testing.assert_array_equal(res.device_i_012_ka[0], res.device_i_012_ka[1])


def test_chargers_present_in_min_case_and_change_currents():
    fault_bus = 110
    site = int(NET.line.from_bus[NET.line.to_bus == fault_bus].iloc[0])  # just upstream
    res = _study({"base": [], "v2g": [ChargerSource("s", site, 3.0, p_pre_mw=3.0)]})
    for c in range(2):
        diff = np.abs(res.bus_i_012_ka[1, c] - res.bus_i_012_ka[0, c])
        assert diff.max() > 1e-3
    # the feeder-head relay sees less current for faults beyond the site (infeed effect)
    head_base = np.abs(res.device_i_abc_ka[0, 0, 0, 0, :, 0])
    head_v2g = np.abs(res.device_i_abc_ka[1, 0, 0, 0, :, 0])
    f = list(res.fault_buses).index(fault_bus)
    assert head_v2g[f] < head_base[f]


def test_contribution_scales_with_participating_rating():
    # a charger at a remote bus: the change of fault current grows with the rating
    deltas = []
    for s in (0.5, 1.0, 2.0):
        res = _study({"base": [], "v2g": [ChargerSource("s", 100, s, p_pre_mw=s)]},
                     fault_types=[FaultType.THREE_PHASE], cases=[Case.MAX])
        f = list(res.fault_buses).index(100)
        deltas.append(abs(res.bus_i_012_ka[1, 0, 0, f, 1]) - abs(res.bus_i_012_ka[0, 0, 0, f, 1]))
    assert 0 < deltas[0] < deltas[1] < deltas[2]
    # small sources superpose linearly (the angle feedback is second order)
    assert deltas[1] == pytest.approx(2 * deltas[0], rel=0.05)


def test_unlimited_grid_forming_source_is_linear():
    """An unlimited grid-forming source at a bus equals a second external grid there."""
    bus = 60
    z_rated = 0.02 + 0.2j
    s_rated = 1.0
    gfm = ChargerSource("gfm", bus, s_rated, limit_pu=1e6, z_source_pu=z_rated,
                        control=ChargerControl.GRID_FORMING)
    kw = dict(method=Method.CLASSICAL, cases=[Case.MAX], fault_types=[FaultType.THREE_PHASE,
                                                                      FaultType.LINE_LINE])
    res = _study({"gfm": [gfm]}, **kw)
    twin = copy.deepcopy(NET)
    # same impedance as an ext_grid: Z = Un²/S_sc, R/X = rx; classical: no c factor. Its EMF is
    # the grid-forming source's, the open-circuit voltage at the bus (loads are admittances in
    # the classical network, #20 item 6, so that is not 1∠−30°)
    cn = build_sequence_networks(copy_net(NET), NET, Case.MAX, Method.CLASSICAL,
                                 zero_sequence=False)
    v_oc = complex(cn.v_pre[cn.pos.index(np.array([bus]))[0]])
    z_abs = abs(z_rated) * 12.47**2 / s_rated
    pp.create_ext_grid(twin, bus, vm_pu=abs(v_oc), va_degree=float(np.degrees(np.angle(v_oc))),
                       s_sc_max_mva=12.47**2 / z_abs,
                       rx_max=z_rated.real / z_rated.imag, s_sc_min_mva=1.0, rx_min=0.1,
                       x0x_max=1.0, r0x0_max=0.1, x0x_min=1.0, r0x0_min=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = fault_study(twin, devices=[DeviceTerminal("head", "line", 0, 1)], **kw)
    # tolerance: the fixed-point iteration stops at 1e-10 pu change per step (slow contraction)
    np.testing.assert_allclose(res.bus_i_012_ka, ref.bus_i_012_ka, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res.device_i_012_ka, ref.device_i_012_ka, rtol=1e-5, atol=1e-6)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 119), min_size=2, max_size=6, unique=True))
def test_reciprocity(buses):
    """Z1 is symmetric up to the transformer phase shift; Z2 = Z1ᵀ exactly."""
    work = copy_net(NET)
    cn = build_sequence_networks(work, NET, Case.MAX, Method.IEC60909, zero_sequence=True)
    b = np.array(buses)
    for seq in (cn.pos, cn.zero):
        i = seq.index(b)
        rows = z_rows_pu(seq.lu, seq.n_bus, i)[:, i]
        cols = z_cols_pu(seq.lu, seq.n_bus, i)[i, :]
        np.testing.assert_allclose(rows, cols, rtol=1e-9, atol=1e-14)
        if seq is cn.pos:  # across the Dyn transformer Z1[i, j] = Z1[j, i]·e^{±j60°} only
            same_side = NET.bus.vn_kv.values[b][:, None] == NET.bus.vn_kv.values[b][None, :]
            np.testing.assert_allclose(rows[same_side], rows.T[same_side], rtol=1e-9)
    i = cn.pos.index(b)
    z1 = z_rows_pu(cn.pos.lu, cn.pos.n_bus, i)[:, i]
    z2 = z_rows_pu(cn.neg.lu, cn.neg.n_bus, i)[:, i]
    np.testing.assert_allclose(z2, z1.T, rtol=1e-9, atol=1e-14)
