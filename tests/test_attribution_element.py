"""Attribution on the current of the element that operates (review ver31).

EPRI ckt5 with drafted fuses: a relay tripping on its ground element (51G, on |3I0|; |3I0|
+2.8 % with V2G) was judged on its phase current (−33 %), and a C1 row read "made worse by
V2G" where the change is the devices' scatter. Here a hand-built 12.47 kV feeder, solved by
pandapower's IEC 60909 short-circuit calculation (``calc_sc``, not protv2g's engine), gives
the same picture: a 20 Ω single-line-to-ground fault behind the lateral fuse F1, a V2G site
between the head relay R1 and F1 (and one beyond the fault), R1's phase current −18 % while
its |3I0| and F1's current move by less than 5 %. R1's phase element does not pick up (its
phase current is under its 400 A pickup): it trips on 51G, so the time answers to |3I0|.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import attribute
from protv2g.checks.attribution_share import CURRENT_SCATTER, MATERIAL_SHARE
from protv2g.devices.models import Fuse, OvercurrentRelay

BASE, V2G = "base/peak", "expected/peak/100%"
BASE_OF = {BASE: BASE, V2G: BASE}
#: Fault resistance (Ω) of the minimum SLG fault: what keeps R1's phase current under its
#: phase pickup, the case a ground element is set for.
R_FAULT_OHM = 20.0
#: The V2G sites (MVA, IEC 60909 current sources at k = 1.2 × rated current): one at b2
#: between R1 and F1, one at b4 beyond the fault.
SITE_B2_MVA, SITE_B4_MVA = 0.8, 0.4
CTI_S = 0.3


def _net(with_v2g: bool):
    pp = pytest.importorskip("pandapower")
    net = pp.create_empty_network(sn_mva=1.0)
    b0 = pp.create_bus(net, 115.0)
    b1, b2, b3, b4 = (pp.create_bus(net, 12.47) for _ in range(4))
    pp.create_ext_grid(net, b0, s_sc_max_mva=1000.0, rx_max=0.1, x0x_max=1.0, r0x0_max=0.1)
    # Dyn substation transformer: the only zero-sequence source of the 12.47 kV feeder
    pp.create_transformer_from_parameters(
        net, b0, b1, sn_mva=20.0, vn_hv_kv=115.0, vn_lv_kv=12.47, vk_percent=8.0,
        vkr_percent=0.5, pfe_kw=0.0, i0_percent=0.0, vector_group="Dyn", vk0_percent=8.0,
        vkr0_percent=0.5, mag0_percent=100.0, mag0_rx=0.0, si0_hv_partial=0.9)
    for a, b, km in ((b1, b2, 5.0), (b2, b3, 5.0), (b3, b4, 1.0)):  # R1 on line 0, F1 on 1
        pp.create_line_from_parameters(
            net, a, b, length_km=km, r_ohm_per_km=0.3, x_ohm_per_km=0.4, c_nf_per_km=0.0,
            max_i_ka=1.0, r0_ohm_per_km=0.9, x0_ohm_per_km=1.2, c0_nf_per_km=0.0,
            endtemp_degree=80.0)
    if with_v2g:  # inverters: positive-sequence current sources, no zero-sequence path
        pp.create_sgen(net, b2, p_mw=SITE_B2_MVA, sn_mva=SITE_B2_MVA, k=1.2)
        pp.create_sgen(net, b4, p_mw=SITE_B4_MVA, sn_mva=SITE_B4_MVA, k=1.2)
    return net, b3


def _currents(with_v2g: bool) -> dict[str, float]:
    """R1's phase current and |3I0|, F1's phase current (A) for the SLG fault at b3.

    pandapower's branch result of a 1ph fault is the faulted phase's current. |3I0| at R1 is
    the fault's own 3I0 = I_f (SLG: I_a = 3 I0 at the fault): the sites have no
    zero-sequence path and the lines no charging, so the zero-sequence current flows from
    the transformer through R1 and F1 to the fault alone (Kirchhoff, zero-sequence network).
    """
    sc = pytest.importorskip("pandapower.shortcircuit")
    net, fault_bus = _net(with_v2g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.calc_sc(net, fault="1ph", case="max", bus=fault_bus, branch_results=True,
                   r_fault_ohm=R_FAULT_OHM)
    i_f = 1000.0 * float(net.res_bus_sc.ikss_ka.at[fault_bus])
    return {"r1_phase": 1000.0 * float(net.res_line_sc.ikss_ka.iat[0]), "r1_3i0": i_f,
            "f1_phase": 1000.0 * float(net.res_line_sc.ikss_ka.iat[1])}


@pytest.fixture(scope="module")
def solved():
    return _currents(False), _currents(True)


RELAY = OvercurrentRelay(name="R1", pickup_a=400.0, curve="IEEE-VI", time_dial=2.0,
                         ground_pickup_a=100.0, ground_time_dial=1.0)
FUSE = Fuse(name="F1", link="100K")


def _row(scenario: str, i: dict[str, float]) -> dict:
    """The C1 row of R1 (backup) over F1 (primary) as the checks write it: F1's total
    clearing and R1's fastest element at these currents, margin = t_R1 − t_F1 − CTI, each
    device's |3I0| and the code of its operating element (1 ground: 51G faster than 51P;
    a fuse 0)."""
    t_ground = float(RELAY.ground_time_s([i["r1_3i0"]])[0])
    t_phase = float(RELAY.phase_time_s([i["r1_phase"]])[0])
    t_relay = min(t_ground, t_phase)
    t_fuse = float(FUSE.total_clear_time_s([i["f1_phase"]])[0])
    return {"criterion": "C1", "status": "fail", "scenario": scenario, "fault_bus": "b3",
            "fault_type": "SLG-a", "case": "min", "device": "R1", "other_device": "F1",
            "i_device_a": i["r1_phase"], "i_other_a": i["f1_phase"],
            "i_device_3i0_a": i["r1_3i0"], "i_other_3i0_a": i["f1_phase"],
            "element_device": int(t_ground < t_phase), "element_other": 0,
            "t_device_s": t_relay, "t_other_s": t_fuse, "margin": t_relay - t_fuse - CTI_S,
            "margin_unit": "s", "limit": CTI_S, "tolerance": 2.0,
            "rule": "coordination_interval", "attribution": "",
            "message": "R1 trips before F1 clears + CTI", "mechanism": ""}


def _fuse_side(v, at, side):
    """The checks' ``explained``: F1's time (``other_device``) is its curve's at the
    first-cycle current (it is, by construction of the rows)."""
    return np.asarray(side) == 1


def test_calc_sc_currents_move_as_on_ckt5(solved):
    base, v2g = solved
    rel = {k: (v2g[k] - base[k]) / base[k] for k in base}
    # without V2G the feeder is radial with one source: one current through R1 and F1
    assert base["r1_phase"] == pytest.approx(base["r1_3i0"], rel=1e-9)
    assert base["f1_phase"] == pytest.approx(base["r1_3i0"], rel=1e-9)
    assert base["r1_3i0"] == pytest.approx(303.2, abs=0.5)  # 7.2 kV over ≈ 23.7 Ω (3 Rf)
    # R1's phase current falls by far more than the ±5 % scatter; |3I0| and F1's do not
    assert rel["r1_phase"] < -0.15
    assert 0.0 < rel["r1_3i0"] < CURRENT_SCATTER
    assert -CURRENT_SCATTER < rel["f1_phase"] < 0.0
    # R1 trips on 51G in both: its phase current is under its 400 A phase pickup
    for i in (base, v2g):
        assert i["r1_phase"] < RELAY.settings.pickup_a
        assert np.isinf(RELAY.phase_time_s([i["r1_phase"]])[0])
        assert np.isfinite(RELAY.ground_time_s([i["r1_3i0"]])[0])


def test_a_ground_trip_is_judged_on_3i0_and_is_pre_existing(solved):
    base, v2g = solved
    rows = pd.DataFrame([_row(BASE, base), _row(V2G, v2g)])
    m_base, m_v2g = rows.margin.tolist()
    # F1 in its long-time region, slower with V2G: the base fails and V2G's part is material
    assert rows.t_other_s.min() > 10.0
    assert m_v2g < m_base < 0 and (m_base - m_v2g) > MATERIAL_SHARE * -m_base
    assert (m_base - m_v2g) > rows.tolerance.iloc[0]
    v = attribute(rows, BASE_OF, explained=_fuse_side)
    # judged on R1's phase current (−18 %) this was "worse"; on its |3I0| it is scatter
    assert v.attribution.iloc[1] == "pre-existing"
    msg = str(v.message.iloc[1])
    change = (v2g["r1_3i0"] - base["r1_3i0"]) / base["r1_3i0"]
    assert f"by {100 * change:.1f} % at most (R1's |3I0| (its ground element operates))" in msg
    # the working columns are read, not kept
    assert "element_device" not in v.columns and "i_device_3i0_a" not in v.columns


def test_a_phase_trip_is_still_judged_on_its_phase_current(solved):
    """The same rows with R1's phase element operating (codes 0): its phase current's
    −18 % is the time's, and the row stays worse, its message naming the phase current."""
    base, v2g = solved
    rows = pd.DataFrame([{**_row(s, i), "element_device": 0}
                         for s, i in ((BASE, base), (V2G, v2g))])
    v = attribute(rows, BASE_OF, explained=_fuse_side)
    assert v.attribution.iloc[1] == "worse"


