"""Property-based tests (hypothesis) of the fault engine on a synthetic radial feeder.

Properties (issue 11): reciprocity of the bus impedance matrix (in test_engine_chargers.py),
zero injection = base case, superposition of fault contributions of separate sites while their
current limits bind (each source is then a fixed-magnitude injection), and fault current
decreasing with fault resistance.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protv2g.engine import ChargerSource, fault_study
from protv2g.network.synthetic import synthetic_radial_feeder
from protv2g.units import Case, FaultType, Method

NET = synthetic_radial_feeder(60, seed=3)
BUSES = [int(b) for b in NET.bus.index if NET.bus.at[b, "vn_kv"] < 20]
PROPS = settings(max_examples=25, deadline=None, derandomize=True)


@PROPS
@given(st.sampled_from(BUSES), st.floats(0.0, 5.0), st.floats(0.1, 40.0))
def test_fault_current_decreases_with_fault_resistance(bus, r_low_ohm, dr_ohm):
    def ikss(r_ohm):
        res = fault_study(NET, fault_types=[FaultType.SINGLE_LINE_GROUND, FaultType.THREE_PHASE],
                          cases=[Case.MAX], method=Method.CLASSICAL, r_fault_ohm=r_ohm,
                          buses=[bus])
        return res.bus.set_index("fault_type").ikss_ka
    low, high = ikss(r_low_ohm), ikss(r_low_ohm + dr_ohm)
    assert (high <= low * (1 + 1e-12)).all()


@PROPS
@given(st.sampled_from(BUSES))
def test_zero_injection_is_the_base_case(bus):
    idle = ChargerSource("idle", bus, 1e-12, limit_pu=1.2)
    res = fault_study(NET, cases=[Case.MAX], scenarios={"base": [], "idle": [idle]})
    b = res.bus.pivot_table(index=["bus", "fault_type"], columns="scenario", values="ikss_ka")
    np.testing.assert_allclose(b["idle"], b["base"], rtol=1e-9)


@PROPS
@given(st.lists(st.sampled_from(BUSES), min_size=2, max_size=2, unique=True),
       st.sampled_from(BUSES))
def test_superposition_of_sites(site_buses, fault_bus):
    """Currents into a bolted 3ph fault: base + (A − base) + (B − base) = A + B, to within the
    small change of each source's angle with the other's presence (< 0.5 % here)."""
    a = ChargerSource("a", site_buses[0], 0.5, limit_pu=1.2)
    b = ChargerSource("b", site_buses[1], 0.5, limit_pu=1.2)
    res = fault_study(NET, fault_types=[FaultType.THREE_PHASE], cases=[Case.MAX],
                      method=Method.CLASSICAL, buses=[fault_bus],
                      scenarios={"base": [], "a": [a], "b": [b], "ab": [a, b]})
    i = {s: res.bus_i_abc_ka[k, 0, 0, 0, 0] for k, s in enumerate(res.scenarios)}
    predicted = i["a"] + i["b"] - i["base"]
    assert abs(i["ab"] - predicted) <= 5e-3 * abs(i["ab"]) + 1e-6


def test_property_feeder_is_radial_and_has_buses():
    assert len(BUSES) > 40
    with pytest.raises(Exception):  # noqa: B017 - any error: an unknown bus is bad input
        fault_study(NET, buses=[10**6])
