"""The workbook writer's fast paths write what openpyxl writes (#21).

``protv2g.report.sheet_writer.save_workbook`` against openpyxl's ``Workbook.save`` (every part
of the file byte for byte, but the save time); ``protv2g.report.styling`` against openpyxl's
per-cell style assignments and ``merge_cells``; the garbage-collector pause restored.
"""

from __future__ import annotations

import datetime
import gc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from protv2g.report.excel import _collection_paused
from protv2g.report.format import write_table
from protv2g.report.sheet_writer import save_workbook
from protv2g.report.styling import StyleCache, new_cell

BOX = Border(left=Side(style="thin"), right=Side(style="thin"), top=Side(style="thin"),
             bottom=Side(style="thin"))


def _workbook() -> Workbook:
    """Every kind of cell the report writes, and some it does not (left to openpyxl)."""
    import pandas as pd

    wb = Workbook()
    ws = wb.active
    ws.title = "cells"
    rows = [
        [1, -2, 3.5, 1e-300, 12345678901234567890, 0.1 + 0.2, True, False],
        ["text", " lead", "trail ", "a & b < c > d", "line\nbreak\r\ncr", "tab\there", "",
         "=SUM(A1)"],
        ["#N/A", "ünïcødé Ω °", "  ", None, 2.0, "x" * 300, '"quoted"', "'apos'"],
        ["beyond the BMP: \U0001F600 \U00010348", "]]> & &amp;", 7],
    ]
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # as format.write_cell stores formula-like text
    ws["A4"].number_format = "0.000"  # a style without a value
    ws["B4"] = float("nan")  # left to openpyxl (an empty ``v``)
    ws["C4"] = datetime.datetime(2026, 12, 2, 5, 0)  # a date: left to openpyxl
    ws["D4"] = "=1+1"  # a formula: left to openpyxl
    ws["E4"] = "link"
    ws["E4"].hyperlink = "#'cells'!A1"
    ws["F5"] = "commented"
    ws["F5"].comment = Comment("a note", "me")
    ws["A6"] = "bold"
    ws["A6"].font = Font(bold=True)
    ws["A6"].border = BOX
    ws.merge_cells("A6:D6")
    ws.row_dimensions[2].height = 30
    ws.row_dimensions[9].height = 20  # a row with a height and no cell
    frame = pd.DataFrame({"i_a": [1.5, None, 3.0], "status": ["fail", "ok", "warn"],
                          "margin_s": [-0.1, 0.2, float("inf")], "flag": [True, False, True],
                          "message": ["a long message " * 8, "short", "-starts with minus"]})
    write_table(wb.create_sheet("table"), frame, links=[(0, "status", "#'cells'!A1")])
    long = wb.create_sheet("long")  # more plain rows than the writer holds as text at once
    for i in range(2_345):
        long.append([i, f"row {i}", 0.5 * i, i % 2 == 0])
        if i == 1_000:
            long.cell(row=i + 1, column=5).comment = Comment("between plain rows", "me")
    return wb


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_save_workbook_writes_openpyxls_bytes(tmp_path: Path) -> None:
    _workbook().save(tmp_path / "openpyxl.xlsx")
    save_workbook(_workbook(), tmp_path / "fast.xlsx")
    expected, got = _parts(tmp_path / "openpyxl.xlsx"), _parts(tmp_path / "fast.xlsx")
    assert sorted(got) == sorted(expected)
    for name, data in expected.items():
        assert got[name] == data, name
    back = load_workbook(tmp_path / "fast.xlsx")
    assert back["cells"]["B2"].value == " lead"
    assert back["cells"]["E2"].value == "line\nbreak\r\ncr"
    assert back["cells"]["H2"].value == "=SUM(A1)" and back["cells"]["H2"].data_type == "s"
    assert back["cells"]["F5"].comment.text == "a note"


def _styles(ws) -> dict:
    return {k: (type(c).__name__, c.value, repr(c.font), repr(c.fill), repr(c.border),
                repr(c.alignment), repr(c.protection), c.number_format)
            for k, c in ws._cells.items()}


def test_text_lxml_refuses_raises_as_openpyxl(tmp_path: Path) -> None:
    """A character outside XML 1.0 (not one openpyxl's setter drops) fails both saves."""
    wb = Workbook()
    wb.active["A1"] = "not a character: \uffff"
    with pytest.raises(ValueError):
        wb.save(tmp_path / "openpyxl.xlsx")
    with pytest.raises(ValueError):
        save_workbook(wb, tmp_path / "fast.xlsx")


@pytest.mark.parametrize("bordered", [False, True])
def test_style_cache_and_merge_row_equal_openpyxl(bordered: bool) -> None:
    font, fill = Font(bold=True, color="1F3864"), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    direct, cached = Workbook().active, Workbook().active
    styles = StyleCache()
    for row in range(1, 6):
        for col in (1, 4):
            a = direct.cell(row=row, column=col, value=f"{row},{col}")
            b = cached.cell(row=row, column=col, value=f"{row},{col}")
            a.font, a.fill, a.alignment = font, fill, wrap
            if bordered:
                a.border = BOX
            if col == 4:
                a.number_format = "0.000"
            styles.apply(b, font=font, fill=fill, border=BOX if bordered else None,
                         alignment=wrap, number_format="0.000" if col == 4 else None)
        direct.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        styles.merge_row(cached, row, 1, 3)
        direct.merge_cells(start_row=row, start_column=4, end_row=row, end_column=8)
        styles.merge_row(cached, row, 4, 8)
    assert styles.hits > 0
    assert _styles(cached) == _styles(direct)
    assert sorted(map(str, cached.merged_cells.ranges)) == sorted(
        map(str, direct.merged_cells.ranges))


