"""C1: a backup relay that does not operate at a fault of its zone leaves the primary without a
backup — a ``warn`` row that says so, not "ok" (review ver45, :mod:`protv2g.checks.lost_backup`).

``feeders/depot_two_feeder`` with R-F1's 51G pickup raised from 120 A to 360 A: a 20 Ω
minimum-case SLG on the lateral behind FU-F1-LAT1 (65K) draws ≈ 321 A, below both the 51G's
360 A and the 51P's 400 A. Before the fix the C1 FU-F1-LAT1 → R-F1 row read ``ok`` with R-F1's
time "never" (margin +∞).

Reference (nothing computed by protv2g): pandapower's ``calc_sc`` on the feeder's own
``feeder.json``, ``fault="1ph"``, ``case="min"``, ``r_fault_ohm=20`` at F1-LAT1-B1: 320.91 A
(protv2g's |3I0| at R-F1: 320.96 A, the loads' share the difference), below the 360 A pickup.
"""

from __future__ import annotations

import types
import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import run_checks
from protv2g.checks._common import build_context
from protv2g.checks.coordination import evaluate_pairs
from protv2g.checks.pairs import backup_absent
from protv2g.pipeline import fault_tables
from protv2g.scenarios import build_scenarios
from protv2g.study import load_study

from .conftest import REPO_DIR

STUDY = REPO_DIR / "feeders" / "depot_two_feeder" / "study.yaml"
G_PICKUP_A = 360.0


def _study():
    study = load_study(STUDY)
    devices = [dict(d, ground_pickup_a=G_PICKUP_A) if d["name"] == "R-F1" else d
               for d in study.raw["devices"]]
    return study.with_updates(devices=devices, scenarios={
        "export_levels_fraction": [0.0, 1.0], "participation": ["firm"],
        "load_levels": ["light"]})


def lost_backup_context():
    """The check context of :func:`_study` and its device fault table (test_c4_lost_backup's
    too)."""
    study = _study()
    scs = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        faults = fault_tables(study, scs).device
    return build_context(study, faults, None, scs), faults


@pytest.fixture(scope="module")
def ctx():
    return lost_backup_context()


def _lateral_rows(c: pd.DataFrame) -> pd.DataFrame:
    return c[(c.criterion == "C1") & (c.primary == "FU-F1-LAT1") & (c.backup == "R-F1")]


def test_backup_that_never_operates_is_a_warn_row(ctx) -> None:
    context, _ = ctx
    rows = _lateral_rows(evaluate_pairs(context))
    never = rows[~np.isfinite(rows.t_backup_s.astype(float))]
    assert len(never), "R-F1 must see nothing at some lateral ground fault"
    # old code: status "ok", margin +inf
    assert (never.status == "warn").all() and not never.ok.any()
    assert np.isneginf(never.margin_s.astype(float)).all()
    assert never.fault_type.astype(str).str.startswith(("SLG", "LLG")).all()
    assert (never.case == "min").all()
    # R-F1's 51G and 51P both below pickup there (study pickups, first-cycle currents)
    assert (never.i_backup_3i0_a.astype(float) < G_PICKUP_A).all()
    assert (never.i_backup_a.astype(float) < 400.0).all()
    # rows where R-F1 operates keep the interval rule's status
    timed = rows[np.isfinite(rows.t_backup_s.astype(float))]
    assert len(timed) and set(timed.status) <= {"ok", "fail", "info"}


def test_lost_backup_message_names_the_pickup_and_c5(ctx) -> None:
    context, faults = ctx
    violations, _ = run_checks(context.study, faults, None, list(context.scenarios.values()))
    v = violations[(violations.criterion == "C1") & (violations.device == "R-F1")
                   & (violations.status == "warn")]
    assert len(v)
    msg = v.message.iloc[0]
    assert "R-F1 does not operate for" in msg
    assert "its 51G pickup 360 A is above the" in msg and "|3I0|" in msg
    assert "its 51P pickup 400 A is above the" in msg
    assert "FU-F1-LAT1" in msg and "has no backup at this fault" in msg and "C5" in msg
    # C5 judges the same shortfall (backup zone: warn) at the lateral's minimum-case SLG
    c5 = violations[(violations.criterion == "C5") & (violations.device == "R-F1")
                    & (violations.status == "warn")]
    assert len(c5)


def test_fault_current_against_pandapower(ctx) -> None:
    """The |3I0| the row quotes for the SLG at F1-LAT1-B1 (base case) against pandapower's
    ``calc_sc`` (1ph, min, 20 Ω): 320.91 A, both below the 360 A pickup."""
    pp = pytest.importorskip("pandapower")
    sc = pytest.importorskip("pandapower.shortcircuit")
    net = pp.from_json(str(STUDY.parent / "feeder.json"))
    bus = int(net.bus.index[net.bus.name == "F1-LAT1-B1"][0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.calc_sc(net, fault="1ph", case="min", bus=bus, r_fault_ohm=20.0,
                   branch_results=False)
    i_ref_a = 1000.0 * float(net.res_bus_sc.ikss_ka.at[bus])
    context, _ = ctx
    rows = _lateral_rows(evaluate_pairs(context))
    r = rows[(rows.fault_bus == "F1-LAT1-B1") & (rows.fault_type == "SLG")
             & (rows.case == "min") & rows.scenario.str.startswith("base")]
    assert len(r) == 1 and r.status.iloc[0] == "warn"
    assert float(r.i_backup_3i0_a.iloc[0]) == pytest.approx(i_ref_a, rel=2e-3)
    assert i_ref_a < G_PICKUP_A


def test_backup_absent_only_in_the_backups_zones() -> None:
    """A backup with no time beyond its zones is not expected to operate there (stays out),
    nor is a row that operates or that the directional control holds back."""
    zones = pd.DataFrame({"device": ["R", "R"], "bus": [1, 2], "zone": ["primary", "backup"]})
    m = pd.DataFrame({"backup": ["R"] * 5, "fault_bus": [1, 2, 3, 2, 1]})
    t = np.array([np.inf, np.nan, np.inf, 0.5, np.inf])
    blocked = np.array([False, False, False, False, True])
    out = backup_absent(types.SimpleNamespace(zones=zones), m, np.ones(5, bool), t, blocked)
    assert out.tolist() == [True, True, False, False, False]


def test_lost_backup_rows_do_not_rest_on_the_fuse_band(ctx) -> None:
    """A backup that never operates stays so wherever the primary fuse's TC band puts the fuse:
    the row must not be flagged as flipping inside the band (review ver46 #1: F07 asked to
    confirm FU-F1-LAT1's TC curve, which cannot change the verdict)."""
    context, _ = ctx
    rows = _lateral_rows(evaluate_pairs(context))
    never = rows[~np.isfinite(rows.t_backup_s.astype(float))]
    assert len(never)
    assert not never.data_boundary.astype(str).str.contains("curve_band").any()


def test_lost_backup_finding_is_titled_by_its_mechanism(ctx) -> None:
    """The finding's title said the rule's name, "(coordination_interval)", which these rows
    have no interval of (review ver46 #5): their mechanism says what happens."""
    from protv2g.checks.lost_backup import LOST_BACKUP

    context, faults = ctx
    violations, _ = run_checks(context.study, faults, None, list(context.scenarios.values()))
    v = violations[(violations.criterion == "C1") & (violations.status == "warn")]
    assert len(v) and (v.mechanism == LOST_BACKUP).all()
    others = violations[(violations.criterion == "C1") & (violations.status != "warn")]
    assert not (others.mechanism.astype(str) == LOST_BACKUP).any()
