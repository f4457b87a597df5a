"""C1 on a low-resistance-grounded feeder: a lateral fuse that the grounding keeps from clearing
ground faults is by design, ``info``, not a V2G failure (review rev44b M2).

The model is rev44b's f3: a 13.8 kV 3-wire feeder grounded through a 20 Ω neutral resistor at
the substation (an SLG draws ≈ 400 A), a 140T link on the depot lateral, the drafted head relay
(51G 80 A IEEE-MI TD 0.5) and a 2 MW depot behind a Δ–Δ transformer. Before the fix the gate
said "fail: C1 head-c1 / fdep … made worse by V2G, margin −315.1 s": the fuse clears the ground
fault in minutes with or without V2G, the 51G in 0.8 s (IEEE Std 142-2007 §1.4.3: on a
low-resistance-grounded system ground relays clear ground faults; fuses are not the ground
protection).

References (nothing computed by protv2g): OpenDSS through ``opendssdirect`` on the same
script — a ``Fault`` element (0.0001 Ω) with the loads out and the source at 1.1 pu (IEC 60909
maximum case): the current through Line.dep (the fuse) for an SLG at dp (424.61 A; protv2g
424.59 A), and the three-phase and SLG currents at the head's bus (7644 A and 435.5 A:
0.057); hand arithmetic for the effective-grounding bound
``3/(2+√10)`` (IEEE Std C62.92.1: X0/X1 ≤ 3, R0/X1 ≤ 1).
"""

from __future__ import annotations

import math
import types

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from protv2g import load_study, run_study  # noqa: E402
from protv2g.checks.ground_limited import (  # noqa: E402
    EFFECTIVE_SLG_RATIO,
    FUSE_USEFUL_S,
    GROUND_LIMITED,
    ground_limited,
)
from protv2g.checks.operating_element import OperatingElement  # noqa: E402
from protv2g.report.derived import pair_table  # noqa: E402

from .ngr_feeder import ngr_source  # noqa: E402

MODEL = """New Line.c1 bus1=sub bus2=p1 linecode=c500 length=0.4 units=mi
New Line.c2 bus1=p1 bus2=p2 linecode=c500 length=0.6 units=mi
New Line.c3 bus1=p2 bus2=p3 linecode=c500 length=0.5 units=mi
New Line.dep bus1=p3 bus2=dp linecode=c2 length=0.1 units=mi
New Transformer.depxf phases=3 windings=2 buses=(dp dlv) conns=(delta delta) kvs=(13.8 0.48)
~ kvas=(2500 2500) xhl=5.75 %r=0.8
New Load.depaux bus1=dlv phases=3 conn=delta kv=0.48 kw=150 kvar=50
New Load.p2 bus1=p2 phases=3 conn=delta kv=13.8 kw=1200 kvar=600
New Load.p3 bus1=p3 phases=3 conn=delta kv=13.8 kw=2500 kvar=1200
Set VoltageBases=(69, 13.8, 0.48)
CalcVoltageBases
"""
STUDY = """name: f3
feeder:
  opendss: master.dss
  adopt_devices: false
devices:
  - name: fdep
    kind: fuse
    location: {line: dep, end: from}
    link: 140T
    interrupting_rating_ka: 8
    interrupting_rating_basis: asym
  - name: head-c1
    kind: relay
    location: {line: c1, end: from}
    pickup_a: 670
    curve: IEEE-VI
    time_dial: 0.5
    ground_pickup_a: 80
    ground_curve: IEEE-MI
    ground_time_dial: 0.5
    reclose_intervals_s: [3.5, 15.0, 30.0]
    interrupting_rating_ka: 12.5
v2g_sites:
  - name: depot
    bus: dlv
    n_chargers: 10
    p_charger_kw: 200
    limit_pu: 1.5
    sustained_limit_pu: 1.1
scenarios:
  export_levels_fraction: [0.0, 0.5]
  participation: [firm]
  load_levels: [peak]
faults:
  method: iec60909
  fault_types: [3ph, SLG]
  cases: [max]
"""


def _write(folder, r_ngr: float = 20.0):
    (folder / "master.dss").write_text(ngr_source(r_ngr) + MODEL)
    (folder / "study.yaml").write_text(STUDY)
    return folder / "study.yaml"


def _dss_fault(master, bus: str, kind: str, line: str | None = None) -> float:
    """OpenDSS: the largest phase current (A) into a bolted fault at ``bus`` (or, with
    ``line``, through that line) with the loads out and the source at 1.1 pu (IEC 60909's
    maximum case: c_max = 1.1, loads neglected; its K_T correction of the substation
    transformer left out, a few ‰ here where the 20 Ω resistor dominates the SLG loop)."""
    import opendssdirect as dss

    dss.Text.Command(f'compile "{master}"')
    for name in dss.Loads.AllNames():
        dss.Text.Command(f"Load.{name}.enabled=no")
    dss.Text.Command("Vsource.source.pu=1.1")
    nodes = ".1.2.3" if kind == "3ph" else ".1"
    dss.Text.Command(f"New Fault.f bus1={bus}{nodes} phases={3 if kind == '3ph' else 1} "
                     "r=0.0001")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement(f"Line.{line}" if line else "Fault.f")
    c = np.asarray(dss.CktElement.Currents())
    c = np.abs(c[0::2] + 1j * c[1::2])
    out = float(c[:3].max() if line else c.max())
    dss.Text.Command("clear")
    return out


