"""The "Charger stages" sheet shows the stage currents of the finding's own bracket.

Review rev40a W3 (EPRI J1): F05, a C5 finding of the *high* bracket ("head-temp_sub sees
668 A … sustained stage … high bracket"), had Charger stages rows with the *low* bracket's
currents: the depot at 101.86 A sustained (1.1 pu of 2,000 kVA at 12.47 kV) and the head at
673.4 A, while the finding's own figure was the high bracket's (1.2 pu → 111.1 A; 668 A).

Reference (hand calculation, not protv2g): the shipped OpenDSS example's lot-b2 site is 20 ×
75 kW = 1,500 kVA at 12.47 kV, rated current 1,500 / (√3 · 12.47) = 69.449 A. For a 3ph fault
at b3 (min case) its units sit at their limits: first cycle ``limit_pu`` 1.2 → 83.34 A,
sustained ``sustained_limit_pu`` 1.1 (default) → 76.39 A in the low bracket and
``sustained_limit_high_pu`` 1.2 (default) → 83.34 A in the high bracket.
"""

from __future__ import annotations

import math

import pytest

import protv2g
from protv2g.pipeline import fault_tables, study_with_sites
from protv2g.scenarios import build_scenarios
from protv2g.stage_report_dss import dss_staged_device_table

from .conftest import FEEDERS_DIR

I_RATED_A = 1500.0 / (math.sqrt(3) * 12.47)  # 69.449 A


@pytest.fixture(scope="module")
def tables():
    study = study_with_sites(protv2g.load_study(FEEDERS_DIR / "opendss_example" / "study.yaml"))
    scenarios = build_scenarios(study.document)
    return study, {s.name: s for s in scenarios}, fault_tables(study, scenarios, staged=True)


@pytest.mark.parametrize(("bracket", "pu"), [("low", 1.1), ("high", 1.2), ("", 1.1)])
def test_the_sustained_stage_is_the_findings_own_bracket(tables, bracket, pu):
    study, by_name, faults = tables
    t = dss_staged_device_table(study, faults, "r1", "b3", "3ph", "min",
                                by_name["firm/light/100%"], bracket=bracket)
    first, sustained = (t[t["stage_name"] == s].iloc[0] for s in ("first_cycle", "sustained"))
    assert set(t["currents_bracket"]) == {"high" if bracket == "high" else "low"}
    assert first["i_lot-b2_a"] == pytest.approx(1.2 * I_RATED_A, rel=1e-5)
    assert sustained["i_lot-b2_a"] == pytest.approx(pu * I_RATED_A, rel=1e-5)
    # the times stay both brackets' whichever currents are shown
    assert sustained["t_op_high_s"] >= sustained["t_op_staged_s"]


def test_a_high_bracket_finding_is_tabulated_with_the_high_currents(tables):
    """Through :func:`time_findings`: the worst row's bracket reaches the table."""
    import pandas as pd

    from protv2g.stage_report_dss import dss_findings_stage_table

    study, by_name, faults = tables
    v = pd.DataFrame([{"criterion": "C5", "status": "warn", "attribution": "new",
                       "device": "r1", "other_device": "", "rule": "", "scenario":
                       "firm/light/100%", "fault_bus": "b3", "fault_type": "3ph",
                       "case": "min", "bracket": "high", "margin": -0.1,
                       "margin_unit": "× pickup", "t_device_s": float("nan")}])
    t = dss_findings_stage_table(study, v, list(by_name.values()), faults)
    sustained = t[t["stage_name"] == "sustained"].iloc[0]
    assert sustained["currents_bracket"] == "high"
    assert sustained["i_lot-b2_a"] == pytest.approx(1.2 * I_RATED_A, rel=1e-5)


def test_the_sequence_path_shows_the_high_brackets_stage_too():
    """The pandapower (sequence-network) path of the sheet (:func:`protv2g.stage_report
    .staged_device_table`), the shipped depot: R-F1 for a 3ph fault at F2-B03, firm/full
    export. Sustained stage by hand: depot 48 × 125 kVA, campus 0.9 × 40 × 50 kVA at 12.47 kV,
    at 1.1 pu (low) → 305.57 A and 91.67 A, at 1.2 pu (high) → 333.35 A and 100.01 A; the
    feeder current from the sites alone (F2-B03 is fed through F1's head), their sum."""
    import warnings

    from protv2g.stage_report import staged_device_table

    depot = protv2g.load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml")
    kv = math.sqrt(3) * 12.47
    for bracket, pu in (("low", 1.1), ("high", 1.2)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = staged_device_table(depot, "R-F1", "F2-B03", fault_types=["3ph"],
                                    bracket=bracket)
        s = t[t["stage_name"] == "sustained"].iloc[0]
        assert s["currents_bracket"] == bracket
        assert s["i_depot_a"] == pytest.approx(pu * 48 * 125 / kv, rel=1e-5)
        assert s["i_campus_a"] == pytest.approx(pu * 36 * 50 / kv, rel=1e-5)
        assert s["i_phase_a"] == pytest.approx(pu * (48 * 125 + 36 * 50) / kv, rel=5e-3)
