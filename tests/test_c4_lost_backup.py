"""C4: a backup relay that does not operate at a fault of its zone behind a recloser leaves the
recloser without a backup — a ``warn`` row as C1's (:mod:`protv2g.checks.lost_backup`).

``feeders/depot_two_feeder`` with R-F1's 51G pickup raised from 120 A to 360 A (as
``test_c1_lost_backup``): a 20 Ω minimum-case SLG at F1-B05 … F1-B08, behind RC-F1, draws
271–311 A, below both R-F1's 51G (360 A) and 51P (400 A). Before the fix the C4 RC-F1 → R-F1
rows there read ``ok`` with R-F1's time "never" (margin +∞).

Reference (nothing computed by protv2g): pandapower's ``calc_sc`` on the feeder's own
``feeder.json``, ``fault="1ph"``, ``case="min"``, ``r_fault_ohm=20`` at F1-B05: 310.88 A
(protv2g's |3I0| at R-F1: 310.97 A), below the 360 A pickup.
"""

from __future__ import annotations

import types
import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import run_checks
from protv2g.checks.coordination import evaluate_pairs
from protv2g.checks.lost_backup import LOST_BACKUP, is_lost_backup, lost_backup_mechanism

from .test_c1_lost_backup import G_PICKUP_A, STUDY, lost_backup_context

# the depot with R-F1's 51G raised to 360 A and its fault tables: test_c1_lost_backup's
P_PICKUP_A = 400.0  # R-F1's 51P (study.yaml)


@pytest.fixture(scope="module")
def ctx():
    return lost_backup_context()


@pytest.fixture(scope="module")
def rows(ctx) -> pd.DataFrame:
    c = evaluate_pairs(ctx[0])
    return c[(c.criterion == "C4") & (c.primary == "RC-F1") & (c.backup == "R-F1")]


def test_c4_backup_relay_that_never_operates_is_a_warn_row(rows) -> None:
    zone = rows[rows.fault_bus.isin(["F1-B05", "F1-B06", "F1-B07", "F1-B08"])]
    never = zone[~np.isfinite(zone.t_backup_s.astype(float))]
    assert len(never) == 8, "R-F1 must see nothing at the SLG/LLG min faults F1-B05..B08"
    # old code: status "ok", margin +inf
    assert (never.status == "warn").all() and not never.ok.any()
    assert np.isneginf(never.margin_s.astype(float)).all()
    assert set(never.fault_type) == {"SLG", "LLG"} and (never.case == "min").all()
    # R-F1's 51G and 51P both below pickup there (study pickups, first-cycle currents)
    assert (never.i_backup_3i0_a.astype(float) < G_PICKUP_A).all()
    assert (never.i_backup_a.astype(float) < P_PICKUP_A).all()
    # the recloser is no fuse: no TC band can flag the rows
    assert not never.data_boundary.astype(str).str.contains("curve_band").any()


def test_rows_where_the_relay_operates_keep_their_status(rows) -> None:
    timed = rows[np.isfinite(rows.t_backup_s.astype(float))]
    assert len(timed) and set(timed.status) <= {"ok", "fail"}
    three = rows[rows.fault_type == "3ph"]
    assert len(three) == 16 and np.isfinite(three.t_backup_s.astype(float)).all()
    assert (three.status == "ok").all() and (three.margin_s.astype(float) > 0.5).all()


def test_beyond_the_relays_zones_stays_ok(rows) -> None:
    """F1-LAT2-B2 (behind RC-F1 and the lateral's fuse, outside R-F1's zones: C1's
    ``test_backup_absent_only_in_the_backups_zones`` tests the zone test itself) keeps "ok"
    with no R-F1 time: the backup is not expected to operate there."""
    never = rows[~np.isfinite(rows.t_backup_s.astype(float))]
    out = never[never.status == "ok"]
    assert len(out) and (out.fault_bus == "F1-LAT2-B2").all()
    assert np.isposinf(out.margin_s.astype(float)).all()


def test_c4_lost_backup_violation_names_the_recloser(ctx) -> None:
    context, faults = ctx
    violations, _ = run_checks(context.study, faults, None, list(context.scenarios.values()))
    v = violations[(violations.criterion == "C4") & (violations.device == "R-F1")
                   & (violations.status == "warn")]
    # the eight pair rows and RC-F1's close-in twin (SLG and LLG, min)
    assert len(v) == 10 and set(v.fault_bus) == {
        "F1-B05", "F1-B06", "F1-B07", "F1-B08", "RC-F1 close-in"}
    assert (v.mechanism == LOST_BACKUP).all()
    assert np.isneginf(v.margin.astype(float)).all()
    msg = v.message.iloc[0]
    assert "R-F1 does not operate for" in msg
    assert "its 51G pickup 360 A is above the" in msg and "|3I0|" in msg
    assert "its 51P pickup 400 A is above the" in msg
    assert "so recloser RC-F1, clearing in" in msg and "has no backup at this fault" in msg
    assert "C4 compares the times" in msg and "C5" in msg
    others = violations[(violations.criterion == "C4") & (violations.status != "warn")]
    assert not (others.mechanism.astype(str) == LOST_BACKUP).any()


def test_c4_fast_shot_warn_is_not_a_lost_backup() -> None:
    """C4's other ``warn`` rows (recloser fast shots) have both times: not this rule's."""
    bad = pd.DataFrame({"criterion": ["C4", "C4", "C1", "C3"],
                        "status": ["warn", "warn", "warn", "warn"],
                        "t_backup_s": [0.05, np.inf, np.inf, np.inf]})
    out = lost_backup_mechanism(bad, np.array(["", "", "", ""], dtype=object))
    assert out.tolist() == ["", LOST_BACKUP, LOST_BACKUP, ""]
    assert [is_lost_backup(types.SimpleNamespace(**r)) for r in bad.to_dict("records")] == [
        False, True, True, False]


def test_fault_current_against_pandapower(rows) -> None:
    """The |3I0| the row quotes for the SLG at F1-B05 (base case) against pandapower's
    ``calc_sc`` (1ph, min, 20 Ω): 310.88 A, both below the 360 A pickup."""
    pp = pytest.importorskip("pandapower")
    sc = pytest.importorskip("pandapower.shortcircuit")
    net = pp.from_json(str(STUDY.parent / "feeder.json"))
    bus = int(net.bus.index[net.bus.name == "F1-B05"][0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.calc_sc(net, fault="1ph", case="min", bus=bus, r_fault_ohm=20.0,
                   branch_results=False)
    i_ref_a = 1000.0 * float(net.res_bus_sc.ikss_ka.at[bus])
    r = rows[(rows.fault_bus == "F1-B05") & (rows.fault_type == "SLG")
             & (rows.case == "min") & rows.scenario.str.startswith("base")]
    assert len(r) == 1 and r.status.iloc[0] == "warn"
    assert float(r.i_backup_3i0_a.iloc[0]) == pytest.approx(i_ref_a, rel=2e-3)
    assert i_ref_a < G_PICKUP_A
