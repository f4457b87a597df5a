"""The close-in base twin (:mod:`protv2g.checks.close_in_twins`) in the two idle judgements
that did not use it (twin2_38; c5tw38's report): C1–C4's idle pairs
(:func:`protv2g.checks.equipment.idle_coordination`) and C6's base check
(:func:`protv2g.checks.equipment_rows.sympathetic_idle`).

The synthetic feeder: ``test_dss_site_transformer``'s 12.47 kV trunk (sub–b1–b2, b1–b3) with
the depot's 2 MVA transformer at b2 (delta on the feeder side: it changes no ground fault's
3I0 on the feeder) and the project's fuse f_depot on it, an existing grounding bank at b3
(YNd 1.5 MVA: a zero-sequence source off the path to b2) and three existing relays: the
head on l1, mid on l2 (ground time dial 3.0 against the head's 0.5: the head trips first for
every ground fault past mid — a pre-existing C1 failure) and r3 on l3 (51G 40 A, dial 0.1:
it trips on the grounding bank's 3I0 for a ground fault at b2 before mid clears — a
pre-existing C6 failure). A 20 Ω ground fault at f_depot's close-in position is the fault
at b2 (the 140K link does not clear it first): the same two failures, already there
without the project. Before: both "the project's equipment's" there (the base case has no
fault at the close-in bus, so the idle judgements found no twin).

References, none computed by protv2g: the relays' 3I0 for a 20 Ω SLG at b2 without the
project from OpenDSS (a fresh ``opendssdirect`` context, lines' resistance × 1.24, source
1.0 pu, loads off — ``test_equipment_reach_sympathetic``'s figure) and their IEEE
moderately inverse times by hand, t = TD · (0.0515 / (M^0.02 − 1) + 0.114) (IEEE
C37.112-2018 Table 1).
"""

from __future__ import annotations

import pytest

pytest.importorskip("opendssdirect")

from .test_close_in_twin import _run  # noqa: E402
from .test_dss_site_transformer import MASTER  # noqa: E402

XF = """\
! the depot's 2 MVA transformer (Dyn) and an existing grounding bank at b3 (YNd)
New Transformer.depot_xf phases=3 windings=2 buses=(b2, depot_lv) conns=(delta, wye)
~ kvs=(12.47, 0.48) kvas=(2000, 2000) xhl=5.64 %r=0.564
New Transformer.gbank phases=3 windings=2 buses=(b3, gbank_lv) conns=(wye, delta)
~ kvs=(12.47, 0.48) kvas=(1500, 1500) xhl=5.0 %r=0.5
Set VoltageBases=(115, 12.47, 0.48)
CalcVoltageBases
"""
STUDY = """\
name: xtw2
feeder: {opendss: Master.dss, redirects: [depot_xf.dss]}
devices:
  - {name: head, kind: relay, location: {line: l1, end: from}, pickup_a: 600,
     curve: IEEE-MI, time_dial: 0.5, ground_pickup_a: 100, ground_curve: IEEE-MI,
     ground_time_dial: 0.5, interrupting_rating_ka: 25, reclose_intervals_s: []}
  - {name: mid, kind: relay, location: {line: l2, end: from}, pickup_a: 600,
     curve: IEEE-MI, time_dial: 3.0, ground_pickup_a: 100, ground_curve: IEEE-MI,
     ground_time_dial: 3.0, interrupting_rating_ka: 25, reclose_intervals_s: []}
  - {name: r3, kind: relay, location: {line: l3, end: from}, pickup_a: 400,
     curve: IEEE-MI, time_dial: 0.5, ground_pickup_a: 40, ground_curve: IEEE-MI,
     ground_time_dial: 0.1, interrupting_rating_ka: 25, reclose_intervals_s: []}
  - {name: f_depot, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 140K,
     interrupting_rating_ka: 10, interrupting_rating_basis: asym}
v2g_sites:
  - {name: depot, bus: depot_lv, n_chargers: 10, p_charger_kw: 100,
     model_transformer: depot_xf}
  - {name: homes, bus: b3, n_chargers: 10, p_charger_kw: 10}
scenarios: {export_levels_fraction: [1.0], participation: [expected], load_levels: [peak]}
faults: {r_fault_min_ohm: 20}
"""
CLOSE_IN = "f_depot close-in"
BASE = "base/peak"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    where = tmp_path_factory.mktemp("xtw2")
    (where / "Master.dss").write_text(MASTER)
    (where / "depot_xf.dss").write_text(XF)
    study, res, gate = _run(where, STUDY)
    return where, res.violations


