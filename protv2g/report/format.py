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
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from protv2g.report import overflow as _overflow
from protv2g.report.print_setup import LINE_HEIGHT_PT, print_layout, wrapped_lines
from protv2g.report.styling import set_number_format
from protv2g.report.table_rows import TableRows, cell_value, column_values, stored

__all__ = [
    "header_label", "cell_value", "write_cell", "write_table", "fit_widths", "number_format",
    "print_layout", "SEVERITY_FILLS", "WRAP_COLUMNS",
]

_UNITS = [("_ka", "kA"), ("_a", "A"), ("_s", "s"), ("_kw", "kW"), ("_mw", "MW"),
          ("_mvar", "Mvar"), ("_mva", "MVA"), ("_pu", "pu"), ("_degree", "°"),
          ("_ohm", "Ω"), ("_percent", "%"), ("_km", "km"), ("_kv", "kV"), ("_h", "h"),
          ("_kwh", "kWh")]
#: ``_UNITS`` longest suffix first (``_kwh`` before ``_h``), as :func:`header_label` tries them
_UNITS_LONGEST_FIRST = sorted(_UNITS, key=lambda su: -len(su[0]))
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
_HEADER_FONT = Font(bold=True)
_HEADER_ALIGNMENT = Alignment(wrap_text=False)


#: Headers whose unit needs its base: the 67P quadrature polarising voltage (``Vbc`` for
#: phase a) is a line-to-line voltage in per unit of the phase-to-neutral base, √3 ≈ 1.73 in
#: normal service (a review read 1.73 pu as a 173 % overvoltage); its threshold likewise.
#: The 67N's is ``|3V0|``, judged against 3 × its ``|V0|`` minimum
#: (:func:`protv2g.directional.elements.ground_67n`; review rev50a #4: R-L58's 0.0674 read
#: as 3.4 × the documented 0.02 pu, where its ``|V0|`` 0.0225 pu is 12 % above it).
#: A fuse's total clearing is a bracket (the Coordination sheet, fuse19): the header says
#: which end the column holds (:data:`protv2g.report.sheets.TC_BAND_NOTE`).
_LABELS = {"v_polarising_pu": ("V polarising (pu of V LN; 67P: line to line, √3 in normal "
                               "service; 67N: |3V0|, against 3 × its |V0| minimum)"),
           "min_pol_pu": "Min pol (pu of V LN)",
           # the Findings' trend: margins at each level, not the quantity checked (review
           # rev50b #5: a transformer's "64.9 % without the sites' charging" read as loading)
           "export_trend": "Margin trend (with export or charging)",
           "t_primary_band_low_s": "T primary TC low (s; min melt, no arcing)",
           # C3 between two gG links judged by I²t (checks.fuse_gg_i2t)
           "i2t_ratio": "I²t ratio (gG: backup min ÷ primary max; ≥ 1 selective)",
           # the drafted / default inputs a row rests on (runner.py, s22), by its message
           "input_todo": "Inputs to confirm (drafted or default)",
           # Device duty (mix38, ver37 §5b): the increase is the project's whole, against
           # the base case; V2G's share against every charger idle beside it
           "increase_percent": "Increase vs no project (%)",
           "v2g_increase_percent": "V2G share: increase vs chargers idle (%)",
           # the Findings' violation rows by status, as the gate's lines count them (s38)
           "n_rows": "Rows (by status)",
           # Flow buses, a bus with no path to ground: its service voltages are line to line,
           # the phase-to-ground ones float (review rev40b M5; report.sheets.EXTRA_DESCRIPTIONS)
           "vm_ll_max_pu": "Vm ll max (pu; largest line to line, no-ground-path bus)",
           "vm_ll_min_pu": "Vm ll min (pu; lowest line to line, no-ground-path bus)",
           # Existing sources: a generator's IEC 60909-0 impedance correction (session 42)
           "iec_correction": "IEC 60909 correction (K_G / K_S / K_SO)",
           # Pair coordination: the current that sets a fuse's staged time (rev44b M2)
           **{f"i_primary_at_t_{tag}_a": f"I primary at t {tag} (A; sets the fuse's TC)"
              for tag in ("max", "min", "worst")},
           # Existing sources: each source's size (review rev45a M2)
           "kv_ll": "kV (its bus, line to line)",
           "sc3_mva": "Three-phase short circuit at its terminal (MVA)",
           "isc3_a": "Isc3 at its terminal (A)",
           "x_over_r": "X/R (X1/R1)",
           "isc3_feeder_a": "Isc3 referred to the feeder kV (A, at most)",
           "feeder_kv": "Feeder kV (its transformer's other side)",
           # C12 over the regulator band (col51): V2G's change of the row's quantity from
           # each start, in the row's margin unit, signed as the row worsens
           **{f"change_{k}": f"V2G change from the {w} (margin unit; + worsens)"
              for k, w in (("own_taps", "base case's taps"), ("band_top", "band's top"),
                           ("band_bottom", "band's bottom"))},
           "judged_start": "Judged from (band start)",
           # Site drivers: a one-site C12 finding's site export at the limit (sum51)
           "limit_kw": "Limit (kW; the site's export at the limit, − charging; linear)",
           "oc_element": "Overcurrent element",
           "v_polarising_min_pu": "V polarising min (pu of V LN; as V polarising)"}


