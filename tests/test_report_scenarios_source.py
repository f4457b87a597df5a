"""The Scenarios sheet lists every scenario a finding can cite, and a voltage finding says
the source set-point it rests on (review rev41c M7, M8).

M7: the depot's failing findings cite ``charging/firm`` (F02 C8, F05 C12) and ``day/…``
rows, while the Scenarios sheet and the Summary's "Scenarios run 18 (2 base, 16 with V2G)"
held the 18 fault-and-flow snapshots only. M8: F05 (C12 under-voltage, a gate failure) rests
on SUB-69kV held at 1.0 pu and T-SUB at tap 0 with no LTC, and nothing said so.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd

from protv2g.report.scenario_rows import all_scenarios, scenarios_run_text

FEEDER = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder" / "feeder.json"


def test_flow_only_scenarios_follow_the_snapshots():
    snaps = pd.DataFrame({"scenario": ["base/peak", "firm/peak/100%"],
                          "participation": ["firm", "firm"], "load_level": ["peak", "peak"],
                          "export_level": [0.0, 1.0], "is_base": [True, False],
                          "p_s_kw": [0.0, 500.0]})
    sites = pd.DataFrame({
        "scenario": ["base/peak", "firm/peak/100%", "base/der_off", "charging/firm"]
        + ["day/firm"] * 3, "step": [0, 0, 0, 0, 0, 1, 2], "site": "s",
        "p_kw": [0.0, 500.0, 0.0, -700.0, -700.0, 0.0, 450.0],
        "n_plugged": [0.0, 0.0, 0.0, 14.0, 14.0, 10.0, 9.0]})
    flow = SimpleNamespace(sites=sites, devices=None, buses=None)
    t = all_scenarios(snaps, flow)
    assert t["scenario"].tolist() == ["base/peak", "firm/peak/100%", "base/der_off",
                                      "charging/firm", "day/firm"]
    assert t["runs"].tolist() == ["faults and flows"] * 2 + ["flows only"] * 3
    assert t["is_base"].tolist() == [True, False, True, False, False]
    charging = t.set_index("scenario").loc["charging/firm"]
    assert charging["p_s_kw"] == -700.0 and charging["chargers_online_expected_s"] == 14.0
    day = t.set_index("scenario").loc["day/firm"]
    assert day["steps"] == 3 and pd.isna(day["p_s_kw"])
    assert "from -700 to 450 kW" in day["note"]
    assert scenarios_run_text(snaps, flow) == (
        "5 (2 with faults and flows: 1 base, 1 with V2G; 3 with the flows only: "
        "base/der_off, charging/firm, day/firm)")


def _sheet(wb, title):
    rows = list(wb[title].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_depot_sheets_list_every_cited_scenario_and_the_source(depot_workbook):
    wb = openpyxl.load_workbook(depot_workbook, read_only=True)
    scen = _sheet(wb, "Scenarios")
    listed = set(scen["Scenario"].dropna().astype(str))
    evidence = _sheet(wb, "Evidence")
    cited = set(evidence["Scenario"].dropna().astype(str))
    assert {"charging/firm", "charging/expected"} <= cited  # F02 and F05's rows
    assert cited <= listed
    summary = {str(r[0]).strip(): r[1] for r in wb["Summary"].iter_rows(values_only=True)
               if r and r[0] is not None}
    run = str(summary["Scenarios run"])
    assert run.startswith(f"{len(scen)} (18 with faults and flows: 2 base, 16 with V2G; 6 "
                          "with the flows only: base/der_off, charging/expected")
    # the feeder model's own set-point, read here from its JSON (pandapower's file format)
    net = json.loads(FEEDER.read_text(encoding="utf-8"))
    def table(key):
        d = json.loads(net["_object"][key]["_object"])
        return pd.DataFrame(d["data"], columns=d["columns"], index=d["index"])

    ext, trafo, bus = table("ext_grid"), table("trafo"), table("bus")
    source = (f"{bus.loc[int(ext.bus.iloc[0]), 'name']} held at "
              f"{float(ext.vm_pu.iloc[0]):.3f} pu; {trafo.name.iloc[0]} at tap "
              f"{float(trafo.tap_pos.iloc[0]):g}")
    assert source == "SUB-69kV held at 1.000 pu; T-SUB at tap 0"
    assert source in str(summary["Source and taps (flows)"])
    assert "no tap changer or regulator controller" in str(summary["Source and taps (flows)"])
    findings = _sheet(wb, "Findings")
    volt = findings[findings["Title"].astype(str).str.startswith("C12")
                    & findings["Title"].astype(str).str.contains("voltage")]
    assert len(volt) and all(f"the source set-point: {source}" in str(r)
                             for r in volt["Rests on"])
    others = findings[~findings["Title"].astype(str).str.startswith("C12")]
    assert not any("source set-point" in str(r) for r in others["Rests on"])
