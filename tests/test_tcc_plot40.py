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
