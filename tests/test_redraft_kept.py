"""``init --redraft`` says which drafted values it keeps and what the draft's interval is
(review rev30 §6, EPRI ckt5): it printed "ground TD 0.6: the smallest dial with a 0.3 s
interval …" and kept 0.5 in the file (0.5 → 0.6 is within one step) without saying so; the
relay's TODO still said "no protective device below it" after R-MID, F-TAP and F-END were
added; and the draft's 0.3 s over R-MID against C4's 0.12 s (relay over recloser, numerical)
was said nowhere.
"""

from __future__ import annotations

from protv2g.study.schema import Checks
from protv2g.study_draft.head_relay import RelayProposal
from protv2g.study_draft.redraft import StaleValue, redraft_text
from protv2g.study_draft.trade import (
    check_intervals,
    dials_clause,
    interval_text,
    setting_notes,
    trade_lines,
)

_KINDS = {"R-MID": "recloser", "F-TAP": "fuse", "F-END": "fuse"}
#: ckt5's ground dial (max case): the head at TD 1 and R-MID's clearing time at SLG-b at 6584
_DIAL = {"td": 0.6, "td_min": 0.5, "cti_s": 0.3, "by": "R-MID", "fault": "SLG-b at 6584",
         "interval_s": 0.318, "interval_min_s": 0.254, "t_head_s": 0.384,
         "t_head_min_s": 0.32, "t_by_s": 0.0656, "at_min": {"R-MID": 0.254, "F-END": 0.411}}
_FIGURES = {"cti_s": 0.3, "below_names": list(_KINDS), "below_kinds": _KINDS,
            "dials": {"51G": _DIAL}, "peak_load_a": 379.0, "peak_residual_a": 36.0,
            "min_phase_fault_zone_a": 1638.0, "min_ground_fault_zone_a": 287.0,
            "pickup_steps": {"51P": "758.1 A → 760 A (10 A steps)", "51G": "190 A"}}


def test_c4_intervals_follow_the_rule_table_and_the_studys_checks():
    assert check_intervals(_KINDS) == {"R-MID": 0.12, "F-TAP": 0.12, "F-END": 0.12}
    em = Checks(relay_technology="electromechanical", cti_recloser_relay_s=0.25)
    assert check_intervals({"R": "recloser", "F": "fuse", "X": "sectionaliser"}, em) == \
        {"R": 0.25, "F": 0.22}


def test_the_interval_text_says_which_and_why_c4_differs():
    text = interval_text(0.3, _KINDS)
    assert text.startswith("0.3 s: init's one interval over every device right below (IEEE "
                           "242-2001 §15's relay–relay interval for an electromechanical "
                           "relay: breaker 0.08 + overtravel 0.10 + safety 0.12 s")
    # a fuse right below the head is C1's pair, a recloser C4's (review rev31b W1)
    assert ("C1 and C4 judge each pair with its own interval (Rules sheet, numerical relay: "
            "over a recloser 0.12 s, over a fuse 0.12 s; a fuse's or recloser's time is already "
            "a clearing time), so a dial with less than 0.3 s may still pass C1 and C4") in text
    assert interval_text(0.3, {"R-MID": "recloser"}).endswith("may still pass C4")
    assert "C4" not in interval_text(0.3, {})


def test_the_relays_todo_names_the_devices_below_and_a_kept_dial():
    assert dials_clause({"cti_s": 0.3, "below_names": []}).endswith(
        "(no protective device below it in the model to coordinate with)")
    text = dials_clause(_FIGURES, None, {"ground_time_dial": (0.5, 0.6)})
    assert text.startswith("0.3 s over the 3 device(s) right below it (R-MID, F-TAP, F-END); "
                           "ground "
                           "TD 0.5 is the first draft's, kept: the rule now gives 0.6, within "
                           "10% or one step; 0.3 s: init's one interval")
    many = dials_clause({"cti_s": 0.3, "below_names": [f"F{i}" for i in range(9)]})
    assert "(F0, F1, F2, F3, F4, F5 and 3 more)" in many
    # the devices behind those right below are named as not coordinated with (rev31b W1)
    beyond = dials_clause({**_FIGURES, "below_names": ["R-MID"],
                           "below_kinds": {"R-MID": "recloser"},
                           "beyond_names": ["F-TAP", "F-END"]})
    assert beyond.startswith("0.3 s over the 1 device(s) right below it (R-MID), not over the "
                             "2 behind them (F-TAP, F-END): the device above each is its "
                             "backup, not the head; ")


def test_the_dial_note_compares_with_c4_and_the_print_says_kept():
    note = setting_notes(_FIGURES, {}, {})["ground_time_dial"]
    assert note.endswith("C4 judges the head over R-MID with 0.12 s (Rules sheet), not "
                         "0.3 s: TD 0.5's 0.254 s there would pass it")
    (line,) = trade_lines(_FIGURES, {}, {}, kept={"51G": 0.5})
    assert line.startswith("ground TD 0.6 (not written: the file keeps the first draft's TD "
                           "0.5, within 10% or one step of the rule's): the smallest dial")
    (line,) = trade_lines(_FIGURES, {}, {}, kept={"51G": 0.6})   # written: no remark
    assert line.startswith("ground TD 0.6: the smallest dial")


