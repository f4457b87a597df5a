"""C12 like for like at the regulators' band: a row whose base case already fails at a band
start is a condition of the regulator settings (review rev49b #2, the lead's rule), and the
unbalance judged over the band as the voltage is (review rev49b #4, inv49b option (b)).

References (nothing here is computed by protv2g): OpenDSS (``opendssdirect``) on the IEEE 8500
(Master.dss + Fuses.DSS, fuses disabled) as review rev49b's study: peak solved, then light load
(LoadMult 0.235); the three sites as pf-1 Generators (depot 2,000 kW at m1209814, campus 500 kW
at m1089196, homes 21.6 kW at sx3312692a.1.2); the regulators pushed to the top / bottom of
their band one tap at a time, each kept where OpenDSS's own RegControls leave it, without and
with the sites (/tmp/band50/edge85.py, session 50):

* x2729406c (F60), highest phase: 1.05097 → 1.05448 pu from the base case's taps, 1.06426 →
  1.06100 pu at the band's top, 1.05118 → 1.05398 pu at the bottom;
* m1069376, |V2|/|V1| of the phase-to-neutral phasors: 2.0987 → 1.8770 % from the base case's
  taps, 1.7547 → 2.0637 % at the top, 1.9147 → 2.0642 % at the bottom.

The bus tables below carry those figures; the study is the shipped depot example (its net
gives the bus's nominal voltage: bus 2, F1-B01 at 12.47 kV).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from .conftest import FEEDERS_DIR

_F60 = {"vm": (1.05097, 1.05448), "top": (1.06426, 1.06100), "bottom": (1.05118, 1.05398)}
_M1069376 = {"u": (2.0987, 1.8770), "top": (1.7547, 2.0637), "bottom": (1.9147, 2.0642)}


@pytest.fixture(scope="module")
def study():
    from protv2g import load_study

    return load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml")


def _ctx(study, bus: pd.DataFrame, **limits):
    from protv2g.checks._common import CheckContext

    th = SimpleNamespace(v_max_pu=1.05, v_min_pu=0.95, voltage_limit_tolerance_pu=0.001,
                         voltage_change_min_pu=1 / 120, unbalance_max_percent=3.0,
                         unbalance_change_min_percent=0.15, loading_max_percent=100.0,
                         loading_change_min_percent=1.0)
    for k, v in limits.items():
        setattr(th, k, v)
    return CheckContext(study=study, thresholds=th, devices={}, build_errors={}, faults=None,
                        chains=pd.DataFrame(), pairs=pd.DataFrame(), zones=pd.DataFrame(),
                        scenarios={}, base_of={"v2g": "base", "base": "base"},
                        flow={"bus": bus}, cache={})


def _bus(vm=(1.0, 1.0), top=(np.nan, np.nan), bottom=(np.nan, np.nan), u=(1.0, 1.0),
         u_top=(np.nan, np.nan), u_bottom=(np.nan, np.nan), low=None) -> pd.DataFrame:
    low = low or {}
    return pd.DataFrame({
        "scenario": ["base", "v2g"], "step": [0, 0], "bus": [2, 2], "vm_pu": list(vm),
        "unbalance_percent": list(u),
        "vm_band_top_high_pu": list(top), "vm_band_bottom_high_pu": list(bottom),
        "vm_band_top_low_pu": list(low.get("top", top)),
        "vm_band_bottom_low_pu": list(low.get("bottom", bottom)),
        "unbalance_band_top_percent": list(u_top),
        "unbalance_band_bottom_percent": list(u_bottom)})


def _rows(study, bus, **limits) -> pd.DataFrame:
    from protv2g.checks.flow import check_flow

    r = check_flow(_ctx(study, bus, **limits))
    r = r[(r.scenario == "v2g") & (r.status.astype(str) == "fail")]
    if "attribution" not in r.columns:
        r = r.assign(attribution="")
    return r


def test_f60_the_base_case_over_the_limit_at_the_bands_top_is_pre_existing(study) -> None:
    """rev49b #2: 0.00008 pu inside the tolerance from the base case's taps (+0.0035 pu: the
    old code's ``new``, a gate failure), 1.0643 pu without V2G at the band's top, where V2G
    lowers it: ``pre-existing``, and the row says which start, the base case's voltage there
    and V2G's change. Fails on the old code (``new``)."""
    r = _rows(study, _bus(_F60["vm"], _F60["top"], _F60["bottom"]))
    assert len(r) == 1
    row = r.iloc[0]
    assert row.attribution == "pre-existing"
    assert row.margin == pytest.approx(1.05 - 1.05448, abs=1e-9)  # judged as before
    msg = str(row.message)
    assert ("without V2G the band's top already gives 1.0643 pu at F1-B01; V2G changes it "
            "by −0.0033 pu there: a condition of the regulator settings, not of V2G") in msg


