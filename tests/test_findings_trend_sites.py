"""The export trend reads the pair's passing levels, and a finding one site drives is said
against that site's export (review rev48a #3, rev48b P9).

EPRI ckt5's F03 (C1 head-mdv201_connector over f-mdv201_106259fuse, SLG-c at 39749 min),
its Coordination sheet rows (protv2g run of /tmp/rev48a/ck5/study.yaml, session 49): without
V2G +0.265814 s; expected and firm at 50 % (1,322 kW, the homes 72 kW) +0.029527 / +0.029180 s
(pass); expected 100 % (2,115.2 kW, homes 115.2 kW) −0.129553 s and firm 100 % (2,644 kW,
homes 144 kW) −0.243255 s (fail). The Site drivers sheet: homes alone −0.2687 s, depot and
campus alone +0.275 s: driven by homes. The old trend read "0.2658 s without V2G; −0.1296 s
at 2,115 kW; −0.2433 s at 2,644 kW (kW: all sites' export together)".
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.findings import build_findings
from protv2g.findings_sites_kinds import Driver
from protv2g.findings_trend import columns_trend
from protv2g.findings_trend_sites import (
    SiteAxis,
    driver_clause,
    export_clause,
    lead_with_driver,
)
from protv2g.gate_line_short import headline, short_line
from protv2g.gate_reason_rows import ReasonRows
from protv2g.scenarios import Scenario, SiteState
from protv2g.units import ChargerMode, LoadLevel, Participation

HEAD, FUSE = "head-mdv201_connector", "f-mdv201_106259fuse"
#: scenario → (participation, export level, depot, campus, homes kW)
SCEN = {"base/light": ("expected", "0", 0.0, 0.0, 0.0),
        "expected/light/50%": ("expected", "50%", 750.0, 500.0, 72.0),
        "expected/light/100%": ("expected", "100%", 1200.0, 800.0, 115.2),
        "firm/light/50%": ("firm", "50%", 750.0, 500.0, 72.0),
        "firm/light/100%": ("firm", "100%", 1500.0, 1000.0, 144.0)}
#: the pair's margin (s) in each scenario (Coordination sheet, 10 digits)
MARGIN = {"base/light": 0.265814, "expected/light/50%": 0.029527,
          "expected/light/100%": -0.129553, "firm/light/50%": 0.029180,
          "firm/light/100%": -0.243255}
CLAUSE = {"expected/light/100%": "with depot exporting 1.2 MW and campus exporting 0.8 MW and "
          "homes exporting 0.115 MW",
          "firm/light/100%": "with depot exporting 1.5 MW and campus exporting 1 MW and "
          "homes exporting 0.144 MW"}


def _scenarios() -> pd.DataFrame:
    return pd.DataFrame([{"scenario": s, "participation": p, "load_level": "light",
                          "export_level": x, "is_base": s.startswith("base"),
                          "p_depot_kw": d, "p_campus_kw": c, "p_homes_kw": h}
                         for s, (p, x, d, c, h) in SCEN.items()])


def _violations() -> pd.DataFrame:
    rows = [s for s in SCEN if MARGIN[s] < 0]
    return pd.DataFrame({
        "criterion": "C1", "status": "fail", "attribution": "new", "scenario": rows,
        "fault_bus": "39749", "fault_type": "SLG-c", "case": "min", "device": HEAD,
        "other_device": FUSE, "margin": [MARGIN[s] for s in rows], "margin_unit": "s",
        "limit": 0.12, "rule": "coordination_interval", "tolerance": 0.0,
        "base_margin": MARGIN["base/light"],
        "message": [f"{HEAD} trips for a SLG-c fault (min case) at 39749 {CLAUSE[s]} (light "
                    "load); the fuse clears later" for s in rows]})


def _coordination() -> pd.DataFrame:
    def row(s: str, bus: str = "39749", margin: float | None = None) -> dict:
        m = MARGIN[s] if margin is None else margin
        return {"criterion": "C1", "check": "backup relay after primary + CTI",
                "rule": "coordination_interval", "scenario": s, "fault_bus": bus,
                "fault_type": "SLG-c", "case": "min", "primary": FUSE, "backup": HEAD,
                "margin_s": m, "required_s": 0.12, "tolerance_s": 0.0, "ok": m >= 0,
                "status": "ok" if m >= 0 else "fail", "i2t_ratio": np.nan}
    # and the same pair at another bus, passing far away: not this row's story
    return pd.DataFrame([row(s) for s in SCEN] + [row("firm/light/50%", "39741", 5.0)])


def _drivers(driver: Driver, sites: str) -> pd.DataFrame:
    return pd.DataFrame({"criterion": ["C1"], "device": [HEAD], "partner": [FUSE],
                         "mechanism": ["coordination_interval"], "margin_unit": ["s"],
                         "scenario": ["firm/light/100%"], "driver": [driver.value],
                         "driver_sites": [sites]})


def test_trend_names_the_levels_where_the_pair_passes():
    f = build_findings(_violations(), _scenarios(), _coordination()).findings
    assert f["export_trend"].iloc[0] == (
        "worsens with export: 0.2658 s without V2G; 0.02918 s at 1,322 kW; −0.1296 s at "
        "2,115 kW; −0.2433 s at 2,644 kW (kW: all sites' export together; at the worst "
        "margin's SLG-c 39749 min)")


def test_one_site_driver_is_the_trend_axis_and_leads_the_message():
    f = build_findings(_violations(), _scenarios(), _coordination(),
                       drivers=_drivers(Driver.ONE_SITE, "homes")).findings.iloc[0]
    assert f["export_trend"] == (
        "worsens with export: 0.2658 s without V2G; 0.02918 s at 72 kW (all sites 1,322 kW); "
        "−0.1296 s at 115 kW (all sites 2,115 kW); −0.2433 s at 144 kW (all sites 2,644 kW) "
        "(kW: the export of homes alone, the one site that drives the finding (Site driver "
        "column); in brackets all sites' export together; at the worst margin's SLG-c 39749 "
        "min)")
    assert ("at 39749 with homes exporting 0.144 MW, with the other sites at depot 1.5 MW "
            "and campus 1 MW (light load)") in f["message"]


def test_no_single_driver_keeps_all_sites_together():
    f = build_findings(_violations(), _scenarios(), _coordination(),
                       drivers=_drivers(Driver.TOGETHER, "depot, homes")).findings.iloc[0]
    assert "(kW: all sites' export together;" in f["export_trend"]
    assert CLAUSE["firm/light/100%"] in f["message"]


def test_export_clause_is_the_checks_own_words():
    """:func:`export_clause` rebuilds :meth:`CheckContext.export_text` (without its load
    level): the driver's words replace that exact text, never a parse of it."""
    states = (SiteState("depot", ChargerMode.EXPORTING, 1500.0, 1500.0, 1500.0),
              SiteState("campus", ChargerMode.EXPORTING, 1000.0, 1000.0, 1000.0),
              SiteState("homes", ChargerMode.EXPORTING, 144.0, 144.0, 144.0))
    sc = Scenario("firm/light/100%", Participation("firm"), LoadLevel("light"), "100%", states)
    ctx = CheckContext(study=SimpleNamespace(), thresholds=None, devices={}, build_errors={},
                       faults=None, chains=pd.DataFrame(), pairs=pd.DataFrame(),
                       zones=pd.DataFrame(), scenarios={sc.name: sc}, base_of={})
    kw = {"depot": 1500.0, "campus": 1000.0, "homes": 144.0}
    assert ctx.export_text(sc.name) == export_clause(kw) + " (light load)"
    assert driver_clause(kw, "depot") == ("with depot exporting 1.5 MW, with the other sites "
                                          "at campus 1 MW and homes 0.144 MW")
    assert driver_clause({"homes": 144.0, "depot": 0.0}, "homes") == ""  # alone: as it is
    assert lead_with_driver("no export here", {"s": kw}, "homes") == "no export here"


