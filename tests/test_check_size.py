"""The study size estimate (#21): its formula, its kept-row count against the rows the engine
keeps, and its faults-stage figure against the traced peak of ``fault_tables`` on a small
study. The calibration of the per-row bytes on large studies is a benchmark
(``benchmarks/bench_memory.py``): memory figures there depend on the machine."""

from __future__ import annotations

import tracemalloc
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

import protv2g.pipeline as pipeline
import protv2g.pipeline_size as pipeline_size
from protv2g import load_study
from protv2g.errors import InputError
from protv2g.scenarios import build_scenarios

DEPOT = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder" / "study.yaml"


def _study(n_bus: int = 100, n_dev: int = 10, types=("3ph", "LL", "SLG", "LLG"),
           cases=("max", "min")) -> SimpleNamespace:
    """The attributes the estimate reads besides :func:`pipeline_size.kept_pairs`."""
    doc = SimpleNamespace(faults=SimpleNamespace(fault_types=list(types), cases=list(cases)),
                          devices=[object()] * n_dev)
    return SimpleNamespace(document=doc, net=SimpleNamespace(bus=range(n_bus)),
                           path="study.yaml")


@pytest.fixture
def pairs(monkeypatch):
    """kept_pairs fixed at 50 (phase faults) and 70 (ground faults) per slice."""
    monkeypatch.setattr(pipeline_size, "kept_pairs", lambda study: (50, 70))


def test_estimate_is_held_tables_plus_working_memory(pairs):
    ps = pipeline_size
    est = pipeline.size_estimate_b(_study(), n_fault_scenarios=3, n_scenarios=6)
    rows = 6 * 2 * (2 * 50 + 2 * 70)  # scenarios × cases × Σ fault types' kept pairs
    set_rows = 3 * 2 * (2 * 50 + 2 * 70)  # the same per charger set (#21: stages per set)
    assert (est["rows"], est["set_rows"]) == (rows, set_rows)
    bus_rows = 6 * 2 * 4 * 100  # scenarios × cases × fault types × buses
    # (no forward-directional relay: the 13 phasor columns are not computed, lean34)
    held = (ps._FIXED_B + 100 * ps._BYTES_PER_BUS_NETS
            + rows * (ps._BYTES_PER_ROW_DEVICE - ps._BYTES_PHASOR_COLUMNS)
            + bus_rows * ps._BYTES_PER_BUS_ROW + set_rows * ps._BYTES_PER_SET_ROW_STAGES)
    assert est["faults"] == int(held + set_rows * ps._BYTES_PER_SET_ROW_ENGINE)
    assert est["checks"] == int(held + 6 * 100 * ps._BYTES_PER_SCENARIO_BUS_FLOWS
                                + 100 * ps._CHECKS_BYTES_PER_BUS
                                + rows * ps._CHECKS_COLUMNS * 8 * ps._CHECKS_MARGIN)
    first_cycle = pipeline.size_estimate_b(_study(), n_fault_scenarios=3, n_scenarios=6,
                                           staged=False)
    assert est["faults"] - first_cycle["faults"] == set_rows * ps._BYTES_PER_SET_ROW_STAGES


def test_kept_rows_are_linear_in_cases_and_fault_types(pairs):
    base = pipeline.size_estimate_b(_study(), n_fault_scenarios=1, n_scenarios=2)["rows"]
    for kw, factor in ((dict(types=("3ph", "SLG")), 0.5), (dict(types=("SLG",)), 70 / 240),
                       (dict(cases=("max",)), 0.5)):
        est = pipeline.size_estimate_b(_study(**kw), n_fault_scenarios=1, n_scenarios=2)
        assert est["rows"] == pytest.approx(factor * base)


def test_stages_count_once_per_charger_set(pairs):
    # #21 (merge 485b6bb): the device table is one block per study scenario, the stages
    # one per charger set, so more scenarios sharing the same sets add no stage rows
    a = pipeline.size_estimate_b(_study(), n_fault_scenarios=2, n_scenarios=4)
    b = pipeline.size_estimate_b(_study(), n_fault_scenarios=2, n_scenarios=8)
    assert a["set_rows"] == b["set_rows"] and b["rows"] == 2 * a["rows"]
    c = pipeline.size_estimate_b(_study(), n_fault_scenarios=4, n_scenarios=4)
    assert c["rows"] == a["rows"] and c["set_rows"] == 2 * a["set_rows"]
    assert c["faults"] > a["faults"]


