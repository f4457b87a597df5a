"""Existing DER (the workplace feeder's PV-B03) in the maximum and minimum cases (review s16
§2 item 1, §3 items 2 and 5).

References (not computed by protv2g): pandapower 3.5.6 ``calc_sc`` on
``feeders/workplace_pv_midday/feeder.json``, 3ph, IEC 60909 (c_max 1.1 / c_min 1.0 at
12.47 kV), full-converter ``sgen`` as current sources (``current_source = True``, ``k``):

* grid alone (PV out of service), max: SUB-12kV 7.609541 kA, B03 2.902588, B04 2.206400;
* PV-B03 (2 MVA, k 1.1) and the office-park chargers of ``firm`` participation (36 online ×
  50 kVA = 1.8 MVA, k = limit 1.5 pu) at B03, max: B04 2.378852 kA — every current source
  added to the network's part by magnitude, ``I″k = I″kI + I″kII`` (pandapower
  ``shortcircuit.currents._calc_ikss``: ``ikss = IKSS1 + IKSS2``);
* min, with or without the PV and the chargers: B04 1.901885 kA — pandapower's
  ``_current_source_current`` returns without adding current sources unless the case is
  ``max`` ("sgen current source contribution only for Type A and case max"). IEC 60909-0:2016
  brings full-size-converter units into the calculation in its 2016 edition as current
  sources for the maximum short-circuit current; that it neglects them for minimum currents
  is stated here after pandapower's implementation — the clause number could not be
  confirmed from a stored copy of the standard (searched 2026-12-03).

The tool's figures before session 17 (main 059026d): the engine solves the PV as a current
source at its pre-fault angle (a phasor), in every scenario of the maximum case; the duty
"IEC sum" (:func:`protv2g.checks.converter_sum.bus_iec_sum_ka`) took the base case (PV on)
as the network's part. So:

* base max SUB-12kV 7.587296 kA < grid alone 7.609541 (−0.29 %): the max was not a maximum;
* firm max B04 IEC sum 2.331890 kA vs 2.378852 (−1.97 %);
* base min B04 1.937906 kA vs 1.901885 (+1.89 %) — fixed in session 16: 1.901885.

Session 17 (helper existing_der_max): the pipeline also solves the grid alone (no existing
DER, no charger) and the IEC sum is ``|I_grid| + |I_base − I_grid| + |I − I_base|``: base
SUB-12kV 7.711399 kA (≥ 7.609541), firm B04 2.378961 kA (+0.005 % against calc_sc). The
control-law phasor ``ikss_ka`` (time-based checks) carried the PV at the law's low-voltage
blend angle, below the grid alone (7.587296 kA); since session 39 (review rev39b M5) a unit a
bolted fault cuts off from every source — the PV behind a fault at SUB-12kV — holds its
pre-fault angle: 7.617360 kA = |I″k,grid·e^(−j·atan(Xk/Rk)) + 1.1 × 2 MVA/(√3 × 12.47 kV)|
from calc_sc's own Ikss, Rk and Xk (the PV at unity power factor in phase with its pre-fault
voltage, the grid's current lagging it by the short-circuit impedance angle), to 1e-12.
Tolerance 0.1 %: the brief's; the engine and ``calc_sc`` share the IEC 60909 network and c
factors.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pandapower as pp
import pandapower.shortcircuit as pp_sc
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
FEEDER = ROOT / "feeders" / "workplace_pv_midday"

#: pandapower 3.5.6 calc_sc, 3ph, kA (module docstring).
GRID_MAX_KA = {"SUB-12kV": 7.609541, "B03": 2.902588, "B04": 2.206400}
PV_CHARGERS_MAX_B04_KA = 2.378852
MIN_B04_KA = 1.901885
#: Relative tolerance against calc_sc (the brief's 0.1 %).
REL_TOL = 1e-3


def _calc_sc(net: pp.pandapowerNet, case: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp_sc.calc_sc(net, case=case, fault="3ph", ip=False, branch_results=False)
    return net.res_bus_sc.ikss_ka.set_axis(net.bus.name)


def _nets() -> tuple[pp.pandapowerNet, pp.pandapowerNet]:
    """(grid alone, PV + firm chargers as current sources)."""
    net = pp.from_json(str(FEEDER / "feeder.json"))
    grid = copy.deepcopy(net)
    grid.sgen["in_service"] = False
    both = copy.deepcopy(net)
    both.sgen["sn_mva"] = both.sgen.sn_mva.fillna(both.sgen.p_mw)  # 2 MVA, as the study
    b03 = int(both.bus.index[both.bus.name == "B03"][0])
    pp.create_sgen(both, b03, p_mw=1.8, sn_mva=1.8, k=1.5, name="office-park firm")
    both.sgen["current_source"] = True
    return grid, both


def test_calc_sc_references_reproduce() -> None:
    """The module docstring's calc_sc figures (so a pandapower change shows here first)."""
    grid, both = _nets()
    g = _calc_sc(grid, "max")
    for bus, ref in GRID_MAX_KA.items():
        assert g[bus] == pytest.approx(ref, abs=2e-6)
    assert _calc_sc(both, "max")["B04"] == pytest.approx(PV_CHARGERS_MAX_B04_KA, abs=2e-6)
    assert _calc_sc(both, "min")["B04"] == pytest.approx(MIN_B04_KA, abs=2e-6)
    assert _calc_sc(grid, "min")["B04"] == pytest.approx(MIN_B04_KA, abs=2e-6)


