"""The Summary's conditions of approval are the gate's own classification of the findings.

Review rev36b M2: IEEE 37's Summary said "clear the 2 finding(s) of sections 3–4" — two C11
warnings — while the gate failed on three C12 findings of the sites' charging (unbalance
4.07 % at 741, l35 105 %, SubXF 139 %) that the memo did not name and filed under
"Pre-existing findings (present without V2G)"; J1's C8 charging fail was missing and its C11
``info`` row was a condition. The memo now lists every finding the gate fails on, conditions
on or asks to confirm, with its gate kind, in the gate's order; ``info`` never; each finding
under the heading of its own attribution.

Reference: the gate's own verdict on the same rows (:func:`protv2g.gate.gate_verdict`'s
``fail:`` lines), and pandapower ``runpp`` by hand on the workplace feeder for its C8
charging fail (tests/test_c8_charging_snapshot.py: L01 221 A > 200 A with 36 chargers
charging 1.8 MW at B03).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook

from protv2g.findings import Attribution, build_findings
from protv2g.gate_findings import finding_gate_kinds, gate_of_meta
from protv2g.report.summary_conditions import write_conditions
from protv2g.report.summary_memo import Memo
from protv2g.study.schema import Gate

ROOT = Path(__file__).resolve().parents[1]
WORKPLACE = ROOT / "feeders" / "workplace_pv_midday" / "study.yaml"


def _pairs(ws, w: Memo) -> list[tuple[str, str]]:
    """The memo's (key, value) rows written so far."""
    return [(ws.cell(r, 1).value, str(ws.cell(r, 2).value)) for r in range(1, w.row)
            if ws.cell(r, 1).value]


def _row(criterion, status, attribution, scenario, device, margin, unit, **extra):
    return {"criterion": criterion, "status": status, "attribution": attribution,
            "scenario": scenario, "fault_bus": "", "fault_type": "", "case": "",
            "device": device, "other_device": "", "margin": margin, "margin_unit": unit,
            "limit": 1.0, "mechanism": "", "message": "m", **extra}


#: IEEE 37's shape (rev36b): C12 fails from the sites' charging (new in a charging snapshot),
#: two C11 warnings caused by V2G, an info row; plus a C8 present without V2G (a condition),
#: a C7 present without V2G on a drafted rating (confirm) and the project's equipment (C1).
ROWS = pd.DataFrame([
    _row("C12", "fail", "new", "charging/firm", "line.l35", -4.78, "%"),
    _row("C12", "fail", "worse", "charging/firm", "transformer.subxf", -39.38, "%"),
    _row("C11", "warn", "new", "firm/light/100%", "F-741", -0.3958, "MW"),
    _row("C11", "info", "new", "firm/light/100%", "head", float("nan"), ""),
    _row("C8", "fail", "pre-existing", "base/peak", "R-MID", -7.0, "A"),
    _row("C7", "fail", "pre-existing", "base/peak", "F-1", -0.2, "kA", input_basis="todo"),
    _row("C1", "fail", "equipment", "firm/light/100%", "head", -0.2, "s"),
])


@pytest.fixture(scope="module")
def findings():
    return build_findings(ROWS.assign(input_basis=ROWS["input_basis"].fillna("given")))


def test_kinds_follow_the_gate_and_leave_out_warnings_and_info(findings):
    kinds = finding_gate_kinds(findings.evidence, Gate())
    by = findings.findings.set_index("finding")
    got = [(by.loc[f, "criterion"], by.loc[f, "device"], k)
           for f, k in zip(kinds["finding"], kinds["kind"], strict=True)]
    # the gate's order: fail lines by criterion (C1, C12, C12), then condition, then confirm
    assert got == [("C1", "head", "fail"), ("C12", "line.l35", "fail"),
                   ("C12", "transformer.subxf", "fail"), ("C8", "R-MID", "condition"),
                   ("C7", "F-1", "confirm")]
    # the same findings the gate's verdict names: one fail line per failing group
    assert kinds["attributable"].tolist() == [True, True, True, False, False]
    # the charging fails are the charging's, not pre-existing
    assert set(by.loc[kinds["finding"][1:3], "attribution"]) == {
        Attribution.CAUSED_CHARGING, Attribution.WORSE_CHARGING}


