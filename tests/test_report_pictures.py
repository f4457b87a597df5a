"""The workbook's pictures drawn in a worker process are the pictures drawn in this one (#21):
the same PNG bytes, the same sheets."""

from __future__ import annotations

import hashlib
import zipfile

import pytest
from matplotlib.figure import Figure

from protv2g.report import pictures as pics
from protv2g.report.excel import write_workbook
from protv2g.report.pictures import Pictures

from .test_report import _small_result


def _line(slope: float) -> Figure:
    fig = Figure(figsize=(2.0, 1.5))
    ax = fig.add_subplot()
    ax.plot([0.0, 1.0], [0.0, slope])
    ax.set_title(f"slope {slope:g}")
    return fig


@pytest.mark.parametrize("parallel", [False, True])
def test_pictures_are_the_same_bytes_in_a_worker_or_here(parallel):
    pics._PNG_CACHE.clear()
    with Pictures(parallel=False) as here:
        for k in range(4):
            here.submit(f"line {k}", _line, float(k), cache=False)
        expected = [here.get(f"line {k}") for k in range(4)]
    with Pictures(parallel=parallel) as pictures:
        for k in range(4):
            pictures.submit(f"line {k}", _line, float(k))
        assert "line 3" in pictures and "line 4" not in pictures
        # the last first: jobs not yet started in the worker are drawn here
        got = [pictures.get(f"line {k}") for k in reversed(range(4))][::-1]
    assert got == expected
    assert expected[0][0].startswith(b"\x89PNG") and expected[0][1] == (2.0, 1.5)
    # cached by what is drawn: a second submission draws nothing and gives the same bytes
    with Pictures(parallel=parallel) as again:
        again.submit("line 2", _line, 99.0)  # the key says what is drawn: the cache answers
        assert again.get("line 2") == expected[2]
    pics._PNG_CACHE.clear()


def test_workbook_pictures_do_not_depend_on_the_worker(tmp_path):
    media = {}
    for parallel in (False, True):
        pics._PNG_CACHE.clear()
        path = write_workbook(_small_result(), tmp_path / f"p{parallel}.xlsx",
                              parallel_pictures=parallel, all_tccs=True)
        with zipfile.ZipFile(path) as z:
            media[parallel] = sorted(hashlib.sha256(z.read(n)).hexdigest()
                                     for n in z.namelist() if n.startswith("xl/media/"))
    assert len(media[False]) == 5  # four TCCs (two paths × phase, ground) and the feeder
    assert media[True] == media[False]


def test_png_rgba_is_a_standard_png_of_the_same_pixels() -> None:
    """#21: the PNG's rows are deflated by ISA-L (``isal``), not zlib: still a zlib stream
    that zlib and Pillow read, with the array's pixels, size and resolution."""
    import io
    import struct
    import zlib

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    rgba = np.full((37, 53, 4), 255, np.uint8)
    rgba[5:30, 7:40, :3] = rng.integers(0, 256, (25, 33, 3), dtype=np.uint8)
    rgba[0, :, 3] = 128  # alpha kept as it is
    data = pics.png_rgba(rgba, dpi=150)
    img = Image.open(io.BytesIO(data))
    assert img.mode == "RGBA" and img.size == (53, 37)
    np.testing.assert_array_equal(np.asarray(img), rgba)
    assert img.info["dpi"] == pytest.approx((150.0, 150.0), abs=0.02)  # pixels a metre, rounded
    start = data.index(b"IDAT")
    (n,) = struct.unpack(">I", data[start - 4:start])
    rows = zlib.decompress(data[start + 4:start + 4 + n])
    assert len(rows) == 37 * (1 + 4 * 53)
