"""C2 fuse saving on the fuse-saving range (protv2g.checks.fuse_saving_range).

Criterion: Eaton TD132010EN (2017) — the recloser–fuse range ends at the intersection of the
fuse minimum-melt curve with the recloser fast curve × K; above it the fuse melts first by
design (McCarthy et al., DistribuTECH 2008), so only a fault saved without V2G and lost with
it (or a range narrowed by infeed, Brahma & Girgis 2004) is a V2G effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.fuse_saving_range import (
    SavingMechanism,
    base_twin,
    classify,
    ground_range_text,
    range_text,
    rows_range_a,
    saving_range_a,
    statuses,
)
from protv2g.devices.models import Fuse, Recloser

RC = Recloser(name="RC", phase_min_trip_a=280.0, fast_curve="101", delayed_curve="133",
              n_fast=2, n_delayed=2, reclose_intervals_s=[0.5, 2.0, 2.0])
FU = Fuse(name="F", link="40K")
K = 1.8  # 2 fast shots, 30-cycle first reclose (relay_library/rules.yaml)


def _margin(i: float, ratio: float = 1.0) -> float:
    t_fast = min(float(RC.fast_time_s(ratio * i)), float(RC.first_shot_inst_time_s(ratio * i)))
    return float(FU.min_melt_time_s(i)) - K * t_fast


def test_range_bounds_are_where_saving_starts_and_ends():
    lo, hi = saving_range_a(RC, FU, K)
    assert 280.0 <= lo < hi < 2000.0
    # the crossover: K·fast = MM there (interpolated on a 0.6 % grid), saving holds just
    # below it and not just above
    assert _margin(hi * 0.99) > 0 > _margin(hi * 1.01)
    assert _margin(0.5 * (lo + hi)) > 0
    if lo > 280.0 * 1.001:
        assert _margin(lo * 0.99) < 0 < _margin(lo * 1.01)


def test_infeed_between_recloser_and_fuse_narrows_the_range():
    lo, hi = saving_range_a(RC, FU, K)
    lo_v, hi_v = saving_range_a(RC, FU, K, ratio=0.95)
    assert lo_v >= lo / 0.95 * (1 - 1e-9)
    assert hi_v < hi
    assert _margin(hi_v * 1.01, 0.95) < 0 < _margin(hi_v * 0.99, 0.95)
    # 20 % of the fuse current from chargers between them: no range left at all
    assert np.isnan(saving_range_a(RC, FU, K, ratio=0.8)).all()


RC_G = Recloser(name="RC", phase_min_trip_a=280.0, ground_min_trip_a=100.0, fast_curve="101",
                delayed_curve="133", ground_fast_curve="104", ground_delayed_curve="117",
                n_fast=2, n_delayed=2, reclose_intervals_s=[0.5, 2.0, 2.0])


def test_ground_element_range():
    """Review s15: the ground range of the depot's RC-F1 (104 fast, 100 A) beside a 40K was
    not shown (estimated 530–560 A). It starts at the ground minimum trip and, the first shot
    being the faster of the phase and ground elements, ends at or above the phase crossover."""
    lo, hi = saving_range_a(RC_G, FU, K)
    lo_g, hi_g = saving_range_a(RC_G, FU, K, ground=True)
    assert lo_g == pytest.approx(100.0, rel=1e-5) and lo == pytest.approx(280.0, rel=1e-5)
    assert hi == pytest.approx(521.0, abs=2.0)  # the review's 521 A (K × (101 + 0.042 s))
    assert hi_g == pytest.approx(548.0, abs=2.0) and hi_g > hi
    t_first = min(float(RC_G.fast_time_s(hi_g * 1.01)),
                  float(RC_G.ground_fast_time_s(hi_g * 1.01)))
    assert float(FU.min_melt_time_s(hi_g * 1.01)) < K * t_first  # melts first above it
    assert ground_range_text(RC_G, FU, K) == ("ground faults 100 … 548 A (the first shot the "
                                              "faster of the phase and ground fast curves)")
    # without a ground element the ground faults are timed on the phase element: said so
    assert saving_range_a(RC, FU, K, ground=True) == saving_range_a(RC, FU, K)
    assert "no ground (51G) element" in ground_range_text(RC, FU, K)


def test_range_text():
    assert range_text(np.nan, np.nan) == "none"
    assert range_text(280.0, 1650.2) == "280 … 1,650 A"
    assert "no crossover" in range_text(280.0, np.inf)


def test_base_twin_positions():
    f = pd.DataFrame({"scenario": ["b", "v", "v", "b2"], "fault_bus": [1, 1, 2, 1],
                      "fault_type": "3ph", "case": "max", "primary": "F", "backup": "R"})
    twins = base_twin(f, {"b": "b", "v": "b", "b2": "b2"})
    assert twins.tolist() == [0, 0, -1, 3]


def _classify(margin, seen, i, twin, high=1000.0):
    n = len(margin)
    return classify(np.asarray(margin, float), np.asarray(seen, bool), np.asarray(i, float),
                    np.full(n, high), np.asarray(twin)).tolist()


def test_classify_every_mechanism():
    M = SavingMechanism
    # rows: 0 base saved, 1 V2G lost (twin 0 saved), 2 base above crossover, 3 V2G of it,
    # 4 base inside range failing, 5 V2G of it, 6 base unseen, 7 V2G unseen of saved 0,
    # 8 V2G without twin above crossover
    margin = [0.1, -0.02, -0.3, -0.4, -0.01, -0.02, -np.inf, -np.inf, -0.5]
    seen = [True, True, True, True, True, True, False, False, True]
    i = [500, 520, 1500, 1600, 600, 620, 200, 250, 1700]
    twin = [0, 0, 2, 2, 4, 4, 6, 0, -1]
    got = _classify(margin, seen, i, twin)
    assert got == ["", M.LOST_SAVING, M.ABOVE_CROSSOVER, M.ABOVE_CROSSOVER,
                   M.NOT_SAVED_WITHOUT_V2G, M.NOT_SAVED_WITHOUT_V2G, M.NOT_SEEN,
                   M.LOST_SAVING, M.ABOVE_CROSSOVER]
    assert statuses(got).tolist() == ["ok", "fail", "info", "info", "fail", "fail", "warn",
                                      "fail", "info"]


def test_a_fault_pushed_above_the_crossover_by_v2g_fails():
    # saved without V2G at 900 A, V2G raises the fuse current above the 1000-A crossover
    got = _classify([0.05, -0.1], [True, True], [900, 1100], [0, 0])
    assert got == ["", SavingMechanism.LOST_SAVING]


def test_rows_range_reads_phase_faults_only():
    rows = pd.DataFrame({"rule_value": K, "fault_type": ["3ph", "SLG"],
                         "i_primary_a": [400.0, 300.0], "i_backup_a": [400.0, 150.0]})
    assert rows_range_a(rows, RC, FU) == pytest.approx(saving_range_a(RC, FU, K))
    rows.loc[0, "i_backup_a"] = 360.0
    assert rows_range_a(rows, RC, FU) == pytest.approx(saving_range_a(RC, FU, K, 0.9))
    assert np.isnan(rows_range_a(rows.assign(rule_value=np.nan), RC, FU)[0])


def test_depot_c2_is_judged_on_the_range(depot_result):
    """The depot's fuse-saving rows: none fails; every info row is above its pair's
    crossover and carries the mechanism; the Pair coordination range is C2's."""
    v = depot_result.violations
    c2 = v[v.criterion == "C2"]
    saving = c2[c2.rule == "fuse_saving_k"]
    assert not (saving.status == "fail").any()
    info = saving[saving.status == "info"]
    assert len(info) and (info.mechanism == SavingMechanism.ABOVE_CROSSOVER.value).all()
    assert info.message.str.contains("impossible by design").all()
    from protv2g.report.devices import devices_from_result

    models, _ = devices_from_result(depot_result)
    coord = depot_result.tables["Coordination"]
    for (p, b), g in coord[(coord.criterion == "C2")
                           & (coord.rule == "fuse_saving_k")].groupby(["primary", "backup"]):
        k = float(g.rule_value.iloc[0])
        info_g = g[g.status == "info"]
        ground = info_g.fault_type.str.startswith(("SLG", "LLG"))
        hi = saving_range_a(models[b], models[p], k)[1]
        hi_g = saving_range_a(models[b], models[p], k, ground=True)[1]
        # phase faults above the phase range, ground faults above the ground element's
        assert (info_g[~ground].i_primary_a >= hi * (1 - 1e-6)).all()
        assert (info_g[ground].i_primary_a >= hi_g * (1 - 1e-6)).all()
    shrunk = c2[c2.mechanism == SavingMechanism.RANGE_SHRUNK.value]
    assert (shrunk.status == "warn").all() and (shrunk.margin < 0).all()


