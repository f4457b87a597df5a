"""Texts drawn through :class:`~protv2g.report.glyph_cache.GlyphCachingRenderer` have the pixels
matplotlib's own Agg renderer draws (#21: each glyph bitmap rendered once, composed again at
a position whole pixels away)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure

from protv2g.report import glyph_cache
from protv2g.report.glyph_cache import GlyphCachingCanvas, GlyphCachingRenderer

pytestmark = pytest.mark.skipif(
    not hasattr(RendererAgg, "_draw_text_glyphs_and_boxes"),
    reason="this matplotlib draws text another way (nothing is overridden)")

_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -+.,:;()>→≥−µΩ°%'"


def _texts(rng: np.random.Generator, n: int) -> list[dict]:
    """``n`` random texts: strings, sizes, weights, families, colours, positions (most
    unrotated, which are kept; some rotated, which are not), many sharing glyphs."""
    out = []
    for _ in range(n):
        s = "".join(rng.choice(list(_CHARS), size=int(rng.integers(1, 40))))
        out.append({
            "x": float(rng.uniform(0.0, 0.9)), "y": float(rng.uniform(0.02, 0.98)), "s": s,
            "fontsize": float(rng.choice([6.0, 7.0, 7.5, 8.0, 11.0, 13.0])),
            "fontweight": str(rng.choice(["normal", "bold"])),
            "family": str(rng.choice(["DejaVu Sans", "DejaVu Serif", "monospace"])),
            "color": str(rng.choice(["k", "0.3", "C1", "#1f77b4"])),
            "alpha": float(rng.choice([1.0, 0.6])),
            "rotation": float(rng.choice([0.0, 0.0, 0.0, 0.0, 90.0, 30.0]))})
    return out


def _pixels(canvas_type: type[FigureCanvasAgg], texts: list[dict], dpi: float,
            mathtext: bool = False, antialiased: bool = True) -> np.ndarray:
    fig = Figure(figsize=(6.0, 4.0), dpi=dpi)
    canvas = canvas_type(fig)
    for t in texts:
        t = dict(t)
        fig.text(t.pop("x"), t.pop("y"), t.pop("s"), antialiased=antialiased, **t)
    if mathtext:
        fig.text(0.1, 0.5, r"$\frac{a}{b} + \sqrt{x_1^2}$", fontsize=12)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("seed", range(6))
def test_cached_glyphs_have_matplotlibs_pixels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    texts = _texts(rng, 60)
    dpi = float(rng.choice([72.0, 100.0, 150.0]))
    expected = _pixels(FigureCanvasAgg, texts, dpi, mathtext=seed % 2 == 1,
                       antialiased=seed != 4)
    # twice: the second drawing composes the bitmaps the first kept (also moved by whole
    # pixels: the same glyphs at other positions in the same and other texts)
    for _ in range(2):
        got = _pixels(GlyphCachingCanvas, texts, dpi, mathtext=seed % 2 == 1,
                      antialiased=seed != 4)
        np.testing.assert_array_equal(got, expected)


def test_the_same_text_moved_by_whole_and_by_fractions_of_pixels() -> None:
    """A text at positions whole pixels apart reuses the bitmaps; at a fraction of a pixel
    apart it renders others (different keys): matplotlib's pixels at each."""
    glyph_cache._GLYPHS.clear()
    base = {"s": "R-HEAD 51P IEEE-VI 400 A TD 2", "fontsize": 7.5, "fontweight": "normal",
            "family": "DejaVu Sans", "color": "k", "alpha": 1.0, "rotation": 0.0}
    dpi, w_px, h_px = 150.0, 900, 600
    texts = [{**base, "x": (100 + dx) / w_px, "y": (300 + dy) / h_px}
             for dx, dy in ((0, 0), (17, 0), (0, -23), (5.5, 0), (0.25, 0.75), (40, 40.5))]
    expected = _pixels(FigureCanvasAgg, texts, dpi)
    got = _pixels(GlyphCachingCanvas, texts, dpi)
    np.testing.assert_array_equal(got, expected)
    assert 0 < len(glyph_cache._GLYPHS)
    # kept bitmaps reused: fewer kept than glyphs drawn (six texts of 29 characters)
    assert len(glyph_cache._GLYPHS) < 6 * len(base["s"])


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(glyph_cache, "GLYPHS", 16)
    glyph_cache._GLYPHS.clear()
    rng = np.random.default_rng(7)
    texts = _texts(rng, 20)
    expected = _pixels(FigureCanvasAgg, texts, 100.0)
    np.testing.assert_array_equal(_pixels(GlyphCachingCanvas, texts, 100.0), expected)
    assert len(glyph_cache._GLYPHS) <= 16


def test_a_renderer_of_the_canvas_is_the_caching_one() -> None:
    fig = Figure(figsize=(2.0, 1.0), dpi=50)
    canvas = GlyphCachingCanvas(fig)
    assert isinstance(canvas.get_renderer(), GlyphCachingRenderer)
    first = canvas.get_renderer()
    assert canvas.get_renderer() is first
    fig.set_dpi(100)
    assert canvas.get_renderer() is not first  # made anew for the new size


@pytest.mark.skipif(glyph_cache.FontPath is None,
                    reason="matplotlib < 3.11: its fonts are read from their files")
def test_fonts_are_read_from_memory() -> None:
    """The caching renderer's fonts are matplotlib's font files read into memory (#21,
    wbtxt36: no seek and read of the file for each glyph): the same file, face, fallbacks and
    metrics as ``matplotlib.font_manager.get_font``; texts drawn with them keep matplotlib's
    pixels (:func:`test_cached_glyphs_have_matplotlibs_pixels`)."""
    import io

    from matplotlib.font_manager import FontProperties, fontManager, get_font

    renderer = GlyphCachingRenderer(200, 100, 150.0)
    rng = np.random.default_rng(7)
    for family in ("DejaVu Sans", "DejaVu Serif", "monospace"):
        for weight in ("normal", "bold"):
            prop = FontProperties(family=family, weight=weight, size=7.5)
            ours = renderer._prepare_font(prop)
            theirs = get_font(fontManager._find_fonts_by_props(prop))
            assert isinstance(ours.fname, io.BytesIO)
            assert ours.fname.name == theirs.fname
            assert ours.fname.getvalue() == open(theirs.fname, "rb").read()
            assert (ours.family_name, ours.style_name) == (theirs.family_name, theirs.style_name)
            assert ours is glyph_cache.memory_font(prop)  # made once
            theirs.clear()
            theirs.set_size(7.5, 150.0)
            for _ in range(20):
                s = "".join(rng.choice(list(_CHARS), size=int(rng.integers(1, 30))))
                ours.set_text(s, 0.0)
                theirs.set_text(s, 0.0)
                assert ours.get_width_height() == theirs.get_width_height()
                assert ours.get_descent() == theirs.get_descent()
    w, h, d = renderer.get_text_width_height_descent("R-F1 51P", FontProperties(size=8), False)
    expected = RendererAgg(200, 100, 150.0).get_text_width_height_descent(
        "R-F1 51P", FontProperties(size=8), False)
    assert (w, h, d) == pytest.approx(expected, abs=0.0)
