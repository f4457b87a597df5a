"""The five planning-case studies run end to end and each shows a finding to act on.

Pipeline as ``run_study`` wires it (:mod:`protv2g.pipeline`): load → scenarios → fault
tables → ``run_checks``, here without a flow result (C8/C12 are ``not_evaluated`` rows).
"""

from __future__ import annotations

import warnings

import pytest

from protv2g.checks import run_checks
from protv2g.pipeline import fault_tables
from protv2g.scenarios import build_scenarios
from protv2g.study.loader import load_study
from tests.conftest import FEEDERS_DIR

#: case folder → a criterion that must show a V2G-attributed (new/worse) finding
CASES = {
    "depot_two_feeder": "C6",
    "residential_evening_peak": "C10",
    "workplace_pv_midday": "C11",
    "weak_end_of_line": "C10",
    "aggregated_fleet": "C2",
}


def _run(study, **updates):
    if updates:
        study = study.with_updates(**updates)
    scenarios = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        faults = fault_tables(study, scenarios)
    return run_checks(study, faults, None, scenarios)


@pytest.mark.parametrize("case", sorted(CASES))
def test_example_runs_and_shows_a_v2g_finding(case: str) -> None:
    v, coord = _run(load_study(FEEDERS_DIR / case / "study.yaml"))
    assert not coord.empty
    act = v[v.attribution.isin(["new", "worse"]) & v.status.isin(["fail", "warn"])]
    assert CASES[case] in set(act.criterion), act.criterion.value_counts()
    # without a flow result C8 and C12 cannot be evaluated, and say so
    cne = v[v.status == "not_evaluated"]
    assert {"C8", "C12"} <= set(cne.criterion)


@pytest.fixture(scope="module")
def depot():
    return load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml")


def test_depot_sympathetic_tripping_threshold(depot) -> None:
    """Depot alone, firm participation, peak load: R-F1 trips for F2 faults at 6.0 MW of
    export (R-F1 sees ≈ 2.0 pu × 6 MW / (√3 · 12.47 kV) ≈ 556 A fed back) but not at 5.0 MW."""
    sites = [s for s in depot.raw["v2g_sites"] if s["name"] == "depot"]
    v, _ = _run(depot, v2g_sites=sites, scenarios={"export_levels_kw": [5000.0, 6000.0],
                                                   "participation": ["firm"],
                                                   "load_levels": ["peak"]})
    c6 = v[(v.criterion == "C6") & (v.status == "fail")]
    assert set(c6.scenario) == {"firm/peak/6000 kW"}
    assert set(c6.device) == {"R-F1"} and set(c6.other_device) == {"R-F2"}
    assert (c6.i_device_a > 400.0).all() and (c6.attribution == "new").all()
    assert c6.i_device_a.min() == pytest.approx(2.0 * 6.0e6 / (3**0.5 * 12.47e3), rel=0.05)


def test_depot_fuse_saving_lost_behind_campus(depot) -> None:
    """The campus at F1-B05 sits between RC-F1 and FU-F1-LAT2: the fuse sees more than the
    recloser and the fuse-saving margin shrinks.

    Since #17 (101 clearing = points + 0.042 s mechanism; EEI-NEMA 40K minimum melt) fuse
    saving of the 40K laterals fails already without V2G at their max-case fault currents
    (0.7-1.7 kA: MM 16-50 ms < 1.35 x 57-60 ms), so the V2G rows are "worse", not "new"."""
    v, coord = _run(depot, scenarios={"export_levels_fraction": [0.0, 1.0],
                                      "participation": ["firm"], "load_levels": ["light"]})
    c2 = v[(v.criterion == "C2") & v.message.str.contains("fuse saving lost")]
    base = c2[c2.scenario.str.startswith("base")]
    assert not base.empty and (base.attribution == "pre-existing").all()
    worse = c2[c2.attribution == "worse"]
    assert not worse.empty
    assert set(worse.device) == {"RC-F1"} and set(worse.other_device) == {"FU-F1-LAT2"}
    assert (worse.i_other_a > worse.i_device_a).all()  # fuse current above the recloser's
