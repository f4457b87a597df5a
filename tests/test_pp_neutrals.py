"""Transformer star-point earthing through the pandapower path (``opendss_via: pandapower``).

Issue #20 item 1. Right values and their sources:

* ``../shared/cases/transformer-neutral-grounding/`` — its README's values (OpenDSS's fault
  study), within 0.5 %.
* Further members of the kind, written here as OpenDSS scripts (``_MEMBERS``): each compared with
  OpenDSS's own fault study of the same file (``opendss_fault_study``: ``solve mode=faultstudy``,
  ``|Voc_k / Zsc_kk|`` per phase node, ``Bus.Isc`` for 3ph) at every bus, within 0.5 %.
* A native pandapower net with ``trafo.rn_ohm``/``xn_ohm`` against pandapower's own
  ``calc_sc`` (IEC 60909, ``fault="1ph"``), 1e-6 relative, and the hand calculation
  ``I = 3·c·Un/√3 / |2·Z1 + Z0|`` with ``Z0 = Z_T0 + 3·Z_N`` (Blackburn & Domin 2014, ch. 7).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandapower as pp
import pytest
from pandapower.shortcircuit import calc_sc

pytest.importorskip("opendssdirect")

from protv2g.engine import fault_study  # noqa: E402
from protv2g.errors import InputError  # noqa: E402
from protv2g.network.opendss import import_opendss  # noqa: E402
from protv2g.network.opendss_reference import opendss_fault_study  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402

REL = 0.005
PHASE_CASES = Path(__file__).parent / "data" / "phase_cases"
HEAD = """Clear
Set DefaultBaseFrequency=60
New Circuit.nt basekv=115 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=1800 x1r1=10 x0r0=3
"""
TAIL = """New Linecode.oh nphases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=0 c0=0 units=km
New Line.l1 bus1=sub bus2=b1 linecode=oh length=3 units=km
Set VoltageBases=(115, 12.47, 4.16)
CalcVoltageBases
"""
DYN4 = """New Transformer.sub phases=3 windings=2 buses=(src sub.1.2.3.4) conns=(delta wye)
~ kvs=(115 12.47) kvas=(20000 20000) xhl=10 %Rs=(0.35 0.35) %imag=0 %noloadloss=0
"""
#: Further members of the kind (each a way an OpenDSS model earths a star point).
_MEMBERS = {
    # YNyn: HV star on its own node through 20 ohm, LV star on its own node through j5 ohm
    "ynyn_both_neutrals": """New Transformer.sub phases=3 windings=2 buses=(src.1.2.3.4 sub.1.2.3.4)
~ conns=(wye wye) kvs=(115 12.47) kvas=(20000 20000) xhl=10 %Rs=(0.35 0.35) %imag=0
~ %noloadloss=0
~ wdg=1 rneut=20 xneut=0
~ wdg=2 rneut=0 xneut=5
""",
    # NER (5 ohm) in series with a neutral reactor (j4 ohm) through a junction bus 'ngr'
    "ner_series_reactor": DYN4 + """New Reactor.ner phases=1 bus1=sub.4 bus2=ngr.1 R=5 X=0
New Reactor.ngx phases=1 bus1=ngr.1 R=0 X=4
""",
    # the winding's own Rneut (10 ohm) in parallel with a shunt reactor on the star node
    # (the IEEE 8500 generator step-up is earthed this way); a Monitor watches the winding
    "rneut_parallel_reactor": DYN4 + """~ wdg=2 rneut=10 xneut=0
New Reactor.ngx phases=1 bus1=sub.4 R=0 X=10
New Monitor.m element=Transformer.sub terminal=2
""",
    # delta-fed system earthed by a YNd grounding bank whose star point has a 5-ohm NER
    "grounding_bank_ner": """New Transformer.sub phases=3 windings=2 buses=(src sub)
