"""Save an openpyxl workbook with its plain cells serialised a row at a time (#21).

openpyxl writes each cell through lxml's incremental writer as nested ``c``/``v``/``is``/``t``
elements (``openpyxl.cell._writer.lxml_write_cell``): ≈ 17 µs a cell, 0.57 s of the depot
workbook's 3.5 s for its 32,568 cells (cProfile, 2026-12-02). :func:`save_workbook` is
openpyxl's ``save_workbook`` with one change: a row whose cells are all plain (a number, a
boolean or text lxml accepts, maybe with a hyperlink, listed for the sheet's ``hyperlinks`` as
openpyxl lists it; no comment, no formula, no date, no rich text) is written as the XML text
lxml would write for it, straight into the sheet's file after what lxml holds
(``xmlfile.flush``; lxml's default output encoding, ASCII with decimal character references:
IEEE 8500 workbook, 811,674 cells, 16.4-17.7 -> 13.8-14.5 s CPU at load 4-5, no parse and
re-serialisation of each row); in a row mixing plain cells and others the plain ones are
parsed by lxml in one call and written as elements; other cells (a formula, a date, …) are
written by openpyxl's ``write_cell`` in their
place, a row with a comment by openpyxl's ``write_row``. The XML is the same, byte for byte:
the same attributes in the same order (``r``, ``s`` from ``cell.style_id`` called in the same
order, so the same style indexes; ``t``), numbers as ``"%.16g"`` (openpyxl's
``safe_string``), text as an inline string with ``xml:space="preserve"`` when it has leading
or trailing white space, an empty cell or row as ``<c …></c>`` (checked on the depot, residential
and IEEE 8500 workbooks: ``tests/test_report_sheet_writer.py`` and the comparison in the #21
note).

A sheet whose table rows are held as columns (``tables``: :mod:`protv2g.report.table_rows`)
is written by :class:`_TableWriter`: each column's ``c`` elements made in one pass
(:func:`~protv2g.report.table_rows.column_xml`), joined by row, the sheet's own cells (header,
links, notes) merged in by row and column; the style arrays are added to the workbook's list
in the order openpyxl's save would ask them (by row, then column: the cells' and each column's
first number written), so the indexes are the same. IEEE 8500 workbook: ``write_table`` 1.42
-> 0.63 s and the save 3.52 -> 1.99 s CPU, every part byte-identical but the timestamp
(2026-12-02).

Examples
--------
>>> from openpyxl import Workbook
>>> wb = Workbook()
>>> wb.active.append([1, "a", True])
>>> save_workbook(wb, "/tmp/example.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime
import io
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from lxml import etree
from lxml.etree import xmlfile
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS

from protv2g.engine.collect import release_freed_memory
from protv2g.report.sheet_links import ATTRIBUTE_ESCAPES, TextRelationships, hyperlinks_xml
from protv2g.report.table_rows import TableRows, column_xml
from protv2g.report.zip_deflate import IsalZipFile

__all__ = ["save_workbook"]

#: openpyxl's cell type codes written here (number or empty, boolean, text)
_PLAIN_TYPES = {"n": (int, float), "b": (bool,), "s": (str,)}
#: text characters lxml escapes: ``&``, ``<``, ``>`` and a carriage return (``&#13;``)
_MARKUP = re.compile("[&<>\r]")
#: characters lxml does not write (XML 1.0 ``Char``): openpyxl's own writer raises on them
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: plain rows held as text before they are written to the file
_PENDING_ROWS = 2000


@contextlib.contextmanager
def _opened(out: str | io.BytesIO) -> Iterator[Any]:
    """The file a worksheet's XML is written to: ``out`` itself when it is in memory (left
    open: the caller reads it), else the file at path ``out``, opened for writing.

    openpyxl writes each sheet to a temporary file, copies it into the zip and deletes it;
    in memory the same bytes reach the zip without the file's creation, write, read back and
    deletion (#21: a fifth of the depot's sheet writing, 2026-12-06)."""
    if isinstance(out, io.BytesIO):
        yield out
        return
    with open(out, "wb") as f:
        yield f


class _RowWriter(WorksheetWriter):
    """openpyxl's worksheet writer, plain rows serialised as text and parsed at once."""

    def __init__(self, ws: Any, out: Any = None) -> None:
        self._letters: dict[int, str] = {}
        #: ``cell.style_id`` by style array: the same index, without hashing a StyleArray
        self._style_ids: dict[tuple[int, ...], int] = {}
        #: plain rows' XML not yet in the file, and the file lxml writes to (get_stream)
        self._pending: list[str] = []
        self._file: Any = None
        super().__init__(ws, out)
        self._rels = TextRelationships()  # serialised from text (protv2g.report.sheet_links)

    def get_stream(self) -> Any:
        """openpyxl's ``get_stream`` with lxml writing to a file object of this writer's, so
        that plain rows can be written to it as text between lxml's writes."""
        with _opened(self.out) as self._file, xmlfile(self._file) as xf, \
                xf.element("worksheet", xmlns=SHEET_MAIN_NS):
            try:
                while True:
                    el = yield
                    if el is True:
                        yield xf
                    elif el is not None:
                        xf.write(el)
            except GeneratorExit:
                pass

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            for row_idx, row in self.rows():
                self.write_row(xf, row, row_idx)
            self._write_pending(xf)
        self.xf.send(None)

    def write_hyperlinks(self) -> None:
        """openpyxl's ``write_hyperlinks``, the element written as text
        (:func:`protv2g.report.sheet_links.hyperlinks_xml`: the same bytes)."""
        text = hyperlinks_xml(self.ws._hyperlinks, self._rels)
        if text is None:
            super().write_hyperlinks()
            return
        xf = self.xf.send(True)
        self._pending.append(text)
        self._write_pending(xf)
        self.xf.send(None)

    def _write_pending(self, xf: Any) -> None:
        """The plain rows' XML into the file, after what lxml holds (``xf.flush``)."""
        if self._pending:
            xf.flush()
            # lxml's default output encoding: ASCII, other characters as decimal references
            self._file.write("".join(self._pending).encode("ascii", "xmlcharrefreplace"))
            self._pending.clear()

    @staticmethod
    def _plain(cell: Any) -> bool:
        """Whether ``cell`` is written here: a number, boolean or text (or nothing, e.g. a
        merged cell's border), maybe with a hyperlink; without comment, formula or date."""
        if type(cell) is MergedCell:
            return True  # no value, maybe a border: ``<c r=… s=… t="n"></c>``
        if type(cell) is not Cell or cell._comment is not None:
            return False
        value = cell._value
        accepted = _PLAIN_TYPES.get(cell.data_type)
        if accepted is None or (value is not None and type(value) not in accepted):
            return False
        if type(value) is str:  # text lxml refuses is left to openpyxl (which raises)
            return _NOT_XML.search(value) is None
        return not (type(value) is float and not math.isfinite(value))  # openpyxl: ``<v></v>``

    def _style_index(self, style: StyleArray) -> int:
        """The workbook's index of ``style``, added to its list when new, as ``cell.style_id``
        adds it."""
        key = tuple(style)
        index = self._style_ids.get(key)
        if index is None:
            index = self._style_ids[key] = self.ws.parent._cell_styles.add(StyleArray(style))
        return index

    def _row_head(self, row_idx: int) -> str:
        """The ``row`` element's attributes as openpyxl writes them (its dimension's)."""
        dims = self.ws.row_dimensions.get(row_idx)
        if dims is None:  # most rows: no height, no print setting
            return f'r="{row_idx}"'
        attrs = {"r": f"{row_idx}"}
        attrs.update(dims)
        return " ".join(f'{k}="{escape(v, ATTRIBUTE_ESCAPES)}"' for k, v in attrs.items())

    def _cell_xml(self, cell: Any, empty: str = "/>") -> str:
        """The ``c`` element openpyxl writes for a :meth:`_plain` ``cell``; ``empty`` ends
        the element of an empty cell (``"></c>"``: as lxml writes it)."""
        kind = cell.data_type
        value = cell._value
        letter = self._letters.get(cell.column)
        if letter is None:
            letter = self._letters[cell.column] = get_column_letter(cell.column)
        style = ""
        if cell._style is not None and any(cell._style):  # openpyxl's ``has_style``
            style = f' s="{self._style_index(cell._style)}"'
        if type(cell) is Cell and cell._hyperlink is not None:  # listed as openpyxl lists it
            self.ws._hyperlinks.append(cell._hyperlink)
        head = f'<c r="{letter}{cell.row}"{style} t="{"inlineStr" if kind == "s" else kind}"'
        if value is None or value == "":
            return head + empty
        if kind == "s":
            space = ' xml:space="preserve"' if value != value.strip() else ""
            if _MARKUP.search(value) is not None:  # as lxml escapes text
                value = value.replace("&", "&amp;").replace("<", "&lt;").replace(
                    ">", "&gt;").replace("\r", "&#13;")
            return f"{head}><is><t{space}>{value}</t></is></c>"
        return f"{head}><v>{format(value, '.16g')}</v></c>"

    def write_row(self, xf: Any, row: list[Any], row_idx: int) -> None:
        if any(cell._comment is not None for cell in row):
            self._write_pending(xf)
            super().write_row(xf, row, row_idx)  # openpyxl collects the comments
            return
        # openpyxl skips an empty cell without a style
        cells = [c for c in row if c._value is not None or c.has_style]
        plain = [self._plain(cell) for cell in cells]
        if all(plain):  # the whole row as text, as lxml would write it
            texts = "".join(self._cell_xml(cell, "></c>") for cell in cells)
            self._pending.append(f"<row {self._row_head(row_idx)}>{texts}</row>")
            if len(self._pending) >= _PENDING_ROWS:
                self._write_pending(xf)
            return
        self._write_pending(xf)  # what comes before, then this row by lxml
        # cell by cell in order (the style indexes are numbered in the order cells ask)
        attrs = {"r": f"{row_idx}"}
        attrs.update(self.ws.row_dimensions.get(row_idx, {}))
        with xf.element("row", attrs):
            parts: list[str] = []
            for cell, fast in zip(cells, plain, strict=True):
                if fast:
                    parts.append(self._cell_xml(cell))
                    continue
                for element in _element(f"<row>{''.join(parts)}</row>") if parts else ():
                    xf.write(element)
                parts.clear()
                write_cell(xf, self.ws, cell, cell.has_style)  # by openpyxl, in its place
            for element in _element(f"<row>{''.join(parts)}</row>") if parts else ():
                xf.write(element)


def _element(xml: str) -> Any:
    """``xml`` (a ``row`` of ``c`` elements) parsed; an empty cell written ``<c …></c>``, as
    openpyxl's writer does."""
    row = etree.fromstring(xml)
    if not len(row):  # a row with a height and no cell: ``<row …></row>``
        row.text = ""
    for cell in row:
        if not len(cell):
            cell.text = ""
    return row


class _TableWriter(_RowWriter):
    """:class:`_RowWriter` for a sheet whose table rows are held as columns
    (:class:`~protv2g.report.table_rows.TableRows`): written from the columns, merged with the
    sheet's cells by row and column, the style indexes asked in openpyxl's order."""

    def __init__(self, ws: Any, table: TableRows, out: Any = None) -> None:
        self._table = table
        super().__init__(ws, out)

    @staticmethod
    def fits(ws: Any, table: TableRows) -> bool:
        """Whether every cell of ``ws`` is plain and every text of ``table`` one lxml writes
        (else the table is made cells and written as they are)."""
        return all(map(_RowWriter._plain, ws._cells.values())) and not any(
            _NOT_XML.search("".join([v for v in values if type(v) is str]))
            for values in table.columns)

    def write_dimensions(self) -> None:
        """openpyxl's ``calculate_dimension`` over the sheet's cells and the table's values."""
        rows = [r for r, _ in self.ws._cells]
        cols = [c for _, c in self.ws._cells]
        bounds = self._table.bounds()
        if bounds is not None:
            rows += (bounds[0], bounds[2])
            cols += (bounds[1], bounds[3])
        ref = "A1:A1" if not rows else (f"{get_column_letter(min(cols))}{min(rows)}:"
                                        f"{get_column_letter(max(cols))}{max(rows)}")
        self.xf.send(SheetDimension(ref).to_tree())

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            self._write_table_rows(xf)
            self._write_pending(xf)
        self.xf.send(None)

    def _styles_in_order(self) -> dict[int, str]:
        """Add the style arrays to the workbook's list in the order openpyxl's save asks them
        (by row, then column): the cells' and each table column's first number written (a
        column's numbers share one style); returns the `` s="…"`` of the columns' numbers
        (none for a column without a number written: its style is not asked)."""
        table, cells = self._table, self.ws._cells
        asks: list[tuple[int, int, Any]] = [
            (r, c, cell._style) for (r, c), cell in cells.items()
            if cell._style is not None and any(cell._style)]
        for j, (values, style) in enumerate(zip(table.columns, table.styles, strict=True),
                                            start=1):
            if style is not None and any(style):
                row = next((i for i, v in enumerate(values, start=table.first_row)
                            if type(v) in (float, int) and (i, j) not in cells), None)
                if row is not None:
                    asks.append((row, j, style))
        for _, _, style in sorted(asks, key=lambda ask: ask[:2]):
            self._style_index(style)
        return {j: f' s="{self._style_index(style)}"' for r, j, style in asks
                if (r, j) not in cells}

    def _write_table_rows(self, xf: Any) -> None:
        table, cells = self._table, self.ws._cells
        first = table.first_row
        numbers = self._styles_in_order()
        texts = [column_xml(get_column_letter(j), first, values, numbers.get(j, ""))
                 for j, values in enumerate(table.columns, start=1)]
        rows = list(zip(*texts, strict=True))  # each row's elements, "" for no value
        del texts
        bodies = list(map("".join, rows))
        by_row: dict[int, list[Any]] = {}
        for (r, _), cell in sorted(cells.items()):  # openpyxl skips empty unstyled cells
            if cell._value is not None or cell.has_style:
                by_row.setdefault(r, []).append(cell)
        held = {first + i for i, body in enumerate(bodies) if body}
        for r in sorted(held | by_row.keys() | self.ws.row_dimensions.keys()):
            own = by_row.get(r)
            if own is None:
                body = bodies[r - first] if r in held else ""
            else:  # the sheet's cells in their columns, among the table's values (#21: the
                # row's elements by column, not a dict of its nonempty ones sorted: the
                # 10,000-bus Evidence's 4,758 linked rows × 43 columns)
                parts = list(rows[r - first]) if 0 <= r - first < len(rows) else []
                for cell in own:
                    if cell.column > len(parts):
                        parts += [""] * (cell.column - len(parts))
                    parts[cell.column - 1] = self._cell_xml(cell, "></c>")
                body = "".join(parts)
            self._pending.append(f"<row {self._row_head(r)}>{body}</row>")
            if len(self._pending) >= _PENDING_ROWS:
                self._write_pending(xf)


class _Writer(ExcelWriter):
    """openpyxl's workbook writer with :class:`_RowWriter` for its worksheets (a
    :class:`_TableWriter` for those with table rows held as columns: ``tables``, by title)."""

    def __init__(self, workbook: Workbook, archive: ZipFile,
                 tables: Mapping[str, TableRows]) -> None:
        self._held = tables
        super().__init__(workbook, archive)

    def write_worksheet(self, ws: Any) -> None:
        if self.workbook.write_only:  # pragma: no cover - the report writes no such workbook
            super().write_worksheet(ws)
            return
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        table = self._held.get(ws.title)
        if table is not None and not _TableWriter.fits(ws, table):
            table.materialise(ws)  # written as cells (openpyxl raises on what lxml refuses)
            table = None
        xml = io.BytesIO()  # the sheet's XML in memory, not in a temporary file (_opened)
        writer = _RowWriter(ws, xml) if table is None else _TableWriter(ws, table, xml)
        writer.write()
        ws._rels = writer._rels
        with xml.getbuffer() as data:
            self._archive.writestr(ws.path[1:], data)
        del xml
        self.manifest.append(ws)
        # the sheet's XML texts, freed, handed back before the next sheet's (#21: the
        # 10,000-bus workbook's peak was in its save)
        release_freed_memory()

    def _write_images(self) -> None:
        """The pictures, deflated as every part (:mod:`protv2g.report.zip_deflate`)."""
        for img in self._images:
            self._archive.writestr(img.path[1:], img._data())


def save_workbook(wb: Workbook, path: str | Path,
                  tables: Mapping[str, TableRows] | None = None) -> None:
    """Save ``wb`` at ``path`` as ``wb.save(path)`` does (openpyxl's ``save_workbook``), plain
    rows serialised a row at a time (module docstring); ``tables``: sheet title → its table
    rows held as columns (:func:`protv2g.report.format.write_table` ``deferred``), written as
    openpyxl would write them as cells."""
    # every part deflated by ISA-L (#21: zlib took 0.33 s CPU of the 10,000-bus save)
    archive = IsalZipFile(path, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(
        tz=datetime.UTC).replace(tzinfo=None)
    _Writer(wb, archive, tables or {}).save()
