"""The minimum case takes, per device row, the lower of existing PV out / in (review rev34c M4).

The engine left the feeder's existing inverters out of the minimum case (ceased, 0 A): the low
end of a bus's fault current, not of a device's with the PV between it and the fault — there
the PV supplies part of the fault and the device carries less (EPRI J1: rc_mid phase a
512.5 → 436.5 A with the four PV sites in, OpenDSS). :mod:`protv2g.pipeline_der_min`.

The feeder: a 12.47 kV trunk, relay ``mid`` on l2 (b1 → b2), a 3 MVA PV system at b2 and the
fault at b4, 1 mi beyond it. The reference is OpenDSS, not protv2g: a fresh context, loads
off, the lines' capacitance out and resistance × 1.24 (the minimum case's conductors at end
temperature), the source at 1.0 pu (IEC 60909 ``c_min`` on MV), a bolted ``Fault`` at b4; the
PV either absent or an ``Isource`` at b2 iterated to the first cycle the engine gives it —
its first-cycle limit, 1.5 pu of its 3,000 kVA (:class:`protv2g.engine.der_model.
InverterModel`; ``docs/charger-fault-model.md``, its law table: the first cycle is
``A·e^(−jφ)`` with ``A`` the first-cycle limit, whatever the export), in phase with its
terminal's positive-sequence voltage (unity power factor, active-power priority).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.xpv basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=1500 MVAsc1=1200 x1r1=8 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(12000 12000) xhl=8.0 %loadloss=0.6
New Linecode.trunk nphases=3 r1=0.306 x1=0.627 r0=0.775 x0=1.96 c1=3.4 c0=1.6 units=mi
New Line.l1 phases=3 bus1=sub bus2=b1 linecode=trunk length=1 units=mi
New Line.l2 phases=3 bus1=b1 bus2=b2 linecode=trunk length=3 units=mi
New Line.l4 phases=3 bus1=b2 bus2=b4 linecode=trunk length=1 units=mi
New Line.l3 phases=3 bus1=b1 bus2=b3 linecode=trunk length=1.5 units=mi
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=1500 kvar=500
New Load.b3 bus1=b3 phases=3 kv=12.47 kw=800 kvar=300
New PVSystem.pv1 phases=3 bus1=b2 kV=12.47 kVA=3000 Pmpp=3000 irradiance=1 pf=1
Set VoltageBases=(115, 12.47)
CalcVoltageBases
"""
GROUND = ", ground_pickup_a: 80, ground_curve: IEEE-VI, ground_time_dial: 0.3"
STUDY = """\
name: xpv
feeder: {{opendss: Master.dss}}
devices:
  - {{name: mid, kind: relay, location: {{line: l2, end: from}}, pickup_a: 300,
     curve: IEEE-VI, time_dial: 0.3{ground}, interrupting_rating_ka: 25,
     reclose_intervals_s: []}}
v2g_sites:
  - {{name: homes, bus: b3, n_chargers: 10, p_charger_kw: 10}}
scenarios: {{export_levels_fraction: [1.0], participation: [expected], load_levels: [peak]}}
faults: {{r_fault_min_ohm: 20}}
"""


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    from protv2g.pipeline import fault_tables
    from protv2g.scenarios import build_scenarios
    from protv2g.study.loader import load_study

    where = tmp_path_factory.mktemp("xpv")
    (where / "Master.dss").write_text(MASTER)
    out = {}
    for name, ground in (("ground", GROUND), ("phase", "")):
        (where / f"{name}.yaml").write_text(STUDY.format(ground=ground))
        study = load_study(where / f"{name}.yaml")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[name] = fault_tables(study, build_scenarios(study.document))
    return where, out