def header_label(column: str) -> str:
    """Header text with the unit taken from the column's suffix (or :data:`_LABELS`).

    ``ikss_ka`` → ``Ikss (kA)``; ``i_primary_a`` → ``I primary (A)``; ``i_device_3i0_a`` →
    ``I device 3I0 (A)`` (the residual current's usual symbol); ``criterion`` → ``Criterion``.
    """
    if column in _LABELS:
        return _LABELS[column]
    for suffix, unit in _UNITS_LONGEST_FIRST:
        if column.endswith(suffix) and len(column) > len(suffix):
            base = column[: -len(suffix)].replace("_", " ").replace(" 3i0", " 3I0")
            return f"{base[:1].upper()}{base[1:]} ({unit})"
    text = column.replace("_", " ").replace(" 3i0", " 3I0")
    return text[:1].upper() + text[1:]


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
    if column.endswith("_fraction"):
        return "0.00"
    if column.startswith("chargers_online_expected"):  # an expected number, not a count
        return "0.0"
    return None


def _text_width(values: pd.Series, fmt: str | None, cells: list[Any] | None = None) -> int:
    if values.empty:
        return 0
    if fmt and pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        decimals = len(fmt.split(".")[1]) if "." in fmt else 0
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        finite = numbers[np.abs(numbers) < 1e15]  # NaN and ±inf fail the comparison
        if not finite.size:
            return 3
        return max(len(f"{v:.{decimals}f}") for v in (finite.max(), finite.min()))
    if cells is not None:  # an empty or false value shows no text (as ``str(v or "")``)
        return max(map(len, map(str, filter(None, cells))), default=0)
    try:  # widths of the distinct values (a bulk table repeats its names and labels)
        values = values.drop_duplicates()
    except TypeError:  # unhashable cells (lists): every value
        pass
    return int(values.map(lambda v: len(str(cell_value(v) or ""))).max())


def fit_widths(ws: Worksheet, frame: pd.DataFrame, labels: list[str],
               max_width: int = 60, cells: list[list[Any]] | None = None) -> None:
    """Set column widths to fit the header and the widest value (capped at ``max_width``);
    ``cells``: each column's values as written (:func:`_write_rows`), not converted again."""
    for j, (column, label) in enumerate(zip(frame.columns, labels, strict=True), start=1):
        width = max(len(label) + 3, _text_width(frame[column], number_format(str(column)),
                                                None if cells is None else cells[j - 1]) + 2)
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


def _table_rows(ws: Worksheet, frame: pd.DataFrame, formats: list[str | None]
                ) -> tuple[TableRows, list[list[Any]]]:
    """The data rows from row 2 as :class:`TableRows` (no cell made) and each column's values
    (:func:`~protv2g.report.table_rows.column_values`, for :func:`fit_widths`).

    A number gets its column's number format (set on a template cell through openpyxl, so
    the workbook's number formats are numbered as before); every value is a float, int, bool,
    text without XML-illegal characters, or None (NaN, None: no cell, where openpyxl would
    build and save each as an empty ``<c/>``, 53,320 of the depot's 546,000 table cells).
    """
    styles: list[Any] = []
    for fmt in formats:
        if fmt is None:
            styles.append(None)
            continue
        template = ws.cell(row=2, column=1)
        template.number_format = fmt
        styles.append(copy.copy(template._style))
    ws._cells.pop((2, 1), None)  # the template
    columns = [column_values(frame[c]) for c in frame.columns]
    # a frame without columns is headed by one "note" column: no values, so no style either
    styles = styles[:len(columns)]
    return TableRows(2, [stored(values) for values in columns], styles), columns


