"""The legend of a TCC (:func:`protv2g.report.tcc_figure.path_figure`): one row per entry, a
handle and its label, under a title, in a rounded frame beside the axes.

matplotlib's :class:`~matplotlib.legend.Legend` lays its entries out in nested offset boxes,
measuring every text's extent through them at each draw, and draws a number handle as a
mathtext marker: on the 3,000-bus study's 112 TCCs the legend took ≈ 35-60 ms of a picture's
≈ 100-170 ms CPU (2026-12-03, profile of ``draw_png``), most of it the layout. :class:`RowLegend`
places the same entries by arithmetic on the rows: the frame's top-left corner at a point in
axes fraction, each row a fixed pitch below the previous one, the frame as wide as the widest
label (its text metrics, cached by matplotlib per string and font). The spacings are
matplotlib's legend defaults (``legend.borderpad`` 0.4, ``handlelength`` 2.0,
``handletextpad`` 0.8 font sizes; ``legend.edgecolor`` 0.8, rounded corners of 0.2 font
sizes); each row is as high as one of the label's lines and ``legend.labelspacing`` (0.5).
"""

from __future__ import annotations

from typing import Any

from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text
from matplotlib.text import _get_text_metrics_with_cache as _text_metrics
from matplotlib.transforms import IdentityTransform

__all__ = ["RowLegend"]

#: Spacings in font sizes (matplotlib's legend defaults, module docstring).
_BORDER, _HANDLE, _HANDLE_PAD, _LINE_GAP, _ROUNDING = 0.4, 2.0, 0.8, 0.5, 0.2
#: Height of a row of text in font sizes, before the gap (the pitch of matplotlib's legend rows:
#: 1.5 font sizes with the gap, measured on the depot's TCCs at 150 dpi).
_TEXT_HEIGHT = 1.0


class RowLegend(Artist):
    """Rows of (handle, label) under ``title``, framed, the frame's top-left corner at
    ``anchor`` (axes fraction); laid out when drawn (module docstring).

    Parameters
    ----------
    entries : list of (Line2D or str, str)
        Each row's handle and label. A :class:`~matplotlib.lines.Line2D` handle is drawn as
        a legend draws it: its line across the handle's width, its marker in the middle; a
        ``str`` handle is a number drawn as the plot's interval labels are (bold, in a
        circle).
    title : str
        Centred above the rows, in ``title_fontsize``.
    anchor : (float, float)
        Top-left corner of the frame, axes fraction.
    fontsize, title_fontsize : float
        Points.
    framealpha : float
        Opacity of the frame's white face.
    """

    zorder = 5

    def __init__(self, entries: list[tuple[Line2D | str, str]], title: str, *,
                 anchor: tuple[float, float] = (1.02, 1.0), fontsize: float = 7.5,
                 title_fontsize: float = 7.0, framealpha: float = 0.95) -> None:
        super().__init__()
        self._anchor = anchor
        self._fontsize = fontsize
        self._frame = FancyBboxPatch((0.0, 0.0), 1.0, 1.0, boxstyle="round,pad=0,"
                                     f"rounding_size={_ROUNDING}", facecolor="white",
                                     edgecolor="0.8", alpha=framealpha, lw=1.0)
        self._title = Text(0.0, 0.0, title, fontsize=title_fontsize, ha="center",
                           va="center")
        self._rows: list[tuple[list[Artist], Text]] = []
        for handle, label in entries:
            if isinstance(handle, str):
                marks: list[Artist] = [Text(0.0, 0.0, handle, fontsize=8, fontweight="bold",
                                            color="0.1", ha="center", va="center",
                                            bbox={"boxstyle": "circle,pad=0.15",
                                                  "fc": "white", "ec": "0.4"})]
            else:
                line, mark = Line2D([], []), Line2D([], [])
                line.update_from(handle)
                mark.update_from(handle)
                line.set_marker("None")
                mark.set_linestyle("None")
                marks = [line, mark]
            self._rows.append((marks, Text(0.0, 0.0, label, fontsize=fontsize, ha="left",
                                           va="center")))
        for a in self._children():
            a.set_transform(IdentityTransform())
            a.set_clip_on(False)
        self.set_clip_on(False)

    @property
    def texts(self) -> list[Text]:
        """The title and the labels."""
        return [self._title, *(text for _, text in self._rows)]

    def _children(self) -> list[Artist]:
        return [self._frame, self._title, *(a for marks, text in self._rows
                                           for a in (*marks, text))]

    def set_figure(self, fig: Any) -> None:
        super().set_figure(fig)
        for a in self._children():
            a.set_figure(fig)

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        em = renderer.points_to_pixels(self._fontsize)
        dpi = self.get_figure(root=True).dpi
        x0, top = self.axes.transAxes.transform(self._anchor)
        pitch = (_TEXT_HEIGHT + _LINE_GAP) * em
        title_prop = self._title.get_fontproperties()
        # no title (nothing dotted): no empty line reserved for it above the rows
        title_pitch = ((_TEXT_HEIGHT + _LINE_GAP) * renderer.points_to_pixels(
            title_prop.get_size_in_points()) if self._title.get_text() else 0.0)
        widths = [_text_metrics(renderer, t.get_text(), t.get_fontproperties(), False, dpi)[0]
                  for _, t in self._rows]
        title_w = _text_metrics(renderer, self._title.get_text(), title_prop, False, dpi)[0]
        width = max(2 * _BORDER * em + (_HANDLE + _HANDLE_PAD) * em + max(widths, default=0.0),
                    2 * _BORDER * em + title_w)
        height = 2 * _BORDER * em + title_pitch + len(self._rows) * pitch - _LINE_GAP * em
        self._frame.set_bounds(x0, top - height, width, height)
        self._frame.set_mutation_scale(em)
        # each text on whole pixels from the first row's: a label drawn a row lower or
        # higher in the next TCC is the same pixels moved, which the reused Figure's renderer
        # pastes (protv2g.report.tcc_figure._TextCachingRenderer)
        self._title.set_position((round(x0 + width / 2),
                                  round(top - _BORDER * em - title_pitch / 2)))
        y = round(top - _BORDER * em - title_pitch - (_TEXT_HEIGHT / 2) * em)
        pitch = round(pitch)
        x_handle, x_text = x0 + _BORDER * em, round(x0 + (_BORDER + _HANDLE + _HANDLE_PAD) * em)
        for marks, text in self._rows:
            for a in marks:
                if isinstance(a, Text):
                    a.set_position((round(x_handle + _HANDLE * em / 2), y))
                elif a.get_marker() in ("None", None, "", " "):
                    a.set_data([x_handle, x_handle + _HANDLE * em], [y, y])
                else:
                    a.set_data([x_handle + _HANDLE * em / 2], [y])
            text.set_position((x_text, y))
            y -= pitch
        # the title last: drawn first, its text would be in the first rows' backgrounds
        # (the pixels the renderer compares before it pastes a text), and it moves with the
        # frame's width
        for a in (self._frame, *self._children()[2:], self._title):
            a.draw(renderer)
        self.stale = False

