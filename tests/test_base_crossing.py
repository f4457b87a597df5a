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
    v = pd.DataFrame([dict(criterion="C1", status="fail", attribution=attribution,
                           scenario="firm/light/100%", fault_bus="39749", fault_type="SLG-c",
                           case="min", device="head", other_device="fuse",
                           message="head trips in 4.86 s")])
    return v, _context(coord, "39749", "SLG-c", (I_MIN_A, PHI_MIN), (I_MAX_A, PHI_MAX),
                       {"fuse": fuse, "head": relay})


def _context(coord, bus, fault_type, i_min, i_max, devices, kv_ln=E_MIN_V / 1e3):
    """A check context of the base case's pair row ``coord`` and its bus's min and max
    fault rows (``i_*``: current A, angle °) at 20 Ω, IEC 60909, on a bus of ``kv_ln``."""
    bus_faults = pd.DataFrame([
        dict(scenario="base/light", bus=0, bus_name=bus, fault_type=fault_type, case=case,
             ikss_ka=i[0] / 1e3, ikss_degree=i[1])
        for case, i in (("min", i_min), ("max", i_max))])
    faults = SimpleNamespace(method=SimpleNamespace(value="iec60909"), x_fault_ohm=0.0,
                             r_fault_ohm=0.0, r_fault_min_ohm=20.0)
    study = SimpleNamespace(document=SimpleNamespace(faults=faults),
                            model=SimpleNamespace(buses=pd.DataFrame({"kv_ln": [kv_ln]})))
    return SimpleNamespace(coordination=coord, bus_faults=bus_faults, study=study,
                           devices=devices,
                           base_of={"firm/light/100%": "base/light", "base/light": "base/light"})


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
    from protv2g.report.summary_grids import findings_grid as _findings_grid
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


# --- review rev48a R02: C2–C4 and LLG rows (session 49) -----------------------------------
# A C4 pair on a 12.47 kV lateral: relay R (51G 210 A IEEE-MI TD 0.04) downstream of recloser
# RC (ground minimum trip 85 A, delayed curve 117/B: the shared table's points M 3 → 0.69 s,
# M 4 → 0.40 s, + 0.042 s clearing adder). The bus loop is ckt5's (OpenDSS Zsc at 39749, lines
# × 1.24: 3.7926 + j5.1742 Ω hot; 3.0785 + j5.1742 Ω at 20 °C), E = 7199.56 V at 90°.
Z_HOT, Z_COLD = complex(3.7926, 5.1742), complex(3.0785, 5.1742)
I20_A = E_MIN_V / abs(Z_HOT + 20.0)  # 295.69 A: the base min row
C4_CHECK = "backup recloser delayed curve after primary + CTI"


def _c4_pair():
    relay = build_device("relay", {"name": "R", "pickup_a": 800, "curve": "IEEE-MI",
                                   "time_dial": 0.5, "ground_pickup_a": 210,
                                   "ground_curve": "IEEE-MI", "ground_time_dial": 0.04})
    rc = build_device("recloser", {"name": "RC", "phase_min_trip_a": 560.0,
                                   "fast_curve": "101", "delayed_curve": "133",
                                   "ground_min_trip_a": 85.0, "ground_fast_curve": "104",
                                   "ground_delayed_curve": "117", "n_fast": 2, "n_delayed": 2})
    return relay, rc


def _hand_relay_s(i_a: float) -> float:
    m = i_a / 210.0
    return 0.04 * (0.0515 / (m ** 0.02 - 1.0) + 0.114)


def _hand_117_s(i_a: float) -> float:
    m = i_a / 85.0  # between the table's M 3 and M 4 (log-log), + the 0.042 s adder
    assert 3.0 <= m <= 4.0
    return 0.69 * (m / 3.0) ** (math.log(0.40 / 0.69) / math.log(4.0 / 3.0)) + 0.042


