"""A pass that rests on drafted values says so; the sheets' descriptions are in the workbook.

Review s20 (EPRI ckt5): the Summary said "passed: evaluated" for C7 and C10 while both were
judged on values ``protv2g init`` drafted (the head relay, its reclose intervals); and
``SheetSpec.description`` was never written. The Summary now lists the sheets, each linked
with its description, in a section of its own (the tables keep their header in row 1).
"""

from __future__ import annotations

from types import SimpleNamespace as D

import openpyxl
import pandas as pd
import pytest

from protv2g.criteria_basis import MAX_INPUTS, criterion_stand_ins
from protv2g.input_basis import InputBases
from protv2g.report.sheets import DATA_SHEETS, FEEDER, TCC
from protv2g.report.summary_counts import criterion_counts, passed_note

DEVICES = [D(name="head", directional="none", reclose_intervals_s=(3.5, 15.0)),
           D(name="RC", directional="none", reclose_intervals_s=(0.5, 2.0)),
           D(name="F1", directional="none", reclose_intervals_s=())]
COORD = pd.DataFrame({"criterion": ["C2"], "primary": ["F1"], "backup": ["RC"]})


def test_drafted_relay_and_fields_are_named_per_criterion():
    bases = InputBases(todo_devices=frozenset({"head"}),
                       todo_fields={"reclose_intervals_s": frozenset({"RC"}),
                                    "interrupting_rating_ka": frozenset({"F1"})},
                       default_lines=frozenset({"line.a"}))
    out = criterion_stand_ins(bases, DEVICES, COORD)
    # C10 reads the head relay (drafted whole) and RC's drafted intervals; F1 does not reclose
    assert out["C10"]["basis"] == "todo" and out["C10"]["n_inputs"] == 2
    assert "RC's reclose_intervals_s (drafted: TODO)" in out["C10"]["inputs"]
    # C7 the drafted relay and F1's rating; C12 the line on OpenDSS's default rating
    assert "F1's interrupting_rating_ka (drafted: TODO)" in out["C7"]["inputs"]
    assert out["C12"] == {"basis": "default", "n_inputs": 1, "inputs": [
        "line.a's normamps (OpenDSS default 400 A, not in the model)"]}
    # C2's pair is F1 / RC, neither drafted for C2; no directional relay: C9 reads none
    assert "C2" not in out and "C9" not in out
    assert criterion_stand_ins(InputBases(), DEVICES, COORD) == {}


def test_a_c10_pass_on_a_drafted_cease_to_energise_says_so():
    """Review rev40a M3: init drafts each site's ``cease_to_energize_s: 2  # TODO``; a C10
    that passes (a 3.5 s reclose against 2 s + 0.5 s) passes on that drafted value — a charger
    ceasing after 3.5 s would fail it — and the Summary names it."""
    bases = InputBases(todo_sites={"cease_to_energize_s": frozenset({"homes"})})
    out = criterion_stand_ins(bases, DEVICES, COORD)
    assert out == {"C10": {"basis": "todo", "n_inputs": 1, "inputs": [
        "cease_to_energize_s of site homes (drafted: TODO)"]}}
    assert passed_note(out["C10"]) == ("passed on drafted values: confirm cease_to_energize_s "
                                       "of site homes (drafted: TODO)")
    # no reclosing device: C10 reads no cease-to-energise time
    assert criterion_stand_ins(bases, DEVICES[2:], COORD) == {}


def test_a_c10_pass_names_its_uv2_windows_drafted_inputs_too():
    """Review ver40b M (EPRI J1's homes): a small site's window is its UV2 trip on the
    collapsed island, which rests on its category, sustained current limit (c10c42: its high
    end, was the first-cycle limit) and the light load; a C10 pass reads them as it reads the
    cease time (old code: the cease time only)."""
    homes = frozenset({"homes"})
    bases = InputBases(todo_sites={"cease_to_energize_s": homes,
                                   "ride_through_category": homes,
                                   "sustained_limit_high_pu": homes},
                       light_scenarios=frozenset({"firm/light/100%"}))
    c10 = criterion_stand_ins(bases, DEVICES, COORD)["C10"]
    assert c10["inputs"][:3] == ["cease_to_energize_s of site homes (drafted: TODO)",
                                 "ride_through_category of site homes (drafted: TODO)",
                                 "sustained_limit_high_pu of site homes (drafted: TODO)"]
    assert c10["n_inputs"] == 4 and c10["inputs"][3].startswith("light_load_fraction")


def test_a_c10_pass_needing_uv2_on_tool_defaults_says_so():
    """c10c42: a site's category and high sustained limit at the tool's defaults are not upper
    bounds (Category II's UV2 0.16 s is the quickest, III's 2 s; 1.2 pu is not the most a
    converter sustains), so a C10 pass that needs the UV2 trip rests on them — where a
    reclosing device's first reclose is no later than the cease time + margin (RC: 0.5 s
    ≤ 2 + 0.5 s). A first reclose of 3.5 s passes on the 2-s cease bound alone: no UV2 needed,
    nothing to confirm (old code: neither named anywhere)."""
    sites = [D(name="homes", cease_to_energize_s=2.0)]
    bases = InputBases(default_sites={"ride_through_category": {"homes": "II"},
                                      "sustained_limit_high_pu": {"homes": 1.2},
                                      "cease_to_energize_s": {"homes": 2.0}})
    c10 = criterion_stand_ins(bases, DEVICES, COORD, v2g_sites=sites,
                              reclose_margin_s=0.5)["C10"]
    assert c10["basis"] == "default" and c10["n_inputs"] == 2
    assert c10["inputs"][0].startswith("ride_through_category of site homes = II (the tool's "
                                       "default, not declared: Category II's UV2 0.16 s is "
                                       "the quickest")
    assert c10["inputs"][1].startswith("sustained_limit_high_pu of site homes = 1.2 pu (the "
                                       "tool's default")
    # the default cease time is §8.1's upper bound: a pass on it holds, not named
    assert not any(t.startswith("cease_to_energize_s") for t in c10["inputs"])
    slow = [DEVICES[0], DEVICES[2]]                    # head: 3.5 s > 2.5 s
    assert criterion_stand_ins(bases, slow, COORD, v2g_sites=sites,
                               reclose_margin_s=0.5) == {}


