"""Directional elements on the fault engine's phasors, checked against hand calculations.

Feeder (12.47 kV, 60 Hz, classical method: 1.0 pu pre-fault, no c factor)::

    S(grid) ─L0 1 km─ A ─LX 0.01 km─ A2 ─L 2 km─ B (charger site, 1 MVA, limit 1.2 pu)
                      R (on LX at A)       R2 (on L at A2)

* 32Q behind which a k2 = 0 charger sits (R2 looking at the site), for an LL fault upstream at
  S: nothing ahead of R2 carries negative sequence (the charger injects none; line capacitance
  is neglected in the positive- and negative-sequence networks, IEC 60909-0:2016 §6.3.1, as the
  engine does), so ``I2 = 0`` through R2: 50QF/50QR and ``a2`` do not pick up and 32Q gives
  **no decision** — it neither releases nor blocks, and 67P decides in its place. With
  ``k2 = 1`` the charger is a negative-sequence shunt ``Zc = j·V_LN/(k2·I_rated)`` and 32Q
  declares **reverse** with ``Z2 = Re[(Z_L + Zc)·1∠−Z1ANG]``.
* memory: a bolted three-phase fault 10 m ahead of R (at A2) and one at R's own bus (A)
  collapse R's voltage below 0.05 pu; the pre-fault V1 decides both (forward, reverse).

The hand calculation solves the 4-node sequence networks written out below with numpy (the
engine's own code is not used); the charger's positive-sequence current is the one input taken
from the engine (its control law is the charger engineer's, tested in ``test_engine_chargers``).
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest

from protv2g.checks._common import build_context
from protv2g.checks.directional import directional_table
from protv2g.engine import ChargerSource, DeviceTerminal, fault_study
from protv2g.units import Case, FaultType, Method
from tests.test_checks_common import make_study

F_HZ = 60.0
V_LL = 12.47
V_LN = V_LL * 1e3 / np.sqrt(3)
S_SC_MVA, RX = 300.0, 0.1
LINE = dict(r_ohm_per_km=0.19, x_ohm_per_km=0.39, c_nf_per_km=10.0, r0_ohm_per_km=0.47,
            x0_ohm_per_km=1.4, c0_nf_per_km=4.5, max_i_ka=0.53)
LENGTHS = {"L0": 1.0, "LX": 0.01, "L": 2.0}
S_CH_MVA, LIMIT = 1.0, 1.2
RELAY = dict(kind="relay", pickup_a=30.0, curve="IEEE-VI", time_dial=1.0)
Q_SETTINGS = dict(z1_angle_degree=64.0, z2_forward_ohm=0.3, z2_reverse_ohm=0.5,
                  q_forward_pickup_a=10.0, q_reverse_pickup_a=5.0, a2=0.1)


def _net() -> pp.pandapowerNet:
    net = pp.create_empty_network(f_hz=F_HZ)
    b = {n: pp.create_bus(net, V_LL, name=n) for n in ("S", "A", "A2", "B")}
    pp.create_ext_grid(net, b["S"], s_sc_max_mva=S_SC_MVA, rx_max=RX, x0x_max=1.0,
                       r0x0_max=0.1, s_sc_min_mva=S_SC_MVA, rx_min=RX, x0x_min=1.0,
                       r0x0_min=0.1)
    for name, a, c in (("L0", "S", "A"), ("LX", "A", "A2"), ("L", "A2", "B")):
        pp.create_line_from_parameters(net, b[a], b[c], LENGTHS[name], name=name, **LINE)
    return net


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    devices = [dict(name="R", location={"line": "LX", "end": "from"}, directional="forward",
                    **RELAY),
               dict(name="R2", location={"line": "L", "end": "from"},
                    directional={"phase_elements": ["32Q", "67P"], **Q_SETTINGS}, **RELAY)]
    sites = [{"name": "site", "bus": "B", "n_chargers": 10, "p_charger_kw": 100,
              "limit_pu": LIMIT}]
    return make_study(tmp_path_factory.mktemp("dir"), devices=devices, net=_net(),
                      v2g_sites=sites, faults={"method": "classical", "cases": ["max"]})


def _run(study, k2: float, fault_type: FaultType, bus: str):
    fb = int(study.net.bus.index[study.net.bus.name == bus][0])
    ch = ChargerSource("site", study.site_buses["site"], S_CH_MVA, limit_pu=LIMIT,
                       p_pre_mw=S_CH_MVA, k2=k2)
    devs = [DeviceTerminal(n, s.element, s.element_index, s.bus)
            for n, s in study.device_sites.items()]
    res = fault_study(study.net, fault_types=[fault_type], cases=[Case.MAX],
                      method=Method.CLASSICAL, scenarios={"v2g": [ch]}, devices=devs,
                      buses=[fb])
    ctx = build_context(study, res.device, None, [])
    return res, directional_table(ctx)


# ------------------------------------------------------------------ hand calculation
def _y_bus(y_charger_s: complex) -> np.ndarray:
    """Nodal admittance (S) of S, A, A2, B: grid ``Z_Q = Un²/S''k`` (classical), series line
    impedances (capacitance neglected, IEC 60909-0 §6.3.1), charger shunt at B."""
    x_grid = V_LL**2 / S_SC_MVA / np.hypot(1.0, RX)
    y = np.zeros((4, 4), complex)
    y[0, 0] += 1 / complex(RX * x_grid, x_grid)
    for (a, c), name in zip(((0, 1), (1, 2), (2, 3)), ("L0", "LX", "L"), strict=True):
        z = complex(LINE["r_ohm_per_km"], LINE["x_ohm_per_km"]) * LENGTHS[name]
        y[a, a] += 1 / z
        y[c, c] += 1 / z
        y[a, c] -= 1 / z
        y[c, a] -= 1 / z
    y[3, 3] += y_charger_s
    return y


def _hand_ll_at_s(k2: float, i_charger_a: complex) -> dict[str, complex]:
    """Bolted b–c fault at S: V1_S = V2_S, I2f = −I1f; quantities at R2 (bus A2, into L)."""
    i_rated = S_CH_MVA * 1e6 / (np.sqrt(3) * V_LL * 1e3)
    y_c = -1j * k2 * i_rated / V_LN        # drawn: −I2,inj/V2, I2,inj = j·k2·I_rated·V2 (pu)
    z1 = np.linalg.inv(_y_bus(0j))
    z2 = np.linalg.inv(_y_bus(y_c))
    e_th = V_LN + z1[0, 3] * i_charger_a
    i1f = e_th / (z1[0, 0] + z2[0, 0])
    v1 = V_LN + z1[:, 3] * i_charger_a - z1[:, 0] * i1f
    v2 = -z2[:, 0] * (-i1f)
    z_l = complex(LINE["r_ohm_per_km"], LINE["x_ohm_per_km"]) * LENGTHS["L"]
    i2_r2 = (v2[2] - v2[3]) / z_l
    i1_r2 = (v1[2] - v1[3]) / z_l
    return {"v2": v2[2], "i2": i2_r2, "i1": i1_r2}


def _z2(v2: complex, i2: complex, angle: float) -> float:
    return float(np.real(v2 * np.conj(i2 * np.exp(1j * np.radians(angle)))) / abs(i2) ** 2)


@pytest.mark.parametrize("k2", [0.0, 1.0])
def test_32q_behind_charger_upstream_ll_fault(study, k2: float) -> None:
    res, table = _run(study, k2, FaultType.LINE_LINE, "S")
    row = res.charger.iloc[0]
    i_ch = 1000 * row.i1_ka * np.exp(1j * np.radians(row.i1_degree))
    hand = _hand_ll_at_s(k2, i_ch)
    q = table[(table.device == "R2") & (table.element == "32Q")].iloc[0]
    assert q.true_direction == "reverse"
    ratio = abs(hand["i2"]) / abs(hand["i1"])
    i1_r2 = 1000 * abs(res.device[res.device.device == "R2"].ia_ka.iloc[0])
    if k2 == 0.0:
        # nothing ahead carries negative sequence: I2 = 0 by hand; R2 still carries the
        # charger's positive-sequence current (≈ 1.2·46.3 A) back towards the fault. The hand
        # calculation inverts Y-bus matrices, so its "zero" is rounding (5.9e-13 A seen on one
        # machine, exactly 0 on another): zero relative to the 55 A of I1
        assert ratio < 1e-12
        assert q.i_operating_a < 1e-6 and i1_r2 == pytest.approx(abs(hand["i1"]), rel=2e-3)
        assert q.declared_direction == "none" and not q.in_control
        p = table[(table.device == "R2") & (table.element == "67P")]
        assert p.in_control.all()           # 67P decides for the phase elements instead
        return
    assert q.i_operating_a == pytest.approx(3 * abs(hand["i2"]), rel=2e-3)
    z2_hand = _z2(hand["v2"], hand["i2"], Q_SETTINGS["z1_angle_degree"])
    assert q.z_ohm == pytest.approx(z2_hand, rel=2e-3)
    if k2:
        # the k2 charger is a negative-sequence shunt Zc = j·V_LN/(k2·I_rated) ahead of R2
        i_rated = S_CH_MVA * 1e6 / (np.sqrt(3) * V_LL * 1e3)
        z_c = 1j * V_LN / (k2 * i_rated)
        z_ahead_hand = complex(LINE["r_ohm_per_km"], LINE["x_ohm_per_km"]) * LENGTHS["L"] + z_c
        assert z2_hand == pytest.approx(_z2(z_ahead_hand, 1.0, 64.0), rel=1e-9)
        rt = 0.75 * Q_SETTINGS["z2_reverse_ohm"] + 0.25 * abs(hand["v2"]) / abs(hand["i2"])
        assert q.z_reverse_threshold_ohm == pytest.approx(rt, rel=2e-3)
        assert z2_hand > rt and 3 * abs(hand["i2"]) > Q_SETTINGS["q_reverse_pickup_a"]
        assert ratio > Q_SETTINGS["a2"]
        assert q.declared_direction == "reverse" and q.in_control
        assert q.verdict in ("restrains", "below_pickup")


@pytest.mark.parametrize(("bus", "truth"), [("A2", "forward"), ("A", "reverse")])
def test_close_in_three_phase_fault_decided_by_memory(study, bus: str, truth: str) -> None:
    """Bolted 3ph fault 10 m ahead of R (A2) or at R's bus (A): |Vbc| at R < 0.05 pu; the
    pre-fault V1 (1.0 pu, classical) polarises every phase element."""
    res, table = _run(study, 0.0, FaultType.THREE_PHASE, bus)
    p = table[(table.device == "R") & (table.element == "67P")]
    dev = res.device[res.device.device == "R"].iloc[0]
    assert dev.va_pu < 0.05 / np.sqrt(3)                    # quadrature |V| < 0.05 pu
    assert p.low_polarising.all() and p.memory_used.all()
    assert (p.true_direction == truth).all() and (p.declared_direction == truth).all()
    assert set(p.verdict) <= {"trips", "restrains"}
    np.testing.assert_allclose(p.v_polarising_pu, np.sqrt(3), rtol=1e-6)   # |−j√3·V1,mem|
    # the same relay without memory gives no decision: for the forward fault it never trips
    no_mem = study.with_updates(devices=[dict(d, directional={"memory": False})
                                         if d["name"] == "R" else d
                                         for d in study.raw["devices"]])
    ctx = build_context(no_mem, res.device, None, [])
    q = directional_table(ctx)
    q = q[(q.device == "R") & (q.element == "67P")]
    assert (q.declared_direction == "none").all()
    expected = "fails_to_trip" if truth == "forward" else "no_decision"
    assert set(q.verdict) == {expected}