~ conns=(delta delta) kvs=(115 12.47) kvas=(20000 20000) xhl=10 %Rs=(0.35 0.35) %imag=0
New Transformer.gnd phases=3 windings=2 buses=(sub.1.2.3.4 gndd) conns=(wye delta)
~ kvs=(12.47 4.16) kvas=(5000 5000) xhl=6 %Rs=(0.25 0.25) %imag=0 %noloadloss=0
~ wdg=1 rneut=5 xneut=0
""",
    # own node with Rneut = Xneut = 0: solidly earthed
    "own_node_solid": DYN4 + """~ wdg=2 rneut=0 xneut=0
""",
    # a 1-phase Line (a neutral cable) from the star point to ground
    "neutral_line_to_ground": DYN4 + """New Line.nc phases=1 bus1=sub.4 bus2=sub.0
~ R1=2 X1=1 R0=2 X0=1 C1=0 C0=0 length=1 units=km
""",
    # a bank of three single-phase units, stars on a common node earthed by an 8-ohm NER
    "bank_common_ner": """New Transformer.sa phases=1 windings=2 bank=sb buses=(src.1.2 sub.1.4)
~ conns=(delta wye) kvs=(115 7.2) kvas=(6667 6667) xhl=10 %Rs=(0.35 0.35) %imag=0
New Transformer.sb like=sa buses=(src.2.3 sub.2.4)
New Transformer.sc like=sa buses=(src.3.1 sub.3.4)
New Reactor.ner phases=1 bus1=sub.4 bus2=sub.0 R=8 X=0
""",
}


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.dss"
    path.write_text(HEAD + _MEMBERS[name] + TAIL)
    return path


def _ours(path: Path) -> dict[tuple[str, str], float]:
    """(bus, '3ph'/'SLG') → A through import_opendss and the sequence engine (classical)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = import_opendss(path).net
        bus = fault_study(net, method=Method.CLASSICAL, cases=[Case.MAX],
                          fault_types=[FaultType.THREE_PHASE, FaultType.SINGLE_LINE_GROUND]).bus
    return {(r.bus_name, r.fault_type): r.ikss_ka * 1e3 for r in bus.itertuples()}


def _opendss(path: Path) -> dict[tuple[str, str], float]:
    ref, _ = opendss_fault_study(path)
    ref = ref[ref.n_phases == 3]
    out = {}
    for bus, rows in ref.groupby("bus"):
        out[(bus, "3ph")] = float(rows.isc_a.mean())
        out[(bus, "SLG")] = float(rows.slg_a.max())
    return out


def _assert_close(ours: dict, ref: dict) -> None:
    common = set(ours) & set(ref)
    assert {b for b, _ in common} >= {"src", "sub", "b1"}
    for key in sorted(common):
        if ref[key] < 1.0:
            assert ours[key] < 1.0, key
        else:
            assert ours[key] == pytest.approx(ref[key], rel=REL), key


# ------------------------------------------------------------------ ../shared/cases


@pytest.mark.parametrize("master, slg_a", [
    ("master.dss", 8661.4), ("master_n4_rneut8.dss", 888.6),
    ("master_n4_reactor.dss", 888.6), ("master_n4_floating.dss", 0.0)])
def test_shared_case_values(shared_dir, master, slg_a):
    ours = _ours(shared_dir / "cases" / "transformer-neutral-grounding" / master)
    assert ours[("sub", "3ph")] == pytest.approx(8399.6, rel=REL)
    if slg_a == 0.0:
        assert ours[("sub", "SLG")] < 1.0
    else:
        assert ours[("sub", "SLG")] == pytest.approx(slg_a, rel=REL)


