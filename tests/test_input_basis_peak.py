"""The drafted peak load level and a regulator band's rows (review rev42c M2, IEEE 8500).

init drafts ``scenarios.load_levels`` with "TODO: peak = the model's own snapshot load …
confirm the model's loads are the feeder's peak", yet every peak-load row (F27, F49, F50 and
the C8/C12 peak findings) read "given data": only the light scenarios were marked drafted.
And one over-voltage (regxfmr_190-8581 phase c, 1.066–1.067 pu at light load; OpenDSS 1.0665
without V2G, 1.0676 with the 2 MW export) was two findings with opposite bases: F51 (its V2G
rows, judged as feeder_regc's output by its band, "regulator set-point", "given data") and F52
(its base row, "drafted value (TODO)"). The bus is past the output (0.0185 pu above it at
light load): its drop from the output is the load's, so its rows rest on the load levels;
and the band that puts it over the limit with V2G does so without it, so its base row is the
set-point's too — one finding.
"""

from __future__ import annotations

from types import SimpleNamespace as D

import numpy as np
import pandas as pd

from protv2g.checks.flow_band import band_bases
from protv2g.checks.flow_limit import REGULATOR_SETPOINT, SOURCE_SETPOINT
from protv2g.criteria_basis import criterion_stand_ins
from protv2g.findings import build_findings
from protv2g.input_basis import (
    LIGHT_LOAD_INPUT,
    PEAK_LOAD_INPUT,
    InputBases,
    input_basis_columns,
    tag_input_basis,
)

LIGHT = frozenset({"base/light", "firm/light/100%"})
ROWS = pd.DataFrame({
    "criterion": ["C12", "C8", "C5", "C12", "C12", "C12", "C12"],
    "status": ["fail"] * 7,
    "device": ["", "R1", "R1", "", "", "", ""], "other_device": [""] * 7,
    "fault_bus": ["b1", "", "b2", "reg_out", "regxfmr_190-8581", "regxfmr_190-8581", "src1"],
    "scenario": ["base/peak", "charging/firm", "firm/peak/100%", "firm/light/100%",
                 "firm/light/100%", "base/light", "base/light"],
    "mechanism": ["", "", "", REGULATOR_SETPOINT, REGULATOR_SETPOINT, REGULATOR_SETPOINT,
                  SOURCE_SETPOINT]})


def test_every_c8_and_c12_row_rests_on_the_drafted_peak_but_a_held_one():
    bases = InputBases(peak_load=True, regulated_buses=frozenset({"reg_out"}))
    basis, texts = input_basis_columns(ROWS, bases)
    # C12 at peak, C8 charging, C5 (fault currents: no load), the regulator's own output,
    # the bus past it judged by its band (with and without V2G), a source-held bus
    assert basis.tolist() == ["todo", "todo", "given", "given", "todo", "todo", "given"]
    assert PEAK_LOAD_INPUT in texts[0] and PEAK_LOAD_INPUT in texts[1]
    # before: the peak level was no stand-in at all
    assert tag_input_basis(ROWS, InputBases()).tolist() == ["given"] * 7


def test_a_band_row_at_light_load_rests_on_the_light_load_as_its_base_row_does():
    bases = InputBases(light_scenarios=LIGHT, regulated_buses=frozenset({"reg_out"}))
    basis, texts = input_basis_columns(ROWS, bases)
    assert basis.tolist()[3:] == ["given", "todo", "todo", "given"]
    assert LIGHT_LOAD_INPUT in texts[4] and LIGHT_LOAD_INPUT in texts[5]
    # without the regulated buses' names (a bare InputBases): every set-point row held
    assert tag_input_basis(ROWS, InputBases(light_scenarios=LIGHT)).tolist()[3:] == [
        "given"] * 4


def test_c8_and_c12_passes_name_the_drafted_peak():
    out = criterion_stand_ins(InputBases(peak_load=True), [D(name="R1")])
    assert out["C8"]["inputs"] == [PEAK_LOAD_INPUT]
    assert PEAK_LOAD_INPUT in out["C12"]["inputs"]


def test_the_base_row_of_a_band_bus_is_the_set_points_too():
    ctx = D(base_of={"firm/light/100%": "base/light", "expected/light/100%": "base/light",
                     "firm/peak/100%": "base/peak", "base/light": "base/light"})
    bad = pd.DataFrame({"scenario": ["firm/light/100%", "expected/light/100%", "base/light",
                                     "base/light", "base/peak"],
                        "bus": [7, 7, 7, 9, 7]})
    got = band_bases(ctx, bad, {0: "…band…", 1: "…band…"})
    assert got.tolist() == [False, False, True, False, False]
    assert not band_bases(ctx, bad, {}).any()


def test_a_band_bus_with_its_base_row_is_one_finding():
    rows = pd.DataFrame({
        "criterion": "C12", "status": "fail", "attribution": "pre-existing",
        "scenario": ["firm/light/100%", "expected/light/100%", "base/light"],
        "fault_bus": "regxfmr_190-8581", "fault_type": "", "case": "", "device": "",
        "other_device": "", "margin": [-0.017329, -0.017160, -0.016420], "margin_unit": "pu",
        "limit": 1.05, "message": "m", "mechanism": REGULATOR_SETPOINT})
    assert len(build_findings(rows).findings) == 1
    split = rows.assign(mechanism=[REGULATOR_SETPOINT, REGULATOR_SETPOINT, np.nan])
    assert len(build_findings(split).findings) == 2  # before: F51 and F52


def test_a_row_on_a_default_rating_and_the_drafted_peak_names_both():
    """EPRI ckt5 (/tmp/rev42a/ckt5): F03's transformer at 144 % rests on OpenDSS's default
    normhkva and, with the drafted peak, on the peak: a todo row named its drafted inputs
    only, so the gate's confirm line lost "normhkva"."""
    v = pd.DataFrame({"criterion": ["C12", "C12"], "status": ["fail"] * 2,
                      "device": ["transformer.t1", "line.l1"], "other_device": [""] * 2,
                      "scenario": ["base/peak"] * 2, "margin_unit": ["%", "%"]})
    bases = InputBases(default_lines=frozenset({"line.l1"}),
                       default_transformers=frozenset({"transformer.t1"}), peak_load=True)
    basis, texts = input_basis_columns(v, bases)
    assert basis.tolist() == ["todo", "todo"]
    assert texts[0].startswith("transformer.t1's normhkva (OpenDSS default 110 %")
    assert texts[1].startswith("line.l1's normamps (OpenDSS default 400 A")
    assert all(PEAK_LOAD_INPUT in t for t in texts)
