"""Rows new with the project's equipment: said as the equipment's, not "caused by V2G".

Reviews rev34a M1 (IEEE 8500: F-DEPOT, the fuse on the depot's own transformer, fails C7 at
11.12 kA asymmetrical against its 10 kA cutout; the feeder's 7.55 kA without any charger, the
chargers adding ≈ 0.3 %; the Findings and the gate said "caused by V2G") and rev34b M1/M2/M4
(IEEE 34: the depot transformer's no-load tap; its light-load row "caused by V2G", the peak
hosting figure judged at the tap the same gate asks to change, recommend's "export cap or
volt-var" for that row).

Feeders (their own tests' OpenDSS references):

* ``test_dss_site_transformer``'s: a 2 MVA YNd depot transformer at b2, with the depot's
  fuse F-DEPOT on its high-voltage side (``location: {trafo: depot_xf, side: hv}``). The
  reference for "the feeder's fault level at b2 without any charger" is OpenDSS itself: a
  fresh ``opendssdirect`` context, the model without the depot's script (the feeder as it
  is today), a bolted ``Fault`` at b2 on the row's phases to ground, loads off, the source
  at 1.0 pu × 1.1 (IEC 60909 ``c_max`` on MV);
* ``test_c12_site_tap``'s: a depot's Dyn transformer at nominal tap, ``depot_lv`` 1.0509 pu
  idle at light load (over Range A: the tap's row) and 1.0482 pu at peak, where the depot's
  own 1,600 kW takes it to 1.0541 pu (OpenDSS, that test).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from .test_c12_site_tap import folder, result  # noqa: E402, F401
from .test_dss_site_transformer import MASTER, STUDY, XF  # noqa: E402

FUSE = ("  - {{name: F-DEPOT, kind: fuse, location: {{trafo: depot_xf, side: hv}}, "
        "link: 100K,\n     interrupting_rating_ka: {rating}, "
        "interrupting_rating_basis: asym}}\n")


@pytest.fixture(scope="module")
def xft(tmp_path_factory):
    out = tmp_path_factory.mktemp("xft_eq")
    (out / "Master.dss").write_text(MASTER)
    (out / "depot_xf.dss").write_text(XF)
    return out


#: A second site on b3 whose chargers feed a fault at F-DEPOT through the fuse (the depot's
#: own are behind it): 20 × 100 kVA × 1.5 / (√3 · 12.47 kV) ≈ 0.14 kA at firm participation.
CAMPUS = "  - {name: campus, bus: b3, n_chargers: 20, p_charger_kw: 100}\n"


def _run(where, rating: float, campus: bool = False):
    from protv2g.gate import gate_verdict
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    p = where / f"fuse_{rating:g}_{int(campus)}.yaml"
    text = STUDY.format(bus="depot_lv", extra=", model_transformer: depot_xf").replace(
        "ground_time_dial: 0.5}", "ground_time_dial: 0.5,\n     interrupting_rating_ka: 25, "
        "reclose_intervals_s: []}", 1)
    text = text.replace("v2g_sites:\n", FUSE.format(rating=rating) + "v2g_sites:\n")
    if campus:
        text = text.replace("\nscenarios:", "\n" + CAMPUS.rstrip("\n") + "\nscenarios:", 1)
    p.write_text(text)
    study = load_study(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(study, hosting=False)
        gate = gate_verdict(study, res)
    return res, gate


def _feeder_fault_ka(where, phases: str) -> float:
    """OpenDSS: the largest phase current of a bolted fault at b2 on ``phases`` to ground,
    the feeder without the depot's transformer (no charger anywhere), × 1.1."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{where / "Master.dss"}"')
    dss.Text.Command("batchedit load..* enabled=no")
    dss.Text.Command("vsource.source.pu=1.0")
    nodes = ".".join(str("abc".index(p) + 1) for p in phases)
    dss.Text.Command(f"new fault.f phases={len(phases)} bus1=b2.{nodes} "
                     f"bus2=b2{'.0' * len(phases)} r=0.0001")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("Fault.f")
    c = np.asarray(dss.CktElement.Currents(), dtype=float)
    c = c[0::2] + 1j * c[1::2]
    return float(1.1 * np.abs(c[:len(phases)]).max() / 1e3)


def _c7(res):
    v = res.violations
    return v[(v.criterion == "C7") & (v.device == "F-DEPOT") & (v.status == "fail")
             & ~v.scenario.astype(str).str.startswith("base")]


