"""Cell-level formatting shared by every sheet: units in headers, safe text, Excel Tables.

Safe output: any text that Excel would read as a formula (starting with ``=``, ``+``, ``-``
or ``@``) is stored as a string cell (``data_type = "s"``), so it is shown, never evaluated;
characters that are illegal in XML are dropped rather than failing the whole workbook.

Examples
--------
>>> header_label("i_primary_a")
'I primary (A)'
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "header_label", "cell_value", "write_cell", "write_table", "fit_widths", "number_format",
    "SEVERITY_FILLS", "MAX_ROWS",
]

_UNITS = [("_ka", "kA"), ("_a", "A"), ("_s", "s"), ("_kw", "kW"), ("_mw", "MW"),
          ("_mvar", "Mvar"), ("_mva", "MVA"), ("_pu", "pu"), ("_degree", "°"),
          ("_ohm", "Ω"), ("_percent", "%"), ("_km", "km"), ("_kv", "kV"), ("_h", "h"),
          ("_kwh", "kWh")]
_FORMULA_START = ("=", "+", "-", "@")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
NOTE_FONT = Font(italic=True, color="7F6000")
#: Fills by row status (fail red, not evaluated orange, warn amber, info blue) for
#: conditional formatting.
SEVERITY_FILLS = {
    "fail": PatternFill("solid", fgColor="F8CBAD", bgColor="F8CBAD"),
    "not_evaluated": PatternFill("solid", fgColor="F4B183", bgColor="F4B183"),
    "warn": PatternFill("solid", fgColor="FFE699", bgColor="FFE699"),
    "info": PatternFill("solid", fgColor="DDEBF7", bgColor="DDEBF7"),
}
_BAD_FONT = Font(color="C00000", bold=True)
_INF = float("inf")
#: Excel's row limit less the header row.
MAX_ROWS = 1_048_575


def header_label(column: str) -> str:
    """Header text with the unit taken from the column's suffix.

    ``ikss_ka`` → ``Ikss (kA)``; ``i_primary_a`` → ``I primary (A)``; ``criterion`` →
    ``Criterion``.
    """
    for suffix, unit in sorted(_UNITS, key=lambda su: -len(su[0])):
        if column.endswith(suffix) and len(column) > len(suffix):
            base = column[: -len(suffix)].replace("_", " ")
            return f"{base[:1].upper()}{base[1:]} ({unit})"
    text = column.replace("_", " ")
    return text[:1].upper() + text[1:]


def cell_value(value: Any) -> Any:
    """A Python value openpyxl can store: NaN → empty, ±inf → text, NumPy → Python."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if hasattr(value, "item") and not isinstance(value, str):
        return cell_value(value.item())
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, (dict, set)):
        return str(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if not isinstance(value, (int, float, bool)):
        return str(value)
    return value


def write_cell(ws: Worksheet, row: int, col: int, value: Any) -> Any:
    """Write one value; formula-like text is forced to a string cell. Returns the cell."""
    value = cell_value(value)
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"
    return cell


def number_format(column: str) -> str | None:
    """Excel number format for a column, from its unit suffix."""
    if column.endswith(("_ka", "_pu", "_s", "_mw", "_mvar", "_mva")) or column.startswith(
            "margin"):
        return "0.000"
    if column.endswith(("_a", "_kw", "_degree", "_percent", "_kv", "_km", "_ohm", "_kwh")):
        return "0.0"
    return None


def _text_width(values: pd.Series, fmt: str | None) -> int:
    if values.empty:
        return 0
    if fmt and pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        decimals = len(fmt.split(".")[1]) if "." in fmt else 0
        finite = values[pd.notna(values)].astype(float)
        finite = finite[finite.abs() < 1e15]
        if finite.empty:
            return 3
        return max(len(f"{v:.{decimals}f}") for v in (finite.max(), finite.min()))
    return int(values.map(lambda v: len(str(cell_value(v) or ""))).max())


def fit_widths(ws: Worksheet, frame: pd.DataFrame, labels: list[str],
               max_width: int = 60) -> None:
    """Set column widths to fit the header and the widest value (capped at ``max_width``)."""
    for j, (column, label) in enumerate(zip(frame.columns, labels, strict=True), start=1):
        width = max(len(label) + 3, _text_width(frame[column], number_format(str(column))) + 2)
        ws.column_dimensions[get_column_letter(j)].width = min(max_width, max(width, 6))


def _table_name(title: str) -> str:
    return "T_" + "".join(ch if ch.isalnum() else "_" for ch in title)


def _conditional_formats(ws: Worksheet, columns: list[str], n_rows: int) -> None:
    """Severity row fills; red bold text for negative margins, voltage and loading limits."""
    last_col = get_column_letter(len(columns))
    last_row = max(n_rows + 1, 2)
    rows = f"A2:{last_col}{last_row}"
    for status_col in ("severity", "status"):
        if status_col in columns:
            letter = get_column_letter(columns.index(status_col) + 1)
            for severity, fill in SEVERITY_FILLS.items():
                ws.conditional_formatting.add(
                    rows, FormulaRule(formula=[f'${letter}2="{severity}"'], fill=fill))
            break
    for j, column in enumerate(columns, start=1):
        cells = f"{get_column_letter(j)}2:{get_column_letter(j)}{last_row}"
        if column.startswith("margin") and column != "margin_unit":
            ws.conditional_formatting.add(
                cells, CellIsRule(operator="lessThan", formula=["0"], font=_BAD_FONT))
        elif column == "vm_pu" or column.startswith("vm_") and column.endswith("_pu"):
            ws.conditional_formatting.add(
                cells, CellIsRule(operator="notBetween", formula=["0.95", "1.05"],
                                  font=_BAD_FONT))
        elif column.startswith("loading") and column.endswith("_percent"):
            ws.conditional_formatting.add(
                cells, CellIsRule(operator="greaterThan", formula=["100"], font=_BAD_FONT))


def _column_values(series: pd.Series) -> list[Any]:
    """A column as cell values (fast path for numeric columns)."""
    numeric = pd.api.types.is_float_dtype(series) or pd.api.types.is_integer_dtype(series)
    if numeric and isinstance(series.dtype, np.dtype):
        values = series.tolist()
        return [None if v != v else ("inf" if v > 0 else "-inf") if v in (_INF, -_INF) else v
                for v in values]
    return [cell_value(v) for v in series.tolist()]


def _write_rows(ws: Worksheet, frame: pd.DataFrame, formats: list[str | None]) -> None:
    """Write the data rows from row 2 (cells built directly: ~2× faster than ``ws.cell``)."""
    styles = []
    for fmt in formats:
        if fmt is None:
            styles.append(None)
            continue
        template = ws.cell(row=2, column=1)
        template.number_format = fmt
        styles.append(copy.copy(template._style))
    if styles:
        ws.cell(row=2, column=1).style = "Normal"
    cells = ws._cells
    columns = [_column_values(frame[c]) for c in frame.columns]
    for i, row in enumerate(zip(*columns, strict=True), start=2):
        for j, value in enumerate(row, start=1):
            cell = Cell(ws, row=i, column=j, value=value)
            if isinstance(value, str):
                if value.startswith(_FORMULA_START):
                    cell.data_type = "s"
            elif value is not None and styles[j - 1] is not None and not isinstance(value,
                                                                                     bool):
                cell._style = copy.copy(styles[j - 1])
            cells[(i, j)] = cell


def write_table(ws: Worksheet, frame: pd.DataFrame, note: str | None = None,
                links: Iterable[tuple[int, str, str]] = ()) -> None:
    """Write ``frame`` into an empty sheet as an Excel Table.

    Header row 1 (units in the labels), data from row 2, filters, frozen header, number
    formats by unit, fitted widths, severity colours, landscape print fitted to one page wide.

    Parameters
    ----------
    ws : Worksheet
        Empty sheet.
    frame : DataFrame
        Columns carry units in their names (``i_primary_a``).
    note : str, optional
        One line written in the first data cell when ``frame`` has no rows (e.g.
        ``"not computed in this run: …"``).
    links : iterable of (row_index, column, target)
        Internal hyperlinks: data row ``row_index`` (0-based), column name, and a target like
        ``"#'TCC pairs'!A3"``.
    """
    if len(frame) > MAX_ROWS:
        note = f"{len(frame):,} rows; only the first {MAX_ROWS:,} fit in an Excel sheet"
        frame = frame.iloc[:MAX_ROWS]
    columns = [str(c) for c in frame.columns] or ["note"]
    labels = [header_label(c) for c in columns]
    for j, label in enumerate(labels, start=1):
        cell = write_cell(ws, 1, j, label)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=False)
    _write_rows(ws, frame, [number_format(c) for c in columns])
    if frame.empty and note:
        write_cell(ws, 2, 1, note).font = NOTE_FONT
    for row_index, column, target in links:
        cell = ws.cell(row=row_index + 2, column=columns.index(column) + 1)
        cell.hyperlink = target
        cell.style = "Hyperlink"
    last = f"{get_column_letter(len(columns))}{max(len(frame) + 1, 2)}"
    table = Table(displayName=_table_name(ws.title), ref=f"A1:{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    _conditional_formats(ws, columns, len(frame))
    fit_widths(ws, frame if len(frame.columns) else pd.DataFrame({"note": [note or ""]}),
               labels)
    if frame.empty and note:
        ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0,
                                              min(len(note) + 2, 100))
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
