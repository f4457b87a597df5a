"""Workbooks without a Summary (batch, hosting, faults, flow): one sheet per table, tables too
long for a sheet written whole beside the workbook and listed on a last sheet (#21)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.report import overflow as _overflow
from protv2g.report.format import write_table

__all__ = ["write_sheets", "BESIDE_SHEET"]


#: Title of the sheet listing tables written beside a workbook that has no Summary sheet.
BESIDE_SHEET = "Beside the workbook"


def write_sheets(wb: Any, tables: dict[str, pd.DataFrame], path: Any
                 ) -> list[_overflow.Overflow]:
    """Write each table on its own new sheet of ``wb``, which will be saved at ``path``.

    A table too long for a sheet is written whole beside ``path``
    (:func:`protv2g.report.overflow.spill_if_too_long`), its sheet keeps the first rows and a
    note, and a last sheet :data:`BESIDE_SHEET` lists every such table. For workbooks without
    a Summary (batch, hosting, faults, flow).

    Returns
    -------
    list of Overflow
        The tables written beside the workbook (empty when all fit).
    """
    spilled = []
    for title, frame in tables.items():
        over = _overflow.spill_if_too_long(frame, path, title)
        write_table(wb.create_sheet(title), frame, overflow=over)
        if over is not None:
            spilled.append(over)
    if spilled:
        listing = pd.DataFrame(
            {"sheet": [o.sheet for o in spilled], "file": [o.path.name for o in spilled],
             "format": [o.format for o in spilled], "rows": [o.n_rows for o in spilled],
             "rows_in_sheet": [o.n_shown for o in spilled],
             "note": [_overflow.overflow_note(o) for o in spilled]})
        write_table(wb.create_sheet(BESIDE_SHEET), listing)
    return spilled
