"""The hosting margins plot says what below 0 means per status (review rev40b M6: on ckt5's
campus study the C11/C12 panels sat at −0.09…−0.25 under "below 0: violated" with 0 failing:
warning/info rows, which limit nothing)."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd

from protv2g.report.hosting import hosting_margins_figure


def _analysis() -> SimpleNamespace:
    rows = []
    for p_kw in (0.0, 500.0, 1000.0):
        # C1 fails from 1,000 kW; C12 below 0 everywhere with nothing failing (warn/info)
        rows.append(("campus", "firm", "peak", p_kw, "C1", 0.2 - p_kw / 2000.0,
                     int(p_kw >= 1000.0)))
        rows.append(("campus", "firm", "peak", p_kw, "C12", -0.09 - p_kw / 6000.0, 0))
    margins = pd.DataFrame(rows, columns=["site", "participation", "load_level",
                                          "p_export_kw", "criterion", "margin", "n_failing"])
    by_criterion = pd.DataFrame({"site": ["campus"] * 2, "participation": ["firm"] * 2,
                                 "load_level": ["peak"] * 2, "criterion": ["C1", "C12"],
                                 "limited": [True, False], "hosting_kw": [800.0, float("nan")]})
    return SimpleNamespace(margins=margins, by_criterion=by_criterion)


def test_below_zero_is_told_apart_by_status():
    fig = hosting_margins_figure(_analysis(), title="ckt5 campus")
    try:
        sup = fig._suptitle.get_text()
        assert "fails (limits the hosting capacity)" in sup
        assert "warning only (limits nothing)" in sup
        fig.canvas.draw()  # the subtitle inside the figure, with two panels
        box = fig._suptitle.get_window_extent()
        assert box.x0 >= 0.0 and box.x1 <= fig.bbox.x1
        titles = {ax.get_title().split(" ")[0]: ax.get_title() for ax in fig.axes
                  if ax.get_visible()}
        assert titles["C12"].endswith("below 0: warnings only, limits nothing")
        assert titles["C1"] == "C1"
        c1 = next(ax for ax in fig.axes if ax.get_title() == "C1")
        filled = [ln for ln in c1.get_lines() if ln.get_label() == "_fails"]
        assert [float(x) for x in filled[0].get_xdata()] == [1000.0]
        c12 = next(ax for ax in fig.axes if ax.get_title().startswith("C12"))
        hollow = [ln for ln in c12.get_lines() if ln.get_label() == "_warns"]
        assert len(hollow[0].get_xdata()) == 3 and hollow[0].get_mfc() == "none"
    finally:
        plt.close(fig)
