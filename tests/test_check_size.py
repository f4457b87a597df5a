"""The study size estimate's formula (#21). Its calibration against measured peaks is a
benchmark (``benchmarks/bench_memory.py``), not a test: memory figures depend on the machine."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import protv2g.pipeline as pipeline
from protv2g.errors import InputError


def _study(n_bus: int = 100, n_dev: int = 10, types=("3ph", "LL", "SLG", "LLG"),
           cases=("max", "min")) -> SimpleNamespace:
    """The attributes the estimate reads, nothing else."""
    doc = SimpleNamespace(faults=SimpleNamespace(fault_types=list(types), cases=list(cases)),
                          devices=[object()] * n_dev)
    return SimpleNamespace(document=doc, net=SimpleNamespace(bus=range(n_bus)),
                           path="study.yaml")


def test_estimate_is_fixed_plus_rows_times_bytes_per_row():
    est = pipeline.size_estimate_b(_study(), n_fault_scenarios=3, n_scenarios=6)
    rows = 6 * 4 * 2 * 100 * 10  # scenarios × fault types × cases × buses × devices
    assert est["faults"] == pipeline._FIXED_B + rows * pipeline._BYTES_PER_ROW_FAULTS
    assert est["checks"] == pipeline._FIXED_B + rows * pipeline._BYTES_PER_ROW_CHECKS


def test_estimate_is_linear_in_each_size():
    base = pipeline.size_estimate_b(_study(), n_fault_scenarios=1, n_scenarios=2)["faults"]
    for kw, factor in ((dict(n_bus=200), 2), (dict(n_dev=30), 3), (dict(types=("3ph",)), 0.25),
                       (dict(cases=("max",)), 0.5)):
        est = pipeline.size_estimate_b(_study(**kw), n_fault_scenarios=1,
                                       n_scenarios=2)["faults"]
        assert est - pipeline._FIXED_B == pytest.approx(factor * (base - pipeline._FIXED_B))


def test_fault_scenarios_beyond_study_scenarios_count():
    a = pipeline.size_estimate_b(_study(), n_fault_scenarios=4, n_scenarios=2)
    b = pipeline.size_estimate_b(_study(), n_fault_scenarios=2, n_scenarios=4)
    assert a == b


def test_refusal_names_the_dominant_stage_and_the_ways_out(monkeypatch):
    monkeypatch.setattr(pipeline, "_memory_budget_b", lambda: 2**20)
    with pytest.raises(InputError) as err:
        pipeline.check_size(_study(), n_fault_scenarios=3, n_scenarios=6)
    text = str(err.value)
    assert "faults stage" in text  # the larger per-row figure (pipeline's constants)
    assert "6 scenarios × 100 buses × 10 devices" in text
    for way_out in ("export levels", "fault types", "split the feeder", "--no-hosting"):
        assert way_out in text


def test_admitted_within_budget(monkeypatch):
    monkeypatch.setattr(pipeline, "_memory_budget_b", lambda: 2**40)
    pipeline.check_size(_study(), n_fault_scenarios=3, n_scenarios=6)  # no error
