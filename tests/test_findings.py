"""Findings on the depot study (issue #19): the violation rows grouped into the problems they are
evidence of — few, traceable to their evidence rows, margins with their unit, attribution and
status the worst of their rows', one finding per (criterion, device or pair, mechanism).

The expectations are recomputed here from the evidence and violation rows, not read back from
the findings' own bookkeeping.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g import load_study, run_study
from protv2g.checks.load import CHARGING_PEAK
from protv2g.findings import PAIR_CRITERIA, Attribution, build_findings
from protv2g.report.derived import UNIT_FORMATS, result_findings
from protv2g.violations import STATUS_ORDER, is_given, status_mask

from .conftest import DEPOT_FILE

#: Attribution of a finding from the set of its rows' attributions (checks/attribution.py):
#: only new rows → caused; only pre-existing rows → pre-existing; any other mix → worse.
_ATTRIBUTION = {frozenset({"new"}): Attribution.CAUSED,
                frozenset({"pre-existing"}): Attribution.PRE_EXISTING}


@pytest.fixture(scope="module")
def depot():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = run_study(load_study(DEPOT_FILE), hosting=False)
    return result, result_findings(result)


def _rows_of(evidence: pd.DataFrame, finding: str) -> pd.DataFrame:
    return evidence[evidence["finding"] == finding]


def test_findings_are_tens_not_hundreds(depot):
    result, f = depot
    v = result.violations
    # a grouped row (C5's zone rows, C12's bus rows: n_buses) stands for n_buses rows
    weight = v["n_buses"].fillna(1) if "n_buses" in v else 1
    n_rows = int((status_mask(v, "fail", "warn", "info") * weight).sum())
    assert n_rows > 100  # the depot's hundreds of violation rows …
    # … are about a dozen problems (info findings apart: C6's rows of what it tried, c6r51)
    problems = f.findings[f.findings["status"].astype(str) != "info"]
    assert 3 <= len(problems) <= 15
    assert int(f.findings["n_rows"].sum()) == n_rows
    assert len(f.evidence) < n_rows  # rows repeated at each load level collapse


def test_every_evidence_id_resolves(depot):
    result, f = depot
    ev = f.evidence.set_index("evidence")
    assert ev.index.is_unique
    order = {e: k for k, e in enumerate(ev.index)}
    for row in f.findings.itertuples(index=False):
        first, last = order[row.evidence_first], order[row.evidence_last]
        span = ev.iloc[first:last + 1]
        assert (span["finding"] == row.finding).all(), row.finding  # a contiguous range
        # a grouped evidence row (n_buses) stands for that many buses' rows
        n = span["n_buses"].fillna(1) if "n_buses" in span else pd.Series(1, index=span.index)
        assert int(n.sum()) == row.n_evidence
        assert len(span) == int((ev["finding"] == row.finding).sum())
    assert set(ev["finding"]) == set(f.findings["finding"])
    # every violation row of a finding status stands behind exactly one evidence row: one
    # per load level it lists (rows with no load-level axis stand alone)
    levels = ev["load_levels"].astype(str).map(lambda s: max(1, len([x for x in s.split(", ")
                                                                     if x])))
    v = result.violations
    w_ev = ev["n_buses"].fillna(1) if "n_buses" in ev else 1
    w_v = v["n_buses"].fillna(1) if "n_buses" in v else 1
    assert int((levels * w_ev).sum()) == int((status_mask(v, "fail", "warn", "info")
                                              * w_v).sum())


def test_margins_carry_their_unit(depot):
    _, f = depot
    for row in f.findings.itertuples(index=False):
        assert row.margin_unit in UNIT_FORMATS, row.finding
        rows = _rows_of(f.evidence, row.finding)
        assert set(rows["margin_unit"].astype(str)) == {row.margin_unit}, row.finding
        m = pd.to_numeric(rows["margin"], errors="coerce")
        if m.notna().any():
            worst = rows.loc[rows["status"].map(STATUS_ORDER) == STATUS_ORDER[row.status]]
            expect = pd.to_numeric(worst["margin"], errors="coerce").min()
            assert np.isclose(row.worst_margin, expect, rtol=0, atol=1e-9), row.finding
    # the depot's time margins are in seconds and its C8 pickup margin in amperes
    units = dict(zip(f.findings["criterion"], f.findings["margin_unit"], strict=False))
    assert units.get("C10") == "s" and units.get("C8") == "A"


def test_attribution_and_status_are_the_worst_of_the_rows(depot):
    _, f = depot
    for row in f.findings.itertuples(index=False):
        rows = _rows_of(f.evidence, row.finding)
        att = frozenset(str(a) for a in rows["attribution"] if is_given(a))
        expect = _ATTRIBUTION.get(att, Attribution.WORSE)
        moved = rows.loc[rows["attribution"].astype(str).isin(["new", "worse"]),
                         "scenario"].astype(str)
        charging_only = (moved.str.startswith("charging/").any()
                         and (moved.str.startswith("charging/")
                              | moved.str.startswith("day/")).all())
        if row.criterion == "C8" and row.mechanism == CHARGING_PEAK or charging_only:
            # trust_checks: a charging peak is vehicle load, said in words of charging; so
            # is a finding moved only in charging snapshots and the sites' day (review s23;
            # rev39b M3: depot F05, C12 under-voltage in charging/* and day/* rows)
            expect = {Attribution.CAUSED: Attribution.CAUSED_CHARGING,
                      Attribution.WORSE: Attribution.WORSE_CHARGING}.get(expect, expect)
        assert row.attribution == expect, row.finding
        # never called pre-existing while one of its rows is new or worse with V2G
        assert (row.attribution == Attribution.PRE_EXISTING) == (att == {"pre-existing"})
        worst_status = min(rows["status"].astype(str), key=STATUS_ORDER.__getitem__)
        assert row.status == worst_status, row.finding
    # the C10 reclosing problem (RC-F1 recloses before the campus must have ceased) appears
    # only with V2G (issue #19)
    c10 = f.findings[(f.findings["criterion"] == "C10") & (f.findings["device"] == "RC-F1")]
    assert len(c10) == 1 and c10["attribution"].item() == Attribution.CAUSED


def test_one_finding_per_criterion_device_pair_and_mechanism(depot):
    _, f = depot
    ev = f.evidence
    pair = ev["criterion"].astype(str).isin(PAIR_CRITERIA)
    partner = ev["other_device"].map(lambda v: str(v) if is_given(v) else "").where(pair, "")
    key = pd.DataFrame({"criterion": ev["criterion"].astype(str),
                        "device": ev["device"].map(lambda v: str(v) if is_given(v) else ""),
                        "partner": partner, "mechanism": ev["mechanism"].fillna("").astype(str),
                        "finding": ev["finding"]})
    # one finding per key, and one key per finding
    per_key = key.groupby(["criterion", "device", "partner", "mechanism"])["finding"].nunique()
    per_finding = key.groupby("finding")[["criterion", "device", "partner",
                                          "mechanism"]].nunique()
    assert (per_key == 1).all()
    assert (per_finding == 1).all().all()
    assert len(per_key) == len(f.findings)


def test_charging_peak_is_trended_by_charging_at_its_day_step():
    # #19: a C8 charging peak (the 96-step day, no load-level axis) beside an export peak of
    # the same relay: two problems; the charging one is trended by the sites' charging and
    # says where in the day it occurs, not an export level and "light"
    from protv2g.checks.load import EXPORT_PEAK, IMPORT_PEAK
    from protv2g.findings import build_findings

    def row(scenario, margin, mech, charging, time_h, frac):
        return {"criterion": "C8", "status": "fail", "attribution": "new",
                "scenario": scenario, "fault_bus": "", "fault_type": "", "case": "",
                "device": "R-F1", "other_device": "", "margin": margin, "margin_unit": "A",
                "limit": 266.7, "mechanism": mech, "p_charging_kw": charging,
                "time_h": time_h, "load_fraction": frac, "message": "m"}

    rows = pd.DataFrame([row("day/expected", -53.6, IMPORT_PEAK, 4800.0, 20.0, 0.916),
                         row("day/firm", -114.5, IMPORT_PEAK, 6000.0, 20.0, 0.916),
                         row("firm/light/100%", -60.8, EXPORT_PEAK, 0.0, np.nan, 0.3)])
    scen = pd.DataFrame({"scenario": ["firm/light/100%"], "participation": ["firm"],
                         "load_level": ["light"], "export_level": ["100%"],
                         "is_base": [False], "p_depot_kw": [6000.0], "p_campus_kw": [1800.0]})
    f = build_findings(rows, scen).findings.set_index("mechanism")
    assert set(f.index) == {IMPORT_PEAK, EXPORT_PEAK}
    charging, export = f.loc[IMPORT_PEAK], f.loc[EXPORT_PEAK]
    assert charging["worst_scenario"] == "day/firm"
    # the kW named as the charging of the sites behind the device, together (trust_report;
    # a device's load row counts those, review ver47 M1)
    assert charging["export_trend"] == ("worsens with charging: −53.6 A at 4,800 kW; "
                                        "−114.5 A at 6,000 kW (kW: the charging of the "
                                        "sites behind the device together)")
    assert charging["load_levels"] == "day 20:00 (92 % of peak load)"
    assert export["export_trend"] == ("−60.8 A at 7,800 kW export only (kW: all sites' "
                                      "export together)")
    assert export["load_levels"] == "light"


def test_depot_charging_finding_names_the_day_and_its_charging(depot):
    # trust_checks: the depot's evening peak is typed CHARGING_PEAK (was IMPORT_PEAK) and
    # attributed to charging, not to V2G
    result, f = depot
    c8 = f.findings[(f.findings["criterion"] == "C8")
                    & (f.findings["mechanism"] == CHARGING_PEAK)]
    assert len(c8) == 1
    assert c8["attribution"].item() == Attribution.CAUSED_CHARGING
    r = c8.iloc[0]
    # c8_charging (review s16): the campus site has no day, so the flow adds the charging
    # snapshots at peak load (both sites charging at rating, existing DER off); their R-F1
    # 483.5 A (7,800 kW) is now the worst, was the day's 20:00 step (381 A, 6,000 kW), which
    # stays among the finding's rows
    assert r["worst_scenario"] == "charging/firm" and "export" not in r["export_trend"]
    assert "with charging" in r["export_trend"] and "day 20:00" in r["load_levels"]


def _scen(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Scenarios (name, participation, total export kW) with one site."""
    return pd.DataFrame({"scenario": [r[0] for r in rows],
                         "participation": [r[1] for r in rows], "load_level": "light",
                         "export_level": [r[0].split("/")[-1] for r in rows],
                         "is_base": [r[2] == 0 for r in rows],
                         "p_depot_kw": [r[2] for r in rows]})


