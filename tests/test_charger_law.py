"""The charger control law (pure functions): equations, Jacobian and properties.

References: the equations of ``docs/charger-fault-model.md`` written out by hand here (active
power priority ``|I| = P/|V|`` up to the limit; reactive current ``k·dip`` up to the limit;
IEEE 1547-2018 trip tables as in EPRI OpenDER's category defaults); the analytic Jacobian
against central finite differences (step 1e-7 pu, tolerance 1e-5 relative).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protv2g.engine.control_law import (
    ACTIVE,
    CONSTANT,
    REACTIVE,
    LawArrays,
    injection,
    to_real_jacobian,
)
from protv2g.engine.ride_through import (
    CATEGORY_CESSATION_PU,
    applicable_voltages,
    element_picked_up,
    trip_elements,
)
from protv2g.units import RideThroughCategory

PROPS = settings(max_examples=60, deadline=None, derandomize=True)


def _law(code, p=0.0, q=0.0, i_rated=1.0, k=2.0, db=0.0, k2=0.0, phi=0.0, gfm=False,
         n=1) -> LawArrays:
    def a(x):
        return np.full(n, x, dtype=float)
    return LawArrays(law=np.full(n, code), gfm=np.full(n, gfm), i_rated=a(i_rated), p=a(p),
                     q=a(q), phi=a(phi), k_factor=a(k), deadband=a(db), k2=a(k2),
                     z_gfm=np.full(n, 0.05 + 0.15j))


def _one(v, law, lim, pre=1.0 + 0j, v2=0j, **kw):
    inj = injection(np.array([[v]], complex), np.array([[v2]], complex),
                    np.array([[lim]]), law, np.array([[pre]], complex), **kw)
    return inj.i1[0, 0], inj.i2[0, 0]


def test_active_priority_is_p_over_v_until_the_limit():
    law = _law(ACTIVE, p=0.6)
    for v in (1.0, 0.8, 0.7):                     # P/|V| = 0.6, 0.75, 0.857 < 1.1
        i1, _ = _one(v * np.exp(0.3j), law, 1.1)
        assert abs(i1) == pytest.approx(0.6 / v, rel=1e-12)
        assert np.angle(i1) == pytest.approx(0.3, abs=1e-12)  # in phase with V1
    i1, _ = _one(0.4 + 0j, law, 1.1)              # 0.6/0.4 = 1.5 > 1.1: limited
    assert abs(i1) == pytest.approx(1.1, rel=1e-12)


def test_reactive_priority_hand_values():
    # dip 0.5, k = 2, I_r = 1 → i_q = 1.0 (lagging V by 90°); P/|V| = 0.6/0.5 = 1.2 but
    # only √(1.2² − 1²) = 0.663 is left for active current at a 1.2 limit
    law = _law(REACTIVE, p=0.6, k=2.0)
    i1, _ = _one(0.5 + 0j, law, 1.2)
    assert i1.imag == pytest.approx(-1.0, rel=1e-12)
    assert i1.real == pytest.approx(np.sqrt(1.2**2 - 1.0), rel=1e-12)


def test_constant_current_and_held_limit():
    law = _law(ACTIVE, p=0.2, phi=0.0)
    i1, _ = _one(0.3 * np.exp(-0.5j), law, 2.0, hold=np.ones((1, 1), bool))
    assert abs(i1) == pytest.approx(2.0) and np.angle(i1) == pytest.approx(-0.5)
    i1, _ = _one(0.3 + 0j, _law(CONSTANT, phi=np.pi / 2), 1.5)
    assert i1 == pytest.approx(-1.5j)


def test_pll_holds_the_pre_fault_angle_at_zero_voltage():
    i1, _ = _one(0j, _law(CONSTANT), 1.0, pre=np.exp(0.7j))
    assert np.angle(i1) == pytest.approx(0.7)


def test_negative_sequence_leads_v2_and_shares_the_limit():
    law = _law(ACTIVE, p=2.0, k2=2.0)
    i1, i2 = _one(0.5 + 0j, law, 1.2, v2=0.2 * np.exp(0.4j))
    assert abs(i2) == pytest.approx(0.4) and np.angle(i2) == pytest.approx(0.4 + np.pi / 2)
    assert abs(i1) == pytest.approx(0.8)  # what the limit leaves


@PROPS
@given(st.floats(0.0, 0.99), st.floats(0.5, 6.0), st.floats(0.2, 3.0), st.floats(0.5, 3.0))
def test_reactive_current_proportional_to_the_dip_until_the_limit(dip, k, i_rated, lim_pu):
    law = _law(REACTIVE, i_rated=i_rated, k=k)
    lim = lim_pu * i_rated
    i1, _ = _one(1.0 - dip + 0j, law, lim)
    assert i1.real == pytest.approx(0.0, abs=1e-12)
    assert -i1.imag == pytest.approx(min(k * dip * i_rated, lim), rel=1e-12, abs=1e-12)


@PROPS
@given(st.floats(0.01, 1.3), st.floats(-3.1, 3.1), st.floats(0.0, 0.6), st.floats(-3.1, 3.1),
       st.sampled_from([ACTIVE, REACTIVE, CONSTANT, "gfm"]), st.floats(-1.5, 1.5),
       st.floats(0.0, 2.0))
def test_analytic_jacobian_matches_finite_differences(vm, va, v2m, v2a, code, p, k2):
    law = _law(CONSTANT if code == "gfm" else code, p=p, q=0.1, k2=k2, gfm=code == "gfm",
               phi=0.4, db=0.05)
    v1 = np.array([[vm * np.exp(1j * va)]])
    v2 = np.array([[v2m * np.exp(1j * v2a)]])
    pre = np.array([[1.05 * np.exp(0.2j)]])
    args = dict(i_lim=np.array([[1.3]]), law=law, v1_pre=pre, e_gfm=pre * 1.1)
    inj = injection(v1, v2, jacobian=True, **args)
    h = 1e-7
    for b in (1, 2):
        for direction in (1.0, 1j):
            dv = h * direction
            up = injection(v1 + dv if b == 1 else v1, v2 + dv if b == 2 else v2, **args)
            dn = injection(v1 - dv if b == 1 else v1, v2 - dv if b == 2 else v2, **args)
            for a, (iu, idn) in ((1, (up.i1, dn.i1)), (2, (up.i2, dn.i2))):
                fd = (iu - idn) / (2 * h)
                d, dc = inj.d[(a, b)]
                an = d * direction + dc * np.conj(direction)
                # kinks (limit switching) are met with probability ~0; allow them anyway
                if abs(fd - an) > 1e-4 * (1 + abs(an)):
                    kink = injection(v1 + 10 * dv if b == 1 else v1,
                                     v2 + 10 * dv if b == 2 else v2, jacobian=True, **args)
                    assert not np.allclose(kink.d[(a, b)][0], d), (a, b, fd, an)


def test_real_jacobian_of_a_holomorphic_function():
    z = 0.3 + 0.4j
    jac = to_real_jacobian(np.array(2 * z), np.array(0j))  # f = z²
    assert jac == pytest.approx(np.array([[2 * z.real, -2 * z.imag], [2 * z.imag, 2 * z.real]]))


def test_category_defaults_are_the_standard_tables():
    """IEEE 1547-2018 Tables 11–13 as in EPRI OpenDER's category defaults."""
    ii = {e.name: (e.pickup_pu, e.clearing_s) for e in trip_elements("II")}
    assert ii == {"ov2": (1.2, 0.16), "ov1": (1.1, 2.0), "uv1": (0.7, 10.0),
                  "uv2": (0.45, 0.16)}
    iii = {e.name: (e.pickup_pu, e.clearing_s) for e in trip_elements("III")}
    assert iii["uv1"] == (0.88, 21.0) and iii["uv2"] == (0.5, 2.0) and iii["ov1"][1] == 13.0
    assert CATEGORY_CESSATION_PU[RideThroughCategory.III] == 0.5
    over = {e.name: (e.pickup_pu, e.clearing_s)
            for e in trip_elements("II", {"uv2_pu": 0.3, "uv2_s": 1.0})}
    assert over["uv2"] == (0.3, 1.0)
    with pytest.raises(ValueError, match="unknown trip override"):
        trip_elements("II", {"uv3_s": 1.0})
    with pytest.raises(ValueError, match="RideThroughCategory"):
        trip_elements("IV")


def test_applicable_voltages_and_pickup():
    # SLG-like: V1 = 0.67, V2 = −0.33 → phase a 0.34 (without V0), b and c 0.88
    v_min, v_max = applicable_voltages(np.array([[0.67 + 0j]]), np.array([[-0.33 + 0j]]),
                                       np.array([[1.0]]))
    assert v_min[0, 0] == pytest.approx(0.34)
    assert v_max[0, 0] == pytest.approx(abs(0.67 * np.exp(-2j * np.pi / 3)
                                            - 0.33 * np.exp(2j * np.pi / 3)))
    kinds = np.array([[True, False]])
    picked = element_picked_up(v_min, v_max, kinds, np.array([[0.45, 1.1]]))
    assert picked[0, :, 0].tolist() == [True, False]
