"""C1–C4 pair rows new with the project's equipment, failing with every charger idle.

Review rev34b M1 (IEEE 34): ``C1 head-l1 / F-DEPOT … (fail; caused by V2G)`` — the drafted head
relay against the depot transformer's own fuse, failing with no charger online; J1's head /
depot fuse likewise (rev34c). Such a row is the project's *equipment*'s
(:data:`protv2g.checks.equipment.EQUIPMENT`), its remedy the pair's settings or equipment, not
an export cap; rows the chargers tip stay ``new`` ("caused by V2G").

The feeder: ``test_dss_site_transformer``'s 12.47 kV trunk with the depot's 2 MVA transformer
Dyn this time (delta on the feeder, grounded wye on 480 V, as IEEE 34's depot_xf), its fuse
F-DEPOT 100K on the high-voltage side and a head relay fast enough to miscoordinate with it.
References, none computed by protv2g:

* the currents with every charger idle: OpenDSS (a fresh ``opendssdirect`` context, the model
  with the depot's transformer and **no charger**, loads off, lines' capacitance out and their
  resistance × 1.24 — the minimum case's conductors at end temperature, as protv2g's
  ``endtemp`` —, the source at 0.95 pu — IEC 60909 ``c_min`` of a low-voltage fault —, a
  bolted ``Fault`` at depot_lv), the current in ``Transformer.depot_xf``'s high-voltage
  terminal (F-DEPOT's) and in ``Line.l1`` (head's; the same, nothing else is fed);
* the head relay's time: IEEE C37.112-2018 moderately inverse written out,
  ``t = TD·(0.0515/(M^0.02 − 1) + 0.114)``;
* F-DEPOT's total clearing: the 100K link's curve of the relay library (its EEI-NEMA data).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from .test_dss_site_transformer import MASTER  # noqa: E402

XF = """\
! the depot's 2 MVA transformer: delta on 12.47 kV, grounded wye on 480 V (Dyn, as IEEE 34's)
New Transformer.depot_xf phases=3 windings=2 buses=(b2, depot_lv) conns=(delta, wye)
~ kvs=(12.47, 0.48) kvas=(2000, 2000) xhl=5.64 %r=0.564
Set VoltageBases=(115, 12.47, 0.48)
CalcVoltageBases
"""
STUDY = """\
name: xpair
feeder: {opendss: Master.dss, redirects: [depot_xf.dss]}
devices:
  - {name: head, kind: relay, location: {line: l1, end: from}, pickup_a: 400,
     curve: IEEE-MI, time_dial: 0.1, ground_pickup_a: 100, ground_curve: IEEE-MI,
     ground_time_dial: 0.5, interrupting_rating_ka: 25, reclose_intervals_s: []}
  - {name: F-DEPOT, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 100K,
     interrupting_rating_ka: 12.5}
v2g_sites:
  - {name: depot, bus: depot_lv, n_chargers: 10, p_charger_kw: 100,
     model_transformer: depot_xf}
