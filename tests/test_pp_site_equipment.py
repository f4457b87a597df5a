"""The pandapower path's site transformer (``v2g_sites[].interconnection_transformer``) gets
the OpenDSS path's session-34 rules (duty34, attr34): a fuse on its high-voltage side can be
studied, rows the base case lacks are on the IEC 60909 magnitude sum, and a C7 row that
fails on the feeder's own fault level is "caused by the project's equipment".

The study: the shipped depot example (``feeders/depot_two_feeder``) with the depot behind its
own 7.5 MVA 12.47/0.48 kV YNd transformer (``depot-XFMR``, the study adds it) and a 100K fuse
F-DEPOT on its high-voltage side rated 5 kA asymmetrical; firm participation, full export,
peak load.

Before (HEAD 792cbdd): the fuse was refused at load ("no single transformer named
'depot-XFMR' (none in the feeder)"); without it, every row at the depot's LV bus had no base
row and was the control-law phasor with no converter part (``phasor_no_base``: R-F1 3ph
2.880 kA, I converter 0) and the bus's IEC sum was NaN (3ph phasor 80.05 kA shown).

References (nothing here computed by protv2g): pandapower's ``calc_sc`` (IEC 60909, ``case
= "max"``: c_max 1.1 on MV and LV) on the same net (the tables' close-in net: site
transformer in, the fuse's close-in bus) with no source but the grid — the network's part;
the chargers' part by hand, rated current × the model's first-cycle limit:

* campus (F1-B05, 40 × 50 kVA, firm 0.9, limit 1.5 pu): 1.5 × 1800 kVA / (√3 × 12.47 kV)
  = 125.0 A — into the fuse's close-in fault through the feeder and the fuse (the depot's
  own current reaches that fault through its transformer, not the fuse);
* depot (48 × 125 kVA, firm 1.0, limit 2.0 pu): 2.0 × 6000 kVA / (√3 × 12.47 kV) = 555.7 A
  — the whole fuse current for a 3ph fault at F1-B02 (the network drives < 1 A into the
  transformer with the chargers idle: no such row, its part 0).
"""

from __future__ import annotations

import copy
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "feeders" / "depot_two_feeder"
FIRM = "firm/peak/100%"
FUSE = """  - {name: F-DEPOT, kind: fuse, location: {trafo: depot-XFMR, side: hv}, link: 100K,
     interrupting_rating_ka: 5, interrupting_rating_basis: asym}
"""
CAMPUS_A = 1.5 * 40 * 0.9 * 50e3 / (3 ** 0.5 * 12470)  # 125.0 A
DEPOT_A = 2.0 * 48 * 1.0 * 125e3 / (3 ** 0.5 * 12470)  # 555.7 A


def _study(folder: Path, fuse: bool) -> Path:
    if not (EXAMPLE / "feeder.json").exists():  # pragma: no cover - shipped with the repo
        pytest.skip("feeders/depot_two_feeder/feeder.json is absent")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE / "feeder.json", folder / "feeder.json")
    s = (EXAMPLE / "study.yaml").read_text()
    s = s.replace("    participation: {low: 0.5, expected: 0.8, firm: 1.0}\n",
                  "    participation: {low: 0.5, expected: 0.8, firm: 1.0}\n"
                  "    interconnection_transformer: {sn_kva: 7500, connection: YNd}\n", 1)
    for a, b in (("export_levels_fraction: [0.0, 0.25, 0.5, 0.75, 1.0]",
                  "export_levels_fraction: [1.0]"),
                 ("participation: [expected, firm]", "participation: [firm]"),
                 ("load_levels: [light, peak]", "load_levels: [peak]"),
                 ("  day: true ", "  day: false ")):
        assert a in s
        s = s.replace(a, b)
    if fuse:
        s = s.replace("\nv2g_sites:\n", "\n" + FUSE + "\nv2g_sites:\n", 1)
    p = folder / "study.yaml"
    p.write_text(s)
    return p


