"""Directional elements on analytic phasors: signs, thresholds and control logic by hand.

Every expected value is written out from the element's defining equation (docstrings of
:mod:`protv2g.directional.elements`; SEL-351 instruction manual §4 for 32Q/32V), on phasors
built for a forward fault (source behind the relay: ``V_s = −I_s·Z_s,behind``) and a reverse
fault (``V_s = +I_s·Z_s,ahead``).
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from protv2g.directional import (
    DirectionalSettings,
    angle_to_mta_degree,
    current_polarised_32i,
    direction_from_angle,
    ground_67n,
    line_graph,
    line_z_ohm,
    negative_sequence_32q,
    phase_67p,
    protected_line_z_ohm,
    reverse_power_32,
    sel_thresholds_ohm,
    sequence_impedance_ohm,
    three_phase_power_mw,
    zero_sequence_32v,
)
from protv2g.directional.decide import control
from protv2g.directional.evaluate import fault_phasors
from protv2g.directional.true_direction import true_direction
from protv2g.engine.faults import seq_to_abc
from protv2g.study.schema import DirectionalElements
from protv2g.topology import feeder_graph
from protv2g.units import A_OP

BAL = np.array([1.0, A_OP**2, A_OP])


def _rot(deg: float) -> complex:
    return complex(np.exp(1j * np.radians(deg)))


def test_angle_wraps_and_forward_zone() -> None:
    assert angle_to_mta_degree(_rot(170), _rot(-170), 0.0) == pytest.approx(-20.0)
    assert angle_to_mta_degree(1j, 1.0, 45.0) == pytest.approx(45.0)
    d = direction_from_angle(np.array([0.0, 89.0, 91.0, 180.0, 90.0]))
    assert d.tolist() == ["forward", "forward", "reverse", "reverse", "none"]
    d = direction_from_angle(np.array([0.0, 80.0, 100.0, 170.0]), half_width_degree=75.0)
    assert d.tolist() == ["forward", "none", "none", "reverse"]


@pytest.mark.parametrize("line_angle", [30.0, 60.0, 75.0, 85.0])
def test_67p_three_phase_fault_each_phase(line_angle: float) -> None:
    """Forward 3ph fault: every phase current lags its voltage by the line angle, so it leads
    its quadrature voltage (``Vbc = −j√3·Va``) by ``90° − φ``: δ = 90° − φ − MTA."""
    v = 0.6 * BAL * _rot(-30)
    i = 2.0 * _rot(-line_angle) * v / 0.6
    fwd = phase_67p(i, v, 45.0)
    assert fwd.direction.tolist() == ["forward"] * 3
    np.testing.assert_allclose(fwd.delta_degree, 90.0 - line_angle - 45.0)
    assert phase_67p(-i, v, 45.0).direction.tolist() == ["reverse"] * 3


def test_67p_decides_per_phase_with_reverse_export_on_a_healthy_phase() -> None:
    """b–c fault ahead (relay bus V1 = 0.7, V2 = 0.3 pu); phase a carries 0.7 kA of reverse
    export (in phase with −Va). Phases b, c: forward; phase a: reverse on its own current —
    and it operates only where its own current reaches the pickup."""
    i1 = 3.0 * _rot(-75)
    i_abc = seq_to_abc(np.array([0, i1, -i1]))
    i_abc[0] = -0.7
    v_abc = seq_to_abc(np.array([0, 0.7, 0.3]))
    e = phase_67p(i_abc, v_abc, 45.0, pickup=1.0)
    assert e.direction.tolist() == ["reverse", "forward", "forward"]
    assert e.operating.tolist() == [False, True, True]      # 0.7 kA < 1.0 kA pickup on phase a


def test_67p_close_in_fault_memory_or_none() -> None:
    """Bolted close-in 3ph fault: V ≈ 0. Without memory no decision (flagged); with the
    pre-fault V1 the memory quadrature voltages decide the right direction."""
    v = 1e-4 * BAL
    i = 10.0 * _rot(-80) * BAL
    none = phase_67p(i, v, 45.0, min_pol_pu=0.05)
    assert none.direction.tolist() == ["none"] * 3 and none.low_polarising.all()
    mem = phase_67p(i, v, 45.0, min_pol_pu=0.05, v1_memory=1.0 + 0j)
    assert mem.direction.tolist() == ["forward"] * 3 and mem.memory_used.all()
    np.testing.assert_allclose(mem.v_pol[0], -1j * np.sqrt(3))         # Vbc,mem = −j√3·V1
    assert phase_67p(-i, v, 45.0, v1_memory=1.0).direction.tolist() == ["reverse"] * 3
    assert phase_67p(i, v, 45.0, i_min=20.0).direction.tolist() == ["none"] * 3


@pytest.mark.parametrize("z0_angle", [60.0, 75.0, 85.0])
def test_67n_torque(z0_angle: float) -> None:
    """Forward SLG: V0 = −I0·Z0s, so 3I0 lags −3V0 by ∠Z0s; MTA −60° → forward."""
    i0 = 0.5 * _rot(-70)
    v0 = -i0 * 0.3 * _rot(z0_angle)
    fwd = ground_67n(3 * i0, v0, mta_degree=-60.0)
    assert fwd.direction == "forward"
    assert float(fwd.delta_degree) == pytest.approx(-z0_angle + 60.0)
    assert ground_67n(-3 * i0, v0).direction == "reverse"
    weak = ground_67n(3 * i0, 0.019 * _rot(10), min_pol_pu=0.02)   # |V0| below 0.02 pu
    assert weak.direction == "none" and bool(weak.low_polarising)


def test_sel_thresholds_four_branches() -> None:
    """SEL-351 Fig. 4.20: FT = 0.75·Z2F − 0.25·|V2/I2| (Z2F ≤ 0), 1.25·Z2F − … (Z2F > 0);
    RT = 0.75·Z2R + 0.25·|V2/I2| (Z2R ≥ 0), 1.25·Z2R + … (Z2R < 0)."""
    ft, rt = sel_thresholds_ohm(2.0, 3.0, 4.0)
    assert (ft, rt) == (pytest.approx(1.25 * 2 - 1.0), pytest.approx(0.75 * 3 + 1.0))
    ft, rt = sel_thresholds_ohm(-2.0, -1.0, 4.0)
    assert (ft, rt) == (pytest.approx(0.75 * -2 - 1.0), pytest.approx(1.25 * -1 + 1.0))


def test_32q_forward_reverse_and_supervision() -> None:
    """Forward: V2 = −I2·Z2s → Z2 = −|Z2s|·cos(∠Z2s − Z1ANG); reverse: V2 = +I2·Z2ahead."""
    i2 = 200.0 * _rot(-80)                 # A
    i1 = 600.0 * _rot(-70)
    z_s = 0.8 * _rot(85)                   # Ω behind the relay
    z_ahead = 12.0 * _rot(88)              # Ω ahead (a k2 inverter's negative-sequence Z)
    kw = dict(z1_angle_degree=70.0, z2_forward_ohm=1.0, z2_reverse_ohm=1.2,
              forward_pickup_a=60.0, reverse_pickup_a=30.0, a2=0.1)
    f = negative_sequence_32q(-i2 * z_s, i2, i1, **kw)
    assert f.direction == "forward"
    assert float(f.z_ohm) == pytest.approx(-0.8 * np.cos(np.radians(15.0)))
    assert float(f.forward_threshold_ohm) == pytest.approx(1.25 * 1.0 - 0.25 * 0.8)
    r = negative_sequence_32q(i2 * z_ahead, i2, i1, **kw)
    assert r.direction == "reverse"
    assert float(r.z_ohm) == pytest.approx(12.0 * np.cos(np.radians(18.0)))
    assert float(r.reverse_threshold_ohm) == pytest.approx(0.75 * 1.2 + 0.25 * 12.0)
    # 3I2 = 3·15 = 45 A: 50QR (30 A) picks up, 50QF (60 A) does not
    small = 15.0 * _rot(-80)
    assert negative_sequence_32q(-small * z_s, small, 100.0, **kw).direction == "none"
    assert negative_sequence_32q(small * z_ahead, small, 100.0, **kw).direction == "reverse"
    # a2: |I2| = 15 A is not above 0.1·|I1| = 20 A
    assert negative_sequence_32q(small * z_ahead, small, 200.0, **kw).direction == "none"
    assert negative_sequence_32q(0.0, 0.0, 100.0, **kw).direction == "none"


def test_32v_zero_sequence_impedance() -> None:
    """Z0 = Re[3V0·(3I0·1∠Z0ANG)*]/|3I0|²: forward 3V0 = −3I0·Z0s."""
    i3 = 300.0 * _rot(-75)
    z0s = 0.6 * _rot(80)
    kw = dict(z0_angle_degree=75.0, z0_forward_ohm=0.5, z0_reverse_ohm=0.8,
              forward_pickup_a=30.0, reverse_pickup_a=15.0, a0=0.1)
    f = zero_sequence_32v(-i3 / 3 * z0s, i3, 500.0, **kw)      # V0 = −I0·Z0s
    assert f.direction == "forward"
    assert float(f.z_ohm) == pytest.approx(-0.6 * np.cos(np.radians(5.0)))
    r = zero_sequence_32v(i3 / 3 * 4.0 * _rot(78), i3, 500.0, **kw)
    assert r.direction == "reverse" and float(r.z_ohm) == pytest.approx(4.0 * np.cos(
        np.radians(3.0)))
    assert sequence_impedance_ohm(1.0, 0.0, 0.0) != sequence_impedance_ohm(1.0, 0.0, 0.0)


def test_32i_current_polarised() -> None:
    i_pol = 400.0 * _rot(-80)
    assert current_polarised_32i(300.0 * _rot(-70), i_pol, min_pol_a=20.0).direction == "forward"
    assert current_polarised_32i(-300.0 * _rot(-70), i_pol, min_pol_a=20.0).direction == \
        "reverse"
    assert current_polarised_32i(300.0, 10.0, min_pol_a=20.0).direction == "none"


def test_array_input_equals_scalar_input() -> None:
    rng = np.random.default_rng(0)
    i = rng.normal(size=(7, 3)) + 1j * rng.normal(size=(7, 3))
    v = rng.normal(size=(7, 3)) + 1j * rng.normal(size=(7, 3))
    arr = phase_67p(i, v, 30.0)
    for k in range(7):
        one = phase_67p(i[k], v[k], 30.0)
        assert one.direction.tolist() == arr.direction[k].tolist()
        np.testing.assert_allclose(one.delta_degree, arr.delta_degree[k])
    kw = dict(z1_angle_degree=70.0, z2_forward_ohm=0.5, z2_reverse_ohm=0.7,
              forward_pickup_a=0.1, reverse_pickup_a=0.05)
    q = negative_sequence_32q(v[:, 0], i[:, 0], i[:, 1], **kw)
    assert [negative_sequence_32q(v[k, 0], i[k, 0], i[k, 1], **kw).direction
            for k in range(7)] == q.direction.tolist()


def test_32_reverse_power_and_power_sign() -> None:
    s = three_phase_power_mw(BAL, 0.2 * BAL, 12.47)
    assert s.real == pytest.approx(np.sqrt(3) * 12.47 * 0.2) and abs(s.imag) < 1e-9
    picked, op, t = reverse_power_32(np.array([-s.real, s.real, -0.1]), pickup_mw=0.5,
                                     delay_s=2.0, duration_s=900.0)
    assert picked.tolist() == [True, False, False] and op.tolist() == [True, False, False]
    assert t[0] == 2.0 and np.isinf(t[1])
    assert not bool(reverse_power_32(-5.0, 0.5, delay_s=2.0, duration_s=0.5)[1])


def _ring() -> pp.pandapowerNet:
    """0 (source) – 1 – 2 – 3 radial, a loop 3 – 4 – 5 – 3 and a branch 2 – 6."""
    net = pp.create_empty_network()
    for k in range(7):
        pp.create_bus(net, 12.47, name=f"B{k}")
    pp.create_ext_grid(net, 0)
    for a, b in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 3), (2, 6)]:
        pp.create_line_from_parameters(net, a, b, 1.0, 0.2, 0.4, 10.0, 0.5,
                                       r0_ohm_per_km=0.5, x0_ohm_per_km=1.2, c0_nf_per_km=4.0)
    return net


def test_true_direction_radial_and_meshed() -> None:
    net = _ring()
    g = feeder_graph(net)
    n_edges = g.number_of_edges()
    faults = np.arange(7)
    assert true_direction(g, "line", 1, 1, 2, faults).tolist() == [
        "reverse", "reverse", "forward", "forward", "forward", "forward", "forward"]
    assert true_direction(g, "line", 1, 2, 1, faults).tolist() == [
        "forward", "forward", "reverse", "reverse", "reverse", "reverse", "reverse"]
    # line 3 (3→4) closes a loop: only its own ends are judged
    assert true_direction(g, "line", 3, 3, 4, faults).tolist() == [
        "none", "none", "none", "reverse", "forward", "none", "none"]
    assert g.number_of_edges() == n_edges


def test_protected_line_impedance_by_hand() -> None:
    """Relay on line 1 (1→2): its own 1 km plus the shortest path to the electrically farthest
    bus ahead (2–3–4 or 2–3–5, 2 km): 3 km of 0.2 + j0.4 Ω/km (0.5 + j1.2 zero sequence)."""
    net = _ring()
    z1, z0 = protected_line_z_ohm(net, "line", 1, 1, 2)
    assert z1 == pytest.approx(3 * complex(0.2, 0.4))
    assert z0 == pytest.approx(3 * complex(0.5, 1.2))
    # in a loop: the element alone
    assert protected_line_z_ohm(net, "line", 3, 3, 4)[0] == pytest.approx(complex(0.2, 0.4))


def test_line_impedances_by_hand() -> None:
    """Every line's ``(Z1, Z0)``: ``(r + jx)·length / parallel``; a line without zero-sequence
    data takes ``3·Z1``."""
    net = _ring()
    net.line.loc[1, ["length_km", "parallel"]] = [2.0, 2]
    net.line.loc[2, "r0_ohm_per_km"] = np.nan
    zs = line_z_ohm(net)
    assert set(zs) == set(net.line.index)
    assert zs[1][0] == pytest.approx(complex(0.2, 0.4))  # 2 km / 2 in parallel
    assert zs[1][1] == pytest.approx(complex(0.5, 1.2))
    assert zs[2][1] == pytest.approx(3 * zs[2][0])
    z1, z0 = protected_line_z_ohm(net, "line", 1, 1, 2, line_z=zs)
    assert z1 == pytest.approx(zs[1][0] + zs[2][0] + complex(0.2, 0.4))


def test_shared_line_graph_gives_the_per_relay_answer() -> None:
    """One line graph for every relay (#21) = the graph built per relay without its own
    line; a relay on one of two parallel lines sees a loop (the other line): itself only."""
    net = _ring()
    pp.create_line_from_parameters(net, 1, 2, 1.0, 0.2, 0.4, 10.0, 0.5, r0_ohm_per_km=0.5,
                                   x0_ohm_per_km=1.2, c0_nf_per_km=4.0)  # line 7 ∥ line 1
    g = pp.topology.create_nxgraph(net, respect_switches=True, include_out_of_service=False,
                                   multi=True, calc_branch_impedances=False)
    zs = line_z_ohm(net)
    lines = line_graph(g, zs)
    before = [(a, b, dict(d)) for a, b, d in lines.edges(data=True)]
    assert lines[1][2]["lines"] == [1, 7]
    for idx, bus, far in [(1, 1, 2), (7, 2, 1), (2, 2, 3), (6, 2, 6), (3, 3, 4), (0, 0, 1)]:
        shared = protected_line_z_ohm(net, "line", idx, bus, far, g, zs, lines)
        assert shared == protected_line_z_ohm(net, "line", idx, bus, far)
    assert protected_line_z_ohm(net, "line", 1, 1, 2, g, zs, lines) == zs[1]
    # line 2 (2→3): 3–4 or 3–5 ahead
    assert protected_line_z_ohm(net, "line", 2, 2, 3, g, zs, lines)[0] == pytest.approx(
        2 * complex(0.2, 0.4))
    assert [(a, b, dict(d)) for a, b, d in lines.edges(data=True)] == before


def test_schema_and_settings_defaults_agree() -> None:
    """The study-file block's defaults are the settings' defaults (one set of numbers)."""
    block, s = DirectionalElements(), DirectionalSettings()
    pairs = {"phase_elements": "phase_elements", "ground_elements": "ground_elements",
             "phase_min_polarising_pu": "min_pol_phase_pu", "memory": "use_memory",
             "half_width_degree": "half_width_degree", "a2": "a2", "a0": "a0",
             "ground_method": "ground_method",
             "ground_characteristic_angle_degree": "mta_ground_degree",
             "ground_min_polarising_pu": "min_pol_ground_pu",
             "unmodelled_clearing_time_s": "unmodelled_clearing_time_s",
             "reverse_power_delay_s": "reverse_power_delay_s"}
    for k, f in pairs.items():
        assert getattr(block, k) == getattr(s, f), k
    assert block.trip_direction == "forward" and s.trip_direction == "none"
    with pytest.raises(ValueError, match="must be larger"):
        DirectionalElements(z2_forward_ohm=1.0, z2_reverse_ohm=0.5)
    with pytest.raises(ValueError, match="together"):
        DirectionalElements(z2_forward_ohm=1.0)
    with pytest.raises(ValueError, match="unknown element"):
        DirectionalSettings(phase_elements=("67X",))


def _phasors(i_abc: np.ndarray, v_abc: np.ndarray) -> object:
    rows = {}
    for k, p in enumerate("abc"):
        rows[f"i{p}_ka"] = np.abs(i_abc[:, k]) / 1000
        rows[f"i{p}_degree"] = np.degrees(np.angle(i_abc[:, k]))
        rows[f"v{p}_pu"] = np.abs(v_abc[:, k])
        rows[f"v{p}_degree"] = np.degrees(np.angle(v_abc[:, k]))
    return fault_phasors(pd.DataFrame(rows), 12.47)


def test_control_order_priority_and_non_directional() -> None:
    """ORDER logic: the first *enabled* element of the list decides for each overcurrent
    element; 67P takes over where 32Q is not enabled; an empty list is non-directional."""
    p = _phasors(np.array([[500.0, 0, 0], [500.0, 0, 0]]), np.array([BAL, BAL]))
    n = 2
    e = {("32Q", ""): dict(declared=np.array(["reverse", "none"], object),
                           enabled=np.array([True, False])),
         ("67P", "a"): dict(declared=np.array(["forward", "forward"], object),
                            enabled=np.array([True, True]))}
    for ph in "bc":
        e[("67P", ph)] = dict(declared=np.full(n, "none", object), enabled=np.zeros(n, bool))
    s = DirectionalSettings(trip_direction="forward", phase_elements=("32Q", "67P"),
                            pickup_a=400.0)
    c = control(p, s, e, None)
    assert c.key["a"].tolist() == ["32Q/", "67P/a"]
    assert c.declared["a"].tolist() == ["reverse", "forward"]
    assert c.picks_up["a"].tolist() == [True, True] and not c.picks_up["b"].any()
    nd = control(p, DirectionalSettings(trip_direction="forward", phase_elements=()), {}, None)
    assert nd.key["a"].tolist() == ["51P/a"] * 2 and nd.declared["a"].tolist() == ["forward"] * 2


def test_study_file_errors_name_the_key(tmp_path) -> None:
    """Both forms of ``directional`` and the transformer block give plain field paths."""
    from protv2g.errors import InputError
    from tests.test_checks_common import DEVICES, make_study

    devices = [dict(DEVICES[0], directional={"phase_elements": ["67X"], "tripdirection": 1}),
               dict(DEVICES[1], directional="sideways"), *DEVICES[2:]]
    site = {"name": "site", "bus": "B1", "n_chargers": 10, "p_charger_kw": 100,
            "interconnection_transformer": {"sn_kva": 1000, "connection": "YNz"}}
    with pytest.raises(InputError) as err:
        make_study(tmp_path, devices=devices, v2g_sites=[site])
    text = str(err.value)
    for path in ("devices[0].directional.phase_elements[0]", "devices[0].directional.tripdirection",
                 "did you mean 'trip_direction'",
                 # the device named after its path (trust_report)
                 "devices[1].directional: device 'R2': Input should be 'none' or 'forward'",
                 "v2g_sites[0].interconnection_transformer.connection"):
        assert path in text, path
    assert "shorthand" not in text and "mapping" not in text


def test_settings_of_named_devices_equal_the_full_set() -> None:
    """#21: ``settings_from_study(devices=...)`` gives those devices' entries of the full set
    (the Directional table asks only for the forward-directional relays); none: empty."""
    from protv2g.directional import is_forward_directional, settings_from_study
    from protv2g.study.loader import load_study
    from tests.conftest import FEEDERS_DIR

    study = load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml")
    study = study.with_updates(devices=[dict(d, directional="forward") if d["name"] == "R-F1"
                                        else d for d in study.raw["devices"]])
    full = settings_from_study(study)
    assert settings_from_study(study, devices=["R-F1", "RC-F1"]) == {
        k: full[k] for k in ("R-F1", "RC-F1")}
    assert settings_from_study(study, devices=[]) == {}
    forward = [d.name for d in study.document.devices if is_forward_directional(d)]
    assert forward == [n for n, s in full.items() if s.directional] == ["R-F1"]
