"""C10 on a small DER under a large load: the island collapses and the unit's UV2 trip ends it
(review rev40a M4, EPRI J1: three 7.2-kW home chargers behind RC-MID with 0.534 MW of minimum
load failed C10 on the 2-s cease-to-energise bound; at 25:1 load to generation the island's
voltage collapses and a Category II unit trips on UV2, 0.45 pu within 0.16 s).

References: IEEE Std 1547-2018 Tables 11–13 default UV2 settings (Category I/II 0.45 pu
0.16 s, Category III 0.50 pu 2.0 s; ``../shared/reference/der/ieee1547_2018_trip_defaults.csv``);
the island's voltage by hand from Ohm's law on the load's conductance, ``V = I_lim·S / P_min``
(pu), with the zone's minimum load summed here from the pandapower net's own loads.
"""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pytest

from protv2g.checks.island_collapse import collapsed_island_v_pu, island_window_s

from .conftest import FEEDERS_DIR

STUDY = FEEDERS_DIR / "residential_evening_peak" / "study.yaml"


def test_collapsed_voltage_and_window_by_hand():
    # J1 F03 by hand: 3 × 7.2 kVA at 1.5 pu against a third of 534 kW (phase b's share)
    v = collapsed_island_v_pu([1.5 * 21.6, 1.5 * 21.6, 0.0], [534 / 3, 534.0, 0.0])
    assert v[0] == pytest.approx(32.4 / 178, rel=1e-12)          # 0.182 pu
    assert v[1] == pytest.approx(0.0607, abs=1e-4)                # the reviewer's ≈ 0.06 pu
    assert np.isinf(v[2])                                         # no load: no collapse
    window, by_uv2 = island_window_s([0.182, 0.182, 0.47, 0.182], [0.45, 0.50, 0.45, 0.45],
                                     [0.16, 2.0, 0.16, 0.16], [2.0, 2.0, 2.0, 0.1])
    assert window.tolist() == [0.16, 2.0, 2.0, 0.1]               # Cat II, Cat III, held, cease
    assert by_uv2.tolist() == [True, True, False, True]


def _min_load_kw_behind(study, line: str) -> float:
    """Light-load kW behind ``line`` straight from the pandapower net (not protv2g's topology)."""
    net = study.net
    g = nx.Graph()
    g.add_nodes_from(net.bus.index)
    for _, ln in net.line[net.line.in_service].iterrows():
        if ln["name"] != line:
            g.add_edge(ln.from_bus, ln.to_bus)
    for _, t in net.trafo[net.trafo.in_service].iterrows():
        g.add_edge(t.hv_bus, t.lv_bus)
    behind = nx.node_connected_component(g, int(net.line[net.line.name == line].to_bus.iloc[0]))
    load = net.load[net.load.in_service & net.load.bus.isin(behind)]
    frac = study.document.scenarios.light_load_fraction
    return float((load.p_mw * load.get("scaling", 1.0)).sum()) * 1000 * frac


def _c10(study):
    from protv2g.runner import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = run_study(study, hosting=False).violations
    return v[(v.criterion.astype(str) == "C10") & (v.device.astype(str) == "RC-MID")]


def _sites(study, **change):
    return [dict(s, **change) for s in study.raw["v2g_sites"]]


@pytest.fixture(scope="module")
def study():
    import protv2g

    return protv2g.load_study(STUDY)


def test_one_home_charger_per_phase_is_ended_by_uv2(study):
    small = study.with_updates(v2g_sites=_sites(study, n_chargers=1))
    rows = _c10(small)
    assert len(rows) and set(rows.status.astype(str)) == {"fail"}
    # 0.16 s UV2 + the 0.5-s margin = 0.66 s > the 0.5-s first reclose (old code: 2 s, −2 s)
    assert np.allclose(rows.t_other_s.astype(float), 0.16)
    assert np.allclose(rows.margin.astype(float), 0.5 - 0.66)
    # one charger on its phase × the row's participation (the chargers online in its
    # scenario, as its fault source counts them: review rev41c M2; expected 0.5)
    row = rows.iloc[0]
    n_on = study.raw["v2g_sites"][0]["participation"][str(row.scenario).split("/")[0]]
    v_pu = 1.2 * 11.5 * n_on / (_min_load_kw_behind(small, "L04") / 3)
    assert v_pu < 0.45
    msg = str(row.message)
    assert f"homes-lat1: {n_on:g} chargers online in this scenario" in msg
    assert ("the 0.16 s is its UV2 trip (Category II (the tool's default) UV2 0.45 pu within "
            "0.16 s") in msg
    # limit_pu 1.2 given: the high end of the sustained limit is capped at it (c10c42)
    assert f"holds the island's load at most {v_pu:.2g} pu" in msg
    assert "(33 %: a pandapower net's balanced loads, a third each)" in msg
    assert "rests on the UV2 setting, the sustained current limit and the minimum load" in msg
    assert "and holds at its low end 0.2 s (needs > 0.36 s)" in msg


