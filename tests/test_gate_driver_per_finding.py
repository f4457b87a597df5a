"""A gate line says its own finding's site driver where two findings of different drivers
share its criterion and device (review ver49 #5: EPRI DG_Protection's C5 ``a`` fail line,
F03 "each of campus, homes on its own" in × pickup, and the warn F11 "needs campus and homes
together" in fraction, fell on one (criterion, device) and the line said neither)."""

from __future__ import annotations

import pandas as pd

from protv2g.checks.fuse_saving_range import SavingMechanism
from protv2g.findings_sites import Driver, NotJudged
from protv2g.findings_sites_text import with_driver_lines
from protv2g.gate_reason_record import reason_record

_SITES = ("depot", "campus", "homes")


def _table() -> pd.DataFrame:
    """DG's two C5 ``a`` findings as the Site drivers table has them (one row per site and
    counterfactual, the driver repeated)."""
    rows = []
    for unit, drv, text in (("× pickup", Driver.EACH_SITE, "each of campus, homes on its own"
                             " (at SLG-a b2 min …)"),
                            ("fraction", Driver.TOGETHER, "needs campus and homes together; "
                             "without depot still fails: margin −2.68 % (at SLG-a b2 min …)")):
        for kind in ("alone", "removed"):
            rows += [{"criterion": "C5", "device": "a", "partner": "", "mechanism": "",
                      "margin_unit": unit, "scenario": "firm/light/100%", "site": s,
                      "counterfactual": kind, "driver": drv.value,
                      "driver_sites": "campus, homes", "driver_text": text} for s in _SITES]
    return pd.DataFrame(rows)


def _record(unit: str) -> dict:
    worst = {"criterion": "C5", "device": "a", "other_device": None, "mechanism": None,
             "margin": -0.2857, "margin_unit": unit, "scenario": "firm/light/100%"}
    rec = reason_record("fail", worst, "made worse by V2G")
    return {**rec, "short": "fail: C5 a: a sees 243 A (fail; made worse by V2G)"}


def test_record_carries_the_finding_key():
    rec = _record("× pickup")
    assert rec["mechanism"] == "" and rec["margin_unit"] == "× pickup"


def test_line_says_its_own_findings_driver():
    line = "fail: C5 a: a sees 243 A (fail; made worse by V2G; 112 fail rows)"
    reasons, data = with_driver_lines([line], [_record("× pickup")], _table())
    assert reasons[0].endswith("112 fail rows; each of campus, homes on its own)")
    assert data[0]["short"].endswith("made worse by V2G; each of campus, homes on its own)")
    assert data[0]["site_driver"] == Driver.EACH_SITE.value
    # the other finding's line, were it a fail line, says its own
    reasons, data = with_driver_lines([line], [_record("fraction")], _table())
    assert reasons[0].endswith("; needs campus and homes together; without depot still "
                               "fails: margin −2.68 %)")
    assert data[0]["site_driver"] == Driver.TOGETHER.value


def test_record_without_the_key_says_each_findings_driver():
    """A record without mechanism and margin unit (older callers) is matched by criterion
    and device: the line says each of its findings' drivers, after its unit."""
    rec = {k: v for k, v in _record("× pickup").items()
           if k not in ("mechanism", "margin_unit")}
    line = "fail: C5 a: x (fail)"
    reasons, data = with_driver_lines([line], [rec], _table())
    assert reasons == ["fail: C5 a: x (fail; each finding's driver: in fraction: needs campus "
                       "and homes together; without depot still fails: margin −2.68 %; in × "
                       "pickup: each of campus, homes on its own)"]
    assert "site_driver" not in data[0]


