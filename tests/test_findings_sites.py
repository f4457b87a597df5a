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
from protv2g.findings_sites import SITE_DRIVERS, Driver, MarginMethod, NotJudged, SiteEffect

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


@pytest.fixture(scope="module")
def headline_elsewhere_result(tmp_path_factory):
    """The two-site study with an ``expected`` scenario where homes-lat1 exports as in
    ``firm`` (0.8) and homes-lat2 not at all (0): RC-MID / FU-LAT1's worst V2G row is there
    (homes-lat1 alone, no other site's current through RC-MID), one site exporting."""
    doc = yaml.safe_load((FEEDER / "study.yaml").read_text())
    doc["v2g_sites"] = [s for s in doc["v2g_sites"] if s["name"] != "homes-lat3"]
    doc["v2g_sites"][0]["participation"].update(expected=0.8)
    doc["v2g_sites"][1]["participation"].update(low=0.0, expected=0.0)
    doc["scenarios"].update(participation=["expected", "firm"], load_levels=["light"],
                            export_levels_fraction=[1.0])
    folder = tmp_path_factory.mktemp("headline_elsewhere")
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
    # the fault and scenario re-solved are said (review ver47 M2)
    assert lat1["driver_text"].startswith("driven by homes-lat1 (at SLG LAT1-B2 min, "
                                          "firm/light/100%: homes-lat1 alone: ")


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



def test_depot_c8_load_needs_both_sites(depot_result):
    """fdrv46: the depot's C8 R-F1 export peak (firm/light/100 %: 327 A against pickup 400 A
    / 1.5 = 266.7 A, margin -60.8 A) solved as a power flow with each site alone: depot alone
    246.47 A (margin +20.19 A), campus alone 54.58 A (+212.08 A), both 327.47 A, all four
    matched to 1e-6 A by pandapower ``runpp`` on a net copy with the other site's sgen at 0
    (light load 0.3); neither alone fails: the finding needs the sites together."""
    t = depot_result.tables[SITE_DRIVERS]
    rows = t[(t["criterion"] == "C8") & (t["device"] == "R-F1")
             & (t["mechanism"] == "export peak: reverse flow")].set_index("site")
    assert set(rows.index) == {"depot", "campus"}
    assert (rows["scenario"] == "firm/light/100%").all()
    assert (rows["method"] == MarginMethod.FLOW_LOAD.value).all()
    assert (rows["driver"] == Driver.TOGETHER.value).all()
    assert (rows["effect"] == SiteEffect.CLEAR.value).all()
    assert rows.at["depot", "i_device_a"] == pytest.approx(246.474265, abs=1e-5)
    assert rows.at["campus", "i_device_a"] == pytest.approx(54.583507, abs=1e-5)
    assert rows["i_device_all_a"].to_numpy() == pytest.approx(327.467311, abs=1e-5)
    assert rows.at["depot", "margin"] == pytest.approx(20.192402, abs=1e-5)
    assert rows.at["campus", "margin"] == pytest.approx(212.083160, abs=1e-5)
    assert rows["margin_all"].to_numpy() == pytest.approx(-60.800645, abs=1e-5)


def test_c8_row_not_reproduced_is_not_judged(depot_study, depot_result):
    """A C8 row whose current the all-sites flow does not give (here moved by 1 A, margin
    with it) gets the currents only: not judged, never a driver from a mismatched flow."""
    from protv2g.findings_sites import _flow_driver_rows
    from protv2g.scenarios import build_scenarios

    v = depot_result.violations.copy()
    row = (v["criterion"] == "C8") & (v["scenario"].astype(str) == "firm/light/100%")
    v.loc[row, "i_device_a"] = v.loc[row, "i_device_a"] + 1.0
    v.loc[row, "margin"] = v.loc[row, "margin"] - 1.0
    rows = _flow_driver_rows(depot_study, v, build_scenarios(depot_study.document),
                             depot_result.tables.get("Coordination"), 12)
    rows = [r for r in rows if r["scenario"] == "firm/light/100%"]
    assert {r["site"] for r in rows} == {"depot", "campus"}
    assert {r["method"] for r in rows} == {MarginMethod.CURRENTS.value}
    assert {r["driver"] for r in rows} == {Driver.UNJUDGED.value}