def test_an_element_that_differs_from_its_twin_takes_the_larger_change(solved):
    """Ground in the base, phase with V2G (or the reverse): the time answers to |3I0| in one
    and to the phase current in the other, so the larger change (the phase current's
    −18 %) is compared, and the row stays worse."""
    base, v2g = solved
    for codes in ((1, 0), (0, 1)):
        rows = pd.DataFrame([{**_row(s, i), "element_device": c}
                             for s, i, c in ((BASE, base, codes[0]), (V2G, v2g, codes[1]))])
        v = attribute(rows, BASE_OF, explained=_fuse_side)
        assert v.attribution.iloc[1] == "worse", codes


def test_worse_on_3i0_names_it():
    """A ground trip whose |3I0| moves by a fifth: worse, and the message quotes |3I0|."""
    def row(scenario, i_3i0, m):
        return {"criterion": "C1", "status": "fail", "scenario": scenario, "fault_bus": "b3",
                "fault_type": "SLG-a", "case": "min", "device": "R1", "other_device": "F1",
                "i_device_a": 250.0, "i_other_a": 300.0, "i_device_3i0_a": i_3i0,
                "i_other_3i0_a": 300.0, "element_device": 1, "element_other": 0,
                "t_device_s": 2.0, "t_other_s": 40.0, "margin": m, "margin_unit": "s",
                "limit": 0.3, "tolerance": 0.5, "rule": "coordination_interval",
                "attribution": "", "message": "R1 trips before F1", "mechanism": ""}

    v = attribute(pd.DataFrame([row(BASE, 300.0, -38.0), row(V2G, 360.0, -45.0)]),
                  BASE_OF, explained=_fuse_side)
    assert v.attribution.iloc[1] == "worse"
    assert ("V2G moves R1's first-cycle |3I0| (its ground element operates) 300 → 360 A "
            "(20 %)") in str(v.message.iloc[1])