@pytest.fixture(scope="module")
def fault_currents() -> pd.DataFrame:
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(load_study(FEEDER / "study.yaml"), hosting=False)
    return res.fault_currents


@pytest.fixture(scope="module")
def bus_table(fault_currents: pd.DataFrame) -> pd.DataFrame:
    fc = fault_currents
    return fc[fc.fault_type.astype(str) == "3ph"].set_index(["scenario", "bus_name", "case"])


def test_existing_der_today(bus_table: pd.DataFrame) -> None:
    """The control-law phasor holds the PV cut off by the fault at its pre-fault angle
    (session 39; 7.587296 kA, below the grid alone, before): hand from calc_sc's grid-alone
    Ikss, Rk, Xk (module docstring); the IEC sum adds it by magnitude (2.331890 kA before
    session 17, when the base case, PV on, was the network's part)."""
    import numpy as np

    grid, _both = _nets()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp_sc.calc_sc(grid, case="max", fault="3ph", ip=False, branch_results=False)
    ref = grid.res_bus_sc.set_axis(grid.bus.name).loc["SUB-12kV"]
    i_pv_ka = 1.1 * 2.0 / (np.sqrt(3) * 12.47)
    hand = abs(ref.ikss_ka * np.exp(-1j * np.arctan2(ref.xk_ohm, ref.rk_ohm)) + i_pv_ka)
    assert bus_table.at[("base/light", "SUB-12kV", "max"), "ikss_ka"] == pytest.approx(
        hand, rel=1e-9)  # 7.617360 kA
    # calc_sc 2.378852 kA (module docstring); 2.378961 until session 44, when the chargers'
    # law (their first-cycle angle) read the network at c_max = 1.1 instead of c = 1
    assert bus_table.at[("firm/light/100%", "B04", "max"), "ikss_iec_sum_ka"] == pytest.approx(
        2.378984, abs=2e-6)
    assert bus_table.at[("firm/light/100%", "B04", "max"), "ikss_iec_sum_ka"] == pytest.approx(
        PV_CHARGERS_MAX_B04_KA, rel=1e-3)
    # min case: 1.937906 before session 16 (PV kept); the PV now ceases in the min case
    # (ChargerSource.max_case_only), as calc_sc: the test below pins it


def test_max_case_not_below_grid_alone(bus_table: pd.DataFrame) -> None:
    """A maximum case is an upper bound: never below the grid alone (calc_sc, PV out)."""
    for bus, ref in GRID_MAX_KA.items():
        assert bus_table.at[("base/light", bus, "max"), "ikss_iec_sum_ka"] >= ref * (1 - REL_TOL)


