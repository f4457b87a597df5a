"""The fault-based checks on the distinct scenario blocks (:mod:`protv2g.checks.distinct_blocks`,
#21): the violation, coordination and directional tables and C7's duty frame are the same,
row for row and column for column, as when every scenario is evaluated — on the depot study
with light and peak load and two export levels (the engine's blocks repeat); a row that cannot
be a twin's (a flow column filled, a text naming its scenario) is not copied."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import protv2g.checks as checks
from protv2g.checks.attribution import base_scenarios
from protv2g.checks.distinct_blocks import FaultTwins, NotTwins, expand, fault_twins
from protv2g.pipeline import fault_tables, study_flow
from protv2g.scenarios import build_scenarios
from protv2g.study.loader import load_study
from tests.conftest import FEEDERS_DIR


@pytest.fixture(scope="module")
def depot():
    study = load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml")
    study = study.with_updates(
        v2g_sites=[s for s in study.raw["v2g_sites"] if s["name"] == "depot"],
        scenarios={"export_levels_kw": [0.0, 3000.0, 6000.0], "participation": ["firm"],
                   "load_levels": ["light", "peak"]})
    scenarios = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        faults = fault_tables(study, scenarios)
        flow = study_flow(study)
    return study, scenarios, faults, flow


def _twins(depot) -> FaultTwins | None:  # noqa: ANN001
    _, scenarios, faults, _ = depot
    names = [str(n) for n in faults.device.scenario.unique()]
    return fault_twins(faults, base_scenarios(list(scenarios), names))


def test_the_depot_has_twin_blocks_and_they_are_light_and_peak(depot) -> None:
    tw = _twins(depot)
    assert tw is not None and tw.copies
    for twin, source in tw.copies.items():  # the peak blocks repeat the light ones
        assert twin.replace("peak", "light") == source


def test_every_table_is_the_same_as_with_every_block_evaluated(depot) -> None:
    study, scenarios, faults, flow = depot
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        twin = checks.check_study(study, faults, flow, scenarios)
        every = checks._check_study(study, faults, flow, scenarios, None)
    assert len(twin.context.faults) < len(every.context.faults)  # the blocks were restricted
    pd.testing.assert_frame_equal(twin.violations, every.violations)
    # C6's rows of what it tried (review rev50a #7b) among them: one per V2G scenario, device
    # and element, the peak twins' copied from the light blocks (session 50's one row over
    # all scenarios gave 2 rows more on the restricted evaluation)
    v = twin.violations
    seen = v[(v.criterion == "C6") & (v.status == "info")]
    assert len(seen) and not seen.duplicated(["scenario", "device", "mechanism"]).any()
    assert set(seen.scenario.astype(str)) == {sc.name for sc in scenarios if not sc.is_base}
    pd.testing.assert_frame_equal(twin.coordination, every.coordination)
    pd.testing.assert_frame_equal(twin.context.cache["directional"],
                                  every.context.cache["directional"])
    a, b = twin.context.cache["duty_frame"], every.context.cache["duty_frame"]
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert np.array_equal(a.rows, b.rows) and a.n_rows == b.n_rows


def _two_blocks() -> FaultTwins:
    return FaultTwins(copies={"b": "a"}, rank={"a": 0, "b": 1},
                      block={"a": slice(0, 2), "b": slice(2, 4)}, rows=np.arange(2),
                      bus_rows=None)


def test_a_copied_row_gets_its_scenario_and_its_scenario_text() -> None:
    f = pd.DataFrame({"scenario": ["a", "a"], "device": ["R1", "R2"],
                      "message": ["R1 trips with A-text", "R2 trips with A-text"]})
    out = expand(f, _two_blocks(), {"a": "A-text", "b": "B-text"}.get)
    assert out.scenario.tolist() == ["a", "a", "b", "b"]
    assert out.message.tolist()[2:] == ["R1 trips with B-text", "R2 trips with B-text"]


@pytest.mark.parametrize("row", [
    {"load_fraction": 0.6},  # a flow column leaks into the row
    {"message": "R1 trips in scenario a"},  # the message names the scenario itself
    {"rule": "A-text"},  # another text column carries the scenario's text
])
def test_a_row_that_is_not_a_twins_is_not_copied(row) -> None:  # noqa: ANN001
    f = pd.DataFrame([{"scenario": "a", "device": "R1", "rule": "", "load_fraction": np.nan,
                       "message": "R1 trips with A-text", **row}])
    with pytest.raises(NotTwins):
        expand(f, _two_blocks(), {"a": "A-text", "b": "B-text"}.get)


def test_an_ordered_table_follows_the_blocks_within_each_run() -> None:
    f = pd.DataFrame({"scenario": ["a", "a", "c", "a"], "primary": ["P", "P", "P", "Q"]})
    tw = FaultTwins(copies={"b": "a"}, rank={"a": 0, "b": 1, "c": 2},
                    block={"a": slice(0, 1), "b": slice(1, 2), "c": slice(2, 3)},
                    rows=np.arange(2), bus_rows=None)
    out = expand(f, tw, outer=["primary"])
    assert list(zip(out.primary, out.scenario, strict=True)) == [
        ("P", "a"), ("P", "a"), ("P", "b"), ("P", "b"), ("P", "c"), ("Q", "a"), ("Q", "b")]
    with pytest.raises(NotTwins):  # rows not in block order within a run: not guessed
        expand(f.iloc[[2, 0, 1, 3]].reset_index(drop=True), tw, outer=["primary"])


def test_expand_keeps_messages_written_when_read():
    """Messages written when read (#21, :class:`~protv2g.messages.MessageArray`): a twin's
    rows of a recipe with export texts get the twin's text in that slot, unchecked (the full
    evaluation writes the same); plain texts are checked and replaced as before."""
    from protv2g.checks._recipes import formatted
    from protv2g.messages import MessageArray, as_messages

    tw = FaultTwins(copies={"b": "a"}, rank={"a": 0, "b": 1},
                    block={"a": slice(0, 2), "b": slice(2, 4)}, rows=np.arange(2),
                    bus_rows=None)
    text = {"a": "in scenario a", "b": "in scenario b"}.get
    lazy = formatted("x %.1f %s", [[1.0, 2.0]], ["a", "a"], text)
    f = pd.DataFrame({"scenario": ["a", "a"], "message": lazy})
    out = expand(f, tw, text)
    assert isinstance(out["message"].array, MessageArray)
    assert out["message"].tolist() == ["x 1.0 in scenario a", "x 2.0 in scenario a",
                                       "x 1.0 in scenario b", "x 2.0 in scenario b"]
    plain = MessageArray._concat_same_type([lazy[:1], as_messages(
        np.array(["names a by name: in scenario a"], dtype=object))])
    with pytest.raises(NotTwins):
        expand(pd.DataFrame({"scenario": ["a", "a"], "message": plain}), tw, text)


def test_base_twins_categorical_labels_as_objects() -> None:
    """A categorical scenario column is read on its codes (#21): the same runs, names and
    twins as its object values."""
    from protv2g.checks.scenario_twins import base_twins, label_runs, scenario_labels

    names = ["base/peak", "base/peak", "v2g/peak", "v2g/peak", "base/light", "base/light",
             "v2g/light", "v2g/light"]
    col = pd.Series(pd.Categorical(names))
    labels = scenario_labels(col)
    assert isinstance(labels, pd.Categorical)
    values = np.array([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0])
    base_of = {"base/peak": "base/peak", "v2g/peak": "base/peak",
               "base/light": "base/light", "v2g/light": "base/light"}
    a = base_twins(labels, [values], base_of)
    b = base_twins(np.array(names, dtype=object), [values], base_of)
    assert a is not None and b is not None
    assert a.rows.tolist() == b.rows.tolist() and a.copies == b.copies
    runs = label_runs(labels)
    assert runs[1].tolist() == [0, 2, 4, 6]
    assert runs[2] == ["base/peak", "v2g/peak", "base/light", "v2g/light"]
    assert label_runs(np.array(names, dtype=object))[2] == runs[2]
    # a missing value: read as objects
    assert not isinstance(scenario_labels(pd.Series(pd.Categorical([*names, None]))),
                          pd.Categorical)