def test_shared_reactor_is_a_neutral_impedance_not_a_shunt(shared_dir):
    path = shared_dir / "cases" / "transformer-neutral-grounding" / "master_n4_reactor.dss"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imp = import_opendss(path)
    trafo = imp.net.trafo.iloc[0]
    assert trafo.vector_group == "Dyn"
    assert complex(trafo.rn_ohm, trafo.xn_ohm) == pytest.approx(8 + 0.001j, rel=1e-9)
    w = imp.warnings
    ngr = w[w.name.str.lower() == "reactor.ngr"]
    assert len(ngr) == 1 and "neutral impedance" in ngr.action.iloc[0]
    assert not w.what.str.contains("shunt reactor").any()
    assert w.what.str.contains("sub.4: earthed through 8").any()


# ------------------------------------------------------------------ further members


@pytest.mark.parametrize("name", sorted(_MEMBERS))
def test_member_matches_opendss_fault_study(tmp_path, name):
    path = _write(tmp_path, name)
    _assert_close(_ours(path), _opendss(path))


@pytest.mark.parametrize("path", [PHASE_CASES / "grounding_bank_ynd.dss",
                                  PHASE_CASES / "neutral_reactance.dss"],
                         ids=["grounding_bank_ynd", "neutral_reactance"])
def test_phase_case_files_through_pandapower(path):
    """The phase-path test files: an unloaded YNd grounding bank; rneut=0, xneut=6 on node 4."""
    _assert_close(_ours(path), _opendss(path))


def test_zigzag_bank_is_refused_with_the_phase_path():
    with pytest.raises(InputError) as err, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import_opendss(PHASE_CASES / "grounding_bank_zigzag.dss")
    text = str(err.value)
    assert "Transformer.zz" in text and "opendss_via: phase" in text


def test_load_on_a_star_point_is_refused(tmp_path):
    path = tmp_path / "load_on_star.dss"
    path.write_text(HEAD + DYN4 + "~ wdg=2 rneut=8\n"
                    "New Load.n phases=1 bus1=sub.1.4 kv=7.2 kw=100 kvar=10\n" + TAIL)
    with pytest.raises(InputError) as err, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import_opendss(path)
    assert "Load.n" in str(err.value) and "opendss_via: phase" in str(err.value)


@pytest.mark.parametrize("extra, culprit", [
    # two transformers' star points on one neutral network (coupled through the NER)
    (DYN4 + DYN4.replace("Transformer.sub", "Transformer.t2")
     + "New Reactor.ner phases=1 bus1=sub.4 R=8 X=0\n", "Transformer."),
    # a bank whose units are each earthed through their own resistor
    ("""New Transformer.sa phases=1 windings=2 bank=sb buses=(src.1.2 sub.1.4)
~ conns=(delta wye) kvs=(115 7.2) kvas=(6667 6667) xhl=10 %imag=0
~ wdg=2 rneut=8
New Transformer.sb like=sa buses=(src.2.3 sub.2.5)
New Transformer.sc like=sa buses=(src.3.1 sub.3.6)
""", "Transformer.sa"),
    # a grounding transformer modelled as a shunt reactor with Z0 << Z1
    (DYN4 + "~ wdg=2 rneut=8\nNew Reactor.gr phases=3 bus1=sub Z1=[1 500] Z0=[0.1 2]\n",
     "Reactor.gr"),
], ids=["coupled_neutrals", "bank_separate_ners", "grounding_reactor"])
def test_unrepresentable_earthing_is_refused(tmp_path, extra, culprit):
    path = tmp_path / "refused.dss"
    path.write_text(HEAD + extra + TAIL)
    with pytest.raises(InputError) as err, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import_opendss(path)
    assert culprit in str(err.value) and "opendss_via: phase" in str(err.value)


