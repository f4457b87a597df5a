"""The Summary groups the items the terminal groups, with one grouping for both, every finding
still named by id; a recommendation without a change is written in full once; a one-site
finding's limit is on its gate line and condition.

Review rev50b #6 (EPRI ckt24): the 26 pre-existing C12 items were in the Summary three times
(condition 4's ids, section 5's 27-row table, 26 full gate lines in section 10) while the
terminal printed 2 lines; the depot's charging caps were written in full in conditions 1 and
4. Review c12d50: "homes alone reaches the limit at ≈ 15.7 kW exporting" (OpenDSS 15.77 kW)
was in the Findings and the Site drivers only.
"""

from __future__ import annotations

import re

import pandas as pd
from openpyxl import Workbook

from protv2g.findings import build_findings
from protv2g.findings_sites import Driver
from protv2g.gate_grouping import finding_records, grouped_lines, item_groups, reason_ids
from protv2g.gate_site_limit import finding_site_limits, limit_words, with_limits, with_site_limits
from protv2g.report.summary_grids import findings_grid, recommendation_map
from protv2g.report.summary_memo import Memo


def _row(device: str, margin: float, attribution: str = "pre-existing",
         scenario: str = "charging/expected", basis: str = "todo") -> dict:
    return {"criterion": "C12", "status": "fail", "attribution": attribution,
            "scenario": scenario, "fault_bus": "", "fault_type": "", "case": "",
            "device": device, "other_device": "", "margin": margin, "margin_unit": "%",
            "limit": 100.0, "mechanism": "", "message": f"{device} loaded", "input_basis": basis}


#: ckt24's shape: a transformer charging causes, 4 transformers and 2 lines present without
#: V2G, one pre-existing C8 (not grouped: C12 only).
ROWS = pd.DataFrame([
    _row("transformer.t0", -1.1, "new", "charging/firm"),
    *[_row(f"transformer.t{k}", -m) for k, m in ((1, 177.2), (2, 23.9), (3, 54.3), (4, 3.0))],
    _row("line.l1", -5.7), _row("line.l2", -0.9),
    {**_row("R1", -7.0), "criterion": "C8", "margin_unit": "A"},
])


def _text(ws) -> str:
    return "\n".join(" | ".join(str(c) for c in row if c is not None)
                     for row in ws.iter_rows(values_only=True))


def test_section_5_groups_as_the_terminal_and_names_every_id() -> None:
    """Fails on the old code (``findings_grid`` had no grouping: 7 rows for 7 findings)."""
    f = build_findings(ROWS).findings
    pre = f[f["attribution"] == "pre-existing"]
    wb = Workbook()
    w = Memo(wb.active)
    findings_grid(w, pre, {}, grouped=True)
    text = _text(wb.active)
    grid = [r for r in text.splitlines() if re.match(r"^(F\d+|\d+ findings) \|", r)]
    assert len(grid) == 3  # 4 transformers, 2 lines, the C8
    for fid in pre["finding"]:  # no finding lost: each id in the Summary
        assert re.search(rf"\b{fid}\b", text), fid
    (tr,) = [r for r in grid if "transformer(s)" in r]
    by = pre.set_index("device")["finding"]
    assert tr.startswith("4 findings | fail: C12 4 transformer(s) present without V2G: ")
    assert f"the worst {by['transformer.t1']} " in tr and "−177.2 %" in tr
    # the same groups as the gate's lines (one function: gate_grouping.item_groups)
    groups = item_groups(finding_records(pre))
    assert sorted(len(at) for _, at in groups) == [2, 4]


def test_section_10_groups_the_gate_lines_and_names_their_findings() -> None:
    """Fails on the old code (no ``ids``: the terminal's pointer to ``--json`` only)."""
    f = build_findings(ROWS).findings
    devices = ["transformer.t0", "transformer.t1", "transformer.t2", "line.l1", "line.l2"]
    kinds = ["fail", "confirm", "confirm", "confirm", "confirm"]
    attr = ["caused by charging"] + ["pre-existing"] * 4
    reasons = [f"{k}: C12 {d}: {d} loaded (…)" for k, d in zip(kinds, devices, strict=True)]
    data = [{"kind": k, "criterion": "C12", "device": d, "attribution": a, "rests_on": "",
             "margin": -1.0, "margin_unit": "%", "mechanism": ""}
            for k, d, a in zip(kinds, devices, attr, strict=True)]
    ids = reason_ids(data, f)
    by = f.set_index("device")["finding"]
    assert ids == [by[d] for d in devices]
    out = grouped_lines(reasons, data, ids=ids)
    assert out[0] == reasons[0] and len(out) == 3
    assert out[1].startswith(f"confirm: C12 2 transformer(s) present without V2G "
                             f"({by['transformer.t1']}, {by['transformer.t2']}), the worst ")
    # the terminal's words are unchanged without ids
    assert grouped_lines(reasons, data)[1].endswith("in `protv2g gate --json` and the "
                                                    "workbook's Findings")


