"""The Summary sheet's layout: a memo writer (key/value pairs, notes, boxed grids) on a
worksheet of ``MEMO_COLUMNS`` columns, and the margin formats per unit.

Used by :mod:`protv2g.report.summary`; holds no study logic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from protv2g.report.format import HEADER_FILL, NOTE_FONT, write_cell
from protv2g.report.styling import StyleCache
from protv2g.significant import number_text, round_significant, short_numbers

__all__ = ["Memo", "MEMO_COLUMNS", "MEMO_WIDTHS", "BOX", "margin_text", "side_effect_heads"]

THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
#: Width of the memo in columns (A..J); text spans B..J.
MEMO_COLUMNS = 10
MEMO_WIDTHS = (30, 12, 14, 14, 14, 14, 14, 14, 14, 14)
_HEADING_FONT = Font(bold=True, size=12, color="1F3864")
_BOLD = Font(bold=True)
_PLAIN = Font(bold=False)
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)
_TOP_LEFT_WRAP = Alignment(wrap_text=True, vertical="top", horizontal="left")


def margin_text(value: Any, unit: str) -> str:
    """A margin as text, as the report writes a number in prose
    (:func:`protv2g.significant.number_text`: 4 significant digits, U+2212 minus, then its
    unit; the cells keep 10), "" when not a number.

    >>> margin_text(-0.11554702871234, "s")
    '\u22120.1155 s'
    """
    x = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.isna(x):
        return ""
    return number_text(float(x), "" if unit in ("", "nan", "None") else str(unit))


def side_effect_heads(text: str) -> list[str]:
    """Each side effect of a Recommendations row's ``side_effects`` (joined by ``"; "``,
    :mod:`protv2g.recommend.result`), up to its advice after " — " (review rev50b #3: the
    Summary said the first only, a clearing time within practice, and left out the depot's
    R01 conductor left without overload protection, the third).

    >>> side_effect_heads("practice: a clears in 1 s (within 10 s; no limit); practice: b "
    ...                   "loses its overload protection — accept only where …")
    ... # doctest: +NORMALIZE_WHITESPACE
    ['practice: a clears in 1 s (within 10 s; no limit)',
     'practice: b loses its overload protection']
    """
    out, depth, start = [], 0, 0
    for k, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if depth <= 0 and text.startswith("; ", k):
            out.append(text[start:k])
            start = k + 2
    out.append(text[start:])
    return [h.split(" — ")[0].strip() for h in out if h.strip() not in ("", "none")]


def _prose(value: Any) -> Any:
    """A text value as the memo writes it: its decimal numbers at 4 significant digits
    (:func:`protv2g.significant.short_numbers`; the gate's reasons it quotes carry the
    cells' 10); anything else unchanged."""
    return short_numbers(value) if isinstance(value, str) else value


class Memo:
    """Writes the memo top-down from row 4: headings, key/value pairs, notes, boxed grids.

    Text is prose: its numbers at 4 significant digits (:func:`_prose`); a float is a cell
    and keeps 10 (:func:`protv2g.significant.round_significant`). Styles and merges go
    through one :class:`~protv2g.report.styling.StyleCache` (the memo repeats a few styles on
    hundreds of cells)."""

    def __init__(self, ws: Worksheet):
        self.ws, self.row = ws, 3
        self.styles = StyleCache()

    def heading(self, text: str) -> None:
        self.row += 1
        self.styles.apply(write_cell(self.ws, self.row, 1, text), font=_HEADING_FONT)
        self.row += 1

    def pair(self, key: str, value: Any, bold_value: bool = False) -> Any:
        self.styles.apply(write_cell(self.ws, self.row, 1, key),
                          font=_PLAIN if key.startswith("  ") else _BOLD, alignment=_TOP_WRAP)
        if isinstance(value, float):  # as the cells: 10 significant digits (significant.py)
            value = float(round_significant(value))
        cell = self.styles.apply(write_cell(self.ws, self.row, 2, _prose(value)),
                                 alignment=_TOP_LEFT_WRAP)
        self.styles.merge_row(self.ws, self.row, 2, MEMO_COLUMNS)
        lines = max(-(-len(str(cell.value or "")) // 120), -(-len(key) // 30))
        if lines > 1:
            self.ws.row_dimensions[self.row].height = 15 * lines
        if bold_value:
            self.styles.apply(cell, font=_BOLD)
        self.row += 1
        return cell

    def note(self, text: str) -> None:
        self.styles.apply(write_cell(self.ws, self.row, 1, _prose(text)), font=NOTE_FONT,
                          alignment=_TOP_WRAP)
        self.styles.merge_row(self.ws, self.row, 1, MEMO_COLUMNS)
        lines = -(-len(text) // 150)
        if lines > 1:
            self.ws.row_dimensions[self.row].height = 15 * lines
        self.row += 1

    def grid(self, header: Sequence[str], rows: list[list[Any]],
             spans: Sequence[int] | None = None, fmt: dict[int, str] | None = None) -> None:
        """A boxed table; ``spans[j]`` columns per field (the last fields may be wide)."""
        spans = list(spans or [1] * len(header))
        starts = [1 + sum(spans[:j]) for j in range(len(spans))]

        def put(values: Sequence[Any], head: bool) -> None:
            height = 1
            for j, value in enumerate(values):
                c0 = starts[j]
                cell = write_cell(self.ws, self.row, c0, _prose(value))
                if head:
                    self.styles.apply(cell, font=_BOLD, fill=HEADER_FILL, border=BOX,
                                      alignment=_TOP_WRAP)
                else:
                    self.styles.apply(cell, border=BOX, alignment=_TOP_WRAP, number_format=(
                        (fmt or {}).get(j, "0.000") if isinstance(cell.value, float) else None))
                if spans[j] > 1:
                    self.styles.merge_row(self.ws, self.row, c0, c0 + spans[j] - 1)
                width = sum(MEMO_WIDTHS[c0 - 1:c0 - 1 + spans[j]])
                height = max(height, -(-len(str(cell.value or "")) // max(int(width), 1)))
            if height > 1:
                self.ws.row_dimensions[self.row].height = 14 * height
            self.row += 1

        put(header, True)
        for values in rows:
            put(values, False)
