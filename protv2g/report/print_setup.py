"""Print setup of the workbook's sheets: scale, repeated titles, page order, row heights.

Checked on LibreOffice's PDF of the depot workbook (``soffice --convert-to pdf``, Letter
landscape; ``tests/test_report_pdf.py``): a table prints at a legible scale with its header
row (and, over several pages, its column A) repeated, a wrapped cell's row is tall enough for
its lines, a picture sheet prints one picture a page.
"""

from __future__ import annotations

import functools
import math
import textwrap
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["PAGE_WIDTH_PT", "FIT_MIN_SCALE", "PRINT_SCALE", "PRINT_ROWS", "LINE_HEIGHT_PT",
           "column_width_pt", "wrapped_lines", "print_layout", "picture_print"]

#: Printable width (pt) of a landscape page with 0.4 in side margins: Letter, the narrower of
#: Letter (11 in) and A4 (11.69 in), so a sheet set up here fits either paper.
PAGE_WIDTH_PT = (11.0 - 2 * 0.4) * 72
#: Smallest scale (%) a table is shrunk to so that it prints one page wide (11 pt text then
#: prints at 6.6 pt or more); a wider table prints at :data:`PRINT_SCALE` over several pages.
FIT_MIN_SCALE = 60
#: Scale (%) of a table too wide for one page: 11 pt text prints at 7.7 pt, the first column
#: (the row's identifier) repeated on every page, pages read across before down.
PRINT_SCALE = 70
#: Sheets with more data lines print only their first rows (the workbook keeps them all); a
#: wrapped row counts its lines, so a sheet of long messages prints no more pages than a sheet
#: of 200 one-line rows (the depot's Evidence printed 100 pages when its rows counted one).
PRINT_ROWS = 200
#: Height (pt) of one line of wrapped 11 pt Calibri: Excel's default row height.
LINE_HEIGHT_PT = 15.0
#: Characters of ordinary text per unit of column width (the unit is the width of a digit;
#: letters and spaces are narrower: measured on LibreOffice's PDF of the depot workbook).
_CHARS_PER_WIDTH = 1.1


def column_width_pt(width: float) -> float:
    """Printed width (pt, at 100 %) of a column ``width`` Excel units wide.

    Pixels = trunc((256 w + trunc(128 / 7)) / 256 × 7) for the 7-pixel digit of 11 pt
    Calibri (ECMA-376 Part 1, §18.3.1.13, ``col/@width``); 1 px = 0.75 pt at 96 dpi.
    """
    return 0.75 * math.trunc((256 * width + math.trunc(128 / 7)) / 256 * 7)


def wrapped_lines(text: Any, width: float) -> int:
    """Lines that ``text`` takes when wrapped in a column ``width`` Excel units wide."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return 1
    return _lines(str(text), max(1, int(width * _CHARS_PER_WIDTH)))


@functools.lru_cache(4096)
def _lines(text: str, per_line: int) -> int:
    """Lines of ``text`` wrapped at ``per_line`` characters (:func:`wrapped_lines`): each of
    its lines as many as :func:`textwrap.wrap` makes of it, at least one; a line no longer
    than ``per_line`` without a tab (which ``textwrap`` expands) is one, without wrapping it
    (#21: the depot's 1,313 wrapped cells, 461 distinct, 807 on one line; the same counts)."""
    return sum(1 if len(part) <= per_line and "\t" not in part
               else max(1, len(textwrap.wrap(part, per_line, break_long_words=True)))
               for part in text.split("\n"))


def print_layout(ws: Worksheet, n_rows: int, n_cols: int) -> None:
    """Landscape print with the header row repeated on every page.

    A sheet that fits one page wide at :data:`FIT_MIN_SCALE` % or more is fitted to one page
    wide, and so is a sheet without rows; a wider one prints at :data:`PRINT_SCALE` % over as
    many pages as its columns need, column A repeated (unless it would take over a quarter of
    the page) and pages ordered across, then down (a row band's pages stay together). Long
    sheets print their first rows, :data:`PRINT_ROWS` lines of them (row heights are set).
    """
    widths_pt = [column_width_pt(ws.column_dimensions[get_column_letter(j)].width or 9)
                 for j in range(1, n_cols + 1)]
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "1:1"
    if n_rows == 0 or sum(widths_pt) * FIT_MIN_SCALE / 100 <= PAGE_WIDTH_PT:
        # an empty sheet (its header and a "not computed" note) is one page
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.scale = PRINT_SCALE
        ws.page_setup.pageOrder = "overThenDown"
        if widths_pt[0] * PRINT_SCALE / 100 <= PAGE_WIDTH_PT / 4:
            ws.print_title_cols = "A:A"  # the row's identifier, unless it crowds the page
    _margins_and_footer(ws)
    n_print, lines = 0, 0.0
    for i in range(2, min(n_rows, PRINT_ROWS) + 2):
        lines += (ws.row_dimensions[i].height or LINE_HEIGHT_PT) / LINE_HEIGHT_PT
        if lines > PRINT_ROWS + 1e-9:
            break
        n_print += 1
    if n_print < n_rows:
        n_print = max(n_print, 1)
        ws.print_area = f"A1:{get_column_letter(max(n_cols, 1))}{n_print + 1}"
        ws.oddHeader.center.text = (f"&A: first {n_print:,} of {n_rows:,} rows printed; the "
                                    "workbook holds them all")


def picture_print(ws: Worksheet, scale: int | None = None) -> None:
    """Landscape print of a sheet of pictures, with the sheet's footer.

    ``scale`` fixes the print scale (%), so the manual page breaks before each picture hold (a
    fit-to-page print may ignore them); without it the sheet fits one page.
    """
    ws.page_setup.orientation = "landscape"
    if scale is None:
        ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = 1
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.scale = scale
    _margins_and_footer(ws)


def _margins_and_footer(ws: Worksheet) -> None:
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddFooter.center.text = "&A — page &P of &N"
