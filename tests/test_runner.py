"""run_study on the depot example: engine results wired in, cross-checked with calc_sc."""

from __future__ import annotations

import numpy as np
import pytest

import protv2g
from protv2g.network.pp_reference import calc_sc_bus_table

from .conftest import FEEDERS_DIR

DEPOT = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"


@pytest.fixture(scope="module")
def study(depot_study):
    return depot_study


@pytest.fixture(scope="module")
def result(depot_result):
    return depot_result  # run_study(depot, hosting=True), once per test run (conftest)


def test_every_scenario_bus_type_case(result, study):
    doc = study.document
    # every bus of the net and one close-in position just past each device on a line (#17)
    n_pos = len(study.net.bus) + sum(s.element == "line" for s in study.device_sites.values())
    n = len(result.scenarios) * n_pos * len(doc.faults.fault_types) * len(doc.faults.cases)
    assert len(result.fault_currents) == n
    assert set(result.fault_currents.scenario) == set(result.scenarios.scenario)


def test_base_case_matches_pandapower_calc_sc(result, study):
    # Reference: pandapower.shortcircuit.calc_sc (IEC 60909), same net; tolerance 1e-6 relative
    # (the engine reuses pandapower's element models, so only round-off may differ).
    ref = calc_sc_bus_table(study.net, cases=("max",))
    base = result.fault_currents.query("scenario == 'base/peak' and case == 'max'")
    merged = base.merge(ref, on=["bus", "fault_type", "case"], suffixes=("", "_pp"))
    assert len(merged) == 3 * len(study.net.bus)
    np.testing.assert_allclose(merged.ikss_ka, merged.ikss_ka_pp, rtol=1e-6)


def test_depot_export_raises_fault_current_at_its_bus(result):
    fc = result.fault_currents.query("bus_name == 'F1-B02' and fault_type == '3ph' and "
                                     "case == 'max'").set_index("scenario").ikss_ka
    assert fc["firm/peak/100%"] > fc["base/peak"]


def test_device_faults_cover_every_device(result, study):
    assert set(result.device_faults.device) == {d.name for d in study.document.devices}


def test_study_net_not_modified(study, result):
    # ``result`` ran every stage (hosting included) on ``study``: its net is as loaded
    fresh = protv2g.load_study(DEPOT).net
    for table in ("bus", "line", "trafo", "ext_grid", "load", "sgen", "switch"):
        assert study.net[table].equals(fresh[table]), table
    assert "res_bus_sc" not in study.net or study.net.res_bus_sc.empty
