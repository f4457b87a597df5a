"""A hosting limit that holds over a window of exports only, and a band that brackets its
figure (review rev37b F4, IEEE 123 campus: "205 kW, band 205 – 288 kW", the band's
"pessimistic end (288 kW): no criterion fails up to the site maximum" above the figure; C12
at bus 83 fails only over a window of exports closed by reg4b's tap).

References (not computed by protv2g): OpenDSS on the reviewer's IEEE 123 study
(``/tmp/host37/ieee123/campus_v_host.py``: peak load, regulators free, every site
transformer built, the campus a 3-phase generator on campus_lv, bus 83 phase b):

=========  =========  ==================
export kW  V83 b, pu  reg4b tap (steps)
=========  =========  ==================
0          1.0479     2
205.3      1.0510     2
208.1      1.0510     2
225        1.0512     2
235        1.0444     1
247.5      1.0445     1
288        1.0450     1
=========  =========  ==================

so C12 (1.05 pu + its 0.001 pu tolerance) fails from ≈ 205–208 kW to 225 kW and passes from
235 kW on. The search's own levels (protv2g's hosting search on that study, expected
participation, peak load; ``/tmp/host37/ieee123/campus_hosting.out``) are used below as the
record the tables read: C12 at 83 fails at 208.125 … 225 kW and at none of 247.5, 270,
288 kW — the same window at the grid's resolution.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

# the search's levels on campus / expected / peak (IEEE 123, review rev37b's study)
LEVELS = [5.0, 22.5, 45.0, 67.5, 90.0, 112.5, 135.0, 157.5, 180.0, 202.5, 205.3125, 208.125,
          210.9375, 213.75, 216.5625, 219.375, 222.1875, 225.0, 247.5, 270.0, 288.0]
FIRST_FAIL, LAST_FAIL, AGAIN = 208.125, 225.0, 247.5
# OpenDSS V83 phase b (module docstring): the window is real, and the search's points agree
OPENDSS_V83 = {205.3125: 1.0510, 208.125: 1.0510, 225.0: 1.0512, 235.0: 1.0444,
               247.5: 1.0445, 288.0: 1.0450}


def _c12_row(p_kw: float) -> dict:
    v = 1.0510 + (p_kw - 208.125) * 1.3e-5  # the search's C12 margins: −0.001028 … −0.001247
    return {"criterion": "C12", "device": "", "other_device": None, "fault_bus": "83",
            "fault_type": "", "case": "", "margin_unit": "pu", "limit": 1.05,
            "margin": 1.05 - v, "base_margin": 1.05 - 1.0479, "tolerance": 0.001,
            "attribution": "new", "status": "fail", "input_basis": "given"}


def _axis():
    from protv2g.hosting.tables import Axis
    from protv2g.study.schema import V2GSite
    from protv2g.units import LoadLevel, Participation

    site = V2GSite(name="campus", bus="campus_lv", n_chargers=6, p_charger_kw=60)
    return Axis(site, Participation.EXPECTED, LoadLevel.PEAK)


def _failing(axis) -> dict:
    return {(axis.key, p): ({"C12": _c12_row(p)} if FIRST_FAIL <= p <= LAST_FAIL else {})
            for p in LEVELS}


def test_the_window_is_real_in_opendss():
    # what the test rests on (OpenDSS, module docstring): over the limit + tolerance inside
    # the window, under 1.05 pu above it
    assert all(OPENDSS_V83[p] <= 1.051 + 5e-5 for p in (205.3125,))
    assert OPENDSS_V83[225.0] > 1.051
    assert all(OPENDSS_V83[p] < 1.05 for p in (235.0, 247.5, 288.0))


def test_passes_again_from_the_search_points():
    from protv2g.hosting.window import passes_again

    axis = _axis()
    again, last = passes_again(_failing(axis), axis.key, LEVELS, FIRST_FAIL, ["C12"])
    assert again == pytest.approx(AGAIN) and last == pytest.approx(LAST_FAIL)
    # a limit that keeps failing to the top has no "passes again"
    fails_on = {k: ({"C12": _c12_row(k[1])} if k[1] >= FIRST_FAIL else {})
                for k in _failing(axis)}
    assert passes_again(fails_on, axis.key, LEVELS, FIRST_FAIL, ["C12"])[0] is None


def test_hosting_table_says_the_window():
    """Fails on the old code: no ``passes_again_kw`` column, and the limiting text said only
    "C12 … 1.0510 pu at 208 kW", not that C12 passes again above 225 kW."""
    from protv2g.hosting.tables import hosting_tables

    axis = _axis()
    table, by_crit = hosting_tables(_failing(axis), [axis], ["C12"], {}, {})
    row = table.iloc[0]
    assert row["hosting_kw"] == pytest.approx(205.3125)
    assert row["first_fail_kw"] == pytest.approx(FIRST_FAIL)
    assert row["passes_again_kw"] == pytest.approx(AGAIN)
    text = str(row["limiting_fault"])
    assert "fails from 208.1 kW (to 225 kW at least); passes again from 247.5 kW" in text
    assert "a regulator tapping" in text and "not an export limit" in text
    # OpenDSS puts reg4b's tap between the search's last failing and first passing levels
    assert OPENDSS_V83[LAST_FAIL] > 1.051 > 1.05 > OPENDSS_V83[235.0]


def test_band_brackets_its_figure(monkeypatch):
    """Fails on the old code: the band's text said "pessimistic end (288 kW) limited by no
    criterion fails up to the site maximum" beside the figure 205 kW, and the ends' searches
    did not evaluate the figure's own limit (they stepped over the window)."""
    from protv2g.hosting import band
    from protv2g.hosting.tables import HOSTING_COLUMNS, hosting_tables

    axis = _axis()
    table = hosting_tables(_failing(axis), [axis], ["C12"], {}, {})[0].reindex(
        columns=HOSTING_COLUMNS)
    asked: list = []

    def coarse(study, site, ax, checks, n_grid, tol_kw, progress=None, extra_kw=()):
        # the review's 50 kW searches: no failure at their levels, so "up to the maximum"
        asked.append(list(extra_kw))
        return 288.0, f"no criterion fails up to the site maximum ({ax[0]}, {ax[1]} load)"

    ends = (band.BandEnd("pessimistic", None, ("coordination intervals … → electromechanical",)),
            band.BandEnd("optimistic", None, ("curve tolerances",)))
    monkeypatch.setattr(band, "band_ends", lambda study: ends)
    monkeypatch.setattr(band, "_site_figure", coarse)
    study = SimpleNamespace(document=SimpleNamespace(v2g_sites=[axis.site]), path=None)
    out = band.hosting_band(study, table).set_index("site").loc["campus"]
    fig = 205.3125
    assert out["hosting_kw"] == pytest.approx(fig)
    assert out["band_low_kw"] <= fig + 1e-9 <= out["band_high_kw"]
    assert out["band_low_kw"] == pytest.approx(fig)  # the pessimistic end capped
    text = str(out["driven_by"])
    assert "pessimistic end (288 kW)" not in text
    assert "pessimistic end capped at the figure (205 kW)" in text
    assert "gave 288 kW, above the figure" in text
    # each end's search evaluates the figure and its first failing export
    assert asked and all(any(math.isclose(p, fig) for p in a)
                         and any(math.isclose(p, FIRST_FAIL) for p in a) for a in asked)


