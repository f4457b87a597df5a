"""A C12 under-voltage finding of the sites' charging gets its own charging cap, each cap says
whose it is, and where a study has several the smallest is named binding (review rev43c M1).

The depot (feeders/depot_two_feeder): R03, F02's C8 charging peak on R-F1, capped the charging
at ≈ 5,391 kW (with R01's pickup 550 A) — the report's only charging figure — while F05, the
under-voltage at F1-LAT2-B2 with the sites charging, still fails there. F05's worst row (the
Evidence, charging/firm): 0.9207 pu with 7,800 kW of charging, 0.9595 pu without it (base
margin 0.009534), limit 0.95 pu → 7,800 × 0.009534 / (0.009534 + 0.02929) ≈ 1,915 kW.

Checked by pandapower, not protv2g (``runpp`` on feeder.json at peak load, the charging as pf 1
loads split as the sites, depot 6.0 : campus 1.8 MW; /tmp/rec43/pp/pp_cap_uv.py): F1-LAT2-B2
0.9595 pu without, 0.9207 pu at 7,800 kW, 0.9509 pu at 1,915 kW, 0.9338 pu at R03's 5,391 kW
(the review: 0.934), 0.95 pu crossed at ≈ 2,102 kW.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.flow_low import UNDER_VOLTAGE
from protv2g.recommend.charging_cap import (
    ChargingCap,
    binding_text,
    c8_cap,
    under_voltage_cap,
)
from protv2g.recommend.notes import _no_candidate_note, charging_under_voltage
from tests.conftest import FEEDERS_DIR

V_MIN_PU = 0.95
#: pandapower (module docstring)
PP_WITHOUT_PU, PP_WITH_PU, PP_FULL_KW = 0.9595, 0.9207, 7800.0
PP_AT_CAP_PU, PP_AT_C8_CAP_PU, PP_CROSSING_KW = 0.9509, 0.9338, 2102.0


#: F05's worst Evidence row (protv2g's run of the depot, charging/firm): margin, base margin
F05_MARGIN_PU, F05_BASE_MARGIN_PU = -0.029285, 0.009534


def _f05(v_without=V_MIN_PU + F05_BASE_MARGIN_PU, v_with=V_MIN_PU + F05_MARGIN_PU
         ) -> pd.DataFrame:
    """F05's worst Evidence row and a milder one (margin = V − 0.95; base margin without the
    sites' charging), as the C12 under-voltage check and the attribution write them."""
    return pd.DataFrame({
        "finding": ["F05", "F05"], "fault_bus": ["F1-LAT2-B2", "F1-LAT2-B2"],
        "margin": [v_with - V_MIN_PU, 0.932 - V_MIN_PU], "limit": [V_MIN_PU, V_MIN_PU],
        "base_margin": [v_without - V_MIN_PU] * 2, "p_charging_kw": [PP_FULL_KW, 6000.0]})


def test_the_under_voltage_cap_holds_in_a_pandapower_flow():
    cap = under_voltage_cap(_f05())
    assert cap.kw == 1915.0  # 7,800 × 0.0095 / 0.0388, rounded down
    assert "cap the simultaneous charging of all sites at ≈ 1,915 kW" in cap.text
    assert "≈ 1,915 kW for C12's under-voltage at F1-LAT2-B2 only" in cap.text
    assert "0.9595 pu without the charging, 0.9207 pu with 7,800 kW of it" in cap.text
    # pandapower at the cap: within the limit; the true crossing above it, within 10 %
    assert PP_AT_CAP_PU >= V_MIN_PU
    assert 0.0 <= PP_CROSSING_KW - cap.kw <= 0.1 * PP_CROSSING_KW


def test_pandapower_figures_of_the_depot():
    """The figures above from pandapower's own flow (skipped without pandapower)."""
    pp = pytest.importorskip("pandapower")
    base = pp.from_json(str(FEEDERS_DIR / "depot_two_feeder" / "feeder.json"))
    base.load.scaling = 1.0  # peak load
    bus = {n: i for i, n in base.bus.name.items()}

    def v_pu(kw: float) -> float:
        net = copy.deepcopy(base)
        if kw > 0:
            pp.create_load(net, bus["F1-B02"], p_mw=kw / 1e3 * 6.0 / 7.8)
            pp.create_load(net, bus["F1-B05"], p_mw=kw / 1e3 * 1.8 / 7.8)
        pp.runpp(net)
        return float(net.res_bus.vm_pu[bus["F1-LAT2-B2"]])

    got = [v_pu(kw) for kw in (0.0, PP_FULL_KW, 1915.0, 5391.0)]
    assert np.allclose(got, [PP_WITHOUT_PU, PP_WITH_PU, PP_AT_CAP_PU, PP_AT_C8_CAP_PU],
                       atol=1e-4)


def test_no_charging_fits_where_the_voltage_is_already_low():
    cap = under_voltage_cap(_f05(v_without=0.948))
    assert cap.kw == 0.0 and "no charging fits" in cap.text and "0.9480 pu" in cap.text


