"""``batch``'s line of a study (review rev48b P3): the PLL note once per study, not once per
scenario with only the scenario differing (16 lines of ~700 characters for IEEE 123), and the
worst margin with its criterion, device(s) and unit — "−∞: … never operates" as the workbook
says it, not "worst margin -inf"."""

from __future__ import annotations

import math
import warnings

from protv2g.batch.tasks import distinct_notes, worst_margin_text
from protv2g.commands.batch import _line
from protv2g.slice_note import PllNote


def _caught(*pairs: tuple[str, int]) -> list[warnings.WarningMessage]:
    return [warnings.WarningMessage(PllNote(label, n), PllNote, "protv2g/engine/study.py", 1)
            for label, n in pairs]


def test_pll_note_once_per_study():
    caught = _caught(("scenario expected/light/50%, max, 3ph", 22),
                     ("scenario expected/light/50%, max, SLG", 13),
                     ("scenario expected/light/100%, max, 3ph", 22),
                     ("scenario expected/light/100%, max, LLG", 8))
    notes = distinct_notes(caught).splitlines()
    assert len(notes) == 1
    # the count says what it counts: the most in one fault study, the range over the 4
    assert "up to 22 fault bus(es)" in notes[0] and "8–22 in each of the 4" in notes[0]
    assert "scenario expected" not in notes[0]
    # with the run's detail (the held buses over every slice) the count is theirs
    one = distinct_notes(caught, {"n_buses": 31, "tail": "they are 1, 2"}).splitlines()
    assert len(one) == 1 and "31 fault bus(es) in all" in one[0] and "they are 1, 2" in one[0]


def _row(**over: object) -> dict:
    row = {"study": "ieee123", "variant": "", "file": "s.yaml", "status": "ok",
           "verdict": "FAIL", "violations_fail": 1, "violations_warn": 2,
           "violations_info": 0, "worst_margin": -math.inf, "worst_margin_text": "",
           "hosting_capacity": "not evaluated", "run_s": 1.0, "workbook": "s.xlsx",
           "notes": ""}
    row.update(over)
    return row


def test_minus_infinity_says_who_never_operates():
    text = worst_margin_text({"criterion": "C1", "device": "head-sw1", "other_device": "F-L9",
                              "margin": -math.inf, "margin_unit": "s",
                              "t_device_s": math.inf, "t_other_s": 0.08})
    assert text == "C1 head-sw1 / F-L9: −∞ s (head-sw1 never operates: no time to compare)"
    line = _line(_row(worst_margin_text=text))
    assert "worst margin C1 head-sw1 / F-L9: −∞ s (head-sw1 never operates" in line
    assert "-inf" not in line


def test_finite_margin_has_its_unit_and_criterion():
    text = worst_margin_text({"criterion": "C4", "device": "head-l1", "other_device": None,
                              "margin": -3.1802, "margin_unit": "s"})
    assert text == "C4 head-l1: −3.18 s"
    assert "worst margin C4 head-l1: −3.18 s," in _line(_row(worst_margin=-3.1802,
                                                             worst_margin_text=text))
    # a row without the text (an older combined workbook) keeps the bare figure
    assert "worst margin -3.18," in _line(_row(worst_margin=-3.1802, worst_margin_text=None))