def test_gate_line_leads_with_the_driver_and_is_not_cut_inside_it():
    v = _violations()
    sites = SiteAxis.of(_drivers(Driver.ONE_SITE, "homes"), _scenarios(), every=True)
    records: dict = {}
    lines = ReasonRows(v, sites=sites).reasons("fail", np.ones(len(v), bool),
                                               records=records)
    assert len(lines) == 1
    assert ("at 39749 with homes exporting 0.144 MW, with the other sites at depot 1.5 MW "
            "and campus 1 MW (light load)") in lines[0]
    short = records[lines[0]]["short"]
    # 94 characters to the driver's MW: kept whole past the 90-character cut
    assert short.startswith(f"fail: C1 {HEAD} / {FUSE}: {HEAD} trips for a SLG-c fault at "
                            "39749 with homes exporting 0.144 MW …"), short
    # no one driver: every site's export, whole
    sites = SiteAxis.of(_drivers(Driver.TOGETHER, "depot, homes"), _scenarios(), every=True)
    records = {}
    line = ReasonRows(v, sites=sites).reasons("fail", np.ones(len(v), bool),
                                              records=records)[0]
    assert CLAUSE["firm/light/100%"] + " (light load)" in line
    assert f"39749 {CLAUSE['firm/light/100%']} (fail;" in records[line]["short"]


