"""C9 (directional elements) on an OpenDSS feeder: the phase path gives the sequence path's
decisions where both exist, and a reverse fault is seen as reverse on the example feeder.

* Balanced feeder in both forms (``tests/test_phase_sequence.py``'s builder: 115 kV source,
  Dyn 20 MVA, 12.47 kV lines with sequence impedances, no loads), written as two study files —
  a pandapower JSON and an OpenDSS master — with the same relays (``directional: forward``)
  and a V2G site at ``b4`` behind two of them. Both run through ``fault_tables`` →
  ``build_context`` → ``directional_table`` / ``check_directional``. Compared on the faults
  both paths have (the sequence path's SLG on a, LL/LLG on b–c = the phase path's ``SLG-a``,
  ``LL-bc``, ``LLG-bc``; its close-in positions are left out): true direction, declared
  direction, the verdict and whether it matters, and the C9 rows (a fourth relay without
  memory and with a 1.2 pu minimum polarising voltage fails to trip on close-in faults); the
  pre-fault ``V1`` memory at each relay bus (sequence engine vs
  :meth:`protv2g.engine.phase.terminals.Terminals.prefault_v1_pu`).
  A declared direction may differ only where the element's angle lies within 1° of its
  characteristic's edge (the engines agree to 0.5°, ``test_phase_sequence.py``).
* ``feeders/opendss_example`` with a relay on ``l2`` at ``b1`` (forward towards the V2G lot at
  ``b2``): bolted three-phase faults at ``sub`` and ``b1`` (behind it) with the lot exporting
  are declared reverse on every phase (memory-polarised: the voltage at ``b1`` collapses);
  faults at ``b2``/``b3`` forward; every fault type carries its phase label.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandapower as pp
import pytest

pytest.importorskip("opendssdirect")

from protv2g import load_study  # noqa: E402
from protv2g.checks._common import build_context  # noqa: E402
from protv2g.checks.directional import check_directional, directional_table  # noqa: E402
from protv2g.pipeline import fault_tables  # noqa: E402
from protv2g.scenarios import build_scenarios  # noqa: E402
from tests.conftest import FEEDERS_DIR  # noqa: E402
from tests.test_phase_sequence import _nets  # noqa: E402

#: The sequence path's fault types as the phase path labels them.
LABEL = {"3ph": "3ph", "SLG": "SLG-a", "LL": "LL-bc", "LLG": "LLG-bc"}
#: Relays: (name, line, end, pickup A, ground pickup A).
RELAYS = [("R1", "l1", "from", 400.0, 120.0), ("R3", "l3", "from", 60.0, 30.0),
          ("R4", "l4", "to", 60.0, 30.0)]
KEY = ["scenario", "device", "fault_bus_name", "fault_type", "case", "element", "phase"]


def _study_doc(feeder: dict) -> dict:
    return {
        "name": "balanced_both", "feeder": feeder,
        "faults": {"method": "classical", "cases": ["max", "min"], "r_fault_min_ohm": 5.0},
        "devices": [{"name": n, "kind": "relay", "location": {"line": ln, "end": end},
                     "pickup_a": p, "curve": "IEEE-MI", "time_dial": 0.5,
                     "ground_pickup_a": g, "ground_curve": "IEEE-VI", "ground_time_dial": 1.0,
                     "directional": "forward"} for n, ln, end, p, g in RELAYS] + [
            # no memory and a high minimum polarising voltage: close-in forward faults get
            # no decision, so C9 fails (fails to trip) on both paths
            {"name": "R2", "kind": "relay", "location": {"line": "l2", "end": "from"},
             "pickup_a": 400.0, "curve": "IEEE-MI", "time_dial": 0.5,
             "directional": {"memory": False, "phase_min_polarising_pu": 1.2}}],
        "v2g_sites": [{"name": "lot", "bus": "b4", "n_chargers": 20, "p_charger_kw": 100,
                       "limit_pu": 1.2}],
        "scenarios": {"export_levels_fraction": [0.0, 1.0], "participation": ["firm"],
                      "load_levels": ["peak"]},
    }


def _run(path):
    study = load_study(path)
    scs = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ft = fault_tables(study, scs)
        ctx = build_context(study, ft, None, scs)
        return study, ft, directional_table(ctx), check_directional(ctx)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("c9_both")
    net, _, dss = _nets(True, tmp)
    # the classical min case heats the lines to endtemp_degree (80 °C) on both paths
    pp.to_json(net, str(tmp / "net.json"))
    (tmp / "pp.yaml").write_text(json.dumps(_study_doc({"pandapower_json": "net.json"})))
    (tmp / "dss.yaml").write_text(json.dumps(_study_doc({"opendss": dss.name,
                                                         "adopt_devices": False})))
    return _run(tmp / "pp.yaml"), _run(tmp / "dss.yaml")


def test_memory_voltage_same_on_both_paths(both):
    (s_seq, ft_seq, _, _), (s_ph, ft_ph, _, _) = both
    for name, *_ in RELAYS:
        for case in ("max", "min"):
            v_seq = ft_seq.v1_pre_pu[(case, s_seq.device_sites[name].bus)]
            v_ph = ft_ph.v1_pre_pu[(case, s_ph.device_sites[name].bus)]
            assert abs(v_ph - v_seq) <= 1e-3 * abs(v_seq), (name, case, v_seq, v_ph)


def test_decisions_same_on_both_paths(both):
    (_, _, seq, c9_seq), (_, _, ph, c9_ph) = both
    seq = seq[seq.fault_bus_name.isin(set(ph.fault_bus_name))].copy()
    seq["fault_type"] = seq.fault_type.map(LABEL)
    m = seq.merge(ph, on=KEY, how="left", suffixes=("_seq", "_ph"), indicator=True)
    # the phase path keeps device rows from 1 A (pipeline_dss.DEVICE_ROW_MIN_A)
    kept = (m["_merge"] == "both").to_numpy()
    assert (m.oc_current_a_seq[~kept] < 1.0).all() and kept.sum() > 700
    m = m[kept]
    assert (m.true_direction_seq == m.true_direction_ph).all()
    differ = (m.declared_direction_seq != m.declared_direction_ph).to_numpy()
    # only where the angle is within 1° of the characteristic's edge (±90° from the MTA)
    edge = np.abs(np.abs(m.angle_degree_seq.to_numpy(float)) - 90.0) < 1.0
    assert not (differ & ~edge).any(), m.loc[differ & ~edge, KEY].to_string()
    same = ~differ
    assert (m.verdict_seq[same] == m.verdict_ph[same]).all()
    assert (m.matters_seq[same] == m.matters_ph[same]).all()
    # both directions are exercised: reverse faults fed by the site are declared reverse
    picks = m.picks_up_seq.astype(bool)
    assert ((m.true_direction_seq == "forward") & picks
            & (m.declared_direction_ph == "forward")).sum() > 50
    assert ((m.true_direction_seq == "reverse") & picks
            & (m.declared_direction_ph == "reverse")).sum() > 50
    # the same C9 rows (R2's fails-to-trip) on both paths
    key = ["scenario", "device", "fault_bus", "fault_type", "case", "status"]
    a = c9_seq[c9_seq.criterion == "C9"]
    a = a[a.fault_bus.isin(set(ph.fault_bus_name))].assign(
        fault_type=lambda f: f.fault_type.map(LABEL))
    b = c9_ph[c9_ph.criterion == "C9"]
    assert len(b) >= 12 and not b.message.str.contains("not evaluated").any()
    assert sorted(map(tuple, a[key].astype(str).to_numpy())) == sorted(
        map(tuple, b[key].astype(str).to_numpy()))


@pytest.fixture(scope="module")
def example():
    study = load_study(FEEDERS_DIR / "opendss_example" / "study.yaml")
    relay = dict(name="R-L2", kind="relay", location={"line": "l2", "end": "from"},
                 pickup_a=150.0, curve="IEEE-MI", time_dial=0.5, ground_pickup_a=60.0,
                 ground_curve="IEEE-VI", ground_time_dial=1.0, directional="forward")
    study = study.with_updates(devices=[*study.raw.get("devices", []), relay], scenarios={
        "export_levels_fraction": [0.0, 1.0], "participation": ["firm"],
        "load_levels": ["peak"]})
    scs = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ft = fault_tables(study, scs)
        ctx = build_context(study, ft, None, scs)
        return directional_table(ctx), check_directional(ctx)


def test_example_reverse_fault_seen_as_reverse(example):
    table, rows = example
    t = table[(table.device == "R-L2") & (table.element == "67P")]
    assert set(t.fault_type) >= {"3ph", "SLG-a", "SLG-b", "SLG-c", "LL-ab", "LLG-ca"}
    exp = t[t.scenario.str.endswith("100%") & (t.fault_type == "3ph")]
    behind = exp[exp.fault_bus_name.isin(["sub", "b1"])]
    assert len(behind) == 12 and (behind.true_direction == "reverse").all()
    assert (behind.declared_direction == "reverse").all()
    assert behind.memory_used.astype(bool).all()
    ahead = exp[exp.fault_bus_name.isin(["b2", "b3"])]
    assert (ahead.true_direction == "forward").all()
    assert (ahead.declared_direction == "forward").all() and (ahead.verdict == "trips").all()
    assert not rows.message.astype(str).str.contains("not evaluated").any()
