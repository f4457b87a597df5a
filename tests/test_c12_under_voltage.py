"""C12's under-voltage rows (review rev34a M0: on the IEEE 8500, with the sites charging, 198
buses were under 0.95 pu, 118 without — no finding, warning or info row said so).

References (nothing here is computed by protv2g):
* ANSI C84.1-2020 Table 1: Range A minimum service voltage 114 V on 120 V = 0.95 pu;
* OpenDSS in a fresh context of the shipped example's model: the charging snapshot's 1,500 kW at
  b2 as a delta-connected constant-power load (the flow's site is a delta generator taking
  1,500 kW: a three-wire converter), PV at zero irradiance (C8's snapshot: existing DER off),
  the bus voltage read with ``Bus.puVmagAngle``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.flow_limit import LINE_TO_LINE_TEXT
from protv2g.checks.flow_low import (
    UNDER_RULE,
    UNDER_VOLTAGE,
    under_voltage_rows,
    unjudged_rows,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "feeders" / "opendss_example"


def _ctx(v_min: float = 0.95) -> SimpleNamespace:
    th = SimpleNamespace(v_min_pu=v_min, voltage_limit_tolerance_pu=0.001,
                         voltage_change_min_pu=1 / 120)
    return SimpleNamespace(thresholds=th, export_text=lambda s: f"in scenario {s}")


def test_the_lowest_phase_below_the_minimum_beyond_the_tolerance_fails() -> None:
    judged = pd.DataFrame({
        "scenario": ["s", "s", "s", "s", "t"], "step": [0, 1, 0, 0, 0],
        "bus": [1, 1, 2, 3, 1], "vm_pu": [0.97, 0.97, 0.96, 0.97, 0.97],
        "vm_a_pu": [0.96, 0.945, 0.9492, 0.97, 0.955],
        "vm_b_pu": [0.97, 0.96, np.nan, 0.97, 0.96],
        "vm_ll_max_pu": [np.nan, np.nan, np.nan, 0.99, np.nan],
        "vm_ll_min_pu": [np.nan, np.nan, np.nan, 0.97, np.nan]})
    rows = under_voltage_rows(_ctx(), judged, lambda b: [f"b{x}" for x in b])
    # bus 1 in s: its worst step (0.945, phase a) fails by 0.005; bus 2 at 0.9492 is within
    # the 0.001 pu tolerance (at the limit); bus 3 has no ground path: 0.97 line to line
    # passes; bus 1 in t passes
    assert rows.fault_bus.tolist() == ["b1"]
    assert rows.margin.iat[0] == pytest.approx(0.945 - 0.95, abs=1e-12)
    assert (rows.mechanism.iat[0], rows.rule.iat[0]) == (UNDER_VOLTAGE, UNDER_RULE)
    assert rows.message.iat[0].startswith("voltage 0.945 pu (phase a) at b1 in scenario s is "
                                          "below 0.95 pu")
    assert LINE_TO_LINE_TEXT not in rows.message.iat[0]


def test_a_bus_with_no_ground_path_is_judged_on_its_lowest_line_to_line_voltage() -> None:
    """Fails on the old code (review rev40b W1: such a bus was left out, no row said so).
    IEEE 37's 799 at peak in OpenDSS: line to line 0.9235 / 0.9483 / 0.9232 pu; its
    floating phase-to-ground voltages 0.871 … neither the lowest nor the highest of them is
    a service voltage. Bus 2: a floating phase at 0.90 pu, 0.96 pu line to line: passes."""
    judged = pd.DataFrame({
        "scenario": ["s", "s"], "step": [0, 0], "bus": [1, 2], "vm_pu": [0.932, 0.97],
        "vm_a_pu": [0.871, 0.90], "vm_b_pu": [0.99, 1.01], "vm_c_pu": [0.95, 1.0],
        "vm_ll_max_pu": [0.9483, 0.98], "vm_ll_min_pu": [0.9232, 0.96]})
    rows = under_voltage_rows(_ctx(), judged, lambda b: [f"b{x}" for x in b])
    assert rows.fault_bus.tolist() == ["b1"]
    assert rows.margin.iat[0] == pytest.approx(0.9232 - 0.95, abs=1e-12)
    assert rows.message.iat[0].startswith("voltage 0.923 pu at b1")
    assert LINE_TO_LINE_TEXT in rows.message.iat[0]
    assert unjudged_rows(judged, lambda b: [f"b{x}" for x in b]).empty


def test_a_bus_whose_lowest_line_to_line_voltage_is_not_given_is_said() -> None:
    """A table with the largest line-to-line voltage only (as before rev40b): the bus is not
    judged, and one info row counts it — not silently."""
    judged = pd.DataFrame({
        "scenario": ["s", "s", "s"], "step": [0, 1, 0], "bus": [1, 1, 2],
        "vm_pu": [0.93, 0.94, 0.97], "vm_a_pu": [0.87, 0.88, 0.96],
        "vm_ll_max_pu": [0.948, 0.95, np.nan]})
    assert under_voltage_rows(_ctx(), judged, lambda b: [f"b{x}" for x in b]).empty
    info = unjudged_rows(judged, lambda b: [f"b{x}" for x in b])
    assert info.status.tolist() == ["info"] and info.criterion.tolist() == ["C12"]
    assert info.message.iat[0].startswith("under-voltage not judged at 1 bus(es) with no "
                                          "path to ground (b1)")


def test_opendss_example_charging_under_voltage_against_opendss(tmp_path) -> None:
    dss = pytest.importorskip("opendssdirect")
    import protv2g

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = protv2g.run_study(protv2g.load_study(EXAMPLE / "study.yaml"), hosting=False,
                                   staged=False)
    v = result.violations
    low = v[(v.criterion == "C12") & (v.mechanism == UNDER_VOLTAGE)]
    row = low[(low.scenario == "charging/firm") & (low.fault_bus == "lat2")]
    assert len(row) == 1
    v_tool = 0.95 + float(row.margin.iat[0])
    # independent: OpenDSS, the example's model (its missing bus-coordinate file left out)
    master = (EXAMPLE / "Master.dss").read_text(encoding="utf-8")
    master = "\n".join(x for x in master.splitlines()
                       if not x.lower().startswith(("buscoords", "show")))
    (tmp_path / "Master.dss").write_text(master, encoding="utf-8")
    (tmp_path / "LineCodes.dss").write_text((EXAMPLE / "LineCodes.dss").read_text("utf-8"),
                                            encoding="utf-8")
    dss.Text.Command("clear")
    dss.Text.Command(f"compile [{tmp_path / 'Master.dss'}]")
    dss.Text.Command("pvsystem.pv3.irradiance=0")
    dss.Text.Command("new load.chg bus1=b2 phases=3 kv=12.47 kw=1500 pf=1 model=1 "
                     "vminpu=0.7 conn=delta")
    dss.Solution.LoadMult(1.0)
    dss.Solution.Solve()
    dss.Circuit.SetActiveBus("lat2")
    v_ref = float(dss.Bus.puVmagAngle()[0])
    assert v_tool == pytest.approx(v_ref, abs=2e-5)  # 0.948234 vs 0.948239
    assert v_ref < 0.95 - 0.001
    assert row.attribution.iat[0] == "new"  # 0.9586 without charging (base case passes)
    # b3 at 0.949 (phase c) is within the tolerance of the limit: not a failing row
    assert low[(low.scenario == "charging/firm") & (low.fault_bus == "b3")].empty


def test_a_source_bus_below_the_minimum_is_said_not_judged(tmp_path) -> None:
    """Fails on the old code (the info row named the unjudged buses above ``v_max_pu`` only):
    the source bus SUB at 0.93 pu (its voltage the study's input) is not judged, and one info
    row says so with the figure; B2 at 0.93 pu is judged and fails."""
    from tests.test_c12_limit import _c12, _flow
    from tests.test_checks_common import make_study

    c12 = _c12(make_study(tmp_path), _flow({}, {"SUB": 0.93, "B2": 0.93}))
    info = c12[(c12.status == "info") & c12.message.astype(str).str.startswith(
        "voltage not judged against the ANSI C84.1 Range A minimum 0.95 pu")]
    assert len(info) == 1
    assert "0.930 pu at SUB (a source bus" in info.message.iat[0]
    low = c12[(c12.status == "fail") & (c12.mechanism == UNDER_VOLTAGE)]
    assert low.fault_bus.tolist() == ["B2"]
