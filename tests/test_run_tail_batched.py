"""The runner's work after the checks, done once for many rows (#21): the Charger stages
table's findings solved in one engine call per fault type and case, the input bases and the
drafted inputs' texts from one pass, the gate's worst rows from one sort — each the same
values as the per-finding / per-function / per-group way it replaces."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g.gate_reasons import ReasonRows
from protv2g.input_basis import (
    InputBases,
    confirm_texts,
    input_basis_columns,
    tag_input_basis,
)

from .conftest import REPO_DIR

#: two time-based findings (of two fault types; put on one below, to share a call)
WEAK = REPO_DIR / "feeders" / "weak_end_of_line" / "study.yaml"


@pytest.fixture(scope="module")
def weak_run():
    from protv2g import load_study
    from protv2g.checks import check_study
    from protv2g.pipeline import fault_tables, study_flow, study_with_sites
    from protv2g.scenarios import build_scenarios

    study = study_with_sites(load_study(WEAK))
    scenarios = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        faults = fault_tables(study, scenarios)
        violations = check_study(study, faults, study_flow(study), scenarios)[0]
    return study, scenarios, faults, violations


def test_findings_batched_equal_one_call_per_finding(weak_run) -> None:
    from protv2g.network.fault_positions import close_in_study
    from protv2g.stage_report import findings_stage_table, staged_device_table, time_findings

    study, scenarios, faults, violations = weak_run
    found = time_findings(violations, scenarios)
    assert len(found) >= 2
    # every row on the first finding's fault type and case: the findings share one call
    violations = violations.assign(fault_type=found[0].fault_type, case=found[0].case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = findings_stage_table(study, violations, scenarios, close_in=faults.close_in,
                                     networks=faults.networks)
        by_name = {sc.name: sc for sc in scenarios}
        net_study = close_in_study(study, faults.close_in)
        found = time_findings(violations, scenarios)
        assert len({(f.fault_type, f.case) for f in found}) < len(found)  # calls shared
        assert len({f.fault_bus for f in found}) > 1 or len({f.device for f in found}) > 1
        one_by_one = pd.concat(
            [staged_device_table(net_study, f.device, f.fault_bus, fault_types=[f.fault_type],
                                 cases=[f.case], scenario=by_name[f.scenario],
                                 t_shown_s=f.t_shown_s, t_scale=f.t_scale)
             .assign(finding=f.label, **f.keys) for f in found], ignore_index=True)
    pd.testing.assert_frame_equal(table, one_by_one[table.columns], check_exact=True)


def test_input_basis_columns_equal_the_two_functions() -> None:
    rows = pd.DataFrame({
        "criterion": ["C12", "C7", "C2", "C10", "C12", "C3"],
        "status": ["fail", "fail", "warn", "fail", "info", "not_evaluated"],
        "device": ["line.a", "F1", "A", "A", "transformer.T1", "F2"],
        "other_device": ["", "", "F1", None, "", "A"],
        "fault_type": ["", "SLG-a", "LLG-bc", "", "", "3ph"],
        "case": ["", "max", "min", "min", "", "min"],
        "margin_unit": ["A", "kA", "s", "s", "%", "s"],
        "scenario": ["firm/peak/100%", *["firm/light/100%"] * 5],
        "data_boundary": ["", "", "verdict flips inside F1's TC band", "", "", ""]})
    rows["criterion"] = rows["criterion"].astype("category")
    bases = InputBases(frozenset({"line.a"}), frozenset({"F2"}),
                       {"interrupting_rating_ka": frozenset({"F1"}),
                        "location": frozenset({"A"}), "ground_min_trip_a": frozenset({"A"})},
                       frozenset({"transformer.t1"}), frozenset({"firm/light/100%"}), 20.0)
    basis, todo = input_basis_columns(rows, bases)
    assert basis.tolist() == tag_input_basis(rows, bases).tolist()
    assert todo.tolist() == confirm_texts(rows, bases).tolist()
    assert set(basis) >= {"default", "todo", ""}


def test_reason_worst_rows_from_one_sort() -> None:
    rng = np.random.default_rng(3)
    n = 400
    table = pd.DataFrame({
        "criterion": rng.choice(["C1", "C2", "C3"], n), "device": rng.choice(["A", "B"], n),
        "other_device": "", "status": "fail", "attribution": rng.choice(["new", "worse"], n),
        "scenario": rng.choice(["s1", "s2", "s3"], n), "fault_bus": rng.choice(["b1", "b2"], n),
        "fault_type": "SLG", "case": "max", "message": "m",
        # ties to 10 significant digits, and NaN
        "margin": rng.choice([-0.1, -0.1 + 1e-15, -0.2, np.nan, 0.3], n)})
    rows = ReasonRows(table, {"s1": 10.0, "s2": 20.0})
    lines = rows.reasons("fail", np.ones(n, bool))
    # each group's line as for that group alone (its own sort)
    alone = []
    for _, g in table.groupby(["criterion", "device"], sort=False):
        alone += ReasonRows(g.reset_index(drop=True), {"s1": 10.0, "s2": 20.0}).reasons(
            "fail", np.ones(len(g), bool))
    assert sorted(lines) == sorted(alone)