def test_element_codes_follow_the_faster_element():
    from protv2g.checks.operating_element import OperatingElement, element_codes

    devices = {"R1": RELAY, "F1": FUSE}
    names = np.array(["R1", "R1", "F1", "X"], dtype=object)
    i_p = np.array([300.0, 4000.0, 300.0, 1.0])
    i_g = np.array([300.0, 0.0, 300.0, 1.0])
    codes = element_codes(devices, names, i_p, i_g, "op")
    assert codes.dtype == np.int8
    assert codes.tolist() == [OperatingElement.GROUND, OperatingElement.PHASE,
                              OperatingElement.PHASE, OperatingElement.UNKNOWN]


def test_working_columns_keep_their_small_dtypes():
    """The pair rows' working columns: a missing code is -1 (not known), and every frame
    gets them at float32/int8 before the rows are concatenated (one path, no float64)."""
    from protv2g.checks.operating_element import (
        ELEMENT_COLUMNS,
        uniform_columns,
        with_element_columns,
    )

    pair = with_element_columns(pd.DataFrame({"margin": [1.0, 2.0]}),
                                element_device=np.array([1.0, np.nan]),
                                i_device_3i0_a=np.array([300.0, 310.0]))
    assert pair.element_device.tolist() == [1, -1] and pair.element_other.tolist() == [-1, -1]
    other = pd.DataFrame({"margin": [3.0]})
    frames = uniform_columns([pair, other])
    assert all(list(f.columns) == list(pair.columns) for f in frames)
    for c, dtype in ELEMENT_COLUMNS.items():
        assert other[c].dtype == dtype and pair[c].dtype == dtype
    assert np.isnan(other.i_device_3i0_a.iloc[0]) and other.element_device.iloc[0] == -1