_TEXT = "".join((
    "devices:\n",
    "  # TODO: assumed feeder-head relay head: settings by protv2g's stated rule, time dials "
    "for the smallest time dial protv2g drafts (no protective device below it in the model "
    "to coordinate with) | fix: replace by the utility's relay settings\n",
    "  # peak load 379 A (the model's snapshot load), residual 36 A; min zone faults: phase "
    "1526 A, ground 287 A (IEC 60909 min, 20 Ω)\n",
    "  # 51P: 758.1 A → 760 A (10 A steps)\n",
    "  # 51G: 190 A\n",
    "  - name: head\n    kind: relay\n    pickup_a: 760\n    time_dial: 0.5\n",
    "    ground_pickup_a: 190\n    ground_time_dial: 0.5\n",
    "    reclose_intervals_s: [0.5, 15.0, 30.0]\n"))


def test_redraft_text_says_what_it_keeps(tmp_path):
    prop = RelayProposal({"pickup_a": 760, "ground_pickup_a": 200, "time_dial": 0.5,
                          "ground_time_dial": 0.6}, _FIGURES, [])
    stale = [StaleValue("head", 0, "reclose_intervals_s", [0.5, 15.0, 30.0],
                        [3.5, 15.0, 30.0], "")]
    notes = {0: {"ground_time_dial": "the reason"}}
    out = redraft_text(_TEXT, stale, {0: prop}, {}, notes, Checks())
    lines = out.splitlines()
    assert "time dials for 0.3 s over the 3 device(s) right below it (R-MID, F-TAP, F-END); " \
        "ground TD 0.5 is the first draft's, kept" in lines[1]
    assert lines[1].endswith(" | fix: replace by the utility's relay settings")
    assert lines[3].endswith("(10 A steps) (re-checked by protv2g init --redraft: the rule "
                             "gives the same)")
    assert lines[4] == ("  # 51G: 190 A (first draft, kept: the rule now gives 200 A, within "
                        "10% or one step)")
    assert "    time_dial: 0.5" in lines                      # the rule's own value: no note
    assert ("    ground_time_dial: 0.5  # first draft, kept by protv2g init --redraft: the "
            "rule now gives 0.6, within 10% or one step; the rule's reason for 0.6: the "
            "reason") in lines
    # a second re-draft replaces the remarks, it does not stack them
    again = redraft_text(out, stale, {0: prop}, {}, notes, Checks())
    assert again.replace("[3.5, 15, 30]", "[0.5, 15.0, 30.0]") == \
        out.replace("[3.5, 15, 30]", "[0.5, 15.0, 30.0]")


def test_a_second_redraft_rewrites_the_first_ones_remarks():
    """Session 34 (IEEE 123 + depot_xf, a redirect's transformer named ``model_transformer``
    after a first re-draft): the second ``--redraft`` re-drafted 51G 190 → 270 A but left
    "# re-drafted by protv2g init --redraft (was 240 A)" beside it, and the 51P line, re-drafted
    the first time and the same now, read "… (re-drafted by protv2g init --redraft)
    (re-checked by protv2g init --redraft: the rule gives the same)". Each re-draft writes
    the line anew: the value it replaced, one remark."""
    first = RelayProposal({"pickup_a": 900, "ground_pickup_a": 240, "time_dial": 0.5,
                           "ground_time_dial": 0.5},
                          {**_FIGURES, "pickup_steps": {"51P": "896 A → 900 A (10 A steps)",
                                                        "51G": "235 A → 240 A (10 A steps)"}},
                          [])
    out = redraft_text(_TEXT, [StaleValue("head", 0, "pickup_a", 760.0, 900.0, ""),
                               StaleValue("head", 0, "ground_pickup_a", 190.0, 240.0, "")],
                       {0: first}, {}, {}, Checks())
    assert "    ground_pickup_a: 240  # re-drafted by protv2g init --redraft (was 190 A)" \
        in out.splitlines()
    second = RelayProposal({**first.entry, "ground_pickup_a": 270},
                           {**first.figures, "pickup_steps": {
                               "51P": "896 A → 900 A (10 A steps)",
                               "51G": "264.7 A → 270 A (10 A steps)"}}, [])
    again = redraft_text(out, [StaleValue("head", 0, "ground_pickup_a", 240.0, 270.0, "")],
                         {0: second}, {}, {}, Checks()).splitlines()
    assert "    ground_pickup_a: 270  # re-drafted by protv2g init --redraft (was 240 A)" \
        in again
    assert "  # 51P: 896 A → 900 A (10 A steps) (re-checked by protv2g init --redraft: the " \
        "rule gives the same)" in again
    assert "  # 51G: 264.7 A → 270 A (10 A steps) (re-drafted by protv2g init --redraft)" \
        in again
    assert not any(line.count("protv2g init --redraft") > 1 for line in again
                   if line.lstrip().startswith("# 51"))