def _c4_ctx(fault_type: str = "SLG-a", kv_ln: float = E_MIN_V / 1e3, criterion: str = "C4",
            check: str = C4_CHECK, rule: str = "coordination_interval"):
    relay, rc = _c4_pair()
    margin = _hand_117_s(I20_A) - _hand_relay_s(I20_A) - 0.2
    coord = pd.DataFrame([dict(criterion=criterion, scenario="base/light", fault_bus="b7",
                               fault_type=fault_type, case="min", primary="R", backup="RC",
                               check=check, rule=rule, rule_value=0.2, i_primary_a=I20_A,
                               i_primary_3i0_a=I20_A, i_backup_a=I20_A, i_backup_3i0_a=I20_A,
                               margin_s=margin, required_s=0.2)])
    deg = [90.0 - math.degrees(math.atan2(z.imag, z.real)) for z in (Z_HOT + 20.0, Z_COLD)]
    v = pd.DataFrame([dict(criterion=criterion, status="fail", attribution="new",
                           scenario="firm/light/100%", fault_bus="b7", fault_type=fault_type,
                           case="min", device="RC", other_device="R", rule=rule,
                           message="RC trips in 0.6 s")])
    return v, _context(coord, "b7", fault_type, (I20_A, deg[0]),
                       (1.1 * E_MIN_V / abs(Z_COLD), deg[1]), {"R": relay, "RC": rc}, kv_ln)


def test_a_c4_row_gets_the_crossing_checked_by_hand():
    """C4 relay→recloser: base margin at 295.69 A, by hand: relay 0.04 × (0.0515/(1.40805^0.02
    − 1) + 0.114) = 0.3045 s, 117 at M = 3.4787: 0.69 × (3.4787/3)^(ln(0.4/0.69)/ln(4/3)) +
    0.042 = 0.5632 s: +0.0587 s over the 0.2 s CTI. The interval closes at 255.37 A (relay
    0.5301 s, recloser 0.7301 s); |z + R| = 7199.56/255.37 → R = 23.92 Ω (the old code: C1
    rows only, nothing said)."""
    assert _hand_117_s(I20_A) - _hand_relay_s(I20_A) - 0.2 == pytest.approx(0.0587, abs=2e-4)
    i_x = 255.37
    assert _hand_117_s(i_x) - _hand_relay_s(i_x) == pytest.approx(0.2, abs=2e-4)
    r_x = -Z_HOT.real + math.sqrt((E_MIN_V / i_x) ** 2 - Z_HOT.imag ** 2)
    assert r_x == pytest.approx(23.92, abs=0.01)
    v, ctx = _c4_ctx()
    msg = str(base_crossing_notes(v, ctx).message.iloc[0])
    assert msg.startswith("RC trips in 0.6 s; without V2G this pair already falls short of "
                          "the 0.2 s interval below 255.4 A of fault current (ground faults "
                          "here through more than about 23.9 Ω, inside the 20–40 Ω practice")
    assert crossing_qualifier(msg) == (" at r_fault_min_ohm = 20 Ω only: without V2G the pair "
                                       "falls short below 255.4 A (above about 23.9 Ω)")


def test_an_llg_row_says_why_no_crossing_is_computed():
    v, ctx = _c4_ctx("LLG-bc")
    msg = str(base_crossing_notes(v, ctx).message.iloc[0])
    assert msg.startswith("RC trips in 0.6 s; without V2G at a fault resistance above "
                          "r_fault_min_ohm = 20 Ω: not computed (LLG): an LLG fault's two "
                          "faulted phases share the path to ground through R_F")
    assert msg.endswith("caused by V2G as studied at that resistance only")
    assert crossing_qualifier(msg) == (" at r_fault_min_ohm = 20 Ω (without V2G at higher "
                                       "resistances: not computed, LLG)")