def _rows(margins: dict[str, float], criterion: str = "C7", unit: str = "fraction",
          **extra) -> pd.DataFrame:
    n = len(margins)
    return pd.DataFrame({"criterion": criterion, "status": "warn", "attribution": "new",
                         "scenario": list(margins), "fault_bus": "B1", "fault_type": "3ph",
                         "case": "max", "device": "FU-1", "other_device": "", "margin":
                         list(margins.values()), "margin_unit": unit, "limit": 0.1,
                         "message": "m", **{k: [v] * n for k, v in extra.items()}})


def test_export_trend_uses_a_tolerance_per_participation_case():
    # the depot's F06 (#19 review): the duty margin is constant at every export level of a
    # participation case (firm −0.0665, expected −0.0254); the worst per kW mixes the two
    # cases (expected/100 % exports 6,000 kW like firm/75 %), and "improves" was printed
    # because the last and first worst margins were equal
    scen = _scen([("firm/light/25%", "firm", 2000.0), ("firm/light/75%", "firm", 6000.0),
                  ("firm/light/100%", "firm", 7800.0),
                  ("expected/light/25%", "expected", 2000.0),
                  ("expected/light/75%", "expected", 5700.0),
                  ("expected/light/100%", "expected", 6000.0)])
    margins = {s: (-0.0665 if s.startswith("firm") else -0.0254) for s in scen["scenario"]}
    trend = build_findings(_rows(margins), scen).findings["export_trend"].iloc[0]
    # the kW basis named, a fraction in percent as its cell shows it (trust_report; was
    # "expected −0.0254 fraction; firm −0.0665 fraction at every level (2,000–7,800 kW)")
    # the trend names the worst margin's row it follows (review s17 §3.11)
    assert trend == ("does not move with export: expected −2.54 %; firm −6.65 % at every "
                     "level from 2,000 to 7,800 kW (kW: all sites' export together; at the "
                     "worst margin's 3ph B1 max)")
    # a change inside 1 % of the margin (here 1e-3 s) does not move either
    small = {s: -0.1 - 0.0005 * k for k, s in enumerate(scen["scenario"][:3])}
    trend = build_findings(_rows(small, "C1", "s"), scen).findings["export_trend"].iloc[0]
    assert trend.startswith("does not move with export: −0.1 s at 2,000 kW")
    # beyond it, the verdict follows the change from the lowest to the highest level
    big = {s: -0.1 + 0.02 * k for k, s in enumerate(scen["scenario"][:3])}
    trend = build_findings(_rows(big, "C1", "s"), scen).findings["export_trend"].iloc[0]
    assert trend.startswith("improves with export: −0.1 s at 2,000 kW")
    worse = {s: -v for s, v in big.items()}
    trend = build_findings(_rows(worse, "C1", "s"), scen).findings["export_trend"].iloc[0]
    assert trend.startswith("worsens with export")
    # the same at both ends, moving between them: no steady trend, never "improves"
    dip = dict(zip(scen["scenario"][:3], [-0.1, -0.3, -0.1], strict=True))
    trend = build_findings(_rows(dip, "C1", "s"), scen).findings["export_trend"].iloc[0]
    assert trend.startswith("varies with export (no steady trend)")