def test_headline_keeps_words_whole_or_stops_before_them():
    msg = "R trips for a fault at 9 " + CLAUSE["firm/light/100%"] + "; the fuse clears later"
    assert headline(msg, 40) == "R trips for a fault at 9 with depot …"
    assert headline(msg, 40, keep=CLAUSE["firm/light/100%"]) == msg.split(";")[0]
    # ending beyond KEEP_CHARS past the limit: stopped before them, not inside
    long = CLAUSE["firm/light/100%"] + " and lane_homes exporting 0.0864 MW"
    assert headline(msg.replace(CLAUSE["firm/light/100%"], long), 40,
                    keep=long) == "R trips for a fault at 9 …"
    worst = {"criterion": "C1", "device": HEAD, "message": msg, "status": "fail",
             "scenario": "firm/light/100%", "margin": -0.24, "margin_unit": "s"}
    assert "and homes … (fail;" in short_line("fail", worst, {"fail": 1}, 1, "new")
    assert f"{CLAUSE['firm/light/100%']} (fail;" in short_line(
        "fail", worst, {"fail": 1}, 1, "new", keep=CLAUSE["firm/light/100%"])


def test_flat_trend_on_one_sites_axis_gives_the_totals_of_its_span():
    """The depot study's C7 F09 (RC-F1, driven by the depot): "does not move … at every level
    from 1,500 to 6,000 kW" said the depot's kW with a basis promising bracketed totals."""
    cols = {"margin": np.array([-0.8277, -0.8277, -0.8277]),
            "p_export_kw": np.array([1500.0, 3000.0, 6000.0]),
            "p_total_kw": np.array([2000.0, 3900.0, 7800.0]),
            "participation": np.array(["firm"] * 3, dtype=object)}
    assert columns_trend(cols, 3, "%", site="depot") == (
        "does not move with export: −0.8277 % at every level from 1,500 kW (all sites "
        "2,000 kW) to 6,000 kW (all sites 7,800 kW) (kW: the export of depot alone, the one "
        "site that drives the finding (Site driver column); in brackets all sites' export "
        "together)")


def test_a_passing_level_below_a_device_that_stops_operating_is_no_improvement():
    """The 10,000-bus study's F67 (C1 R-HEAD / FU-L91-6263, backup does not operate): with
    its passing 900 kW row read beside it the trend said "improves … 331.9 s without V2G;
    3446 s at 900 kW; −∞ (does not operate) at 1,440 kW"."""
    margins = {"base/light": 331.9, "expected/light/50%": 3446.0,
               "expected/light/100%": -np.inf, "firm/light/50%": 3446.0,
               "firm/light/100%": -np.inf}
    v = _violations().assign(margin=-np.inf, base_margin=331.9)
    c = _coordination()
    c["margin_s"] = [margins[s] for s in SCEN] + [5.0]
    c["ok"] = np.isfinite(c["margin_s"])
    trend = build_findings(v, _scenarios(), c).findings["export_trend"].iloc[0]
    assert trend.startswith("worsens with export: 331.9 s without V2G; 3446 s at 1,322 kW; "
                            "−∞ (does not operate) at 2,115 kW"), trend


def test_a_check_of_one_site_alone_is_said_against_that_site():
    """IEEE 123's F28 (C11 islanding screen behind F-L9, only homes_a behind it: "one site:
    homes_a (a check of this site alone)") read its trend against all sites' 372–744 kW."""
    rows = [s for s in SCEN if not s.startswith("base")]
    v = pd.DataFrame({
        "criterion": "C11", "status": "fail", "attribution": "new", "scenario": rows,
        "fault_bus": "", "fault_type": "", "case": "", "device": "F-L9",
        "other_device": "homes", "margin": [-0.03, -0.05, -0.03, -0.07],
        "margin_unit": "MW", "limit": 0.0,
        "message": [f"behind F-L9: V2G exceeds 0.33 × minimum load {CLAUSE.get(s, '')} "
                    "(light load)" for s in rows]})
    f = build_findings(v, _scenarios()).findings.iloc[0]
    assert f["export_trend"].startswith(
        "worsens with export: −0.03 MW at 72 kW (all sites 1,322 kW); −0.05 MW at 115 kW "
        "(all sites 2,115 kW); −0.07 MW at 144 kW (all sites 2,644 kW) (kW: the export of "
        "homes alone"), f["export_trend"]
    assert "with homes exporting 0.144 MW, with the other sites at depot 1.5 MW" in f["message"]
