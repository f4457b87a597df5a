"""Coordination rows behind a step transformer with no device (review s25 §2, EPRI ckt24 B).

On ckt24 the worst C2 margin of RC-MID / FU-LAT-HOMES was −18.15 s at 343 A, at a 7.62 kV bus
behind the unfused 333 kVA step transformer step_05410_g2101al3800_2: a 100K link's TC is
19.5 s there, no recloser setting beats it, and ``recommend`` found no candidate. In the field
that transformer's own primary fuse is the primary device there (IEEE Std C37.48.1, C57.109)
and the recloser and the lateral fuse are both its backups. The rule
(:mod:`protv2g.checks.beyond_transformer`, the same as C5's :mod:`protv2g.topology_reach`):
such faults leave the pair's rows and are reported once per transformer.

The test feeder is the project's OpenDSS example (recloser r1, fuses fa 65K and fb 40T) with
a 250 kVA 7.2/2.4 kV single-phase step ``steplat`` at the end of fb's lateral and a 2.4 kV
line behind it — without and with a fuse on the transformer.
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pandapower as pp
import pytest

from protv2g.study.places import DeviceSite
from protv2g.topology import device_chains
from protv2g.topology_reach import first_step_behind, transformer_names

from .conftest import FEEDERS_DIR, with_lines_before_voltage_bases

EXAMPLE = FEEDERS_DIR / "opendss_example"
STEP = """
New Transformer.steplat phases=1 windings=2 buses=(lat2.3 lat2lo.1) kvs=(7.2 2.4)
~ kvas=(250 250) xhl=3.5 %loadloss=1.0
New Line.llo phases=1 bus1=lat2lo.1 bus2=lat2end.1 linecode=lat2 length=1.0 units=kft
New Load.lat2end bus1=lat2end.1 phases=1 conn=wye model=1 kv=2.4 kw=100 kvar=30
"""
BEHIND = {"lat2lo", "lat2end"}
FUSE_ON_STEP = """  - name: ft
    kind: fuse
    location: {trafo: steplat, side: hv}
    link: 15T
    interrupting_rating_ka: 10