def test_passed_note_and_counts():
    many = {"basis": "todo", "inputs": [f"x{k}" for k in range(MAX_INPUTS)],
            "n_inputs": MAX_INPUTS + 3}
    assert passed_note(many).startswith("passed on drafted values: confirm x0; x1")
    assert passed_note(many).endswith(" and 3 more")
    assert passed_note({"basis": "default", "inputs": ["y"], "n_inputs": 1}) == (
        "passed on tool defaults: confirm y")
    v = pd.DataFrame({"criterion": ["C5"], "status": ["fail"]})
    notes = {r[0]: r[-1] for r in criterion_counts(
        v, pd.DataFrame(columns=["criterion"]),
        {"C7": {"basis": "todo", "inputs": ["F1's interrupting_rating_ka (drafted: TODO)"],
                "n_inputs": 1}, "C5": {"basis": "todo", "inputs": ["z"], "n_inputs": 1}})}
    assert notes["C7"] == ("passed on drafted values: confirm F1's interrupting_rating_ka "
                           "(drafted: TODO)")
    assert notes["C10"] == "passed: evaluated, no row fails or warns"
    assert notes["C5"] == ""  # rows of its own: the Findings say what they rest on


@pytest.fixture(scope="module")
def summary(depot_workbook):
    wb = openpyxl.load_workbook(depot_workbook)
    yield wb
    wb.close()


def test_sheet_index_on_the_summary(summary):
    ws = summary["Summary"]
    cells = {c.coordinate: c for row in ws.iter_rows() for c in row if c.value is not None}
    head = next(c for c in cells.values() if c.value == "12. Sheets in this workbook")
    listed = {}
    for row in ws.iter_rows(min_row=head.row + 2):
        number, title, what = row[0].value, row[1].value, row[3].value
        if title is None:
            break
        link = row[1].hyperlink
        listed[title] = (number, what, link.location or link.target if link else None)
    for spec in DATA_SHEETS:
        number, what, link = listed[spec.title]
        assert summary.sheetnames[number - 1] == spec.title  # its position in the workbook
        assert what == " ".join(spec.description.split())
        assert f"'{spec.title}'!A1" in str(link)
    assert {TCC, FEEDER} <= set(listed)
    # the tables are untouched: the Findings keep their header in row 1
    assert summary["Findings"]["A1"].value == "Finding"
    assert any(c.value == "13. Reviewer sign-off" for c in cells.values())


def test_a_pass_on_the_drafted_peak_names_the_default_ratings_it_also_rests_on():
    """Issue #21 note, left open (txt42b): a C12 row on a transformer (or line) rated by an
    OpenDSS default is ``todo`` once the peak load is drafted too, and the row's text names
    both (review rev42c M2: ckt5's transformer loadings named only the peak) — but the
    Summary's "passed on drafted values: confirm …" (:func:`criterion_stand_ins`, its own
    items from ``confirm_items``) named only the peak. One source for both: the Summary's
    items are the row texts' (``confirm_texts``), item by item. The ratings' words are
    OpenDSS's defaults (Reference Guide: Line ``normamps`` 400 A, Transformer ``normhkva``
    110 % of winding 1's kVA)."""
    from protv2g.input_basis import PEAK_LOAD_INPUT, confirm_items, confirm_texts

    bases = InputBases(peak_load=True, default_transformers=frozenset({"transformer.t1"}),
                       default_lines=frozenset({"line.a"}))
    c12 = criterion_stand_ins(bases, DEVICES, COORD)["C12"]
    rating = ("transformer.t1's normhkva (OpenDSS default 110 % of winding 1's kVA, not in "
              "the model)")
    line = "line.a's normamps (OpenDSS default 400 A, not in the model)"
    assert c12["basis"] == "todo"
    assert set(c12["inputs"]) == {PEAK_LOAD_INPUT, rating, line}  # old: the peak only
    assert rating in passed_note(c12)
    # the row texts and the Summary's items: the same inputs, in the same order
    rows = pd.DataFrame({"criterion": ["C12", "C12", "C8"], "status": ["fail"] * 3,
                         "device": ["transformer.t1", "line.a", "F1"],
                         "margin_unit": ["%", "%", "A"]})
    assert ["; ".join(i) for i in confirm_items(rows, bases)] == confirm_texts(rows,
                                                                               bases).tolist()
    assert confirm_items(rows, bases)[0] == [rating, PEAK_LOAD_INPUT]


def test_a_criterion_with_info_rows_only_passed():
    """c6r51: C6 writes info rows of what it tried; with no failing or warning row the
    criterion passed, and a pass on drafted values still says so (was a blank note)."""
    v = pd.DataFrame({"criterion": ["C6", "C6", "C5"], "status": ["info", "info", "warn"]})
    f = pd.DataFrame({"criterion": ["C6"]})
    rows = {r[0]: r for r in criterion_counts(
        v, f, {"C6": {"basis": "todo", "inputs": ["R1's pickup_a (drafted: TODO)"],
                      "n_inputs": 1}})}
    assert rows["C6"][2:6] == [1, 0, 0, 0]
    assert rows["C6"][-1] == "passed on drafted values: confirm R1's pickup_a (drafted: TODO)"
    assert rows["C5"][-1] == ""