def test_held_tables_count_each_charger_set_once_until_the_result(pairs):
    """#21 (twin35): with ``held`` the faults and checks stages hold each charger set's rows
    once; the result's tables (expanded after the checks) hold every scenario's."""
    plain = pipeline.size_estimate_b(_study(), n_fault_scenarios=3, n_scenarios=6)
    held = pipeline.size_estimate_b(_study(), n_fault_scenarios=3, n_scenarios=6, held=True)
    assert held["rows"] == plain["rows"] and held["set_rows"] == plain["set_rows"]
    assert held["faults"] < plain["faults"] and held["checks"] < plain["checks"]
    # the expanded device and bus tables (and the flows): what the plain tables hold
    from protv2g.pipeline_size import _BYTES_PER_SET_ROW_ENGINE

    assert held["result"] > plain["faults"] - plain["set_rows"] * _BYTES_PER_SET_ROW_ENGINE
    assert plain["result"] <= plain["checks"]


@pytest.fixture(scope="module")
def depot_measured():
    """The depot's fault tables with the estimate ``check_size`` saw and the traced peak."""
    warnings.simplefilter("ignore")
    study = load_study(DEPOT)
    scenarios = build_scenarios(study.document)
    # compile numba outside the trace: every scenario once (a cold cache compiled kernels
    # that only the later scenarios reach inside the trace: 38 MiB traced for 7.9 MiB)
    pipeline.fault_tables(study, scenarios)
    seen = {}
    original = pipeline.check_size

    def recording(st, **kw):
        seen["est"] = pipeline.size_estimate_b(st, **kw)
        return original(st, **kw)

    pipeline.check_size = recording
    try:
        tracemalloc.start()
        faults = pipeline.fault_tables(study, scenarios)
        _, peak_b = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        pipeline.check_size = original
    return faults, seen["est"], peak_b


def test_kept_rows_are_estimated_from_above(depot_measured):
    faults, est, _ = depot_measured
    n = len(faults.device)
    assert 0 < n <= est["rows"] <= 1.5 * n  # 13,328 kept, 13,968 estimated (2026-12-01)


def test_faults_estimate_holds_against_the_traced_peak(depot_measured):
    _, est, peak_b = depot_measured
    assert peak_b <= est["faults"]
    row_part_b = est["faults"] - pipeline_size._FIXED_B  # what grows with the study's size
    # 7.8 MiB traced, 7.5 MiB estimated without the fixed part (2026-12-03, after #21's
    # stages per charger set; was 21.2 / 24.1 MiB): the nets' copies have a fixed overhead
    # of their own on a 24-bus feeder, counted in ``_FIXED_B``
    assert 0.8 * peak_b <= row_part_b <= 3 * peak_b


def test_refusal_names_the_dominant_stage_and_the_ways_out(monkeypatch, pairs):
    monkeypatch.setattr(pipeline_size, "_memory_budget_b", lambda: 2**20)
    with pytest.raises(InputError) as err:
        pipeline.check_size(_study(), n_fault_scenarios=3, n_scenarios=6)
    text = str(err.value)
    est = pipeline.size_estimate_b(_study(), n_fault_scenarios=3, n_scenarios=6)
    assert f"{max(('faults', 'checks'), key=est.get)} stage" in text  # the larger one
    assert "6 scenarios × 100 buses × 10 devices" in text
    assert "2,880 device rows where a device sees ≥ 1 A" in text
    for way_out in ("export_levels_fraction", "participation", "load_levels",
                    "faults.fault_types", "faults.cases", "fewer devices", "split the feeder",
                    "--no-hosting", "--grid", "staged=False", "more memory"):
        assert way_out in text


def test_admitted_within_budget(monkeypatch, pairs):
    monkeypatch.setattr(pipeline_size, "_memory_budget_b", lambda: 2**40)
    pipeline.check_size(_study(), n_fault_scenarios=3, n_scenarios=6)  # no error


