"""C6 lists what it tried: per candidate device and element, the worst fed-back current
against its pickup, as ``info`` rows (review rev50a #7b: "C6 passed" with no row anywhere).

depot_two_feeder: R-F1 (51P 400 A) is fed back by both sites for faults on feeder 2. By hand,
the chargers at their first-cycle limit, firm participation (depot 48 × 125 kVA × 2.0 pu,
campus 0.9 × 40 × 50 kVA × 1.5 pu): 14,700 kVA / (√3 × 12.47 kV) = 680.6 A — the worst phase
current C6 tried through R-F1 (the old code: no C6 row at all on this study).
"""

from __future__ import annotations

import math

import pytest

from protv2g import load_study, run_study
from protv2g.checks.sympathetic_seen import SEEN

from .conftest import FEEDERS_DIR


@pytest.fixture(scope="module")
def c6():
    v = run_study(load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml")).violations
    return v[(v.criterion == "C6") & (v.mechanism.astype(str) == SEEN)]


def test_the_worst_fed_back_current_through_r_f1_by_hand(c6) -> None:
    kva = 48 * 125 * 2.0 + 0.9 * 40 * 50 * 1.5
    i_hand_a = kva / (math.sqrt(3) * 12.47)
    r = c6[(c6.device == "R-F1") & (c6.i_other_a.astype(float) == 400.0)]
    assert len(r) and set(r.status) == {"info"} and set(r.margin_unit) == {"A"}
    assert float(r.i_device_a.max()) == pytest.approx(i_hand_a, rel=2e-3)
    row = r.iloc[0]
    assert float(row.margin) == pytest.approx(400.0 - float(row.i_device_a))
    assert "R-F1: the largest phase current fed back through it over the" in row.message
    assert "× its 400 A phase pickup (at or above it: it picks up" in row.message


def test_every_device_c6_judges_is_listed_with_each_element(c6) -> None:
    """R-F1 and RC-F1, each with its phase and ground element (pickups 400/120 A and
    280/100 A, the study file's)."""
    got = {(d, float(p)) for d, p in zip(c6.device, c6.i_other_a, strict=True)}
    assert {("R-F1", 400.0), ("R-F1", 120.0), ("RC-F1", 280.0), ("RC-F1", 100.0)} <= got
