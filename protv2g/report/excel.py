"""Write a :class:`~protv2g.result.StudyResult` as an Excel workbook (openpyxl).

Safe output: any text cell that Excel would read as a formula (starting with ``=``, ``+``,
``-`` or ``@``) is stored as a plain string with ``data_type = "s"`` so it is never evaluated;
the workbook is written to a temporary file in the target folder and moved into place, so an
error never leaves a half-written report.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from protv2g.result import StudyResult

_UNITS = [("_ka", "kA"), ("_a", "A"), ("_s", "s"), ("_kw", "kW"), ("_mw", "MW"),
          ("_mvar", "Mvar"), ("_mva", "MVA"), ("_pu", "pu"), ("_degree", "°"),
          ("_ohm", "Ω"), ("_percent", "%"), ("_km", "km"), ("_kv", "kV")]
_FORMULA_START = ("=", "+", "-", "@")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def header_label(column: str) -> str:
    """``ikss_ka`` → ``Ikss (kA)``; ``t_device_s`` → ``T device (s)``."""
    for suffix, unit in _UNITS:
        if column.endswith(suffix) and len(column) > len(suffix):
            base = column[: -len(suffix)].replace("_", " ")
            return f"{base[:1].upper()}{base[1:]} ({unit})"
    text = column.replace("_", " ")
    return text[:1].upper() + text[1:]


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if hasattr(value, "item") and not isinstance(value, str):
        return _cell_value(value.item())
    if isinstance(value, (list, tuple, dict)):
        return str(value)
    return value


def write_cell(ws: Worksheet, row: int, col: int, value: Any) -> None:
    """Write one value; formula-like text is forced to a string cell."""
    value = _cell_value(value)
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"


def _fit_widths(ws: Worksheet, max_width: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), len(str(cell.value)))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max_width, width + 2)


def _table_name(title: str) -> str:
    return "T_" + "".join(ch if ch.isalnum() else "_" for ch in title)


def write_frame(wb: Workbook, title: str, frame: pd.DataFrame) -> Worksheet:
    """A sheet holding ``frame`` as an Excel Table with filters, units and a frozen header."""
    ws = wb.create_sheet(title)
    columns = list(frame.columns) or ["(no rows)"]
    for j, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=header_label(str(column)))
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=False)
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(values, start=1):
            write_cell(ws, i, j, value)
    for j, column in enumerate(columns, start=1):
        fmt = _number_format(str(column))
        if fmt:
            for row in range(2, len(frame) + 2):
                ws.cell(row=row, column=j).number_format = fmt
    last = f"{get_column_letter(len(columns))}{max(len(frame) + 1, 2)}"
    table = Table(displayName=_table_name(title), ref=f"A1:{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    _fit_widths(ws)
    return ws


def _number_format(column: str) -> str | None:
    if column.endswith(("_ka", "_pu")):
        return "0.000"
    if column.endswith(("_a", "_kw", "_degree", "_percent")):
        return "0.0"
    if column.endswith("_s") or column == "margin":
        return "0.000"
    return None


def _write_summary(wb: Workbook, result: StudyResult) -> None:
    ws = wb.active
    ws.title = "Summary"
    ws.sheet_view.showGridLines = False
    violations = result.violations
    rows: list[tuple[str, Any]] = [
        ("Study", result.study_name),
        ("Study file", result.inputs.get("study_file", "")),
        ("Input digest (SHA-256, 16 hex)", result.meta.get("input_digest", "")),
        ("Fault method", result.meta.get("method", "")),
        ("Fault engine", result.meta.get("engine", "")),
        ("Scenarios run", len(result.scenarios)),
        ("Violations", len(violations)),
    ]
    if len(violations):
        for (criterion, severity), n in violations.groupby(["criterion", "severity"]).size(
        ).items():
            rows.append((f"  {criterion} {severity}", int(n)))
    for name, ver in result.meta.get("versions", {}).items():
        rows.append((f"Version: {name}", ver))
    rows += [("", ""), ("Reviewer sign-off", ""), ("Name", ""), ("Date", ""),
             ("Decision (approve / approve with conditions / reject)", ""), ("Comments", "")]
    ws.cell(row=1, column=1, value="protv2g coordination report").font = Font(bold=True, size=14)
    for i, (key, value) in enumerate(rows, start=3):
        ws.cell(row=i, column=1, value=key).font = Font(bold=not key.startswith("  "))
        write_cell(ws, i, 2, value)
    _fit_widths(ws, max_width=70)


def write_workbook(result: StudyResult, path: Path) -> Path:
    """Write the workbook to ``path`` atomically and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    _write_summary(wb, result)
    write_frame(wb, "Violations", result.violations)
    write_frame(wb, "Fault currents", result.fault_currents)
    for title, frame in result.tables.items():
        write_frame(wb, title, frame)
    write_frame(wb, "Scenarios", result.scenarios)
    write_frame(wb, "Settings", result.settings)
    inputs = pd.DataFrame(_flatten(result.inputs.get("document", {})), columns=["key", "value"])
    write_frame(wb, "Inputs", inputs)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Study document as (field path, value) rows: ``devices[0].pickup_a``."""
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            out += _flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out = []
        for i, item in enumerate(value):
            out += _flatten(item, f"{prefix}[{i}]")
        return out
    return [(prefix, ", ".join(map(str, value)) if isinstance(value, list) else value)]