def test_unjudged_line_is_matched_by_its_findings_key():
    """A line of rows the table lacks says "driver not judged" with its own finding's why,
    not another finding's of the same device (a C2 range-shrunk row's why is its own)."""
    scen = pd.DataFrame({"scenario": ["firm/light/100%"], "p_depot_kw": [600.0],
                         "p_campus_kw": [600.0], "p_homes_kw": [108.0]})
    violations = pd.DataFrame({
        "criterion": ["C2", "C2"], "device": ["a", "a"], "other_device": ["f1", "f1"],
        "status": ["fail", "fail"], "attribution": ["new", "new"],
        "scenario": ["firm/light/100%"] * 2, "margin_unit": ["s", "A"],
        "mechanism": [SavingMechanism.RANGE_SHRUNK.value, "lost saving"]})
    rec = {**reason_record("fail", {**violations.iloc[1].to_dict(), "margin": -1.0},
                           "caused by V2G"), "short": "fail: C2 a / f1: x (fail)"}
    reasons, data = with_driver_lines(["fail: C2 a / f1: y (fail)"], [rec], _table(),
                                      violations, scen)
    assert data[0]["site_driver"] == Driver.UNJUDGED.value
    assert data[0]["driver_not_judged"] == NotJudged.NO_FAULT_ROW.value


def test_pair_line_whose_rows_carry_no_mechanism_takes_its_unit_only():
    """A C2 line whose rows carry no mechanism or rule (its finding's is the coordination
    table's rule, "fuse TC < recloser delayed": the residential two-site study's RC-MID /
    FU-LAT1) is matched by its margin unit; it is not called "not judged"."""
    table = pd.DataFrame([{"criterion": "C2", "device": "RC-MID", "partner": "FU-LAT1",
                           "mechanism": "fuse TC < recloser delayed", "margin_unit": "s",
                           "scenario": "firm/light/100%", "driver": Driver.ONE_SITE.value,
                           "driver_sites": "homes-lat1", "driver_text": "driven by homes-lat1"}])
    worst = {"criterion": "C2", "device": "RC-MID", "other_device": "FU-LAT1",
             "mechanism": "", "rule": None, "margin": -0.1, "margin_unit": "s"}
    rec = {**reason_record("fail", worst, "made worse by V2G"), "short": "fail: C2 x (fail)"}
    scen = pd.DataFrame({"scenario": ["firm/light/100%"], "p_homes-lat1_kw": [100.0],
                         "p_homes-lat2_kw": [100.0]})
    violations = pd.DataFrame([{**worst, "status": "fail", "attribution": "worse",
                                "scenario": "firm/light/100%"}])
    reasons, data = with_driver_lines(["fail: C2 y (fail)"], [rec], table, violations, scen)
    assert reasons == ["fail: C2 y (fail; driven by homes-lat1)"]
    assert data[0]["site_driver"] == Driver.ONE_SITE.value


def test_pair_line_of_two_coordination_rules_says_each_driver():
    """A C2 line whose rows carry no mechanism and whose finding the coordination table
    splits into two rules of one unit says each rule's driver, not none."""
    rows = [{"criterion": "C2", "device": "RC-MID", "partner": "FU-LAT1", "mechanism": m,
             "margin_unit": "s", "scenario": "firm/light/100%", "driver": d.value,
             "driver_sites": sites, "driver_text": text}
            for m, d, sites, text in (
                ("fuse TC < recloser delayed", Driver.ONE_SITE, "homes-lat1",
                 "driven by homes-lat1 (…)"),
                ("lockout", Driver.EACH_SITE, "homes-lat1, homes-lat2",
                 "each of homes-lat1, homes-lat2 on its own (…)"))]
    worst = {"criterion": "C2", "device": "RC-MID", "other_device": "FU-LAT1",
             "mechanism": "", "margin": -0.1, "margin_unit": "s"}
    rec = {**reason_record("fail", worst, "made worse by V2G"), "short": "fail: C2 x (fail)"}
    reasons, data = with_driver_lines(["fail: C2 y (fail)"], [rec], pd.DataFrame(rows))
    words = ("each finding's driver: fuse TC < recloser delayed: driven by homes-lat1; "
             "lockout: each of homes-lat1, homes-lat2 on its own")
    assert reasons == [f"fail: C2 y (fail; {words})"]
    assert data[0]["short"] == f"fail: C2 x (fail; {words})"
