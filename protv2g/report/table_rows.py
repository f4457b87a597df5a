"""A table's data rows kept as columns of cell values, written as sheet XML at save (#21).

:func:`protv2g.report.format.write_table` built one openpyxl cell per value (a ``Cell`` and a
copy of its style array), and the saver then read each back to write its XML: on the IEEE 8500
workbook ≈ 800,000 cells, ``write_table`` 1.4 s CPU and a third of the save (2026-12-02). A
:class:`TableRows` holds the values instead; the few cells the table needs as cells (a
hyperlink, a row's own number format, a wrapped or top-aligned cell) are made from it on demand
(:meth:`TableRows.cell`) and the others are written by
:func:`protv2g.report.sheet_writer.save_workbook` straight from the columns, one column at a
time, as the XML openpyxl writes for such a cell (``openpyxl.cell._writer.lxml_write_cell``:
``<c r=… s=… t=…>`` with ``<v>`` ``"%.16g"`` or an inline string). :meth:`TableRows.materialise`
makes every cell, as ``write_table`` made them: the workbook is the same either way (every
part byte-identical but the timestamp, ``tests/test_report_sheet_writer.py``).

Examples
--------
>>> from openpyxl import Workbook
>>> ws = Workbook().active
>>> rows = TableRows(2, [[1.5, None], ["a", "b"]], [None, None])
>>> rows.bounds()
(2, 1, 3, 2)
>>> rows.cell(ws, 2, 1).value
1.5
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.worksheet import Worksheet

from protv2g.report.styling import new_cell
from protv2g.significant import SIGNIFICANT_DIGITS, round_significant

__all__ = ["TableRows", "DATA_TYPES", "SIGNIFICANT_DIGITS", "NEVER", "cell_value",
           "column_values", "is_time_column", "round_significant", "stored", "column_xml"]

#: Excel data type of a cell value (openpyxl's codes: ``n`` number or empty, ``s`` text, ``b``
#: boolean); another type is stored as text (``s``). Text is always a string cell, so
#: formula-like or error-like text (``=…``, ``#N/A``) is shown, never evaluated.
DATA_TYPES = {float: "n", int: "n", bool: "b", str: "s", type(None): "n"}
_INF = float("inf")
#: text characters lxml escapes: ``&``, ``<``, ``>`` and a carriage return (``&#13;``)
_MARKUP = re.compile("[&<>\r]")


#: A time cell (:func:`is_time_column`) of +inf: the device does not operate.
NEVER = "never"
_TIME = re.compile(r"(^t_|_t_|^trip_|_trip_|^time_)[a-z0-9_]*_s$")


def is_time_column(column: Any) -> bool:
    """Whether ``column`` holds operate times, where +inf means "never operates":
    ``t_primary_s``, ``relay_t_trip_s``, ``trip_depot_s``, ``t_op_staged_s`` …; a margin,
    interval or required time (``margin_s``, ``required_s``) is not, nor a stage's bounds
    (``t_start_s``, ``t_end_s``: +inf there is "until the fault is cleared")."""
    return (isinstance(column, str) and _TIME.search(column) is not None
            and not column.endswith(("_start_s", "_end_s")))


def _round(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def cell_value(value: Any, time: bool = False) -> Any:
    """A Python value openpyxl can store: NaN → empty, ±inf → text (+inf of a ``time``
    column → :data:`NEVER`), a float to :data:`SIGNIFICANT_DIGITS`, NumPy → Python."""
    if type(value) is str:  # the commonest, first (what the checks below give a str)
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        return (NEVER if time else "inf") if value > 0 else "-inf"
    if hasattr(value, "item") and not isinstance(value, str):
        return cell_value(value.item(), time)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, (dict, set)):
        return str(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float):
        return _round(value)
    if not isinstance(value, (int, float, bool)):
        return str(value)
    return value


#: Rows from which a text column's cell values are made once per distinct text
#: (:func:`column_values`): a long table repeats its names and labels.
_DISTINCT_FROM = 64


def column_values(series: pd.Series) -> list[Any]:
    """A column as cell values (:func:`cell_value` of each; fast paths for numeric columns and
    long text columns)."""
    time = is_time_column(series.name)
    if pd.api.types.is_integer_dtype(series) and isinstance(series.dtype, np.dtype):
        return series.tolist()
    if pd.api.types.is_float_dtype(series) and isinstance(series.dtype, np.dtype):
        values = round_significant(series.to_numpy(dtype=float)).tolist()
        inf = NEVER if time else "inf"
        return [None if v != v else (inf if v > 0 else "-inf") if v in (_INF, -_INF) else v
                for v in values]
    if isinstance(series.dtype, pd.CategoricalDtype):
        # each category converted once, a missing value (code -1, the last entry) empty as
        # cell_value makes it (#21: the violation table's text columns are categoricals,
        # :mod:`protv2g.checks._compact`); the cells of the column's values one by one
        cells = _cell_values(series.cat.categories.tolist(), time) + [None]
        return [cells[c] for c in series.cat.codes.tolist()]
    if len(series) >= _DISTINCT_FROM and series.dtype == object \
            and pd.api.types.infer_dtype(series, skipna=True) == "string":
        # text and missing values only: each distinct text converted once, every missing
        # value (None, NaN, pd.NA: code -1, the last entry) empty as cell_value makes it
        # (#21: 6.5 M cell_value calls were a third of the 10,000-bus workbook's tables)
        codes, distinct = pd.factorize(series, use_na_sentinel=True)
        cells = _cell_values(distinct.tolist()) + [None]
        return [cells[c] for c in codes.tolist()]
    return [cell_value(v, time) for v in series.tolist()]


def _cell_values(values: list[Any], time: bool = False) -> list[Any]:
    """``[cell_value(v, time) for v in values]``; texts without a character openpyxl refuses
    (``ILLEGAL_CHARACTERS_RE``, tested once on them all: #21, the 10,000-bus workbook's
    ≈ 90,000 distinct texts) as they are."""
    if all(type(v) is str for v in values) and \
            ILLEGAL_CHARACTERS_RE.search("\n".join(values)) is None:  # "\n" is allowed
        return list(values)
    return [cell_value(v, time) for v in values]


#: Longest text an Excel cell holds (Microsoft, "Excel specifications and limits").
_MAX_TEXT = 32_767
#: Types of the cell values :func:`column_values` gives as openpyxl stores them
_STORED = frozenset({float, int, bool, type(None)})
#: Types of a text column's values (texts and empty cells)
_TEXT_OR_NONE = frozenset({str, type(None)})


def stored(values: list[Any]) -> list[Any]:
    """``values`` as openpyxl stores them (:data:`DATA_TYPES`): a
    subclass (e.g. ``numpy.str_`` from an object column) converted, text cut at
    :data:`_MAX_TEXT` characters; the same list when nothing changes."""
    kinds = set(map(type, values))
    if kinds <= _STORED or (kinds <= _TEXT_OR_NONE and max(
            map(len, filter(None, values)), default=0) <= _MAX_TEXT):
        return values  # nothing to change, seen at C speed (#21, session 50)
    out = None
    for i, value in enumerate(values):
        kind = type(value)
        if kind is str:
            if len(value) <= _MAX_TEXT:
                continue
        elif kind in _STORED:
            continue
        else:
            value = cell_value(str(value) if isinstance(value, str) else value)
        if DATA_TYPES.get(type(value), "s") == "s":
            value = value[:_MAX_TEXT]
        if out is None:
            out = list(values)
        out[i] = value
    return values if out is None else out


@dataclass(frozen=True)
class TableRows:
    """Data rows from ``first_row``: each column's cell values (None: no cell) and the style
    of its numbers.

    Attributes
    ----------
    first_row : int
        Sheet row of the first value (1-based).
    columns : list of list
        One list per sheet column from column A, one value a row: a float, int, bool, text
        (as openpyxl stores it: :func:`stored`) or None.
    styles : list of StyleArray or None
        Style array of the column's numbers (its number format); text and booleans have none.
    """

    first_row: int
    columns: list[list[Any]]
    styles: list[StyleArray | None]

    def _make(self, ws: Worksheet, row: int, column: int, value: Any) -> Cell:
        kind = DATA_TYPES.get(type(value), "s")
        return new_cell(ws, row, column, value, kind,
                        self.styles[column - 1] if kind == "n" else None)

    def cell(self, ws: Worksheet, row: int, column: int) -> Cell:
        """The cell at (``row``, ``column``) of ``ws``: made from the value held (then kept
        in ``ws`` and written from there), or an empty one as ``ws.cell`` makes."""
        made = ws._cells.get((row, column))
        if made is not None:
            return made
        i = row - self.first_row
        if 0 < column <= len(self.columns) and 0 <= i < len(self.columns[column - 1]):
            value = self.columns[column - 1][i]
            if value is not None:
                return self._make(ws, row, column, value)
        return ws.cell(row=row, column=column)

    def materialise(self, ws: Worksheet) -> None:
        """Make every value not yet a cell of ``ws`` a cell."""
        cells = ws._cells
        for j, values in enumerate(self.columns, start=1):
            for i, value in enumerate(values, start=self.first_row):
                if value is not None and (i, j) not in cells:
                    self._make(ws, i, j, value)

    def bounds(self) -> tuple[int, int, int, int] | None:
        """(first row, first column, last row, last column) of the values; None without any."""
        rows: list[int] = []
        cols: list[int] = []
        for j, values in enumerate(self.columns, start=1):
            held = [i for i, value in enumerate(values) if value is not None]
            if held:
                rows += (held[0], held[-1])
                cols.append(j)
        if not cols:
            return None
        return self.first_row + min(rows), cols[0], self.first_row + max(rows), cols[-1]


#: Types of a column :func:`column_xml` writes in one comprehension: numbers and empty
#: cells, or texts and empty cells.
_NUMBERS = frozenset({float, int, type(None)})
_TEXTS = frozenset({str, type(None)})


def column_xml(letter: str, first_row: int, values: list[Any], style: str) -> list[str]:
    """Each value's ``c`` element as openpyxl writes it in the sheet's XML ("" for None):
    ``style`` is the numbers' `` s="…"`` attribute (or ""), text an inline string with
    ``xml:space="preserve"`` when it has leading or trailing white space, lxml's escapes."""
    kinds = set(map(type, values))
    if kinds <= _NUMBERS:  # numbers and empty cells, in one comprehension (#21)
        head, tail = f'<c r="{letter}', f'"{style} t="n"><v>'
        return ["" if value is None else f'{head}{row}{tail}{value:.16g}</v></c>'
                for row, value in enumerate(values, start=first_row)]
    if kinds <= _TEXTS and _MARKUP.search("".join(filter(None, values))) is None:
        # texts and empty cells, no character to escape in any of them (#21)
        head = f'<c r="{letter}'
        return ["" if value is None else f'{head}{row}" t="inlineStr"></c>' if not value
                else f'{head}{row}" t="inlineStr"><is><t>{value}</t></is></c>'
                if value == value.strip() else
                f'{head}{row}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
                for row, value in enumerate(values, start=first_row)]
    out: list[str] = []
    append = out.append
    for row, value in enumerate(values, start=first_row):
        kind = type(value)
        if value is None:
            append("")
        elif kind is float or kind is int:
            append(f'<c r="{letter}{row}"{style} t="n"><v>{format(value, ".16g")}</v></c>')
        elif kind is bool:
            append(f'<c r="{letter}{row}" t="b"><v>{format(value, ".16g")}</v></c>')
        elif value == "":
            append(f'<c r="{letter}{row}" t="inlineStr"></c>')
        else:
            space = ' xml:space="preserve"' if value != value.strip() else ""
            if _MARKUP.search(value) is not None:  # as lxml escapes text
                value = value.replace("&", "&amp;").replace("<", "&lt;").replace(
                    ">", "&gt;").replace("\r", "&#13;")
            append(f'<c r="{letter}{row}" t="inlineStr"><is><t{space}>{value}</t></is></c>')
    return out
