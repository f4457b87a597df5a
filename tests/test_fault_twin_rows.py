"""Fault tables that hold each charger set's rows once (#21, ``fault_tables(..., held=True)``,
``FaultTables.twin_of``): the tables of every scenario made from them
(:meth:`~protv2g.pipeline_tables.FaultTables.expanded`) are the pipeline's tables, and the
checks on them (:func:`protv2g.checks.twin_rows.held_twins`) are the checks on those
tables — on the depot study with light and peak load (the twins) and with a site's
interconnection transformer (two engine calls, :func:`protv2g.pipeline._concat`).

The references are formulations the change did not touch: the expanded table against a
pandas concatenation of each scenario's held block, :func:`held_twins` against
:func:`~protv2g.checks.distinct_blocks.fault_twins` on the expanded tables (the bit-for-bit
comparison), the checks against ``check_study`` on the expanded tables (which compares the
blocks bit for bit itself)."""

from __future__ import annotations

import shutil
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import protv2g.checks as checks
from protv2g.checks.attribution import base_scenarios
from protv2g.checks.distinct_blocks import fault_twins
from protv2g.checks.twin_rows import held_restricted, held_twins
from protv2g.pipeline import fault_tables, study_flow, study_with_sites
from protv2g.pipeline_blocks import held_scenarios, twin_positions
from protv2g.pipeline_tables import FaultTables
from protv2g.scenarios import build_scenarios
from protv2g.study.loader import load_study
from tests.conftest import FEEDERS_DIR

_SCENARIOS = {"export_levels_kw": [0.0, 3000.0, 6000.0], "participation": ["firm"],
              "load_levels": ["light", "peak"]}


def _depot(folder=None):  # noqa: ANN001
    path = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"
    if folder is not None:  # a site's interconnection transformer: two engine calls
        shutil.copy(path.parent / "feeder.json", folder / "feeder.json")
        text = path.read_text()
        anchor = "    bus: F1-B02\n"
        assert text.count(anchor) == 1
        (folder / "study.yaml").write_text(text.replace(
            anchor, anchor + "    interconnection_transformer: {sn_kva: 7500, connection: YNd}\n"))
        path = folder / "study.yaml"
    study = load_study(path)
    study = study.with_updates(
        v2g_sites=[s for s in study.raw["v2g_sites"] if s["name"] == "depot"],
        scenarios=_SCENARIOS)
    study = study_with_sites(study)  # as run_study: the sites' transformers in the net
    scenarios = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        held = fault_tables(study, scenarios, held=True)
        flow = study_flow(study)
    return study, scenarios, held, flow


@pytest.fixture(scope="module", params=["plain", "site transformer"])
def depot(request, tmp_path_factory):  # noqa: ANN001
    folder = tmp_path_factory.mktemp("depot_ynd") if request.param != "plain" else None
    return _depot(folder)


def _stage_arrays(st):  # noqa: ANN001
    d = st.dense()
    return d.stage_i_a, d.stage_t_start_s, d.stage_t_end_s


def _by_concat(held: pd.DataFrame, twin_of: dict[str, str]) -> pd.DataFrame:
    """Each scenario's block: its held scenario's rows under its name (pandas)."""
    names = held["scenario"].astype(str)
    parts = [held[names.to_numpy() == h].assign(scenario=n) for n, h in twin_of.items()]
    out = pd.concat(parts, ignore_index=True)
    out["scenario"] = pd.Categorical(out["scenario"], categories=sorted(twin_of))
    return out


def test_the_depot_holds_one_block_per_charger_set(depot) -> None:
    _, scenarios, held, _ = depot
    assert held.twin_of is not None
    assert list(held.twin_of) == [s.name for s in scenarios]  # every scenario, in order
    twins = {n: h for n, h in held.twin_of.items() if n != h}
    assert twins and all(n.replace("peak", "light") == h for n, h in twins.items()
                         if "peak" in n)
    kept = set(held.device["scenario"].astype(str))
    assert kept == set(held.twin_of.values()) and not kept & set(twins)


def test_expanded_tables_are_each_scenarios_held_block(depot) -> None:
    study, scenarios, held, _ = depot
    full = held.expanded()
    assert full.twin_of is None
    for name in ("device", "bus"):
        a, b = getattr(full, name), _by_concat(getattr(held, name), held.twin_of)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    # the same as the pipeline's default (every scenario's tables)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        every = fault_tables(study, scenarios)
    assert every.twin_of is None
    pd.testing.assert_frame_equal(every.device, full.device, check_exact=True)
    pd.testing.assert_frame_equal(every.bus, full.bus, check_exact=True)
    for x, y in ((every.staged, full.staged), (every.staged_high, full.staged_high)):
        assert (x is None) == (y is None)
        if x is not None:
            assert x.n_rows == len(full.device)
            for p, q in zip(_stage_arrays(x), _stage_arrays(y), strict=True):
                assert np.array_equal(p, q, equal_nan=True)
            pd.testing.assert_frame_equal(x.sites, y.sites, check_exact=True)
    assert (every.staged_high is every.staged) == (full.staged_high is full.staged)