def test_pair_table_range_agrees_with_c2(depot_result):
    from protv2g.report.derived import pair_table
    from protv2g.report.devices import devices_from_result

    pt = pair_table(depot_result)
    models, _ = devices_from_result(depot_result)
    coord = depot_result.tables["Coordination"]
    rows = pt[pt.rule.str.startswith("fuse saving: K")]
    assert len(rows)
    for r in rows.itertuples():
        p, b = r.pair.split(" → ")
        g = coord[(coord.primary == p) & (coord.backup == b) & (coord.rule == "fuse_saving_k")]
        # the cell: the phase range (with the V2G scenario), then the ground element's
        phase, _, ground = r.fuse_saving_range_a.partition("; ")
        scen = (g.scenario.isin(["base/light", "base/peak"]) if r.case_of == "base"
                else g.scenario == phase.rsplit("(", 1)[1].rstrip(")"))
        expect = range_text(*rows_range_a(g[scen], models[b], models[p]))
        assert phase.startswith(expect)
        k = float(g.rule_value.iloc[0])
        assert ground == "ground faults " + range_text(
            *saving_range_a(models[b], models[p], k, ground=True)) + (
            " (the first shot the faster of the phase and ground fast curves)")


def test_weak_end_of_line_loses_saving_inside_the_range():
    """Weak end-of-line: the farm fleet between RC-END and FU-LAT1 raises the fuse current of
    faults near the range's top (≈ 400 A) past the point where the fuse melts first: saved
    without V2G, not with it — LOST_SAVING ``fail`` rows (attributed pre-existing: the base
    margin of 5–6 ms lies inside the devices' 36-ms data scatter)."""
    import warnings

    from protv2g import load_study, run_study

    from .conftest import FEEDERS_DIR

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_study(load_study(FEEDERS_DIR / "weak_end_of_line" / "study.yaml"))
    v = r.violations
    lost = v[(v.criterion == "C2") & (v.mechanism == SavingMechanism.LOST_SAVING.value)]
    assert len(lost) and (lost.status == "fail").all()
    assert not lost.scenario.str.startswith("base").any()
    assert (lost.base_margin > 0).all()  # saved without V2G
    assert lost.message.str.startswith("fuse saving lost").all()