def _opendss_3i0(where, lines: tuple[str, ...]) -> list[float]:
    """OpenDSS: |3I0| (A) at the from-end of each of ``lines`` for a 20 Ω SLG on phase a at
    b2 without the project (no depot transformer), the minimum case's model."""
    import numpy as np
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{where / "Master.dss"}"')
    dss.Text.Command("new transformer.gbank phases=3 windings=2 buses=(b3, gbank_lv) "
                     "conns=(wye, delta) kvs=(12.47, 0.48) kvas=(1500, 1500) xhl=5.0 %r=0.5")
    dss.Text.Command("batchedit load..* enabled=no")
    for name in dss.Lines.AllNames():
        dss.Lines.Name(name)
        dss.Lines.RMatrix((np.asarray(dss.Lines.RMatrix()) * 1.24).tolist())
        dss.Lines.CMatrix([0.0] * len(dss.Lines.CMatrix()))
    dss.Text.Command("vsource.source.pu=1.0")
    dss.Text.Command("new fault.f phases=1 bus1=b2.1 bus2=b2.0 r=20")
    dss.Solution.Solve()
    out = []
    for line in lines:
        dss.Circuit.SetActiveElement(f"Line.{line}")
        c = np.asarray(dss.CktElement.Currents(), dtype=float)
        out.append(float(abs((c[0:6:2] + 1j * c[1:6:2]).sum())))
    return out


def _mi_s(i_a: float, pickup_a: float, td: float) -> float:
    """IEEE moderately inverse (C37.112-2018 Table 1), by hand."""
    return td * (0.0515 / ((i_a / pickup_a) ** 0.02 - 1.0) + 0.114)


def _at(v, criterion, device, other, bus, scenario=None):
    x = v[(v.criterion == criterion) & (v.device == device) & (v.other_device == other)
          & (v.fault_bus.astype(str) == bus) & (v.case == "min")
          & v.fault_type.astype(str).str.startswith("SLG")]
    return x if scenario is None else x[x.scenario == scenario]


def test_base_twin_failures_by_opendss_and_hand(run):
    """The two failures exist without the project at b2: the head's 51G trips before mid's
    and r3's before mid clears, OpenDSS's 3I0 and the curves by hand."""
    where, v = run
    i_head, i_mid, i_r3 = _opendss_3i0(where, ("l1", "l2", "l3"))
    t_head, t_mid, t_r3 = (_mi_s(i_head, 100.0, 0.5), _mi_s(i_mid, 100.0, 3.0),
                           _mi_s(i_r3, 40.0, 0.1))
    assert t_head - t_mid - 0.2 < 0.0 and t_r3 - t_mid - 0.2 < 0.0  # CTI 0.2 s numerical
    c1 = _at(v, "C1", "head", "mid", "b2", BASE)
    assert len(c1) == 3
    assert float(c1.t_device_s.iloc[0]) == pytest.approx(t_head, rel=0.02)
    assert float(c1.t_other_s.iloc[0]) == pytest.approx(t_mid, rel=0.02)
    assert float(c1.margin.iloc[0]) == pytest.approx(t_head - t_mid - 0.2, rel=0.02)
    c6 = _at(v, "C6", "r3", "mid", "b2", BASE)
    assert len(c6) == 3
    assert float(c6.t_device_s.iloc[0]) == pytest.approx(t_r3, rel=0.02)


def test_c1_pair_of_base_devices_at_the_close_in_fault_is_the_base_pairs(run):
    """The head/mid pair at f_depot's close-in 20 Ω ground faults: compared with the base
    case's pair at b2 (pre-existing), not "the project's equipment's". Fails on the old code
    (c5tw38's merge e64f4aa: 3 rows of SLG "equipment", base margin −5.46 s)."""
    _where, v = run
    close = _at(v, "C1", "head", "mid", CLOSE_IN)
    assert len(close) == 3, v[v.criterion == "C1"].groupby(["fault_bus"], observed=True).size()
    assert set(close.attribution) == {"pre-existing"}, close[["fault_type", "attribution"]]
    assert "the project's equipment" not in " ".join(close.message.astype(str))
    base = _at(v, "C1", "head", "mid", "b2", BASE)
    for r in close.itertuples(index=False):
        twin = base[base.fault_type == r.fault_type]
        assert float(r.base_margin) == pytest.approx(float(twin.margin.iloc[0]), abs=1e-9)


def test_c6_candidate_at_the_close_in_fault_takes_the_base_case_at_the_terminal_bus(run):
    """r3 tripping before mid clears a 20 Ω ground fault at f_depot's close-in position:
    pre-existing as at b2 without the project. Where the project's fuse clears (the bolted
    faults) the base case has no such row (no f_depot there): still the equipment's. Fails
    on the old code (3 rows of SLG "equipment" with mid clearing)."""
    _where, v = run
    close = _at(v, "C6", "r3", "mid", CLOSE_IN)
    assert len(close) == 3, v[v.criterion == "C6"][["fault_bus", "other_device", "case"]]
    assert set(close.attribution) == {"pre-existing"}, close[["fault_type", "attribution"]]
    assert "the project's equipment" not in " ".join(close.message.astype(str))
    fuse = v[(v.criterion == "C6") & (v.other_device == "f_depot")]
    assert len(fuse) and set(fuse.attribution) == {"equipment"}