"""


def _study(folder, fused: bool):
    shutil.copytree(EXAMPLE, folder, dirs_exist_ok=True)
    lines = (folder / "Master.dss").read_text().splitlines()
    out = with_lines_before_voltage_bases(lines, STEP, "Set VoltageBases=(115, 12.47, 4.16)")
    (folder / "Master.dss").write_text("\n".join(out) + "\n")
    text = (folder / "study.yaml").read_text()
    if fused:
        anchor = "faults:\n"
        assert text.count(anchor) == 1
        text = text.replace(anchor, FUSE_ON_STEP + anchor)
    (folder / "study.yaml").write_text(text)
    return folder / "study.yaml"


def _run(tmp_path_factory, fused: bool):
    pytest.importorskip("opendssdirect")
    from protv2g import load_study, run_study

    path = _study(tmp_path_factory.mktemp("fused" if fused else "unfused"), fused)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(load_study(path), hosting=False)


@pytest.fixture(scope="module")
def unfused(tmp_path_factory):
    return _run(tmp_path_factory, fused=False)


@pytest.fixture(scope="module")
def fused(tmp_path_factory):
    return _run(tmp_path_factory, fused=True)


def _coordination(r):
    return r.tables["Coordination"]


def test_faults_behind_an_unfused_step_leave_the_pairs(unfused):
    c = _coordination(unfused)
    assert len(c) and c.criterion.astype(str).eq("C2").any()      # fb / r1 still judged
    assert not c.fault_bus.astype(str).isin(BEHIND).any()
    # on the lateral itself (7.2 kV, in fb's zone) the pair keeps its rows
    assert (c.fault_bus.astype(str).eq("lat2") & c.primary.eq("fb")).any()


def test_one_warning_per_transformer_pre_existing(unfused):
    v = unfused.violations
    t = v[v.rule.astype(str).eq("unguarded_step_transformer")]
    assert len(t)
    assert set(t.status.astype(str)) == {"warn"}
    assert set(t.criterion.astype(str)) == {"C2"}          # under fb / r1: fb is nearest
    # keyed as fb / r1's rows (device the backup, other_device the primary): fb is nearest
    assert set(t.device) == {"r1"} and set(t.other_device) == {"fb"}
    assert set(t.fault_bus.astype(str)) == {"transformer.steplat"}
    scen = t.scenario.astype(str)
    assert scen.str.startswith("base/").all() and scen.is_unique  # once per base case
    assert set(t.attribution.astype(str)) == {"pre-existing"}
    msg = t.message.iloc[0]
    assert "no device at transformer transformer.steplat (2 bus(es) behind it" in msg
    assert "{trafo: steplat, side: hv}" in msg
    assert np.isnan(t.margin.to_numpy(float)).all()          # nothing measured, no margin
    # never a failing C2 row behind the transformer
    bad = v[v.criterion.astype(str).eq("C2") & v.status.astype(str).eq("fail")]
    assert not bad.fault_bus.astype(str).isin(BEHIND).any()


def test_a_fuse_on_the_transformer_is_primary_there(fused):
    c = _coordination(fused)
    behind = c[c.fault_bus.astype(str).isin(BEHIND)]
    assert len(behind)                                       # judged again, with ft primary
    # the consecutive pairs on the path, as anywhere on the feeder: ft / fb (C3 fuse–fuse);
    # fb / r1 (C2) only at the faults ft does not clear first (review s27 §1: where ft ends
    # the fault, fb need not beat r1's delayed shot) — as for faults beyond fuse fa
    assert ("ft", "fb", "C3") in set(zip(behind.primary, behind.backup,
                                          behind.criterion.astype(str), strict=True))
    keys = ["scenario", "fault_bus", "fault_type", "case"]
    ft = behind[behind.primary.eq("ft")].groupby(keys, observed=True).t_primary_s.max()
    fb = behind[behind.primary.eq("fb") & behind.backup.eq("r1")]
    for key, t_fb in fb.groupby(keys, observed=True).t_primary_s.min().items():
        assert key not in ft.index or not ft[key] < t_fb - 1e-9
    v = fused.violations
    assert not v.rule.astype(str).eq("unguarded_step_transformer").any()


def test_the_lateral_rows_do_not_depend_on_the_step(unfused, fused):
    cols = ["scenario", "fault_bus", "fault_type", "case", "check"]

    def lateral(r):
        c = _coordination(r)
        c = c[c.primary.eq("fb") & c.backup.eq("r1")]
        return c.set_index(cols).margin_s.sort_index()

    a, b = lateral(unfused), lateral(fused)
    # the fuse on the transformer changes nothing of fb / r1 on fb's own lateral
    common = a.index.intersection(b.index)
    assert len(common) and np.allclose(a[common], b[common], equal_nan=True)


def _net():
    net = pp.create_empty_network()
    b = [pp.create_bus(net, vn_kv=kv, name=n) for n, kv in
         (("src", 20.0), ("b1", 20.0), ("m", 6.0), ("m2", 6.0), ("lv", 0.4), ("b2", 20.0))]
    pp.create_ext_grid(net, b[0], s_sc_max_mva=500, rx_max=0.1)
    l0 = pp.create_line(net, b[0], b[1], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    l1 = pp.create_line(net, b[1], b[5], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    step = pp.create_transformer_from_parameters(net, b[1], b[2], sn_mva=0.63, vn_hv_kv=20.0,
                                                 vn_lv_kv=6.0, vkr_percent=1.0, vk_percent=6.0,
                                                 pfe_kw=0.0, i0_percent=0.0, name="T1")
    pp.create_line(net, b[2], b[3], 0.5, "NA2XS2Y 1x95 RM/25 6/10 kV")
    service = pp.create_transformer_from_parameters(net, b[3], b[4], sn_mva=0.25,
                                                    vn_hv_kv=6.0, vn_lv_kv=0.4,
                                                    vkr_percent=1.0, vk_percent=4.0,
                                                    pfe_kw=0.0, i0_percent=0.0)
    return net, b, (l0, l1), step, service


@pytest.mark.parametrize("guarded", [False, True])
def test_first_step_behind_on_a_pandapower_net(guarded):
    net, b, (l0, _), step, service = _net()
    sites = {"R": DeviceSite("line", l0, b[0], b[1])}
    if guarded:
        sites["F"] = DeviceSite("trafo", step, b[1], b[2])
    buses = np.array([b[1], b[5], b[2], b[3], b[4]])
    got = first_step_behind(net, sites, np.full(len(buses), "R"), buses)
    if guarded:  # F is the primary device behind T1; behind the 6/0.4 kV unit: its own
        assert got.tolist() == [-1, -1, -1, -1, service]
        f = first_step_behind(net, sites, np.full(3, "F"), buses[2:])
        assert f.tolist() == [-1, -1, service]
    else:  # the first step below R, whatever lies behind it
        assert got.tolist() == [-1, -1, step, step, step]
    names = transformer_names(net, np.array([step, service, -1]))
    assert names.tolist() == ["T1", str(service), ""]


@pytest.mark.parametrize("guarded", [False, True])
def test_the_rule_is_c5s(guarded):
    """Behind a transformer for the pairs exactly where C5's reach rule says so."""
    from protv2g.topology import device_zones
    from protv2g.topology_reach import reach_zones

    net, b, (l0, l1), step, _ = _net()
    sites = {"R": DeviceSite("line", l0, b[0], b[1]), "F": DeviceSite("line", l1, b[1], b[5])}
    if guarded:
        sites["T"] = DeviceSite("trafo", step, b[1], b[2])
    z = device_zones(device_chains(net, sites))
    got = first_step_behind(net, sites, z.device.to_numpy(), z.bus.to_numpy())
    _, either = reach_zones(net, sites, z.device.to_numpy(), z.bus.to_numpy(),
                            z.zone.to_numpy())
    assert ((got >= 0) == either).all()
    at_r = (z.device.to_numpy() == "R") & np.isin(z.bus.to_numpy(), [b[2], b[3]])
    assert at_r.any() and ((got[at_r] >= 0) != guarded).all()


