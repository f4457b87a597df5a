"""A forward-directional relay's element that its directional control holds back gives no
operating time, and C1–C4 credit no backup through it (review rev41a W2).

IEEE 34 with the head relay directional (rev41a, ``study_dir.yaml``): C9 said "head-l1 67N
declares none for a SLG-a fault (min case) at 836 … (|3V0| 0.0193 pu below its minimum
0.06 pu) … the relay never trips", while the Coordination sheet credited the same relay's 51G
as RC-808's backup there (``t_backup_s`` 1.167 s, margin +0.478 s, ok). The device times
C1–C4 read now come from the same decision C9 judges
(:func:`protv2g.directional.decide.control` via :mod:`protv2g.checks.directional_release`).

The feeder here: ``feeders/weak_end_of_line`` (R-HEAD over recloser RC-END) with R-HEAD made
forward-directional and its 67N given a minimum polarising voltage no ground fault reaches
(``ground_min_polarising_pu: 0.5``, i.e. |3V0| ≥ 1.5 pu): its 51G is held back at every ground
fault (blinded, as the head's 67N at 836 with 20 Ω), while its 51P stays under the control of
67P. The reference is the same study without the directional setting (the relay model's
own curves: ``OvercurrentRelay.phase_time_s``/``ground_time_s``, IEEE C37.112), the
expected element chosen by hand from the phase currents and pickups.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import run_checks
from protv2g.checks._common import build_context
from protv2g.checks.coordination import evaluate_pairs
from protv2g.checks.directional import directional_table
from protv2g.devices.models import OvercurrentRelay
from protv2g.directional import Verdict
from protv2g.pipeline import fault_tables
from protv2g.scenarios import build_scenarios
from protv2g.study import load_study

from .conftest import REPO_DIR

STUDY = REPO_DIR / "feeders" / "weak_end_of_line" / "study.yaml"
_KEYS = ["scenario", "fault_bus", "fault_type", "case"]


def _study(directional: bool):
    study = load_study(STUDY)
    blind = {"trip_direction": "forward", "ground_min_polarising_pu": 0.5}
    devices = [dict(d, directional=blind) if directional and d["name"] == "R-HEAD" else d
               for d in study.raw["devices"]]
    # the minimum case only (30 Ω faults: the phase currents under 51P's pickup)
    return study.with_updates(devices=devices, faults={
        "method": "iec60909", "cases": ["min"], "r_fault_min_ohm": 30.0}, scenarios={
        "export_levels_fraction": [0.0, 1.0], "participation": ["firm"],
        "load_levels": ["light"]})


@pytest.fixture(scope="module")
def both():
    """(directional context, non-directional context, the fault table)."""
    plain = _study(False)
    scs = build_scenarios(plain.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # PLL frozen at close-in faults
        faults = fault_tables(_study(True), scs).device
    return (build_context(_study(True), faults, None, scs),
            build_context(plain, faults, None, scs), faults)


def _head(ctx):
    f = ctx.faults
    return f[f.device == "R-HEAD"].reset_index(drop=True)


def test_held_back_ground_element_gives_no_time(both) -> None:
    """Every ground fault: 51G held back (67N blinded), so R-HEAD's time is its 51P's where
    67P releases it and the phase current picks up, else none; phase faults keep their
    times bit for bit."""
    d, nd, _ = both
    hd, hn = _head(d), _head(nd)
    relay = d.devices["R-HEAD"]
    assert isinstance(relay, OvercurrentRelay)
    ground = hd.fault_type.astype(str).str.startswith(("SLG", "LLG")).to_numpy()
    assert not (hd.oc_released.to_numpy()[ground] & 8).any()  # 51G never released
    assert hd.oc_blocked.to_numpy()[ground].any()
    # phase faults (3I0 ≈ 0: the 51G gave no time before either): the non-directional
    # times bit for bit where 67P releases every phase
    full = ~ground & ((hd.oc_released.to_numpy() & 7) == 7)
    assert full.any()
    np.testing.assert_array_equal(hd.t_op_s.to_numpy()[full], hn.t_op_s.to_numpy()[full])
    # ground faults, first-cycle time: the 51P curve at the largest released phase current
    # (C37.112 VI, the relay model's own), not min(51P, 51G) as before
    i_p = hd.i_phase_released_a.to_numpy()[ground]
    expect = np.where(i_p > relay.settings.pickup_a, relay.phase_time_s(i_p), np.inf)
    held = np.isfinite(expect) == np.isfinite(hd.t_op_high_s.to_numpy()[ground])
    assert held.all()
    # where 51G gave the old time, the new one is later (or none)
    old, new = hn.t_op_s.to_numpy()[ground], hd.t_op_s.to_numpy()[ground]
    assert (np.where(np.isnan(new), np.inf, new) >= old - 1e-12).all()
    assert (np.isinf(new) & np.isfinite(old)).any()


def test_c4_credits_no_backup_through_a_held_back_element(both) -> None:
    """C4 R-HEAD over RC-END at the ground faults of R-HEAD's zones where it has no time:
    fail, margin −∞, the message says why; on the old code these rows were ``ok`` with the
    51G's time."""
    d, nd, _ = both
    cd, cn = evaluate_pairs(d), evaluate_pairs(nd)
    sel = ((cd.criterion == "C4") & (cd.primary == "RC-END") & (cd.backup == "R-HEAD"))
    rows = cd[sel & np.isinf(pd.to_numeric(cd.t_backup_s))]
    assert len(rows), "the blinded 51G must leave C4 rows without a backup time"
    zone = set(d.zones.loc[d.zones.device == "R-HEAD", "bus"].astype(int))
    names = {d.study.bus_name(b): b for b in zone}
    in_zone = rows.fault_bus.map(lambda n: n in names).to_numpy()
    assert in_zone.any()
    assert (rows.status[in_zone] == "fail").all()
    assert np.isneginf(rows.margin_s[in_zone].astype(float)).all()
    # the same rows without directional control: the 51G's finite time, ok (the credit
    # review rev41a W2 found)
    m = rows[in_zone][_KEYS[0:1] + ["fault_bus", "fault_type", "case", "check"]].merge(
        cn[(cn.criterion == "C4") & (cn.primary == "RC-END") & (cn.backup == "R-HEAD")],
        on=["scenario", "fault_bus", "fault_type", "case", "check"])
    assert len(m) == in_zone.sum()
    assert np.isfinite(m.t_backup_s.astype(float)).all() and m.ok.all()
    # C9 says the same of these faults: the relay fails to trip
    t = directional_table(d)
    c9 = t[(t.device == "R-HEAD") & (t.verdict == Verdict.FAILS_TO_TRIP.value)]
    keys = set(zip(c9.scenario, c9.fault_bus_name.astype(str), c9.fault_type.astype(str),
                   c9.case.astype(str), strict=True))
    got = set(zip(rows.scenario[in_zone], rows.fault_bus[in_zone].astype(str),
                  rows.fault_type[in_zone].astype(str), rows.case[in_zone].astype(str),
                  strict=True))
    assert got <= keys