def test_new_cell_equals_cell() -> None:
    ws = Workbook().active
    template = ws.cell(row=1, column=1)
    template.number_format = "0.0"
    made = new_cell(ws, 2, 3, 1.5, "n", template._style)
    ref = Cell(ws, row=2, column=3, style_array=template._style)
    ref._value, ref.data_type = 1.5, "n"
    assert ws._cells[(2, 3)] is made
    assert (made.row, made.column, made.value, made.data_type, made.number_format,
            made.hyperlink, made.comment) == (ref.row, ref.column, ref.value, ref.data_type,
                                              ref.number_format, ref.hyperlink, ref.comment)
    assert made._style is not template._style  # a copy, as Cell makes


def test_collection_pause_restores_the_collector() -> None:
    assert gc.isenabled()
    with _collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _collection_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), _collection_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def _tables(deferred: bool) -> tuple[Workbook, dict]:
    """Tables of every kind of value, links, per-row number formats, wrapped rows, a spilled
    note; written as cells or held as columns (``deferred``)."""
    import numpy as np
    import pandas as pd

    wb = Workbook()
    wb.active["A1"] = "first sheet"
    long_text = "a message long enough to wrap over several lines " * 3
    small = pd.DataFrame({
        "finding": ["F1", "F2", "F3", "F4"],
        "i_a": [1.5, np.nan, 3.0, 12345678901234567.0],
        "margin_s": [-0.1, 0.2, float("inf"), None],
        "count": pd.array([1, 2, None, 4], dtype="Int64"),
        "flag": [True, False, None, True],
        "message": [long_text, "short", "-starts with minus", " lead & <tag> \r"],
        "other": [np.str_("numpy text"), "", "=SUM(A1)", 7],
        "t_s": [0.1 + 0.2, 1e-300, 2.0, 3.0],
    })
    big = pd.DataFrame({"finding": [f"F{i % 4 + 1}" for i in range(1_500)],
                        "vm_pu": np.linspace(0.9, 1.1, 1_500), "p_kw": np.arange(1_500.0),
                        "status": ["fail", "ok", "warn"] * 500,
                        "note": [None] * 1_499 + ["last"]})
    held = {}
    for title, frame, links, formats in (
            ("small", small, [(0, "finding", "#'big'!A2"), (3, "other", "#'small'!A1")],
             {"t_s": ["0.0", None, "0.00", "0.0"]}),
            ("big", big, [(i, "finding", f"#'small'!A{i % 4 + 2}") for i in range(1_500)],
             None),
            ("empty", small.iloc[:0], [], None),
            ("no_columns", pd.DataFrame(), [], None)):  # headed by a "note" column
        rows = write_table(wb.create_sheet(title), frame, "not computed" if not len(frame)
                           else None, links, formats, deferred=deferred)
        if rows is not None:
            held[title] = rows
    wb["small"]["J9"] = "a cell after the table"
    return wb, held


def test_deferred_table_rows_write_openpyxls_bytes(tmp_path: Path) -> None:
    """Table rows held as columns are saved as openpyxl saves them made cells."""
    cells, none = _tables(deferred=False)
    assert none == {}
    cells.save(tmp_path / "openpyxl.xlsx")
    held_wb, held = _tables(deferred=True)
    assert set(held) == {"small", "big", "empty", "no_columns"}
    assert len(held_wb["big"]._cells) < 1_500 * 2  # the header and the linked cells only
    save_workbook(held_wb, tmp_path / "fast.xlsx", held)
    expected, got = _parts(tmp_path / "openpyxl.xlsx"), _parts(tmp_path / "fast.xlsx")
    assert sorted(got) == sorted(expected)
    for name, data in expected.items():
        assert got[name] == data, name
    back = load_workbook(tmp_path / "fast.xlsx")
    assert back["big"]["B1501"].value == pytest.approx(1.1)
    assert back["small"]["A2"].value == "F1" and back["small"]["A2"].hyperlink is not None
    assert back["small"]["G4"].value == "=SUM(A1)" and back["small"]["G4"].data_type == "s"
    assert back["no_columns"]["A2"].value == "not computed"


def test_deferred_table_text_lxml_refuses_raises_as_openpyxl(tmp_path: Path) -> None:
    import pandas as pd

    wb = Workbook()
    rows = write_table(wb.active, pd.DataFrame({"x": ["ok", "not a character: \uffff"]}),
                       deferred=True)
    with pytest.raises(ValueError):
        save_workbook(wb, tmp_path / "fast.xlsx", {wb.active.title: rows})