def _write_rows(ws: Worksheet, frame: pd.DataFrame, formats: list[str | None]
                ) -> list[list[Any]]:
    """Write the data rows from row 2 as cells (:func:`_table_rows`); returns each column's
    cell values."""
    rows, columns = _table_rows(ws, frame, formats)
    rows.materialise(ws)
    return columns


#: Columns of long text: wrapped in a narrower column so that sheets print legibly.
WRAP_COLUMNS = {"title": 38, "message": 60, "export_trend": 34, "locations": 24,
                "scenarios": 24, "clears": 40, "side_effects": 30, "note": 40, "change": 30,
                "rule": 26, "elements": 24, "pair": 22, "recommendation": 30,
                "worst_fault": 18, "limiting_fault": 18, "inputs": 40, "driven_by": 28,
                "limiting_finding": 30, "rounding": 28, "curve_sources": 40,
                "fuse_saving_range_a": 20, "input_todo": 36}
#: Alignment of a wrapped row's other cells: read from the top, beside the first line.
_TOP = Alignment(vertical="top")


def _align(cells: list[Cell], alignment: Alignment) -> None:
    """Give ``cells`` (of one sheet) ``alignment``: set on the first through openpyxl, its
    style index copied to the others. Assigning ``cell.alignment`` hashes and looks up the
    Alignment in the workbook's list each time (≈ 0.1 ms a cell, 15,000 cells and 1.5 s of
    the depot workbook, profile 2026-12-01)."""
    if not cells:
        return
    cells[0].alignment = alignment
    index = cells[0]._style.alignmentId
    for cell in cells[1:]:
        if cell._style is None:  # a cell built without a style array (openpyxl makes one so)
            cell._style = StyleArray()
        cell._style.alignmentId = index


