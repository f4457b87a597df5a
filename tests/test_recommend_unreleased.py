"""recommend on a C5 finding whose rows read 0 A: no pickup clears a fault the device's
directional control does not release (review rev50a #2: IEEE 123 R-L58, R01 "phase pickup
≤ 0 A for C5 (smallest phase current of the finding's faults 0 A / 1.5)").

Evidence by hand: R-L58 (51P 400 A, 51G 120 A, forward-directional) with a row at 0 A (SLG-a
at 100, min: nothing released) and a ground row at 134 A (SLG-c at 85). The fault table gives
the 0-A row's first-cycle 3I0, 67.0 A (IEEE 123 firm/light/100 %, checked with OpenDSS:
67.01 A, /tmp/dir50/chk/dir50_c5.py): 67.0 / 1.5 = 44.7 → "45 A".
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g.recommend.reach import ReachFacts, reach_limits
from protv2g.units import DeviceKind

FINDING = {"finding": "F01", "criterion": "C5", "device": "R-L58", "margin_unit": "× pickup"}


def _relay(directional):
    return SimpleNamespace(name="R-L58", kind=DeviceKind.RELAY, pickup_a=400.0,
                           ground_pickup_a=120.0, directional=directional)


def _evidence():
    return pd.DataFrame([
        {"finding": "F01", "status": "fail", "fault_type": "SLG-a", "fault_bus": "100",
         "case": "min", "scenario": "firm/light/100%", "device": "R-L58", "i_device_a": 0.0,
         "i_other_a": 400.0, "limit": 1.5, "margin_unit": "× pickup"},
        {"finding": "F01", "status": "fail", "fault_type": "SLG-c", "fault_bus": "85",
         "case": "min", "scenario": "firm/light/100%", "device": "R-L58",
         "i_device_a": 134.0, "i_other_a": 120.0, "limit": 1.5, "margin_unit": "× pickup"}])


def _faults():
    return pd.DataFrame({"scenario": ["firm/light/100%"], "device": ["R-L58"],
                         "fault_bus_name": ["100"], "fault_type": ["SLG-a"], "case": ["min"],
                         "i3i0_ka": [0.0670]})


def _flow():
    return pd.DataFrame({"device": ["R-L58"], "scenario": ["a"], "i_a": [496.0],
                         "i_residual_a": [94.0]})


def test_a_zero_ampere_row_bounds_no_pickup():
    """The 0-A row is left out of the C5 ceiling: the phase element has no limits at all (the
    old code: phase ceiling 0 A), the ground's is the 134-A row's 89.3 A."""
    lims = reach_limits(FINDING, _evidence(), _relay({"reverse_power_pickup_mw": 0.3}),
                        _flow(), 1.5)
    assert [lim.element for lim in lims] == ["ground"]
    assert lims[0].ceiling_a == pytest.approx(134.0 / 1.5)


def test_the_note_points_at_the_polarising_element_with_the_51g_figure():
    facts = ReachFacts(_evidence(), _flow(), 1.5, None, _faults())
    note = facts.note(FINDING, [_relay({"reverse_power_pickup_mw": 0.3})])
    assert "≤ 0 A" not in note
    assert ("no pickup clears 1 of the finding's rows (SLG-a at 100 (min)): R-L58 sees 0 A "
            "there — its directional control releases none of its overcurrent elements") in note
    assert "the 67N's minimum |V0| (directional.ground_min_polarising_pu)" in note
    assert "or a 51G at ≤ 3I0 / 1.5 = 45 A (smallest 3I0 of those faults 67 A" in note
    # the ground row still gets its own limits: no window under C8's 141 A floor
    assert "R-L58 ground pickup ≤ 89 A for C5" in note and "> 141 A for C8" in note


def test_a_non_directional_device_at_0_a_sees_no_current():
    facts = ReachFacts(_evidence(), _flow(), 1.5, None, _faults())
    note = facts.note(FINDING, [_relay(None)])
    assert "R-L58 sees 0 A there — the fault gives it no current" in note
