"""The flow's table builders are public names of :mod:`protv2g.flow.study` (session 51):
:mod:`protv2g.findings_sites_flow` builds its counterfactual tables with them, as the run
does. Reference: pandapower's own ``runpp`` on the same net and load (bus ``vm_pu``, line
``loading_percent``), nothing protv2g computed.
"""

from __future__ import annotations

import copy

import numpy as np
import pandapower as pp
import pytest

from protv2g.flow import FlowSolver
from protv2g.flow.result import BRANCH_COLUMNS, BUS_COLUMNS
from protv2g.flow.study import branch_table, bus_table, fill_unbalanced
from protv2g.study import load_study

from .conftest import REPO_DIR


def test_the_builders_give_the_tables_pandapower_gives() -> None:
    study = load_study(REPO_DIR / "feeders" / "depot_two_feeder" / "study.yaml")
    net = study.net
    lf = np.array([1.0, 0.5])
    p = np.zeros((len(study.site_buses), 2))
    res = FlowSolver(net, study.site_buses).solve(lf, p)
    scen = np.array(["a", "b"], dtype=object)
    buses = bus_table(net, res, scen, np.arange(2), np.full(2, np.nan), np.array([0, 0]))
    branches = branch_table(net, res, scen, np.arange(2), np.full(2, np.nan))
    assert list(buses.columns) == BUS_COLUMNS and list(branches.columns) == BRANCH_COLUMNS
    n_bus = len(net.bus)
    assert len(buses) == 2 * n_bus  # step-major
    assert len(branches) == 2 * (len(net.line) + len(net.trafo))
    # pandapower itself at half load
    ref = copy.deepcopy(net)
    ref.load["scaling"] = ref.load["scaling"] * 0.5
    if "sgen" in ref and len(ref.sgen):
        ref.sgen["in_service"] = False
    pp.runpp(ref)
    got = buses[buses.scenario == "b"].set_index("bus")["vm_pu"]
    want = ref.res_bus.vm_pu.reindex(got.index).to_numpy()
    ok = np.isfinite(want)
    assert got.to_numpy()[ok] == pytest.approx(want[ok], abs=1e-6)
    lines = branches[(branches.scenario == "b") & (branches.element == "line")]
    assert lines.loading_percent.to_numpy() == pytest.approx(
        ref.res_line.loading_percent.to_numpy(), rel=1e-4, abs=1e-6)
    # the dv against the step named as the base: half load against full load, ≥ 0
    assert (buses[buses.scenario == "b"].dv_pu_vs_base.to_numpy()[ok] >= -1e-12).all()
    # a study without single-phase sites: nothing to fill (the balanced fast path)
    meta = {"notes": []}
    before = buses.copy()
    fill_unbalanced(study, lf, p, [], buses, buses.iloc[:0], branches, meta)
    assert buses.equals(before)