def test_max_iec_sum_matches_calc_sc_with_pv_and_chargers(bus_table: pd.DataFrame) -> None:
    """Every current source (PV at k 1.1, chargers at 1.5 pu) added by magnitude."""
    got = bus_table.at[("firm/light/100%", "B04", "max"), "ikss_iec_sum_ka"]
    assert got == pytest.approx(PV_CHARGERS_MAX_B04_KA, rel=REL_TOL)


def test_min_case_leaves_existing_der_out(bus_table: pd.DataFrame) -> None:
    """Minimum case without the full-converter PV (calc_sc leaves current sources out): the
    base case equals calc_sc's min at every bus (SUB-12kV 6.314382, B04 1.901885 kA; before:
    6.292013 / 1.937906); with the chargers the min case keeps their control-law phasor."""
    assert bus_table.at[("base/light", "B04", "min"), "ikss_ka"] == pytest.approx(
        MIN_B04_KA, rel=REL_TOL)
    assert bus_table.at[("base/light", "SUB-12kV", "min"), "ikss_ka"] == pytest.approx(
        6.314382, rel=REL_TOL)


def test_summary_section8_says_how_existing_der_is_modelled() -> None:
    """Summary §8 names each existing source and how each case carries it (review s16 §3
    item 5); nothing for a feeder without one."""
    from protv2g.report.summary_faults import existing_sources_assumption
    from protv2g.study.engine_inputs import existing_sources_table
    from protv2g.study.loader import load_study

    text = existing_sources_assumption(
        existing_sources_table(load_study(FEEDER / "study.yaml").net))
    # session 19: the chargers' model with the sgen's own k as its first-cycle limit (was
    # "current source k = 1.1 × rated … held")
    assert text.startswith("PV-B03 (2,000 kVA at B03): current-limited inverter by the "
                           "chargers' law: 1.1 pu first cycle (the model's own k)")
    assert "max case:" in text and "Min case: left out" in text
    assert existing_sources_assumption(pd.DataFrame()) == ""


def test_split_with_grid_alone_adds_each_source_by_magnitude() -> None:
    """``|I_grid| + |I_base − I_grid| + |I − I_base|`` in the max case; the grid's part is
    the network's; without grid phasors (or with the base's own) the split is the old one."""
    import numpy as np

    from protv2g.checks.converter_sum import split_currents

    grid = np.array([[10 * np.exp(-1j * np.deg2rad(80))]])
    base = grid + 1.0  # an existing PV at 0°: 1 kA
    both = base + 0.5j  # chargers at 90°: 0.5 kA
    s = split_currents(both, base, np.array([True]), grid)
    assert float(s.i_iec_sum_ka[0]) == pytest.approx(11.5)
    assert float(s.i_network_ka[0]) == pytest.approx(10.0)
    assert float(s.i_converter_ka[0]) == pytest.approx(1.5)
    b = split_currents(base, base, np.array([True]), grid)  # the base case itself
    assert float(b.i_iec_sum_ka[0]) == pytest.approx(11.0)
    assert float(b.i_phasor_ka[0]) == pytest.approx(abs(base[0, 0]))
    old = split_currents(both, base, np.array([True]))
    same = split_currents(both, base, np.array([True]), base)
    assert float(same.i_iec_sum_ka[0]) == float(old.i_iec_sum_ka[0])
    # a device that sees < 1 A without the PV (no grid row: NaN) takes 0 as the grid's part
    n = split_currents(both, base, np.array([True]), np.array([[np.nan]]))
    assert float(n.i_network_ka[0]) == 0.0
    assert float(n.i_iec_sum_ka[0]) == pytest.approx(abs(base[0, 0]) + 0.5)


