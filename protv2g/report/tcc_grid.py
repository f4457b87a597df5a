"""The minor grid of a TCC's log–log axes (:func:`_minor_grid`): one line collection per
axis instead of matplotlib's minor tick artists, each named by its ``gid`` (:data:`_GRID_GID`,
the axis and its positions), which the reused Figure's background key reads
(:mod:`protv2g.report.tcc_canvas`). Drawn by :func:`protv2g.report.tcc_figure.path_figure`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.collections import LineCollection

__all__: list[str] = []

#: Start of the ``gid`` of the minor-grid collections (:func:`_minor_grid`), part of the
#: background.
_GRID_GID = "tcc-minor-grid"
#: Multiples of each decade drawn as the minor grid of a TCC (log–log paper).
_MINOR_SUBS = np.arange(2.0, 10.0)


def _minor_grid(ax: Any) -> None:
    """The minor grid of log–log axes as one line collection per axis.

    :func:`protv2g.devices.tcc.plot_tcc` draws it with matplotlib's minor ticks: about 90 tick
    artists a plot (each two marks, a grid line and two labels), which took half of a TCC's
    drawing time on the depot (first draw of its 8 plots 4.1 s, 1.9 s without them, shared VM,
    2026-12-01). The grid is the same (at 2…9 × 10ⁿ, colour 0.85, 0.5 pt, below the major
    grid and the curves); only the 2 pt minor tick marks on the axes' edges are not drawn.
    Call it after the limits are final.

    Each collection's ``gid`` is :data:`_GRID_GID`, the axis and its positions (the bytes of
    the float64 array, in hex): the background's key (:func:`_background_key`) reads them
    there. On the reused axes the two collections of the previous picture are kept when both
    positions are the same (:func:`_reused_axes` leaves them), else both are made anew in the
    same order, x first (#21: building them and reading their segments back for the key were
    ≈ 4 % of a TCC's CPU; the same pixels).
    """
    from matplotlib.ticker import NullLocator

    def positions(lo: float, hi: float) -> np.ndarray:
        decades = np.arange(np.floor(np.log10(lo)), np.ceil(np.log10(hi)))
        v = (_MINOR_SUBS[None, :] * 10.0 ** decades[:, None]).ravel()
        return v[(v > lo * (1 + 1e-9)) & (v < hi * (1 - 1e-9))]

    grids = []
    for axis, transform, (lo, hi), vertical in (
            (ax.xaxis, ax.get_xaxis_transform(), ax.get_xlim(), True),
            (ax.yaxis, ax.get_yaxis_transform(), ax.get_ylim(), False)):
        axis.set_minor_locator(NullLocator())
        at = positions(min(lo, hi), max(lo, hi))
        grids.append((f"{_GRID_GID} {'xy'[not vertical]} {at.tobytes().hex()}", transform,
                      at, vertical))
    kept = _grid_collections(ax)
    if [c.get_gid() for c in kept] == [gid for gid, *_ in grids]:
        return
    for c in kept:
        c.remove()
    for gid, transform, at, vertical in grids:
        segments = [[(v, 0.0), (v, 1.0)] if vertical else [(0.0, v), (1.0, v)] for v in at]
        ax.add_collection(LineCollection(segments, colors="0.85", linewidths=0.5,
                                         transform=transform, zorder=1.4, gid=gid),
                          autolim=False)


def _grid_collections(ax: Any) -> list[LineCollection]:
    """The minor-grid collections of ``ax`` (:func:`_minor_grid`), in the draw order."""
    return [c for c in ax.collections if (c.get_gid() or "").startswith(_GRID_GID)]
