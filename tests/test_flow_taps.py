"""C12 rows that a regulator's tap, not V2G, moves, and the unbalance rows' own materiality
(review rev31 §1, §2, §6: IEEE 8500, VREG2_b one tap lower in a V2G snapshot moved a 3.57 %
unbalance behind it by 0.21 points, and a 7.2 kW charger "made worse" a 3.02 % unbalance by
0.013 points; :mod:`protv2g.checks.flow_taps`, :mod:`protv2g.checks.flow_unbalance`).

Hand-built flow tables on the hand-built feeder of :mod:`tests.test_checks_common`, and a small
OpenDSS feeder written here: three single-phase regulators (each with its RegControl, vreg
125 V, band 2 V, PT 60: 1.0334–1.0501 pu) between buses ``a`` and ``ar``, a load at ``d``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import run_checks
from protv2g.checks.attribution_materiality import MATERIALITY
from protv2g.checks.flow_taps import (
    band_over_limit,
    downstream_sets,
    regulator_settings,
    tap_explained,
    tap_moves,
)
from protv2g.checks.flow_unbalance import UNBALANCE_CHANGE_MIN_PERCENT
from protv2g.criteria import MarginUnit
from tests.test_checks_common import BASE, BUS, V2G, make_study, rows, scenarios

_DSS = """clear
new circuit.regtest basekv=12.47 pu=1.0 bus1=src phases=3
new line.l1 bus1=src bus2=a phases=3 length=2 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
{regs}
new line.l2 bus1=ar bus2=d phases=3 length=3 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
new load.ld bus1=d phases=3 kv=12.47 kw=1500 pf=0.95
set voltagebases=[12.47]
calcvoltagebases
"""
_REG = ("new transformer.reg1{p} phases=1 windings=2 buses=[a.{n} ar.{n}] conns=[wye wye] "
        "kvs=[7.2 7.2] kvas=[1666 1666] xhl=0.01 %loadloss=0.01\n"
        "new regcontrol.creg1{p} transformer=reg1{p} winding=2 vreg={vreg} band=2 ptratio=60")


def _model(tmp_path, vreg: float = 125.0):
    pytest.importorskip("opendssdirect")
    from protv2g.network.dss_model import load_dss_model

    regs = "\n".join(_REG.format(p=p, n=n, vreg=vreg) for n, p in enumerate("abc", 1))
    path = tmp_path / "master.dss"
    path.write_text(_DSS.format(regs=regs))
    return load_dss_model(path)


def _bus(v_in_b: float, tap_b: int, u2_v2g: float) -> pd.DataFrame:
    """Bus table (src, a, ar, d) of ``base/peak`` and ``v2g``: regulator b's ratio 1.05 in the
    base case, ``tap_b`` steps off it in ``v2g`` with its input at ``v_in_b``; ``d``'s
    unbalance 3.02 % without V2G, ``u2_v2g`` with."""
    out = []
    for scen, vin, ratio, u2 in ((BASE, 0.99, 1.05, 3.02),
                                 (V2G, v_in_b, 1.05 + tap_b * 0.00625, u2_v2g)):
        a = [1.0, vin, 1.0]
        ar = [1.04, vin * ratio, 1.04]
        for b, v, u in ((0, [1.0] * 3, 0.1), (1, a, 1.0), (2, ar, 1.0), (3, ar, u2)):
            out.append({"scenario": scen, "step": 0, "bus": b, "vm_pu": float(np.mean(v)),
                        "vm_a_pu": v[0], "vm_b_pu": v[1], "vm_c_pu": v[2],
                        "unbalance_percent": u})
    return pd.DataFrame(out)


def test_settings_phases_and_downstream_of_single_phase_regulators(tmp_path) -> None:
    model = _model(tmp_path)
    s = regulator_settings(model)
    assert s.transformer.tolist() == ["reg1a", "reg1b", "reg1c"]
    assert s.phases.tolist() == [[0], [1], [2]]  # each its own phase (nodes .1, .2, .3)
    np.testing.assert_allclose(s.step_pu, 0.00625)
    np.testing.assert_allclose(s.lo_pu, 124 * 60 / 7199.558, rtol=1e-4)
    np.testing.assert_allclose(s.hi_pu, 126 * 60 / 7199.558, rtol=1e-4)
    bus = {b: k for k, b in enumerate(model.buses.index)}
    assert downstream_sets(model)["regcontrol.creg1b"] == frozenset({bus["ar"], bus["d"]})


def test_an_unforced_tap_move_is_found_and_explains_the_unbalance(tmp_path) -> None:
    """Regulator b one tap lower in the V2G snapshot while the base's tap would still leave
    its output inside the band (0.992 × 1.05 = 1.0416 pu): the 0.20-point rise at ``d`` is
    within the move's effect (≈ 0.21 points) plus the threshold: pre-existing, said."""
    model = _model(tmp_path)
    bus = _bus(0.992, -1, 3.22)
    moves = tap_moves(bus, regulator_settings(model), {V2G: BASE, BASE: BASE})
    assert len(moves) == 1 and moves.name.iat[0] == "regcontrol.creg1b"
    assert moves.taps.iat[0].tolist() == [0, -1, 0] and bool(moves.unforced.iat[0])
    row = bus[(bus.scenario == V2G) & (bus.bus == 3)]
    ok, text = tap_explained(model, bus, {V2G: BASE}, row, np.array([0.20]),
                             np.array([UNBALANCE_CHANGE_MIN_PERCENT]), "%")
    assert ok.tolist() == [True]
    assert "creg1b (phase b) rests 1 tap lower in this snapshot than without V2G" in text[0]
    assert "within the materiality threshold 0.150 points" in text[0]
    # a change beyond the move's effect plus the threshold stays V2G's
    ok, _ = tap_explained(model, bus, {V2G: BASE}, row, np.array([0.40]),
                          np.array([UNBALANCE_CHANGE_MIN_PERCENT]), "%")
    assert ok.tolist() == [False]


