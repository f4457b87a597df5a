"""C5 reach with device rows kept from 1 A (#21): a zone fault the device has no row for is a
row at 0 A that never operates — a reach failure, not a silent pass."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pytest

from protv2g import load_study
from protv2g.checks._common import build_context
from protv2g.checks.sensitivity import check_sensitivity
from protv2g.pipeline import fault_tables
from protv2g.scenarios import build_scenarios

FEEDERS = Path(__file__).resolve().parents[1] / "feeders"


@pytest.fixture(scope="module")
def depot():
    warnings.simplefilter("ignore")
    study = load_study(FEEDERS / "depot_two_feeder" / "study.yaml")
    scenarios = build_scenarios(study.document)
    return study, scenarios, fault_tables(study, scenarios)


def _c5(study, scenarios, faults):
    v = check_sensitivity(build_context(study, faults, None, scenarios))
    return v[v.status.astype(str).isin(("fail", "warn"))]


def test_absent_zone_row_is_a_reach_failure_at_zero_amperes(depot):
    study, scenarios, faults = depot
    before = _c5(study, scenarios, faults)
    ctx = build_context(study, faults, None, scenarios)
    zones = ctx.zones[ctx.zones.zone == "primary"]
    dev = faults.device
    # a min-case row of a primary-zone fault the device sees well above its pickup
    cand = dev[(dev.case.astype(str) == "min") & (dev.fault_type.astype(str) == "3ph")]
    cand = cand.merge(zones.rename(columns={"bus": "fault_bus"}), on=["device", "fault_bus"])
    row = cand.iloc[0]
    drop = ((dev.device == row.device) & (dev.fault_bus == row.fault_bus)
            & (dev.fault_type.astype(str) == "3ph") & (dev.case.astype(str) == "min")
            & (dev.scenario == row.scenario))
    assert drop.sum() == 1
    keep = ~drop.to_numpy()
    pruned = dataclasses.replace(
        faults, device=dev[keep].reset_index(drop=True),
        staged=None if faults.staged is None else faults.staged.take(np.flatnonzero(keep)),
        staged_high=None if faults.staged_high is None else faults.staged_high.take(
            np.flatnonzero(keep)))
    after = _c5(study, scenarios, pruned)
    new = after[(after.device == row.device) & (after.fault_bus == row.fault_bus_name)
                & (after.scenario == row.scenario) & (after.fault_type.astype(str) == "3ph")
                & (after.status.astype(str) == "fail")]
    assert len(new) == 1
    assert float(new.i_device_a.iloc[0]) == pytest.approx(0.0, abs=1e-12)
    assert np.isinf(float(new.t_device_s.iloc[0]))
    # nothing else moved but the reach-drop warning the missing row may add
    assert len(after) >= len(before) + 1