def test_opendss_refusal_names_the_ways_out(monkeypatch):
    import protv2g.pipeline_dss as pipeline_dss

    study = load_study(DEPOT.parents[1] / "opendss_example" / "study.yaml")
    monkeypatch.setattr(pipeline_dss.os, "sysconf", lambda name: 1)  # a 0-byte machine
    with pytest.raises(InputError) as err:
        pipeline_dss._check_size(study, 1, 5)
    text = str(err.value)
    for way_out in ("export_levels_fraction", "participation", "load_levels",
                    "faults.fault_types", "faults.cases", "fewer devices", "--no-hosting",
                    "--grid", "staged=False", "more memory"):
        assert way_out in text


def test_budget_is_what_is_available_when_less_than_half(monkeypatch):
    """Review s15: the hosting search's size check ignored what the main run already held.
    The budget is now the smaller of half the machine's memory and ``MemAvailable``."""
    monkeypatch.setattr(pipeline_size, "_available_b", lambda: 3 * 2**20)
    assert pipeline_size._memory_budget_b() == 3 * 2**20
    monkeypatch.setattr(pipeline_size, "_available_b", lambda: None)
    half = pipeline_size._memory_budget_b()
    monkeypatch.setattr(pipeline_size, "_available_b", lambda: 2**50)
    assert pipeline_size._memory_budget_b() == half > 3 * 2**20


def test_available_memory_is_read_on_linux():
    available_b = pipeline_size._available_b()
    if available_b is None:
        pytest.skip("no /proc/meminfo (not Linux)")
    assert 0 < available_b < 2**50


OPENDSS_EXAMPLE = DEPOT.parents[1] / "opendss_example" / "study.yaml"
IEEE8500 = DEPOT.parents[3] / "shared" / "feeders" / "opendss" / "real" / "IEEE8500" / "Master.dss"


def test_estimate_on_an_opendss_study_counts_the_model_rows():
    """Review s17: ``size_estimate_b`` read ``study.net.bus``, absent for a phase-domain
    (OpenDSS) study, and raised AttributeError. It counts the model's faults (every phase
    combination on its primary buses) × devices: an upper estimate of the rows the phase
    engine keeps (3,720 estimated for 3,686 on the OpenDSS example; 3,674 before its PV
    ceased in the minimum case, session 17). Since s22 the OpenDSS path also faults each
    device's close-in bus: the estimate is made, as on the pandapower path, on the study the
    engine solves (close-in buses appended; 4,440 estimated for 4,400 rows)."""
    pytest.importorskip("opendssdirect")
    from protv2g.network.fault_positions import with_close_in_positions

    given = load_study(OPENDSS_EXAMPLE)
    scen = build_scenarios(given.document)
    study = with_close_in_positions(given)
    est = pipeline.size_estimate_b(study, n_fault_scenarios=len(scen), n_scenarios=len(scen))
    rows = len(pipeline.fault_tables(given, scen).device)
    assert rows <= est["rows"] <= 1.2 * rows
    assert est["checks"] >= est["faults"] > 0
    pipeline.check_size(study, n_fault_scenarios=len(scen), n_scenarios=len(scen))


def test_estimate_on_the_ieee_8500(tmp_path):
    """The same on the IEEE 8500-node feeder drafted by ``protv2g init`` (4,876 buses, 2,522
    primary; the drafted head relay only)."""
    if not IEEE8500.is_file():
        pytest.skip(f"{IEEE8500} not found (../shared beside the checkout is absent)")
    pytest.importorskip("opendssdirect")
    from protv2g.cli import main

    assert main(["init", str(IEEE8500), "-o", str(tmp_path / "study.yaml")]) == 0
    study = load_study(tmp_path / "study.yaml")
    est = pipeline.size_estimate_b(study, n_fault_scenarios=2, n_scenarios=3)
    primary = int(study.model.buses.primary.sum())
    assert len(study.model.buses) > 4000 and primary > 2000
    # 4 fault types, 2 cases, 3 scenarios: at most 10 phase combinations per bus and device
    assert 3 * 2 * primary * len(study.device_sites) <= est["rows"]
    assert est["rows"] <= 3 * 2 * 10 * primary * len(study.device_sites)
    assert 0 < est["faults"] <= est["checks"] < 4 * 2**30