def test_policy_from_the_gate_dict_moves_pre_existing_to_fail(findings):
    gate = gate_of_meta({"criteria": ["C1", "C7", "C8", "C11", "C12"],
                         "fail_severities": ["fail"], "pre_existing_policy": "fail"})
    kinds = finding_gate_kinds(findings.evidence, gate)
    assert set(kinds["kind"]) == {"fail"}
    # attributable fail lines first, then the pre-existing ones (gate.pre_existing: fail)
    assert kinds["attributable"].tolist() == [True, True, True, False, False]
    # warnings fail the gate when fail_severities says so
    warn = finding_gate_kinds(findings.evidence, Gate(fail_severities=("fail", "warn")))
    by = findings.findings.set_index("finding")
    assert "C11" in set(by.loc[warn["finding"], "criterion"])
    assert "info" not in set(by.loc[warn["finding"], "status"])


def test_section_2_lists_every_gate_finding_with_its_kind(findings):
    by = findings.findings.set_index("finding")
    fid = {(by.loc[f, "criterion"], by.loc[f, "device"]): f for f in by.index}
    recs = {fid["C12", "line.l35"]: "R01: schedule the charging: no ordinary setting change",
            fid["C11", "F-741"]: "R02: cap the export: 300 kW (verified)"}
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, findings.findings, findings.evidence, recs, {"reasons": []})
    pairs = _pairs(ws, w)
    conditions = [v for k, v in pairs if k.startswith("  condition")]
    assert [c.split(" ")[:2] for c in conditions] == [
        ["fail:", fid["C1", "head"]], ["fail:", fid["C12", "line.l35"]],
        ["fail:", fid["C12", "transformer.subxf"]], ["condition:", fid["C8", "R-MID"]],
        ["confirm:", fid["C7", "F-1"]]]
    assert Attribution.CAUSED_CHARGING in conditions[1]
    assert Attribution.EQUIPMENT in conditions[0]
    assert "confirm F-1's interrupting_rating_ka" in conditions[4]
    # the warning is to review, the info row nowhere
    review = dict(pairs)["  to review"]
    assert f'{fid["C11", "F-741"]} (R02: cap the export: 300 kW (verified))' in review
    assert conditions[1].endswith("R01: schedule the charging: no ordinary setting change")
    assert fid["C11", "head"] not in " ".join(v for _, v in pairs)


def test_feeder_flow_items_are_named_after_the_protection_conditions():
    """Review s25 §5: pre-existing transformer overloads (C12 on OpenDSS's default normhkva)
    opened the conditions before any protection item; they are one line after them, each
    finding named by id."""
    rows = [_row("C8", "fail", "pre-existing", "base/peak", "RC", -5.0, "A")] + [
        _row("C12", "fail", "pre-existing", "base/peak", f"transformer.t{k:02d}", -20.0 - k, "%",
             input_basis="default") for k in range(12)]
    f = build_findings(pd.DataFrame(rows))
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {})
    pairs = _pairs(ws, w)
    assert [k for k, _ in pairs] == ["  condition 1", "  condition 2"], pairs
    assert pairs[0][1].startswith("condition: ") and "C8" in pairs[0][1]
    assert pairs[1][1].startswith("0 gate condition(s) and 12 to confirm on the feeder's own")
    c12 = f.findings[f.findings["criterion"] == "C12"]["finding"]
    assert all(x in pairs[1][1] for x in c12)


def _section(ws, first: str, *last: str) -> list[tuple[str, str]]:
    """The rows (column A, the rest joined) from the heading starting ``first`` to the next
    heading starting with one of ``last``."""
    rows, on = [], False
    for row in ws.iter_rows(values_only=True):
        head = str(row[0] or "")
        if head.startswith(first):
            on = True
        elif on and head.startswith(last):
            break
        if on and row[0] is not None:
            rows.append((head, " ".join(str(v) for v in row[1:] if v is not None)))
    return rows