def test_c7_on_the_site_transformer_fails_without_chargers_is_the_equipments(xft):
    """Fails on the old code: the rows were ``new``, the finding and the gate line "caused
    by V2G", with no figure without the chargers."""
    from protv2g.findings import Attribution, build_findings

    res, gate = _run(xft, 1.0)  # 1 kA asym: far under the feeder's own fault level
    rows = _c7(res)
    assert len(rows)
    assert set(rows.attribution) == {"equipment"}
    for r in rows.itertuples():
        msg = str(r.message)
        m = re.search(r"new with the project's equipment \(depot_xf, F-DEPOT\): the feeder's "
                      r"fault level at b2 is ([0-9.]+) kA \(([A-Za-z0-9-]+), max\) without any "
                      r"charger, ([0-9.]+) kA asymmetrical rms against the 1.00 kA rating by "
                      r"itself; the chargers \(and the site's transformer\) add "
                      r"([+−-][0-9.]+%|nothing)",
                      msg)
        assert m, msg
        ft = m[2]
        assert ft == str(r.fault_type)
        ref = _feeder_fault_ka(xft, ft.split("-")[1] if "-" in ft else "abc")
        assert float(m[1]) == pytest.approx(ref, rel=0.01)
        assert float(m[3]) > 1.0 and float(m[3]) >= float(m[1])  # offset: asym ≥ sym
        assert "remedy: the equipment" in msg and "not the chargers or their export" in msg
    findings = build_findings(res.violations).findings
    f = findings[(findings.criterion == "C7") & (findings.device == "F-DEPOT")]
    assert len(f) == 1 and f.attribution.iloc[0] == Attribution.EQUIPMENT
    lines = [x for x in gate["reasons"] if x.startswith("fail: C7 F-DEPOT")]
    assert gate["verdict"] == "FAIL" and len(lines) == 1  # the project brings it: it fails
    assert "; caused by the project's equipment;" in lines[0]
    assert "caused by V2G" not in lines[0]
    # the Summary counts it and lists it under its own heading
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = res.to_excel(xft / "eq.xlsx")
    cells = [str(c) for row in openpyxl.load_workbook(path)["Summary"].iter_rows(
        values_only=True) for c in row if c is not None]
    # this C7 finding and C1 head / F-DEPOT, which fails with every charger idle too
    # (its LLG at F-DEPOT's close-in point, min case: head 15.7 s, F-DEPOT 33 s at 315 A;
    # tests/test_equipment_pairs.py), and, since review rev36a M1, the head's C5 reach (fail:
    # 127 A of 3I0 for a 20 ohm SLG at b2 with the YNd in and no charger, 1.27 x pickup), its
    # C5 reach drop (warn) and its C6 trip on the YNd's 3I0 for a substation-bus ground
    # fault (warn; tests/test_equipment_reach_sympathetic.py); since review rev42a M5 a sixth,
    # C8 on F-DEPOT: 100K on the 2 MVA 12.47 kV depot_xf (FLA 92.6 A) melts in 7.6 s at
    # 3 × FLA, inside the cold-load point 10 s (tests/test_transformer_fuse_withstand.py)
    assert any("6 caused by the project's equipment" in c for c in cells)
    assert any(c.startswith("3c. Findings caused by the project's equipment") for c in cells)
    # and the gate's fail on it is a condition of approval (review rev36b M2)
    assert any(c.startswith("fail: F") and " C7 " in c and "F-DEPOT" in c
               and "caused by the project's equipment" in c for c in cells)


def test_c7_rows_the_chargers_tip_stay_v2gs(xft):
    """A rating between the feeder's own duty at the fuse and the duty with the project:
    the rows are the project's (``new``), compared like with like against the feeder's
    fault level there (the old code: no figure without V2G for a fuse out of the base)."""
    from protv2g.findings import Attribution, build_findings

    first, _ = _run(xft, 1.0, campus=True)
    rows = _c7(first)
    assert set(rows.attribution) == {"equipment"}
    worst = rows.loc[rows.margin.astype(float).idxmin()]
    duty_v2g = float(worst.i_device_a) / 1e3
    m = re.search(r"without any charger, ([0-9.]+) kA asymmetrical rms .* add ([+][0-9.]+)%",
                  str(worst.message))
    assert m, worst.message
    idle_asym = float(m[1])
    # the campus at unity power factor against the fault current lagging at X/R 3: its
    # ≈ 0.11 kA (expected: 16 × 100 kVA × 1.5) adds by phasor ≈ 0.11 × cos 72° ≈ 0.03 kA
    assert 0.1 < float(m[2]) < 3.0
    assert idle_asym < duty_v2g
    rating = round((idle_asym + duty_v2g) / 2, 3)
    res, gate = _run(xft, rating, campus=True)
    tipped = _c7(res)
    assert len(tipped) and "equipment" not in set(tipped.attribution)
    # the same fault's figure is the chargers-idle solve (the fuse has no base twin): said so
    # since rev37b F2 (was "without V2G at the same fault", the same figure)
    assert "with every charger idle at the same fault" in str(tipped.message.iloc[0])
    findings = build_findings(res.violations).findings
    f = findings[(findings.criterion == "C7") & (findings.device == "F-DEPOT")]
    assert f.attribution.iloc[0] == Attribution.CAUSED