def test_c4_violation_names_the_directional_block(both) -> None:
    d, _, faults = both
    violations, _ = run_checks(d.study, faults, None, list(d.scenarios.values()))
    v = violations[(violations.criterion == "C4") & (violations.device == "R-HEAD")
                   & np.isneginf(pd.to_numeric(violations.margin, errors="coerce"))]
    assert len(v)
    assert v.message.str.contains("R-HEAD does not operate for").all()
    assert v.message.str.contains("its directional control holds back").all()
    assert v.message.str.contains("has no backup at this fault").all()


def _zone_ground_rows(ctx) -> pd.DataFrame:
    from protv2g.checks.sensitivity import _zone_rows

    m = _zone_rows(ctx)
    kind = m.fault_type.astype(str).str.startswith(("SLG", "LLG")).to_numpy()
    return m[(m.device == "R-HEAD").to_numpy() & kind].reset_index(drop=True)


def test_c5_reach_counts_only_released_elements(both) -> None:
    """C5 (review ver41 W-new1): R-HEAD's reach at the ground faults of its zones is judged
    on the 51P at the largest phase current 67P releases (hand: the release bits C9 gives,
    ``|Ia|, |Ib|, |Ic|`` of the fault table, ÷ the 240 A 51P pickup of the study), never on
    the blinded 51G; the same rows without directional control pass on the 51G (3I0 ÷ 90 A),
    which old code credited to the directional relay too."""
    d, nd, faults = both
    md, mn = _zone_ground_rows(d), _zone_ground_rows(nd)
    assert len(md) == len(mn) > 0
    assert (md.element == "phase").all()  # old code: "ground" (the blinded 51G)
    assert (mn.element == "ground").all() and (mn.ratio >= mn.factor).all()
    # by hand from the fault table: the released phases' largest current (one stage here)
    f = d.faults
    code = f.oc_released.to_numpy()[md._at.to_numpy()]
    amps = 1000.0 * f[["ia_ka", "ib_ka", "ic_ka"]].to_numpy(float)[md._at.to_numpy()]
    bits = np.stack([(code & b) != 0 for b in (1, 2, 4)], axis=-1)
    expect = np.where(bits, amps, 0.0).max(axis=-1)
    np.testing.assert_allclose(md.i_op_a.to_numpy(float), expect, rtol=1e-9)
    np.testing.assert_allclose(md.ratio.to_numpy(float), expect / 240.0, rtol=1e-9)
    short = md.ratio < md.factor
    assert short.any()  # 30 Ω: the phase currents under 1.5/1.2 × 240 A
    violations, _ = run_checks(d.study, faults, None, list(d.scenarios.values()))
    v = violations[(violations.criterion == "C5") & (violations.device == "R-HEAD")
                   & violations.fault_type.astype(str).str.startswith(("SLG", "LLG"))]
    v = v[v.message.str.startswith("R-HEAD sees")]  # the shortfalls (not the reach drop)
    assert len(v)
    assert v.message.str.contains("holds back its ground element at this fault").all()


