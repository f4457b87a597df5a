"""A C12 under-voltage row says when every regulator that reaches its bus is at its boost limit
(review rev43a M5, IEEE 34 F15: 0.798 pu at 890 with the campus charging at peak load, all six
units of reg1/reg2 at tap 1.10; the over-voltage rows named tap moves since txt42, this row
named nothing — an engineer needs "at their +10 % limit" to see the charging is beyond
regulation).

The feeder: IEEE 34 (Mod1) with the reviewer's source (the substation transformer at its
nameplate 8 %) and a 1 MW campus 0.1 km from 848 behind its own 1.5 MVA 24.9 kV Δ / 480Y
transformer (rev43a's campus.dss). Reference, nothing computed by protv2g: OpenDSS
(``opendssdirect``) at LoadMult 1 with the campus as a 1,000 kW constant-power Load, the
RegControls free (the reviewer's pf34c.py, without the homes): every regulator's tap 1.1 (its
MaxTap), 890's lowest phase 0.8364 pu.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

dss = pytest.importorskip("opendssdirect")

from .test_c12_regulator_move_named import ieee34_run  # noqa: E402

SOURCE = """\
Edit Transformer.SubXF Xhl=8 %Rs=[0.5 0.5]
"""
CAMPUS = """\
New Line.campus_tap Phases=3 Bus1=848.1.2.3 Bus2=campus_hv.1.2.3 LineCode=301 Length=0.33 units=kft
New Transformer.campus_xf Phases=3 Windings=2 XHL=5.75 %loadloss=1.0
~ wdg=1 bus=campus_hv conn=delta kv=24.9 kva=1500
~ wdg=2 bus=campus_lv conn=wye kv=0.48 kva=1500
New Load.campus_aux Bus1=campus_lv Phases=3 Conn=wye kV=0.48 kW=40 kvar=12
Set VoltageBases = "69,24.9,4.16,0.48"
CalcVoltageBases
"""
STUDY = """\
name: ieee34-boost-limit
feeder:
  opendss: 34Bus/ieee34Mod1.dss
  redirects: [34Bus/source.dss, 34Bus/campus.dss]
  adopt_devices: false
devices:
  - name: head-l1
    kind: relay
    location: {line: l1, end: from}
    pickup_a: 150
    curve: IEEE-VI
    time_dial: 0.6
    reclose_intervals_s: []
no_fuses_or_reclosers: true
v2g_sites:
  - {name: campus, bus: campus_lv, model_transformer: campus_xf, n_chargers: 10,
     p_charger_kw: 100}
scenarios:
  export_levels_fraction: [0.0, 1.0]
  participation: [firm]
  load_levels: [peak]
faults:
  method: iec60909
  r_fault_min_ohm: 20
"""
REGS = ("reg1a", "reg1b", "reg1c", "reg2a", "reg2b", "reg2c")


def _opendss(folder: Path) -> tuple[dict[str, float], dict[str, float], float]:
    """OpenDSS: each regulator's tap and MaxTap, and 890's lowest phase (pu), charging."""
    dss.Basic.ClearAll()
    try:
        d = folder / "34Bus"
        dss.Text.Command(f'compile "{d / "ieee34Mod1.dss"}"')
        dss.Text.Command(f'redirect "{d / "source.dss"}"')
        dss.Text.Command(f'redirect "{d / "campus.dss"}"')
        dss.Text.Command("new load.ch_campus bus1=campus_lv phases=3 kv=0.48 kw=1000 pf=1 "
                         "model=1 vminpu=0.7")
        dss.Text.Command("set loadmult=1")
        dss.Text.Command("set maxcontroliter=100")
        dss.Text.Command("solve")
        assert dss.Solution.Converged()
        taps, tops = {}, {}
        for reg in REGS:
            dss.Transformers.Name(reg)
            dss.Transformers.Wdg(2)
            taps[reg], tops[reg] = float(dss.Transformers.Tap()), float(dss.Transformers.MaxTap())
        dss.Circuit.SetActiveBus("890")
        v890 = float(np.array(dss.Bus.puVmagAngle())[0::2].min())
        return taps, tops, v890
    finally:
        dss.Basic.ClearAll()


@pytest.fixture(scope="module")
def run(shared_dir: Path, tmp_path_factory):
    return ieee34_run(shared_dir, tmp_path_factory.mktemp("ieee34boost"),
                      {"source.dss": SOURCE, "campus.dss": CAMPUS}, STUDY)


def test_the_under_voltage_row_at_890_says_the_regulators_are_at_their_limit(run):
    """Fails on the old code: the message named no regulator."""
    folder, result = run
    taps, tops, v890 = _opendss(folder)
    assert all(taps[r] == pytest.approx(tops[r]) == pytest.approx(1.1) for r in REGS), taps
    assert v890 < 0.9
    v = result.violations
    rows = v[(v.criterion == "C12") & (v.fault_bus == "890")
             & (v.scenario == "charging/firm") & (v.mechanism.astype(str) != "")
             & (v.margin < 0)]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert float(row.limit) == 0.95  # ANSI C84.1 Range A minimum
    assert float(row.limit) + float(row.margin) == pytest.approx(v890, abs=5e-4)  # 0.836 pu
    msg = str(row.message)
    assert ("; every regulator that reaches 890 is at its boost limit (reg1a, reg1b, reg1c, "
            "reg2a, reg2b, reg2c at tap 1.1 = +10 %, 16 steps; Flow sheet's Tap): the "
            "regulation cannot raise it further") in msg, msg


def test_a_bus_no_regulator_reaches_is_left_alone(run):
    _, result = run
    v = result.violations
    up = v[(v.criterion == "C12") & v.fault_bus.astype(str).isin(["800", "802", "806"])]
    assert not up.message.astype(str).str.contains("boost limit").any()