def test_c2_finding_title_names_the_rule_that_failed():
    # the depot's F01 (#19 review): titled "(fuse saving)" — the catalogue's title of C2 —
    # while its rows are the lockout rule (fuse TC before the recloser's delayed trip), whose
    # rows carry no ``rule`` id beside the fuse-saving rows' ``fuse_saving_k``
    scen = _scen([("firm/light/100%", "firm", 7800.0)])
    base = dict(criterion="C2", status="fail", attribution="new", scenario="firm/light/100%",
                fault_type="SLG", case="min", device="RC-F1", other_device="FU-1",
                margin_unit="s", limit=0.0, message="m")
    rows = pd.DataFrame([{**base, "fault_bus": "B2", "margin": -0.04, "rule": ""},
                         {**base, "fault_bus": "B3", "margin": -0.09,
                          "rule": "fuse_saving_k"}])
    coord = pd.DataFrame({
        "criterion": "C2", "check": ["fuse TC < recloser delayed",
                                     "fuse saving: K × fast < fuse MM"],
        "scenario": "firm/light/100%", "fault_bus": ["B2", "B3"], "fault_type": "SLG",
        "case": "min", "primary": "FU-1", "backup": "RC-F1", "margin_s": [-0.04, -0.09],
        "rule": ["", "fuse_saving_k"]})
    titles = set(build_findings(rows, scen, coord).findings["title"])
    assert titles == {"C2 recloser–fuse: RC-F1 / FU-1 (fuse TC < recloser delayed)",
                      "C2 recloser–fuse: RC-F1 / FU-1 (fuse saving: K × fast < fuse MM)"}
