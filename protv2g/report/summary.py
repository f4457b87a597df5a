"""The Summary sheet: gate verdict, what was run, counts, worst margins, hosting capacity,
versions, and reviewer sign-off.

Reads the verdict from the result, as the gate wrote it: ``result.meta["gate"]``
(``{"verdict": "PASS"|"FAIL"|"ERROR", "reasons": [...], "hosting_capacity_kw": {...},
"hosting_limited": {...}}``, :func:`protv2g.gate.gate_verdict`); when absent the verdict reads
"not evaluated" — never PASS by default. The report decides nothing itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from protv2g.criteria import order
from protv2g.report.format import HEADER_FILL, NOTE_FONT, SEVERITY_FILLS, write_cell
from protv2g.violations import STATUS_ORDER, CheckStatus, status_mask

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["write_summary", "gate_verdict", "hosting_headline"]

_VERDICT_FILL = {"PASS": PatternFill("solid", fgColor="C6EFCE"),
                 "FAIL": SEVERITY_FILLS["fail"], "ERROR": SEVERITY_FILLS["warn"]}
_NOT_EVALUATED = PatternFill("solid", fgColor="EDEDED")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_DECISIONS = ("approve", "approve with conditions", "reject")
#: Values span columns B..G (merged), so grids below can use narrow columns.
_VALUE_COLS = 7


def gate_verdict(meta: dict[str, Any]) -> tuple[str, list[str]]:
    """``(verdict, reasons)``; ``("not evaluated", [...])`` when the gate did not run."""
    gate = meta.get("gate")
    if not isinstance(gate, dict) or not gate.get("verdict"):
        return "not evaluated", ["the gate did not run in this study (no meta['gate'])"]
    reasons = gate.get("reasons") or []
    if isinstance(reasons, str):
        reasons = [reasons]
    return str(gate["verdict"]), [str(r) for r in reasons]


_HOSTING_COLUMNS = ("site", "participation", "load_level", "hosting_kw", "hosting_chargers",
                    "limiting_criterion", "limiting_device", "limiting_fault", "note")


def hosting_headline(table: pd.DataFrame | None, gate: dict[str, Any] | None = None
                     ) -> list[tuple[str, str]]:
    """Per site: its protection hosting capacity and what limits it (one line each).

    The figure per site is the gate's (``gate["hosting_capacity_kw"]``, from
    ``result.meta["gate"]``); the table says what limits it.
    """
    if table is None:
        return [("Hosting capacity", "not computed in this run")]
    need = {"site", "hosting_kw", "limited", "site_max_kw"}
    if table.empty or not need <= set(table.columns):
        return [("Hosting capacity", "no rows" if table.empty else
                 f"table lacks columns {sorted(need - set(table.columns))}")]
    per_site = (gate or {}).get("hosting_capacity_kw")
    if not isinstance(per_site, dict):
        return [("Hosting capacity", "the gate did not give a hosting capacity per site "
                 "(no meta['gate']['hosting_capacity_kw'])")]
    out = []
    for site, rows in table.groupby("site", sort=False):
        limited = rows[rows["limited"].astype(bool)]
        if len(limited):
            best = limited.loc[pd.to_numeric(limited["hosting_kw"]).idxmin()]
            parts = [str(best[k]) for k in ("limiting_criterion", "limiting_device")
                     if k in rows.columns and pd.notna(best[k]) and str(best[k])]
            out.append((f"  {site}", f"{per_site[str(site)]:,.0f} kW (limited by "
                        f"{' at '.join(parts)})"))
        else:
            out.append((f"  {site}", f"{per_site[str(site)]:,.0f} kW: no criterion limits it "
                        "up to the site's maximum"))
    return out


def hosting_grid(table: pd.DataFrame | None) -> tuple[list[str], list[list[Any]]] | None:
    """The hosting-capacity table as a header and rows for the Summary (None if absent)."""
    if table is None or table.empty:
        return None
    cols = [c for c in _HOSTING_COLUMNS if c in table.columns]
    rows = table[cols].astype(object).where(table[cols].notna(), "").values.tolist()
    return cols, rows


def _counts(violations: pd.DataFrame) -> pd.DataFrame:
    if violations.empty or not {"criterion", "status"} <= set(violations.columns):
        return pd.DataFrame()
    counts = violations.groupby(["criterion", "status"]).size().unstack(fill_value=0)
    counts = counts.loc[sorted(counts.index, key=order)]
    cols = sorted(counts.columns, key=lambda s: (STATUS_ORDER.get(str(s), 9), str(s)))
    counts = counts[cols]
    counts["total"] = counts.sum(axis=1)
    return counts


def _worst(violations: pd.DataFrame) -> pd.DataFrame:
    """The smallest margin of each criterion (violations are already sorted)."""
    if violations.empty or "criterion" not in violations.columns:
        return pd.DataFrame()
    cols = [c for c in ("criterion", "status", "margin", "margin_unit", "limit", "device",
                        "other_device", "fault_bus", "fault_type", "case", "scenario") if c in
            violations.columns]
    violations = violations[status_mask(violations, CheckStatus.FAIL, CheckStatus.WARN,
                                        CheckStatus.INFO)]
    if violations.empty:
        return pd.DataFrame()
    if "margin" in violations.columns:
        v = violations.assign(_m=pd.to_numeric(violations["margin"], errors="coerce"))
        v = v.sort_values(["_m"], na_position="last", kind="stable")
    else:
        v = violations
    v = v.groupby("criterion", sort=False).head(1)[cols]
    return v.loc[sorted(v.index, key=lambda i: order(str(v.at[i, "criterion"])))]


class _Writer:
    def __init__(self, ws: Worksheet):
        self.ws, self.row = ws, 3

    def heading(self, text: str) -> None:
        self.row += 1
        write_cell(self.ws, self.row, 1, text).font = Font(bold=True, size=12)
        self.row += 1

    def pair(self, key: str, value: Any, bold_value: bool = False) -> Any:
        key_cell = write_cell(self.ws, self.row, 1, key)
        key_cell.font = Font(bold=not key.startswith("  "))
        key_cell.alignment = Alignment(vertical="top")
        if isinstance(value, float):
            value = float(f"{value:.6g}")
        cell = write_cell(self.ws, self.row, 2, value)
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        self.ws.merge_cells(start_row=self.row, start_column=2, end_row=self.row,
                            end_column=_VALUE_COLS)
        lines = -(-len(str(cell.value or "")) // 100)
        if lines > 1:
            self.ws.row_dimensions[self.row].height = 15 * lines
        if bold_value:
            cell.font = Font(bold=True)
        self.row += 1
        return cell

    def grid(self, header: Sequence[str], rows: list[list[Any]]) -> None:
        for j, text in enumerate(header, start=1):
            cell = write_cell(self.ws, self.row, j, text)
            cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, _BOX
        for values in rows:
            self.row += 1
            for j, value in enumerate(values, start=1):
                cell = write_cell(self.ws, self.row, j, value)
                cell.border = _BOX
                if isinstance(cell.value, float):
                    cell.number_format = "0.000"
                fill = SEVERITY_FILLS.get(str(header[j - 1]))
                if fill is not None and isinstance(value, int) and value > 0:
                    cell.fill = fill
        self.row += 1


def write_summary(wb: Workbook, result: StudyResult, violations: pd.DataFrame,
                  sheet_notes: dict[str, str]) -> Worksheet:
    """Fill the workbook's first sheet as the Summary.

    Parameters
    ----------
    wb : Workbook
        New workbook; its active sheet becomes "Summary".
    result : StudyResult
        The study's results.
    violations : DataFrame
        Violations sorted as on the Violations sheet.
    sheet_notes : dict
        Sheet → "not computed …" note, listed so a reviewer sees what is missing.
    """
    ws = wb.active
    ws.title = "Summary"
    ws.sheet_view.showGridLines = False
    write_cell(ws, 1, 1, "protv2g coordination report").font = Font(bold=True, size=16)
    write_cell(ws, 2, 1, result.study_name).font = Font(bold=True, size=12, color="404040")
    w = _Writer(ws)
    verdict, reasons = gate_verdict(result.meta)
    w.heading("Gate")
    cell = w.pair("Verdict", verdict, bold_value=True)
    cell.fill = _VERDICT_FILL.get(verdict, _NOT_EVALUATED)
    cell.font = Font(bold=True, size=13)
    for reason in reasons or ["(no reasons given)"]:
        w.pair("  reason", reason)

    doc = result.inputs.get("document") or {}
    w.heading("Study")
    w.pair("Study", result.study_name)
    if doc.get("description"):
        w.pair("Description", " ".join(str(doc["description"]).split()))
    w.pair("Study file", result.inputs.get("study_file", ""))
    w.pair("Input digest (SHA-256, 16 hex)", result.meta.get("input_digest", ""))
    w.pair("Fault method", result.meta.get("method", ""))
    w.pair("Fault engine", result.meta.get("engine", ""))
    scen = result.scenarios
    n_base = int(scen["is_base"].sum()) if "is_base" in scen.columns and len(scen) else 0
    w.pair("Scenarios run", f"{len(scen)} ({n_base} base, {len(scen) - n_base} with V2G)")
    for key, value in (doc.get("checks") or {}).items():
        w.pair(f"  check setting {key}", value)

    w.heading("Violations")
    n_fail = int(status_mask(violations, CheckStatus.FAIL).sum())
    n_findings = int(status_mask(violations, CheckStatus.FAIL, CheckStatus.WARN,
                                 CheckStatus.INFO).sum())
    w.pair("Violations", f"{n_findings} ({n_fail} failing)")
    n_not = int(status_mask(violations, CheckStatus.NOT_EVALUATED).sum())
    if n_not:
        w.pair("  not evaluated", f"{n_not} row(s): see the Violations sheet")
    na = violations[status_mask(violations, CheckStatus.NOT_APPLICABLE)]
    if len(na):
        w.pair("  not applicable", ", ".join(sorted(set(na["criterion"].astype(str)),
                                                    key=order)))
    counts = _counts(violations)
    if not counts.empty:
        w.grid(["criterion", *map(str, counts.columns)],
               [[str(c), *map(int, counts.loc[c].tolist())] for c in counts.index])
        w.heading("Worst margin per criterion")
        worst = _worst(violations)
        w.grid(list(worst.columns), worst.values.tolist())

    w.heading("Protection hosting capacity")
    hosting = result.tables.get("Hosting capacity")
    for key, value in hosting_headline(hosting, result.meta.get("gate")):
        w.pair(key, value)
    grid = hosting_grid(hosting)
    if grid is not None:
        w.grid(*grid)

    screening = (result.meta.get("gate") or {}).get("screening") or {}
    if screening:
        w.heading("Pilot screening items")
        for item, status in screening.items():
            w.pair(f"  {item}", status)

    if sheet_notes:
        w.heading("Sheets without results in this run")
        for sheet, note in sheet_notes.items():
            w.pair(f"  {sheet}", note).font = NOTE_FONT

    w.heading("Versions")
    for name, ver in (result.meta.get("versions") or {}).items():
        w.pair(f"  {name}", ver)
    extra = {k: v for k, v in result.meta.items() if k not in
             {"gate", "versions", "method", "engine", "input_digest", "not_computed",
              "checks"}}
    for key, value in extra.items():
        w.pair(f"  {key}", value)

    w.heading("Reviewer sign-off")
    decision = DataValidation(type="list", formula1='"' + ",".join(_DECISIONS) + '"',
                              allow_blank=True)
    ws.add_data_validation(decision)
    for key in ("Name", "Date", "Decision", "Comments"):
        cell = w.pair(key, None)
        cell.fill, cell.border = _INPUT_FILL, _BOX
        if key == "Decision":
            decision.add(cell)
            write_cell(ws, w.row - 1, _VALUE_COLS + 1, " / ".join(_DECISIONS)).font = NOTE_FONT
        if key == "Comments":
            ws.row_dimensions[w.row - 1].height = 60
    ws.column_dimensions["A"].width = 34
    for col in "BCDEFGHIJK":
        ws.column_dimensions[col].width = 15
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws
