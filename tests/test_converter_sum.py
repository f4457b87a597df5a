"""IEC 60909 magnitude addition of the chargers' part for the maximum case (#16).

References written out here (not computed by protv2g):

* 2-bus hand calculation: grid 10 kA ∠−80°, converter 0.5 kA ∠+100° (opposite) → the
  phasor sum 9.5 kA, the IEC 60909 sum 10 + 0.5 = 10.5 kA.
* pandapower's own ``calc_sc`` on the same 2-bus net (external grid 10 kA at X/R
  tan 80°, a full-converter ``sgen`` of 0.5 kA with ``current_angle_degree = 100``): its
  bus ``ikss_ka`` is ``IKSS1 + IKSS2`` (magnitudes), 10.5 kA, whatever the converter angle.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import warnings

import numpy as np
import pandapower as pp
import pandapower.shortcircuit as pp_sc
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protv2g.checks.converter_sum import (
    CURRENT_BASES,
    ConverterSplit,
    bus_iec_sum_ka,
    magnitude_sum_ka,
    phasors_ka,
    split_against_base,
    split_currents,
)

GRID = 10.0 * np.exp(-1j * np.deg2rad(80.0))
CONV = 0.5 * np.exp(1j * np.deg2rad(100.0))


def test_two_bus_by_hand() -> None:
    total = GRID + CONV
    assert abs(total) == pytest.approx(9.5, abs=1e-12)
    assert float(magnitude_sum_ka(total, GRID)) == pytest.approx(10.5, abs=1e-12)
    s = split_currents(np.array([[total, 0, 0]]), np.array([[GRID, 0, 0]]), [True])
    assert s.i_phasor_ka[0] == pytest.approx(9.5)
    assert s.i_iec_sum_ka[0] == pytest.approx(10.5) and s.i_sym_ka[0] == pytest.approx(10.5)
    assert s.i_network_ka[0] == pytest.approx(10.0)
    assert s.i_converter_ka[0] == pytest.approx(0.5)
    assert s.basis[0] == "iec_sum"
    # minimum case: the phasor solution, split by magnitudes as before #16
    m = split_currents(np.array([[total]]), np.array([[GRID]]), [False])
    assert m.i_sym_ka[0] == pytest.approx(9.5) and np.isnan(m.i_iec_sum_ka[0])
    assert m.i_network_ka[0] == pytest.approx(9.5) and m.i_converter_ka[0] == 0.0
    assert m.basis[0] == "phasor_min_case"
    # no base row (OpenDSS keeps device rows ≥ 1 A only): phasor, all of it network
    n = split_currents(np.array([[total]]), np.array([[np.nan]]), [True])
    assert n.i_sym_ka[0] == pytest.approx(9.5) and n.basis[0] == "phasor_no_base"
    assert n.i_network_ka[0] == pytest.approx(9.5) and n.i_converter_ka[0] == 0.0
    assert set(CURRENT_BASES) == {"iec_sum", "phasor_min_case", "phasor_no_base"}


def test_two_bus_against_pandapower_calc_sc() -> None:
    """pandapower adds the converter part by magnitude at the bus (IEC 60909-0:2016)."""
    un_kv = 20.0
    net = pp.create_empty_network()
    b0 = pp.create_bus(net, un_kv)
    b1 = pp.create_bus(net, un_kv)
    # I''k = c·Un/(√3·Z), Z = c·Un²/S''k  →  S''k = √3·Un·I''k
    pp.create_ext_grid(net, b0, s_sc_max_mva=math.sqrt(3) * un_kv * 10.0,
                       rx_max=1.0 / math.tan(math.radians(80.0)))
    pp.create_line_from_parameters(net, b0, b1, 1e-3, 1e-6, 1e-6, 0.0, 1.0)
    pp.create_sgen(net, b1, p_mw=0.0, sn_mva=math.sqrt(3) * un_kv * 0.5, k=1.0,
                   current_source=True)
    net.sgen["current_angle_degree"] = 100.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp_sc.calc_sc(net, case="max", bus=[b0], branch_results=False)
    ikss = float(net.res_bus_sc.at[b0, "ikss_ka"])
    assert ikss == pytest.approx(10.5, rel=1e-4)
    # and protv2g's sum of the same two phasors
    assert float(magnitude_sum_ka(GRID + CONV, GRID)) == pytest.approx(ikss, rel=1e-4)
    # the minimum case carries no converter part in pandapower either
    net2 = copy.deepcopy(net)
    net2.ext_grid["s_sc_min_mva"] = net2.ext_grid.s_sc_max_mva
    net2.ext_grid["rx_min"] = net2.ext_grid.rx_max
    net2.line["endtemp_degree"] = 20.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp_sc.calc_sc(net2, case="min", bus=[b0], branch_results=False)
    # (the external grid's impedance is c_min/S''k_min there: 10 kA again, grid only)
    assert float(net2.res_bus_sc.at[b0, "ikss_ka"]) == pytest.approx(10.0, rel=1e-4)


_mag = st.floats(0.0, 50.0, allow_nan=False)
_ang = st.floats(-180.0, 180.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_mag, _ang, _mag, _ang), min_size=3, max_size=3))
def test_iec_sum_never_below_phasor_and_equal_without_converters(p) -> None:
    net = np.array([[phasors_ka(m, a) for m, a, _, _ in p]])
    conv = np.array([[phasors_ka(m, a) for _, _, m, a in p]])
    s = split_currents(net + conv, net, [True])
    assert s.i_iec_sum_ka[0] >= s.i_phasor_ka[0] - 1e-9
    assert s.i_sym_ka[0] == pytest.approx(s.i_network_ka[0] + s.i_converter_ka[0])
    off = split_currents(net, net, [True])
    assert off.i_iec_sum_ka[0] == pytest.approx(off.i_phasor_ka[0], abs=1e-9)
    assert off.i_converter_ka[0] == pytest.approx(0.0, abs=1e-9)
    # array input equals element-wise scalar input
    np.testing.assert_allclose(magnitude_sum_ka(net + conv, net),
                               [[float(magnitude_sum_ka(x, y)) for x, y in
                                 zip((net + conv)[0], net[0], strict=True)]])


def test_bus_table_joins_the_base_row_per_phase() -> None:
    """A line-to-line fault: the base row's phase b is joined with the V2G row's phase b,
    whichever phase carries the larger ``ikss`` in each row."""
    g_b, g_c = 8.0 * np.exp(-1j * np.deg2rad(170.0)), 8.0 * np.exp(1j * np.deg2rad(10.0))
    c_b, c_c = 0.3 * np.exp(1j * np.deg2rad(10.0)), 0.3 * np.exp(-1j * np.deg2rad(170.0))

    def row(scenario, case, ib, ic):
        return {"scenario": scenario, "bus": 1, "fault_type": "LL", "case": case,
                "ia_ka": 0.0, "ia_degree": 0.0, "ib_ka": abs(ib),
                "ib_degree": np.degrees(np.angle(ib)), "ic_ka": abs(ic),
                "ic_degree": np.degrees(np.angle(ic)), "ikss_ka": max(abs(ib), abs(ic))}

    bus = pd.DataFrame([row("base/peak", "max", g_b, g_c),
                        row("v2g/peak", "max", g_b + c_b, g_c + c_c),
                        row("base/peak", "min", g_b, g_c),
                        row("v2g/peak", "min", g_b + c_b, g_c + c_c),
                        {**row("v2g/light", "max", g_b, g_c)}])
    base_of = {"base/peak": "base/peak", "v2g/peak": "base/peak", "v2g/light": "base/light"}
    out = bus_iec_sum_ka(bus, base_of)
    assert bus.ikss_ka[1] == pytest.approx(7.7)                 # phasor: lowered by V2G
    assert out[0] == pytest.approx(8.0) and out[1] == pytest.approx(8.3)
    assert np.isnan(out[2]) and np.isnan(out[3])               # minimum case: phasor only
    assert np.isnan(out[4])                                    # no base row
    # without phase phasors there is no safe join (ikss's phase is the largest one's)
    assert bus_iec_sum_ka(bus.drop(columns=["ia_ka", "ia_degree"]), base_of).isna().all()


def test_fault_levels_sheet_carries_the_iec_sum() -> None:
    """The Fault levels sheet: the phasor level drops with V2G (9.5 kA), the maximum case's
    IEC column does not (10.5 kA); the minimum case has none."""
    from types import SimpleNamespace

    from protv2g.report.derived import fault_levels

    def row(scenario, case, i):
        out = {"scenario": scenario, "bus": 1, "bus_name": "B1", "fault_type": "3ph",
               "case": case, "ikss_ka": abs(i), "ikss_degree": np.degrees(np.angle(i))}
        for p, shift in zip("abc", (0.0, -120.0, 120.0), strict=True):
            out |= {f"i{p}_ka": abs(i), f"i{p}_degree": np.degrees(np.angle(i)) + shift}
        return out

    fc = pd.DataFrame([row("base", "max", GRID), row("v2g", "max", GRID + CONV),
                       row("base", "min", GRID), row("v2g", "min", GRID + CONV)])
    fc["ikss_iec_sum_ka"] = bus_iec_sum_ka(fc, {"base": "base", "v2g": "base"})
    result = SimpleNamespace(
        fault_currents=fc, settings=pd.DataFrame({"device": ["R1"], "bus": ["B1"]}),
        scenarios=pd.DataFrame({"scenario": ["base", "v2g"], "is_base": [True, False]}))
    r = fault_levels(result).iloc[0]
    assert r.i_max_base_ka == pytest.approx(10.0) and r.i_max_v2g_ka == pytest.approx(9.5)
    assert r.i_max_v2g_iec_sum_ka == pytest.approx(10.5)
    assert r.i_min_v2g_ka == pytest.approx(9.5)
    # a result without the column (an older run): NaN, not an error
    old = SimpleNamespace(**{**vars(result), "fault_currents": fc.drop(
        columns="ikss_iec_sum_ka")})
    assert np.isnan(fault_levels(old).iloc[0].i_max_v2g_iec_sum_ka)


def _split_by_merge(frame: pd.DataFrame, keys: list[str], base_of: dict) -> ConverterSplit:
    """The string left join split_against_base used before #21 (reference)."""
    cols = [c for p in "abc" for c in (f"i{p}_ka", f"i{p}_degree")]
    base = frame[["scenario", *keys, *cols]].rename(
        columns={"scenario": "_base", **{c: f"_b_{c}" for c in cols}})
    left = frame[["scenario", *dict.fromkeys(["case", *keys]), *cols]].reset_index(drop=True)
    left["_base"] = [base_of.get(str(n), "") for n in left.scenario]
    j = left.merge(base.drop_duplicates(["_base", *keys]), how="left", on=["_base", *keys])
    i = np.column_stack([phasors_ka(j[f"i{p}_ka"], j[f"i{p}_degree"]) for p in "abc"])
    ib = np.column_stack([phasors_ka(j[f"_b_i{p}_ka"], j[f"_b_i{p}_degree"]) for p in "abc"])
    return split_currents(i, ib, (j.case.astype(str) == "max").to_numpy())


