"""Tests of the pure curve functions (protv2g.devices.curves).

Sources: IEEE C37.112 Table 1 and IEC 60255-151 Table 1 constants (via
/work/shared/reference/relay_curves/inverse_time_curve_constants.csv), SEL-421 Reference
Manual Tables 1.59/1.60 (U- and C-curves), OpenDSS default relay TCC tables (EPRI, BSD-3)
and the published worked values in tests/data/curves/published_values.json.
"""

from __future__ import annotations

import doctest
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import protv2g.devices.curves as curves_mod
import protv2g.devices.library as library_mod
import protv2g.devices.models as models_mod
import protv2g.devices.tcc as tcc_mod
import protv2g.devices.tcc_traces as tcc_traces_mod
from protv2g.devices.curves import (
    CurveFamily,
    definite_time_s,
    em_reset_time_s,
    iec_time_s,
    ieee_time_s,
    instantaneous_reset_time_s,
    instantaneous_time_s,
    modify_time_s,
    point_table_time_s,
    trip_time_s,
)
from protv2g.devices.library import default_library

DATA = Path(__file__).parent / "data" / "curves"
REF = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "relay_curves"
LIB = default_library()
EQUATION_CURVES = [c for c in LIB if c.family in (CurveFamily.IEEE, CurveFamily.IEC)]
NON_FUSE = [c.name for c in LIB if c.kind.value != "fuse"]


def _closed_form(c, m: float, td: float) -> float:
    """Independent scalar evaluation with the math module (IEC: definite time above G_D =
    20 × the setting, IEC 60255-151's dependent-time range)."""
    if m <= 1:
        return math.inf
    if c.family is CurveFamily.IEEE:
        return td * (c.a_s / (m**c.p - 1.0) + c.b_s)
    m = min(m, 20.0)
    return td * c.k_s / (m**c.alpha - 1.0)


@pytest.mark.parametrize("curve", EQUATION_CURVES, ids=lambda c: c.name)
def test_equation_curves_match_closed_form(curve):
    m = np.geomspace(1.001, 200.0, 301)
    for td in (0.05, 0.5, 1.0, 7.5):
        got = trip_time_s(m * 50.0, 50.0, curve, td)
        want = np.array([_closed_form(curve, x, td) for x in m])
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=0)


def _cases():
    return json.loads((DATA / "published_values.json").read_text())["cases"]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["id"])
def test_published_worked_values(case):
    """Published values within their rounding; the source is in the case file."""
    t = trip_time_s(case["m"] * 100.0, 100.0, case["curve"], case["time_dial"])
    assert abs(float(t) - case["expected_t_s"]) <= case["abs_tol_s"], case["source"]


@pytest.mark.parametrize("dss, name", [("mod_inv", "IEEE-MI"), ("very_inv", "IEEE-VI"),
                                       ("ext_inv", "IEEE-EI")])
def test_ieee_against_opendss_tables(dss, name):
    """OpenDSS's tables are printed to 4 decimals (some truncated): tolerance 1e-4 s."""
    path = REF / "opendss_default_relay_tcc_tables.csv"
    if not path.is_file():
        pytest.skip(f"reference table not found at {path}")
    df = pd.read_csv(path)
    d = df[df["curve"] == dss]
    t = trip_time_s(d["M"].to_numpy(), 1.0, name, 1.0)
    np.testing.assert_allclose(t, d["t_s"].to_numpy(), atol=1e-4, rtol=0)


def test_ieee_mi_is_not_the_swapped_constant_bug():
    # A peer package swapped A and p and got 0.05 s at M = 2; C37.112 gives 3.80 s.
    assert float(trip_time_s(200.0, 100.0, "IEEE-MI")) == pytest.approx(3.8032, abs=1e-4)


def test_us_curves_are_not_ieee_aliases_but_scale_by_about_five():
    m = np.geomspace(1.05, 30.0, 200)
    for u, ieee, tol in (("U1", "IEEE-MI", 0.01), ("U3", "IEEE-VI", 0.02), ("U4", "IEEE-EI", 1e-9)):
        assert LIB.get(u) is not LIB.get(ieee)
        ratio = trip_time_s(m, 1.0, u, 5.0) / trip_time_s(m, 1.0, ieee, 1.0)
        np.testing.assert_allclose(ratio, 1.0, atol=tol)


def test_raw_functions_and_inf_at_pickup():
    assert np.isinf(ieee_time_s(1.0, 1.0, 19.61, 0.491, 2.0))
    assert np.isinf(iec_time_s([0.5, 1.0], 1.0, 0.14, 0.02)).all()
    assert float(iec_time_s(2.0, 1.0, 0.14, 0.02)) == pytest.approx(0.14 / (2**0.02 - 1), 1e-12)
    np.testing.assert_array_equal(definite_time_s([0.9, 1.0, 1.1, 50], 0.3),
                                  [np.inf, np.inf, 0.3, 0.3])
    np.testing.assert_array_equal(instantaneous_time_s([100, 101], 100.0, 0.05), [np.inf, 0.05])
    assert np.isinf(instantaneous_time_s([1e6], None)).all()
    assert np.isnan(ieee_time_s(np.nan, 1.0, 19.61, 0.491, 2.0))


