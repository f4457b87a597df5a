"""Depot study with R-F1 and R-F2 set ``directional: forward`` (#14 and #18 must-show).

* The Directional sheet and C9 come from one table and agree row for row.
* SLG/LLG faults on F1: the healthy phases carry the depot's reverse export current; each phase
  element decides on its own current, so they restrain (``healthy_phase``) and never count as
  wrong. A faulted-phase element that declares reverse does so because its own phase power is
  reverse (the export outweighs a 20 Ω minimum-case fault current) — asserted from the phasors.
  67N elements that give no decision have ``|V0| < 0.02 pu`` (a solidly grounded 20 MVA source
  and a 20 Ω fault) — asserted from the phasors.
* LL/LLG faults at SUB-69kV: a phase element declares forward because V2 rotates its quadrature
  voltage by more than 45° from its healthy position (asserted), on the depot's 680 A; its
  51P needs ~3 s against 0.5 s for the sub-transmission protection: ``wrong_after_clearing``,
  never a C9 failure.
* The bolted 3ph fault at SUB-12kV (R-F1's own bus): memory-polarised, reverse.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from protv2g.checks._common import build_context
from protv2g.checks.directional import check_directional, directional_table
from protv2g.directional import directional_sheet, directional_summary
from protv2g.pipeline import fault_tables
from protv2g.scenarios import build_scenarios
from protv2g.study.loader import load_study
from protv2g.units import A_OP

from .conftest import REPO_DIR

STUDY = REPO_DIR / "feeders" / "depot_two_feeder" / "study.yaml"


@pytest.fixture(scope="module")
def depot():
    study = load_study(STUDY)
    devices = [dict(d, directional="forward") if d["name"] in ("R-F1", "R-F2") else d
               for d in study.raw["devices"]]
    study = study.with_updates(devices=devices, scenarios={
        "export_levels_fraction": [0.0, 1.0], "participation": ["firm"],
        "load_levels": ["peak"]})
    scs = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # PLL frozen at close-in 3ph faults
        faults = fault_tables(study, scs).device
    ctx = build_context(study, faults, None, scs)
    table = directional_table(ctx)
    return ctx, faults, table


def _phasor(df, mag: str, ang: str) -> np.ndarray:
    return df[mag].to_numpy(float) * np.exp(1j * np.radians(df[ang].to_numpy(float)))


def _with_phasors(rows, faults):
    keys = ["scenario", "device", "fault_bus", "fault_type", "case"]
    return rows.merge(faults, on=keys, suffixes=("", "_engine"))


def test_sheet_and_c9_agree_row_for_row(depot) -> None:
    ctx, _, table = depot
    sheet = directional_sheet(table)
    c9 = check_directional(ctx)
    c9 = c9[c9.status == "fail"]
    matters = sheet[sheet.matters]
    key = ["scenario", "device", "fault_bus", "fault_type", "case"]
    a = sorted(zip(*(matters[k] for k in key), matters.oc_current_a.round(6),
                   matters.t_operate_s.round(6), strict=True))
    b = sorted(zip(*(c9[k] for k in key), c9.i_device_a.round(6), c9.t_device_s.round(6),
                   strict=True))
    assert a == b and len(a) == directional_summary(table)["matters"]
    # every sheet row is the table's row: same decision for every fault, element, scenario
    full = key[:2] + ["fault_bus_name", "fault_type", "case", "element", "phase"]
    m = sheet.rename(columns={"fault_bus": "fault_bus_name"}).merge(
        table, on=full, suffixes=("", "_t"))
    assert len(m) == len(sheet)
    assert (m.declared_direction == m.declared_direction_t).all()
    assert (m.verdict == m.verdict_t).all()
    for r, msg in zip(c9.itertuples(), c9.message, strict=True):
        assert r.device in msg and r.fault_bus in msg


def test_f1_ground_faults_explained_by_phasors(depot) -> None:
    _, faults, table = depot
    f1 = table.fault_bus_name.str.startswith("F1-") & table.fault_type.isin(["SLG", "LLG"])
    rf1 = table[f1 & (table.device == "R-F1")]
    p = rf1[rf1.element == "67P"]
    healthy = p[~p.faulted_phase.astype(bool)]
    assert not healthy.wrong_direction.any()
    assert set(healthy.verdict[healthy.picks_up.astype(bool)]) <= {"healthy_phase",
                                                                   "trips", "overridden"}
    # faulted-phase elements declaring reverse: their own phase power is reverse
    rev = _with_phasors(p[p.faulted_phase.astype(bool) & (p.declared_direction == "reverse")],
                        faults)
    for r in rev.itertuples():
        k = "abc".index(r.phase)
        v, i = (getattr(r, f"{q}{r.phase}_{u}") * np.exp(1j * np.radians(
            getattr(r, f"{q}{r.phase}_degree"))) for q, u in (("v", "pu"), ("i", "ka")))
        assert (v * np.conj(i)).real < 0, (r.fault_bus_name, r.fault_type, r.case, k)
    assert set(rev.case) <= {"min"}            # only with the 20 Ω minimum-case fault
    # 67N without decision: |V0| below 0.02 pu
    g = _with_phasors(rf1[(rf1.element == "67N") & (rf1.declared_direction == "none")
                          & rf1.picks_up.astype(bool)], faults)
    assert (g.v0_pu < 0.02).all() and g.low_polarising.astype(bool).all()
    # no wrong forward trip anywhere on F1 for R-F2 (it sees nothing of F1 but nothing)
    assert not table[f1 & (table.device == "R-F2")].matters.any()


def test_sub_69kv_phase_faults_wrong_only_after_clearing(depot) -> None:
    _, faults, table = depot
    t = table[(table.fault_bus_name == "SUB-69kV") & table.fault_type.isin(["LL", "LLG"])]
    assert not t.matters.any()
    wrong = _with_phasors(t[(t.element == "67P") & (t.declared_direction == "forward")
                            & t.picks_up.astype(bool)], faults)
    assert len(wrong) and set(wrong.verdict) == {"wrong_after_clearing"}
    assert (wrong.t_operate_s > wrong.t_clear_s + 0.1).all()
    assert (wrong.true_direction == "reverse").all()
    for r in wrong.itertuples():
        v = np.array([getattr(r, f"v{p}_pu") * np.exp(1j * np.radians(
            getattr(r, f"v{p}_degree"))) for p in "abc"])
        v1 = (v[0] + A_OP * v[1] + A_OP**2 * v[2]) / 3
        k = "abc".index(r.phase)
        healthy_pol = -1j * np.sqrt(3) * v1 * [1, A_OP**2, A_OP][k]
        pol = v[(k + 1) % 3] - v[(k + 2) % 3]
        rot = abs(np.degrees(np.angle(pol / healthy_pol)))
        assert rot > 45.0, (r.fault_type, r.case, r.phase, rot)


def test_close_in_three_phase_at_relay_bus_by_memory(depot) -> None:
    _, _, table = depot
    t = table[(table.fault_bus_name == "SUB-12kV") & (table.fault_type == "3ph")
              & (table.device == "R-F1") & (table.element == "67P")
              & table.picks_up.astype(bool)]
    assert len(t) and t.memory_used.astype(bool).all()
    assert set(t.declared_direction) == {"reverse"} and set(t.verdict) == {"restrains"}