@pytest.fixture(scope="module")
def workplace_book(tmp_path_factory):
    from protv2g import load_study
    from protv2g.report.excel import write_workbook
    from protv2g.runner import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(load_study(WORKPLACE))
        path = write_workbook(result, tmp_path_factory.mktemp("memo") / "workplace.xlsx",
                              parallel_pictures=False)
    return result, openpyxl.load_workbook(path)["Summary"]


def test_workbook_memo_lists_the_charging_fail_under_its_own_heading(workplace_book):
    """The workplace feeder fails the gate on C8 L01's charging (221 A > 200 A by runpp,
    tests/test_c8_charging_snapshot.py): the memo's conditions name it as a ``fail``, and
    the finding sits under a charging heading, not under "Pre-existing"."""
    result, ws = workplace_book
    fails = [r for r in result.meta["gate"]["reasons"] if r.startswith("fail:")]
    assert any(r.startswith("fail: C8") and "caused by charging" in r for r in fails)
    conditions = _section(ws, "2. Conditions", "3. ")
    c8 = [v for k, v in conditions if k.startswith("  condition") and v.startswith("fail: F")
          and "C8" in v and Attribution.CAUSED_CHARGING in v]
    assert c8, conditions
    fid = c8[0].split(" ")[1]
    # as many fail conditions as the gate has fail lines on findings (one per finding here),
    # but for C10's one line per device (gate_reasons.PER_DEVICE_CRITERIA): R-HEAD's line holds
    # two findings, office-park's (made worse by V2G: its export adds over 10 % to the PV on the
    # island, review rev42a M8) and the existing DER's folded onto it
    n_fail = sum(v.startswith("fail: ") for k, v in conditions if k.startswith("  condition"))
    c10 = [v for k, v in conditions if v.startswith("fail: F") and " C10 " in v]
    assert len(c10) == 2 and sum(r.startswith("fail: C10") for r in fails) == 1
    assert n_fail == len(fails) + 1
    # the finding is under the charging heading, not the pre-existing one
    charging = _section(ws, "3b. Findings caused by the sites' charging", "3c. ", "4. ")
    pre = _section(ws, "5. Pre-existing", "6. ")
    assert any(k == fid for k, _ in charging), charging
    assert not any(k == fid for k, _ in pre)


def test_module_doctests():
    import doctest

    import protv2g.gate_findings as mod

    assert doctest.testmod(mod).failed == 0


def test_no_finding_no_condition():
    """An empty study (no rows, or the gate not run) writes one "none" line."""
    f = build_findings(ROWS.iloc[:0])
    assert finding_gate_kinds(f.evidence, Gate()).empty
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {})
    assert _pairs(ws, w) == [("  —", "none: the gate fails on no finding and sets no "
                              "condition")]


def test_a_finding_with_rows_of_two_kinds_says_both():
    """EPRI J1 (rev36b): C5 R-MID's phase rows are a gate ``condition:`` line, its ground rows
    (resting on the drafted relay) a ``confirm:`` line; the finding is listed once, as its
    strongest kind, and says the other with the input to confirm."""
    rows = pd.DataFrame([
        _row("C5", "fail", "pre-existing", "base/light", "R-MID", -0.41, "× pickup",
             input_basis="given"),
        _row("C5", "fail", "pre-existing", "base/light", "R-MID", -0.2, "× pickup",
             input_basis="todo")])
    rows.loc[1, "fault_type"] = "LLG-ab"
    f = build_findings(rows)
    kinds = finding_gate_kinds(f.evidence, Gate())
    assert kinds[["kind", "also"]].values.tolist() == [["condition", "confirm"]]
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {})
    line = _pairs(ws, w)[0][1]
    assert line.startswith("condition: F01 ")
    assert "also confirm" in line and "confirm the settings of R-MID" in line