def test_held_twins_are_what_the_bit_comparison_finds(depot) -> None:
    _, scenarios, held, _ = depot
    full = held.expanded()
    names = [str(n) for n in full.device.scenario.unique()]
    old = fault_twins(full, base_scenarios(list(scenarios), names))
    new = held_twins(held, base_scenarios(list(scenarios), list(held.twin_of)))
    assert old is not None and new is not None
    assert new.copies == old.copies and new.rank == old.rank and new.block == old.block
    assert np.array_equal(new.rows, old.rows) and np.array_equal(new.bus_rows, old.bus_rows)
    a, b = old.restrict(full), held_restricted(held, new)
    for name in ("device", "bus"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    for x, y in ((a.staged, b.staged), (a.staged_high, b.staged_high)):
        for p, q in zip(_stage_arrays(x), _stage_arrays(y), strict=True):
            assert np.array_equal(p, q, equal_nan=True)


def test_the_checks_on_held_rows_are_the_checks_on_every_scenario(depot) -> None:
    study, scenarios, held, flow = depot
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = checks.check_study(study, held, flow, scenarios)
        b = checks.check_study(study, held.expanded(), flow, scenarios)
    pd.testing.assert_frame_equal(a.violations, b.violations, check_exact=True)
    pd.testing.assert_frame_equal(a.coordination, b.coordination, check_exact=True)
    pd.testing.assert_frame_equal(a.context.cache["directional"],
                                  b.context.cache["directional"], check_exact=True)
    x, y = a.context.cache["duty_frame"], b.context.cache["duty_frame"]
    pd.testing.assert_frame_equal(x.frame, y.frame, check_exact=True)
    assert np.array_equal(x.rows, y.rows) and x.n_rows == y.n_rows
    assert a.context.base_of == b.context.base_of
    pd.testing.assert_frame_equal(a.context.faults, b.context.faults, check_exact=True)


def test_a_twin_whose_base_block_differs_is_evaluated(depot) -> None:
    """A twin whose base case is not its held scenario's base case's twin: not copied; the
    checks then evaluate the tables of every scenario (the same results)."""
    study, scenarios, held, flow = depot
    base = base_scenarios(list(scenarios), list(held.twin_of))
    twin = next(n for n, h in held.twin_of.items() if n != h and base.get(n))
    wrong = {**base, twin: next(n for n in held.twin_of if n not in (base[twin],
                                                                     held.twin_of[base[twin]]))}
    assert held_twins(held, wrong) is None


def test_held_blocks_that_repeat_each_other_are_not_held_twins() -> None:
    """Two held blocks with the same rows (an export past the chargers' limit, where the
    engine's sets differ): the bit comparison would copy one from the other, so the held
    blocks are not what it evaluates — None (the caller evaluates the expanded tables)."""
    dev = pd.DataFrame({"scenario": pd.Categorical(["a", "a", "b", "b"],
                                                   categories=["a", "a2", "b", "b2"]),
                        "ia_ka": [1.0, 2.0, 1.0, 2.0]})
    tables = FaultTables(pd.DataFrame(), dev, twin_of={"a": "a", "b": "b", "a2": "a",
                                                        "b2": "b"})
    base = {"a": "a", "a2": "a2", "b": "a", "b2": "a2"}
    assert held_twins(tables, base) is None
    other = replace(tables, device=dev.assign(ia_ka=[1.0, 2.0, 1.0, 3.0]))
    tw = held_twins(other, base)
    assert tw is not None and tw.copies == {"a2": "a", "b2": "b"}
    assert tw.rows.tolist() == [0, 1, 2, 3] and tw.block["b2"] == slice(6, 8)


@pytest.mark.parametrize("seed", range(40))
def test_twin_positions_and_held_scenarios_on_random_maps(seed: int) -> None:
    """:func:`held_scenarios` and :func:`twin_positions` against a pandas formulation on
    random scenario → charger set maps and block sizes (empty blocks included)."""
    rng = np.random.default_rng(seed)
    n_sc = int(rng.integers(1, 9))
    sets = [f"set{int(k)}" for k in rng.integers(0, max(1, n_sc // 2 + 1), n_sc)]
    key_of = {f"s{k}": sets[k] for k in rng.permutation(n_sc)}
    held, twin_of = held_scenarios(key_of)
    firsts = pd.Series(list(key_of)).groupby(pd.Series(list(key_of.values()))).first()
    assert held == {n: k for n, k in key_of.items() if firsts[k] == n}
    assert twin_of == {n: firsts[k] for n, k in key_of.items()}
    size = {h: int(rng.integers(0, 5)) for h in held}
    names = [h for h in held for _ in range(size[h])]
    labels = pd.Categorical(names, categories=sorted(key_of))
    frame = pd.DataFrame({"scenario": labels, "x": rng.random(len(names))})
    pos, col = twin_positions(labels, twin_of)
    got = frame.take(pos).reset_index(drop=True).assign(scenario=np.asarray(col, dtype=object))
    want = pd.concat([frame[frame.scenario.astype(str) == twin_of[n]].assign(scenario=n)
                      for n in twin_of] or [frame], ignore_index=True)
    pd.testing.assert_frame_equal(got.astype({"scenario": object}),
                                  want.astype({"scenario": object}), check_exact=True)
    assert isinstance(col, pd.Categorical) and list(col.categories) == sorted(key_of)
