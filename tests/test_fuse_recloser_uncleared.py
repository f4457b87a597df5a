"""C2 where neither the fuse nor the recloser clears a fault (review rev29 §5).

IEEE 123 (R-67: 400 A phase / 100 A ground minimum trip, over the 40K link F-73 with home
chargers behind it), SLG-c min at 75 with V2G: F-73 carries 51–65 A (the 40K link surely
melts only from 95 A, its maximum-melt asymptote in the library), R-67 42–52 A with 3I0
51–65 A (under both minimum trips): neither operates, and the Coordination table had no
R-67/F-73 row for it. Without V2G the same fault is saved (fuse saving passes by 4.84 s).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import attribute
from protv2g.checks import recloser_fuse_uncleared as U
from protv2g.checks.attribution import BASE_MARGIN_COLUMNS
from protv2g.checks.fuse_melt_text import guaranteed_melt_a
from protv2g.checks.recloser_fuse import _mechanisms, _uncleared_rows
from protv2g.checks.recloser_fuse_text import NOT_CLEARED, message
from protv2g.devices.models import Fuse, OvercurrentRelay, Recloser

R67 = Recloser(name="R-67", phase_min_trip_a=400.0, ground_min_trip_a=100.0,
               fast_curve="101", delayed_curve="133", ground_fast_curve="104",
               ground_delayed_curve="117", n_fast=2, n_delayed=2,
               reclose_intervals_s=[2.0, 5.0, 5.0])
F73 = Fuse(name="F-73", link="40K")
F_NEAR = Fuse(name="F-near", link="10K")
HEAD = OvercurrentRelay(name="head", pickup_a=1270.0, curve="IEEE-VI", time_dial=0.5)
BASE, V2G = "base/light", "expected/light/100%"


def _faults(t: dict[tuple[str, str], float]) -> pd.DataFrame:
    """A fault table: SLG-c min faults at bus 75 (and 76, behind F-near) in both scenarios;
    ``t[(scenario, device)]`` the clearing time where a device operates (inf elsewhere)."""
    rows = []
    for sc in (BASE, V2G):
        for bus, name, devices in ((75, "75", ("F-73", "R-67", "head")),
                                   (76, "76", ("F-near", "F-73", "R-67", "head"))):
            for d in devices:
                tc = t.get((sc, d, bus), t.get((sc, d), np.inf))
                rows.append({"scenario": sc, "fault_bus": bus, "fault_bus_name": name,
                             "fault_type": "SLG-c", "case": "min", "device": d,
                             "i_phase_a": 65.2, "i_ground_a": 65.2 if d != "R-67" else 65.23,
                             "t_clear_s": tc,
                             "t_tc_s": tc if d.startswith("F") else np.nan})
    f = pd.DataFrame(rows)
    f.loc[f.device == "R-67", "i_phase_a"] = 41.6
    return f


def _ctx(faults: pd.DataFrame) -> SimpleNamespace:
    chains = pd.DataFrame(
        [("substation", b, d, k, "forward") for b, ds in ((75, ("F-73", "R-67", "head")),
                                                       (76, ("F-near", "F-73", "R-67", "head")))
         for k, d in enumerate(ds)],
        columns=["source", "fault_bus", "device", "order", "direction"])
    return SimpleNamespace(faults=faults, chains=chains, cache={},
                           devices={"R-67": R67, "F-73": F73, "F-near": F_NEAR, "head": HEAD},
                           base_of={BASE: BASE, V2G: BASE})


@pytest.fixture(autouse=True)
def _pairs(monkeypatch):
    """The pairs C2 judges (``split_pairs``' kept rows; it reads the feeder otherwise)."""
    pairs = pd.DataFrame({"fault_bus": [75, 75, 76, 76, 76],
                          "primary": ["F-73", "R-67", "F-near", "F-73", "R-67"],
                          "backup": ["R-67", "head", "F-73", "R-67", "head"],
                          "source": "substation"})
    monkeypatch.setattr(U, "split_pairs", lambda ctx: (pairs, pairs.iloc[:0]))


def test_a_fault_neither_device_clears_is_found_and_one_either_clears_is_not():
    # base: F-73 clears (fuse saving's own rows judge it); V2G: neither
    ctx = _ctx(_faults({(BASE, "F-73"): 47.4, (BASE, "R-67"): 4.44}))
    u = U.uncleared_pairs(ctx)
    assert u[["scenario", "p_fault_bus_name", "primary", "backup"]].values.tolist() == [
        [V2G, "75", "F-73", "R-67"], [V2G, "76", "F-73", "R-67"]]
    assert u.p_i_phase_a.tolist() == [65.2, 65.2]
    assert u.b_i_phase_a.tolist() == [41.6, 41.6] and u.b_i_ground_a.tolist() == [65.23] * 2
    # the recloser trips with V2G (its own rows judge it): no V2G row; without V2G neither
    # clears either, which is the devices' reach, pre-existing (C5's rows): no C2 row there
    ctx = _ctx(_faults({(V2G, "R-67"): 4.0}))
    assert U.uncleared_pairs(ctx).empty
    # uncleared with and without V2G: pre-existing, C5's rows say it; no C2 row
    assert U.uncleared_pairs(_ctx(_faults({}))).empty


def test_rows_made_at_some_faults_are_those_faults_rows_of_all():
    # #21 (perf44): the low bracket makes these rows at the faults where a time differs only
    # (``faults``: bus name, fault type, case; any scenario); a row reads its own fault's
    # rows (other scenarios' included), so they are the whole call's rows at those faults
    ctx = _ctx(_faults({(BASE, "F-73"): 47.4, (BASE, "R-67"): 4.44}))
    whole = U.fuse_not_clearing(ctx)
    assert set(whole.p_fault_bus_name) == {"75", "76"}
    for names in (["76"], ["75", "76"], []):
        faults = pd.DataFrame({"fault_bus_name": names, "fault_type": "SLG-c",
                               "case": "min"})
        got = U.fuse_not_clearing(ctx, faults)
        want = whole[whole.p_fault_bus_name.isin(names)].reset_index(drop=True)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_exact=True,
                                      check_dtype=len(want) > 0)
    other = pd.DataFrame({"fault_bus_name": ["75"], "fault_type": "SLG-c", "case": "max"})
    assert U.fuse_not_clearing(ctx, other).empty


