"""The drafted minimum-case fault resistance's TODO states the ground-fault ceiling it implies.

Review rev33b W4 (IEEE 123, 4.16 kV): at 20 Ω every minimum-case reach row failed with and without
V2G, since no ground fault through 20 Ω at 4.16 kV exceeds ≈ 120 A; the TODO called 20–40 Ω
"North American practice" without saying what it implies at the feeder's voltage.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from protv2g.study_draft.draft_text import R_FAULT_MIN_OHM, r_fault_todo

from .ngr_feeder import ngr_source


def test_ceiling_at_4_16_kv_by_hand():
    # 4.16 kV / √3 = 2,401.8 V line to neutral; / 20 Ω = 120.1 A
    text = r_fault_todo(4.16)
    assert "at 4.16 kV no ground fault through it exceeds V_LN / R = 120 A" in text
    assert text.startswith("# TODO")


def test_ceiling_is_a_bound_on_the_slg_current():
    # I = 3 V_LN / |Z1 + Z2 + Z0 + 3R| for random sequence impedances with R >= 0 never exceeds
    # V_LN / R (the bound the text states)
    rng = np.random.default_rng(3)
    v_ln = 12.47e3 / math.sqrt(3.0)
    z = rng.uniform(0, 5, (1000, 3)) + 1j * rng.uniform(-2, 20, (1000, 3))
    i_a = 3 * v_ln / np.abs(z.sum(axis=1) + 3 * R_FAULT_MIN_OHM)
    assert i_a.max() <= v_ln / R_FAULT_MIN_OHM * (1 + 1e-12)


@pytest.mark.parametrize("kv", [0.0, -1.0])
def test_no_ceiling_without_a_voltage(kv):
    assert "V_LN / R" not in r_fault_todo(kv)


NGR_MODEL = ngr_source() + """New Line.c1 bus1=sub bus2=p1 linecode=c2 length=0.5 units=mi
New Line.c2 bus1=p1 bus2=p2 linecode=c2 length=0.8 units=mi
New Load.p2 bus1=p2 phases=3 conn=delta kv=13.8 kw=1200 kvar=600
Set VoltageBases=(69, 13.8)
CalcVoltageBases
"""


def test_the_models_own_grounding_is_said(tmp_path):
    """Review rev44b M2 (13.8 kV, 20 Ω neutral resistor): the TODO said "no ground fault
    through it exceeds V_LN / R = 398 A" where the resistor halves it. Reference: OpenDSS, a
    ``Fault`` of 20 Ω from phase a to ground at the substation bus, loads out, source at
    1.0 pu (IEC 60909's minimum case, c_min = 1.0; no line between it and the source):
    198.65 A; by hand V_LN / (R + R_NGR) = 7967 / 40 = 199.2 A."""
    pytest.importorskip("opendssdirect")
    import opendssdirect as dss

    from protv2g.study_draft.draft import draft_study

    master = tmp_path / "master.dss"
    master.write_text(NGR_MODEL)
    text = draft_study(master).text
    line = next(x for x in text.splitlines() if "r_fault_min_ohm:" in x)
    assert "exceeds V_LN / R = 398 A" in line
    got = re.search(r"the largest is ([\d,]+) A \(at (\w+), IEC 60909 minimum case\)", line)
    assert got is not None, line
    dss.Text.Command(f'compile "{master}"')
    dss.Text.Command("Load.p2.enabled=no")
    dss.Text.Command("New Fault.f bus1=sub.1 phases=1 r=20")
    dss.Solution.Solve()
    dss.Circuit.SetActiveElement("Fault.f")
    c = dss.CktElement.Currents()
    ref = abs(complex(c[0], c[1]))
    dss.Text.Command("clear")
    assert got.group(2) == "sub"  # the largest: nearest the source
    assert float(got.group(1).replace(",", "")) == pytest.approx(ref, abs=0.6)  # 199 vs 198.6
    assert ref == pytest.approx(13.8e3 / math.sqrt(3) / 40.0, rel=0.005)


def test_the_models_own_figure_at_each_level():
    """kv45 (the ceiling at each of a step-down feeder's voltages) merged with ngr45 (the
    model's own largest beside it): each level's figure is said with its voltage and bus;
    V_LN / R by hand: 34.5e3 / √3 / 20 = 995.9 A, 12.47e3 / √3 / 20 = 360.0 A."""
    text = r_fault_todo((34.5, 12.47), largest={34.5: (950.2, "m1"), 12.47: (330.0, "d5")})
    assert "996 A at 34.5 kV, 360 A at 12.47 kV" in text
    assert "the largest is 950 A at 34.5 kV (at m1), 330 A at 12.47 kV (at d5)" in text
    assert "the largest" not in r_fault_todo((34.5, 12.47), largest={34.5: None})
