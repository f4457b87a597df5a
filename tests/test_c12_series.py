"""C12: failing branches in series that carry one current are one row per scenario (review
rev30 §5, EPRI ckt5: three gate ``fail:`` lines "loaded 108 %" were one current path of a 1 m
connector and two switches on OpenDSS's default 400 A beside a 619 A conductor at 70 %)."""

from __future__ import annotations

import types

import numpy as np
import pandapower as pp
import pandas as pd

from protv2g.checks.flow_series import merge_series


def _net():
    """Source at b0; l0 b0–b1, l1 b1–b2, l2 b2–b3 in series (nothing at b1, b2), a load at
    b3 then l3 b3–b4; l4 b0–b5 a second feeder leaving the source bus."""
    net = pp.create_empty_network()
    for k in range(6):
        pp.create_bus(net, 12.47, name=f"b{k}")
    pp.create_ext_grid(net, 0)
    for k, (a, b) in enumerate(((0, 1), (1, 2), (2, 3), (3, 4), (0, 5))):
        pp.create_line_from_parameters(net, a, b, 1.0, 0.1, 0.1, 0.0, 0.4, name=f"l{k}")
    return net


def _branch(currents: dict[int, list[float]], rating_ka: dict[int, float]) -> pd.DataFrame:
    rows = []
    for k, values in currents.items():
        for s, i in enumerate(values):
            rows.append({"scenario": f"s{s}", "step": 0, "element": "line", "element_index": k,
                         "i_ka": i, "loading_percent": 100.0 * i / rating_ka[k]})
    return pd.DataFrame(rows)


def _names(elements, indices):
    return [f"{e}.l{i}" for e, i in zip(elements, indices, strict=True)]


def _merge(branch):
    ctx = types.SimpleNamespace(study=types.SimpleNamespace(model=None, net=_net()))
    worst = branch
    bad = worst[worst.loading_percent > 100.0]
    label = _names(bad.element, bad.element_index)
    return merge_series(ctx, branch, worst, bad, label, _names)


def test_series_rows_merge_into_one_per_scenario():
    one = [0.45, 0.30]                       # l0, l1, l2 carry it; s1 passes
    branch = _branch({0: one, 1: one, 2: one, 3: [0.2, 0.1], 4: one},
                     {0: 0.4, 1: 0.4, 2: 0.6, 3: 0.4, 4: 0.4})
    kept, device, said = _merge(branch)
    # l0 and l1 fail in s0 and are one path; l2 (0.6 kA) passes; l4 is the other feeder
    # (its bus b0 has the source): its own row
    assert device == ["line.l0", "line.l4"]
    assert said[0] == ("line.l0 and line.l1 (2 elements in series carrying one current: the "
                       "same in every step of the scenario, nothing between them drawing "
                       "current on the most loaded phase)")
    assert said[1] == "line.l4"
    assert kept.element_index.tolist() == [0, 4]


def test_a_current_that_differs_in_one_step_is_not_one_path():
    branch = _branch({0: [0.45, 0.30], 1: [0.45, 0.29], 2: [0.1, 0.1], 3: [0.1, 0.1],
                      4: [0.1, 0.1]}, dict.fromkeys(range(5), 0.4))
    branch["step"] = branch.scenario.str[1:].astype(int)   # two steps of one scenario
    branch["scenario"] = "s0"
    worst = branch.sort_values("loading_percent").groupby(
        ["element", "element_index"]).tail(1)
    bad = worst[worst.loading_percent > 100.0]
    ctx = types.SimpleNamespace(study=types.SimpleNamespace(model=None, net=_net()))
    kept, device, said = merge_series(ctx, branch, worst, bad,
                                      _names(bad.element, bad.element_index), _names)
    assert device == said == ["line.l0", "line.l1"]
    assert len(kept) == 2


def test_nothing_to_merge_returns_the_rows_as_they_are():
    branch = _branch({k: [0.1] for k in range(5)}, dict.fromkeys(range(5), 0.4))
    branch.loc[0, "loading_percent"] = 120.0
    kept, device, said = _merge(branch)
    assert device == said == ["line.l0"] and len(kept) == 1
    assert np.isclose(kept.loading_percent.iat[0], 120.0)


def test_stubs_on_the_default_rating_are_said_beside_the_rated_conductor(monkeypatch):
    """ckt5's path: a 1 m connector and two 1 m switches on OpenDSS's default 400 A, in series
    with a conductor rated 619 A (from the flow: 430.85 A at 69.6 %)."""
    from protv2g.checks import flow_series
    from protv2g.network import dss_ratings

    elements = pd.DataFrame({"name": ["line.conn", "line.sw1", "line.cond", "line.sw2"],
                             "length_km": [0.001, 0.001, 0.04572, 0.001]})
    model = types.SimpleNamespace(elements=elements, source="m.dss", redirects=())
    model.derived = lambda key, build: build(model)  # DssModel's per-model view, not cached
    table = pd.DataFrame({"source": ["default", "default", "geometry", "default"]},
                         index=["line.conn", "line.sw1", "line.cond", "line.sw2"])
    monkeypatch.setattr(dss_ratings, "line_rating_sources", lambda *_a: table)
    ctx = types.SimpleNamespace(study=types.SimpleNamespace(model=model))
    path = [("line", k) for k in range(4)]
    names = {k: elements.name.iat[k[1]] for k in path}
    worst = pd.DataFrame({"element": ["line"] * 4, "element_index": range(4),
                          "i_ka": [0.430851] * 4,
                          "loading_percent": [107.71, 107.71, 69.604435, 107.71]})
    failing = [path[0], path[1], path[3]]
    assert flow_series._stub_text(ctx, path, names, failing, worst) == (
        "; each a stub of 1 m (a switch or connector) rated by OpenDSS's default 400 A, not "
        "by the model, in series with line.cond rated 619 A (70 %)")
    # a failing conductor is not called a stub
    assert flow_series._stub_text(ctx, path, names, [path[0], path[2]], worst) == (
        "; line.conn: a stub of 1 m (a switch or connector) rated by OpenDSS's default 400 A, "
        "not by the model")


