"""The Summary's index of the workbook's sheets: each sheet, linked, with what it holds.

Each data sheet's :attr:`protv2g.report.sheets.SheetSpec.description` is written here, where a
reader of the memo sees it, rather than above the sheet's table: every table keeps its header
in row 1 and its data from row 2 (``pandas.read_excel`` and the Findings → Evidence links read
them so; review s20: the descriptions existed in code only). The picture sheets (TCC, Feeder
plot) are described here too.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Font

from protv2g.report.sheets import FEEDER, TCC, SheetSpec
from protv2g.report.summary_memo import Memo

__all__ = ["PICTURE_SHEETS", "write_sheet_index"]

_LINK_FONT = Font(color="0563C1", underline="single")  # Excel's "Hyperlink" cell style

#: What the picture sheets hold (they have no :class:`SheetSpec`).
PICTURE_SHEETS = {
    TCC: "time–current plots per protection path and element family (phase, ground): every "
         "device of the path with its settings, the fault-current markers with and without "
         "V2G, the coordination intervals; linked from the Findings and Pair coordination",
    FEEDER: "one-line sketch of the feeder from the substation: buses, devices, V2G sites "
            "and where the findings are",
}


def write_sheet_index(w: Memo, specs: Sequence[SheetSpec], pictures: Sequence[str] = (),
                      described: dict[str, str] | None = None) -> None:
    """A grid of the sheets (``specs`` in workbook order after the Summary, then
    ``pictures``, titles of :data:`PICTURE_SHEETS` the workbook has): each sheet's position
    in the workbook, its title linked to its cell A1, and what it holds. The first column
    holds the position, not the title, so that no memo key ("Findings") is repeated there.
    ``described``: a picture sheet's description in place of :data:`PICTURE_SHEETS`'s."""
    rows = [[s.title, " ".join(str(s.description).split())] for s in specs]
    rows += [[t, (described or {}).get(t, PICTURE_SHEETS[t])] for t in pictures
             if t in PICTURE_SHEETS]
    if not rows:
        w.note("none")
        return
    first = w.row + 1  # below the grid's header
    w.grid(["sheet no.", "sheet", "what it holds"],
           [[k, title, what] for k, (title, what) in enumerate(rows, start=2)],
           spans=[1, 2, 7], fmt={0: "0"})
    for k, (title, _) in enumerate(rows):
        cell = w.ws.cell(row=first + k, column=2)
        cell.hyperlink = f"#'{title}'!A1"  # internal, as the tables' links (format.py)
        cell.font = _LINK_FONT
