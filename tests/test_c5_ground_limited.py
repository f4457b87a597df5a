"""C5 on a low-resistance-grounded feeder: a lateral fuse that does not reach the ground faults
the grounding limits is by design, ``info``, when the feeder relay's 51G reaches them
(protv2g.checks.reach_ground_limited; session 45, after ngr45's C1 rule). Before the fix the
gate of rev44b's f3 said "fail: C5 fdep: fdep sees 109 A for a SLG-a fault at dp … made worse
by V2G": a 140T link cannot reach the ≈ 200 A a 20 Ω neutral resistor and a 20 Ω fault let
through, with or without V2G, and the head's 51G (80 A) clears it (IEEE Std 142-2007 §1.4.3).

References (nothing computed by protv2g): OpenDSS through ``opendssdirect`` on the same
script — a ``Fault`` element of ``faults.r_fault_min_ohm`` (20 Ω) with the loads out, the
source at 1.0 pu and the lines' resistance at 80 °C (× 1.24, IEC 60909-0:2016 eq. 34: the
minimum case): the current through Line.dep (the fuse) and Line.c1 (the head relay, its 3I0
equal to the phase current of an SLG on a three-wire feeder); hand: 7967 V / (20 + 20) Ω ≈
199 A.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g import load_study, run_study  # noqa: E402
from protv2g.checks.ground_limited import GROUND_LIMITED  # noqa: E402

from .ngr_feeder import ngr_source  # noqa: E402
from .test_c1_ground_limited import MODEL, STUDY  # noqa: E402

#: The C1 test's study with the minimum case (20 Ω faults) C5 judges reach in.
_MIN = STUDY.replace("  cases: [max]\n", "  cases: [max, min]\n  r_fault_min_ohm: 20\n")
_R_FAULT_OHM = 20.0


def _write(folder, r_ngr: float = 20.0, ground_pickup_a: float = 80.0):
    (folder / "master.dss").write_text(ngr_source(r_ngr) + MODEL)
    study = _MIN.replace("ground_pickup_a: 80", f"ground_pickup_a: {ground_pickup_a:g}")
    assert study != STUDY
    (folder / "study.yaml").write_text(study)
    return folder / "study.yaml"


def _dss_min_slg(master, bus: str, lines: tuple[str, ...]) -> list[float]:
    """OpenDSS: the phase-a current (A) through each of ``lines`` for an SLG-a fault of
    :data:`_R_FAULT_OHM` at ``bus``, IEC 60909's minimum case (loads out, source 1.0 pu, the
    lines' resistance × (1 + 0.004 · (80 − 20)) = 1.24)."""
    import opendssdirect as dss

    dss.Text.Command(f'compile "{master}"')
    for name in dss.Loads.AllNames():
        dss.Text.Command(f"Load.{name}.enabled=no")
    for name in dss.Lines.AllNames():
        dss.Lines.Name(name)
        r1, r0 = dss.Lines.R1(), dss.Lines.R0()
        dss.Lines.R1(1.24 * r1)
        dss.Lines.R0(1.24 * r0)
    dss.Text.Command("Vsource.source.pu=1.0")
    dss.Text.Command(f"New Fault.f bus1={bus}.1 phases=1 r={_R_FAULT_OHM:g}")
    dss.Solution.Solve()
    out = []
    for line in lines:
        dss.Circuit.SetActiveElement(f"Line.{line}")
        c = np.asarray(dss.CktElement.Currents())
        out.append(float(abs(c[0] + 1j * c[1])))
    dss.Text.Command("clear")
    return out


def _c5(res, device: str):
    v = res.violations
    return v[(v.criterion.astype(str) == "C5") & (v.device.astype(str) == device)]


