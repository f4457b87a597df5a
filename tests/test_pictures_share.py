"""Objects the picture worker inherits at its fork are sent to it as tokens, not pickled (#21:
the 10,000-bus study's feeder plot pickled its 481,228 violation rows, each TCC its path's
device models), and drawn as the same picture."""

from __future__ import annotations

import os
from multiprocessing.reduction import ForkingPickler

import numpy as np
from matplotlib.figure import Figure

from protv2g.report import pictures as pics
from protv2g.report.pictures import Pictures


def _mean_line(values: np.ndarray, extra: list) -> Figure:
    fig = Figure(figsize=(2.0, 1.5))
    ax = fig.add_subplot()
    ax.plot([0.0, 1.0], [float(values.mean()), float(extra[0].max() * extra[1])])
    return fig


def test_shared_arguments_reach_the_worker_without_a_pickle(monkeypatch):
    big = np.linspace(0.0, 1.0, 1_000_000)  # 8 MB pickled
    sent: list[int] = []
    dumps, pid = ForkingPickler.dumps.__func__, os.getpid()

    def counting(cls, obj, protocol=None):
        data = dumps(cls, obj, protocol)
        if os.getpid() == pid:
            sent.append(len(data))
        return data

    monkeypatch.setattr(ForkingPickler, "dumps", classmethod(counting))
    with Pictures(parallel=False) as here:
        here.submit("mean", _mean_line, big, [big, 2.0], cache=False)
        expected = here.get("mean")
    with Pictures(parallel=True) as pictures:
        pictures.share(big)
        assert pictures.by_reference(big)
        pictures.submit("mean", _mean_line, big, [big, 2.0], cache=False)
        late = np.ones(3)
        pictures.share(late)  # the worker is running: sent by value
        assert not pictures.by_reference(late)
        got = pictures.get("mean")
    assert got == expected
    assert sent and max(sent) < 10_000  # the job went as tokens
    assert not pics._SHARED  # released on close
