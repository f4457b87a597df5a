"""Which site drives a multi-site finding (review rev45a M4, :mod:`protv2g.findings_sites`).

Two of the residential feeder's home-charger sites (homes-lat1 on lateral 1, homes-lat2 on
lateral 2): the recloser RC-MID's delayed curve against the fuse FU-LAT1 (C2, a minimum SLG
fault at LAT1-B2, made worse by V2G) is driven by the homes on lateral 1 — their current
reaches the fault past the fuse, not through it, so the fuse sees less and clears later —
while the homes on lateral 2 alone leave it no worse than without V2G.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from protv2g import load_study, run_study
from protv2g.findings_sites import SITE_DRIVERS, Driver, MarginMethod, SiteEffect

FEEDER = Path(__file__).resolve().parents[1] / "feeders" / "residential_evening_peak"


@pytest.fixture(scope="module")
def two_site_result(tmp_path_factory):
    doc = yaml.safe_load((FEEDER / "study.yaml").read_text())
    doc["v2g_sites"] = [s for s in doc["v2g_sites"] if s["name"] != "homes-lat3"]
    doc["scenarios"].update(participation=["firm"], load_levels=["light"],
                            export_levels_fraction=[1.0])
    folder = tmp_path_factory.mktemp("two_sites")
    shutil.copy(FEEDER / "feeder.json", folder / "feeder.json")
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(doc))
    return run_study(load_study(path))


def _rows(result, fuse: str):
    t = result.tables[SITE_DRIVERS]
    return t[(t["criterion"] == "C2") & (t["partner"] == fuse)
             & (t["mechanism"] == "fuse TC < recloser delayed")].set_index("site")


def test_one_site_drives_the_finding(two_site_result):
    rows = _rows(two_site_result, "FU-LAT1")
    assert set(rows.index) == {"homes-lat1", "homes-lat2"}
    assert (rows["counterfactual"] == "alone").all()
    assert (rows["method"] == MarginMethod.TIMES.value).all()  # the row's times reproduced
    assert (rows["driver"] == Driver.ONE_SITE.value).all()
    assert (rows["driver_sites"] == "homes-lat1").all()
    assert rows.at["homes-lat1", "effect"] == SiteEffect.REPRODUCES.value
    assert rows.at["homes-lat2", "effect"] == SiteEffect.CLEAR.value
    # the driving site alone is below the base case's margin, the other not
    lat1, lat2 = rows.loc["homes-lat1"], rows.loc["homes-lat2"]
    assert lat1["margin"] < lat1["reproduced_below"] <= lat2["margin"]
    # not additive: lateral 1's homes alone leave less margin than both sites together (the
    # other lateral's current through RC-MID shortens its delayed time less than the fuse's)
    assert lat1["margin"] < lat1["margin_all"] < 0
    assert lat1["driver_text"].startswith("driven by homes-lat1 (homes-lat1 alone: ")


def test_the_lateral_2_finding_is_driven_by_its_own_homes(two_site_result):
    rows = _rows(two_site_result, "FU-LAT2")
    assert (rows["driver_sites"] == "homes-lat2").all()


def test_findings_sheet_names_the_driver(two_site_result):
    from protv2g.report.derived import derive

    view = derive(two_site_result)["findings"]
    row = view[(view["criterion"] == "C2") & view["title"].str.contains("FU-LAT1")
               & (view["attribution"] == "made worse by V2G")]
    assert len(row) and row["site_driver"].str.startswith("driven by homes-lat1").all()
    pre = view[view["attribution"] == "pre-existing"]
    assert (pre["site_driver"] == "").all()  # V2G's findings only


def test_one_site_study_has_no_driver_table():
    result = run_study(load_study(FEEDER.parent / "weak_end_of_line" / "study.yaml"))
    assert SITE_DRIVERS not in result.tables


def test_gate_line_names_the_driver(two_site_result):
    gate = two_site_result.meta["gate"]
    at = [k for k, rec in enumerate(gate["reason_data"]) if rec and rec["kind"] == "fail"
          and rec["criterion"] == "C2" and rec["device"] == "RC-MID / FU-LAT1"]
    assert len(at) == 1
    rec, line = gate["reason_data"][at[0]], gate["reasons"][at[0]]
    assert rec["site_driver"] == Driver.ONE_SITE.value and rec["driver_sites"] == "homes-lat1"
    assert line.endswith("; driven by homes-lat1)")
    assert rec["short"].endswith("; driven by homes-lat1)")


def test_depot_fault_level_change_is_the_depots(depot_result):
    """C7's fault-level change at FU-F1-LAT2 (close-in 3ph, max, firm 100 %) on the IEC 60909
    sum: the depot alone raises it past 10 % of the current without V2G, the campus alone
    does not (the all-sites solve reproduces the row's IEC sum, else "not judged")."""
    t = depot_result.tables[SITE_DRIVERS]
    rows = t[(t["criterion"] == "C7") & (t["device"] == "FU-F1-LAT2")].set_index("site")
    assert (rows["method"] == MarginMethod.IEC_CHANGE.value).all()
    assert (rows["driver"] == Driver.ONE_SITE.value).all()
    assert (rows["driver_sites"] == "depot").all()
    assert rows.at["depot", "margin"] < 0 < rows.at["campus", "margin"]

