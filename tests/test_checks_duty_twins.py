"""Scenarios repeating another's fault rows and base rows (:mod:`protv2g.checks.scenario_twins`,
#21): C7's duty frame, C7's rows and the Device duty sheet are the same when the repeated
scenarios are evaluated once and copied as when every scenario is evaluated — on the depot
study with light and peak load (the fault engine's blocks repeat) — and the blocks that may
be copied are exactly those whose base case's block repeats as well."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import check_context, converter_sum, duty_figures
from protv2g.checks import duty as duty_mod
from protv2g.checks.converter_sum import bus_iec_sum_ka
from protv2g.checks.duty_rows import rated_and_case_rows
from protv2g.checks.duty_sheet import device_duty_table
from protv2g.checks.scenario_twins import base_twins, cell_ids
from protv2g.pipeline import fault_tables
from protv2g.scenarios import build_scenarios
from protv2g.study.loader import load_study
from tests.conftest import FEEDERS_DIR


@pytest.fixture(scope="module")
def depot():
    study = load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml")
    study = study.with_updates(
        v2g_sites=[s for s in study.raw["v2g_sites"] if s["name"] == "depot"],
        scenarios={"export_levels_kw": [0.0, 6000.0], "participation": ["firm"],
                   "load_levels": ["light", "peak"]},
        faults={**study.raw["faults"], "high_bracket": "first_cycle_held"})
    scenarios = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        faults = fault_tables(study, scenarios)
    return study, scenarios, faults, check_context(study, faults, None, scenarios)


def _no_twins(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(duty_figures, "duty_twins", lambda *a, **k: None)


def test_the_depot_has_twin_scenarios(depot) -> None:
    _, _, _, ctx = depot
    cols = [c for c in duty_figures._DUTY_COLUMNS if c in ctx.faults.columns]
    t = duty_figures.duty_twins(ctx.faults, None, cols, ctx.base_of)
    assert t is not None and len(t.copies) >= 2  # base/peak and the V2G peak scenario
    assert len(t.rows) < len(ctx.faults)


@pytest.mark.parametrize("rows", ["all", "max", "some devices"])
def test_duty_frame_with_twins_as_without(depot, rows, monkeypatch) -> None:
    study, _, _, ctx = depot
    f = ctx.faults
    at = {"all": None, "max": np.flatnonzero(f.case.to_numpy() == "max"),
          "some devices": np.flatnonzero(f.device.isin(f.device.unique()[::2]).to_numpy())}[rows]
    cols = [c for c in duty_figures._DUTY_COLUMNS if c in f.columns]
    got = duty_figures.duty_frame(study, f, ctx.base_of, rows=at, columns=cols, keys=ctx.keys)
    _no_twins(monkeypatch)
    want = duty_figures.duty_frame(study, f, ctx.base_of, rows=at, columns=cols, keys=ctx.keys)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.scenario.nunique() == f.scenario.nunique()


def test_c7_and_duty_sheet_with_twins_as_without(depot, monkeypatch) -> None:
    study, scenarios, faults, ctx = depot
    bases = {s.name for s in scenarios if s.is_base}
    c1 = replace(ctx, cache={})
    c7 = duty_mod.check_duty(c1)
    sheet = device_duty_table(study, faults.device, bases, known=c1.cache["duty_frame"])
    plain_sheet = device_duty_table(study, faults.device, bases)
    _no_twins(monkeypatch)
    c2 = replace(ctx, cache={})
    pd.testing.assert_frame_equal(c7, duty_mod.check_duty(c2), check_exact=True)
    want = device_duty_table(study, faults.device, bases, known=c2.cache["duty_frame"])
    pd.testing.assert_frame_equal(sheet, want, check_exact=True)
    pd.testing.assert_frame_equal(plain_sheet, want, check_exact=True)
    assert c1.cache["duty_frame"].keys_for(faults.device) is ctx.keys
    assert c1.cache["duty_frame"].keys_for(faults.device.copy()) is None


_BASES = {"base/light": "base/light", "base/peak": "base/peak", "v2g/light": "base/light",
          "v2g/peak": "base/peak", "v2g2/peak": "base/peak", "orphan": ""}


def _labels(*blocks: tuple[str, int]) -> np.ndarray:
    return np.array([n for n, k in blocks for _ in range(k)], dtype=object)


def test_base_twins_copies_only_with_repeating_bases() -> None:
    labels = _labels(("base/light", 3), ("v2g/light", 3), ("base/peak", 3), ("v2g/peak", 3))
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    t = base_twins(labels, [x], _BASES)
    assert t is not None and t.rows.tolist() == [0, 1, 2, 3, 4, 5]
    assert t.copies == [(slice(6, 9), slice(0, 3)), (slice(9, 12), slice(3, 6))]
    # the peak base differs: v2g/peak repeats v2g/light but its base does not: evaluated
    y = x.copy()
    y[7] = 7.0
    assert base_twins(labels, [y], _BASES) is None
    # only the bases repeat: v2g/peak is evaluated, and so is its base base/peak
    z = x.copy()
    z[10] = 9.0
    assert base_twins(labels, [z], _BASES) is None


def test_base_twins_keeps_the_base_of_an_evaluated_block() -> None:
    labels = _labels(("base/light", 2), ("base/peak", 2), ("v2g/peak", 2), ("v2g2/peak", 2))
    x = np.array([1.0, 2.0, 1.0, 2.0, 5.0, 6.0, 5.0, 6.0])
    t = base_twins(labels, [x], _BASES)
    # base/peak repeats base/light but is v2g/peak's base: evaluated; v2g2/peak is copied
    assert t is not None and t.rows.tolist() == [0, 1, 2, 3, 4, 5]
    assert t.copies == [(slice(6, 8), slice(4, 6))]


def test_base_twins_rows_and_edge_cases() -> None:
    labels = _labels(("base/light", 2), ("base/peak", 2), ("orphan", 2), ("v2g/light", 2))
    x = np.array([1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0])
    t = base_twins(labels, [x], _BASES)
    # orphan has no base block (base/light has one): evaluated; v2g/light and its base
    # base/light hold the same rows as base/light and its own base
    assert t is not None and t.copies == [(slice(2, 4), slice(0, 2)), (slice(6, 8), slice(0, 2))]
    assert base_twins(labels, [x], _BASES, rows=np.array([0, 1, 3])) is None  # other rows
    t = base_twins(labels, [x], _BASES, rows=np.array([1, 3, 6, 7]))
    assert t is not None and t.rows.tolist() == [1, 6, 7]
    assert base_twins(labels, [x], _BASES, rows=np.array([3, 1])) is None  # not ascending
    assert base_twins(labels[:0], [x[:0]], _BASES) is None  # empty
    assert base_twins(labels[:1], [x[:1]], _BASES) is None  # one row
    runs = _labels(("base/light", 1), ("base/peak", 1), ("base/light", 1))
    assert base_twins(runs, [x[:3]], _BASES) is None  # a scenario in two runs
    nan = np.array([np.nan, 1.0, np.nan, 1.0])
    t = base_twins(labels[:4], [nan], _BASES)  # the same NaN bits repeat
    assert t is not None and t.copies == [(slice(2, 4), slice(0, 2))]


def test_cell_ids_are_the_objects() -> None:
    a, b = "a" * 5, "".join(["a"] * 5)  # equal texts, two objects
    assert a == b and a is not b
    ids = cell_ids(np.array([a, a, b, None], dtype=object))
    assert ids[0] == ids[1] == id(a) and ids[2] == id(b) and ids[3] == id(None)
    assert ids.dtype == np.int64
    strided = np.array([a, b, a, b], dtype=object)[::2]
    assert cell_ids(strided).tolist() == [id(a), id(a)]
    assert cell_ids(np.zeros(0, dtype=object)).shape == (0,)
    labels = _labels(("base/light", 1), ("base/peak", 1))
    # equal texts that are other objects do not count as repeated (evaluated on both)
    assert base_twins(labels, [np.array([a, b], dtype=object)], _BASES) is None
    assert base_twins(labels, [np.array([a, a], dtype=object)], _BASES) is not None


def test_bus_iec_sum_with_twins_as_without(depot, monkeypatch) -> None:
    _, _, faults, ctx = depot
    got = bus_iec_sum_ka(faults.bus, ctx.base_of)
    assert base_twins(faults.bus.scenario.to_numpy(), [faults.bus.bus.to_numpy()],
                      ctx.base_of) is not None
    monkeypatch.setattr(converter_sum, "base_twins", lambda *a, **k: None)
    want = bus_iec_sum_ka(faults.bus, ctx.base_of)
    pd.testing.assert_series_equal(got, want, check_exact=True)
    assert got.notna().any()


@pytest.mark.parametrize("rated", [[], ["nowhere"], "some", "all"])
def test_rated_and_case_rows_on_codes_as_on_columns(depot, rated) -> None:
    _, _, _, ctx = depot
    f = ctx.faults
    names = list(f.device.unique())
    rated = {"some": names[::2], "all": names}[rated] if isinstance(rated, str) else rated
    for case in ("max", "min", "none"):
        got = rated_and_case_rows(f, ctx.keys, rated, case)
        want = rated_and_case_rows(f, None, rated, case)
        for g, w in zip(got, want, strict=True):
            assert g.dtype == bool and np.array_equal(g, w)
        assert np.array_equal(want[0], f.device.isin(rated).to_numpy())
        assert np.array_equal(want[1], (f.case == case).to_numpy())
    assert rated_and_case_rows(f, ctx.keys, names, "max")[1].any()
