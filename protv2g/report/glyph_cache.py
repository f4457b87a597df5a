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

The renderer also reads its fonts from memory (:func:`memory_font`): matplotlib opens a font
file and FreeType reads it through that Python file object, a ``seek`` and a ``read`` system
call each time it reads a glyph's outline or advance (to lay a text out, measure it or render
a glyph), ≈ 20 % of the depot workbook's TCC drawing and 12 % of its feeder plot's (py-spy,
load 11, 2026-12-06); from a :class:`io.BytesIO` of the same file the same reads are memory
copies (``set_text`` + ``draw_glyphs_to_bitmap`` of a legend line 1.0-1.1 -> 0.47-0.49 ms).
The same font bytes, the same FreeType calls: the same pixels.
"""

from __future__ import annotations

import functools
import io
import os
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from matplotlib import cbook, ft2font, rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import FontProperties, fontManager

try:  # matplotlib >= 3.11, whose ``font_manager._get_font`` memory_font mirrors
    from matplotlib.font_manager import FontPath
except ImportError:  # pragma: no cover - an older matplotlib: its fonts, read from their files
    FontPath = None

__all__ = ["GlyphCachingCanvas", "GlyphCachingRenderer", "memory_font"]

#: Glyph bitmaps kept per process (each a few hundred bytes at the report's sizes; the
#: 10,000-bus workbook's pictures rendered 1,965 distinct ones, the 250-bus one's 1,919), the
#: oldest dropped first.
GLYPHS = 8192

_GLYPHS: OrderedDict[tuple, tuple[np.ndarray, int, int]] = OrderedDict()
#: FreeType's identity transform (16.16 fixed point): angle 0, no slant, no extension.
_IDENTITY = np.array([[0x10000, 0], [0, 0x10000]])

#: Fonts read from memory (:func:`memory_font`), by their files, faces and settings and the
#: thread (as matplotlib's ``font_manager._get_font``); emptied in a forked child, as that is.
_FONTS: dict[tuple, ft2font.FT2Font] = {}
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_FONTS.clear)


class _FontBytes(io.BytesIO):
    """A font file's bytes, named by its path (``name``: the glyph cache's key for the font,
    as matplotlib's ``FT2Font.fname`` for a font it opened from its path)."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as f:
            super().__init__(f.read())
        self.name = path


def _font_name(font: ft2font.FT2Font) -> str:
    """The path of ``font``'s file (read from memory or not)."""
    fname = font.fname
    return fname if isinstance(fname, str) else getattr(fname, "name", str(id(fname)))


@functools.lru_cache(64)
def _realpath(path: str) -> str:
    """``os.path.realpath`` once per path (as matplotlib's ``_cached_realpath``)."""
    return os.path.realpath(path)


def memory_font(prop: FontProperties) -> ft2font.FT2Font:
    """The :class:`~matplotlib.ft2font.FT2Font` matplotlib's Agg renderer draws ``prop`` with
    (``get_font(fontManager._find_fonts_by_props(prop))``), its files read from memory (module
    docstring): the same files and faces, fallback fonts and Last Resort font, kerning
    factor, character maps and transform as ``matplotlib.font_manager.get_font`` /
    ``_get_font`` (matplotlib 3.11), made once per thread."""
    import matplotlib as mpl

    paths = tuple((_realpath(f.path), f.face_index) if isinstance(f, FontPath)
                  else (_realpath(f), 0) for f in fontManager._find_fonts_by_props(prop))
    kerning = mpl.rcParams["text.kerning_factor"]
    last_resort = mpl.rcParams["font.enable_last_resort"]
    key = (paths, kerning, threading.get_ident(), last_resort)
    font = _FONTS.get(key)
    if font is None:
        font = _FONTS[key] = _new_font(paths, kerning, last_resort)
    font._set_transform([[0x10000, 0], [0, 0x10000]], [0, 0])
    return font


def _new_font(paths: tuple[tuple[str, int], ...], kerning: float, last_resort: bool
              ) -> ft2font.FT2Font:
    """matplotlib 3.11's ``font_manager._get_font`` with each file read from memory."""
    (first, first_index), *rest = paths
    fallback = [ft2font.FT2Font(_FontBytes(p), face_index=i, _kerning_factor=kerning)
                for p, i in rest]
    resort = _realpath(cbook._get_data_path("fonts", "ttf", "LastResortHE-Regular.ttf"))
    try:
        resort_index = paths.index((resort, 0))
    except ValueError:
        resort_index = -1
        if last_resort:
            fallback.append(ft2font.FT2Font(_FontBytes(resort), _kerning_factor=kerning,
                                            _warn_if_used=True))
            resort_index = len(fallback)
    font = ft2font.FT2Font(_FontBytes(first), face_index=first_index,
                           _fallback_list=fallback, _kerning_factor=kerning)
    if resort_index == 0:
        font.set_charmap(0)
    elif resort_index > 0:
        fallback[resort_index - 1].set_charmap(0)
    return font


class GlyphCachingRenderer(RendererAgg):
    """:class:`~matplotlib.backends.backend_agg.RendererAgg` that renders each glyph bitmap
    once per process and composes it again where the same glyph falls on the same fraction of
    a pixel, and reads its fonts from memory (module docstring). The same pixels."""

    def _prepare_font(self, font_prop: FontProperties) -> ft2font.FT2Font:
        """As matplotlib's: the font of ``font_prop`` (:func:`memory_font`; with a matplotlib
        older than 3.11, matplotlib's own), its buffer cleared, its size set."""
        if FontPath is None:  # pragma: no cover - an older matplotlib
            return super()._prepare_font(font_prop)
        font = memory_font(font_prop)
        font.clear()
        font.set_size(font_prop.get_size_in_points(), self.dpi)
        return font

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
            key = (_font_name(font), getattr(font, "face_index", 0), size, glyph_index, px & 63,
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