def _tapped_net():
    """As :func:`_net`, with a service transformer t0 b1–b6 (0.24 kV) tapped at b1 and a
    lateral l5 b2–b7: b1 has three branches, b2 three."""
    net = _net()
    pp.create_bus(net, 0.24, name="b6")
    pp.create_bus(net, 12.47, name="b7")
    pp.create_transformer_from_parameters(net, 1, 6, 0.05, 12.47, 0.24, 1.0, 2.0, 0.0, 0.0,
                                          name="t0")
    pp.create_line_from_parameters(net, 2, 7, 1.0, 0.1, 0.1, 0.0, 0.4, name="l5")
    return net


def _merge_tapped(branch):
    ctx = types.SimpleNamespace(study=types.SimpleNamespace(model=None, net=_tapped_net()))
    bad = branch[branch.loading_percent > 100.0]
    return merge_series(ctx, branch, branch, bad, _names(bad.element, bad.element_index),
                        _names)


def test_a_path_past_a_tap_on_another_phase_is_one_current():
    """Review rev36a T5 (IEEE 8500): F33 grouped hvmv_sub_connector … ln5742828-1 at
    −56.0990 % and F32 was ln5742828-2 alone at the same −56.0990 %: at l2801909, between
    them, the service transformer t226195333c ends (on a phase other than the most loaded
    one), so the bus had three branches and the old rule (exactly two) paired nothing there.
    Here l0 → b1 (t0 tapped, 0.02 kA) → l1 carry 0.45 kA in every step: one path."""
    one = [0.45, 0.30]
    branch = _branch({0: one, 1: one, 2: [0.1, 0.1], 3: [0.1, 0.1], 4: [0.1, 0.1],
                      5: [0.1, 0.1]}, dict.fromkeys(range(6), 0.4))
    branch = pd.concat([branch, pd.DataFrame(
        [{"scenario": f"s{s}", "step": 0, "element": "trafo", "element_index": 0,
          "i_ka": 0.02, "loading_percent": 10.0} for s in range(2)])], ignore_index=True)
    kept, device, said = _merge_tapped(branch)
    assert device == ["line.l0"] and len(kept) == 1   # was l0 and l1: two rows
    assert said[0] == ("line.l0 and line.l1 (2 elements in series carrying one current: the "
                       "same in every step of the scenario, nothing between them drawing "
                       "current on the most loaded phase)")


def test_a_scenario_is_one_current_on_its_own_steps():
    """IEEE 8500's shape (review rev36a T5): ln5742828-1 and -2 agree within 4e-7 in every
    peak scenario (both loaded 156 %, two findings F32/F33 for one current) and differ by
    0.1 % at light load, where the phase the service transformer between them takes is the
    most loaded; the old rule compared every scenario's steps and kept them apart. s0
    (peak): both fail, one current → one row; s1 (light): 0.30 vs 0.2997, both pass."""
    branch = _branch({0: [0.45, 0.30], 1: [0.45, 0.2997], 2: [0.1, 0.1], 3: [0.1, 0.1],
                      4: [0.1, 0.1]}, dict.fromkeys(range(5), 0.4))
    kept, device, said = _merge(branch)
    assert device == ["line.l0"] and len(kept) == 1    # was l0 and l1: two rows
    assert said[0].startswith("line.l0 and line.l1 (2 elements in series")


def test_equal_laterals_at_a_junction_are_not_one_current():
    """At b2, l1 (0.9 kA in) feeds l2 and l5 (0.45 kA each, overloaded alike): equal
    currents in parallel, not in series — two rows."""
    branch = _branch({0: [0.9], 1: [0.9], 2: [0.45], 3: [0.1], 4: [0.1], 5: [0.45]},
                     {0: 1.0, 1: 1.0, 2: 0.4, 3: 0.4, 4: 0.4, 5: 0.4})
    kept, device, said = _merge_tapped(branch)
    assert device == said == ["line.l2", "line.l5"] and len(kept) == 2


def test_elements_of_one_current_on_other_ratings_keep_their_own_rows():
    """Review rev49a #2 (IEEE 37: transformer.subxf 166.6 % and transformer.reg1a 120.2 % on
    one current read "subxf and reg1a … loaded 167 %"): l0 and l1 (0.4 kA) and l2 (0.3 kA)
    carry 0.45 kA — l0/l1 at 112.5 % are one row, l2 at 150 % (0.45 / 0.3, by hand) its own,
    each naming the other's loading."""
    one = [0.45]
    branch = _branch({0: one, 1: one, 2: one, 3: [0.1], 4: [0.1]},
                     {0: 0.4, 1: 0.4, 2: 0.3, 3: 0.4, 4: 0.4})
    kept, device, said = _merge(branch)
    assert device == ["line.l0", "line.l2"]
    np.testing.assert_allclose(kept.loading_percent.to_numpy(), [112.5, 150.0], rtol=1e-12)
    assert said[0].startswith("line.l0 and line.l1 (2 elements in series carrying one current")
    assert said[0].endswith("; carrying one current with line.l2 at 150 % on its own rating, "
                            "a row of its own)")
    assert said[1] == ("line.l2 (carrying one current with line.l0 at 112 %, line.l1 at 112 % "
                       "on their own ratings, each a row of its own)")
