"""Cell styles and merged ranges set once per distinct style, then copied (#21).

openpyxl stores a cell's style as a :class:`~openpyxl.styles.cell_style.StyleArray` of indexes
into the workbook's lists of fonts, fills, borders, alignments, protections and number formats.
Assigning ``cell.font = Font(...)`` hashes the Font (a recursive walk of its fields) and looks
it up in that list, ≈ 0.1 ms a cell; ``ws.merge_cells`` then re-assigns the range's borders
and protection cell by cell (``MergedCellRange.format``). On the depot workbook these were
3,772 style assignments (0.42 s) and 113 merges (0.33 s) of a 3.5 s workbook (cProfile,
2026-12-02). Here openpyxl sets each distinct combination once, on a first cell, and the
resulting style indexes are copied to the other cells: the cells end with the same
StyleArray, so the saved workbook has the same styles (checked cell by cell against the
per-cell assignments, ``tests/test_report_styling.py``).

A :class:`StyleCache` belongs to one workbook (the indexes are that workbook's); it keeps the
style objects it was given, so their ``id`` cannot be reused while it lives.

Examples
--------
>>> from openpyxl import Workbook
>>> from openpyxl.styles import Font
>>> ws = Workbook().active
>>> styles = StyleCache()
>>> bold = Font(bold=True)
>>> for row in (1, 2):
...     _ = styles.apply(ws.cell(row=row, column=1, value="x"), font=bold)
>>> ws["A2"].font.b
True
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["StyleCache", "new_cell", "set_number_format"]

_new = Cell.__new__


def new_cell(ws: Worksheet, row: int, column: int, value: Any, data_type: str,
             style: StyleArray | None) -> Cell:
    """A cell holding ``value`` of openpyxl type ``data_type`` (``n``, ``s``, ``b``), with a
    copy of ``style``; stored in ``ws``.

    What ``Cell(ws, row, column, style_array=style)`` and setting ``_value`` and
    ``data_type`` make, without the constructor's calls (30,000 numeric cells: 0.065 →
    0.047 s CPU, the collector paused, 2026-12-02): ``value`` must already be what openpyxl
    would store
    (:func:`protv2g.report.format.cell_value`).
    """
    cell = _new(Cell)
    cell.parent = ws
    cell._style = None if style is None else StyleArray(style)
    cell.row = row
    cell.column = column
    cell._value = value
    cell.data_type = data_type
    cell._hyperlink = None
    cell._comment = None
    ws._cells[(row, column)] = cell
    return cell


def set_number_format(cell: Cell, fmt: str, ids: dict[str, int]) -> None:
    """``cell.number_format = fmt``, the format's id taken from ``ids`` once openpyxl has
    given it (then stored there): openpyxl's number-format descriptor looks it up, or adds
    it to the workbook's list, at every assignment, and an added format keeps its id."""
    idx = ids.get(fmt)
    if idx is None:
        cell.number_format = fmt
        ids[fmt] = cell._style.numFmtId
        return
    if not cell._style:
        cell._style = StyleArray()
    cell._style.numFmtId = idx


class StyleCache:
    """Style arrays of one workbook, by the style objects given (their identity) and the
    cell's style before.

    Attributes
    ----------
    hits, misses : int
        Look-ups served from the cache / set through openpyxl.
    """

    def __init__(self) -> None:
        self._arrays: dict[tuple[Any, ...], tuple[StyleArray, tuple[Any, ...]]] = {}
        self._merges: dict[tuple[Any, ...], list[StyleArray | None]] = {}
        self.hits = 0
        self.misses = 0

    def apply(self, cell: Any, font: Any = None, fill: Any = None, border: Any = None,
              alignment: Any = None, number_format: str | None = None) -> Any:
        """Give ``cell`` these styles (those not None), as assigning ``cell.font = font``,
        … would; returns the cell."""
        objects = (font, fill, border, alignment)
        key = (None if cell._style is None else tuple(cell._style),
               *map(id, objects), number_format)
        hit = self._arrays.get(key)
        if hit is not None:
            self.hits += 1
            cell._style = StyleArray(hit[0])
            return cell
        self.misses += 1
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        if alignment is not None:
            cell.alignment = alignment
        if number_format is not None:
            cell.number_format = number_format
        style = StyleArray(cell._style) if cell._style is not None else StyleArray()
        self._arrays[key] = (style, objects)  # the objects kept: their ids stay theirs
        return cell

    def merge_row(self, ws: Worksheet, row: int, first: int, last: int) -> None:
        """Merge columns ``first``..``last`` of ``row``, as ``ws.merge_cells`` does.

        ``ws.merge_cells`` makes the range's other cells :class:`MergedCell` and gives the
        edge cells the first cell's borders and every cell its protection
        (``MergedCellRange.format``), which depends only on the first cell's style and the
        range's width when the other cells do not exist yet: the resulting styles are
        recorded once per (first cell's style, width) and copied.
        """
        start = ws._cells.get((row, first))
        others = [(row, col) for col in range(first + 1, last + 1)]
        if start is None or last <= first or any(c in ws._cells for c in others):
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
            return
        key = (None if start._style is None else tuple(start._style), last - first)
        styles = self._merges.get(key)
        if styles is None:
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
            self._merges[key] = [None if ws._cells[c]._style is None
                                 else StyleArray(ws._cells[c]._style)
                                 for c in [(row, first), *others]]
            return
        mcr = MergedCellRange(ws, f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}")
        # straight into the range set: ``MultiCellRange.add`` first tests the new range against
        # every range held (``__contains__``, a linear scan: quadratic over a sheet's merges, #21,
        # 10,000 buses: 515 merges, 131,841 ``issubset`` calls, ≈ 3 % of the workbook's main
        # process). No held range can contain it here: its other cells do not exist, and a held
        # range's cells past its first are :class:`MergedCell` in ``ws._cells``.
        ws.merged_cells.ranges.add(mcr)
        start._style = None if styles[0] is None else StyleArray(styles[0])
        for (r, c), style in zip(others, styles[1:], strict=True):
            merged = MergedCell(ws, row=r, column=c)
            merged._style = None if style is None else StyleArray(style)
            ws._cells[(r, c)] = merged