def test_a_nearer_device_that_clears_ends_the_fault_and_one_beyond_does_not():
    # F-near (nearer the fault at 76) clears: the pair's race never happens there; the head
    # relay beyond R-67 clearing at 75 leaves fuse saving and the fuse's backup lost
    ctx = _ctx(_faults({(V2G, "F-near", 76): 0.5, (V2G, "head"): 12.0,
                        (BASE, "F-73"): 47.4, (BASE, "R-67"): 4.44}))
    u = U.uncleared_pairs(ctx)
    assert u[["scenario", "p_fault_bus_name"]].values.tolist() == [[V2G, "75"]]


def test_the_row_fails_with_no_margin_keyed_as_fuse_saving_and_is_never_a_pass():
    ctx = _ctx(_faults({(BASE, "F-73"): 47.4, (BASE, "R-67"): 4.44}))
    ctx.thresholds = SimpleNamespace(rule_override=lambda key: None)  # the published K
    rows = pd.concat(_uncleared_rows(ctx), ignore_index=True)
    assert len(rows) == 2
    assert (rows.check == NOT_CLEARED).all() and (rows.criterion == "C2").all()
    assert (~rows.ok.astype(bool)).all() and (rows.status == "fail").all()
    assert np.isneginf(rows.margin_s.astype(float)).all()
    assert np.isinf(rows.t_primary_s.astype(float)).all()
    assert np.isinf(rows.t_backup_s.astype(float)).all()
    assert (rows.rule == "fuse_saving_k").all()  # twin: the pair's fuse-saving row
    assert rows.rule_value.tolist() == [1.35, 1.35]  # 2 fast shots, 2 s first reclose
    assert (_mechanisms(ctx, rows, rows) == U.NOT_CLEARED_MECHANISM).all()