scenarios: {export_levels_fraction: [1.0], participation: [expected], load_levels: [peak]}
faults: {r_fault_min_ohm: 20}
"""
#: The clause of an equipment pair row (:func:`protv2g.checks.equipment.idle_pair_text`).
CLAUSE = re.compile(
    r"; new with the project's equipment \(depot_xf\): with every charger idle \(the site's "
    r"transformer in, no charger online\) head takes ([0-9.]+) s at ([0-9]+) A and F-DEPOT "
    r"([0-9.]+) s at ([0-9]+) A, the rule fails by ([0-9.e-]+) s \(required 0.12 s\): the "
    r"pair fails without the chargers — remedy: the pair's settings or equipment")


def run_depot_xf(where, study_text: str):
    """The study ``study_text`` on this module's feeder (``MASTER`` and the Dyn ``XF``) in
    ``where``: (study, result, gate verdict)."""
    from protv2g.gate import gate_verdict
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    (where / "Master.dss").write_text(MASTER)
    (where / "depot_xf.dss").write_text(XF)
    (where / "study.yaml").write_text(study_text)
    study = load_study(where / "study.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(study, hosting=False)
        gate = gate_verdict(study, res)
    return study, res, gate


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    where = tmp_path_factory.mktemp("xpair")
    return (where, *run_depot_xf(where, STUDY))


def _opendss_idle_a(where, phases: str) -> float:
    """OpenDSS: F-DEPOT's (depot_xf's high-voltage) largest phase current for a bolted fault
    at depot_lv on ``phases`` (to ground for one phase), no charger, minimum case (module
    docstring); head's on line l1 is checked to be the same."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{where / "Master.dss"}"')
    dss.Text.Command(f'redirect "{where / "depot_xf.dss"}"')
    dss.Text.Command("batchedit load..* enabled=no")
    for name in dss.Lines.AllNames():
        dss.Lines.Name(name)
        dss.Lines.RMatrix((np.asarray(dss.Lines.RMatrix()) * 1.24).tolist())
        dss.Lines.CMatrix([0.0] * len(dss.Lines.CMatrix()))
    dss.Text.Command("vsource.source.pu=0.95")
    nodes = ".".join(str("abc".index(p) + 1) for p in phases)
    dss.Text.Command(f"new fault.f phases={len(phases)} bus1=depot_lv.{nodes} r=0.00001")
    dss.Solution.Solve()
    out = []
    for el in ("Transformer.depot_xf", "Line.l1"):
        dss.Circuit.SetActiveElement(el)
        c = np.asarray(dss.CktElement.CurrentsMagAng(), dtype=float).reshape(-1, 2)[:3, 0]
        out.append(float(c.max()))
    assert out[1] == pytest.approx(out[0], rel=1e-3)
    return out[0]


def _mi_s(i_a: float, pickup_a: float = 400.0, td: float = 0.1) -> float:
    """IEEE C37.112-2018 moderately inverse, by hand."""
    return td * (0.0515 / ((i_a / pickup_a) ** 0.02 - 1.0) + 0.114)


def test_pair_failing_with_every_charger_idle_is_the_equipments(run):
    """Fails on the old code: every C1 head / F-DEPOT row was ``new`` ("caused by V2G"),
    with nothing said of the pair without the chargers."""
    from protv2g.checks._common import build_devices
    from protv2g.devices.kinds import operating_times
    from protv2g.findings import Attribution, build_findings

    where, study, res, gate = run
    v = res.violations
    rows = v[(v.criterion == "C1") & (v.status == "fail") & (v.device == "head")
             & (v.other_device == "F-DEPOT")]
    assert len(rows)
    assert set(rows.attribution) == {"equipment"}
    fuse = build_devices(study)[0]["F-DEPOT"]
    for ft, phases in (("3ph", "abc"), ("SLG-a", "a")):
        r = rows[(rows.fault_bus == "depot_lv") & (rows.fault_type == ft)
                 & (rows["case"] == "min")]
        assert len(r) == 1, ft
        m = CLAUSE.search(str(r.message.iloc[0]))
        assert m, r.message.iloc[0]
        t_head, i_head, t_fuse, i_fuse, short = (float(x) for x in m.groups())
        ref_a = _opendss_idle_a(where, phases)  # 896.6 A (3ph), 602.5 A (SLG-a)
        assert i_head == pytest.approx(ref_a, abs=1.0)
        assert i_fuse == pytest.approx(ref_a, abs=1.0)
        assert t_head == pytest.approx(_mi_s(ref_a), rel=0.005)
        tc = float(operating_times(fuse, np.array([ref_a]), np.array([0.0]))["t_tc_s"][0])
        assert t_fuse == pytest.approx(tc, rel=0.005)
        # the rule: head − F-DEPOT TC − 0.12 s (numerical relay over a fuse)
        assert -short == pytest.approx(_mi_s(ref_a) - tc - 0.12, abs=0.002)
        # the row's own (with the chargers) figures are the row's, not replaced
        assert float(r.margin.iloc[0]) < 0
    findings = build_findings(res.violations).findings
    f = findings[(findings.criterion == "C1") & (findings.device == "head")]
    assert len(f) == 1 and f.attribution.iloc[0] == Attribution.EQUIPMENT
    lines = [x for x in gate["reasons"] if x.startswith("fail: C1 head / F-DEPOT")]
    assert gate["verdict"] == "FAIL" and len(lines) == 1  # the project brings it: it fails
    assert "; caused by the project's equipment;" in lines[0]
    assert "caused by V2G" not in lines[0]


