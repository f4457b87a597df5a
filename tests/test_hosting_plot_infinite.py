"""A margin of −inf is drawn on the hosting margins plot (review rev43a M9).

IEEE 34 with the campus (rev43a, ``hosting``; hosting1.xlsx): the By criterion sheet says the
campus is limited at 0 kW by C2 (R-816 / F-campus_xf, SLG-a at f-campus_xf close-in (min),
the equipment row: it fails from the smallest export). Its Margins sheet gives C2 a margin of
−inf at every export (164 of 164 points: a warn row "fault not seen by recloser", R-816 never
operates, interval −inf), so matplotlib drew no campus point and the C2 panel showed only the
homes' curves above 0. Below: those margins (N failing/limiting 4, firm/light), a homes2 curve
from the same sheet (0.127 s, then −0.0107 s from 34 kW).
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from protv2g.report.hosting import hosting_margins_figure


def _analysis():
    rows = [("campus", p, -np.inf, 4, 3, 4) for p in (5.0, 250.0, 500.0, 1000.0)]
    rows += [("homes2", 20.0, 0.127, 0, 0, 0), ("homes2", 40.0, -0.0107, 1, 0, 1)]
    m = pd.DataFrame(rows, columns=["site", "p_export_kw", "margin", "n_failing", "n_warning",
                                    "n_limiting"])
    m["participation"], m["load_level"], m["criterion"] = "firm", "light", "C2"
    by = pd.DataFrame({"site": ["campus", "homes2"], "participation": "firm",
                       "load_level": "light", "criterion": "C2", "limited": [True, True],
                       "hosting_kw": [0.0, 33.0]})
    return SimpleNamespace(margins=m, by_criterion=by)


def test_the_campus_minus_inf_margins_are_drawn_below_the_others_and_said():
    fig = hosting_margins_figure(_analysis())
    try:
        ax = next(a for a in fig.axes if a.get_title().startswith("C2"))
        campus = next(ln for ln in ax.get_lines() if ln.get_label() == "campus firm/light")
        y = np.asarray(campus.get_ydata(), float)
        assert np.isfinite(y).all()  # the old code: all −inf, nothing drawn
        assert (y < -0.0107).all() and ax.get_ylim()[0] < y.min()
        # filled: they limit the hosting capacity (N limiting 4)
        fails = [ln for ln in ax.get_lines() if ln.get_label() == "_fails"
                 and np.allclose(ln.get_xdata(), [5.0, 250.0, 500.0, 1000.0])]
        assert fails and np.isfinite(np.asarray(fails[0].get_ydata(), float)).all()
        assert "margin −∞ on the dashed line (a device never operates)" in ax.get_title()
        # the homes2 curve keeps its values
        homes = next(ln for ln in ax.get_lines() if ln.get_label() == "homes2 firm/light")
        assert list(homes.get_ydata()) == [0.127, -0.0107]
    finally:
        plt.close(fig)


def test_a_panel_without_infinite_margins_has_no_such_line():
    a = _analysis()
    a.margins = a.margins[a.margins["site"] == "homes2"]
    fig = hosting_margins_figure(a)
    try:
        ax = next(x for x in fig.axes if x.get_title().startswith("C2"))
        assert "∞" not in ax.get_title()
    finally:
        plt.close(fig)