def test_grid_only_set_only_with_existing_der() -> None:
    """One extra charger set (no source) only when a set holds an existing inverter."""
    from protv2g.engine import ChargerSource
    from protv2g.study.engine_inputs import GRID_ONLY, grid_only_set

    pv = ChargerSource(name="sgen:PV", bus=3, s_rated_mva=2.0, limit_pu=1.1, p_pre_mw=2.0,
                       max_case_only=True)
    site = ChargerSource(name="site", bus=3, s_rated_mva=1.0, limit_pu=1.5, p_pre_mw=1.0)
    assert grid_only_set({"base": (pv,), "v2g": (site, pv)}) == {GRID_ONLY: ()}
    assert grid_only_set({"base": (), "v2g": (site,)}) == {}


def test_grid_columns_and_device_duty(bus_table: pd.DataFrame) -> None:
    """Every bus row carries the grid-alone phasors; the grid alone's 3ph at SUB-12kV is
    calc_sc's (PV out); the base case's IEC sum there adds the PV by magnitude, the phasor
    with the PV held at its pre-fault angle lies between the two."""
    row = bus_table.loc[("base/light", "SUB-12kV", "max")]
    assert row["ia_grid_ka"] == pytest.approx(GRID_MAX_KA["SUB-12kV"], rel=REL_TOL)
    assert row["ikss_iec_sum_ka"] > row["ikss_ka"] > row["ia_grid_ka"]


def test_phase_engine_min_case_leaves_existing_inverters_out() -> None:
    """OpenDSS feeder (opendss_example's PVSystem.pv3, 500 kVA at b3), inverters by the
    control law: 0 A in the minimum case (as the sequence path and calc_sc), their law's
    current in the maximum case; b3's min 3ph without it (1.680685 kA; 1.695862 with it
    before session 17; 1.680987 before session 31, with the equivalent source at the loaded
    open-circuit state's unbalanced angles: :mod:`protv2g.engine.phase.prefault`)."""
    from protv2g.engine.phase import phase_fault_study
    from protv2g.network.dss_model import load_dss_model
    from protv2g.units import Case, Method

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_dss_model(ROOT / "feeders" / "opendss_example" / "Master.dss")
        res = phase_fault_study(model, method=Method.IEC60909, cases=[Case.MAX, Case.MIN],
                                fault_types=["3ph"], existing_inverters="law")
    ch = res.charger
    pv = ch[ch.site == "pvsystem.pv3"]
    assert (pv[pv.case == "min"][["ia_ka", "ib_ka", "ic_ka"]].to_numpy() == 0.0).all()
    assert (pv[pv.case == "max"].ia_ka > 0.02).all()
    b3 = res.bus[res.bus.bus_name == "b3"].set_index("case").ikss_ka
    assert b3["min"] == pytest.approx(1.680685, abs=2e-6)


def test_unbalanced_faults_pv_part_by_sequence_network(fault_currents: pd.DataFrame) -> None:
    """The PV's part of the base case's max IEC sum at B04 (grid alone = calc_sc's: 3ph
    2.206400, LL 1.910798, SLG 1.410980 kA): 3ph 0.077427 kA = calc_sc's (PV only: 2.283827);
    LL √3/2 of it (a positive-sequence current source seen through Z1 + Z2): 1.977852, where
    calc_sc (pandapower 3.5.6, PV only) adds the 3ph part to every fault type (LL 1.988226,
    SLG 1.488408, −0.5 % / −1.9 % against ours: not a pinned reference)."""
    fc = fault_currents[(fault_currents.scenario == "base/light")
                        & (fault_currents.bus_name == "B04") & (fault_currents.case == "max")]
    iec = fc.set_index(fc.fault_type.astype(str)).ikss_iec_sum_ka
    assert iec["3ph"] == pytest.approx(2.283827, abs=2e-6)
    assert iec["LL"] == pytest.approx(1.977852, abs=2e-6)
    assert iec["SLG"] == pytest.approx(1.460495, abs=2e-6)
    assert iec["LL"] - 1.910798 == pytest.approx(3 ** 0.5 / 2 * (iec["3ph"] - 2.206400),
                                                 rel=1e-4)