def _fake_ctx(idle: pd.DataFrame | None):
    from types import SimpleNamespace

    from protv2g.checks.equipment import IDLE_PAIRS

    doc = SimpleNamespace(v2g_sites=[SimpleNamespace(name="depot",
                                                     model_transformer="depot_xf")])
    site = SimpleNamespace(element_name="transformer.depot_xf")
    study = SimpleNamespace(document=doc, device_sites={"F": site})
    return SimpleNamespace(study=study, cache={IDLE_PAIRS: idle})


def _pair_rows(margins: list[float], scenario: str = "firm/light/100%") -> pd.DataFrame:
    n = len(margins)
    return pd.DataFrame({
        "criterion": "C1", "check": "backup relay after primary + CTI",
        "scenario": scenario, "fault_bus": "depot_lv", "fault_type": ["SLG-a", "3ph"][:n],
        "case": "min", "primary": "F", "backup": "head", "i_primary_a": 206.0,
        "i_backup_a": 206.2, "t_primary_s": 2.32, "t_backup_s": 2.42,
        "margin_s": margins, "required_s": 0.12, "ok": [m >= 0 for m in margins]})


def test_pair_rows_the_chargers_tip_stay_v2gs():
    """Only the rows failing with every charger idle are the equipment's: a row passing
    there (the chargers tip it), one of another scenario, or a study without the idle table
    (a pandapower study, no site transformer) keep the attribution's own ``new``."""
    from protv2g.checks.equipment import EQUIPMENT, equipment_pairs

    bad = _pair_rows([-0.08, -0.05])
    idle = _pair_rows([-0.027, 0.03])  # SLG-a fails idle, 3ph passes idle
    att, texts = equipment_pairs(_fake_ctx(idle), bad)
    assert att.tolist() == [EQUIPMENT, ""]
    assert "(depot_xf): with every charger idle" in texts[0] and texts[1] == ""
    assert "the rule fails by 0.027 s" in texts[0]
    att, _ = equipment_pairs(_fake_ctx(_pair_rows([-0.027, -0.03], "other")), bad)
    assert att.tolist() == ["", ""]
    att, texts = equipment_pairs(_fake_ctx(None), bad)
    assert att.tolist() == ["", ""] and texts == ["", ""]


