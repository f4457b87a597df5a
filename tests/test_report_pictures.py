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
                              parallel_pictures=parallel)
        with zipfile.ZipFile(path) as z:
            media[parallel] = sorted(hashlib.sha256(z.read(n)).hexdigest()
                                     for n in z.namelist() if n.startswith("xl/media/"))
    assert len(media[False]) == 5  # four TCCs (two paths × phase, ground) and the feeder
    assert media[True] == media[False]
