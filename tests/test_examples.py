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
    "depot_two_feeder": "C10",
    "residential_evening_peak": "C10",
    "workplace_pv_midday": "C11",
    "weak_end_of_line": "C10",
    # #17: its C2 rows (RC delayed 133 vs 65K at the minimum SLG on the laterals) fail
    # without V2G too and V2G moves their margins by less than the devices' timing
    # tolerance (they are pre-existing, 144 rows); the finding V2G causes is reclosing into
    # sites behind RC-A/RC-B (C10)
    "aggregated_fleet": "C10",
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
    """Depot alone, peak load. The first cycle is sized by the chargers ONLINE, not by the
    export (#16, docs/charger-fault-model.md): with firm participation all 48 × 125 kVA are
    online at 5.0 and at 6.0 MW. With the first-cycle limit held (``first_cycle_held``) R-F1
    sees ≈ 2.0 pu × 6 MVA / (√3 · 12.47 kV) ≈ 556 A fed back for F2 faults (above its 400 A
    pickup) at both exports: C6 at both. With the default brackets the 556 A lasts one cycle
    and then at most 1.2 pu (333 A < 400 A) flows: no C6. With low participation (0.5 × 48 =
    24 online, 3 MVA: ≈ 278 A < 400 A) R-F1 never picks up even held: no C6, even at the
    3.0 MW the online chargers can export."""
    sites = [s for s in depot.raw["v2g_sites"] if s["name"] == "depot"]
    scen = {"export_levels_kw": [5000.0, 6000.0], "participation": ["firm"],
            "load_levels": ["peak"]}
    held = {**depot.raw["faults"], "high_bracket": "first_cycle_held"}
    v, _ = _run(depot, v2g_sites=sites, scenarios=scen)
    assert v[(v.criterion == "C6") & (v.status == "fail")].empty
    v, _ = _run(depot, v2g_sites=sites, scenarios=scen, faults=held)
    c6 = v[(v.criterion == "C6") & (v.status == "fail")]
    assert set(c6.scenario) == {"firm/peak/5000 kW", "firm/peak/6000 kW"}
    assert set(c6.device) == {"R-F1"} and set(c6.other_device) == {"R-F2"}
    assert (c6.i_device_a > 400.0).all() and (c6.attribution == "new").all()
    i_hand_a = 2.0 * 48 * 125e3 / (3**0.5 * 12.47e3)
    assert c6.i_device_a.min() == pytest.approx(i_hand_a, rel=0.05)
    low, _ = _run(depot, v2g_sites=sites, scenarios={"export_levels_kw": [3000.0],
                                                     "participation": ["low"],
                                                     "load_levels": ["peak"]}, faults=held)
    assert low[(low.criterion == "C6") & (low.status == "fail")].empty


def test_depot_fuse_saving_lost_behind_campus(depot) -> None:
    """The campus at F1-B05 sits between RC-F1 and FU-F1-LAT2: the fuse sees more than the
    recloser and the fuse-saving range shrinks.

    Since #17 (101 clearing = points + 0.042 s mechanism; EEI-NEMA 40K minimum melt; K = 1.80
    for RC-F1's 2 fast shots and 0.5-s first reclose) fuse saving of the 40K laterals fails
    already without V2G at their larger fault currents. trust_checks: those currents lie above
    the crossover of the fuse's minimum melt with RC-F1's fast curve × K (the fuse-saving range
    280 … 521 A): saving is impossible there by design, with or without V2G — ``info`` rows
    (were "fuse saving lost" ``fail`` rows, pre-existing: gate conditions). No fault saved
    without V2G is lost with it; the campus narrows FU-F1-LAT2's range (a ``warn``)."""
    from protv2g.checks.fuse_saving_range import SavingMechanism

    v, coord = _run(depot, scenarios={"export_levels_fraction": [0.0, 1.0],
                                      "participation": ["firm"], "load_levels": ["light"]})
    c2 = v[(v.criterion == "C2") & (v.rule == "fuse_saving_k")]
    assert not (c2.status == "fail").any()
    above = c2[c2.mechanism == SavingMechanism.ABOVE_CROSSOVER.value]
    assert not above.empty and (above.status == "info").all()
    assert (above.attribution == "pre-existing").all()
    base = above[above.scenario.str.startswith("base")]
    lat2 = above[(above.other_device == "FU-F1-LAT2") & ~above.scenario.str.startswith("base")]
    assert not base.empty and not lat2.empty
    assert (lat2.rule_value == 1.80).all() and (lat2.i_other_a > 521.0).all()
    assert (lat2.i_other_a > lat2.i_device_a + 1.0).any()  # fuse current above the recloser's
    shrunk = v[(v.criterion == "C2") & (v.mechanism == SavingMechanism.RANGE_SHRUNK.value)]
    assert set(shrunk.other_device) == {"FU-F1-LAT2"} and (shrunk.status == "warn").all()
    save = coord[coord.check.str.startswith("fuse saving: K") & (coord.backup == "RC-F1")]
    assert (save.data_boundary != "").all()


def test_weak_regulator_is_no_ground_source() -> None:
    """Weak end-of-line: REG-1 (a step-voltage regulator, YNyn in the model) is no ground
    source, so on this radial feeder the substation is the only zero-sequence source and
    R-HEAD carries the whole 3I0 of every ground fault (Kirchhoff; IEC 60909 neglects loads).
    With the former ``mag0_percent = 100`` (Zm0 = 1 pu = 31 Ω at B03) R-HEAD's 51G saw
    2.7 A of 162 A for a minimum SLG at B04. Reference for the bus values: pandapower
    ``calc_sc(fault="1ph", case="max")`` on the same feeder.json gives 0.6437 kA at B03 and
    0.4667 kA at B04 (run for the #16/#17 review); with the regulator as a grounding bank it
    gave 1.3129 / 0.7476 kA, above the 3ph 0.8929 / 0.6526 kA 20 km down a 1/0 line."""
    study = load_study(FEEDERS_DIR / "weak_end_of_line" / "study.yaml")
    base = [s for s in build_scenarios(study.document) if s.name.startswith("base")][:1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ft = fault_tables(study, base, staged=False)
    bus, dev = ft.bus, ft.device
    head = dev[(dev.device == "R-HEAD") & dev.fault_type.isin(["SLG", "LLG"])]
    merged = head.merge(bus, left_on=["fault_bus_name", "fault_type", "case"],
                        right_on=["bus_name", "fault_type", "case"], suffixes=("_dev", "_bus"))
    beyond = merged[merged.fault_bus_name.isin(["B03", "B03R", "B04", "B07"])]
    assert len(beyond) == 16
    assert beyond.i3i0_ka_dev.to_numpy() == pytest.approx(beyond.i3i0_ka_bus.to_numpy(),
                                                          rel=0.01)
    slg = bus[(bus.fault_type == "SLG") & (bus.case == "max")].set_index("bus_name").ikss_ka
    assert slg["B03"] == pytest.approx(0.6437, rel=0.005)
    assert slg["B04"] == pytest.approx(0.4667, rel=0.005)