def test_idle_pair_passing_by_less_than_its_tolerance_is_judged_as_a_base_twin():
    """Review rev41a W1 (IEEE 34 F01, C1 head-l1 / F-DEPOT, SLG-a at f-depot close-in, min):
    with every charger idle the pair passes by 0.01566 s, with 1,058 kW of V2G it fails by
    0.006793 s, the row's tolerance 0.03115 s — V2G's change 0.02245 s is inside it, and the
    gate said "caused by V2G". docs/study-file.md's rule for a marginal twin (passing by less
    than the tolerance): ``worse`` only where V2G moves it by more than the tolerance, else
    V2G is immaterial — never ``new``. The same rule as the base twins'
    (:func:`protv2g.checks.attribution_materiality.passing_twin_codes`)."""
    from protv2g.checks.attribution_materiality import passing_twin_codes
    from protv2g.checks.equipment import EQUIPMENT, equipment_pairs

    tol = 0.03115
    bad = pd.concat([_pair_rows([-0.006793]), _pair_rows([-0.3]), _pair_rows([-0.006793])],
                    ignore_index=True).assign(
        fault_type=["SLG-a", "SLG-b", "SLG-c"], tolerance_s=tol)
    # idle: marginal (0.01566 < tol) on a and b; clear of the tolerance (0.5 s) on c
    idle = bad.assign(margin_s=[0.01566, 0.01566, 0.5], ok=True)
    att, texts = equipment_pairs(_fake_ctx(idle), bad)
    # a: moved 0.02245 s ≤ tol → the equipment's; b: moved 0.3157 s > tol → worse; c: new
    assert att.tolist() == [EQUIPMENT, "worse", ""]
    assert 0.01566 - (-0.006793) == pytest.approx(0.02245, abs=1e-5)  # rev41a's figure
    assert "the rule passes by 0.0157 s (required 0.12 s), within the tolerance 0.0312 s" in (
        texts[0])
    assert "V2G changes it by 0.0225 s, inside that tolerance" in texts[0]
    assert "not the chargers or their export" in texts[0]
    assert "V2G lowers it by 0.316 s, more than that tolerance: made worse by V2G" in texts[1]
    assert texts[2] == ""
    # the base twins' rule gives the same codes for the same margins (one rule)
    m_twin = np.array([0.01566, 0.01566, 0.5])
    moved = np.array([-0.006793, -0.3, -0.006793]) < m_twin - tol
    assert passing_twin_codes(m_twin, moved, np.full(3, tol)).tolist() == [2, 1, 0]
    # a row judged by I²t (margin not in s): marked only where the idle pair fails
    att, _ = equipment_pairs(_fake_ctx(idle), bad.assign(i2t_ratio=0.9))
    assert att.tolist() == ["", "", ""]


def test_idle_pairs_with_existing_der_fail_at_both_ends():
    """With existing DER the network's part of the maximum case holds its first cycle; the
    pair is the equipment's only where it fails at both ends (with it, and the grid alone)."""
    from protv2g.checks.converter_sum import GRID_COLUMNS, NET_COLUMNS
    from protv2g.checks.equipment import idle_coordination

    base = {"scenario": ["s", "s"], "device": ["head", "head"], "fault_bus": [7, 7],
            "fault_type": ["SLG-a", "3ph"], "case": ["min", "min"],
            "fault_bus_name": ["depot_lv", "depot_lv"], "ia_ka": [0.3, 0.3],
            "ib_ka": [0.0, 0.3], "ic_ka": [0.0, 0.3], "i3i0_ka": [0.3, 0.0]}
    cols = {c: [0.2, 0.2] if c.endswith("_ka") else [0.0, 0.0] for c in NET_COLUMNS}
    # the grid alone: less current on the 3ph row only
    cols.update({c: ([0.2, 0.1] if c.endswith("_ka") else [0.0, 0.0]) for c in GRID_COLUMNS})
    faults = pd.DataFrame({**base, **cols})
    seen = []

    def evaluate(sub):  # the rule fails where the head sees more than 0.15 kA
        t = sub.faults
        seen.append(t["ia_ka"].tolist())
        m = 0.15 - t["ia_ka"].to_numpy(float)
        return _pair_rows(list(m), "s").assign(fault_type=t["fault_type"].to_numpy())

    from protv2g.checks._common import CheckContext

    real = CheckContext(study=None, thresholds=None, devices={}, build_errors={},
                        faults=faults, chains=pd.DataFrame(), pairs=pd.DataFrame(),
                        zones=pd.DataFrame(), scenarios={}, base_of={})
    out = idle_coordination(real, evaluate)
    assert seen == [[0.2, 0.2], [0.2, 0.1]]  # the equipment's part, then the grid alone
    assert out["ok"].tolist() == [False, True]  # the 3ph row passes with the grid alone


