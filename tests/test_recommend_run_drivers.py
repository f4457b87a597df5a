"""``protv2g run --recommend``: the charging caps read each site alone from the run's Site
drivers table, not from solves of their own (session 51; the run already has the table).

The depot (feeders/depot_two_feeder, two sites): F05's C12 under-voltage at F1-LAT2-B2 with the
sites charging (charging/firm) — the cap for any split, set by the campus (each site alone:
0.941046 / 0.940773 pu, pandapower ``runpp`` of the same snapshot, c12d50) — and the C8
charging peak on R-F1. The cap from the run's table is the cap solved afresh, to the text, and
no power flow is solved for it (counted at :meth:`protv2g.flow.FlowSolver.solve`); a finding
the table has no rows of is solved as before.
"""

from __future__ import annotations

import math
import warnings

import pytest

import protv2g.flow.powerflow as powerflow
from protv2g import load_study, run_study
from protv2g.findings_sites import SITE_DRIVERS
from protv2g.recommend.no_change import no_change_cap
from protv2g.report.derived import result_findings
from protv2g.scenarios import build_scenarios

from .conftest import FEEDERS_DIR


@pytest.fixture(scope="module")
def depot():
    study = load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, hosting=False)
    return study, result, result_findings(result)


def _counted(monkeypatch) -> list[int]:
    calls = [0]
    solve = powerflow.FlowSolver.solve

    def counting(self, *args, **kwargs):
        calls[0] += 1
        return solve(self, *args, **kwargs)

    monkeypatch.setattr(powerflow.FlowSolver, "solve", counting)
    return calls


@pytest.mark.parametrize("criterion", ["C12", "C8"])
def test_the_cap_from_the_runs_table_is_the_solved_cap_without_a_solve(depot, monkeypatch,
                                                                       criterion) -> None:
    study, result, fi = depot
    drivers = result.tables[SITE_DRIVERS]
    scen = build_scenarios(study.document)
    f = fi.findings
    rows = f[(f.criterion.astype(str) == criterion)
             & (f.worst_scenario.astype(str).str.startswith("charging"))]
    assert len(rows), f[["finding", "criterion", "worst_scenario"]]
    row = rows.iloc[0]
    calls = _counted(monkeypatch)
    solved = no_change_cap(row, fi.evidence, study, scen)
    n_solved = calls[0]
    calls[0] = 0
    read = no_change_cap(row, fi.evidence, study, scen, drivers)
    assert calls[0] == 0  # old code: no drivers argument (TypeError), the flows solved again
    assert n_solved >= 1
    assert math.isfinite(read.kw) and read.kw == solved.kw and read.text == solved.text
    if criterion == "C12":
        assert read.kw == 914.0  # campus alone: 1,800 × 0.009534 / 0.018761 (rev50b #2)
    # a finding the table has no rows of: solved as before
    other = drivers.assign(scenario="elsewhere")
    calls[0] = 0
    again = no_change_cap(row, fi.evidence, study, scen, other)
    assert calls[0] == n_solved and again.text == solved.text
