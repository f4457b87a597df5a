"""The hosting margin curve shows the margin of the rows that set the limit, not a warning's
(plot43, left open at the end of session 43).

IEEE 34 with the campus (rev43a, ``hosting``; hosting1.xlsx): the By criterion sheet says the
campus is limited at 0 kW by C2 — the R-816 / F-campus_xf fuse–recloser interval, −0.818 s
(the run's finding and the TCC's ④ "V2G −0.818 s", plot43). Its Margins sheet gave C2 −inf at
all 164 points: ``margin_table`` took the smallest margin over every judged row, and a ``warn``
row ("fault not seen by recloser", R-816 never operates: interval −inf) was smaller. Below:
those two rows at each export, with a passing pair (+0.2 s) beside them, and a C10 setting row
(reclose interval, fails but limits nothing: a setting to change) with a −inf warning beside
it; homes2's C2 only warns (−inf) at 40 kW: a warning's margin stays where nothing fails.
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from protv2g.hosting.margins import margin_table
from protv2g.report.hosting import hosting_margins_figure
from protv2g.study.schema import Gate

EXPORTS_KW = (5.0, 250.0, 500.0, 1000.0)


def _axis(site: str) -> SimpleNamespace:
    return SimpleNamespace(site=SimpleNamespace(name=site),
                           participation=SimpleNamespace(value="firm"),
                           load_level=SimpleNamespace(value="light"))


def _rows() -> tuple[pd.DataFrame, dict]:
    rows, meta = [], {}
    for p_kw in EXPORTS_KW:
        scen = f"campus/{p_kw:g}kW"
        meta[scen] = (_axis("campus"), p_kw)
        rows += [
            {"scenario": scen, "criterion": "C2", "status": "warn", "attribution": "new",
             "margin": -np.inf, "device": "R-816", "message": "fault not seen by recloser"},
            {"scenario": scen, "criterion": "C2", "status": "fail", "attribution": "new",
             "margin": -0.818, "device": "R-816", "other_device": "F-campus_xf",
             "message": "fuse TC not below recloser delayed by the interval"},
            {"scenario": scen, "criterion": "C2", "status": "ok", "attribution": "new",
             "margin": 0.2, "device": "R-816", "other_device": "F-L26"},
            {"scenario": scen, "criterion": "C10", "status": "fail", "attribution": "new",
             "margin": -1.5, "device": "head-l1", "message": "first reclose 0.5 s"},
            {"scenario": scen, "criterion": "C10", "status": "warn", "attribution": "new",
             "margin": -np.inf, "device": "R-816", "message": "no reclose supervision"}]
    meta["homes2/40kW"] = (_axis("homes2"), 40.0)
    rows += [{"scenario": "homes2/40kW", "criterion": "C2", "status": "warn",
              "attribution": "new", "margin": -np.inf, "device": "R-816"},
             {"scenario": "homes2/40kW", "criterion": "C2", "status": "ok",
              "attribution": "new", "margin": 0.127, "device": "R-816"}]
    return pd.DataFrame(rows), meta


def test_the_margin_is_the_limiting_rows_not_the_warning_beside_them():
    viol, meta = _rows()
    m = margin_table(viol, None, meta, ["C2", "C10"], Gate())
    c2 = m[(m["site"] == "campus") & (m["criterion"] == "C2")]
    # was −inf (the warn row) at every export
    assert c2["margin"].tolist() == pytest.approx([-0.818] * 4)
    assert (c2["n_limiting"] == 1).all() and (c2["n_warning"] == 1).all()
    # C10 fails but limits nothing (a setting): the failing row's margin, not the warning's
    c10 = m[m["criterion"] == "C10"]
    assert c10["margin"].tolist() == pytest.approx([-1.5] * 4)
    assert (c10["n_failing"] == 1).all() and (c10["n_limiting"] == 0).all()
    # nothing fails: the smallest judged margin, the warning's, as before
    homes = m[m["site"] == "homes2"]
    assert homes["margin"].tolist() == [-np.inf] and homes["n_failing"].tolist() == [0]


def test_the_campus_curve_is_drawn_at_the_limiting_margin():
    viol, meta = _rows()
    m = margin_table(viol, None, meta, ["C2"], Gate())
    by = pd.DataFrame({"site": ["campus", "homes2"], "participation": "firm",
                       "load_level": "light", "criterion": "C2", "limited": [True, False],
                       "hosting_kw": [0.0, np.nan]})
    fig = hosting_margins_figure(SimpleNamespace(margins=m, by_criterion=by))
    try:
        ax = next(a for a in fig.axes if a.get_title().startswith("C2"))
        campus = next(ln for ln in ax.get_lines() if ln.get_label() == "campus firm/light")
        assert list(campus.get_ydata()) == pytest.approx([-0.818] * 4)
        fails = [ln for ln in ax.get_lines() if ln.get_label() == "_fails"]
        assert fails and list(fails[0].get_ydata()) == pytest.approx([-0.818] * 4)
    finally:
        plt.close(fig)