def test_idle_clause_names_the_current_each_element_operates_on():
    """Review rev36b X7 (EPRI J1): "with every charger idle … head-temp_sub takes 1.98 s at
    341 A" named the phase current although the head's 51G gave the time on |3I0| = 311.6 A
    (IEEE MI, TD 0.5, pickup 160 A: 0.5·(0.0515/(1.947^0.02 − 1) + 0.114) = 1.9765 s). The
    clause names the current of the element that operates (``element_<side>``)."""
    from types import SimpleNamespace

    from protv2g.checks.idle_pairs import _operating_a, idle_pair_text
    from protv2g.checks.operating_element import OperatingElement

    row = SimpleNamespace(i_backup_a=341.0, i_backup_3i0_a=311.57,
                          element_backup=OperatingElement.GROUND, i_primary_a=341.0,
                          i_primary_3i0_a=311.57, element_primary=OperatingElement.PHASE)
    assert _operating_a(row, "backup") == pytest.approx((311.57, "|3I0|"))
    assert _operating_a(row, "primary")[0] == pytest.approx(341.0)
    assert _operating_a(row, "primary")[1] == ""
    unknown = SimpleNamespace(i_backup_a=341.0, i_backup_3i0_a=float("nan"),
                              element_backup=OperatingElement.GROUND)
    assert _operating_a(unknown, "backup")[0] == pytest.approx(341.0)  # no 3I0: the phase's
    text = idle_pair_text("F-DEPOT", "head-temp_sub", "depot_xf", 2.06, 1.9765,
                          *_operating_a(row, "primary"), *_operating_a(row, "backup"),
                          -0.2, 0.12)
    assert "head-temp_sub takes 1.98 s at 312 A of |3I0| and F-DEPOT 2.06 s at 341 A" in text
    # the time the clause quotes is the 51G's at that 3I0 (IEEE C37.112 MI: A 0.0515, B 0.114,
    # p 0.02)
    t_s = 0.5 * (0.0515 / ((311.57 / 160.0) ** 0.02 - 1.0) + 0.114)
    assert t_s == pytest.approx(1.9765, abs=5e-4)


def test_tcc_legend_of_a_pair_without_a_base_case_reads_the_idle_interval(run):
    """Review rev36a M2: the TCC legend of a pair the base case has not (F-DEPOT leaves it
    with its transformer) read "−49.32 s, V2G −49.32 s", the V2G row twice as if a base
    existed. Now the pair table has a row with every charger idle and the legend reads
    "idle …, V2G …". The idle interval at the ground plot's fault (SLG 20 Ω at F-DEPOT's
    close-in point, min case) by hand: the head's 51G (IEEE MI, 100 A, TD 0.5) on the 3I0
    OpenDSS gives with the transformer in and no charger (a Dyn: the feeder's own ground
    fault current at b2), less F-DEPOT's 100K total clearing there. Fails on the old code
    (no ``idle`` row; the legend's "V2G" only in the second place)."""
    from protv2g.checks._common import build_devices
    from protv2g.devices.kinds import operating_times
    from protv2g.report.derived import IDLE_CASE, pair_table
    from protv2g.report.tcc_intervals import intervals, seconds_text
    from protv2g.report.tcc_sheets import _pair_notes

    from .test_equipment_reach_sympathetic import _opendss_head_3i0

    where, study, res, _gate = run
    pairs = pair_table(res)
    mine = pairs[(pairs.pair == "F-DEPOT → head") & (pairs.criterion == "C1")]
    assert set(mine.case_of) == {IDLE_CASE, "worst V2G"}
    idle = mine[mine.case_of == IDLE_CASE].iloc[0]
    assert str(idle.min_fault).startswith("SLG-") and idle.min_fault.endswith(
        "f-depot close-in (min)")
    phase = str(idle.min_fault)[4]
    ref_a = _opendss_head_3i0(where, "b2", phase, True, "min")  # 323.9 A
    assert float(idle.i_backup_3i0_min_a) == pytest.approx(ref_a, abs=1.0)
    fuse = build_devices(study)[0]["F-DEPOT"]
    tc = float(operating_times(fuse, np.array([ref_a]), np.array([0.0]))["t_tc_s"][0])
    want = _mi_s(ref_a, 100.0, 0.5) - tc  # ≈ 1.14 − 27.68 s
    assert float(idle.interval_min_s) == pytest.approx(want, abs=0.05)
    text = [n.text for n in intervals(_pair_notes(pairs), ["F-DEPOT", "head"], "ground")]
    v2g = float(mine[mine.case_of == "worst V2G"].iloc[0].interval_min_s)
    sec = seconds_text
    # the idle arrow's note, and (plot43, review rev43a M3) the failing V2G interval's own
    # arrow where V2G's shortfall is more than 10 % beyond the idle one's
    assert text[0].startswith(f"C1 F-DEPOT→head: idle {sec(float(idle.interval_min_s))}, "
                              f"V2G {sec(v2g)} (need ≥ 0.12 s) — this arrow: idle")
    assert len(text) == 2 and text[1].startswith(f"C1 F-DEPOT→head: V2G {sec(v2g)} fail")
    assert abs(v2g - float(idle.interval_min_s)) > 1.0  # not the same row twice



