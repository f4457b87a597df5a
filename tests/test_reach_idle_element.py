"""C5's chargers-idle judgement compares the idle figure with the base twin **element for
element** (:func:`protv2g.checks.reach_base_twin.twin_element`; review rev43a W1).

IEEE 34 (rev43a): R-816's base row at LLG-ab 890 (min) binds its ground element, 14.65 A of
3I0 against 70 A (margin −0.991); the V2G row binds its phase element (140 A): behind a step
transformer C5 judges the element that sees more, and the export's own current tips it to
phase. ``reach_idle`` read the idle figure on the V2G row's element (16.4 A phase, −1.083)
and compared it with the base's ground margin: "made worse by the project's equipment",
remedy "campus_xf: its connection on the feeder side (a delta …)" — campus_xf is delta on
the feeder side, and OpenDSS gives R-816 the same currents with and without it.

The synthetic feeder: a 12.47 kV trunk (sub–b1–b2) with a recloser R on l2 (140 A phase,
70 A ground, as IEEE 34's R-816), a grounded-wye/grounded-wye step transformer xstep from b2
to 4.16 kV b3 with no device of its own (b3 is R's backup zone, judged on the element that
sees more), and the campus's 2.5 MVA transformer campus_xf at b2, **delta on the feeder
side**, with 2 MW of chargers. A 20 Ω ground fault at b3 (min case): R sees 39.3 A of 3I0
(ground binds, 0.56 × 70 A, against 0.28 × 140 A on phase); exporting, the campus's current
runs back through R to the source (phase binds, 0.68 × 140 A sustained). Before: the V2G rows
were "pre-existing, made worse by the project's equipment" (idle −0.919 on phase against the
base's −0.638 on ground). Now: pre-existing (V2G improves it), the idle margin the base's.

Reference, not computed by protv2g: R's phase currents and 3I0 for the 20 Ω SLG-a at b3
from OpenDSS (``test_equipment_reach_sympathetic.opendss_fault``: a fresh ``opendssdirect``
context, loads off, lines' resistance × 1.24 and no capacitance, source 1.0 pu: the minimum
case's model), with and without campus_xf (no charger): 3I0 39.3441 A both (phases b, c
< 0.001 A). (The LLG-ab with 20 Ω in each phase, protv2g's representation: 39.1571 A both,
measured outside the test.)
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from .test_close_in_twin import _run  # noqa: E402
from .test_equipment_reach_sympathetic import opendss_fault  # noqa: E402

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.xel basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=1500 MVAsc1=1200 x1r1=8 x0r0=3
New Transformer.sub phases=3 windings=2 buses=(src sub) conns=(delta wye) kvs=(115 12.47)
~ kvas=(12000 12000) xhl=8.0 %loadloss=0.6
New Linecode.trunk nphases=3 r1=0.306 x1=0.627 r0=0.775 x0=1.96 c1=3.4 c0=1.6 units=mi
New Line.l1 phases=3 bus1=sub bus2=b1 linecode=trunk length=1 units=mi
New Line.l2 phases=3 bus1=b1 bus2=b2 linecode=trunk length=3 units=mi
New Transformer.xstep phases=3 windings=2 buses=(b2 b3) conns=(wye wye) kvs=(12.47 4.16)
~ kvas=(2000 2000) xhl=6.0 %r=0.6
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=800 kvar=250
New Load.b3 bus1=b3 phases=3 kv=4.16 kw=600 kvar=200
Set VoltageBases=(115, 12.47, 4.16, 0.48)
CalcVoltageBases
"""
XF = """\
! the campus's 2.5 MVA transformer: delta on 12.47 kV, grounded wye on 480 V (Dyn)
New Transformer.campus_xf phases=3 windings=2 buses=(b2, campus_lv) conns=(delta, wye)
~ kvs=(12.47, 0.48) kvas=(2500, 2500) xhl=5.75 %r=0.6
Set VoltageBases=(115, 12.47, 4.16, 0.48)
CalcVoltageBases
"""
STUDY = """\
name: xel
feeder: {opendss: Master.dss, redirects: [campus_xf.dss]}
devices:
  - {name: head, kind: relay, location: {line: l1, end: from}, pickup_a: 600,
     curve: IEEE-VI, time_dial: 0.5, ground_pickup_a: 150, ground_curve: IEEE-VI,
     ground_time_dial: 0.5, interrupting_rating_ka: 25, reclose_intervals_s: []}
  - {name: R, kind: recloser, location: {line: l2, end: from}, phase_min_trip_a: 140,
     ground_min_trip_a: 70, fast_curve: '101', delayed_curve: '133', ground_fast_curve: '104',
     ground_delayed_curve: '117', n_fast: 2, n_delayed: 2,
     reclose_intervals_s: [5.0, 10.0, 10.0], interrupting_rating_ka: 12}
  - {name: f_campus, kind: fuse, location: {trafo: campus_xf, side: hv}, link: 200K,
     interrupting_rating_ka: 12}
v2g_sites:
  - {name: campus, bus: campus_lv, n_chargers: 20, p_charger_kw: 100,
     model_transformer: campus_xf}
scenarios: {export_levels_fraction: [1.0], participation: [firm], load_levels: [light]}
faults: {r_fault_min_ohm: 20}
"""
BASE, V2G = "base/light", "firm/light/100%"
# OpenDSS, R's |3I0| (A) for the 20 Ω SLG-a at b3 (module docstring)
OPENDSS_3I0_A = 39.3441


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    where = tmp_path_factory.mktemp("xel")
    (where / "Master.dss").write_text(MASTER)
    (where / "campus_xf.dss").write_text(XF)
    _study, res, _gate = _run(where, STUDY)
    return where, res.violations


