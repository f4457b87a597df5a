"""A TCC of one protection path and element family as a matplotlib Figure (the drawing of
:mod:`protv2g.report.tcc_sheets`, which says what each plot shows).

:func:`path_figure` draws a TCC on a new Figure, or, with ``reuse=True``, on the one Figure this
thread keeps for the workbook's TCCs: its log–log axes, tick artists, Agg renderer and the
renderer's text-metrics cache are made once, and each picture only removes the previous
picture's curves, markers, texts and legend (:func:`_reused_axes`). The pixels are the same as
on a new Figure (``tests/test_tcc_figure.py`` compares them); on the depot's 8 TCCs it drew
each in ≈ 30 % fewer CPU seconds (2026-12-01, ``benchmarks/bench_workbook.py``): a new
Figure's axes make their tick artists and the first draw measures every text again.
The reused Figure's canvas (:mod:`protv2g.report.tcc_canvas`) also keeps each background it
drew (axes, grid, ticks, labels: one per axis limits and labels, ``_BackgroundCanvas``) and
the pixels of the texts it drew (``_TextCachingRenderer``: a legend repeats most of its lines
from one picture to the next), and pastes them where they would be drawn on the same pixels
again; still the same pixels (250-bus study, 42 TCCs, 2026-12-02: 212 → 101 ms CPU a
picture, PNGs identical).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from matplotlib.axis import GRIDLINE_INTERPOLATION_STEPS
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from protv2g.devices.models import Device, Fuse, Recloser
from protv2g.devices.tcc import dotted_title, family_traces, plot_tcc
from protv2g.report.plot_marks import add_line
from protv2g.report.tcc_badges import V2G_ARROW_COLOUR, draw_intervals
from protv2g.report.tcc_canvas import _BackgroundCanvas
from protv2g.report.tcc_grid import _grid_collections, _minor_grid
from protv2g.report.tcc_intervals import Interval
from protv2g.report.tcc_legend import Badge, RowLegend

__all__ = ["path_figure"]

_FIGSIZE_IN = (11.0, 6.2)
#: The TCC Figure each thread reuses (:func:`_reused_axes`), made on its first use: one per
#: thread, so two threads writing workbooks never draw on the same Figure.
_REUSED = threading.local()


def _new_figure(canvas: type[FigureCanvasAgg] = FigureCanvasAgg) -> Figure:
    fig = Figure(figsize=_FIGSIZE_IN)
    canvas(fig)
    fig.subplots_adjust(left=0.065, right=0.60, bottom=0.09, top=0.93)
    fig.add_subplot()
    return fig


def _reused_axes() -> Any:
    """The axes of this process's reused TCC Figure, emptied of the previous picture.

    Removed: every line, collection, patch, text and annotation, the legend; reset: the
    colour cycle (so the first curve is again ``C0``). Kept: the log scales, locators,
    formatters, grid, limits and labels, which :func:`path_figure` sets again for each
    picture; a kept tick artist is updated to the new limits at the next draw.
    """
    fig = getattr(_REUSED, "figure", None)
    if fig is None:
        _REUSED.figure = _new_figure(_BackgroundCanvas)
        return _REUSED.figure.axes[0]
    ax = fig.axes[0]
    grid = {id(c) for c in _grid_collections(ax)}  # kept or replaced by _minor_grid
    for artist in (*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.artists,
                   *ax.images):
        if id(artist) not in grid:
            artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.set_prop_cycle(None)
    return ax


def _time(model: Device, family: str, i_a: float) -> float:
    """Time on the drawn curve of ``model`` at ``i_a`` (first operation of the family)."""
    x = np.array([i_a])
    if isinstance(model, Fuse):
        return float(model.total_clear_time_s(x)[0])
    if isinstance(model, Recloser):
        g = family == "ground"
        if model.settings.n_fast:
            t = model.ground_fast_time_s(x) if g else model.fast_time_s(x)
        else:
            t = model.ground_delayed_time_s(x) if g else model.delayed_time_s(x)
        return float(t[0])
    return float((model.ground_time_s(x) if family == "ground" else model.phase_time_s(x))[0])


def path_figure(models: list[Device], family: str, extremes: dict[tuple[str, str],
                dict[str, float]], *, k_fast: dict[str, float] | None = None,
                mm_ratio: float | None = None,
                annotations: list[Interval | tuple[float, float, float, str]] = (),
                title: str = "", reuse: bool = False) -> Figure:
    """The TCC of one path and element family (:mod:`protv2g.report.tcc_sheets`).

    ``k_fast`` maps a recloser's name to the fuse-saving K its C2 check used (its fast curve
    × K is drawn when a fuse is below it); ``mm_ratio`` is the fuse–fuse ratio of C3.
    ``annotations``: the intervals (:func:`protv2g.report.tcc_intervals.intervals`); an
    information-only one (``info``) is drawn as a dashed arrow with its number in a square,
    and the legend says so (review rev39b M7). Each device's curves run to its largest fault
    (``extremes``' ``max_*``) or the largest current an interval of its pairs is drawn at,
    whichever is larger (review rev39b M2: arrows sat where no curve was drawn).
    A marker whose time is 0 s (an instantaneous element without delay) or below the time
    axis' floor is drawn on the floor, where :func:`~protv2g.devices.tcc.plot_tcc` draws
    such a curve; only a fault with no operating time (NaN/inf) is a dotted vertical, "below
    the device's pickup" (review rev39b W1: the depot's R-F1 50P at 8,672 A, 0 s, was
    drawn as not operating).
    ``reuse``: draw on this process's reused Figure (module docstring; the same pixels): the
    Figure returned is then redrawn by the next such call, so render it before (as
    :func:`protv2g.report.pictures.draw_png` does).
    """
    notes = [a if isinstance(a, Interval) else Interval(*a) for a in annotations]
    traces, owners = [], []
    names = [m.name for m in models]
    for j, m in enumerate(models):
        i_max = max(extremes.get((m.name, family), {}).get("max_base", 0.0),
                    extremes.get((m.name, family), {}).get("max_v2g", 0.0),
                    *(n.i_a for n in notes if m.name in (n.primary, n.backup))) or None
        below = names[j + 1:]
        fuse_below = any(isinstance(x, Fuse) for x in models[j + 1:])
        backs_fuse = isinstance(m, Fuse) and bool(below)
        tr = family_traces(m, family, i_max,
                           k_fast=(k_fast or {}).get(m.name) if isinstance(m, Recloser)
                           and fuse_below else None,
                           mm_ratio=mm_ratio if backs_fuse else None)
        traces += tr
        owners += [m.name] * len(tr)
    if not traces:
        fig = _new_figure()
        fig.axes[0].text(0.5, 0.5, f"no {family} elements on this path", ha="center",
                         transform=fig.axes[0].transAxes)
        return fig
    ax = _reused_axes() if reuse else _new_figure().axes[0]
    fig = ax.figure
    plot_tcc(traces, ax=ax, legend=False)
    colors = {}
    for line, owner in zip([ln for ln in ax.get_lines() if not str(ln.get_label()
                                                                   ).startswith("_")],
                           owners, strict=False):
        colors.setdefault(owner, line.get_color())
    xs = [t.i_a[np.isfinite(t.t_s)] for t in traces]
    lo = min((x.min() for x in xs if x.size), default=10.0)
    hi = max((x.max() for x in xs if x.size), default=1e4)
    drawn: set[tuple[str, str]] = set()  # marker kinds on the plot: the legend lists these
    floor_s = ax.get_ylim()[0]  # where plot_tcc draws a time of 0 s (an instantaneous element)
    for m in models:
        ext = extremes.get((m.name, family), {})
        for key, marker in (("max", "^"), ("min", "v")):
            for who, face in (("base", "none"), ("v2g", None)):
                i_a = ext.get(f"{key}_{who}")
                if i_a is None:
                    continue
                t = _time(m, family, i_a)
                c = colors.get(m.name, "k")
                if not np.isfinite(t):
                    # below its pickup: a dotted vertical at its current (review s25 §7:
                    # the legend listed min-fault markers the plot did not have); a time of
                    # 0 s is an instantaneous element operating (rev39b W1), drawn below
                    if i_a > 0:
                        _vline(ax, i_a, ls=BELOW_PICKUP_LS, lw=1.2, color=c)
                        drawn.add(("below", "any"))
                        hi, lo = max(hi, i_a), min(lo, i_a)
                    continue
                on_floor = t <= floor_s
                # on the floor: not clipped, or half the marker would be cut by the axes' edge
                # not ax.plot: the limits are set below (plot_marks; the same pixels)
                add_line(ax, i_a, max(t, floor_s), marker=marker, ms=8, ls="",
                         mfc=c if face is None else "none", mec=c, mew=1.5,
                         clip_on=not on_floor, label="_marker")
                drawn.add((key, who))
                if on_floor:
                    drawn.add(("floor", "any"))
                hi, lo = max(hi, i_a), min(lo, i_a)
    # each interval arrow carries its number; its text is a legend entry (beside the plot,
    # one line each): texts drawn at the arrows ran over one another, the curves and the
    # axes' edge where several pairs share a fault current (the depot's ground TCCs)
    # an end below the time axis' floor (a time ≤ 0 s, or under it) is drawn at the floor and
    # the interval's legend text says so: the arrow (not clipped by matplotlib) ran below the
    # axes through the tick labels to the figure's edge (review rev40b F, IEEE 37 F-736)
    top_s = ax.get_ylim()[1]
    clipped, ends, colours = [], [], []
    for n in notes:
        t0, t1 = (float(np.clip(t, floor_s, top_s)) if np.isfinite(t) and t > 0 else floor_s
                  for t in (n.t_primary_s, n.t_backup_s))
        clipped.append((t0, t1) != (n.t_primary_s, n.t_backup_s))
        # each end at the current its device sees (review rev42a M1: with V2G the fuse's
        # phase current and the 51G's 3I0 differ by the chargers' current); a V2G row's own
        # arrow (it fails where the reference does not) in red
        i_b = n.i_backup_a if np.isfinite(n.i_backup_a) else n.i_a
        ends.append(((n.i_a, t0), (i_b, t1)))
        colours.append(V2G_ARROW_COLOUR if n.case == "v2g" else "0.55" if n.info else "0.25")
        hi, lo = max(hi, i_b), min(lo, i_b)
    ax.set_xlim(10.0 ** np.floor(np.log10(lo)), 10.0 ** np.ceil(np.log10(hi)))
    # drawn once the limits are set: each number placed clear of the others (rev43a M3)
    draw_intervals(ax, notes, ends, colours)
    _minor_grid(ax)
    handles, labels = ax.get_legend_handles_labels()
    kinds = [(k, Line2D([], [], marker=mk, ls="", mfc=fc, mec="k", ms=7), name)
             for k, mk, fc, name in (
                 (("max", "base"), "^", "none",
                  "max fault in the device's zone (its close-in fault included), base"),
                 (("max", "v2g"), "^", "k", "max fault, with V2G"),
                 (("min", "base"), "v", "none", "min fault in the device's zone, base"),
                 (("min", "v2g"), "v", "k", "min fault, with V2G"))]
    kinds.append((("below", "any"), Line2D([], [], ls=BELOW_PICKUP_LS, lw=1.2, color="k"),
                  "fault below the device's pickup (it does not operate), vertical in "
                  "the device's colour"))
    kinds.append((("floor", "any"), Line2D([], [], ls="", lw=0.0),
                  f"▲▼ on the time axis' floor: operates in {floor_s:g} s or less (an "
                  "instantaneous element without delay: 0 s)"))
    if any(n.info for n in notes):
        drawn.add(("info", "any"))
    kinds.append((("info", "any"), Line2D([], [], ls="--", lw=1.0, color="0.55"),
                  "dashed arrow, number in a square: information only, not judged (e.g. "
                  "C2 above the recloser–fuse crossover: fuse saving impossible by design)"))
    proxies = [h for k, h, _ in kinds if k in drawn]
    names_ = [n for k, _, n in kinds if k in drawn]
    numbers = [Badge(str(k), n.info) for k, n in enumerate(notes, start=1)]
    by_name = {m.name: m for m in models}
    names_ += [f"interval {n.text}" + (" — information only" if n.info else "")
               + (" (red arrow)" if n.case == "v2g" else "")
               + _off_curve(n, by_name, family)
               + (f"; arrow cut at the time axis ({floor_s:g}–{top_s:g} s)" if cut else "")
               for n, cut in zip(notes, clipped, strict=True)]
    # the legend by rows, not matplotlib's offset boxes (:mod:`protv2g.report.tcc_legend`)
    ax.add_artist(RowLegend(list(zip([*handles, *proxies, *numbers], [*labels, *names_],
                                     strict=True)), dotted_title(traces),
                            anchor=(1.02, 1.0), fontsize=7.5, title_fontsize=7.0,
                            framealpha=0.95))
    # at y = 1 (the axes' top), where matplotlib places it above these axes, which have no
    # ticks or label on top; given, it is not placed again at each draw by measuring the
    # axes' tick labels (#21: ≈ 3 % of a TCC's CPU; the same pixels)
    ax.set_title(title, fontsize=11, y=1.0)
    ax.set_xlabel(f"Current (A, primary{'; ground elements: 3I0' if family == 'ground' else ''})")
    return fig


#: Relative difference between an arrow end's time and its device's drawn curve at that
#: current above which the legend gives both (:func:`_off_curve`).
_OFF_CURVE_REL = 0.05


def _off_curve(n: Interval, models: dict[str, Device], family: str) -> str:
    """For a V2G row's arrow, each end whose time is off its device's drawn curve at that
    current (more than :data:`_OFF_CURVE_REL`): the checks time a device through the chargers'
    stages (``docs/charger-fault-model.md`` §3: the first-cycle current the row names, then
    the sustained and ceased stages), the curve is the time at the first-cycle current held
    (ckt5 F01: the 100K fuse 64.3 s through the stages, 140 s on its curve at 253 A)."""
    if n.case != "v2g":
        return ""
    out = []
    for name, i_a, t_s in ((n.primary, n.i_a, n.t_primary_s),
                           (n.backup, n.i_backup_a if np.isfinite(n.i_backup_a) else n.i_a,
                            n.t_backup_s)):
        m = models.get(name)
        # the curve the row's element names (rev43a M3: R-816's delayed 1.26 s was set
        # against its fast curve's 0.158 s; its delayed curve 117 gives 1.17 s), else the
        # drawn curve nearest the row's time
        own = [e[len(name) + 1:] for e in n.elements.split(", ") if e.startswith(f"{name} ")]
        curves = [(abs(np.log(t / t_s)), what, t) for what, t in _curve_times(m, family, i_a)
                  if np.isfinite(t) and t > 0] if m is not None and t_s > 0 else []
        named = [c for c in curves if own and c[1] and _NAMES[c[1]] in own[0].split()]
        curves = named or curves
        if curves:
            _, what, t_curve = min(curves)
            if abs(t_s / t_curve - 1) > _OFF_CURVE_REL:
                out.append(f"{name}'s {t_s:.3g} s is through the chargers' stages (its "
                           f"{what}curve at {i_a:,.0f} A: {t_curve:.3g} s)")
    return f"; {'; '.join(out)}" if out else ""


#: The per-pair table's word for each curve of :func:`_curve_times` (``elements_*``: "fuse
#: TC", "fuse MM", "fast G (3I0)", "delayed P").
_NAMES = {"total clear ": "TC", "min melt ": "MM", "fast ": "fast", "delayed ": "delayed"}


def _curve_times(model: Device, family: str, i_a: float) -> list[tuple[str, float]]:
    """(curve's name and a space, or "", time s) of each of ``model``'s drawn curves of the
    family at ``i_a``: a fuse's total clear and minimum melt, a recloser's fast (where it
    has fast shots) and delayed curves, a relay's element."""
    x = np.array([i_a])
    if isinstance(model, Fuse):
        return [("total clear ", float(model.total_clear_time_s(x)[0])),
                ("min melt ", float(model.min_melt_time_s(x)[0]))]
    if isinstance(model, Recloser):
        g = family == "ground"
        fast = (model.ground_fast_time_s(x) if g else model.fast_time_s(x))[0]
        delayed = (model.ground_delayed_time_s(x) if g else model.delayed_time_s(x))[0]
        return ([("fast ", float(fast))] if model.settings.n_fast else []) + [
            ("delayed ", float(delayed))]
    return [("", _time(model, family, i_a))]


#: Dash pattern of a fault below a device's pickup (a vertical, :func:`_vline`): long dash,
#: dot, distinct from the dotted 75 %-of-min-melt and I²t asymptote curves drawn in the same
#: colour (review rev40a, J1 ground TCC: FU-LAT2PH's "min fault below melt" and its "75 % of
#: min melt" were both green dotted, the legend a black dotted line).
BELOW_PICKUP_LS = (0, (7.0, 2.5, 1.5, 2.5))


def _vline(ax: Any, x: float, **style: Any) -> Line2D:
    """``ax.axvline(x, **style)``, a line from the axes' bottom to their top at current ``x``,
    without axvline's update of the axes' data limits: :func:`path_figure` sets both limits
    itself, and the update (a log-scaled blended transform composed with the inverse of the
    data transform, for each line) was most of the ≈ 0.4 ms of each of the 1,164 verticals of
    the 10,000-bus study's TCCs (#21, 2026-12-05). The line, its interpolation steps and its
    place in the draw order are axvline's: the same pixels (``tests/test_tcc_figure.py``)."""
    line = Line2D([x, x], [0.0, 1.0], transform=ax.get_xaxis_transform(which="grid"),
                  label="_below_pickup", **style)
    ax.add_artist(line)
    line.get_path()._interpolation_steps = GRIDLINE_INTERPOLATION_STEPS
    return line


