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

The frame stays inside the Figure (ver36, IEEE 8500: "interval C1 F-DEPOT→head-hvmv_sub_
connector: idle −19.35 s, V2G −49.32 s (need ≥ 0.30 s)" ran past the picture's right edge,
cut at "V2G −49."): a label wider than the room right of the axes is wrapped onto
continuation lines (at spaces, else after ``→ / _ -``, else between characters), each a row
of its own without a handle; rows that would still run below the Figure's bottom are drawn
in a smaller font, down to :data:`_MIN_FONTSIZE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text
from matplotlib.text import _get_text_metrics_with_cache as _text_metrics
from matplotlib.transforms import IdentityTransform

__all__ = ["Badge", "RowLegend", "badge_box"]

#: Spacings in font sizes (matplotlib's legend defaults, module docstring).
_BORDER, _HANDLE, _HANDLE_PAD, _LINE_GAP, _ROUNDING = 0.4, 2.0, 0.8, 0.5, 0.2
#: Height of a row of text in font sizes, before the gap (the pitch of matplotlib's legend rows:
#: 1.5 font sizes with the gap, measured on the depot's TCCs at 150 dpi).
_TEXT_HEIGHT = 1.0
#: Smallest font size (points) the rows are shrunk to where they do not fit the Figure's height.
_MIN_FONTSIZE = 5.0
#: Pixels kept clear between the frame and the Figure's edges.
_EDGE_PX = 2.0
#: Where a word too long for a line may be broken, after these characters.
_BREAK_AFTER = "→/_-"


@dataclass(frozen=True)
class Badge:
    """An interval's number as a legend handle, drawn as on the plot (:func:`badge_box`)."""

    text: str
    #: information only (not judged): a square, dashed, grey frame instead of a circle
    info: bool = False


def badge_box(info: bool = False) -> dict[str, Any]:
    """The frame of an interval's number, on the plot and in the legend: a circle, or for an
    interval reported as information only a dashed grey square (review rev39b M7)."""
    if info:
        return {"boxstyle": "square,pad=0.2", "fc": "white", "ec": "0.55", "ls": "--"}
    return {"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "0.4"}


class RowLegend(Artist):
    """Rows of (handle, label) under ``title``, framed, the frame's top-left corner at
    ``anchor`` (axes fraction); laid out when drawn (module docstring).

    Parameters
    ----------
    entries : list of (Line2D, Badge or str, str)
        Each row's handle and label. A :class:`~matplotlib.lines.Line2D` handle is drawn as
        a legend draws it: its line across the handle's width, its marker in the middle; a
        :class:`Badge` (or a ``str``, a badge that is not information only) is a number
        drawn as the plot's interval labels are (bold, in :func:`badge_box`'s frame).
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

    def __init__(self, entries: list[tuple[Line2D | Badge | str, str]], title: str, *,
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
                handle = Badge(handle)
            if isinstance(handle, Badge):
                marks: list[Artist] = [Text(0.0, 0.0, handle.text, fontsize=8,
                                            fontweight="bold", color="0.1", ha="center",
                                            va="center", bbox=badge_box(handle.info))]
            else:
                marks = _handle_artists(handle)
            self._rows.append((marks, Text(0.0, 0.0, label, fontsize=fontsize, ha="left",
                                           va="center")))
        self._labels = [label for _, label in entries]
        #: each label's first line as the last layout set it: a text set from outside since
        #: (``legend._rows[i][1].set_text``) is that row's new label
        self._set = list(self._labels)
        #: continuation lines of a wrapped label (row, line), made when first needed
        self._more: dict[tuple[int, int], Text] = {}
        self._shown_more: list[Text] = []
        for a in self._children():
            self._prepare(a)
        self.set_clip_on(False)

    @staticmethod
    def _prepare(a: Artist) -> None:
        a.set_transform(IdentityTransform())
        a.set_clip_on(False)

    @property
    def texts(self) -> list[Text]:
        """The title and the labels (a wrapped label's continuation lines after them)."""
        return [self._title, *(text for _, text in self._rows), *self._shown_more]

    def _children(self) -> list[Artist]:
        return [self._frame, self._title, *(a for marks, text in self._rows
                                           for a in (*marks, text))]

    def set_figure(self, fig: Any) -> None:
        super().set_figure(fig)
        for a in (*self._children(), *self._more.values()):
            a.set_figure(fig)

    def get_window_extent(self, renderer: Any = None) -> Any:
        """The frame's extent in display pixels, as laid out by the last draw."""
        return self._frame.get_window_extent(renderer)

    def _continuation(self, row: int, line: int) -> Text:
        key = (row, line)
        if key not in self._more:
            first = self._rows[row][1]
            t = Text(0.0, 0.0, "", fontproperties=first.get_fontproperties(), ha="left",
                     va="center")
            self._prepare(t)
            t.set_figure(self.get_figure(root=True))
            self._more[key] = t
        return self._more[key]

    def _lines(self, renderer: Any, label: str, prop: Any, room: float) -> list[str]:
        """``label`` as lines no wider than ``room`` pixels (module docstring)."""
        dpi = self.get_figure(root=True).dpi

        def width(t: str) -> float:
            return _text_metrics(renderer, t, prop, False, dpi)[0]

        if room <= 0 or width(label) <= room:
            return [label]
        lines: list[str] = []
        cur = ""
        for word in label.split(" "):
            trial = f"{cur} {word}" if cur else word
            if width(trial) <= room:
                cur = trial
                continue
            if cur:
                lines.append(cur)
                cur = ""
            while width(word) > room:  # a word longer than a line: break it inside
                cut = _break_at(word, lambda n, w=word: width(w[:n]) <= room)
                lines.append(word[:cut])
                word = word[cut:]
            cur = word
        if cur:
            lines.append(cur)
        return lines

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        fig = self.get_figure(root=True)
        x0, top = self.axes.transAxes.transform(self._anchor)
        edge = fig.bbox
        fontsize = self._fontsize
        while True:
            rows, width, height, em, title_pitch = self._layout(renderer, fontsize, x0,
                                                               edge.x1 - _EDGE_PX)
            if top - height >= edge.y0 + _EDGE_PX or fontsize <= _MIN_FONTSIZE:
                break
            # too tall for the Figure: a smaller font, in the ratio of the room to the height
            room = top - edge.y0 - _EDGE_PX
            fontsize = max(_MIN_FONTSIZE, min(fontsize - 0.25, fontsize * room / height))
        self._frame.set_bounds(x0, top - height, width, height)
        self._frame.set_mutation_scale(em)
        # each text on whole pixels from the first row's: a label drawn a row lower or
        # higher in the next TCC is the same pixels moved, which the reused Figure's renderer
        # pastes (protv2g.report.tcc_figure._TextCachingRenderer)
        self._title.set_position((round(x0 + width / 2),
                                  round(top - _BORDER * em - title_pitch / 2)))
        y = round(top - _BORDER * em - title_pitch - (_TEXT_HEIGHT / 2) * em)
        pitch = round((_TEXT_HEIGHT + _LINE_GAP) * em)
        x_handle, x_text = x0 + _BORDER * em, round(x0 + (_BORDER + _HANDLE + _HANDLE_PAD) * em)
        for marks, texts in rows:
            for a in marks:
                if isinstance(a, Text):
                    a.set_position((round(x_handle + _HANDLE * em / 2), y))
                elif a.get_marker() in _NOTHING:
                    a.set_data([x_handle, x_handle + _HANDLE * em], [y, y])
                else:
                    a.set_data([x_handle + _HANDLE * em / 2], [y])
            for text in texts:
                text.set_position((x_text, y))
                y -= pitch
        # the title last: drawn first, its text would be in the first rows' backgrounds
        # (the pixels the renderer compares before it pastes a text), and it moves with the
        # frame's width
        for a in (self._frame, *self._children()[2:], *self._shown_more, self._title):
            a.draw(renderer)
        self.stale = False

    def _layout(self, renderer: Any, fontsize: float, x0: float, right: float
                ) -> tuple[list[tuple[list[Artist], list[Text]]], float, float, float, float]:
        """The rows at ``fontsize`` (each handle's artists and its label's lines), and the
        frame's width, height, em and title pitch (pixels), every label wrapped to end left
        of ``right`` (module docstring)."""
        em = renderer.points_to_pixels(fontsize)
        dpi = self.get_figure(root=True).dpi
        title_prop = self._title.get_fontproperties()
        # no title (nothing dotted): no empty line reserved for it above the rows
        title_pitch = ((_TEXT_HEIGHT + _LINE_GAP) * renderer.points_to_pixels(
            title_prop.get_size_in_points()) if self._title.get_text() else 0.0)
        title_w = _text_metrics(renderer, self._title.get_text(), title_prop, False, dpi)[0]
        lead = (_BORDER + _HANDLE + _HANDLE_PAD) * em
        room = right - x0 - lead - _BORDER * em
        rows: list[tuple[list[Artist], list[Text]]] = []
        widths: list[float] = []
        self._shown_more = []
        for i, ((marks, text), label) in enumerate(zip(self._rows, self._labels, strict=True)):
            if text.get_fontsize() != fontsize:
                text.set_fontsize(fontsize)
            prop = text.get_fontproperties()
            if text.get_text() != self._set[i]:
                label = self._labels[i] = text.get_text()
            lines = self._lines(renderer, label, prop, room)
            text.set_text(lines[0])
            self._set[i] = lines[0]
            more = []
            for j, line in enumerate(lines[1:], start=1):
                t = self._continuation(i, j)
                t.set_fontproperties(prop)
                t.set_text(line)
                more.append(t)
            self._shown_more += more
            rows.append((marks, [text, *more]))
            widths += [_text_metrics(renderer, line, prop, False, dpi)[0] for line in lines]
        n_lines = sum(len(texts) for _, texts in rows)
        width = max(2 * _BORDER * em + (_HANDLE + _HANDLE_PAD) * em + max(widths, default=0.0),
                    2 * _BORDER * em + title_w)
        pitch = (_TEXT_HEIGHT + _LINE_GAP) * em
        height = 2 * _BORDER * em + title_pitch + n_lines * pitch - _LINE_GAP * em
        return rows, width, height, em, title_pitch


#: Line styles and markers that draw nothing (matplotlib's spellings of "none").
_NOTHING = ("None", "none", " ", "", None)


def _handle_artists(handle: Line2D) -> list[Line2D]:
    """A legend row's copies of ``handle``, as a legend draws it: its line (no marker) and
    its marker (no line), each only where the handle has it (#21: a curve has no marker, a
    fault-marker entry no line; a copy that draws nothing cost a Line2D, its
    ``update_from``, whose deep copy of the marker style was ≈ 4 % of a TCC's CPU, and a
    draw; the same pixels)."""
    marks = []
    if handle.get_linestyle() not in _NOTHING:
        line = Line2D([], [])
        line.update_from(handle)
        line.set_marker("None")
        marks.append(line)
    if handle.get_marker() not in _NOTHING:
        mark = Line2D([], [])
        mark.update_from(handle)
        mark.set_linestyle("None")
        marks.append(mark)
    return marks


def _break_at(word: str, fits: Any) -> int:
    """Where to break ``word`` (a word wider than a line): after the last of
    :data:`_BREAK_AFTER` whose head ``fits(n)``, else the most characters that fit (at least
    one)."""
    n = 1
    while n < len(word) and fits(n + 1):
        n += 1
    marks = [k + 1 for k in range(n) if word[k] in _BREAK_AFTER and k + 1 < len(word)]
    return marks[-1] if marks else n
