"""Where the feeder plot's names go: clear of each other, of the markers and of the rings.

:func:`protv2g.report.feeder_plot.plot_feeder` names, on a feeder of more than
:data:`~protv2g.report.feeder_plot.LABEL_ALL_BUSES` buses, only the buses an engineer looks for,
and leaves out a name whose box overlaps one kept before it (review rev40a M10). Review rev41a
M5 (EPRI ckt24): the title said "names that would overprint left out" while "F-DEPOT" sat on
F-6026's marker, "depot480" and "n283749" on bus dots and the homes' label across the rings —
the test compared names with names only. Here a name is also tested against every marker
(bus dots, device and site markers) and ring not at its own anchor: a count or a bus name
that covers one is left out; a device's or a site's name is moved to the first free side of
its anchor and kept, over the marker, where none is free (the plot's title then says how
many).

Session 45 (plot44's ckt24: the substation's source, LTC, head relay and depot fuse names on
one another; ver44 M3): every plot's names are placed, not only a large or to-scale one's, at
their drawn size (matplotlib's own text extent, :func:`measured_pt`, not the estimate), and a
device's or site's name with no free side next to its marker is moved further out, up to
:data:`LEADER_PT`, with a thin leader line back to its marker: no two names' boxes overlap.

Sizes are in points, from the markers' own sizes (``ms``: the marker's full width) and the
labels' extents.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.transforms import offset_copy

from protv2g.report.plot_marks import add_line

__all__ = ["CHAR_EM", "LEADER_PT", "LabelSpec", "place_labels", "extent_pt",
           "measured_pt"]

#: Width of a character as a fraction of the font size (DejaVu Sans: digits 0.636 em, lower
#: case 0.5–0.63 em; bold ≈ 10 % wider), for the margins that keep labels inside the axes.
CHAR_EM = 0.64
#: How far from its anchor a device's or site's name may be moved (points, the box's nearest
#: side): rings of :data:`_RINGS_PT` outside its first place, the outer ones with a leader.
LEADER_PT = 60.0
_RINGS_PT = (0.0, 12.0, 26.0, 42.0, LEADER_PT)
#: The ranks of the names moved out to :data:`LEADER_PT` (devices and sites; a count or a
#: bus name is tried next to its anchor only).
MOVED_RANKS = (0, 1, 3)
#: Room kept round each name's drawn text (points): the white box (0.15 em pad) or halo
#: (2.5 pt stroke) drawn round it.
MARGIN_PT = 1.5
#: The compass directions a name is tried in, from its anchor: right, left, above, below,
#: then the corners.
_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))

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


def measured_pt(ax: Any, text: str, fontsize: float, bold: bool) -> tuple[float, float]:
    """Width and height (points) of ``text`` in the font matplotlib draws it with, plus
    :data:`MARGIN_PT` each side: the sum of its characters' advance widths (the font's own
    metrics, :func:`_advance_pt`; no kerning, so at least the drawn width: :data:`CHAR_EM`'s
    estimate was short of bold names such as ``F-DEPOT``) and the font's line height.
    (The renderer's own measure of each name took 0.35 s of ckt5's 139 names.)"""
    w = sum(_advance_pt(c, fontsize, bold) for c in text)
    return w + 2 * MARGIN_PT, _line_pt(fontsize, bold) + 2 * MARGIN_PT


@lru_cache(maxsize=4096)
def _advance_pt(char: str, fontsize: float, bold: bool) -> float:
    """Advance width (points) of ``char`` in matplotlib's default font at ``fontsize``."""
    font = _font(fontsize, bold)
    glyph = font.load_char(ord(char), flags=LoadFlags.NO_HINTING)
    return glyph.linearHoriAdvance / 65536.0


@lru_cache(maxsize=16)
def _line_pt(fontsize: float, bold: bool) -> float:
    """Height (points) of a line of matplotlib's default font: ascender to descender."""
    font = _font(fontsize, bold)
    return (font.ascender - font.descender) / font.units_per_EM * fontsize


def _font(fontsize: float, bold: bool) -> Any:
    prop = FontProperties(size=fontsize, weight="bold" if bold else "normal")
    font = get_font(findfont(prop))
    font.set_size(fontsize, 72.0)  # 72 dpi: a pixel is a point
    return font


def _box(px: float, py: float, e: tuple[float, float, float, float]) -> np.ndarray:
    return np.array([px - e[0], px + e[1], py - e[2], py + e[3]])


def _candidates(px: float, py: float, own: np.ndarray, w: float, h: float, clear_pt: float,
                rings: tuple[float, ...]) -> list[tuple[np.ndarray, float]]:
    """Boxes ((x0, x1, y0, y1), points) a name of ``w`` × ``h`` may take round its anchor
    (``px``, ``py``): its own place ``own`` first, then each compass direction
    (:data:`_DIRECTIONS`) at ``clear_pt`` (its marker's half-size) plus each of ``rings``;
    with each, the distance of its nearest side from the anchor."""
    out = [(own, 0.0)]
    for r in rings:
        d = clear_pt + 2.0 + r
        for cx, cy in _DIRECTIONS:
            x0 = px + d * cx * (0.71 if cy else 1.0) - (0.0 if cx > 0 else w if cx < 0
                                                          else w / 2)
            y0 = py + d * cy * (0.71 if cx else 1.0) - (0.0 if cy > 0 else h if cy < 0
                                                          else h / 2)
            out.append((np.array([x0, x0 + w, y0, y0 + h]), r))
    return out


