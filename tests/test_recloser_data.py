"""Recloser curves with their clearing time and data-boundary flags (#17)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from protv2g.devices.library import default_library, load_library
from protv2g.devices.models import Recloser, SubCycleClearingWarning
from protv2g.errors import InputError

LIB = default_library()


@pytest.mark.parametrize("name", ["101", "104", "106", "117", "133", "135"])
def test_dg_prot_curves_carry_the_sources_mechanism_time(name):
    # DG_Prot_Fdr.dss: Recloser.A/B/D ... delay=0.042 (added to the curve time by OpenDSS)
    c = LIB.get(name)
    assert c.clearing_adder_s == pytest.approx(0.042)
    assert "delay=0.042" in c.clearing_adder_source
    assert "delay=0.042" in Path(c.file).read_text()


def test_clearing_time_never_under_a_cycle_for_library_reclosers():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SubCycleClearingWarning)
        rc = Recloser(name="RC", phase_min_trip_a=280.0, fast_curve="101",
                      delayed_curve="133", ground_min_trip_a=100.0,
                      ground_fast_curve="104", ground_delayed_curve="117")
    # 101 at 10 x minimum trip: 0.015 s (the 0.042 s of mechanism was left out before #17)
    assert float(rc.fast_time_s(2800.0)) == pytest.approx(0.015 + 0.042)
    assert rc.warnings == []


def test_curve_without_stated_interrupting_time_needs_an_adder():
    with pytest.raises(InputError, match="mechanism/interrupting time") as exc:
        Recloser(name="RC", phase_min_trip_a=200.0, fast_curve="OpenDSS-A",
                 delayed_curve="133")
    assert exc.value.issues[0].field == "fast_adder_s"
    rc = Recloser(name="RC", phase_min_trip_a=200.0, fast_curve="OpenDSS-A",
                  delayed_curve="133", fast_adder_s=0.05)
    assert float(rc.fast_time_s(500.0)) == pytest.approx(0.07 + 0.05)  # 2.5 x: 0.07 s


def test_sub_cycle_clearing_is_accepted_with_a_warning(tmp_path):
    (tmp_path / "fast.yaml").write_text(
        "curves:\n- {name: FASTX, kind: recloser, family: points, source: t,\n"
        "   points: {m: [1, 2, 10], t_s: [0.1, 0.01, 0.005]}, clearing_adder_s: 0.0}\n")
    lib = load_library([tmp_path])
    with pytest.warns(SubCycleClearingWarning, match="under one cycle"):
        rc = Recloser(name="RC", phase_min_trip_a=100.0, fast_curve="FASTX",
                      delayed_curve="133", library=lib)
    assert len(rc.warnings) == 1 and "FASTX" in rc.warnings[0]


def test_sparse_and_beyond_table_flags(tmp_path):
    rc = Recloser(name="RC", phase_min_trip_a=100.0, fast_curve="101", delayed_curve="133")
    # 133 (CAPE table, #17) has points every ~10 % in current: 300 A is inside the data
    flags = rc.boundary([50.0, 300.0, 1200.0, 20000.0], "delayed").tolist()
    assert flags == ["not_operating", "inside", "inside", "beyond_table"]
    assert rc.boundary([150.0, 2000.0], "fast").tolist() == ["inside", "beyond_table"]
    assert all(not LIB.get(n).sparse_segments
               for n in ("101", "104", "106", "117", "133", "135"))
    assert (rc.boundary(np.array([300.0]), "fast", ground=True) == "not_operating").all()
    # a user table with a gap (DG_Prot_Fdr's old 133: nothing between 1 and 10 x minimum
    # trip): a verdict there rests on the interpolation rule and says so
    (tmp_path / "gap.yaml").write_text(
        "curves:\n- {name: GAP133, kind: recloser, family: points, source: t,\n"
        "   points: {m: [1, 10, 15, 25], t_s: [14.0, 0.16, 0.09, 0.052]},\n"
        "   clearing_adder_s: 0.042, clearing_adder_source: t}\n")
    lib = load_library([tmp_path])
    assert lib.get("GAP133").sparse_segments == [(1.0, 10.0)]
    gap = Recloser(name="RC", phase_min_trip_a=100.0, fast_curve="101",
                   delayed_curve="GAP133", library=lib)
    assert gap.boundary([300.0, 1200.0], "delayed").tolist() == ["interpolated", "inside"]


def test_curve_133_between_1_and_10_times_minimum_trip():
    # CAPE 14 library, Cooper Form 4C curve 133: (1.616, 4.916 s), (1.775, 4.015 s).
    # Hand calc at 174 A with a 100 A minimum trip (M = 1.74), log-log between them:
    m0, t0, m1, t1 = 1.616, 4.916, 1.775, 4.015
    t_hand_s = t0 * (1.74 / m0) ** (np.log(t1 / t0) / np.log(m1 / m0))
    rc = Recloser(name="RC", phase_min_trip_a=100.0, fast_curve="101", delayed_curve="133")
    assert t_hand_s == pytest.approx(4.191, abs=1e-3)
    assert float(rc.delayed_time_s(174.0)) == pytest.approx(t_hand_s + 0.042, rel=1e-9)
    # the straight line through DG_Prot_Fdr's (1, 14 s) and (10, 0.16 s) was 14 % slower here
    t_line_s = 14.0 * 1.74 ** (np.log(0.16 / 14.0) / np.log(10.0))
    assert t_line_s / t_hand_s == pytest.approx(1.139, abs=2e-3)
    # below the first point (1.01 x) the control does not operate
    assert np.isinf(rc.delayed_time_s(100.5))


def test_curve_133_matches_dg_prot_fdr_points(shared_dir):
    # Independent source: EPRI DG_Prot_Fdr.dss TCC_Curve.133 (7 points), shared reference csv
    import pandas as pd

    from protv2g.devices.curves import trip_time_s

    ref = pd.read_csv(shared_dir / "reference" / "recloser_curves"
                      / "opendss_recloser_tcc_points.csv", dtype={"curve": str})
    ref = ref[ref.curve == "133"]
    assert len(ref) == 7
    m = np.maximum(ref.M_multiple_of_min_trip.to_numpy(), 1.01)  # CAPE starts at 1.01 x
    t = trip_time_s(m, 1.0, LIB.get("133"), 1.0)
    dev = t / ref.t_s.to_numpy() - 1.0
    assert np.all(np.abs(dev) < 0.041), dev   # 14.56 vs 14.0 s at M = 1 (+4.0 %) is the largest
    assert np.all(np.abs(dev[1:]) < 0.026), dev


def test_opendss_delay_and_library_mechanism_time_count_once():
    # DG_Prot_Fdr: Recloser.A ... phasefast=101 phasedelayed=133 delay=0.042; the library's
    # 101/133 already carry that 0.042 s, so the imported adder becomes 0 (clearing time =
    # table + 0.042 s, as OpenDSS computes it).
    from protv2g.study.opendss_devices import adopt_model_devices

    entry = {"name": "a", "kind": "recloser", "location": {"line": "L1", "end": "from"},
             "phase_min_trip_a": 200.0, "fast_curve": "101", "delayed_curve": "133",
             "n_fast": 1, "n_delayed": 3, "reclose_intervals_s": [2.0, 2.0, 5.0],
             "fast_adder_s": 0.042, "delayed_adder_s": 0.05}
    devices, extra, issues, warns = adopt_model_devices([entry], [], LIB, set(), "m.dss")
    assert not issues and not extra
    d = devices[0]
    assert d.fast_adder_s == pytest.approx(0.0) and d.delayed_adder_s == pytest.approx(0.008)
    assert warns.what.str.contains("same time").sum() == 2


def test_model_delay_under_the_library_mechanism_time_is_kept():
    # Review s17 §3.5: DG_Prot_Fdr's Recloser.D (like=A) has OpenDSS's default Delay 0 (OpenDSS
    # Recloser property help: "Default is 0.0"); OpenDSS clears it at the 101 table time alone.
    # The import keeps the model's time: the curve's points without mechanism time (here no
    # model table of that name: the library's points) + Delay, and says the 0.042 s it drops.
    from protv2g.study.opendss_devices import MODEL_DELAY_WHAT, adopt_model_devices

    entry = {"name": "d", "kind": "recloser", "location": {"line": "L5", "end": "from"},
             "phase_min_trip_a": 200.0, "fast_curve": "101", "delayed_curve": "101",
             "n_fast": 1, "n_delayed": 3, "reclose_intervals_s": [2.0, 2.0, 5.0],
             "fast_adder_s": 0.0, "delayed_adder_s": 0.01}
    devices, extra, issues, warns = adopt_model_devices([entry], [], LIB, set(), "m.dss")
    assert not issues
    d = devices[0]
    assert (d.fast_curve, d.delayed_curve) == ("dss-101", "dss-101")
    assert d.fast_adder_s == 0.0 and d.delayed_adder_s == pytest.approx(0.01)
    (curve,) = extra
    assert curve.clearing_adder_s == 0.0 and curve.aliases == ()
    assert curve.t_points == LIB.get("101").t_points
    rows = warns[warns.what.str.startswith(MODEL_DELAY_WHAT)]
    assert len(rows) == 2 and "0.042 s faster" in rows.action.iat[0]
    assert "0.032 s faster" in rows.action.iat[1]
