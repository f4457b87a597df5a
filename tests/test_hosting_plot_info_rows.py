"""An ``info`` row is no limit: the hosting margins (table and plot) do not take its margin
(review rev42a M10).

EPRI ckt5 + the depot (rev42a, ``hosting --site depot --study-axes --grid 6``): C11's row for
f-depot-xf, "only depot … no island of other customers", is ``info`` with margin = −export
(−0.005 at 5 kW, −0.25 at 250 kW); from 500 kW a ``warn`` row comes (islanding study / DTT).
The By criterion table says C11 "warns from 500 kW"; the Margins table and the plot's C11 panel
were below 0 from the first kW (the info row's margin), as if C11 were violated there.
The figures below are those of host3.xlsx's Margins sheet (firm/light); the warn row's margin
is made up (−0.02: any value above −export shows which row the curve follows).
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from protv2g.hosting.margins import margin_table
from protv2g.report.hosting import hosting_margins_figure
from protv2g.study.schema import Gate

EXPORTS_KW = (5.0, 250.0, 500.0, 1000.0)


def _violations() -> pd.DataFrame:
    rows = []
    for p_kw in EXPORTS_KW:
        scen = f"firm/light/{p_kw:g}kW"
        rows.append({"scenario": scen, "criterion": "C11", "status": "info",
                     "attribution": "caused by V2G", "margin": -p_kw / 1000.0,
                     "device": "f-depot-xf",
                     "message": "only depot behind f-depot-xf: no island of other customers"})
        if p_kw >= 500.0:
            rows.append({"scenario": scen, "criterion": "C11", "status": "warn",
                         "attribution": "caused by V2G", "margin": -0.02,
                         "device": "head-mdv201_connector", "message": "islanding study / DTT"})
    return pd.DataFrame(rows)


def _meta() -> dict:
    axis = SimpleNamespace(site=SimpleNamespace(name="depot"),
                           participation=SimpleNamespace(value="firm"),
                           load_level=SimpleNamespace(value="light"))
    return {f"firm/light/{p:g}kW": (axis, p) for p in EXPORTS_KW}


def test_info_rows_do_not_set_the_margin_curve():
    m = margin_table(_violations(), None, _meta(), ["C11"], Gate())
    # below 500 kW only the info row: no judged row, no point (was −0.005, −0.25)
    assert sorted(m["p_export_kw"]) == [500.0, 1000.0]
    # from 500 kW the warn row's margin (was the info row's −0.5, −1.0)
    assert m["margin"].tolist() == pytest.approx([-0.02, -0.02])
    assert m["n_warning"].tolist() == [1, 1] and m["n_failing"].tolist() == [0, 0]


def test_the_c11_panel_starts_below_zero_where_it_warns():
    m = margin_table(_violations(), None, _meta(), ["C11"], Gate())
    by = pd.DataFrame({"site": ["depot"], "participation": ["firm"], "load_level": ["light"],
                       "criterion": ["C11"], "limited": [False],
                       "hosting_kw": [float("nan")]})
    fig = hosting_margins_figure(SimpleNamespace(margins=m, by_criterion=by))
    try:
        ax = next(a for a in fig.axes if a.get_title().startswith("C11"))
        below = [x for ln in ax.get_lines() if ln.get_label() == "_warns"
                 for x in ln.get_xdata()]
        assert min(below) == 500.0  # where the By criterion table says it warns from
    finally:
        plt.close(fig)
