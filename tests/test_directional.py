"""Sign conventions of the 67 / 67N / 32 elements on analytic phasors, and the graph rule."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest

from protv2g.directional import _graph as feeder_graph
from protv2g.directional import (
    angle_to_mta_degree,
    direction_from_angle,
    ground_67n,
    phase_67,
    reverse_power_32,
    three_phase_power_mw,
    true_direction,
)
from protv2g.engine.faults import seq_to_abc
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
def test_67_forward_and_reverse_three_phase_fault(line_angle: float) -> None:
    """Forward 3ph fault: I lags V by the line angle; quadrature 45° MTA → forward.
    The same fault behind the relay (current reversed) → reverse."""
    v = 0.6 * BAL * _rot(-30)            # any system angle reference
    i = 2.0 * _rot(-line_angle) * v / 0.6
    fwd = phase_67(i, v, 45.0, min_pol_pu=0.05)
    rev = phase_67(-i, v, 45.0, min_pol_pu=0.05)
    assert fwd.direction == "forward" and rev.direction == "reverse"
    # Ia leads Vbc by 90° − line angle; δ = that − MTA
    assert float(fwd.delta_degree) == pytest.approx(90.0 - line_angle - 45.0)
    assert float(rev.delta_degree) == pytest.approx(90.0 - line_angle - 45.0 + 180.0 - 360.0
                                                    if 90 - line_angle - 45 + 180 > 180
                                                    else 90.0 - line_angle - 45.0 + 180.0)


def test_67_line_line_fault_decided_by_faulted_phases() -> None:
    # b–c fault ahead of the relay: I1 = −I2 = E/(Z1+Z2), Z at 75°
    i1 = 3.0 * _rot(-75)
    i_abc = seq_to_abc(np.array([0, i1, -i1]))
    v_abc = seq_to_abc(np.array([0, 0.5, 0.5]))   # V1 = V2 at the fault (bolted)
    res = phase_67(i_abc, v_abc, 45.0)
    assert res.phase in ("b", "c") and res.direction == "forward"
    assert phase_67(-i_abc, v_abc, 45.0).direction == "reverse"


def test_67_close_in_fault_memory_or_none() -> None:
    """Bolted close-in 3ph fault: V ≈ 0. Without memory: 'none' + flag; with the pre-fault
    voltage as memory the element still declares the right direction."""
    v = 1e-4 * BAL
    i = 10.0 * _rot(-80) * BAL
    no_mem = phase_67(i, v, 45.0, min_pol_pu=0.05)
    assert no_mem.direction == "none" and bool(no_mem.low_polarising)
    mem = phase_67(i, v, 45.0, min_pol_pu=0.05, v1_memory=1.0 + 0j)
    assert mem.direction == "forward" and bool(mem.memory_used)
    assert phase_67(-i, v, 45.0, min_pol_pu=0.05, v1_memory=1.0).direction == "reverse"


def test_67_pickup_flag_does_not_hide_decision() -> None:
    res = phase_67(0.1 * _rot(-60) * BAL, BAL, 45.0, pickup=0.4)
    assert res.direction == "forward" and bool(res.below_pickup)


@pytest.mark.parametrize("z0_angle", [60.0, 75.0, 85.0])
def test_67n_zero_sequence_polarised(z0_angle: float) -> None:
    """Forward SLG fault: V0 = −I0·Z0_source → 3I0 lags −3V0 by ∠Z0s; MTA −60° → forward."""
    i0 = 0.5 * _rot(-70)
    v0 = -i0 * 0.3 * _rot(z0_angle)
    assert ground_67n(3 * i0, v0, mta_degree=-60.0).direction == "forward"
    # reverse fault: the relay sees I0 flowing the other way, V0 set by the far source
    assert ground_67n(-3 * i0, v0, mta_degree=-60.0).direction == "reverse"


def test_67n_negative_sequence_polarised_and_low_voltage() -> None:
    i2 = 0.5 * _rot(-70)
    v2 = -i2 * 0.2 * _rot(80)
    res = ground_67n(0, 0, i2, v2, polarisation="negative", mta_degree=-60.0)
    assert res.direction == "forward" and res.phase == "3I2"
    rev = ground_67n(0, 0, -i2, v2, polarisation="negative", mta_degree=-60.0)
    assert rev.direction == "reverse"
    weak = ground_67n(3 * i2, 1e-4 * _rot(10), mta_degree=-60.0, min_pol_pu=0.02)
    assert weak.direction == "none" and bool(weak.low_polarising)
    with pytest.raises(ValueError, match="allowed"):
        ground_67n(1, 1, polarisation="both")
    with pytest.raises(ValueError, match="needs i2"):
        ground_67n(1, 1, polarisation="negative")


def test_array_input_equals_scalar_input() -> None:
    rng = np.random.default_rng(0)
    i = rng.normal(size=(7, 3)) + 1j * rng.normal(size=(7, 3))
    v = rng.normal(size=(7, 3)) + 1j * rng.normal(size=(7, 3))
    arr = phase_67(i, v, 30.0)
    for k in range(7):
        one = phase_67(i[k], v[k], 30.0)
        assert one.direction == arr.direction[k]
        assert float(one.delta_degree) == pytest.approx(arr.delta_degree[k])
    g = ground_67n(i[:, 0], v[:, 0])
    assert [ground_67n(i[k, 0], v[k, 0]).direction for k in range(7)] == g.direction.tolist()


def test_32_reverse_power_and_power_sign() -> None:
    v = 1.0 * BAL
    i_fwd = 0.2 * BAL                       # 0.2 kA in phase with V → P > 0
    vn_kv = 12.47
    s = three_phase_power_mw(v, i_fwd, vn_kv)
    assert s.real == pytest.approx(np.sqrt(3) * vn_kv * 0.2)
    assert abs(s.imag) < 1e-9
    picked, op, t = reverse_power_32(np.array([-s.real, s.real, -0.1]), pickup_mw=0.5,
                                     delay_s=2.0, duration_s=np.array([900.0, 900.0, 900.0]))
    assert picked.tolist() == [True, False, False]
    assert op.tolist() == [True, False, False] and t[0] == 2.0 and np.isinf(t[1])
    _p, op_short, _t = reverse_power_32(-5.0, 0.5, delay_s=2.0, duration_s=0.5)
    assert not bool(op_short)


def _ring() -> pp.pandapowerNet:
    """0 (source) – 1 – 2 – 3 radial, plus a loop 3 – 4 – 5 – 3 and a branch 2 – 6."""
    net = pp.create_empty_network()
    for k in range(7):
        pp.create_bus(net, 12.47, name=f"B{k}")
    pp.create_ext_grid(net, 0)
    for a, b in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 3), (2, 6)]:
        pp.create_line_from_parameters(net, a, b, 1.0, 0.2, 0.4, 10.0, 0.5)
    return net


def test_true_direction_radial_and_meshed() -> None:
    net = _ring()
    g = feeder_graph(net)
    faults = np.arange(7)
    # device at bus 1 on line 1 (1→2): downstream = 2, 3, 4, 5, 6
    d = true_direction(g, "line", 1, 1, 2, faults)
    assert d.tolist() == ["reverse", "reverse", "forward", "forward", "forward", "forward",
                          "forward"]
    # same line measured from bus 2 looking towards the source
    d = true_direction(g, "line", 1, 2, 1, faults)
    assert d.tolist() == ["forward", "forward", "reverse", "reverse", "reverse", "reverse",
                          "reverse"]
    # line 3 (3→4) is in a loop: only its own ends are judged
    d = true_direction(g, "line", 3, 3, 4, faults)
    assert d.tolist() == ["none", "none", "none", "reverse", "forward", "none", "none"]
    # the graph is restored
    assert g.number_of_edges() == 7