def test_a_material_rise_where_the_base_case_fails_stays_v2gs(study) -> None:
    """The lead's "unless": the same bus, V2G raising it at the band's top by 0.0091 pu
    (> 1/120 pu) — not pre-existing (the attribution's own rule decides, ``new`` here)."""
    top = (_F60["top"][0], _F60["top"][0] + 0.0091)
    r = _rows(study, _bus(_F60["vm"], top, _F60["bottom"]))
    assert len(r) == 1
    assert r.iloc[0].attribution == "new"
    assert "a condition of the regulator settings" not in str(r.iloc[0].message)


def test_an_under_voltage_row_whose_base_case_fails_at_the_bottom_is_pre_existing(
        study) -> None:
    """Under-voltage mirrored: 0.9495 pu without V2G from the base case's taps (within the
    tolerance), 0.9440 pu with it (−0.0055 pu, under the materiality); at the band's bottom
    0.9420 pu without V2G, 0.9428 pu with it. Old code: no attribution set (the attribution
    takes the base case's taps alone: within the tolerance, the row V2G's)."""
    low = {"top": (0.9560, 0.9520), "bottom": (0.9420, 0.9428)}
    bus = _bus((0.9495, 0.9440), low=low)
    bus["vm_a_pu"] = bus["vm_pu"]
    r = _rows(study, bus)
    r = r[r.rule.astype(str) != ""]
    assert len(r) == 1
    assert r.iloc[0].attribution == "pre-existing"
    assert ("without V2G the band's bottom already gives 0.9420 pu at F1-B01; V2G changes "
            "it by +0.0008 pu there") in str(r.iloc[0].message)


def test_unbalance_is_judged_from_the_three_band_starts(study) -> None:
    """rev49b #4: m1069376's OpenDSS figures against a 2.2 % limit — 1.877 % with V2G from
    the base case's taps passes; V2G adds 0.3089 points at the band's top: judged at
    2.0987 + 0.3089 %, a row (the old code: none), its text saying the three changes."""
    m = _M1069376
    r = _rows(study, _bus(u=m["u"], u_top=m["top"], u_bottom=m["bottom"]),
              unbalance_max_percent=2.2)
    assert len(r) == 1
    row = r.iloc[0]
    assert row.margin == pytest.approx(2.2 - (2.0987 + 2.0637 - 1.7547), abs=1e-9)
    msg = str(row.message)
    assert msg.startswith("voltage unbalance 2.41 % at F1-B01")
    assert ("V2G raises F1-B01's unbalance by -0.2217 % from the base case's taps, 0.3090 % "
            "from the top of their band") in msg
    assert "judged on the rise from the top of their band" in msg
    assert row.attribution != "pre-existing"


def test_unbalance_over_the_limit_without_v2g_at_a_start_is_pre_existing(study) -> None:
    """The rule on unbalance, a 2.1 % limit: from the base case's taps 1.94 → 1.99 %
    (passing), at the band's bottom 1.80 → 1.97 % (+0.17 points, passing): judged at
    1.94 + 0.17 = 2.11 %, over the limit; without V2G the band's top already gives 2.15 %
    and V2G lowers it there (2.12 %): pre-existing. Old code: no row (1.99 % passes)."""
    r = _rows(study, _bus(u=(1.94, 1.99), u_top=(2.15, 2.12), u_bottom=(1.80, 1.97)),
              unbalance_max_percent=2.1)
    assert len(r) == 1
    assert r.iloc[0].margin == pytest.approx(2.1 - 2.11, abs=1e-9)
    assert r.iloc[0].attribution == "pre-existing"
    assert ("without V2G the band's top already gives 2.15 % at F1-B01; V2G changes it by "
            "−0.03 % there") in str(r.iloc[0].message)


def test_a_material_worsening_that_takes_a_passing_start_over_the_limit_stays_v2gs() -> None:
    """Beside the lead's rule: the base case failing only from its own taps (2.0987 % against
    2.0 %) while V2G adds 0.3089 points at the band's top, taking 1.7547 % over the limit —
    not pre-existing (m1069376's OpenDSS figures)."""
    from protv2g.checks.flow_band_pre import band_preexisting

    m = _M1069376
    base = np.array([[m["u"][0], m["top"][0], m["bottom"][0]]])
    worse = np.array([[m["u"][1] - m["u"][0], m["top"][1] - m["top"][0],
                       m["bottom"][1] - m["bottom"][0]]])
    assert band_preexisting(base - 2.0, worse, 0.15).tolist() == [-1]
    assert band_preexisting(base - 2.0, np.minimum(worse, 0.1), 0.15).tolist() == [0]