def test_fuse_reach_under_ngr_is_by_design(tmp_path):
    res = run_study(load_study(_write(tmp_path)))
    c5 = _c5(res, "fdep")
    slg = c5[c5.fault_type.astype(str).str.startswith("SLG")
             & (c5.margin_unit.astype(str) != "fraction")]
    # the fuse's shortfall at its ground faults: info, its reason as data, pre-existing
    assert len(slg) and (slg.status.astype(str) == "info").all()
    assert (slg.mechanism.astype(str) == GROUND_LIMITED).all()
    assert (slg.attribution.astype(str) == "pre-existing").all()
    assert not (c5.status.astype(str) == "fail").any()
    assert "made worse by V2G" not in " ".join(c5.message.astype(str))
    # the figures the rule rests on, against OpenDSS: the fuse's current and the 51G's
    base = slg[slg.scenario.astype(str).str.startswith("base")
               & (slg.fault_bus.astype(str) == "dp")
               & (slg.fault_type.astype(str) == "SLG-a")]
    i_fuse, i_head = _dss_min_slg(tmp_path / "master.dss", "dp", ("dep", "c1"))
    assert i_fuse == pytest.approx(199.0, rel=0.02)  # hand: 7967 V / 40 Ω
    assert float(base.i_device_a.iloc[0]) == pytest.approx(i_fuse, rel=0.01)
    assert i_head / 80.0 >= 1.2  # the head's 51G reaches the fault (backup factor 1.2)
    msg = str(base.message.iloc[0])
    assert "head-c1's ground element, which reaches this one" in msg
    v2g = slg[~slg.scenario.astype(str).str.startswith("base")]
    assert len(v2g) and "V2G does not change who clears" in str(v2g.message.iloc[0])


def test_fuse_stays_a_failure_when_the_51g_does_not_reach(tmp_path):
    """The head's 51G at 170 A: 199 A is 1.17 × pickup, under its backup factor 1.2 — nobody
    clears the fault in time, the fuse's row stays a failure."""
    res = run_study(load_study(_write(tmp_path, ground_pickup_a=170.0)))
    (i_head,) = _dss_min_slg(tmp_path / "master.dss", "dp", ("c1",))
    assert i_head / 170.0 < 1.2
    c5 = _c5(res, "fdep")
    slg = c5[c5.fault_type.astype(str).str.startswith("SLG")
             & c5.scenario.astype(str).str.startswith("base")]
    assert len(slg) and (slg.status.astype(str) == "fail").all()
    assert not (c5.mechanism.astype(str) == GROUND_LIMITED).any()
    # and C5 judges the 51G's own shortfall there (backup zone: warn)
    head = _c5(res, "head-c1")
    assert (head[head.fault_bus.astype(str) == "dp"].status.astype(str) == "warn").any()


def test_solidly_grounded_feeder_keeps_the_fuse_row(tmp_path):
    """Control: the star point solidly grounded (0.001 Ω): the 20 Ω fault still keeps the
    140T link under 1.5 × its minimum melting current, and the row is a plain failure."""
    res = run_study(load_study(_write(tmp_path, r_ngr=0.001)))
    (i_fuse,) = _dss_min_slg(tmp_path / "master.dss", "dp", ("dep",))
    c5 = _c5(res, "fdep")
    slg = c5[c5.fault_type.astype(str).str.startswith("SLG")
             & c5.scenario.astype(str).str.startswith("base")
             & (c5.fault_bus.astype(str) == "dp")]
    assert len(slg) and (slg.status.astype(str) == "fail").all()
    assert float(slg[slg.fault_type.astype(str) == "SLG-a"].i_device_a.iloc[0]) == \
        pytest.approx(i_fuse, rel=0.01)
    assert not (c5.mechanism.astype(str) == GROUND_LIMITED).any()


def test_reach_drop_of_the_fuse_is_by_design_too(tmp_path):
    """The depot at 2 MW lowers fdep's current at an LLG at dp by more than 10 % (C5's
    reduction of reach, a ``warn`` attributed ``new`` before the fix), both with and without
    V2G under 1.5 × its minimum melting current, the head's 51G reaching both: who clears does
    not change — ``info``, GROUND_LIMITED, pre-existing."""
    path = _write(tmp_path)
    path.write_text(path.read_text().replace(
        "export_levels_fraction: [0.0, 0.5]", "export_levels_fraction: [0.0, 1.0]").replace(
        "fault_types: [3ph, SLG]", "fault_types: [3ph, SLG, LLG]"))
    c5 = _c5(run_study(load_study(path)), "fdep")
    drop = c5[c5.margin_unit.astype(str) == "fraction"]
    assert len(drop) and (drop.status.astype(str) == "info").all()
    assert (drop.mechanism.astype(str) == GROUND_LIMITED).all()
    assert (drop.attribution.astype(str) == "pre-existing").all()
    assert (drop.i_device_a.astype(float) < 0.9 * drop.i_other_a.astype(float)).all()
    assert not (c5.status.astype(str).isin(["fail", "warn"])).any()
