"""The CLI's engine notes: one line per kind, figures as ranges (cli._print_notes)."""

from __future__ import annotations

import warnings

from protv2g.cli import _print_notes


def _note(text: str) -> warnings.WarningMessage:
    return warnings.WarningMessage(text, RuntimeWarning, "/site/protv2g/engine/slices.py", 1)


def test_pll_notes_of_several_slices_are_one_line_with_ranges(capsys):
    notes = [_note(f"{n} fault bus(es) where no PLL-tracking solution of the charger control "
                   f"law was found (smallest tracking residual {r:.2e} pu): solved with the "
                   f"PLL held at the pre-fault angle (scenario day/{k}, max, 3ph)")
             for k, (n, r) in enumerate(((3, 2.72), (3, 3.38), (5, 7.10), (3, 2.28)))]
    notes.append(_note("charger control law has no solution at 2 fault bus(es) (scenario a, "
                       "max, SLG): their results are NaN"))
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