def _opendss_r(where, with_xf: bool) -> tuple[np.ndarray, float]:
    """OpenDSS: R's phase currents and |3I0| (A, at l2's from-end) for the 20 Ω SLG-a at b3,
    with or without campus_xf, no charger (the minimum case's model,
    ``test_equipment_reach_sympathetic.opendss_fault``)."""
    dss = opendss_fault(where, "b3", "a", with_xf, "min", xf_file="campus_xf.dss")
    dss.Circuit.SetActiveElement("Line.l2")
    c = np.asarray(dss.CktElement.Currents(), dtype=float)
    ph = c[0:6:2] + 1j * c[1:6:2]
    return np.abs(ph), float(abs(ph.sum()))


def _r_rows(v, scenario: str, fault_type: str):
    x = v[(v.criterion == "C5") & (v.device == "R") & (v.scenario == scenario)
          & (v.fault_bus.astype(str) == "b3") & (v.case == "min")
          & (v.fault_type.astype(str) == fault_type)]
    assert len(x) == 1, v[(v.criterion == "C5") & (v.device == "R")][
        ["scenario", "fault_bus", "fault_type", "case"]]
    return x.iloc[0]


def test_campus_xf_changes_none_of_rs_currents_opendss(run):
    """The delta-primary campus_xf changes none of R's currents (OpenDSS), and the base row
    is R's ground element on OpenDSS's 3I0."""
    where, v = run
    ph_with, g_with = _opendss_r(where, True)
    ph_without, g_without = _opendss_r(where, False)
    np.testing.assert_allclose(ph_with, ph_without, atol=1e-3)
    assert g_with == pytest.approx(g_without, abs=1e-3)
    assert g_with == pytest.approx(OPENDSS_3I0_A, abs=1e-3)
    base = _r_rows(v, BASE, "SLG-a")
    assert float(base.i_other_a) == 70.0  # the ground pickup: ground binds
    assert float(base.i_device_a) == pytest.approx(g_without, rel=0.005)


@pytest.mark.parametrize("fault_type", ["SLG-a", "LLG-ab"])
def test_v2g_row_on_phase_is_not_the_delta_transformers(run, fault_type):
    """The V2G row binds R's phase element (the export's current), its base twin the ground
    element: the idle figure is read on the twin's element (OpenDSS: equal with and without
    campus_xf), so the row is pre-existing, not "made worse by the project's equipment".
    Fails on the old code (attribution ``equipment-worse``, idle margin −0.919 on phase
    against the base's −0.638 on ground)."""
    _where, v = run
    row = _r_rows(v, V2G, fault_type)
    assert float(row.i_other_a) == 140.0  # the phase pickup: phase binds with the export
    base = _r_rows(v, BASE, fault_type)
    assert row.attribution == "pre-existing", row.message
    assert "the project's equipment" not in str(row.message)
    assert "campus_xf" not in str(row.message)
    assert float(row.base_margin) == pytest.approx(float(base.margin), abs=1e-6)
    # the export trend's 0 kW point: the idle figure on the ground element, the base's; at
    # SLG-a R's 3I0 as OpenDSS gives it with campus_xf in and no charger
    assert float(row.idle_margin) == pytest.approx(float(base.margin), abs=1e-6)
    if fault_type == "SLG-a":
        assert float(row.idle_margin) == pytest.approx(OPENDSS_3I0_A / 70.0 - 1.2, abs=2e-4)