def _hits(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: which of ``boxes`` ((n, 4) x0, x1, y0, y1) overlap any of ``others``
    ((m, 4))."""
    if not len(others):
        return np.zeros(len(boxes), dtype=bool)
    b, o = boxes[:, None, :], others[None, :, :]
    return ((o[..., 0] < b[..., 1]) & (b[..., 0] < o[..., 1]) & (o[..., 2] < b[..., 3])
            & (b[..., 2] < o[..., 3])).any(axis=1)


def place_labels(ax: Any, texts: list[tuple[int, Any]], specs: list[LabelSpec],
                 marks: np.ndarray, width_pt: float, height_pt: float) -> tuple[int, int]:
    """Place each label clear of the labels placed before it (by rank: the devices a
    violation names and the sites 0, other relays and reclosers 1, counts and the failing
    buses' names 2, other fuses 3, bus names 4; the first drawn first among equals), of
    every marker and ring ``marks`` ((k, 3): data x, y and the mark's half-size in points)
    away from its own anchor, and inside the axes (``width_pt`` × ``height_pt``).

    A label is tried at its own place, then round its anchor (:func:`_candidates`): a count
    or bus name (ranks 2, 4) next to it only, a device's or site's name (:data:`MOVED_RANKS`)
    out to :data:`LEADER_PT`, with a leader line from its marker where it is moved off the
    first ring; where no place is free of both names and marks, a name of rank ≤ 1 is kept
    at the first free of names (over a marker), else at its own place, any other removed.

    Returns
    -------
    (removed, covering) : the labels removed, and the names kept over a marker."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    sx, sy = width_pt / (x1 - x0), height_pt / (y1 - y0)
    at = np.array([(x, y) for x, y, *_ in specs], dtype=float).reshape(-1, 2)
    px, py = (at[:, 0] - x0) * sx, (at[:, 1] - y0) * sy
    marks = np.asarray(marks, dtype=float).reshape(-1, 3)
    # a mark's core (half its size): a name grazing a dot's edge does not hide it
    mx, my, half = (marks[:, 0] - x0) * sx, (marks[:, 1] - y0) * sy, 0.5 * marks[:, 2]
    mark_boxes = np.column_stack([mx - half, mx + half, my - half, my + half])
    inside = np.array([0.0, width_pt, 0.0, height_pt])
    order = sorted(range(len(texts)), key=lambda k: texts[k][0])
    kept: list[np.ndarray] = []
    unclear: list[tuple[Any, int]] = []  # names kept over a mark: no place free of marks
    removed = 0
    for k in order:
        rank, text = texts[k]
        _x, _y, ext, words, offset, ha, va, size, bold = specs[k]
        w, h = measured_pt(ax, words, size, bold)
        # its own place at the drawn size: the estimate's box, centred on the drawn width
        own = _box(px[k], py[k], ext)
        cx_, cy_ = (own[0] + own[1]) / 2, (own[2] + own[3]) / 2
        xs_ = {"left": (own[0] - MARGIN_PT, own[0] - MARGIN_PT + w),  # its anchored side kept
               "right": (own[1] + MARGIN_PT - w, own[1] + MARGIN_PT)}.get(
                   ha, (cx_ - w / 2, cx_ + w / 2))
        own = np.array([*xs_, cy_ - h / 2, cy_ + h / 2])
        mine = (np.abs(mx - px[k]) < 0.5) & (np.abs(my - py[k]) < 0.5)
        clear_pt = float(np.max(half[mine], initial=0.0)) * 2.0
        rings = _RINGS_PT if rank in MOVED_RANKS else _RINGS_PT[:1]
        cands = _candidates(px[k], py[k], own, w, h, clear_pt, rings)
        boxes = np.array([b for b, _ in cands])
        ok = ((boxes[:, 0] >= inside[0]) & (boxes[:, 1] <= inside[1])
              & (boxes[:, 2] >= inside[2]) & (boxes[:, 3] <= inside[3]))
        ok[0] = True  # its own place: the axes' limits were made to hold it
        free = ok & ~_hits(boxes, np.array(kept).reshape(-1, 4))
        clear = free & ~_hits(boxes, mark_boxes[~mine])
        pick = (int(np.argmax(clear)) if clear.any() else
                int(np.argmax(free)) if free.any() and rank <= 1 else
                0 if rank <= 1 else None)
        if pick is None:
            text.remove()
            removed += 1
            continue
        b, r = cands[pick][0], cands[pick][1]
        # the text centred in its box (at its own place too: the box is the drawn size)
        text.set_transform(offset_copy(ax.transData, ax.figure, (b[0] + b[1]) / 2 - px[k],
                                       (b[2] + b[3]) / 2 - py[k], units="points"))
        text.set_horizontalalignment("center")
        text.set_verticalalignment("center")
        if r > 0.0:  # off the first ring: a leader to its marker
            lx = min(max(px[k], b[0]), b[1]) / sx + x0
            ly = min(max(py[k], b[2]), b[3]) / sy + y0
            add_line(ax, [at[k, 0], lx], [at[k, 1], ly], lw=0.6, color="0.45",
                     zorder=text.get_zorder() - 0.05)
        if not clear[pick]:
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
