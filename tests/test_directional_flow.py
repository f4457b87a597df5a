"""C9's reverse-power rows: one mechanism, their own unit, and only a warn where an element the
study has picks up (review rev40a W2, M1 and item 3 of dir40's brief).

Hand-built study (:mod:`tests.test_checks_common`): R3 (51P 200 A, IEEE-VI) made
``directional: forward``; the flow's device table written by hand — 1.0 MW forward through R3
without V2G, −1.2 MW with the site exporting. Every figure below is the table's own arithmetic
(pickup − current, pickup − reverse power), done by hand; the flow figures a row states are
checked against an independent OpenDSS run in
``test_reverse_power_row_figures_against_an_independent_opendss_run``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import run_checks
from protv2g.checks.directional import FAILS_TO_TRIP
from protv2g.checks.directional_flow import REVERSE_POWER
from protv2g.findings import build_findings
from tests.test_checks_common import BASE, V2G, make_study, rows, scenarios
from tests.test_checks_common import with_devices as _with


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("hand_rev"))


def _flow(i_rev_a: float, p_rev_mw: float = -1.2) -> dict[str, pd.DataFrame]:
    dev = pd.DataFrame({"scenario": [BASE, V2G], "step": 0, "device": "R3",
                        "i_a": [100.0, i_rev_a], "p_mw": [1.0, p_rev_mw], "q_mvar": 0.1,
                        "direction": ["forward", "reverse"]})
    return {"device": dev}


def _c9(study, flow, table=None):
    t = rows((BASE, "R3", "B2", "3ph", "max", 2000.0)) if table is None else table
    v, _ = run_checks(study, t, flow, scenarios())
    return v[(v.criterion == "C9") & (v.status != "not_applicable")
             & ~v.message.str.contains("no engine result for device")]


def test_reverse_load_current_below_the_51p_pickup_is_info_in_ampere(hand) -> None:
    """150 A of reverse current, 51P 200 A, no 32 given: nothing picks up — an info row in A
    with margin 200 − 150 = 50 A (the old code: a warn "a 32 … or a 67 … picks up", margin
    −1.2 in "pu")."""
    s = _with(hand, R3={"directional": "forward"})
    c9 = _c9(s, _flow(150.0))
    assert len(c9) == 1
    row = c9.iloc[0]
    assert (row.status, row.margin_unit, row.mechanism) == ("info", "A", REVERSE_POWER)
    assert row.margin == pytest.approx(50.0) and row.limit == pytest.approx(200.0)
    assert "nothing picks up" in row.message and "P = -1.20 MW, 150 A" in row.message
    assert "no 32 reverse-power element in the study" in row.message


def test_reverse_load_current_above_the_51p_pickup_warns(hand) -> None:
    s = _with(hand, R3={"directional": "forward"})
    row = _c9(s, _flow(260.0)).iloc[0]
    assert (row.status, row.margin_unit) == ("warn", "A")
    assert row.margin == pytest.approx(200.0 - 260.0)
    assert "its 51P picks up on 260 A of reverse load current (pickup 200 A)" in row.message


def test_a_given_32_element_is_judged_in_mw(hand) -> None:
    """``reverse_power_pickup_mw: 0.5``: 1.2 MW reverse picks it up (margin 0.5 − 1.2 =
    −0.7 MW, operates after the 2 s delay); at 0.3 MW reverse it does not (+0.2 MW)."""
    s = _with(hand, R3={"directional": {"reverse_power_pickup_mw": 0.5}})
    c9 = _c9(s, _flow(150.0))
    mw = c9[c9.margin_unit == "MW"].iloc[0]
    assert mw.status == "fail" and mw.margin == pytest.approx(-0.7)
    assert mw.t_device_s == pytest.approx(2.0) and mw.limit == pytest.approx(0.5)
    assert "its 32 reverse-power element picks up on 1.20 MW (pickup 0.5 MW)" in mw.message
    amp = c9[c9.margin_unit == "A"].iloc[0]
    assert amp.status == "info" and "no 32" not in amp.message
    low = _c9(s, _flow(40.0, p_rev_mw=-0.3))
    mw = low[low.margin_unit == "MW"].iloc[0]
    assert mw.status == "info" and mw.margin == pytest.approx(0.2)


def test_a_32_that_picks_up_on_the_export_fails_and_says_what_it_disconnects(hand) -> None:
    """rev50a #6 (IEEE 123 R-L58: 32 pickup 0.3 MW, 0.73 MW of export through it, a
    ``warn``): a 32 that operates on sustained V2G export trips its relay every export period
    — ``fail``, caused by V2G (no reversal in the base case: ``new``), naming the load the
    relay carries without V2G at the same step (1.0 MW forward in the base case: 1,000 kW),
    the sites behind it and the fix at the largest export through it (1.20 MW). The old
    code: ``warn``, "picks up … and operates after 2 s" and nothing else."""
    s = _with(hand, R3={"directional": {"reverse_power_pickup_mw": 0.5}})
    mw = _c9(s, _flow(150.0)).query("margin_unit == 'MW'").iloc[0]
    assert (mw.status, mw.attribution) == ("fail", "new")
    assert "disconnecting the 1,000 kW of load it carries without V2G" in mw.message
    assert "V2G site(s) behind it" not in mw.message  # the site (bus 1) is not behind R3
    assert "set the 32 pickup above the largest export through R3" in mw.message
    assert "1.20 MW, or block the 32 while the feeder exports" in mw.message


def test_reverse_power_is_a_finding_apart_from_fails_to_trip(hand) -> None:
    """rev40a M1: a fails-to-trip fail row (67P without polarising voltage and no memory, a
    forward fault R3 picks up) and a reverse-power row of the same relay are two findings,
    each with its own status and unit."""
    s = _with(hand, R3={"directional": {"memory": False, "phase_min_polarising_pu": 2.0}})
    c9 = _c9(s, _flow(260.0))
    assert set(c9.mechanism) == {FAILS_TO_TRIP, REVERSE_POWER}
    f = build_findings(c9).findings
    assert len(f) == 2
    by = f.set_index("mechanism")
    assert by.loc[FAILS_TO_TRIP, "status"] == "fail"
    assert by.loc[REVERSE_POWER, "status"] == "warn"
    assert by.loc[REVERSE_POWER, "margin_unit"] == "A"
    assert "(reverse power on load: 51P, supervised by 67P)" in by.loc[REVERSE_POWER, "title"]


def test_the_32_and_51p_findings_of_one_relay_name_their_element(hand) -> None:
    """rev41a M3 (IEEE 34 F14, F20): the 32 element's rows (MW) and the 51P's (A) of one
    relay are two findings; before, both were titled "C9 directional behaviour: R3 (reverse
    power on load)"; each title now names its element."""
    s = _with(hand, R3={"directional": {"reverse_power_pickup_mw": 0.5}})
    f = build_findings(_c9(s, _flow(150.0))).findings.set_index("margin_unit")
    assert f.loc["MW", "title"].endswith("(reverse power on load: 32 reverse-power element)")
    assert f.loc["A", "title"].endswith("(reverse power on load: 51P, supervised by 67P)")
    assert f.loc["MW", "title"] != f.loc["A", "title"]