def test_a_pair_with_no_ground_range_says_the_fuse_is_never_saved():
    """Review rev36b X6 (EPRI J1, R-MID 101/133, ground 104 fast from 150 A, K 1.35, F-LAT
    25K): no current from the ground minimum trip up where 1.35 × the first shot clears
    before the 25K starts to melt — the message read "above the fuse-saving range none
    (ground faults …)", as if the fault were too big to save. It now says the recloser can
    never save the fuse for a ground fault."""
    from protv2g.checks.recloser_fuse_text import GROUND_RANGE_NOTE, saving_where

    rc = Recloser(name="R-MID", phase_min_trip_a=400.0, ground_min_trip_a=150.0,
                  fast_curve="101", delayed_curve="133", ground_fast_curve="104",
                  ground_delayed_curve="117", n_fast=2, n_delayed=2,
                  reclose_intervals_s=[2.5, 5.0, 15.0])
    fuse = Fuse(name="F-LAT", link="25K")
    lo, hi = saving_range_a(rc, fuse, 1.35, ground=True)
    assert np.isnan(lo) and np.isnan(hi)
    # the premise from the curves themselves: at every current from 150 A the 25K's minimum
    # melt is not slower than 1.35 × the faster first shot (clearing time)
    i = np.geomspace(150.0, 20_000.0, 400)
    mm = fuse.min_melt_time_s(i)
    shot = np.fmin(rc.fast_time_s(i), rc.ground_fast_time_s(i))
    assert not np.any(mm > 1.35 * shot)
    text = saving_where(range_text(lo, hi) + GROUND_RANGE_NOTE, False, "R-MID", "F-LAT")
    assert text.startswith("no fuse-saving range at all: R-MID's fast shot × K never opens "
                           "before F-LAT starts to melt for ground faults")
    assert "above the fuse-saving range" not in text
    assert saving_where("280 … 1,650 A", True, "R-MID", "F-LAT") == (
        "above the fuse-saving range 280 … 1,650 A")


def test_classify_no_range_is_not_above_crossover():
    """A pair with no fuse-saving range (NaN crossover) is :attr:`SavingMechanism.NO_RANGE`,
    ``info`` as above-crossover rows are; its V2G twin inherits it."""
    M = SavingMechanism
    got = _classify([-0.3, -0.4, 0.05], [True, True, True], [190, 200, 150], [0, 0, 2],
                    high=np.nan)
    assert got == [M.NO_RANGE, M.NO_RANGE, ""]
    assert statuses(got).tolist() == ["info", "info", "ok"]


