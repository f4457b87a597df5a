"""The workbook's zip deflated by ISA-L (#21, session 46): the same members, read back by
``zipfile`` and openpyxl; only the compressed bytes are ISA-L's."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from isal import isal_zlib
from openpyxl import Workbook, load_workbook

from protv2g.report.sheet_writer import save_workbook
from protv2g.report.zip_deflate import DEFLATE_LEVEL, IsalZipFile


def _raw_deflate(data: bytes) -> bytes:
    c = isal_zlib.compressobj(DEFLATE_LEVEL, isal_zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _stored_bytes(path: Path | io.BytesIO, info: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes as they are in the archive (after its local header)."""
    raw = path.getvalue() if isinstance(path, io.BytesIO) else path.read_bytes()
    at = info.header_offset
    n_name, n_extra = (int.from_bytes(raw[at + 26:at + 28], "little"),
                       int.from_bytes(raw[at + 28:at + 30], "little"))
    start = at + 30 + n_name + n_extra
    return raw[start:start + info.compress_size]


def test_members_deflated_by_isal_read_back() -> None:
    buf = io.BytesIO()
    text = b"<row><c r='A1'><v>1.5</v></c></row>" * 2_000
    with IsalZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("a.xml", text)
        z.writestr("b.bin", b"stored", compress_type=zipfile.ZIP_STORED)
    with zipfile.ZipFile(buf) as z:
        assert z.testzip() is None  # every CRC-32 checks
        assert z.read("a.xml") == text and z.read("b.bin") == b"stored"
        info = z.getinfo("a.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert _stored_bytes(buf, info) == _raw_deflate(text)  # zlib's bytes differ
        assert z.getinfo("b.bin").compress_type == zipfile.ZIP_STORED


def test_workbook_saved_with_isal_parts(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    for i in range(500):
        ws.append([i, f"row {i}", 0.25 * i])
    save_workbook(wb, tmp_path / "a.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert z.testzip() is None
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert _stored_bytes(tmp_path / "a.xlsx", info) == _raw_deflate(z.read(info))
    back = load_workbook(tmp_path / "a.xlsx", read_only=True)
    rows = list(back.active.iter_rows(values_only=True))
    assert rows[499] == (499, "row 499", 124.75)
