"""A TCC drawn on the process's reused Figure has the pixels of one drawn on a new Figure,
whatever was drawn on it before (#21: the reused Figure keeps its axes, ticks and renderer)."""

from __future__ import annotations

import numpy as np

from protv2g.report.derived import pair_table
from protv2g.report.pictures import DPI
from protv2g.report.tcc_figure import path_figure
from protv2g.report.tcc_sheets import plan_tcc, submit_tccs


class _Jobs:
    """Collects what :func:`submit_tccs` queues (a stand-in for the picture queue)."""

    def __init__(self) -> None:
        self.jobs: dict[str, tuple] = {}

    def submit(self, key, draw, *args, cache=True, **kwargs) -> None:
        self.jobs[key] = (draw, args, kwargs)


def _rgb(fig) -> np.ndarray:
    fig.set_dpi(DPI)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def test_reused_figure_draws_the_pixels_of_a_new_one(depot_result):
    plan = plan_tcc(depot_result)
    queue = _Jobs()
    submit_tccs(queue, depot_result, plan, pair_table(depot_result))
    jobs = list(queue.jobs.values())[:4]  # two paths, phase and ground
    assert all(draw is path_figure and kwargs["reuse"] for draw, _, kwargs in jobs)
    shown = []
    for draw, args, kwargs in jobs + jobs[::-1]:  # each after a different predecessor
        reused = draw(*args, **kwargs)
        got = _rgb(reused)
        fresh = draw(*args, **{**kwargs, "reuse": False})
        assert fresh is not reused
        np.testing.assert_array_equal(got, _rgb(fresh))
        ax = reused.axes[0]
        shown.append((len(ax.get_lines()), len(ax.texts), ax.get_title()))
    assert shown[:4] == shown[4:][::-1]  # nothing of a previous picture is left
    assert all(n_lines > 0 for n_lines, _, _ in shown)


def test_each_thread_reuses_its_own_figure() -> None:
    """Two threads writing workbooks at once never draw on one Figure."""
    import threading

    from protv2g.report import tcc_figure

    seen: dict[str, object] = {}

    def grab(key: str) -> None:
        seen[key] = tcc_figure._reused_axes().figure
        seen[key + " again"] = tcc_figure._reused_axes().figure

    threads = [threading.Thread(target=grab, args=(k,)) for k in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["a"] is seen["a again"] and seen["b"] is seen["b again"]
    assert seen["a"] is not seen["b"]