def test_low_margin_passes_and_category_iii_waits_2_s(study):
    small = _sites(study, n_chargers=1)
    assert _c10(study.with_updates(v2g_sites=small, checks={"reclose_margin_s": 0.2})).empty
    cat3 = study.with_updates(v2g_sites=[dict(s, ride_through_category="III") for s in small])
    rows = _c10(cat3)
    assert len(rows) and np.allclose(rows.t_other_s.astype(float), 2.0)  # UV2 0.50 pu 2.0 s


def test_large_fleet_keeps_its_declared_cease_time(study):
    rows = _c10(study)                          # 30 chargers a phase hold the island up
    # the fewest online: expected, 0.5 × 30 (the chargers online in the scenario)
    v_pu = 1.2 * 0.5 * 30 * 11.5 / (_min_load_kw_behind(study, "L04") / 3)
    assert 0.45 < v_pu < 1.2                     # between UV2 and OV2: the figure is printed
    assert f"holds the island's load at most {v_pu:.2g} pu" in str(rows.message.iloc[0])
    assert np.allclose(rows.t_other_s.astype(float), 2.0)
    assert "not below its Category II (the tool's default) UV2 0.45 pu" in str(
        rows.message.iloc[0])


DRAFTED_SITES = """v2g_sites:
  - name: homes-lat2
    bus: LAT2-B2
    n_chargers: 1
    p_charger_kw: 11.5
    phases: 1
    phase: b
    limit_pu: 1.2  # TODO: assumed first-cycle current limit | fix: give the maker's
    ride_through_category: II  # TODO: assumed Category II | fix: give the category
    cease_to_energize_s: 2  # TODO: assumed 2 s (IEEE 1547-2018 §8.1) | fix: give it
scenarios:"""


def test_the_message_says_which_inputs_init_drafted(tmp_path):
    """The C10 message says the cease time, category and limit it rests on were drafted
    (``# TODO`` in the study file; review rev40a M3 — J1's "Rests on given data")."""
    import protv2g

    text = STUDY.read_text(encoding="utf-8")
    start, end = text.index("v2g_sites:"), text.index("scenarios:")
    (tmp_path / "study.yaml").write_text(text[:start] + DRAFTED_SITES + text[end + 10:],
                                         encoding="utf-8")
    (tmp_path / "feeder.json").write_bytes((STUDY.parent / "feeder.json").read_bytes())
    rows = _c10(protv2g.load_study(tmp_path / "study.yaml"))
    msg = str(rows.message.iloc[0])
    assert "(Category II (drafted: TODO) UV2 0.45 pu within 0.16 s" in msg
    # the first-cycle limit bounds the first cycle only; after it the sustained limit's high
    # end, capped at the drafted 1.2 pu (c10c42)
    assert "its first-cycle limit 1.2 pu (drafted: TODO) at most" in msg
    assert "at the high end 1.2 pu of its sustained current limit" in msg
    assert ("not on its declared cease-to-energise time 2 s (drafted: TODO): confirming it "
            "changes nothing unless it is below 0.16 s") in msg


def test_uv2_rows_on_the_tool_default_category_rest_on_it(study):
    """c10c42: one charger a phase, the margin set by the study (0.5 s, given): the window is
    Category II's UV2 0.16 s, and no site gives ``ride_through_category`` (the premise, from
    the file) — the rows rest on that tool default, not on "given data" (old code: ``given``,
    no input, the gate's ``rests_on`` ""). ``limit_pu`` 1.2 is given, so the high end of the
    sustained limit is capped at it: given, not named."""
    from protv2g.gate import gate_verdict
    from protv2g.runner import run_study

    assert all("ride_through_category" not in s for s in study.raw["v2g_sites"])
    small = study.with_updates(v2g_sites=_sites(study, n_chargers=1),
                               checks={"reclose_margin_s": 0.5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(small, hosting=False)
    v = result.violations
    rows = v[(v.criterion.astype(str) == "C10") & (v.device.astype(str) == "RC-MID")]
    assert len(rows) and set(rows.mechanism.astype(str)) == {"UV2 trip ends the island"}
    assert set(rows.input_basis.astype(str)) == {"default"}
    for r in rows.itertuples(index=False):
        assert str(r.input_todo) == (
            f"ride_through_category of site {r.other_device} = II (the tool's default, not "
            "declared: Category II's UV2 0.16 s is the quickest of IEEE 1547-2018 Tables "
            "11–13 (III: 2 s), so it errs toward a pass and a fail holds at any category — "
            "give the category the utility's interconnection requirement sets)")
    out = gate_verdict(small, result)
    c10 = [(t, d) for t, d in zip(out["reasons"], out["reason_data"], strict=True)
           if t.startswith("fail: C10 RC-MID")]
    assert c10 and all(d["rests_on"] == "default" for _, d in c10)
    assert all("rests on tool default: confirm ride_through_category of site" in t
               for t, _ in c10)
