"""C2 where the fuse never melts and the recloser locks out (brief trust31 §1).

A recloser R-LO with a 50 A ground minimum trip over a 40K link F-73 (surely melting only from
95 A): without V2G an SLG min fault carries 117 A through both, F-73 clears in 4.0 s, before
R-LO's delayed shot (6.0 s): the pair coordinates. With V2G F-73 carries 65 A (it never melts)
and R-LO sees 3I0 65 A, over its ground minimum trip: it runs its sequence and locks out on
its delayed curve (4.4 s a shot), and the lateral fault takes out R-LO's whole zone. The
Coordination table had no row for it (the pair table holds the faults where the fuse clears).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import attribute
from protv2g.checks import recloser_fuse_uncleared as U
from protv2g.checks.attribution import BASE_MARGIN_COLUMNS
from protv2g.checks.recloser_fuse import _mechanisms
from protv2g.checks.recloser_fuse_lockout import (
    LOCKOUT_MECHANISM,
    coordinated_keys,
    lockout_pairs,
    lockout_rows,
)
from protv2g.checks.recloser_fuse_text import NEVER_MELTS, message
from protv2g.devices.models import Fuse, Recloser

R_LO = Recloser(name="R-LO", phase_min_trip_a=400.0, ground_min_trip_a=50.0,
                fast_curve="101", delayed_curve="133", ground_fast_curve="104",
                ground_delayed_curve="117", n_fast=2, n_delayed=2,
                reclose_intervals_s=[2.0, 5.0, 5.0])
F73 = Fuse(name="F-73", link="40K")
BASE, V2G = "base/light", "expected/light/100%"


def _faults(v2g: dict[str, dict[str, float]]) -> pd.DataFrame:
    """SLG-c min at bus 75 in both scenarios: the base case as in the module docstring, the
    V2G scenario's times per device from ``v2g`` (``t_clear_s``, ``t_delayed_s``,
    ``t_mm_s``; ``inf`` where not given)."""
    base = {"F-73": {"t_clear_s": 4.0, "t_mm_s": 2.5},
            "R-LO": {"t_clear_s": 6.0, "t_delayed_s": 6.0, "t_fast_s": 0.1}}
    rows = []
    for sc, times in ((BASE, base), (V2G, v2g)):
        for d in ("F-73", "R-LO"):
            t = times.get(d, {})
            i = (117.0 if sc == BASE else 65.2)
            rows.append({"scenario": sc, "fault_bus": 75, "fault_bus_name": "75",
                         "fault_type": "SLG-c", "case": "min", "device": d,
                         "i_phase_a": i if d == "F-73" or sc == BASE else 41.6,
                         "i_ground_a": i,
                         "t_clear_s": t.get("t_clear_s", np.inf),
                         "t_tc_s": t.get("t_clear_s", np.inf) if d == "F-73" else np.nan,
                         "t_mm_s": t.get("t_mm_s", np.inf) if d == "F-73" else np.nan,
                         "t_delayed_s": t.get("t_delayed_s", np.nan if d == "F-73" else np.inf),
                         "t_fast_s": t.get("t_fast_s", np.nan if d == "F-73" else np.inf)})
    return pd.DataFrame(rows)


def _ctx(faults: pd.DataFrame) -> SimpleNamespace:
    chains = pd.DataFrame([("substation", 75, d, k, "forward")
                           for k, d in enumerate(("F-73", "R-LO"))],
                          columns=["source", "fault_bus", "device", "order", "direction"])
    return SimpleNamespace(faults=faults, chains=chains, cache={},
                           devices={"R-LO": R_LO, "F-73": F73},
                           base_of={BASE: BASE, V2G: BASE})


@pytest.fixture(autouse=True)
def _pairs(monkeypatch):
    pairs = pd.DataFrame({"fault_bus": [75], "primary": ["F-73"], "backup": ["R-LO"],
                          "source": "substation"})
    monkeypatch.setattr(U, "split_pairs", lambda ctx: (pairs, pairs.iloc[:0]))


#: The pair table's base row: the fuse clears (in ``sel``), its backup row passes.
def _m(base_backup_fails: bool = False) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    m = pd.DataFrame({"scenario": [BASE], "fault_bus": [75], "fault_type": ["SLG-c"],
                      "case": ["min"], "primary": ["F-73"], "backup": ["R-LO"]})
    return m, np.array([True]), np.array([base_backup_fails])


LOCKS_OUT = {"R-LO": {"t_clear_s": 4.4, "t_delayed_s": 4.4, "t_fast_s": 0.12}}


def test_a_fuse_that_never_melts_while_the_recloser_locks_out_is_found():
    ctx = _ctx(_faults(LOCKS_OUT))
    nm = U.fuse_not_clearing(ctx)
    assert nm[["scenario", "primary", "backup"]].values.tolist() == [[V2G, "F-73", "R-LO"]]
    assert nm.b_t_clear_s.tolist() == [4.4] and nm.b_t_delayed_s.tolist() == [4.4]
    # the recloser clears: not a fault neither device clears
    assert U.uncleared_pairs(ctx, nm).empty
    m, sel, fails = _m()
    u = lockout_pairs(ctx, nm, coordinated_keys(ctx, m, sel, fails))
    assert u[["scenario", "p_fault_bus_name"]].values.tolist() == [[V2G, "75"]]


def test_no_row_where_the_base_case_does_not_coordinate_or_the_recloser_does_not_trip():
    ctx = _ctx(_faults(LOCKS_OUT))
    nm = U.fuse_not_clearing(ctx)
    # the base case's fuse clears after the recloser's delayed shot: its own backup row
    # fails already (pre-existing; EPRI J1 study_big60's F-LAT / R-MID)
    m, sel, fails = _m(base_backup_fails=True)
    assert lockout_pairs(ctx, nm, coordinated_keys(ctx, m, sel, fails)).empty
    # no base row in the pair table (the fuse does not clear there either: C5's reach)
    assert lockout_pairs(ctx, nm, coordinated_keys(ctx, m, np.array([False]), fails)).empty
    # the recloser does not trip: the "cleared by neither" row, not this one
    ctx = _ctx(_faults({}))
    nm = U.fuse_not_clearing(ctx)
    m, sel, fails = _m()
    assert lockout_pairs(ctx, nm, coordinated_keys(ctx, m, sel, fails)).empty
    assert len(U.uncleared_pairs(ctx, nm)) == 1


def test_the_row_fails_with_no_margin_keyed_as_the_backup_rule():
    ctx = _ctx(_faults(LOCKS_OUT))
    m, sel, fails = _m()
    rows = pd.concat(lockout_rows(ctx, U.fuse_not_clearing(ctx),
                                  coordinated_keys(ctx, m, sel, fails), NEVER_MELTS))
    assert len(rows) == 1 and (rows.check == NEVER_MELTS).all()
    r = rows.iloc[0]
    assert r.status == "fail" and not r.ok and np.isneginf(r.margin_s)
    assert np.isinf(r.t_primary_s) and r.t_backup_s == 4.4  # its lockout (delayed) shot
    assert r.rule == ""  # twin without V2G: the pair's backup row
    assert r.data_boundary == "inside" and np.isinf(r.t_primary_band_low_s)
    assert (_mechanisms(ctx, rows, rows) == LOCKOUT_MECHANISM).all()


def test_a_link_that_melts_at_its_band_low_end_before_lockout_rests_on_the_curve():
    # F-73's minimum melt is finite with V2G (a link at its band's low end melts in 3.1 s,
    # before the 4.4 s delayed shot): the verdict rests on the link's curve
    ctx = _ctx(_faults({**LOCKS_OUT, "F-73": {"t_mm_s": 3.1}}))
    m, sel, fails = _m()
    rows = pd.concat(lockout_rows(ctx, U.fuse_not_clearing(ctx),
                                  coordinated_keys(ctx, m, sel, fails), NEVER_MELTS))
    assert rows.data_boundary.tolist() == ["F-73 tc: curve_band"]
    assert rows.t_primary_band_low_s.tolist() == [pytest.approx(3.1)]  # min melt, no arcing


def test_the_message_says_the_fuse_never_melts_and_the_recloser_locks_out():
    r = SimpleNamespace(check=NEVER_MELTS, primary="F-73", backup="R-LO", fault_type="SLG-c",
                        i_primary_a=52.0, i_primary_3i0_a=52.0, i_backup_a=41.6,
                        i_backup_3i0_a=65.2, t_primary_s=np.inf, t_backup_s=4.4,
                        t_primary_band_low_s=np.inf, status="fail", scenario=V2G,
                        rule_value=np.nan, rule="")
    ctx = SimpleNamespace(devices={"R-LO": R_LO, "F-73": F73}, cache={}, base_of={})
    text = message(ctx, r, "a SLG-c fault (min case) at 75", "with homes exporting")
    assert text.startswith(
        "F-73 never melts for a SLG-c fault (min case) at 75 with homes exporting (52 A, "
        "below its minimum melting current 79 A: its 40K link cannot melt); R-LO locks out "
        "on its delayed curve (4.4 s at 42 A, 3I0 65 A")
    assert text.endswith(": the lateral fault takes out R-LO's zone")
    r1 = SimpleNamespace(**{**vars(r), "i_primary_a": 88.0})
    assert "(88 A, below the 95 A at which its 40K link surely melts); R-LO locks out" in (
        message(ctx, r1, "a fault", ""))
    # a link at its band's low end melting before the lockout shot: said so
    r2 = SimpleNamespace(**{**vars(r), "t_primary_band_low_s": 3.1})
    assert message(ctx, r2, "a fault", "").endswith(
        "; a link at its melting band's low end (minimum melt) would melt in 3.1 s, before "
        "that shot: the verdict rests on the link's curve (a maker's TC table decides it)")


KEY = {"criterion": "C2", "fault_bus": "75", "fault_type": "SLG-c", "case": "min",
       "device": "R-LO", "other_device": "F-73", "margin_unit": "s", "rule": ""}


def test_attributed_against_the_passing_backup_row_caused_by_v2g():
    row = {**KEY, "scenario": V2G, "status": "fail", "margin": -np.inf, "tolerance": 0.0,
           "attribution": "", "mechanism": LOCKOUT_MECHANISM,
           "message": "F-73 never melts …"}
    coordinated = pd.DataFrame([{**KEY, "scenario": BASE, "margin": 2.0}])[BASE_MARGIN_COLUMNS]
    v = attribute(pd.DataFrame([row]), {BASE: BASE, V2G: BASE}, coordinated)
    assert v.attribution.tolist() == ["new"] and v.base_margin.iloc[0] == 2.0