def test_depot_c8_charging_peak_is_the_depots(depot_result):
    """Review ver47 G1: C8's charging peak through R-F1 (charging/firm: depot 6,000 kW and
    campus 1,800 kW charging at peak load, existing DER off: 483.46 A against 400 A / 1.5 =
    266.7 A) had no driver. Each site charging alone, the other idle: depot alone 390.66 A
    (fails by 124 A), campus alone 192.09 A (holds) — driven by the depot. pandapower
    ``runpp`` on the V2G net (the site as a 6 / 1.8 MW load at its bus, peak loads, tolerance
    1e-10 MVA) gives 390.6598 / 192.0938 A, both 483.4590 A."""
    t = depot_result.tables[SITE_DRIVERS]
    rows = t[(t["criterion"] == "C8") & (t["device"] == "R-F1")
             & (t["scenario"] == "charging/firm")].set_index("site")
    assert set(rows.index) == {"depot", "campus"}
    assert (rows["method"] == MarginMethod.FLOW_LOAD.value).all()
    assert (rows["driver"] == Driver.ONE_SITE.value).all()
    assert (rows["driver_sites"] == "depot").all()
    assert rows.at["depot", "p_export_kw"] == pytest.approx(-6000.0)
    assert rows.at["depot", "i_device_a"] == pytest.approx(390.6598, abs=1e-3)
    assert rows.at["campus", "i_device_a"] == pytest.approx(192.0938, abs=1e-3)
    assert rows["i_device_all_a"].to_numpy() == pytest.approx(483.4590, abs=1e-3)
    assert rows.at["depot", "effect"] == SiteEffect.REPRODUCES.value
    assert rows.at["campus", "effect"] == SiteEffect.CLEAR.value
    cells = _driver_cells(depot_result)
    assert cells[("C8", "R-F1 (charging peak: vehicle charging behind the device)",
                  "caused by charging")].startswith("driven by depot (")


def test_site_drivers_sheet_is_described(two_site_result):
    """Review ver46 #3: the Summary's sheet list said "further result table"."""
    from protv2g.report.sheets import sheet_specs

    spec = next(s for s in sheet_specs(two_site_result) if s.title == SITE_DRIVERS)
    assert spec.description != "further result table"
    for column in ("Counterfactual", "Reproduced below", "Effect", "Driver"):
        assert column in spec.description


def _driver_cells(result) -> dict[tuple[str, str, str], str]:
    from protv2g.report.derived import derive

    view = derive(result)["findings"]
    return {(c, t.partition(": ")[2], a): d for c, t, a, d in zip(
        view["criterion"], view["title"], view["attribution"], view["site_driver"],
        strict=True)}


def test_unjudged_multi_site_findings_say_why(two_site_result):
    """Review ver46 #4: a blank site_driver cell meant one site, not attributed or not
    judged; a V2G finding of a multi-site study the table lacks now says which."""

    cells = _driver_cells(two_site_result)
    range_ = cells[("C2", "RC-MID / FU-LAT1 (range shrunk by V2G)", "caused by V2G")]
    assert range_ == f"{Driver.UNJUDGED.value} ({NotJudged.RANGE.value})"
    # the islanding screen of the sites' total upstream of both laterals
    assert cells[("C11", "R-HEAD", "caused by V2G")] == (
        f"{Driver.UNJUDGED.value} ({NotJudged.SCREEN.value})")
    # a check of one site's own anti-islanding time, or of the one site behind a fuse
    assert cells[("C10", "RC-MID / homes-lat1 (first reclose within the DER's anti-islanding "
                  "time + margin)", "caused by V2G")].startswith("one site: homes-lat1")
    assert cells[("C11", "FU-LAT2", "caused by V2G")].startswith("one site: homes-lat2")
    # the charging's C12 under-voltage (chg47: blank; then "not judged (flow criterion, not
    # attributed per site)") is judged per site since rev50b #1 (test below)
    assert cells[("C12", "", "made worse by charging")].startswith(  # title without a device
        "each of homes-lat1, homes-lat2 on its own (at LAT2-B2, charging/firm: ")


