"""The at-limit bracket of a hosting figure spans the tolerance's whole bracket (review vr41;
docs/hosting-capacity.md, "A figure set by a bus at the limit within its tolerance").

A bus ``e`` = 0.00097 pu over 1.05 pu without V2G (IEEE 8500's x2729406c at light load, 1.05097
pu) is, at a tolerance ``t`` on the limit (``checks.voltage_limit_tolerance_pu``, bracket 1e-4
to 1/240 pu, :data:`protv2g.checks.flow_limit.V_LIMIT_TOLERANCE_BRACKET_PU`), over the limit when
``t < e`` — V2G may then add the materiality 1/120 pu (the bracket's other end, vh40's
``over_limit_kw``) — and at it otherwise, V2G's rise caused beyond max(``t``, the attribution's
floor 0.001 × (1.05 + e) = 0.00105097 pu, by hand). At the high end 1/240 pu that is 0.0041667
pu: between the figure's 0.00105 pu and 1/120 pu, so the high end's figure lies between the two
ends the search gives. And a C12 under-voltage row has no at-limit reading to bracket: a bus
within the tolerance of 0.95 pu without V2G is judged by the materiality on either side of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.attribution import attribute
from protv2g.checks.flow_limit import V_LIMIT_TOLERANCE_BRACKET_PU, v2g_caused

V_MAX, V_BASE = 1.05, 1.05097
FLOOR = 0.001 * (V_MAX + (V_BASE - V_MAX))  # 0.00105097 pu by hand


def _caused(rise_pu: float, tol_pu: float) -> bool:
    w = pd.DataFrame({"scenario": ["base", "v2g"], "bus": [7, 7],
                      "vm_pu": [V_BASE, V_BASE + rise_pu]})
    caused, v_base = v2g_caused(w, w.iloc[[1]], {"base": "base", "v2g": "base"}, V_MAX, tol_pu)
    assert v_base[0] == pytest.approx(V_BASE)
    return bool(caused[0])


@pytest.mark.parametrize(("tol_pu", "allowed_pu"), [(0.001, FLOOR), (1 / 240, 1 / 240)])
def test_at_the_limit_v2g_may_add_the_larger_of_the_tolerance_and_the_floor(tol_pu,
                                                                             allowed_pu):
    assert not _caused(allowed_pu * 0.99, tol_pu)
    assert _caused(allowed_pu * 1.01, tol_pu)
    assert FLOOR < allowed_pu * 1.0001 < 1 / 120  # between the figure's and the other end's


def test_at_the_low_end_the_bus_is_over_the_limit():
    """t = 1e-4 < e: the base is over the limit, nothing is "caused" (the attribution's
    materiality 1/120 pu judges the row: :func:`protv2g.hosting.voltage_text.at_limit_mask`)."""
    low, high = V_LIMIT_TOLERANCE_BRACKET_PU
    assert (low, high) == (1e-4, pytest.approx(1 / 240))
    assert not _caused(0.005, low)


def test_under_voltage_within_the_tolerance_is_judged_by_the_materiality():
    """0.9485 pu with V2G from 0.9495 pu (within the tolerance below 0.95) or 0.9505 pu
    (above it) without: both ``pre-existing`` — V2G's 0.001–0.002 pu is under 1/120 pu."""
    v = pd.DataFrame({"criterion": ["C12"] * 2, "scenario": ["v2g"] * 2,
                      "fault_bus": ["b1", "b2"], "device": ["", ""], "margin_unit": ["pu"] * 2,
                      "rule": ["v_min_pu"] * 2, "margin": [0.9485 - 0.95] * 2,
                      "tolerance": [1 / 120] * 2, "status": ["fail"] * 2,
                      "mechanism": ["under-voltage"] * 2, "message": ["", ""]})
    base = pd.DataFrame({"scenario": ["base"] * 2, "fault_bus": ["b1", "b2"],
                         "device": ["", ""], "margin_unit": ["pu"] * 2,
                         "rule": ["v_min_pu"] * 2, "margin": [0.9495 - 0.95, 0.9505 - 0.95]})
    out = attribute(v, {"v2g": "base", "base": "base"}, base)
    np.testing.assert_allclose(out.base_margin.to_numpy(float), [-0.0005, 0.0005], atol=1e-12)
    assert out.attribution.tolist() == ["pre-existing", "pre-existing"]