def test_site_tap_row_is_the_equipments_and_recommend_gives_the_tap(result):  # noqa: F811
    """Fails on the old code: the tap's row was ``new`` ("caused by V2G") and recommend told
    "the sites' export cap or volt-var" for it (rev34b M4)."""
    from protv2g.checks.flow_site_tap import SITE_TAP
    from protv2g.findings import Attribution, build_findings
    from protv2g.recommend.notes import _no_candidate_note

    findings = build_findings(result.violations).findings
    tap = findings[(findings.criterion == "C12") & (findings.mechanism == SITE_TAP)]
    assert len(tap) == 1
    assert tap.attribution.iloc[0] == Attribution.EQUIPMENT
    note = _no_candidate_note("C12", "fail", tap.iloc[0].to_dict())
    assert note.startswith("the site transformer's no-load tap: raise depot_xf's "
                           "feeder-side no-load tap")
    assert "export cap" in note and "not the sites' export cap" in note
    # the peak row V2G's own export raises from inside Range A stays V2G's
    peak = findings[(findings.criterion == "C12") & (findings.device == "transformer.depot_xf")
                    & (findings.mechanism != SITE_TAP)]
    assert len(peak) and (peak.attribution == Attribution.CAUSED).all()
    # its advice names the same tap before an export cap (rev34b M4: R07)
    rise = _no_candidate_note("C12", "fail", peak.iloc[0].to_dict())
    assert "behind the site's own transformer depot_xf: its feeder-side no-load tap" in rise


def test_hosting_at_the_asked_tap_is_said(folder):  # noqa: F811
    """The depot's peak figure is limited at depot_lv by its own export at the present tap
    while the study asks to raise that tap (its light-load row): the figure says it is judged
    at the present tap and rises with the asked one. Fails on the old code (no such column,
    no such words)."""
    from protv2g.gate_hosting import hosting_limit_per_site
    from protv2g.hosting import hosting_analysis
    from protv2g.study.loader import load_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = hosting_analysis(load_study(folder / "study.yaml"), sites=["depot"],
                               participations=["expected"], load_levels=["light", "peak"],
                               n_grid=4)
    t = out.table.set_index("load_level")
    peak = t.loc["peak"]
    assert bool(peak.limited) and "depot_lv" in str(peak.limiting_fault) + str(
        peak.limiting_device)
    assert peak.at_present_tap.startswith("C12 transformer.depot_xf (at depot_lv): judged at "
                                          "depot_xf’s present no-load tap")
    assert "with that tap this figure rises" in peak.note
    assert t.loc["light", "at_present_tap"] == ""  # its rows there are the tap's: not limits
    line = hosting_limit_per_site(out.table)["depot"]
    assert "judged at depot_xf’s present no-load tap" in line


def test_gate_line_says_the_given_figures_tap():
    """IEEE 34 (rev34b M2): the depot's line reads "not determined: 0 kW if the settings of
    head-l1 (drafted) holds …; 562 kW on the rows resting on given data (C12 transformer.
    depot_xf (at depot_lv) …, firm/peak)": the given figure's axis is not the row the line
    is taken from, and its tap words must come with it. Fails on the old code."""
    import pandas as pd

    from protv2g.gate_hosting import hosting_limit_per_site
    from protv2g.hosting.tables import HOSTING_COLUMNS

    tap = ("C12 transformer.depot_xf (at depot_lv): judged at depot_xf’s present no-load "
           "tap, which the study asks to raise")
    common = {"site": "depot", "limited": True, "site_max_kw": 600.0, "limiting_basis": "",
              "max_online_chargers": pd.NA, "max_online_kw": float("nan"),
              "set_by_transformer": "", "fails_without_v2g": False, "settings_to_change": "",
              "set_aside": "", "not_evaluated": "", "note": "", "hosting_chargers": pd.NA}
    light = {**common, "participation": "expected", "load_level": "light", "hosting_kw": 0.0,
             "limiting_criterion": "C1", "limiting_device": "head-l1 / F-DEPOT",
             "limiting_fault": "SLG-c at depot_lv (min)", "determined": False,
             "rests_on": "the settings of head-l1 (drafted: TODO)", "given_hosting_kw": 600.0,
             "given_limit": "", "at_present_tap": ""}
    peak = {**common, "participation": "firm", "load_level": "peak", "hosting_kw": 0.0,
            "limiting_criterion": "C1", "limiting_device": "head-l1 / F-DEPOT",
            "limiting_fault": "SLG-c at depot_lv (min)", "determined": False,
            "rests_on": "the settings of head-l1 (drafted: TODO)", "given_hosting_kw": 562.5,
            "given_limit": "C12 transformer.depot_xf (at depot_lv) from 567.188 kW",
            "at_present_tap": tap}
    table = pd.DataFrame([light, peak]).reindex(columns=HOSTING_COLUMNS)
    line = hosting_limit_per_site(table)["depot"]
    assert "on given data alone 562 kW (C12 transformer.depot_xf" in line
    assert line.count(tap) == 1