def test_a_forced_tap_move_is_v2gs_own(tmp_path) -> None:
    """The V2G step raises the regulator's input so that the base's tap would leave the band
    (1.002 × 1.05 = 1.0521 pu > 1.0501 + 0.001): the move is V2G's, nothing is explained."""
    model = _model(tmp_path)
    bus = _bus(1.002, -1, 3.22)
    moves = tap_moves(bus, regulator_settings(model), {V2G: BASE})
    assert moves.taps.iat[0].tolist() == [0, -1, 0] and not bool(moves.unforced.iat[0])
    row = bus[(bus.scenario == V2G) & (bus.bus == 3)]
    ok, text = tap_explained(model, bus, {V2G: BASE}, row, np.array([0.20]),
                             np.array([UNBALANCE_CHANGE_MIN_PERCENT]), "%")
    assert ok.tolist() == [False] and text == [""]


def test_a_band_reaching_over_the_limit_is_found(tmp_path) -> None:
    """§6: vreg 126.5 V on PT 60 is 1.054 pu on 7.2 kV, its band 1.0472–1.0626 pu."""
    model = _model(tmp_path, vreg=126.5)
    bus = {b: k for k, b in enumerate(model.buses.index)}
    over = band_over_limit(model, np.array([bus["ar"], bus["d"]]), 1.05)
    assert list(over) == [bus["ar"]]
    lo, hi, _ = over[bus["ar"]]
    assert lo == pytest.approx(125.5 * 60 / 7199.558, rel=1e-4)
    assert hi == pytest.approx(127.5 * 60 / 7199.558, rel=1e-4)
    assert band_over_limit(_model(tmp_path, vreg=125.0), np.array([bus["ar"]]), 1.05) == {}
    assert band_over_limit(None, np.array([0]), 1.05) == {}


# ---------------------------------------------------------------- unbalance materiality
@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("unb"))


def _unbalance_flow(base: dict[str, float], v2g: dict[str, float]) -> dict[str, pd.DataFrame]:
    def table(scenario: str, given: dict[str, float]) -> pd.DataFrame:
        u = {**dict.fromkeys(BUS, 1.0), **given}
        return pd.DataFrame({"scenario": scenario, "step": 0, "bus": [BUS[b] for b in u],
                             "vm_pu": 1.0, "unbalance_percent": list(u.values())})
    br = pd.DataFrame({"scenario": BASE, "step": 0, "element": "line",
                       "element_index": [0, 1], "loading_percent": [40.0, 30.0]})
    return {"bus": pd.concat([table(BASE, base), table(V2G, v2g)], ignore_index=True),
            "branch": br}


def _unbalance_rows(study, flow) -> pd.DataFrame:
    v, _ = run_checks(study, rows((BASE, "R1", "B1", "3ph", "max", 1000.0)), flow,
                      scenarios())
    v = v[(v.criterion == "C12") & (v.status == "fail")]
    return v[v.message.astype(str).str.contains("unbalance") & (v.scenario == V2G)]


