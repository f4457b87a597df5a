"""A candidate's checks re-run only where its changes can move them give the full re-run's
rows (:mod:`protv2g.recommend.incremental`).

Every partial re-run of the search is compared with a full re-run of every check
(``evaluator.VERIFY``: :func:`protv2g.recommend.evaluator.compare_runs` — the same rows, every
column but the group numbers, margins within 1e-12, the same coordination table), for every
candidate of the shipped examples' searches and of EPRI J1's small study (its devices and
sites as review rev36b drafted them, firm participation at light load, export 0 and 100 %;
``tests/data/j1_small``, on the J1 model of ``../shared``).
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import protv2g.recommend.search as search_module
from protv2g import load_study
from protv2g.pipeline import fault_tables, study_flow
from protv2g.recommend import evaluator, incremental, recommend
from protv2g.recommend.change import Change, Family
from protv2g.scenarios import build_scenarios
from protv2g.units import DeviceKind

from .conftest import FEEDERS_DIR, REAL_FEEDERS_DIR, need_dss_master

EXAMPLES = sorted(FEEDERS_DIR.glob("*/study.yaml"))
J1_SMALL = Path(__file__).resolve().parent / "data" / "j1_small"


def _verified_search(path: Path, monkeypatch, max_tries: int = 14) -> tuple[object, object]:
    """``recommend`` on the study at ``path`` with every partial re-run compared with a full
    one; (the result, the evaluator). ``max_tries``: the search's re-run limit per finding
    (kept small on the real feeder: each verified run is a full one too)."""
    made = []

    class Recorded(evaluator.Evaluator):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            made.append(self)

    monkeypatch.setattr(evaluator, "VERIFY", True)
    monkeypatch.setattr(search_module, "Evaluator", Recorded)
    monkeypatch.delenv(evaluator.FULL_ENV, raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(path)
        scenarios = build_scenarios(study.document)
        faults = fault_tables(study, scenarios, phasors=True)
        flow = study_flow(study)
        rec = recommend(study, faults, flow, scenarios=scenarios, max_tries=max_tries)
    return rec, made[0]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_partial_reruns_equal_full_reruns_on_the_examples(path, monkeypatch):
    # four re-runs a finding: every candidate verified at the default 14 took 41 min for the
    # six examples on a loaded 2-core machine
    rec, ev = _verified_search(path, monkeypatch, max_tries=4)
    # every partial re-run was compared (an AssertionError otherwise); the study's own run
    # and a V2G site's change are full runs
    assert ev.n_verified == ev.n_partial
    assert ev.n_partial <= ev.n_runs


def test_partial_reruns_equal_full_reruns_on_j1(tmp_path, monkeypatch):
    model = need_dss_master(REAL_FEEDERS_DIR / "EPRI_J1" / "Master_withPV.dss").parent
    folder = tmp_path / "j1"
    folder.mkdir()
    for name in ("study_small.yaml", "depot.dss"):
        shutil.copy(J1_SMALL / name, folder / name)
    shutil.copytree(model, folder / "EPRI_J1")  # a linked model is refused
    # three re-runs a finding (the search's default 14 made this test 40 min on a loaded
    # 2-core machine; every partial run is compared with a full one)
    rec, ev = _verified_search(folder / "study_small.yaml", monkeypatch, max_tries=3)
    assert ev.n_partial >= 10  # J1's search re-checks tens of candidates
    assert ev.n_verified == ev.n_partial


def test_the_plan_follows_the_change():
    """A relay's reclose intervals: C10 alone; a pickup: every criterion that reads settings
    but C7 and C12; a V2G site's change: a full run (None)."""
    class Spec:
        def __init__(self, name, kind):
            self.name, self.kind = name, kind

    devices = [Spec("R", DeviceKind.RELAY), Spec("RC", DeviceKind.RECLOSER)]
    reclose = Change("devices", "R", "reclose_intervals_s", [0.5], [3.5],
                     Family.RECLOSE_INTERVAL, 0.1)
    assert incremental.plan([reclose], devices).criteria == frozenset({"C10"})
    rc_reclose = Change("devices", "RC", "reclose_intervals_s", [0.5, 2, 2], [3.5, 2, 2],
                        Family.RECLOSE_INTERVAL, 0.1)
    assert "C2" in incremental.plan([rc_reclose], devices).criteria  # a recloser's model
    pickup = Change("devices", "R", "pickup_a", 400, 450, Family.PICKUP, 0.1)
    p = incremental.plan([pickup], devices)
    assert p.devices == frozenset({"R"})
    assert p.criteria == frozenset({"C1", "C2", "C3", "C4", "C5", "C6", "C8", "C9", "C10"})
    site = Change("v2g_sites", "depot", "cease_to_energize_s", 2.0, 1.0,
                  Family.RIDE_THROUGH, 1.5)
    assert incremental.plan([site], devices) is None
    assert incremental.plan([Change("devices", "X", "pickup_a", 1, 2, Family.PICKUP, 0.1)],
                            devices) is None


def test_compare_runs_names_a_difference():
    v = pd.DataFrame({"criterion": ["C1"], "margin": [-0.1], "bus_group": [3]})
    c = pd.DataFrame({"primary": ["A"], "backup": ["B"], "margin_s": [0.2]})
    same = incremental.CheckRun(v.assign(bus_group=7), c)
    evaluator.compare_runs(same, incremental.CheckRun(v, c))  # the group numbers aside
    off = incremental.CheckRun(v.assign(margin=-0.1 + 1e-9), c)
    with pytest.raises(AssertionError, match="margin"):
        evaluator.compare_runs(off, incremental.CheckRun(v, c))
