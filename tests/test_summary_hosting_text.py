"""Summary §7's hosting figures (review rev39b M4, M7).

M4: each site's figure is that site alone (the other sites not built); the depot's figures
(depot 6,000 kW, campus 1,800 kW, each "no criterion limits it") fail together — the study's
own F03, C8 R-F1 −60.8 A with both exporting at light load. Checked against pandapower
``runpp`` on the depot's feeder (not through protv2g): R-F1 (line 0) carries 246.5 A with the
depot alone at 6 MW, 327.5 A with both sites, against pickup 400 A / 1.5 = 266.7 A.

M7: IEEE 13's figure was written "490.234375" kW and its text "≈ 4e+02 kW"; by hand the linear
estimate from 1.0454 pu at 0 kW to 1.0510 pu at 491 kW crosses 1.05 pu at
491 × 0.0046 / 0.0056 = 403 kW.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from protv2g.hosting.voltage_text import _new_over_text
from protv2g.report.summary_hosting import resolution_note, sites_together_note, whole_kw

PICKUP_A = 400.0  # R-F1 51P pickup (the depot study)


def _r_f1_a(net0, load_scale: float, depot_mw: float, campus_mw: float) -> float:
    pp = pytest.importorskip("pandapower")
    net = copy.deepcopy(net0)
    net.load["scaling"] = load_scale
    at = {str(n): i for i, n in net.bus["name"].items()}
    pp.create_sgen(net, at["F1-B02"], p_mw=depot_mw, name="depot")
    pp.create_sgen(net, at["F1-B05"], p_mw=campus_mw, name="campus")
    pp.runpp(net)
    return 1e3 * float(net.res_line.i_from_ka.iloc[0])


def test_depot_section7_says_site_alone_and_that_the_sum_fails(depot_study, depot_result,
                                                               depot_workbook):
    pp = pytest.importorskip("pandapower")
    from protv2g.report.derived import result_findings

    net0 = pp.from_json(str(depot_study.path.parent / "feeder.json"))
    limit_a = PICKUP_A / 1.5
    assert _r_f1_a(net0, 0.3, 6.0, 0.0) < limit_a < _r_f1_a(net0, 0.3, 6.0, 1.8)  # 246.5, 327.5
    per_site = depot_result.meta["gate"]["hosting_capacity_kw"]
    assert per_site == {"depot": 6000.0, "campus": 1800.0}
    f = result_findings(depot_result)
    note = sites_together_note(per_site, f.findings, f.evidence, depot_result.flow.sites,
                               depot_result.tables["Hosting by criterion"])
    assert note.startswith("each site's figure is that site alone"), note
    assert "a figure for the sites exporting together is not computed" in note
    assert ("Together they fail: F03 C8 R-F1 fails (margin −60.8 A) with depot 6,000 kW + "
            "campus 1,800 kW exporting at once (scenario firm/light/100%)") in note, note
    # C10 RC-F1 fails for the campus alone (a setting to change): not a failure of the sum
    assert "C10" not in note
    # the Summary sheet says it in §7
    import openpyxl

    ws = openpyxl.load_workbook(depot_workbook, read_only=True)["Summary"]
    text = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c]
    at = text.index("7. Protection hosting capacity")
    end = text.index("8. Fault model and assumptions")
    assert "hosting kW (site alone)" in text[at:end]
    assert any("Together they fail: F03" in t for t in text[at:end])


def test_a_single_site_gets_no_together_note():
    assert sites_together_note({"fleet": 490.2}, None, None, None, None) == ""


def test_hosting_figure_whole_kw_and_its_resolution():
    assert whole_kw(490.234375) == 490.0 and whole_kw("not determined") == "not determined"
    table = pd.DataFrame([{"site": "fleet", "participation": "expected", "load_level": "peak",
                           "hosting_kw": 490.234375, "first_fail_kw": 491.0, "limited": True,
                           "site_max_kw": 800.0}])
    assert resolution_note(table).endswith(
        "fleet: passes at 490.2 kW, first fails at 491.0 kW (expected, peak load)")


def test_linear_estimate_in_fixed_notation():
    # IEEE 13 bus 675: 1.0510 pu at 491 kW, 1.0454 pu without V2G (review rev39b M7)
    text = _new_over_text(1.05, 1.05 - 1.0510, 1.05 - 1.0454, 0.001, 491.0)
    assert "1.05 pu itself is passed at ≈ 400 kW" in text, text  # 403 kW by hand
    assert "e+" not in text
    # whole kW with separators from 1,000 kW, as the Summary's cell (fix40b; was "1230 kW")
    assert "at 1,234 kW" in _new_over_text(1.05, -0.001, 0.0046, 0.001, 1234.5)
