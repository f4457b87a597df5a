"""Column widths from the cell values already written are the widths from the frame (#21:
``write_table`` no longer converts a text column's values a second time)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl import Workbook

from protv2g.report.format import _write_rows, fit_widths, number_format, write_table


def _widths(ws) -> dict[str, float]:
    return {k: v.width for k, v in ws.column_dimensions.items()}


def test_widths_from_written_cells_equal_widths_from_the_frame():
    frame = pd.DataFrame({
        "device": ["RC-F1", "FU-12", None, "a much longer device name"],
        "count": [1, 22, 333, 0],
        "ratio": [0.5, np.nan, 1.0 / 3.0, np.inf],  # no unit: no number format
        "i_primary_a": [12.5, 1234.56, np.nan, 7.0],  # "0.0" from the unit
        "flag": [True, False, True, False],
        "buses": [["B1", "B2"], ["B3"], [], ["B10", "B11", "B12"]],
        "mixed": [0, "x" * 70, 2.5, None],
    })
    labels = list(frame.columns)
    wb = Workbook()
    direct, from_cells = wb.create_sheet("direct"), wb.create_sheet("cells")
    fit_widths(direct, frame, labels)
    values = _write_rows(from_cells, frame, [number_format(c) for c in frame.columns])
    fit_widths(from_cells, frame, labels, cells=values)
    assert _widths(from_cells) == _widths(direct)
    assert _widths(direct)["G"] == 60  # capped
    written = wb.create_sheet("written")
    write_table(written, frame)
    assert _widths(written)["A"] == _widths(direct)["A"]
