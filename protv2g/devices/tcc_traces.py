"""The curves of a time–current characteristic (TCC) as data: :class:`TccTrace` (currents,
times, label, style, data boundary per point) for a library curve (:func:`curve_traces`), a
device (:func:`device_traces`) or one element family of a device clipped at its largest fault
current (:func:`family_traces`), on log-spaced currents (:func:`current_grid_a`); and which
element of a device operates first (:func:`operated_element`).

No drawing here (no matplotlib): :func:`protv2g.devices.tcc.plot_tcc` draws the traces, and
:mod:`protv2g.devices.tcc` re-exports these names.

Examples
--------
>>> from protv2g.devices.models import Fuse
>>> [t.label for t in device_traces(Fuse(name="F1", link="65K"))][:2]
['F1 65K min melt', 'F1 65K total clear']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from protv2g.devices.curves import trip_time_s
from protv2g.devices.library import Curve, CurveLibrary, default_library
from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser, curve_boundary
from protv2g.devices.tcc_labels import melting_ranges_label
from protv2g.units import DeviceKind

__all__ = ["TccTrace", "curve_traces", "device_traces", "family_traces", "operated_element",
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