def test_split_against_base_joins_as_the_string_merge() -> None:
    """#21: the base row found on integer key codes is the left join's (first base row of
    the same keys; none for a scenario without a base row or base case; NaN keys match)."""
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame({
        "scenario": rng.choice(["base/peak", "v2g/peak", "v2g/light", "base/light", "odd"], n),
        "bus": rng.choice([1, 2, 3, 40], n), "fault_type": rng.choice(["3ph", "SLG-a", "LL"], n),
        "case": rng.choice(["max", "min"], n),
        "phase": rng.choice(np.array(["a", "bc", None], dtype=object), n)})
    for p in "abc":
        frame[f"i{p}_ka"] = rng.uniform(0.0, 9.0, n)
        frame[f"i{p}_degree"] = rng.uniform(-180.0, 180.0, n)
    frame.loc[rng.choice(n, 20), "ib_ka"] = np.nan
    base_of = {"base/peak": "base/peak", "v2g/peak": "base/peak", "v2g/light": "base/light",
               "base/light": "base/light"}  # "odd" has none; bases drawn with duplicate keys
    for keys in (["bus", "fault_type", "case", "phase"], ["bus", "case"]):
        got, ref = split_against_base(frame, keys, base_of), _split_by_merge(frame, keys,
                                                                           base_of)
        for f in dataclasses.fields(ConverterSplit):
            np.testing.assert_array_equal(getattr(got, f.name), getattr(ref, f.name))
        assert (got.basis == "phasor_no_base").sum() >= n // 5  # "odd" and missing keys


