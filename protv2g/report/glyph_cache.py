"""An Agg renderer that renders each glyph bitmap once (#21: the workbook's pictures).

matplotlib 3.11's Agg backend draws a text glyph by glyph from Python
(``RendererAgg._draw_text_glyphs_and_boxes``): for each glyph it sets the font's size, builds
the glyph's transform (a NumPy product), has FreeType load, hint and render the glyph at the
pen position (in 1/64 px) and composes the bitmap onto the canvas. The 10,000-bus workbook's
TCCs draw ≈ 290 texts that no earlier picture drew (titles, the fuse's legend lines, the
intervals; :class:`protv2g.report.tcc_figure._TextCachingRenderer` pastes the others) and its
feeder plot 253: 539 texts of 11,710 glyphs in all, of which 1,965 distinct bitmaps (glyph and
pixel fraction); the glyph loop was ≈ 12 % of the pictures' CPU (py-spy, 2026-12-05).

:class:`GlyphCachingRenderer` keeps each rendered bitmap keyed by what FreeType renders it
from: the font file and face, size, resolution, glyph index, load flags, render mode, the
hinting and kerning factors, and the pen position's fraction of a pixel (its 1/64 px modulo
64). A glyph at a position a whole number of pixels away is the same bitmap moved by those
pixels (FreeType translates the hinted outline by the pen position before it rasterises it,
and a translation by whole pixels moves its control box, hence the bitmap's origin, by whole
pixels): the kept bitmap is composed at the moved origin, with the call Agg makes. Only
unrotated glyphs without slant or extension (every text the report draws) are kept; the
others, and the rules of mathtext (``boxes``), are drawn as matplotlib draws them. The pixels
are the same (``tests/test_glyph_cache.py`` compares them to matplotlib's on random texts,
sizes, positions and fonts; ``tests/test_tcc_figure.py`` the TCCs).

Without ``_draw_text_glyphs_and_boxes`` (another matplotlib) nothing is overridden: the text
is drawn by matplotlib as before.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag

__all__ = ["GlyphCachingCanvas", "GlyphCachingRenderer"]

#: Glyph bitmaps kept per process (each a few hundred bytes at the report's sizes; the
#: 10,000-bus workbook's pictures rendered 1,965 distinct ones, the 250-bus one's 1,919), the
#: oldest dropped first.
GLYPHS = 8192

_GLYPHS: OrderedDict[tuple, tuple[np.ndarray, int, int]] = OrderedDict()
#: FreeType's identity transform (16.16 fixed point): angle 0, no slant, no extension.
_IDENTITY = np.array([[0x10000, 0], [0, 0x10000]])


class GlyphCachingRenderer(RendererAgg):
    """:class:`~matplotlib.backends.backend_agg.RendererAgg` that renders each glyph bitmap
    once per process and composes it again where the same glyph falls on the same fraction of
    a pixel (module docstring). The same pixels."""

    def _draw_text_glyphs_and_boxes(self, gc: Any, x: float, y: float, angle: float,
                                    glyphs: Any, boxes: Any) -> None:
        boxes = list(boxes)
        if angle != 0 or boxes:
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
            return
        glyphs = list(glyphs)
        if any(slant != 0 or extend != 1 for _, _, _, slant, extend, _, _ in glyphs):
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
            return
        from matplotlib.ft2font import RenderMode

        load_flags = get_hinting_flag()
        antialiased = bool(gc.get_antialiased())
        mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
        common = (self.dpi, load_flags, antialiased, rcParams["text.hinting_factor"],
                  rcParams["text.kerning_factor"])
        height = self.height
        draw_image = self._renderer.draw_text_image
        for font, size, glyph_index, _, _, dx, dy in glyphs:  # dy is upwards
            # the pen position in 1/64 px, as matplotlib passes it (FreeType's y upwards)
            px, py = round(0x40 * (x + dx)), round(0x40 * (height - y + dy))
            key = (font.fname, getattr(font, "face_index", 0), size, glyph_index, px & 63,
                   py & 63, *common)
            kept = _GLYPHS.get(key)
            if kept is None:
                font.set_size(size, self.dpi)
                font._set_transform(_IDENTITY, [px, py])
                bitmap = font._render_glyph(glyph_index, load_flags, mode)
                buffer = np.array(bitmap.buffer, copy=True)
                if not antialiased:
                    buffer *= 0xff
                kept = _GLYPHS[key] = (buffer, bitmap.left - (px >> 6), bitmap.top - (py >> 6))
                if len(_GLYPHS) > GLYPHS:
                    _GLYPHS.popitem(last=False)
            buffer, left, top = kept
            # draw_text_image's y is downwards and the bitmap's bottom side, as Agg's
            draw_image(buffer, left + (px >> 6), int(height) - (top + (py >> 6))
                       + buffer.shape[0], 0, gc)


class GlyphCachingCanvas(FigureCanvasAgg):
    """Agg canvas drawing with a :class:`GlyphCachingRenderer` (made anew, as Agg's, when the
    Figure's pixel size or resolution changes)."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        renderer = getattr(self, "_glyph_renderer", None)
        if renderer is None or getattr(self, "_glyph_key", None) != key:
            renderer = self._glyph_renderer = GlyphCachingRenderer(w, h, self.figure.dpi)
            self._glyph_key = key
        return renderer
