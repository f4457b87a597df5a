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
import pytest

from protv2g.checks.recloser_element_text import element_text
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
    assert "at the quoted currents that curve gives 0.0623 s: the time is from the fault's " \
           "later stages' currents" in text


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