def test_point_table_log_log():
    mp, tp = [1.0, 2.0, 10.0], [10.0, 1.0, 0.1]
    np.testing.assert_allclose(point_table_time_s(mp, mp, tp), tp, rtol=1e-12)
    # log-log midpoint is the geometric mean
    assert float(point_table_time_s(math.sqrt(2.0), mp, tp)) == pytest.approx(math.sqrt(10.0))
    assert np.isinf(point_table_time_s(0.99, mp, tp))
    assert float(point_table_time_s(1e4, mp, tp)) == pytest.approx(0.1)
    assert float(point_table_time_s(4.0, mp, tp, time_dial=2.0)) == pytest.approx(
        2.0 * float(point_table_time_s(4.0, mp, tp)))


def test_modifiers():
    t = np.array([0.01, 0.5, np.inf])
    np.testing.assert_allclose(modify_time_s(t, 2.0, 0.1, 0.2), [0.2, 1.1, np.inf])
    got = trip_time_s([150.0, 1000.0], 100.0, "101", multiplier=2.0, adder_s=0.05,
                      min_response_s=0.1)
    base = trip_time_s([150.0, 1000.0], 100.0, "101")
    np.testing.assert_allclose(got, np.maximum(2.0 * base + 0.05, 0.1))


def test_reset_characteristics():
    c = LIB.get("IEEE-VI")
    m = np.array([0.0, 0.5, 0.99, 1.0, 2.0])
    got = em_reset_time_s(m, 2.0, c.tr_s)
    np.testing.assert_allclose(got[:3], 2.0 * 21.6 / (1 - m[:3] ** 2))
    assert np.isinf(got[3:]).all()
    lti = LIB.get("IEC-LTI")  # SEL C4 reset uses (1 - M)
    assert float(em_reset_time_s(0.5, 1.0, lti.tr_s, lti.reset_exponent)) == pytest.approx(240.0)
    np.testing.assert_array_equal(instantaneous_reset_time_s([0.2, 1.0]), [0.0, np.inf])


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="pickup_a"):
        trip_time_s(1.0, 0.0, "IEEE-VI")
    with pytest.raises(ValueError, match="time_dial"):
        trip_time_s(1.0, 1.0, "IEEE-VI", -1.0)
    with pytest.raises(KeyError):
        trip_time_s(1.0, 1.0, "no-such-curve")
    with pytest.raises(ValueError, match="curve family"):
        CurveFamily("spline")


# ----------------------------------------------------------------- properties
currents = st.lists(st.floats(0.0, 1e5, allow_nan=False), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(NON_FUSE), td=st.floats(0.05, 10.0), pickup=st.floats(1.0, 2000.0),
       i=currents, mult=st.floats(0.5, 2.0), add=st.floats(0.0, 0.5), mrt=st.floats(0.0, 0.2))
def test_properties_monotone_inf_below_pickup_vectorised(name, td, pickup, i, mult, add, mrt):
    c = LIB.get(name)
    i_a = np.sort(np.asarray(i))
    t = trip_time_s(i_a, pickup, c, td, multiplier=mult, adder_s=add, min_response_s=mrt)
    # inf at or below pickup, finite and positive above
    assert np.isinf(t[i_a <= pickup]).all()
    above = t[i_a > pickup * (1 + 1e-9)]
    assert (np.isfinite(above) & (above > 0)).all()
    # non-increasing in current (inf counts as the largest time)
    tt = np.where(np.isinf(t), np.finfo(float).max, t)
    assert (np.diff(tt) <= 1e-12 * np.abs(tt[:-1])).all()
    # array input equals element-wise scalar input
    scalar = [float(trip_time_s(x, pickup, c, td, multiplier=mult, adder_s=add,
                                min_response_s=mrt)) for x in i_a]
    np.testing.assert_allclose(t, scalar, rtol=1e-12)  # to round-off (SIMD may differ by 1 ulp)
    # shape is kept for 2-D input
    assert trip_time_s(i_a.reshape(1, -1), pickup, c, td).shape == (1, i_a.size)


def test_module_doctests():
    for mod in (curves_mod, library_mod, models_mod, tcc_mod, tcc_traces_mod):
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert res.failed == 0, mod.__name__


def test_iec_curve_is_definite_time_above_gd():
    """IEC 60255-151 specifies the dependent time up to G_D (20 × the setting here): above it
    the time at G_D (review rev51 #3: EI TMS 0.1 at M 96.7 gave 0.000855 s). Hand:
    0.1·80/(20² − 1) = 0.020050 s; SI TMS 0.3 at M 50 → 0.3·0.14/(20^0.02 − 1) = 0.68821 s."""
    from protv2g.devices.curves import IEC_GD_M, curve_time_s, iec_time_s
    from protv2g.devices.library import default_library

    assert IEC_GD_M == pytest.approx(20.0)
    assert float(iec_time_s(96.7, 0.1, 80.0, 2.0)) == pytest.approx(0.1 * 80 / 399, rel=1e-12)
    assert float(iec_time_s(20.0, 0.1, 80.0, 2.0)) == pytest.approx(0.1 * 80 / 399, rel=1e-12)
    assert float(iec_time_s(10.0, 0.1, 80.0, 2.0)) == pytest.approx(0.1 * 80 / 99, rel=1e-12)
    si = default_library().get("IEC-SI")
    assert float(curve_time_s(50.0, si, 0.3)) == pytest.approx(
        0.3 * 0.14 / (20 ** 0.02 - 1), rel=1e-12)
    # a curve's own G_D (a relay declaring 40)
    from dataclasses import replace

    assert float(curve_time_s(50.0, replace(si, gd_m=40.0), 0.3)) == pytest.approx(
        0.3 * 0.14 / (40 ** 0.02 - 1), rel=1e-12)
