"""The drafted minimum-case fault resistance's TODO states the ground-fault ceiling it implies.

Review rev33b W4 (IEEE 123, 4.16 kV): at 20 Ω every minimum-case reach row failed with and without
V2G, since no ground fault through 20 Ω at 4.16 kV exceeds ≈ 120 A; the TODO called 20–40 Ω
"North American practice" without saying what it implies at the feeder's voltage.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from protv2g.study_draft.draft_text import R_FAULT_MIN_OHM, r_fault_todo


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
