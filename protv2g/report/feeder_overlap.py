"""Which names of a large feeder plot would overprint: other names, and the markers and rings.

:func:`protv2g.report.feeder_plot.plot_feeder` names, on a feeder of more than
:data:`~protv2g.report.feeder_plot.LABEL_ALL_BUSES` buses, only the buses an engineer looks for,
and leaves out a name whose box overlaps one kept before it (review rev40a M10). Review rev41a
M5 (EPRI ckt24): the title said "names that would overprint left out" while "F-DEPOT" sat on
F-6026's marker, "depot480" and "n283749" on bus dots and the homes' label across the rings —
the test compared names with names only. Here a name is also tested against every marker
(bus dots, device and site markers) and ring not at its own anchor: a count or a bus name
that covers one is left out; a device's or a site's name is moved to the first free side of
its anchor (above, below, right, left) and kept, over the marker, where none is free (the
plot's title then says how many).

Sizes are in points, from the markers' own sizes (``ms``: the marker's full width) and the
labels' estimated extents (:func:`extent_pt`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.transforms import offset_copy

__all__ = ["CHAR_EM", "LabelSpec", "drop_overlaps", "extent_pt"]

#: Width of a character as a fraction of the font size (DejaVu Sans: digits 0.636 em, lower
#: case 0.5–0.63 em; bold ≈ 10 % wider), for the margins that keep labels inside the axes.
CHAR_EM = 0.64

#: A placed label: (data x, data y, its extent (left, right, below, above) in points, its
#: text, offset (points), ha, va, font size, bold).
LabelSpec = tuple[float, float, tuple[float, float, float, float], str,
                  tuple[float, float], str, str, float, bool]


def extent_pt(text: str, offset_pt: tuple[float, float], ha: str = "left",
              va: str = "baseline", fontsize: float = 7.0, bold: bool = False
              ) -> tuple[float, float, float, float]:
    """Points a label reaches left, right, below and above its anchor (estimated from its
    characters, :data:`CHAR_EM`; a line is 1.2 × the font size); negative where it does
    not reach that side (a label 26 pt above its anchor reaches −21.5 pt below it)."""
    w = len(text) * fontsize * CHAR_EM * (1.1 if bold else 1.0)
    h = 1.2 * fontsize
    x0 = {"left": 0.0, "center": -w / 2, "right": -w}[ha] + offset_pt[0]
    y0 = {"top": -h, "center": -h / 2, "bottom": 0.0, "baseline": -0.25 * h}[va] + offset_pt[1]
    return -x0, x0 + w, -y0, y0 + h


def _sides(offset_pt: tuple[float, float]) -> list[tuple[tuple[float, float], str, str]]:
    """Where a rank-0 name may go, its own place first: above, below, right, left of its
    anchor, as far from it as its own offset."""
    d = max(9.0, abs(offset_pt[0]), abs(offset_pt[1]))
    return [((0.0, d), "center", "baseline"), ((0.0, -d), "center", "top"),
            ((d, -3.0), "left", "baseline"), ((-d, -3.0), "right", "baseline")]


def _hits(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """``(m,)`` bool: which of ``others`` ((m, 4) x0, x1, y0, y1) overlap ``box``."""
    if not len(others):
        return np.zeros(0, dtype=bool)
    return ((others[:, 0] < box[1]) & (box[0] < others[:, 1]) & (others[:, 2] < box[3])
            & (box[2] < others[:, 3]))


def drop_overlaps(ax: Any, texts: list[tuple[int, Any]], specs: list[LabelSpec],
                  marks: np.ndarray, width_pt: float, height_pt: float) -> tuple[int, int]:
    """Remove each label whose box overlaps a label kept before it (by rank: the devices a
    violation names and the sites 0, other device names 1, counts 2, bus names 3; the first
    drawn first among equals) and each count or bus name (rank ≥ 2) covering a marker or
    ring ``marks`` ((k, 3): data x, y and the mark's half-size in points) away from its own
    anchor. A device's or site's name (rank ≤ 1) covering one is moved to the first side of
    its anchor free of both (module docstring), else to the first free of names, and kept.

    Returns
    -------
    (removed, covering) : the labels removed, and the names kept over a marker (no side of
    their anchor was free of them)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    sx, sy = width_pt / (x1 - x0), height_pt / (y1 - y0)
    at = np.array([(x, y) for x, y, *_ in specs], dtype=float).reshape(-1, 2)
    px, py = (at[:, 0] - x0) * sx, (at[:, 1] - y0) * sy
    marks = np.asarray(marks, dtype=float).reshape(-1, 3)
    # a mark's core (half its size): a name grazing a dot's edge does not hide it
    mx, my, half = (marks[:, 0] - x0) * sx, (marks[:, 1] - y0) * sy, 0.5 * marks[:, 2]
    mark_boxes = np.column_stack([mx - half, mx + half, my - half, my + half])
    order = sorted(range(len(texts)), key=lambda k: texts[k][0])
    kept: list[np.ndarray] = []
    unclear: list[tuple[Any, int]] = []  # names kept over a mark: no side free of marks
    removed = 0
    for k in order:
        rank, text = texts[k]
        _x, _y, ext, words, offset, ha, va, size, bold = specs[k]
        # a mark at the label's own anchor (its marker, its ring) is its own
        own = (np.abs(mx - px[k]) < 0.5) & (np.abs(my - py[k]) < 0.5)
        others = mark_boxes[~own]
        names = np.array(kept).reshape(-1, 4)
        tries = [(offset, ha, va)] + (_sides(offset) if rank <= 1 else [])
        clear, free = None, None  # the first place free of names and marks / of names
        for off, h, v in tries:
            e = ext if (off, h, v) == (offset, ha, va) else extent_pt(words, off, h, v,
                                                                      size, bold)
            b = np.array([px[k] - e[0], px[k] + e[1], py[k] - e[2], py[k] + e[3]])
            if _hits(b, names).any():
                continue
            free = free or (off, h, v, b)
            if not _hits(b, others).any():
                clear = (off, h, v, b)
                break
        chosen = clear or (free if rank <= 1 else None)
        if chosen is None:
            text.remove()
            removed += 1
            continue
        off, h, v, b = chosen
        if (off, h, v) != (offset, ha, va):
            text.set_transform(offset_copy(ax.transData, ax.figure, *off, units="points"))
            text.set_horizontalalignment(h)
            text.set_verticalalignment(v)
        if clear is None:
            unclear.append((text, k))
        kept.append(b)
    return removed, _covering(ax, unclear, at, marks)


def _covering(ax: Any, unclear: list[tuple[Any, int]], at: np.ndarray, marks: np.ndarray
              ) -> int:
    """How many of the names kept over a mark by the estimate (:func:`extent_pt`) cover a
    mark's centre on the drawn figure (matplotlib's own text extent; the estimate is wider
    than most names, and the title says only what is drawn)."""
    if not unclear:
        return 0
    renderer = ax.figure.canvas.get_renderer()
    centres = ax.transData.transform(marks[:, :2])
    n = 0
    for text, k in unclear:
        box = text.get_window_extent(renderer)
        anchor = ax.transData.transform(at[k])
        inside = ((centres[:, 0] > box.x0 + 1) & (centres[:, 0] < box.x1 - 1)
                  & (centres[:, 1] > box.y0 + 1) & (centres[:, 1] < box.y1 - 1)
                  & (np.hypot(*(centres - anchor).T) > 1.0))
        n += bool(inside.any())
    return n
