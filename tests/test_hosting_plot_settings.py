"""The hosting margins plot and the Hosting capacity sheet classify a failing point alike
(review rev41a M6: IEEE 34's light-load C12 points at depot480, idle 1.0522 pu, were drawn
"● fails (limits the hosting capacity)" while the sheet said "not limiting: C12 depot480 …
set by transformer.depot_xf's no-load tap — a setting to change, not an export limit").

The feeder is ``test_c12_site_tap``'s (a depot's 2 MVA Dyn transformer at nominal tap behind
a 1.052 pu source). Reference, nothing computed by protv2g: OpenDSS, the same model in
``opendssdirect`` with every site idle, puts ``depot_lv`` at 1.0509 pu at light load (0.3),
over ANSI C84.1 Range A's 1.05 pu by the tap alone, and at 1.0482 pu at peak, under it.
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from tests.test_c12_site_tap import LIGHT, MASTER, PEAK, STUDY, XF, _opendss_v  # noqa: E402


@pytest.fixture(scope="module")
def depot_hosting(tmp_path_factory):
    from protv2g.hosting import hosting_analysis
    from protv2g.study.loader import load_study

    out = tmp_path_factory.mktemp("tapfdr_plot")
    (out / "Master.dss").write_text(MASTER)
    (out / "depot_xf.dss").write_text(XF)
    (out / "study.yaml").write_text(STUDY)
    analysis = hosting_analysis(load_study(out / "study.yaml"), sites=["depot"],
                                participations=["expected"], load_levels=["light", "peak"],
                                n_grid=4)
    return out, analysis


def _c12_panel(fig):
    return next(ax for ax in fig.axes if ax.get_visible() and ax.get_title().startswith("C12"))


def test_tap_set_points_are_not_drawn_as_limiting(depot_hosting):
    """Fails on the old code: the light-load C12 points (failing rows, all of them the tap's
    setting) were filled "● fails (limits the hosting capacity)"."""
    from protv2g.report.hosting import hosting_margins_figure

    folder, analysis = depot_hosting
    assert _opendss_v(folder, LIGHT) > 1.05 > _opendss_v(folder, PEAK)  # the tap, idle
    table = analysis.table.set_index("load_level")
    # the sheet: at light load C12 is a setting to change, at peak the export limits it
    assert "no-load tap" in table.loc["light", "settings_to_change"]
    assert not bool(table.loc["light", "limited"]) and bool(table.loc["peak", "limited"])
    m = analysis.margins
    c12 = m[(m.criterion == "C12") & (m.margin < 0)]
    light, peak = c12[c12.load_level == "light"], c12[c12.load_level == "peak"]
    assert len(light) and (light.n_failing > 0).all() and (light.n_limiting == 0).all()
    assert len(peak) and (peak.n_limiting > 0).all()
    fig = hosting_margins_figure(analysis, title="tapfdr depot")
    try:
        ax = _c12_panel(fig)
        drawn = {ln.get_label(): {float(x) for x in ln.get_xdata()} for ln in ax.get_lines()
                 if ln.get_label() in ("_fails", "_settings", "_warns")}
        # one line per (curve, kind): the peak's filled, the light's squares
        fills = [ln for ln in ax.get_lines() if ln.get_label() == "_fails"]
        squares = [ln for ln in ax.get_lines() if ln.get_label() == "_settings"]
        assert {float(x) for ln in fills for x in ln.get_xdata()} == set(peak.p_export_kw)
        assert {float(x) for ln in squares for x in ln.get_xdata()} == set(light.p_export_kw)
        assert all(ln.get_mfc() == "none" and ln.get_marker() == "s" for ln in squares)
        assert "_warns" not in drawn
        assert "□ fails, not limiting (a setting to change)" in fig._suptitle.get_text()
        fig.canvas.draw()  # the longer subtitle still inside the figure
        box = fig._suptitle.get_window_extent()
        assert box.x0 >= 0.0 and box.x1 <= fig.bbox.x1
    finally:
        plt.close(fig)


def test_a_panel_failing_on_settings_only_says_it_limits_nothing():
    margins = pd.DataFrame({"site": ["depot"] * 2, "participation": ["firm"] * 2,
                            "load_level": ["light"] * 2, "p_export_kw": [0.0, 1000.0],
                            "criterion": ["C12"] * 2, "margin": [-0.0022, -0.0104],
                            "n_failing": [1, 1], "n_limiting": [0, 0]})
    by = pd.DataFrame({"site": ["depot"], "participation": ["firm"], "load_level": ["light"],
                       "criterion": ["C12"], "limited": [False],
                       "hosting_kw": [float("nan")]})
    from protv2g.report.hosting import hosting_margins_figure

    fig = hosting_margins_figure(SimpleNamespace(margins=margins, by_criterion=by))
    try:
        ax = _c12_panel(fig)
        assert ax.get_title() == "C12 — below 0: settings/warnings only, limits nothing"
        assert not [ln for ln in ax.get_lines() if ln.get_label() == "_fails"]
    finally:
        plt.close(fig)


def test_margins_table_without_the_column_reads_failing_as_limiting():
    """A Margins table written before ``n_limiting`` (a workbook read back) draws as before."""
    from protv2g.report.hosting import _limiting

    old = pd.DataFrame({"n_failing": [0, 2]})
    assert _limiting(old).tolist() == [False, True]