def test_ordinary_shunt_reactor_is_still_dropped_with_a_warning(tmp_path):
    path = tmp_path / "shunt.dss"
    path.write_text(HEAD + DYN4 + "New Reactor.sr phases=3 bus1=sub kvar=1000 kv=12.47\n" + TAIL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = import_opendss(path).warnings
    assert (w[w.name.str.lower() == "reactor.sr"].what == "shunt reactor").all()


def test_neutral_only_bus_gets_no_pandapower_bus(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imp = import_opendss(_write(tmp_path, "ner_series_reactor"))
    assert "ngr" not in set(imp.net.bus.name)
    assert imp.net.bus.set_index("name").at["sub", "dss_nodes"] == "1.2.3"
    trafo = imp.net.trafo.iloc[0]
    assert complex(trafo.rn_ohm, trafo.xn_ohm) == pytest.approx(5 + 4j, rel=1e-6)


# ------------------------------------------------------------------ native pandapower net


def _native(rn_ohm: float, xn_ohm: float) -> pp.pandapowerNet:
    net = pp.create_empty_network(f_hz=60.0)
    hv = pp.create_bus(net, 115.0, name="src")
    lv = pp.create_bus(net, 12.47, name="sub")
    b1 = pp.create_bus(net, 12.47, name="b1")
    pp.create_ext_grid(net, hv, s_sc_max_mva=2000.0, s_sc_min_mva=1500.0, rx_max=0.1,
                       rx_min=0.1, x0x_max=1.0, r0x0_max=0.1, x0x_min=1.0, r0x0_min=0.1)
    pp.create_transformer_from_parameters(
        net, hv, lv, sn_mva=20.0, vn_hv_kv=115.0, vn_lv_kv=12.47, vkr_percent=0.7,
        vk_percent=10.0, pfe_kw=0.0, i0_percent=0.0, vector_group="Dyn", vk0_percent=10.0,
        vkr0_percent=0.7, mag0_percent=100.0, mag0_rx=0.0, si0_hv_partial=0.9)
    net.trafo["rn_ohm"] = rn_ohm
    net.trafo["xn_ohm"] = xn_ohm
    pp.create_line_from_parameters(net, lv, b1, length_km=3.0, r_ohm_per_km=0.3,
                                   x_ohm_per_km=0.6, c_nf_per_km=0.0, r0_ohm_per_km=0.6,
                                   x0_ohm_per_km=1.8, c0_nf_per_km=0.0, max_i_ka=0.4,
                                   endtemp_degree=80.0)
    return net


@pytest.mark.parametrize("rn_ohm, xn_ohm", [(0.0, 6.0), (2.0, 6.0), (8.0, 0.0)])
def test_native_neutral_impedance_matches_calc_sc(rn_ohm, xn_ohm):
    net = _native(rn_ohm, xn_ohm)
    ours = fault_study(net, fault_types=[FaultType.SINGLE_LINE_GROUND], cases=[Case.MAX]).bus
    ours = ours.set_index("bus_name").ikss_ka
    ref = _native(rn_ohm, xn_ohm)
    calc_sc(ref, fault="1ph", case="max", branch_results=False)
    for idx, name in ref.bus.name.items():
        assert ours[name] == pytest.approx(ref.res_bus_sc.at[idx, "ikss_ka"], rel=1e-6), name
    # hand calculation at 'sub' (IEC 60909 c = 1.1, transformer correction factor K_T):
    # Z1 = Z_Q + K_T·Z_T, Z0 = K_T·Z_T + 3·Z_N (Dyn: the grid's zero sequence is cut off)
    un = 12.47
    zq = 1.1 * un**2 / 2000.0 * (0.1 + 1j) / np.hypot(0.1, 1.0)
    xt_pu = np.sqrt(0.10**2 - 0.007**2)
    kt = 0.95 * 1.1 / (1 + 0.6 * xt_pu)
    zt = kt * (0.007 + 1j * xt_pu) * un**2 / 20.0
    z1, z0 = zq + zt, zt + 3 * complex(rn_ohm, xn_ohm)
    i_hand_ka = 3 * 1.1 * un / np.sqrt(3) / abs(2 * z1 + z0)
    assert ours["sub"] == pytest.approx(i_hand_ka, rel=1e-3)
