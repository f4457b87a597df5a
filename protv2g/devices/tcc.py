"""Time–current characteristic (TCC) plots on log–log axes.

Uses matplotlib's object API with the Agg canvas (no pyplot, no display needed), so
the report module can draw into its own Axes or write PNG files.

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
from dataclasses import dataclass, field
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
from numpy.typing import ArrayLike, NDArray

from protv2g.devices.curves import DataBoundary, trip_time_s
from protv2g.devices.library import Curve, CurveLibrary, default_library
from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser, curve_boundary
from protv2g.devices.tcc_labels import dotted_title, melting_ranges_label
from protv2g.units import DeviceKind

__all__ = ["TccTrace", "curve_traces", "device_traces", "dotted_title", "family_traces",
           "melting_ranges_label",
           "operated_element",
           "plot_tcc",
           "current_grid_a"]


@dataclass(frozen=True)
class TccTrace:
    """One curve to draw: currents (A), times (s), legend label and line style."""

    label: str
    i_a: NDArray[np.float64]
    t_s: NDArray[np.float64]
    style: dict[str, Any] = field(default_factory=dict)
    #: Draw in the colour of the previous trace (e.g. a fuse's MM and TC pair).
    same_color_as_previous: bool = False
    #: :class:`DataBoundary` value per point; stretches outside the data (asymptotes,
    #: held table ends, sparse interpolation) are drawn dotted.
    boundary: NDArray[np.str_] | None = None


def current_grid_a(i_min_a: float, i_max_a: float, n: int = 400) -> NDArray[np.float64]:
    """Log-spaced currents (A) from ``i_min_a`` to ``i_max_a``."""
    return np.geomspace(i_min_a, i_max_a, n)


def _grid(base_a: float, i_a: ArrayLike | None, m_max: float = 100.0) -> NDArray[np.float64]:
    # Start just above pickup so that the asymptote shows; end at m_max × base.
    return current_grid_a(base_a * 1.02, base_a * m_max) if i_a is None else np.asarray(i_a, float)


def curve_traces(curve: Curve | str, pickup_a: float = 1.0, time_dial: float = 1.0,
                 i_a: ArrayLike | None = None,
                 library: CurveLibrary | None = None) -> list[TccTrace]:
    """Traces of one library curve (fuse: MM dashed and TC solid, rating as base).

    Parameters
    ----------
    curve : Curve or str
        Curve or name.
    pickup_a : float
        Pickup / minimum trip (A) for relay and recloser curves (ignored for fuses).
    time_dial : float
        Time dial (–) (ignored for fuses).
    i_a : array_like, optional
        Currents (A) to evaluate; default 1.02–100 × pickup (fuse: rating).
    """
    lib = library or default_library()
    c = lib.get(curve) if isinstance(curve, str) else curve
    if c.kind is DeviceKind.FUSE:
        return device_traces(Fuse(name=c.name, link=c.name, library=lib), i_a)
    grid = _grid(pickup_a, i_a)
    t = trip_time_s(grid, pickup_a, c, time_dial)
    label = f"{c.name} (pickup {pickup_a:g} A, TD {time_dial:g})"
    if c.kind is DeviceKind.RECLOSER:
        if c.clearing_adder_s is not None:
            t = t + c.clearing_adder_s
            label = (f"{c.name} clearing (min trip {pickup_a:g} A, "
                     f"+{c.clearing_adder_s:g} s mechanism)")
        else:
            label = f"{c.name} trip time (min trip {pickup_a:g} A; interrupting time not stated)"
    return [TccTrace(label, grid, t, boundary=curve_boundary(c, grid / pickup_a))]


def device_traces(device: OvercurrentRelay | Recloser | Fuse,
                  i_a: ArrayLike | None = None) -> list[TccTrace]:
    """Traces of a device: relay phase (and ground) curve, recloser fast and delayed
    curves, fuse minimum-melt (dashed) and total-clearing (solid)."""
    if isinstance(device, Fuse):
        c = device.curve
        lo = 0.97 * min(c.mm_asymptote_m or c.mm_m_points[0], c.mm_m_points[0])
        hi = max(c.m_points[-1], c.mm_m_points[-1]) * 4.0
        grid = (current_grid_a(device.rating_a * lo, device.rating_a * hi, 600)
                if i_a is None else np.asarray(i_a, float))
        name = f"{device.name} {device.curve.name}" if device.name != device.curve.name \
            else device.curve.name
        out = [
            TccTrace(f"{name} min melt", grid, device.min_melt_time_s(grid), {"ls": "--"},
                     boundary=device.boundary(grid, "mm")),
            TccTrace(f"{name} total clear", grid, device.total_clear_time_s(grid), {"ls": "-"},
                     same_color_as_previous=True, boundary=device.boundary(grid, "tc")),
        ]
        if c.melting_ranges:
            xs, ys = [], []
            for t_s, i_lo, i_hi in c.melting_ranges:
                xs += [i_lo, i_hi, np.nan]
                ys += [t_s, t_s, np.nan]
            out.append(TccTrace(f"{name} {melting_ranges_label(c)}", np.array(xs),
                                np.array(ys), {"lw": 5, "alpha": 0.35, "solid_capstyle": "butt"},
                                same_color_as_previous=True))
        return out
    if isinstance(device, Recloser):
        s = device.settings
        grid = _grid(s.phase_min_trip_a, i_a)
        out = [TccTrace(f"{device.name} fast {device.fast_curve.name} "
                        f"({s.phase_min_trip_a:g} A)", grid, device.fast_time_s(grid),
                        {"ls": "--"}, boundary=device.boundary(grid, "fast")),
               TccTrace(f"{device.name} delayed {device.delayed_curve.name} "
                        f"({s.phase_min_trip_a:g} A)", grid, device.delayed_time_s(grid),
                        same_color_as_previous=True, boundary=device.boundary(grid, "delayed"))]
        return out
    if isinstance(device, OvercurrentRelay):
        s = device.settings
        grid = _grid(s.pickup_a, i_a)
        out = [TccTrace(f"{device.name} 50/51P {device.curve.name} ({s.pickup_a:g} A, "
                        f"TD {s.time_dial:g})", grid, device.phase_time_s(grid))]
        if s.ground_pickup_a is not None:
            g = _grid(s.ground_pickup_a, i_a)
            out.append(TccTrace(f"{device.name} 50/51G ({s.ground_pickup_a:g} A)", g,
                                device.ground_time_s(g), {"ls": "-."}))  # not dotted
        return out
    raise TypeError(f"cannot draw a TCC for {type(device).__name__}")


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


def operated_element(device: OvercurrentRelay | Recloser | Fuse, i_phase_a: ArrayLike,
                     i_ground_a: ArrayLike) -> NDArray[np.str_]:
    """Which element of ``device`` operates first for phase currents and 3I0 (A).

    Relay: ``50P``/``51P``/``50G``/``51G`` (the fastest; an instantaneous element is named
    when its time equals the operate time); recloser: first shot ``fast P``/``fast G`` (or
    ``delayed …`` without fast shots); fuse: ``fuse``; ``""`` where nothing operates.

    Examples
    --------
    >>> from protv2g.devices.models import OvercurrentRelay
    >>> r = OvercurrentRelay(name="R", pickup_a=400.0, curve="IEEE-MI", time_dial=0.6,
    ...                      inst_pickup_a=4000.0, ground_pickup_a=120.0)
    >>> operated_element(r, [5000.0, 800.0, 300.0], [0.0, 0.0, 300.0]).tolist()
    ['50P', '51P', '51G']
    """
    ip = np.atleast_1d(np.asarray(i_phase_a, float))
    ig = np.atleast_1d(np.asarray(i_ground_a, float))
    out = np.full(ip.shape, "", dtype=object)
    if isinstance(device, Fuse):
        out[np.isfinite(device.total_clear_time_s(ip))] = "fuse"
        return out.astype(str)
    if isinstance(device, Recloser):
        fast = device.settings.n_fast > 0
        tp = device.fast_time_s(ip) if fast else device.delayed_time_s(ip)
        tg = device.ground_fast_time_s(ig) if fast else device.ground_delayed_time_s(ig)
        kind = "fast" if fast else "delayed"
        out[np.isfinite(tp)] = f"{kind} P"
        out[np.isfinite(tg) & (tg < tp)] = f"{kind} G"
        return out.astype(str)
    if isinstance(device, OvercurrentRelay):
        s = device.settings
        tp, tg = device.phase_time_s(ip), device.ground_time_s(ig)
        out[np.isfinite(tp)] = "51P"
        if s.inst_pickup_a is not None:
            out[np.isfinite(tp) & (ip >= s.inst_pickup_a)] = "50P"
        ground = np.isfinite(tg) & (tg < tp)
        g50 = ground & (s.ground_inst_pickup_a is not None) & (
            ig >= (s.ground_inst_pickup_a or np.inf))
        out[ground] = "51G"
        out[g50] = "50G"
        return out.astype(str)
    raise TypeError(f"no elements known for {type(device).__name__}")


def _clip(lo_a: float, i_max_a: float | None, m_max: float = 100.0) -> NDArray[np.float64]:
    hi = lo_a * m_max if i_max_a is None or not np.isfinite(i_max_a) else max(i_max_a,
                                                                             lo_a * 1.05)
    return current_grid_a(lo_a, hi, 300)


def _clearing(device: Recloser, fast: bool, curve: Curve, ground: bool) -> str:
    """What a recloser curve's drawn time is: its clearing time, the curve's time with the
    control's multiplier and added time and the mechanism time the curve data assume
    (:meth:`~protv2g.devices.recloser.Recloser.fast_time_s`; review rev39b M8: "RC-F1 P fast
    101" was drawn at 0.057 s where the 101 curve reads 0.015 s, + 0.042 s, unsaid)."""
    s = device.settings
    mult, add = device.modifiers(fast, ground)
    added = add + device.mechanism_s(curve)
    text = "clearing time = curve" + (f" × {mult:g}" if mult != 1.0 else "")
    text += f" + {added:g} s" if added else ""
    return text + (f", curve at least {s.min_response_s:g} s" if s.min_response_s else "")


def family_traces(device: OvercurrentRelay | Recloser | Fuse, family: str,
                  i_max_a: float | None = None, *, k_fast: float | None = None,
                  mm_ratio: float | None = None) -> list[TccTrace]:
    """Curves of one element family of a device, clipped at its maximum fault current.

    Parameters
    ----------
    device : OvercurrentRelay, Recloser or Fuse
    family : {"phase", "ground"}
        Phase elements (51P/50P, recloser phase curves) or ground elements (51G/50G on 3I0,
        recloser ground curves). Fuses have one characteristic, drawn in both families.
    i_max_a : float, optional
        Largest fault current the device sees (A): curves end there (IEEE C37.112 practice:
        a TCC is read only up to the available fault current). Default 100 × pickup.
    k_fast : float, optional
        Also draw the recloser's fast curve × K (the curve that must stay below a downstream
        fuse's minimum melt, C2; Cooper TD132010EN).
    mm_ratio : float, optional
        Also draw the fuse's minimum melt × ratio (the 75 % curve a protecting fuse's total
        clearing must stay below, C3).

    Returns
    -------
    list of TccTrace
        Labels carry the settings (pickup, curve, dial, instantaneous). Empty when the device
        has no element of that family.

    Raises
    ------
    ValueError
        For a family other than ``phase`` or ``ground``.
    """
    if family not in ("phase", "ground"):
        raise ValueError(f"family must be 'phase' or 'ground', not {family!r}")
    if isinstance(device, Fuse):
        c = device.curve
        lo = device.rating_a * 0.97 * min(c.mm_asymptote_m or c.mm_m_points[0],
                                           c.mm_m_points[0])
        grid = _clip(lo, i_max_a, 40.0)
        mm = device.min_melt_time_s(grid)
        out = [TccTrace(f"{device.name} {c.name} min melt", grid, mm, {"ls": "--"},
                        boundary=device.boundary(grid, "mm")),
               TccTrace(f"{device.name} {c.name} total clear", grid,
                        device.total_clear_time_s(grid), {"ls": "-"},
                        same_color_as_previous=True, boundary=device.boundary(grid, "tc"))]
        if mm_ratio is not None:
            out.append(TccTrace(f"{device.name} {mm_ratio:.0%} of min melt", grid,
                                mm_ratio * mm, {"ls": (0, (1, 1)), "lw": 1.2},
                                same_color_as_previous=True))
        return out
    if isinstance(device, Recloser):
        s = device.settings
        pickup = s.phase_min_trip_a if family == "phase" else s.ground_min_trip_a
        if pickup is None:
            return []
        grid = _clip(pickup * 1.02, i_max_a)
        g = family == "ground"
        fast = device.ground_fast_time_s(grid) if g else device.fast_time_s(grid)
        delayed = device.ground_delayed_time_s(grid) if g else device.delayed_time_s(grid)
        fc = (device.ground_fast_curve or device.fast_curve) if g else device.fast_curve
        dc = (device.ground_delayed_curve or device.delayed_curve) if g else \
            device.delayed_curve
        tag = "G" if g else "P"
        out = []
        if s.n_fast:
            out.append(TccTrace(f"{device.name} {tag} fast {fc.name} "
                                f"{_clearing(device, True, fc, g)} ({pickup:g} A, "
                                f"{s.n_fast} shot(s))", grid, fast, {"ls": "--"},
                                boundary=device.boundary(grid, "fast", ground=g)))
            if k_fast is not None:  # dash-dot: dotted means a data boundary (dotted_title)
                out.append(TccTrace(f"{device.name} {tag} {k_fast:g} × fast", grid,
                                    k_fast * fast, {"ls": "-.", "lw": 1.2},
                                    same_color_as_previous=True))
        if s.n_delayed:
            recloses = ", ".join(f"{x:g}" for x in s.reclose_intervals_s)
            label = (f"{device.name} {tag} delayed {dc.name} {_clearing(device, False, dc, g)}"
                     f" ({pickup:g} A, {s.n_delayed} shot(s); reclose {recloses} s)")
            out.append(TccTrace(label, grid, delayed, same_color_as_previous=bool(out),
                                boundary=device.boundary(grid, "delayed", ground=g)))
        return out
    if isinstance(device, OvercurrentRelay):
        s = device.settings
        if family == "phase":
            grid = _clip(s.pickup_a * 1.02, i_max_a)
            curve = "DT" if s.definite_time_s is not None else device.curve.name
            label = (f"{device.name} 51P {curve} {s.pickup_a:g} A TD {s.time_dial:g}"
                     if s.time_dial is not None else f"{device.name} 51P {curve} "
                     f"{s.pickup_a:g} A")
            if s.inst_pickup_a is not None:
                label += f"; 50P {s.inst_pickup_a:g} A"
            return [TccTrace(label, grid, device.phase_time_s(grid))]
        pickup = s.ground_pickup_a if s.ground_pickup_a is not None else s.ground_inst_pickup_a
        if pickup is None:
            return []
        grid = _clip(pickup * 1.02, i_max_a)
        label = f"{device.name} 51G"
        if s.ground_pickup_a is not None and device.ground_curve is not None:
            td = s.time_dial if s.ground_time_dial is None else s.ground_time_dial
            label += f" {device.ground_curve.name} {s.ground_pickup_a:g} A TD {td:g}"
        if s.ground_inst_pickup_a is not None:
            label += f"; 50G {s.ground_inst_pickup_a:g} A"
        return [TccTrace(label, grid, device.ground_time_s(grid), {"ls": "-."})]
    raise TypeError(f"cannot draw a TCC for {type(device).__name__}")
