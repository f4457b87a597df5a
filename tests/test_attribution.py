"""Attribution against a passing base case, and the tolerance of the element used (#17).

A V2G row whose base case passes is ``new`` only when V2G moves its margin by more than the
row's tolerance; a base passing by less than that is marginal and the row ``pre-existing``.
Figures by hand: C5 reach ratio = I / pickup against 1.5 (primary zone), tolerance = 5 % of the
ratio (pickup accuracy); recloser tolerances = max(5 % of the curve time, 10 ms)
(``rules.yaml`` ``timing_accuracy``).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import attribute, run_checks
from protv2g.checks.tolerance import device_tolerance_s, rss
from protv2g.devices.models import Fuse, Recloser
from tests.test_checks_common import BASE, V2G, make_study, rows, scenarios
from tests.test_checks_common import with_devices as _with

BASE_OF = {BASE: BASE, V2G: BASE}


def _rows(*specs: tuple) -> pd.DataFrame:
    """Violation rows ``(scenario, margin, tolerance[, rule, unit])`` of one C2 key."""
    return pd.DataFrame([{
        "criterion": "C2", "scenario": s[0], "fault_bus": "B4", "fault_type": "3ph",
        "case": "max", "device": "RC", "other_device": "F", "margin": s[1],
        "tolerance": s[2], "rule": s[3] if len(s) > 3 else "fuse_saving_k",
        "margin_unit": s[4] if len(s) > 4 else "s", "attribution": "", "message": "m"}
        for s in specs])


def _margins(*specs: tuple) -> pd.DataFrame:
    """Base margins ``(scenario, margin[, rule])`` of the same key."""
    return pd.DataFrame([{
        "scenario": s[0], "criterion": "C2", "fault_bus": "B4", "fault_type": "3ph",
        "case": "max", "device": "RC", "other_device": "F", "margin_unit": "s",
        "rule": s[2] if len(s) > 2 else "fuse_saving_k", "margin": s[1]} for s in specs])


def test_passing_base_inside_the_tolerance_is_pre_existing() -> None:
    # base passes by 5 ms; V2G fails by 3 ms; tolerance 36 ms: a change of 8 ms < 36 ms
    v = attribute(_rows((V2G, -0.003, 0.036)), BASE_OF, _margins((BASE, 0.005)))
    r = v.iloc[0]
    assert r.attribution == "pre-existing" and r.base_margin == pytest.approx(0.005)
    # rev44a M1: it passes without V2G and fails with it — said as marginal, in figures
    assert ("marginal without V2G (passes by 5 ms, inside the check's tolerance 36 ms); V2G's "
            "change (−8 ms) is inside the tolerance and takes it below 0") in r.message
    # the same change against a 5-ms tolerance: caused by V2G
    r = attribute(_rows((V2G, -0.003, 0.005)), BASE_OF, _margins((BASE, 0.005))).iloc[0]
    assert r.attribution == "new" and r.message == "m"
    # base passes by far more than the tolerance: new, whatever the V2G margin
    r = attribute(_rows((V2G, -0.001, 0.036)), BASE_OF, _margins((BASE, 0.2))).iloc[0]
    assert r.attribution == "new" and r.base_margin == pytest.approx(0.2)
    # no base margin at all (a criterion that writes failing rows only): new, as before
    r = attribute(_rows((V2G, -0.001, 0.036)), BASE_OF).iloc[0]
    assert r.attribution == "new" and np.isnan(r.base_margin)


def test_ieee8500_head_relay_knife_edge_is_pre_existing() -> None:
    """The IEEE 8500 two-site study (#17): C5 head-relay reach for the home fleet, 1,246.5 A
    without V2G and 1,237.4 A with it against 1,245 A needed (1.5 × pickup 830 A). By hand:
    margins +0.0018 and −0.0092 × pickup, tolerance 5 % × 1.4908 = 0.0745 × pickup; the change
    0.011 is far inside it — the reach is marginal without V2G, not caused by it."""
    pickup, need = 830.0, 1245.0
    m_base, m_v2g = 1246.5 / pickup - need / pickup, 1237.4 / pickup - need / pickup
    key = {"criterion": "C5", "fault_bus": "m1027110", "fault_type": "SLG", "case": "min",
           "device": "head", "other_device": "", "margin_unit": "× pickup", "rule": ""}
    v = pd.DataFrame([{**key, "scenario": V2G, "margin": m_v2g,
                       "tolerance": 0.05 * 1237.4 / pickup, "attribution": "",
                       "message": "m"}])
    base = pd.DataFrame([{**key, "scenario": BASE, "margin": m_base}])
    r = attribute(v, BASE_OF, base).iloc[0]
    assert (m_base, m_v2g) == (pytest.approx(0.00181, abs=1e-5), pytest.approx(-0.00916,
                                                                                 abs=1e-5))
    assert r.attribution == "pre-existing" and r.tolerance == pytest.approx(0.07454, abs=1e-5)
    assert ("marginal without V2G (passes by 0.00181 × pickup, inside the check's tolerance "
            "0.0745 × pickup)") in r.message


def test_a_fuse_reach_row_says_its_margin_in_multiples_of_minimum_melting_current() -> None:
    """Brief trust31 §2a: C5's pickup of a fuse is its minimum melting current (its message
    says so, :mod:`protv2g.checks.reach_text`); the attribution's text wrote "× pickup". The
    same row of a relay keeps "× pickup"."""
    rows = []
    for dev in ("F-73", "head"):
        key = {"criterion": "C5", "fault_bus": "73", "fault_type": "SLG-c", "case": "min",
               "device": dev, "other_device": "", "margin_unit": "× pickup", "rule": ""}
        rows.append(({**key, "scenario": V2G, "margin": -0.00916, "tolerance": 0.0745,
                      "attribution": "", "message": "m"}, {**key, "scenario": BASE,
                                                         "margin": 0.00181}))
    v = attribute(pd.DataFrame([r[0] for r in rows]), BASE_OF,
                  pd.DataFrame([r[1] for r in rows]), fuses={"F-73"})
    assert v.attribution.tolist() == ["pre-existing", "pre-existing"]
    assert ("passes by 0.00181 × minimum melting current, inside the check's tolerance 0.0745 "
            "× minimum melting current") in v.message.iloc[0]
    assert ("passes by 0.00181 × pickup, inside the check's tolerance 0.0745 × pickup"
            in v.message.iloc[1])


def test_failing_base_rule_and_unit_keep_rows_apart() -> None:
    both = _rows((BASE, -0.010, 0.03), (V2G, -0.030, 0.03), (V2G, -0.050, 0.03))
    v = attribute(both, BASE_OF)
    assert v.attribution.tolist() == ["pre-existing", "pre-existing", "worse"]
    assert np.isnan(v.base_margin.iloc[0]) and v.base_margin.iloc[2] == pytest.approx(-0.010)
    # the base fails fuse saving; V2G fails the backup rule, which the base passes by far
    v = attribute(pd.concat([_rows((BASE, -0.010, 0.03)), _rows((V2G, -0.02, 0.03, ""))]),
                  BASE_OF, _margins((BASE, -0.010), (BASE, 0.4, "")))
    assert v.attribution.tolist() == ["pre-existing", "new"]
    assert v.base_margin.iloc[1] == pytest.approx(0.4)
    # a reduction-of-reach row (fraction) is not the base's reach row (× pickup)
    reach = _rows((BASE, -0.10, 0.05, "", "× pickup"), (V2G, -0.02, np.nan, "", "fraction"))
    assert attribute(reach, BASE_OF).attribution.tolist() == ["pre-existing", "new"]


def test_attribution_set_by_the_check_is_kept() -> None:
    r = _rows(("", np.nan, np.nan)).assign(attribution="new")
    assert attribute(r, BASE_OF).attribution.tolist() == ["new"]


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("attr"))


def test_reach_knife_edge_is_pre_existing_through_run_checks(hand) -> None:
    # R1 pickup 400 A, primary factor 1.5: base 601 A → 1.5025 (passes by 0.0025);
    # V2G 596 A → 1.49 (fails by 0.01), tolerance 0.05 × 1.49 = 0.0745 ⇒ pre-existing
    t = rows((BASE, "R1", "B1", "3ph", "min", 601.0), (V2G, "R1", "B1", "3ph", "min", 596.0),
             (BASE, "R1", "B1", "LL", "min", 601.0), (V2G, "R1", "B1", "LL", "min", 500.0))
    v, _ = run_checks(hand, t, None, scenarios())
    c5 = v[(v.criterion == "C5") & (v.status == "fail")].set_index("fault_type")
    knife = c5.loc["3ph"]
    assert knife.attribution == "pre-existing"
    assert knife.base_margin == pytest.approx(601 / 400 - 1.5)
    assert knife.tolerance == pytest.approx(0.05 * 596 / 400)
    assert "passes by 0.0025 × pickup" in knife.message
    # 500 A → 1.25: 0.2525 lower, beyond the tolerance 0.0625, but the base passes by less
    # than the tolerance (marginal) ⇒ made worse by V2G, not caused (review s20, ckt5 C5)
    assert c5.loc["LL"].attribution == "worse"
    assert c5.loc["LL"].base_margin == pytest.approx(601 / 400 - 1.5)


# ---------------------------------------------------------------- tolerance of the element used
RC_G = Recloser(name="RC", phase_min_trip_a=280, ground_min_trip_a=100, fast_curve="101",
                delayed_curve="133", ground_fast_curve="104", ground_delayed_curve="117",
                reclose_intervals_s=(0.5, 2.0, 2.0))


def _ctx(**devices):
    return SimpleNamespace(devices=devices,
                           thresholds=SimpleNamespace(relay_technology="numerical"))


def test_recloser_tolerance_is_the_ground_curve_where_it_trips() -> None:
    ctx = _ctx(RC=RC_G)
    # minimum SLG: phase 250 A < 280 A phase minimum trip, 3I0 250 A on the ground curve
    t_g = float(RC_G.ground_delayed_time_s(250.0))
    mech = RC_G.mechanism_s(RC_G.ground_delayed_curve)
    want = max(0.05 * (t_g - mech), 0.010)
    got = device_tolerance_s(ctx, ["RC"], np.array([250.0]), "delayed", np.array([250.0]))
    assert got[0] == pytest.approx(want, rel=1e-9) and got[0] > 0
    # without the residual current: the phase element's (here none: it does not trip)
    assert device_tolerance_s(ctx, ["RC"], np.array([250.0]), "delayed")[0] == 0.0
    # a 3ph fault (no 3I0): the phase curve, as before
    t_p = float(RC_G.delayed_time_s(1000.0)) - RC_G.mechanism_s(RC_G.delayed_curve)
    got = device_tolerance_s(ctx, ["RC"], np.array([1000.0]), "delayed", np.array([0.0]))
    assert got[0] == pytest.approx(max(0.05 * t_p, 0.010), rel=1e-9)


def test_c2_backup_row_tolerance_is_rss_of_both_devices(hand) -> None:
    """The C2 delayed (backup) row: rss of the fuse's total-clearing band and the recloser's
    delayed tolerance of the element that trips — as C1, C3 and C4 rows are built."""
    study = _with(hand, RC={"ground_min_trip_a": 100, "ground_fast_curve": "104",
                            "ground_delayed_curve": "117"})
    t = rows((BASE, "F", "B4", "SLG", "min", 250.0, 250.0),
             (BASE, "RC", "B4", "SLG", "min", 250.0, 250.0))
    _, coord = run_checks(study, t, None, scenarios())
    row = coord[coord.check == "fuse TC < recloser delayed"].iloc[0]
    f = Fuse(name="F", link="40K")
    tol_f = float(device_tolerance_s(_ctx(F=f), ["F"], np.array([250.0]), "tc")[0])
    tol_rc = float(device_tolerance_s(_ctx(RC=RC_G), ["RC"], np.array([250.0]), "delayed",
                                      np.array([250.0]))[0])
    assert tol_rc > 0.02  # ground curve 117 at 2.5 × its minimum trip: tenths of a second
    assert row.tolerance_s == pytest.approx(float(rss(tol_f, tol_rc)), rel=1e-9)
    assert row.t_backup_s == pytest.approx(float(RC_G.ground_delayed_time_s(250.0)), rel=1e-9)
