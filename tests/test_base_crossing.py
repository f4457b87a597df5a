"""A V2G-caused C1 row on a min-case ground fault says where the pair falls short without V2G
(review rev48a item 1, EPRI ckt5 F03: the drafted 51G 190 A MI TD 0.7 over a 65K link).

Figures checked independently:
- the crossing: head 51G by hand (IEEE C37.112 MI, A 0.0515, B 0.114, p 0.02, TD 0.7) at
  3I0 284.78 A is 4.5157 s; 65K total clearing at 285.18 A (``protv2g curves eval 65K``,
  4.3873 × 65 A) 4.3958 s: interval 0.120 s, the CTI (the reviewer's interpolation: ≈ 287 A);
- the loop: OpenDSS faultstudy Zsc at 39749 (reviewer rev48a: 3.0785 + j5.1742 Ω, source part
  0.1033 + j1.3109 Ω) with the lines × 1.24 (80 °C) is 3.7926 + j5.1742 Ω; the crossing's
  resistance by hand from it: |z + R| = 7199.56/285.18 → R = 20.92 Ω (reviewer: ≈ 20.75 Ω);
- 25 Ω gives 246.0 A (reviewer, by hand 246.1 A; the tool's run at 25 Ω 246.11 A).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g.checks.base_crossing import (
    base_crossing_notes,
    crossing_qualifier,
    crossing_resistance_ohm,
    crossing_scale,
    crossing_text,
    loop_impedance_ohm,
)
from protv2g.devices.models import build_device

E_MIN_V = 12.47e3 / math.sqrt(3.0)  # c_min 1.00 × 12.47 kV / √3 (ckt5's lateral)


def _pair():
    relay = build_device("relay", {"name": "head", "pickup_a": 760, "curve": "IEEE-MI",
                                   "time_dial": 0.5, "ground_pickup_a": 190,
                                   "ground_curve": "IEEE-MI",
                                   "ground_time_dial": 0.7})
    fuse = build_device("fuse", {"name": "fuse", "link": "65K"})
    return fuse, relay


# ckt5 base/light, SLG-c at 39749, min case: the coordination row and the bus fault rows
BASE = dict(i_primary_a=295.603452, i_primary_3i0_a=295.603452, i_backup_a=295.306132,
            i_backup_3i0_a=295.195363, margin_s=0.265814, required_s=0.12)
I_MIN_A, PHI_MIN = 295.691, 77.710349
I_MAX_A, PHI_MAX = 1314.712, 30.715118


def test_crossing_current_of_the_ckt5_pair():
    fuse, relay = _pair()
    s = crossing_scale(fuse, relay, (BASE["i_primary_a"], BASE["i_primary_3i0_a"]),
                       (BASE["i_backup_a"], BASE["i_backup_3i0_a"]), 0.12, BASE["margin_s"])
    assert s is not None
    assert s * BASE["i_primary_a"] == pytest.approx(285.18, abs=0.05)
    # by hand: the 51G at the crossing's 3I0, the CTI over the fuse's TC there
    m = s * BASE["i_backup_3i0_a"] / 190.0
    assert 0.7 * (0.0515 / (m ** 0.02 - 1.0) + 0.114) == pytest.approx(4.5157, abs=2e-4)
    # the base row is not reproduced by the curves: no claim
    assert crossing_scale(fuse, relay, (BASE["i_primary_a"], BASE["i_primary_3i0_a"]),
                          (BASE["i_backup_a"], BASE["i_backup_3i0_a"]), 0.12, 0.5) is None


def test_loop_and_resistance_against_opendss_loop():
    z = loop_impedance_ohm(I_MIN_A, PHI_MIN, I_MAX_A, PHI_MAX, E_MIN_V, 1.1 * E_MIN_V, 20.0)
    assert z is not None
    assert z.real == pytest.approx(3.7926, abs=0.01)  # OpenDSS Zsc, lines × 1.24
    assert z.imag == pytest.approx(5.1742, abs=0.01)
    assert crossing_resistance_ohm(z, E_MIN_V, 246.11) == pytest.approx(25.0, abs=0.01)
    assert crossing_resistance_ohm(z, E_MIN_V, 285.18) == pytest.approx(20.92, abs=0.02)


def _ctx(attribution: str = "new"):
    fuse, relay = _pair()
    coord = pd.DataFrame([dict(criterion="C1", scenario="base/light", fault_bus="39749",
                               fault_type="SLG-c", case="min", primary="fuse",
                               backup="head", check="backup relay after primary + CTI",
                               **BASE)])
    bus_faults = pd.DataFrame([
        dict(scenario="base/light", bus=0, bus_name="39749", fault_type="SLG-c", case="min",
             ikss_ka=I_MIN_A / 1e3, ikss_degree=PHI_MIN),
        dict(scenario="base/light", bus=0, bus_name="39749", fault_type="SLG-c", case="max",
             ikss_ka=I_MAX_A / 1e3, ikss_degree=PHI_MAX)])
    faults = SimpleNamespace(method=SimpleNamespace(value="iec60909"), x_fault_ohm=0.0,
                             r_fault_ohm=0.0, r_fault_min_ohm=20.0)
    study = SimpleNamespace(document=SimpleNamespace(faults=faults),
                            model=SimpleNamespace(buses=pd.DataFrame({"kv_ln": [E_MIN_V / 1e3]})))
    v = pd.DataFrame([dict(criterion="C1", status="fail", attribution=attribution,
                           scenario="firm/light/100%", fault_bus="39749", fault_type="SLG-c",
                           case="min", device="head", other_device="fuse",
                           message="head trips in 4.86 s")])
    ctx = SimpleNamespace(coordination=coord, bus_faults=bus_faults, study=study,
                          devices={"fuse": fuse, "head": relay},
                          base_of={"firm/light/100%": "base/light", "base/light": "base/light"})
    return v, ctx


def test_row_message_says_the_base_falls_short_above_the_crossing():
    v, ctx = _ctx()
    msg = str(base_crossing_notes(v, ctx).message.iloc[0])
    assert msg.startswith("head trips in 4.86 s; without V2G this pair already falls short")
    assert "below 285.3 A of fault current" in msg  # s × 295.69 A at the bus
    assert "more than about 20.9 Ω" in msg
    assert "20–40 Ω practice range" in msg
    assert "caused by V2G at that resistance only" in msg


def test_other_rows_unchanged():
    v, ctx = _ctx("pre-existing")
    assert str(base_crossing_notes(v, ctx).message.iloc[0]) == "head trips in 4.86 s"


def test_qualifier_reads_the_row_sentence_back():
    text = crossing_text(285.26, 20.92, 20.0, 0.12)
    assert crossing_qualifier("m" + text) == (
        " at r_fault_min_ohm = 20 Ω only: without V2G the pair falls short below 285.3 A "
        "(above about 20.9 Ω)")
    assert crossing_qualifier("head trips in 4.86 s") == ""
    assert crossing_qualifier(None) == ""


def test_summary_condition_does_not_say_caused_by_v2g_alone():
    from protv2g.report.summary_conditions import _line

    f = SimpleNamespace(finding="F03", title="C1 head / fuse", status="fail",
                        attribution="caused by V2G", worst_scenario="firm/light/100%",
                        worst_fault="SLG-c 39749 min", worst_margin=-0.2433, margin_unit="s",
                        input_basis="given", criterion="C1", device="head",
                        other_device="fuse",
                        message="m" + crossing_text(285.26, 20.92, 20.0, 0.12))
    line = _line("fail", f, "")
    assert line.startswith("fail: F03 C1 head / fuse — fail, caused by V2G at "
                           "r_fault_min_ohm = 20 Ω only: without V2G the pair falls short "
                           "below 285.3 A (above about 20.9 Ω)")


def test_gate_short_line_does_not_say_caused_by_v2g_alone():
    from protv2g.gate_line_short import short_line

    worst = {"criterion": "C1", "device": "head", "other_device": "fuse", "status": "fail",
             "scenario": "firm/light/100%", "fault_bus": "39749", "fault_type": "SLG-c",
             "case": "min", "margin": -0.2433, "margin_unit": "s",
             "message": "head trips in 4.86 s" + crossing_text(285.26, 20.92, 20.0, 0.12)}
    line = short_line("fail", worst, {"fail": 16}, 4, "caused by V2G")
    assert ("(fail; caused by V2G at r_fault_min_ohm = 20 Ω only: without V2G the pair falls "
            "short below 285.3 A (above about 20.9 Ω); firm/light/100%") in line


def test_summary_findings_table_says_it_beside_the_problem():
    from openpyxl import Workbook

    from protv2g.checks.no_primary import no_primary_text
    from protv2g.report.summary import _findings_grid
    from protv2g.report.summary_memo import Memo

    base = dict(status="fail", worst_margin=-0.2433, margin_unit="s", worst_fault="x",
                export_trend="", input_basis="given")
    findings = pd.DataFrame([
        dict(finding="F03", title="C1 head / fuse", **base,
             message="m" + crossing_text(285.26, 20.92, 20.0, 0.12)),
        dict(finding="F28", title="C5 head", **base,
             message="m" + no_primary_text("n300452", 350, True))])
    ws = Workbook().active
    _findings_grid(Memo(ws), findings, {})
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert ("fail: C1 head / fuse (caused by V2G at r_fault_min_ohm = 20 Ω only: without V2G "
            "the pair falls short below 285.3 A (above about 20.9 Ω))") in cells
    assert ("fail: C5 head — no judged primary protection at 350 bus(es) (backup zone only)"
            in cells)