def _opendss_l2(where, fault: str, pv_on: bool) -> tuple[np.ndarray, float]:
    """OpenDSS: |Ia|, |Ib|, |Ic| and |3I0| (A) in line l2 (module docstring)."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{where / "Master.dss"}"')
    for cls in ("Load", "PVSystem"):
        dss.Text.Command(f"batchedit {cls}..* enabled=no")
    for name in dss.Lines.AllNames():
        dss.Lines.Name(name)
        dss.Lines.RMatrix((np.asarray(dss.Lines.RMatrix()) * 1.24).tolist())
        dss.Lines.CMatrix([0.0] * len(dss.Lines.CMatrix()))
    dss.Text.Command("vsource.source.pu=1.0")
    dss.Text.Command(fault)
    if pv_on:
        dss.Text.Command("new isource.pv bus1=b2 phases=3 amps=0 angle=0")
    dss.Solution.Solve()
    i_lim = 1.5 * 3000.0 / (np.sqrt(3) * 12.47)  # 1.5 pu of 3,000 kVA at 12.47 kV, A
    a = np.exp(2j * np.pi / 3)
    for _ in range(60 if pv_on else 0):
        dss.Circuit.SetActiveBus("b2")
        v = np.asarray(dss.Bus.Voltages(), dtype=float).view(complex)[:3]
        v1 = (v[0] + a * v[1] + a * a * v[2]) / 3  # V, line to neutral
        amps = i_lim
        dss.Text.Command(f"edit isource.pv amps={amps} angle={np.degrees(np.angle(v1))}")
        dss.Solution.Solve()
    dss.Circuit.SetActiveElement("Line.l2")
    c = np.asarray(dss.CktElement.Currents(), dtype=float).view(complex)[:3]
    return np.abs(c), float(abs(c.sum()))


def _row(tables, fault_type: str):
    d = tables.device
    r = d[(d.device == "mid") & (d.fault_bus_name.astype(str) == "b4")
          & (d.fault_type.astype(str) == fault_type) & (d["case"].astype(str) == "min")
          & (d.scenario.astype(str) == "expected/peak/100%")]
    assert len(r) == 1, fault_type
    return r.index[0], 1e3 * r[["ia_ka", "ib_ka", "ic_ka"]].to_numpy(float)[0], \
        1e3 * float(r.i3i0_ka.iloc[0])


THREE_PH = "new fault.f phases=3 bus1=b4.1.2.3 r=0.00001"
LL_AB = "new fault.f phases=1 bus1=b4.1 bus2=b4.2 r=0.00001"
SLG_A = "new fault.f phases=1 bus1=b4.1 r=20"


def test_min_case_takes_the_pv_in_where_it_lowers_the_device_current(tables):
    """3ph at b4, min case: with the PV in, mid carries 1,510.5 A, out 1,527.2 A (OpenDSS):
    the row is the lower. Fails on the old code (the PV out: 1,527.2 A)."""
    where, out = tables
    off, _ = _opendss_l2(where, THREE_PH, False)
    on, _ = _opendss_l2(where, THREE_PH, True)
    assert on.max() < off.max() - 10.0  # the PV between mid and the fault lowers it
    for name in ("ground", "phase"):
        _, i, _ = _row(out[name], "3ph")
        assert i.max() == pytest.approx(on.max(), rel=2e-3), name


def test_min_case_keeps_the_pv_out_where_it_raises_the_largest_phase(tables):
    """LL-ab at b4: the PV lowers phase a (1,322.6 → 1,212.3 A) but raises b (1,409.7 A):
    a phase element reads the largest, the PV out is its low end."""
    where, out = tables
    off, _ = _opendss_l2(where, LL_AB, False)
    on, _ = _opendss_l2(where, LL_AB, True)
    assert on.max() > off.max()
    _, i, _ = _row(out["ground"], "LL-ab")
    assert i.max() == pytest.approx(off.max(), rel=2e-3)


def test_ground_fault_lower_end_per_element(tables):
    """SLG-a (20 Ω) at b4: the PV (positive sequence only) lowers mid's phase current
    (302 → 208 A, its own back-feed in the sound phases the largest) and raises its 3I0 a
    little. With a ground element mid keeps the PV out (the ground element's low end); a
    phase-only mid takes the PV in. The staged first cycle follows the row taken."""
    where, out = tables
    off, off0 = _opendss_l2(where, SLG_A, False)
    on, on0 = _opendss_l2(where, SLG_A, True)
    assert on.max() < off.max() and on0 > off0
    _, i, i0 = _row(out["ground"], "SLG-a")
    assert i.max() == pytest.approx(off.max(), rel=2e-3)
    assert i0 == pytest.approx(off0, rel=2e-3)
    at, i, _ = _row(out["phase"], "SLG-a")
    assert i.max() == pytest.approx(on.max(), rel=5e-3)
    st = out["phase"].staged
    assert st is not None
    first = st.phases_a(np.array([at]), 1)
    assert np.asarray(first, float).ravel()[:3].max() == pytest.approx(i.max(), rel=1e-3)
