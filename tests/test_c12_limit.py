"""C12's voltage limit with a tolerance, the buses a set-point holds, and what V2G causes
(review s26 §4: IEEE 34 with a depot near the substation; :mod:`protv2g.checks.flow_limit`).

Hand-built flow tables on the hand-built feeder of :mod:`tests.test_checks_common` (``SUB`` is
its source bus; ``v2g``'s base case is ``base/peak``), then IEEE 34 itself from ``../shared``.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from protv2g.checks import check_study
from protv2g.checks.flow_groups import FLOW_BUS_TABLE
from protv2g.checks.flow_limit import (
    AT_LIMIT,
    REGULATOR_SETPOINT,
    SOURCE_SETPOINT,
    V_LIMIT_TOLERANCE_PU,
    regulated_buses,
    setpoint_texts,
    v2g_caused,
)
from protv2g.checks.rule_values import study_rules_table
from protv2g.input_basis import InputBases, confirm_texts, tag_input_basis
from tests.test_checks_common import BASE, BUS, V2G, make_study, rows, scenarios


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("c12"))


def _flow(base: dict[str, float], v2g: dict[str, float]) -> dict[str, pd.DataFrame]:
    """Bus voltages (pu) of the base case and of the V2G scenario, every other bus 1.0 pu."""
    def table(scenario: str, given: dict[str, float]) -> pd.DataFrame:
        vm = {**dict.fromkeys(BUS, 1.0), **given}
        return pd.DataFrame({"scenario": scenario, "step": 0, "bus": [BUS[b] for b in vm],
                             "vm_pu": list(vm.values())})
    br = pd.DataFrame({"scenario": BASE, "step": 0, "element": "line",
                       "element_index": [0, 1], "loading_percent": [40.0, 30.0]})
    return {"bus": pd.concat([table(BASE, base), table(V2G, v2g)], ignore_index=True),
            "branch": br}


def _c12(study, flow) -> pd.DataFrame:
    """C12's fail and info rows, a group's row (#21, :mod:`protv2g.checks.flow_groups`) read
    bus by bus: one row per bus of its group, with the bus's own margin, tolerance and base
    margin from the per-bus table (the group's keys and, at its worst bus, its message)."""
    out = check_study(study, rows((BASE, "R1", "B1", "3ph", "max", 1000.0)), flow,
                      scenarios())
    v = out.violations
    v = v[(v.criterion == "C12") & v.status.isin(["fail", "info"])].reset_index(drop=True)
    per_bus = out.context.cache.get(FLOW_BUS_TABLE)
    if per_bus is None or not (v.bus_group >= 0).any():
        return v
    per_bus = per_bus.reset_index(drop=True)
    at = pd.Series(v.index, index=v.bus_group)
    every = v.iloc[at.reindex(per_bus.bus_group.to_numpy()).dropna().astype(int)].copy()
    for c in ("fault_bus", "margin", "tolerance", "base_margin"):
        every[c] = per_bus[c].to_numpy(dtype=object if c == "fault_bus" else float)
    first = ~per_bus.bus_group.duplicated().to_numpy()
    every["message"] = np.where(first, every.message.astype(str).to_numpy(), None)
    alone = v[v.bus_group < 0]
    return pd.concat([alone, every], ignore_index=True) if len(alone) else every.reset_index(
        drop=True)


def _fail_at(c12: pd.DataFrame, bus: str, scenario: str = V2G) -> pd.DataFrame:
    return c12[(c12.status == "fail") & (c12.fault_bus == bus) & (c12.scenario == scenario)]


# ---------------------------------------------------------------- the tolerance
def test_a_voltage_within_the_tolerance_is_at_the_limit_not_over_it(hand) -> None:
    """IEEE 34's 800 "exceeded" 1.05 pu by 5.7e-6 pu; 852r by 0.00036 pu. Within 0.001 pu
    (IEC 61000-4-30 Class A) the bus is at the limit; beyond it, it fails as before."""
    c12 = _c12(hand, _flow({"B3": 1.0}, {"B3": 1.0505, "B4": 1.0515}))
    assert _fail_at(c12, "B3").empty
    row = _fail_at(c12, "B4").iloc[0]
    assert row.margin == pytest.approx(1.05 - 1.0515)
    strict = hand.with_updates(checks={"voltage_limit_tolerance_pu": 0.0})
    assert len(_fail_at(_c12(strict, _flow({}, {"B3": 1.0505})), "B3")) == 1


def test_a_voltage_within_the_tolerance_is_said_in_one_info_row(hand) -> None:
    """Review s27 §5 (EPRI J1, 40 homes: 1.050181 pu at the far end left no row anywhere):
    the buses within the tolerance above the limit are named in one info row."""
    from protv2g.checks.flow_limit import WITHIN_TOLERANCE

    c12 = _c12(hand, _flow({"B3": 1.0}, {"B3": 1.0505, "B4": 1.0515}))
    info = c12[(c12.status == "info") & (c12.mechanism == WITHIN_TOLERANCE)]
    assert len(info) == 1
    msg = str(info.message.iloc[0])
    assert "1.05050 pu at B3" in msg and "tolerance 0.001 pu" in msg
    assert "at B4" not in msg                                    # B4 fails, beyond it
    assert info.scenario.iloc[0] == V2G and info.attribution.iloc[0] == "new"  # V2G's rise
    quiet = _c12(hand, _flow({}, {"B3": 1.049}))
    assert not (quiet.mechanism == WITHIN_TOLERANCE).any()


def test_the_tolerance_is_in_the_rules_sheet_with_its_source(hand) -> None:
    rules = study_rules_table(hand).set_index("rule")
    row = rules.loc["voltage_limit_tolerance_pu"]
    assert row.value == V_LIMIT_TOLERANCE_PU == 0.001 and row.unit == "pu"
    assert "IEC 61000-4-30" in row.source and "OpenDSS" in row.source
    assert (row.bracket_low, row.bracket_high) == pytest.approx((1e-4, 1 / 240))
    given = study_rules_table(hand.with_updates(
        checks={"voltage_limit_tolerance_pu": 0.0005})).set_index("rule")
    assert given.loc["voltage_limit_tolerance_pu"].source == (
        "study file (checks.voltage_limit_tolerance_pu)")


# ---------------------------------------------------------------- what V2G causes
def test_a_base_case_over_only_by_noise_is_caused_by_v2g(hand) -> None:
    """IEEE 34's 814: 1.0503 pu without V2G, 1.0583 with it (V2G supplies 0.0079 of the
    0.0083 pu exceedance) was "pre-existing" under the materiality threshold."""
    row = _fail_at(_c12(hand, _flow({"B4": 1.0503}, {"B4": 1.0583})), "B4").iloc[0]
    assert row.attribution == "new"
    assert "without V2G 1.0503 pu here, at the limit within its tolerance 0.00105 pu" in (
        row.message)
    assert "pre-existing" not in row.message
    # judged against the limit's tolerance (floored by the attribution), not the materiality
    assert row.tolerance == pytest.approx(0.00105, abs=1e-5)
    assert row.base_margin == pytest.approx(1.05 - 1.0503)


def test_an_at_limit_row_says_one_tolerance_and_no_attribution_of_its_own(hand) -> None:
    """Review rev38a M1 (IEEE 8500 x2729406c, 1.05097 → 1.05302 pu): the gate line said
    "caused by V2G: without V2G 1.051 pu, at the limit within its tolerance 0.001 pu" and, in
    the same line, "(fail; made worse by V2G; … within the tolerance 0.001051 pu …)": the
    row's text named an attribution the finding's may differ from, and quoted the limit's
    0.001 pu where the row's tolerance is floored to 0.1 % of the voltage (0.001 × (1.05 +
    0.00097) = 0.00105097 pu, written to 4 digits 0.001051). V2G's rise 0.00205 pu is said
    against checks.voltage_change_min_pu (1/120 pu: 0.25 ×)."""
    from protv2g.gate_twin import twin_text

    row = _fail_at(_c12(hand, _flow({"B4": 1.05097}, {"B4": 1.05302})), "B4").iloc[0]
    assert row.attribution == "new"
    assert "caused by V2G" not in row.message
    tol = 0.001 * (1.05 + 0.00097)  # the attribution's floor, by hand
    assert row.tolerance == pytest.approx(tol, rel=1e-9)
    assert "at the limit within its tolerance 0.001051 pu" in row.message
    assert "0.001 pu" not in row.message  # the setting's 0.001 pu is floored: one number
    assert "(checks.voltage_limit_tolerance_pu, floored at 0.1 % of the voltage)" in row.message
    assert "V2G raises it by 0.00205 pu (0.25 × checks.voltage_change_min_pu 0.008333 pu" in (
        row.message)
    # the gate's twin text quotes the same tolerance (4 digits on the terminal)
    from protv2g.commands.gate import terminal_text

    twin = terminal_text(twin_text(row))
    assert "within the tolerance 0.001051 pu (taken as passing)" in twin
    assert "0.001 pu" not in twin


def test_a_base_case_within_the_limit_is_caused_by_v2g_whatever_the_rise(hand) -> None:
    """Review s17's bt (1.0489 → 1.0545 pu) reads as lat2 (1.0502 → 1.0558 pu): both new."""
    c12 = _c12(hand, _flow({"B3": 1.0489, "B4": 1.0502}, {"B3": 1.0545, "B4": 1.0558}))
    assert _fail_at(c12, "B3").attribution.tolist() == ["new"]
    assert _fail_at(c12, "B4").attribution.tolist() == ["new"]


def test_a_base_case_failing_beyond_the_tolerance_keeps_the_materiality_rule(hand) -> None:
    c12 = _c12(hand, _flow({"B3": 1.053, "B4": 1.053}, {"B3": 1.058, "B4": 1.063}))
    b3, b4 = _fail_at(c12, "B3").iloc[0], _fail_at(c12, "B4").iloc[0]
    assert b3.attribution == "pre-existing" and "under the materiality threshold" in b3.message
    assert b4.attribution == "worse"
    assert b3.tolerance == pytest.approx(1 / 120)
    assert _fail_at(c12, "B4", BASE).attribution.tolist() == ["pre-existing"]


def test_v2g_caused_needs_a_rise_beyond_the_tolerance() -> None:
    w = pd.DataFrame({"scenario": ["b", "b", "v", "v", "x"], "bus": [1, 2, 1, 2, 1],
                      "vm_pu": [1.0509, 1.05, 1.0512, 1.06, 1.07]})
    bad = w[w.vm_pu > 1.051]
    caused, v_base = v2g_caused(w, bad, {"b": "b", "v": "b", "x": ""}, 1.05, 0.001)
    # bus 1 at 1.0509 → 1.0512: a rise of 0.0003 pu, inside the tolerance; no base for x
    assert caused.tolist() == [False, True, False]
    assert v_base[:2] == pytest.approx([1.0509, 1.05]) and np.isnan(v_base[2])


# ---------------------------------------------------------------- set-point buses
def test_a_source_bus_v2g_raises_is_said_not_the_studys_input(hand) -> None:
    """Review ver39 M-a (EPRI DG_Prot_Fdr): the not-judged info row called bx "the study's
    input, not a result", but behind the 36.6 MVA source OpenDSS puts bx at 1.0479 pu without
    V2G and 1.0573 pu with 1.14 MW exported (rev39a dgp/flow.py): the row gives both and says
    it is the set-point plus the rise through the source impedance. A source bus that does
    not move keeps "the study's input"."""
    c12 = _c12(hand, _flow({"SUB": 1.0479}, {"SUB": 1.0573}))
    info = " ".join(c12[c12.status == "info"].message.astype(str))
    assert "1.057 pu at SUB (a source bus: 1.048 pu without V2G, 1.057 pu with it" in info
    assert "rise through the source impedance" in info and "study's input" not in info
    still = _c12(hand, _flow({"SUB": 1.0573}, {"SUB": 1.0573}))
    info = " ".join(still[still.status == "info"].message.astype(str))
    assert "1.057 pu at SUB (a source bus: its voltage is the study's input, not a result)" in info


def test_a_bus_held_at_the_source_set_point_is_named_so(hand) -> None:
    """A source above the limit holds the bus behind a near-zero impedance there, with and
    without V2G: the set-point is the input the row rests on, not the load."""
    held = {"SUB": 1.06, "B1": 1.0602}
    c12 = _c12(hand, _flow(held, {**held, "B4": 1.07}))
    b1 = _fail_at(c12, "B1").iloc[0]
    assert b1.mechanism == SOURCE_SETPOINT
    # the hand net's ext_grid vm_pu=1 is its setting; the hand-built flow puts SUB at 1.06
    assert ("B1 is held at the source's set-point (1.0000 pu, ext_grid vm_pu=1; 1.0600 pu at "
            "SUB" in b1.message)
    assert _fail_at(c12, "B4").mechanism.tolist() == [""]  # 1.0 pu without V2G: a rise
    # not put on the drafted light-load fraction (review s26: "rests on light_load_fraction")
    v = pd.DataFrame({"criterion": "C12", "status": "fail", "device": "", "other_device": "",
                      "scenario": "v2g/light", "mechanism": [SOURCE_SETPOINT, ""]})
    bases = InputBases(light_scenarios=frozenset({"v2g/light"}))
    assert tag_input_basis(v, bases).tolist() == ["given", "todo"]
    assert confirm_texts(v, bases)[0] == ""


def test_a_set_point_at_the_limit_is_one_info_row(hand) -> None:
    held = {"SUB": 1.05, "B1": 1.0500057}
    c12 = _c12(hand, _flow(held, held))
    assert c12[c12.status == "fail"].empty
    info = c12[(c12.status == "info") & (c12.mechanism == AT_LIMIT)].message.tolist()
    assert len(info) == 1 and "1.0500 pu at B1 (B1 is held at the source's set-point" in info[0]


def _model(controls_on: bool = True) -> SimpleNamespace:
    return SimpleNamespace(
        controls_on=controls_on,
        controls=pd.DataFrame({"name": ["regcontrol.creg2a", "capcontrol.c1"],
                               "kind": ["regcontrol", "capcontrol"],
                               "target": ["transformer.reg2a", "capacitor.c1"],
                               "terminal": [2, 1], "enabled": [True, True]}),
        elements=pd.DataFrame({"name": ["transformer.reg2a", "capacitor.c1"],
                               "buses": [("852.1", "852r.1"), ("844",)]}),
        buses=pd.DataFrame(index=pd.Index(["852", "852r", "844"], name="bus")))


def test_a_regulators_output_is_named_as_its_set_point() -> None:
    assert regulated_buses(_model()) == {1: "regulator reg2a (creg2a)"}
    assert regulated_buses(_model(controls_on=False)) == {}  # taps as compiled: not held
    assert regulated_buses(None) == {}
    bus = pd.DataFrame({"scenario": ["b", "v"], "step": 0, "bus": [1, 1],
                        "vm_pu": [1.0503, 1.056]})
    held = setpoint_texts(bus, np.array([1]), {0}, regulated_buses(_model()), 0.001,
                          lambda b: ["852", "852r", "844"][b])
    mech, text = held[1]
    assert mech == REGULATOR_SETPOINT
    assert text.startswith("852r is the output of regulator reg2a (creg2a): its voltage is "
                           "held there by the regulator's set-point")


def test_a_bus_behind_a_source_v2g_moves_is_not_held_at_its_set_point() -> None:
    """Review rev39a M1 (EPRI DG_Prot_Fdr, ``New Circuit ... pu=1.0475 MVAsc3=36.61``): with
    the depot and homes exporting 1.14 MW OpenDSS puts Bx at 1.0573 pu, 1.0479 without
    (rev39a dgp/flow.py); b1 follows Bx within 0.001 pu, but the rise is V2G's, not the
    set-point's. A stiff source (the same voltages with and without V2G) still holds it,
    and the message quotes the source's own setting, not the highest voltage at its bus."""
    names = ["bx", "b1"]
    weak = pd.DataFrame({"scenario": ["b", "b", "v", "v"], "step": 0, "bus": [0, 1, 0, 1],
                         "vm_pu": [1.0479, 1.0480, 1.0573, 1.0570]})
    base_of = {"b": "b", "v": "b"}
    setting = {0: ("Vsource.source pu=1.0475", 1.0475)}
    assert setpoint_texts(weak, np.array([1]), {0}, {}, 0.001, names.__getitem__,
                          base_of=base_of, setpoints=setting) == {}
    # without base_of: the source bus's spread over every step judges it the same way
    assert setpoint_texts(weak, np.array([1]), {0}, {}, 0.001, names.__getitem__) == {}
    stiff = weak.assign(vm_pu=[1.0601, 1.0602, 1.0601, 1.0605])
    mech, text = setpoint_texts(stiff, np.array([1]), {0}, {}, 0.001, names.__getitem__,
                                base_of=base_of, setpoints={0: ("Vsource.source pu=1.06",
                                                                1.06)})[1]
    assert mech == SOURCE_SETPOINT
    assert text.startswith("b1 is held at the source's set-point (1.0600 pu, Vsource.source "
                           "pu=1.06; 1.0601 pu at bx, within 0.001 pu in every step the flow "
                           "solved; bx moved 0 pu by V2G)")


# ---------------------------------------------------------------- IEEE 34 (review s26 §4)
@pytest.fixture(scope="module")
def ieee34(shared_dir, tmp_path_factory):
    import protv2g
    from protv2g.cli import main

    dss = shared_dir / "feeders" / "opendss" / "34Bus" / "ieee34Mod1.dss"
    if not dss.is_file():
        pytest.skip(f"{dss} absent (../shared not mounted)")
    out = tmp_path_factory.mktemp("ieee34") / "study.yaml"
    assert main(["init", str(dss), "-o", str(out), "--site", "depot:802:10:60",
                 "--site", "homes:838.b:8:7.2"]) == 0
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    out.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return protv2g.run_study(protv2g.load_study(out), hosting=False, staged=False)


def test_ieee34_source_set_point_and_the_rise_v2g_causes(ieee34) -> None:
    """800 sits behind the model's 0.01 % substation transformer on ``Vsource pu=1.05``
    (1.050005 pu): at the limit, named as the source's set-point, not a failing row. 814 is
    1.0503 pu without V2G and 1.058 pu with the depot and homes exporting: caused by V2G."""
    v = ieee34.violations
    c12 = v[v.criterion == "C12"]
    # the over-voltage rows (under-voltage has its own rows since review rev34a M0: IEEE 34's
    # far end is under 0.95 pu at peak without V2G, pre-existing)
    fails = c12[(c12.status == "fail") & (c12.mechanism != "under-voltage")]
    low = c12[(c12.status == "fail") & (c12.mechanism == "under-voltage")]
    assert set(low.attribution) <= {"pre-existing", "worse", "new"}
    assert not (fails.fault_bus == "800").any()
    assert not fails.scenario.astype(str).str.startswith("base").any()
    row = fails[(fails.fault_bus == "814") & (fails.scenario == "firm/light/100%")].iloc[0]
    assert row.margin == pytest.approx(1.05 - 1.0583, abs=2e-4)
    assert row.base_margin == pytest.approx(1.05 - 1.0503, abs=1e-4)
    assert row.attribution == "new"
    assert (fails.attribution == "new").all()
    info = c12[(c12.status == "info") & (c12.mechanism == AT_LIMIT)].message.astype(str)
    assert len(info) == 1 and "at 800 (800 is held at the source's set-point" in info.iat[0]
    # the script's own setting (``New object=circuit.ieee34-1 basekv=69 pu=1.05``), rev39a M1
    assert "set-point (1.0500 pu, Vsource.source pu=1.05; " in info.iat[0]
    assert "852r is the output of regulator reg2a" in info.iat[0]
    reasons = [str(r) for r in ieee34.meta["gate"].get("reasons", [])]
    assert not [r for r in reasons if "C12" in r and "at 800" in r]


@pytest.mark.parametrize(("mechanism", "words"), [
    ("source set-point", "source's set-point"),
    ("regulator set-point", "lower its vreg"),
    ("set-point at the limit", "no change needed"),
])
def test_recommendation_note_names_the_set_point(mechanism: str, words: str) -> None:
    """Review s26 §4: a set-point finding is told to look at the set-point, not at the
    sites' export cap or volt-var settings (the note of a voltage rise)."""
    from protv2g.recommend.notes import _no_candidate_note

    finding = {"margin_unit": "pu", "mechanism": mechanism, "attribution": "pre-existing"}
    note = _no_candidate_note("C12", "fail", finding)
    assert words in note
    assert "export cap" not in note
    rise = _no_candidate_note("C12", "fail", {"margin_unit": "pu", "mechanism": ""})
    assert "export cap" in rise


def test_voltage_rise_note_follows_the_scenarios_cause() -> None:
    """Review rev33b W5 (IEEE 123, bus 83 "caused by charging" at ``charging/firm``): a rise
    with the sites importing is the regulators' line-drop compensation boosting for the
    charging load, not the export — the note names the LDC regulators (the model's
    RegControls with a forward R/X, ``control_mode`` ``forward_locked_ldc``) or managed
    charging, never an export cap or volt-var; a rise by the export keeps the export cap."""
    from protv2g.recommend.notes import _no_candidate_note

    charging = {"margin_unit": "pu", "mechanism": "", "attribution": "caused by charging",
                "worst_scenario": "charging/firm", "ldc_regulators": ["REG:reg1a"]}
    note = _no_candidate_note("C12", "fail", charging)
    assert "not an export cap or volt-var setting" in note
    assert "the sites' export cap" not in note
    assert note.startswith("voltage rise with the sites charging (importing, not exporting)")
    assert "line-drop compensation (REG:reg1a: forward R/X set)" in note
    assert "manage the charging" in note
    worse = _no_candidate_note("C12", "fail", {**charging, "ldc_regulators": [],
                                                "attribution": "made worse by charging"})
    assert "none found in the model's RegControls" in worse
    assert "the sites' export cap" not in worse
    export = _no_candidate_note("C12", "fail", {"margin_unit": "pu", "mechanism": "",
                                                "attribution": "caused by V2G",
                                                "worst_scenario": "firm/light/100%"})
    assert export.startswith("voltage rise by the sites' export: the sites' export cap")
    assert "line-drop" not in export
    pre = _no_candidate_note("C12", "fail", {"margin_unit": "pu", "mechanism": "",
                                             "attribution": "pre-existing"})
    assert "without V2G too" in pre and "export cap" not in pre
    from protv2g.recommend.notes import ldc_regulators  # what search passes as above

    controls = {"REG:reg1a": {"kind": "regulator", "control_mode": "forward_locked_ldc"},
                "REG:reg2a": {"kind": "regulator", "control_mode": "forward_locked"},
                "CAP:c83": {"kind": "capacitor", "control_mode": "voltage"}}
    assert ldc_regulators(controls) == ["REG:reg1a"]