def test_reverse_power_row_figures_against_an_independent_opendss_run() -> None:
    """The figures of a reverse-power row are the flow's, checked against OpenDSS itself: the
    example feeder, a 1.5 MW three-phase site at b2 exporting at light load reverses the power
    through line.l1 (test_dss_flow); the test's own OpenDSS run (the site as a negative fixed
    *Load*, delta, pf 1: :func:`tests.test_dss_flow._independent`) gives P and the largest phase
    current at line.l1's terminal 1; the row (a relay r1 there, 51P 100 A) states them and its
    margin is 100 A − that current."""
    pytest.importorskip("opendssdirect")
    from protv2g.checks.directional_flow import reverse_power_rows
    from protv2g.flow.opendss_study import opendss_flow_study
    from protv2g.network.dss_model import load_dss_model
    from protv2g.study.schema import StudyDocument
    from tests.test_dss_flow import EXAMPLE, _independent

    doc = StudyDocument.model_validate({
        "name": "x", "feeder": {"opendss": "Master.dss"},
        "v2g_sites": [{"name": "lot", "bus": "b2", "n_chargers": 20, "p_charger_kw": 75}],
        "scenarios": {"export_levels_fraction": [0, 1], "load_levels": ["light"],
                      "participation": ["expected"]}})
    r = opendss_flow_study(doc, load_dss_model(EXAMPLE), [("r1", "recloser", "line.l1", 1)])
    sc, base = "expected/light/100%", "base/light"
    dev = r.devices[r.devices.scenario.isin([sc, base]) & (r.devices.device == "r1")]
    got = dev[dev.scenario == sc].iloc[0]
    site = r.sites[(r.sites.scenario == sc) & (r.sites.site == "lot")]
    p_site_kw = float(site.p_kw.iat[0])  # the export the scenario gives the site
    assert p_site_kw > 0
    ref = _independent(EXAMPLE, [f"new load.ind_lot bus1=b2.1.2.3 phases=3 kv=12.47 "
                                 f"kw={-p_site_kw} pf=1 model=1 status=fixed conn=delta"],
                       float(got.load_fraction))
    ref.Circuit.SetActiveElement("line.l1")
    p = np.asarray(ref.CktElement.Powers())
    p_ref_mw = p[0:6:2].sum() / 1e3
    i_ref_a = np.asarray(ref.CktElement.CurrentsMagAng())[0:6:2].max()
    assert p_ref_mw < 0
    assert got.p_mw == pytest.approx(p_ref_mw, rel=1e-3)
    assert got.i_a == pytest.approx(i_ref_a, rel=1e-3)
    relay = SimpleNamespace(name="r1", pickup_a=100.0, directional="forward")
    ctx = SimpleNamespace(flow={"device": dev}, base_of={sc: base, base: base},
                          export_text=lambda s: "with lot exporting",
                          study=SimpleNamespace(document=SimpleNamespace(devices=[relay])))
    row = reverse_power_rows(ctx, ["r1"]).iloc[0]
    assert row.margin == pytest.approx(100.0 - i_ref_a, rel=1e-3)
    assert f"P = {p_ref_mw:.2f} MW, {i_ref_a:.0f} A" in row.message
    assert row.status == ("warn" if i_ref_a >= 100.0 else "info")