def test_idle_pair_row_is_drawn_on_the_plot_of_the_element_that_timed_it(run):
    """Review rev41a W3 (IEEE 34): the ground TCC of head-l1 > F-DEPOT drew "interval C1
    F-DEPOT→head-l1: idle −0.651 s" at ≈ 300 A on the 3I0 axis: the head's 51P time of an SLG
    at depot480, behind the Δ/Yg depot_xf (the head's 3I0 there 4.8–6.0 A). The idle row had
    no ``elements_*`` text (its currents are not the device table's), so the fault type
    decided the plot (SLG → ground). Now each idle point names the elements its own
    coordination row's codes give (``element_primary``/``element_backup``, decided on the
    idle currents), and the interval goes on that element's plot. Fails on the old code (no
    elements named on the idle row)."""
    from protv2g.checks.operating_element import OperatingElement
    from protv2g.report.derived import IDLE_CASE, pair_table
    from protv2g.report.tcc_intervals import intervals
    from protv2g.report.tcc_sheets import _pair_notes

    _where, _study, res, _gate = run
    pairs = pair_table(res)
    idle = pairs[(pairs.pair == "F-DEPOT → head") & (pairs.criterion == "C1")
                 & (pairs.case_of == IDLE_CASE)].iloc[0]
    coord = res.idle_pairs
    coord = coord[(coord.primary == "F-DEPOT") & (coord.backup == "head")
                  & (coord.criterion == "C1")]
    words = {int(OperatingElement.PHASE): "head phase element",
             int(OperatingElement.GROUND): "head ground element (3I0)"}
    for tag in ("max", "min", "worst"):
        fault = str(idle[f"{tag}_fault"])
        kind, bus_case = fault.split(" ", 1)
        bus, case = bus_case.rsplit(" (", 1)
        at = coord[(coord.fault_type == kind) & (coord.fault_bus.astype(str) == bus)
                   & (coord.case == case.rstrip(")"))]
        at = at[at.scenario == idle.scenario]
        code = int(at.element_backup.iloc[0])
        assert idle[f"elements_{tag}"] == f"F-DEPOT fuse, {words[code]}", tag
    # the ground plot draws the idle interval only at a ground fault whose head time is its
    # ground element's; the phase plot only where it is its phase element's
    notes = _pair_notes(pairs)
    for family, mark in (("ground", "ground element"), ("phase", "phase element")):
        for iv in intervals(notes, ["F-DEPOT", "head"], family):
            if "this arrow: V2G" in iv.text:  # the V2G row's own arrow (plot43)
                continue
            tag = next(t for t in ("max", "min", "worst") if np.isclose(
                iv.t_backup_s, float(idle[f"t_backup_{t}_s"])))
            assert mark in idle[f"elements_{tag}"], (family, tag)