def test_pre_existing_rows_fold_onto_the_fail_line_as_the_gate_folds_them():
    """A group failing with V2G says its pre-existing rows on its ``fail:`` line (s16 A3):
    no second kind for the finding (IEEE 37's C12 VUF at 741: one ``fail:`` line)."""
    rows = pd.DataFrame([
        _row("C12", "fail", "worse", "charging/firm", "", -1.07, "% VUF"),
        _row("C12", "fail", "pre-existing", "firm/peak/100%", "", -0.32, "% VUF")])
    f = build_findings(rows)
    kinds = finding_gate_kinds(f.evidence, Gate())
    assert kinds[["kind", "also", "attributable"]].values.tolist() == [["fail", "", True]]


def test_line_loadings_on_a_tool_default_are_one_condition_as_the_gate_groups_them():
    """Review rev38a X5 (IEEE 8500): 25 C12 line loadings made worse by charging, every one on
    OpenDSS's 400 A default, were 25 separate conditions here (burying the protection ones);
    the gate prints one line "C12 25 line(s) rated by a tool default (confirm their ratings
    first), the worst …". The Summary groups them the same way: one condition naming every
    finding, its worst finding's line; the protection fail and condition stay as they are,
    before it; a C12 failure on a rating from the model stays alone."""
    rows = [_row("C2", "fail", "equipment", "firm/light/100%", "r_mid", -0.55, "s"),
            _row("C8", "fail", "pre-existing", "base/peak", "RC", -5.0, "A")]
    for k, m in enumerate((-43.0, -54.26, -36.4)):
        rows += [_row("C12", "fail", "worse", "charging/firm", f"line.ln{k}", m, "%",
                      input_basis="default"),
                 _row("C12", "fail", "pre-existing", "base/peak", f"line.ln{k}", m + 6.0, "%",
                      input_basis="default")]
    rows.append(_row("C12", "fail", "new", "firm/light/100%", "transformer.campus_xf",
                     -0.0084, "pu"))
    f = build_findings(pd.DataFrame(rows).assign(
        input_basis=lambda x: x["input_basis"].fillna("given")))
    by = f.findings.set_index("finding")
    lines = [x for x in by.index if str(by.loc[x, "device"]).startswith("line.")]
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {})
    conditions = [v for k, v in _pairs(ws, w) if k.startswith("  condition")]
    grouped = [c for c in conditions if "line(s)" in c]
    assert len(grouped) == 1, conditions
    assert sum("line.ln" in c for c in conditions) == 1  # no line alone
    g = grouped[0]
    head = "fail: C12 3 line(s) rated by a tool default (confirm their ratings first): "
    assert g.startswith(head)
    assert sorted(g[len(head):].split(" (each")[0].split(", ")) == sorted(lines)
    worst = by[by["device"] == "line.ln1"].index[0]
    assert f"the worst {worst} C12" in g and "line.ln1" in g
    assert "rests on a tool default" in g
    # the protection items are not folded, and come first; the transformer stays alone
    assert conditions[0].startswith("fail:") and "r_mid" in conditions[0]
    assert any("transformer.campus_xf" in c for c in conditions if c is not g)
    assert any(c.startswith("condition:") and " RC" in c for c in conditions)


def test_a_confirm_names_the_drafted_input_the_gate_names():
    """Review rev40a M2 (EPRI J1): F01 C2 RC-MID / FU-LAT2PH, both the user's devices, rests
    on the drafted ``r_fault_min_ohm`` (its min-case ground rows); the Summary said "confirm
    the settings of RC-MID / FU-LAT2PH (drafted: TODO)" while the gate's line named the
    fault resistance. Reference: the gate's own ``confirm:`` line on the same rows
    (:func:`protv2g.gate_reasons.reason_line`)."""
    from protv2g.gate_reasons import reason_line

    r_min = "the minimum-case fault resistance r_fault_min_ohm = 20 Ω (drafted: TODO)"
    rows = pd.DataFrame([
        _row("C2", "fail", "pre-existing", "base/light", "RC-MID", -6.964, "s",
             other_device="FU-LAT2PH", input_basis="given", input_todo=""),
        _row("C2", "fail", "pre-existing", "firm/light/100%", "RC-MID", -561.5, "s",
             other_device="FU-LAT2PH", input_basis="todo", input_todo=r_min)])
    rows.loc[1, ["fault_type", "case"]] = ["LLG-ab", "min"]
    f = build_findings(rows)
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {})
    line = _pairs(ws, w)[0][1]
    gate_line = reason_line("confirm", rows.iloc[[1]])
    assert r_min in gate_line
    assert f"confirm {r_min}" in line
    assert "the settings of" not in line


