"""Time–current characteristic (TCC) plots on log–log axes.

Uses matplotlib's object API with the Agg canvas (no pyplot, no display needed), so
the report module can draw into its own Axes or write PNG files. The curves drawn are
:class:`~protv2g.devices.tcc_traces.TccTrace` data from :mod:`protv2g.devices.tcc_traces`
(no matplotlib there), re-exported here with the functions that make them.

Examples
--------
>>> from protv2g.devices.models import Fuse, Recloser
>>> traces = device_traces(Fuse(name="F1", link="65K"))
>>> traces += device_traces(Recloser(name="RC", phase_min_trip_a=200.0,
...                                  fast_curve="A", delayed_curve="B"))
>>> fig = plot_tcc(traces, path=None, title="Recloser-fuse")
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import cbook
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from numpy.typing import NDArray

from protv2g.devices.curves import DataBoundary
from protv2g.devices.tcc_labels import dotted_title, melting_ranges_label
from protv2g.devices.tcc_traces import (
    TccTrace,
    current_grid_a,
    curve_traces,
    device_traces,
    family_traces,
    operated_element,
)

__all__ = ["TccTrace", "curve_traces", "device_traces", "dotted_title", "family_traces",
           "melting_ranges_label",
           "operated_element",
           "plot_tcc",
           "current_grid_a"]


def _plain(x: float, _pos: Any = None) -> str:
    """Tick label as a plain number: 0.01, 0.1, 1, 10, 1,000."""
    return f"{x:,.0f}" if x >= 1 else f"{x:g}"


def plot_tcc(traces: Sequence[TccTrace], ax: Axes | None = None,
             path: str | Path | None = None, *, title: str = "",
             t_range_s: tuple[float, float] = (0.01, 1000.0),
             i_range_a: tuple[float, float] | None = None,
             fault_currents_a: dict[str, float] | None = None,
             legend: bool = True) -> Figure:
    """Draw TCC traces on log–log axes (current in A, time in s).

    Parameters
    ----------
    traces : sequence of TccTrace
        Curves to draw; ``inf`` points (no operation) are left out.
    ax : matplotlib Axes, optional
        Axes to draw into; a new 7×6 in figure is made when ``None``.
    path : str or Path, optional
        Write a PNG (150 dpi) here.
    title : str
        Plot title.
    t_range_s, i_range_a : (float, float)
        Axis limits (s, A); currents default to the traces' range.
    fault_currents_a : dict, optional
        Vertical marker lines, label → current (A).
    legend : bool
        Add the legend (a caller that makes its own, e.g.
        :func:`protv2g.report.tcc_figure.path_figure`, saves building one it replaces).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if ax is None:
        fig = Figure(figsize=(7.0, 6.0), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    if i_range_a is None:
        xs = np.concatenate([np.asarray(tr.i_a, float)[np.isfinite(np.asarray(tr.t_s, float))]
                             for tr in traces]
                            + [np.asarray(list((fault_currents_a or {}).values()), float)])
        xs = xs[np.isfinite(xs) & (xs > 0)]
        if xs.size:
            i_range_a = (10.0 ** np.floor(np.log10(xs.min())), 10.0 ** np.ceil(np.log10(xs.max())))
    # both limits are set below: the lines need not update the data limits (_cycle_line)
    plot = ax.plot if i_range_a is None else partial(_cycle_line, ax)
    color = None
    for tr in traces:
        # Instantaneous elements (0 s) are drawn on the axis floor, so the curve drops
        # vertically at the 50 pickup instead of vanishing from the log axis. Positive
        # times below the floor are left to leave the plot through its bottom edge: a fuse's
        # I²t tail must not be drawn as a flat floor at the axis limit (#17).
        t_raw = np.asarray(tr.t_s, float)
        t = np.where(t_raw <= 0.0, t_range_s[0], t_raw)
        t = np.where(np.isfinite(t), t, np.nan)
        x = np.asarray(tr.i_a, float)
        style = dict(tr.style)
        if tr.same_color_as_previous and color is not None:
            style.setdefault("color", color)
        style.setdefault("lw", 1.8)
        if tr.boundary is None:
            (line,) = plot(x, t, label=tr.label, **style)
        else:
            data = np.isin(tr.boundary, (DataBoundary.INSIDE.value,))
            # widen each stretch by one point so that the two styles join
            near = data | np.r_[data[1:], False] | np.r_[False, data[:-1]]
            (line,) = plot(x, np.where(near, t, np.nan), label=tr.label, **style)
            tail = {**style, "ls": ":", "lw": 1.2, "color": line.get_color()}
            plot(x, np.where(~data, t, np.nan), **tail)
        color = line.get_color()
    for label, i in (fault_currents_a or {}).items():
        ax.axvline(i, color="0.3", lw=1.0, ls="-.", label=f"{label} ({i:,.0f} A)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(*t_range_s)
    if i_range_a is not None:
        ax.set_xlim(*i_range_a)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(base=10.0, numticks=20))
        axis.set_major_formatter(FuncFormatter(_plain))
        axis.set_minor_locator(LogLocator(base=10.0, subs=np.arange(2, 10), numticks=50))
        axis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", color="0.6", lw=0.8)
    ax.grid(True, which="minor", color="0.85", lw=0.5)
    ax.set_xlabel("Current (A, primary)")
    ax.set_ylabel("Time (s)")
    if title:
        ax.set_title(title)
    if legend and (traces or fault_currents_a):
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9,
                  title=dotted_title(traces) or None, title_fontsize=7)
    if path is not None:
        fig.savefig(Path(path), dpi=150)
    return fig


def _cycle_line(ax: Axes, x: NDArray[np.float64], y: NDArray[np.float64], **kwargs: Any
                ) -> list[Line2D]:
    """``ax.plot(x, y, **kwargs)`` for one line, without the plot's argument parsing, unit
    check and data-limit update, for axes whose limits are both set afterwards
    (:func:`plot_tcc`): the same Line2D (the keywords normalised as ``Axes.plot`` does, the
    missing properties of the axes' property cycle taken from it and the cycle advanced as
    ``Axes.plot`` advances it), added with the transform, clip and place in the draw order
    ``Axes.add_line`` gives it, hence the same pixels (#21, 2026-12-07: ``Axes.plot`` was
    ≈ a quarter of the 10,000-bus study's TCCs' building, 725 curves on 57 TCCs).
    Where matplotlib's private property cycle is not there (another matplotlib),
    ``Axes.plot`` itself."""
    cycle = getattr(getattr(ax, "_get_lines", None), "_prop_cycle", None)
    if not hasattr(cycle, "getdefaults"):
        return ax.plot(x, y, **kwargs)
    kw = cbook.normalize_kwargs(kwargs, Line2D)
    for key, value in cycle.getdefaults(kw).items():  # _process_plot_var_args._setdefaults
        if kw.get(key) is None:
            kw[key] = value
    line = Line2D(x, y, **kw)
    if not line.get_label():  # as Axes.add_line names a line without a label
        line.set_label(f"_child{len(ax._children)}")
    ax.add_artist(line)
    return [line]
