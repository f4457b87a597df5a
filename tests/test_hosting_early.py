"""The hosting search stops where a figure is decided (protv2g.hosting.early, review rev34c F1:
EPRI J1's depot, 0 kW "with none of its chargers online: set by the site's own transformer
depot_xf", evaluated 62 export levels in 28 min).

The feeder is ``test_dss_site_transformer``'s: the depot behind its own 2 MVA YNd transformer
``depot_xf``, here with its own fuse rated 1 kA on the 12.47 kV side. The fuse carries the
feeder's current for a fault at its terminals — more than 1 kA whatever the chargers do (C7),
and the YNd takes the head's 3I0 for a 20 Ω ground fault at b2 below C5's reach (OpenDSS,
``test_dss_site_transformer_hosting``): the figure is 0 kW at the smallest export, with none
of the chargers online too. The reference for the early stop is the same search evaluating its
whole grid (the old order, one engine call for the grid): every column of the hosting table
must be the same; what is counted is what the search evaluated.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from .test_dss_site_transformer import (  # noqa: E402
    FUSE_ON_XF,
    STUDY,
    folder,  # noqa: F401 - the module fixture
)

OPTIONS = {"sites": ["depot"], "participations": ["expected", "firm"], "load_levels": ["peak"],
           "n_grid": 4}


@pytest.fixture(scope="module")
def fused_1ka(folder):  # noqa: F811
    from protv2g.study.loader import load_study

    p = folder / "fused_1ka.yaml"
    text = STUDY.format(bus="depot_lv", extra=", model_transformer: depot_xf")
    fuse = FUSE_ON_XF.replace("interrupting_rating_ka: 10", "interrupting_rating_ka: 1")
    p.write_text(text.replace("v2g_sites:\n", fuse + "v2g_sites:\n"))
    return load_study(p)


def _counted(monkeypatch):
    """Count the scenarios of every engine call of the search: (export, online) names."""
    import protv2g.hosting.search as search

    seen: list[list[str]] = []
    real = search.evaluate_scenarios

    def evaluate(study, scenarios, checks=None, **kw):
        seen.append([s.name for s in scenarios if not s.is_base])
        return real(study, scenarios, checks, **kw)

    monkeypatch.setattr(search, "evaluate_scenarios", evaluate)
    return seen


def _analysis(study, **kw):
    from protv2g.hosting import hosting_analysis

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hosting_analysis(study, **{**OPTIONS, **kw})


def test_decided_axis_is_not_searched_above_its_smallest_export(fused_1ka, monkeypatch):
    import protv2g.hosting.search as search

    whole = _analysis(fused_1ka)  # a grid of one call: evaluated whole, as before
    seen = _counted(monkeypatch)
    monkeypatch.setattr(search, "exports_per_call", lambda study: 2)  # a large study's calls
    early = _analysis(fused_1ka)
    # the table the user reads: every column the same as the whole grid's
    pd.testing.assert_frame_equal(early.table, whole.table, check_exact=True)
    row = early.table.iloc[0]
    assert float(row.hosting_kw) == 0.0 and row.set_by_transformer == "depot_xf"
    # since c5close37 F-DEPOT's own close-in fault is one of its reach requirements: its 140K
    # sees ≈ 230 A there against 310 A minimum melt, the first C5 row the limit names
    assert row.limiting_criterion == "C5 (f-depot, SLG-a at f-depot close-in (min)), C7"
    assert row.limiting_device == "f-depot" and int(row.max_online_chargers) == 0
    # what it evaluated: the smallest export of each axis, no other level (old code: 5 each)
    assert {k: v for k, v in early.levels_kw.items()} == {
        ("depot", "expected", "peak"): [5.0], ("depot", "firm", "peak"): [5.0]}
    assert early.n_scenarios == 2 < whole.n_scenarios == 10
    exports = [n for call in seen for n in call if "online" not in n]
    assert len(exports) == 2
    # per criterion: a criterion passing at 5 kW is "not searched" there, never "not limited"
    by = early.by_criterion
    assert not (by["status"] == "not_limited").any()
    passing = by[by["status"] == "not_searched"]
    assert len(passing) and passing["hosting_kw"].isna().all()
    assert (~passing["limited"]).all()
    assert passing["note"].str.startswith("not searched: the figure of this participation "
                                          "case and load level is decided at the smallest "
                                          "export (5 kW): 0 kW, limited by ").all()
    limited = by[by["status"] == "limited"]
    assert set(limited["criterion"]) == {"C5"} and (limited["hosting_kw"] == 0).all()
    # (C7 and C10 are the head's: no interrupting rating, no reclosing given — not evaluated)
    assert set(by.loc[by["status"] == "not_evaluated", "criterion"]) == {"C7", "C10"}


def test_online_rounds_ask_the_smallest_export_where_the_transformer_fails(fused_1ka,
                                                                           monkeypatch):
    """With none of its chargers online the site's own equipment fails (the probe), so each
    round of the chargers-online search asks the smallest export of its k only: the answer
    (at most 0 online, failing with 1 online at 5 kW) is the one of asking every export."""
    seen = _counted(monkeypatch)
    ha = _analysis(fused_1ka, participations=["firm"])
    online = [n for call in seen for n in call if " online/" in n]
    # firm: 10 online → k = 5, 2, 1, each at 5 kW only, and the probe (0 online); the old
    # search asked 5 kW, the grid's steps and the full export of each k (12 scenarios), the
    # probe in a call of its own
    assert sorted(online) == sorted(f"hosting/depot/firm/peak/{k} online/5 kW"
                                    for k in (5, 2, 1, 0))
    assert ha.n_engine_calls == 4  # the grid, three rounds (the probe with the first)
    row = ha.table.iloc[0]
    assert int(row.max_online_chargers) == 0 and row.set_by_transformer == "depot_xf"
    assert "even one charger online fails (with 1 online " in str(row.note)
    assert "fail at 5 kW): at most 0 online, 0 kW" in str(row.note)  # C5 and C7


def test_nothing_decided_early_takes_no_more_calls(folder, monkeypatch):  # noqa: F811
    """The depot on the MV bus b3 without a transformer: nothing fails at the smallest export.
    Evaluating the smallest exports first takes no extra engine call, in a grid of one call
    (kept whole) or of several (the smallest exports are a call of those it makes anyway)."""
    import protv2g.hosting.search as search
    from protv2g.hosting.points import grid_kw
    from protv2g.study.loader import load_study

    p = folder / "open_b3.yaml"
    p.write_text(STUDY.format(bus="b3", extra=""))
    study = load_study(p)
    whole = _analysis(study)
    assert whole.n_engine_calls == 1 and not whole.table["limited"].any()
    monkeypatch.setattr(search, "exports_per_call", lambda study: 2)
    split = _analysis(study)
    axes = [(a, grid_kw(a, 4, 5.0)) for a in _axes(study)]
    points = [(a, p) for a, lv in axes for p in lv]
    assert split.n_engine_calls == len(search._chunks(points, 2))
    pd.testing.assert_frame_equal(split.table, whole.table, check_exact=True)
    pd.testing.assert_frame_equal(split.by_criterion, whole.by_criterion, check_exact=True)
    assert split.levels_kw == whole.levels_kw


def _axes(study):
    from protv2g.hosting.tables import Axis
    from protv2g.units import LoadLevel, Participation

    site = study.document.v2g_sites[0]
    return [Axis(site, Participation(p), LoadLevel.PEAK) for p in OPTIONS["participations"]]


def test_grid_order_is_the_smallest_exports_first_then_level_by_level():
    from protv2g.hosting.early import first_then_levels

    class A:  # an axis stand-in: the order reads its key only
        def __init__(self, key):
            self.key = key

    a, b = A("a"), A("b")
    got = first_then_levels([a, b], {"a": [5.0, 10.0, 20.0], "b": [5.0, 50.0]})
    assert [(x.key, p, k) for x, p, k in got] == [("a", 5.0, None), ("b", 5.0, None),
                                                 ("a", 10.0, None), ("b", 50.0, None),
                                                 ("a", 20.0, None)]


def test_site_criterion_row_reads_the_searched_axis():
    """by_site_criterion: an axis not searched above its smallest export says nothing of a
    criterion another axis searched up to its maximum (1,000 kW, not limited)."""
    import math

    from protv2g.hosting.tables import BY_CRITERION_COLUMNS, by_site_criterion

    def row(part, status, kw, note):
        return {"site": "depot", "participation": part, "load_level": "peak", "criterion": "C12",
                "status": status, "hosting_kw": kw, "first_fail_kw": math.nan,
                "hosting_chargers": pd.NA if math.isnan(kw) else 10, "limiting_device": "",
                "limiting_fault": "", "limiting_basis": "", "site_max_kw": 1000.0 if
                part == "firm" else 800.0, "limited": False, "note": note}

    by = pd.DataFrame([row("expected", "not_searched", math.nan, "not searched: …"),
                       row("firm", "not_limited", 1000.0, "")], columns=BY_CRITERION_COLUMNS)
    (got,) = by_site_criterion(by).to_dict(orient="records")
    assert got["status"] == "not_limited" and got["hosting_kw"] == pytest.approx(1000.0)
    assert got["per_axis"] == ("expected/peak: not searched; firm/peak: not limited up to "
                               "1,000 kW")
    (alone,) = by_site_criterion(by.iloc[:1]).to_dict(orient="records")
    assert alone["status"] == "not_searched" and math.isnan(alone["hosting_kw"])
