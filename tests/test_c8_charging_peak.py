"""C8 load pickup: the peak is typed (charging / import / export), charging is capped at the
site's rating, a charging peak gets no pickup raise and is attributed to charging.

Criterion: IEEE Std C37.230-2020 §6.1 — pickup above the largest load with margin, below the
smallest fault it must see; a schedulable charging load is managed, not set around.
"""

from __future__ import annotations

import pandas as pd
import pytest

from protv2g.checks.load import (
    CHARGING_PEAK,
    EXPORT_PEAK,
    IMPORT_PEAK,
    LoadPeak,
    site_charging_cap_kw,
)
from protv2g.findings import Attribution, build_findings
from protv2g.recommend.candidates import Family, candidates


def test_peak_types_are_a_closed_set():
    # the three peaks of the phase current, and the same three of the residual current a
    # ground element measures (C8's ground rows)
    assert {p.value for p in LoadPeak} == {CHARGING_PEAK, IMPORT_PEAK, EXPORT_PEAK} | {
        p.value for p in LoadPeak if p.name.startswith("RESIDUAL_")}
    assert len(LoadPeak) == 6


def test_charging_cap_is_the_chargers_rating_or_the_transformer():
    class Site:
        n_chargers, p_charger_kw, interconnection_transformer = 48, 125.0, None

    assert site_charging_cap_kw(Site()) == pytest.approx(6000.0)

    class Tr:
        sn_kva = 2500.0

    Site.interconnection_transformer = Tr()
    assert site_charging_cap_kw(Site()) == pytest.approx(2500.0)


def _row(mech, attribution="new", scenario="day/firm"):
    return {"criterion": "C8", "status": "fail", "attribution": attribution,
            "scenario": scenario, "fault_bus": "", "fault_type": "", "case": "",
            "device": "R-F1", "other_device": "", "margin": -100.0, "margin_unit": "A",
            "limit": 266.7, "mechanism": mech, "p_charging_kw": 6000.0 if mech ==
            CHARGING_PEAK else 0.0, "time_h": 20.0, "load_fraction": 0.9, "message": "m"}


def test_findings_say_charging_for_a_charging_peak_only():
    rows = pd.DataFrame([_row(CHARGING_PEAK), _row(EXPORT_PEAK, scenario="firm/light/100%"),
                         _row(IMPORT_PEAK, "pre-existing", "base/peak")])
    f = build_findings(rows).findings.set_index("mechanism")
    assert f.loc[CHARGING_PEAK, "attribution"] == Attribution.CAUSED_CHARGING
    assert f.loc[EXPORT_PEAK, "attribution"] == Attribution.CAUSED
    assert f.loc[IMPORT_PEAK, "attribution"] == Attribution.PRE_EXISTING
    both = pd.DataFrame([_row(CHARGING_PEAK), _row(CHARGING_PEAK, "pre-existing")])
    assert build_findings(both).findings["attribution"].item() == Attribution.WORSE_CHARGING


def test_no_pickup_raise_for_a_charging_peak(depot_study):
    doc = depot_study.document
    finding = {"criterion": "C8", "device": "R-F1", "other_device": ""}
    export = candidates({**finding, "mechanism": EXPORT_PEAK}, doc.devices, doc.v2g_sites)
    assert export and all(c.family is Family.PICKUP for c in export)
    assert candidates({**finding, "mechanism": CHARGING_PEAK}, doc.devices,
                      doc.v2g_sites) == []


def test_depot_evening_peak_is_a_charging_peak(depot_result):
    v = depot_result.violations
    c8 = v[(v.criterion == "C8") & (v.status == "fail")].set_index("scenario")
    day = c8.loc["day/firm"]
    assert day.mechanism == CHARGING_PEAK
    # the depot's 48 × 125 kW = 6,000 kW, all behind R-F1, charging at 20:00: never more
    # than the site's rating
    assert day.p_charging_kw == pytest.approx(6000.0)
    assert "vehicle charging" in day.message and "V2G" not in day.message
    # review s15: the row says what charging it assumes, and when
    assert "20:00, step 80" in day.message
    assert "depot 6,000 kW = 48 × 125 kW: every participating vehicle charging at its " \
        "charger's rating" in day.message
    assert c8.loc["firm/light/100%"].mechanism == EXPORT_PEAK
    # R-F2 has no site behind it: its rows (if any) are never charging peaks
    assert not ((v.criterion == "C8") & (v.device == "R-F2")
                & (v.mechanism == CHARGING_PEAK)).any()


def test_memo_states_the_charging_assumption():
    # review s15: "the charging peak assumes all 48 buses at 125 kW at 20:00 — the memo
    # should state it" (Summary §8, from the worst C8 charging row)
    from protv2g.report.summary_faults import charging_assumption

    rows = pd.DataFrame([_row(CHARGING_PEAK), _row(EXPORT_PEAK, scenario="firm/light/100%")])
    text = charging_assumption(rows)
    assert "every participating vehicle (participation × n_chargers) charges at its " \
        "charger's rating" in text
    assert "R-F1 at 20:00 (scenario day/firm), 6,000 kW of charging" in text
    assert charging_assumption(rows[rows.mechanism == EXPORT_PEAK]) == ""
