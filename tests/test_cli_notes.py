"""The CLI's engine notes: one line per kind, figures as ranges (cli._print_notes)."""

from __future__ import annotations

import warnings

from protv2g.cli import _print_notes


def _note(text: str) -> warnings.WarningMessage:
    """A caught engine note: a slice's (:class:`~protv2g.engine.pll_note.SliceNote`, as the
    engines raise them) when ``text`` ends with its slice "(scenario …)", else plain."""
    from protv2g.engine.pll_note import SliceNote

    head, sep, tail = text.rpartition(" (scenario ")
    message = SliceNote(head, "scenario " + tail[:-1]) if sep and tail.endswith(")") else text
    return warnings.WarningMessage(message, RuntimeWarning, "/site/protv2g/engine/slices.py", 1)


def test_pll_notes_of_several_slices_are_one_line_with_ranges(capsys):
    notes = [_note(f"{n} fault bus(es) where no PLL-tracking solution of the charger control "
                   f"law was found (smallest tracking residual {r:.2e} pu): solved with the "
                   f"PLL held at the pre-fault angle (scenario day/{k}, max, 3ph)")
             for k, (n, r) in enumerate(((3, 2.72), (3, 3.38), (5, 7.10), (3, 2.28)))]
    notes.append(_note("charger control law has no solution at 2 fault bus(es): their results "
                       "are NaN (scenario a, max, SLG)"))
    notes.append(warnings.WarningMessage("x", DeprecationWarning, "/site/protv2g/a.py", 1))
    notes.append(warnings.WarningMessage("y", RuntimeWarning, "/site/numpy/core.py", 1))
    _print_notes(notes)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "note: 3–5 fault bus(es) where no PLL-tracking solution of the charger control law was "
        "found (smallest tracking residual 2.28e+00–7.10e+00 pu): solved with the PLL held at "
        "the pre-fault angle [in 4 scenario/case/fault-type slices]",
        "note: charger control law has no solution at 2 fault bus(es): their results are NaN",
    ]


def test_a_scenario_name_with_parentheses_folds_whole(capsys):
    """Review rev36b X2 (EPRI J1): the minimum case's twin scenario "… (existing DER in the min
    case)" left ", min, 3ph)" in the folded note when the CLI cut "(scenario …)" out of the
    message with a regular expression; the engines now raise the slice apart (data)."""
    from protv2g.engine.pll_note import SliceNote

    text = "4 fault bus(es) where the chargers' control cannot lock on to the grid voltage"
    notes = [warnings.WarningMessage(SliceNote(text, f"scenario {s}, {c}, 3ph"), RuntimeWarning,
                                     "/site/protv2g/engine/phase/study.py", 1)
             for s, c in (("firm/light/100%", "max"),
                          ("firm/light/100% (existing DER in the min case)", "min"))]
    _print_notes(notes)
    assert capsys.readouterr().err.splitlines() == [
        f"note: {text} [in 2 scenario/case/fault-type slices]"]


def test_the_note_names_whose_control_it_is():
    """Review rev36b X1: ``init`` on EPRI J1 with no site spoke of "the chargers'" control for
    the feeder's 13 PV systems; the phase engine says whose rows they are."""
    import pytest

    from protv2g.engine.pll_note import SliceNote, warn_pll_frozen
    from protv2g.units import Case, FaultType

    for units, words in (("chargers", "the chargers' control"),
                         ("existing inverters", "existing inverters' (PV, storage) control"),
                         ("chargers and existing inverters",
                          "the chargers' and the feeder's existing inverters' control")):
        with pytest.warns(SliceNote) as caught:
            warn_pll_frozen(3, "base", Case.MAX, FaultType.SINGLE_LINE_GROUND, units=units)
        note = caught[0].message
        assert words in note.text and note.slice_label == "scenario base, max, SLG"
    with pytest.raises(ValueError, match="units"):
        warn_pll_frozen(3, "base", Case.MAX, FaultType.SINGLE_LINE_GROUND, units="pv")


def test_a_numpy_warning_says_where_and_counts_occurrences_not_slices(capsys):
    """Review rev50a #7a (IEEE 123): "note: invalid value encountered in subtract [in 2
    scenario/case/fault-type slices]" — a numpy warning counted as slices, naming no place.
    Fails on the old code."""
    notes = [warnings.WarningMessage("invalid value encountered in subtract", RuntimeWarning,
                                     "/site/protv2g/checks/x.py", 155) for _ in range(2)]
    notes += [warnings.WarningMessage("a plain note", UserWarning, "/site/protv2g/a.py", 3)
              for _ in range(3)]
    _print_notes(notes)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("note: numpy: invalid value encountered in subtract (2× at "
                               "protv2g/checks/x.py:155;")
    assert lines[1] == "note: a plain note (3×)"


def test_directional_margin_of_two_never_operating_times_is_silent():
    """The warning of rev50a #7a: a row where neither the element nor the clearing device
    operates (inf − inf) is not a wrong trip, without a numpy warning."""
    import numpy as np
    import pandas as pd

    from protv2g.checks.directional import _margin
    from protv2g.directional.decide import Verdict

    t = pd.DataFrame({"t_operate_s": [np.inf, 1.0], "t_clear_s": [np.inf, 0.2],
                      "verdict": [Verdict.WRONG_TRIP.value] * 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = _margin(t, 0.3)
    assert np.isinf(m[0]) and abs(m[1] - 0.5) < 1e-12
