"""Site drivers quote the current of the element whose time they judge (review rev48a #2).

EPRI ckt5, drafted head relay (51G 190 A, IEEE MI) over a 65K lateral fuse, SLG-c at 39749
(min case): the Site drivers sheet read "depot alone: 194.8 A at head, margin 0.275 s" —
the head's largest phase current — where the margin's 4.14 s is the 51G's, which answers
to a 3I0 of about 296 A (OpenDSS, depot alone as a current source: 3I0 304.3 A at 20 °C,
295.6 A at the study's conductor temperature). The figures below are that case's; the
relay's 51P (600 A) does not pick up at 195 A, so the ground element times the fault
(``ground_operates``, the coordination table's own element decision).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from protv2g.devices.models import OvercurrentRelay
from protv2g.findings_sites_fault import Solved, solved_rows

INF = float("inf")


def _solved(ip: float, ig: float, t_dev: float, t_fuse: float) -> Solved:
    return Solved(ip, ig, ig, {"t_op_s": t_dev, "t_51p_s": INF, "t_51g_s": t_dev,
                               "t_50_s": INF},
                  {"t_op_s": t_fuse, "t_tc_s": t_fuse, "t_mm_s": 0.8 * t_fuse},
                  np.full(3, np.nan + 0j), {"phase0": ip, "ground0": ig})


def _case():
    cti = 0.12
    t_all, f_all = 4.8647, 4.9776  # all sites: the fuse slower than the relay
    row = SimpleNamespace(
        criterion="C1", device="head", partner="fuse", mechanism="coordination_interval",
        margin_unit="s", scenario="firm/light/100%", fault_bus="39749", fault_type="SLG-c",
        case="min", margin=t_all - f_all - cti, limit=cti, t_device_s=t_all,
        t_other_s=f_all, base_margin=4.1527 - 3.7669 - cti, tolerance=0.0,
        attribution="new", rule="", rule_value=np.nan)
    sites = [SimpleNamespace(site="depot", p_export_kw=1500.0),
             SimpleNamespace(site="homes", p_export_kw=144.0)]
    cfs = [("depot", "alone", None), ("homes", "alone", None),
           ("all", "all", SimpleNamespace(sites=sites)), ("none", "base", None)]
    solved = [_solved(194.77, 295.8, 4.1406, 3.7456), _solved(270.47, 270.47, 4.8965, 5.0452),
              _solved(173.48, 289.0, t_all, f_all), _solved(190.0, 295.2, 4.1527, 3.7669)]
    relay = OvercurrentRelay(name="head", pickup_a=600.0, curve="IEEE-MI", time_dial=0.7,
                             ground_pickup_a=190.0, ground_curve="IEEE-MI",
                             ground_time_dial=0.7)
    return row, cfs, solved, relay


def test_a_51g_margin_is_judged_on_3i0():
    row, cfs, solved, relay = _case()
    rows = solved_rows(row, cfs, solved, "fuse", relay)
    depot = next(r for r in rows if r["site"] == "depot")
    assert depot["method"] == "device times"
    assert depot["i_judged_a"] == pytest.approx(295.8, abs=1e-9)
    assert depot["judged_on"] == "|3I0|"
    assert depot["i_device_a"] == pytest.approx(194.77, abs=1e-9)  # the phase figure kept
    assert "depot alone: 3I0 295.8 A at head" in depot["driver_text"]
    assert "194.8 A" not in depot["driver_text"]


def test_without_the_device_model_the_phase_current_is_said_as_such():
    row, cfs, solved, _ = _case()
    rows = solved_rows(row, cfs, solved, "fuse")
    depot = next(r for r in rows if r["site"] == "depot")
    assert depot["judged_on"] == "phase current"
    assert depot["i_judged_a"] == pytest.approx(194.77, abs=1e-9)