def test_band_optimistic_end_below_the_figure_is_capped(monkeypatch):
    from protv2g.hosting import band
    from protv2g.hosting.tables import HOSTING_COLUMNS, hosting_tables

    axis = _axis()
    table = hosting_tables(_failing(axis), [axis], ["C12"], {}, {})[0].reindex(
        columns=HOSTING_COLUMNS)
    # each end's study is a marker here: the fake search answers by it
    ends = (band.BandEnd("pessimistic", "P", ("x",)), band.BandEnd("optimistic", "O", ("y",)))
    kw = {"P": 150.0, "O": 120.0}
    monkeypatch.setattr(band, "band_ends", lambda study: ends)
    monkeypatch.setattr(band, "_site_figure",
                        lambda study, *a, **k: (kw[study], "C12 (at 83)"))
    study = SimpleNamespace(document=SimpleNamespace(v2g_sites=[axis.site]), path=None)
    out = band.hosting_band(study, table).iloc[0]
    assert out["band_low_kw"] == pytest.approx(150.0)
    assert out["band_high_kw"] == pytest.approx(205.3125)  # capped: not 120 kW below it
    assert "optimistic end capped at the figure (205 kW)" in str(out["driven_by"])
    assert "gave 120 kW, below the figure" in str(out["driven_by"])


def test_search_evaluates_the_extra_levels():
    """The band's ends ask their searches for the figure's points (``extra_kw``): they are
    in the grid the search evaluates, within the axis's range only."""
    pytest.importorskip("pandapower")
    from pathlib import Path

    from protv2g.hosting import hosting_analysis
    from protv2g.study.loader import load_study

    path = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder" / "study.yaml"
    if not path.exists():
        pytest.skip(f"{path} absent")
    study = load_study(path)
    site = study.document.v2g_sites[0]
    ha = hosting_analysis(study, sites=[site.name], participations=["firm"],
                          load_levels=["light"], n_grid=2, n_refine=1, max_rounds=1,
                          extra_kw={site.name: [0.37 * site.p_max_kw, 10 * site.p_max_kw]})
    levels = next(iter(ha.levels_kw.values()))
    assert any(math.isclose(p, 0.37 * site.p_max_kw) for p in levels), levels
    assert max(levels) <= site.p_max_kw * (1 + 1e-9)