def test_a_recommendation_without_a_change_is_written_in_full_once() -> None:
    """Fails on the old code (R03's whole note in every condition and grid cell). The depot's
    R03: the caps' figures are section 6's; the condition keeps what it asks and the id."""
    note = ("load pickup: for a charging peak, schedule or cap the sites' charging below "
            "pickup / 1.5: cap the simultaneous charging behind R-F1 at ≈ 5,391 kW for C8's "
            "load pickup of R-F1 only (a linear estimate from the finding's flows: 105 A "
            "without the charging, 483 A with 7,800 kW of it, limit 366.7 A; confirm with a "
            "flow at the cap); without that change: ≈ 3,329 kW")
    recs = pd.DataFrame([{"recommendation": "R03", "finding": "F02", "change": "",
                          "status": "no ordinary setting change", "note": note,
                          "side_effects": ""}])
    got = recommendation_map(recs)["F02"]
    assert got == ("R03: no ordinary setting change load pickup: for a charging peak, schedule "
                   "or cap the sites' charging below pickup / 1.5 (the whole text: R03 in "
                   "section 6)")
    assert "5,391" not in got
    short = recs.assign(note="islanding screen: an export cap; not searched")
    assert recommendation_map(short)["F02"] == ("R03: no ordinary setting change islanding "
                                                "screen: an export cap; not searched")


#: A one-site C12 finding's Site drivers text (findings_sites_c12._said), ckt24's F29.
DRIVER_TEXT = ("driven by homes (in firm/light/100%: homes alone: 1.0610 pu …); homes alone "
               "reaches the limit at ≈ 15.7 kW exporting (linear between 1.0418 pu with every "
               "site idle and 1.0610 pu at 36.0 kW; confirm with a flow)")


def _table(device: str = "") -> pd.DataFrame:
    return pd.DataFrame([{"criterion": "C12", "device": device, "partner": "",
                          "mechanism": "over-voltage", "margin_unit": "pu",
                          "scenario": "firm/light/100%", "driver": Driver.ONE_SITE.value,
                          "driver_sites": "homes", "driver_text": DRIVER_TEXT,
                          "limit_kw": 15.7}])


def test_a_one_site_limit_is_on_its_gate_line_and_condition() -> None:
    """Fails on the old code (no such words outside the Findings and the Site drivers).
    OpenDSS on ckt24 reaches 1.05 pu at 15.77 kW (c12d50); the linear estimate says 15.7."""
    words = limit_words("homes", 15.7)
    assert words == ("homes alone reaches the limit at ≈ 15.7 kW exporting (a linear "
                     "estimate: confirm with a flow)")
    line = "fail: C12: voltage 1.061 pu … (fail; caused by V2G; driven by homes)"
    rec = {"kind": "fail", "criterion": "C12", "device": "", "attribution": "caused by V2G",
           "mechanism": "over-voltage", "margin_unit": "pu", "site_driver":
           Driver.ONE_SITE.value, "short": line}
    out_r, out_d = with_site_limits([line], [rec], _table())
    assert out_r[0] == line[:-1] + f"; {words})" and out_d[0]["short"] == out_r[0]
    # a line two sites drive, or another device's: nothing added
    other = {**rec, "site_driver": Driver.TOGETHER.value}
    assert with_site_limits([line], [other], _table())[0] == [line]
    assert with_site_limits([line], [rec], _table("bus.x"))[0] == [line]
    # the Summary's condition: after "driven by homes"
    f = pd.DataFrame([{"finding": "F29", "criterion": "C12", "device": "", "other_device": "",
                       "mechanism": "over-voltage", "margin_unit": "pu",
                       "attribution": "caused by V2G"}])
    limits = finding_site_limits(f, _table())
    assert with_limits({"F29": "driven by homes"}, limits) == {
        "F29": f"driven by homes; {words}"}


def test_every_finding_id_is_in_the_summary(depot_workbook) -> None:
    """No finding lost by the grouping: each id of the Findings sheet is named in the
    Summary at least once (the depot's workbook)."""
    import openpyxl

    wb = openpyxl.load_workbook(depot_workbook, read_only=True)
    try:
        text = _text(wb["Summary"])
        ids = {str(r[0]) for r in wb["Findings"].iter_rows(min_row=2, values_only=True)
               if r and r[0] and re.fullmatch(r"F\d+", str(r[0]))}
    finally:
        wb.close()
    assert ids and all(re.search(rf"\b{fid}\b", text) for fid in ids), sorted(ids)
