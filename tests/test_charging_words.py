"""A row of a charging snapshot is the charging's, not V2G's, in its words (review rev40b M2).

IEEE 123 with a 60 MVA utility source (rev40b's study), C12 in ``charging/expected`` said
"voltage 1.059 pu at 7 … the exceedance at this bus is V2G's; V2G raises it by 0.00789 pu" —
no export there: the charging load's current boosts reg1a's line-drop compensation. EPRI ckt5
said "voltage 0.941 pu at x_39754_1 in scenario charging/expected … pre-existing: V2G changes
it by 0.00178 pu".

Checked against OpenDSS, not protv2g (opendssdirect, /tmp/txt40/ldc123.py: IEEE123Master.dss +
``Edit Vsource.source MVAsc3=60 MVAsc1=60 X1R1=8 X0R0=8``, peak load, the campus 640 kW at 450
and the homes 69.12 kW at 114.1 as constant-P loads, controls solved): reg1a's tap 1.08125 →
1.09375 (2 steps of 0.625 % higher) with the charging, bus 7 phase b 1.05061 → 1.05880 pu
(+0.0082; protv2g's row: 1.051 → 1.059, +0.00789).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from protv2g.checks import attribute
from protv2g.checks import flow_charging as FC
from protv2g.checks.attribution_materiality import who_moves
from protv2g.checks.flow_limit import at_limit_caused_text
from protv2g.scenarios import DER_OFF_BASE

CHARGING = "charging/expected"
#: OpenDSS (module docstring): reg1a's tap without and with the charging, and its step
TAP_WITHOUT, TAP_WITH, STEP = 1.08125, 1.09375, 0.00625


def test_who_moves_a_charging_snapshot_is_the_charging():
    assert who_moves(CHARGING) == "charging"
    assert who_moves("expected/light/100%") == "V2G"


def test_a_pre_existing_under_voltage_of_a_charging_snapshot_names_the_charging():
    """ckt5's row: 0.941 pu, failing without the charging too, moved 0.00178 pu."""
    def row(scenario: str, margin: float) -> dict:
        return {"criterion": "C12", "status": "fail", "scenario": scenario,
                "fault_bus": "x_39754_1", "fault_type": "", "case": "", "device": "",
                "other_device": None, "margin": margin, "margin_unit": "pu",
                "rule": "v_min_pu", "limit": 0.95, "tolerance": 1 / 120, "attribution": "",
                "message": "voltage 0.941 pu at x_39754_1"}
    rows = pd.DataFrame([row(DER_OFF_BASE, -0.00722), row(CHARGING, -0.009)])
    v = attribute(rows, {CHARGING: DER_OFF_BASE, DER_OFF_BASE: DER_OFF_BASE})
    msg = str(v.message.iloc[1])
    assert v.attribution.iloc[1] == "pre-existing"
    assert "pre-existing: charging changes it by 0.00178 pu" in msg
    assert "V2G" not in msg


def test_an_at_limit_row_of_a_charging_snapshot_says_charging_and_its_mechanism():
    how = " (through creg1a's line-drop compensation: creg1a rests 2 taps higher …)"
    text = at_limit_caused_text(1.0506, 1.0585, 0.001051, 0.001, 1 / 120, "charging", how)
    assert "without the sites' charging 1.0506 pu here" in text
    assert "the exceedance at this bus is charging's; charging raises it by 0.0079 pu" in text
    assert how in text and "V2G" not in text
    # an export row keeps its words
    assert "V2G raises it by" in at_limit_caused_text(1.0506, 1.0585, 0.001051, 0.001, 1 / 120)


def test_the_ldc_regulator_upstream_that_rests_higher_is_named(monkeypatch):
    """reg1a (creg1a, LDC set) 2 taps higher on all three phases with the charging; a
    regulator without LDC, or one not upstream of the bus, is not named."""
    steps = int(round((TAP_WITH - TAP_WITHOUT) / STEP))
    assert steps == 2
    settings = pd.DataFrame({"name": ["regcontrol.creg1a", "regcontrol.creg2a"],
                             "ldc": [True, True]})
    moves = pd.DataFrame({"scenario": [CHARGING, CHARGING], "step": [0, 0],
                          "name": ["regcontrol.creg1a", "regcontrol.creg2a"],
                          "taps": [np.array([steps] * 3), np.array([1, 0, 0])],
                          "unforced": [False, False]})
    monkeypatch.setattr(FC, "regulator_settings", lambda m: settings)
    monkeypatch.setattr(FC, "tap_moves", lambda bus, s, base_of: moves)
    monkeypatch.setattr(FC, "downstream_sets", lambda m: {
        "regcontrol.creg1a": frozenset({7, 8}), "regcontrol.creg2a": frozenset({9})})
    ctx = SimpleNamespace(study=SimpleNamespace(model=object()),
                          base_of={CHARGING: DER_OFF_BASE})
    bad = pd.DataFrame({"scenario": [CHARGING, CHARGING], "bus": [7, 5], "step": [0, 0]})
    out = FC.ldc_texts(ctx, pd.DataFrame({"x": [1]}), bad, [0, 1])
    assert out == {0: " (through creg1a's line-drop compensation: creg1a rests 2 taps "
                      "higher (phases a, b, c) than without the charging, for the charging "
                      "load's current)"}
