"""The CLI's PLL note names the buses and where the rows are marked (trust_report).

Before: "note: 1–4 fault bus(es) where no PLL-tracking solution … flagged in the `pll_frozen`
column [in 32 … slices]" — which buses, and which sheet (the Fault currents sheet of the
depot holds its extremes only, every row is in the Parquet file beside it)."""

from __future__ import annotations

import warnings

import pandas as pd

from protv2g.cli import _PLL, _pll_detail, _print_notes


def _note(text: str) -> warnings.WarningMessage:
    """A caught engine note: a slice's (:class:`~protv2g.engine.pll_note.SliceNote`, as the
    engines raise them) when ``text`` ends with its slice "(scenario …)", else plain."""
    from protv2g.engine.pll_note import SliceNote

    head, sep, tail = text.rpartition(" (scenario ")
    message = SliceNote(head, "scenario " + tail[:-1]) if sep and tail.endswith(")") else text
    return warnings.WarningMessage(message, RuntimeWarning, "/site/protv2g/engine/slices.py", 1)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"bus": [3, 7, 7, 9], "bus_name": ["F1-B05", "F1-LAT2-B2",
                                                          "F1-LAT2-B2", "F1-B02"],
                         "pll_frozen": [True, True, True, False]})


def test_detail_names_buses_sheet_and_side_file(tmp_path):
    book = tmp_path / "depot.xlsx"
    assert _pll_detail(_frame(), book) == (
        "bus(es): F1-B05, F1-LAT2-B2; that column is on the Fault currents sheet of "
        "depot.xlsx")
    (tmp_path / "depot.Fault_currents.parquet").write_bytes(b"")
    assert _pll_detail(_frame(), book).endswith(
        "sheet of depot.xlsx (every row in depot.Fault_currents.parquet)")


def test_detail_empty_without_frozen_rows(tmp_path):
    frame = _frame().assign(pll_frozen=False)
    assert _pll_detail(frame, tmp_path / "a.xlsx") == ""
    assert _pll_detail(frame.drop(columns="pll_frozen"), tmp_path / "a.xlsx") == ""
    assert _pll_detail(None, tmp_path / "a.xlsx") == ""


def test_detail_lists_at_most_eight_buses(tmp_path):
    frame = pd.DataFrame({"bus": range(11), "bus_name": [f"B{k:02d}" for k in range(11)],
                          "pll_frozen": True})
    assert "B07 … (+3); that column" in _pll_detail(frame, tmp_path / "a.xlsx")


def test_note_line_carries_the_detail(capsys):
    notes = [_note(f"{n} fault bus(es) where no PLL-tracking solution of the charger control "
                   f"law was found (smallest tracking residual {r:.2e} pu): solved with the "
                   f"PLL held at the pre-fault angle (scenario s{n}, max, 3ph)")
             for n, r in ((1, 2.71), (4, 7.1))]
    notes.append(_note("charger control law has no solution at 2 fault bus(es): their results "
                       "are NaN"))
    _print_notes(notes, {_PLL: "bus(es): F1-B05; that column is on X"})
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("[in 2 scenario/case/fault-type slices]; bus(es): F1-B05; that "
                             "column is on X")
    assert lines[1].endswith("their results are NaN")  # another note: no detail