def test_each_drafted_input_named_once():
    """IEEE 8500 (this session's re-run): a C3 fuse–fuse finding's rows join their drafted
    inputs differently ("r_fault_min_ohm; A's link; B's link" on the min-case ground rows,
    "A's link; B's link" on the others): the condition named each link twice. Each input once,
    worst row's first."""
    from protv2g.input_rows import inputs_of_rows

    r_min = "the minimum-case fault resistance r_fault_min_ohm = 20 Ω (drafted: TODO)"
    links = "ln1's link (drafted: TODO); ln2's link (drafted: TODO)"
    ev = pd.DataFrame({"criterion": "C3", "device": "ln1", "other_device": "ln2",
                       "input_basis": "todo", "margin": [-0.10, -0.05],
                       "input_todo": [f"{r_min}; {links}", links]})
    assert inputs_of_rows(ev, "todo") == f"{r_min}; {links}"


def test_a_fail_on_a_drafted_value_says_which_as_the_gate_does():
    """Review rev40a M3 (EPRI J1): F03 C10 RC-MID / homes fails on init's drafted
    ``cease_to_energize_s``; the gate's ``fail:`` line says "rests on drafted value (TODO):
    confirm cease_to_energize_s of site homes (drafted: TODO)", the Summary's condition said
    nothing of it. A fail on given data says nothing (J1's F04)."""
    from protv2g.gate_reasons import reason_line

    cease = "cease_to_energize_s of site homes (drafted: TODO)"
    rows = pd.DataFrame([
        _row("C10", "fail", "new", "firm/light/100%", "RC-MID", -2.0, "s",
             other_device="homes", input_basis="todo", input_todo=cease),
        _row("C12", "fail", "new", "charging/firm", "transformer.b56685-1b", -18.84, "%",
             input_basis="given", input_todo="")])
    f = build_findings(rows)
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {})
    lines = [v for _, v in _pairs(ws, w)]
    assert cease in reason_line("fail", rows.iloc[[0]])
    c10 = next(x for x in lines if "C10" in x)
    assert f"its worst row rests on a drafted value (TODO): confirm {cease}" in c10
    assert "rests on" not in next(x for x in lines if "C12" in x)


def test_a_pre_existing_finding_folded_onto_a_v2g_fail_line_says_made_worse():
    """fix43 item 2: on the workplace feeder the gate has one C10 line for R-HEAD,
    "fail: C10 R-HEAD / office-park, existing DER … (fail; made worse by V2G; …)": the existing
    DER's own pre-existing finding is folded onto it. The memo said of it "fail,
    pre-existing"; it says "pre-existing, made worse by V2G", as mend43's "pre-existing, made
    worse by the project's equipment", naming the line's other finding."""
    rows = pd.DataFrame([
        _row("C10", "fail", "worse", "expected/light/100%", "R-HEAD", -1.5, "s",
             other_device="office-park", fault_bus="B03"),
        _row("C10", "fail", "pre-existing", "base/light", "R-HEAD", -1.5, "s",
             other_device="existing DER", fault_bus="SUB-12kV")])
    f = build_findings(rows)
    by = f.findings.set_index("finding")
    v2g = next(x for x in by.index if by.loc[x, "other_device"] == "office-park")
    pre = next(x for x in by.index if by.loc[x, "other_device"] == "existing DER")
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {"reasons": []})
    conditions = {v.split(" ")[1]: v for k, v in _pairs(ws, w) if k.startswith("  condition")}
    assert f" — fail, {Attribution.WORSE}" in conditions[v2g]
    assert (f" — fail, pre-existing, made worse by V2G (the gate's fail line with {v2g})"
            in conditions[pre]), conditions[pre]