def test_the_flow_records_each_band_edges_unbalance() -> None:
    """The band-edge columns of the unbalance are the flow's own (no extra solve): the same
    loop fills them from the same table as the voltages'."""
    from protv2g.flow import tap_band

    assert tap_band.TOP_UNBALANCE_COLUMN == "unbalance_band_top_percent"
    assert tap_band.BOTTOM_UNBALANCE_COLUMN == "unbalance_band_bottom_percent"


def test_the_hosting_tolerance_ends_record_follows_the_rule(study, monkeypatch) -> None:
    """C12's record of the buses judged against the limit at the tolerance bracket's low end
    (0.0001 pu, :mod:`protv2g.checks.flow_band_judged`, what the hosting figure's tolerance
    end reads) leaves out a bus whose base case is over it at a band start while V2G's change
    there is within the materiality: 1.0500 → 1.0535 pu from the base case's taps, without
    V2G 1.0640 pu at the band's top, V2G lowering it to 1.0607 pu. Old code: kept. (The
    regulator rules the record applies too are held off: this net has no regulator.)"""
    from protv2g.checks import flow_band_judged
    from protv2g.checks.flow import check_flow

    monkeypatch.setattr(flow_band_judged, "regulators_own",
                        lambda ctx, bus, rows, *a: (np.zeros(len(rows), dtype=bool), {}))
    monkeypatch.setattr(flow_band_judged, "band_rows", lambda *a: {})
    judged = []
    for top in ((1.0640, 1.0607), (1.0400, 1.0420)):  # the band's top failing, passing
        ctx = _ctx(study, _bus((1.0500, 1.0535), top, (1.0495, 1.0523)))
        check_flow(ctx)
        judged.append(2 in np.asarray(ctx.cache[flow_band_judged.BAND_JUDGED].get("v2g", []))
                      .tolist())
    assert judged == [False, True]


def test_the_hosting_figure_an_unbalance_row_limits_says_its_knife_edge() -> None:
    """rev49b #4 / inv49b §4: the 8500 homes at firm/peak, 14.85 kW, C12 unbalance at
    m1026950 — 2.887 % without V2G, V2G's change +0.1526 points with the taps held (OpenDSS)
    against the 0.15-point materiality: the figure's words say so, and the row's band-start
    words. Old code: no words for an unbalance row (``voltage_limit_text`` gave "")."""
    from protv2g.checks.flow_tap_path import TAP_PATH_TEXT
    from protv2g.hosting.voltage_text import voltage_limit_text

    row = {"criterion": "C12", "margin_unit": "% VUF", "limit": 3.0,
           "base_margin": 3.0 - 2.887, "margin": 3.0 - (2.887 + 0.1526), "tolerance": 0.15,
           "message": "voltage unbalance 3.04 % at m1026950" + TAP_PATH_TEXT + "the export "
                      "starts decides this rise"}
    text = voltage_limit_text(row, 16.2)
    assert text.startswith("V2G's change of the unbalance (+0.1526 % at 16.2 kW) against the "
                           "materiality 0.15 % on a bus at 2.887 % without V2G; knife-edge: "
                           "+0.0026 points from the materiality")
    assert text.endswith("where in their band the regulators rest when the export starts "
                         "decides this rise")
    row["margin"] = 3.0 - (2.887 + 0.30)
    assert "knife-edge" not in voltage_limit_text(row, 16.2)


def test_the_figures_note_says_the_knife_edge_and_the_base_taps_only() -> None:
    """The note beside the figure takes the knife-edge clause and the row's "from the base
    case's taps only" clause (the 8500 homes: −0.062 / −0.059 points at the band's edges,
    inv49b §4) from the limiting words."""
    from protv2g.checks.flow_unbalance import ONLY_OWN_TEXT
    from protv2g.hosting.unbalance_text import note_words, unbalance_limit_text

    row = {"limit": 3.0, "base_margin": 0.113, "margin": 3.0 - 3.0396, "tolerance": 0.15,
           "message": "voltage unbalance 3.04 % at m1026950; where in their band the "
                      "regulators rest when the export starts decides this rise …; "
                      + ONLY_OWN_TEXT + "(0.15 %) from the base case's taps only (-0.0620 % at "
                      "the band's top, -0.0590 % at the band's bottom)"}
    said = note_words("at m1026950; " + unbalance_limit_text(row, 16.2))
    assert said == ("knife-edge: +0.0026 points from the materiality, less than 0.01 — the "
                    "figure turns on it; V2G's change is over the materiality (0.15 %) from "
                    "the base case's taps only (-0.0620 % at the band's top, -0.0590 % at the "
                    "band's bottom)")
