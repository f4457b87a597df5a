"""C5 chooses a device's element behind a step transformer on the currents it judges it on
(:func:`protv2g.checks.reach_stage.judged_stage`; review idle43 "Left" 1).

IEEE 34 (rev43a, idle43): R-816 at 890, LLG-ab min, expected/light/50 %: in the first cycle
phase 27.9 A (0.199 × 140 A) against 3I0 11.7 A (0.168 × 70 A), so C5 chose phase; then it
judged phase at the sustained stage, 12.07 A (0.086), where 3I0 is 12.83 A (0.183). A
time-delayed recloser times on the sustained current and reaches the fault when either
element does: F04's −1.114 × pickup came from the mismatch.

The feeder is idle43's (``test_reach_idle_element``: R on l2, 140 A phase, a YNyn step to
4.16 kV b3 with no device, so b3 is R's backup zone; campus_xf delta on the feeder side with
2 MW of chargers at b2), with R's ground pickup 45 A so that the first cycle and the
sustained stage pick different elements. 20 Ω SLG-a at b3, min case, firm/light/100 %:

* first cycle: the chargers at 1.5 pu of 2 MVA, 1.5 × 2000/(√3 · 12.47) = 138.9 A in R's
  phases b and c (by hand; protv2g 138.90 A): 0.992 × 140 A, against 3I0 ≈ 40 A, 0.89 × 45 A
  — phase;
* sustained: the chargers at P/|V1| (active-power priority, docs/charger-fault-model.md §2),
  ≈ 1 pu: R's phases b and c ≈ 92.6 A (OpenDSS below 90.84 A; protv2g 95.47 A until session 44,
  the 480 V bus's c_min 0.95 in the law: tests/test_charger_law_measured_voltage.py), even at the
  top of the sustained range (1.2 pu, 111.1 A) under 0.89 × 140 A = 124.5 A — ground.

Old code: the V2G row judged on phase at 95.5 A sustained, 0.682 × pickup (−0.518), "made
worse by V2G" against the base's ground −0.326. Now: on ground, 40.01 A, −0.311 — the base's
figure within the tolerance: pre-existing.

Reference, not computed by protv2g: OpenDSS (``test_equipment_reach_sympathetic.
opendss_fault``'s minimum-case model, a fresh context) with the chargers as a positive-sequence
current source at campus_lv, P/(3|V1|) in phase with V1 iterated to convergence: R's 3I0
40.030 A, phases [51.12, 90.84, 90.84] A.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from .test_close_in_twin import _run  # noqa: E402
from .test_equipment_reach_sympathetic import opendss_fault  # noqa: E402
from .test_reach_idle_element import BASE, MASTER, STUDY, V2G, XF, _r_rows  # noqa: E402

GROUND_PICKUP_A = 45.0
#: the campus's export (W) and low-voltage bus (module docstring)
P_W, LV_KV = 2.0e6, 0.48


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    where = tmp_path_factory.mktemp("xelstage")
    (where / "Master.dss").write_text(MASTER)
    (where / "campus_xf.dss").write_text(XF)
    study = STUDY.replace("ground_min_trip_a: 70", f"ground_min_trip_a: {GROUND_PICKUP_A:g}")
    _study, res, _gate = _run(where, study)
    return where, res.violations


def _opendss_sustained(where) -> tuple[np.ndarray, float]:
    """OpenDSS: R's phase currents and |3I0| (A) for the 20 Ω SLG-a at b3 (min case) with the
    chargers at their sustained law, P/(3|V1|) in phase with V1 at campus_lv, iterated."""
    dss = opendss_fault(where, "b3", "a", True, "min", xf_file="campus_xf.dss")
    dss.Text.Command("new isource.chg bus1=campus_lv phases=3 amps=0 angle=0 sequence=pos")
    a = np.exp(2j * np.pi / 3)
    amps = 0.0
    for _ in range(60):
        dss.Solution.Solve()
        dss.Circuit.SetActiveBus("campus_lv")
        v = np.asarray(dss.Bus.Voltages(), dtype=float)
        vp = v[0:6:2] + 1j * v[1:6:2]
        v1 = (vp[0] + a * vp[1] + a * a * vp[2]) / 3
        new = P_W / (3 * abs(v1))
        if abs(new - amps) < 1e-9 * new:
            break
        amps = new
        dss.Text.Command(f"edit isource.chg amps={amps} angle={np.degrees(np.angle(v1))}")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("Line.l2")
    c = np.asarray(dss.CktElement.Currents(), dtype=float)
    ph = c[0:6:2] + 1j * c[1:6:2]
    return np.abs(ph), float(abs(ph.sum()))


def test_sustained_3i0_is_opendss_and_ground_sees_more(run):
    """R's sustained 3I0 (the V2G row's operating current) is OpenDSS's; the sustained phase
    current, OpenDSS's or at the top of the sustained range, is a smaller multiple of 140 A."""
    where, v = run
    ph, g = _opendss_sustained(where)
    row = _r_rows(v, V2G, "SLG-a")
    assert float(row.i_device_a) == pytest.approx(g, rel=2e-3)
    i_r_a = P_W / (np.sqrt(3) * 12.47e3)  # the campus's rated current on 12.47 kV
    for i_phase_a in (ph.max(), 1.2 * i_r_a):
        assert i_phase_a / 140.0 < g / GROUND_PICKUP_A
    # the first cycle, 1.5 pu: phase sees more (what the old code chose on)
    assert 1.5 * i_r_a / 140.0 > g / GROUND_PICKUP_A


@pytest.mark.parametrize("fault_type", ["SLG-a", "LLG-ab"])
def test_v2g_row_is_judged_on_the_element_that_sees_more_sustained(run, fault_type):
    """Fails on the old code: the row on phase (140 A), −0.518, "worse"."""
    _where, v = run
    row, base = _r_rows(v, V2G, fault_type), _r_rows(v, BASE, fault_type)
    assert float(base.i_other_a) == GROUND_PICKUP_A
    assert float(row.i_other_a) == GROUND_PICKUP_A, row.message
    assert "(ground, sustained stage" in str(row.message)
    assert float(row.margin) == pytest.approx(float(row.i_device_a) / GROUND_PICKUP_A - 1.2,
                                              abs=1e-9)
    assert abs(float(row.margin) - float(base.margin)) < float(row.tolerance)
    assert row.attribution == "pre-existing", row.message
