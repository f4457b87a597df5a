"""The chargers-online search of the hosting capacity (protv2g.hosting.online).

The bisection is checked here on a stated pass/fail rule (a hand-made ``run``: a level fails
when more than ``k_max`` chargers are online), so its answer is known without the engine; the
engine-backed case (the depot's bus duty, bracketed by separate fault runs with k and k + 1
chargers online) is ``tests/test_hosting.py::test_first_cycle_fault_current_is_a_step_at_the_
smallest_export``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from protv2g.gate_hosting import hosting_limit_per_site
from protv2g.hosting.online import search_online
from protv2g.hosting.points import online_levels, online_scenario
from protv2g.hosting.tables import Axis
from protv2g.study.schema import V2GSite
from protv2g.units import ChargerMode, LoadLevel, Participation

ROW = {"criterion": "C5", "device": "R1", "fault_type": "SLG-a", "fault_bus": "b9",
       "case": "min", "status": "fail"}


def _axis(n: int = 10, firm: float = 1.0) -> Axis:
    site = V2GSite(name="homes", bus="b9", n_chargers=n, p_charger_kw=7.2,
                   participation={"low": 0.1, "expected": 0.8, "firm": firm})
    return Axis(site, Participation.FIRM, LoadLevel.LIGHT)


def _search(axis: Axis, k_max: int, smallest_kw: float = 4.5):
    """search_online where k chargers online fail iff k > k_max; the calls it made."""
    calls: list[dict] = []

    def run(points, online):
        calls.append(dict(online))
        return {(a.key, p): ({"C5": ROW} if online[a.key] > k_max else {}) for a, p in points}

    failing = {(axis.key, smallest_kw): {"C5": ROW}, (axis.key, 72.0): {"C5": ROW}}
    return search_online([axis], failing, run, 16, smallest_kw), calls


@pytest.mark.parametrize("k_max", [0, 1, 4, 8, 9])
def test_bisection_finds_the_most_chargers_online(k_max):
    axis = _axis()
    found, calls = _search(axis, k_max)
    lim = found[axis.key]
    assert lim.max_chargers == k_max
    assert lim.failing_chargers == pytest.approx(k_max + 1)
    assert lim.n_online == pytest.approx(10)
    assert len(calls) <= 4  # ⌈log2 10⌉ rounds
    assert all(k < 10 for c in calls for k in c.values())


def test_fractional_online_count_searches_whole_chargers_below_it():
    """0.8 × 48 = 38.4 online: whole numbers up to 38 are searched; none failing → 38."""
    axis = _axis(48, firm=0.8)
    found, calls = _search(axis, 100)
    assert found[axis.key].max_chargers == 38
    assert found[axis.key].failing_chargers == pytest.approx(38.4)
    assert max(k for c in calls for k in c.values()) == 38


def test_axis_passing_at_the_smallest_export_is_not_searched():
    axis = _axis()
    failing = {(axis.key, 4.5): {}, (axis.key, 72.0): {"C5": ROW}}
    assert search_online([axis], failing, lambda *_: {}, 16, 4.5) == {}


def test_levels_and_scenario_with_k_online():
    axis = _axis()
    lv = online_levels(axis, 3, 16, 4.5)  # steps of 72/16 = 4.5 kW up to 3 × 7.2 = 21.6
    assert lv[0] == pytest.approx(4.5) and lv[-1] == pytest.approx(21.6)
    assert all(a < b for a, b in zip(lv, lv[1:], strict=False))
    sc = online_scenario(axis, 3, 30.0, [axis.site])
    st = sc.sites[0]
    assert st.mode is ChargerMode.EXPORTING and st.n_online == pytest.approx(3)
    assert st.p_export_kw == pytest.approx(21.6)  # capped at the three chargers' power


def test_gate_line_names_the_chargers_online_figure():
    table = pd.DataFrame([{"site": "homes", "participation": "firm", "load_level": "light",
                           "hosting_kw": 0.0, "limited": True, "site_max_kw": 72.0,
                           "limiting_criterion": "C5", "limiting_device": "R1",
                           "limiting_fault": "SLG-a at b9 (min)",
                           "max_online_chargers": 9, "max_online_kw": 64.8}])
    text = hosting_limit_per_site(table)["homes"]
    assert "with at most 9 chargers online: 65 kW (their full export)" in text
    table.loc[0, "max_online_chargers"] = 0
    assert "even one charger online fails" in hosting_limit_per_site(table)["homes"]
