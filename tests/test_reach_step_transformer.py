"""Reach zones end at step transformers (review s19 §3.2, rank 2): in C5 and in init's draft.

EPRI ckt24 (34.5 kV, 34.5/13.2 kV steps without fuses in the model): the 13.2 kV buses were
primary reach requirements of the feeder head, so C5 reported them (744 rows of one finding)
and init set the head's 51G from a 13.2 kV ground fault (60 A instead of its rule's 180 A),
which then miscoordinated with every lateral fuse. A feeder device's reach runs to the end of
its line section (IEEE Std C37.230-2020 §6.2); a transformer's secondary is the transformer
protection's zone (its primary fuse clears transformer and low-impedance secondary faults —
electrical-engineering-portal.com, "How primary feeder, distribution transformer, fuses and
service operate in radial networks"), the upstream device at most its backup. Behind a delta
winding a ground fault sends no 3I0 upstream (S&C Electric, Cook & Niemira, "Overcurrent
protection of transformers", Part 2, Table 1), so a 51G requirement there is meaningless: the
phase element judges it.

The test feeder is the project's OpenDSS example (12.47 kV) without its recloser and PV, with
two 1.5 MVA 12.47/4.16 kV steps (``stepd`` Δ-Yg at b3, ``stepy`` Yg-Yg at b2), each with a
0.5 mi 4.16 kV line, and a 250 kVA 7.2/2.4 kV single-phase step behind fuse ``fb``.
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pandapower as pp
import pytest

from protv2g.study.places import DeviceSite
from protv2g.topology import device_chains, device_zones
from protv2g.topology_reach import reach_zones

from .conftest import FEEDERS_DIR, with_lines_before_voltage_bases

EXAMPLE = FEEDERS_DIR / "opendss_example"
STEPS = """
New Transformer.stepd phases=3 windings=2 buses=(b3 s1) conns=(delta wye) kvs=(12.47 4.16)
~ kvas=(1500 1500) xhl=5.75 %loadloss=0.8
New Line.ls1 phases=3 bus1=s1 bus2=s1e linecode=trunk336 length=0.5 units=mi
New Load.s1e bus1=s1e phases=3 conn=wye model=1 kv=4.16 kw=600 kvar=200
New Transformer.stepy phases=3 windings=2 buses=(b2 s2) conns=(wye wye) kvs=(12.47 4.16)
~ kvas=(1500 1500) xhl=5.75 %loadloss=0.8
New Line.ls2 phases=3 bus1=s2 bus2=s2e linecode=trunk336 length=0.5 units=mi
New Load.s2e bus1=s2e phases=3 conn=wye model=1 kv=4.16 kw=600 kvar=200
New Transformer.steplat phases=1 windings=2 buses=(lat2.3 lat2lo.1) kvs=(7.2 2.4)
~ kvas=(250 250) xhl=3.5 %loadloss=1.0
New Load.lat2lo bus1=lat2lo.1 phases=1 conn=wye model=1 kv=2.4 kw=100 kvar=30
"""
LOW_SIDE = {"s1", "s1e", "s2", "s2e", "lat2lo"}


def _write_model(folder):
    shutil.copy(EXAMPLE / "LineCodes.dss", folder / "LineCodes.dss")
    lines = (EXAMPLE / "Master.dss").read_text().splitlines()
    keep = [ln for i, ln in enumerate(lines)
            if not ln.startswith(("New Recloser", "New PVSystem", "BusCoords"))
            and not (ln.startswith("~") and lines[i - 1].startswith(("New Recloser",
                                                                     "~ phase")))]
    out = with_lines_before_voltage_bases(keep, STEPS, "Set VoltageBases=(115, 12.47, 4.16)")
    (folder / "Master.dss").write_text("\n".join(out) + "\n")
    return folder / "Master.dss"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    pytest.importorskip("opendssdirect")
    from protv2g import load_study, run_study
    from protv2g.study_draft import draft_study

    folder = tmp_path_factory.mktemp("steps")
    master = _write_model(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = draft_study(master)
        (folder / "study.yaml").write_text(d.text)
        if d.curves_text:
            (folder / d.curves_folder).mkdir(exist_ok=True)
            (folder / d.curves_folder / "c.yaml").write_text(d.curves_text)
        return d, run_study(load_study(folder / "study.yaml"), hosting=False)


def test_the_engine_gives_no_3i0_behind_the_delta_winding(drafted):
    _, r = drafted
    d = r.device_faults
    slg = d[(d.device == "head-l1") & d.fault_kind.astype(str).eq("SLG")]
    behind_delta = slg[slg.fault_bus_name.isin(["s1", "s1e"])]
    behind_wye = slg[slg.fault_bus_name.isin(["s2", "s2e"])]
    assert len(behind_delta) and len(behind_wye)
    assert (behind_delta.i3i0_ka < 1e-5).all()            # ≈ 0 A: no zero-sequence path
    phases = behind_delta[["ia_ka", "ib_ka", "ic_ka"]].max(axis=1)
    assert (phases > 0.01).all()                           # the phase element sees it
    assert (behind_wye.i3i0_ka > 0.01).all()               # Yg-Yg passes 3I0


def test_c5_low_side_rows_are_backup_warnings_only(drafted):
    _, r = drafted
    v = r.violations
    c5 = v[v.criterion.astype(str).eq("C5")]
    low = c5[c5.fault_bus.astype(str).isin(LOW_SIDE)]
    assert len(low)                                        # still reported, as backup
    assert set(low.status.astype(str)) == {"warn"}
    assert low.message.str.contains("in its backup zone").all()
    assert not c5.message.str.contains("in its primary zone").any()
    # behind the delta the ground faults are judged by the phase element (no 3I0 there)
    slg = low[low.fault_type.astype(str).str.startswith("SLG")]
    d_rows = slg[slg.fault_bus.astype(str).isin(["s1", "s1e"]) & slg.device.eq("head-l1")]
    y_rows = slg[slg.fault_bus.astype(str).isin(["s2", "s2e"]) & slg.device.eq("head-l1")]
    assert len(d_rows) and d_rows.message.str.contains(r"\(phase\)").all()
    assert len(y_rows) and y_rows.message.str.contains(r"\(ground\)").all()
    # behind fuse fb and its step: fb's backup; the head relay's second-level backup: none
    lat = low[low.fault_bus.astype(str).eq("lat2lo")]
    assert set(lat.device) == {"fb"}


def test_c5_rows_say_no_device_has_the_bus_in_its_primary_zone(drafted):
    # review rev48a item 6 (ckt24's 13.2 kV area): a bus in a backup zone only says it has
    # no judged primary protection; the five low-side buses are each in no primary zone
    # (s1, s1e, s2, s2e behind the unfused steps; lat2lo behind fb's step)
    _, r = drafted
    v = r.violations
    c5 = v[v.criterion.astype(str).eq("C5")]
    low = c5[c5.fault_bus.astype(str).isin(LOW_SIDE)]
    assert len(low)
    for bus, msg in zip(low.fault_bus.astype(str), low.message.astype(str), strict=True):
        assert (f"no device of the study is primary for {bus}: 5 bus(es) of the study "
                "have no judged primary protection") in msg
    others = c5[~c5.fault_bus.astype(str).isin(LOW_SIDE)]
    assert not others.message.astype(str).str.contains("no judged primary protection").any()


def test_draft_takes_its_min_zone_faults_at_its_own_voltage(drafted):
    d, _ = drafted
    (p,) = d.proposals
    f, e = p.figures, p.entry
    # before (review s19 §3.2): the zone minimum was 0 A of 3I0 (SLG behind the delta) and
    # 519 A of phase current (LL at s2e): 51P 370 A, 51G 70 A and two reach conflicts
    assert f["min_ground_fault_zone_a"] > 100.0
    assert f["min_phase_fault_zone_a"] > 1000.0
    assert not p.conflicts
    assert e["pickup_a"] == pytest.approx(10 * np.ceil(2 * f["peak_load_a"] / 10 - 1e-9))
    g = max(2 * f["peak_residual_a"], 0.25 * e["pickup_a"])
    assert e["ground_pickup_a"] == pytest.approx(10 * np.ceil(g / 10 - 1e-9))


def _net():
    net = pp.create_empty_network()
    b = [pp.create_bus(net, vn_kv=kv, name=n) for n, kv in
         (("src", 20.0), ("b1", 20.0), ("m", 6.0), ("m2", 6.0), ("lv", 0.4), ("b2", 20.0))]
    pp.create_ext_grid(net, b[0], s_sc_max_mva=500, rx_max=0.1)
    line = pp.create_line(net, b[0], b[1], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    pp.create_line(net, b[1], b[5], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    step = pp.create_transformer_from_parameters(net, b[1], b[2], sn_mva=0.63, vn_hv_kv=20.0,
                                                 vn_lv_kv=6.0, vkr_percent=1.0, vk_percent=6.0,
                                                 pfe_kw=0.0, i0_percent=0.0)
    pp.create_line(net, b[2], b[3], 0.5, "NA2XS2Y 1x95 RM/25 6/10 kV")
    pp.create_transformer_from_parameters(net, b[3], b[4], sn_mva=0.25, vn_hv_kv=6.0,
                                          vn_lv_kv=0.4, vkr_percent=1.0, vk_percent=4.0,
                                          pfe_kw=0.0, i0_percent=0.0)
    return net, b, line, step


@pytest.mark.parametrize("guarded", [False, True])
def test_reach_zones_on_a_pandapower_net(guarded):
    net, b, line, step = _net()
    sites = {"R": DeviceSite("line", line, b[0], b[1])}
    if guarded:  # a device on the step transformer: it is the primary device behind it
        sites["F"] = DeviceSite("trafo", step, b[1], b[2])
    z = device_zones(device_chains(net, sites))
    level, either = reach_zones(net, sites, z.device.to_numpy(), z.bus.to_numpy(),
                                z.zone.to_numpy())
    got = {(d, int(x)): (lv, bool(e)) for d, x, lv, e in
           zip(z.device, z.bus, level, either, strict=True)}
    assert got[("R", b[1])] == ("primary", False) and got[("R", b[5])] == ("primary", False)
    assert got[("R", b[2])] == ("backup", not guarded)     # behind the 20/6 kV step
    assert got[("R", b[3])] == ("backup", not guarded)
    assert got[("R", b[4])][0] == ""                       # 0.4 kV: nobody's requirement
    if guarded:
        assert got[("F", b[2])] == ("primary", False)      # its own transformer's secondary
        assert got[("F", b[3])] == ("primary", False)
        assert got[("F", b[4])][0] == ""


CKT24 = (FEEDERS_DIR.parents[1] / "shared" / "feeders" / "opendss" / "real" / "EPRI_ckt24"
         / "master_ckt24.dss")


@pytest.fixture(scope="module")
def ckt24(tmp_path_factory):
    """ckt24 drafted by ``init --site`` (the review's depot and homes) and run without
    hosting."""
    if not CKT24.is_file():
        pytest.skip(f"{CKT24} not found (../shared beside the checkout is absent)")
    pytest.importorskip("opendssdirect")
    from protv2g import load_study, run_study
    from protv2g.study_draft import draft_study, parse_site

    folder = tmp_path_factory.mktemp("ckt24") / "EPRI_ckt24"
    shutil.copytree(CKT24.parent, folder)
    for f in folder.iterdir():
        f.chmod(0o644)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = draft_study(folder / CKT24.name, sites=[parse_site("depot:n283602:20:60"),
                                                     parse_site("homes:n284397.a:30:7.2")])
        study = folder / "study.yaml"
        study.write_text(d.text)
        s = load_study(study)
        return d, s, run_study(s, hosting=False)


def test_ckt24_head_relay_by_its_rule_at_34_5_kv(ckt24):
    """Review s19 §3.2: the draft's zone minimum was a 13.2 kV fault (LL 431 A, 3I0 104 A),
    which pulled 51P down to its load floor (710 A) and 51G to 60 A, below its rule's
    max(2 × residual, 0.25 × 51P); at 34.5 kV the minimum ground fault is the homes lateral
    end's (the review's hand figure: SLG 629 A at n284397, 20 Ω), so both keep their rule."""
    d, _, _ = ckt24
    (p,) = d.proposals
    f, e = p.figures, p.entry
    assert not p.conflicts
    assert f["min_ground_fault_zone_a"] == pytest.approx(629.0, rel=0.02)
    assert f["min_phase_fault_zone_a"] > 1.5 * e["pickup_a"]
    assert e["pickup_a"] == pytest.approx(10 * np.ceil(2 * f["peak_load_a"] / 10 - 1e-9))
    g = max(2 * f["peak_residual_a"], 0.25 * e["pickup_a"])
    assert e["ground_pickup_a"] == pytest.approx(10 * np.ceil(g / 10 - 1e-9))
    assert (e["pickup_a"], e["ground_pickup_a"]) == (940.0, 240.0)  # was 710 / 60


def test_ckt24_no_primary_reach_row_at_13_2_kv(ckt24):
    """F01 (C5 "confirm", 744 rows at 13.2 kV, LL 431 A at n312625) is gone: behind the
    34.5/13.2 kV steps the head relay is backup only (``warn``), nowhere a primary row."""
    _, s, r = ckt24
    v = r.violations
    c5 = v[v.criterion.astype(str).eq("C5")]
    kv = s.feeder.buses.kv_ll
    at_13 = c5[c5.fault_bus.astype(str).map(kv).round(1).eq(13.2)]
    assert set(at_13.status.astype(str)) <= {"warn"}
    assert not at_13.message.str.contains("in its primary zone").any()
    assert not (c5.status.astype(str) == "fail").any()


def test_ckt24_draft_with_sites_as_the_review_asked(ckt24):
    """Review s19 §3.5/§3.7: with sites the draft delays the first reclose past the
    chargers' cease-to-energise (3.5 s), adds the firm participation case, and takes the
    light load from ckt24's 8760-h shapes without the lumped Other_Feeders load (0.209 by the
    review's own sum; 0.215 with it)."""
    d, s, _ = ckt24
    assert s.document.scenarios.light_load_fraction == pytest.approx(0.209, abs=0.002)
    assert [str(p) for p in s.document.scenarios.participation] == ["expected", "firm"]
    (p,) = d.proposals
    assert p.entry["reclose_intervals_s"][0] == pytest.approx(3.5)
    assert "light_load_fraction" not in d.todos


def test_ckt24_lateral_end_candidates_serve_customers(ckt24):
    """Review s19: init's five "lateral ends" on ckt24 were dead-end poles with nothing below
    them; each now has load below it (a service transformer's secondary), so home chargers
    drafted there have customers."""
    import networkx as nx

    from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses

    d, s, _ = ckt24
    m = s.model
    g = dss_feeder_graph(m)
    tree = nx.bfs_tree(g, min(dss_source_buses(m).values()))
    inj = m.injections
    load_buses = set(inj[inj.cls == "load"].bus.str.split(".").str[0].str.lower())
    where = {str(b): i for i, b in enumerate(m.buses.index)}
    ends = d.candidates[d.candidates.group.str.startswith("lateral")].bus
    assert len(ends) == 5
    for b in ends:
        below = {str(m.buses.index[j]).lower() for j in nx.descendants(tree, where[str(b)])}
        assert below & load_buses, b
