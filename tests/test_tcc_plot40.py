"""Session 40 picture reviews (rev40a/rev40b): TCC properties a signing engineer reads."""
from __future__ import annotations

import matplotlib.text as mtext

from protv2g.devices.models import build_device
from protv2g.report.tcc_figure import path_figure
from protv2g.report.tcc_legend import RowLegend

R_F1 = {"name": "R-F1", "pickup_a": 400.0, "curve": "IEEE-MI", "time_dial": 0.6,
        "inst_pickup_a": 4000.0}


def _legend_text(fig) -> str:
    legend = next(a for a in fig.axes[0].artists if isinstance(a, RowLegend))
    return " | ".join(label.get_text() for _, label in legend._rows)


def test_an_interval_arrow_below_the_time_floor_stays_inside_the_axes():
    """rev40b F (IEEE 37 head-l35 > R-708 > F-736): the C2 interval −0.0998 s, information
    only, was a dashed arrow from 0.1 s down past the axes through the x tick labels to the
    figure's edge (its lower end at a time ≤ 0 s on a log axis). Now drawn to the floor,
    inside the axes, and its legend text says the arrow is cut."""
    relay = build_device("relay", R_F1)
    ext = {("R-F1", "phase"): {"max_base": 3000.0, "min_base": 1000.0}}
    fig = path_figure([relay], "phase", ext,
                      annotations=[(2000.0, 0.1, -0.0002, "C2 X→R-F1: −0.1 s"),
                                   (2500.0, 0.1, 0.5, "C1 X→R-F1: 0.4 s")])
    fig.canvas.draw()
    ax = fig.axes[0]
    box = ax.get_window_extent()
    arrows = [a for a in ax.texts if isinstance(a, mtext.Annotation)]
    assert len(arrows) == 2
    for a in arrows:
        ext_px = a.arrow_patch.get_window_extent()
        assert ext_px.y0 >= box.y0 - 1.0 and ext_px.y1 <= box.y1 + 1.0, (ext_px, box)
    text = _legend_text(fig)
    assert text.count("arrow cut at the time axis") == 1


def test_a_fault_below_melt_is_drawn_apart_from_the_75_percent_curve_and_as_the_legend():
    """rev40a (J1 ground TCC): FU-LAT2PH's min fault below its melt was a full-height dotted
    vertical in the fuse's colour, the dash of its own "75 % of min melt" curve, while the
    legend showed a black dotted line. Now its own dash pattern, the legend's handle the
    same pattern."""
    upstream = build_device("fuse", {"name": "FU-A", "link": "100K"})
    fuse = build_device("fuse", {"name": "FU-B", "link": "25K"})
    ext = {("FU-A", "phase"): {"max_base": 2000.0, "min_base": 150.0},
           ("FU-B", "phase"): {"max_base": 1500.0}}
    fig = path_figure([upstream, fuse], "phase", ext, mm_ratio=0.75)
    ax = fig.axes[0]
    below = [ln for ln in ax.get_lines() if ln.get_label() == "_below_pickup"]
    assert len(below) == 1  # 150 A: below the 100K's melt (≈ 200 A at 300 s)
    color = below[0].get_color()
    others = [ln for ln in ax.get_lines() if ln.get_label() != "_below_pickup"
              and ln.get_color() == color and ln.get_linestyle() not in ("None", "")]
    assert any("75" in str(ln.get_label()) for ln in others)  # the 75 % curve is drawn
    dash = below[0]._unscaled_dash_pattern
    assert all(ln._unscaled_dash_pattern != dash for ln in others)
    legend = next(a for a in ax.artists if isinstance(a, RowLegend))
    marks = next(m for m, label in legend._rows
                 if "below the device's pickup" in label.get_text())
    assert [a._unscaled_dash_pattern for a in marks
            if getattr(a, "get_linestyle", lambda: "None")() not in ("None", "")] == [dash]