def test_single_phase_charging_peaks_have_their_driver(two_site_result):
    """chg47: the single-phase homes' C8 charging peaks (charging/firm: 24 × 11.5 kW on phase
    a at LAT1-B2 and on phase b at LAT2-B2, peak load) had a blank driver because the flow is
    ``runpp_3ph``. Each site charging alone is now a three-phase column: FU-LAT1 65.703 A with
    homes-lat1 alone (limit 80 A / 1.5 = 53.33 A: fails), 25.628 A with homes-lat2 alone;
    RC-MID 147.131 A / 147.773 A (limit 200 / 1.5 = 133.3 A): each site fails it on its own
    phase. Independent pandapower ``runpp_3ph`` on the feeder (each site an
    ``asymmetric_load`` of 0.276 MW on its phase, tolerance 1e-10 MVA, largest phase at the
    line's from end): FU-LAT1 65.7031 / 25.6282 A, RC-MID 147.1308 / 147.7725 A, both sites
    66.1614 / 148.3359 A (the run's rows)."""
    t = two_site_result.tables[SITE_DRIVERS]
    t = t[(t["criterion"] == "C8") & (t["scenario"] == "charging/firm")]
    fu = t[t["device"] == "FU-LAT1"].set_index("site")
    assert (fu["method"] == MarginMethod.FLOW_LOAD.value).all()
    assert (fu["driver_sites"] == "homes-lat1").all()
    assert fu.at["homes-lat1", "i_device_a"] == pytest.approx(65.7031, abs=1e-3)
    assert fu.at["homes-lat2", "i_device_a"] == pytest.approx(25.6282, abs=1e-3)
    assert fu["i_device_all_a"].to_numpy() == pytest.approx(66.1614, abs=1e-3)
    rc = t[t["device"] == "RC-MID"].set_index("site")
    assert (rc["driver"] == Driver.EACH_SITE.value).all()
    assert rc.at["homes-lat1", "i_device_a"] == pytest.approx(147.1308, abs=1e-3)
    assert rc.at["homes-lat2", "i_device_a"] == pytest.approx(147.7725, abs=1e-3)
    assert set(t[t["device"] == "FU-LAT2"]["driver_sites"]) == {"homes-lat2"}
    cells = _driver_cells(two_site_result)
    assert cells[("C8", "FU-LAT1 (charging peak: vehicle charging behind the device)",
                  "caused by charging")].startswith("driven by homes-lat1 (")
    gate = two_site_result.meta["gate"]
    line = next(r for r, d in zip(gate["reasons"], gate["reason_data"], strict=True)
                if d and d["kind"] == "fail" and d["criterion"] == "C8"
                and d["device"] == "RC-MID")
    assert line.endswith("; each of homes-lat1, homes-lat2 on its own)")
    c12 = next(d for d in gate["reason_data"] if d and d["kind"] == "fail"
               and d["criterion"] == "C12")
    assert c12["site_driver"] == Driver.EACH_SITE.value  # rev50b #1: was not judged (FLOW)


def test_depot_unjudged_findings_say_why(depot_result):
    """Review ver46 #4: depot F06 (C2 range shrunk by V2G, firm/light/100 %, both sites
    exporting) had a blank cell; the C8 export peak now has its driver (fdrv46)."""

    cells = _driver_cells(depot_result)
    assert cells[("C2", "RC-F1 / FU-F1-LAT2 (range shrunk by V2G)", "caused by V2G")] == (
        f"{Driver.UNJUDGED.value} ({NotJudged.RANGE.value})")
    assert cells[("C8", "R-F1 (export peak: reverse flow)", "caused by V2G")].startswith(
        "needs depot and campus together (")
    assert cells[("C7", "FU-F1-LAT2 (fault-level change against no V2G)",
                  "caused by V2G")].startswith("driven by depot (")
    assert cells[("C2", "RC-F1 / FU-F1-LAT2 (fuse TC < recloser delayed)",
                  "pre-existing")] == ""


def test_single_site_and_reasons_as_data(two_site_result):
    """One site exporting: blank (no "not judged"); the reasons in order of precedence."""
    from protv2g.findings_sites import MAX_FINDINGS
    from protv2g.findings_sites_text import (
        multi_site_scenarios,
        not_judged_reason,
        site_driver_texts,
    )
    from protv2g.report.derived import derive

    findings = derive(two_site_result)["_findings"].findings
    assert multi_site_scenarios(two_site_result.scenarios) == {"firm/light/100%"}
    one = two_site_result.scenarios.drop(columns=["p_homes-lat2_kw"])
    assert multi_site_scenarios(one) == set()
    texts = site_driver_texts(findings, None, multi_site_scenarios(one))
    assert texts == [""] * len(findings)
    assert not_judged_reason("C12", "", n_judged=99) is NotJudged.FLOW
    assert not_judged_reason("C5", "", n_judged=MAX_FINDINGS) is NotJudged.BEYOND_CAP
    assert not_judged_reason("C5", "", n_judged=3) is NotJudged.NO_FAULT_ROW
    assert not_judged_reason("C8", "", n_judged=3) is NotJudged.NO_LOAD_ROW


