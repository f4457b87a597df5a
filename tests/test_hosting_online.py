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

    def run(points):
        calls.append({a.key: k for a, _p, k in points})
        return {(a.key, k, p): ({"C5": ROW} if k > k_max else {}) for a, p, k in points}

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
    why = ("; from the smallest export evaluated: the fault current comes from the chargers' "
           "connected kVA (the fleet online), not from their export")
    assert text == (f"limited by C5 (R1, SLG-a at b9 (min)), firm/light{why}; at most 9 "
                    "chargers online: 65 kW (their full export)")
    table.loc[0, "max_online_chargers"] = 0
    # review rev29 §6 (IEEE 123 homes): why the figure is 0, beside the failing export
    assert hosting_limit_per_site(table)["homes"] == (
        f"limited by C5 (R1, SLG-a at b9 (min)), firm/light{why}; even one charger online "
        "fails: at most 0 online, 0 kW")


def test_hosting_command_line_says_why_the_chargers_online_limit_it():
    """``protv2g hosting``'s line (review rev29 §6: "limited by C2 (…); at most 0 online:
    0 kW" beside the by-criterion "first fail 5 kW"): the gate's words; a presence-driven
    criterion (C11) is not said to be a fault current."""
    from protv2g.commands.hosting import _line

    row = {"site": "homes", "participation": "expected", "load_level": "light",
           "hosting_kw": 0.0, "hosting_chargers": 0, "limited": True,
           "limiting_criterion": "C2", "limiting_device": "R-67 / F-73",
           "limiting_fault": "SLG-c at 75 (min)", "max_online_chargers": 0,
           "max_online_kw": 0.0}
    assert _line(row).endswith(
        "limited by C2 (R-67 / F-73, SLG-c at 75 (min)); from the smallest export "
        "evaluated: the fault current comes from the chargers' connected kVA (the fleet "
        "online), not from their export; even one charger online fails: at most 0 online, "
        "0 kW")
    row.update(limiting_criterion="C11", max_online_chargers=3, max_online_kw=21.6)
    assert _line(row).endswith(
        "; from the smallest export evaluated: the site's presence behind the device decides "
        "it, not its export; at most 3 chargers online: 22 kW (their full export)")
    row.pop("max_online_chargers")
    assert _line(row).endswith("limited by C11 (R-67 / F-73, SLG-c at 75 (min))")


def test_with_online_and_by_criterion_say_what_the_first_failing_export_is():
    """The hosting note's chargers-online sentence and the by-criterion note of a criterion
    limited from its smallest export (hosting 0 kW beside first fail 5 kW): IEEE 123's homes
    (review rev29 §6)."""
    from protv2g.hosting.at_once import at_once_note
    from protv2g.hosting.online import OnlineLimit, with_online

    axis = Axis(V2GSite(name="homes", bus="75", n_chargers=15, p_charger_kw=7.2,
                        participation={"low": 0.5, "expected": 0.8, "firm": 1.0}),
                Participation.EXPECTED, LoadLevel.LIGHT)
    row = {**ROW, "criterion": "C2", "device": "R-67", "fault_bus": "75", "fault_type": "SLG-c"}
    table = pd.DataFrame([{"note": "hosting 0 of 12 chargers (0 kW): …",
                           "max_online_chargers": pd.NA, "max_online_kw": float("nan")}])
    out = with_online(table, [axis], {axis.key: OnlineLimit(0, 12.0, 1.0, (row,), 5.0)})
    assert out["note"].iloc[0].endswith(
        "; chargers online searched instead: even one charger online fails (with 1 online "
        "C2 (R-67, SLG-c at 75 (min)) fails at 5 kW): at most 0 online, 0 kW")
    c = {"limited": True, "hosting_kw": 0.0, "first_fail_kw": 5.0}
    assert at_once_note(axis, c, "C2") == (
        "fails from the smallest export evaluated (5 kW, the search's first export step, "
        "with all 12 chargers of the participation online): not a matter of export — the "
        "fault current comes from the chargers' connected kVA (the fleet online), not from "
        "their export: the 12 chargers online give up to their first-cycle limit (12 × 7.2 "
        "kVA at 1.5 pu) whatever they export, the smallest export included; fewer chargers "
        "online or lower current limits would lift a fault-current limit, an export cap "
        "would not; how many chargers may be online: the Hosting capacity table "
        "(max_online_chargers)")
    assert at_once_note(axis, {**c, "hosting_kw": 12.7, "first_fail_kw": 13.5}, "C5") == ""


def test_a_limit_of_the_sites_own_equipment_is_not_its_windings():
    """ver33 (EPRI ckt24): the depot's 0 kW was set by a 3ph fault at its own transformer's
    cutout (C7, 11.7 kA asymmetrical against 10 kA, carried by the feeder), yet the note gave
    the YNd ground-source remedy ("a delta … winding, or a neutral impedance, would lift
    it"). A ground-fault row keeps that remedy; a 3ph row names the site's equipment."""
    from protv2g.hosting.at_once import reason
    from protv2g.hosting.online import OnlineLimit, with_online

    site = V2GSite(name="depot", bus="depot_lv", n_chargers=16, p_charger_kw=125,
                   model_transformer="depot_xf")
    axis = Axis(site, Participation.FIRM, LoadLevel.LIGHT)
    c7 = {"criterion": "C7", "device": "F-DEPOT", "fault_type": "3ph",
          "fault_bus": "f-depot close-in", "case": "max", "status": "fail"}
    note = ("hosting 0 of 16 chargers (0 kW): C7 fails from the smallest export evaluated "
            "(…): not a matter of export — " + reason("C7", site, 16.0))
    table = pd.DataFrame([{"note": note, "max_online_chargers": pd.NA,
                           "max_online_kw": float("nan"), "set_by_transformer": ""}])
    out = with_online(table, [axis], {axis.key: OnlineLimit(0, 16.0, 1.0, (c7,), 5.0,
                                                            (c7,))})
    text = out["note"].iloc[0]
    assert "set by the site's own transformer depot_xf, not its chargers" in text
    assert "winding connection" not in text and "neutral impedance" not in text
    assert "change that equipment" in text
    slg = {**c7, "fault_type": "SLG-a"}
    out = with_online(table, [axis], {axis.key: OnlineLimit(0, 16.0, 1.0, (slg,), 5.0,
                                                            (slg,))})
    assert "winding connection and grounding" in out["note"].iloc[0]