def _tables(path: Path):
    from protv2g.checks.attribution import base_scenarios
    from protv2g.checks.converter_sum import bus_iec_sum_ka
    from protv2g.pipeline import fault_tables
    from protv2g.scenarios import build_scenarios
    from protv2g.study.loader import load_study

    st = load_study(path)
    sc = build_scenarios(st.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ft = fault_tables(st, sc)
    base_of = base_scenarios(sc, sorted(set(ft.bus["scenario"].astype(str))))
    return ft, base_of, ft.bus.assign(ikss_iec_sum_ka=bus_iec_sum_ka(ft.bus, base_of))


def _calc_sc_ka(net, names: list[str]) -> dict[str, float]:
    """pandapower ``calc_sc`` 3ph max (IEC 60909, c_max 1.1) at the named buses, the grid
    the only source (no sgen), on a copy of ``net``."""
    import pandapower.shortcircuit as sc

    net = copy.deepcopy(net)
    net.sgen = net.sgen.iloc[0:0]
    at = {n: int(net.bus.index[net.bus["name"].astype(str) == n][0]) for n in names}
    sc.calc_sc(net, fault="3ph", case="max", bus=list(at.values()))
    return {n: float(net.res_bus_sc.at[b, "ikss_ka"]) for n, b in at.items()}


@pytest.fixture(scope="module")
def with_fuse(tmp_path_factory):
    return _tables(_study(tmp_path_factory.mktemp("pp35") / "fuse", fuse=True))


def test_fuse_on_the_interconnection_transformer_is_studied_on_the_iec_sum(with_fuse):
    from protv2g.checks.converter_sum import split_against_base
    from protv2g.checks.duty import duty_frame

    ft, base_of, _ = with_fuse
    dev = ft.device
    fuse = dev[dev.device.astype(str) == "F-DEPOT"]
    assert len(fuse)  # was refused at load
    assert set(fuse.scenario.astype(str)) == {FIRM}  # out of the base case with its transformer
    duty = duty_frame(ft.close_in[1], dev, base_of)
    r = duty[(duty.device.astype(str) == "F-DEPOT") & (duty.case.astype(str) == "max")].iloc[0]
    assert str(r.fault_bus_name) == "F-DEPOT close-in" and str(r.fault_type) == "3ph"
    assert str(r.current_basis) == "iec_sum"  # no base row: was phasor_no_base, converter 0
    ref = _calc_sc_ka(ft.close_in[1].net, ["F-DEPOT close-in"])["F-DEPOT close-in"]
    assert r.i_network_ka == pytest.approx(ref, rel=1e-3)  # 5.1311 vs calc_sc 5.1311 kA
    assert r.i_converter_ka * 1e3 == pytest.approx(CAMPUS_A, rel=5e-3)  # 125.0 A by hand
    assert r.i_max_ka == pytest.approx(r.i_network_ka + r.i_converter_ka, rel=1e-12)
    # a 3ph fault at F1-B02: the fuse carries the depot's chargers alone (network part 0)
    at = fuse[(fuse.fault_bus_name.astype(str) == "F1-B02") & (fuse.fault_type == "3ph")
              & (fuse.case.astype(str) == "max")]
    s = split_against_base(at, ["fault_bus", "fault_type", "case", "device"], base_of)
    assert list(s.basis) == ["iec_sum"]
    assert s.i_network_ka[0] == pytest.approx(0.0, abs=1e-12)
    assert s.i_iec_sum_ka[0] * 1e3 == pytest.approx(DEPOT_A, rel=5e-3)  # 555.7 A by hand


def test_site_lv_bus_and_rows_there_on_the_iec_sum(tmp_path):
    """Without the fuse (the old code loads this study): the depot's LV bus and a feeder
    device's row at a fault there have no base row."""
    from protv2g.checks.converter_sum import split_against_base

    ft, base_of, bus = _tables(_study(tmp_path, fuse=False))
    r = bus[(bus.bus_name.astype(str) == "depot-LV") & (bus.scenario.astype(str) == FIRM)
            & (bus.fault_type.astype(str) == "3ph") & (bus.case.astype(str) == "max")].iloc[0]
    ref = _calc_sc_ka(ft.close_in[1].net, ["depot-LV"])["depot-LV"]
    assert np.isfinite(r.ikss_iec_sum_ka)  # was NaN (phasor 80.05 kA)
    assert r.ia_net_ka == pytest.approx(ref, rel=1e-3)  # 74.894 vs calc_sc 74.894 kA
    assert r.ikss_iec_sum_ka > r.ikss_ka + 1.0  # 91.14 vs the phasor 80.05 kA
    dev = ft.device
    at = dev[(dev.device.astype(str) == "R-F1") & (dev.fault_bus_name.astype(str) == "depot-LV")
             & (dev.fault_type == "3ph") & (dev.case.astype(str) == "max")]
    s = split_against_base(at, ["fault_bus", "fault_type", "case", "device"], base_of)
    assert list(s.basis) == ["iec_sum"]  # was phasor_no_base, I converter 0
    assert s.i_converter_ka[0] > 0.01


def test_c7_fails_on_the_feeders_level_caused_by_the_equipment(tmp_path):
    from protv2g.checks.equipment import EQUIPMENT
    from protv2g.findings_attribution import Attribution
    from protv2g.report.derived import result_findings
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    path = _study(tmp_path, fuse=True)
    study = load_study(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(study, hosting=False)
    v = res.violations
    c7 = v[(v.criterion.astype(str) == "C7") & (v.device.astype(str) == "F-DEPOT")
           & (v.status.astype(str) == "fail")]
    assert len(c7) == 1
    row = c7.iloc[0]
    assert str(row.attribution) == EQUIPMENT  # was: the fuse could not be given
    msg = str(row.message)
    assert "new with the project's equipment (depot-XFMR, F-DEPOT)" in msg
    # the feeder's fault level at the fuse's bus without any charger: calc_sc on the feeder
    # as it is today (the loaded study's net: no site transformer)
    assert "depot-XFMR" not in set(study.net.trafo["name"].astype(str))
    ref = _calc_sc_ka(study.net, ["F1-B02"])["F1-B02"]  # 5.1312 kA
    assert f"the feeder's fault level at F1-B02 is {ref:.2f} kA (3ph, max)" in msg
    f = result_findings(res).findings
    fd = f[(f.device.astype(str) == "F-DEPOT") & (f.criterion.astype(str) == "C7")]
    assert list(fd.attribution.astype(str)) == [Attribution.EQUIPMENT]


def test_existing_der_fuse_on_the_site_transformer_is_calc_scs_bus_current(tmp_path):
    """A feeder with its own PV (the workplace example's 2 MW PV-B03, ``sgen.k`` 1.1): the
    office park behind its own 2.5 MVA YNd ``office-park-XFMR`` with a fuse F-OP on it. The
    fuse's close-in 3ph max row has no base row; its network part is the grid alone with the
    transformer in (``SITES_GRID``), the PV added by magnitude — pandapower's ``calc_sc`` at
    that bus with the PV as a current source (``sn_mva`` = its 2 MW, as the study reads it):
    the fuse carries the bus's whole current (the transformer side feeds nothing with the
    chargers idle; the office park's own current reaches that fault through its transformer,
    not the fuse). Before: the fuse refused at load. The head relay's idle grid-alone
    phasors there (session 36) fail on ppequip35 (7c6fea0): no such columns."""
    from protv2g.checks.duty import duty_frame

    src = ROOT / "feeders" / "workplace_pv_midday"
    shutil.copy(src / "feeder.json", tmp_path / "feeder.json")
    s = (src / "study.yaml").read_text()
    for a, b in (("participation: {low: 0.4, expected: 0.7, firm: 0.9}}",
                  "participation: {low: 0.4, expected: 0.7, firm: 0.9},\n"
                  "     interconnection_transformer: {sn_kva: 2500, connection: YNd}}"),
                 ("\nv2g_sites:", "\n  - {name: F-OP, kind: fuse, location: {trafo: "
                  "office-park-XFMR, side: hv}, link: 100K,\n     interrupting_rating_ka: 10}"
                  "\nv2g_sites:"),
                 ("export_levels_fraction: [0.0, 0.5, 1.0]", "export_levels_fraction: [1.0]"),
                 ("participation: [expected, firm]", "participation: [firm]")):
        assert a in s
        s = s.replace(a, b, 1)
    (tmp_path / "study.yaml").write_text(s)
    ft, base_of, _ = _tables(tmp_path / "study.yaml")
    duty = duty_frame(ft.close_in[1], ft.device, base_of)
    r = duty[(duty.device.astype(str) == "F-OP") & (duty.case.astype(str) == "max")].iloc[0]
    assert str(r.fault_bus_name) == "F-OP close-in" and str(r.fault_type) == "3ph"
    assert str(r.current_basis) == "iec_sum"
    grid = _calc_sc_ka(ft.close_in[1].net, ["F-OP close-in"])["F-OP close-in"]
    assert r.i_network_ka == pytest.approx(grid, rel=1e-3)  # 2.90257 vs 2.90257 kA

    import pandapower.shortcircuit as sc

    net = copy.deepcopy(ft.close_in[1].net)
    net.sgen["sn_mva"] = net.sgen.sn_mva.fillna(net.sgen.p_mw)
    net.sgen["current_source"] = True
    b = int(net.bus.index[net.bus["name"].astype(str) == "F-OP close-in"][0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.calc_sc(net, fault="3ph", case="max", bus=[b])
    assert r.i_max_ka == pytest.approx(float(net.res_bus_sc.at[b, "ikss_ka"]), rel=1e-3)
    # the feeder head's row at that fault has a base twin; its chargers-idle phasors with the
    # transformer in are on it for the pair's idle judgement at both ends: the grid alone
    # (IDLE_GRID_COLUMNS) = the sequence networks by hand, the PV out (2.384898 / 0.660170 kA
    # vs 2.384854 / 0.660214 at SLG max); its C7 network part stays the base twin's
    from protv2g.checks.equipment import IDLE_COLUMNS, IDLE_GRID_COLUMNS

    dev = ft.device
    head = dev[(dev.device.astype(str) == "R-HEAD") & (dev.scenario.astype(str) != "base/light")
               & (dev.fault_bus_name.astype(str) == "F-OP close-in")]
    assert set(IDLE_COLUMNS) | set(IDLE_GRID_COLUMNS) <= set(head.columns)
    for fault in ("SLG", "LLG"):
        h = head[(head.fault_type.astype(str) == fault) & (head.case.astype(str) == "max")]
        got = h[["ia_idle_grid_ka", "ib_idle_grid_ka", "ic_idle_grid_ka"]].to_numpy(float)[0]
        hand = np.abs(_grid_phases_ka(ft.close_in[1].net, "F-OP close-in", fault, "max",
                                      transformer="office-park-XFMR"))
        assert got == pytest.approx(hand, rel=2e-4, abs=2e-4), fault
        assert np.isnan(h.ia_net_ka.iloc[0])
        assert np.isfinite(h.ia_idle_ka.iloc[0])  # the PV in: its first cycle


def test_hosting_none_online_probe_and_other_sites_fuse(tmp_path):
    """The hosting search's chargers-online probe (the site built, none of its chargers online)
    on an ``interconnection_transformer`` site, and a one-site search of another site with a
    fuse on that transformer.

    Before: the probe read ``model_transformer`` only — the depot's 0 kW was explained by
    "the fault current comes from the chargers' connected kVA … fewer chargers online or lower
    current limits would lift" while its limiting C5 row (R-F1's reach for a ground fault at
    F1-B04) fails with no charger online: the YNd winding's zero-sequence source."""
    from protv2g.hosting import hosting_analysis
    from protv2g.study.dss_site_transformers import devices_never_built
    from protv2g.study.loader import load_study

    study = load_study(_study(tmp_path / "nofuse", fuse=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ha = hosting_analysis(study, sites=["depot"], participations=["firm"],
                              load_levels=["peak"], n_grid=2)
    row = ha.table[ha.table.site.astype(str) == "depot"].iloc[0]
    assert row.hosting_kw == pytest.approx(0.0, abs=1e-9)
    assert str(row.set_by_transformer) == "depot-XFMR"  # was ""
    assert "set by the site's own transformer depot-XFMR, not its chargers" in str(row.note)

    fused = load_study(_study(tmp_path / "fuse", fuse=True))
    sites = fused.document.v2g_sites
    from protv2g.hosting.points import base_scenario, export_scenario
    from protv2g.hosting.tables import Axis
    from protv2g.units import LoadLevel, Participation

    def one(name):
        s = next(x for x in sites if x.name == name)
        return [base_scenario(LoadLevel.PEAK, sites),
                export_scenario(Axis(s, Participation.FIRM, LoadLevel.PEAK), 0.5 * s.p_max_kw,
                                sites)]

    assert devices_never_built(fused, one("campus")) == {"F-DEPOT"}  # no rows by design
    assert devices_never_built(fused, one("depot")) == set()


IDLE = re.compile(r"with every charger idle \(the site's transformer in, no charger online\) "
                  r"R-F1 takes ([0-9.e+-]+) s at ([0-9.]+) A and F-DEPOT ([0-9.e+-]+) s at "
                  r"([0-9.]+) A, the rule fails by ([0-9.e+-]+) s")


def _mi_s(i_a: float, pickup_a: float = 400.0, td: float = 0.6) -> float:
    """R-F1's phase element by hand: IEEE C37.112-2018 moderately inverse,
    t = TD (0.0515 / (M^0.02 − 1) + 0.114), M = I / pickup (study.yaml: 400 A, TD 0.6)."""
    m = i_a / pickup_a
    return td * (0.0515 / (m ** 0.02 - 1.0) + 0.114)


def test_pair_with_the_site_transformers_fuse_failing_idle_is_the_equipments(with_fuse,
                                                                             tmp_path):
    """C1 R-F1 / F-DEPOT at the fuse's close-in fault: the pair exists because the depot's
    transformer and its fuse are built. With every charger idle (SITES_IDLE) R-F1's
    instantaneous element (4,000 A) picks up the feeder's 5.13 kA (calc_sc, 3ph max) and
    beats the fuse → ``equipment``. At LL min the idle current (3.85 kA) is below the
    instantaneous pickup: R-F1 is on its MI curve, the pair holds idle, and only the chargers'
    share (R-F1 ≥ 4 kA with them) makes it fail → stays ``new`` (V2G's). The ground faults
    (SLG max, LLG max) are judged on R-F1's own chargers-idle row (the YNd winding's
    zero-sequence source raises R-F1's SLG max current from 3.74 kA in the base case to
    4.53 kA: :func:`test_feeder_relays_idle_ground_fault_current_is_the_sequence_networks`)
    and fail idle too → ``equipment``.

    Fails on the old code (pp35, 8af0f1e): every C1 R-F1 / F-DEPOT row was ``new`` — R-F1's
    row at that fault has a base twin (the feeder's bus is in the base case), so no network
    part of its own, and the pair was not evaluated idle. On ppequip35 (7c6fea0) SLG max and
    LLG max stayed ``new`` (ground faults not judged idle)."""
    from protv2g.checks._common import build_devices
    from protv2g.devices.kinds import operating_times
    from protv2g.findings import Attribution, build_findings
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    ft, _, _ = with_fuse
    ref_a = _calc_sc_ka(ft.close_in[1].net, ["F-DEPOT close-in"])["F-DEPOT close-in"] * 1e3
    dev = ft.device
    ll_min = dev[(dev.device.astype(str) == "F-DEPOT") & (dev.fault_type == "LL")
                 & (dev.fault_bus_name.astype(str) == "F-DEPOT close-in")
                 & (dev.case.astype(str) == "min")]
    idle_ll_a = 1e3 * float(ll_min[["ia_net_ka", "ib_net_ka", "ic_net_ka"]].max(axis=1).iloc[0])

    study = load_study(_study(tmp_path, fuse=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(study, hosting=False)
    v = res.violations
    rows = v[(v.criterion.astype(str) == "C1") & (v.status.astype(str) == "fail")
             & (v.device.astype(str) == "R-F1") & (v.other_device.astype(str) == "F-DEPOT")]
    attr = {(str(r.fault_type), str(r.case)): str(r.attribution)
            for r in rows.itertuples(index=False)}
    assert attr == {("3ph", "max"): "equipment", ("LL", "max"): "equipment",
                    ("3ph", "min"): "equipment", ("LL", "min"): "new",
                    ("SLG", "max"): "equipment", ("LLG", "max"): "equipment"}
    fuse = build_devices(study)[0]["F-DEPOT"]
    r = rows[(rows.fault_type.astype(str) == "3ph") & (rows.case.astype(str) == "max")]
    m = IDLE.search(str(r.message.iloc[0]))
    assert m, r.message.iloc[0]
    t_relay, i_relay, t_fuse, i_fuse, short = (float(x) for x in m.groups())
    assert i_relay == pytest.approx(ref_a, abs=1.0)  # calc_sc 5,131 A: no charger
    assert i_fuse == pytest.approx(ref_a, abs=1.0)
    assert ref_a > 4000.0 and t_relay == pytest.approx(0.0, abs=1e-9)  # instantaneous
    tc = float(operating_times(fuse, np.array([ref_a]), np.array([0.0]))["t_tc_s"][0])
    assert t_fuse == pytest.approx(tc, rel=0.005)  # 100K TC ≈ 0.021 s
    assert -short == pytest.approx(0.0 - tc - 0.12, abs=0.002)  # relay − fuse TC − CTI
    # LL min: idle below the instantaneous, MI by hand − TC − CTI > 0 (holds idle)
    assert idle_ll_a < 4000.0
    tc_ll = float(operating_times(fuse, np.array([idle_ll_a]), np.array([0.0]))["t_tc_s"][0])
    assert _mi_s(idle_ll_a) - tc_ll - 0.12 > 0.5
    ll = rows[(rows.fault_type.astype(str) == "LL") & (rows.case.astype(str) == "min")]
    assert float(ll.t_device_s.iloc[0]) == pytest.approx(0.0, abs=1e-9)  # with the chargers
    assert "every charger idle" not in str(ll.message.iloc[0])
    f = build_findings(v).findings
    # the pair's interval finding (R-F1's lost-backup rows, where its pickups are above the
    # current at a fault of its zone, are findings of their own: mechanism "backup does not
    # operate", review ver45/ver46)
    fd = f[(f.criterion.astype(str) == "C1") & (f.device.astype(str) == "R-F1")
           & (f.other_device.astype(str) == "F-DEPOT")
           & (f.mechanism.astype(str) != "backup does not operate")]
    # SLG max idle: R-F1 at its own chargers-idle current (sequence networks by hand)
    slg = rows[(rows.fault_type.astype(str) == "SLG") & (rows.case.astype(str) == "max")]
    m = IDLE.search(str(slg.message.iloc[0]))
    assert m, slg.message.iloc[0]
    ia_hand = abs(_grid_phases_ka(ft.close_in[1].net, "F-DEPOT close-in", "SLG", "max")[0])
    assert float(m.group(2)) == pytest.approx(1e3 * ia_hand, abs=1.0)  # 4,531 A (base 3,743)
    assert float(m.group(1)) == pytest.approx(0.0, abs=1e-9)  # over 4,000 A: instantaneous
    # the pair's finding holds a row the chargers tip (LL min): V2G's
    assert list(fd.attribution.astype(str)) == [Attribution.CAUSED]


def _grid_phases_ka(net, name: str, fault: str, case: str, r_fault_ohm: float = 0.0,
                    transformer: str = "depot-XFMR") -> np.ndarray:
    """The grid's phase currents (kA, complex; a, b, c) into a SLG (phase a) or LLG (phases
    b, c) fault at bus ``name`` of ``net`` with no source but the grid (sgens out), its
    site ``transformer`` in — what a feeder-head relay carries with every charger idle (and,
    on a feeder with existing DER, the grid alone).

    By hand on the sequence networks (IEC 60909-0:2016 §6.1: E = c Un/√3, c 1.1 max, 1.0
    min; Z2 = Z1) from pandapower's ``calc_sc`` Thévenin impedances at the bus (its ``rk_ohm``,
    ``xk_ohm``, ``rk0_ohm``, ``xk0_ohm``, 1ph; the fault resistance taken back out): Z1 and Z0
    with the YNd transformer in, Z0g with it out of service (the grid's zero-sequence path
    alone). The positive and negative sequence come from the grid only (no charger, the
    transformer's delta side has no source); the zero sequence splits between the grid's path
    and the grounded wye in inverse proportion to their impedances: I0g = I0 · Z0 / Z0g.
    SLG: I1 = I2 = I0 = E / (2 Z1 + Z0 + 3 Rf). LLG (Rf 0): I1 = E / (Z1 + Z1 Z0/(Z1+Z0)),
    I2 = −I1 Z0/(Z1+Z0), I0 = −I1 Z1/(Z1+Z0). Phases: Ia = I1 + I2 + I0g,
    Ib = a² I1 + a I2 + I0g, Ic = a I1 + a² I2 + I0g."""
    import pandapower.shortcircuit as sc

    def z_ohm(n, rf):
        n = copy.deepcopy(n)
        n.sgen = n.sgen.iloc[0:0]
        b = int(n.bus.index[n.bus["name"].astype(str) == name][0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sc.calc_sc(n, fault="1ph", case=case, bus=[b], r_fault_ohm=rf)
        r = n.res_bus_sc.loc[b]
        return complex(r.rk_ohm, r.xk_ohm) - rf, complex(r.rk0_ohm, r.xk0_ohm) - rf

    z1, z0 = z_ohm(net, r_fault_ohm)
    out = copy.deepcopy(net)
    out.trafo.loc[out.trafo["name"].astype(str) == transformer, "in_service"] = False
    z0g = z_ohm(out, r_fault_ohm)[1]
    e_kv = (1.1 if case == "max" else 1.0) * float(
        net.bus.loc[net.bus["name"].astype(str) == name, "vn_kv"].iloc[0]) / 3 ** 0.5
    if fault == "SLG":
        i1 = i2 = i0 = e_kv / (2 * z1 + z0 + 3 * r_fault_ohm)
    else:
        assert fault == "LLG" and r_fault_ohm == 0.0
        i1 = e_kv / (z1 + z1 * z0 / (z1 + z0))
        i2, i0 = -i1 * z0 / (z1 + z0), -i1 * z1 / (z1 + z0)
    a = np.exp(2j * np.pi / 3)
    i0g = i0 * z0 / z0g
    return np.array([i1 + i2 + i0g, a * a * i1 + a * i2 + i0g, a * i1 + a * a * i2 + i0g])


def test_feeder_relays_idle_ground_fault_current_is_the_sequence_networks(with_fuse):
    """R-F1's row at the fuse's close-in ground faults has a base twin (the feeder's bus is
    in the base case) but its chargers-idle current is not that twin's: the YNd winding is a
    zero-sequence source (SLG max 4.53 kA idle vs 3.74 kA in the base case). That current
    (the part's SITES_IDLE row) is on the row as ``IDLE_COLUMNS`` for the pair's idle
    judgement — checked here against the sequence networks by hand on pandapower's
    ``calc_sc`` impedances (:func:`_grid_phases_ka`) — and, since review rev37b F2, as C7's
    and the duty's network part too (the YNd's I0 is the network's, not the chargers'; the
    NET columns stay NaN there: they mark the rows without a twin).

    Fails on the old code (ppequip35, 7c6fea0): no ``ia_idle_ka`` column (R-F1's idle row
    was solved by the part and dropped)."""
    from protv2g.checks.converter_sum import split_against_base
    from protv2g.checks.equipment import IDLE_COLUMNS

    ft, base_of, _ = with_fuse
    dev = ft.device
    net = ft.close_in[1].net
    at = dev[(dev.device.astype(str) == "R-F1") & (dev.scenario.astype(str) == FIRM)
             & (dev.fault_bus_name.astype(str) == "F-DEPOT close-in")]
    assert set(IDLE_COLUMNS) <= set(at.columns)
    for fault, case, rf in (("SLG", "max", 0.0), ("SLG", "min", 20.0), ("LLG", "max", 0.0)):
        r = at[(at.fault_type.astype(str) == fault) & (at.case.astype(str) == case)].iloc[0]
        hand = _grid_phases_ka(net, "F-DEPOT close-in", fault, case, rf)
        got = np.array([r.ia_idle_ka, r.ib_idle_ka, r.ic_idle_ka], float)
        # SLG max 4.531226 / 1.458683 kA vs 4.531171 / 1.458737 by hand; min (20 ohm)
        # 0.265818 vs 0.265815; the feeders' line capacitance, which the hand figure omits
        assert got == pytest.approx(np.abs(hand), rel=2e-4, abs=2e-4), (fault, case)
        assert np.isnan(r.ia_net_ka)  # not the network's part of C7's split
    both = dev[(dev.device.astype(str) == "R-F1") & (dev.fault_type.astype(str) == "SLG")
               & (dev.fault_bus_name.astype(str) == "F-DEPOT close-in")
               & (dev.case.astype(str) == "max")].reset_index(drop=True)
    s = split_against_base(both, ["fault_bus", "fault_type", "case", "device"], base_of)
    base = both.scenario.astype(str).to_numpy() == "base/peak"
    firm = np.flatnonzero(~base)[0]
    assert str(s.basis[firm]) == "iec_sum"
    # the network's part: the chargers-idle 4.5312 kA (rev37b F2; was the base twin 3.7426
    # kA, which counted the YNd's I0 as the chargers'), the chargers' part the rest
    assert s.i_network_ka[firm] == pytest.approx(float(both.ia_idle_ka[firm]), rel=1e-9)
    assert s.i_network_ka[firm] > float(both.ia_ka[base].iloc[0]) + 0.5  # the YNd's I0
    i = both.ia_ka[firm] * np.exp(1j * np.deg2rad(both.ia_degree[firm]))
    idle = both.ia_idle_ka[firm] * np.exp(1j * np.deg2rad(both.ia_idle_degree[firm]))
    assert s.i_converter_ka[firm] == pytest.approx(abs(i - idle), rel=1e-9, abs=1e-12)


def _dss_first_cycle_a(net, fault_bus: str, branches: dict[str, str]) -> dict[str, np.ndarray]:
    """An independent phasor run (OpenDSS through ``opendssdirect``) of ``net`` (pandapower
    tables: ext_grid, transformers, lines) with a LL fault (phases b–c, 0.1 mΩ) at
    ``fault_bus``, minimum case, the chargers at their first-cycle current: the site's limit
    held in phase with its own terminal positive-sequence voltage (unity pf,
    docs/charger-fault-model.md "first cycle"), as positive-sequence ``Isource`` elements
    whose angle is iterated to the solved voltage. Built here from the tables, not from
    protv2g's sequence networks:

    * source: ``Vsource`` at the ext_grid's bus, pu = c_min 1.0 (IEC 60909-0 Table 1),
      Z1 = c Un² / S″k,min with its rx_min (IEC 60909-0 §6.2, eq. 6);
    * lines: r at the end temperature, r (1 + 0.004 (θe − 20 °C)) (IEC 60909-0 §6.3.1,
      eq. 10; pandapower's ``endtemp_degree``), no shunt capacitance;
    * transformers: ``vk_percent``, ``vkr_percent``, winding connections from the vector
      group, no magnetising branch; no IEC K_T correction (pandapower's ``calc_sc`` idle
      LL min at F-DEPOT close-in 3.8530 kA against 3.8557 kA here: 0.07 %).

    Returns each of ``branches`` (name → pandapower line name) phase current magnitudes (A)
    at the line's from end, and ``"fault"``'s two."""
    import opendssdirect as dss

    bus_of = {i: f"b{i}" for i in net.bus.index}
    eg = net.ext_grid.iloc[0]
    z = 1.0 * 69.0 ** 2 / float(eg.s_sc_min_mva)
    x1 = z / (1 + float(eg.rx_min) ** 2) ** 0.5
    cmd = ["clear", f"new circuit.pp36 basekv={float(net.bus.vn_kv[eg.bus])} pu=1.0 angle=0 "
           f"phases=3 bus1={bus_of[int(eg.bus)]} Z1=[{float(eg.rx_min) * x1},{x1}] "
           f"Z0=[{0.1 * x1},{x1}]"]
    for t in net.trafo.itertuples():
        lv = next(c for c in t.vector_group if c.islower() and c != "n")  # Dyn: y, YNd: d
        conn = ["delta" if w in "Dd" else "wye" for w in (t.vector_group[0], lv)]
        x = (t.vk_percent ** 2 - t.vkr_percent ** 2) ** 0.5
        cmd.append(f"new transformer.{t.name} phases=3 windings=2 "
                   f"buses=[{bus_of[t.hv_bus]} {bus_of[t.lv_bus]}] conns=[{conn[0]} {conn[1]}] "
                   f"kvs=[{t.vn_hv_kv} {t.vn_lv_kv}] kvas=[{t.sn_mva * 1e3} {t.sn_mva * 1e3}] "
                   f"%r={t.vkr_percent / 2} %r={t.vkr_percent / 2} xhl={x} %noloadloss=0 "
                   "%imag=0")
    for ln in net.line[net.line.in_service].itertuples():
        f = 1 + 0.004 * (ln.endtemp_degree - 20.0)
        cmd.append(f"new line.l{ln.Index} bus1={bus_of[ln.from_bus]} "
                   f"bus2={bus_of[ln.to_bus]} phases=3 length={ln.length_km} units=km "
                   f"r1={ln.r_ohm_per_km * f} x1={ln.x_ohm_per_km} r0={ln.r0_ohm_per_km * f} "
                   f"x0={ln.x0_ohm_per_km} c1=0 c0=0")
    fb = bus_of[int(net.bus.index[net.bus["name"].astype(str) == fault_bus][0])]
    cmd.append(f"new fault.f phases=1 bus1={fb}.2 bus2={fb}.3 r=0.0001")
    sites = {  # bus, first-cycle current (A): limit x kVA online / (sqrt 3 kV)
        "depot": ("depot-LV", 2.0 * 6000.0 / (3 ** 0.5 * 0.48)),
        "campus": ("F1-B05", 1.5 * 1800.0 / (3 ** 0.5 * 12.47))}
    for s, (b, i_a) in sites.items():
        at = bus_of[int(net.bus.index[net.bus["name"].astype(str) == b][0])]
        cmd.append(f"new isource.{s} bus1={at} phases=3 amps={i_a} angle=0")
    for c in cmd:
        dss.Text.Command(c)
    dss.Text.Command("set mode=snap")
    a = np.exp(2j * np.pi / 3)
    for _ in range(30):  # each source's angle onto its terminal V1
        dss.Solution.Solve()
        for s, (b, _i) in sites.items():
            dss.Circuit.SetActiveBus(bus_of[int(net.bus.index[net.bus["name"] == b][0])])
            v = np.asarray(dss.Bus.Voltages())
            v = v[0::2] + 1j * v[1::2]
            v1 = (v[0] + a * v[1] + a * a * v[2]) / 3
            dss.Text.Command(f"edit isource.{s} angle={np.degrees(np.angle(v1))}")
    dss.Solution.Solve()
    out = {}
    line_of = {str(n): f"line.l{i}" for i, n in net.line["name"].items()}
    for key, el in {**{k: line_of[v] for k, v in branches.items()}, "fault": "fault.f"}.items():
        dss.Circuit.SetActiveElement(el)
        i = np.asarray(dss.CktElement.Currents())
        out[key] = np.abs(i[0:6:2] + 1j * i[1:6:2])[: 2 if key == "fault" else 3]
    return out


@pytest.mark.parametrize("fault_bus", ["F-DEPOT close-in", "F1-B08"])
def test_head_relay_carries_more_than_the_fault_by_kcl_as_opendss(with_fuse, fault_bus):
    """ver35's question: with the sites exporting, the feeder head R-F1 carries more than the
    fault's own current (LL min, firm/100 %: 4,193 A at F-DEPOT close-in against the bus's
    3,894 A; 1,237 A at F1-B08 against RC-F1's 1,000 A). Kirchhoff: the head carries the
    fault's current less the chargers' first-cycle current (depot 556 A + campus 125 A held
    at their limits, in phase with their terminal voltage), which flows back toward the grid
    — phase a, with no fault current, carries the chargers' 680 A alone. An independent
    OpenDSS run of the same net with the chargers as current sources under that law
    (:func:`_dss_first_cycle_a`) gives the same phase currents; C1 reads the largest of
    them for R-F1's phase element (as its CTs see it)."""
    pytest.importorskip("opendssdirect")
    ft, _, bus = with_fuse
    dev = ft.device
    rows = dev[(dev.fault_bus_name.astype(str) == fault_bus) & (dev.fault_type == "LL")
               & (dev.case.astype(str) == "min") & (dev.scenario.astype(str) == FIRM)]
    got = _dss_first_cycle_a(ft.close_in[1].net, fault_bus,
                             {"R-F1": "F1-L01", "RC-F1": "F1-L05"})
    for name in ("R-F1", "RC-F1"):
        r = rows[rows.device.astype(str) == name].iloc[0]
        mine = 1e3 * np.array([r.ia_ka, r.ib_ka, r.ic_ka], float)
        # R-F1 at F-DEPOT close-in 680.0 / 3,513.0 / 4,192.9 A vs OpenDSS 680.0 / 3,515.7 /
        # 4,195.6 A (the network's 0.07 %); at F1-B08 680.4 / 567.8 / 1,236.9 vs 680.4 /
        # 568.0 / 1,237.1 A; RC-F1 there 125.0 / 884.7 / 999.7 A both
        assert mine == pytest.approx(got[name], rel=2e-3, abs=1.0), name
    b = bus[(bus.bus_name.astype(str) == fault_bus) & (bus.fault_type.astype(str) == "LL")
            & (bus.case.astype(str) == "min") & (bus.scenario.astype(str) == FIRM)].iloc[0]
    assert 1e3 * b.ikss_ka == pytest.approx(got["fault"].max(), rel=2e-3)  # 3,894 vs 3,895 A
    head = 1e3 * rows[rows.device.astype(str) == "R-F1"][["ia_ka", "ib_ka", "ic_ka"]].to_numpy()
    assert head.max() > 1e3 * b.ikss_ka + 200.0  # more than the fault: the chargers' return
    assert head[0, 0] == pytest.approx(DEPOT_A + CAMPUS_A, rel=0.01)  # phase a: 680 A