@pytest.fixture(scope="module")
def ngr(tmp_path_factory):
    """(folder, result) of the NGR feeder's study."""
    folder = tmp_path_factory.mktemp("ngr")
    return folder, run_study(load_study(_write(folder)))


def test_fuse_under_ngr_is_by_design_not_v2g(ngr):
    tmp_path, res = ngr
    v = res.violations
    c1 = v[v.criterion.astype(str) == "C1"]
    # the fuse–relay pair at the depot's ground faults: info, its reason as data
    slg = c1[c1.fault_type.astype(str).str.startswith("SLG")]
    assert len(slg) and (slg.status.astype(str) == "info").all()
    assert (slg.mechanism.astype(str) == GROUND_LIMITED).all()
    assert (slg.attribution.astype(str) == "pre-existing").all()
    assert not (c1.status.astype(str) == "fail").any()
    assert "made worse by V2G" not in " ".join(c1.message.astype(str))
    # the coordination table carries the same status (the Pair coordination sheet reads it)
    co = res.tables["Coordination"]
    rows = co[(co.criterion == "C1") & co.fault_type.astype(str).str.startswith("SLG")
              & ~co.ok.astype(bool)]
    assert len(rows) and (rows.status.astype(str) == "info").all()
    # the figures the rule rests on, against OpenDSS
    base = rows[rows.scenario.astype(str).str.startswith("base")
                & (rows.fault_bus.astype(str) == "dp")]
    i_fuse = float(base.i_primary_a.iloc[0])
    ref = _dss_fault(tmp_path / "master.dss", "dp", "SLG", line="dep")
    assert i_fuse == pytest.approx(ref, rel=0.002)  # 424.6 A both: the NGR limits it
    assert float(base.t_primary_s.iloc[0]) > FUSE_USEFUL_S  # 140T at 424.6 A: 184 s
    i3 = _dss_fault(tmp_path / "master.dss", "sub", "3ph")
    i1 = _dss_fault(tmp_path / "master.dss", "sub", "SLG")
    assert i1 / i3 < EFFECTIVE_SLG_RATIO  # ≈ 0.06: not effectively grounded
    msg = slg[~slg.scenario.astype(str).str.startswith("base")].message.astype(str).iloc[0]
    assert "head-c1's ground element" in msg and "V2G does not change who clears" in msg
    # ver45: the first cycle's current is said as such beside the staged time
    assert "A in the first cycle and clears in" in msg and "later stages set that time" in msg


def test_solidly_grounded_feeder_keeps_the_rule(tmp_path):
    """Control: the same feeder with the star point solidly grounded (0.001 Ω): the bolted SLG
    at the head is of the order of its three-phase fault, so no C1 row there is info."""
    path = _write(tmp_path, r_ngr=0.001)
    i3 = _dss_fault(tmp_path / "master.dss", "sub", "3ph")
    i1 = _dss_fault(tmp_path / "master.dss", "sub", "SLG")
    assert i1 / i3 > EFFECTIVE_SLG_RATIO
    res = run_study(load_study(path))
    co = res.tables["Coordination"]
    assert not (co.status.astype(str) == "info").any()


def _ctx(ratio: float):
    """A context whose relay R sees 1000 A for a 3ph fault and ``ratio`` × that for an SLG at
    its terminal T (base case, max)."""
    faults = pd.DataFrame({"scenario": "base", "device": "R", "fault_bus": 7,
                           "fault_type": ["3ph", "SLG-a"], "case": "max",
                           "i_phase_a": [1000.0, 1000.0 * ratio]})
    return types.SimpleNamespace(faults=faults, base_of={"base": "base", "v2g": "base"},
                                 cache={})


def _pairs(scenarios, kinds=("fuse", "fuse")):
    n = len(scenarios)
    return pd.DataFrame({"scenario": scenarios, "p_fault_bus_name": "dp",
                         "fault_type": "SLG-a", "case": "max", "primary": "F",
                         "backup": "R", "p_kind": list(kinds)[:n]})


@pytest.mark.parametrize(("ratio", "t_fuse", "margin", "expected"), [
    (0.06, [184.0, 368.0], [-183.0, -367.0], [True, True]),   # NGR feeder: by design
    (0.70, [184.0, 368.0], [-183.0, -367.0], [False, False]),  # effectively grounded
    (0.06, [5.0, 6.0], [-4.2, -5.2], [False, False]),         # the fuse clears within 10 s
    (0.06, [184.0, 368.0], [0.5, -367.0], [False, False]),    # base passes: V2G changes it
])
def test_rule_conditions(ratio, t_fuse, margin, expected):
    m = _pairs(["base", "v2g"])
    sel = np.ones(2, dtype=bool)
    got = ground_limited(_ctx(ratio), m, sel, np.array(margin),
                         np.full(2, OperatingElement.GROUND), np.array(t_fuse))
    assert got.tolist() == expected