def test_the_message_says_neither_clears_with_both_thresholds():
    # Latin-1 text only (one byte a character: 13,554 such rows at 10,000 buses)
    r = SimpleNamespace(check=NOT_CLEARED, primary="F-73", backup="R-67", fault_type="SLG-c",
                        i_primary_a=51.4, i_primary_3i0_a=51.4, i_backup_a=52.0,
                        i_backup_3i0_a=51.4, t_primary_s=np.inf, t_backup_s=np.inf,
                        status="fail", scenario=V2G, rule_value=1.35, rule="fuse_saving_k")
    ctx = SimpleNamespace(devices={"R-67": R67, "F-73": F73}, cache={}, base_of={})
    assert guaranteed_melt_a(F73) == pytest.approx(95.2, abs=0.05)  # 40K max-melt asymptote
    text = message(ctx, r, "a SLG-c fault (min case) at 75", "with homes exporting")
    assert text == (
        "no device of the pair clears a SLG-c fault (min case) at 75 with homes exporting: "
        "F-73 (51 A) below its minimum melting current 79 A: its 40K link cannot melt, "
        "R-67 (52 A, 3I0 51 A) below its minimum trips (400 A "
        "phase, 100 A ground), and neither operates in the chargers' later stages (Charger "
        "stages sheet): fuse saving and the fuse's backup both lost; see C5 for the "
        "devices' reach")
    assert text.isascii()
    # between its minimum melting current and the current at which it surely melts
    r1 = SimpleNamespace(**{**vars(r), "i_primary_a": 88.0})
    assert message(ctx, r1, "a fault", "").startswith(
        "no device of the pair clears a fault : F-73 (88 A) below 95 A, the current at which "
        "its 40K link surely melts (its maximum-melt asymptote), R-67")
    # above the thresholds in the first cycle: said as not operating, not as "below"
    r2 = SimpleNamespace(**{**vars(r), "i_primary_a": 120.0, "i_backup_a": 450.0})
    text = message(ctx, r2, "a fault", "")
    assert "F-73 (120 A) does not melt" in text
    assert "R-67 (450 A, 3I0 51 A; minimum trips 400 A phase, 100 A ground) does not trip" in text
    # a recloser without fast shots saves no fuse: only the backup is lost
    r3 = SimpleNamespace(**{**vars(r), "rule": "", "rule_value": np.nan})
    assert message(ctx, r3, "a fault", "").endswith(
        "(Charger stages sheet): the fuse's backup lost; see C5 for the devices' reach")


KEY = {"criterion": "C2", "fault_bus": "75", "fault_type": "SLG-c", "case": "min",
       "device": "R-67", "other_device": "F-73", "margin_unit": "s",
       "mechanism": U.NOT_CLEARED_MECHANISM}


def _row(scenario: str, margin: float) -> dict:
    return {**KEY, "scenario": scenario, "status": "fail", "rule": "fuse_saving_k",
            "margin": margin, "tolerance": 0.0, "attribution": "",
            "message": "no device of the pair clears …"}


def test_attributed_against_the_saving_twin_caused_by_v2g_or_pre_existing():
    saved = pd.DataFrame([{**KEY, "scenario": BASE, "rule": "fuse_saving_k",
                           "margin": 4.84}])[BASE_MARGIN_COLUMNS]
    v = attribute(pd.DataFrame([_row(V2G, -np.inf)]), {BASE: BASE, V2G: BASE}, saved)
    assert v.attribution.tolist() == ["new"] and v.base_margin.iloc[0] == 4.84
    # cleared by neither without V2G too: pre-existing (both −∞: never a pass)
    v = attribute(pd.DataFrame([_row(BASE, -np.inf), _row(V2G, -np.inf)]),
                  {BASE: BASE, V2G: BASE},
                  pd.DataFrame([{**KEY, "scenario": BASE, "rule": "fuse_saving_k",
                                 "margin": -np.inf}])[BASE_MARGIN_COLUMNS])
    assert v.attribution.tolist() == ["pre-existing", "pre-existing"]


def test_a_recloser_without_fast_shots_keys_the_row_as_the_backup_rule():
    ctx = _ctx(_faults({(BASE, "F-73"): 47.4, (BASE, "R-67"): 4.44}))
    ctx.devices["R-67"] = Recloser(name="R-67", phase_min_trip_a=400.0, ground_min_trip_a=100.0,
                                   fast_curve="101", delayed_curve="133",
                                   ground_fast_curve="104", ground_delayed_curve="117",
                                   n_fast=0, n_delayed=3, reclose_intervals_s=[5.0, 5.0])
    ctx.thresholds = SimpleNamespace(rule_override=lambda key: None)
    rows = pd.concat(_uncleared_rows(ctx), ignore_index=True)
    assert len(rows) == 2 and (rows.rule == "").all() and rows.rule_value.isna().all()
    assert (rows.status == "fail").all() and np.isneginf(rows.margin_s.astype(float)).all()