def test_c5_relay_releasing_nothing_does_not_see_the_fault(both) -> None:
    """With 67P blinded too (minimum polarising 10 pu, no memory) R-HEAD's directional
    control releases no overcurrent element at any fault: every zone row is at 0 A, ratio
    0, and its C5 row says why (old code: the non-directional currents)."""
    _, _, faults = both
    study = _study(True)
    blind = {"trip_direction": "forward", "ground_min_polarising_pu": 0.5,
             "phase_min_polarising_pu": 10.0, "memory": False}
    study = study.with_updates(devices=[dict(x, directional=blind) if x["name"] == "R-HEAD"
                                        else x for x in study.raw["devices"]])
    scs = build_scenarios(study.document)
    ctx = build_context(study, faults, None, scs)
    from protv2g.checks.sensitivity import _zone_rows

    m = _zone_rows(ctx)
    m = m[m.device == "R-HEAD"]
    assert len(m) and (ctx.faults.oc_released.to_numpy()[m._at.to_numpy()] == 0).all()
    assert (m.i_op_a == 0).all() and (m.ratio == 0).all()
    violations, _ = run_checks(study, faults, None, list(ctx.scenarios.values()))
    v = violations[(violations.criterion == "C5") & (violations.device == "R-HEAD")]
    # every scenario and fault type, fail in the primary zone and warn in the backup zone
    # (C5's factors 1.5/1.2 against ratio 0), the rows grouped by bus
    want = {(s, t, z) for s in set(m.scenario) for t in set(m.fault_type.astype(str))
            for z in ("fail", "warn")}
    assert set(zip(v.scenario, v.fault_type.astype(str), v.status, strict=True)) == want
    assert v.message.str.contains("releases none of its overcurrent elements").all()
    assert (v.margin.astype(float) == -v.limit.astype(float)).all()  # ratio 0
