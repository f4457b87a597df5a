"""The workbook's zip with its parts deflated by ISA-L instead of zlib (#21).

An .xlsx is a zip of XML parts and pictures (ECMA-376 Part 2, Open Packaging Conventions),
each stored or deflated (RFC 1951, the zip's method 8, APPNOTE.TXT 4.4.5). Python's
:class:`zipfile.ZipFile` deflates with zlib; :class:`IsalZipFile` writes the same zip (the
same members, names, CRC-32s and sizes, read back by any zip reader, ``zipfile`` and openpyxl
included) but deflates each member with ISA-L (:mod:`isal.isal_zlib`, a raw deflate stream as
zlib's ``wbits=-15``; ``isal`` is a dependency already: :mod:`protv2g.report.pictures`
deflates the PNG rows with it). Only the compressed bytes differ.

Why: the 10,000-bus workbook (``bench_e2e.make_study``, session 46) deflates 28.3 MB of XML
and 10.5 MB of PNGs (already deflated once); CPU, best of three (user+sys, load 10):

============  ======================  ======================
part          zlib (before)           ISA-L level 2 (now)
============  ======================  ======================
XML           level 3: 0.133 s,       0.025 s, 3.83 MB
              3.39 MB
PNGs          level 1: 0.200 s,       0.028 s, 8.73 MB
              8.56 MB
============  ======================  ======================

so ≈ 0.28 s less CPU for ≈ 0.6 MB more (ISA-L level 1: 3.84 / 8.89 MB, level 3: slower
for no fewer bytes; the PNGs stored, not deflated again: 10.53 MB).

Examples
--------
>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with IsalZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
...     z.writestr("a.xml", b"<a/>" * 100)
>>> zipfile.ZipFile(buf).read("a.xml") == b"<a/>" * 100
True
"""

from __future__ import annotations

from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from isal import isal_zlib

__all__ = ["DEFLATE_LEVEL", "IsalZipFile"]

#: ISA-L's deflate level (0-3) of every deflated member (table above).
DEFLATE_LEVEL = 2


class IsalZipFile(ZipFile):
    """:class:`zipfile.ZipFile` whose deflated members are deflated by ISA-L at
    :data:`DEFLATE_LEVEL` (module docstring); a ``compresslevel`` asked for is ignored.
    Reading, and stored members, as :class:`~zipfile.ZipFile`."""

    def _open_to_write(self, zinfo: ZipInfo, force_zip64: bool = False) -> Any:
        out = super()._open_to_write(zinfo, force_zip64)
        # ``zipfile._ZipWriteFile`` deflates what it is given through ``_compressor`` (a zlib
        # ``compressobj(level, DEFLATED, -15)``, CPython 3.11-3.13); nothing is written yet
        if zinfo.compress_type == ZIP_DEFLATED and hasattr(out, "_compressor"):
            out._compressor = isal_zlib.compressobj(DEFLATE_LEVEL, isal_zlib.DEFLATED, -15)
        return out