def test_the_message_says_the_backup_failed_without_v2g_too_where_its_base_row_fails():
    # IEEE 123 (brief trust31 §2d): without V2G R-67's delayed trip (4.33 s) comes before
    # F-73 clears (43.7 s): the fuse's backup is lost there already; what V2G loses is that
    # the pair ends the fault at all
    from protv2g.checks.recloser_fuse_text import BACKUP, prime_base_backups

    coord = pd.DataFrame({
        "criterion": "C2", "check": [NOT_CLEARED, BACKUP, BACKUP],
        "scenario": [V2G, BASE, BASE], "fault_bus": "73", "fault_type": "SLG-c",
        "case": ["min", "min", "max"], "primary": "F-73", "backup": "R-67",
        "t_primary_s": [np.inf, 43.66, 0.1], "t_backup_s": [np.inf, 4.328, 0.2],
        "margin_s": [-np.inf, -39.33, 0.1], "bracket": "both"})
    ctx = SimpleNamespace(devices={"R-67": R67, "F-73": F73}, cache={},
                          base_of={BASE: BASE, V2G: BASE})
    prime_base_backups(ctx, coord)
    r = SimpleNamespace(check=NOT_CLEARED, primary="F-73", backup="R-67", fault_type="SLG-c",
                        fault_bus="73", case="min", bracket="both", i_primary_a=65.0,
                        i_primary_3i0_a=65.0, i_backup_a=42.0, i_backup_3i0_a=65.0,
                        t_primary_s=np.inf, t_backup_s=np.inf, status="fail", scenario=V2G,
                        rule_value=1.35, rule="fuse_saving_k")
    text = message(ctx, r, "a fault", "")
    assert text.endswith(
        "(Charger stages sheet): fuse saving lost; the fuse's backup fails without V2G too "
        "(R-67's delayed trip in 4.33 s before F-73 clears in 43.7 s), but there R-67 ends "
        "the fault by locking out: with V2G nothing of the pair ends it; see C5 for the "
        "devices' reach")
    # its base backup row passing (the max case here): both lost, as before
    r2 = SimpleNamespace(**{**vars(r), "case": "max"})
    assert "fuse saving and the fuse's backup both lost" in message(ctx, r2, "a fault", "")


def test_a_link_melting_at_its_band_low_end_in_the_stages_makes_the_row_rest_on_its_curve():
    # IEEE 123 with V2G (brief trust31 §2d): F-73 carries 65 A in the first cycle, but the
    # later stages' currents melt a link at its band's low end (staged minimum melt 163 s);
    # at the band's high end (maximum melt) it never melts: "cleared by neither" flips
    # inside the band
    f = _faults({(BASE, "F-73"): 47.4, (BASE, "R-67"): 4.44})
    f["t_mm_s"] = np.where((f.device == "F-73") & (f.scenario == V2G) & (f.fault_bus == 75),
                           163.2, np.inf)
    ctx = _ctx(f)
    ctx.thresholds = SimpleNamespace(rule_override=lambda key: None)
    rows = pd.concat(_uncleared_rows(ctx), ignore_index=True)
    assert rows.data_boundary.tolist() == ["F-73 tc: curve_band", "inside"]
    assert rows.t_primary_band_low_s.tolist()[0] == pytest.approx(163.2)  # no arcing
    assert np.isinf(rows.t_primary_band_low_s.iloc[1])
    r = SimpleNamespace(check=NOT_CLEARED, primary="F-73", backup="R-67", fault_type="SLG-c",
                        i_primary_a=65.0, i_primary_3i0_a=65.0, i_backup_a=42.0,
                        i_backup_3i0_a=65.0, t_primary_s=np.inf, t_backup_s=np.inf,
                        t_primary_band_low_s=163.2, status="fail", scenario=V2G,
                        rule_value=1.35, rule="fuse_saving_k")
    text = message(SimpleNamespace(devices={"R-67": R67, "F-73": F73}, cache={}, base_of={}),
                   r, "a fault", "")
    assert text.startswith(
        "no device of the pair clears a fault : F-73 (65 A in the first cycle) does not "
        "surely melt in the fault's stages (at its melting band's high end, the maximum-melt "
        "curve, it never does), R-67")
    assert "cannot melt" not in text
    assert text.endswith(
        "; see C5 for the devices' reach; a link at its melting band's low end (minimum melt) "
        "would melt in 163 s as the stages' currents rise, and clear it: the verdict rests on "
        "the link's curve (a maker's TC table decides it)")
