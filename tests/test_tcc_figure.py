"""A TCC drawn on the process's reused Figure has the pixels of one drawn on a new Figure,
whatever was drawn on it before (#21: the reused Figure keeps its axes, ticks and renderer)."""

from __future__ import annotations

import numpy as np

from protv2g.report.derived import pair_table
from protv2g.report.pictures import DPI
from protv2g.report.tcc_figure import path_figure
from protv2g.report.tcc_legend import RowLegend
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


def test_kept_background_and_texts_are_used(depot_result):
    """#21: the reused Figure's canvas keeps backgrounds and texts (the pixel equality of
    the test above is then that of pasted pixels, not of full draws)."""
    plan = plan_tcc(depot_result)
    queue = _Jobs()
    submit_tccs(queue, depot_result, plan, pair_table(depot_result))
    draw, args, kwargs = next(iter(queue.jobs.values()))
    fig = draw(*args, **kwargs)
    _rgb(fig)
    fig = draw(*args, **kwargs)
    _rgb(fig)
    assert fig.canvas._backgrounds
    legend = next(a for a in fig.axes[0].artists if isinstance(a, RowLegend))
    assert len(fig.canvas.get_renderer()._texts) >= len(legend.texts)


def test_a_text_is_pasted_only_over_the_pixels_it_was_drawn_on(monkeypatch) -> None:
    """A kept text is pasted where the region under it holds the pixels it was drawn on;
    over other pixels it is drawn again, and either way the pixels are a full draw's."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
    from matplotlib.figure import Figure

    from protv2g.report.tcc_figure import _BackgroundCanvas

    drawn = []
    full = RendererAgg.draw_text

    def counted(self, *args, **kwargs):
        drawn.append(args[3])
        return full(self, *args, **kwargs)

    monkeypatch.setattr(RendererAgg, "draw_text", counted)

    def figure(canvas, face):
        fig = Figure(figsize=(3.0, 1.0), facecolor=face)
        canvas(fig)
        fig.text(0.1, 0.4, "kept text, 1.8 × fast", fontsize=9, color="tab:blue")
        return fig

    cached = figure(_BackgroundCanvas, "white")
    first = _rgb(cached)
    drawn.clear()
    np.testing.assert_array_equal(_rgb(cached), first)
    assert drawn == []  # pasted
    cached.set_facecolor("0.9")
    np.testing.assert_array_equal(_rgb(cached), _rgb(figure(FigureCanvasAgg, "0.9")))
    assert drawn.count("kept text, 1.8 × fast") == 2  # drawn again, and on the plain canvas
    np.testing.assert_array_equal(first, _rgb(figure(FigureCanvasAgg, "white")))


def test_a_legend_without_title_reserves_no_line_for_it() -> None:
    """Session 24: with nothing dotted (``dotted_title`` is ""), the frame held an empty title
    line above the rows; now the rows start at the top of the frame."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    heights = {}
    for title in ("", "dotted: I²t asymptote"):
        fig = Figure(figsize=(6, 4), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        legend = RowLegend([(Line2D([], [], color="k"), "R-F1 phase")], title)
        ax.add_artist(legend)
        fig.canvas.draw()
        heights[title] = legend._frame.get_height()
    empty, titled = heights[""], heights["dotted: I²t asymptote"]
    assert 0.0 < empty < titled
    # the difference is one title line: about the title's font size (7 pt) and a gap in pixels
    assert titled - empty > 7.0 * DPI / 72.0


def test_a_fault_below_pickup_is_a_dotted_line_and_the_legend_lists_only_what_is_drawn():
    """Review s25 §7: the legend always listed four marker kinds; a minimum fault below the
    device's pickup (no operating time) had no marker, so "min fault in the device's zone"
    stood in the legend with nothing on the plot. Now such a fault is a dotted vertical at
    its current, with its own legend entry, and only the kinds drawn are listed."""
    from protv2g.devices.models import build_device
    from protv2g.report.tcc_legend import RowLegend

    relay = build_device("relay", {"name": "R", "pickup_a": 400.0, "curve": "IEEE-VI",
                                   "time_dial": 1.0})
    extremes = {("R", "phase"): {"max_base": 4000.0, "max_v2g": 4200.0, "min_base": 300.0}}
    fig = path_figure([relay], "phase", extremes)
    ax = fig.axes[0]
    legend = next(a for a in ax.artists if isinstance(a, RowLegend))
    text = " | ".join(label.get_text() for _, label in legend._rows)
    assert "fault below the device's pickup (it does not operate)" in text
    assert "max fault in the device's zone (its close-in fault included), base" in text
    assert "max fault, with V2G" in text
    assert "min fault in the device's zone, base" not in text
    assert "min fault, with V2G" not in text
    verticals = [ln for ln in ax.get_lines() if ln.get_label() == "_below_pickup"
                 and np.allclose(ln.get_xdata(), 300.0)]
    assert len(verticals) == 1


def test_a_vertical_without_the_data_limit_update_draws_axvline_s_pixels() -> None:
    """#21: the TCC's below-pickup verticals skip axvline's update of the data limits (both
    limits are set by the figure), not its line: the same pixels on log-log axes."""
    from matplotlib.figure import Figure

    from protv2g.report.tcc_figure import _vline

    pixels = []
    for add in (lambda ax, x, **kw: ax.axvline(x, **kw), _vline):
        fig = Figure(figsize=(4.0, 3.0))
        ax = fig.add_subplot()
        ax.plot([20.0, 5000.0], [100.0, 0.05])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(0.01, 1000.0)
        for x, color in ((300.0, "C1"), (300.0, "C1"), (1234.5, "k")):
            add(ax, x, ls=":", lw=1.2, color=color)
        ax.set_xlim(10.0, 10_000.0)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
        pixels.append(_rgb(fig))
        assert [ln.get_label().startswith("_") for ln in ax.get_lines()] == [True] * 4
    np.testing.assert_array_equal(pixels[0], pixels[1])


def test_a_legend_title_is_pasted_over_a_different_first_row(monkeypatch) -> None:
    """#21, 2026-12-05: the title's compared region (its glyph box and 0.2 em + 2 px) took in
    the first row's ascenders, so the title was drawn again in 108 of the 10,000-bus study's
    112 TCCs, whose first rows differ; with 2 px around the box it is pasted, and the pixels
    are still a full draw's."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from protv2g.report.tcc_figure import _BackgroundCanvas

    drawn = []
    full = RendererAgg.draw_text

    def counted(self, *args, **kwargs):
        drawn.append(args[3])
        return full(self, *args, **kwargs)

    monkeypatch.setattr(RendererAgg, "draw_text", counted)
    title = "dotted: long-time asymptote"
    rows = ("FU-L94-3091 65K total clear (Ifault 2,000 A)", "RC-1 P fast 101 ×1.25 (280 A)")

    def figure(canvas, first):
        fig = Figure(figsize=(6.0, 3.0))
        canvas(fig)
        ax = fig.add_subplot()
        fig.subplots_adjust(right=0.5)
        ax.add_artist(RowLegend([(Line2D([], [], color="C0"), first),
                                 (Line2D([], [], color="C1"), "R-HEAD 51P IEEE-VI")], title,
                                anchor=(1.02, 1.0)))
        return fig

    reused = figure(_BackgroundCanvas, rows[0])
    _rgb(reused)
    legend = reused.axes[0].artists[0]
    legend._rows[0][1].set_text(rows[1])  # the next picture's first row, the same title
    drawn.clear()
    got = _rgb(reused)
    assert title not in drawn and rows[1] in drawn
    np.testing.assert_array_equal(got, _rgb(figure(FigureCanvasAgg, rows[1])))


def _inside(fig, legend) -> list[str]:
    """What of ``legend`` (its frame, each of its texts) lies outside the Figure after a draw,
    by matplotlib's ``get_window_extent``."""
    fig.set_dpi(DPI)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    box = fig.bbox
    out = []
    frame = legend.get_window_extent(r)
    if not (frame.width > 0 and frame.height > 0):
        out.append(f"frame has no extent: {frame}")
    for name, e in [("frame", frame), *((t.get_text(), t.get_window_extent(r))
                                        for t in legend.texts)]:
        if e.x0 < box.x0 - 0.5 or e.x1 > box.x1 + 0.5 or e.y0 < box.y0 - 0.5 \
                or e.y1 > box.y1 + 0.5:
            out.append(f"{name!r}: {e.bounds} outside {box.bounds}")
    return out


#: The longest device names of the shipped examples (depot_two_feeder's FU-F1-LAT2, 10
#: characters) and of IEEE 8500 as ``protv2g init`` drafts it with the depot (ver36:
#: head-hvmv_sub_connector, 23; ln81048102-4, 12).
_LONG = ("head-hvmv_sub_connector", "F-DEPOT", "ln81048102-4", "FU-F1-LAT2")


def test_a_legend_with_the_longest_names_fits_the_picture() -> None:
    """ver36 (IEEE 8500, the head-hvmv_sub_connector > F-DEPOT ground TCC): the legend ran
    past the picture's right edge, its interval line cut at "idle −19.35 s, V2G −49." — the
    figure the reader needs half off the image. The frame and every text of the legend now
    lie inside the Figure (a long label wraps onto a continuation line)."""
    from protv2g.devices.models import build_device

    head = build_device("relay", {"name": _LONG[0], "pickup_a": 400.0, "curve": "IEEE-MI",
                                  "time_dial": 1.0, "ground_pickup_a": 120.0,
                                  "ground_curve": "IEEE-MI", "ground_time_dial": 0.5})
    fuse = build_device("fuse", {"name": _LONG[1], "link": "100K"})
    ext = {(_LONG[0], "ground"): {"max_base": 8700.0, "max_v2g": 8500.0, "min_base": 200.0,
                                  "min_v2g": 160.0},
           (_LONG[1], "ground"): {"max_base": 7568.0, "min_base": 340.0}}
    text = f"C1 {_LONG[1]}→{_LONG[0]}: idle −19.35 s, V2G −49.32 s (need ≥ 0.30 s)"
    fig = path_figure([head, fuse], "ground", ext, annotations=[(340.0, 1.43, 20.78, text)],
                      title=f"{_LONG[0]} > {_LONG[1]}: ground elements")
    legend = next(a for a in fig.axes[0].artists if isinstance(a, RowLegend))
    assert _inside(fig, legend) == []
    # nothing of the label is lost: its lines joined are the label
    interval = legend._rows[-1][1]
    more = [t.get_text() for t in legend.texts if t is not legend._title
            and all(t is not x for _, x in legend._rows)]
    assert len(more) == 1  # one continuation line
    assert " ".join([interval.get_text(), *more]) == f"interval {text}"


def test_a_crowded_legend_with_long_names_fits_the_picture() -> None:
    """Many long interval lines on one path (every pair of a long path, IEEE 8500's names,
    the no-base-case wording): the rows wrap and, where they would run below the picture,
    shrink; the frame and every text stay inside the Figure, on the reused Figure too."""
    from protv2g.devices.models import build_device

    relay = build_device("relay", {"name": _LONG[0], "pickup_a": 400.0, "curve": "IEEE-VI",
                                   "time_dial": 2.0})
    fuses = [build_device("fuse", {"name": n, "link": link})
             for n, link in zip(_LONG[1:], ("100K", "40K", "25K"), strict=True)]
    ext = {(m.name, "phase"): {"max_base": 5000.0, "max_v2g": 5200.0, "min_base": 600.0,
                               "min_v2g": 650.0} for m in (relay, *fuses)}
    notes = [(700.0 + 50 * k, 0.05, 2.0,
              f"C{1 + k % 4} {_LONG[1 + k % 3]}→{_LONG[0]}: V2G −{k + 1}.25 s (no base "
              f"case), V2G −{k + 40}.32 s (need ≥ 0.30 s)") for k in range(24)]
    for reuse in (False, True):
        fig = path_figure([relay, *fuses], "phase", ext, annotations=notes, reuse=reuse,
                          title=f"{_LONG[0]} > {_LONG[3]}: phase elements")
        legend = next(a for a in fig.axes[0].artists if isinstance(a, RowLegend))
        assert _inside(fig, legend) == []