def test_unbalance_rows_have_their_own_unit_threshold_and_words(hand) -> None:
    """Review rev31 §2: 3.022 % without V2G, +0.013 points with one charger: pre-existing
    under IEC 61000-4-30 Class A's 0.15 points, not the loading rows' CT words."""
    r = _unbalance_rows(hand, _unbalance_flow({"B2": 3.022}, {"B2": 3.035}))
    assert len(r) == 1
    row = r.iloc[0]
    assert str(row.margin_unit) == MarginUnit.UNBALANCE_PERCENT.value == "% VUF"
    assert row.tolerance == pytest.approx(0.15)
    assert row.attribution == "pre-existing"
    assert "checks.unbalance_change_min_percent" in str(row.message)
    assert "metering CT" not in str(row.message)
    assert ("C12", "% VUF") in MATERIALITY and ("C12", "%") in MATERIALITY


def test_a_material_unbalance_change_is_worse(hand) -> None:
    r = _unbalance_rows(hand, _unbalance_flow({"B2": 3.022}, {"B2": 3.40}))
    assert r.attribution.tolist() == ["worse"]


def test_a_marginal_passing_base_moved_less_than_the_threshold_is_pre_existing(hand) -> None:
    """m1047550: 2.9986 % without V2G (passing by 0.0014 points), 3.01 % with: before, with no
    base margin for unbalance, ``new``; now its base margin is known and the change is under
    the threshold."""
    r = _unbalance_rows(hand, _unbalance_flow({"B2": 2.9986}, {"B2": 3.01}))
    assert r.attribution.tolist() == ["pre-existing"]
    assert "without V2G it passes by" in str(r.message.iat[0])
    r = _unbalance_rows(hand, _unbalance_flow({"B2": 2.5}, {"B2": 3.01}))
    assert r.attribution.tolist() == ["new"]  # clear of the threshold without V2G


def test_the_threshold_is_a_study_key(tmp_path) -> None:
    study = make_study(tmp_path, checks={"unbalance_change_min_percent": 0.005})
    r = _unbalance_rows(study, _unbalance_flow({"B2": 3.022}, {"B2": 3.035}))
    assert r.attribution.tolist() == ["worse"] and r.tolerance.tolist() == [0.005]


def test_a_regulated_bus_moved_inside_a_band_over_the_limit_is_the_set_points(tmp_path):
    """§6: IEEE 8500's ``_hvmv_sub_lsb`` 1.0503 → 1.0536 pu inside its regulators' band
    (vreg 126.5 V: 1.0472–1.0626 pu here): pre-existing, with the rise in the message; the
    base case's own row is left to the attribution; above the band it stays V2G's."""
    from types import SimpleNamespace

    from protv2g.checks.flow_taps import regulators_own

    model = _model(tmp_path, vreg=126.5)
    ar = list(model.buses.index).index("ar")
    ctx = SimpleNamespace(thresholds=SimpleNamespace(v_max_pu=1.05,
                                                     voltage_change_min_pu=1.0 / 120.0),
                          study=SimpleNamespace(model=model), base_of={V2G: BASE, BASE: BASE})
    bad = pd.DataFrame({"scenario": [BASE, V2G, V2G], "step": 0, "bus": ar,
                        "vm_pu": [1.0512, 1.0536, 1.0700]})
    v_base = np.array([1.0512, 1.0503, 1.0503])
    pre, suffix = regulators_own(ctx, _bus(0.99, 0, 3.02).iloc[:0], bad,
                                 np.array([False, True, True]), v_base, 0.001)
    assert pre.tolist() == [False, True, False]
    assert "reaches over 1.05 pu by itself" in suffix[1]
    assert "1.0503 → 1.0536 pu, +0.0033 pu" in suffix[1]


def test_a_ganged_regulator_has_its_three_phases(tmp_path) -> None:
    """One RegControl on a three-phase regulator: one tap for all phases."""
    pytest.importorskip("opendssdirect")
    from protv2g.network.dss_model import load_dss_model

    regs = ("new transformer.reg3 phases=3 windings=2 buses=[a ar] conns=[wye wye] "
            "kvs=[12.47 12.47] kvas=[5000 5000] xhl=0.01 %loadloss=0.01\n"
            "new regcontrol.creg3 transformer=reg3 winding=2 vreg=125 band=2 ptratio=60")
    path = tmp_path / "ganged.dss"
    path.write_text(_DSS.format(regs=regs))
    s = regulator_settings(load_dss_model(path))
    assert s.transformer.tolist() == ["reg3"] and s.phases.tolist() == [[0, 1, 2]]
