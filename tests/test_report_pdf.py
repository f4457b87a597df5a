"""The workbook converts to PDF with LibreOffice (headless) and its pages render to PNG.

Skipped when LibreOffice is absent. A conversion takes 10–30 s, so it runs only when
``PROTV2G_SLOW_TESTS=1`` (CI's default fast path leaves it out):

    PROTV2G_SLOW_TESTS=1 pytest tests/test_report_pdf.py
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from protv2g.report.excel import write_workbook

from .test_report import _small_result

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                       "apt-get install -y libreoffice-calc"),
    pytest.mark.skipif(os.environ.get("PROTV2G_SLOW_TESTS") != "1",
                       reason="slow (LibreOffice PDF conversion, 10-30 s): "
                       "set PROTV2G_SLOW_TESTS=1 to run"),
]


def _page_texts(pdf) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return out.split("\f")


def test_workbook_converts_to_pdf(tmp_path):
    xlsx = write_workbook(_small_result(meta={"gate": {"verdict": "FAIL",
                                                        "reasons": ["1 failing (C2)"]}}),
                          tmp_path / "report.xlsx")
    proc = subprocess.run(
        [SOFFICE, "--headless", "--norestore",
         f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
        capture_output=True, text=True, timeout=240)
    pdf = tmp_path / "report.pdf"
    assert proc.returncode == 0, proc.stderr
    assert pdf.exists() and pdf.stat().st_size > 10_000, proc.stdout + proc.stderr
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) not installed: pages not checked")
    pages = _page_texts(pdf)
    assert "protv2g coordination report" in pages[0] and "FAIL" in pages[0]
    tcc = next(i for i, p in enumerate(pages) if "violating device pair" in p)
    assert "R1 / RC1" in pages[tcc]
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "summary")], check=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", str(tcc + 1), "-l", str(tcc + 1),
                    str(pdf), str(tmp_path / "tcc")], check=True)
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert len(pngs) == 2 and all(p.stat().st_size > 5_000 for p in tmp_path.glob("*.png"))