def test_summary_condition_names_the_driver(two_site_result):
    """Review ver46 #6: the Summary's condition line of a V2G fail said no driver (only the
    gate's fail: line did)."""
    from protv2g.findings_sites_text import short_driver_texts
    from protv2g.report.derived import derive
    from protv2g.report.summary_conditions import write_conditions

    class _Memo:
        def __init__(self):
            self.lines = []

        def pair(self, label, text):
            self.lines.append(str(text))

    f = derive(two_site_result)["_findings"]
    drivers = short_driver_texts(f.findings, two_site_result.tables[SITE_DRIVERS])
    w = _Memo()
    write_conditions(w, f.findings, f.evidence, {}, two_site_result.meta["gate"], drivers)
    line = next(t for t in w.lines if "RC-MID / FU-LAT1 (fuse TC < recloser delayed)" in t)
    assert "made worse by V2G, driven by homes-lat1; worst margin" in line
    pre = next(t for t in w.lines if "RC-MID / FU-LAT3 (fuse TC" in t)
    assert "driven" not in pre


def test_driver_says_when_it_judged_another_row_than_the_headline(headline_elsewhere_result):
    """Review s47 (drv): the driver judged the worst row among the scenarios where two or more
    sites export, which may not be the row the finding leads with. RC-MID / FU-LAT1's headline
    is SLG LAT1-B2 min in expected/light/100% (−0.235229 s), where homes-lat1 alone exports:
    the driver is judged at firm/light/100% (both export, −0.230781 s) and now says that it
    is not the headline row, and which that is. Its homes-lat1-alone counterfactual is the
    expected scenario's own row: the same margin as the run's row there (3.5e-8 s apart:
    the chargers' current iterated to its tolerance)."""
    from protv2g.report.derived import derive

    r = headline_elsewhere_result
    view = derive(r)["findings"]
    f = view[(view["criterion"] == "C2") & view["title"].str.contains(
        "RC-MID / FU-LAT1 \\(fuse TC < recloser delayed\\)")].iloc[0]
    assert f["worst_scenario"] == "expected/light/100%"
    assert f["site_driver"].startswith("driven by homes-lat1 (at SLG LAT1-B2 min, "
                                       "firm/light/100%: ")
    assert f["site_driver"].endswith(
        "; judged at the worst row where two or more sites export or charge, not at the "
        "finding's headline row (SLG LAT1-B2 min, expected/light/100%: fewer than two sites "
        "export or charge there)")
    rows = _rows(r, "FU-LAT1")
    v = r.violations
    own = v[(v["criterion"] == "C2") & (v["other_device"] == "FU-LAT1")
            & (v["scenario"] == "expected/light/100%") & (v["fault_bus"] == "LAT1-B2")
            & (v["case"] == "min")]
    assert rows.at["homes-lat1", "margin"] == pytest.approx(float(own["margin"].min()),
                                                            abs=1e-6)
    # RC-MID / FU-LAT2's headline is its firm row (both export): no such clause
    other = view[view["title"].str.contains("RC-MID / FU-LAT2 \\(fuse TC")].iloc[0]
    assert other["worst_scenario"] == "firm/light/100%"
    assert "headline" not in other["site_driver"]


