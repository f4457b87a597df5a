"""C8 sees charging (review s16 §2.5 / §3.1): a study whose flow scenarios are light-load export
snapshots gets charging snapshots at peak load — participating chargers importing at their
rating, existing DER (PV, generators, storage) off — and C8 judges them; a site that can
charge but charges in no flow step is ``not_evaluated``; ``validate`` warns on
``scenarios.day: true`` with no site day.

Criterion: IEEE Std C37.230-2020 §6.1 (pickup above the largest load with margin).
Reference values: pandapower ``runpp`` by hand on the workplace feeder (below, and review s16
§2.5: "peak load 2.7 MW + 0.84 Mvar, PV off, 36 of 40 chargers charging 1.8 MW at B03: L01
221 A > 200 A").
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandapower as pp
import pandas as pd
import pytest

from protv2g import load_study
from protv2g.checks import run_checks
from protv2g.checks.load import CHARGING_PEAK
from protv2g.pipeline import study_flow
from protv2g.scenarios import build_scenarios, charging_scenarios, site_charging_kw
from protv2g.study.plausibility import plausibility_warnings
from protv2g.units import Participation

ROOT = Path(__file__).resolve().parents[1]
WORKPLACE = ROOT / "feeders" / "workplace_pv_midday" / "study.yaml"
FAULT_COLUMNS = ["scenario", "device", "fault_bus", "fault_type", "case", "ia_ka", "ib_ka",
                 "ic_ka", "i3i0_ka"]


@pytest.fixture(scope="module")
def workplace():
    study = load_study(WORKPLACE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study, study_flow(study)


def _runpp_l01_a() -> float:
    """L01's current by hand: the feeder's loads as given (peak), PV-B03 out of service, the
    36 firm-participation chargers (0.9 × 40 × 50 kW) as a 1.8 MW unity-pf load at B03."""
    net = pp.from_json(str(WORKPLACE.parent / "feeder.json"))
    net.sgen["in_service"] = False
    b03 = int(net.bus.index[net.bus.name == "B03"][0])
    pp.create_load(net, b03, p_mw=1.8, q_mvar=0.0)
    pp.runpp(net)
    l01 = net.line.index[net.line.name == "L01"][0]
    return float(net.res_line.at[l01, "i_from_ka"]) * 1000.0


def test_workplace_charging_snapshot_matches_runpp(workplace):
    study, res = workplace
    d = res.devices.set_index(["scenario", "device"])
    sites = res.sites.set_index("scenario")
    assert sites.loc["charging/firm", "p_kw"] == pytest.approx(-1800.0)
    assert sites.loc["charging/expected", "p_kw"] == pytest.approx(-1400.0)  # 0.7 × 40 × 50
    i_tool = d.loc[("charging/firm", "R-HEAD"), "i_a"]
    # pinned: 221.2713 A (pandapower 3.x runpp by hand, 2026-12-03); ≤ 1 % asked, 1e-6 seen
    assert i_tool == pytest.approx(221.2713, rel=1e-5)
    assert i_tool == pytest.approx(_runpp_l01_a(), rel=1e-6)


def test_workplace_c8_fails_on_charging(workplace):
    study, res = workplace
    v, *_ = run_checks(study, pd.DataFrame(columns=FAULT_COLUMNS), res,
                       build_scenarios(study.document))
    c8 = v[(v.criterion == "C8") & (v.status == "fail")].set_index("scenario")
    row = c8.loc["charging/firm"]
    assert row.device == "R-HEAD" and row.mechanism == CHARGING_PEAK
    assert row.margin == pytest.approx(300.0 / 1.5 - 221.2713, abs=1e-3)  # ≈ −21.3 A
    # s17: every existing source kind is off (was "(PV)": the OpenDSS flow switched PV only)
    assert "existing DER (PV, generators, storage) off" in row.message
    assert "peak load" in row.message
    assert "office-park 1,800 kW = 36 × 50 kW" in row.message


def test_charging_snapshots_only_where_the_day_does_not_cover(workplace):
    study, _ = workplace
    doc = study.document
    assert [s.name for s in charging_scenarios(doc)] == ["charging/expected", "charging/firm"]
    assert charging_scenarios(doc, frozenset({"office-park"})) == []
    no_charge = study.with_updates(v2g_sites=[
        {**s.model_dump(mode="json"), "modes": ["exporting"]} for s in doc.v2g_sites])
    assert charging_scenarios(no_charge.document) == []
    site = doc.v2g_sites[0]
    assert site_charging_kw(site, Participation.FIRM) == pytest.approx(1800.0)


def test_c8_not_evaluated_when_no_step_charges(workplace):
    study, res = workplace
    flow = {"device": res.devices[~res.devices.scenario.str.startswith("charging/")],
            "sites": res.sites[~res.sites.scenario.str.startswith("charging/")]}
    v, *_ = run_checks(study, pd.DataFrame(columns=FAULT_COLUMNS), flow,
                       build_scenarios(study.document))
    c8 = v[v.criterion == "C8"]
    ne = c8[c8.status == "not_evaluated"]
    assert len(ne) == 1 and "office-park can charge" in ne.iloc[0].message
    assert not (c8.status == "fail").any()  # the light-load export rows pass, as before


def test_validate_warns_day_without_site_day(workplace):
    study, _ = workplace
    assert not [w for w in plausibility_warnings(study) if w.field == "scenarios.day"]
    axes = study.document.scenarios.model_dump(mode="json")
    flagged = study.with_updates(scenarios={**axes, "day": True})
    w = [w for w in plausibility_warnings(flagged) if w.field == "scenarios.day"]
    assert len(w) == 1 and "no V2G site has a 'day:' mapping" in w[0].message
    assert "v2g_sites[0].day" in w[0].fix


def test_memo_states_the_snapshot_assumption(workplace):
    # Summary §8 "Charging (C8)": the snapshots' assumption, pass or fail (no C8 row needed)
    from protv2g.report.summary_faults import charging_assumption

    _, res = workplace
    text = charging_assumption(None, res.sites)
    assert "C8 charging snapshots (charging/expected, charging/firm): peak load" in text
    # was "existing DER (PV) off": both flow paths now switch off PV, generators and
    # discharging storage (flow/pandapower_der.py, flow/opendss_der.py), and the text says so
    assert "existing DER (PV, generators, storage) off" in text
    assert "charging/firm: office-park 1,800 kW" in text
    assert charging_assumption(None, res.sites[~res.sites.scenario.str.startswith(
        "charging/")]) == ""
