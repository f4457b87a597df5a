"""The canvas of the reused TCC Figure (:func:`protv2g.report.tcc_figure._reused_axes`):
:class:`_BackgroundCanvas` keeps the pixels of each background it drew (axes, grid, ticks,
labels: one per axis limits and labels) and pastes them, and its renderer
(:class:`_TextCachingRenderer`) keeps the pixels of the texts it drew and pastes them where
they would be drawn on the same pixels again; the pixels are a full draw's
(``tests/test_tcc_figure.py``).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from matplotlib import rcParams
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.text import _get_text_metrics_with_cache as _text_metrics

from protv2g.report.glyph_cache import GlyphCachingRenderer
from protv2g.report.tcc_grid import _grid_collections

__all__: list[str] = []

#: Backgrounds each reused TCC Figure keeps (:class:`_BackgroundCanvas`; 6.2 MB each at 150 dpi),
#: the least recently drawn dropped first.
_BACKGROUNDS = 8
#: Pixels around a text's glyph box that :class:`_TextCachingRenderer` compares and keeps: room
#: for ink a pixel past the box (antialiasing, hinting); a text whose ink reached the outer ring
#: is not kept, so a wider pad only costs pastes.
_TEXT_PAD_PX = 2
#: Texts each :class:`_TextCachingRenderer` keeps, the least recently drawn dropped first
#: (250-bus study: 23.5 MB of pixels; 256 kept 36 MB for the same CPU seconds, 2026-12-02).
_TEXTS = 128


class _BackgroundCanvas(FigureCanvasAgg):
    """The Agg canvas of the reused TCC Figure: its background drawn once per key.

    A TCC's background (the white faces, the minor grid, both axes with their major grid,
    ticks, tick labels and axis labels) is the same for every picture with the same axis
    limits, labels and pixel size. :meth:`draw` keeps the Agg buffer of each background
    (``copy_from_bbox``, as matplotlib's blitting does), and for a picture whose background
    is kept restores it and draws only the rest (curves, markers, spines, title, notes,
    legend) in the order a full draw uses: Agg composes each artist onto the buffer, so the
    pixels are those of a full draw (``tests/test_tcc_figure.py``). When some artist would
    be drawn between the background's (a lower ``zorder``), or the Figure has another
    Axes or Figure-level artists, the Figure is drawn in full.
    """

    def __init__(self, figure: Figure) -> None:
        super().__init__(figure)
        self._backgrounds: OrderedDict[tuple, Any] = OrderedDict()

    def get_renderer(self) -> RendererAgg:
        """A :class:`_TextCachingRenderer` of the Figure's pixel size (as Agg's, made anew
        when the size or resolution changes)."""
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        renderer = getattr(self, "_text_renderer", None)
        if renderer is None or renderer.key != key:
            renderer = self._text_renderer = _TextCachingRenderer(w, h, self.figure.dpi)
        return renderer

    def draw(self) -> None:
        fig = self.figure
        split = _split(fig)
        if split is None:
            super().draw()
            return
        background, foreground = split
        renderer = self.get_renderer()
        key = (renderer.width, renderer.height, fig.dpi, *_background_key(fig.axes[0]))
        saved = self._backgrounds.get(key)
        if saved is None:
            with _hidden(foreground):
                super().draw()
            saved = self._backgrounds[key] = self.copy_from_bbox(fig.bbox)
            while len(self._backgrounds) > _BACKGROUNDS:
                self._backgrounds.popitem(last=False)
        else:
            self._backgrounds.move_to_end(key)
        self.renderer = renderer
        renderer.clear()  # as a full draw starts (the background covers the Figure's box)
        self.restore_region(saved)
        with _hidden(background):
            fig.draw(renderer)


def _split(fig: Figure) -> tuple[list[Artist], list[Artist]] | None:
    """The background and foreground artists of a TCC Figure (:class:`_BackgroundCanvas`),
    or None when the background cannot be drawn apart (it must come first in the draw)."""
    if len(fig.axes) != 1 or fig.artists or fig.lines or fig.patches or fig.texts or \
            fig.images or fig.legends or fig.subfigs:
        return None
    ax = fig.axes[0]
    grid = _grid_collections(ax)
    background = [fig.patch, ax.patch, ax.xaxis, ax.yaxis, *grid]
    ids = {id(a) for a in background}
    foreground = [a for a in ax.get_children() if id(a) not in ids]
    below = max(a.get_zorder() for a in background[2:])
    if any(a.get_zorder() <= below and a.get_visible() for a in foreground):
        return None
    return background, foreground


def _background_key(ax: Any) -> tuple:
    """What sets a TCC's background on the reused axes (:class:`_BackgroundCanvas`): the
    axes' place, limits, scales and labels, and the minor grid (its positions follow the
    limits, but are taken as drawn: each collection's ``gid`` names them, :func:`_minor_grid`);
    tick locators and formatters are the ones :func:`protv2g.devices.tcc.plot_tcc` sets for
    every picture."""
    grid = tuple(c.get_gid() for c in _grid_collections(ax))
    return (tuple(ax.get_position().bounds), ax.get_xlim(), ax.get_ylim(), ax.get_xscale(),
            ax.get_yscale(), ax.get_xlabel(), ax.get_ylabel(), grid)


@contextmanager
def _hidden(artists: list[Artist]) -> Iterator[None]:
    """``artists`` not drawn inside the block (each visible again after it if it was)."""
    shown = [a for a in artists if a.get_visible()]
    for a in shown:
        a.set_visible(False)
    try:
        yield
    finally:
        for a in shown:
            a.set_visible(True)


class _TextCachingRenderer(GlyphCachingRenderer):
    """Agg renderer that keeps the pixels a one-line text changed, to paste them again (and
    renders each glyph of a text it draws once per process: :mod:`protv2g.report.glyph_cache`).

    A TCC's legend repeats most of its lines from one picture to the next (the 250-bus
    study's 42 TCCs: 41 distinct legends, but ≈ 15 of each 16 entries shared with the
    previous picture), and Agg draws a text glyph by glyph (layout, FreeType rendering and
    compositing of each: about half of a TCC's drawing after the background is kept). For a
    text drawn with the same string, font, size, colour, clip, angle 0 and position, on a
    region that holds the same pixels as when it was drawn (compared, ``np.array_equal``),
    the pixels that draw left are pasted. The region is the string's glyph box (width,
    ascent above the baseline, descent below) and :data:`_TEXT_PAD_PX` around it; a text
    whose drawing changed the region's outermost pixels is not kept (that ring is what makes
    the paste exact: the drawing changed nothing outside the region). #21, 2026-12-03: half an
    em above and below the whole height took in the neighbouring rows of a legend, so a label
    was pasted only where the rows beside it were the same too; 2026-12-05: 0.2 em + 2 px
    still took in the first row's ascenders under the legend's title, redrawn in 108 of the
    10,000-bus study's 112 TCCs (glyphs drawn 660 -> 539 times, 1.65 -> 1.09 s CPU at load
    12; the same pixels). Same pixels: ``tests/test_tcc_figure.py``.

    "Same position" is the same fraction of a pixel (exact float) for an unclipped text: Agg
    places each glyph at the text's position in 1/64 px and puts the glyph's bitmap on whole
    pixels (``RendererAgg._draw_text_glyphs_and_boxes``), so a text moved by whole pixels
    is drawn with the same pixels moved (#21, 2026-12-03: a legend label that moves a row
    up or down from one TCC to the next, or a label shared by TCCs of different paths, is
    pasted; a clipped text keeps its exact position in the key).
    """

    def __init__(self, width: int, height: int, dpi: float) -> None:
        super().__init__(width, height, dpi)
        self.key = (width, height, dpi)
        self._texts: OrderedDict[tuple, tuple] = OrderedDict()

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                  ismath: bool | str = False, mtext: Any = None) -> None:
        if ismath or angle != 0 or not s or gc.get_clip_path()[0] is not None \
                or gc.get_hatch() is not None or gc.get_sketch_params() is not None:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        clip = gc.get_clip_rectangle()
        # whole pixels of the position apart (class docstring): the key holds the fraction
        ix, iy = (math.floor(x), math.floor(y)) if clip is None else (0, 0)
        key = (s, tuple(vars(prop).items()), x - ix, y - iy, gc.get_rgb(), gc.get_alpha(),
               gc.get_forced_alpha(), gc.get_antialiased(),
               None if clip is None else tuple(clip.bounds),
               None if mtext is None else (tuple(mtext.get_fontfeatures() or ()),
                                           mtext.get_language()),
               get_hinting_flag(), rcParams["text.hinting_factor"],
               rcParams["text.kerning_factor"])
        w, h, d = _text_metrics(self, s, prop, ismath, self.dpi)
        pad = _TEXT_PAD_PX
        # y is the baseline (downwards): the ink lies between the ascent above, h − d, and the
        # descent below (the string's glyph box), within the pad
        r0 = max(int(np.floor(y - (h - d))) - pad, 0)
        r1 = min(int(np.ceil(y + d)) + pad, self.height)
        c0, c1 = max(int(np.floor(x)) - pad, 0), min(int(np.ceil(x + w)) + pad, self.width)
        pixels = np.asarray(self.buffer_rgba())
        region = pixels[r0:r1, c0:c1]
        at = (r0 - iy, r1 - iy, c0 - ix, c1 - ix)  # the region about the whole pixels
        kept = self._texts.get(key)
        if kept is not None and kept[0] == at and np.array_equal(region, kept[1]):
            region[...] = kept[2]
            self._texts.move_to_end(key)
            return
        before = region.copy()
        super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        ring = np.ones(region.shape[:2], bool)
        ring[1:-1, 1:-1] = False
        if r1 - r0 > 2 and c1 - c0 > 2 and np.array_equal(region[ring], before[ring]):
            self._texts[key] = (at, before, region.copy())
            while len(self._texts) > _TEXTS:
                self._texts.popitem(last=False)