def test_sheets_are_written_without_temporary_files(tmp_path: Path, monkeypatch) -> None:
    """Each sheet's XML goes to the zip from memory (#21, wbtxt36): openpyxl's temporary file
    per sheet is neither made nor left behind, and the parts are openpyxl's bytes."""
    import openpyxl.worksheet._writer as ws_writer

    _workbook().save(tmp_path / "openpyxl.xlsx")
    _tables(deferred=False)[0].save(tmp_path / "openpyxl_tables.xlsx")

    def no_file(*_: object, **__: object) -> str:
        raise AssertionError("a temporary file was made for a sheet")

    monkeypatch.setattr(ws_writer, "create_temporary_file", no_file)
    save_workbook(_workbook(), tmp_path / "fast.xlsx")
    held_wb, held = _tables(deferred=True)
    save_workbook(held_wb, tmp_path / "fast_tables.xlsx", held)
    for ours, theirs in (("fast", "openpyxl"), ("fast_tables", "openpyxl_tables")):
        expected, got = _parts(tmp_path / f"{theirs}.xlsx"), _parts(tmp_path / f"{ours}.xlsx")
        assert sorted(got) == sorted(expected)
        for name, data in expected.items():
            assert got[name] == data, name


def test_cell_values_of_texts_as_cell_value_makes_them() -> None:
    """table_rows._cell_values (#21, session 47: the texts tested at once) gives what
    cell_value gives each value: texts with and without control characters openpyxl
    refuses, NumPy texts, numbers, missing values, infinities of a time column."""
    import numpy as np

    from protv2g.report.table_rows import _cell_values, cell_value

    cases = [["a", "b\nc", " d "], ["a", "x\x01y", "z"], ["a", np.str_("b\x02")],
             ["a", None, 1.5], [float("inf"), "t"], [], ["\x1f"], ["é", "→ 2"]]
    for values in cases:
        for time in (False, True):
            got = _cell_values(list(values), time)
            assert got == [cell_value(v, time) for v in values]
            assert [type(v) for v in got] == [type(cell_value(v, time)) for v in values]


def _linked_workbook() -> Workbook:
    """Hyperlinks of every kind the sheet writer meets: targets with characters escaped in an
    attribute, a location-only link and one with a tooltip (left to openpyxl), and a sheet
    whose relationships also name a drawing and a table."""
    import io

    import pandas as pd
    from openpyxl.drawing.image import Image
    from openpyxl.worksheet.hyperlink import Hyperlink
    from PIL import Image as PILImage

    wb = Workbook()
    ws = wb.active
    ws.title = "links"
    targets = ["#'links'!A1", "https://example.com/?a=1&b=<2>", 'quo"te', "tab\there",
               "line\nbreak", "ünï Ω", "#'Find & go'!B7"]
    for i, target in enumerate(targets, start=1):
        ws.cell(row=i, column=1, value=f"to {i}").hyperlink = target
    png = io.BytesIO()
    PILImage.new("RGB", (4, 3), "red").save(png, format="PNG")
    ws.add_image(Image(png), "D2")
    odd = wb.create_sheet("odd links")
    odd["A1"] = "location only"
    odd["A1"].hyperlink = Hyperlink(ref="A1", location="'links'!A2")
    odd["A2"] = "tooltip"
    odd["A2"].hyperlink = Hyperlink(ref="A2", target="#'links'!A3", tooltip="go")
    frame = pd.DataFrame({"finding": ["F1", "F2", "F3"], "margin_s": [0.1, -0.2, 0.3]})
    write_table(wb.create_sheet("table"), frame,
                links=[(i, "finding", f"#'links'!A{i + 1}") for i in range(3)])
    return wb


def test_hyperlinks_and_relationships_as_text_are_openpyxls_bytes(tmp_path: Path,
                                                                   monkeypatch) -> None:
    """#21 (session 50): the hyperlinks element and the relationships files made as text
    (``protv2g.report.sheet_links``) are the bytes openpyxl writes; a sheet with a link
    openpyxl writes otherwise (a location, a tooltip) is left to it (its element made by
    openpyxl: once, not for the two other sheets)."""
    from openpyxl.worksheet.hyperlink import HyperlinkList

    _linked_workbook().save(tmp_path / "openpyxl.xlsx")
    made = []
    to_tree = HyperlinkList.to_tree
    monkeypatch.setattr(HyperlinkList, "to_tree",
                        lambda self, *a, **k: made.append(1) or to_tree(self, *a, **k))
    save_workbook(_linked_workbook(), tmp_path / "fast.xlsx")
    assert len(made) == 1
    expected, got = _parts(tmp_path / "openpyxl.xlsx"), _parts(tmp_path / "fast.xlsx")
    assert sorted(got) == sorted(expected)
    assert b"&amp;b=&lt;2&gt;" in expected["xl/worksheets/_rels/sheet1.xml.rels"]
    for name, data in expected.items():
        assert got[name] == data, name
    back = load_workbook(tmp_path / "fast.xlsx")
    assert back["links"]["A3"].hyperlink.target == 'quo"te'
    assert back["odd links"]["A1"].hyperlink.location == "'links'!A2"