def test_no_range_pair_finding_says_so(depot_study):
    """Review rev36b X6 / ver36 (EPRI J1 F17, R-MID / F-LAT): a pair with no fuse-saving
    range at all was titled "(above crossover: saving impossible by design)" while its message
    said "no fuse-saving range at all". The depot with FU-F1-LAT2 a 15K link: RC-F1 (101 fast,
    104 ground fast; K 1.35 … 1.8) has no phase or ground range with it (the curves, below),
    so every info fuse-saving row of the pair and its finding's title say "no fuse-saving
    range"; the other laterals' 40K/65K pairs keep "above crossover"."""
    import warnings

    from protv2g.report.derived import result_findings
    from protv2g.runner import run_study

    fu15 = Fuse(name="FU-F1-LAT2", link="15K")
    rc = Recloser(name="RC-F1", phase_min_trip_a=280.0, ground_min_trip_a=100.0,
                  fast_curve="101", delayed_curve="133", ground_fast_curve="104",
                  ground_delayed_curve="117", n_fast=2, n_delayed=2,
                  reclose_intervals_s=[0.5, 2.0, 2.0])
    # the premise from the curves themselves: from the ground minimum trip up, the 15K's
    # minimum melt is never slower than 1.35 × the faster first shot (clearing time)
    i = np.geomspace(100.0, 20_000.0, 500)
    shot = np.fmin(rc.fast_time_s(i), rc.ground_fast_time_s(i))
    assert not np.any(fu15.min_melt_time_s(i) > 1.35 * shot)
    for k in (1.35, 1.8):
        for ground in (False, True):
            assert np.isnan(saving_range_a(rc, fu15, k, ground=ground)).all()
    devices = [dict(d, link="15K") if d.get("name") == "FU-F1-LAT2" else d
               for d in depot_study.raw["devices"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = run_study(depot_study.with_updates(devices=devices), hosting=False)
    v = res.violations
    info = v[(v.criterion == "C2") & (v.rule == "fuse_saving_k") & (v.status == "info")]
    names = info.device.astype(str) + " / " + info.other_device.astype(str)
    pair = info[names.str.contains("FU-F1-LAT2") & names.str.contains("RC-F1")]
    assert len(pair), info[["device", "other_device", "mechanism"]].drop_duplicates()
    assert (pair.mechanism == SavingMechanism.NO_RANGE.value).all()
    assert pair.message.str.contains("no fuse-saving range at all").all()
    others = info.drop(pair.index)
    assert len(others) and (others.mechanism == SavingMechanism.ABOVE_CROSSOVER.value).all()
    f = result_findings(res).findings
    c2 = f[f.criterion == "C2"]
    titles = c2[c2.title.str.contains("FU-F1-LAT2") & c2.title.str.contains("RC-F1")
                & (c2.status == "info")].title
    assert len(titles), c2.title.tolist()
    assert titles.str.contains("no fuse-saving range").all(), titles.tolist()
    assert not titles.str.contains("above crossover").any(), titles.tolist()


def test_range_shrunk_row_says_k_and_which_end_drove_it(depot_result):
    """Review rev41c M4 (depot F06): "280 … 521 A → 315 … 488 A" rests on K = 1.8, the
    table's value for 2 fast shots and a 30-cycle first reclose (Short after Cooper, status
    recalled), the high end of the bracket whose low end is Cooper TD132010EN's verified
    1.35; the message named no K and the Evidence ``bracket`` cell was blank. The other end's
    range without V2G is checked here by bisection on the device curves (the module's RC/FU,
    RC-F1 and FU-F1-LAT2's settings): min melt = 1.35 × fast clearing."""
    import re

    v = depot_result.violations
    shrunk = v[(v.criterion == "C2") & (v.mechanism == SavingMechanism.RANGE_SHRUNK.value)]
    r = shrunk[shrunk.scenario == "firm/light/100%"].iloc[0]
    assert ("× K, K = 1.8 (Rules sheet, fuse_saving_k: the table's value, the high end of the "
            "published bracket 1.35–1.8): the high end drove it; with K = 1.35 the range is "
            in r.message)
    assert r.bracket.startswith("K 1.8: high end of 1.35–1.8 drove it (K 1.35: 280 … ")

    def margin(i: float) -> float:
        t_fast = min(float(RC.fast_time_s(i)), float(RC.first_shot_inst_time_s(i)))
        return float(FU.min_melt_time_s(i)) - 1.35 * t_fast

    lo_i, hi_i = 400.0, 2000.0
    assert margin(lo_i) > 0 > margin(hi_i)
    for _ in range(60):
        mid = 0.5 * (lo_i + hi_i)
        lo_i, hi_i = (mid, hi_i) if margin(mid) > 0 else (lo_i, mid)
    said = float(re.search(r"K 1\.35: 280 … ([\d,]+) A", r.bracket).group(1).replace(",", ""))
    assert said == pytest.approx(lo_i, rel=0.01)  # the range grid's resolution (0.6 %)