def test_the_under_voltage_note_gives_its_cap():
    finding = {"criterion": "C12", "mechanism": UNDER_VOLTAGE,
               "attribution": "caused by charging", "worst_scenario": "charging/firm",
               "margin_unit": "pu", "regulators": []}
    assert charging_under_voltage(finding)
    note = _no_candidate_note("C12", "fail", {**finding,
                                              "charging_cap": under_voltage_cap(_f05()).text})
    assert note.startswith("voltage below the limit with the sites charging (importing): "
                           "manage the charging (schedule it off peak or cap it): cap the "
                           "simultaneous charging of all sites at ≈ 1,915 kW"), note
    assert not charging_under_voltage({**finding, "attribution": "pre-existing",
                                       "worst_scenario": "base/peak"})


def test_the_smallest_cap_is_named_binding():
    c8 = c8_cap("R-F1", pd.DataFrame({
        "margin": [366.7 - 483.0], "i_device_a": [483.0], "limit": [366.7],
        "base_margin": [366.7 - 105.0], "p_charging_kw": [7800.0]}))
    # R03's figures as its note rounds them (the exact ones give 5,391 kW)
    assert c8.kw == pytest.approx(5391.0, rel=0.005)
    assert "for C8's load pickup of R-F1 only" in c8.text
    uv = under_voltage_cap(_f05())
    caps = [("F02", c8), ("F05", uv)]
    assert binding_text(uv, caps) == ("this is the study's binding charging cap, the smallest "
                                      f"(also: F02's ≈ {c8.kw:,.0f} kW for C8's load pickup "
                                      "of R-F1)")
    assert binding_text(c8, caps) == ("not the binding charging cap: F05's ≈ 1,915 kW for "
                                      "C12's under-voltage at F1-LAT2-B2 is smaller — the "
                                      "charging must stay under it")
    assert binding_text(c8, [("F02", c8)]) == ""  # one cap: nothing to compare
    assert binding_text(c8, [("F02", c8), ("F09", ChargingCap(np.nan, "x", "t"))]) == ""


#: The depot's Site drivers rows of F05 (protv2g's run, charging/firm): each site charging
#: alone, F1-LAT2-B2's voltage (pandapower runpp of the same snapshot gives the same to 1e-6).
F05_ALONE = pd.DataFrame({
    "criterion": ["C12", "C12"], "scenario": ["charging/firm"] * 2,
    "fault_bus": ["F1-LAT2-B2"] * 2, "site": ["depot", "campus"],
    "counterfactual": ["alone", "alone"], "p_export_kw": [-6000.0, -1800.0],
    "value": [0.941046, 0.940773], "value_unit": ["pu", "pu"]})


def test_the_under_voltage_cap_holds_for_any_split_of_the_charging():
    """Review rev50b #2: the ≈ 1,915 kW cap holds only on the finding's own split (6.0 : 1.8);
    with the campus taking 1,800 kW of it F1-LAT2-B2 is 0.9404 pu (pandapower). With the Site
    drivers' site-alone voltages the cap is the smallest site's, by superposition valid for
    any split: campus 1,800 × 0.009534 / (0.959534 − 0.940773) = 914.7 → 914 kW; depot 6,000 ×
    0.009534 / 0.018488 = 3,094.1 → 3,094 kW. Fails on the old code (no drivers argument)."""
    ev = _f05().assign(scenario="charging/firm")
    cap = under_voltage_cap(ev, F05_ALONE)
    assert cap.kw == 914.0
    assert "the cap for any split of the charging among the sites, set by campus" in cap.text
    assert "depot ≈ 3,094 kW, campus ≈ 914 kW" in cap.text
    assert "the sites together would reach ≈ 1,915 kW" in cap.text
    assert under_voltage_cap(ev, F05_ALONE.iloc[:1]).kw == 1915.0  # one site: the mix's cap


def test_pandapower_holds_the_any_split_cap():
    """pandapower ``runpp`` of the depot at peak (not protv2g): the any-split cap holds with
    all of it at either site and at the finding's split; rev50b's split at 1,915 kW fails."""
    pp = pytest.importorskip("pandapower")
    base = pp.from_json(str(FEEDERS_DIR / "depot_two_feeder" / "feeder.json"))
    base.load.scaling = 1.0
    bus = {n: i for i, n in base.bus.name.items()}

    def v_pu(depot_kw: float, campus_kw: float) -> float:
        net = copy.deepcopy(base)
        for name, kw in (("F1-B02", depot_kw), ("F1-B05", campus_kw)):
            if kw > 0:
                pp.create_load(net, bus[name], p_mw=kw / 1e3)
        pp.runpp(net)
        return float(net.res_bus.vm_pu[bus["F1-LAT2-B2"]])

    for split in ((914.0, 0.0), (0.0, 914.0), (914.0 * 6 / 7.8, 914.0 * 1.8 / 7.8)):
        assert v_pu(*split) >= V_MIN_PU, split
    assert v_pu(115.0, 1800.0) < V_MIN_PU  # rev50b: 0.9404 pu