def test_iec_sum_change_is_against_the_base_iec_sum() -> None:
    """Review s21 (EPRI J1, ls_bus 3ph, existing PV): the base case's IEC sum (4.684 kA, the
    PV by magnitude) is above its phasor (4.517 kA); the V2G IEC sum 4.823 kA was compared with
    the phasor base (+6.78 %). Like with like: +2.97 %, on the Fault levels table and the
    Summary's grid."""
    from types import SimpleNamespace

    from protv2g.report.derived import fault_levels
    from protv2g.report.summary_faults import fault_level_grid

    fc = pd.DataFrame({"scenario": ["base", "v2g", "base", "v2g"], "bus_name": "ls_bus",
                       "fault_type": "3ph", "case": ["max", "max", "min", "min"],
                       "ikss_ka": [4.517167, 4.551014, 4.065440, 4.088304],
                       "ikss_iec_sum_ka": [4.684289, 4.823451, np.nan, np.nan]})
    result = SimpleNamespace(
        fault_currents=fc, settings=pd.DataFrame({"device": ["head"], "bus": ["ls_bus"]}),
        scenarios=pd.DataFrame({"scenario": ["base", "v2g"], "is_base": [True, False]}))
    r = fault_levels(result).iloc[0]
    assert r.i_max_base_iec_sum_ka == pytest.approx(4.684289)
    assert r.change_max_iec_sum_percent == pytest.approx(100 * (4.823451 / 4.684289 - 1))
    assert r.change_max_iec_sum_percent == pytest.approx(2.971, abs=1e-3)
    assert r.change_max_percent == pytest.approx(100 * (4.551014 / 4.517167 - 1))

    class _Grid:
        def grid(self, header, rows, fmt=None):
            self.table = dict(zip(header[3:9], rows[0][3:9], strict=True))

        def note(self, text):
            self.text = text

    w = _Grid()
    fault_level_grid(w, fault_levels(result))
    # the memo's figures: kA to the ampere, % to 0.01 (review rev43c F4)
    assert w.table["max base kA (IEC sum)"] == pytest.approx(4.684289, abs=5e-4)
    assert w.table["change % (IEC sum)"] == pytest.approx(2.971, abs=5e-3)
    assert "against the base case's IEC sum" in w.text
