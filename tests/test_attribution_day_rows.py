"""A charging-only under-voltage whose rows are charging snapshots and rows of the sites' day
is "caused by charging", not "caused by V2G" (review rev39b M3, depot F05: C12 0.921 pu at
F1-LAT2-B2 in charging/expected, charging/firm, day/expected, day/firm — no export row).

Checked against pandapower ``runpp`` on the depot's own feeder (not through protv2g): at peak
load the sites' charging (depot 6 MW, campus 1.8 MW) puts F1-LAT2-B2 below 0.95 pu, without
it the bus is above; their export at light load raises it.
"""

from __future__ import annotations

import copy

import pytest

from protv2g.findings_attribution import Attribution, by_charging

pp = pytest.importorskip("pandapower")

#: F05's rows as the depot's run gives them (scenario, row attribution).
F05_ROWS = [("charging/expected", "new"), ("charging/firm", "new"), ("day/expected", "new"),
            ("day/firm", "new")]


def test_day_rows_beside_charging_snapshots_are_charging():
    scen, att = zip(*F05_ROWS, strict=True)
    assert by_charging("C12", "under-voltage", scen, att)  # was False: "caused by V2G"
    # a day row beside an export row, or day rows alone: V2G's, as before
    assert not by_charging("C12", "under-voltage", [*scen, "firm/peak/100%"], [*att, "new"])
    assert not by_charging("C12", "under-voltage", ["day/firm"], ["new"])


def _v_pu(net0, bus: str, load_scale: float, depot_mw: float, campus_mw: float) -> float:
    net = copy.deepcopy(net0)
    net.load["scaling"] = load_scale
    at = {str(n): i for i, n in net.bus["name"].items()}
    pp.create_load(net, at["F1-B02"], p_mw=depot_mw, q_mvar=0.0, name="depot")
    pp.create_load(net, at["F1-B05"], p_mw=campus_mw, q_mvar=0.0, name="campus")
    pp.runpp(net)
    return float(net.res_bus.vm_pu[at[bus]])


def test_depot_under_voltage_is_the_charging(depot_study, depot_result):
    net0 = pp.from_json(str(depot_study.path.parent / "feeder.json"))
    charging = _v_pu(net0, "F1-LAT2-B2", 1.0, 6.0, 1.8)
    without = _v_pu(net0, "F1-LAT2-B2", 1.0, 0.0, 0.0)
    export = _v_pu(net0, "F1-LAT2-B2", 0.3, -6.0, -1.8)
    assert charging < 0.95 <= without and export > 0.95   # 0.9207 / 0.9595 pu
    from protv2g.report.derived import result_findings

    f = result_findings(depot_result).findings
    row = f[(f["criterion"] == "C12") & f["locations"].astype(str).str.contains("F1-LAT2-B2")
            & f["mechanism"].astype(str).str.contains("under")]
    assert len(row) == 1
    assert row["attribution"].iloc[0] == Attribution.CAUSED_CHARGING
    # protv2g's worst row is the pandapower charging figure (0.921 vs 0.9207 pu)
    assert abs((0.95 + float(row["worst_margin"].iloc[0])) - charging) < 2e-3