def test_workbook_memo_says_the_folded_existing_der_finding_is_made_worse(workplace_book):
    result, ws = workplace_book
    conditions = [v for k, v in _section(ws, "2. Conditions", "3. ")
                  if v.startswith("fail: F") and " C10 " in v]
    der = [v for v in conditions if "existing DER" in v.split(" — ")[0]]
    assert len(der) == 1 and "— fail, pre-existing, made worse by V2G (the gate's fail line " \
        "with F" in der[0], conditions


def test_a_marginal_pre_existing_finding_says_so_on_its_condition_line():
    """Section 2 says a finding "marginal without V2G" as section 5b and the gate do (review
    rev44a M1 / txt44 "left": EPRI ckt5's F15 — C5 head 51G, 0.05498 × pickup without V2G,
    −0.006965 with 1,586 kW, tolerance 0.0747 — read "pre-existing" alone in section 2); a
    finding failing without V2G keeps "pre-existing"."""
    rows = pd.DataFrame([
        _row("C5", "fail", "pre-existing", "firm/light/100%", "head", -0.006965, "× pickup",
             input_basis="given", base_margin=0.05498, tolerance=0.074652),
        _row("C5", "fail", "pre-existing", "firm/light/100%", "R-MID", -0.2, "× pickup",
             input_basis="given", base_margin=-0.19, tolerance=0.05)])
    f = build_findings(rows)
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {})
    lines = [v for _, v in _pairs(ws, w)]
    head = next(v for v in lines if "R-MID" not in v)
    other = next(v for v in lines if "R-MID" in v)
    assert "marginal without V2G" in head and "section 5b" in head
    assert "marginal" not in other and "pre-existing" in other


def test_feeder_flow_line_says_which_items_v2g_causes():
    """rev47a #4 (EPRI J1): the feeder's own items read "planning items present without V2G"
    while two of them (regulator reverse power, forward-locked) were caused by V2G; the line
    names them apart (OpenDSS: regxfmr_b19008 +102.1 kW forward without V2G, −40.6 kW with
    the sites, rev47a)."""
    from protv2g.checks.regulator_text import MODE_TO_CONFIRM

    rows = [_row("C12", "fail", "pre-existing", "base/peak", "transformer.t1", -20.0, "%",
                 input_basis="default"),
            _row("C12", "warn", "new", "firm/light/100%", "regxfmr_b19008", -0.0414, "MW",
                 mechanism=MODE_TO_CONFIRM)]
    f = build_findings(pd.DataFrame(rows).assign(
        input_basis=lambda d: d["input_basis"].fillna("given")))
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {})
    line = _pairs(ws, w)[-1][1]
    ids = dict(zip(f.findings["device"], f.findings["finding"], strict=True))
    assert f"present without V2G: {ids['transformer.t1']}; " in line, line
    assert f"caused by V2G: {ids['regxfmr_b19008']}" in line, line
    assert "planning items present without V2G" not in line


def test_a_v2g_finding_whose_worst_row_is_charging_says_so():
    """rev47a #5 (IEEE 8500 F61): a C12 under-voltage made worse by export rows (firm/peak
    +0.0067 → −0.0097 pu) whose worst row is a charging snapshot (−0.044 pu in charging/firm)
    stays V2G's, and its condition line says the charging makes it worse too."""
    rows = [_row("C12", "fail", "worse", "charging/firm", "sx2748781a", -0.044, "pu",
                 base_margin=-0.024, fault_bus="sx2748781a"),
            _row("C12", "fail", "worse", "firm/peak/100%", "sx2748781a", -0.0097, "pu",
                 base_margin=0.0067, fault_bus="sx2748781a")]
    f = build_findings(pd.DataFrame(rows).assign(input_basis="given"))
    assert len(f.findings) == 1 and f.findings["attribution"].iloc[0] == Attribution.WORSE
    ws = Workbook().active
    w = Memo(ws)
    write_conditions(w, f.findings, f.evidence, {}, {})
    line = _pairs(ws, w)[0][1]
    assert "made worse by V2G and by charging (its worst row, charging/firm)" in line, line
