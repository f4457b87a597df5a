"""C10 places a site behind a single-phase transformer on the primary phase it draws from.

Review rev51 #5: homes on a 120/240 V centre-tapped transformer (OpenDSS
``buses=[l2.1.0 h.1.0 h.0.2]``: the whole unit on primary phase a) are "ab" to the study —
the two 120 V legs — and C10 spread their kVA over primary phases a and b: "257 kVA … of the
V2G online on phase b" = the depot's 240 kVA (a third of 720 kVA) + half of the homes' 34.6 kVA.
Hand: with the homes on phase a only, phase b carries the depot's third alone, 240 kVA at the
high end of 1.2 pu × 10 × 60 kVA / 3; phase a 240 + 34.56 = 274.56 kVA (4 × 7.2 × 1.2).
"""

from __future__ import annotations

import pytest

pytest.importorskip("opendssdirect")

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.c10p basekv=12.47 pu=1.0 phases=3 bus1=sub MVAsc3=200 MVAsc1=150 x1r1=6 x0r0=3
New Linecode.trunk nphases=3 units=km r1=0.19 x1=0.39 r0=0.47 x0=1.26
New Linecode.lat nphases=1 units=km r1=0.6 x1=0.5 r0=0.9 x0=1.4
New Line.l1 bus1=sub bus2=b1 linecode=trunk length=1
New Line.l2 bus1=b1 bus2=b2 linecode=trunk length=1.5
New Line.lat phases=1 bus1=b2.1 bus2=l2.1 linecode=lat length=1
New Transformer.ct1 phases=1 windings=3 buses=[l2.1.0 h.1.0 h.0.2] kvs=[7.2 0.12 0.12]
~ kvas=[50 50 50] %Rs=[0.6 1.2 1.2] xhl=2.04 xht=2.04 xlt=1.36 conns=[wye wye wye]
New Transformer.depxf phases=3 windings=2 buses=[b2 dep] conns=[delta wye] kvs=[12.47 0.48]
~ kvas=[1500 1500] %Rs=[0.5 0.5] xhl=5.5
New Load.homes phases=1 bus1=h.1.2 kv=0.24 kw=30 pf=0.95
New Load.m2 phases=3 bus1=b2 kv=12.47 kw=300 pf=0.95
Set VoltageBases=(12.47, 0.48, 0.208)
CalcVoltageBases
"""
STUDY = """\
name: c10p
feeder: {opendss: Master.dss, adopt_devices: false}
devices:
  - {name: rc1, kind: recloser, location: {line: l2, end: from}, phase_min_trip_a: 280,
     ground_min_trip_a: 140, fast_curve: '101', delayed_curve: '133',
     reclose_intervals_s: [0.5, 2, 2]}
v2g_sites:
  - {name: depot, bus: dep, n_chargers: 10, p_charger_kw: 60}
  - {name: homes, bus: h, n_chargers: 4, p_charger_kw: 7.2, phases: 1, phase: ab}
scenarios: {export_levels_fraction: [0.0, 1.0], participation: [firm], load_levels: [peak]}
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from protv2g.study.loader import load_study

    out = tmp_path_factory.mktemp("c10p")
    (out / "Master.dss").write_text(MASTER)
    (out / "study.yaml").write_text(STUDY)
    return load_study(out / "study.yaml")


def test_a_centre_tapped_site_is_on_its_primary_phase(study):
    from protv2g.checks.island_phase_load import primary_conductors

    sites = {s.name: s for s in study.document.v2g_sites}
    assert sites["homes"].conductors == "ab"  # the two legs, as the study writes them
    assert primary_conductors(study, sites["homes"]) == "a"
    assert primary_conductors(study, sites["depot"]) == "abc"


def test_c10_island_kva_counts_the_homes_on_phase_a_only():
    from protv2g.checks.island_window import island_window
    from protv2g.study.schema import V2GSite

    depot = V2GSite(name="depot", bus="dep", n_chargers=10, p_charger_kw=60.0)
    homes = V2GSite(name="homes", bus="h", n_chargers=4, p_charger_kw=7.2, phases=1,
                    phase="ab")
    shares = ({"a": 0.4, "b": 0.3, "c": 0.3}, "test")
    online = {"depot": 10.0, "homes": 4.0}
    args = (homes, [depot, homes], online, 0.3, 0.0, set(), shares, 1 / 60)
    old = island_window(*args)
    new = island_window(*args, conductors={"homes": "a", "depot": "abc"})
    assert "phase b" in old.why and "257" in old.why  # 240 + 34.56 / 2 = 257.3 kVA (hand)
    assert "phase a" in new.why and "275" in new.why  # 240 + 34.56 = 274.6 kVA (hand)
    assert "phases a, b" not in new.why
