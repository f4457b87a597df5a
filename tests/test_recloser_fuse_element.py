"""Which recloser element set a C2 fuse-saving time (review rev28 §2 last bullet and §7
"Noticed", EPRI J1).

Hand values from the library's curve points (``protv2g/relay_library/recloser_curves.yaml``,
points from EPRI's DG_Prot_Fdr.dss, log-log interpolation between points, 0.042 s mechanism
time added; ``fuse_links.yaml`` EEI-NEMA 25K / 80K ranges), the currents from rev28's
``out/study_lv.Coordination.parquet`` (SLG-b min at b52572, R-MID / F-END):

* base: phase 200.539 A, 3I0 200.675 A. Phase curve 101 at 1.00270 ×:
  0.14 × 1.0027^(ln(0.036/0.14)/ln 1.5) = 0.13874 s, + 0.042 = 0.18074 s; ground curve 104 at
  2.00675 ×: 0.16 × (2.00675/2)^(ln(0.07/0.16)/ln 1.5) = 0.15887 s, + 0.042 = 0.20087 s.
  The phase element is faster: K × t_fast = 1.8 × 0.18074 = 0.32533 s (tool 0.325338 s).
* V2G: phase 199.205 A, under the 200 A minimum trip (no phase trip); 104 at 1.99349 ×:
  0.51 × 1.99349^(ln(0.16/0.51)/ln 2) = 0.16088 s, + 0.042 = 0.20288 s; K × = 0.36517 s
  (tool 0.3647 s, the staged currents: −0.13 %).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.recloser_element_text import element_text, sure_fast_rows, sure_fast_times_s
from protv2g.devices.kinds import operating_times
from protv2g.devices.models import Fuse, Recloser

R_MID = Recloser(name="R-MID", phase_min_trip_a=200.0, ground_min_trip_a=100.0,
                 fast_curve="101", delayed_curve="133", ground_fast_curve="104",
                 ground_delayed_curve="117", n_fast=2, n_delayed=2,
                 reclose_intervals_s=[0.5, 2.0, 2.0])
K = 1.8  # 2 fast shots, first reclose 30 cycles (Short, after Cooper)
BASE = (200.539167, 200.674802)  # R-MID phase, 3I0 (A)
V2G = (199.205311, 199.349241)


def _hand_101(m: float) -> float:
    return 0.14 * m ** (math.log(0.036 / 0.14) / math.log(1.5)) + 0.042


def _hand_104(m: float) -> float:
    if m <= 2.0:
        return 0.51 * m ** (math.log(0.16 / 0.51) / math.log(2.0)) + 0.042
    return 0.16 * (m / 2.0) ** (math.log(0.07 / 0.16) / math.log(1.5)) + 0.042


def test_the_fast_time_is_the_phase_element_without_v2g_and_the_ground_with_it():
    base = operating_times(R_MID, np.array([BASE[0]]), np.array([BASE[1]]))["t_fast_s"][0]
    v2g = operating_times(R_MID, np.array([V2G[0]]), np.array([V2G[1]]))["t_fast_s"][0]
    assert _hand_101(BASE[0] / 200.0) == pytest.approx(0.18074, abs=5e-5)
    assert _hand_104(BASE[1] / 100.0) == pytest.approx(0.20087, abs=5e-5)
    assert base == pytest.approx(_hand_101(BASE[0] / 200.0), rel=1e-6)  # phase, 101
    assert K * base == pytest.approx(0.325338, abs=1e-5)  # the row's 0.325 s
    assert not np.isfinite(R_MID.fast_time_s([V2G[0]])[0])  # under its minimum trip
    assert v2g == pytest.approx(_hand_104(V2G[1] / 100.0), rel=1e-6)  # ground, 104
    assert K * v2g == pytest.approx(0.36517, abs=5e-5)  # the row's 0.365 s (staged 0.3647)


def _ctx():
    return SimpleNamespace(devices={"R-MID": R_MID, "F-END": Fuse(name="F-END", link="25K")},
                           cache={})


def test_the_message_names_the_element_curve_and_multiple():
    # a time the faster element set (a row the conservative element did not replace, e.g.
    # the direct call here): named, and the other element within the accuracy beside it
    base = element_text(_ctx(), "R-MID", "fast", 0.325338, K, *BASE, "SLG-b")
    assert base.startswith(": 1.8 × 0.181 s on its phase fast curve 101 at 1.003 × the "
                           "200 A minimum trip, 0.042 s mechanism time included")
    # the phase element runs inside its ±5 % minimum-trip accuracy: the ground curve's time
    assert ("within that minimum trip's ±5 % accuracy: on its ground fast curve 104 at "
            "2.007 × the 100 A ground minimum trip it is 1.8 × 0.201 s = 0.362 s") in base
    v2g = element_text(_ctx(), "R-MID", "fast", 0.364702, K, *V2G, "SLG-b")
    assert v2g == (": 1.8 × 0.203 s on its ground fast curve 104 at 1.993 × the 100 A ground "
                   "minimum trip, 0.042 s mechanism time included; the phase current is 0.4 % "
                   "under its 200 A minimum trip, inside its ±5 % accuracy: picking up there, "
                   "its phase fast curve 101 gives 1.8 × 0.182 s = 0.328 s")
    # the delayed shot: the phase curve 133 near its minimum trip (≈ 14.6 s) is far slower
    # than the ground curve 117: nothing to say about the phase current
    delayed = element_text(_ctx(), "R-MID", "delayed", 1.547889, 1.0, *V2G, "SLG-b")
    assert delayed == (": 1.55 s on its ground delayed curve 117 at 1.993 × the 100 A ground "
                       "minimum trip, 0.042 s mechanism time included")


def test_a_time_the_staged_currents_set_is_said_so():
    text = element_text(_ctx(), "R-MID", "fast", K * 0.5, K, 437.3, 437.6, "SLG-b")
    assert text.startswith(": 1.8 × 0.5 s staged (0.0623 s on its phase fast curve 101 at "
                           "the first-cycle 437 A, 2.187 × the 200 A minimum trip, 0.042 s "
                           "mechanism time included)")
    assert "; the time is from the fault's later stages' currents" in text


R_816 = Recloser(name="R-816", phase_min_trip_a=140.0, ground_min_trip_a=70.0,
                 fast_curve="101", delayed_curve="133", ground_fast_curve="104",
                 ground_delayed_curve="117", n_fast=2, n_delayed=2,
                 reclose_intervals_s=[2.0, 10.0, 10.0])


def test_a_staged_time_within_the_departure_is_not_read_off_the_curve():
    """Review rev43a M2, IEEE 34 F01: "1.26 s at 129 A, 3I0 164 A: 1.26 s on its ground
    delayed curve 117 at 2.344 × the 70 A ground minimum trip" — the curve gives 1.17 s there.
    Hand (recloser_curves.yaml 117, log-log between (2.0, 1.5 s) and (2.5, 1.0 s), + 0.042 s
    mechanism): 1.5 × (2.344/2)^(ln(1/1.5)/ln 1.25) + 0.042 = 1.1662 s; the 1.26 s is the
    staged time (8 % above: under the 10 % departure note). Fails on the old code."""
    i_3i0 = 2.344 * 70.0
    hand = 1.5 * (i_3i0 / 70.0 / 2.0) ** (math.log(1.0 / 1.5) / math.log(1.25)) + 0.042
    assert hand == pytest.approx(1.1662, abs=1e-4)
    assert R_816.ground_delayed_time_s([i_3i0])[0] == pytest.approx(hand, rel=1e-6)
    ctx = SimpleNamespace(devices={"R-816": R_816}, cache={})
    text = element_text(ctx, "R-816", "delayed", 1.26, 1.0, 129.0, i_3i0, "SLG-a")
    assert text == (": 1.26 s staged (1.17 s on its ground delayed curve 117 at the first-cycle "
                    "164 A, 2.344 × the 70 A ground minimum trip, 0.042 s mechanism time "
                    "included)")
    # the curve's own time: no "staged"
    same = element_text(ctx, "R-816", "delayed", hand, 1.0, 129.0, i_3i0, "SLG-a")
    assert same == (": 1.17 s on its ground delayed curve 117 at 2.344 × the 70 A ground "
                    "minimum trip, 0.042 s mechanism time included")


@pytest.mark.parametrize(("device", "t_s", "i", "fault"), [
    ("R-MID", 0.112, (437.3, 0.2), "LL-ab"),       # a phase fault: one element only
    ("F-END", 0.3, BASE, "SLG-b"),                 # not a recloser
    ("R-MID", math.inf, BASE, "SLG-b"),            # no time
    ("R-MID", 0.3, (150.0, 80.0), "SLG-b"),        # under both minimum trips
])
def test_nothing_to_name(device, t_s, i, fault):
    assert element_text(_ctx(), device, "fast", t_s, K, *i, fault) == ""


def test_a_recloser_without_ground_element_is_not_named():
    rc = Recloser(name="R", phase_min_trip_a=200.0, fast_curve="101", delayed_curve="133")
    ctx = SimpleNamespace(devices={"R": rc}, cache={})
    assert element_text(ctx, "R", "fast", 0.3, K, *BASE, "SLG-b") == ""


# --- the conservative element for fuse saving (review rev29 §6) -------------------------


def test_fuse_saving_counts_on_the_element_that_surely_operates():
    """Base b52572: the phase element at 1.0027 × its 200 A minimum trip is inside the ±5 %
    start accuracy (IEC 60255-151) and may not start; the ground element at 2.007 × surely
    does: fuse saving's fast time is the ground curve 104's 0.2009 s (hand value), K × =
    0.3616 s, not the phase curve's 0.18074 s (K × 0.32533 s): with F-END's minimum melt
    0.3147 s (rev29: the row's 0.315 s) the margin −0.047 s, not −0.011 s."""
    t_sure, t_fast, swapped = sure_fast_times_s(R_MID, np.array([BASE[0]]),
                                                np.array([BASE[1]]))
    assert bool(swapped[0])
    assert t_fast[0] == pytest.approx(_hand_101(BASE[0] / 200.0), rel=1e-6)
    assert t_sure[0] == pytest.approx(_hand_104(BASE[1] / 100.0), rel=1e-6)
    assert K * t_sure[0] == pytest.approx(0.36163, abs=5e-5)


@pytest.mark.parametrize(("i", "why"), [
    (V2G, "phase under its minimum trip: the ground element alone, already the model's"),
    ((260.0, 261.0), "phase at 1.3 ×: surely starts"),
    ((205.0, 103.0), "both inside their accuracy: no element surely operates, kept (C5)"),
    ((205.0, 1e-3), "no ground current: no other element"),
])
def test_the_model_time_is_kept_where_no_slower_element_is_surer(i, why):
    t_sure, t_fast, swapped = sure_fast_times_s(R_MID, np.array([i[0]]), np.array([i[1]]))
    assert not swapped[0], why
    assert t_sure[0] == t_fast[0] or (np.isinf(t_sure[0]) and np.isinf(t_fast[0]))


def test_the_message_says_which_element_fuse_saving_used_and_why():
    t_sure = _hand_104(BASE[1] / 100.0)
    text = element_text(_ctx(), "R-MID", "fast", K * t_sure, K, *BASE, "SLG-b")
    assert text == (": 1.8 × 0.201 s on its ground fast curve 104 at 2.007 × the 100 A ground "
                    "minimum trip, 0.042 s mechanism time included; not its phase fast curve "
                    "101 at 1.003 × the 200 A minimum trip (1.8 × 0.181 s = 0.325 s): that "
                    "element runs within its minimum trip's ±5 % accuracy and may not start, "
                    "so fuse saving counts on the slower element, which surely operates")
    # the delayed shot (fuse backup, lockout): the faster element is the conservative one
    delayed = element_text(_ctx(), "R-MID", "delayed", 100.0, 1.0, *BASE, "SLG-b")
    assert "may not start" not in delayed


def _pair_rows(fault_type, t_fast_s):
    return pd.DataFrame({"fault_type": fault_type, "backup": "R-MID",
                         "b_i_phase_a": BASE[0], "b_i_ground_a": BASE[1]},
                        index=range(len(fault_type))), np.asarray(t_fast_s, float)


def test_the_fuse_saving_rows_take_the_sure_element_only_where_the_first_cycle_set_it():
    t_phase = _hand_101(BASE[0] / 200.0)
    m, b_fast = _pair_rows(["SLG-b", "SLG-b", "LL-ab", "SLG-b"],
                           [t_phase, 0.5, t_phase, t_phase])
    rows = np.array([True, True, True, False])
    out = sure_fast_rows(_ctx(), m, rows, b_fast)
    assert out[0] == pytest.approx(_hand_104(BASE[1] / 100.0), rel=1e-6)  # swapped
    assert out[1] == 0.5  # a time the later stages set (departs > 10 %): kept
    assert out[2] == t_phase  # a phase fault: one element
    assert out[3] == t_phase  # not a fuse-saving row
    assert b_fast[0] == t_phase  # the pair table's own times untouched


# --- the swapped row's tolerance (brief trust31 §2c) ---------------------------------------

#: A recloser whose phase fast curve (104) is the faster element at 1.005 × its minimum trip
#: while its ground fast curve (117) surely operates at 2.5 ×: fuse saving counts on 117.
R_SLOW = Recloser(name="R-SLOW", phase_min_trip_a=200.0, ground_min_trip_a=100.0,
                  fast_curve="104", delayed_curve="133", ground_fast_curve="117",
                  ground_delayed_curve="117", n_fast=2, n_delayed=2,
                  reclose_intervals_s=[0.5, 2.0, 2.0])


def test_a_swapped_fuse_saving_row_takes_the_tolerance_of_the_element_its_time_is_from():
    """117 at 2.5 ×: 1.000 s + 0.042 s mechanism, ±5 % of the curve time (recloser control,
    e.g. Eaton Form 6) = 0.050 s; the faster phase element (104 at 1.005 ×, 0.548 s) has
    0.0253 s, which the row used to carry."""
    from protv2g.checks.coordination import PairTerms
    from protv2g.checks.tolerance import slower_element_tolerance_s, with_sure_tolerance

    i = (np.array([201.0, 201.0]), np.array([250.0, 250.0]))
    t_sure, t_fast, swapped = sure_fast_times_s(R_SLOW, *i)
    assert swapped.all() and t_sure[0] == pytest.approx(1.042, abs=1e-3)
    assert t_fast[0] == pytest.approx(0.5478, abs=1e-3)
    ctx = SimpleNamespace(devices={"R-SLOW": R_SLOW},
                          thresholds=SimpleNamespace(relay_technology="numerical"))
    tol = slower_element_tolerance_s(ctx, ["R-SLOW"] * 2, *i, "fast")
    assert tol == pytest.approx([0.05, 0.05], abs=1e-6)
    m = pd.DataFrame({"primary": "F", "backup": "R-SLOW", "p_i_phase_a": 250.0,
                      "p_i_ground_a": 250.0, "b_i_phase_a": i[0], "b_i_ground_a": i[1]})
    terms = PairTerms(ctx, m)
    assert terms.tol("b", "fast") == pytest.approx([0.02529, 0.02529], abs=1e-5)
    # the first row's time was swapped to the ground element's, the second's kept
    out = with_sure_tolerance(ctx, m, terms.tol("b", "fast"), np.array([True, False]))
    assert out == pytest.approx([0.05, 0.02529], abs=1e-5)
    assert terms.tol("b", "fast")[0] == pytest.approx(0.02529, abs=1e-5)  # not written into
