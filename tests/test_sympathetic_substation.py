"""C6 at the substation bus (review s19, EPRI ckt24 §3.6): a site's grounded-wye transformer
feeds 3I0 back through the feeder relay's 51G for a ground fault on the substation bus, where no
clearing device is modelled. C6 skipped those faults; it now judges the feeder relay against
the substation's own protection: a warning on the stated bracket's slow end when the study does
not give ``checks.substation_clearing_s``, a failure on the study's value when it does."""

from __future__ import annotations

import numpy as np
import pytest

from protv2g import load_study, run_study
from protv2g.checks.sympathetic import SUBSTATION_CLEARING_BRACKET_S, SUBSTATION_PROTECTION

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"


def _with_grounding_transformer(**checks):
    study = load_study(DEPOT)
    sites = [s.model_dump(exclude_none=True) for s in study.document.v2g_sites]
    # 7.5 MVA YNd: its grounded HV winding is a zero-sequence source on the feeder
    sites[0]["interconnection_transformer"] = {"sn_kva": 7500, "connection": "YNd"}
    return study.with_updates(v2g_sites=sites, **({"checks": checks} if checks else {}))


def _substation_rows(result):
    v = result.violations
    return v[(v.criterion == "C6") & (v.other_device == SUBSTATION_PROTECTION)]


@pytest.fixture(scope="module")
def assumed():
    return run_study(_with_grounding_transformer(), hosting=False)


def test_ground_fault_on_the_substation_bus_is_warned_on_the_assumed_clearing(assumed):
    rows = _substation_rows(assumed)
    assert len(rows) and set(rows.status) == {"warn"} and set(rows.device) == {"R-F1"}
    assert set(rows.fault_bus) == {"SUB-12kV"}
    # the YNd's 3I0 trips R-F1 with every charger idle too: the project's equipment's, not
    # V2G's (review rev36a M1; was ``new``, "caused by V2G")
    assert set(rows.attribution) == {"equipment"}
    assert all("; the project's equipment's: with every charger idle" in m
               and "(67N) at R-F1 — not the chargers or their export" in m
               for m in rows.message)
    t_clear = SUBSTATION_CLEARING_BRACKET_S[1]
    np.testing.assert_allclose(rows.t_other_s.astype(float), t_clear)
    # margin = t − t_clear − CTI (relay–relay, numerical: 0.2 s, IEEE 242 cl. 15)
    np.testing.assert_allclose(rows.margin.astype(float),
                               rows.t_device_s.astype(float) - t_clear - 0.2, atol=1e-9)
    assert all("give checks.substation_clearing_s" in m for m in rows.message)
    # the gate does not fail on a stated assumption
    assert not any("substation protection" in r for r in assumed.meta["gate"]["reasons"]
                   if r.startswith("fail:"))


def test_the_51g_time_by_hand(assumed):
    """IEEE C37.112 very inverse, R-F1's 51G: pickup 120 A, time dial 2.0 (the study file):
    t = TD · (19.61 / (M² − 1) + 0.491) at M = 3I0 / 120 A."""
    r = _substation_rows(assumed)
    worst = r.loc[r.margin.astype(float).idxmin()]
    d = assumed.device_faults
    row = d[(d.device == "R-F1") & (d.scenario == worst.scenario)
            & (d.fault_bus_name == "SUB-12kV") & (d.fault_type.astype(str) == worst.fault_type)
            & (d.case.astype(str) == worst.case)]
    m = 1e3 * float(row.i3i0_ka.iloc[0]) / 120.0
    t_hand_s = 2.0 * (19.61 / (m * m - 1.0) + 0.491)
    assert float(worst.t_device_s) == pytest.approx(t_hand_s, rel=0.02)


def test_a_given_clearing_time_makes_the_rows_fail():
    rows = _substation_rows(run_study(_with_grounding_transformer(substation_clearing_s=1.5),
                                      hosting=False))
    assert len(rows) and set(rows.status) == {"fail"}
    np.testing.assert_allclose(rows.t_other_s.astype(float), 1.5)
    assert all("(checks.substation_clearing_s)" in m for m in rows.message)


def test_no_grounding_source_no_substation_row():
    """Without the transformer the chargers' own current (1.5 pu at most) stays far below
    pickup at the substation bus: no row."""
    assert _substation_rows(run_study(load_study(DEPOT), hosting=False)).empty