def write_table(ws: Worksheet, frame: pd.DataFrame, note: str | None = None,
                links: Iterable[tuple[int, str, str]] = (),
                row_formats: dict[str, list[str | None]] | None = None,
                overflow: _overflow.Overflow | None = None, deferred: bool = False
                ) -> TableRows | None:
    """Write ``frame`` into an empty sheet as an Excel Table.

    Header row 1 (units in the labels), data from row 2, filters, frozen header, number
    formats by unit, fitted widths, severity colours, row heights for wrapped text, landscape
    print (:func:`print_layout`).

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
        ``"#'TCC'!A3"``.
    row_formats : dict, optional
        Column → one number format per data row (a margin in its own unit), overriding the
        column's format from its name.
    overflow : Overflow, optional
        Required when ``frame`` does not fit in a sheet
        (:func:`protv2g.report.overflow.spill_if_too_long` wrote it whole beside the
        workbook): the sheet then holds the first ``overflow.n_shown`` rows, and a note naming
        the file and the rows left out, in the row below them and beside the header. With
        ``overflow.summary`` set, ``frame`` is the summary of a bulk table written whole beside
        the workbook (:mod:`protv2g.report.bulk`): it is written whole, with the same note.
    deferred : bool, optional
        Keep the data rows as columns of values (no openpyxl cell but those the table needs
        as cells) and return them, for :func:`protv2g.report.sheet_writer.save_workbook`
        (``tables``), which writes them as openpyxl would write their cells; the sheet in
        memory then lacks those cells. Default: every value made a cell.

    Returns
    -------
    TableRows or None
        With ``deferred``, the data rows not made cells.

    Raises
    ------
    ValueError
        When ``frame`` does not fit in a sheet and no ``overflow`` is given (a table is never
        cut silently).
    """
    spill_note = None
    if overflow is not None and overflow.summary is not None:
        if overflow.n_shown != len(frame) or not _overflow.fits_sheet(frame):
            raise ValueError(f"sheet {ws.title!r}: the summary has {len(frame):,} rows, its "
                             f"Overflow says {overflow.n_shown:,}; pass the summary written "
                             "with it (protv2g.report.bulk.summarise)")
        spill_note = _overflow.overflow_note(overflow)
    elif not _overflow.fits_sheet(frame):
        if overflow is None or overflow.n_rows != len(frame):
            raise ValueError(
                f"sheet {ws.title!r}: {len(frame):,} rows do not fit in an Excel sheet "
                f"({_overflow.EXCEL_MAX_ROWS:,} rows); write the table beside the workbook "
                "with protv2g.report.overflow.spill_if_too_long and pass its Overflow")
        spill_note = _overflow.overflow_note(overflow)
        frame = frame.iloc[:overflow.n_shown]
        links = [link for link in links if link[0] < len(frame)]
    columns = [str(c) for c in frame.columns] or ["note"]
    labels = [header_label(c) for c in columns]
    header = [write_cell(ws, 1, j, label) for j, label in enumerate(labels, start=1)]
    header[0].font = _HEADER_FONT  # set once, its style indexes copied to the other labels
    header[0].fill = HEADER_FILL
    header[0].alignment = _HEADER_ALIGNMENT
    for cell in header[1:]:
        cell._style = StyleArray(header[0]._style)
    rows, values = _table_rows(ws, frame, [number_format(c) for c in columns])
    if frame.empty and note:
        write_cell(ws, 2, 1, note).font = NOTE_FONT
    # a row's own number format and a link's named style set through openpyxl once each,
    # copied to the other cells (#21, session 50: the 10,000-bus Evidence's 14,648 formats
    # and 7,387 links; the same style arrays)
    format_ids: dict[str, int] = {}
    for column, fmts in (row_formats or {}).items():
        if column not in columns:
            continue
        j = columns.index(column) + 1
        for i, fmt in enumerate(fmts[:len(frame)], start=2):
            if fmt:
                set_number_format(rows.cell(ws, i, j), fmt, format_ids)
    link_style = None
    for row_index, column, target in links:
        cell = rows.cell(ws, row_index + 2, columns.index(column) + 1)
        cell.hyperlink = target
        if link_style is None:
            cell.style = "Hyperlink"  # the named style added to the workbook when new
            link_style = StyleArray(cell._style)
        else:  # what ``cell.style = "Hyperlink"`` sets: a copy of the named style's array
            cell._style = StyleArray(link_style)
    last = f"{get_column_letter(len(columns))}{max(len(frame) + 1, 2)}"
    table = Table(displayName=_table_name(ws.title), ref=f"A1:{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    # the columns named here, as openpyxl would at save from the header cells: it reads them
    # with ``ws[table.ref]``, which builds the whole table's rows of cells (≈ 1 s of the
    # depot's 25 tables, 2026-12-01)
    table._initialise_columns()
    for j, column in enumerate(table.tableColumns, start=1):
        column.name = str(ws.cell(row=1, column=j).value)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    _conditional_formats(ws, columns, len(frame))
    fit_widths(ws, frame if len(frame.columns) else pd.DataFrame({"note": [note or ""]}),
               labels, cells=values if len(frame.columns) else None)
    wrap = Alignment(wrap_text=True, vertical="top")
    lines: dict[int, int] = {}
    wrapped: set[int] = set()
    for j, column in enumerate(columns, start=1):
        cap = WRAP_COLUMNS.get(column)
        letter = get_column_letter(j)
        # a column fitted to its cap holds text at least that long ("message": the cap is
        # fit_widths' largest width, and its text printed cut at the next column's edge)
        if cap is None or (ws.column_dimensions[letter].width or 0) < cap:
            continue
        ws.column_dimensions[letter].width = cap
        if len(frame) <= 1000:  # wrapping costs a style per cell: only on readable sheets
            cells = [rows.cell(ws, i, j) for i in range(2, len(frame) + 2)]
            _align(cells, wrap)
            wrapped.add(j)
            for i, cell in enumerate(cells, start=2):
                lines[i] = max(lines.get(i, 1), wrapped_lines(cell.value, cap))
    # LibreOffice and Excel keep a row's stored height when they open a file, so a wrapped
    # cell needs its row's height written (else its lines print over the next rows)
    # and its other cells read from the top, beside the wrapped text's first line
    for i, n in lines.items():
        if n > 1:
            ws.row_dimensions[i].height = LINE_HEIGHT_PT * n
            # by column index: ``ws[i]`` scans every cell of the sheet for its last column
            _align([rows.cell(ws, i, j) for j in range(1, len(columns) + 1)
                    if j not in wrapped], _TOP)
    if frame.empty and note:
        ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0,
                                              min(len(note) + 2, 100))
    print_layout(ws, len(frame), len(columns))
    if spill_note:
        for row, col in ((len(frame) + 2, 1), (1, len(columns) + 1)):
            cell = write_cell(ws, row, col, spill_note)
            cell.font = Font(bold=True, color="C00000")
    if deferred:
        return rows
    rows.materialise(ws)
    return None