def test_recommend_proposes_no_setting_for_a_missing_transformer_fuse():
    """The rows say what is missing from the model; no setting of the pair can supply it
    (ckt24 B before: "not cleared: no candidate clears it (4 re-checked)" for C4)."""
    from protv2g.checks.beyond_transformer import RULE
    from protv2g.findings_table import finding_title as _title
    from protv2g.recommend.candidates import candidates
    from protv2g.recommend.notes import _no_candidate_note

    finding = {"criterion": "C4", "device": "head", "other_device": "RC", "mechanism": RULE,
               "attribution": "pre-existing"}
    assert candidates(finding, [], []) == []
    assert _no_candidate_note("C4", "warn", finding).startswith("not a setting: ")
    assert _title("C2", "RC", "FU", RULE).endswith("(no device at a step transformer)")


RESIDENTIAL = FEEDERS_DIR / "residential_evening_peak"


@pytest.fixture(scope="module")
def residential(tmp_path_factory):
    """The residential example with a 12.47/4.16 kV step behind FU-LAT2 (a 4.16 kV line past
    it) and a 12.47/0.4 kV service transformer behind FU-LAT1: pandapower studies fault
    every bus, low voltage included."""
    from protv2g import load_study, run_study

    folder = tmp_path_factory.mktemp("residential_steps")
    shutil.copytree(RESIDENTIAL, folder, dirs_exist_ok=True)
    net = pp.from_json(str(folder / "feeder.json"))
    at = {n: i for i, n in net.bus.name.items()}
    m = pp.create_bus(net, vn_kv=4.16, name="LAT2-M")
    m2 = pp.create_bus(net, vn_kv=4.16, name="LAT2-M2")
    lv = pp.create_bus(net, vn_kv=0.4, name="LAT1-LV")
    pp.create_transformer_from_parameters(net, at["LAT2-B2"], m, sn_mva=0.5, vn_hv_kv=12.47,
                                          vn_lv_kv=4.16, vkr_percent=1.0, vk_percent=5.0,
                                          pfe_kw=0.0, i0_percent=0.0, name="STEP-LAT2")
    pp.create_line_from_parameters(net, m, m2, 0.3, r_ohm_per_km=0.3, x_ohm_per_km=0.35,
                                   c_nf_per_km=10.0, max_i_ka=0.3, r0_ohm_per_km=0.9,
                                   x0_ohm_per_km=1.05, c0_nf_per_km=5.0, name="LAT2-ML",
                                   endtemp_degree=80.0)
    pp.create_transformer_from_parameters(net, at["LAT1-B2"], lv, sn_mva=0.05,
                                          vn_hv_kv=12.47, vn_lv_kv=0.4, vkr_percent=1.5,
                                          vk_percent=4.0, pfe_kw=0.0, i0_percent=0.0,
                                          name="SVC-LAT1")
    for t in net.trafo.index[-2:]:
        net.trafo.loc[t, ["vector_group", "vk0_percent", "vkr0_percent", "mag0_percent",
                          "mag0_rx", "si0_hv_partial"]] = ["Dyn", 5.0, 1.0, 100.0, 0.0, 0.9]
    pp.create_load(net, m2, p_mw=0.1, q_mvar=0.03)
    pp.create_load(net, lv, p_mw=0.02, q_mvar=0.005)
    pp.to_json(net, str(folder / "feeder.json"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(load_study(folder / "study.yaml"), hosting=False)


def test_pandapower_step_and_service_transformers(residential):
    r = residential
    c = _coordination(r)
    assert not c.fault_bus.astype(str).isin({"LAT2-M", "LAT2-M2", "LAT1-LV"}).any()
    faulted = set(r.device_faults.fault_bus_name.astype(str))
    assert {"LAT2-M", "LAT2-M2", "LAT1-LV"} <= faulted       # faulted, just not the pairs'
    v = r.violations
    t = v[v.rule.astype(str).eq("unguarded_step_transformer")]
    step = t[t.status.astype(str).eq("warn")]
    assert set(step.fault_bus.astype(str)) == {"STEP-LAT2"}
    assert set(zip(step.criterion.astype(str), step.device, step.other_device,
                   strict=True)) == {("C2", "RC-MID", "FU-LAT2")}
    svc = t[t.status.astype(str).eq("info")]
    assert set(zip(svc.criterion.astype(str), svc.device, svc.other_device,
                   strict=True)) == {("C2", "RC-MID", "FU-LAT1")}
    assert svc.message.str.startswith("1 service transformer(s) with no device behind "
                                      "FU-LAT1 (SVC-LAT1; 1 low-voltage bus(es))").all()
    assert set(t.attribution.astype(str)) == {"pre-existing"}