def test_a_site_transformer_limit_names_the_remedy_per_row_kind():
    """ver36 V1 (IEEE 8500's depot, rev36b W2 on J1): a 0 kW figure set with none of the
    depot's chargers online said, of C1 (head / F-DEPOT, SLG at F-DEPOT's terminal, 20 Ω), C5
    and C7 (F-DEPOT's duty) alike, "a delta or ungrounded-wye feeder-side winding … would lift
    it". OpenDSS with a delta feeder-side winding: F-DEPOT still sees 7,568 A (×1.463 = 11.07
    kA asym against its 10 kA cutout) and the 20 Ω fault at its terminal still draws 357 A from
    the grid (head 51G 1.22 s before the 100K's 15.7 s) — those rows are the equipment's; only
    the head's C5 at a feeder fault (3I0 192.4 → 164.0 A with the YNd) is the winding's."""
    from protv2g.hosting.at_once import transformer_remedy_by_row
    from protv2g.hosting.online import _winding_sets

    own = {"F-DEPOT"}
    c1 = {"criterion": "C1", "device": "head", "other_device": "F-DEPOT",
          "fault_type": "SLG-b"}
    c7 = {"criterion": "C7", "device": "F-DEPOT", "fault_type": "SLG-c"}
    c5 = {"criterion": "C5", "device": "head", "fault_type": "LLG-ab"}
    c5_3ph = {"criterion": "C5", "device": "head", "fault_type": "3ph"}
    assert [_winding_sets(r, own) for r in (c1, c7, c5, c5_3ph)] == [False, False, True,
                                                                      False]
    text = transformer_remedy_by_row("depot_xf", ["C1", "C7"], ["C5"], ["F-DEPOT"])
    equipment, winding = text.split("; C5 (ground faults at the feeder's devices): ")
    assert "C1, C7 (the rows of F-DEPOT, the site's own device): the equipment that comes" \
        in equipment
    assert "winding" not in equipment and "set by the site's own transformer" not in equipment
    assert winding.startswith("depot_xf's winding connection and grounding")
    assert "would lift it" in winding
    only = transformer_remedy_by_row("depot_xf", ["C1", "C7"], [])
    assert "winding connection" not in only and "change that equipment" in only


def test_the_site_transformer_remedy_is_said_once_per_row_kind():
    """ver36 V1 re-check (IEEE 8500's depot, 745b143): the hosting note read "C1: set by the
    site's own transformer depot_xf, not its chargers: C1, C7: … ; C5: … ; C5: set by … : C1,
    C7: … ; C5: … ; C7: set by …" — the per-kind block three times (once per criterion), each
    led by "set by the site's own transformer", which a delta winding does not make true of
    C1 and C7 (F-DEPOT's pair and duty). The note as the search writes it (tables._note,
    then with_online): the block once, C1 and C7 the site's device's, C5 the winding's."""
    from protv2g.hosting.online import OnlineLimit, with_online
    from protv2g.hosting.tables import _limiting, _note

    site = V2GSite(name="depot", bus="depot_lv", n_chargers=16, p_charger_kw=60,
                   model_transformer="depot_xf")
    axis = Axis(site, Participation.FIRM, LoadLevel.LIGHT)
    c1 = {"criterion": "C1", "device": "head", "other_device": "F-DEPOT",
          "fault_type": "SLG-b", "fault_bus": "f-depot close-in", "case": "min",
          "status": "fail", "input_basis": "given"}
    c5 = {"criterion": "C5", "device": "head", "other_device": None, "fault_type": "LLG-ab",
          "fault_bus": "m1027055", "case": "min", "status": "fail", "input_basis": "given"}
    c7 = {"criterion": "C7", "device": "F-DEPOT", "other_device": None, "fault_type": "SLG-c",
          "fault_bus": "f-depot close-in", "case": "max", "status": "fail",
          "input_basis": "given"}
    lim = _limiting({(axis.key, 5.0): {"C1": c1, "C5": c5, "C7": c7}}, axis, [5.0], None)
    table = pd.DataFrame([{**lim, "note": _note(axis, lim, []), "max_online_chargers": pd.NA,
                           "max_online_kw": float("nan"), "set_by_transformer": ""}])
    rows = (c7, c1, c5)
    out = with_online(table, [axis], {axis.key: OnlineLimit(0, 16.0, 1.0, rows, 5.0, rows)},
                      own_devices={"F-DEPOT"})
    note = out["note"].iloc[0]
    assert note.count("the equipment that comes with the site") == 1, note
    assert note.count("winding connection and grounding") == 1, note
    assert "set by the site's own transformer" not in note, note
    assert ("C1, C7 (the rows of F-DEPOT, the site's own device): the equipment that comes "
            "with the site") in note
    assert "C5 (ground faults at the feeder's devices): depot_xf's winding connection" in note
    assert "connected kVA" not in note  # the fleet's reason is replaced, not kept beside it
    assert out["set_by_transformer"].iloc[0] == "depot_xf"
