"""The hosting margins PNG is written whole or not at all (fix43 left it open: ``run``/
``hosting`` wrote the workbook through a temporary name and :func:`os.replace`, the PNG
straight to its path, so a stop or an error part-way left a truncated PNG over the last good
one). The figure itself is stubbed: what is tested is where the bytes go."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import protv2g.report.hosting as hosting_report  # noqa: E402


def _figure(analysis, *, title=""):  # noqa: ANN001, ANN202 - a stand-in for the real figure
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    return fig


def test_a_failed_write_keeps_the_previous_png(tmp_path, monkeypatch):
    monkeypatch.setattr(hosting_report, "hosting_margins_figure", _figure)
    path = tmp_path / "m.png"
    path.write_bytes(b"previous")

    def half(self, fname, *args, **kwargs):  # noqa: ANN001, ANN202 - Figure.savefig
        with open(fname, "wb") as fh:
            fh.write(b"\x89PNG half")
        raise OSError("no space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", half)
    with pytest.raises(OSError, match="no space"):
        hosting_report.plot_hosting_margins(None, path)
    assert path.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.png"]  # no temporary left


def test_the_png_is_written_with_an_ordinary_mode(tmp_path, monkeypatch):
    monkeypatch.setattr(hosting_report, "hosting_margins_figure", _figure)
    path = hosting_report.plot_hosting_margins(None, tmp_path / "m.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.png"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