def test_lost_rows_say_why_they_are_not_judged():
    """Review s47: the bench's 3,000-bus study's −∞ rows (C4 R-HEAD over RC-1 "backup does
    not operate", C2 RC-3 / FU "not seen by recloser") were "sites not judged" without a
    reason; now the text says it. Figures of that study (3ph b1058 max, expected/light/100 %:
    the row's RC-1 delayed time 5.990363 s, re-solved 5.990808 s)."""
    from types import SimpleNamespace

    import numpy as np

    from protv2g.findings_sites_fault import Solved, lost_why
    from protv2g.findings_sites_kinds import driver

    def solved(dev, oth):
        return Solved(0.0, 0.0, 0.0, dev, oth, np.zeros(3), {})

    row = SimpleNamespace(device="R-HEAD", other_device="RC-1", margin=-np.inf,
                          t_device_s=np.inf, t_other_s=5.990363322, base_margin=570.59)
    all_ = solved({"t_op_s": np.inf}, {"t_op_s": 0.0793, "t_delayed_s": 5.990808170})
    base = solved({"t_op_s": 576.76}, {"t_op_s": 0.0800, "t_delayed_s": 6.052565})
    assert lost_why(row, all_, base).startswith(
        "RC-1's time re-solved 5.99081 s against the row's 5.99036 s (7.4e-05 apart")
    row2 = SimpleNamespace(device="RC-3", other_device="FU", margin=-np.inf,
                           t_device_s=np.inf, t_other_s=12.2346, base_margin=np.nan)
    never = solved({"t_op_s": np.inf}, {"t_mm_s": 12.2346})
    assert lost_why(row2, never, never).startswith(
        "RC-3 does not operate with every site idle either")
    # a site alone where the partner does not operate: said, not a bare current
    rows = [{"counterfactual": "alone", "site": "site1", "i_judged_a": 97.37, "margin": np.inf,
             "effect": SiteEffect.UNJUDGED.value, "row_attribution": "worse",
             "t_device_s": 0.2, "t_other_s": np.inf, "other_device": "RC-3",
             "fault_type": "SLG", "fault_bus": "b688", "case": "max", "scenario": "s"}]
    drv, _, text = driver(rows, "RC-2", "s")
    assert drv is Driver.UNJUDGED
    assert "RC-3 does not operate: the rule's relation is not defined" in text


def test_c12_under_voltage_each_home_site_on_its_own(two_site_result):
    """Review rev50b #1: C12's bus-voltage findings are judged per site as C8's device loads
    (:mod:`protv2g.findings_sites_c12`). The two-site study's charging under-voltage at LAT2-B2
    (charging/firm, peak load, 24 × 11.5 kW on phase a at LAT1-B2 and on phase b at LAT2-B2;
    made worse by the charging: 0.9334 pu, without it 0.9578 pu, the bar its margin less the
    0.00833 pu materiality): homes-lat1 alone 0.944352 pu, homes-lat2 alone 0.933915 pu —
    each fails on its own. Independent pandapower ``runpp_3ph`` on the feeder (each site an
    ``asymmetric_load`` of 0.276 MW on its phase, the lowest phase at LAT2-B2): idle
    0.957772, homes-lat1 alone 0.944352, homes-lat2 alone 0.933915, both 0.933364 pu (the
    run's row, margin −0.016636 pu)."""
    t = two_site_result.tables[SITE_DRIVERS]
    c12 = t[(t["criterion"] == "C12") & (t["mechanism"] == "under-voltage")].set_index("site")
    assert set(c12["fault_bus"]) == {"LAT2-B2"}
    assert (c12["driver"] == Driver.EACH_SITE.value).all()
    assert (c12["judged_on"] == "lowest service voltage").all()
    assert c12.at["homes-lat1", "value"] == pytest.approx(0.944352, abs=2e-6)
    assert c12.at["homes-lat2", "value"] == pytest.approx(0.933915, abs=2e-6)
    assert c12.at["homes-lat1", "margin"] == pytest.approx(0.944352 - 0.95, abs=2e-6)
    assert (c12["effect"] == SiteEffect.REPRODUCES.value).all()


def test_depot_c12_charging_under_voltage_is_each_sites(depot_result):
    """Review rev50b #1/#2: depot F05 (C12 under-voltage at F1-LAT2-B2, charging/firm, peak
    load, limit 0.95 pu) said "not judged (flow criterion …)": the depot alone (6,000 kW)
    gives 0.941046 pu, the campus alone (1,800 kW) 0.940773 pu — each fails on its own, so a
    total charging cap on the finding's mix does not hold for every split. pandapower
    ``runpp`` on the feeder (each site a load at its bus, existing DER off): 0.941046 /
    0.940773 pu, both 0.920715 pu (the run's row, margin −0.029285 pu)."""
    t = depot_result.tables[SITE_DRIVERS]
    c12 = t[(t["criterion"] == "C12") & (t["scenario"] == "charging/firm")
            & (t["margin_unit"] == "pu")].set_index("site")
    assert (c12["driver"] == Driver.EACH_SITE.value).all()
    assert c12.at["depot", "value"] == pytest.approx(0.941046, abs=2e-6)
    assert c12.at["campus", "value"] == pytest.approx(0.940773, abs=2e-6)
    cells = _driver_cells(depot_result)
    cell = next(v for (c, _, a), v in cells.items() if c == "C12" and a == "caused by charging")
    assert cell.startswith("each of depot, campus on its own (at F1-LAT2-B2, charging/firm: ")