def test_rule_needs_the_ground_element_and_a_ground_fault():
    m = _pairs(["base", "v2g"])
    args = (np.ones(2, dtype=bool), np.array([-183.0, -367.0]))
    t = np.array([184.0, 368.0])
    assert not ground_limited(_ctx(0.06), m, *args, np.full(2, OperatingElement.PHASE),
                              t).any()
    assert not ground_limited(_ctx(0.06), m.assign(fault_type="LL-ab"), *args,
                              np.full(2, OperatingElement.GROUND), t).any()


def test_effective_grounding_bound_by_hand():
    # X0 = 3 X1, R0 = X1, Z1 = j X1: |2 Z1 + Z0| = |1 + 5j| X1, the bound's worst case is
    # below that point's own ratio: 3 / |1 + 5j| = 0.588 ≥ 3 / (2 + √10) = 0.581
    assert EFFECTIVE_SLG_RATIO == pytest.approx(0.5811, abs=1e-4)
    assert 3.0 / abs(1 + 5j) >= EFFECTIVE_SLG_RATIO
    assert math.isclose(FUSE_USEFUL_S, 10.0)


def _dss_fuse_with_depot(master, amps: float) -> float:
    """OpenDSS: the current through Line.dep (A) for a bolted SLG at dp, IEC maximum case as
    :func:`_dss_fault`, with the depot as a balanced current source of ``amps`` at dlv in
    phase with its own V1 (fixed point on the angle: a grid-following charger at unity
    power factor)."""
    import opendssdirect as dss

    a = np.exp(2j * np.pi / 3)
    angle, last = 0.0, np.inf
    for _ in range(60):
        dss.Text.Command(f'compile "{master}"')
        for name in dss.Loads.AllNames():
            dss.Text.Command(f"Load.{name}.enabled=no")
        dss.Text.Command("Vsource.source.pu=1.1")
        dss.Text.Command(f"New Isource.depot bus1=dlv phases=3 amps={amps} angle={angle}")
        dss.Text.Command("New Fault.f bus1=dp.1 phases=1 r=0.0001")
        dss.Solution.Solve()
        dss.Circuit.SetActiveBus("dlv")
        v = np.asarray(dss.Bus.Voltages())
        v = v[0::2] + 1j * v[1::2]
        angle = float(np.degrees(np.angle((v[0] + a * v[1] + a * a * v[2]) / 3)))
        if abs(angle - last) < 1e-4:
            break
        last = angle
    dss.Circuit.SetActiveElement("Line.dep")
    c = np.asarray(dss.CktElement.Currents())
    out = float(np.abs(c[0:6:2] + 1j * c[1:6:2]).max())
    dss.Text.Command("clear")
    return out


def test_pair_row_prints_the_current_that_sets_the_fuse_time(ngr):
    """Review rev44b M2: the Pair coordination row printed the fuse's first-cycle 301.7 A (the
    chargers at 1.5 pu) beside a time the sustained stage sets. Now it also prints the
    current at which the link's TC curve gives that time. References, OpenDSS (the depot as
    an Isource in phase with its V1): first cycle 1.5 × 2 MVA / (√3 × 480 V) = 3608.4 A →
    the fuse carries 301.82 A; the sustained stage, 1 MW / (√3 × 480 V) = 1202.8 A (the
    50 % export at rated voltage, as the Charger stages sheet's stage current) → 383.52 A."""
    folder, res = ngr
    p = pair_table(res)
    row = p[(p.pair == "fdep → head-c1") & (p.case_of == "worst V2G")].iloc[0]
    assert row.worst_fault.startswith("SLG")
    first = _dss_fuse_with_depot(folder / "master.dss", 1.5 * 2000e3 / (math.sqrt(3) * 480))
    sustained = _dss_fuse_with_depot(folder / "master.dss", 1000e3 / (math.sqrt(3) * 480))
    assert row.i_primary_worst_a == pytest.approx(first, rel=0.002)       # 301.9 vs 301.82
    assert row.i_primary_at_t_worst_a == pytest.approx(sustained, rel=0.002)  # 383.5 / 383.52
    # the base row: one stage, the printed current sets the time
    base = p[(p.pair == "fdep → head-c1") & (p.case_of == "base")].iloc[0]
    assert base.i_primary_at_t_worst_a == pytest.approx(base.i_primary_worst_a, rel=1e-9)
    # a relay primary's time is not a fuse's TC: nothing printed
    assert p[p.pair.str.startswith("head")].empty or p[p.pair.str.startswith(
        "head")].i_primary_at_t_worst_a.isna().all()
