"""The engine's note on chargers solved with the PLL held, in words a protection engineer can
act on (review s27 §8: "1–4 fault bus(es) where no PLL-tracking solution … pll_frozen" was
jargon in the quick start). The typed flag (``pll_frozen``) and the CLI's detail (the buses and
the sheet, keyed on "no PLL-tracking solution") are as before."""

from __future__ import annotations

import warnings

import numpy as np

from protv2g.cli import _PLL, _print_notes
from protv2g.engine.slices import _warn
from protv2g.units import Case, FaultType


def _caught() -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _warn(np.array([True, False, True]), np.zeros(3, dtype=bool),
              np.array([2.7, np.nan, 7.1]), "expected/light/50%", Case.MAX,
              FaultType.THREE_PHASE)
    return caught


def test_note_says_what_it_means_and_whether_to_act():
    (w,) = _caught()
    text = str(w.message)
    assert text.startswith("2 fault bus(es) where the chargers' control cannot lock on to the "
                           "grid voltage")
    assert "a fault on the path between a charger and the grid's source, near the source or " \
        "far along a long feeder" in text  # review rev32b M4: buses 50 km out on IEEE 34
    assert "the chargers' current there is an estimate" in text
    assert "flagged in the `pll_frozen` column" in text
    assert "nothing to do unless a finding's worst row is at one of these buses" in text
    assert _PLL in text  # the CLI adds the buses and the sheet to this note
    assert text.endswith("(scenario expected/light/50%, max, 3ph)")


def test_cli_line_carries_the_buses(capsys):
    notes = [warnings.WarningMessage(w.message, RuntimeWarning,
                                     "/site/protv2g/engine/slices.py", 1)
             for w in _caught() * 2]  # as raised inside the engine
    _print_notes(notes, {"n_buses": 2, "tail": "they are F1-B05; that column is on X"})
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("note: 2 fault bus(es) in all (2 in each of the 2 fault studies "
                           "where it happens, a fault study being one scenario, the maximum "
                           "or minimum case, one fault type) where the chargers' control "
                           "cannot lock")
    assert line.endswith("column — they are F1-B05; that column is on X")