def test_a_rule_of_no_time_difference_and_a_low_voltage_bus():
    v, ctx = _c4_ctx(criterion="C3", check="gG I²t selectivity",
                     rule="iec60269_gg_i2t_selectivity")
    msg = str(base_crossing_notes(v, ctx).message.iloc[0])
    assert "not computed (rule): its rule is no difference of the two curves' times" in msg
    # no base row of the pair at the fault (the synthetic 3,000-bus bench: RC-3 operates at
    # b189 only with V2G): lower currents at a higher resistance do not make one
    v, ctx = _c4_ctx()
    ctx.coordination = ctx.coordination.assign(fault_bus="b8")
    msg = str(base_crossing_notes(v, ctx).message.iloc[0])
    assert msg.endswith("without V2G this pair has no interval at this fault (its primary does "
                        "not operate there, or V2G makes the pair), nor through a higher fault "
                        "resistance, whose currents are lower: V2G's at any resistance")
    assert crossing_qualifier(msg) == ""
    # a 240 V bus: r_fault_min_ohm does not apply there, nothing said
    v, ctx = _c4_ctx(kv_ln=0.24)
    assert str(base_crossing_notes(v, ctx).message.iloc[0]) == "RC trips in 0.6 s"


def test_each_rules_margin_reproduces_the_checks_own_on_the_depot_example(depot_study):
    """The margins :mod:`protv2g.checks.base_crossing_rules` writes from the curves equal the
    pair rows' own (C1, C2 fuse backup and fuse saving, C4 relay after the recloser's shots)
    on every base-case row of the depot example: the crossing search scales the rule the
    check judges, not another."""
    import warnings

    import numpy as np

    from protv2g.checks._common import build_devices
    from protv2g.checks.base_crossing_rules import rule_margin
    from protv2g.devices.kinds import operating_times
    from protv2g.runner import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = run_study(depot_study, hosting=False).tables["Coordination"]
    c = c[c.scenario.astype(str).str.startswith("base") & np.isfinite(c.margin_s.astype(float))]
    devices, _ = build_devices(depot_study)
    seen = set()
    for r in c.itertuples(index=False):
        f = rule_margin(str(r.check), float(r.rule_value), float(r.required_s))
        assert f is not None, r.check
        tp = operating_times(devices[r.primary], np.array([r.i_primary_a]),
                             np.array([r.i_primary_3i0_a]))
        tb = operating_times(devices[r.backup], np.array([r.i_backup_a]),
                             np.array([r.i_backup_3i0_a]))
        assert float(f(tp, tb)[0]) == pytest.approx(float(r.margin_s), abs=1e-3), r
        seen.add((r.criterion, r.check))
    assert {x[0] for x in seen} == {"C1", "C2", "C4"} and len(seen) == 4


def test_a_backup_that_stops_operating_is_the_crossing():
    """Review ver49 (rev49a #3, EPRI DG_Protection F01, C2 fuse saving of recloser a over
    fuse f1): recloser a has only its 200 A phase element; SLG-a at Lat1, min, 20 Ω, without
    V2G it sees 223.3 A (OpenDSS 223.52 A) and the saving margin is +0.52 s (by hand from the
    model's tables 0.520947 s), but at 24 Ω (199.8 A, OpenDSS) it no longer picks up: the pair
    falls short of saving below 200 A. The search returned nothing there ("the backup stops
    operating first"); the crossing is the recloser's pickup."""
    import numpy as np

    from protv2g.checks.base_crossing import _crossing
    from protv2g.checks.base_crossing_rules import SAVING, rule_margin
    from protv2g.devices.kinds import operating_times

    rc = build_device("recloser", {"name": "a", "phase_min_trip_a": 200, "fast_curve": "101",
                                   "delayed_curve": "133", "n_fast": 1, "n_delayed": 3})
    fuse = build_device("fuse", {"name": "f1", "link": "40K"})
    saving = rule_margin(SAVING, 1.25, 0.0)
    i_a = 223.3
    m1 = float(saving(operating_times(fuse, np.array([i_a]), np.array([0.0])),
                      operating_times(rc, np.array([i_a]), np.array([0.0])))[0])
    assert m1 == pytest.approx(0.52, abs=0.01)
    s, why, stopped = _crossing(fuse, rc, (i_a, 0.0), (i_a, 0.0), saving, m1)
    assert (why, stopped) == ("", "backup")
    assert s * i_a == pytest.approx(200.0, abs=0.01)  # the recloser's minimum trip
    assert crossing_scale(fuse, rc, (i_a, 0.0), (i_a, 0.0), 0.0, m1, saving) == pytest.approx(s)
