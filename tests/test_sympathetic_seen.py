"""C6 says what it tried: per V2G scenario, candidate device and element, the worst fed-back
current against its pickup and time, as ``info`` rows (review rev50a #7b: "C6 passed" with no
row anywhere; :mod:`protv2g.checks.sympathetic_seen`).

depot_two_feeder: R-F1 (51P 400 A, 51G 120 A) and RC-F1 (280 / 100 A) are fed back by both
sites for faults off their substation paths. By hand, the chargers at their first-cycle limit
(depot 48 × 125 kVA × 2.0 pu, campus 40 × 50 kVA × 1.5 pu) times the participation: firm
(1.0, 0.9) 14,700 kVA, expected (0.8, 0.6) 11,400 kVA; over √3 × 12.47 kV: 680.6 A and
527.8 A — R-F1's worst phase current in each firm and expected scenario (the old code: no
C6 row at all on this study). The chargers feed no zero sequence: R-F1's 3I0 stays < 1 A.
"""

from __future__ import annotations

import math
import re

import pytest

from protv2g import load_study, run_study
from protv2g.checks.sympathetic_seen import SEEN
from protv2g.report.derived import result_findings
from protv2g.report.summary_counts import findings_count_text

from .conftest import FEEDERS_DIR


@pytest.fixture(scope="module")
def depot():
    r = run_study(load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml"))
    v = r.violations
    return r, v[(v.criterion == "C6") & v.mechanism.astype(str).isin(list(SEEN.values()))]


def _kva(participation: tuple[float, float]) -> float:
    return participation[0] * 48 * 125 * 2.0 + participation[1] * 40 * 50 * 1.5


@pytest.mark.parametrize(("level", "share"), [("firm", (1.0, 0.9)), ("expected", (0.8, 0.6))])
def test_the_worst_fed_back_current_through_r_f1_by_hand(depot, level, share) -> None:
    _, c6 = depot
    i_hand_a = _kva(share) / (math.sqrt(3) * 12.47)  # 680.6 A firm, 527.8 A expected
    r = c6[(c6.device == "R-F1") & (c6.mechanism.astype(str) == SEEN["phase"])
           & c6.scenario.astype(str).str.startswith(level + "/")]
    assert len(r) == 8 and set(r.status) == {"info"} and set(r.margin_unit) == {"A"}
    for row in r.itertuples():  # every export level: the chargers' limit, not the export
        assert float(row.i_device_a) == pytest.approx(i_hand_a, rel=2e-3)
        assert (float(row.limit), float(row.rule_value)) == (400.0, 400.0)
        assert float(row.margin) == pytest.approx(400.0 - float(row.i_device_a), abs=1e-9)
        assert "× its 400 A phase pickup (at or above it)" in row.message
        assert "R-F1 phase: the largest phase current fed back through it with depot" in \
            row.message


def test_one_row_per_v2g_scenario_device_and_element(depot) -> None:
    """Each V2G scenario (not the base cases: nothing is fed back by V2G there) has one row
    for each of R-F1's and RC-F1's elements; the light and peak twins the same but for the
    scenario and its text."""
    r, c6 = depot
    v2g = set(r.scenarios.scenario[~r.scenarios.is_base.astype(bool)].astype(str))
    keys = list(zip(c6.scenario.astype(str), c6.device, c6.mechanism.astype(str), strict=True))
    assert len(keys) == len(set(keys)) == 4 * len(v2g)
    assert {k[0] for k in keys} == v2g
    assert {(k[1], k[2]) for k in keys} == {(d, m) for d in ("R-F1", "RC-F1")
                                            for m in SEEN.values()}
    ground = c6[(c6.device == "R-F1") & (c6.mechanism.astype(str) == SEEN["ground"])]
    assert (ground.i_device_a.astype(float) < 1.0).all()  # positive sequence only
    light = c6[c6.scenario.astype(str).str.contains("/light/")].reset_index(drop=True)
    peak = c6[c6.scenario.astype(str).str.contains("/peak/")].reset_index(drop=True)
    cols = ["device", "fault_bus", "fault_type", "case", "i_device_a", "margin",
            "t_device_s", "t_other_s", "mechanism"]
    assert len(light) == len(peak) > 0
    assert light[cols].astype(str).equals(peak[cols].astype(str))
    assert list(light.message.str.replace("(light load)", "(peak load)")) == list(peak.message)


def test_the_info_findings_are_apart_from_the_problems(depot) -> None:
    """The Summary's count of problems leaves them out (fxv50, findings_count_text)."""
    r, _ = depot
    f = result_findings(r).findings
    info = f[(f.criterion == "C6") & (f.status.astype(str) == "info")]
    assert len(info) == 4  # R-F1 and RC-F1, phase and 3I0
    assert set(info.device) == {"R-F1", "RC-F1"}
    text = findings_count_text(f, r.violations)
    assert all(f"{i}" in text.split("not a problem: ")[1] for i in info.finding)


def test_the_text_gives_the_current_without_v2g() -> None:
    """workplace_pv_midday: R-HEAD is fed back by the office park and by the feeder's PV,
    which feeds 101.9 A through it without V2G. The firm scenarios' worst (an LLG at the
    substation bus, max case) is the PV's plus the chargers' by hand, 0.9 × 40 × 50 kVA ×
    1.5 / (√3 × 12.47 kV) = 125.0 A (in phase: both at unity power factor)."""
    v = run_study(load_study(FEEDERS_DIR / "workplace_pv_midday" / "study.yaml")).violations
    s = v[(v.criterion == "C6") & (v.mechanism.astype(str) == SEEN["phase"])
          & v.scenario.astype(str).str.startswith("firm/")]
    assert len(s) == 2 and set(s.device) == {"R-HEAD"}
    i_hand_a = 0.9 * 40 * 50 * 1.5 / (math.sqrt(3) * 12.47)
    for r in s.itertuples():
        base_a = float(re.search(r"\(without V2G: ([0-9.,]+) A\)", r.message).group(1))
        assert base_a == pytest.approx(101.9, abs=0.05)
        assert float(r.i_device_a) - base_a == pytest.approx(i_hand_a, rel=2e-3)
        assert "× its 300 A phase pickup (below it)" in r.message
